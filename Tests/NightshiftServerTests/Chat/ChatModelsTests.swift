import Foundation
import HTTPTypes
import HummingbirdTesting
import NightshiftCore
import NightshiftStore
import NightshiftTestSupport
import Testing

/// `GET /v1/models` in OpenAI's wire format: `nightshift` (the intent classifier picks the agent) and one model
/// per agent, which a completion's `model` selects.
@Suite("Chat endpoint: OpenAI models")
struct ChatModelsTests {
    @Test("the list has OpenAI's shape and names nightshift and every agent", arguments: TestEnvironment.storeKinds)
    func list(kind: StoreKind) async throws {
        try await ChatHarness.with(kind) { harness in
            try await harness.app().test(.router) { client in
                var headers: HTTPFields = [:]
                headers[.authorization] = "Bearer \(ChatTokens.user(ChatUsers.alice))"
                let response = try await client.execute(uri: "/v1/models", method: .get, headers: headers)
                #expect(response.status == .ok)
                let body = try response.json()
                #expect(body["object"] == "list")
                let models = try #require(body["data"]?.arrayValue)
                #expect(models.allSatisfy { $0["object"] == "model" && $0["owned_by"] == "nightshift" })
                #expect(models.allSatisfy { $0["created"]?.intValue != nil })
                let ids = models.compactMap { $0["id"]?.stringValue }
                #expect(ids == ["nightshift"] + AgentType.allCases.map { "nightshift-\($0.rawValue)" })

                let one = try await client.execute(uri: "/v1/models/nightshift-booking", method: .get, headers: headers)
                #expect(one.status == .ok)
                #expect(try one.json()["id"] == "nightshift-booking")
                let missing = try await client.execute(uri: "/v1/models/gpt-4", method: .get, headers: headers)
                #expect(missing.status == .notFound)
                #expect(try missing.json()["error"]?["code"] == "model_not_found")

                let anonymous = try await client.execute(uri: "/v1/models", method: .get)
                #expect(anonymous.status == .unauthorized)
                #expect(try anonymous.json()["error"]?["type"] == "authentication_error")
            }
        }
    }

    @Test("a completion's model chooses the agent; nightshift lets the classifier choose", arguments: TestEnvironment.storeKinds)
    func modelChoosesTheAgent(kind: StoreKind) async throws {
        try await ChatHarness.with(kind) { harness in
            try await harness.app().test(.router) { client in
                // A question the classifier would give to general: the model overrides it.
                let question = "How late can I cancel a therapy session?"
                func ask(_ model: String) async throws -> JSONValue {
                    let response = try await client.post(
                        "/v1/chat/completions",
                        json: ["model": .string(model), "messages": [["role": "user", "content": .string(question)]]],
                        token: ChatTokens.user(ChatUsers.alice))
                    #expect(response.status == .ok, "\(response.text)")
                    return try response.json()
                }
                let booking = try await ask("nightshift-booking")
                #expect(booking["nightshift"]?["agent_type"] == "booking")
                #expect(booking["nightshift"]?["requested_model"] == "nightshift-booking")
                let general = try await ask("nightshift-general")
                #expect(general["nightshift"]?["agent_type"] == "general")
                // A disabled agent (no insights flag in the fixtures) falls back to general, as on /v1/chat.
                let insights = try await ask("nightshift-insights")
                #expect(insights["nightshift"]?["agent_type"] == "general")
                let conversation = try #require(
                    booking["nightshift"]?["conversation_id"]?.stringValue.flatMap(UUID.init(uuidString:)))
                let execution = try #require(try await harness.store.executions(conversationID: conversation).first)
                #expect(execution.agentType == "booking")
            }
        }
    }
}
