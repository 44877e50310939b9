import Foundation
import GRDB
import NightshiftCore

/// One embedding model's vectors in memory, for brute-force cosine search on the embedded store.
struct VectorIndex: Sendable {
    /// The `job_state` generation this copy was loaded at.
    var generation: Int
    var dimensions: Int
    var ids: [UUID]
    /// Effective owner of each chunk: its owner, else its conversation's user; nil = shared.
    var owners: [UUID?]
    /// Row-major vectors, `dimensions` floats each, already divided by their norm (a zero vector stays zero).
    var vectors: [Float]

    /// Indices of the `limit` most similar chunks visible in `scope`, best first, with cosine similarity.
    func nearest(to query: [Float], scope: SearchScope, limit: Int) -> [(index: Int, score: Double)] {
        guard limit > 0, query.count == dimensions, !ids.isEmpty else { return [] }
        var norm: Float = 0
        for value in query { norm += value * value }
        let inverse = norm > 0 ? 1 / norm.squareRoot() : 0
        var best: [(index: Int, score: Double)] = []
        best.reserveCapacity(limit + 1)
        query.withUnsafeBufferPointer { q in
            vectors.withUnsafeBufferPointer { all in
                for row in 0..<ids.count {
                    let owner = owners[row]
                    guard owner == nil ? scope.includeShared : owner == scope.userID else { continue }
                    let base = all.baseAddress! + row * dimensions
                    var dot: Float = 0
                    for i in 0..<dimensions { dot += base[i] * q[i] }
                    let score = Double(dot * inverse)
                    if best.count < limit || score > best[best.count - 1].score {
                        let position = best.firstIndex { score > $0.score || (score == $0.score && ids[row].uuidString < ids[$0.index].uuidString) } ?? best.count
                        best.insert((row, score), at: position)
                        if best.count > limit { best.removeLast() }
                    }
                }
            }
        }
        return best
    }
}

extension SQLiteStore {
    /// Bumped in the same transaction as any chunk change, so every process notices and reloads its copy.
    static let generationKey = (job: "store", key: "chunks_generation")

    static func bumpGeneration(_ db: GRDB.Database) throws {
        try db.execute(
            sql: """
                insert into job_state (job, key, value) values (?, ?, '1')
                on conflict (job, key) do update set value = cast(value as integer) + 1
                """,
            arguments: [generationKey.job, generationKey.key])
    }

    static func document(_ row: Row) throws -> Document {
        var metadata = try SQLiteValue.json(row, "metadata")
        if case .object(var members) = metadata, let chunker: String = row["chunker"], !chunker.isEmpty {
            members["chunker"] = .string(chunker)
            metadata = .object(members)
        }
        return Document(
            id: try SQLiteValue.uuid(row, "id"), sourceURI: row["source_uri"],
            owner: Owner(try SQLiteValue.optionalUUID(row, "owner_id")), title: row["title"],
            mediaType: row["media_type"], contentHash: row["content_hash"], metadata: metadata,
            embeddingModel: row["embedding_model"], chunkCount: row["chunk_count"], byteSize: row["byte_size"],
            createdAt: SQLiteValue.date(row, "created_at"), updatedAt: SQLiteValue.date(row, "updated_at"))
    }

    public func document(sourceURI: String, owner: Owner) async throws -> Document? {
        try await reading { db in
            try Row.fetchOne(
                db, sql: "select * from documents where source_uri = ? and coalesce(owner_id, '') = coalesce(?, '')",
                arguments: [sourceURI, owner.userID?.canonical]
            ).map(Self.document)
        }
    }

    public func document(id: UUID) async throws -> Document? {
        try await reading { db in
            try Row.fetchOne(db, sql: "select * from documents where id = ?", arguments: [id.canonical]).map(Self.document)
        }
    }

    public func documentContent(id: UUID) async throws -> String? {
        try await reading { db in
            try String.fetchOne(db, sql: "select content from documents where id = ?", arguments: [id.canonical])
        }
    }

    public func documents(sourcePrefix: String?, owner: Owner?) async throws -> [Document] {
        try await reading { db in
            try Row.fetchAll(
                db,
                // Not `content`: a listing of 100,000 documents would carry every document's text.
                sql: """
                    select id, source_uri, owner_id, title, media_type, content_hash, metadata, embedding_model, chunker,
                           chunk_count, byte_size, created_at, updated_at
                    from documents
                    where (? is null or substr(source_uri, 1, length(?)) = ?)
                      and (? or owner_id is ?)
                    order by source_uri, owner_id
                    """,
                arguments: [sourcePrefix, sourcePrefix, sourcePrefix, owner == nil, owner?.userID?.canonical]
            ).map(Self.document)
        }
    }

    public func recordSourceStamp(_ stamp: String, uris: [String], owner: Owner) async throws {
        guard !uris.isEmpty else { return }
        try await writing { db in
            for start in stride(from: 0, to: uris.count, by: 500) {
                let part = Array(uris[start..<min(start + 500, uris.count)])
                let marks = Array(repeating: "?", count: part.count).joined(separator: ", ")
                try db.execute(
                    sql: """
                        update documents set metadata = json_set(coalesce(metadata, '{}'), '$.source_stamp', ?)
                        where owner_id is ? and source_uri in (\(marks))
                        """,
                    arguments: StatementArguments([stamp, owner.userID?.canonical] + part.map { Optional($0) }))
            }
        }
    }

    public func documentStates(sourcePrefix: String, owner: Owner) async throws -> [DocumentState] {
        try await reading { db in
            try Row.fetchAll(
                db,
                sql: """
                    select id, source_uri, content_hash, embedding_model, chunker,
                           json_extract(metadata, '$.source_sha256') as sha,
                           json_extract(metadata, '$.source_stamp') as stamp
                    from documents
                    where substr(source_uri, 1, length(?)) = ? and owner_id is ?
                    """,
                arguments: [sourcePrefix, sourcePrefix, owner.userID?.canonical]
            ).map { row in
                DocumentState(
                    id: try SQLiteValue.uuid(row, "id"), sourceURI: row["source_uri"], contentHash: row["content_hash"],
                    embeddingModel: row["embedding_model"], chunker: row["chunker"] ?? "", sourceSHA256: row["sha"],
                    sourceStamp: row["stamp"])
            }
        }
    }

    static func chunk(_ row: Row) throws -> StoredChunk {
        StoredChunk(
            id: try SQLiteValue.uuid(row, "id"), index: row["chunk_index"] ?? 0, content: row["content"],
            contentHash: row["content_hash"] ?? "", embedding: (row["embedding"] as Data?).map(SQLiteValue.vector) ?? [],
            embeddingModel: row["embedding_model"] ?? "", tokenCount: row["token_count"] ?? 0,
            headingPath: try SQLiteValue.stringArray(row, "heading_path") ?? [], charStart: row["char_start"] ?? 0,
            charEnd: row["char_end"] ?? 0, metadata: try SQLiteValue.json(row, "metadata"))
    }

    public func chunks(documentID: UUID) async throws -> [StoredChunk] {
        try await reading { db in
            try Row.fetchAll(
                db, sql: "select * from agent_memory where document_id = ? order by chunk_index, id",
                arguments: [documentID.canonical]
            ).map(Self.chunk)
        }
    }

    public func embeddings(contentHashes: [String]) async throws -> [String: [Float]] {
        guard !contentHashes.isEmpty else { return [:] }
        return try await reading { db in
            var found: [String: [Float]] = [:]
            // Bounded statement size: SQLite allows 32,766 parameters.
            for start in stride(from: 0, to: contentHashes.count, by: 500) {
                let slice = Array(contentHashes[start..<min(start + 500, contentHashes.count)])
                let marks = Array(repeating: "?", count: slice.count).joined(separator: ",")
                for row in try Row.fetchAll(
                    db,
                    sql: "select content_hash, embedding from agent_memory where content_hash in (\(marks)) and embedding is not null",
                    arguments: StatementArguments(slice))
                {
                    if let data: Data = row["embedding"] { found[row["content_hash"]] = SQLiteValue.vector(data) }
                }
            }
            return found
        }
    }

    @discardableResult
    public func replaceDocument(_ document: Document, chunks: [StoredChunk]) async throws -> Document {
        let stored = try await replaceDocuments([(document, chunks)])
        guard let first = stored.first else {
            throw NightshiftError(.internal, "document upsert returned no row", context: ["source": document.sourceURI])
        }
        return first
    }

    @discardableResult
    public func replaceDocuments(_ batch: [(document: Document, chunks: [StoredChunk])]) async throws -> [Document] {
        guard !batch.isEmpty else { return [] }
        for (document, chunks) in batch {
            for chunk in chunks where !chunk.embedding.isEmpty && chunk.embedding.count != 1536 {
                throw NightshiftError.invalidInput(
                    "embedding has \(chunk.embedding.count) dimensions, agent_memory holds 1536",
                    context: ["source": document.sourceURI])
            }
        }
        let items = batch.map { (document: $0.document, chunks: $0.chunks) }
        return try await writing { db in
            var stored: [Document] = []
            for (document, chunks) in items {
                stored.append(try Self.replaceDocument(document, chunks: chunks, in: db))
            }
            try Self.bumpGeneration(db)
            return stored
        }
    }

    public func chunkHashes(documentIDs: [UUID]) async throws -> [UUID: [String]] {
        guard !documentIDs.isEmpty else { return [:] }
        return try await reading { db in
            var hashes: [UUID: [String]] = [:]
            for start in stride(from: 0, to: documentIDs.count, by: 500) {
                let slice = documentIDs[start..<min(start + 500, documentIDs.count)].map(\.canonical)
                let marks = Array(repeating: "?", count: slice.count).joined(separator: ",")
                for row in try Row.fetchAll(
                    db,
                    sql: "select document_id, content_hash from agent_memory where document_id in (\(marks)) and content_hash is not null",
                    arguments: StatementArguments(slice))
                {
                    hashes[try SQLiteValue.uuid(row, "document_id"), default: []].append(row["content_hash"])
                }
            }
            return hashes
        }
    }

    /// One document's swap inside an open write transaction.
    static func replaceDocument(_ document: Document, chunks: [StoredChunk], in db: GRDB.Database) throws -> Document {
        var metadata = document.metadata
        var chunker = ""
        if case .object(var members) = metadata, let value = members.removeValue(forKey: "chunker")?.stringValue {
            chunker = value
            metadata = .object(members)
        }
        try db.execute(
            sql: """
                insert into documents (id, source_uri, owner_id, title, media_type, content_hash, metadata,
                    embedding_model, chunker, chunk_count, byte_size, content)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                on conflict (source_uri, coalesce(owner_id, '')) do update set
                    title = excluded.title, media_type = excluded.media_type, content_hash = excluded.content_hash,
                    metadata = excluded.metadata, embedding_model = excluded.embedding_model,
                    chunker = excluded.chunker, chunk_count = excluded.chunk_count, byte_size = excluded.byte_size,
                    content = coalesce(excluded.content, documents.content)
                """,
            arguments: [
                document.id.canonical, document.sourceURI, document.owner.userID?.canonical, document.title,
                document.mediaType, document.contentHash, metadata.jsonText, document.embeddingModel,
                chunker, chunks.count, document.byteSize, document.content,
            ])
        guard let row = try Row.fetchOne(
            db, sql: "select * from documents where source_uri = ? and coalesce(owner_id, '') = coalesce(?, '')",
            arguments: [document.sourceURI, document.owner.userID?.canonical])
        else {
            throw NightshiftError(.internal, "document upsert returned no row", context: ["source": document.sourceURI])
        }
        let stored = try Self.document(row)
        let existing = try Row.fetchAll(
            db, sql: "select id, content_hash from agent_memory where document_id = ?",
            arguments: [stored.id.canonical]
        ).map { (id: try SQLiteValue.uuid($0, "id"), contentHash: $0["content_hash"] as String?) }
        let plan = ChunkReplacementPlan(existing: existing, new: chunks)
        for id in plan.delete {
            try db.execute(sql: "delete from agent_memory where id = ?", arguments: [id.canonical])
        }
        for (id, chunk) in plan.keep {
            try db.execute(
                sql: """
                    update agent_memory set chunk_index = ?, char_start = ?, char_end = ?, token_count = ?,
                        heading_path = ?, metadata = ?
                    where id = ?
                    """,
                arguments: [
                    chunk.index, chunk.charStart, chunk.charEnd, chunk.tokenCount,
                    SQLiteValue.jsonArray(chunk.headingPath), chunk.metadata.jsonText, id.canonical,
                ])
        }
        let insert = try db.cachedStatement(
            sql: """
                insert into agent_memory (id, document_id, owner_id, content, embedding, embedding_model,
                    content_hash, token_count, heading_path, char_start, char_end, chunk_index, metadata, search_text,
                    term_count)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for chunk in plan.insert {
            try insert.execute(arguments: [
                chunk.id.canonical, stored.id.canonical, stored.owner.userID?.canonical, chunk.content,
                chunk.embedding.isEmpty ? nil : SQLiteValue.blob(chunk.embedding), chunk.embeddingModel,
                chunk.contentHash, chunk.tokenCount, SQLiteValue.jsonArray(chunk.headingPath), chunk.charStart,
                chunk.charEnd, chunk.index, chunk.metadata.jsonText, chunk.searchText, chunk.termCount,
            ])
        }
        return stored
    }

    public func hasSearchIndexes() async throws -> Bool { true }

    public func setSearchIndexes(enabled: Bool, memoryLimit: Int) async throws {}

    public func searchIndexRebuildRefusal() async throws -> String? { nil }

    public func deleteDocument(id: UUID) async throws -> Bool {
        try await writing { db in
            try db.execute(sql: "delete from documents where id = ?", arguments: [id.canonical])
            let deleted = db.changesCount > 0
            if deleted { try Self.bumpGeneration(db) }
            return deleted
        }
    }

    public func search(embedding: [Float], model: String, scope: SearchScope, limit: Int) async throws -> [ChunkMatch] {
        let index = try await vectorIndex(model: model)
        let hits = index.nearest(to: embedding, scope: scope, limit: limit)
        return try await matches(hits.map { (index.ids[$0.index], index.owners[$0.index], $0.score) })
    }

    public func searchText(terms: [String], model: String, scope: SearchScope, limit: Int) async throws -> [ChunkMatch] {
        try await matches(try await textRanking(terms, model: model, scope: scope, limit: limit))
    }

    public func hybridSearch(
        terms: [String], embedding: [Float], model: String, scope: SearchScope, limit: Int, fusion: FusionSettings
    ) async throws -> [ChunkMatch] {
        let candidates = max(limit, 1) * max(fusion.candidateFactor, 1)
        let index = try await vectorIndex(model: model)
        let semantic = index.nearest(to: embedding, scope: scope, limit: candidates)
            .map { (id: index.ids[$0.index], owner: index.owners[$0.index]) }
        let fullText = try await textRanking(terms, model: model, scope: scope, limit: candidates)
        var scores: [UUID: (score: Double, owner: UUID?)] = [:]
        for (rank, hit) in semantic.enumerated() {
            scores[hit.id, default: (0, hit.owner)].score += fusion.semanticWeight / Double(fusion.rrfK + rank + 1)
        }
        for (rank, hit) in fullText.enumerated() {
            scores[hit.id, default: (0, hit.owner)].score += fusion.fullTextWeight / Double(fusion.rrfK + rank + 1)
        }
        let best = scores.sorted { $0.value.score > $1.value.score || ($0.value.score == $1.value.score && $0.key.uuidString < $1.key.uuidString) }
            .prefix(limit)
        return try await matches(best.map { ($0.key, $0.value.owner, $0.value.score) })
    }

    /// FTS5's BM25 ranking of one model's chunks visible in `scope`, best first.
    func textRanking(_ terms: [String], model: String, scope: SearchScope, limit: Int) async throws
        -> [(id: UUID, owner: UUID?, score: Double)]
    {
        guard let query = Self.ftsQuery(terms), limit > 0 else { return [] }
        return try await reading { db in
            try Row.fetchAll(
                db,
                sql: """
                    select m.id, coalesce(m.owner_id, c.user_id) as owner, -bm25(agent_memory_fts) as score
                    from agent_memory_fts f
                    join agent_memory m on m.rowid = f.rowid
                    left join agent_conversations c on c.id = m.conversation_id
                    where agent_memory_fts match ? and m.embedding_model = ?
                      and ((? and m.owner_id is null and m.conversation_id is null)
                           or (? is not null and coalesce(m.owner_id, c.user_id) = ?))
                    order by score desc, m.id
                    limit ?
                    """,
                arguments: [
                    query, model, scope.includeShared, scope.userID?.canonical, scope.userID?.canonical, limit,
                ]
            ).map { (id: try SQLiteValue.uuid($0, "id"), owner: try SQLiteValue.optionalUUID($0, "owner"), score: $0["score"]) }
        }
    }

    /// The terms OR-ed as FTS5 string literals (so no text is read as FTS5 syntax); nil if there are none.
    static func ftsQuery(_ terms: [String]) -> String? {
        var seen = Set<String>()
        let unique = terms.filter { !$0.isEmpty && seen.insert($0).inserted }.prefix(64)
        guard !unique.isEmpty else { return nil }
        return unique.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " OR ")
    }

    /// Chunk rows for ranked ids, in the given order; chunks deleted since they were ranked are left out.
    func matches(_ ranked: [(id: UUID, owner: UUID?, score: Double)]) async throws -> [ChunkMatch] {
        guard !ranked.isEmpty else { return [] }
        let ids = ranked.map(\.id.canonical)
        let found = try await reading { db -> [String: ChunkMatch] in
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
            var byID: [String: ChunkMatch] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    select m.id, m.content, m.metadata, m.document_id, m.chunk_index, m.heading_path, d.source_uri, d.title
                    from agent_memory m left join documents d on d.id = m.document_id
                    where m.id in (\(marks))
                    """,
                arguments: StatementArguments(ids))
            {
                let id: String = row["id"]
                byID[id] = ChunkMatch(
                    chunkID: try SQLiteValue.uuid(row, "id"), documentID: try SQLiteValue.optionalUUID(row, "document_id"),
                    sourceURI: row["source_uri"], title: row["title"], content: row["content"],
                    headingPath: try SQLiteValue.stringArray(row, "heading_path") ?? [], chunkIndex: row["chunk_index"],
                    owner: .shared, score: 0, metadata: try SQLiteValue.json(row, "metadata"))
            }
            return byID
        }
        return ranked.compactMap { hit in
            guard var match = found[hit.id.canonical] else { return nil }
            match.owner = Owner(hit.owner)
            match.score = hit.score
            return match
        }
    }

    /// The in-memory vectors of one model, reloaded when the generation moved.
    func vectorIndex(model: String) async throws -> VectorIndex {
        let generation = try await reading { db in
            try Int.fetchOne(
                db, sql: "select cast(value as integer) from job_state where job = ? and key = ?",
                arguments: [Self.generationKey.job, Self.generationKey.key]) ?? 0
        }
        if let cached = vectorCache.withLock({ $0[model] }), cached.generation == generation {
            return cached
        }
        let loaded = try await reading { db -> VectorIndex in
            // Read the generation again inside the snapshot, so the copy is labelled with what it holds.
            let snapshotGeneration = try Int.fetchOne(
                db, sql: "select cast(value as integer) from job_state where job = ? and key = ?",
                arguments: [Self.generationKey.job, Self.generationKey.key]) ?? 0
            var index = VectorIndex(generation: snapshotGeneration, dimensions: 1536, ids: [], owners: [], vectors: [])
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    select m.id, coalesce(m.owner_id, c.user_id) as owner, m.embedding
                    from agent_memory m left join agent_conversations c on c.id = m.conversation_id
                    where m.embedding_model = ? and m.embedding is not null
                    """,
                arguments: [model])
            while let row = try cursor.next() {
                guard let data: Data = row["embedding"], data.count == 1536 * 4 else { continue }
                var vector = SQLiteValue.vector(data)
                var norm: Float = 0
                for value in vector { norm += value * value }
                if norm > 0 {
                    let inverse = 1 / norm.squareRoot()
                    for i in vector.indices { vector[i] *= inverse }
                }
                index.ids.append(try SQLiteValue.uuid(row, "id"))
                index.owners.append(try SQLiteValue.optionalUUID(row, "owner"))
                index.vectors.append(contentsOf: vector)
            }
            return index
        }
        vectorCache.withLock { $0[model] = loaded }
        return loaded
    }
}
