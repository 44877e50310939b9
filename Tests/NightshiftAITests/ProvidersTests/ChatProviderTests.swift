import Foundation
import NightshiftAI
import NightshiftCore
import NightshiftTestSupport
import NightshiftHTTP
import Testing

/// Providers pointed at one loopback server; keys are recognisable so tests can check they never leak.
struct ChatFixture {
    static let openAIKey = Secret("sk-chat-OpenAI-Secret-111222333")
    static let anthropicKey = Secret("sk-ant-Anthropic-Secret-444555666")

    let server: MockServer
    let recorder = SleepRecorder()
    let client = HTTPClient(maxConcurrentTransfers: 8)

    private init(server: MockServer) { self.server = server }

    /// A fixture with its own server, scripted as given.
    static func make(script: String? = nil) async throws -> ChatFixture {
        ChatFixture(server: try await MockServer.start(script: script))
    }

    func openAI(attempts: Int = 3, timeout: Duration = .seconds(20)) -> OpenAIChatProvider {
        OpenAIChatProvider(
            settings: OpenAIChatProvider.Settings(
                baseURL: server.baseURL, apiKey: ChatFixture.openAIKey, model: "gpt-4-turbo",
                timeouts: HTTPTimeouts(connect: .seconds(5), total: timeout, idle: .seconds(10)),
                retry: recorder.policy(maxAttempts: attempts)),
            client: client)
    }

    func anthropic(attempts: Int = 3) -> AnthropicChatProvider {
        AnthropicChatProvider(
            settings: AnthropicChatProvider.Settings(
                baseURL: server.baseURL, apiKey: ChatFixture.anthropicKey,
                timeouts: HTTPTimeouts(connect: .seconds(5), total: .seconds(20), idle: .seconds(10)),
                retry: recorder.policy(maxAttempts: attempts)),
            client: client)
    }

    static let request = ChatRequest(
        messages: [.system("You are terse."), .user("hello there")], temperature: 0.2, maxTokens: 64)

    /// Collects a stream: the deltas and the final response.
    static func collect(_ stream: AsyncThrowingStream<ChatStreamEvent, any Error>) async throws
        -> (deltas: [String], done: ChatResponse?)
    {
        var deltas: [String] = []
        var done: ChatResponse?
        for try await event in stream {
            switch event {
            case .delta(let text): deltas.append(text)
            case .done(let response): done = response
            }
        }
        return (deltas, done)
    }

    func body(_ path: String) async throws -> [String: JSONValue] {
        guard case .object(let body)? = try await server.requests(path: path).last?.json else { return [:] }
        return body
    }
}

@Suite("OpenAI and Anthropic chat providers, whole and streamed, in their real wire formats")
struct ChatProviderTests {
    @Test("OpenAI: a whole answer with usage, finish reason and model; the request carries what was asked")
    func openAIComplete() async throws {
        let fixture = try await ChatFixture.make()
        defer { fixture.server.stop() }
        let response = try await fixture.openAI().complete(ChatFixture.request)
        #expect(response.content == "openai: hello there")
        #expect(response.provider == "openai")
        #expect(response.model == "gpt-4-turbo")
        #expect(response.finishReason == .stop)
        #expect(response.usage == ChatUsage(promptTokens: 5, completionTokens: 3, totalTokens: 8))
        let body = try await fixture.body("/v1/chat/completions")
        #expect(body["max_tokens"] == .number(64))
        #expect(body["temperature"] == .number(0.2))
        #expect(body["stream"] == nil)
        #expect(
            body["messages"]
                == .array([
                    .object(["role": .string("system"), "content": .string("You are terse.")]),
                    .object(["role": .string("user"), "content": .string("hello there")]),
                ]))
        let headers = try #require(try await fixture.server.requests(path: "/v1/chat/completions").last?.headers)
        #expect(headers["authorization"] == "Bearer \(ChatFixture.openAIKey.value)")
    }

    @Test("OpenAI: a stream yields the text deltas, then usage from the include_usage chunk")
    func openAIStream() async throws {
        let fixture = try await ChatFixture.make()
        defer { fixture.server.stop() }
        let (deltas, done) = try await ChatFixture.collect(fixture.openAI().stream(ChatFixture.request))
        #expect(deltas == ["openai:", " hello", " there"])
        let response = try #require(done)
        #expect(response.content == "openai: hello there")
        #expect(response.usage == ChatUsage(promptTokens: 5, completionTokens: 3))
        #expect(!response.usage.isEstimated)
        #expect(response.finishReason == .stop)
        let body = try await fixture.body("/v1/chat/completions")
        #expect(body["stream"] == .bool(true))
        #expect(body["stream_options"] == .object(["include_usage": .bool(true)]))
    }

    @Test("Anthropic: the system prompt goes top-level, with x-api-key and anthropic-version; usage is read")
    func anthropicComplete() async throws {
        let fixture = try await ChatFixture.make()
        defer { fixture.server.stop() }
        let response = try await fixture.anthropic().complete(ChatFixture.request)
        #expect(response.content == "anthropic: hello there")
        #expect(response.provider == "anthropic")
        #expect(response.model == "claude-sonnet-4-5-20250929")
        #expect(response.finishReason == .stop)
        #expect(response.usage == ChatUsage(promptTokens: 5, completionTokens: 3))
        let body = try await fixture.body("/v1/messages")
        #expect(body["system"] == .string("You are terse."))
        #expect(body["messages"] == .array([.object(["role": .string("user"), "content": .string("hello there")])]))
        #expect(body["max_tokens"] == .number(64))
        let headers = try #require(try await fixture.server.requests(path: "/v1/messages").last?.headers)
        #expect(headers["x-api-key"] == ChatFixture.anthropicKey.value)
        #expect(headers["anthropic-version"] == "2023-06-01")
        #expect(headers["authorization"] == nil)
    }

    @Test("Anthropic: a stream yields text deltas; usage comes from message_start and message_delta")
    func anthropicStream() async throws {
        let fixture = try await ChatFixture.make()
        defer { fixture.server.stop() }
        let (deltas, done) = try await ChatFixture.collect(fixture.anthropic().stream(ChatFixture.request))
        #expect(deltas == ["anthropic:", " hello", " there"])
        let response = try #require(done)
        #expect(response.content == "anthropic: hello there")
        // Input tokens from message_start (5), output from message_delta (3, not message_start's 1).
        #expect(response.usage == ChatUsage(promptTokens: 5, completionTokens: 3))
        #expect(response.finishReason == .stop)
    }

    @Test("Anthropic: an error in its {type: error} shape is reported with its type and message, not retried")
    func anthropicErrorShape() async throws {
        let fixture = try await ChatFixture.make(script: #"{"routes": {"/v1/messages": [{"status": 400}]}}"#)
        defer { fixture.server.stop() }
        let error = try await #require(throws: NightshiftError.self) {
            try await fixture.anthropic().complete(ChatFixture.request)
        }
        #expect(error.httpStatus == 400)
        #expect(error.context["provider"] == "anthropic")
        #expect(error.description.contains("HTTP 400 Bad Request: invalid_request_error: mock error 400"))
        #expect(try await fixture.server.requests(path: "/v1/messages").count == 1)
    }

    @Test(
        "an error event in the middle of a stream ends it with a stream error, after the text already sent",
        arguments: ["openai", "anthropic"])
    func streamErrorMidway(provider: String) async throws {
        let path = provider == "openai" ? "/v1/chat/completions" : "/v1/messages"
        let fixture = try await ChatFixture.make(script: #"{"routes": {"\#(path)": [{"stream_error_after": 1}]}}"#)
        defer { fixture.server.stop() }
        let stream =
            provider == "openai"
            ? fixture.openAI().stream(ChatFixture.request) : fixture.anthropic().stream(ChatFixture.request)
        var deltas: [String] = []
        let error = try await #require(throws: NightshiftError.self) {
            for try await event in stream {
                if case .delta(let text) = event { deltas.append(text) }
            }
        }
        #expect(deltas.count == 1)
        #expect(error.reason == "stream_error")
        #expect(error.context["provider"] == provider)
    }

    @Test("a broken event stream is a malformed-response error", arguments: ["openai", "anthropic"])
    func malformedStream(provider: String) async throws {
        let path = provider == "openai" ? "/v1/chat/completions" : "/v1/messages"
        let fixture = try await ChatFixture.make(script: #"{"routes": {"\#(path)": [{"malformed": true}]}}"#)
        defer { fixture.server.stop() }
        let stream =
            provider == "openai"
            ? fixture.openAI().stream(ChatFixture.request) : fixture.anthropic().stream(ChatFixture.request)
        let error = try await #require(throws: NightshiftError.self) {
            _ = try await ChatFixture.collect(stream)
        }
        #expect(error.reason == "malformed_response")
    }

    @Test("settings come from the configuration; unconfigured providers are nil")
    func configuration() throws {
        let config = Configuration(values: [
            "OPENAI_API_KEY": "sk-x", "ANTHROPIC_API_KEY": "ak-y", "NIGHTSHIFT_ANTHROPIC_MODEL": "claude-haiku-4-5",
        ])
        #expect(try OpenAIChatProvider.Settings(configuration: config)?.apiKey == Secret("sk-x"))
        #expect(try AnthropicChatProvider.Settings(configuration: config)?.model == "claude-haiku-4-5")
        #expect(try OpenAIChatProvider.Settings(configuration: Configuration()) == nil)
        #expect(try AnthropicChatProvider.Settings(configuration: Configuration()) == nil)
        let chain = try #require(try ProviderChain.standard(configuration: config))
        #expect(chain.links.map(\.provider.name) == ["openai", "anthropic"])
        #expect(try ProviderChain.standard(configuration: Configuration()) == nil)
    }
}
