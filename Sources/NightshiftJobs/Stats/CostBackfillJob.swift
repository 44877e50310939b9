import Foundation
import Logging
import NightshiftAI
import NightshiftCore
import NightshiftStore

/// `nightshift costs backfill`: fills missing costs in `agent_executions.cost_usd` and `ai_runs.cost_usd` from
/// their tokens and the price table, in batches (one transaction each).
///
/// "Missing" is NULL, or zero while tokens were used (the design's column default recorded "not computed" as
/// 0). Rows with a cost are left alone unless `recompute`. Unknown models are left NULL and named in the report.
/// Executions that recorded only a total (`tokens_used`, no prompt/completion split in `metadata`) are left
/// unpriced and counted, unless `assumedPromptShare` is given: then that share of the total is priced as
/// prompt, the rest as completion, and the row's metadata says `cost_estimated: true` with the basis.
public struct CostBackfillJob: Sendable {
    public var since: Date?
    public var dryRun: Bool
    public var recompute: Bool
    public var assumedPromptShare: Double?
    public var batchSize: Int
    public var prices: PriceTable

    public init(
        since: Date? = nil, dryRun: Bool = false, recompute: Bool = false, assumedPromptShare: Double? = nil,
        batchSize: Int = 5000, prices: PriceTable = .builtIn
    ) {
        self.since = since
        self.dryRun = dryRun
        self.recompute = recompute
        self.assumedPromptShare = assumedPromptShare
        self.batchSize = batchSize
        self.prices = prices
    }

    /// One source × model line of the report.
    public struct Line: Sendable, Hashable {
        public var source: String
        public var model: String
        /// The price-table model it resolved to; nil when unknown.
        public var pricedAs: String?
        public var rows: Int
        public var priced: Int
        public var withoutSplit: Int
        public var cost: Decimal
    }

    public struct Report: JobReport, Sendable {
        public var lines: [Line]
        public var dryRun: Bool

        public var failed: Bool { false }
        public var unknownModels: [Line] { lines.filter { $0.pricedAs == nil } }

        public var counts: JSONValue {
            .object([
                "dry_run": .bool(dryRun),
                "priced": .number(Double(lines.reduce(0) { $0 + $1.priced })),
                "without_split": .number(Double(lines.reduce(0) { $0 + $1.withoutSplit })),
                "unknown_model_rows": .number(Double(unknownModels.reduce(0) { $0 + $1.rows })),
                "cost_usd": .string("\(lines.reduce(Decimal(0)) { $0 + $1.cost })"),
                "lines": .array(lines.map { line in
                    [
                        "source": .string(line.source), "model": .string(line.model),
                        "priced_as": line.pricedAs.map(JSONValue.string) ?? .null, "rows": .number(Double(line.rows)),
                        "priced": .number(Double(line.priced)), "without_split": .number(Double(line.withoutSplit)),
                        "cost_usd": .string("\(line.cost)"),
                    ]
                }),
            ])
        }
    }

    public func run(in context: JobContext) async throws -> Report {
        if let share = assumedPromptShare, !(0...1).contains(share) {
            throw NightshiftError.invalidInput("--assume-prompt-share must be between 0 and 1")
        }
        return try await JobRecorder.record("costs-backfill", in: context) {
            var lines: [Line] = []
            for (source, model, rows) in try await context.store.usageModelsNeedingCost(since: since, recompute: recompute) {
                guard let price = prices.price(for: model), let input = price.inputPerMillion,
                    let output = price.outputPerMillion
                else {
                    context.logger.warning(
                        "unknown model: left without cost", metadata: ["model": "\(model.isEmpty ? "(none)" : model)", "source": "\(source)", "rows": "\(rows)"])
                    lines.append(Line(source: source, model: model, pricedAs: nil, rows: rows, priced: 0, withoutSplit: 0, cost: 0))
                    continue
                }
                let counts = try await context.store.backfillCosts(
                    source: source, model: model, price: CostRates(input: input, output: output), since: since,
                    recompute: recompute, assumedPromptShare: assumedPromptShare, batchSize: batchSize, dryRun: dryRun)
                lines.append(
                    Line(source: source, model: model, pricedAs: price.model, rows: rows, priced: counts.priced,
                         withoutSplit: counts.withoutSplit, cost: counts.totalCost))
            }
            return Report(lines: lines, dryRun: dryRun)
        }
    }
}
