import Foundation
import HummingbirdTesting
import NightshiftAI
import NightshiftCore
import NightshiftStore
import NightshiftTestSupport
import Testing

/// Every turn is written whole: the conversation's messages, one execution with tokens, cost and provider, and
/// an `ai_runs` row with its `ai_messages` when an `ai_agents` agent answered.
@Suite("Chat endpoint: persistence per turn")
struct ChatPersistenceTests {
    @Test(
        "a turn appends both messages and logs one execution with model, tokens, cost and sources",
        arguments: TestEnvironment.storeKinds)
    func oneTurn(kind: StoreKind) async throws {
        try await ChatHarness.with(kind) { harness in
            try await harness.app().test(.router) { client in
                let message = "How late can I cancel a therapy session?"
                let response = try await client.chat(message, as: ChatUsers.alice)
                #expect(response.status == .ok)
                let body = try response.json()
                let id = try #require(body["conversationId"]?.stringValue.flatMap(UUID.init(uuidString:)))
                let answer = try #require(body["response"]?.stringValue)

                let conversation = try #require(try await harness.store.conversation(id: id, userID: ChatUsers.alice))
                #expect(conversation.messages.map(\.role) == ["user", "assistant"])
                #expect(conversation.messages.map(\.content) == [message, answer])
                #expect(conversation.status == .active)
                #expect(conversation.agentType.rawValue == body["agentType"]?.stringValue)

                let executions = try await harness.store.executions(conversationID: id)
                let execution = try #require(executions.first)
                #expect(executions.count == 1)
                #expect(execution.id.canonical == body["executionId"]?.stringValue)
                #expect(execution.status == .success)
                #expect(execution.error == nil)
                #expect(execution.agentType == body["agentType"]?.stringValue)
                #expect(execution.metadata["model"] == .string(LocalChatProvider.modelName))
                #expect(execution.metadata["provider"] == .string(LocalChatProvider.providerName))
                #expect(execution.metadata["prompt_tokens"]?.intValue == body["usage"]?["promptTokens"]?.intValue)
                #expect(
                    execution.metadata["completion_tokens"]?.intValue == body["usage"]?["completionTokens"]?.intValue)
                #expect(execution.tokensUsed == body["usage"]?["totalTokens"]?.intValue)
                #expect(execution.costUSD == 0)
                #expect((execution.durationMs ?? -1) >= 0)
                #expect(execution.metadata["confidence"]?.intValue == body["confidence"]?.intValue)
                let responseSources = try #require(body["sources"]?.arrayValue).compactMap {
                    $0["sourceUri"]?.stringValue
                }
                let loggedSources = try #require(execution.metadata["sources"]?.arrayValue).compactMap(\.stringValue)
                #expect(!loggedSources.isEmpty)
                #expect(loggedSources == responseSources)
                #expect(execution.metadata["failed_attempts"] == [])

                // No ai_agents row names the general agent here, so no ai_runs row is written.
                let runs = try await harness.store.runs(userID: ChatUsers.alice, limit: 100)
                #expect(!runs.contains { $0.metadata["conversation_id"]?.stringValue == id.canonical })
            }
        }
    }

    @Test(
        "a second turn on the same conversation appends to it: four messages, two executions",
        arguments: TestEnvironment.storeKinds)
    func secondTurn(kind: StoreKind) async throws {
        try await ChatHarness.with(kind) { harness in
            try await harness.app().test(.router) { client in
                let first = try await client.chat("How late can I cancel a therapy session?", as: ChatUsers.alice)
                let id = try #require(try first.json()["conversationId"]?.stringValue)
                let second = try await client.chat(
                    "How does box breathing work?", as: ChatUsers.alice, conversation: id)
                #expect(second.status == .ok)
                let secondBody = try second.json()
                #expect(secondBody["conversationId"]?.stringValue == id)

                let conversationID = try #require(UUID(uuidString: id))
                let conversation = try #require(
                    try await harness.store.conversation(id: conversationID, userID: ChatUsers.alice))
                #expect(conversation.messages.map(\.role) == ["user", "assistant", "user", "assistant"])
                #expect(conversation.messages[0].content == "How late can I cancel a therapy session?")
                #expect(conversation.messages[1].content == (try first.json()["response"]?.stringValue))
                #expect(conversation.messages[2].content == "How does box breathing work?")
                #expect(conversation.messages[3].content == secondBody["response"]?.stringValue)
                let executions = try await harness.store.executions(conversationID: conversationID)
                #expect(executions.count == 2)
                #expect(Set(executions.map(\.status)) == [.success])
                // Only one conversation was made for the two turns.
                #expect(
                    try await harness.conversations(
                        of: ChatUsers.alice, startingWith: "How late can I cancel a therapy session?"
                    ).count == 1)
            }
        }
    }

    @Test(
        "with an ai_agents row for the agent, the turn also writes ai_runs and ai_messages",
        arguments: TestEnvironment.storeKinds)
    func aiRunRecorded(kind: StoreKind) async throws {
        try await ChatHarness.with(kind) { harness in
            let agent = AIAgent(
                name: "general", description: "TherapyFlow's general assistant", model: "gpt-4o-mini",
                systemPrompt: "You are TherapyFlow's helpful assistant. Answer from the documents.", temperature: 0.2,
                maxTokens: 400)
            try await harness.store.saveAgent(agent)
            let agentID = try #require(try await harness.store.agent(named: "general")).id
            try await harness.app().test(.router) { client in
                // Carol has no agent flag on, so whatever the intent, the general agent (and its row) answers.
                let message = "How late can I cancel a therapy session?"
                let response = try await client.chat(message, as: ChatUsers.carol)
                #expect(response.status == .ok)
                let body = try response.json()
                #expect(body["agentType"] == "general")
                let id = try #require(body["conversationId"]?.stringValue)

                let runs = try await harness.store.runs(userID: ChatUsers.carol, limit: 100).filter {
                    $0.agentID == agentID
                }
                let run = try #require(runs.first)
                #expect(runs.count == 1)
                #expect(run.status == .completed)
                #expect(run.inputText == message)
                #expect(run.outputText == body["response"]?.stringValue)
                #expect(run.modelUsed == LocalChatProvider.modelName)
                #expect(run.tokensPrompt == body["usage"]?["promptTokens"]?.intValue)
                #expect(run.tokensCompletion == body["usage"]?["completionTokens"]?.intValue)
                #expect(run.tokensTotal == body["usage"]?["totalTokens"]?.intValue)
                #expect(run.latencyMs != nil)
                #expect(run.metadata["conversation_id"]?.stringValue == id)
                #expect(run.metadata["provider"] == .string(LocalChatProvider.providerName))

                let messages = try await harness.store.aiMessages(userID: ChatUsers.carol, runID: run.id)
                #expect(messages.map(\.role) == ["user", "assistant"])
                #expect(messages.map(\.content) == [message, body["response"]?.stringValue ?? ""])
                // The run is Carol's alone.
                #expect(try await harness.store.aiMessages(userID: ChatUsers.alice, runID: run.id).isEmpty)
            }
        }
    }
}
