import Foundation
import HTTPTypes
import Logging
import NightshiftAI
import NightshiftCore
import NightshiftJobs
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

    /// A controller over `store` that logs into `log`, assembled like `ChatHarness.application`.
    static func controller(store: any Store, log: CapturedLog) throws -> ChatController {
        var configuration = Configuration(values: [:])
        configuration.set("SUPABASE_JWT_SECRET", ChatHarness.secret.value, origin: "test")
        let orchestrator = ChatOrchestrator(
            store: store, embedder: try EmbedderFactory.make(nil, configuration: configuration),
            chain: try ProviderChain.standard(configuration: configuration), prices: try PriceTable.load(overrideFile: nil),
            settings: ChatOrchestrator.Settings(), logger: log.logger)
        return ChatController(
            configuration: ServerConfiguration(port: 0),
            dependencies: ServerDependencies(
                store: store, orchestrator: orchestrator, authenticator: try RequestAuthenticator.from(configuration)),
            logger: log.logger)
    }

    /// The response bodies of `error` in both formats, and every log line at info level and above, hold no `value`;
    /// the debug line of the trace holds the database's DETAIL when it has one.
    static func expectNoValue(_ value: String, in error: any Error, status: HTTPResponse.Status, detail: Bool) async throws {
        try await withFreshStore(.sqlite) { store in
            let log = CapturedLog(level: .debug)
            let controller = try Self.controller(store: store, log: log)
            let trace = UUID().uuidString
            let failure = controller.clientFailure(error, traceID: trace)
            #expect(failure.status == status)
            let body = ServerErrors.body(for: failure, traceID: trace).jsonText
            let openAI = ServerErrors.openAIBody(for: failure).jsonText
            #expect(!body.contains(value), "\(body)")
            #expect(!openAI.contains(value), "\(openAI)")
            let shown = log.entries.filter { $0.level >= .info }
            #expect(shown.allSatisfy { !"\($0.message) \($0.metadata)".contains(value) }, "\(shown)")
            if failure.isServerFault {
                #expect(shown.contains { $0.level == .error && $0.metadata["trace"] == trace }, "\(log.entries)")
            }
            let debug = log.entries.first { $0.level == .debug && $0.metadata["trace"] == trace }
            if detail {
                #expect(debug?.metadata["detail"]?.contains(value) == true, "\(log.entries)")
            } else {
                #expect(debug == nil, "\(log.entries)")
            }
        }
    }

    @Test(
        "a PostgreSQL unique violation's key value is in neither response body nor info-level log, only at debug level",
        .enabled(if: TestEnvironment.postgresEnabled))
    func postgresDetailStaysInDebugLog() async throws {
        let key = DatabaseErrorSamples.keyValue
        let duplicate = try await DatabaseErrorSamples.postgresUniqueViolation()
        try await Self.expectNoValue(key, in: duplicate, status: .conflict, detail: true)
        try await Self.expectNoValue(
            key, in: NightshiftError(.query, "recording the turn failed", cause: duplicate), status: .conflict, detail: true)
        // A 500 is logged at error level with the error's description, which leaves the DETAIL out.
        let raised = try await DatabaseErrorSamples.postgresRaisedWithDetail()
        try await Self.expectNoValue(key, in: raised, status: .internalServerError, detail: true)
    }

    @Test("a SQLite unique violation's key value is in neither response body nor info-level log")
    func sqliteKeyStaysOut() async throws {
        try await withFreshStore(.sqlite) { store in
            let user = UUID()
            try await store.createUser(User(id: user))
            let conversation = Conversation(userID: user)
            try await store.createConversation(conversation)
            var duplicate: (any Error)?
            do { try await store.createConversation(conversation) } catch { duplicate = error }
            let error = try #require(duplicate)
            #expect(error is SQLiteError, "\(type(of: error))")
            try await Self.expectNoValue(conversation.id.canonical, in: error, status: .conflict, detail: false)
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
