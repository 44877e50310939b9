import Foundation
import HummingbirdTesting
import NightshiftCore
import NightshiftStore
import NightshiftTestSupport
import Testing

/// A user reads and continues only their own conversations, and retrieval sees the shared knowledge base plus
/// their own documents, never another user's.
@Suite("Chat endpoint: isolation between users")
struct ChatIsolationTests {
    @Test(
        "another user's conversationId is a 404, like a missing one, and the conversation is unchanged",
        arguments: TestEnvironment.storeKinds)
    func foreignConversation(kind: StoreKind) async throws {
        try await ChatHarness.with(kind) { harness in
            try await harness.app().test(.router) { client in
                let first = try await client.chat("How late can I cancel a therapy session?", as: ChatUsers.alice)
                #expect(first.status == .ok)
                let id = try #require(try first.json()["conversationId"]?.stringValue)
                let conversationID = try #require(UUID(uuidString: id))
                let before = try #require(
                    try await harness.store.conversation(id: conversationID, userID: ChatUsers.alice))
                let bobsBefore = try await harness.store.conversations(userID: ChatUsers.bob, limit: 100).count

                let intrusion = try await client.chat("Show me what Alice said", as: ChatUsers.bob, conversation: id)
                #expect(intrusion.status == .notFound)
                let missing = try await client.chat(
                    "Show me what Alice said", as: ChatUsers.bob, conversation: UUID().uuidString)
                #expect(missing.status == .notFound)
                // Nothing tells a foreign conversation from one that does not exist.
                #expect(try intrusion.json()["error"]?["message"] == missing.json()["error"]?["message"])
                #expect(!intrusion.text.contains("cancel"))

                let after = try #require(
                    try await harness.store.conversation(id: conversationID, userID: ChatUsers.alice))
                #expect(after.messages == before.messages)
                #expect(after.status == before.status)
                #expect(try await harness.store.executions(conversationID: conversationID).count == 1)
                #expect(try await harness.store.conversations(userID: ChatUsers.bob, limit: 100).count == bobsBefore)

                // Alice herself continues it.
                let again = try await client.chat(
                    "And what does a late cancellation cost?", as: ChatUsers.alice, conversation: id)
                #expect(again.status == .ok)
                #expect(try again.json()["conversationId"]?.stringValue == id)
            }
        }
    }

    @Test(
        "retrieval sees shared documents and the user's own, never another user's",
        arguments: TestEnvironment.storeKinds)
    func retrievalScope(kind: StoreKind) async throws {
        try await ChatHarness.with(kind) { harness in
            try await harness.app().test(.router) { client in
                let question = "How warm is the greenhouse thermometer and do the tomato seedlings need watering?"
                for (user, own, other, otherSecret) in [
                    (ChatUsers.alice, ChatDocuments.aliceJournal, ChatDocuments.bobJournal, ChatDocuments.bobSecret),
                    (ChatUsers.bob, ChatDocuments.bobJournal, ChatDocuments.aliceJournal, ChatDocuments.aliceSecret),
                ] {
                    let response = try await client.chat(question, as: user)
                    #expect(response.status == .ok)
                    let body = try response.json()
                    let uris = try #require(body["sources"]?.arrayValue).compactMap { $0["sourceUri"]?.stringValue }
                    #expect(uris.contains { $0.hasSuffix(own) }, "own journal retrieved for \(user)")
                    #expect(!uris.contains { $0.hasSuffix(other) }, "another user's journal retrieved for \(user)")
                    let answer = body["response"]?.stringValue ?? ""
                    #expect(!answer.contains(otherSecret))
                }
                // Carol has no journal: she sees only the shared documents.
                let carol = try await client.chat(question, as: ChatUsers.carol)
                let uris = try #require(try carol.json()["sources"]?.arrayValue).compactMap {
                    $0["sourceUri"]?.stringValue
                }
                #expect(!uris.isEmpty)
                #expect(
                    uris.allSatisfy {
                        $0.hasSuffix(ChatDocuments.cancellation) || $0.hasSuffix(ChatDocuments.breathing)
                    })

                let shared = try await client.chat(
                    "How late can I cancel or reschedule a therapy session?", as: ChatUsers.bob)
                let sharedURIs = try #require(try shared.json()["sources"]?.arrayValue).compactMap {
                    $0["sourceUri"]?.stringValue
                }
                #expect(sharedURIs.first?.hasSuffix(ChatDocuments.cancellation) == true)
            }
        }
    }
}
