import Foundation
import NightshiftAI
import NightshiftCore
import NightshiftStore

/// Finds the chunks that answer a query: the same code for `nightshift search` and the chat endpoint.
public struct Retriever: Sendable {
    public var store: any Store
    public var embedder: any Embedder
    public var mode: SearchMode
    public var fusion: FusionSettings

    public init(store: any Store, embedder: any Embedder, mode: SearchMode = .hybrid, fusion: FusionSettings = .standard) {
        self.store = store
        self.embedder = embedder
        self.mode = mode
        self.fusion = fusion
    }

    /// The top `limit` chunks of the embedder's model visible in `scope`, best first.
    public func search(_ query: String, scope: SearchScope, limit: Int) async throws -> [ChunkMatch] {
        let text = query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, limit > 0 else { return [] }
        let terms = SearchTerms.of(text)
        switch mode {
        case .text:
            return try await store.searchText(terms: terms, model: embedder.model, scope: scope, limit: limit)
        case .vector:
            let vector = try await embed(text)
            return try await store.search(embedding: vector, model: embedder.model, scope: scope, limit: limit)
        case .hybrid:
            let vector = try await embed(text)
            return try await store.hybridSearch(
                terms: terms, embedding: vector, model: embedder.model, scope: scope, limit: limit, fusion: fusion)
        }
    }

    func embed(_ text: String) async throws -> [Float] {
        let result = try await embedder.embed([text])
        guard let vector = result.vectors.first else {
            throw NightshiftError(.provider, "the embedder returned no vector", context: ["model": embedder.model])
        }
        return vector
    }
}

/// Full-text search terms: the local embedder's tokenizer (lower case, accents folded, stop words dropped, light
/// stemming), for queries; chunks are written with the same terms (`SearchTermWriter`), so both sides meet.
public enum SearchTerms {
    /// The terms of `text`.
    public static func of(_ text: String) -> [String] {
        LocalEmbedder.tokenize(text)
    }
}
