import Foundation
import HTTPTypes
import HummingbirdTesting
import NightshiftCore
import NightshiftServer
import NightshiftStore
import NightshiftTestSupport
import Testing

/// The per-user rate limit, the body size limit, the message length limit and malformed requests.
@Suite("Chat endpoint: limits and malformed requests")
struct ChatLimitsTests {
    static let question = "How late can I cancel a therapy session?"

    @Test("over the user's token bucket is a 429 with Retry-After; other users are not limited")
    func rateLimit() async throws {
        try await ChatHarness.with(.sqlite) { harness in
            // Two requests of burst, then one token every 100 s.
            let server = ServerConfiguration(port: 0, rateLimitPerSecond: 0.01, rateLimitBurst: 2)
            try await harness.app(server: server).test(.router) { client in
                #expect(try await client.chat(Self.question, as: ChatUsers.alice).status == .ok)
                #expect(try await client.chat(Self.question, as: ChatUsers.alice).status == .ok)
                let limited = try await client.chat(Self.question, as: ChatUsers.alice)
                #expect(limited.status == .tooManyRequests)
                let retryAfter = try #require(limited.headers[.retryAfter].flatMap { Int($0) })
                #expect(retryAfter >= 1 && retryAfter <= 100)
                #expect(try limited.json()["error"]?["status"]?.intValue == 429)
                #expect(try await client.chat(Self.question, as: ChatUsers.bob).status == .ok)
            }
            // The refused request wrote nothing.
            #expect(try await harness.conversations(of: ChatUsers.alice, startingWith: Self.question).count == 2)
        }
    }

    @Test("a body over the size limit is a 413; the same body is accepted under a larger limit")
    func bodyTooLarge() async throws {
        try await ChatHarness.with(.sqlite) { harness in
            let message =
                "How late can I cancel a therapy session? " + String(repeating: "Please tell me. ", count: 200)
            try await harness.app(server: ServerConfiguration(port: 0, maxBodyBytes: 1024)).test(.router) { client in
                let response = try await client.chat(message, as: ChatUsers.alice)
                #expect(response.status == .contentTooLarge)
                #expect(try response.json()["error"]?["status"]?.intValue == 413)
            }
            try await harness.app().test(.router) { client in
                let response = try await client.chat(message, as: ChatUsers.alice)
                #expect(response.status == .ok)
            }
        }
    }

    @Test("a message over the length limit is a 400 naming the limit, and nothing is stored")
    func messageTooLong() async throws {
        try await ChatHarness.with(.sqlite) { harness in
            let limit = 8000
            let tooLong = String(repeating: "a", count: limit + 1)
            try await harness.app().test(.router) { client in
                let response = try await client.chat(tooLong, as: ChatUsers.alice)
                #expect(response.status == .badRequest)
                #expect(try response.json()["error"]?["message"]?.stringValue?.contains("\(limit)") == true)
                #expect(try await client.chat(String(repeating: "a", count: limit), as: ChatUsers.alice).status == .ok)
            }
            #expect(try await harness.conversations(of: ChatUsers.alice, startingWith: tooLong).isEmpty)
        }
    }

    /// Bodies that are not a chat request.
    enum BadBody: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case malformedJSON, truncatedJSON, notAnObject, missingMessage, messageNotText, emptyMessage, badConversationID

        var testDescription: String { rawValue }

        var text: String {
            switch self {
            case .malformedJSON: return "{message: hello}"
            case .truncatedJSON: return #"{"message": "How late can I can"#
            case .notAnObject: return #"["How late can I cancel?"]"#
            case .missingMessage: return #"{"context": {"screen": "home"}}"#
            case .messageNotText: return #"{"message": 42}"#
            case .emptyMessage: return #"{"message": "   "}"#
            case .badConversationID: return #"{"message": "hello", "conversationId": "not-a-uuid"}"#
            }
        }
    }

    @Test("a malformed request body is a 400 with a JSON error, on both chat routes", arguments: BadBody.allCases)
    func badRequests(body: BadBody) async throws {
        try await ChatHarness.with(.sqlite) { harness in
            let before = try await harness.store.conversations(userID: ChatUsers.alice, limit: 100).count
            try await harness.app().test(.router) { client in
                let response = try await client.post(
                    "/v1/chat", raw: body.text, token: ChatTokens.user(ChatUsers.alice))
                #expect(response.status == .badRequest, "\(response.status): \(response.text)")
                let error = try response.json()["error"]
                #expect(error?["status"]?.intValue == 400)
                #expect(error?["message"]?.stringValue?.isEmpty == false)
            }
            #expect(try await harness.store.conversations(userID: ChatUsers.alice, limit: 100).count == before)
        }
    }

    @Test("malformed JSON and a missing messages array are 400s on /v1/chat/completions")
    func badCompletionRequests() async throws {
        try await ChatHarness.with(.sqlite) { harness in
            try await harness.app().test(.router) { client in
                let token = ChatTokens.user(ChatUsers.alice)
                for text in [
                    "{model: x}", #"{"model": "nightshift"}"#, #"{"messages": []}"#,
                    #"{"messages": [{"role": "system", "content": "be brief"}]}"#,
                ] {
                    let response = try await client.post("/v1/chat/completions", raw: text, token: token)
                    #expect(response.status == .badRequest, "\(text) → \(response.status)")
                }
            }
        }
    }
}
