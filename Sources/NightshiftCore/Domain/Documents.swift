import Foundation

/// Who may read a document or chunk: one user, or everyone (the shared knowledge base).
public enum Owner: Sendable, Hashable, CustomStringConvertible {
    case shared
    case user(UUID)

    public init(_ userID: UUID?) {
        self = userID.map(Owner.user) ?? .shared
    }

    public var userID: UUID? {
        if case .user(let id) = self { return id }
        return nil
    }

    public var description: String {
        switch self {
        case .shared: return "shared"
        case .user(let id): return id.canonical
        }
    }
}

/// An ingested source (`documents`): one file, archive entry or URL, identified across runs by its source URI.
public struct Document: Sendable, Hashable {
    public var id: UUID
    /// `file:///abs/path`, `https://…`, or `archive-uri#path/inside` for an archive entry.
    public var sourceURI: String
    public var owner: Owner
    public var title: String?
    public var mediaType: String
    /// SHA-256 hex of the extracted text plus the chunking settings; unchanged hash means nothing to do.
    public var contentHash: String
    public var metadata: JSONValue
    public var embeddingModel: String
    public var chunkCount: Int
    public var byteSize: Int
    /// The extracted text, stored so a reindex needs no source. Written when set; reads leave it nil (use
    /// `DocumentStore.documentContent(id:)`), and a write with nil keeps the stored text.
    public var content: String?
    public var createdAt: Date?
    public var updatedAt: Date?

    public init(
        id: UUID = UUID(), sourceURI: String, owner: Owner = .shared, title: String? = nil, mediaType: String,
        contentHash: String, metadata: JSONValue = [:], embeddingModel: String, chunkCount: Int = 0,
        byteSize: Int = 0, content: String? = nil, createdAt: Date? = nil, updatedAt: Date? = nil
    ) {
        self.id = id
        self.sourceURI = sourceURI
        self.owner = owner
        self.title = title
        self.mediaType = mediaType
        self.contentHash = contentHash
        self.metadata = metadata
        self.embeddingModel = embeddingModel
        self.chunkCount = chunkCount
        self.byteSize = byteSize
        self.content = content
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// What an ingest run needs to know of a stored document to tell whether its source changed: no text, no
/// headings (a listing of 100,000 of these stays small and needs no JSON parsing).
public struct DocumentState: Sendable, Hashable {
    public var id: UUID
    public var sourceURI: String
    public var contentHash: String
    public var embeddingModel: String
    /// The chunking settings' fingerprint it was chunked with.
    public var chunker: String
    /// `metadata.source_sha256` and `metadata.source_stamp` (see `IngestJob`).
    public var sourceSHA256: String?
    public var sourceStamp: String?

    public init(
        id: UUID, sourceURI: String, contentHash: String, embeddingModel: String, chunker: String,
        sourceSHA256: String? = nil, sourceStamp: String? = nil
    ) {
        self.id = id
        self.sourceURI = sourceURI
        self.contentHash = contentHash
        self.embeddingModel = embeddingModel
        self.chunker = chunker
        self.sourceSHA256 = sourceSHA256
        self.sourceStamp = sourceStamp
    }
}

/// A piece of a document's text with its embedding: one row of `agent_memory`.
public struct StoredChunk: Sendable, Hashable {
    public var id: UUID
    /// Position in the document, from 0.
    public var index: Int
    public var content: String
    /// SHA-256 hex of `content` and `embeddingModel`: the key under which an embedding is reused.
    public var contentHash: String
    public var embedding: [Float]
    public var embeddingModel: String
    public var tokenCount: Int
    /// Headings above this chunk, outermost first.
    public var headingPath: [String]
    /// Offsets in the extracted text, in Unicode scalars (as PostgreSQL and Python count characters).
    public var charStart: Int
    public var charEnd: Int
    public var metadata: JSONValue
    /// The chunk's full-text search terms, space-separated, made by the same tokenizer as queries; nil lets the
    /// store index the raw words.
    public var searchText: String? {
        didSet { termCount = Self.countTerms(searchText) }
    }
    /// The number of search terms (BM25's document length), kept with `searchText`.
    public private(set) var termCount: Int?

    public init(
        id: UUID = UUID(), index: Int, content: String, contentHash: String, embedding: [Float],
        embeddingModel: String, tokenCount: Int, headingPath: [String] = [], charStart: Int = 0, charEnd: Int = 0,
        metadata: JSONValue = [:], searchText: String? = nil, termCount: Int? = nil
    ) {
        self.id = id
        self.index = index
        self.content = content
        self.contentHash = contentHash
        self.embedding = embedding
        self.embeddingModel = embeddingModel
        self.tokenCount = tokenCount
        self.headingPath = headingPath
        self.charStart = charStart
        self.charEnd = charEnd
        self.metadata = metadata
        self.searchText = searchText
        // A count given by the writer of `searchText` saves a pass over it.
        self.termCount = searchText == nil ? nil : termCount ?? Self.countTerms(searchText)
    }

    /// The number of space-separated terms of `searchText`.
    static func countTerms(_ searchText: String?) -> Int? {
        guard var searchText else { return nil }
        // Runs of non-spaces, counted over the bytes (no substring per term).
        return searchText.withUTF8 { bytes in
            var count = 0
            var previous = UInt8(ascii: " ")
            for byte in bytes {
                if byte != UInt8(ascii: " ") && previous == UInt8(ascii: " ") { count += 1 }
                previous = byte
            }
            return count
        }
    }

    /// The embedding-cache key of a chunk text under a model.
    public static func hash(content: String, model: String) -> String {
        var hasher = SHA256()
        hasher.update(model)
        hasher.update([0])
        hasher.update(content)
        return hasher.finalize().hexString
    }
}

/// One search hit.
public struct ChunkMatch: Sendable, Hashable {
    public var chunkID: UUID
    public var documentID: UUID?
    public var sourceURI: String?
    public var title: String?
    public var content: String
    public var headingPath: [String]
    public var chunkIndex: Int?
    public var owner: Owner
    /// Higher is better; cosine similarity for vector search, a fused score for hybrid search.
    public var score: Double
    public var metadata: JSONValue

    public init(
        chunkID: UUID, documentID: UUID?, sourceURI: String?, title: String?, content: String, headingPath: [String],
        chunkIndex: Int?, owner: Owner, score: Double, metadata: JSONValue = [:]
    ) {
        self.chunkID = chunkID
        self.documentID = documentID
        self.sourceURI = sourceURI
        self.title = title
        self.content = content
        self.headingPath = headingPath
        self.chunkIndex = chunkIndex
        self.owner = owner
        self.score = score
        self.metadata = metadata
    }
}

/// Which documents a search may see.
public struct SearchScope: Sendable, Hashable {
    /// The user whose private documents are included; nil for the shared knowledge base only.
    public var userID: UUID?
    /// Whether shared documents are included.
    public var includeShared: Bool

    public init(userID: UUID?, includeShared: Bool = true) {
        self.userID = userID
        self.includeShared = includeShared
    }

    /// The shared knowledge base only.
    public static let shared = SearchScope(userID: nil, includeShared: true)

    /// Whether a chunk of this owner is visible in the scope.
    public func admits(_ owner: Owner) -> Bool {
        switch owner {
        case .shared: return includeShared
        case .user(let id): return id == userID
        }
    }
}

/// How `nightshift search` and the chat endpoint's retrieval rank chunks.
public enum SearchMode: String, Sendable, Hashable, CaseIterable, Codable {
    /// Vector similarity fused with full-text ranking (reciprocal rank fusion): the default.
    case hybrid
    /// Cosine similarity of embeddings only.
    case vector
    /// Full-text ranking only (PostgreSQL `ts_rank_cd`, SQLite FTS5 `bm25`).
    case text
}

/// Reciprocal rank fusion settings: score = Σ weight / (k + rank) over the two rankings.
public struct FusionSettings: Sendable, Hashable {
    public var rrfK: Int
    public var semanticWeight: Double
    public var fullTextWeight: Double
    /// Each ranking contributes `limit × candidateFactor` candidates.
    public var candidateFactor: Int

    public init(rrfK: Int = 10, semanticWeight: Double = 0.5, fullTextWeight: Double = 1, candidateFactor: Int = 4) {
        self.rrfK = rrfK
        self.semanticWeight = semanticWeight
        self.fullTextWeight = fullTextWeight
        self.candidateFactor = candidateFactor
    }

    /// The defaults Nightshift ships with: k = 10 and the vector ranking at half the weight of BM25, tuned on SciFact's
    /// training queries (nDCG@10 0.700 there; k = 60 with equal weights gave 0.684).
    public static let standard = FusionSettings()
}
