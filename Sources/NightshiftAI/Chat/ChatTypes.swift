import NightshiftCore

/// One message of a conversation.
public struct ChatMessage: Sendable, Hashable, Codable {
    /// Who speaks.
    public enum Role: String, Sendable, Hashable, Codable {
        case system, user, assistant
    }

    /// Who speaks.
    public var role: Role
    /// The text.
    public var content: String

    /// A message from `role`.
    public init(_ role: Role, _ content: String) {
        self.role = role
        self.content = content
    }

    /// A system (instruction) message.
    public static func system(_ content: String) -> ChatMessage { ChatMessage(.system, content) }
    /// A user message.
    public static func user(_ content: String) -> ChatMessage { ChatMessage(.user, content) }
    /// An assistant message.
    public static func assistant(_ content: String) -> ChatMessage { ChatMessage(.assistant, content) }
}

/// What to ask a chat model.
public struct ChatRequest: Sendable, Hashable {
    /// The conversation; system messages first by convention.
    public var messages: [ChatMessage]
    /// The model; nil lets the provider use its configured default.
    public var model: String?
    /// Sampling temperature; nil lets the provider decide.
    public var temperature: Double?
    /// The most tokens to generate; Anthropic requires one, so its provider uses its default when nil.
    public var maxTokens: Int?
    /// The total time one attempt may take; nil lets the provider use its configured timeout.
    public var timeout: Duration?

    /// A request; only the messages are required.
    public init(
        messages: [ChatMessage], model: String? = nil, temperature: Double? = nil, maxTokens: Int? = nil,
        timeout: Duration? = nil
    ) {
        self.messages = messages
        self.model = model
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.timeout = timeout
    }
}

/// Tokens used by one answer, as the provider reported them.
public struct ChatUsage: Sendable, Hashable, Codable {
    /// Tokens sent (prompt), cached ones included.
    public var promptTokens: Int
    /// Tokens generated.
    public var completionTokens: Int
    /// Prompt plus completion, as reported.
    public var totalTokens: Int
    /// Prompt tokens served from the provider's prompt cache (billed at the cached price), when reported.
    public var cachedPromptTokens: Int
    /// True when the provider reported no usage and these are `TokenEstimator` estimates.
    public var isEstimated: Bool

    /// Usage; `totalTokens` defaults to prompt plus completion.
    public init(
        promptTokens: Int, completionTokens: Int, totalTokens: Int? = nil, cachedPromptTokens: Int = 0,
        isEstimated: Bool = false
    ) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = totalTokens ?? promptTokens + completionTokens
        self.cachedPromptTokens = cachedPromptTokens
        self.isEstimated = isEstimated
    }

    /// An estimate for when a provider reports nothing.
    static func estimate(messages: [ChatMessage], completion: String) -> ChatUsage {
        let prompt = messages.reduce(0) { $0 + TokenEstimator.count($1.content) + 4 }
        return ChatUsage(promptTokens: prompt, completionTokens: TokenEstimator.count(completion), isEstimated: true)
    }
}

/// Why generation stopped, in OpenAI's vocabulary (Anthropic's `end_turn` is `stop`, `max_tokens` is `length`).
public struct FinishReason: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The reason in OpenAI's words (`stop`, `length`, …).
    public var rawValue: String
    /// A reason from its name.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The model finished its answer (or hit a stop sequence).
    public static let stop = FinishReason(rawValue: "stop")
    /// The answer was cut at `maxTokens`.
    public static let length = FinishReason(rawValue: "length")
    /// The provider's content filter stopped it.
    public static let contentFilter = FinishReason(rawValue: "content_filter")
    /// The model asked for a tool.
    public static let toolCalls = FinishReason(rawValue: "tool_calls")

    /// Maps Anthropic's `stop_reason`.
    static func anthropic(_ reason: String) -> FinishReason {
        switch reason {
        case "end_turn", "stop_sequence": return .stop
        case "max_tokens": return .length
        case "tool_use": return .toolCalls
        case "refusal": return .contentFilter
        default: return FinishReason(rawValue: reason)
        }
    }

    /// The reason's name.
    public var description: String { rawValue }
}

/// A complete answer, with who gave it.
public struct ChatResponse: Sendable, Hashable {
    /// The answer's text.
    public var content: String
    /// The model that answered, as the provider named it (often a dated version of the one asked for).
    public var model: String
    /// Tokens used.
    public var usage: ChatUsage
    /// Why generation stopped, when reported.
    public var finishReason: FinishReason?
    /// The provider that answered (`openai`, `anthropic`).
    public var provider: String
    /// Providers tried before this one in a chain, and why each failed; empty when the first answered.
    public var failedAttempts: [ProviderAttempt]

    /// A response.
    public init(
        content: String, model: String, usage: ChatUsage, finishReason: FinishReason?, provider: String,
        failedAttempts: [ProviderAttempt] = []
    ) {
        self.content = content
        self.model = model
        self.usage = usage
        self.finishReason = finishReason
        self.provider = provider
        self.failedAttempts = failedAttempts
    }
}

/// What a streamed answer yields: text as it is generated, then the whole answer once.
public enum ChatStreamEvent: Sendable, Hashable {
    /// The next piece of text.
    case delta(String)
    /// The end: the full text (all deltas joined), usage, finish reason and provider.
    case done(ChatResponse)
}

/// A provider that failed in a chain, and why, for the execution log.
public struct ProviderAttempt: Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public enum Failure: Sendable, Hashable, CustomStringConvertible {
        /// The provider answered with an error status (after its retries, for 429 and 5xx).
        case status(Int)
        /// An attempt ran out of time (connect, idle or total).
        case timeout
        /// The body was not the provider's wire format (malformed JSON, wrong shape).
        case malformedResponse
        /// The provider reported an error inside its stream.
        case streamError
        /// The connection failed (refused, reset, DNS, TLS).
        case transport
        /// The provider is not configured (no key).
        case notConfigured
        /// Anything else.
        case other

        /// The failure in a few words (`status 503`, `timeout`).
        public var description: String {
            switch self {
            case .status(let status): return "status \(status)"
            case .timeout: return "timeout"
            case .malformedResponse: return "malformed response"
            case .streamError: return "stream error"
            case .transport: return "transport error"
            case .notConfigured: return "not configured"
            case .other: return "error"
            }
        }
    }

    /// The provider's name.
    public var provider: String
    /// The model it was asked for.
    public var model: String
    /// What kind of failure.
    public var failure: Failure
    /// The error's description (secret-free by construction of `NightshiftError`).
    public var message: String

    /// An attempt record.
    public init(provider: String, model: String, failure: Failure, message: String) {
        self.provider = provider
        self.model = model
        self.failure = failure
        self.message = message
    }

    /// Classifies an error from a provider.
    public static func classify(_ error: any Error) -> Failure {
        guard let error = error as? NightshiftError else { return .other }
        if error.code == .configuration { return .notConfigured }
        if error.reason == "stream_error" { return .streamError }
        switch error.httpFailure {
        case .status?: return error.httpStatus.map(Failure.status) ?? .other
        case .timeout?, .connectTimeout?, .idleTimeout?: return .timeout
        case .malformedResponse?: return .malformedResponse
        case .transport?, .tooLarge?, .tooManyRedirects?, .invalidURL?: return .transport
        case nil: return .other
        }
    }

    /// `openai (gpt-4-turbo): status 503 — <error>`.
    public var description: String { "\(provider) (\(model)): \(failure) — \(message)" }
}

/// Answers chat requests: one vendor's API, or a chain of them.
public protocol ChatProvider: Sendable {
    /// The provider's name in logs and responses (`openai`, `anthropic`).
    var name: String { get }
    /// The model used when a request names none.
    var defaultModel: String { get }
    /// The whole answer at once.
    func complete(_ request: ChatRequest) async throws -> ChatResponse
    /// The answer as it is generated: `.delta`s, then one `.done`; cancelling the consumer aborts the call.
    ///
    /// The default runs `produce(_:into:)` in a task that the consumer's cancellation cancels.
    func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatStreamEvent, any Error>
    /// Yields the answer's events into `continuation` as they are generated and returns after the `.done`; an
    /// error thrown ends the stream with that error. The default yields the whole answer of `complete` as one
    /// delta, for providers that cannot stream.
    func produce(
        _ request: ChatRequest, into continuation: AsyncThrowingStream<ChatStreamEvent, any Error>.Continuation
    ) async throws
}

extension ChatProvider {
    public func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatStreamEvent, any Error> {
        let (events, continuation) = AsyncThrowingStream<ChatStreamEvent, any Error>.makeStream()
        let task = Task {
            do {
                try await produce(request, into: continuation)
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return events
    }

    public func produce(
        _ request: ChatRequest, into continuation: AsyncThrowingStream<ChatStreamEvent, any Error>.Continuation
    ) async throws {
        let response = try await complete(request)
        if !response.content.isEmpty { continuation.yield(.delta(response.content)) }
        continuation.yield(.done(response))
    }
}
