import Foundation
import HTTPTypes
import HummingbirdTesting
import NightshiftCore
import NightshiftStore
import NightshiftTestSupport
import Testing

/// `?stream=true` or `Accept: text/event-stream`: the answer as server-sent events over a live server.
@Suite("Chat endpoint: streaming")
struct ChatStreamingTests {
    /// The two ways a client asks for a stream.
    enum Ask: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case queryParameter, acceptHeader
        var testDescription: String { rawValue }
    }

    @Test(
        "token events concatenate to the final event's response, then done carries ids, usage and cost",
        arguments: TestEnvironment.storeKinds, Ask.allCases)
    func streamed(kind: StoreKind, ask: Ask) async throws {
        try await ChatHarness.with(kind) { harness in
            try await harness.app().test(.live) { client in
                let message = "How late can I cancel or reschedule a therapy session?"
                var headers: HTTPFields = [:]
                if ask == .acceptHeader { headers[.accept] = "text/event-stream" }
                let response = try await client.post(
                    ask == .queryParameter ? "/v1/chat?stream=true" : "/v1/chat", json: ["message": .string(message)],
                    token: ChatTokens.user(ChatUsers.alice), headers: headers)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/event-stream") == true)
                let events = ServerSentEvent.parse(response.text)
                let tokens = events.filter { $0.event == "token" }
                #expect(tokens.count > 1, "the answer arrives in pieces")
                let deltas = try tokens.map { try #require($0.json()["delta"]?.stringValue) }
                let done = try #require(events.last)
                #expect(done.event == "done")
                #expect(events.filter { $0.event == "done" }.count == 1)
                #expect(Set(events.compactMap(\.event)) == ["token", "done"])

                let final = try done.json()
                #expect(deltas.joined() == final["response"]?.stringValue)
                let id = try #require(final["conversationId"]?.stringValue.flatMap(UUID.init(uuidString:)))
                #expect(final["executionId"]?.stringValue.flatMap(UUID.init(uuidString:)) != nil)
                let usage = try #require(final["usage"])
                #expect((usage["totalTokens"]?.intValue ?? 0) > 0)
                #expect(final["cost"]?.doubleValue == 0)
                #expect(final["agentType"]?.stringValue != nil)
                #expect(
                    try #require(final["sources"]?.arrayValue).contains {
                        $0["sourceUri"]?.stringValue?.hasSuffix(ChatDocuments.cancellation) == true
                    })

                // The streamed turn is stored like any other.
                let conversation = try #require(try await harness.store.conversation(id: id, userID: ChatUsers.alice))
                #expect(conversation.messages.map(\.content) == [message, deltas.joined()])
                #expect(try await harness.store.executions(conversationID: id).first?.status == .success)
            }
        }
    }

    @Test("a refused credential is a JSON 401; a foreign conversation is a JSON 404, before any stream")
    func errorsBeforeTheStream() async throws {
        try await ChatHarness.with(.sqlite) { harness in
            try await harness.app().test(.live) { client in
                let unauthorized = try await client.post("/v1/chat?stream=true", json: ["message": "hi"], token: nil)
                #expect(unauthorized.status == .unauthorized)
                #expect(unauthorized.headers[.contentType]?.hasPrefix("application/json") == true)
                let first = try await client.chat("How late can I cancel a therapy session?", as: ChatUsers.alice)
                let alices = try #require(try first.json()["conversationId"]?.stringValue)
                let foreign = try await client.post(
                    "/v1/chat?stream=true", json: ["message": "hi", "conversationId": .string(alices)],
                    token: ChatTokens.user(ChatUsers.bob))
                // The conversation is checked before the stream opens: a plain JSON 404, like a missing one.
                #expect(foreign.status == .notFound)
                #expect(foreign.headers[.contentType]?.hasPrefix("application/json") == true)
                #expect(!foreign.text.contains("cancel"))
            }
        }
    }
}
