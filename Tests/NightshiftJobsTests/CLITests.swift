import Foundation
import NightshiftCore
import NightshiftJobs
import NightshiftStore
import NightshiftTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The built `nightshift` executable run as a child process, as a person or cron runs it: exit codes, stdout,
/// stderr and the files it writes.
@Suite("The command line")
struct CLITests {
    typealias Outcome = Subprocess.Outcome

    /// Runs `nightshift ARGS` (optionally through `prefix`, e.g. `unshare …`) in `folder` with `environment` added
    /// to a clean one (no DATABASE_URL or NIGHTSHIFT_* of the caller's), stdin from /dev/null.
    static func run(
        _ arguments: [String], environment: [String: String] = [:], in folder: URL? = nil, prefix: [String] = []
    ) async throws -> Outcome {
        let binary = try #require(KillTests.binary, "build the nightshift executable first (swift build)")
        let directory = try folder ?? TestEnvironment.temporaryDirectory("cli")
        return try await Subprocess.run(
            prefix + [binary.path] + arguments, environment: Subprocess.cleanEnvironment(environment),
            directory: directory.path)
    }

    /// An embedded store with the fixtures loaded (and their statistics when `stats`), in its own folder.
    static func fixtureStore(stats: Bool) async throws -> (folder: URL, environment: [String: String]) {
        let folder = try TestEnvironment.temporaryDirectory("cli-store")
        let path = folder.appendingPathComponent("store.sqlite").path
        let store = try await SQLiteStore.open(path: path)
        _ = try await FixtureLoader(path: fixtureSeedPath).load(into: store)
        if stats { _ = try await StatsJob().run(in: JobContext(store: store)) }
        await store.close()
        return (folder, ["NIGHTSHIFT_DB": path])
    }

    static let november = ["--from", "2026-11-01", "--to", "2026-11-30"]

    @Test("report costs --output twice into the same file: both succeed, the file is replaced, nothing left over")
    func outputTwice() async throws {
        let (folder, environment) = try await Self.fixtureStore(stats: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("costs.csv")
        for _ in 0..<2 {
            let run = try await Self.run(["report", "costs"] + Self.november + ["--output", output.path], environment: environment)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.isEmpty)
        }
        let text = try String(contentsOf: output, encoding: .utf8)
        #expect(text.hasPrefix("day,runs,failures,"))
        #expect(text.contains("\n2026-11-01,5,1,3600,1150,4750,0.044225,0,7040.0,30000\n"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test("report costs --output into a read-only folder: one clear line naming the path, exit 1, old file intact")
    func outputReadOnly() async throws {
        let (folder, environment) = try await Self.fixtureStore(stats: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let reports = folder.appendingPathComponent("reports")
        try FileManager.default.createDirectory(at: reports, withIntermediateDirectories: true)
        let output = reports.appendingPathComponent("costs.csv")
        try "the old report\n".write(to: output, atomically: false, encoding: .utf8)
        // Tests run as root, which ignores permission bits: the folder is made read-only for root too by a
        // read-only bind mount in a mount namespace of the child's own (util-linux `unshare`).
        let readOnly = [
            "unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
            "mount --bind \"$0\" \"$0\" && mount -o remount,bind,ro \"$0\" && exec \"$@\"", reports.path,
        ]
        let run = try await Self.run(
            ["report", "costs"] + Self.november + ["--output", output.path], environment: environment, prefix: readOnly)
        #expect(run.status == 1, "\(run.stdout) \(run.stderr)")
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(run.stderr)")
        #expect(run.stderr.hasPrefix("error: cannot write \(output.path): "))
        #expect(run.stderr.contains("read-only"))
        #expect(!run.stderr.contains("NSCocoaErrorDomain"))
        #expect(try String(contentsOf: output, encoding: .utf8) == "the old report\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: reports.path) == ["costs.csv"])
        // A folder that does not exist: the same one-line form.
        let missing = try await Self.run(
            ["report", "costs"] + Self.november + ["--output", folder.appendingPathComponent("nope/costs.csv").path],
            environment: environment)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("does not exist") && !missing.stderr.contains("NSCocoaErrorDomain"))
    }

    @Test("report costs over days stats has not computed: says so with the fix and exits 1; --fresh works; an empty range exits 0")
    func uncomputedDays() async throws {
        let (folder, environment) = try await Self.fixtureStore(stats: false)
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("costs.csv")
        let run = try await Self.run(["report", "costs"] + Self.november + ["--output", output.path], environment: environment)
        #expect(run.status == 1)
        #expect(run.stderr.contains("no statistics") && run.stderr.contains("nightshift stats") && run.stderr.contains("--fresh"))
        #expect(!FileManager.default.fileExists(atPath: output.path))
        let fresh = try await Self.run(["report", "costs"] + Self.november + ["--fresh"], environment: environment)
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(fresh.stdout.contains("\n2026-11-01,5,1,"))
        // Computed in UTC, asked in another zone.
        let berlin = try await Self.run(["report", "costs"] + Self.november + ["--timezone", "Europe/Berlin"], environment: environment)
        #expect(berlin.status == 1)
        #expect(berlin.stderr.contains("computed in UTC") && berlin.stderr.contains("--timezone Europe/Berlin"))
        // A range with no executions: the header, a note, exit 0; --quiet silences the note.
        let empty = try await Self.run(["report", "costs", "--from", "2020-01-01", "--to", "2020-01-31"], environment: environment)
        #expect(empty.status == 0)
        #expect(empty.stdout == "day,runs,failures,prompt_tokens,completion_tokens,total_tokens,cost_usd,unpriced_runs,avg_latency_ms,max_latency_ms\n")
        #expect(empty.stderr.contains("no executions from 2020-01-01 to 2020-01-31"))
        let quiet = try await Self.run(["report", "costs", "--from", "2020-01-01", "--to", "2020-01-31", "--quiet"], environment: environment)
        #expect(quiet.status == 0 && quiet.stderr.isEmpty)
        // An unknown zone is a usage error, never a silent UTC.
        let badZone = try await Self.run(["report", "costs"] + Self.november + ["--timezone", "Mars/Olympus"], environment: environment)
        #expect(badZone.status == 2)
    }

    @Test("report costs: --json is --format json; --bom, --delimiter; a bad delimiter is a usage error")
    func reportFlags() async throws {
        let (folder, environment) = try await Self.fixtureStore(stats: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let json = try await Self.run(["report", "costs"] + Self.november + ["--json"], environment: environment)
        let format = try await Self.run(["report", "costs"] + Self.november + ["--format", "json"], environment: environment)
        #expect(json.status == 0 && json.stdout == format.stdout)
        #expect(try JSONValue.parse(json.stdout, what: "report").arrayValue?.count == 3)
        let excel = try await Self.run(
            ["report", "costs"] + Self.november + ["--group-by", "model", "--bom", "--delimiter", ";"], environment: environment)
        #expect(excel.status == 0)
        #expect(Array(excel.stdout.utf8.prefix(3)) == [0xEF, 0xBB, 0xBF])
        #expect(excel.stdout.contains("model;recorded_models;runs;"))
        #expect(excel.stdout.contains("\nmystery-model-9000;mystery-model-9000;1;"))
        for bad in [";;", "\"", ""] {
            let run = try await Self.run(["report", "costs"] + Self.november + ["--delimiter", bad], environment: environment)
            #expect(run.status == 2, "\(bad)")
            #expect(run.stderr.contains("--delimiter"))
        }
        let badFormat = try await Self.run(["report", "costs"] + Self.november + ["--format", "xml"], environment: environment)
        #expect(badFormat.status == 2)
    }

    @Test("--version; stats takes --from/--to and the old --since/--until; group commands show examples")
    func consistency() async throws {
        let version = try await Self.run(["--version"])
        #expect(version.status == 0 && version.stdout.hasPrefix("nightshift "))
        let (folder, environment) = try await Self.fixtureStore(stats: false)
        defer { try? FileManager.default.removeItem(at: folder) }
        let new = try await Self.run(["stats", "--from", "2026-11-01", "--to", "2026-11-03", "--json"], environment: environment)
        #expect(new.status == 0, "\(new.stderr)")
        #expect(try JSONValue.parse(new.stdout, what: "stats")["days_recomputed"]?.doubleValue == 3)
        let old = try await Self.run(["stats", "--since", "2026-11-01", "--until", "2026-11-02", "--json"], environment: environment)
        #expect(old.status == 0)
        #expect(try JSONValue.parse(old.stdout, what: "stats")["days_recomputed"]?.doubleValue == 2)
        let help = try await Self.run(["stats", "--help"])
        #expect(help.stdout.contains("--from") && !help.stdout.contains("--since"))
        for group in ["report", "costs", "fixtures", "bench"] {
            let run = try await Self.run([group, "--help"])
            #expect(run.status == 0)
            #expect(run.stdout.contains("Examples:") && run.stdout.contains("nightshift \(group) "), "\(group)")
        }
        let completion = try await Self.run(["--generate-completion-script", "bash"])
        #expect(completion.status == 0 && completion.stdout.contains("report"))
        let fixtures = try await Self.run(["fixtures", "load", fixtureSeedPath, "--json"], environment: environment)
        #expect(fixtures.status == 0)
        #expect(try JSONValue.parse(fixtures.stdout, what: "fixtures")["already_loaded"] == .bool(true))
    }

    @Test("--unit and --embedder take only their values: anything else is a usage error naming them, before a store opens")
    func enumeratedOptions() async throws {
        let folder = try TestEnvironment.temporaryDirectory("cli-options")
        defer { try? FileManager.default.removeItem(at: folder) }
        let storePath = folder.appendingPathComponent("store.sqlite").path
        let environment = ["NIGHTSHIFT_DB": storePath]
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("kb"), withIntermediateDirectories: true)
        try "# Refunds\n\nRefunds take five days.\n".write(
            to: folder.appendingPathComponent("kb/refunds.md"), atomically: true, encoding: .utf8)
        let badUnit: [[String]] = [["ingest", "kb", "--unit", "words"], ["reindex", "--all", "--unit", "words"]]
        for arguments in badUnit {
            let run = try await Self.run(arguments, environment: environment, in: folder)
            #expect(run.status == 2, "\(arguments) \(run.stderr)")
            #expect(run.stderr.contains("'words'") && run.stderr.contains("'tokens'") && run.stderr.contains("'characters'"),
                    "\(arguments) \(run.stderr)")
        }
        let badEmbedder: [[String]] = [
            ["ingest", "kb", "--embedder", "bert"], ["reindex", "--all", "--embedder", "bert"],
            ["search", "refunds", "--embedder", "bert"], ["serve", "--port", "0", "--embedder", "bert"],
        ]
        for arguments in badEmbedder {
            let run = try await Self.run(arguments, environment: environment, in: folder)
            #expect(run.status == 2, "\(arguments) \(run.stderr)")
            #expect(run.stderr.contains("'bert'") && run.stderr.contains("'local'") && run.stderr.contains("'openai'"),
                    "\(arguments) \(run.stderr)")
        }
        // Refused while parsing: no store was created (nor a demo user written by serve).
        #expect(!FileManager.default.fileExists(atPath: storePath))
        // --help lists the values (its lines wrapped anywhere).
        for command in ["ingest", "reindex", "search", "serve"] {
            let help = try await Self.run([command, "--help"])
            let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(text.contains("(values: local, openai)"), "\(command): \(help.stdout)")
            if command == "ingest" || command == "reindex" {
                #expect(text.contains("(values: tokens, characters; default: tokens)"), "\(command): \(help.stdout)")
            }
        }
        // The accepted spellings: chars for characters, an embedder's name in any case.
        let ingest = try await Self.run(
            ["ingest", "kb", "--unit", "chars", "--embedder", "Local", "--json"], environment: environment, in: folder)
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(try JSONValue.parse(ingest.stdout, what: "ingest")["added"]?.doubleValue == 1)
        let search = try await Self.run(["search", "refunds", "--embedder", "LOCAL", "--json"], environment: environment, in: folder)
        #expect(search.status == 0, "\(search.stderr)")
        #expect(search.stdout.contains("five days"))
    }

    @Test("every command that prints a result takes --json; token --json prints the token with its user and expiry")
    func jsonEverywhere() async throws {
        let commands: [[String]] = [
            ["ingest"], ["reindex"], ["search"], ["extract"], ["stats"], ["report", "costs"], ["costs", "backfill"],
            ["token"], ["migrate"], ["status"], ["fixtures", "load"], ["config"], ["bench", "stats"],
            ["bench", "ingest"], ["bench", "retrieval"], ["bench", "chat"],
        ]
        for command in commands {
            let help = try await Self.run(command + ["--help"])
            #expect(help.stdout.contains("--json"), "nightshift \(command.joined(separator: " ")) has no --json")
        }
        let user = "a0000000-0000-4000-8000-00000000000a"
        let token = try await Self.run(
            ["token", "--user", user, "--ttl", "600", "--json"], environment: ["SUPABASE_JWT_SECRET": "test-secret-0123456789"])
        #expect(token.status == 0, "\(token.stderr)")
        let printed = try JSONValue.parse(token.stdout, what: "token --json")
        #expect(printed["user"]?.stringValue == user)
        #expect(printed["token"]?.stringValue?.split(separator: ".").count == 3)
        #expect(printed["expires_at"]?.stringValue?.hasPrefix("20") == true)
    }

    @Test("bench retrieval --json prints its figures as one JSON object on stdout")
    func benchJSON() async throws {
        let folder = try TestEnvironment.temporaryDirectory("cli-bench")
        defer { try? FileManager.default.removeItem(at: folder) }
        let corpus = folder.appendingPathComponent("corpus.jsonl")
        try """
            {"_id": "d1", "title": "Cancellation", "text": "A session can be cancelled free of charge until 24 hours before it starts."}
            {"_id": "d2", "title": "Parking", "text": "Parking is available behind the building on weekdays."}

            """.write(to: corpus, atomically: true, encoding: .utf8)
        let queries = folder.appendingPathComponent("queries.jsonl")
        try #"{"_id": "q1", "text": "until when can I cancel a session"}"#.appending("\n").write(to: queries, atomically: true, encoding: .utf8)
        let qrels = folder.appendingPathComponent("qrels.tsv")
        try "query-id\tcorpus-id\tscore\nq1\td1\t1\n".write(to: qrels, atomically: true, encoding: .utf8)
        let run = try await Self.run(
            ["bench", "retrieval", "--corpus", corpus.path, "--queries", queries.path, "--qrels", qrels.path, "--json"],
            environment: ["NIGHTSHIFT_DB": folder.appendingPathComponent("bench.sqlite").path])
        #expect(run.status == 0, "\(run.stderr)")
        let figures = try JSONValue.parse(run.stdout, what: "bench")
        #expect(figures["queries"]?.doubleValue == 1)
        #expect(figures["ndcg_at_10"]?.doubleValue == 1)
        // bench ingest: the figures as JSON on stdout, the lines on stderr unless --quiet.
        let ingest = try await Self.run(
            ["bench", "ingest", "--documents", "20", "--kb", "1", "--json"],
            environment: ["NIGHTSHIFT_DB": folder.appendingPathComponent("unused.sqlite").path])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let ingestFigures = try JSONValue.parse(ingest.stdout, what: "bench ingest")
        #expect(ingestFigures["chunks"]?.doubleValue ?? 0 > 0)
        #expect(ingestFigures["store"]?.stringValue == "sqlite")
        #expect(ingest.stderr.contains("nightly rerun:"))
        let quiet = try await Self.run(["bench", "ingest", "--documents", "5", "--kb", "1", "--json", "--quiet"])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
    }

    @Test("bench chat --json prints its figures as JSON on stdout, --quiet keeps its own lines off stderr")
    func benchChatJSON() async throws {
        let folder = try TestEnvironment.temporaryDirectory("cli-chat")
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try await Self.run(
            ["bench", "chat", "--chunks", "20", "--rate", "50", "--requests", "20", "--users", "2", "--concurrency", "0",
             "--json", "--quiet"],
            environment: ["NIGHTSHIFT_DB": folder.appendingPathComponent("unused.sqlite").path])
        #expect(run.status == 0, "\(run.stderr)")
        let figures = try JSONValue.parse(run.stdout, what: "bench chat")
        #expect(figures["requests"]?.doubleValue == 20 && figures["errors"]?.doubleValue == 0)
        #expect(!run.stderr.contains("open loop at"))
    }

    @Test("bench stats --json prints its timed steps as JSON", .enabled(if: TestEnvironment.postgresEnabled))
    func benchStatsJSON() async throws {
        let admin = try TestDatabases.adminURL()
        let run = try await Self.run(
            ["bench", "stats", "--rows", "2000", "--users", "10", "--days", "5", "--incremental", "100", "--json", "--quiet"],
            environment: ["DATABASE_URL": admin])
        #expect(run.status == 0, "\(run.stderr)")
        let figures = try JSONValue.parse(run.stdout, what: "bench stats")
        #expect(figures["rows"]?.doubleValue == 2000)
        #expect((figures["steps"]?.arrayValue?.count ?? 0) > 0)
    }

    @Test("fixtures load outside the repository: one line naming the file and the fix, exit 2")
    func fixturesOutsideRepository() async throws {
        let folder = try TestEnvironment.temporaryDirectory("cli-away")
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try await Self.run(
            ["fixtures", "load"], environment: ["NIGHTSHIFT_DB": folder.appendingPathComponent("s.sqlite").path], in: folder)
        #expect(run.status == 2)
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stderr.contains("fixtures/seed.json") && run.stderr.contains("repository"))
        #expect(!run.stderr.contains("NSCocoaErrorDomain") && !run.stderr.contains("Code=260"))
    }

    @Test("config: effective settings with origins, secrets masked; an unknown name in the file warns with its line")
    func config() async throws {
        let folder = try TestEnvironment.temporaryDirectory("cli-config")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("nightshift.conf")
        try "NIGHTSHIFT_DB=from-file.sqlite\nOPENAI_API_KEY=sk-file-secret\nNIGHTSHIFT_RATELIMIT=9\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let run = try await Self.run(
            ["config"], environment: ["DATABASE_URL": "postgres://app:db-secret@db.example/main?password=db-secret"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stdout.contains("sk-file-secret") && !run.stdout.contains("db-secret"))
        #expect(run.stdout.contains("postgres://app:***@db.example/main?password=***"))
        #expect(run.stdout.contains("[nightshift.conf:1]"))
        #expect(run.stderr.contains("unknown setting NIGHTSHIFT_RATELIMIT in nightshift.conf line 3"))
        #expect(run.stderr.contains("did you mean NIGHTSHIFT_RATE_LIMIT?"))
        let json = try await Self.run(["config", "--json"], in: folder)
        let settings = try #require(try JSONValue.parse(json.stdout, what: "config")["settings"]?.arrayValue)
        let key = settings.first { $0["name"]?.stringValue == "OPENAI_API_KEY" }
        #expect(key?["value"]?.stringValue == "<redacted>")
        #expect(key?["origin"]?.stringValue == "nightshift.conf:2")
    }

    @Test("a malformed DATABASE_URL is never echoed with its password")
    func malformedURL() async throws {
        // Loopback only, on a port nothing listens on: nothing leaves the machine.
        for (url, secret) in [
            ("postgres://app:hunter2secret@127.0.0.1:notaport/main", "hunter2secret"),
            ("postgres://app:hunter2secret@127.0.0.1:1/main?bogus_option=1", "hunter2secret"),
            ("postgres://app:hunter%zz2secret@127.0.0.1:1/main", "zz2secret"),
            ("postgres://127.0.0.1:1/main?password=hunter2secret&sslmode=bogus", "hunter2secret"),
            ("postgres://app:hunter2secret@127.0.0.1:1/main", "hunter2secret"),
        ] {
            let run = try await Self.run(["status"], environment: ["DATABASE_URL": url])
            #expect(run.status == 1, "\(url): \(run.stderr)")
            #expect(!run.stderr.contains(secret) && !run.stdout.contains(secret), "\(run.stderr)")
            #expect(run.stderr.hasPrefix("error: "))
            #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        }
    }

    @Test("status on PostgreSQL: unmigrated says so in one line; ?password= is never printed", .enabled(if: TestEnvironment.postgresEnabled))
    func statusOnPostgres() async throws {
        let url = try await TestDatabases.shared.makePostgresDatabase(migrated: false)
        defer { Task { await TestDatabases.dropPostgresDatabase(url) } }
        let separator = url.contains("?") ? "&" : "?"
        let withPassword = url + separator + "password=hunter2secret"
        let run = try await Self.run(["status"], environment: ["DATABASE_URL": withPassword])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("not migrated") && run.stdout.contains("nightshift migrate"))
        #expect(!run.stdout.contains("42P01") && !run.stderr.contains("42P01"))
        #expect(!run.stdout.contains("hunter2secret") && !run.stderr.contains("hunter2secret"))
        #expect(run.stdout.contains("password=***"))
        let json = try await Self.run(["status", "--json"], environment: ["DATABASE_URL": withPassword])
        #expect(json.status == 0)
        #expect(try JSONValue.parse(json.stdout, what: "status")["problem"]?.stringValue?.contains("not migrated") == true)
        #expect(!json.stdout.contains("hunter2secret"))
        // A command that needs the tables: one line with the fix.
        let report = try await Self.run(["report", "costs"] + Self.november, environment: ["DATABASE_URL": withPassword])
        #expect(report.status == 1)
        #expect(report.stderr.split(separator: "\n").count == 1, "\(report.stderr)")
        #expect(report.stderr.contains("nightshift migrate"))
        #expect(!report.stderr.contains("hunter2secret"))
    }
}

