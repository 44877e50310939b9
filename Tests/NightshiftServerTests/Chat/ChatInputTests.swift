import Foundation
import HTTPTypes
import HummingbirdTesting
import NightshiftCore
import NightshiftJobs
import NightshiftServer
import NightshiftStore
import NightshiftTestSupport
import Testing

/// Input checked at admission, before any provider call and before a stream's head; errors in each route's own
/// format; what users see of a provider failure.
@Suite("Chat endpoint: input checks and error bodies")
struct ChatInputTests {
    static let question = "How late can I cancel a therapy session?"

    /// A mock provider whose every call would be seen, so a test can tell that none was made.
    static func withCountingMock(
        _ kind: StoreKind, routes: [String: JSONValue] = [:],
        _ body: @Sendable (ChatHarness, MockServer, any TestClientProtocol) async throws -> Void
    ) async throws {
        try await ChatProviderChainTests.withMock(kind, routes: routes, live: true, body)
    }

    @Test(
        "a NUL character in a message or the context is a 400 naming the field on every route; no provider is called",
        arguments: TestEnvironment.storeKinds, ChatUnknownUserTests.Route.allCases)
    func nulCharacter(kind: StoreKind, route: ChatUnknownUserTests.Route) async throws {
        try await Self.withCountingMock(kind) { harness, mock, client in
            let nul = "How late can I cancel?\u{0} please"
            let body: JSONValue
            let path: String
            switch route {
            case .chat, .chatStream:
                body = ["message": .string(nul)]
                path = route == .chat ? "/v1/chat" : "/v1/chat?stream=true"
            case .completion, .completionStream:
                body = [
                    "model": "nightshift", "stream": .bool(route == .completionStream),
                    "messages": [["role": "user", "content": .string(nul)]],
                ]
                path = "/v1/chat/completions"
            }
            let response = try await client.post(path, json: body, token: ChatTokens.user(ChatUsers.alice))
            #expect(response.status == .badRequest, "\(response.text)")
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            let error = try #require(try response.json()["error"])
            #expect(error["message"]?.stringValue?.contains("NUL") == true)
            if route == .chat || route == .chatStream {
                #expect(error["field"] == "message")
            } else {
                #expect(error["type"] == "invalid_request_error")
                #expect(error["param"]?.stringValue?.hasPrefix("messages") == true)
            }

            // In the context object too (PostgreSQL's jsonb cannot hold it either).
            if route == .chat {
                let context = try await client.post(
                    "/v1/chat", json: ["message": .string(Self.question), "context": ["screen": "a\u{0}b"]],
                    token: ChatTokens.user(ChatUsers.alice))
                #expect(context.status == .badRequest)
                #expect(try context.json()["error"]?["field"] == "context.screen")
            }
            #expect(try await mock.requests().isEmpty, "no provider call for a refused message")
            #expect(try await harness.conversations(of: ChatUsers.alice, startingWith: nul).isEmpty)
        }
    }

    @Test("a NUL escape written as \\u0000 in the JSON text is refused the same way")
    func escapedNUL() async throws {
        try await ChatHarness.with(.sqlite) { harness in
            try await harness.app().test(.router) { client in
                let response = try await client.post(
                    "/v1/chat", raw: #"{"message": "cancel\u0000"}"#, token: ChatTokens.user(ChatUsers.alice))
                #expect(response.status == .badRequest)
                #expect(try response.json()["error"]?["field"] == "message")
                // A lone surrogate cannot be stored either: the JSON reader refuses it.
                let surrogate = try await client.post(
                    "/v1/chat", raw: #"{"message": "cancel\ud800"}"#, token: ChatTokens.user(ChatUsers.alice))
                #expect(surrogate.status == .badRequest)
            }
        }
    }

    @Test(
        "a streaming request that fails validation gets its status and a JSON body, not a 200 with an error event",
        arguments: ["/v1/chat?stream=true", "/v1/chat/completions"])
    func validationBeforeTheStream(path: String) async throws {
        try await ChatHarness.with(.sqlite) { harness in
            let settings = {
                var settings = ChatOrchestrator.Settings()
                settings.maxMessageCharacters = 50
                return settings
            }()
            try await harness.app(settings: settings).test(.live) { client in
                for message in ["   ", String(repeating: "cancel ", count: 20)] {
                    let body: JSONValue = path.hasPrefix("/v1/chat/completions")
                        ? ["model": "nightshift", "stream": true, "messages": [["role": "user", "content": .string(message)]]]
                        : ["message": .string(message)]
                    let response = try await client.post(path, json: body, token: ChatTokens.user(ChatUsers.alice))
                    #expect(response.status == .badRequest, "\(response.text)")
                    #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                    #expect(!response.text.contains("event:"))
                }
            }
        }
    }

    @Test("errors on /v1/chat/completions have OpenAI's shape: error.message, type, param, code")
    func openAIErrorShape() async throws {
        try await ChatHarness.with(.sqlite) { harness in
            try await harness.app().test(.router) { client in
                let noMessages = try await client.post(
                    "/v1/chat/completions", json: ["model": "nightshift"], token: ChatTokens.user(ChatUsers.alice))
                #expect(noMessages.status == .badRequest)
                let error = try #require(try noMessages.json()["error"])
                #expect(error.keys == ["message", "type", "param", "code"])
                #expect(error["type"] == "invalid_request_error")
                #expect(error["param"] == "messages")

                let unauthorized = try await client.post(
                    "/v1/chat/completions", json: ["model": "nightshift", "messages": []], token: "not-a-token")
                #expect(unauthorized.status == .unauthorized)
                #expect(try unauthorized.json()["error"]?["type"] == "authentication_error")
                #expect(try unauthorized.json()["error"]?["code"] == "invalid_api_key")

                let unknownModel = try await client.post(
                    "/v1/chat/completions",
                    json: ["model": "gpt-5-imaginary", "messages": [["role": "user", "content": "hi"]]],
                    token: ChatTokens.user(ChatUsers.alice))
                #expect(unknownModel.status == .notFound)
                #expect(try unknownModel.json()["error"]?["code"] == "model_not_found")
                #expect(try unknownModel.json()["error"]?["param"] == "model")

                let notJSON = try await client.post(
                    "/v1/chat/completions", raw: "{", token: ChatTokens.user(ChatUsers.alice))
                #expect(notJSON.status == .badRequest)
                #expect(try notJSON.json()["error"]?["type"] == "invalid_request_error")
            }
        }
    }

    /// An upstream error body and address that must never reach a user.
    static let upstreamSecret = "UPSTREAM-BODY-7f3a at http://10.20.30.40:4000/internal"

    @Test("a provider failure reaches users as a generic reason; the upstream body and URLs stay in the logs")
    func providerDetailsStayInTheLogs() async throws {
        let failing: JSONValue = [
            ["status": 400, "body": .string(#"{"error": {"message": "\#(Self.upstreamSecret)"}}"#), "times": 20]
        ]
        try await ChatProviderChainTests.withMock(
            .sqlite, routes: [ChatProviderChainTests.openAIPath: failing, ChatProviderChainTests.anthropicPath: failing],
            live: true
        ) { _, mock, client in
            let mockAddress = "127.0.0.1:\(mock.port)"
            let plain = try await client.chat(Self.question, as: ChatUsers.alice)
            #expect(plain.status == .badGateway)
            #expect(try plain.json()["error"]?["message"] == "the chat provider was unavailable")
            let streamed = try await client.post(
                "/v1/chat?stream=true", json: ["message": .string(Self.question)], token: ChatTokens.user(ChatUsers.alice))
            let completion = try await client.post(
                "/v1/chat/completions", json: ["model": "nightshift", "messages": [["role": "user", "content": .string(Self.question)]]],
                token: ChatTokens.user(ChatUsers.alice))
            #expect(completion.status == .badGateway)
            #expect(try completion.json()["error"]?["type"] == "server_error")
            for response in [plain, streamed, completion] {
                #expect(!response.text.contains("UPSTREAM-BODY"), "\(response.text)")
                #expect(!response.text.contains("10.20.30.40"))
                #expect(!response.text.contains(mockAddress))
            }
            #expect(streamed.text.contains("the chat provider was unavailable"))
        }
    }

    @Test("every 5xx is logged at error level with its trace id and the detail the response leaves out")
    func serverFaultsAreLogged() async throws {
        let failing: JSONValue = [
            ["status": 400, "body": .string(#"{"error": {"message": "\#(Self.upstreamSecret)"}}"#), "times": 20]
        ]
        let mock = try await MockServer.start(
            script: (["routes": [ChatProviderChainTests.openAIPath: failing, ChatProviderChainTests.anthropicPath: failing]]
                as JSONValue).jsonText)
        defer { mock.stop() }
        let log = CapturedLog()
        try await ChatHarness.with(.sqlite) { harness in
            try await harness.app(environment: mock.providerEnvironment, logger: log.logger).test(.live) { client in
                for path in ["/v1/chat", "/v1/chat?stream=true"] {
                    let response = try await client.post(
                        path, json: ["message": .string(Self.question)], token: ChatTokens.user(ChatUsers.alice))
                    let trace = try #require(response.headers[HTTPField.Name("X-Request-Id")!])
                    if path == "/v1/chat" {
                        #expect(response.status == .badGateway)
                        #expect(try response.json()["trace_id"]?.stringValue == trace)
                    }
                    let logged = try #require(
                        log.entries.first { $0.level == .error && $0.metadata["trace"] == trace }, "\(log.entries)")
                    #expect(logged.metadata["status"] == "502")
                    #expect(logged.metadata["error"]?.contains("127.0.0.1:\(mock.port)") == true, "\(logged)")
                }
            }
        }
    }

    @Test("when the LLM classifier fails, reasoning says so in general terms and the answer still comes")
    func classifierFailureReasoning() async throws {
        let failing: JSONValue = [["status": 400, "body": .string(#"{"error": {"message": "\#(Self.upstreamSecret)"}}"#)]]
        try await ChatProviderChainTests.withMock(
            .sqlite, routes: [ChatProviderChainTests.openAIPath: failing, ChatProviderChainTests.anthropicPath: failing]
        ) { _, mock, client in
            let response = try await client.chat(Self.question, as: ChatUsers.alice)
            #expect(response.status == .ok, "\(response.text)")
            let reasoning = try #require(try response.json()["reasoning"]?.arrayValue).compactMap(\.stringValue)
            #expect(reasoning.first?.contains("the LLM classifier was unavailable") == true, "\(reasoning)")
            #expect(!response.text.contains("UPSTREAM-BODY"))
            #expect(!response.text.contains("10.20.30.40"))
            #expect(!response.text.contains("127.0.0.1:\(mock.port)"))
        }
    }
}
