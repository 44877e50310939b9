import Foundation
import NightshiftAI
import NightshiftCore

/// The offline embedder as an `Embedder`: texts are embedded on all cores, in input order.
public struct LocalEmbeddingProvider: Embedder {
    public let embedder: LocalEmbedder

    public init(embedder: LocalEmbedder = LocalEmbedder()) {
        self.embedder = embedder
    }

    public var model: String { embedder.model }
    public var dimensions: Int { embedder.dimensions }

    public func embed(_ texts: [String]) async throws -> EmbeddingBatchResult {
        try await embed(texts, estimatedTokens: texts.reduce(0) { $0 + TokenEstimator.count($1) })
    }

    public func embed(_ texts: [String], estimatedTokens: Int) async throws -> EmbeddingBatchResult {
        // A batch (ingestion's: milliseconds on all cores) off the cooperative pool; a question or two (a search, a
        // chat turn: microseconds) where it is.
        guard texts.count > 16 else { return EmbeddingBatchResult(vectors: embedder.embed(texts), tokenCount: estimatedTokens) }
        let embedder = embedder
        return EmbeddingBatchResult(
            vectors: await runOffCooperativePool { embedder.embed(texts) }, tokenCount: estimatedTokens)
    }
}

/// The embedders a command can ask for by name (`--embedder`, `NIGHTSHIFT_EMBEDDER`).
public enum EmbedderName: String, Sendable, CaseIterable {
    /// The offline embedder (`LocalEmbeddingProvider`).
    case local
    /// OpenAI's embeddings API (`OpenAIEmbedder`, needs OPENAI_API_KEY).
    case openai
}

/// Builds the embedder a command asks for (`--embedder local|openai`, or `NIGHTSHIFT_EMBEDDER`).
public enum EmbedderFactory {
    /// The names accepted.
    public static let names = EmbedderName.allCases.map(\.rawValue)

    /// The embedder `name`, else the one NIGHTSHIFT_EMBEDDER names (in any case), else `local`, configured from
    /// the settings. An unknown NIGHTSHIFT_EMBEDDER is bad input naming the setting.
    public static func make(_ name: EmbedderName?, configuration: Configuration) throws -> any Embedder {
        let chosen: EmbedderName
        if let name {
            chosen = name
        } else if let setting = configuration["NIGHTSHIFT_EMBEDDER"] {
            guard let named = EmbedderName(rawValue: setting.lowercased()) else {
                throw NightshiftError.invalidInput(
                    "unknown embedder '\(setting.lowercased())' (use local or openai)", context: ["setting": "NIGHTSHIFT_EMBEDDER"])
            }
            chosen = named
        } else {
            chosen = .local
        }
        switch chosen {
        case .local:
            return LocalEmbeddingProvider()
        case .openai:
            return OpenAIEmbedder(settings: try OpenAIEmbedder.Settings(configuration: configuration))
        }
    }

    /// Whether vectors of this embedder cost money (then stored vectors are looked up before buying new ones).
    public static func isPaid(_ embedder: any Embedder) -> Bool {
        !(embedder is LocalEmbeddingProvider)
    }
}
