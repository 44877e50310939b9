import Dispatch
import Foundation
import Synchronization
import NightshiftAI
import NightshiftCore
import NightshiftDocuments
import NightshiftStore

/// A document extracted and waiting to be chunked (which happens with its batch, on all cores; see `RunState`).
struct PendingDocument: Sendable {
    var document: Document
    var text: ExtractedText
    /// The stored document it replaces, if any.
    var existingID: UUID?
    /// Counted as changed/added (false: content unchanged, only metadata refreshed).
    var contentChanged: Bool
}

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
    /// Term writers kept for the whole run, so that their memo of word verdicts stays warm from batch to batch.
    let termWriters = ReusePool(capacity: ChunkWriter.workerCount) { SearchTermWriter() }

    /// Chunks a batch's documents, on all cores (a document per task, each worker with its own term writer).
    func prepare(_ batch: [PendingDocument]) -> [PreparedDocument] {
        let workers = min(ChunkWriter.workerCount, batch.count)
        if workers <= 1 {
            return termWriters.borrow { terms in batch.map { prepare($0, terms: terms) } }
        }
        let next = Atomic(0)
        let results = Mutex([PreparedDocument?](repeating: nil, count: batch.count))
        let termWriters = termWriters
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            var mine: [(Int, PreparedDocument)] = []
            termWriters.borrow { terms in
                while true {
                    let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard index < batch.count else { break }
                    mine.append((index, prepare(batch[index], terms: terms)))
                }
            }
            results.withLock { all in
                for (index, prepared) in mine { all[index] = prepared }
            }
        }
        return results.withLock { $0.compactMap { $0 } }
    }

    static let workerCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Chunks one document's text (chunk hashes, heading paths, offsets, search terms).
    func prepare(_ pending: PendingDocument, terms: SearchTermWriter) -> PreparedDocument {
        var document = pending.document
        let text = pending.text
        let model = embedder.model
        let chunks = chunker.chunks(of: text).map { chunk in
            let search = terms.joined(headingPath: chunk.headingPath, text: chunk.text)
            return StoredChunk(
                index: chunk.index, content: chunk.text, contentHash: StoredChunk.hash(content: chunk.text, model: model),
                embedding: [], embeddingModel: model, tokenCount: chunk.tokenCount, headingPath: chunk.headingPath,
                charStart: chunk.start, charEnd: chunk.end, searchText: search.terms, termCount: search.count)
        }
        document.embeddingModel = model
        document.chunkCount = chunks.count
        document.content = text.text
        if case .object(var metadata) = document.metadata {
            metadata["chunker"] = .string(chunker.fingerprint)
            if !text.headings.isEmpty {
                metadata["headings"] = .array(text.headings.map {
                    ["level": .number(Double($0.level)), "title": .string($0.title), "offset": .number(Double($0.offset))]
                })
            } else {
                metadata.removeValue(forKey: "headings")
            }
            document.metadata = .object(metadata)
        }
        return PreparedDocument(
            document: document, chunks: chunks, existingID: pending.existingID, contentChanged: pending.contentChanged)
    }

    /// A batch with its vectors, ready to store, and what getting them counted.
    struct EmbeddedBatch: Sendable {
        var rows: [(document: Document, chunks: [StoredChunk])]
        var items: [PreparedDocument]
        var tally: IngestReport
        /// The vectors this batch computed or copied, by chunk hash.
        var vectors: [String: [Float]]
    }

    /// A batch's first step (see `RunState`): finds which vectors it can keep or copy and computes the rest.
    /// `recent` holds vectors of a batch that may not be stored yet (the one before, in a pipelined run), so a
    /// chunk repeated across batches is not bought twice.
    func embed(_ batch: [PreparedDocument], recent: [String: [Float]] = [:]) async throws -> EmbeddedBatch {
        var tally = IngestReport()
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
        var needed: [String: (text: String, tokens: Int)] = [:]  // hash → text and its estimated tokens
        var keptRows = 0
        for item in batch {
            var available = item.existingID.flatMap { owned[$0] } ?? [:]
            for chunk in item.chunks {
                if let count = available[chunk.contentHash], count > 0 {
                    available[chunk.contentHash] = count - 1
                    keptRows += 1
                } else {
                    needed[chunk.contentHash] = (chunk.content, chunk.tokenCount)
                }
            }
        }
        var vectors: [String: [Float]] = [:]
        if EmbedderFactory.isPaid(embedder), !needed.isEmpty {
            for hash in needed.keys { if let vector = recent[hash] { vectors[hash] = vector } }
            let missing = needed.keys.filter { vectors[$0] == nil }
            if !missing.isEmpty {
                for (hash, vector) in try await store.embeddings(contentHashes: Array(missing)) {
                    vectors[hash] = vector
                }
            }
        }
        let copied = vectors.count
        let toEmbed = needed.filter { vectors[$0.key] == nil }.sorted { $0.key < $1.key }
        if !toEmbed.isEmpty {
            let result = try await embedder.embed(
                toEmbed.map(\.value.text), estimatedTokens: toEmbed.reduce(0) { $0 + $1.value.tokens })
            guard result.vectors.count == toEmbed.count else {
                throw NightshiftError(
                    .provider, "the embedder returned \(result.vectors.count) vectors for \(toEmbed.count) texts",
                    context: ["model": embedder.model])
            }
            for (index, entry) in toEmbed.enumerated() { vectors[entry.key] = result.vectors[index] }
            tally.embeddingsComputed += toEmbed.count
            tally.embeddingTokens += result.tokenCount
            tally.truncated += result.truncatedCount
        }
        tally.embeddingsReused += keptRows + copied
        let rows = batch.map { item in
            (document: item.document, chunks: item.chunks.map { chunk -> StoredChunk in
                var chunk = chunk
                chunk.embedding = vectors[chunk.contentHash] ?? []
                return chunk
            })
        }
        return EmbeddedBatch(rows: rows, items: batch, tally: tally, vectors: vectors)
    }

    /// A batch's second step: stores it in one transaction; returns what it counted.
    func store(_ embedded: EmbeddedBatch) async throws -> IngestReport {
        var tally = embedded.tally
        try await store.replaceDocuments(embedded.rows)
        for item in embedded.items where item.contentChanged {
            if item.existingID == nil { tally.added += 1 } else { tally.changed += 1 }
            tally.chunks += item.chunks.count
            tally.tokens += item.chunks.reduce(0) { $0 + $1.tokenCount }
        }
        tally.unchanged += embedded.items.filter { !$0.contentChanged }.count
        return tally
    }

    /// Adds what `embed` and `store` counted for a batch to the run's report.
    func merge(_ written: IngestReport, into report: inout IngestReport) {
        report.added += written.added
        report.changed += written.changed
        report.unchanged += written.unchanged
        report.chunks += written.chunks
        report.tokens += written.tokens
        report.embeddingsReused += written.embeddingsReused
        report.embeddingsComputed += written.embeddingsComputed
        report.embeddingTokens += written.embeddingTokens
        report.truncated += written.truncated
        updateCost(&report)
    }

    private func updateCost(_ report: inout IngestReport) {
        let tokens = report.embeddingTokens
        report.estimatedCost = EmbedderFactory.isPaid(embedder)
            ? prices.embeddingCost(model: embedder.model, tokens: tokens) : Decimal(0)
    }
}
