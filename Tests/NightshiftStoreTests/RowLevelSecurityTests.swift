import Foundation
import NightshiftCore
import NightshiftStore
import NightshiftTestSupport
import Testing

/// Row-level security, proven as Supabase clients meet it: as `authenticated` with user A's JWT claims, as `anon`,
/// and as `service_role`.
@Suite("Row-level security", .enabled(if: TestEnvironment.postgresEnabled))
struct RowLevelSecurityTests {
    static let alice = UUID(uuidString: "a0000000-0000-4000-8000-00000000000a")!
    static let bob = UUID(uuidString: "b0000000-0000-4000-8000-00000000000b")!

    enum Role: String {
        case authenticated, anon
        case serviceRole = "service_role"
    }

    /// Runs `body` in a transaction as `role` with `sub` = `user`, then rolls back.
    static func asRole<T>(
        _ role: Role, user: UUID?, on connection: PGConnection, _ body: (PGConnection) async throws -> T
    ) async throws -> T {
        try await connection.execute("begin")
        defer { }
        do {
            try await connection.simpleQuery("set local role \(role.rawValue)")
            var claims: [String: JSONValue] = ["role": .string(role.rawValue)]
            if let user { claims["sub"] = .string(user.canonical) }
            try await connection.execute("select set_config('request.jwt.claims', \(JSONValue.object(claims).jsonText), true)")
            let value = try await body(connection)
            try await connection.execute("rollback")
            return value
        } catch {
            _ = try? await connection.execute("rollback")
            throw error
        }
    }

    /// One user-owned table: how to count all rows and A's rows as the owner, an update and an insert for B.
    struct Case: Sendable, CustomStringConvertible {
        var table: String
        /// Rows A may read (own + shared where the table has shared rows).
        var visibleToAlice: String
        var update: String
        var aliceMayUpdate: Bool
        var insertForBob: String
        var description: String { table }
    }

    static let a = alice.canonical
    static let b = bob.canonical

    static let cases: [Case] = [
        Case(table: "agent_conversations", visibleToAlice: "user_id = '\(a)'",
             update: "update agent_conversations set status = status", aliceMayUpdate: true,
             insertForBob: "insert into agent_conversations (user_id, agent_type) values ('\(b)', 'general')"),
        Case(table: "agent_memory",
             visibleToAlice: "owner_id = '\(a)' or (owner_id is null and conversation_id is null)",
             update: "update agent_memory set content = content", aliceMayUpdate: false,
             insertForBob: "insert into agent_memory (owner_id, content) values ('\(b)', 'x')"),
        Case(table: "agent_executions",
             visibleToAlice: "user_id = '\(a)' or conversation_id in (select id from agent_conversations where user_id = '\(a)')",
             update: "update agent_executions set status = status", aliceMayUpdate: false,
             insertForBob: "insert into agent_executions (agent_type, user_id) values ('general', '\(b)')"),
        Case(table: "proactive_notifications", visibleToAlice: "user_id = '\(a)'",
             update: "update proactive_notifications set read = true", aliceMayUpdate: true,
             insertForBob: "insert into proactive_notifications (user_id, agent_type, notification_type, title, message) values ('\(b)', 'x', 'alert', 't', 'm')"),
        Case(table: "user_agent_preferences", visibleToAlice: "user_id = '\(a)'",
             update: "update user_agent_preferences set classic_mode = classic_mode", aliceMayUpdate: true,
             insertForBob: "insert into user_agent_preferences (user_id) values ('\(b)') on conflict do nothing"),
        Case(table: "documents", visibleToAlice: "owner_id = '\(a)' or owner_id is null",
             update: "update documents set title = title", aliceMayUpdate: false,
             insertForBob: "insert into documents (source_uri, owner_id, media_type, content_hash, embedding_model) values ('x', '\(b)', 'text/plain', 'h', 'm')"),
        Case(table: "ai_runs", visibleToAlice: "user_id = '\(a)'",
             update: "update ai_runs set status = status", aliceMayUpdate: false,
             insertForBob: "insert into ai_runs (user_id, agent_id, input_text) select '\(b)', id, 'x' from ai_agents limit 1"),
        Case(table: "ai_messages", visibleToAlice: "user_id = '\(a)'",
             update: "update ai_messages set content = content", aliceMayUpdate: false,
             insertForBob: "insert into ai_messages (user_id, role, content) values ('\(b)', 'user', 'x')"),
        Case(table: "ai_memory", visibleToAlice: "user_id = '\(a)'",
             update: "update ai_memory set value = value", aliceMayUpdate: false,
             insertForBob: "insert into ai_memory (user_id, memory_type, key, value) values ('\(b)', 'fact', 'k', '1')"),
        Case(table: "ai_feedback", visibleToAlice: "user_id = '\(a)'",
             update: "update ai_feedback set comment = comment", aliceMayUpdate: false,
             insertForBob: "insert into ai_feedback (user_id, ai_run_id, feedback_type) values ('\(b)', 'f0000000-0000-4000-8000-000000000004', 'helpful')"),
    ]

    /// A database with the fixtures plus shared, Alice's and Bob's documents and chunks.
    static func withSeededDatabase(_ body: (PGConnection) async throws -> Void) async throws {
        try await withFreshStore(.postgres) { store in
            _ = try await FixtureLoader(path: fixtureSeedPath).load(into: store)
            for (owner, name) in [(Owner.shared, "shared"), (.user(alice), "alice"), (.user(bob), "bob")] {
                let text = "chunk of \(name)"
                try await store.replaceDocument(
                    Document(sourceURI: "kb://\(name)", owner: owner, mediaType: "text/plain", contentHash: name,
                             embeddingModel: "m"),
                    chunks: [StoredChunk(index: 0, content: text, contentHash: StoredChunk.hash(content: text, model: "m"),
                                         embedding: [Float](repeating: 0.1, count: 1536), embeddingModel: "m", tokenCount: 3)])
            }
            let postgres = try #require(store as? PostgresStore)
            try await postgres.pool.withConnection { connection in try await body(connection) }
        }
    }

    @Test("for every user-owned table: A reads only A's rows, anon nothing, the service role everything")
    func reads() async throws {
        try await Self.withSeededDatabase { connection in
            for testCase in Self.cases {
                let total = try await connection.scalar("select count(*) from \(unescaped: testCase.table)", as: Int.self) ?? 0
                let alices = try await connection.scalar(
                    "select count(*) from \(unescaped: testCase.table) where \(unescaped: testCase.visibleToAlice)", as: Int.self) ?? 0
                #expect(alices > 0, "\(testCase): fixture has no rows for Alice")
                #expect(total > alices, "\(testCase): fixture has no rows for others")
                let seenByAlice = try await Self.asRole(.authenticated, user: Self.alice, on: connection) {
                    try await $0.scalar("select count(*) from \(unescaped: testCase.table)", as: Int.self)
                }
                #expect(seenByAlice == alices, "\(testCase): Alice sees \(seenByAlice ?? -1) of \(alices)")
                let seenByAnon = try await Self.asRole(.anon, user: nil, on: connection) {
                    try await $0.scalar("select count(*) from \(unescaped: testCase.table)", as: Int.self)
                }
                #expect(seenByAnon == 0, "\(testCase): anon sees rows")
                let seenByService = try await Self.asRole(.serviceRole, user: nil, on: connection) {
                    try await $0.scalar("select count(*) from \(unescaped: testCase.table)", as: Int.self)
                }
                #expect(seenByService == total, "\(testCase): the service role sees \(seenByService ?? -1) of \(total)")
            }
        }
    }

    @Test("for every user-owned table: A changes only A's rows and cannot insert rows for B")
    func writes() async throws {
        try await Self.withSeededDatabase { connection in
            for testCase in Self.cases {
                let alicesOwn = try await connection.scalar(
                    "select count(*) from \(unescaped: testCase.table) where \(unescaped: testCase.visibleToAlice)", as: Int.self) ?? 0
                let changed = try await Self.asRole(.authenticated, user: Self.alice, on: connection) {
                    try await $0.execute(PGQuery(sql: testCase.update))
                }
                if testCase.aliceMayUpdate {
                    #expect(changed == alicesOwn, "\(testCase): Alice changed \(changed) rows, owns \(alicesOwn)")
                } else {
                    #expect(changed == 0, "\(testCase): Alice changed \(changed) rows of a read-only table")
                }
                do {
                    _ = try await Self.asRole(.authenticated, user: Self.alice, on: connection) {
                        try await $0.execute(PGQuery(sql: testCase.insertForBob))
                    }
                    Issue.record("\(testCase): Alice inserted a row for Bob")
                } catch let error as PGError {
                    #expect(error.sqlState == "42501", "\(testCase): \(error)")
                }
                let anonChanged = try await Self.asRole(.anon, user: nil, on: connection) {
                    try await $0.execute(PGQuery(sql: testCase.update))
                }
                #expect(anonChanged == 0, "\(testCase): anon changed rows")
            }
        }
    }

    @Test("A may add feedback and messages only on A's own runs")
    func crossRunReferences() async throws {
        try await Self.withSeededDatabase { connection in
            let bobsRun = "f0000000-0000-4000-8000-000000000004"
            let alicesRun = "f0000000-0000-4000-8000-000000000001"
            for statement in [
                "insert into ai_feedback (user_id, ai_run_id, feedback_type) values ('\(Self.a)', '\(bobsRun)', 'helpful')",
                "insert into ai_messages (user_id, ai_run_id, role, content) values ('\(Self.a)', '\(bobsRun)', 'user', 'x')",
            ] {
                do {
                    _ = try await Self.asRole(.authenticated, user: Self.alice, on: connection) {
                        try await $0.execute(PGQuery(sql: statement))
                    }
                    Issue.record("accepted: \(statement)")
                } catch let error as PGError {
                    #expect(error.sqlState == "42501")
                }
            }
            let inserted = try await Self.asRole(.authenticated, user: Self.alice, on: connection) {
                try await $0.execute(
                    PGQuery(sql: "insert into ai_feedback (user_id, ai_run_id, feedback_type) values ('\(Self.a)', '\(alicesRun)', 'helpful')"))
            }
            #expect(inserted == 1)
        }
    }

    @Test("match_documents as a user returns shared and own chunks, never another user's")
    func matchDocumentsScope() async throws {
        try await Self.withSeededDatabase { connection in
            let query = PGVector([Float](repeating: 0.1, count: 1536))
            let asAlice = try await Self.asRole(.authenticated, user: Self.alice, on: connection) {
                try await $0.query("select content from match_documents(\(query)::vector, 10)").map { try $0.decode(0, as: String.self) }
            }
            #expect(Set(asAlice) == ["chunk of shared", "chunk of alice"])
            // Naming Bob does not get around RLS.
            let snooping = try await Self.asRole(.authenticated, user: Self.alice, on: connection) {
                try await $0.query("select content from match_documents(\(query)::vector, 10, '{}', \(Self.bob))")
                    .map { try $0.decode(0, as: String.self) }
            }
            #expect(!snooping.contains("chunk of bob"))
            let service = try await Self.asRole(.serviceRole, user: nil, on: connection) {
                try await $0.query("select content from match_documents(\(query)::vector, 10)").map { try $0.decode(0, as: String.self) }
            }
            #expect(service == ["chunk of shared"])
        }
    }

    @Test("match_documents_text and hybrid_search as a user (Supabase RPC): shared and own chunks with the owner's scores, never another user's")
    func textSearchScope() async throws {
        try await Self.withSeededDatabase { connection in
            let contents: [UUID: String] = Dictionary(
                uniqueKeysWithValues: try await connection.query("select id, content from agent_memory where content like 'chunk of %'")
                    .map { (try $0.decode(0, as: UUID.self), try $0.decode(1, as: String.self)) })
            func ranks(_ rows: [PGRow]) throws -> [String: Double] {
                Dictionary(uniqueKeysWithValues: try rows.compactMap { row -> (String, Double)? in
                    guard let content = contents[try row.decode(0, as: UUID.self)] else { return nil }
                    return (content, try row.decode(1, as: Double.self))
                })
            }
            let asAlice = try await Self.asRole(.authenticated, user: Self.alice, on: connection) {
                try ranks(try await $0.query("select id, rank from match_documents_text(array['chunk'], 10)"))
            }
            #expect(Set(asAlice.keys) == ["chunk of shared", "chunk of alice"])
            // The same scores the owner computes for Alice: the statistics BM25 weighs by are readable too.
            let forAlice = try ranks(
                try await connection.query("select id, rank from match_documents_text(array['chunk'], 10, \(Self.alice))"))
            #expect(Set(forAlice.keys) == Set(asAlice.keys))
            for (content, rank) in asAlice {
                #expect(abs(rank - (forAlice[content] ?? -1)) < 1e-9, "\(content): \(rank) against \(forAlice[content] ?? -1)")
            }
            // Naming Bob does not get around RLS.
            let snooping = try await Self.asRole(.authenticated, user: Self.alice, on: connection) {
                try ranks(try await $0.query("select id, rank from match_documents_text(array['chunk'], 10, \(Self.bob))"))
            }
            #expect(snooping["chunk of bob"] == nil)

            let query = PGVector([Float](repeating: 0.1, count: 1536))
            let hybrid = try await Self.asRole(.authenticated, user: Self.alice, on: connection) {
                try await $0.query("select content from hybrid_search(array['chunk'], \(query)::vector, 10)")
                    .map { try $0.decode(0, as: String.self) }
            }
            #expect(Set(hybrid) == ["chunk of shared", "chunk of alice"])
            let hybridSnooping = try await Self.asRole(.authenticated, user: Self.alice, on: connection) {
                try await $0.query("select content from hybrid_search(array['chunk'], \(query)::vector, 10, \(Self.bob))")
                    .map { try $0.decode(0, as: String.self) }
            }
            #expect(!hybridSnooping.contains("chunk of bob"))
        }
    }
}
