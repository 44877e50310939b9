import Foundation
import NightshiftAI
import NightshiftCore
import NightshiftStore

/// `nightshift report costs`: usage and cost from `daily_usage_stats` over a date range, grouped by a period
/// and/or dimensions, as CSV (RFC 4180), JSON or an aligned table.
public struct CostReport: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case csv, json, table
    }

    public var from: Day
    public var to: Day
    public var grouping: ReportGrouping
    public var timezone: String
    public var format: Format
    public var totals: Bool
    public var crlf: Bool
    public var decimals: Int
    /// CSV only: start with a UTF-8 byte order mark, so that Excel reads the file as UTF-8.
    public var bom: Bool
    /// CSV only: the field separator.
    public var delimiter: Character
    /// Resolves recorded model names to the price table's, so that dated and base names are one row.
    public var prices: PriceTable

    public init(
        from: Day, to: Day, grouping: ReportGrouping, timezone: String = "UTC", format: Format = .csv,
        totals: Bool = false, crlf: Bool = false, decimals: Int = 6, bom: Bool = false, delimiter: Character = ",",
        prices: PriceTable = .builtIn
    ) {
        self.from = from
        self.to = to
        self.grouping = grouping
        self.timezone = timezone
        self.format = format
        self.totals = totals
        self.crlf = crlf
        self.decimals = decimals
        self.bom = bom
        self.delimiter = delimiter
        self.prices = prices
    }

    /// The rows, in a stable order (period, user, agent, model, source), whatever the store's collation. Grouped
    /// by model, the rows of names that resolve to one price-table entry (`claude-sonnet-4-5-20250929` and
    /// `claude-sonnet-4-5`) are one row under that entry's name, with the recorded names in `recordedModels`.
    public func rows(in store: any Store) async throws -> [CostReportRow] {
        guard from <= to else {
            throw NightshiftError.invalidInput("--to is before --from", context: ["from": "\(from)", "to": "\(to)"])
        }
        _ = try UsageTimeZone.validate(timezone)
        var rows = try await store.costReport(from: from, to: to, timezone: timezone, grouping: grouping)
        if grouping.dimensions.contains(.model) { rows = mergeModels(rows) }
        return rows.sorted { a, b in
            let left = [a.period?.description ?? "", a.userID?.canonical ?? "", a.agent ?? "", a.model ?? "", a.source ?? ""]
            let right = [b.period?.description ?? "", b.userID?.canonical ?? "", b.agent ?? "", b.model ?? "", b.source ?? ""]
            return left.lexicographicallyPrecedes(right) { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        }
    }

    /// The name a recorded model is reported under: the price table's when it knows the model, else as recorded.
    public func reportedModel(_ recorded: String) -> String {
        prices.price(for: recorded)?.model ?? recorded
    }

    func mergeModels(_ rows: [CostReportRow]) -> [CostReportRow] {
        struct Key: Hashable {
            var period: Day?
            var user: UUID?
            var agent: String?
            var model: String?
            var source: String?
        }
        var merged: [Key: CostReportRow] = [:]
        var order: [Key] = []
        for var row in rows {
            let recorded = row.model ?? ""
            row.model = row.model.map(reportedModel)
            row.recordedModels = [recorded]
            let key = Key(period: row.period, user: row.userID, agent: row.agent, model: row.model, source: row.source)
            guard var existing = merged[key] else {
                merged[key] = row
                order.append(key)
                continue
            }
            existing.runs += row.runs
            existing.failures += row.failures
            existing.promptTokens += row.promptTokens
            existing.completionTokens += row.completionTokens
            existing.totalTokens += row.totalTokens
            existing.costUSD += row.costUSD
            existing.unpricedRuns += row.unpricedRuns
            if let max = row.maxLatencyMs { existing.maxLatencyMs = Swift.max(existing.maxLatencyMs ?? max, max) }
            existing.latencySumMs += row.latencySumMs
            existing.latencySamples += row.latencySamples
            if !existing.recordedModels.contains(recorded) {
                existing.recordedModels.append(recorded)
                existing.recordedModels.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            }
            merged[key] = existing
        }
        return order.compactMap { merged[$0] }
    }

    /// Why the statistics cannot answer for the range, as sentences that end with the fix; empty when they can
    /// (including when the range truly has no executions). `stale` lists days whose source rows changed after
    /// the last incremental `stats` run of this time zone: the report is complete up to that run.
    public func coverage(in store: any Store) async throws -> (missing: [String], stale: [String]) {
        let coverage = try await store.usageCoverage(from: from, to: to, timezone: timezone)
        let zoneFlag = timezone == "UTC" ? "" : " --timezone \(timezone)"
        var missing: [String] = []
        let days = coverage.uncomputedDaysWithUsage
        if let first = days.first, let last = days.last {
            let which = days.count == 1 ? "\(first) has" : "\(days.count) days (\(first) to \(last)) have"
            if coverage.computedDays.isEmpty, !coverage.otherTimeZones.isEmpty {
                missing.append(
                    "no statistics in time zone \(timezone) for \(from) to \(to) (they were computed in "
                        + coverage.otherTimeZones.joined(separator: ", ")
                        + "): run `nightshift stats\(zoneFlag)`, or pass --fresh")
            } else {
                missing.append(
                    "\(which) executions but no statistics in time zone \(timezone): run `nightshift stats\(zoneFlag)`, "
                        + "or pass --fresh")
            }
        }
        var stale: [String] = []
        if missing.isEmpty,
            let mark = try await store.jobState(job: "stats", key: StatsJob.watermarkKey(timezone))?.stringValue
                .flatMap(Timestamp.parse)
        {
            let changed = try await store.changedUsageDays(since: mark, timezone: timezone).filter { $0 >= from && $0 <= to }
            if let first = changed.first, let last = changed.last {
                let which = changed.count == 1 ? "\(first) has" : "\(changed.count) days (\(first) to \(last)) have"
                stale.append(
                    "\(which) executions added or changed since the last `nightshift stats` run; the report leaves them "
                        + "out: run `nightshift stats\(zoneFlag)` first, or pass --fresh")
            }
        }
        return (missing, stale)
    }

    /// Column names in output order.
    public var columns: [String] {
        var names: [String] = []
        if let period = grouping.period { names.append(period.rawValue) }
        for dimension in ReportGrouping.Dimension.allCases where grouping.dimensions.contains(dimension) {
            names.append(dimension == .user ? "user_id" : dimension.rawValue)
            if dimension == .model { names.append("recorded_models") }
        }
        return names + [
            "runs", "failures", "prompt_tokens", "completion_tokens", "total_tokens", "cost_usd", "unpriced_runs",
            "avg_latency_ms", "max_latency_ms",
        ]
    }

    func fields(_ row: CostReportRow, label: String? = nil) -> [CSVWriter.Field] {
        var fields: [CSVWriter.Field] = []
        var labelPending = label
        func text(_ value: String?) -> CSVWriter.Field {
            if let pending = labelPending {
                labelPending = nil
                return .text(pending)
            }
            return value.map(CSVWriter.Field.text) ?? .empty
        }
        if grouping.period != nil { fields.append(text(row.period?.description)) }
        for dimension in ReportGrouping.Dimension.allCases where grouping.dimensions.contains(dimension) {
            switch dimension {
            case .user: fields.append(text(row.userID?.canonical))
            case .agent: fields.append(text(row.agent))
            case .model:
                fields.append(text(row.model))
                fields.append(text(row.recordedModels.isEmpty ? nil : row.recordedModels.joined(separator: " ")))
            case .source: fields.append(text(row.source))
            }
        }
        fields += [
            .number(String(row.runs)), .number(String(row.failures)), .number(String(row.promptTokens)),
            .number(String(row.completionTokens)), .number(String(row.totalTokens)),
            // Runs without a price have no cost: empty (JSON null), never a zero that a sum would take for one.
            row.runs > 0 && row.unpricedRuns >= row.runs ? .empty : .number(Self.fixed(row.costUSD, decimals: decimals)),
            .number(String(row.unpricedRuns)),
            row.averageLatencyMs.map { .number(String(format: "%.1f", $0)) } ?? .empty,
            row.maxLatencyMs.map { .number(String($0)) } ?? .empty,
        ]
        return fields
    }

    /// A decimal with exactly `decimals` places (rounded half away from zero), no exponent, no grouping.
    public static func fixed(_ value: Decimal, decimals: Int) -> String {
        var input = value
        var rounded = Decimal()
        NSDecimalRound(&rounded, &input, decimals, .plain)
        var text = NSDecimalNumber(decimal: rounded).stringValue
        if decimals > 0 {
            if !text.contains(".") { text += "." }
            let places = text.count - (text.firstIndex(of: ".").map { text.distance(from: text.startIndex, to: $0) } ?? 0) - 1
            if places < decimals { text += String(repeating: "0", count: decimals - places) }
        }
        return text
    }

    /// The sum of all rows, for the totals row.
    public static func total(_ rows: [CostReportRow]) -> CostReportRow {
        var total = CostReportRow(
            period: nil, userID: nil, agent: nil, model: nil, source: nil, runs: 0, failures: 0, promptTokens: 0,
            completionTokens: 0, totalTokens: 0, costUSD: 0, unpricedRuns: 0, maxLatencyMs: nil, latencySumMs: 0,
            latencySamples: 0)
        for row in rows {
            total.runs += row.runs
            total.failures += row.failures
            total.promptTokens += row.promptTokens
            total.completionTokens += row.completionTokens
            total.totalTokens += row.totalTokens
            total.costUSD += row.costUSD
            total.unpricedRuns += row.unpricedRuns
            if let max = row.maxLatencyMs { total.maxLatencyMs = Swift.max(total.maxLatencyMs ?? max, max) }
            total.latencySumMs += row.latencySumMs
            total.latencySamples += row.latencySamples
        }
        return total
    }

    /// The report as text in the chosen format.
    public func render(_ rows: [CostReportRow]) -> String {
        switch format {
        case .csv:
            var writer = CSVWriter(crlf: crlf, delimiter: delimiter)
            writer.header(columns)
            for row in rows { writer.row(fields(row)) }
            if totals { writer.row(fields(Self.total(rows), label: "TOTAL")) }
            return (bom ? "\u{FEFF}" : "") + writer.output
        case .json:
            var objects: [JSONValue] = rows.map(json)
            if totals {
                var total = json(Self.total(rows))
                if case .object(var members) = total {
                    members["total"] = true
                    total = .object(members)
                }
                objects.append(total)
            }
            return JSONValue.array(objects).jsonText + "\n"
        case .table:
            let header = columns
            var table = [header]
            for row in rows { table.append(fields(row).map(Self.plain)) }
            if totals { table.append(fields(Self.total(rows), label: "TOTAL").map(Self.plain)) }
            let widths = header.indices.map { column in table.map { $0[column].count }.max() ?? 0 }
            return table.map { line in
                zip(line, widths).enumerated().map { index, pair in
                    index >= header.count - 9 ? String(repeating: " ", count: pair.1 - pair.0.count) + pair.0
                        : pair.0 + String(repeating: " ", count: pair.1 - pair.0.count)
                }.joined(separator: "  ")
            }.joined(separator: "\n") + "\n"
        }
    }

    static func plain(_ field: CSVWriter.Field) -> String {
        switch field {
        case .empty: return ""
        case .number(let text), .text(let text): return text
        }
    }

    func json(_ row: CostReportRow) -> JSONValue {
        var object: [String: JSONValue] = [:]
        for (name, field) in zip(columns, fields(row)) {
            switch field {
            case .empty: object[name] = name == "recorded_models" ? .array([]) : .null
            case .text(let text):
                object[name] = name == "recorded_models"
                    ? .array(text.split(separator: " ").map { JSONValue.string(String($0)) }) : .string(text)
            case .number(let text):
                object[name] = name == "cost_usd" ? .string(text) : (Double(text).map(JSONValue.number) ?? .string(text))
            }
        }
        return .object(object)
    }
}
