import Foundation
import HTTPTypes
import HummingbirdTesting
import NightshiftCore
import NightshiftServer
import NightshiftStore
import NightshiftTestSupport
import Testing

/// A verified token whose user is not in `auth.users`, as Supabase's third-party auth (Clerk, Auth0, Firebase,
/// Cognito) issues them: the embedded store adds the user; PostgreSQL adds it with NIGHTSHIFT_PROVISION_USERS and
/// otherwise answers a JSON 403 naming the user, before any stream and any provider call.
@Suite("Chat endpoint: users not in auth.users")
struct ChatUnknownUserTests {
    static let question = "How late can I cancel a therapy session?"

    /// The ways a turn is asked for.
    enum Route: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case chat, chatStream, completion, completionStream
        var testDescription: String { rawValue }

        var isStream: Bool { self == .chatStream || self == .completionStream }

        func send(_ client: some TestClientProtocol, token: String) async throws -> TestResponse {
            switch self {
            case .chat:
                return try await client.post("/v1/chat", json: ["message": .string(question)], token: token)
            case .chatStream:
                return try await client.post("/v1/chat?stream=true", json: ["message": .string(question)], token: token)
            case .completion, .completionStream:
                var body: [String: JSONValue] = [
                    "model": "nightshift", "messages": [["role": "user", "content": .string(question)]],
                ]
                if self == .completionStream { body["stream"] = true }
                return try await client.post("/v1/chat/completions", json: .object(body), token: token)
            }
        }

        /// The answer's text from a successful response.
        func answer(_ response: TestResponse) throws -> String {
            switch self {
            case .chat: return try response.json()["response"]?.stringValue ?? ""
            case .chatStream:
                return try ServerSentEvent.parse(response.text).last?.json()["response"]?.stringValue ?? ""
            case .completion:
                return try response.json()["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue ?? ""
            case .completionStream:
                return try ServerSentEvent.parse(response.text).filter { $0.data != "[DONE]" }
                    .compactMap { try $0.json()["choices"]?.arrayValue?.first?["delta"]?["content"]?.stringValue }.joined()
            }
        }
    }

    @Test(
        "the embedded store and NIGHTSHIFT_PROVISION_USERS=true add the user on first sight and answer",
        arguments: TestEnvironment.storeKinds, Route.allCases)
    func provisioned(kind: StoreKind, route: Route) async throws {
        try await ChatHarness.with(kind) { harness in
            let stranger = UUID()
            let server = ServerConfiguration(port: 0, provisionUsers: kind == .postgres)
            try await harness.app(server: server).test(.live) { client in
                let response = try await route.send(client, token: ChatTokens.user(stranger))
                #expect(response.status == .ok, "\(response.text)")
                #expect(try route.answer(response).contains("24 hours"))
                #expect(!response.text.contains("\"error\""))
                #expect(try await harness.store.user(id: stranger)?.id == stranger)
                let stored = try await harness.conversations(of: stranger, startingWith: Self.question)
                #expect(stored.count == 1)
                // A second turn finds the user: nothing is added twice.
                let again = try await route.send(client, token: ChatTokens.user(stranger))
                #expect(again.status == .ok)
                #expect(try await harness.conversations(of: stranger, startingWith: Self.question).count == 2)
            }
        }
    }

    @Test(
        "on PostgreSQL without NIGHTSHIFT_PROVISION_USERS the answer is a JSON 403 naming the user, before any stream",
        .enabled(if: TestEnvironment.postgresEnabled), arguments: Route.allCases)
    func refusedOnPostgres(route: Route) async throws {
        try await ChatHarness.with(.postgres) { harness in
            let stranger = UUID()
            try await harness.app().test(.live) { client in
                let response = try await route.send(client, token: ChatTokens.user(stranger))
                #expect(response.status == .forbidden)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let error = try #require(try response.json()["error"])
                #expect(error["message"]?.stringValue?.contains(stranger.canonical) == true)
                #expect(error["message"]?.stringValue?.contains("NIGHTSHIFT_PROVISION_USERS") == true)
                switch route {
                case .chat, .chatStream: #expect(error["reason"] == "unknown_user")
                case .completion, .completionStream:
                    #expect(error["type"] == "permission_error")
                    #expect(error["code"] == "unknown_user")
                }
                #expect(!response.text.contains("24 hours"), "no answer was produced")
            }
            #expect(try await harness.store.user(id: stranger) == nil)
            #expect(try await harness.store.conversations(userID: stranger, limit: 10).isEmpty)
        }
    }

    @Test(
        "a provisioned user keeps the token's e-mail, or comes without it when another account holds it (as on Supabase)",
        .enabled(if: TestEnvironment.postgresEnabled))
    func provisionedEmail() async throws {
        try await ChatHarness.with(.postgres) { harness in
            let postgres = try #require(harness.store as? PostgresStore)
            // Supabase keeps e-mail addresses unique (users_email_partial_key); the fixture's Alice holds hers.
            try await postgres.pool.execute("create unique index users_email_unique on auth.users (email)")
            let alice = try #require(try await harness.store.user(id: ChatUsers.alice)?.email)
            @Sendable func token(_ id: UUID, email: String) -> String {
                let now = Date().timeIntervalSince1970.rounded(.down)
                return HS256.sign(
                    claims: [
                        "sub": .string(id.canonical), "role": "authenticated", "aud": "authenticated",
                        "email": .string(email), "iat": .number(now), "exp": .number(now + 3600),
                    ], secret: ChatHarness.secret.value)
            }
            let fresh = UUID()
            let taken = UUID()
            let server = ServerConfiguration(port: 0, provisionUsers: true)
            try await harness.app(server: server).test(.router) { client in
                let first = try await client.post(
                    "/v1/chat", json: ["message": .string(Self.question)], token: token(fresh, email: "new@example.com"))
                #expect(first.status == .ok)
                let second = try await client.post(
                    "/v1/chat", json: ["message": .string(Self.question)], token: token(taken, email: alice))
                #expect(second.status == .ok, "\(second.text)")
            }
            #expect(try await harness.store.user(id: fresh)?.email == "new@example.com")
            let added = try #require(try await harness.store.user(id: taken))
            #expect(added.email == nil)
            #expect(try await harness.store.user(id: ChatUsers.alice)?.email == alice)
        }
    }

    @Test(
        "the service role acting for a user not in auth.users gets the same 403 on PostgreSQL",
        .enabled(if: TestEnvironment.postgresEnabled))
    func serviceRoleForUnknownUser() async throws {
        try await ChatHarness.with(.postgres) { harness in
            let stranger = UUID()
            try await harness.app().test(.router) { client in
                let response = try await client.post(
                    "/v1/chat", json: ["message": .string(Self.question)], token: ChatTokens.role("service_role"),
                    headers: .actingUser(stranger))
                #expect(response.status == .forbidden)
                #expect(try response.json()["error"]?["reason"] == "unknown_user")
            }
        }
    }

    @Test(
        "a user deleted after being seen hits a foreign key: a JSON 422, never a 5xx or 'database unavailable'",
        .enabled(if: TestEnvironment.postgresEnabled))
    func deletedUserIsAConstraintFailure() async throws {
        try await ChatHarness.with(.postgres) { harness in
            let postgres = try #require(harness.store as? PostgresStore)
            try await harness.app().test(.router) { client in
                let first = try await client.chat(Self.question, as: ChatUsers.carol)
                #expect(first.status == .ok)
                try await postgres.pool.execute("delete from auth.users where id = \(ChatUsers.carol)")
                let second = try await client.chat(Self.question, as: ChatUsers.carol)
                #expect(second.status == .unprocessableContent, "\(second.text)")
                let error = try #require(try second.json()["error"])
                #expect(error["reason"] == "foreign_key_violation")
                #expect(error["message"] == "the request refers to data that does not exist")
                #expect(!second.text.contains("agent_conversations"), "no table or constraint name")
                #expect(!second.text.contains("unavailable"))
                #expect(try second.json()["trace_id"]?.stringValue != nil)
            }
        }
    }
}
