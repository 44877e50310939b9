import Foundation
import NightshiftCore

extension PostgresStore {
    static let documentColumns = """
        id, source_uri, owner_id, title, media_type, content_hash, metadata, embedding_model, chunk_count, byte_size,
        created_at, updated_at, chunker
        """

    static func document(_ row: PGRow) throws -> Document {
        var metadata = try row.decode(6, as: JSONValue?.self) ?? [:]
        if case .object(var members) = metadata, let chunker = row.text(12), !chunker.isEmpty {
            members["chunker"] = .string(chunker)
            metadata = .object(members)
        }
        return Document(
            id: try row.decode(0), sourceURI: try row.decode(1), owner: Owner(try row.decode(2, as: UUID?.self)),
            title: try row.decode(3, as: String?.self), mediaType: try row.decode(4), contentHash: try row.decode(5),
            metadata: metadata, embeddingModel: try row.decode(7), chunkCount: try row.decode(8),
            byteSize: try row.decode(9), createdAt: try row.decode(10, as: Date?.self),
            updatedAt: try row.decode(11, as: Date?.self))
    }

    public func document(sourceURI: String, owner: Owner) async throws -> Document? {
        try await pool.query(
            """
            select \(unescaped: Self.documentColumns) from public.documents
            where source_uri = \(sourceURI) and owner_id is not distinct from \(owner.userID)
            """
        ).first.map(Self.document)
    }

    public func document(id: UUID) async throws -> Document? {
        try await pool.query("select \(unescaped: Self.documentColumns) from public.documents where id = \(id)")
            .first.map(Self.document)
    }

    public func documentContent(id: UUID) async throws -> String? {
        try await pool.query("select content from public.documents where id = \(id)").first?.decode(0, as: String?.self)
    }

    public func documents(sourcePrefix: String?, owner: Owner?) async throws -> [Document] {
        let pattern = sourcePrefix.map { Self.likeEscaped($0) + "%" }
        let anyOwner = owner == nil
        return try await pool.query(
            """
            select \(unescaped: Self.documentColumns) from public.documents
            where (\(pattern)::text is null or source_uri like \(pattern) escape '\\')
              and (\(anyOwner) or owner_id is not distinct from \(owner?.userID))
            order by source_uri, owner_id nulls first
            """
        ).map(Self.document)
    }

    public func recordSourceStamp(_ stamp: String, uris: [String], owner: Owner) async throws {
        guard !uris.isEmpty else { return }
        try await pool.execute(
            """
            update public.documents set metadata = jsonb_set(coalesce(metadata, '{}'), '{source_stamp}', to_jsonb(\(stamp)::text))
            where source_uri = any(\(uris)) and owner_id is not distinct from \(owner.userID)
            """)
    }

    public func documentStates(sourcePrefix: String, owner: Owner) async throws -> [DocumentState] {
        let pattern = Self.likeEscaped(sourcePrefix) + "%"
        return try await pool.query(
            """
            select id, source_uri, content_hash, embedding_model, chunker, metadata->>'source_sha256',
                   metadata->>'source_stamp'
            from public.documents
            where source_uri like \(pattern) escape '\\' and owner_id is not distinct from \(owner.userID)
            """
        ).map { row in
            DocumentState(
                id: try row.decode(0), sourceURI: try row.decode(1), contentHash: try row.decode(2),
                embeddingModel: try row.decode(3), chunker: try row.decode(4, as: String?.self) ?? "",
                sourceSHA256: try row.decode(5, as: String?.self), sourceStamp: try row.decode(6, as: String?.self))
        }
    }

    static func likeEscaped(_ text: String) -> String {
        var out = ""
        for char in text {
            if char == "\\" || char == "%" || char == "_" { out.append("\\") }
            out.append(char)
        }
        return out
    }

    public func chunks(documentID: UUID) async throws -> [StoredChunk] {
        try await pool.query(
            """
            select id, chunk_index, content, content_hash, embedding::text, embedding_model, token_count, heading_path,
                   char_start, char_end, metadata
            from public.agent_memory where document_id = \(documentID) order by chunk_index, id
            """
        ).map { row in
            StoredChunk(
                id: try row.decode(0), index: try row.decode(1, as: Int?.self) ?? 0, content: try row.decode(2),
                contentHash: try row.decode(3, as: String?.self) ?? "",
                embedding: try row.decode(4, as: PGVector?.self)?.values ?? [],
                embeddingModel: try row.decode(5, as: String?.self) ?? "", tokenCount: try row.decode(6, as: Int?.self) ?? 0,
                headingPath: try row.decode(7, as: [String]?.self) ?? [], charStart: try row.decode(8, as: Int?.self) ?? 0,
                charEnd: try row.decode(9, as: Int?.self) ?? 0, metadata: try row.decode(10, as: JSONValue?.self) ?? [:])
        }
    }

    public func embeddings(contentHashes: [String]) async throws -> [String: [Float]] {
        guard !contentHashes.isEmpty else { return [:] }
        var found: [String: [Float]] = [:]
        for row in try await pool.query(
            """
            select distinct on (content_hash) content_hash, embedding::text from public.agent_memory
            where content_hash = any(\(contentHashes)) and embedding is not null
            """)
        {
            found[try row.decode(0)] = try row.decode(1, as: PGVector.self).values
        }
        return found
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
        return try await pool.transaction { connection in
            try await Self.replaceDocuments(batch, on: connection)
        }
    }

    public func chunkHashes(documentIDs: [UUID]) async throws -> [UUID: [String]] {
        guard !documentIDs.isEmpty else { return [:] }
        var hashes: [UUID: [String]] = [:]
        for row in try await pool.query(
            "select document_id, content_hash from public.agent_memory where document_id = any(\(documentIDs)) and content_hash is not null")
        {
            hashes[try row.decode(0, as: UUID.self), default: []].append(try row.decode(1))
        }
        return hashes
    }

    /// The body of `replaceDocuments`, on a connection already inside a transaction: one upsert statement for the
    /// documents, one query for their stored chunks, one delete, one update of moved chunks, one COPY.
    static func replaceDocuments(_ batch: [(document: Document, chunks: [StoredChunk])], on connection: PGConnection)
        async throws -> [Document]
    {
        let rows = JSONValue.array(batch.map { document, chunks in
            var metadata = document.metadata
            var chunker = ""
            if case .object(var members) = metadata, let value = members.removeValue(forKey: "chunker")?.stringValue {
                chunker = value
                metadata = .object(members)
            }
            return [
                "id": .string(document.id.canonical), "source_uri": .string(document.sourceURI),
                "owner_id": document.owner.userID.map { .string($0.canonical) } ?? .null,
                "title": document.title.map(JSONValue.string) ?? .null, "media_type": .string(document.mediaType),
                "content_hash": .string(document.contentHash), "metadata": metadata,
                "embedding_model": .string(document.embeddingModel), "chunker": .string(chunker),
                "chunk_count": .number(Double(chunks.count)), "byte_size": .number(Double(document.byteSize)),
                "content": document.content.map(JSONValue.string) ?? .null,
            ]
        })
        let upserted = try await connection.query(
            """
            insert into public.documents (id, source_uri, owner_id, title, media_type, content_hash, metadata,
                embedding_model, chunker, chunk_count, byte_size, content)
            select id, source_uri, owner_id, title, media_type, content_hash, metadata, embedding_model, chunker,
                   chunk_count, byte_size, content
            from jsonb_to_recordset(\(rows)) as x(id uuid, source_uri text, owner_id uuid, title text, media_type text,
                content_hash text, metadata jsonb, embedding_model text, chunker text, chunk_count int, byte_size bigint,
                content text)
            on conflict on constraint documents_source_owner_key do update set
                title = excluded.title, media_type = excluded.media_type, content_hash = excluded.content_hash,
                metadata = excluded.metadata, embedding_model = excluded.embedding_model, chunker = excluded.chunker,
                chunk_count = excluded.chunk_count, byte_size = excluded.byte_size,
                content = coalesce(excluded.content, public.documents.content)
            returning id, source_uri, owner_id, created_at, updated_at
            """
        )
        // The rows as written, with the store's id and times (not decoded back: metadata holds every heading).
        var byKey: [String: (id: UUID, createdAt: Date?, updatedAt: Date?)] = [:]
        for row in upserted {
            let key = "\(Owner(try row.decode(2, as: UUID?.self)))|\(try row.decode(1, as: String.self))"
            byKey[key] = (try row.decode(0), try row.decode(3, as: Date?.self), try row.decode(4, as: Date?.self))
        }
        var stored: [Document] = []
        for (document, chunks) in batch {
            guard let row = byKey["\(document.owner)|\(document.sourceURI)"] else {
                throw NightshiftError(.internal, "document upsert returned no row", context: ["source": document.sourceURI])
            }
            var written = document
            written.id = row.id
            written.chunkCount = chunks.count
            written.createdAt = row.createdAt
            written.updatedAt = row.updatedAt
            written.content = nil
            stored.append(written)
        }
        let existingRows = try await connection.query(
            """
            select id, document_id, content_hash, term_count from public.agent_memory
            where document_id = any(\(stored.map(\.id))) for update
            """)
        var existing: [UUID: [(id: UUID, contentHash: String?)]] = [:]
        var storedTerms: [UUID: Int] = [:]
        for row in existingRows {
            let id = try row.decode(0, as: UUID.self)
            existing[try row.decode(1, as: UUID.self), default: []].append(
                (id: id, contentHash: try row.decode(2, as: String?.self)))
            storedTerms[id] = try row.decode(3, as: Int?.self)
        }
        var deletes: [UUID] = []
        var updates: [JSONValue] = []
        var updatedTerms: [(model: String, delta: Int)] = []
        var inserts: [(documentID: UUID, owner: UUID?, chunk: StoredChunk, terms: Int?)] = []
        for (index, (_, chunks)) in batch.enumerated() {
            let document = stored[index]
            let plan = ChunkReplacementPlan(existing: existing[document.id] ?? [], new: chunks)
            deletes += plan.delete
            updates += plan.keep.map { kept in
                // The terms too: they include the heading path, which can change while the text stays.
                var row: [String: JSONValue] = [
                    "id": .string(kept.id.canonical), "idx": .number(Double(kept.chunk.index)),
                    "cs": .number(Double(kept.chunk.charStart)), "ce": .number(Double(kept.chunk.charEnd)),
                    "tc": .number(Double(kept.chunk.tokenCount)),
                    "hp": .array(kept.chunk.headingPath.map(JSONValue.string)), "md": kept.chunk.metadata,
                ]
                if let terms = kept.chunk.searchText, let count = kept.chunk.termCount {
                    row["tsv"] = .string(PGTSVector(terms: terms).literal)
                    row["terms"] = .number(Double(count))
                    updatedTerms.append((kept.chunk.embeddingModel, count - (storedTerms[kept.id] ?? count)))
                }
                return JSONValue.object(row)
            }
            inserts += plan.insert.map { (document.id, document.owner.userID, $0, $0.termCount) }
        }
        // BM25 statistics move with the chunks, in this transaction.
        var statDeltas: [String: (chunks: Int, terms: Int)] = [:]
        if !deletes.isEmpty {
            for row in try await connection.query(
                """
                delete from public.agent_memory where id = any(\(deletes))
                returning coalesce(embedding_model, ''), coalesce(term_count, 0)
                """)
            {
                let model = try row.decode(0, as: String.self)
                statDeltas[model, default: (0, 0)].chunks -= 1
                statDeltas[model, default: (0, 0)].terms -= try row.decode(1, as: Int.self)
            }
        }
        for (model, delta) in updatedTerms {
            statDeltas[model, default: (0, 0)].terms += delta
        }
        for (_, _, chunk, terms) in inserts {
            statDeltas[chunk.embeddingModel, default: (0, 0)].chunks += 1
            statDeltas[chunk.embeddingModel, default: (0, 0)].terms += terms ?? 0
        }
        if !updates.isEmpty {
            // Only rows whose position or terms changed are written: an untouched row keeps its place in every
            // index. The setting tells sql/0013's trigger that the tsvectors are given, even when equal to the old.
            try await connection.simpleQuery("set local nightshift.search_tsv_given = 'on'")
            try await connection.execute(
                """
                update public.agent_memory m set
                    chunk_index = u.idx, char_start = u.cs, char_end = u.ce, token_count = u.tc,
                    heading_path = array(select jsonb_array_elements_text(u.hp)), metadata = u.md,
                    search_tsv = coalesce(u.tsv::tsvector, m.search_tsv), term_count = coalesce(u.terms, m.term_count)
                from jsonb_to_recordset(\(JSONValue.array(updates)))
                    as u(id uuid, idx int, cs int, ce int, tc int, hp jsonb, md jsonb, tsv text, terms int)
                where m.id = u.id
                  and ((m.chunk_index, m.char_start, m.char_end, m.token_count, m.metadata)
                          is distinct from (u.idx, u.cs, u.ce, u.tc, u.md)
                       or m.heading_path is distinct from array(select jsonb_array_elements_text(u.hp))
                       or (u.tsv is not null and m.search_tsv is distinct from u.tsv::tsvector)
                       or (u.terms is not null and m.term_count is distinct from u.terms))
                """)
        }
        if !inserts.isEmpty {
            let rows = inserts
            try await connection.copyInBinary(
                """
                copy public.agent_memory (id, document_id, owner_id, content, embedding, embedding_model, content_hash,
                    token_count, heading_path, char_start, char_end, chunk_index, metadata, search_tsv, term_count)
                from stdin with (format binary)
                """,
                rowCount: rows.count
            ) { index, writer in
                let (documentID, owner, chunk, terms) = rows[index]
                writer.uuid(chunk.id)
                writer.uuid(documentID)
                writer.uuid(owner)
                writer.text(chunk.content)
                writer.vector(chunk.embedding.isEmpty ? nil : chunk.embedding)
                writer.text(chunk.embeddingModel)
                writer.text(chunk.contentHash)
                writer.int4(chunk.tokenCount)
                writer.textArray(chunk.headingPath)
                writer.int4(chunk.charStart)
                writer.int4(chunk.charEnd)
                writer.int4(chunk.index)
                writer.jsonb(chunk.metadata.jsonText)
                // The terms as a tsvector (sql/0013); without them the server indexes the raw words.
                writer.tsvector(chunk.searchText.map(PGTSVector.init(terms:)))
                writer.int4(terms)
            }
        }
        try await Self.applySearchStats(statDeltas, on: connection)
        return stored
    }

    /// Adds chunk and term counts per model to `search_stats` (never below zero).
    static func applySearchStats(_ deltas: [String: (chunks: Int, terms: Int)], on connection: PGConnection) async throws {
        let changes = deltas.filter { !$0.key.isEmpty && ($0.value.chunks != 0 || $0.value.terms != 0) }
        guard !changes.isEmpty else { return }
        let rows = JSONValue.array(changes.sorted { $0.key < $1.key }.map {
            ["model": .string($0.key), "chunks": .number(Double($0.value.chunks)), "terms": .number(Double($0.value.terms))]
        })
        // The row first (so concurrent writers of a new model serialise on it), then the deltas.
        try await connection.execute(
            """
            insert into public.search_stats (embedding_model)
            select model from jsonb_to_recordset(\(rows)) as x(model text)
            on conflict (embedding_model) do nothing
            """)
        try await connection.execute(
            """
            update public.search_stats s set chunks = greatest(s.chunks + x.chunks, 0), terms = greatest(s.terms + x.terms, 0)
            from jsonb_to_recordset(\(rows)) as x(model text, chunks bigint, terms bigint)
            where s.embedding_model = x.model
            """)
    }

    /// The HNSW index exists and is valid (a failed concurrent build leaves an invalid one, which no query uses),
    /// and the BM25 postings are maintained (their insert trigger is enabled).
    public func hasSearchIndexes() async throws -> Bool {
        try await pool.withConnection {
            try await $0.scalar(
                """
                select coalesce((select i.indisvalid from pg_index i
                                 where i.indexrelid = to_regclass('public.idx_agent_memory_embedding')), false)
                   and coalesce((select t.tgenabled <> 'D' from pg_trigger t
                                 where t.tgrelid = 'public.agent_memory'::regclass
                                   and t.tgname = 'agent_memory_terms_insert'), false)
                """, as: Bool.self)
        } ?? false
    }

    /// Dropping the HNSW index and disabling the postings trigger need the table's owner (or a member of its
    /// role); any other role, however many rights it has on the rows, cannot.
    public func searchIndexRebuildRefusal() async throws -> String? {
        try await pool.withConnection { connection in
            let owner = try await connection.query(
                """
                select pg_has_role(c.relowner, 'usage'), current_user::text, c.relowner::regrole::text
                from pg_class c where c.oid = 'public.agent_memory'::regclass
                """).first
            guard let owner, try owner.decode(0, as: Bool.self) == false else { return nil }
            let role = try owner.decode(1, as: String.self)
            let tableOwner = try owner.decode(2, as: String.self)
            return "role \(role) does not own public.agent_memory (\(tableOwner) does), "
                + "so it cannot drop and rebuild the vector index and the BM25 postings"
        }
    }

    /// Off: drops the HNSW index and stops maintaining BM25 postings row by row (sql/0011's insert trigger).
    /// On: builds what is missing — the HNSW index, and the postings in bulk (`agent_memory_terms_rebuild()`,
    /// one transaction; about 3 times faster than the trigger during a load). Also the repair after a killed
    /// run, whatever it left: a build of the index still running or committed by its backend, an invalid index,
    /// the trigger disabled. The postings are rebuilt even when the index build fails.
    public func setSearchIndexes(enabled: Bool, memoryLimit: Int) async throws {
        if enabled {
            if try await hasSearchIndexes() { return }
            if let refusal = try await searchIndexRebuildRefusal() {
                throw NightshiftError(
                    .forbidden,
                    "the search indexes of public.agent_memory are incomplete (a first load by its owner was interrupted) and \(refusal): "
                        + "run `nightshift ingest` once as the owner to rebuild them")
            }
            var failure: (any Error)?
            do {
                try await buildVectorIndex(memoryLimit: memoryLimit)
            } catch {
                failure = error
            }
            do {
                try await rebuildPostingsIfDisabled(memoryLimit: memoryLimit)
            } catch {
                throw failure ?? error
            }
            if let failure { throw failure }
        } else {
            if let refusal = try await searchIndexRebuildRefusal() {
                throw NightshiftError(.forbidden, "cannot drop the search indexes: \(refusal)")
            }
            try await pool.transaction { connection in
                try await connection.simpleQuery(
                    """
                    drop index if exists public.idx_agent_memory_embedding;
                    alter table public.agent_memory disable trigger agent_memory_terms_insert
                    """)
            }
        }
    }

    /// Builds the HNSW index unless a valid one exists.
    private func buildVectorIndex(memoryLimit: Int) async throws {
        try await pool.withConnection { connection in
            // The HNSW build is fast only while its graph fits in maintenance_work_mem (see SearchIndexMemory).
            let chunks = try await connection.scalar(
                "select count(*) from public.agent_memory where embedding is not null", as: Int.self) ?? 0
            let server = try await connection.scalar(
                "select pg_size_bytes(current_setting('maintenance_work_mem'))", as: Int.self) ?? 0
            let memory = SearchIndexMemory.forBuild(chunks: chunks, serverSetting: server, limit: memoryLimit)
            try await connection.transaction { connection in
                // A build can take minutes: if this process dies meanwhile (a cron timeout, a kill), the server
                // notices within seconds and stops it, instead of building on for nobody while the next run
                // waits on its lock.
                try await connection.simpleQuery(
                    """
                    set local maintenance_work_mem = '\(max(1024, memory / 1024))kB';
                    set local client_connection_check_interval = '2s'
                    """)
                // `share row exclusive` conflicts with the `share` lock any CREATE INDEX on the table holds to
                // the end of its transaction, and with itself: a build still running for a killed run (whose
                // backend may yet commit it) or another run's is waited for, and its index then seen, instead of
                // built a second time alongside (two builds of one name end in 23505 or 42P07).
                try await connection.simpleQuery("lock table public.agent_memory in share row exclusive mode")
                // An invalid index (a failed `create index concurrently`) would satisfy `if not exists`.
                let invalid = try await connection.scalar(
                    """
                    select not i.indisvalid from pg_index i
                    where i.indexrelid = to_regclass('public.idx_agent_memory_embedding')
                    """, as: Bool.self)
                if invalid == true {
                    try await connection.simpleQuery("drop index public.idx_agent_memory_embedding")
                }
                try await connection.simpleQuery(
                    """
                    create index if not exists idx_agent_memory_embedding on public.agent_memory
                        using hnsw ((embedding::halfvec(1536)) halfvec_cosine_ops)
                    """)
            }
        }
    }

    /// Builds the BM25 postings in bulk and enables their trigger, when it is disabled.
    private func rebuildPostingsIfDisabled(memoryLimit: Int) async throws {
        let rebuilt = try await pool.transaction { connection -> Bool in
            let disabled = try await connection.scalar(
                """
                select t.tgenabled = 'D' from pg_trigger t
                where t.tgrelid = 'public.agent_memory'::regclass and t.tgname = 'agent_memory_terms_insert'
                """, as: Bool.self) ?? false
            guard disabled else { return false }
            // agent_memory_terms_rebuild() locks agent_memory first: a rebuild still running for a killed run is
            // waited for; this one then replaces its postings whether it committed or not.
            try await connection.simpleQuery(
                """
                set local maintenance_work_mem = '\(max(64 << 10, min(512 << 10, memoryLimit >> 10)))kB';
                select public.agent_memory_terms_rebuild()
                """)
            return true
        }
        // Index-only scans need the visibility map: set it now rather than when autovacuum comes by.
        if rebuilt {
            try await pool.withConnection { try await $0.simpleQuery("vacuum (analyze) public.agent_memory_terms") }
        }
    }

    public func deleteDocument(id: UUID) async throws -> Bool {
        try await pool.transaction { connection in
            var deltas: [String: (chunks: Int, terms: Int)] = [:]
            for row in try await connection.query(
                """
                select coalesce(embedding_model, ''), count(*), coalesce(sum(term_count), 0)
                from public.agent_memory where document_id = \(id) group by 1
                """)
            {
                deltas[try row.decode(0, as: String.self)] = (-(try row.decode(1, as: Int.self)), -(try row.decode(2, as: Int.self)))
            }
            let deleted = try await connection.execute("delete from public.documents where id = \(id)") > 0
            if deleted { try await Self.applySearchStats(deltas, on: connection) }
            return deleted
        }
    }

    public func search(embedding: [Float], model: String, scope: SearchScope, limit: Int) async throws -> [ChunkMatch] {
        try await pool.query(
            """
            select id, content, metadata, similarity, document_id, chunk_index, owner_id, heading_path, source_uri, title
            from public.match_documents(\(PGVector(embedding))::vector, \(limit)::int, '{}'::jsonb, \(scope.userID),
                                        \(scope.includeShared), \(model))
            """
        ).map(Self.match)
    }

    public func searchText(terms: [String], model: String, scope: SearchScope, limit: Int) async throws -> [ChunkMatch] {
        try await pool.query(
            """
            select m.id, m.content, m.metadata, t.rank, m.document_id, m.chunk_index, m.owner_id, m.heading_path,
                   d.source_uri, d.title
            from public.match_documents_text(\(terms), \(limit)::int, \(scope.userID), \(scope.includeShared), \(model)) t
            join public.agent_memory m on m.id = t.id
            left join public.documents d on d.id = m.document_id
            order by t.rank desc, m.id
            """
        ).map(Self.match)
    }

    public func hybridSearch(
        terms: [String], embedding: [Float], model: String, scope: SearchScope, limit: Int, fusion: FusionSettings
    ) async throws -> [ChunkMatch] {
        try await pool.query(
            """
            select id, content, metadata, score, document_id, chunk_index, owner_id, heading_path, source_uri, title
            from public.hybrid_search(\(terms), \(PGVector(embedding))::vector, \(limit)::int, \(scope.userID),
                                      \(scope.includeShared), \(model), \(fusion.fullTextWeight), \(fusion.semanticWeight),
                                      \(fusion.rrfK)::int, \(fusion.candidateFactor)::int)
            """
        ).map(Self.match)
    }

    /// A search row: id, content, metadata, score, document_id, chunk_index, owner_id, heading_path, source_uri, title.
    static func match(_ row: PGRow) throws -> ChunkMatch {
        ChunkMatch(
            chunkID: try row.decode(0), documentID: try row.decode(4, as: UUID?.self),
            sourceURI: try row.decode(8, as: String?.self), title: try row.decode(9, as: String?.self),
            content: try row.decode(1), headingPath: try row.decode(7, as: [String]?.self) ?? [],
            chunkIndex: try row.decode(5, as: Int?.self), owner: Owner(try row.decode(6, as: UUID?.self)),
            score: try row.decode(3), metadata: try row.decode(2, as: JSONValue?.self) ?? [:])
    }
}

extension PostgresStore {
    /// The binary `tsvector` Nightshift sends for a chunk's search terms (see `PGTSVector`); public for
    /// `nightshift bench ingest`, which times it as a stage of its own.
    public static func searchVector(terms: String) -> [UInt8] {
        PGTSVector(terms: terms).binary
    }
}
