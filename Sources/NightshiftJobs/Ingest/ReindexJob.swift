import Foundation
import NightshiftAI
import NightshiftCore
import NightshiftDocuments
import NightshiftStore

/// `nightshift reindex`: re-chunks and re-embeds stored documents from their stored text — after a change of
/// embedding model or chunking settings — without reading the sources again.
///
/// Each batch of documents is swapped in one transaction, so the chat endpoint keeps answering from the old
/// chunks until a document's swap; searches never mix models (they filter on the query's model).
public struct ReindexJob: Sendable {
    /// Which documents.
    public enum Selection: Sendable, Hashable {
        case all
        case sourcePrefix(String)
        case document(UUID)
    }

    public var selection: Selection
    public var owner: Owner?
    public var chunking: ChunkingOptions
    public var batchDocuments: Int
    public var prices: PriceTable

    public init(
        selection: Selection, owner: Owner? = nil, chunking: ChunkingOptions = ChunkingOptions(), batchDocuments: Int = 64,
        prices: PriceTable = .builtIn
    ) {
        self.selection = selection
        self.owner = owner
        self.chunking = chunking
        self.batchDocuments = max(1, batchDocuments)
        self.prices = prices
    }

    public func run(in context: JobContext, embedder: any Embedder, progress: ProgressReporter? = nil) async throws
        -> IngestReport
    {
        let chunker = try Chunker(chunking)
        let store = context.store
        return try await store.withJobLock("ingest") {
            try await JobRecorder.record("reindex", in: context, abandoning: ["ingest", "reindex"]) {
                let started = Date()
                var report = IngestReport()
                report.embeddingModel = embedder.model
                let documents: [Document]
                switch selection {
                case .all:
                    documents = try await store.documents(sourcePrefix: nil, owner: owner)
                case .sourcePrefix(let prefix):
                    documents = try await store.documents(sourcePrefix: prefix, owner: owner)
                case .document(let id):
                    guard let document = try await store.document(id: id) else {
                        throw NightshiftError(.notFound, "no such document", context: ["document": id.canonical])
                    }
                    documents = [document]
                }
                progress?.update { $0.totalDocuments = documents.count }
                let writer = ChunkWriter(store: store, embedder: embedder, chunker: chunker, prices: prices)
                var state = RunState(writer: writer, batchSize: batchDocuments, progress: progress)
                do {
                    for document in documents {
                        try Task.checkCancellation()
                        guard let content = try await store.documentContent(id: document.id) else {
                            report.skipped.append(
                                IngestReport.Skip(uri: document.sourceURI, kind: "unreadable",
                                                  reason: "no stored text (ingested before it was kept); ingest the source again"))
                            progress?.update { $0.skipped += 1 }
                            continue
                        }
                        let headings = (document.metadata["headings"]?.arrayValue ?? []).compactMap { value -> HeadingMark? in
                            guard let level = value["level"]?.intValue, let title = value["title"]?.stringValue,
                                let offset = value["offset"]?.intValue
                            else { return nil }
                            return HeadingMark(level: level, title: title, offset: offset)
                        }
                        let text = ExtractedText(text: content, title: document.title, mediaType: document.mediaType, headings: headings)
                        report.bytes += content.utf8.count
                        progress?.update {
                            $0.documents += 1
                            $0.bytes += content.utf8.count
                        }
                        try await state.add(
                            PendingDocument(document: document, text: text, existingID: document.id, contentChanged: true),
                            report: &report)
                    }
                    try await state.finish(&report)
                } catch {
                    await state.abandon()
                    throw error
                }
                // Reindexed documents are "changed", whatever their chunks.
                report.changed += report.added
                report.added = 0
                report.seconds = Date().timeIntervalSince(started)
                progress?.finish()
                return report
            }
        }
    }
}
