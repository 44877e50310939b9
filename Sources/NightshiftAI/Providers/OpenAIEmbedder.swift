import Foundation
import NightshiftCore
import NightshiftHTTP

/// Embeds through `POST {base}/v1/embeddings` of any OpenAI-compatible server (OpenAI, Ollama, vLLM, TEI,
/// LM Studio).
///
/// Inputs are cut to `maxTokensPerInput` (estimated with `TokenEstimator`) and counted as truncated; then grouped,
/// in order, into requests of at most `maxInputsPerRequest` inputs and `maxTokensPerRequest` tokens, sent at most
/// `maxConcurrentRequests` at a time, each retried per `retry`. Vectors are placed by the response's `index`, not
/// by arrival order; a response with the wrong count or dimension is an error.
public struct OpenAIEmbedder: Embedder {
    /// Where to send requests and the limits to keep.
    public struct Settings: Sendable {
        /// `https://api.openai.com`.
        public static let defaultBaseURL = ProviderSupport.constantURL("https://api.openai.com")

        /// The server; `/v1/embeddings` is appended (a base already ending in `/v1` does not get it twice).
        public var baseURL: URL
        /// Sent as `Authorization: Bearer`; servers on a private network may need none.
        public var apiKey: Secret?
        /// The model name sent and recorded with each chunk.
        public var model: String
        /// The vector length expected back (and sent as `dimensions`).
        public var dimensions: Int
        /// Whether to send `dimensions` (the text-embedding-3 models shorten vectors; some servers reject it).
        public var sendDimensions: Bool
        /// Inputs per request at most (OpenAI: 2,048).
        public var maxInputsPerRequest: Int
        /// Estimated tokens per request at most (OpenAI: 300,000).
        public var maxTokensPerRequest: Int
        /// Estimated tokens per input at most; longer inputs are cut (OpenAI: 8,191).
        public var maxTokensPerInput: Int
        /// Requests in flight at once at most.
        public var maxConcurrentRequests: Int
        /// Per attempt; no idle limit, since the server is silent until the vectors are ready.
        public var timeouts: HTTPTimeouts
        /// Retries of 429, 5xx and timeouts per request.
        public var retry: RetryPolicy
        /// The largest response accepted: 2,048 vectors of 1,536 numbers are about 40 MB of JSON.
        public var maxResponseBytes: Int

        /// Settings; the defaults are OpenAI's limits for `text-embedding-3-small`.
        public init(
            baseURL: URL = Settings.defaultBaseURL, apiKey: Secret? = nil, model: String = "text-embedding-3-small",
            dimensions: Int = 1536, sendDimensions: Bool = true, maxInputsPerRequest: Int = 2048,
            maxTokensPerRequest: Int = 300_000, maxTokensPerInput: Int = 8191, maxConcurrentRequests: Int = 4,
            timeouts: HTTPTimeouts = HTTPTimeouts(connect: .seconds(10), total: .seconds(120), idle: nil),
            retry: RetryPolicy = RetryPolicy(maxAttempts: 5), maxResponseBytes: Int = 256 << 20
        ) {
            self.baseURL = baseURL
            self.apiKey = apiKey
            self.model = model
            self.dimensions = dimensions
            self.sendDimensions = sendDimensions
            self.maxInputsPerRequest = max(1, maxInputsPerRequest)
            self.maxTokensPerRequest = max(1, maxTokensPerRequest)
            self.maxTokensPerInput = max(1, maxTokensPerInput)
            self.maxConcurrentRequests = max(1, maxConcurrentRequests)
            self.timeouts = timeouts
            self.retry = retry
            self.maxResponseBytes = maxResponseBytes
        }

        /// Settings from `OPENAI_BASE_URL`, `OPENAI_API_KEY`, `NIGHTSHIFT_EMBEDDING_MODEL`,
        /// `NIGHTSHIFT_EMBEDDING_DIMENSIONS` and `NIGHTSHIFT_EMBEDDING_CONCURRENCY`.
        ///
        /// Throws a configuration error when OpenAI itself is the server and no key is set.
        public init(configuration: Configuration) throws {
            let base = try ProviderSupport.baseURL(
                configuration, key: "OPENAI_BASE_URL", default: Settings.defaultBaseURL)
            let key = configuration.secret("OPENAI_API_KEY")
            if key == nil, base.host == Settings.defaultBaseURL.host {
                throw NightshiftError(
                    .configuration, "OPENAI_API_KEY is required for the openai embedder",
                    context: ["setting": "OPENAI_API_KEY"])
            }
            self.init(
                baseURL: base, apiKey: key,
                model: configuration["NIGHTSHIFT_EMBEDDING_MODEL"] ?? "text-embedding-3-small",
                dimensions: try configuration.int("NIGHTSHIFT_EMBEDDING_DIMENSIONS", default: 1536),
                maxConcurrentRequests: try configuration.int("NIGHTSHIFT_EMBEDDING_CONCURRENCY", default: 4))
        }
    }

    /// The provider name in errors and reports.
    public static let providerName = "openai"

    /// The settings this embedder was made with.
    public let settings: Settings
    private let client: HTTPClient

    /// An embedder sending through `client`.
    public init(settings: Settings, client: HTTPClient = .shared) {
        self.settings = settings
        self.client = client
    }

    /// The configured model.
    public var model: String { settings.model }
    /// The configured vector length.
    public var dimensions: Int { settings.dimensions }

    /// One request's worth of inputs.
    struct Batch: Sendable {
        /// Where the batch's first input sits in the caller's array.
        var offset: Int
        var texts: [String]
        var estimatedTokens: Int
    }

    /// Embeds `texts` in as many requests as the limits need; vectors come back in input order.
    public func embed(_ texts: [String]) async throws -> EmbeddingBatchResult {
        guard !texts.isEmpty else { return EmbeddingBatchResult(vectors: []) }
        let (batches, truncated) = plan(texts)
        var vectors = [[Float]](repeating: [], count: texts.count)
        var tokens = 0
        try await withThrowingTaskGroup(of: (Batch, [[Float]], Int?).self) { group in
            var pending = batches.makeIterator()
            func addNext() -> Bool {
                guard let batch = pending.next() else { return false }
                group.addTask {
                    let (batchVectors, reported) = try await self.send(batch)
                    return (batch, batchVectors, reported)
                }
                return true
            }
            var started = 0
            while started < settings.maxConcurrentRequests, addNext() { started += 1 }
            while let (batch, batchVectors, reported) = try await group.next() {
                for (position, vector) in batchVectors.enumerated() {
                    vectors[batch.offset + position] = vector
                }
                // The provider's own count when it gives one (it is what is billed), else the estimate.
                tokens += reported ?? batch.estimatedTokens
                _ = addNext()
            }
        }
        return EmbeddingBatchResult(
            vectors: vectors, truncatedCount: truncated, tokenCount: tokens, requestCount: batches.count)
    }

    /// Cuts over-long inputs and groups the inputs, in order, into batches within both limits.
    func plan(_ texts: [String]) -> (batches: [Batch], truncated: Int) {
        var batches: [Batch] = []
        var current = Batch(offset: 0, texts: [], estimatedTokens: 0)
        var truncated = 0
        for (index, original) in texts.enumerated() {
            // OpenAI rejects an empty input; a single space embeds as "nothing" and keeps positions aligned.
            let (text, tokens, wasCut) = OpenAIEmbedder.truncate(
                original.isEmpty ? " " : original, maxTokens: settings.maxTokensPerInput)
            if wasCut { truncated += 1 }
            if !current.texts.isEmpty,
                current.texts.count >= settings.maxInputsPerRequest
                    || current.estimatedTokens + tokens > settings.maxTokensPerRequest
            {
                batches.append(current)
                current = Batch(offset: index, texts: [], estimatedTokens: 0)
            }
            current.texts.append(text)
            current.estimatedTokens += tokens
        }
        if !current.texts.isEmpty { batches.append(current) }
        return (batches, truncated)
    }

    /// `text` cut at a character boundary to the longest prefix whose estimate fits `maxTokens`, its estimate,
    /// and whether it was cut.
    public static func truncate(_ text: String, maxTokens: Int) -> (text: String, tokens: Int, truncated: Bool) {
        let full = TokenEstimator.count(text)
        guard full > maxTokens else { return (text, full, false) }
        // The estimate of a prefix never falls as the prefix grows, so a binary search over characters finds the cut.
        let indices = Array(text.indices) + [text.endIndex]
        var low = 0
        var high = indices.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if TokenEstimator.count(String(text[..<indices[middle]])) <= maxTokens {
                low = middle
            } else {
                high = middle - 1
            }
        }
        let cut = String(text[..<indices[low]])
        return (cut, TokenEstimator.count(cut), true)
    }

    private struct Payload: Encodable {
        var model: String
        var input: [String]
        var dimensions: Int?
        var encoding_format = "float"
    }

    private struct Reply: Decodable {
        struct Item: Decodable {
            var index: Int
            var embedding: [Float]
        }
        struct Usage: Decodable {
            var prompt_tokens: Int?
            var total_tokens: Int?
        }
        var data: [Item]
        var usage: Usage?
    }

    /// Sends one batch; returns its vectors in the batch's order and the tokens the provider reported.
    private func send(_ batch: Batch) async throws -> ([[Float]], Int?) {
        let payload = Payload(
            model: settings.model, input: batch.texts, dimensions: settings.sendDimensions ? settings.dimensions : nil)
        var headers: HTTPHeaders = ["Accept": "application/json"]
        if let key = settings.apiKey { headers.set("Authorization", "Bearer \(key.value)") }
        var request = HTTPRequest.postJSON(
            ProviderSupport.endpoint(settings.baseURL, "/v1/embeddings"), body: try ProviderSupport.encode(payload),
            headers: headers, timeouts: settings.timeouts, provider: OpenAIEmbedder.providerName)
        request.maxResponseBytes = settings.maxResponseBytes
        let response = try await client.send(request, retry: settings.retry)
        let reply = try ProviderSupport.decode(Reply.self, from: response.body, request: request, model: settings.model)
        return (
            try place(reply, batch: batch, request: request), reply.usage?.prompt_tokens ?? reply.usage?.total_tokens
        )
    }

    /// Puts each vector at its `index`, checking count, range, uniqueness and dimension.
    private func place(_ reply: Reply, batch: Batch, request: HTTPRequest) throws -> [[Float]] {
        func invalid(_ message: String) -> NightshiftError {
            NightshiftError(
                .provider, "invalid embeddings response: \(message)",
                context: [
                    "provider": OpenAIEmbedder.providerName, "url": request.redactedURL, "model": settings.model,
                    "first_input": String(batch.offset),
                ], reason: HTTPFailure.malformedResponse.rawValue)
        }
        guard reply.data.count == batch.texts.count else {
            throw invalid("\(reply.data.count) vectors for \(batch.texts.count) inputs")
        }
        var vectors = [[Float]?](repeating: nil, count: batch.texts.count)
        for item in reply.data {
            guard vectors.indices.contains(item.index) else { throw invalid("index \(item.index) out of range") }
            guard vectors[item.index] == nil else { throw invalid("index \(item.index) appears twice") }
            guard item.embedding.count == settings.dimensions else {
                throw invalid("a vector of \(item.embedding.count) dimensions, expected \(settings.dimensions)")
            }
            vectors[item.index] = item.embedding
        }
        return vectors.map { $0 ?? [] }
    }
}
