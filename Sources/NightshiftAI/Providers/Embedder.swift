/// Turns texts into vectors for similarity search: the local embedder and the OpenAI-compatible one.
public protocol Embedder: Sendable {
    /// The model name recorded with each chunk; vectors of two models are never compared.
    var model: String { get }
    /// The length of every vector.
    var dimensions: Int { get }
    /// Embeds `texts`, one vector per text, in input order.
    func embed(_ texts: [String]) async throws -> EmbeddingBatchResult
    /// Embeds texts whose estimated token total the caller already has (the chunker counted each chunk): an
    /// embedder without a count of its own reports that total instead of counting again.
    func embed(_ texts: [String], estimatedTokens: Int) async throws -> EmbeddingBatchResult
}

extension Embedder {
    public func embed(_ texts: [String], estimatedTokens: Int) async throws -> EmbeddingBatchResult {
        try await embed(texts)
    }
}

/// The vectors of one `embed` call and what it cost.
public struct EmbeddingBatchResult: Sendable, Hashable {
    /// One vector per input text, in input order, each `dimensions` long.
    public var vectors: [[Float]]
    /// How many inputs were longer than the model accepts and were cut before embedding.
    public var truncatedCount: Int
    /// Tokens embedded: the provider's count when it reports one, else the estimate (`TokenEstimator`).
    public var tokenCount: Int
    /// HTTP requests made, retries not counted (0 for a local embedder).
    public var requestCount: Int

    /// A result; counts default to zero.
    public init(vectors: [[Float]], truncatedCount: Int = 0, tokenCount: Int = 0, requestCount: Int = 0) {
        self.vectors = vectors
        self.truncatedCount = truncatedCount
        self.tokenCount = tokenCount
        self.requestCount = requestCount
    }
}
