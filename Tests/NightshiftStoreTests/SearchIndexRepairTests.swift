import Foundation
import NightshiftCore
import NightshiftStore
import NightshiftTestSupport
import Testing

/// The repair of the search indexes after a first load was interrupted: whatever another session left or is
/// still doing, the build completes, the index is valid and the BM25 postings are maintained again.
@Suite("Search index repair", .enabled(if: TestEnvironment.postgresEnabled))
struct SearchIndexRepairTests {
    static func withLoadedStore(_ body: (PostgresStore, String) async throws -> Void) async throws {
        let url = try await TestDatabases.shared.makePostgresDatabase()
        let store = try await PostgresStore.open(url: Secret(url))
        do {
            for index in 0..<20 {
                let text = "note \(index) about the harbour ferry timetable"
                var vector = [Float](repeating: 0.01, count: 1536)
                vector[index] = 1
                try await store.replaceDocument(
                    Document(sourceURI: "kb://note-\(index)", owner: .shared, mediaType: "text/plain", contentHash: "h\(index)",
                             embeddingModel: "m"),
                    chunks: [StoredChunk(index: 0, content: text, contentHash: StoredChunk.hash(content: text, model: "m"),
                                         embedding: vector, embeddingModel: "m", tokenCount: 8)])
            }
            try await body(store, url)
        } catch {
            await store.close()
            await TestDatabases.dropPostgresDatabase(url)
            throw error
        }
        await store.close()
        await TestDatabases.dropPostgresDatabase(url)
    }

    /// The index is valid, the postings trigger enabled, and the postings are those of every chunk.
    static func expectComplete(_ store: PostgresStore) async throws {
        #expect(try await store.hasSearchIndexes())
        let state = try await SearchIndexState.read(store)
        #expect(state.indexValid, "index valid")
        #expect(state.postingsTriggerEnabled, "trigger enabled")
        #expect(state.postingsComplete, "postings complete")
        let found = try await store.searchText(terms: ["ferry"], model: "m", scope: .shared, limit: 50)
        #expect(found.count == 20)
        var query = [Float](repeating: 0.01, count: 1536)
        query[7] = 1
        #expect(try await store.search(embedding: query, model: "m", scope: .shared, limit: 1).first?.sourceURI == "kb://note-7")
    }

    /// Waits until a session of this database other than `except` waits for a lock.
    static func waitForLockWait(_ observer: PGConnection, except: [Int]) async throws -> Bool {
        for _ in 0..<3000 {
            let waiting = try await observer.scalar(
                """
                select count(*) from pg_locks l
                join pg_stat_activity a on a.pid = l.pid
                where not l.granted and a.datname = current_database() and not (l.pid = any(\(unescaped: "array[\(([0] + except).map(String.init).joined(separator: ","))]")))
                """, as: Int.self) ?? 0
            if waiting > 0 { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    @Test(
        "a rebuild waits for a build of the index still open in another session (a killed run's backend), committed or not",
        arguments: ["commit", "rollback"])
    func concurrentBuild(ending: String) async throws {
        try await Self.withLoadedStore { store, url in
            try await store.setSearchIndexes(enabled: false, memoryLimit: SearchIndexMemory.defaultLimit)
            #expect(try await !store.hasSearchIndexes())
            // The other session builds the index inside a transaction it has not ended yet.
            let orphan = try await PGConnection.connect(url: Secret(url))
            let orphanPID = try await orphan.scalar("select pg_backend_pid()", as: Int.self) ?? 0
            try await orphan.simpleQuery("begin")
            try await orphan.simpleQuery(
                """
                create index idx_agent_memory_embedding on public.agent_memory
                    using hnsw ((embedding::halfvec(1536)) halfvec_cosine_ops)
                """)
            let repair = Task { try await store.setSearchIndexes(enabled: true, memoryLimit: SearchIndexMemory.defaultLimit) }
            let observer = try await PGConnection.connect(url: Secret(url))
            let observerPID = try await observer.scalar("select pg_backend_pid()", as: Int.self) ?? 0
            #expect(try await Self.waitForLockWait(observer, except: [orphanPID, observerPID]), "the repair never waited")
            try await orphan.simpleQuery(ending)
            try await repair.value
            try await Self.expectComplete(store)
        }
    }

    @Test("an invalid index (a failed concurrent build) counts as missing and is built again")
    func invalidIndex() async throws {
        try await Self.withLoadedStore { store, _ in
            // What `create index concurrently` leaves when it fails: the index, marked invalid (the test runs as a
            // superuser, which may mark it so).
            _ = try await store.pool.execute(
                "update pg_index set indisvalid = false where indexrelid = 'public.idx_agent_memory_embedding'::regclass")
            #expect(try await !store.hasSearchIndexes())
            try await store.setSearchIndexes(enabled: true, memoryLimit: SearchIndexMemory.defaultLimit)
            try await Self.expectComplete(store)
        }
    }

    @Test("the postings are rebuilt and their trigger enabled even when the index build fails")
    func postingsDespiteFailedBuild() async throws {
        try await Self.withLoadedStore { store, _ in
            try await store.setSearchIndexes(enabled: false, memoryLimit: SearchIndexMemory.defaultLimit)
            // A vector beyond half precision's range: the index over `embedding::halfvec` cannot be built.
            let text = "a note the index cannot hold, about the ferry"
            var vector = [Float](repeating: 0.01, count: 1536)
            vector[0] = 1e6
            _ = try await store.replaceDocument(
                Document(sourceURI: "kb://out-of-range", owner: .shared, mediaType: "text/plain", contentHash: "x",
                         embeddingModel: "m"),
                chunks: [StoredChunk(index: 0, content: text, contentHash: StoredChunk.hash(content: text, model: "m"),
                                     embedding: vector, embeddingModel: "m", tokenCount: 10)])
            do {
                try await store.setSearchIndexes(enabled: true, memoryLimit: SearchIndexMemory.defaultLimit)
                Issue.record("the index build should have failed")
            } catch {}
            let trigger = try await store.pool.scalar(
                """
                select t.tgenabled <> 'D' from pg_trigger t
                where t.tgrelid = 'public.agent_memory'::regclass and t.tgname = 'agent_memory_terms_insert'
                """, as: Bool.self)
            #expect(trigger == true)
            #expect(try await store.searchText(terms: ["ferry"], model: "m", scope: .shared, limit: 50).count == 21)
            #expect(try await !store.hasSearchIndexes())
        }
    }
}
