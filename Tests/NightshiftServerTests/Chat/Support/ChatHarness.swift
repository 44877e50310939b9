import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NightshiftAI
import NightshiftCore
import NightshiftJobs
import NightshiftServer
import NightshiftStore
import NightshiftTestSupport
import Testing

/// The users of fixtures/seed.json the chat tests act as.
enum ChatUsers {
    static let alice = UUID(uuidString: "a0000000-0000-4000-8000-00000000000a") ?? UUID()
    static let bob = UUID(uuidString: "b0000000-0000-4000-8000-00000000000b") ?? UUID()
    static let carol = UUID(uuidString: "c0000000-0000-4000-8000-00000000000c") ?? UUID()
}

/// Small documents with distinct vocabulary, so a test can tell from a response's sources which were retrieved:
/// two shared ones, and one private greenhouse journal each for Alice and Bob that answer the same question.
enum ChatDocuments {
    static let cancellation = "cancellation-policy.md"
    static let breathing = "box-breathing.md"
    static let aliceJournal = "alice-greenhouse-journal.md"
    static let bobJournal = "bob-greenhouse-journal.md"

    /// A sentence only Bob's journal holds: it must never reach Alice.
    static let bobSecret = "Bob's greenhouse thermometer reads 31 degrees"
    /// A sentence only Alice's journal holds: it must never reach Bob.
    static let aliceSecret = "Alice's greenhouse thermometer reads 24 degrees"

    static let shared: [String: String] = [
        cancellation: """
        # Cancellation policy

        You can cancel or reschedule a therapy session free of charge up to 24 hours before it starts.
        Late cancellations, less than 24 hours before the session, are charged half of the session fee.
        """,
        breathing: """
        # Box breathing

        Box breathing calms the nervous system: breathe in for four counts, hold for four counts, breathe out
        for four counts and hold again for four counts. Repeat the square four times.
        """,
    ]

    static let alice: [String: String] = [
        aliceJournal: """
        # Greenhouse journal

        \(aliceSecret) this morning. The tomato seedlings in the greenhouse need watering every morning and
        the basil sits by the greenhouse door.
        """
    ]

    static let bob: [String: String] = [
        bobJournal: """
        # Greenhouse journal

        \(bobSecret) this morning. The tomato seedlings in the greenhouse need watering every morning and
        the peppers sit by the greenhouse door.
        """
    ]
}

/// A migrated store with the fixture users, flags and conversations loaded and the chat documents ingested,
/// and the chat application built on it exactly as `nightshift serve` builds it.
struct ChatHarness: Sendable {
    /// The HS256 secret the server verifies tokens with (32+ bytes, as the verifier requires).
    static let secret = Secret("nightshift-chat-endpoint-tests-hs256-secret-0123456789")

    let store: any Store
    let kind: StoreKind

    /// Runs `body` with a fresh store of `kind`, seeded with fixtures/seed.json and the chat documents.
    static func with<T>(_ kind: StoreKind, _ body: (ChatHarness) async throws -> T) async throws -> T {
        let folder = try TestEnvironment.temporaryDirectory("chat-docs")
        defer { try? FileManager.default.removeItem(at: folder) }
        let groups: [(String, [String: String], Owner)] = [
            ("shared", ChatDocuments.shared, .shared), ("alice", ChatDocuments.alice, .user(ChatUsers.alice)),
            ("bob", ChatDocuments.bob, .user(ChatUsers.bob)),
        ]
        for (name, files, _) in groups {
            let directory = folder.appendingPathComponent(name, isDirectory: true)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for (file, text) in files {
                try Data(text.utf8).write(to: directory.appendingPathComponent(file))
            }
        }
        return try await withFreshStore(kind) { store in
            _ = try await FixtureLoader(path: fixtureSeedPath).load(into: store)
            for (name, _, owner) in groups {
                let report = try await IngestJob(inputs: [folder.appendingPathComponent(name).path], owner: owner)
                    .run(in: JobContext(store: store), embedder: LocalEmbeddingProvider())
                #expect(report.added > 0 && !report.failed, "ingesting \(name) documents")
            }
            return try await body(ChatHarness(store: store, kind: kind))
        }
    }

    /// The chat application over this store, assembled like `Serve.run`: the JWT secret and provider settings
    /// come from a `Configuration` (`environment` holds `OPENAI_BASE_URL`, keys, …), port 0 for `.live`.
    func app(
        server: ServerConfiguration = ServerConfiguration(port: 0), environment: [String: String] = [:],
        settings: ChatOrchestrator.Settings = ChatOrchestrator.Settings(), logger: Logger? = nil
    ) throws -> some ApplicationProtocol {
        try ChatHarness.application(
            store: store, server: server, environment: environment, settings: settings, logger: logger)
    }

    /// The application over any store (the readiness tests use unmigrated and unreachable ones).
    static func application(
        store: any Store, server: ServerConfiguration = ServerConfiguration(port: 0),
        environment: [String: String] = [:], settings: ChatOrchestrator.Settings = ChatOrchestrator.Settings(),
        logger given: Logger? = nil
    ) throws -> some ApplicationProtocol {
        var configuration = Configuration(values: environment)
        configuration.set("SUPABASE_JWT_SECRET", secret.value, origin: "test")
        let authenticator = try RequestAuthenticator.from(configuration)
        let chain = try ProviderChain.standard(configuration: configuration)
        // Failed turns are logged as errors; the tests read them from the store instead.
        var logger = Logger(label: "nightshift.serve.tests")
        logger.logLevel = .critical
        if let given { logger = given }
        let orchestrator = ChatOrchestrator(
            store: store, embedder: try EmbedderFactory.make(nil, configuration: configuration), chain: chain,
            prices: try PriceTable.load(overrideFile: nil), settings: settings, logger: logger)
        return buildApplication(
            configuration: server,
            dependencies: ServerDependencies(store: store, orchestrator: orchestrator, authenticator: authenticator),
            logger: logger)
    }

    /// The conversations of `user` whose first message is `message` (the fixture has others).
    func conversations(of user: UUID, startingWith message: String) async throws -> [Conversation] {
        try await store.conversations(userID: user, limit: 100).filter { $0.messages.first?.content == message }
    }
}

/// Bearer tokens for the chat tests.
enum ChatTokens {
    /// A valid user token, signed like Supabase's with the server's secret.
    static func user(_ id: UUID, lifetime: TimeInterval = 3600) -> String {
        DevelopmentTokens.sign(userID: id, secret: ChatHarness.secret, lifetime: lifetime)
    }

    /// A valid token with another role (`anon`, `service_role`).
    static func role(_ role: String, subject: UUID = UUID()) -> String {
        DevelopmentTokens.sign(userID: subject, secret: ChatHarness.secret, role: role)
    }

    /// A token for `id` signed with another secret.
    static func wrongSignature(_ id: UUID) -> String {
        DevelopmentTokens.sign(userID: id, secret: Secret("some-other-secret-that-is-also-32-bytes-long!"))
    }

    /// A correctly signed token whose audience is not `authenticated`.
    static func wrongAudience(_ id: UUID) -> String {
        let now = Date().timeIntervalSince1970.rounded(.down)
        return HS256.sign(
            claims: [
                "sub": .string(id.canonical), "role": "authenticated", "aud": "some-other-project",
                "iat": .number(now), "exp": .number(now + 3600),
            ], secret: ChatHarness.secret.value)
    }
}

/// Request helpers over HummingbirdTesting's client.
extension TestClientProtocol {
    /// POSTs `body` (JSON) to `uri` with `token` as the bearer credential.
    func post(
        _ uri: String, json body: JSONValue, token: String?, headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        try await post(uri, raw: body.jsonText, token: token, headers: extra)
    }

    /// POSTs raw text to `uri`.
    func post(_ uri: String, raw body: String, token: String?, headers extra: HTTPFields = [:]) async throws
        -> TestResponse
    {
        var headers = extra
        headers[.contentType] = "application/json"
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    /// One `/v1/chat` turn for `user`.
    func chat(_ message: String, as user: UUID, conversation: String? = nil, extra: [String: JSONValue] = [:])
        async throws
        -> TestResponse
    {
        var body: [String: JSONValue] = ["message": .string(message)]
        if let conversation { body["conversationId"] = .string(conversation) }
        for (key, value) in extra { body[key] = value }
        return try await post("/v1/chat", json: .object(body), token: ChatTokens.user(user))
    }
}

extension TestResponse {
    /// The body as text.
    var text: String { String(buffer: body) }

    /// The body parsed as JSON.
    func json() throws -> JSONValue { try JSONValue.parse(text, what: "response body") }
}

/// The server-sent events of a response body, in order.
struct ServerSentEvent: Sendable, Equatable {
    var event: String?
    var data: String

    /// Parses `text/event-stream` text: blank-line separated blocks of `event:` and `data:` lines.
    static func parse(_ text: String) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        for block in text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n") {
            var event: String?
            var data: [String] = []
            for line in block.split(separator: "\n", omittingEmptySubsequences: true) {
                if line.hasPrefix("event:") {
                    event = line.dropFirst(6).trimmingCharacters(in: .whitespaces)
                } else if line.hasPrefix("data:") {
                    var value = line.dropFirst(5)
                    if value.first == " " { value = value.dropFirst() }
                    data.append(String(value))
                }
            }
            if event != nil || !data.isEmpty {
                events.append(ServerSentEvent(event: event, data: data.joined(separator: "\n")))
            }
        }
        return events
    }

    /// The data parsed as JSON.
    func json() throws -> JSONValue { try JSONValue.parse(data, what: "event data") }
}

extension HTTPFields {
    /// `X-Nightshift-User: id`, the header a service-role caller names its user in.
    static func actingUser(_ id: UUID) -> HTTPFields {
        var fields = HTTPFields()
        if let name = HTTPField.Name(RequestAuthenticator.actingUserHeader) { fields[name] = id.canonical }
        return fields
    }
}

extension JSONValue {
    /// The members' names of an object (empty for anything else).
    var keys: Set<String> { objectValue.map { Set($0.keys) } ?? [] }
}
