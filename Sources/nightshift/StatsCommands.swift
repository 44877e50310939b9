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

struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Aggregate agent_executions and ai_runs into daily_usage_stats.",
        discussion: """
            Per day × source table × user × agent × model × status: runs, failures, prompt/completion/total tokens, \
            cost (failed and timed-out runs included), runs without a price, latency p50/p95/max.

            Incremental by default: recomputes the days of rows inserted or changed since the last run (minus a \
            look-back window, default 1 hour), so a late row is counted on its own day. Each day is replaced in one \
            transaction; a rerun writes nothing. --since/--until recompute an explicit range instead (after \
            deleting usage rows, say) and leave the watermark alone.

            Examples:
              nightshift stats
              nightshift stats --timezone Europe/Berlin
              nightshift stats --since 2026-01-01 --until 2026-03-31 --json
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp("Recompute from this day (YYYY-MM-DD).", valueName: "date"))
    var since: Day?

    @Option(help: ArgumentHelp("Recompute up to this day (YYYY-MM-DD), inclusive.", valueName: "date"))
    var until: Day?

    @Option(help: ArgumentHelp("Time zone whose midnight ends a day (IANA name).", valueName: "zone"))
    var timezone = "UTC"

    @Option(help: ArgumentHelp("Look-back window in seconds for rows committed late.", valueName: "seconds"))
    var lookback: Double = 3600

    @Flag(help: "Print machine-readable JSON.")
    var json = false

    func validate() throws {
        if TimeZone(identifier: timezone) == nil { throw ValidationError("unknown time zone '\(timezone)'") }
        if let since, let until, until < since { throw ValidationError("--until is before --since") }
        if lookback < 0 { throw ValidationError("--lookback must not be negative") }
    }

    func run() async throws {
        try await runReportingErrors {
            let (store, configuration) = try await openStore(self.store)
            let context = JobContext(store: store, configuration: configuration, logger: Log.logger("stats"))
            do {
                let report = try await StatsJob(since: since, until: until, timezone: timezone, lookback: lookback)
                    .run(in: context)
                await store.close()
                if json {
                    printJSON(report.counts)
                } else {
                    let range = report.days.isEmpty ? "no days" : "\(report.days.count) day(s), \(report.days[0])…\(report.days[report.days.count - 1])"
                    print("stats (\(timezone)): \(range); rows +\(report.writes.inserted) ~\(report.writes.updated) -\(report.writes.deleted) in \(String(format: "%.2f", report.seconds)) s")
                }
            } catch {
                await store.close()
                throw error
            }
        }
    }
}

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reports for finance and operations.",
        subcommands: [Costs.self]
    )

    struct Costs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cost and usage over a date range, as CSV, JSON or a table.",
            discussion: """
                Reads daily_usage_stats (run `nightshift stats` first, or pass --fresh to recompute the range). \
                CSV is RFC 4180: header row, stable column order, quoted fields, UTF-8, ISO dates, costs with a \
                fixed number of decimals; text that a spreadsheet would run as a formula gets a leading '. An empty \
                range gives the header alone.

                Examples:
                  nightshift report costs --from 2026-11-01 --to 2026-11-30
                  nightshift report costs --from 2026-01-01 --to 2026-12-31 --group-by month,model --totals --output costs-2026.csv
                  nightshift report costs --from 2026-11-01 --to 2026-11-07 --group-by day,user --format table
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
        var format = "csv"

        @Option(help: ArgumentHelp("Write to this file (atomically) instead of stdout.", valueName: "file"))
        var output: String?

        @Flag(help: "Append a totals row.")
        var totals = false

        @Flag(help: "End CSV lines with CR LF.")
        var crlf = false

        @Option(help: ArgumentHelp("Decimals of cost columns.", valueName: "n"))
        var decimals = 6

        @Option(help: ArgumentHelp("Time zone of the statistics to read.", valueName: "zone"))
        var timezone = "UTC"

        @Flag(help: "Recompute the statistics of the range first.")
        var fresh = false

        func validate() throws {
            if to < from { throw ValidationError("--to is before --from") }
            if CostReport.Format(rawValue: format) == nil { throw ValidationError("unknown format '\(format)' (csv, json, table)") }
            do {
                _ = try ReportGrouping(parsing: groupBy)
            } catch let error as NightshiftError {
                throw ValidationError(error.message)
            }
            if TimeZone(identifier: timezone) == nil { throw ValidationError("unknown time zone '\(timezone)'") }
            if !(0...12).contains(decimals) { throw ValidationError("--decimals must be between 0 and 12") }
        }

        func run() async throws {
            try await runReportingErrors {
                let (store, configuration) = try await openStore(self.store)
                do {
                    if fresh {
                        _ = try await StatsJob(since: from, until: to, timezone: timezone).run(
                            in: JobContext(store: store, configuration: configuration, logger: Log.logger("stats")))
                    }
                    let report = CostReport(
                        from: from, to: to, grouping: try ReportGrouping(parsing: groupBy), timezone: timezone,
                        format: CostReport.Format(rawValue: format) ?? .csv, totals: totals, crlf: crlf, decimals: decimals)
                    let text = report.render(try await report.rows(in: store))
                    await store.close()
                    if let output {
                        try writeAtomically(text, to: output)
                    } else {
                        FileHandle.standardOutput.write(Data(text.utf8))
                    }
                } catch {
                    await store.close()
                    throw error
                }
            }
        }
    }
}

struct CostsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "costs",
        abstract: "Maintain recorded costs.",
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
                  nightshift costs backfill --since 2026-01-01 --prices my-prices.json
                  nightshift costs backfill --assume-prompt-share 0.8
                """
        )

        @OptionGroup var store: StoreOptions

        @Option(help: ArgumentHelp("Only rows created on or after this day.", valueName: "date"))
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
            if let share = assumePromptShare, !(0...1).contains(share) {
                throw ValidationError("--assume-prompt-share must be between 0 and 1")
            }
            if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        }

        func run() async throws {
            try await runReportingErrors {
                let (store, configuration) = try await openStore(self.store)
                do {
                    let table = try PriceTable.load(overrideFile: prices ?? configuration["NIGHTSHIFT_PRICES"])
                    let report = try await CostBackfillJob(
                        since: since?.startUTC, dryRun: dryRun, recompute: recompute,
                        assumedPromptShare: assumePromptShare, batchSize: batchSize, prices: table
                    ).run(in: JobContext(store: store, configuration: configuration, logger: Log.logger("costs")))
                    await store.close()
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
                } catch {
                    await store.close()
                    throw error
                }
            }
        }
    }
}

/// Writes a file through a temporary sibling and a rename, so readers never see half a file.
func writeAtomically(_ text: String, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
    do {
        try Data(text.utf8).write(to: temporary)
        if FileManager.default.fileExists(atPath: url.path) {
            _ = try FileManager.default.replaceItemAt(url, withItemAt: temporary)
        } else {
            try FileManager.default.moveItem(at: temporary, to: url)
        }
    } catch {
        try? FileManager.default.removeItem(at: temporary)
        throw NightshiftError(.io, "cannot write the output file", context: ["file": path], cause: error)
    }
}
