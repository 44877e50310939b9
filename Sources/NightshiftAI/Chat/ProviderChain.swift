import NightshiftCore
import NightshiftHTTP

/// Tries chat providers in order until one answers: by default OpenAI, then Anthropic, as the agent-system
/// design's LLM client does.
///
/// Each provider retries on its own (429, 5xx, timeouts) within its timeout; when it still fails, the next is
/// tried. The answer records which provider gave it and, in `failedAttempts`, why each earlier one did not, for
/// the execution log. When all fail, the error (`.provider`) lists every attempt; its `cause` is a
/// `ProviderChainFailure`. A cancelled task is never passed on to the next provider.
public struct ProviderChain: ChatProvider {
    /// One provider in the chain, with the model and timeout to use with it.
    public struct Link: Sendable {
        /// The provider.
        public var provider: any ChatProvider
        /// This provider's model; nil means the request's model for the first link and the provider's default
        /// for later ones (a model name means nothing to another vendor).
        public var model: String?
        /// The time one attempt at this provider may take; nil keeps the request's or the provider's.
        public var timeout: Duration?

        /// A link.
        public init(_ provider: any ChatProvider, model: String? = nil, timeout: Duration? = nil) {
            self.provider = provider
            self.model = model
            self.timeout = timeout
        }
    }

    /// The providers, in the order they are tried.
    public let links: [Link]

    /// A chain of links, tried in order.
    public init(_ links: [Link]) { self.links = links }

    /// A chain of providers with their default models, tried in order.
    public init(providers: [any ChatProvider]) { self.init(providers.map { Link($0) }) }

    /// OpenAI then Anthropic, each included when configured (see their `Settings(configuration:)`); nil when
    /// neither is, so the caller can fall back to the local answerer and say so.
    public static func standard(configuration: Configuration, client: HTTPClient = .shared) throws -> ProviderChain? {
        var links: [Link] = []
        if let settings = try OpenAIChatProvider.Settings(configuration: configuration) {
            links.append(Link(OpenAIChatProvider(settings: settings, client: client)))
        }
        if let settings = try AnthropicChatProvider.Settings(configuration: configuration) {
            links.append(Link(AnthropicChatProvider(settings: settings, client: client)))
        }
        return links.isEmpty ? nil : ProviderChain(links)
    }

    /// `chain(openai,anthropic)`.
    public var name: String { "chain(" + links.map(\.provider.name).joined(separator: ",") + ")" }

    /// The first link's model.
    public var defaultModel: String { links.first.map { $0.model ?? $0.provider.defaultModel } ?? "" }

    /// The first answer any provider gives, with the earlier failures in `failedAttempts`.
    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        var attempts: [ProviderAttempt] = []
        for (index, link) in links.enumerated() {
            let linkRequest = self.request(request, for: link, at: index)
            do {
                var response = try await link.provider.complete(linkRequest)
                response.failedAttempts = attempts
                return response
            } catch {
                if ProviderChain.isCancellation(error) { throw error }
                attempts.append(ProviderChain.attempt(link, linkRequest, error))
            }
        }
        throw allFailed(attempts)
    }

    /// Streams from the first provider that starts answering. A provider that fails before its first delta is
    /// passed over like in `complete`; one that fails midway ends the stream with its error, since text already
    /// sent cannot be taken back. The `.done` event carries `failedAttempts`.
    public func produce(
        _ request: ChatRequest, into continuation: AsyncThrowingStream<ChatStreamEvent, any Error>.Continuation
    ) async throws {
        var attempts: [ProviderAttempt] = []
        for (index, link) in links.enumerated() {
            let linkRequest = self.request(request, for: link, at: index)
            var started = false
            do {
                for try await event in link.provider.stream(linkRequest) {
                    switch event {
                    case .delta:
                        started = true
                        continuation.yield(event)
                    case .done(var response):
                        response.failedAttempts = attempts
                        continuation.yield(.done(response))
                    }
                }
                try Task.checkCancellation()
                return
            } catch {
                if started || ProviderChain.isCancellation(error) { throw error }
                attempts.append(ProviderChain.attempt(link, linkRequest, error))
            }
        }
        throw allFailed(attempts)
    }

    private func request(_ request: ChatRequest, for link: Link, at index: Int) -> ChatRequest {
        var linkRequest = request
        linkRequest.model = link.model ?? (index == 0 ? request.model : nil) ?? link.provider.defaultModel
        if let timeout = link.timeout { linkRequest.timeout = timeout }
        return linkRequest
    }

    private static func attempt(_ link: Link, _ request: ChatRequest, _ error: any Error) -> ProviderAttempt {
        ProviderAttempt(
            provider: link.provider.name, model: request.model ?? link.provider.defaultModel,
            failure: ProviderAttempt.classify(error), message: "\(error)")
    }

    private static func isCancellation(_ error: any Error) -> Bool {
        Task.isCancelled || error is CancellationError || (error as? NightshiftError)?.code == .cancelled
    }

    private func allFailed(_ attempts: [ProviderAttempt]) -> NightshiftError {
        guard !attempts.isEmpty else {
            return NightshiftError(.configuration, "no chat provider is configured")
        }
        return NightshiftError(
            .provider, "all \(attempts.count) chat providers failed",
            context: ["providers": attempts.map(\.provider).joined(separator: ",")],
            cause: ProviderChainFailure(attempts: attempts))
    }
}

/// Every attempt of a chain that found no provider able to answer, in order.
public struct ProviderChainFailure: Error, Sendable, CustomStringConvertible {
    /// The attempts, in order.
    public var attempts: [ProviderAttempt]

    /// A failure listing `attempts`.
    public init(attempts: [ProviderAttempt]) { self.attempts = attempts }

    /// The attempts, separated by semicolons.
    public var description: String { attempts.map(\.description).joined(separator: "; ") }
}
