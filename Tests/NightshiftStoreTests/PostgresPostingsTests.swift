import Foundation
import NightshiftCore
import NightshiftStore
import NightshiftTestSupport
import Testing

/// sql/0011: the BM25 postings (and since 0016 their per-term counts) follow agent_memory through every kind of
/// write, and BM25 from them scores exactly as BM25 computed from the chunks' tsvectors.
@Suite("PostgreSQL BM25 postings", .enabled(if: TestEnvironment.postgresEnabled))
struct PostgresPostingsTests {
    /// Postings equal to what the chunks' tsvectors say, row for row.
    static let consistent = """
        select (select count(*) from public.agent_memory_terms)
                 = (select coalesce(sum(length(search_tsv)), 0) from public.agent_memory)
           and not exists (
                select u.lexeme, m.id, m.embedding_model, cardinality(u.positions),
                       coalesce(m.term_count, length(m.search_tsv)), m.owner_id, m.conversation_id
                from public.agent_memory m cross join lateral unnest(m.search_tsv) as u
                except
                select term, memory_id, embedding_model, tf, len, owner_id, conversation_id
                from public.agent_memory_terms)
           -- sql/0016: the document frequencies equal the postings' counts (terms gone may keep a zero).
           and not exists (
                select term, embedding_model, count(*) from public.agent_memory_terms group by 1, 2
                except
                select term, embedding_model, chunks from public.agent_memory_term_counts)
           and not exists (select 1 from public.agent_memory_term_counts c where c.chunks <> 0 and not exists (
                select 1 from public.agent_memory_terms p
                where p.term = c.term and p.embedding_model is not distinct from c.embedding_model))
           and not exists (select 1 from public.agent_memory_term_counts where chunks < 0)
        """

    /// BM25 straight from the tsvectors (the formula of sql/0008), for the shared chunks of one model (and `owner`'s).
    static func reference(_ terms: [String], model: String, limit: Int, owner: UUID? = nil) -> PGQuery {
        """
        with stats as (
            select greatest(chunks, 1)::float as n, greatest(terms::float / greatest(chunks, 1), 1) as avgdl
            from public.search_stats where embedding_model = \(model)
        ),
        weights as (
            select t.term, ln(1 + ((select n from stats) - count(m.id) + 0.5) / (count(m.id) + 0.5)) as idf
            from unnest(\(terms)::text[]) as t(term)
            left join public.agent_memory m
              on m.search_tsv @@ to_tsquery('simple', quote_literal(t.term)) and m.embedding_model = \(model)
            group by t.term
        )
        select m.id, sum(w.idf * (cardinality(u.positions) * 2.2)
                   / (cardinality(u.positions) + 1.2 * (0.25 + 0.75 * coalesce(m.term_count, length(m.search_tsv))::float
                      / (select avgdl from stats))))::float as score
        from public.agent_memory m
        cross join lateral unnest(m.search_tsv) as u
        join weights w on w.term = u.lexeme
        where m.embedding_model = \(model)
          and ((m.owner_id is null and m.conversation_id is null) or m.owner_id = \(owner)::uuid)
        group by m.id
        order by score desc, m.id
        limit \(limit)
        """
    }

    @Test("inserts, updates, deletes, cascades and truncation keep the postings exact; BM25 scores match the tsvectors")
    func postingsFollowChunks() async throws {
        try await withFreshStore(.postgres) { store in
            let pool = try #require(store as? PostgresStore).pool
            func check(_ step: String) async throws {
                let ok = try await pool.query(PGQuery(sql: Self.consistent)).first?.decode(0, as: Bool.self)
                #expect(ok == true, "postings differ from the chunks after: \(step)")
            }
            let alice = UUID()
            _ = try await pool.execute("insert into auth.users (id, email) values (\(alice), 'alice@example.com')")
            let document = UUID()
            _ = try await pool.execute(
                """
                insert into public.documents (id, source_uri, media_type, content_hash, embedding_model)
                values (\(document), 'file:///a.md', 'text/markdown', 'h', 'local-hash-v1')
                """)
            let words = ["apple", "banana", "cherry", "damson", "elder", "fig", "grape", "hazel"]
            // 40 chunks, terms repeated so term frequencies differ; a few private to alice, one with a second model.
            for index in 0..<40 {
                let text = (0..<(3 + index % 7)).map { words[($0 * (index + 1)) % words.count] }.joined(separator: " ")
                let owner: UUID? = index % 10 == 3 ? alice : nil
                let model = index == 17 ? "other-model" : "local-hash-v1"
                _ = try await pool.execute(
                    """
                    insert into public.agent_memory (document_id, chunk_index, content, search_text, term_count,
                        embedding_model, owner_id)
                    values (\(document), \(index), \(text), \(text), \(text.split(separator: " ").count), \(model), \(owner))
                    """)
            }
            _ = try await pool.execute(
                """
                insert into public.search_stats (embedding_model, chunks, terms)
                select embedding_model, count(*), sum(term_count) from public.agent_memory group by 1
                """)
            try await check("inserts")

            // BM25 from the postings equals BM25 from the tsvectors, scores and order.
            for terms in [["apple"], ["banana", "fig"], ["cherry", "hazel", "grape", "nothing"]] {
                let fromPostings = try await pool.query(
                    "select id, rank from public.match_documents_text(\(terms), 100, null, true, 'local-hash-v1')")
                    .map { (try $0.decode(0, as: UUID.self), try $0.decode(1, as: Double.self)) }
                let fromVectors = try await pool.query(Self.reference(terms, model: "local-hash-v1", limit: 100))
                    .map { (try $0.decode(0, as: UUID.self), try $0.decode(1, as: Double.self)) }
                #expect(!fromPostings.isEmpty)
                #expect(Self.ranked(fromPostings) == Self.ranked(fromVectors), "order for \(terms)")
                for (a, b) in zip(fromPostings, fromVectors) { #expect(abs(a.1 - b.1) < 1e-9, "score for \(terms)") }
            }
            // Scoping: alice's chunks only for alice; the other model's never for this one.
            let aliceRows = try await pool.query(
                "select id from public.match_documents_text(array['apple','banana'], 100, \(alice), false, 'local-hash-v1')")
            #expect(aliceRows.count == 4)
            let sharedRows = try await pool.query(
                "select id from public.match_documents_text(array['apple','banana','cherry'], 100, null, true, 'local-hash-v1')")
            #expect(sharedRows.count == 35)

            // hybrid_search (PL/pgSQL since 0012, generic plans) fuses the two rankings by reciprocal rank as the
            // formula says: compare with the fusion computed here from the two functions.
            _ = try await pool.execute(
                """
                update public.agent_memory
                set embedding = (select array_agg(sin(chunk_index * 7 + g) * (1 + chunk_index % 3))::real[]
                                 from generate_series(1, 1536) g)::vector
                """)
            let probe = "(select array_agg(cos(g * 0.37))::real[] from generate_series(1, 1536) g)::vector"
            for terms in [["banana", "fig"], ["cherry", "hazel", "nothing"], ["nothing"]] {
                let hybrid = try await pool.query(
                    """
                    select id, score, similarity from public.hybrid_search(\(terms), \(unescaped: probe), 6, null, true,
                                                              'local-hash-v1', 1.0, 0.5, 10, 3)
                    """)
                    .map { (try $0.decode(0, as: UUID.self), try $0.decode(1, as: Double.self), try $0.decode(2, as: Double?.self)) }
                let expected = try await pool.query(
                    """
                    with s as (select v.id, v.similarity, row_number() over (order by v.similarity desc, v.id) as r
                               from public.match_documents(\(unescaped: probe), 18, '{}', null, true,
                                                           'local-hash-v1') v),
                         t as (select x.id, row_number() over (order by x.rank desc, x.id) as r
                               from public.match_documents_text(\(terms), 18, null, true, 'local-hash-v1') x)
                    select coalesce(s.id, t.id) as id,
                           (coalesce(0.5::float / (10 + s.r), 0) + coalesce(1.0::float / (10 + t.r), 0))::float as score,
                           s.similarity
                    from s full join t on t.id = s.id
                    order by score desc, id limit 6
                    """)
                    .map { (try $0.decode(0, as: UUID.self), try $0.decode(1, as: Double.self), try $0.decode(2, as: Double?.self)) }
                #expect(hybrid.count == 6, "hybrid rows for \(terms)")
                #expect(hybrid.map(\.0) == expected.map(\.0), "hybrid order for \(terms)")
                for (a, b) in zip(hybrid, expected) {
                    #expect(abs(a.1 - b.1) < 1e-12, "hybrid score for \(terms)")
                    #expect(a.2 == b.2, "hybrid similarity for \(terms)")
                }
                #expect(hybrid.contains { $0.2 != nil }, "vector candidates for \(terms)")
            }

            _ = try await pool.execute("update public.agent_memory set chunk_index = chunk_index + 100 where chunk_index < 20")
            try await check("an update of positions only")
            _ = try await pool.execute(
                "update public.agent_memory set search_text = 'kiwi kiwi lemon', term_count = 3 where chunk_index in (105, 30)")
            try await check("an update of the text")
            let kiwi = try await pool.query(
                "select id from public.match_documents_text(array['kiwi'], 10, null, true, 'local-hash-v1')")
            #expect(kiwi.count == 2)
            _ = try await pool.execute("update public.agent_memory set owner_id = \(alice) where chunk_index = 105")
            try await check("an update of the owner")
            _ = try await pool.execute("update public.agent_memory set id = gen_random_uuid() where chunk_index = 30")
            try await check("an update of the id")
            _ = try await pool.execute("delete from public.agent_memory where chunk_index between 21 and 25")
            try await check("a delete")
            _ = try await pool.execute("delete from public.documents where id = \(document)")
            try await check("a cascade from the document")
            #expect(try await pool.query("select 1 from public.agent_memory_terms").isEmpty)

            _ = try await pool.execute(
                "insert into public.agent_memory (content, search_text, embedding_model) values ('x', 'mango mango', 'local-hash-v1')")
            try await check("an insert without a document")
            _ = try await pool.execute("truncate public.agent_memory")
            try await check("a truncate")
        }
    }

    /// sql/0013: Nightshift sends each chunk's tsvector itself (binary COPY) instead of having the server parse
    /// its terms again; the result must be what to_tsvector('simple') makes of the same terms, so postings and
    /// scores do not depend on who wrote a row.
    /// sql/0014: match_documents_text leaves out the postings of common terms when they cannot change the top
    /// results. Here "zebra" is rare and "ox" and "cat" common: for a few results the floor (the k-th best zebra
    /// score) exceeds what ox and cat can add, so they are only added to the chunks that can still make the top;
    /// for more results than zebra has chunks there is no floor and everything is scored. Either way the scores
    /// and order are BM25's, computed here from the tsvectors.
    @Test("BM25 that skips common terms where they cannot change the top results scores as the full formula")
    func prunedBM25() async throws {
        try await withFreshStore(.postgres) { store in
            let pool = try #require(store as? PostgresStore).pool
            let model = "local-hash-v1"
            let alice = UUID()
            _ = try await pool.execute("insert into auth.users (id, email) values (\(alice), 'alice@example.com')")
            var rows: [(text: String, owner: UUID?)] = []
            // Ten terms a chunk (fillers unique), so zebra's frequency alone orders the zebra chunks...
            func chunk(_ words: [String], owner: UUID? = nil) {
                let filler = (0..<(10 - words.count)).map { "w\(rows.count)x\($0)" }
                rows.append(((words + filler).joined(separator: " "), owner))
            }
            // ...and ox, a common term, breaks the ties between them.
            for (zebras, oxen) in [(3, 1), (3, 2), (2, 0), (2, 3), (1, 1), (1, 4)] {
                chunk(Array(repeating: "zebra", count: zebras) + Array(repeating: "ox", count: oxen) + ["cat"])
            }
            for index in 0..<100 {
                chunk(["ox", "cat"] + (index % 3 == 0 ? ["yak"] : []) + (index % 7 == 0 ? ["yak", "ox"] : []))
            }
            for _ in 0..<14 { chunk(["cat", "cat"]) }
            for zebras in [4, 4, 1] { chunk(Array(repeating: "zebra", count: zebras) + ["ox"], owner: alice) }
            for (index, row) in rows.enumerated() {
                _ = try await pool.execute(
                    """
                    insert into public.agent_memory (chunk_index, content, search_text, term_count, embedding_model,
                        owner_id)
                    values (\(index), \(row.text), \(row.text), 10, \(model), \(row.owner))
                    """)
            }
            _ = try await pool.execute(
                """
                insert into public.search_stats (embedding_model, chunks, terms)
                select embedding_model, count(*), sum(term_count) from public.agent_memory group by 1
                """)
            let cases: [([String], Int, UUID?)] = [
                (["zebra", "ox", "cat"], 1, nil), (["zebra", "ox", "cat"], 2, nil), (["zebra", "ox", "cat"], 3, nil),
                (["zebra", "ox", "cat"], 5, nil), (["zebra", "ox", "cat"], 8, nil), (["zebra", "yak", "ox", "cat"], 3, nil),
                (["zebra", "yak", "ox", "cat"], 6, nil), (["yak", "ox", "cat"], 4, nil), (["cat", "ox"], 3, nil),
                (["zebra", "ox"], 2, alice), (["zebra", "ox", "cat"], 4, alice), (["zebra", "ox", "cat"], 12, alice),
            ]
            try await compare(cases)

            func compare(_ cases: [([String], Int, UUID?)]) async throws {
                for (terms, limit, owner) in cases {
                    let label = "\(terms) top \(limit)\(owner == nil ? "" : " for alice")"
                    let found = try await pool.query(
                        """
                        select id, rank from public.match_documents_text(\(terms), \(limit)::int, \(owner)::uuid, true, \(model))
                        """)
                        .map { (try $0.decode(0, as: UUID.self), try $0.decode(1, as: Double.self)) }
                    let expected = try await pool.query(Self.reference(terms, model: model, limit: limit, owner: owner))
                        .map { (try $0.decode(0, as: UUID.self), try $0.decode(1, as: Double.self)) }
                    #expect(found.count == limit && expected.count == limit, "rows for \(label)")
                    #expect(Self.ranked(found) == Self.ranked(expected), "order for \(label)")
                    for (a, b) in zip(found, expected) { #expect(abs(a.1 - b.1) < 1e-9, "score for \(label)") }
                }
            }
            // Alice's own zebra chunks lead her results and never appear in anyone else's.
            let aliceTop = try await pool.query(
                "select c.owner_id from public.match_documents_text(array['zebra','ox','cat'], 2, \(alice), true, \(model)) t join public.agent_memory c on c.id = t.id")
            #expect(try aliceTop.map { try $0.decode(0, as: UUID?.self) } == [alice, alice])
            let sharedTop = try await pool.query(
                "select c.owner_id from public.match_documents_text(array['zebra','ox','cat'], 5, null, true, \(model)) t join public.agent_memory c on c.id = t.id")
            #expect(try sharedTop.allSatisfy { try $0.decode(0, as: UUID?.self) == nil })
            // Statistics that count fewer chunks than cat and ox have postings give those terms negative weights,
            // where the argument does not hold: everything is scored, and still as the formula says.
            _ = try await pool.execute("update public.search_stats set chunks = 60")
            try await compare([(["zebra", "ox", "cat"], 3, nil), (["zebra", "yak", "ox", "cat"], 2, nil)])
        }
    }

    /// sql/0020: the index ranks candidates in half precision; match_documents re-ranks twice as many in full
    /// precision, so of two chunks the index cannot tell apart the exactly nearer one is returned.
    @Test("match_documents returns the exactly nearest of chunks tied in half precision")
    func vectorSearchReranksInFullPrecision() async throws {
        try await withFreshStore(.postgres) { store in
            let pool = try #require(store as? PostgresStore).pool
            func vector(_ axis: Int, _ offset: Float) -> PGVector {
                var values = [Float](repeating: 0, count: 1536)
                values[axis] = 1
                values[axis + 1] = offset
                return PGVector(values)
            }
            // Eight independent pairs, each near its own axis: 0.5 and 0.5002 are the same half-precision number
            // (its step there is 0.00049), but the first is nearer the axis. The farther one is inserted first.
            for pair in 0..<8 {
                for (name, offset) in [("far", Float(0.5002)), ("near", Float(0.5))] {
                    _ = try await pool.execute(
                        """
                        insert into public.agent_memory (chunk_index, content, embedding_model, embedding)
                        values (\(pair), \("\(name) \(pair)"), 'local-hash-v1', \(vector(pair * 2, offset))::vector)
                        """)
                }
            }
            for pair in 0..<8 {
                let nearest = try await pool.query(
                    """
                    select content from public.match_documents(\(vector(pair * 2, 0))::vector, 1, '{}', null, true,
                        'local-hash-v1')
                    """
                ).map { try $0.decode(0, as: String.self) }
                #expect(nearest == ["near \(pair)"])
            }
        }
    }

    /// sql/0015: the HNSW index is built on `embedding::halfvec(1536)`; the search functions must order by that
    /// very expression, or PostgreSQL falls back to comparing every vector (same results, 20 times slower).
    @Test("match_documents and hybrid_search search through the half-precision HNSW index")
    func vectorSearchUsesTheIndex() async throws {
        try await withFreshStore(.postgres) { store in
            let pool = try #require(store as? PostgresStore).pool
            for index in 0..<30 {
                _ = try await pool.execute(
                    """
                    insert into public.agent_memory (chunk_index, content, search_text, term_count, embedding_model,
                        embedding)
                    values (\(index), 'apple pie', 'apple pie', 2, 'local-hash-v1',
                            (select array_agg(sin(\(index) * 7 + g))::real[] from generate_series(1, 1536) g)::vector)
                    """)
            }
            let probe = "(select array_agg(cos(g * 0.37))::real[] from generate_series(1, 1536) g)::vector"
            try await pool.withConnection { connection in
                func scans() async throws -> Int {
                    _ = try await connection.query("select pg_stat_force_next_flush()")
                    _ = try await connection.query("select pg_stat_clear_snapshot()")
                    return try await connection.scalar(
                        "select idx_scan from pg_stat_user_indexes where indexrelname = 'idx_agent_memory_embedding'",
                        as: Int.self) ?? 0
                }
                let before = try await scans()
                let nearest = try await connection.query(
                    "select id, similarity from public.match_documents(\(unescaped: probe), 5, '{}', null, true, 'local-hash-v1')")
                #expect(nearest.count == 5)
                // Sorted by the exact similarity, which is the full-precision cosine.
                let similarities = try nearest.map { try $0.decode(1, as: Double.self) }
                #expect(similarities == similarities.sorted(by: >))
                let afterVector = try await scans()
                #expect(afterVector > before, "match_documents did not use the HNSW index")
                let hybrid = try await connection.query(
                    "select id from public.hybrid_search(array['apple'], \(unescaped: probe), 5, null, true, 'local-hash-v1')")
                #expect(hybrid.count == 5)
                #expect(try await scans() > afterVector, "hybrid_search did not use the HNSW index")
            }
        }
    }

    /// Ids in the order of the rounded score, then id: equal scores may differ in the last bits (summation order)
    /// and so break ties either way.
    static func ranked(_ rows: [(UUID, Double)]) -> [UUID] {
        rows.map { ($0.0, ($0.1 * 1e9).rounded()) }
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.uuidString < $1.0.uuidString }.map(\.0)
    }

    @Test("the tsvectors Nightshift writes equal to_tsvector('simple') of the terms; a heading change rewrites them")
    func writtenTSVectors() async throws {
        try await withFreshStore(.postgres) { store in
            let pool = try #require(store as? PostgresStore).pool
            let model = "local-hash-v1"
            let many = (0..<17_000).map { ["alpha", "beta", "gamma", "delta"][$0 % 4] + ($0 % 3 == 0 ? "" : "\($0 % 5)") }
            let texts = [
                "apple banana apple cherry apple",
                "ζωή καλή ζωή жизнь хорошая 2024 covid19 x 9 a",
                "naive cafe uber strasse aesthetic",
                Array(repeating: "echo", count: 300).joined(separator: " "),  // more than 255 positions
                many.joined(separator: " "),  // positions past 16383
                "",
            ]
            let document = Document(
                sourceURI: "file:///tsv.md", owner: .shared, title: "t", mediaType: "text/markdown",
                contentHash: "h", metadata: [:], embeddingModel: model, byteSize: 1)
            var chunks = texts.enumerated().map { index, terms in
                StoredChunk(
                    index: index, content: "chunk \(index)", contentHash: "c\(index)", embedding: [], embeddingModel: model,
                    tokenCount: 1, headingPath: ["H"], searchText: terms)
            }
            _ = try await store.replaceDocuments([(document, chunks)])
            for chunk in chunks {
                let same = try await pool.query(
                    """
                    select search_tsv = to_tsvector('simple', \(chunk.searchText ?? "")), term_count
                    from public.agent_memory where id = \(chunk.id)
                    """).first
                #expect(try same?.decode(0, as: Bool.self) == true, "tsvector of chunk \(chunk.index)")
                #expect(try same?.decode(1, as: Int.self) == chunk.termCount)
            }
            let consistent = try await pool.query(PGQuery(sql: Self.consistent)).first?.decode(0, as: Bool.self)
            #expect(consistent == true)

            // Same text under a new heading: the rows are kept, their terms (which include the heading) rewritten,
            // and the BM25 statistics follow.
            chunks[0].headingPath = ["New heading"]
            chunks[0].searchText = "new heading apple banana apple cherry apple"
            chunks[0].id = UUID()
            // A heading changed only in case: same terms, same tsvector, which must stay the terms' (not the raw
            // words the trigger would make for a writer that gave none).
            chunks[2].headingPath = ["h"]
            _ = try await store.replaceDocuments([(document, chunks)])
            let caseOnly = try await pool.query(
                """
                select search_tsv = to_tsvector('simple', \(chunks[2].searchText ?? "")), heading_path
                from public.agent_memory where chunk_index = 2
                """).first
            #expect(try caseOnly?.decode(0, as: Bool.self) == true)
            #expect(try caseOnly?.decode(1, as: [String].self) == ["h"])
            let rows = try await pool.query(
                """
                select search_tsv = to_tsvector('simple', 'new heading apple banana apple cherry apple'), term_count,
                       heading_path
                from public.agent_memory where chunk_index = 0
                """)
            #expect(rows.count == 1)
            #expect(try rows.first?.decode(0, as: Bool.self) == true)
            #expect(try rows.first?.decode(1, as: Int.self) == 7)
            #expect(try rows.first?.decode(2, as: [String].self) == ["New heading"])
            let stats = try await pool.query(
                """
                select s.terms = (select sum(term_count) from public.agent_memory where embedding_model = \(model)),
                       s.chunks = (select count(*) from public.agent_memory where embedding_model = \(model))
                from public.search_stats s where s.embedding_model = \(model)
                """).first
            #expect(try stats?.decode(0, as: Bool.self) == true && stats?.decode(1, as: Bool.self) == true)
            #expect(try await pool.query(PGQuery(sql: Self.consistent)).first?.decode(0, as: Bool.self) == true)
            let found = try await pool.query(
                "select id from public.match_documents_text(array['heading'], 10, null, true, \(model))")
            #expect(found.count == 1)

            // Another writer changing the text without a tsvector gets one made by the trigger, as before 0013.
            _ = try await pool.execute(
                "update public.agent_memory set search_text = 'quince quince' where chunk_index = 1")
            let quince = try await pool.query(
                "select id from public.match_documents_text(array['quince'], 10, null, true, \(model))")
            #expect(quince.count == 1)
        }
    }
}
