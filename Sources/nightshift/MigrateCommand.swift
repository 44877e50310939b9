import ArgumentParser
import Foundation
import NightshiftCore
import NightshiftStore

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending schema migrations (or list them with --status).",
        discussion: """
            Applies the numbered SQL files of sql/ (PostgreSQL) or sql/sqlite/ (embedded store), compiled into this \
            binary, in order, each in its own transaction, recording version and checksum in schema_migrations. \
            A second run applies nothing. If an applied file has changed since, the run stops and names it. Two \
            runs at once on PostgreSQL wait for each other (advisory lock).

            Examples:
              nightshift migrate
              DATABASE_URL=postgres://user:pass@db.example.com:5432/postgres?sslmode=require nightshift migrate
              nightshift migrate --status --json
            """
    )

    @OptionGroup var store: StoreOptions

    @Flag(help: "List applied and pending migrations; change nothing.")
    var status = false

    @Flag(help: "Print machine-readable JSON.")
    var json = false

    func run() async throws {
        try await runReportingErrors {
            try await withStore(self.store, requireCurrentSchema: false, migrateEmbedded: false) { store, _ in
                if status {
                    let rows = try await store.migrationStatus()
                    if json {
                        printJSON(.array(rows.map { row in
                            [
                                "version": .string(row.version), "name": .string(row.name), "state": .string(row.state.rawValue),
                                "applied_at": row.appliedAt.map { .string(Timestamp.iso8601($0)) } ?? .null,
                            ]
                        }))
                    } else {
                        print("\(store.kind) store")
                        for row in rows {
                            let when = row.appliedAt.map { " (\(Timestamp.iso8601($0)))" } ?? ""
                            print("  \(row.version)_\(row.name)  \(row.state.rawValue)\(when)")
                        }
                    }
                    return
                }
                let applied = try await store.migrate()
                if json {
                    printJSON(["applied": .array(applied.map { .string("\($0.version)_\($0.name)") })])
                } else if applied.isEmpty {
                    print("\(store.kind) store is up to date; nothing to apply")
                } else {
                    for row in applied { print("applied \(row.version)_\(row.name)") }
                }
            }
        }
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the store in use, its schema version and row counts.",
        discussion: """
            Examples:
              nightshift status
              nightshift status --json
            """
    )

    @OptionGroup var store: StoreOptions

    @Flag(help: "Print machine-readable JSON.")
    var json = false

    func run() async throws {
        try await runReportingErrors {
            let configuration = try self.store.loadConfiguration()
            let location = try StoreLocation.resolve(configuration)
            let (kind, migrations, counts, recent) = try await withStore(self.store, requireCurrentSchema: false) { store, _ in
                let migrations = try await store.migrationStatus()
                var counts: [(table: String, rows: Int)] = []
                var recent: [JobRun] = []
                // A database never migrated has none of the tables to count.
                if migrations.contains(where: { $0.state == .applied }) {
                    do {
                        counts = try await store.tableCounts()
                        recent = try await store.jobRuns(job: nil, limit: 5)
                    } catch let error as PGError where error.sqlState == "42P01" {
                        counts = []
                    }
                }
                return (store.kind, migrations, counts, recent)
            }
            let applied = migrations.filter { $0.state == .applied }.count
            let pending = migrations.filter { $0.state == .pending }.count
            let problem: String? =
                applied == 0 ? "schema not migrated: run `nightshift migrate`"
                : pending > 0 ? "\(pending) migration(s) pending: run `nightshift migrate`" : nil
            if json {
                var tables: [String: JSONValue] = [:]
                for (table, rows) in counts { tables[table] = .number(Double(rows)) }
                printJSON([
                    "store": .string(kind.rawValue), "location": .string(location.description),
                    "migrations_applied": .number(Double(applied)), "migrations_pending": .number(Double(pending)),
                    "tables": .object(tables), "problem": problem.map(JSONValue.string) ?? .null,
                ])
                return
            }
            print("store:      \(location)")
            if applied == 0 {
                print("schema:     not migrated (\(pending) migration(s) pending) — run `nightshift migrate`")
                return
            }
            print("schema:     \(applied) migration(s) applied, \(pending) pending"
                + (pending > 0 ? " — run `nightshift migrate`" : ""))
            if !counts.isEmpty {
                print("rows:")
                for (table, rows) in counts {
                    print("  \(table.padding(toLength: 24, withPad: " ", startingAt: 0)) \(rows)")
                }
            }
            if !recent.isEmpty {
                print("recent jobs:")
                for run in recent {
                    print("  \(Timestamp.iso8601(run.startedAt))  \(run.job)  \(run.status.rawValue)")
                }
            }
        }
    }
}

struct Fixtures: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sample data for trying Nightshift out and for the tests.",
        discussion: """
            Examples:
              nightshift fixtures load
              nightshift fixtures load /path/to/nightshift/fixtures/seed.json --json
            """,
        subcommands: [Load.self]
    )

    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load sample users, conversations, executions, runs and feedback into the store.",
            discussion: """
                Loads fixtures/seed.json (or FILE): users, preferences, feature flags, conversations, agent \
                executions, AI runs and messages, feedback, memory and notifications in the shape of both designs. \
                Loading twice changes nothing.

                Examples:
                  nightshift fixtures load
                  DATABASE_URL=postgres://localhost/dev nightshift fixtures load fixtures/seed.json
                """
        )

        @OptionGroup var store: StoreOptions

        @Argument(help: ArgumentHelp("The fixture file (relative to the current folder).", valueName: "file"))
        var file = "fixtures/seed.json"

        @Flag(help: "Print what was loaded as JSON.")
        var json = false

        func run() async throws {
            try await runReportingErrors {
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: file, isDirectory: &isFolder), !isFolder.boolValue else {
                    let fix = file == "fixtures/seed.json"
                        ? "run from the repository's root folder, or give the file: nightshift fixtures load PATH/fixtures/seed.json"
                        : "give the path of a fixture file such as the repository's fixtures/seed.json"
                    throw NightshiftError(
                        .invalidInput,
                        "fixture file \(file) \(isFolder.boolValue ? "is a folder" : "not found") in \(FileManager.default.currentDirectoryPath): \(fix)")
                }
                let summary = try await withStore(self.store) { store, _ in
                    try await FixtureLoader(path: file).load(into: store)
                }
                if json {
                    var counts: [String: JSONValue] = [:]
                    for (name, count) in summary.counts { counts[name] = .number(Double(count)) }
                    printJSON(["already_loaded": .bool(summary.alreadyLoaded), "loaded": .object(counts)])
                } else {
                    print(summary)
                }
            }
        }
    }
}
