import Foundation
import NightshiftCore
import NightshiftHTTP

/// Chat through `POST {base}/v1/chat/completions` of any OpenAI-compatible server, whole or streamed (SSE
/// `data:` lines ending with `data: [DONE]`, usage in the last chunk through `stream_options.include_usage`).
public struct OpenAIChatProvider: ChatProvider {
    /// Where to send requests, with what model and limits.
    public struct Settings: Sendable {
        /// The server; `/v1/chat/completions` is appended (a base ending in `/v1` does not get it twice).
        public var baseURL: URL
        /// Sent as `Authorization: Bearer`; servers on a private network may need none.
        public var apiKey: Secret?
        /// The model when a request names none (the agent-system design's default).
        public var model: String
        /// Per attempt; `total` is replaced by a request's `timeout`, `idle` applies to streams only.
        public var timeouts: HTTPTimeouts
        /// Retries of 429, 5xx and timeouts before the provider gives up.
        public var retry: RetryPolicy
        /// The request field for the token limit: `max_tokens` works with every compatible server; OpenAI's
        /// reasoning models want `max_completion_tokens`.
        public var maxTokensField: String

        /// Settings; defaults: OpenAI itself, `gpt-4-turbo`, 10 s to connect, 60 s per attempt, 3 attempts.
        public init(
            baseURL: URL = OpenAIEmbedder.Settings.defaultBaseURL, apiKey: Secret? = nil,
            model: String = "gpt-4-turbo",
            timeouts: HTTPTimeouts = HTTPTimeouts(connect: .seconds(10), total: .seconds(60), idle: .seconds(30)),
            retry: RetryPolicy = RetryPolicy(maxAttempts: 3), maxTokensField: String = "max_tokens"
        ) {
            self.baseURL = baseURL
            self.apiKey = apiKey
            self.model = model
            self.timeouts = timeouts
            self.retry = retry
            self.maxTokensField = maxTokensField
        }

        /// Settings from `OPENAI_BASE_URL`, `OPENAI_API_KEY` and `NIGHTSHIFT_OPENAI_MODEL`; nil when neither a key
        /// nor a base URL is set (OpenAI is not configured).
        public init?(configuration: Configuration) throws {
            let key = configuration.secret("OPENAI_API_KEY")
            guard key != nil || configuration["OPENAI_BASE_URL"] != nil else { return nil }
            self.init(
                baseURL: try ProviderSupport.baseURL(
                    configuration, key: "OPENAI_BASE_URL", default: OpenAIEmbedder.Settings.defaultBaseURL),
                apiKey: key, model: configuration["NIGHTSHIFT_OPENAI_MODEL"] ?? "gpt-4-turbo")
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

    /// `openai`.
    public var name: String { "openai" }
    /// The configured model.
    public var defaultModel: String { settings.model }

    /// Asks for the whole answer (`stream: false`).
    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        let model = request.model ?? settings.model
        let http = try httpRequest(request, model: model, stream: false)
        let response = try await client.send(http, retry: settings.retry)
        let reply = try ProviderSupport.decode(Completion.self, from: response.body, request: http, model: model)
        guard let choice = reply.choices.first else {
            throw ProviderSupport.malformed("no choices", request: http, model: model)
        }
        let content = choice.message?.content ?? ""
        return ChatResponse(
            content: content, model: reply.model ?? model,
            usage: reply.usage?.chatUsage ?? .estimate(messages: request.messages, completion: content),
            finishReason: choice.finish_reason.map(FinishReason.init(rawValue:)), provider: name)
    }

    /// Streams the answer; an error event or a stream without `[DONE]` ends it with an error.
    public func produce(
        _ request: ChatRequest, into continuation: AsyncThrowingStream<ChatStreamEvent, any Error>.Continuation
    ) async throws {
        var model = request.model ?? settings.model
        let http = try httpRequest(request, model: model, stream: true)
        let response = try await client.stream(http, retry: settings.retry)
        var content = ""
        var usage: ChatUsage?
        var finish: FinishReason?
        var sawDone = false
        for try await event in response.events() {
            let data = event.data.trimmingCharacters(in: .whitespaces)
            if data == "[DONE]" {
                sawDone = true
                break
            }
            let chunk = try ProviderSupport.decode(Chunk.self, from: Data(data.utf8), request: http, model: model)
            if let error = chunk.error {
                throw ProviderSupport.streamError(error.summary, request: http, model: model)
            }
            if let reported = chunk.model { model = reported }
            for choice in chunk.choices ?? [] {
                if let text = choice.delta?.content, !text.isEmpty {
                    content += text
                    continuation.yield(.delta(text))
                }
                if let reason = choice.finish_reason { finish = FinishReason(rawValue: reason) }
            }
            if let reported = chunk.usage { usage = reported.chatUsage }
        }
        try Task.checkCancellation()
        guard sawDone else {
            throw ProviderSupport.malformed("the stream ended before [DONE]", request: http, model: model)
        }
        continuation.yield(
            .done(
                ChatResponse(
                    content: content, model: model,
                    usage: usage ?? .estimate(messages: request.messages, completion: content), finishReason: finish,
                    provider: name)))
    }

    private func httpRequest(_ request: ChatRequest, model: String, stream: Bool) throws -> HTTPRequest {
        var payload: [String: JSONValue] = [
            "model": .string(model),
            "messages": .array(
                request.messages.map { .object(["role": .string($0.role.rawValue), "content": .string($0.content)]) }),
        ]
        if let temperature = request.temperature { payload["temperature"] = .number(temperature) }
        if let maxTokens = request.maxTokens { payload[settings.maxTokensField] = .number(Double(maxTokens)) }
        if stream {
            payload["stream"] = .bool(true)
            payload["stream_options"] = .object(["include_usage": .bool(true)])
        }
        var headers: HTTPHeaders = ["Accept": stream ? "text/event-stream" : "application/json"]
        if let key = settings.apiKey { headers.set("Authorization", "Bearer \(key.value)") }
        var timeouts = settings.timeouts
        if let timeout = request.timeout { timeouts.total = timeout }
        // A whole answer arrives only when it is done: silence until then is not a stall.
        if !stream { timeouts.idle = nil }
        return HTTPRequest.postJSON(
            ProviderSupport.endpoint(settings.baseURL, "/v1/chat/completions"),
            body: Data(JSONValue.object(payload).jsonText.utf8),
            headers: headers, timeouts: timeouts, provider: name)
    }

    // MARK: - Wire format

    private struct Usage: Decodable {
        struct Details: Decodable { var cached_tokens: Int? }
        var prompt_tokens: Int?
        var completion_tokens: Int?
        var total_tokens: Int?
        var prompt_tokens_details: Details?

        var chatUsage: ChatUsage {
            ChatUsage(
                promptTokens: prompt_tokens ?? 0, completionTokens: completion_tokens ?? 0, totalTokens: total_tokens,
                cachedPromptTokens: prompt_tokens_details?.cached_tokens ?? 0)
        }
    }

    private struct Completion: Decodable {
        struct Message: Decodable { var content: String? }
        struct Choice: Decodable {
            var message: Message?
            var finish_reason: String?
        }
        var model: String?
        var choices: [Choice]
        var usage: Usage?
    }

    private struct Chunk: Decodable {
        struct Delta: Decodable { var content: String? }
        struct Choice: Decodable {
            var delta: Delta?
            var finish_reason: String?
        }
        struct Failure: Decodable {
            var message: String?
            var type: String?
            var summary: String { [type, message].compactMap { $0 }.joined(separator: ": ") }
        }
        var model: String?
        var choices: [Choice]?
        var usage: Usage?
        var error: Failure?
    }
}
