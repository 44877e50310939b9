import Foundation
import NightshiftAI
import NightshiftCore
import NightshiftJobs
import NightshiftStore
import NightshiftTestSupport
import Testing

/// `nightshift ingest` killed with SIGKILL mid-run leaves whole documents; the next run finishes without duplicates.
@Suite("Killed ingest runs", .serialized)
struct KillTests {
    /// The `nightshift` executable built next to the tests.
    static var binary: URL? { Subprocess.nightshiftBinary }

    static func corpus(documents: Int) throws -> URL {
        let folder = try TestEnvironment.temporaryDirectory("kill")
        for index in 0..<documents {
            let text = (0..<12).map { paragraph in
                "Paragraph \(paragraph) of note \(index): the quick brown fox number \(index * 31 + paragraph) jumps over a lazy dog near river \(index % 17)."
            }.joined(separator: "\n\n")
            try "# Note \(index)\n\n\(text)\n".write(
                to: folder.appendingPathComponent(String(format: "note-%05d.md", index)), atomically: true, encoding: .utf8)
        }
        return folder
    }

    /// Every document has exactly its recorded number of chunks, numbered 0…n-1, with vectors.
    static func checkConsistent(_ store: any Store) async throws -> Int {
        let documents = try await store.documents(sourcePrefix: nil, owner: nil)
        #expect(Set(documents.map(\.sourceURI)).count == documents.count)
        for document in documents {
            let chunks = try await store.chunks(documentID: document.id)
            #expect(chunks.count == document.chunkCount, "\(document.sourceURI)")
            #expect(!chunks.isEmpty)
            #expect(chunks.map(\.index) == Array(0..<chunks.count))
            #expect(chunks.allSatisfy { $0.embedding.count == 1536 })
        }
        return documents.count
    }

    @Test("SIGKILL mid-run, then a rerun: consistent, complete, no duplicates", arguments: TestEnvironment.storeKinds)
    func killAndResume(kind: StoreKind) async throws {
        let binary = try #require(Self.binary, "build the nightshift executable first (swift build)")
        let corpus = try Self.corpus(documents: 1500)
        defer { try? FileManager.default.removeItem(at: corpus) }
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "DATABASE_URL")
        let store: any Store
        var cleanup: () async -> Void = {}
        switch kind {
        case .sqlite:
            let path = corpus.deletingLastPathComponent().appendingPathComponent("kill-\(UUID()).sqlite").path
            environment["NIGHTSHIFT_DB"] = path
            store = try await SQLiteStore.open(path: path)
            cleanup = { try? FileManager.default.removeItem(atPath: path) }
        case .postgres:
            let url = try await TestDatabases.shared.makePostgresDatabase()
            environment["DATABASE_URL"] = url
            store = try await PostgresStore.open(url: Secret(url))
            cleanup = { await TestDatabases.dropPostgresDatabase(url) }
        }
        func run(killAfter documents: Int?) async throws -> Int32 {
            let process = Process()
            process.executableURL = binary
            process.arguments = ["ingest", corpus.path, "--batch-size", "4", "--quiet", "--json"]
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            if let documents {
                var waited = 0
                while process.isRunning, waited < 6000 {
                    let stored = try await store.documents(sourcePrefix: nil, owner: nil).count
                    if stored >= documents {
                        kill(process.processIdentifier, SIGKILL)
                        break
                    }
                    try await Task.sleep(for: .milliseconds(20))
                    waited += 1
                }
            }
            process.waitUntilExit()
            return process.terminationStatus
        }
        let status = try await run(killAfter: 40)
        #expect(status != 0, "the run finished before it could be killed; make the corpus bigger")
        let partial = try await Self.checkConsistent(store)
        #expect(partial > 0 && partial < 1500)
        #expect(try await run(killAfter: nil) == 0)
        #expect(try await Self.checkConsistent(store) == 1500)
        let runs = try await store.jobRuns(job: "ingest", limit: 5)
        #expect(runs.first?.status == .succeeded)
        #expect(runs.first?.counts["added"]?.intValue == 1500 - partial)
        #expect(runs.first?.counts["unchanged"]?.intValue == partial)
        // The killed run's row was marked abandoned by the next run.
        #expect(runs.dropFirst().first?.status == .failed)
        #expect(runs.dropFirst().first?.error?.contains("abandoned") == true)
        await store.close()
        await cleanup()
    }

    /// Where in a first load into PostgreSQL the run is killed.
    enum Phase: String, CaseIterable, CustomStringConvertible {
        /// While chunks are loaded, the index dropped and the postings trigger disabled.
        case beforeIndexBuild
        /// In the HNSW build.
        case duringIndexBuild
        /// After the index is committed, in the bulk build of the BM25 postings.
        case afterIndexBuild
        var description: String { rawValue }
    }

    @Test(
        "PostgreSQL: a first load killed before, during or after the index build; the next run completes, the index is valid, the postings maintained, both searches work",
        .enabled(if: TestEnvironment.postgresEnabled), arguments: Phase.allCases)
    func killAroundIndexBuild(phase: Phase) async throws {
        let binary = try #require(Self.binary, "build the nightshift executable first (swift build)")
        let documents = 200
        let corpus = try Self.corpus(documents: documents)
        defer { try? FileManager.default.removeItem(at: corpus) }
        let url = try await TestDatabases.shared.makePostgresDatabase()
        let store = try await PostgresStore.open(url: Secret(url))
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = url
        environment.removeValue(forKey: "NIGHTSHIFT_DB")
        func start() throws -> Process {
            let process = Process()
            process.executableURL = binary
            process.arguments = ["ingest", corpus.path, "--batch-size", "4", "--quiet", "--json"]
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        // `blocker` holds a lock that stops the run at the chosen step, so the kill lands there.
        let blocker = try await PGConnection.connect(url: Secret(url))
        let blockerPID = try await blocker.scalar("select pg_backend_pid()", as: Int.self) ?? 0
        func triggerDisabled() async throws -> Bool {
            try await store.pool.scalar(
                """
                select t.tgenabled = 'D' from pg_trigger t
                where t.tgrelid = 'public.agent_memory'::regclass and t.tgname = 'agent_memory_terms_insert'
                """, as: Bool.self) == true
        }
        /// The sessions other than `blocker` and `except` waiting for a lock on `table`.
        func waiting(on table: String, except: [Int] = []) async throws -> [Int] {
            try await store.pool.query(
                """
                select l.pid from pg_locks l
                where not l.granted and l.relation = to_regclass(\(table)) and l.pid <> \(blockerPID)
                  and not (l.pid = any(\(unescaped: "array[\(([0] + except).map(String.init).joined(separator: ","))]")))
                """
            ).map { try $0.decode(0, as: Int.self) }
        }
        func runWaits(on table: String) async throws -> Bool { try await !waiting(on: table).isEmpty }
        func poll(_ what: String, _ condition: () async throws -> Bool) async throws {
            for _ in 0..<6000 {
                if try await condition() { return }
                try await Task.sleep(for: .milliseconds(5))
            }
            Issue.record("timed out waiting for: \(what)")
        }
        if phase == .afterIndexBuild {
            // The bulk build of the postings truncates them first: an open reader makes it wait.
            try await blocker.simpleQuery("begin; lock table public.agent_memory_terms in access share mode")
        }
        let first = try start()
        var killedBuild: [Int] = []
        switch phase {
        case .beforeIndexBuild:
            try await poll("20 documents stored") {
                let stored = try await store.documents(sourcePrefix: nil, owner: nil).count
                return try await triggerDisabled() && stored >= 20
            }
        case .duringIndexBuild:
            // Once the load has begun (index dropped, trigger disabled), a writer's lock holds back the build.
            try await poll("the load began") { try await triggerDisabled() }
            try await blocker.simpleQuery("begin; lock table public.agent_memory in row exclusive mode")
            try await poll("the index build waits") { try await runWaits(on: "public.agent_memory") }
            killedBuild = try await waiting(on: "public.agent_memory")
            #expect(try await store.pool.scalar("select to_regclass('public.idx_agent_memory_embedding') is null", as: Bool.self) == true)
        case .afterIndexBuild:
            try await poll("the postings build waits") { try await runWaits(on: "public.agent_memory_terms") }
            #expect(try await store.pool.scalar("select to_regclass('public.idx_agent_memory_embedding') is not null", as: Bool.self) == true)
            #expect(try await triggerDisabled())
        }
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        #expect(first.terminationStatus != 0, "the run finished before it was killed")
        // The rerun starts while the killed run's backend may still be at work on the server.
        let rerun = try start()
        switch phase {
        case .beforeIndexBuild:
            break
        case .duringIndexBuild:
            // Both builds wait on the lock, unless the server noticed the killed run's client is gone and ended
            // its session (client_connection_check_interval): then only the rerun's.
            try await poll("the rerun's index step waits") {
                try await !waiting(on: "public.agent_memory", except: killedBuild).isEmpty
            }
            try await blocker.simpleQuery("rollback")
        case .afterIndexBuild:
            try await blocker.simpleQuery("rollback")
        }
        rerun.waitUntilExit()
        #expect(rerun.terminationStatus == 0)

        #expect(try await Self.checkConsistent(store) == documents)
        #expect(try await store.hasSearchIndexes())
        let state = try await SearchIndexState.read(store)
        #expect(state.indexValid, "index valid")
        #expect(state.postingsTriggerEnabled, "postings trigger enabled")
        #expect(state.postingsComplete, "postings complete")
        // Vector search through the index: a stored chunk's own vector finds that chunk first.
        let note = try #require(try await store.documents(sourcePrefix: nil, owner: nil).first { $0.sourceURI.hasSuffix("note-00040.md") })
        let chunk = try #require(try await store.chunks(documentID: note.id).first)
        let nearest = try await store.search(embedding: chunk.embedding, model: note.embeddingModel, scope: .shared, limit: 1)
        #expect(nearest.first?.sourceURI == note.sourceURI)
        // Full-text search through the postings: paragraph 1 of note 40 (40 * 31 + 1).
        let text = try await Retriever(store: store, embedder: LocalEmbeddingProvider(), mode: .text)
            .search("fox number 1241", scope: .shared, limit: 1)
        #expect(text.first?.sourceURI == note.sourceURI, "\(text.map { $0.sourceURI ?? "" })")
        await store.close()
        await TestDatabases.dropPostgresDatabase(url)
    }
}
