import ArgumentParser
import Foundation
import NightshiftAI
import NightshiftCore
import NightshiftJobs
import NightshiftStore

/// Parses `YYYY-MM-DD` for ArgumentParser; a bad date is a usage error (exit 2).
extension Day: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(argument)
    }
}

/// An IANA time zone name, checked when parsed: an unknown one is a usage error (exit 2), never UTC in disguise.
struct ZoneName: ExpressibleByArgument, Sendable, CustomStringConvertible {
    let identifier: String

    init(_ identifier: String) { self.identifier = identifier }

    init?(argument: String) {
        guard TimeZone(identifier: argument) != nil else { return nil }
        identifier = argument
    }

    var description: String { identifier }
    var defaultValueDescription: String { identifier }
}

extension CostReport.Format: ExpressibleByArgument {}

/// The day options every dated command shares: `--from`/`--to`, with the older `--since`/`--until` accepted
/// as hidden aliases.
struct DayRange: ParsableArguments {
    @Option(help: ArgumentHelp("First day (YYYY-MM-DD).", valueName: "date"))
    var from: Day?

    @Option(help: ArgumentHelp("Last day (YYYY-MM-DD), inclusive.", valueName: "date"))
    var to: Day?

    @Option(name: .customLong("since"), help: .hidden)
    var since: Day?

    @Option(name: .customLong("until"), help: .hidden)
    var until: Day?

    var first: Day? { from ?? since }
    var last: Day? { to ?? until }

    func validate() throws {
        if from != nil, since != nil { throw ValidationError("give --from once (--since is its old name)") }
        if to != nil, until != nil { throw ValidationError("give --to once (--until is its old name)") }
        if let first, let last, last < first { throw ValidationError("--to is before --from") }
    }
}

struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Aggregate agent_executions and ai_runs into daily_usage_stats.",
        discussion: """
            Per day × source table × user × agent × model × status: runs, failures, prompt/completion/total tokens, \
            cost (failed and timed-out runs included), runs without a price, latency p50/p95/max.

            Incremental by default: recomputes the days of rows inserted or changed since the last run (minus a \
            look-back window, default 1 hour), so a late row is counted on its own day. Each day is replaced in one \
            transaction; a rerun writes nothing. --from/--to recompute an explicit range instead (after \
            deleting usage rows, say) and leave the watermark alone.

            Examples:
              nightshift stats
              nightshift stats --timezone Europe/Berlin
              nightshift stats --from 2026-01-01 --to 2026-03-31 --json
            """
    )

    @OptionGroup var store: StoreOptions

    @OptionGroup var days: DayRange

    @Option(help: ArgumentHelp("Time zone whose midnight ends a day (IANA name).", valueName: "zone"))
    var timezone = ZoneName("UTC")

    @Option(help: ArgumentHelp("Look-back window in seconds for rows committed late.", valueName: "seconds"))
    var lookback: Double = 3600

    @Flag(help: "Print machine-readable JSON.")
    var json = false

    func validate() throws {
        if lookback < 0 { throw ValidationError("--lookback must not be negative") }
    }

    func run() async throws {
        try await runReportingErrors {
            let report = try await withStore(self.store) { store, configuration in
                try await StatsJob(
                    since: days.first, until: days.last, timezone: timezone.identifier, lookback: lookback
                ).run(in: JobContext(store: store, configuration: configuration, logger: Log.logger("stats")))
            }
            if json {
                printJSON(report.counts)
            } else {
                let range = report.days.isEmpty ? "no days" : "\(report.days.count) day(s), \(report.days[0])…\(report.days[report.days.count - 1])"
                print("stats (\(timezone)): \(range); rows +\(report.writes.inserted) ~\(report.writes.updated) -\(report.writes.deleted) in \(String(format: "%.2f", report.seconds)) s")
            }
        }
    }
}

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reports for finance and operations.",
        discussion: """
            Examples:
              nightshift report costs --from 2026-11-01 --to 2026-11-30
              nightshift report costs --from 2026-11-01 --to 2026-11-30 --group-by model --bom --delimiter ';' --output nov.csv
              nightshift report costs --from 2026-11-01 --to 2026-11-07 --fresh --json
            """,
        subcommands: [Costs.self]
    )

    struct Costs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cost and usage over a date range, as CSV, JSON or a table.",
            discussion: """
                Reads daily_usage_stats (run `nightshift stats` first, or pass --fresh to recompute the range). \
                When days of the range have executions but no statistics (stats not run, or run in another \
                --timezone), the report is not written: the error says which days and what to run (exit 1). \
                A range with no executions at all gives the header alone (exit 0, with a note on stderr).

                CSV is RFC 4180: header row, stable column order, quoted fields, UTF-8, ISO dates, costs with a \
                fixed number of decimals; a row whose runs all lack a price has an empty cost, never 0. Text that \
                a spreadsheet would run as a formula gets a leading '. Grouped by model, the dated and base names \
                of one model (claude-sonnet-4-5-20250929, claude-sonnet-4-5) are one row under the price table's \
                name, with the names as recorded in recorded_models. For Excel: --bom, and --delimiter ';' where \
                the decimal separator is a comma. --output replaces the file atomically (a temporary file in the \
                same folder, flushed, then renamed): a failed run leaves the old file as it was.

                Examples:
                  nightshift report costs --from 2026-11-01 --to 2026-11-30
                  nightshift report costs --from 2026-01-01 --to 2026-12-31 --group-by month,model --totals --output costs-2026.csv
                  nightshift report costs --from 2026-11-01 --to 2026-11-07 --group-by day,user --format table
                  nightshift report costs --from 2026-11-01 --to 2026-11-30 --bom --delimiter ';' --output nov.csv
                """
        )

        @OptionGroup var store: StoreOptions

        @Option(help: ArgumentHelp("First day (YYYY-MM-DD).", valueName: "date"))
        var from: Day

        @Option(help: ArgumentHelp("Last day (YYYY-MM-DD), inclusive.", valueName: "date"))
        var to: Day

        @Option(
            name: .customLong("group-by"),
            help: ArgumentHelp("day|week|month and/or user,agent,model,source, comma-separated.", valueName: "list"))
        var groupBy = "day"

        @Option(help: ArgumentHelp("csv, json or table.", valueName: "format"))
        var format: CostReport.Format = .csv

        @Flag(help: "Print JSON (the same as --format json).")
        var json = false

        @Option(help: ArgumentHelp("Write to this file (atomically) instead of stdout.", valueName: "file"))
        var output: String?

        @Flag(help: "Append a totals row.")
        var totals = false

        @Flag(help: "End CSV lines with CR LF.")
        var crlf = false

        @Flag(help: "Start the CSV with a UTF-8 byte order mark (Excel then reads it as UTF-8).")
        var bom = false

        @Option(help: ArgumentHelp("CSV field separator: one character, e.g. ';'.", valueName: "char"))
        var delimiter = ","

        @Option(help: ArgumentHelp("Decimals of cost columns.", valueName: "n"))
        var decimals = 6

        @Option(help: ArgumentHelp("Time zone of the statistics to read.", valueName: "zone"))
        var timezone = ZoneName("UTC")

        @Flag(help: "Recompute the statistics of the range first.")
        var fresh = false

        @Flag(help: "No notes on stderr (errors still go there).")
        var quiet = false

        var chosenFormat: CostReport.Format { json ? .json : format }

        func validate() throws {
            if to < from { throw ValidationError("--to is before --from") }
            if json, format != .csv, format != .json { throw ValidationError("--json and --format \(format) disagree") }
            do {
                _ = try ReportGrouping(parsing: groupBy)
            } catch let error as NightshiftError {
                throw ValidationError(error.message)
            }
            if let problem = CSVWriter.delimiterProblem(delimiter) { throw ValidationError(problem) }
            if !(0...12).contains(decimals) { throw ValidationError("--decimals must be between 0 and 12") }
        }

        func run() async throws {
            try await runReportingErrors {
                let (report, rows) = try await withStore(self.store) { store, configuration in
                    if fresh {
                        _ = try await StatsJob(since: from, until: to, timezone: timezone.identifier).run(
                            in: JobContext(store: store, configuration: configuration, logger: Log.logger("stats")))
                    }
                    let report = CostReport(
                        from: from, to: to, grouping: try ReportGrouping(parsing: groupBy), timezone: timezone.identifier,
                        format: chosenFormat, totals: totals, crlf: crlf, decimals: decimals, bom: bom,
                        delimiter: delimiter.first ?? ",",
                        prices: try PriceTable.load(overrideFile: configuration["NIGHTSHIFT_PRICES"]))
                    let coverage = try await report.coverage(in: store)
                    if let problem = coverage.missing.first {
                        throw NightshiftError(.notFound, "the report would leave out usage: " + problem)
                    }
                    for problem in coverage.stale { warn(problem) }
                    return (report, try await report.rows(in: store))
                }
                if rows.isEmpty { note("no executions from \(from) to \(to); the report has no rows", quiet: quiet) }
                let text = report.render(rows)
                if let output {
                    try AtomicFile.write(text, to: output)
                } else {
                    FileHandle.standardOutput.write(Data(text.utf8))
                }
            }
        }
    }
}

struct CostsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "costs",
        abstract: "Maintain recorded costs.",
        discussion: """
            Examples:
              nightshift costs backfill --dry-run
              nightshift costs backfill --from 2026-01-01 --json
            """,
        subcommands: [Backfill.self]
    )

    struct Backfill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fill missing costs of agent_executions and ai_runs from their tokens and the price table.",
            discussion: """
                Missing means NULL, or 0 while tokens were used (the design's column default). Rows with a cost are \
                left alone unless --recompute. Unknown models stay without a cost and are named. Executions that \
                recorded only a total token count stay unpriced and are counted, unless --assume-prompt-share \
                prices them (that share of the total as prompt tokens) and marks them cost_estimated in metadata. \
                Works in batches, one transaction each; --dry-run changes nothing.

                Examples:
                  nightshift costs backfill --dry-run
                  nightshift costs backfill --from 2026-01-01 --prices my-prices.json
                  nightshift costs backfill --assume-prompt-share 0.8
                """
        )

        @OptionGroup var store: StoreOptions

        @Option(help: ArgumentHelp("Only rows created on or after this day (YYYY-MM-DD).", valueName: "date"))
        var from: Day?

        @Option(name: .customLong("since"), help: .hidden)
        var since: Day?

        @Flag(help: "Report what would change; change nothing.")
        var dryRun = false

        @Flag(help: "Recompute rows that already have a cost.")
        var recompute = false

        @Option(help: ArgumentHelp("Price totals-only executions with this prompt share (0…1).", valueName: "share"))
        var assumePromptShare: Double?

        @Option(help: ArgumentHelp("A price file overriding/adding models (format of data/prices.json).", valueName: "file"))
        var prices: String?

        @Option(help: ArgumentHelp("Rows per transaction.", valueName: "n"))
        var batchSize = 5000

        @Flag(help: "Print machine-readable JSON.")
        var json = false

        func validate() throws {
            if from != nil, since != nil { throw ValidationError("give --from once (--since is its old name)") }
            if let share = assumePromptShare, !(0...1).contains(share) {
                throw ValidationError("--assume-prompt-share must be between 0 and 1")
            }
            if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        }

        func run() async throws {
            try await runReportingErrors {
                let report = try await withStore(self.store) { store, configuration in
                    let table = try PriceTable.load(overrideFile: prices ?? configuration["NIGHTSHIFT_PRICES"])
                    return try await CostBackfillJob(
                        since: (from ?? since)?.startUTC, dryRun: dryRun, recompute: recompute,
                        assumedPromptShare: assumePromptShare, batchSize: batchSize, prices: table
                    ).run(in: JobContext(store: store, configuration: configuration, logger: Log.logger("costs")))
                }
                if json {
                    printJSON(report.counts)
                    return
                }
                print(dryRun ? "costs backfill (dry run: nothing changed)" : "costs backfill")
                if report.lines.isEmpty { print("  nothing to price") }
                for line in report.lines {
                    let model = line.model.isEmpty ? "(no model)" : line.model
                    if line.pricedAs == nil {
                        print("  \(line.source)  \(model): \(line.rows) row(s) left without cost — unknown model")
                    } else {
                        var text = "  \(line.source)  \(model) → \(line.pricedAs ?? ""): \(line.priced) priced, $\(line.cost)"
                        if line.withoutSplit > 0 {
                            text += "; \(line.withoutSplit) left (total tokens only; see --assume-prompt-share)"
                        }
                        print(text)
                    }
                }
            }
        }
    }
}
