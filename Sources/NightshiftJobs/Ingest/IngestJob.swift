import Foundation
import Logging
import NightshiftAI
import NightshiftCore
import NightshiftDocuments
import NightshiftStore
import Synchronization

/// `nightshift ingest`: chunks and embeds files, folders, archives and URLs into `documents` + `agent_memory`,
/// incrementally.
///
/// A source URI identifies a document across runs. A document whose source bytes (and embedding model and
/// chunking settings) are unchanged is skipped without extracting; one whose extracted text is unchanged keeps
/// all its chunks; a changed one has its chunks replaced in one transaction, reusing every vector it can (see
/// `ChunkWriter`). Documents are written in batches, each batch one transaction: a run killed at any moment leaves
/// whole documents, and the next run finishes the work without duplicates. With `prune`, documents under the
/// given roots that no longer exist are deleted (never those under a root or archive that could not be read).
public struct IngestJob: Sendable {
    public var inputs: [String]
    public var owner: Owner
    public var sources: SourceOptions
    public var chunking: ChunkingOptions
    public var extraction: ExtractionOptions
    /// JSON Lines: the field naming each record (its document identity) and its title.
    public var jsonIDField: String?
    public var jsonTitleField: String?
    public var prune: Bool
    public var strict: Bool
    /// Re-extract and rewrite even unchanged documents (the store still keeps unchanged chunks' rows).
    public var force: Bool
    /// Read and hash every file, even one whose size and modification time are those stored with its document
    /// (by default such a file is not read: a nightly run's time follows what changed, not the corpus).
    public var checksum: Bool
    public var batchDocuments: Int
    /// Largest URL body accepted.
    public var maxURLBytes: Int
    /// Drop the HNSW index during a first bulk load into an empty table and rebuild it afterwards.
    public var rebuildIndex: IndexPolicy
    public var prices: PriceTable
    /// The largest document and the most an archive may expand to, in MiB (`--max-document-mb`,
    /// `--max-archive-mb`); nil: `NIGHTSHIFT_MAX_DOCUMENT_MB` / `NIGHTSHIFT_MAX_ARCHIVE_MB`, else the defaults
    /// (`IngestLimits`). A run sets `sources.maxFileBytes` and the archive limits of `sources` and `extraction`
    /// from them.
    public var maxDocumentMB: Int?
    public var maxArchiveMB: Int?
    /// The limits in force, resolved when the run starts.
    var limits = IngestLimits()

    /// When to drop and rebuild the vector index around a load.
    public enum IndexPolicy: String, Sendable, CaseIterable {
        /// Only for a first load (the chunk table is empty): inserting into HNSW one vector at a time costs far
        /// more than one bulk build.
        case auto
        case always
        case never
    }

    public init(
        inputs: [String], owner: Owner = .shared, sources: SourceOptions = SourceOptions(),
        chunking: ChunkingOptions = ChunkingOptions(), extraction: ExtractionOptions = ExtractionOptions(),
        jsonIDField: String? = nil, jsonTitleField: String? = nil, prune: Bool = false, strict: Bool = false,
        force: Bool = false, checksum: Bool = false, batchDocuments: Int = 64, maxURLBytes: Int = 32 << 20,
        rebuildIndex: IndexPolicy = .auto, prices: PriceTable = .builtIn
    ) {
        self.inputs = inputs
        self.owner = owner
        self.sources = sources
        self.chunking = chunking
        self.extraction = extraction
        self.jsonIDField = jsonIDField
        self.jsonTitleField = jsonTitleField
        self.prune = prune
        self.strict = strict
        self.force = force
        self.checksum = checksum
        self.batchDocuments = max(1, batchDocuments)
        self.maxURLBytes = maxURLBytes
        self.rebuildIndex = rebuildIndex
        self.prices = prices
    }

    static func isURL(_ input: String) -> Bool {
        let lower = input.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://")
    }

    /// The URI prefix a root's documents share (a URL's display form, see `SourceURL`).
    static func rootURI(_ input: String, secretParameters: Set<String> = SourceURL.defaultSecretParameters) -> String {
        isURL(input) ? SourceURL.display(input, secretParameters: secretParameters) : SourceURI.file(path: input)
    }

    /// `NIGHTSHIFT_SECRET_QUERY_PARAMS`: query parameter names, besides `SourceURL`'s defaults, that hold
    /// credentials and are left out of a URL's source URI.
    public static func secretParameters(_ configuration: Configuration) -> Set<String> {
        SourceURL.secretParameters(adding: configuration["NIGHTSHIFT_SECRET_QUERY_PARAMS"])
    }

    /// What the command line names must exist: a path that does not (a typo, an unmounted share) or a URL that
    /// is not one or that answers 404 or 410 is bad input, found before anything is stored — not an empty source
    /// whose stored documents `--prune` would delete. A URL whose document is stored and that now answers 404 or
    /// 410 is a page that is gone: a skip of kind `empty`, and `--prune` deletes its document. The URLs are
    /// fetched here, once each; their items are ingested in the order given. A URL that fails otherwise
    /// (timeout, 5xx) is a recorded skip, as in a walk, and its document is kept.
    func checkAndFetchInputs(
        store: any Store, secretParameters: Set<String>
    ) async throws -> [String: Result<(SourceItem, String?), DocumentSkip>] {
        for input in inputs where !Self.isURL(input) {
            if let problem = DocumentSources.rootProblem(input) {
                throw NightshiftError.invalidInput(problem, context: ["path": input])
            }
        }
        var fetched: [String: Result<(SourceItem, String?), DocumentSkip>] = [:]
        for input in inputs where Self.isURL(input) && fetched[input] == nil {
            try Task.checkCancellation()
            do {
                let (item, type) = try await DocumentFetcher.fetch(
                    input, maxBytes: maxURLBytes, secretParameters: secretParameters)
                fetched[input] = .success((item, type))
            } catch let skip as DocumentSkip {
                fetched[input] = .failure(skip)
            } catch let error as NightshiftError where error.code == .invalidInput && error.httpStatus != nil {
                let uri = Self.rootURI(input, secretParameters: secretParameters)
                let stored = try await store.documentStates(sourcePrefix: uri, owner: owner).contains { $0.sourceURI == uri }
                guard stored else { throw error }
                fetched[input] = .failure(DocumentSkip(.empty, "gone: \(error.message)", uri: uri))
            }
        }
        return fetched
    }

    static func isUnder(_ uri: String, root: String) -> Bool {
        uri == root || uri.hasPrefix(root + "/") || uri.hasPrefix(root + "#")
    }

    /// The file a document was read from when it is one of several in that file (an archive's entry, a JSON Lines
    /// record): its URI up to the first `#`.
    static func container(of uri: String) -> String? {
        guard uri.hasPrefix("file://"), let mark = uri.firstIndex(of: "#") else { return nil }
        return String(uri[..<mark])
    }

    /// What decides which documents a container yields besides its bytes: the walk's filters and limits and the
    /// JSON Lines fields. Kept in the container's stamp, so that a run with other settings reads it again.
    var containerSettings: String {
        let settings = [
            "\(sources.filter)", "\(sources.includeHidden)", "\(sources.maxFileBytes)", "\(sources.openArchives)",
            "\(sources.archiveLimits)", extraction.jsonTextField ?? "", jsonIDField ?? "", jsonTitleField ?? "",
        ]
        return String(SHA256.hex(settings.joined(separator: "\u{1F}")).prefix(16))
    }

    /// The stamp kept with each document of a container: the container file's, and `containerSettings`.
    func containerStamp(_ stamp: FileStamp) -> String {
        "\(stamp)/\(containerSettings)"
    }

    /// Puts each container read whole this run (and not modified since shortly before the run began) on its
    /// documents, once they are all stored: a run killed before this point leaves them without it, and the next
    /// run reads the container again. A stored document of the container not seen this run (an entry since
    /// removed, kept without `--prune`) gets no stamp, so the container is read every run until it is pruned.
    func recordContainerStamps(_ state: RunState) async throws {
        guard !state.readContainers.isEmpty else { return }
        // The documents seen this run, by container, in one pass (a run may read many archives).
        var seen: [String: [String]] = [:]
        for uri in state.seen {
            if let container = Self.container(of: uri), state.readContainers[container] != nil {
                seen[container, default: []].append(uri)
            }
        }
        for (container, fileStamp) in state.readContainers.sorted(by: { $0.key < $1.key })
        where fileStamp.modificationDate < state.stampCutoff {
            let uris = (seen[container] ?? []).filter { !state.isProtected($0) }.sorted()
            guard !uris.isEmpty else { continue }
            try await state.writer.store.recordSourceStamp(containerStamp(fileStamp), uris: uris, owner: owner)
        }
    }

    /// Containers to pass over unread: every stored document of the container was made by this run's model and
    /// chunking and carries the same stamp, taken with these settings.
    func unchangedContainers(_ state: RunState) -> [String: FileStamp] {
        var unchanged: [String: FileStamp] = [:]
        let suffix = "/" + containerSettings
        for (container, uris) in state.containers {
            let documents = uris.compactMap { state.existing[$0] }
            guard let stamp = documents.first?.sourceStamp, stamp.hasSuffix(suffix),
                let fileStamp = FileStamp(String(stamp.dropLast(suffix.count))),
                documents.allSatisfy({ $0.sourceStamp == stamp && isCurrent($0, state) })
            else { continue }
            unchanged[container] = fileStamp
        }
        return unchanged
    }

    /// Runs the job (recorded in `job_runs` as `ingest`; one run at a time per store).
    public func run(
        in context: JobContext, embedder: any Embedder, progress: ProgressReporter? = nil
    ) async throws -> IngestReport {
        LargeAllocations.returnToSystemWhenFreed()
        var job = self
        job.limits = try IngestLimits.resolve(context.configuration, documentMB: maxDocumentMB, archiveMB: maxArchiveMB)
        job.sources = job.limits.apply(to: sources)
        job.extraction = job.limits.apply(to: extraction)
        return try await job.runWithLimits(in: context, embedder: embedder, progress: progress)
    }

    private func runWithLimits(
        in context: JobContext, embedder: any Embedder, progress: ProgressReporter?
    ) async throws -> IngestReport {
        guard !inputs.isEmpty else { throw NightshiftError.invalidInput("nothing to ingest: give files, folders or URLs") }
        let chunker = try Chunker(chunking)
        let store = context.store
        let secrets = Self.secretParameters(context.configuration)
        var fetched = try await checkAndFetchInputs(store: store, secretParameters: secrets)
        let census = progress.flatMap { progress in
            progress.isEnabled
                ? FileCensus.start(
                    paths: inputs.filter { !Self.isURL($0) }, urls: inputs.filter(Self.isURL).count, options: sources,
                    progress: progress)
                : nil
        }
        defer { census?.cancel() }
        return try await store.withJobLock("ingest") {
            try await JobRecorder.record("ingest", in: context, abandoning: ["ingest", "reindex"]) {
                let started = Date()
                var report = IngestReport()
                report.strict = strict
                report.embeddingModel = embedder.model
                report.estimatedCost = EmbedderFactory.isPaid(embedder) ? prices.embeddingCost(model: embedder.model, tokens: 0) : 0
                let writer = ChunkWriter(store: store, embedder: embedder, chunker: chunker, prices: prices)
                var state = RunState(writer: writer, batchSize: batchDocuments, progress: progress)
                // A stamp is recorded only for a file last modified before the run began by more than a
                // timestamp's possible coarseness (2 s on some file systems): one written during the run could
                // change again within the same stamp (git's "racy clean" rule).
                state.stampCutoff = started.addingTimeInterval(-2)
                // The documents already stored under each root, to tell unchanged from changed and to prune.
                var sources = self.sources
                for input in inputs {
                    let root = Self.rootURI(input, secretParameters: secrets)
                    for document in try await store.documentStates(sourcePrefix: root, owner: owner)
                    where Self.isUnder(document.sourceURI, root: root) {
                        state.existing[document.sourceURI] = document
                        if let container = Self.container(of: document.sourceURI) {
                            state.containers[container, default: []].append(document.sourceURI)
                        } else if !force, !checksum, isCurrent(document, state),
                            let stamp = document.sourceStamp.flatMap(FileStamp.init)
                        {
                            sources.unchangedFiles[document.sourceURI] = stamp
                        }
                    }
                }
                if !force, !checksum {
                    sources.unchangedContainers = unchangedContainers(state)
                }
                let indexMemory = try Self.indexMemoryLimit(context.configuration)
                let dropIndex = try await shouldDropIndex(store, context: context)
                if dropIndex { try await store.setSearchIndexes(enabled: false, memoryLimit: indexMemory) }
                // Nothing stored under these roots yet: every batch only inserts (see `storeConcurrency`).
                if state.existing.isEmpty { state.storeConcurrency = 2 }
                do {
                    for input in inputs {
                        if Self.isURL(input) {
                            guard let result = fetched.removeValue(forKey: input) else { continue }
                            try await ingestURL(result, state: &state, report: &report, progress: progress, context: context)
                        } else {
                            for await event in DocumentSources(paths: [input], options: sources).events {
                                try Task.checkCancellation()
                                switch event {
                                case .unchanged(let uri):
                                    // A file, or a container standing for all its stored documents.
                                    let documents = state.containers[uri] ?? [uri]
                                    state.seen.formUnion(documents)
                                    report.unchanged += documents.count
                                    progress?.update {
                                        $0.documents += documents.count
                                        $0.files += 1
                                    }
                                case .containerRead(let uri, let stamp):
                                    state.containerRead(uri, stamp)
                                    progress?.update { $0.files += 1 }
                                case .skip(let skip):
                                    // A file on disk (an archive's entries have a `#` in their URIs).
                                    if skip.uri?.contains("#") != true { progress?.update { $0.files += 1 } }
                                    state.protect(skip.uri ?? Self.rootURI(input))
                                    record(skip, uri: skip.uri ?? input, report: &report, progress: progress, context: context)
                                case .document(let item):
                                    // A file on disk has a stamp, an archive's entry none.
                                    if item.stamp != nil { progress?.update { $0.files += 1 } }
                                    try await ingest(item, declaredType: nil, state: &state, report: &report, progress: progress, context: context)
                                }
                            }
                        }
                    }
                    try await state.finish(&report)
                } catch {
                    await state.abandon()
                    if dropIndex { try? await store.setSearchIndexes(enabled: true, memoryLimit: indexMemory) }
                    throw error
                }
                if prune {
                    for (uri, document) in state.existing.sorted(by: { $0.key < $1.key })
                    where !state.seen.contains(uri) && !state.isProtected(uri) {
                        if try await store.deleteDocument(id: document.id) { report.deleted += 1 }
                    }
                }
                try await recordContainerStamps(state)
                let indexStarted = Date()
                let indexMissing = !(try await store.hasSearchIndexes())
                if dropIndex || indexMissing {
                    // Also repairs an index left dropped by a killed run.
                    // A first load into an empty table (`auto`) knows its chunk count; otherwise it is counted.
                    let stored = dropIndex && rebuildIndex == .auto ? report.chunks : nil
                    try await warnIfIndexOutgrowsMemory(store, chunks: stored, limit: indexMemory, context: context)
                    progress?.phase("building vector index")
                    try await store.setSearchIndexes(enabled: true, memoryLimit: indexMemory)
                    progress?.endPhase()
                    report.indexSeconds = Date().timeIntervalSince(indexStarted)
                }
                report.seconds = Date().timeIntervalSince(started)
                progress?.finish()
                return report
            }
        }
    }

    /// `NIGHTSHIFT_INDEX_MEMORY_MB` in bytes: the most server memory an index build may take (see
    /// `SearchIndexMemory`).
    public static func indexMemoryLimit(_ configuration: Configuration) throws -> Int {
        let megabytes = try configuration.int(
            "NIGHTSHIFT_INDEX_MEMORY_MB", default: SearchIndexMemory.defaultLimit >> 20)
        guard megabytes >= 64 else {
            throw NightshiftError(
                .configuration, "expected at least 64 (megabytes), got \(megabytes)",
                context: ["setting": "NIGHTSHIFT_INDEX_MEMORY_MB"])
        }
        return megabytes << 20
    }

    /// Says so when the vector index about to be built needs more memory than it may take: it will still be built,
    /// many times more slowly.
    func warnIfIndexOutgrowsMemory(_ store: any Store, chunks known: Int?, limit: Int, context: JobContext) async throws {
        guard store.kind == .postgres else { return }
        var chunks = known ?? 0
        if known == nil { chunks = try await store.tableCounts().first { $0.table == "agent_memory" }?.rows ?? 0 }
        let needed = SearchIndexMemory.needed(chunks: chunks)
        guard needed > limit else { return }
        context.logger.warning(
            "the vector index over \(chunks) chunks needs about \(needed >> 20) MB to be built in memory, more than NIGHTSHIFT_INDEX_MEMORY_MB=\(limit >> 20): the build goes on disk and takes much longer; raise the setting if the database server has the memory")
    }

    /// Whether to drop the search indexes for this load. Only the chunk table's owner can: for another role
    /// `auto` keeps them, maintained as chunks are written, and says so; `always` is refused before anything
    /// is loaded.
    func shouldDropIndex(_ store: any Store, context: JobContext) async throws -> Bool {
        switch rebuildIndex {
        case .never: return false
        case .always:
            guard try await store.hasSearchIndexes() else { return false }
            if let refusal = try await store.searchIndexRebuildRefusal() {
                throw NightshiftError(
                    .configuration, "--rebuild-index always: \(refusal); use --rebuild-index auto or never",
                    context: ["setting": "--rebuild-index"])
            }
            return true
        case .auto:
            guard store.kind == .postgres, try await store.hasSearchIndexes() else { return false }
            let rows = try await store.tableCounts().first { $0.table == "agent_memory" }?.rows ?? 0
            guard rows == 0 else { return false }
            if let refusal = try await store.searchIndexRebuildRefusal() {
                context.logger.notice(
                    "first load with the search indexes kept and maintained as chunks are written (slower): \(refusal)")
                return false
            }
            return true
        }
    }

    func record(_ skip: DocumentSkip, uri: String, report: inout IngestReport, progress: ProgressReporter?, context: JobContext) {
        report.skipped.append(IngestReport.Skip(uri: uri, kind: skip.kind.rawValue, reason: skip.reason))
        progress?.update { $0.skipped += 1 }
        context.logger.debug("skipped", metadata: ["uri": "\(uri)", "reason": "\(skip.reason)"])
    }

    /// One file or archive entry: unchanged, or extracted and queued for writing.
    func ingest(
        _ item: SourceItem, declaredType: String?, state: inout RunState, report: inout IngestReport,
        progress: ProgressReporter?, context: JobContext
    ) async throws {
        report.bytes += item.bytes.count
        progress?.update { $0.bytes += item.bytes.count }
        try await state.makeRoom(forTextBytes: item.bytes.count, report: &report)
        let sourceHash = SHA256.hex(bytes: item.bytes)
        let format = FormatDetector.detect(data: item.bytes, filename: item.filename, declaredType: declaredType)
        if format == .jsonLines {
            try await ingestJSONLines(item, sourceHash: sourceHash, state: &state, report: &report, progress: progress, context: context)
            return
        }
        state.seen.insert(item.uri)
        let existing = state.existing[item.uri]
        // The file's stamp, if it is old enough to be trusted next time (see `RunState.stampCutoff`).
        let stamp = item.stamp.flatMap { $0.modificationDate < state.stampCutoff ? $0.description : nil }
        if !force, let existing, isCurrent(existing, state),
            existing.sourceSHA256 == sourceHash, stamp == nil || existing.sourceStamp == stamp
        {
            report.unchanged += 1
            progress?.update { $0.documents += 1 }
            return
        }
        // Same bytes under a new stamp (touched, copied, or stored before stamps were kept): extracted again and
        // rewritten with the stamp, keeping every chunk and vector; the next run reads it no more.
        let text: ExtractedText
        do {
            text = try DocumentExtractor.extract(
                data: item.bytes, filename: item.filename, declaredType: declaredType, options: extraction)
        } catch let skip as DocumentSkip {
            // Also what was read from it before, if it was an archive (now corrupt, say): never pruned for this.
            state.protect(item.uri)
            record(skip, uri: item.uri, report: &report, progress: progress, context: context)
            return
        }
        if let skip = limits.textSkip(utf8Count: text.text.utf8.count) {
            state.protect(item.uri)
            record(skip, uri: item.uri, report: &report, progress: progress, context: context)
            return
        }
        let contentHash = SHA256.hex(text.text)
        let contentChanged = force || existing == nil || existing?.contentHash != contentHash || !(existing.map { isCurrent($0, state) } ?? false)
        var metadata: [String: JSONValue] = [
            "source_sha256": .string(sourceHash), "source_bytes": .number(Double(item.bytes.count)),
        ]
        if let modified = item.modificationDate { metadata["source_modified"] = .string(Timestamp.iso8601(modified)) }
        if let stamp { metadata["source_stamp"] = .string(stamp) }
        for (key, value) in text.metadata { metadata[key] = value }
        if !text.warnings.isEmpty { metadata["warnings"] = .array(text.warnings.prefix(20).map(JSONValue.string)) }
        for warning in text.warnings.prefix(20) { report.warnings.append(IngestReport.Warning(uri: item.uri, message: warning)) }
        let document = Document(
            id: existing?.id ?? UUID(), sourceURI: item.uri, owner: owner,
            title: text.title ?? item.filename, mediaType: text.mediaType, contentHash: contentHash,
            metadata: .object(metadata), embeddingModel: state.writer.embedder.model, byteSize: item.bytes.count)
        progress?.update { $0.documents += 1 }
        try await state.add(
            PendingDocument(document: document, text: text, existingID: existing?.id, contentChanged: contentChanged),
            report: &report)
    }

    /// A JSON Lines file: one document per record, identified by `file#<id>` (the id field, else the line number).
    func ingestJSONLines(
        _ item: SourceItem, sourceHash: String, state: inout RunState, report: inout IngestReport,
        progress: ProgressReporter?, context: JobContext
    ) async throws {
        let prefix = item.uri + "#"
        let stored = state.existing.filter { $0.key.hasPrefix(prefix) }
        // Once all its records are stored, the file's stamp goes on them (see `recordContainerStamps`).
        defer { if let stamp = item.stamp { state.containerRead(item.uri, stamp) } }
        // Unchanged bytes: skipped whole, provided a run stored every record (it then left its stamp on them; a
        // run killed halfway through the file did not, and the records it never reached are read now).
        let settings = "/" + containerSettings
        if !force, !stored.isEmpty,
            stored.values.allSatisfy({
                isCurrent($0, state) && $0.sourceSHA256 == sourceHash && $0.sourceStamp?.hasSuffix(settings) == true
            })
        {
            state.seen.formUnion(stored.keys)
            report.unchanged += stored.count
            progress?.update { $0.documents += stored.count }
            return
        }
        // Without explicit fields, the conventional ones when the first record has them.
        let first = item.bytes.split(separator: UInt8(ascii: "\n")).first.flatMap {
            try? JSONValue.parse(String(decoding: $0, as: UTF8.self))
        }
        let idField = jsonIDField ?? ["_id", "id"].first { first?[$0] != nil }
        let titleField = jsonTitleField ?? (first?["title"] != nil ? "title" : nil)
        let extraction: JSONLinesExtraction
        do {
            extraction = try JSONLinesExtractor.extract(
                data: item.bytes, textField: self.extraction.jsonTextField ?? "text", titleField: titleField,
                idField: idField)
        } catch let error as NightshiftError {
            state.protect(item.uri)
            record(DocumentSkip(.corrupt, error.message), uri: item.uri, report: &report, progress: progress, context: context)
            return
        }
        // Not one good record (the file replaced by something else, say): its stored records are never pruned.
        if extraction.records.isEmpty { state.protect(item.uri) }
        for skip in extraction.skips {
            record(DocumentSkip(.corrupt, skip.reason), uri: "\(item.uri)#line\(skip.lineNumber)", report: &report,
                   progress: progress, context: context)
        }
        for record in extraction.records {
            let uri = SourceURI.entry(record.id ?? "line\(record.lineNumber)", in: item.uri)
            guard state.seen.insert(uri).inserted else {
                self.record(DocumentSkip(.corrupt, "duplicate record id"), uri: uri, report: &report, progress: progress, context: context)
                continue
            }
            // The title is part of what is searched: it leads the text as a heading.
            var text = record.extractedText
            if let title = record.title?.trimmingCharacters(in: .whitespacesAndNewlines), !title.isEmpty {
                text.text = title + "\n\n" + text.text
                text.headings = [HeadingMark(level: 1, title: title, offset: 0)]
            }
            let contentHash = SHA256.hex(text.text)
            let existing = state.existing[uri]
            let contentChanged = force || existing == nil || existing?.contentHash != contentHash || !(existing.map { isCurrent($0, state) } ?? false)
            let document = Document(
                id: existing?.id ?? UUID(), sourceURI: uri, owner: owner, title: record.title ?? record.id,
                mediaType: "application/x-ndjson", contentHash: contentHash,
                metadata: ["source_sha256": .string(sourceHash), "line": .number(Double(record.lineNumber))],
                embeddingModel: state.writer.embedder.model, byteSize: text.text.utf8.count)
            progress?.update { $0.documents += 1 }
            try await state.add(
                PendingDocument(document: document, text: text, existingID: existing?.id, contentChanged: contentChanged),
                report: &report)
        }
    }

    /// Whether a stored document was made with this run's embedding model and chunking settings.
    func isCurrent(_ document: DocumentState, _ state: RunState) -> Bool {
        document.embeddingModel == state.writer.embedder.model && document.chunker == state.writer.chunker.fingerprint
    }

    /// A fetched URL (see `checkAndFetchInputs`); a failure is a recorded skip, and the URL's stored document is
    /// kept (never pruned) unless the server said it is gone.
    func ingestURL(
        _ fetched: Result<(SourceItem, String?), DocumentSkip>, state: inout RunState, report: inout IngestReport,
        progress: ProgressReporter?, context: JobContext
    ) async throws {
        progress?.update { $0.files += 1 }
        switch fetched {
        case .success(let (item, contentType)):
            try await ingest(item, declaredType: contentType, state: &state, report: &report, progress: progress, context: context)
        case .failure(let skip):
            let uri = skip.uri ?? "?"
            record(skip, uri: uri, report: &report, progress: progress, context: context)
            if skip.kind != .empty { state.protect(uri) }
        }
    }
}

/// The mutable state of one run: stored documents, what was seen, the batch being filled, and the batches being
/// embedded and stored.
///
/// Writing is a pipeline of three stages: while the run reads and extracts batch N+1, batch N is chunked and
/// embedded (each step on all cores) and batch N-1 stored (the database server working meanwhile; when every
/// document is new, batch N-2 too, see `storeConcurrency`), with one more batch queued for the store stage when
/// the server is the slowest. Each batch is stored in its own transaction, and memory stays at four or five batches.
struct RunState: Sendable {
    let writer: ChunkWriter
    let batchSize: Int
    /// Counts chunks as batches are chunked.
    let progress: ProgressReporter?
    var existing: [String: DocumentState] = [:]
    /// The stored documents read from each container file (archive entries, JSON Lines records), by its URI.
    var containers: [String: [String]] = [:]
    /// The containers read whole this run, with their stamps when opened.
    var readContainers: [String: FileStamp] = [:]
    var seen: Set<String> = []
    /// URIs (and prefixes) that could not be read this run: their stored documents are never pruned.
    var protected: [String] = []
    var batch: [PendingDocument] = []
    /// The text bytes of `batch`.
    private var batchTextBytes = 0
    /// A batch is sent on once its texts reach this many bytes, however few documents it has: the pipeline holds
    /// about five batches, each several times its text once chunked and embedded (see docs/ingestion-limits.md).
    static let batchTextBudget = 4 << 20
    /// Files modified after this are stored without a stamp.
    var stampCutoff = Date.distantPast
    /// The batch being embedded, and those being stored (oldest first).
    private var embedding: Task<ChunkWriter.EmbeddedBatch, any Error>?
    private var storing: [Task<IngestReport, any Error>] = []
    /// The vectors of the batches in `storing` (maybe not stored yet), in the same order.
    private var unstoredVectors: [[String: [Float]]] = []
    /// The text bytes of the batches in `storing`, in the same order, and of the batch being embedded.
    private var storingTextBytes: [Int] = []
    private var embeddingTextBytes = 0
    /// The most text the batches being filled, embedded and stored may hold together (unless one batch alone is
    /// larger): a batch takes about seven times its text once chunked and embedded, so large documents go through
    /// the pipeline one at a time instead of one per stage (see `makeRoom` and docs/ingestion-limits.md).
    static let inFlightTextBudget = 16 << 20
    /// Batches stored at once, each in its own transaction on its own connection. Two when every document is new
    /// (the database server's side of a batch is single-threaded, and with one writer a first load waited on it
    /// half the time): each transaction then locks term counts once, in term order, in its one insert. One when
    /// documents are replaced: a transaction deleting and updating old chunks and inserting new ones locks term
    /// counts in several sequences, and two such transactions could deadlock.
    var storeConcurrency = 1

    init(writer: ChunkWriter, batchSize: Int, progress: ProgressReporter?) {
        self.writer = writer
        self.batchSize = batchSize
        self.progress = progress
    }

    mutating func containerRead(_ uri: String, _ stamp: FileStamp) {
        readContainers[uri] = stamp
    }

    mutating func protect(_ uri: String) {
        protected.append(uri)
    }

    func isProtected(_ uri: String) -> Bool {
        protected.contains { IngestJob.isUnder(uri, root: $0) }
    }

    /// Before a document of about `bytes` is extracted: waits for the batches being embedded and stored until
    /// they, the batch being filled and the document fit in `inFlightTextBudget` (or nothing is left to wait
    /// for), so that a run of large documents holds one of them expanded at a time, not one per pipeline stage.
    mutating func makeRoom(forTextBytes bytes: Int, report: inout IngestReport) async throws {
        while storingTextBytes.reduce(0, +) + embeddingTextBytes + batchTextBytes + bytes > Self.inFlightTextBudget {
            if embedding != nil {
                try await advance(&report)
            } else if !storing.isEmpty {
                try await settleStore(&report)
            } else {
                return
            }
        }
    }

    mutating func add(_ document: PendingDocument, report: inout IngestReport) async throws {
        batch.append(document)
        batchTextBytes += document.text.text.utf8.count
        if batch.count >= batchSize || batchTextBytes >= Self.batchTextBudget { try await flush(&report) }
    }

    /// Moves the pipeline one step: the embedded batch goes to be stored (once a store slot is free), and the
    /// filled batch to be chunked and embedded. Rethrows an earlier batch's error.
    mutating func flush(_ report: inout IngestReport) async throws {
        guard !batch.isEmpty else { return }
        try await advance(&report, nextTextBytes: batchTextBytes)
        let pending = batch
        embeddingTextBytes = batchTextBytes
        batch.removeAll(keepingCapacity: true)
        batchTextBytes = 0
        let writer = writer
        let progress = progress
        // A chunk repeated from a batch not stored yet is not bought again.
        var recent: [String: [Float]] = [:]
        for vectors in unstoredVectors { recent.merge(vectors) { first, _ in first } }
        embedding = Task {
            let prepared = await runOffCooperativePool { writer.prepare(pending) }
            progress?.update { $0.chunks += prepared.reduce(0) { $0 + $1.chunks.count } }
            return try await writer.embed(prepared, recent: recent)
        }
    }

    /// Flushes the last batch and waits until everything is stored; rethrows a write's error.
    mutating func finish(_ report: inout IngestReport) async throws {
        try await flush(&report)
        try await advance(&report)
        while !storing.isEmpty { try await settleStore(&report) }
    }

    /// After a failure elsewhere: lets the batches in flight end (a store's transaction commits or rolls back
    /// whole) so nothing writes once the run has returned. Their errors are dropped for the one being thrown.
    mutating func abandon() async {
        _ = await embedding?.result
        for task in storing { _ = await task.result }
        embedding = nil
        storing = []
        unstoredVectors = []
        storingTextBytes = []
    }

    /// Waits for the batch being embedded and queues it for the store stage, which stores `storeConcurrency`
    /// batches at a time, in order. At most one batch waits there for a slot: the run goes on reading and embedding
    /// meanwhile (it used to wait for the slot itself, and both cores then sat idle while the server finished).
    private mutating func advance(_ report: inout IngestReport, nextTextBytes: Int = 0) async throws {
        guard let task = embedding else { return }
        embedding = nil
        // Not cancelled with the run: a batch is small, and a store's transaction ends whole either way.
        let embedded = try await task.value
        let embeddedBytes = embeddingTextBytes
        embeddingTextBytes = 0
        while storing.count > storeConcurrency { try await settleStore(&report) }
        let writer = writer
        // The slot: the batch stored `storeConcurrency` places earlier. Nothing more is stored after a failure.
        let slot = storing.count >= storeConcurrency ? storing[storing.count - storeConcurrency] : nil
        storing.append(Task {
            if let slot, case .failure = await slot.result { throw CancellationError() }
            return try await writer.store(embedded)
        })
        unstoredVectors.append(embedded.vectors)
        storingTextBytes.append(embeddedBytes)
        // The next batch is embedded once what is being stored leaves room for it.
        while !storing.isEmpty, storingTextBytes.reduce(0, +) + nextTextBytes > Self.inFlightTextBudget {
            try await settleStore(&report)
        }
    }

    /// Waits for the oldest batch being stored and counts it.
    private mutating func settleStore(_ report: inout IngestReport) async throws {
        guard !storing.isEmpty else { return }
        let task = storing.removeFirst()
        unstoredVectors.removeFirst()
        storingTextBytes.removeFirst()
        writer.merge(try await task.value, into: &report)
    }
}

/// Counts a run's files in the background, for the progress bar's total (see `DocumentSources.countFiles`).
final class FileCensus: Sendable {
    private let cancelled = Atomic<Bool>(false)

    /// Starts counting `paths` (plus `urls`, one file each) and sets the total on `progress` when done.
    static func start(paths: [String], urls: Int, options: SourceOptions, progress: ProgressReporter) -> FileCensus {
        let census = FileCensus()
        DispatchQueue.global(qos: .utility).async {
            guard
                let count = DocumentSources.countFiles(
                    paths, options: options, isCancelled: { census.cancelled.load(ordering: .relaxed) })
            else { return }
            progress.update { $0.totalFiles = count + urls }
        }
        return census
    }

    /// Stops a count still running (the run ended first).
    func cancel() {
        cancelled.store(true, ordering: .relaxed)
    }
}
