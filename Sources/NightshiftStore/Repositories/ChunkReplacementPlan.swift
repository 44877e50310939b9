import Foundation
import NightshiftCore

/// How a document's stored chunks become its new chunks with the least work.
///
/// A stored chunk whose content hash (text + embedding model) equals a new chunk's is kept as it is — its row,
/// its vector and its place in the HNSW index — and only its position fields are updated; inserting a vector
/// into HNSW is the expensive part of a load. The rest of the old rows are deleted and the rest of the new
/// chunks inserted.
public struct ChunkReplacementPlan: Sendable {
    /// (stored row id, the new chunk it now represents).
    public var keep: [(id: UUID, chunk: StoredChunk)]
    public var insert: [StoredChunk]
    public var delete: [UUID]

    /// Matches new chunks to stored rows by content hash, first come first served, in order.
    public init(existing: [(id: UUID, contentHash: String?)], new chunks: [StoredChunk]) {
        var available: [String: [UUID]] = [:]
        for row in existing.reversed() {
            if let hash = row.contentHash { available[hash, default: []].append(row.id) }
        }
        var keep: [(id: UUID, chunk: StoredChunk)] = []
        var insert: [StoredChunk] = []
        for chunk in chunks {
            if let id = available[chunk.contentHash]?.popLast() {
                keep.append((id, chunk))
            } else {
                insert.append(chunk)
            }
        }
        let kept = Set(keep.map(\.id))
        self.keep = keep
        self.insert = insert
        self.delete = existing.map(\.id).filter { !kept.contains($0) }
    }
}
