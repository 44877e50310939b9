import Foundation
import HummingbirdTesting
import NightshiftCore
import NightshiftJobs
import NightshiftStore
import NightshiftTestSupport
import Testing

/// Feature flags gate the agents per user: a booking message from a user without `booking_agent_enabled` is
/// answered by `general`, and the reasoning says why.
@Suite("Chat endpoint: feature flags")
struct ChatFeatureFlagTests {
    static let bookingMessage = "Can I book an appointment with a therapist for next Tuesday afternoon?"

    @Test(
        "booking with booking_agent_enabled off falls back to general and says so; targeting the user turns it on",
        arguments: TestEnvironment.storeKinds)
    func bookingFlag(kind: StoreKind) async throws {
        try await ChatHarness.with(kind) { harness in
            // fixtures/seed.json: booking_agent_enabled is on for Alice only (targeted, rollout 0 %).
            let flag = try #require(try await harness.store.flag(named: "booking_agent_enabled"))
            #expect(flag.enabled && !flag.targetUsers.contains(ChatUsers.bob))

            try await harness.app().test(.router) { client in
                let bob = try await client.chat(Self.bookingMessage, as: ChatUsers.bob)
                #expect(bob.status == .ok)
                let body = try bob.json()
                #expect(body["agentType"] == "general")
                let reasoning = try #require(body["reasoning"]?.arrayValue).compactMap(\.stringValue)
                #expect(
                    reasoning.contains { $0.contains("booking_agent_enabled is off") && $0.contains("general answers") }
                )
                let id = try #require(body["conversationId"]?.stringValue.flatMap(UUID.init(uuidString:)))
                let execution = try #require(try await harness.store.executions(conversationID: id).first)
                #expect(execution.agentType == "general")
                #expect(execution.metadata["intent"] == "booking")
                #expect(execution.metadata["fallback"]?.stringValue?.contains("booking_agent_enabled") == true)

                let alice = try await client.chat(Self.bookingMessage, as: ChatUsers.alice)
                #expect(try alice.json()["agentType"] == "booking")
            }

            var enabled = flag
            enabled.targetUsers.append(ChatUsers.bob)
            try await harness.store.saveFlag(enabled)
            // A new server: flags are cached for a few seconds per orchestrator.
            try await harness.app().test(.router) { client in
                let bob = try await client.chat(Self.bookingMessage, as: ChatUsers.bob)
                #expect(bob.status == .ok)
                let body = try bob.json()
                #expect(body["agentType"] == "booking")
                let reasoning = try #require(body["reasoning"]?.arrayValue).compactMap(\.stringValue)
                #expect(!reasoning.contains { $0.contains("is off") })
                let id = try #require(body["conversationId"]?.stringValue.flatMap(UUID.init(uuidString:)))
                let conversation = try await harness.store.conversation(id: id, userID: ChatUsers.bob)
                #expect(conversation?.agentType == .booking)
            }
        }
    }

    @Test(
        "with NIGHTSHIFT_REQUIRE_CHAT_FLAG, a user without ai_chat_enabled gets a JSON 403 and nothing is recorded",
        arguments: TestEnvironment.storeKinds)
    func chatFlagRequired(kind: StoreKind) async throws {
        try await ChatHarness.with(kind) { harness in
            var settings = ChatOrchestrator.Settings()
            settings.requireChatFlag = true
            var flag = try #require(try await harness.store.flag(named: "ai_chat_enabled"))
            flag.enabled = true
            flag.rolloutPercentage = 0
            flag.targetUsers = [ChatUsers.alice]
            try await harness.store.saveFlag(flag)
            let before = try await harness.store.conversations(userID: ChatUsers.bob, limit: 1000).count
            try await harness.app(settings: settings).test(.router) { client in
                let bob = try await client.chat("How do I cancel a session?", as: ChatUsers.bob)
                #expect(bob.status == .forbidden)
                let body = try bob.json()
                #expect(body["error"]?["message"]?.stringValue?.contains("chat is not enabled") == true)
                #expect(try await harness.store.conversations(userID: ChatUsers.bob, limit: 1000).count == before)

                let alice = try await client.chat("How do I cancel a session?", as: ChatUsers.alice)
                #expect(alice.status == .ok)

                // Streaming too: a real 403 before the stream starts, not an error event inside a 200.
                let streamed = try await client.post(
                    "/v1/chat?stream=true", json: ["message": "How do I cancel a session?"], token: ChatTokens.user(ChatUsers.bob))
                #expect(streamed.status == .forbidden)
            }
            // Off by default: the same request without the setting is answered.
            try await harness.app().test(.router) { client in
                let bob = try await client.chat("How do I cancel a session?", as: ChatUsers.bob)
                #expect(bob.status == .ok)
            }
        }
    }
}
