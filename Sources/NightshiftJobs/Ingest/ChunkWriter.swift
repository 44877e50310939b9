import Foundation
import NightshiftAI
import NightshiftCore
import NightshiftDocuments
import NightshiftStore

/// A document ready to store: its row, its chunks (without vectors yet), and whether it is new.
struct PreparedDocument: Sendable {
    var document: Document
    var chunks: [StoredChunk]
    /// The stored document it replaces, if any.
    var existingID: UUID?
    /// Counted as changed/added (false: content unchanged, only metadata refreshed).
    var contentChanged: Bool
}

/// Turns extracted text into chunks, finds which vectors can be reused, buys the rest, and writes documents in
/// batches — the shared back half of `ingest` and `reindex`.
///
/// Reuse, cheapest first: a chunk whose text and model equal a chunk already stored for the same document keeps
/// that row (and its place in the HNSW index) untouched; for a paid provider, a vector stored for the same text
/// and model in any other document is copied; identical chunks within a batch are embedded once. Only what is
/// left is sent to the provider.
struct ChunkWriter: Sendable {
    let store: any Store
    let embedder: any Embedder
    let chunker: Chunker
    let prices: PriceTable

    /// Chunks `text` for `document` (content hash, chunk hashes, heading paths, offsets).
    func prepare(_ document: Document, text: ExtractedText, existingID: UUID?, contentChanged: Bool) -> PreparedDocument {
        var document = document
        let model = embedder.model
        let chunks = chunker.chunks(of: text).map { chunk in
            StoredChunk(
                index: chunk.index, content: chunk.text, contentHash: StoredChunk.hash(content: chunk.text, model: model),
                embedding: [], embeddingModel: model, tokenCount: chunk.tokenCount, headingPath: chunk.headingPath,
                charStart: chunk.start, charEnd: chunk.end,
                searchText: SearchTerms.of(chunk.headingPath.joined(separator: " ") + " " + chunk.text).joined(separator: " "))
        }
        document.embeddingModel = model
        document.chunkCount = chunks.count
        document.content = text.text
        if case .object(var metadata) = document.metadata {
            metadata["chunker"] = .string(chunker.options.fingerprint)
            if !text.headings.isEmpty {
                metadata["headings"] = .array(text.headings.map {
                    ["level": .number(Double($0.level)), "title": .string($0.title), "offset": .number(Double($0.offset))]
                })
            } else {
                metadata.removeValue(forKey: "headings")
            }
            document.metadata = .object(metadata)
        }
        return PreparedDocument(document: document, chunks: chunks, existingID: existingID, contentChanged: contentChanged)
    }

    /// Fills in the vectors a batch needs and stores it in one transaction; updates `report`.
    func write(_ batch: [PreparedDocument], report: inout IngestReport) async throws {
        guard !batch.isEmpty else { return }
        // What each stored document already has, by hash (with multiplicity: two equal chunks need two rows).
        var owned: [UUID: [String: Int]] = [:]
        let existingIDs = batch.compactMap(\.existingID)
        if !existingIDs.isEmpty {
            for (id, hashes) in try await store.chunkHashes(documentIDs: existingIDs) {
                var counts: [String: Int] = [:]
                for hash in hashes { counts[hash, default: 0] += 1 }
                owned[id] = counts
            }
        }
        var needed: [String: String] = [:]  // hash → text
        var keptRows = 0
        for item in batch {
            var available = item.existingID.flatMap { owned[$0] } ?? [:]
            for chunk in item.chunks {
                if let count = available[chunk.contentHash], count > 0 {
                    available[chunk.contentHash] = count - 1
                    keptRows += 1
                } else {
                    needed[chunk.contentHash] = chunk.content
                }
            }
        }
        var vectors: [String: [Float]] = [:]
        if EmbedderFactory.isPaid(embedder), !needed.isEmpty {
            vectors = try await store.embeddings(contentHashes: Array(needed.keys))
        }
        let copied = vectors.count
        let toEmbed = needed.filter { vectors[$0.key] == nil }.sorted { $0.key < $1.key }
        if !toEmbed.isEmpty {
            let result = try await embedder.embed(toEmbed.map(\.value))
            guard result.vectors.count == toEmbed.count else {
                throw NightshiftError(
                    .provider, "the embedder returned \(result.vectors.count) vectors for \(toEmbed.count) texts",
                    context: ["model": embedder.model])
            }
            for (index, entry) in toEmbed.enumerated() { vectors[entry.key] = result.vectors[index] }
            report.embeddingsComputed += toEmbed.count
            report.embeddingTokens += result.tokenCount
            report.truncated += result.truncatedCount
        }
        report.embeddingsReused += keptRows + copied
        let rows = batch.map { item in
            (document: item.document, chunks: item.chunks.map { chunk -> StoredChunk in
                var chunk = chunk
                chunk.embedding = vectors[chunk.contentHash] ?? []
                return chunk
            })
        }
        try await store.replaceDocuments(rows)
        for item in batch where item.contentChanged {
            if item.existingID == nil { report.added += 1 } else { report.changed += 1 }
            report.chunks += item.chunks.count
            report.tokens += item.chunks.reduce(0) { $0 + $1.tokenCount }
        }
        report.unchanged += batch.filter { !$0.contentChanged }.count
        let tokens = report.embeddingTokens
        report.estimatedCost = EmbedderFactory.isPaid(embedder)
            ? prices.embeddingCost(model: embedder.model, tokens: tokens) : Decimal(0)
    }
}
