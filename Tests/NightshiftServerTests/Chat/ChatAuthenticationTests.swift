import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NightshiftCore
import NightshiftServer
import NightshiftStore
import NightshiftTestSupport
import Testing

/// Real HS256 tokens against `/v1/chat`: who the request acts for comes from the token, never from the body.
@Suite("Chat endpoint: authentication")
struct ChatAuthenticationTests {
    @Test(
        "a valid token gets the design's response contract, and the conversation is the token user's",
        arguments: TestEnvironment.storeKinds)
    func validToken(kind: StoreKind) async throws {
        try await ChatHarness.with(kind) { harness in
            try await harness.app().test(.router) { client in
                let response = try await client.chat("How late can I cancel a therapy session?", as: ChatUsers.alice)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let body = try response.json()
                #expect(
                    body.keys.isSuperset(of: [
                        "conversationId", "agentType", "response", "toolCalls", "confidence", "reasoning", "usage",
                        "cost",
                        "sources",
                    ]))
                let conversationID = try #require(body["conversationId"]?.stringValue.flatMap(UUID.init(uuidString:)))
                #expect(body["agentType"]?.stringValue.flatMap(AgentType.init(rawValue:)) != nil)
                #expect(body["response"]?.stringValue?.isEmpty == false)
                #expect(body["toolCalls"]?.arrayValue != nil)
                let confidence = try #require(body["confidence"]?.intValue)
                #expect((0...100).contains(confidence))
                let reasoning = try #require(body["reasoning"]?.arrayValue)
                #expect(!reasoning.isEmpty && reasoning.allSatisfy { $0.stringValue != nil })
                let usage = try #require(body["usage"])
                let prompt = try #require(usage["promptTokens"]?.intValue)
                let completion = try #require(usage["completionTokens"]?.intValue)
                #expect(prompt > 0 && completion > 0)
                #expect(usage["totalTokens"]?.intValue == prompt + completion)
                // The offline answerer costs nothing, and says so with a zero, not a missing price.
                #expect(body["cost"]?.doubleValue == 0)
                let sources = try #require(body["sources"]?.arrayValue)
                #expect(
                    sources.contains { $0["sourceUri"]?.stringValue?.hasSuffix(ChatDocuments.cancellation) == true })

                let stored = try await harness.store.conversation(id: conversationID, userID: ChatUsers.alice)
                #expect(stored?.userID == ChatUsers.alice)
                #expect(try await harness.store.conversation(id: conversationID, userID: ChatUsers.bob) == nil)
            }
        }
    }

    /// Credentials that must be refused with 401 before anything is read or written.
    enum BadCredential: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case expired, wrongSignature, wrongAudience, missing, notBearer, garbage

        var testDescription: String { rawValue }

        var authorization: String? {
            switch self {
            case .expired: return "Bearer " + ChatTokens.user(ChatUsers.alice, lifetime: -3600)
            case .wrongSignature: return "Bearer " + ChatTokens.wrongSignature(ChatUsers.alice)
            case .wrongAudience: return "Bearer " + ChatTokens.wrongAudience(ChatUsers.alice)
            case .missing: return nil
            case .notBearer: return "Basic YWxpY2U6c2VjcmV0"
            case .garbage: return "Bearer not.a.token"
            }
        }

        /// The `reason` the error body names (`AuthFailure` raw values).
        var reason: String {
            switch self {
            case .expired: return "expired"
            case .wrongSignature: return "badSignature"
            case .wrongAudience: return "wrongAudience"
            case .missing: return "missing"
            case .notBearer, .garbage: return "malformed"
            }
        }
    }

    @Test(
        "a bad or missing token is a 401 with WWW-Authenticate, and nothing is stored",
        arguments: BadCredential.allCases)
    func refused(credential: BadCredential) async throws {
        try await ChatHarness.with(.sqlite) { harness in
            let before = try await harness.store.conversations(userID: ChatUsers.alice, limit: 100).count
            try await harness.app().test(.router) { client in
                var headers: HTTPFields = [.contentType: "application/json"]
                if let authorization = credential.authorization { headers[.authorization] = authorization }
                let response = try await client.execute(
                    uri: "/v1/chat", method: .post, headers: headers,
                    body: ByteBuffer(string: #"{"message": "How late can I cancel?"}"#))
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                let body = try response.json()
                #expect(body["error"]?["status"]?.intValue == 401)
                #expect(body["error"]?["reason"]?.stringValue == credential.reason)
                // The error never echoes the credential.
                if let token = credential.authorization?.split(separator: " ").last {
                    #expect(!response.text.contains(token))
                }
            }
            #expect(try await harness.store.conversations(userID: ChatUsers.alice, limit: 100).count == before)
        }
    }

    @Test("an anon token is a 403: it names no user")
    func anonymous() async throws {
        try await ChatHarness.with(.sqlite) { harness in
            try await harness.app().test(.router) { client in
                let response = try await client.post(
                    "/v1/chat", json: ["message": "hello"], token: ChatTokens.role("anon"))
                #expect(response.status == .forbidden)
                #expect(try response.json()["error"]?["reason"] == "anonymous")
            }
        }
    }

    @Test(
        "the service role acts for the user named in X-Nightshift-User, and must name one",
        arguments: TestEnvironment.storeKinds)
    func serviceRole(kind: StoreKind) async throws {
        try await ChatHarness.with(kind) { harness in
            let service = ChatTokens.role("service_role")
            try await harness.app().test(.router) { client in
                let response = try await client.post(
                    "/v1/chat", json: ["message": "How late can I cancel a therapy session?"], token: service,
                    headers: .actingUser(ChatUsers.carol))
                #expect(response.status == .ok)
                let id = try #require(
                    try response.json()["conversationId"]?.stringValue.flatMap(UUID.init(uuidString:)))
                #expect(
                    try await harness.store.conversation(id: id, userID: ChatUsers.carol)?.userID == ChatUsers.carol)

                let anonymous = try await client.post("/v1/chat", json: ["message": "hello"], token: service)
                #expect(anonymous.status == .badRequest)
                #expect(try anonymous.json()["error"]?["reason"] == "actingUserRequired")

                // A user token may not act for someone else.
                let impersonation = try await client.post(
                    "/v1/chat", json: ["message": "hello"], token: ChatTokens.user(ChatUsers.alice),
                    headers: .actingUser(ChatUsers.bob))
                #expect(impersonation.status == .forbidden)
            }
        }
    }

    @Test(
        "context.userId in the body is ignored: the conversation belongs to the token's user",
        arguments: TestEnvironment.storeKinds)
    func bodyUserIgnored(kind: StoreKind) async throws {
        try await ChatHarness.with(kind) { harness in
            try await harness.app().test(.router) { client in
                let message = "How late can I cancel a therapy session?"
                let response = try await client.chat(
                    message, as: ChatUsers.alice,
                    extra: ["context": ["userId": .string(ChatUsers.bob.canonical), "screen": "home"]])
                #expect(response.status == .ok)
                let id = try #require(
                    try response.json()["conversationId"]?.stringValue.flatMap(UUID.init(uuidString:)))
                let conversation = try #require(try await harness.store.conversation(id: id, userID: ChatUsers.alice))
                #expect(conversation.userID == ChatUsers.alice)
                #expect(conversation.context["userId"] == nil)
                #expect(conversation.context["screen"] == "home")
                #expect(try await harness.store.conversation(id: id, userID: ChatUsers.bob) == nil)
                #expect(try await harness.conversations(of: ChatUsers.bob, startingWith: message).isEmpty)
            }
        }
    }
}
