import Foundation
import NightshiftCore
import NightshiftTestSupport
import Testing

@testable import NightshiftStore

/// sql/0017, 0018: before buying an embedding, ingestion looks for a vector stored under the same chunk hash in any
/// document. Without an index on content_hash alone that lookup reads the whole table (or index) every batch.
@Suite("Vectors looked up by chunk hash")
struct ChunkHashIndexTests {
    @Test("the lookup by chunk hash finds the vector and goes through the content_hash index", arguments: TestEnvironment.storeKinds)
    func lookupUsesTheIndex(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            let model = "text-embedding-3-small"
            let document = Document(
                sourceURI: "file:///hash.md", owner: .shared, title: "h", mediaType: "text/markdown",
                contentHash: "d", metadata: [:], embeddingModel: model, byteSize: 1)
            let vector = (0..<1536).map { Float(($0 % 7) - 3) / 10 }
            let chunks = (0..<3).map { index in
                StoredChunk(
                    index: index, content: "chunk \(index)", contentHash: StoredChunk.hash(content: "chunk \(index)", model: model),
                    embedding: vector, embeddingModel: model, tokenCount: 2, searchText: "chunk \(index)")
            }
            _ = try await store.replaceDocuments([(document, chunks)])
            let found = try await store.embeddings(contentHashes: [chunks[1].contentHash, "absent"])
            #expect(found.keys.sorted() == [chunks[1].contentHash])
            #expect(found[chunks[1].contentHash]?.count == 1536)

            if let sqlite = store as? SQLiteStore {
                let plan = try await sqlite.queryPlan(
                    "select content_hash, embedding from agent_memory where content_hash in (?) and embedding is not null",
                    arguments: [chunks[1].contentHash])
                #expect(plan.contains { $0.contains("idx_agent_memory_content_hash") }, "\(plan)")
            } else if let postgres = store as? PostgresStore {
                let plan = try await postgres.pool.transaction { connection in
                    // A three-row table is cheapest to scan whole: ask for the best index path instead.
                    try await connection.simpleQuery("set local enable_seqscan = off")
                    return try await connection.query(
                        """
                        explain select distinct on (content_hash) content_hash, embedding::text from public.agent_memory
                        where content_hash = any(\([chunks[1].contentHash])) and embedding is not null
                        """
                    ).map { try $0.decode(0, as: String.self) }.joined(separator: "\n")
                }
                #expect(plan.contains("idx_agent_memory_content_hash"), "\(plan)")
                // sql/0018: a hash index (equality is its only use; cheaper to maintain than a B-tree).
                let method = try await postgres.pool.withConnection {
                    try await $0.scalar(
                        """
                        select am.amname from pg_class c join pg_am am on am.oid = c.relam
                        where c.oid = 'public.idx_agent_memory_content_hash'::regclass
                        """, as: String.self)
                }
                #expect(method == "hash")
            }
        }
    }
}
