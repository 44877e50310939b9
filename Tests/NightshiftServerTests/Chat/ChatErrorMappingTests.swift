import Foundation
import HTTPTypes
import NightshiftCore
@testable import NightshiftServer
import NightshiftStore
import NightshiftTestSupport
import Testing

/// The status of every kind of error: database errors by SQLSTATE class the same on both stores, never a 5xx
/// for a constraint; provider failures without their upstream detail.
@Suite("Chat endpoint: error mapping")
struct ChatErrorMappingTests {
    @Test("real constraint failures of either store are a 409 or a 422 with a safe message", arguments: TestEnvironment.storeKinds)
    func constraints(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            var foreignKey: (any Error)?
            do { try await store.createConversation(Conversation(userID: UUID())) } catch { foreignKey = error }
            let missing = ServerErrors.failure(for: try #require(foreignKey))
            #expect(missing.status == .unprocessableContent)
            #expect(missing.reason == "foreign_key_violation")
            #expect(!missing.message.contains("agent_conversations"))

            let user = UUID()
            try await store.createUser(User(id: user))
            let conversation = Conversation(userID: user)
            try await store.createConversation(conversation)
            var duplicate: (any Error)?
            do { try await store.createConversation(conversation) } catch { duplicate = error }
            let conflict = ServerErrors.failure(for: try #require(duplicate))
            #expect(conflict.status == .conflict)
            #expect(conflict.reason == "unique_violation")
        }
    }

    @Test("connection and shutdown classes are 503; other SQLSTATEs are 500; provider failures are a generic 502")
    func classes() {
        #expect(ServerErrors.status(for: PGError(.query, message: "terminating", sqlState: "57P01")) == .serviceUnavailable)
        #expect(ServerErrors.status(for: PGError(.connection, message: "refused")) == .serviceUnavailable)
        #expect(ServerErrors.status(for: PGError(.query, message: "no table", sqlState: "42P01")) == .internalServerError)
        #expect(ServerErrors.status(for: PGError(.query, message: "dup", sqlState: "23505")) == .conflict)
        let provider = ServerErrors.failure(
            for: NightshiftError(.provider, "openai returned 500: secret body", context: ["url": "http://10.0.0.1/v1"]))
        #expect(provider.status == .badGateway)
        #expect(provider.message == "the chat provider was unavailable")
        #expect(provider.reason == "provider_unavailable")
    }
}
