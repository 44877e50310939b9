import Foundation
import NightshiftAI
import NightshiftCore
import NightshiftDocuments
@testable import NightshiftJobs
import NightshiftStore
import NightshiftTestSupport
import Testing

/// What `nightshift ingest` is given: paths and URLs that do not exist, URLs with credentials, sources from the
/// settings. Run through the real executable where the command's own code path matters.
@Suite("Ingest inputs")
struct IngestInputTests {
    /// A store for the executable: its environment, a way to open it, and its cleanup.
    struct BinaryStore {
        var environment: [String: String]
        var folder: URL
        var kind: StoreKind
        var url: String?
        var sqlitePath: String?

        static func make(_ kind: StoreKind) async throws -> BinaryStore {
            let folder = try TestEnvironment.temporaryDirectory("ingest-inputs")
            switch kind {
            case .sqlite:
                let path = folder.appendingPathComponent("store.sqlite").path
                return BinaryStore(
                    environment: ["NIGHTSHIFT_DB": path], folder: folder, kind: kind, url: nil, sqlitePath: path)
            case .postgres:
                let url = try await TestDatabases.shared.makePostgresDatabase()
                return BinaryStore(environment: ["DATABASE_URL": url], folder: folder, kind: kind, url: url, sqlitePath: nil)
            }
        }

        func open() async throws -> any Store {
            if let url { return try await PostgresStore.open(url: Secret(url)) }
            return try await SQLiteStore.open(path: sqlitePath ?? "")
        }

        func cleanup() async {
            try? FileManager.default.removeItem(at: folder)
            if let url { await TestDatabases.dropPostgresDatabase(url) }
        }

        /// Runs `nightshift` with these arguments, in `folder`, with the store's settings and `extra`.
        func run(_ arguments: [String], _ extra: [String: String] = [:]) async throws -> Subprocess.Outcome {
            let binary = try #require(Subprocess.nightshiftBinary, "build the nightshift executable first (swift build)")
            return try await Subprocess.run(
                [binary.path] + arguments, environment: Subprocess.cleanEnvironment(environment.merging(extra) { $1 }),
                directory: folder.path)
        }

        /// Every text the store holds: the database file's bytes (SQLite), or each row of every table as text
        /// (PostgreSQL).
        func everything() async throws -> String {
            if let sqlitePath {
                var text = ""
                let folder = URL(fileURLWithPath: sqlitePath).deletingLastPathComponent()
                for name in try FileManager.default.contentsOfDirectory(atPath: folder.path)
                where name.hasPrefix("store.sqlite") {
                    let data = try Data(contentsOf: folder.appendingPathComponent(name))
                    text += String(decoding: data, as: UTF8.self)
                }
                return text
            }
            let connection = try await PGConnection.connect(url: Secret(try #require(url)))
            var text = ""
            let tables = try await connection.query(
                "select table_schema || '.' || table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'")
            for row in tables {
                let table = try row.decode(0, as: String.self)
                for line in try await connection.query(PGQuery(sql: "select t::text from \(table) t")) {
                    text += (try line.decode(0, as: String?.self) ?? "") + "\n"
                }
            }
            return text
        }
    }

    // MARK: Paths and URLs that do not exist

    @Test("a path that does not exist is bad input: the job stores nothing, not even a job_runs row", arguments: TestEnvironment.storeKinds)
    func missingPathJob(kind: StoreKind) async throws {
        let folder = try TestEnvironment.temporaryDirectory("missing")
        defer { try? FileManager.default.removeItem(at: folder) }
        try "# Here\n\nA file that exists.\n".write(to: folder.appendingPathComponent("here.md"), atomically: true, encoding: .utf8)
        let missing = folder.appendingPathComponent("dcos").path
        try await withFreshStore(kind) { store in
            do {
                _ = try await IngestJob(inputs: [folder.path, missing]).run(
                    in: JobContext(store: store), embedder: LocalEmbeddingProvider())
                Issue.record("the run should have failed")
            } catch let error as NightshiftError {
                #expect(error.code == .invalidInput)
                #expect(error.exitCode == 2)
                #expect(error.description.contains(missing))
            }
            #expect(try await store.documents(sourcePrefix: nil, owner: nil).isEmpty)
            #expect(try await store.jobRuns(job: nil, limit: 5).isEmpty)
        }
    }

    @Test("nightshift ingest ./dcos (missing) exits 2 naming it; a URL answering 404 too; nothing stored")
    func missingPathAndURLBinary() async throws {
        let store = try await BinaryStore.make(.sqlite)
        let server = try await MockServer.start()
        defer { server.stop() }
        do {
            try FileManager.default.createDirectory(
                at: store.folder.appendingPathComponent("kb"), withIntermediateDirectories: true)
            try "# Note\n\nSome text.\n".write(
                to: store.folder.appendingPathComponent("kb/note.md"), atomically: true, encoding: .utf8)
            let missing = try await store.run(["ingest", "kb", "./dcos"])
            #expect(missing.status == 2)
            #expect(missing.stderr.contains("./dcos"))
            #expect(missing.stderr.contains("no such file or folder"))
            let gone = server.url("/status/404").absoluteString
            let notFound = try await store.run(["ingest", "kb", gone])
            #expect(notFound.status == 2)
            #expect(notFound.stderr.contains(gone))
            #expect(notFound.stderr.contains("404"))
            let opened = try await store.open()
            #expect(try await opened.documents(sourcePrefix: nil, owner: nil).isEmpty)
            await opened.close()
            // The same sources, all present: exit 0.
            let fine = try await store.run(["ingest", "kb"])
            #expect(fine.status == 0, "\(fine.stderr)")
            // stderr is a file here: plain progress lines, no escape codes.
            #expect(fine.stderr.contains("ingest progress files=1 "))
            #expect(!fine.stderr.contains("\u{1B}") && !fine.stderr.contains("\r"))
            let quiet = try await store.run(["ingest", "kb", "--quiet"])
            #expect(quiet.status == 0 && !quiet.stderr.contains("progress"))
        } catch {
            await store.cleanup()
            throw error
        }
        await store.cleanup()
    }

    @Test("a stored URL that now answers 404 is gone: a skip, kept without --prune, deleted with it; then bad input", arguments: TestEnvironment.storeKinds)
    func goneURL(kind: StoreKind) async throws {
        // One answer, then the path is unknown to the server: 404.
        let server = try await MockServer.start(script: """
            {"routes": {"/kb/page.md": [{"status": 200, "headers": {"Content-Type": "text/markdown"},
              "body": "# Page\\n\\nA page that will be removed.\\n"}]}}
            """)
        defer { server.stop() }
        let url = server.url("/kb/page.md").absoluteString
        try await withFreshStore(kind) { store in
            func ingest(prune: Bool) async throws -> IngestReport {
                try await IngestJob(inputs: [url], prune: prune).run(in: JobContext(store: store), embedder: LocalEmbeddingProvider())
            }
            #expect(try await ingest(prune: false).added == 1)
            let kept = try await ingest(prune: false)
            #expect(kept.skipped.map(\.kind) == ["empty"] && kept.deleted == 0)
            #expect(kept.skipped.first?.reason.contains("404") == true)
            #expect(try await store.documents(sourcePrefix: nil, owner: nil).count == 1)
            #expect(try await ingest(prune: true).deleted == 1)
            #expect(try await store.documents(sourcePrefix: nil, owner: nil).isEmpty)
            await #expect(throws: NightshiftError.self) { try await ingest(prune: true) }
        }
    }

    @Test("without arguments, ingest reads NIGHTSHIFT_SOURCES from the config file; a missing one there exits 2")
    func sourcesFromConfig() async throws {
        let store = try await BinaryStore.make(.sqlite)
        do {
            for name in ["a", "b c"] {
                let folder = store.folder.appendingPathComponent(name == "a" ? "kb-a" : "kb-b")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try "# \(name)\n\nText \(name).\n".write(to: folder.appendingPathComponent("\(name).md"), atomically: true, encoding: .utf8)
            }
            try "NIGHTSHIFT_SOURCES=\"kb-a kb-b\"  \n".write(
                to: store.folder.appendingPathComponent("nightshift.conf"), atomically: true, encoding: .utf8)
            let outcome = try await store.run(["ingest", "--json"])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(try JSONValue.parse(outcome.stdout)["added"]?.intValue == 2)
            let missing = try await store.run(["ingest"], ["NIGHTSHIFT_SOURCES": "kb-a kb-missing"])
            #expect(missing.status == 2)
            #expect(missing.stderr.contains("kb-missing"))
            let none = try await store.run(["ingest"], ["NIGHTSHIFT_SOURCES": ""])
            #expect(none.status == 2)
            #expect(none.stderr.contains("NIGHTSHIFT_SOURCES"))
        } catch {
            await store.cleanup()
            throw error
        }
        await store.cleanup()
    }

    // MARK: Credentials in URLs

    static let password = "Pa55-w0rd-XyZ"
    static let token = "TOK-abc123-QRS"
    static let signature = "SIG-def456-UVW"
    static let custom = "TEN-789-LMN"
    static let otherPassword = "Pw-503-HJK"
    static let otherToken = "AT-999-BNM"
    static let refusedToken = "TK-conn-ZZY"

    @Test(
        "a URL with user, password and secret query parameters: fetched with them, stored, logged and shown without",
        arguments: TestEnvironment.storeKinds)
    func credentialedURL(kind: StoreKind) async throws {
        let script = """
            {"routes": {"/kb/handbook.md": [{"times": 100,
              "require": {"basic": "alice:\(Self.password)", "query": {"token": "\(Self.token)", "tenant_hash": "\(Self.custom)"}},
              "status": 200, "headers": {"Content-Type": "text/markdown"},
              "body": "# Handbook\\n\\nQuokkas are rostered for the night shift in the handbook of the clinic.\\n"}]}}
            """
        let server = try await MockServer.start(script: script)
        defer { server.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        let url = "http://alice:\(Self.password)@127.0.0.1:\(server.port)/kb/handbook.md?lang=en&token=\(Self.token)&X-Amz-Signature=\(Self.signature)&tenant_hash=\(Self.custom)"
        // Answers 503: a skip, recorded with its URL.
        let failing = "http://bob:\(Self.otherPassword)@127.0.0.1:\(server.port)/status/503?access_token=\(Self.otherToken)"
        // Nothing listens on port 1: a transport error, whose message curl writes.
        let refused = "http://carol:\(Self.otherPassword)@127.0.0.1:1/x?token=\(Self.refusedToken)"
        let store = try await BinaryStore.make(kind)
        do {
            // The URLs come from the config file, never the command line.
            try """
                NIGHTSHIFT_SOURCES="\(url) \(failing) \(refused)"
                NIGHTSHIFT_SECRET_QUERY_PARAMS=tenant_hash
                NIGHTSHIFT_LOG_LEVEL=trace
                """.write(to: store.folder.appendingPathComponent("nightshift.conf"), atomically: true, encoding: .utf8)
            let ingest = try await store.run(["ingest"])
            #expect(ingest.status == 0, "\(ingest.stderr)")
            #expect(ingest.stdout.contains("1 added"))
            #expect(ingest.stdout.contains("2 skipped"))
            let json = try await store.run(["ingest", "--json", "--force"])
            #expect(json.status == 0, "\(json.stderr)")
            // The server saw the credentials: the fetch used the real URL.
            let requests = try await server.requests(path: "/kb/handbook.md")
            #expect(requests.count == 2)
            #expect(requests.allSatisfy { $0.query.contains(Self.token) && $0.headers["authorization"]?.hasPrefix("Basic ") == true })

            let search = try await store.run(["search", "quokkas rostered night shift"])
            #expect(search.status == 0, "\(search.stderr)")
            #expect(search.stdout.contains("\(base)/kb/handbook.md?lang=en"))
            let searchJSON = try await store.run(["search", "quokkas rostered night shift", "--json"])
            #expect(searchJSON.stdout.contains("\(base)/kb/handbook.md?lang=en"))

            let opened = try await store.open()
            let documents = try await opened.documents(sourcePrefix: nil, owner: nil)
            await opened.close()
            #expect(documents.map(\.sourceURI) == ["\(base)/kb/handbook.md?lang=en"])

            let stored = try await store.everything()
            #expect(stored.contains("\(base)/kb/handbook.md?lang=en"))
            #expect(stored.contains("Quokkas"))
            let outputs = [ingest.stdout, ingest.stderr, json.stdout, json.stderr, search.stdout, search.stderr,
                           searchJSON.stdout, searchJSON.stderr]
            for secret in [Self.password, Self.token, Self.signature, Self.custom, Self.otherPassword,
                           Self.otherToken, Self.refusedToken, "alice", "bob:", "carol"] {
                #expect(!stored.contains(secret), "\(secret) stored")
                for (index, output) in outputs.enumerated() {
                    #expect(!output.contains(secret), "\(secret) printed (output \(index))")
                }
            }
        } catch {
            await store.cleanup()
            throw error
        }
        await store.cleanup()
    }

    @Test("a URL's display form: no user information, no credential parameters, the rest byte for byte")
    func displayForm() {
        #expect(SourceURL.display("https://u:p@host.example:8443/a/b.html?page=2&token=x#intro")
                == "https://host.example:8443/a/b.html?page=2#intro")
        #expect(SourceURL.display("https://host/x?X-Amz-Signature=a&X-Amz-Credential=b&X-Amz-Security-Token=c&v=1")
                == "https://host/x?v=1")
        #expect(SourceURL.display("https://host/x?api_key=1&apikey=2&access_token=3&sig=4&password=5") == "https://host/x")
        #expect(SourceURL.display("https://host/x?keyword=swift&monkey=1&q=a%20b") == "https://host/x?keyword=swift&monkey=1&q=a%20b")
        #expect(SourceURL.display("https://host/cb#access_token=abc&state=9") == "https://host/cb#state=9")
        #expect(SourceURL.display("https://user@host/") == "https://host/")
        #expect(SourceURL.display("https://host/x?Private%5FToken=1&id=7") == "https://host/x?id=7")
        #expect(SourceURL.display("https://host/x?tenant=1", secretParameters: SourceURL.secretParameters(adding: "tenant, other"))
                == "https://host/x")
        #expect(SourceURL.display("file:///srv/kb/a.md") == "file:///srv/kb/a.md")
        #expect(SourceURL.scrub("GET https://u:s3cret@h/x?token=t0k failed: s3cret t0k", of: "https://u:s3cret@h/x?token=t0k")
                == "GET https://h/x failed: <redacted> <redacted>")
    }
}
