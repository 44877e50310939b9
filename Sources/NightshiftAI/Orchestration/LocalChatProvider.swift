import NightshiftCore

/// The offline chat provider (`local`, model `local-extractive`): answers from the prompt's retrieved sources with
/// the `ExtractiveAnswerer`, citing them as `[n]`, with no model and no network. Used when no key is configured.
///
/// How the context travels: give the `PromptContext` that `PromptBuilder` returned to `init(context:)` (one
/// provider per turn; it is a small value). A provider made without one reads the context back from the request's
/// messages (`PromptContext(messages:)`), so it also works inside a `ProviderChain` built once; both give the same
/// answer for a prompt the builder made.
public struct LocalChatProvider: ChatProvider {
    /// The provider's name in logs and responses.
    public static let providerName = "local"
    /// The model name it reports.
    public static let modelName = "local-extractive"

    /// The context to answer from; nil reads it from each request's messages.
    public var context: PromptContext?
    /// The answerer.
    public var answerer: ExtractiveAnswerer

    /// A provider answering from `context`, or from each request's messages when it is nil.
    public init(context: PromptContext? = nil, answerer: ExtractiveAnswerer = ExtractiveAnswerer()) {
        self.context = context
        self.answerer = answerer
    }

    /// `local`.
    public var name: String { LocalChatProvider.providerName }

    /// `local-extractive`.
    public var defaultModel: String { LocalChatProvider.modelName }

    /// The whole answer; usage is estimated (prompt: the request's messages, completion: the answer).
    ///
    /// Throws `.invalidInput` when the request has no user message and no context was given. With `maxTokens`,
    /// a longer answer is cut at a word and finishes with `length`.
    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        try Task.checkCancellation()
        return try respond(to: request).response
    }

    /// The answer in word-sized deltas (each word with the white space after it), then `.done` with the whole
    /// answer; the deltas joined equal the `.done` content.
    public func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatStreamEvent, any Error> {
        let (events, continuation) = AsyncThrowingStream<ChatStreamEvent, any Error>.makeStream()
        do {
            let (_, response) = try respond(to: request)
            for piece in LocalChatProvider.deltas(of: response.content) { continuation.yield(.delta(piece)) }
            continuation.yield(.done(response))
            continuation.finish()
        } catch {
            continuation.finish(throwing: error)
        }
        return events
    }

    /// The extractive answer to a request and the response that carries it.
    public func respond(to request: ChatRequest) throws -> (answer: ExtractiveAnswer, response: ChatResponse) {
        let context = self.context ?? PromptContext(messages: request.messages)
        guard self.context != nil || request.messages.contains(where: { $0.role == .user }) else {
            throw NightshiftError(
                .invalidInput, "a chat request needs a user message", context: ["provider": name])
        }
        let answer = answerer.answer(context)
        var content = answer.text
        var finish = FinishReason.stop
        if let limit = request.maxTokens, TokenEstimator.count(content) > limit {
            content = PromptBuilder.prefix(of: content, fittingTokens: max(0, limit))
            finish = .length
        }
        let response = ChatResponse(
            content: content, model: defaultModel,
            usage: ChatUsage.estimate(messages: request.messages, completion: content), finishReason: finish,
            provider: name)
        return (answer, response)
    }

    /// `text` cut after the white space that follows each word, so the pieces join back to `text` exactly.
    static func deltas(of text: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        var inSpace = false
        for character in text {
            if character.isWhitespace {
                inSpace = true
            } else if inSpace {
                pieces.append(current)
                current = ""
                inSpace = false
            }
            current.append(character)
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }
}
