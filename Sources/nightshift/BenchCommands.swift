import ArgumentParser
import Foundation
import NightshiftCore
import NightshiftJobs
import NightshiftStore

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks that print figures (performance goals live here, not in tests).",
        subcommands: [StatsBench.self]
    )

    struct StatsBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stats",
            abstract: "Time the statistics job and reports on synthetic executions in PostgreSQL.",
            discussion: """
                Creates a scratch database on the server of DATABASE_URL (the role needs CREATEDB), migrates it, \
                loads N synthetic executions with COPY, and times: the first full stats run, an incremental run \
                after new rows (5 % of them late), a rerun with nothing new, and one-year reports. Prints peak \
                memory. The scratch database is dropped afterwards unless --keep.

                Example:
                  DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres nightshift bench stats --rows 10000000
                """
        )

        @OptionGroup var store: StoreOptions

        @Option(help: "Executions to load.")
        var rows = 10_000_000

        @Option(help: "Distinct users.")
        var users = 10_000

        @Option(help: "Days of history.")
        var days = 365

        @Option(help: "New rows before the incremental run.")
        var incremental = 100_000

        @Flag(help: "Keep the scratch database.")
        var keep = false

        func run() async throws {
            try await runReportingErrors {
                let configuration = try self.store.loadConfiguration()
                Log.bootstrap(configuration)
                guard case .postgres(let url) = try StoreLocation.resolve(configuration) else {
                    throw NightshiftError(.configuration, "bench stats needs DATABASE_URL (a PostgreSQL server)")
                }
                let name = "nightshift_bench_\(Int(Date().timeIntervalSince1970))"
                let admin = try await PGConnection.connect(url: url)
                try await admin.simpleQuery("create database \(name)")
                print("scratch database \(name)")
                let scratch = Secret(Self.url(url.value, database: name))
                let store = try await PostgresStore.open(url: scratch)
                do {
                    try await store.migrate()
                    let benchmark = StatsBenchmark(rows: rows, users: users, days: days, incrementalRows: incremental)
                    _ = try await benchmark.run(on: store) { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }
                    print("peak RSS of this process: \(ProcessMemory.megabytes(ProcessMemory.peakResidentBytes()))")
                } catch {
                    await store.close()
                    if !keep { try? await admin.simpleQuery("drop database if exists \(name) with (force)") }
                    throw error
                }
                await store.close()
                if !keep { try await admin.simpleQuery("drop database if exists \(name) with (force)") }
            }
        }

        static func url(_ url: String, database: String) -> String {
            guard var components = URLComponents(string: url) else { return url }
            components.path = "/" + database
            return components.string ?? url
        }
    }
}
