import Foundation
import NightshiftCore
import NightshiftHTTP

/// Chat through Anthropic's `POST {base}/v1/messages` (`x-api-key`, `anthropic-version: 2023-06-01`), whole or
/// streamed (`message_start`, `content_block_delta`, `message_delta`, `message_stop` events).
///
/// System messages become the top-level `system` field; usage comes from `message_start` (input) and
/// `message_delta` (output); errors arrive as `{"type":"error","error":{"type":…,"message":…}}`.
public struct AnthropicChatProvider: ChatProvider {
    /// Where to send requests, with what model and limits.
    public struct Settings: Sendable {
        /// `https://api.anthropic.com`.
        public static let defaultBaseURL = ProviderSupport.constantURL("https://api.anthropic.com")

        /// The server; `/v1/messages` is appended.
        public var baseURL: URL
        /// Sent as `x-api-key`.
        public var apiKey: Secret
        /// The model when a request names none (the agent-system design's fallback model).
        public var model: String
        /// `max_tokens` is required by the API: this is sent when a request has no `maxTokens`.
        public var defaultMaxTokens: Int
        /// The `anthropic-version` header.
        public var version: String
        /// Per attempt; `total` is replaced by a request's `timeout`, `idle` applies to streams only.
        public var timeouts: HTTPTimeouts
        /// Retries of 429, 5xx (529 overloaded included) and timeouts before the provider gives up.
        public var retry: RetryPolicy

        /// Settings; defaults: Anthropic itself, `claude-sonnet-4-5-20250929`, 4,096 tokens, 3 attempts.
        public init(
            baseURL: URL = Settings.defaultBaseURL, apiKey: Secret, model: String = "claude-sonnet-4-5-20250929",
            defaultMaxTokens: Int = 4096, version: String = "2023-06-01",
            timeouts: HTTPTimeouts = HTTPTimeouts(connect: .seconds(10), total: .seconds(60), idle: .seconds(30)),
            retry: RetryPolicy = RetryPolicy(maxAttempts: 3)
        ) {
            self.baseURL = baseURL
            self.apiKey = apiKey
            self.model = model
            self.defaultMaxTokens = defaultMaxTokens
            self.version = version
            self.timeouts = timeouts
            self.retry = retry
        }

        /// Settings from `ANTHROPIC_API_KEY`, `ANTHROPIC_BASE_URL` and `NIGHTSHIFT_ANTHROPIC_MODEL`; nil without a
        /// key.
        public init?(configuration: Configuration) throws {
            guard let key = configuration.secret("ANTHROPIC_API_KEY") else { return nil }
            self.init(
                baseURL: try ProviderSupport.baseURL(
                    configuration, key: "ANTHROPIC_BASE_URL", default: Settings.defaultBaseURL),
                apiKey: key, model: configuration["NIGHTSHIFT_ANTHROPIC_MODEL"] ?? "claude-sonnet-4-5-20250929")
        }
    }

    /// The settings this provider was made with.
    public let settings: Settings
    private let client: HTTPClient

    /// A provider sending through `client`.
    public init(settings: Settings, client: HTTPClient = .shared) {
        self.settings = settings
        self.client = client
    }

    /// `anthropic`.
    public var name: String { "anthropic" }
    /// The configured model.
    public var defaultModel: String { settings.model }

    /// Asks for the whole answer; text blocks are joined.
    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        let model = request.model ?? settings.model
        let http = try httpRequest(request, model: model, stream: false)
        let response = try await client.send(http, retry: settings.retry)
        let reply = try ProviderSupport.decode(Message.self, from: response.body, request: http, model: model)
        if reply.type == "error" {
            throw ProviderSupport.streamError(reply.error?.summary ?? "error", request: http, model: model)
        }
        guard let blocks = reply.content else {
            throw ProviderSupport.malformed("no content", request: http, model: model)
        }
        let content = blocks.filter { $0.type == "text" }.compactMap(\.text).joined()
        return ChatResponse(
            content: content, model: reply.model ?? model,
            usage: reply.usage.map { usage(input: $0, output: $0.output_tokens ?? 0) }
                ?? .estimate(messages: request.messages, completion: content),
            finishReason: reply.stop_reason.map(FinishReason.anthropic), provider: name)
    }

    /// Streams the answer; an `error` event or a stream without `message_stop` ends it with an error.
    public func produce(
        _ request: ChatRequest, into continuation: AsyncThrowingStream<ChatStreamEvent, any Error>.Continuation
    ) async throws {
        var model = request.model ?? settings.model
        let http = try httpRequest(request, model: model, stream: true)
        let response = try await client.stream(http, retry: settings.retry)
        var content = ""
        var input: Usage?
        var outputTokens: Int?
        var finish: FinishReason?
        var stopped = false
        for try await event in response.events() {
            let payload = try ProviderSupport.decode(
                Event.self, from: Data(event.data.utf8), request: http, model: model)
            switch payload.type ?? event.event {
            case "message_start":
                if let message = payload.message {
                    if let reported = message.model { model = reported }
                    input = message.usage
                    outputTokens = message.usage?.output_tokens
                }
            case "content_block_delta":
                if payload.delta?.type == "text_delta", let text = payload.delta?.text, !text.isEmpty {
                    content += text
                    continuation.yield(.delta(text))
                }
            case "message_delta":
                if let reason = payload.delta?.stop_reason { finish = .anthropic(reason) }
                if let output = payload.usage?.output_tokens { outputTokens = output }
            case "message_stop":
                stopped = true
            case "error":
                throw ProviderSupport.streamError(payload.error?.summary ?? "error", request: http, model: model)
            default:
                // ping, content_block_start/stop and event types added later carry nothing needed here.
                break
            }
            if stopped { break }
        }
        try Task.checkCancellation()
        guard stopped else {
            throw ProviderSupport.malformed("the stream ended before message_stop", request: http, model: model)
        }
        let total: ChatUsage =
            input.map { usage(input: $0, output: outputTokens ?? 0) }
            ?? ChatUsage.estimate(messages: request.messages, completion: content)
        continuation.yield(
            .done(ChatResponse(content: content, model: model, usage: total, finishReason: finish, provider: name)))
    }

    /// Prompt tokens include cache writes and reads: all of them were sent.
    private func usage(input: Usage, output: Int) -> ChatUsage {
        let cached = input.cache_read_input_tokens ?? 0
        let prompt = (input.input_tokens ?? 0) + (input.cache_creation_input_tokens ?? 0) + cached
        return ChatUsage(promptTokens: prompt, completionTokens: output, cachedPromptTokens: cached)
    }

    private func httpRequest(_ request: ChatRequest, model: String, stream: Bool) throws -> HTTPRequest {
        let system = request.messages.filter { $0.role == .system }.map(\.content).joined(separator: "\n\n")
        let turns = request.messages.filter { $0.role != .system }
        var payload: [String: JSONValue] = [
            "model": .string(model),
            "max_tokens": .number(Double(request.maxTokens ?? settings.defaultMaxTokens)),
            "messages": .array(
                turns.map { .object(["role": .string($0.role.rawValue), "content": .string($0.content)]) }),
        ]
        if !system.isEmpty { payload["system"] = .string(system) }
        if let temperature = request.temperature { payload["temperature"] = .number(temperature) }
        if stream { payload["stream"] = .bool(true) }
        let headers: HTTPHeaders = [
            "x-api-key": settings.apiKey.value, "anthropic-version": settings.version,
            "Accept": stream ? "text/event-stream" : "application/json",
        ]
        var timeouts = settings.timeouts
        if let timeout = request.timeout { timeouts.total = timeout }
        if !stream { timeouts.idle = nil }
        return HTTPRequest.postJSON(
            ProviderSupport.endpoint(settings.baseURL, "/v1/messages"),
            body: Data(JSONValue.object(payload).jsonText.utf8),
            headers: headers, timeouts: timeouts, provider: name)
    }

    // MARK: - Wire format

    private struct Usage: Decodable {
        var input_tokens: Int?
        var output_tokens: Int?
        var cache_creation_input_tokens: Int?
        var cache_read_input_tokens: Int?
    }

    private struct Failure: Decodable {
        var type: String?
        var message: String?
        var summary: String { [type, message].compactMap { $0 }.joined(separator: ": ") }
    }

    private struct Message: Decodable {
        struct Block: Decodable {
            var type: String
            var text: String?
        }
        var type: String?
        var model: String?
        var content: [Block]?
        var stop_reason: String?
        var usage: Usage?
        var error: Failure?
    }

    private struct Event: Decodable {
        struct Start: Decodable {
            var model: String?
            var usage: Usage?
        }
        struct Delta: Decodable {
            var type: String?
            var text: String?
            var stop_reason: String?
        }
        var type: String?
        var message: Start?
        var delta: Delta?
        var usage: Usage?
        var error: Failure?
    }
}
