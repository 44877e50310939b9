import ArgumentParser
import Foundation
import NightshiftAI
import NightshiftCore
import NightshiftDocuments
import NightshiftJobs
import NightshiftStore

extension SearchMode: ExpressibleByArgument {}
extension IngestJob.IndexPolicy: ExpressibleByArgument {}

/// `--unit tokens|characters` (`chars` for short); anything else is a usage error naming the values.
extension ChunkingUnit: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(rawValue: argument == "chars" ? ChunkingUnit.characters.rawValue : argument)
    }
}

/// `--embedder local|openai`, in any case; anything else is a usage error naming the values.
extension EmbedderName: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }
}

/// Chunking flags shared by `ingest` and `reindex`.
struct ChunkingFlags: ParsableArguments {
    @Option(help: ArgumentHelp("Chunk size (in --unit).", valueName: "n"))
    var chunkSize: Int?

    @Option(help: ArgumentHelp("Overlap between chunks (in --unit).", valueName: "n"))
    var chunkOverlap: Int?

    @Option(help: ArgumentHelp("What --chunk-size and --chunk-overlap count (tokens: a cl100k estimate).", valueName: "unit"))
    var unit: ChunkingUnit = .tokens

    func options() throws -> ChunkingOptions {
        var options = ChunkingOptions(unit: unit)
        if options.unit == .characters {
            options.size = 2000
            options.overlap = 200
        }
        if let chunkSize { options.size = chunkSize }
        if let chunkOverlap { options.overlap = chunkOverlap }
        do {
            try options.validate()
        } catch let error as NightshiftError {
            throw ValidationError(error.message)
        }
        return options
    }
}

struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Chunk and embed files, folders, archives and URLs into agent_memory, incrementally.",
        discussion: """
            Reads plain text, Markdown, HTML, XML (DocBook, XHTML), DOCX, ODT, EPUB and JSON Lines, detected by \
            content as well as by extension; folders recursively; zip, tar, tar.gz/bz2/xz archives as streams \
            (an entry's source URI is the archive's plus #path); http(s) URLs. Anything unreadable is skipped with \
            its reason; the run goes on. A path that does not exist, or a URL that is not one or answers 404 or 410, \
            is bad input (exit 2, naming it) and nothing is stored; a URL whose document is stored and that now \
            answers 404 or 410 is gone (a skip; --prune deletes its document). Without arguments, the sources are \
            NIGHTSHIFT_SOURCES (space-separated, from the environment or the config file).

            A URL is fetched as given, user, password and query included, but stored, shown and logged without \
            its user and password and without query parameters that look like credentials (token, key, sig, \
            password, access_token, X-Amz-Signature…; NIGHTSHIFT_SECRET_QUERY_PARAMS adds names).

            Incremental: a file whose size and modification time are those stored is not even read, nor an \
            archive or JSON Lines file read whole by an earlier run with the same settings (--checksum reads and \
            hashes them anyway), an unchanged source is skipped, a changed document's \
            chunks are swapped in one transaction, and only new or changed chunks are embedded (the summary \
            says how many vectors were reused and how many bought). A killed run leaves whole documents; rerun \
            to finish.

            Examples:
              nightshift ingest fixtures/docs
              nightshift ingest ~/kb --include '**/*.md' --exclude '**/drafts/**' --prune
              nightshift ingest https://example.com/handbook.html --owner 6f1c…
              nightshift ingest corpus.jsonl --text-field text --id-field _id --title-field title
              OPENAI_API_KEY=… nightshift ingest docs/ --embedder openai --json
            """
    )

    @OptionGroup var store: StoreOptions

    @Argument(help: ArgumentHelp("Files, folders, archives or http(s) URLs (default: NIGHTSHIFT_SOURCES).", valueName: "path-or-url"))
    var inputs: [String] = []

    @Option(help: ArgumentHelp("Make the documents private to this user id (default: the shared knowledge base).", valueName: "uuid"))
    var owner: String?

    @Option(parsing: .singleValue, help: ArgumentHelp("Only paths matching this glob (repeatable).", valueName: "glob"))
    var include: [String] = []

    @Option(parsing: .singleValue, help: ArgumentHelp("Skip paths matching this glob (repeatable).", valueName: "glob"))
    var exclude: [String] = []

    @Flag(help: "Walk hidden files and folders too.")
    var hidden = false

    @Option(help: ArgumentHelp("JSON Lines: the field with the text.", valueName: "field"))
    var textField: String?

    @Option(help: ArgumentHelp("JSON Lines: the field identifying a record.", valueName: "field"))
    var idField: String?

    @Option(help: ArgumentHelp("JSON Lines: the field with the title.", valueName: "field"))
    var titleField: String?

    @OptionGroup var chunking: ChunkingFlags

    @Option(help: ArgumentHelp("The embedder (default: NIGHTSHIFT_EMBEDDER, else local, which runs offline).", valueName: "name"))
    var embedder: EmbedderName?

    @Flag(help: "Delete stored documents of these sources that no longer exist.")
    var prune = false

    @Flag(help: "Fail (exit 1) when anything was skipped.")
    var strict = false

    @Flag(help: "Re-extract and rewrite unchanged documents too.")
    var force = false

    @Flag(
        help: ArgumentHelp(
            "Read and hash every file, even one whose size and modification time are unchanged.",
            discussion: """
                By default such a file is not read at all (its document is counted unchanged; an archive or JSON \
                Lines file, all its documents), so a nightly run takes time in proportion to what changed.
                """))
    var checksum = false

    @Option(help: ArgumentHelp("Drop and rebuild the vector index around the load: auto (first load only), always, never.", valueName: "policy"))
    var rebuildIndex: IngestJob.IndexPolicy = .auto

    @Option(help: ArgumentHelp("Documents per transaction.", valueName: "n", visibility: .hidden))
    var batchSize = 64

    @Option(help: ArgumentHelp("Skip documents (files, archive entries, extracted text) larger than this (default: NIGHTSHIFT_MAX_DOCUMENT_MB, else 16).", valueName: "MiB"))
    var maxDocumentMb: Int?

    @Option(help: ArgumentHelp("Stop reading an archive that expands beyond this (default: NIGHTSHIFT_MAX_ARCHIVE_MB, else 8192).", valueName: "MiB"))
    var maxArchiveMb: Int?

    @Flag(help: "Print the summary as JSON on stdout.")
    var json = false

    @Flag(help: "No progress output.")
    var quiet = false

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        if let owner, UUID(uuidString: owner) == nil { throw ValidationError("--owner must be a user id (uuid)") }
        _ = try chunking.options()
    }

    func run() async throws {
        try await runReportingErrors {
            let configuration = try self.store.loadConfiguration()
            // The sources of a setting stay out of the command line (where `ps` shows them to every user).
            let inputs = self.inputs.isEmpty
                ? (configuration["NIGHTSHIFT_SOURCES"] ?? "").split(whereSeparator: \.isWhitespace).map(String.init)
                : self.inputs
            if inputs.isEmpty {
                throw NightshiftError.invalidInput(
                    "give at least one file, folder, archive or URL (or set NIGHTSHIFT_SOURCES)")
            }
            let report = try await withStore(self.store) { store, configuration in
                let progress = ProgressReporter(job: "ingest", enabled: !json && !quiet)
                defer { progress.stop() }
                let embedder = try EmbedderFactory.make(self.embedder, configuration: configuration)
                if embedder is LocalEmbeddingProvider, configuration["OPENAI_API_KEY"] == nil, !json, !quiet {
                    FileHandle.standardError.write(Data("nightshift: offline embedder '\(embedder.model)' (set OPENAI_API_KEY and --embedder openai for OpenAI's)\n".utf8))
                }
                let filter = PathFilter(include: include, exclude: exclude)
                var job = IngestJob(
                    inputs: inputs, owner: Owner(owner.flatMap(UUID.init(uuidString:))),
                    sources: SourceOptions(filter: filter, includeHidden: hidden), chunking: try chunking.options(),
                    extraction: ExtractionOptions(jsonTextField: textField), jsonIDField: idField,
                    jsonTitleField: titleField, prune: prune, strict: strict, force: force,
                    checksum: checksum, batchDocuments: batchSize, rebuildIndex: rebuildIndex,
                    prices: try PriceTable.load(overrideFile: configuration["NIGHTSHIFT_PRICES"]))
                (job.maxDocumentMB, job.maxArchiveMB) = (maxDocumentMb, maxArchiveMb)
                return try await job.run(
                    in: JobContext(store: store, configuration: configuration, logger: Log.logger("ingest")),
                    embedder: embedder, progress: progress)
            }
            if json { printJSON(report.counts) } else { print(report.summary) }
            if report.failed { throw ExitCode(1) }
        }
    }
}

struct Reindex: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-chunk and re-embed stored documents (new embedding model or chunking settings).",
        discussion: """
            Works from each document's stored text: no source is read again. Each batch of documents is swapped \
            in one transaction, so searches and the chat endpoint keep answering from the old chunks until then.

            Examples:
              nightshift reindex --all --embedder openai
              nightshift reindex --source file:///srv/kb/handbook/ --chunk-size 256
              nightshift reindex --document 3f0e…
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp("Documents whose source URI starts with this.", valueName: "prefix"))
    var source: String?

    @Option(help: ArgumentHelp("One document by id.", valueName: "uuid"))
    var document: String?

    @Flag(help: "Every document.")
    var all = false

    @Option(help: ArgumentHelp("Only this user's documents.", valueName: "uuid"))
    var owner: String?

    @OptionGroup var chunking: ChunkingFlags

    @Option(help: ArgumentHelp("The embedder (default: NIGHTSHIFT_EMBEDDER, else local, which runs offline).", valueName: "name"))
    var embedder: EmbedderName?

    @Flag(help: "Print the summary as JSON on stdout.")
    var json = false

    @Flag(help: "No progress output.")
    var quiet = false

    func validate() throws {
        let chosen = [source != nil, document != nil, all].filter { $0 }.count
        if chosen != 1 { throw ValidationError("give exactly one of --source, --document, --all") }
        if let document, UUID(uuidString: document) == nil { throw ValidationError("--document must be a uuid") }
        if let owner, UUID(uuidString: owner) == nil { throw ValidationError("--owner must be a uuid") }
        _ = try chunking.options()
    }

    func run() async throws {
        try await runReportingErrors {
            let report = try await withStore(self.store) { store, configuration in
                let progress = ProgressReporter(job: "reindex", enabled: !json && !quiet)
                defer { progress.stop() }
                let selection: ReindexJob.Selection
                if let source {
                    // URLs are stored in their display form (see `SourceURL`).
                    selection = .sourcePrefix(
                        Search.shown(source, secretParameters: IngestJob.secretParameters(configuration)))
                } else if let document, let id = UUID(uuidString: document) {
                    selection = .document(id)
                } else {
                    selection = .all
                }
                let job = ReindexJob(
                    selection: selection, owner: owner.flatMap(UUID.init(uuidString:)).map(Owner.user),
                    chunking: try chunking.options())
                return try await job.run(
                    in: JobContext(store: store, configuration: configuration, logger: Log.logger("reindex")),
                    embedder: try EmbedderFactory.make(embedder, configuration: configuration),
                    progress: progress)
            }
            if json { printJSON(report.counts) } else { print(report.summary) }
        }
    }
}

struct Search: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find the chunks that answer a question.",
        discussion: """
            Hybrid by default: vector similarity fused with full-text ranking (reciprocal rank fusion). Without \
            --owner, only the shared knowledge base is searched; with it, that user's documents too.

            Examples:
              nightshift search "how do I cancel an appointment?"
              nightshift search "refund policy" -k 3 --mode text --json
            """
    )

    @OptionGroup var store: StoreOptions

    @Argument(help: "The question or keywords.")
    var query: String

    @Option(name: .short, help: "How many chunks.")
    var k = 5

    @Option(help: ArgumentHelp("Include this user's private documents.", valueName: "uuid"))
    var owner: String?

    @Option(help: "hybrid, vector or text.")
    var mode: SearchMode = .hybrid

    @Option(help: ArgumentHelp("The embedder the documents were ingested with.", valueName: "name"))
    var embedder: EmbedderName?

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        if k < 1 || k > 1000 { throw ValidationError("-k must be between 1 and 1000") }
        if let owner, UUID(uuidString: owner) == nil { throw ValidationError("--owner must be a uuid") }
    }

    func run() async throws {
        try await runReportingErrors {
            let (matches, secrets) = try await withStore(self.store) { store, configuration in
                let retriever = Retriever(
                    store: store, embedder: try EmbedderFactory.make(embedder, configuration: configuration), mode: mode)
                let matches = try await retriever.search(
                    query, scope: SearchScope(userID: owner.flatMap(UUID.init(uuidString:))), limit: k)
                return (matches, IngestJob.secretParameters(configuration))
            }
            if json {
                printJSON(.array(matches.map { match in
                    [
                        "score": .number(match.score),
                        "source_uri": match.sourceURI.map { .string(Self.shown($0, secretParameters: secrets)) } ?? .null,
                        "title": match.title.map(JSONValue.string) ?? .null,
                        "heading_path": .array(match.headingPath.map(JSONValue.string)),
                        "chunk_index": match.chunkIndex.map { .number(Double($0)) } ?? .null,
                        "document_id": match.documentID.map { .string($0.canonical) } ?? .null,
                        "content": .string(match.content),
                    ]
                }))
                return
            }
            if matches.isEmpty { print("no matches") }
            for (rank, match) in matches.enumerated() {
                let heading = match.headingPath.isEmpty ? "" : "  › " + match.headingPath.joined(separator: " › ")
                print(String(format: "%d. %.4f  %@%@", rank + 1, match.score, match.sourceURI.map { Self.shown($0, secretParameters: secrets) } ?? "-", heading))
                let snippet = match.content.replacingOccurrences(of: "\n", with: " ")
                print("   " + (snippet.count > 240 ? String(snippet.prefix(240)) + "…" : snippet))
            }
        }
    }
}

extension Search {
    /// A source URI as printed: a URL stored with credentials by an older version is shown without them.
    static func shown(_ uri: String, secretParameters: Set<String> = SourceURL.defaultSecretParameters) -> String {
        let lower = uri.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://")
            ? SourceURL.display(uri, secretParameters: secretParameters) : uri
    }
}

struct Extract: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the text (and headings) ingestion would chunk from a file or URL.",
        discussion: """
            For debugging a source: the same detection and extractors as ingest. The text goes to stdout; \
            --outline prints the heading structure first, --json everything.

            Examples:
              nightshift extract page.html
              nightshift extract report.docx --outline
              nightshift extract https://example.com/post --json
            """
    )

    @Argument(help: ArgumentHelp("A file or http(s) URL.", valueName: "file-or-url"))
    var input: String

    @Flag(help: "Print the heading outline before the text.")
    var outline = false

    @Flag(help: "Print JSON (title, media type, headings, warnings, text).")
    var json = false

    func run() async throws {
        try await runReportingErrors {
            let extracted = try await DocumentFetcher.extract(input)
            if json {
                printJSON([
                    "title": extracted.title.map(JSONValue.string) ?? .null, "media_type": .string(extracted.mediaType),
                    "headings": .array(extracted.headings.map {
                        ["level": .number(Double($0.level)), "title": .string($0.title), "offset": .number(Double($0.offset))]
                    }),
                    "warnings": .array(extracted.warnings.map(JSONValue.string)), "text": .string(extracted.text),
                ])
                return
            }
            if outline {
                for heading in extracted.headings {
                    print(String(repeating: "  ", count: max(0, heading.level - 1)) + "# " + heading.title)
                }
                print("")
            }
            FileHandle.standardOutput.write(Data(extracted.text.utf8))
            if !extracted.text.hasSuffix("\n") { FileHandle.standardOutput.write(Data("\n".utf8)) }
        }
    }
}
