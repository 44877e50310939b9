import ArgumentParser
import Foundation
import NightshiftAI
import NightshiftCore
import NightshiftDocuments
import NightshiftJobs
import NightshiftStore

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks that print figures (performance goals live here, not in tests).",
        discussion: """
            Examples:
              nightshift bench ingest --documents 5000 --kb 10
              DATABASE_URL=postgres://postgres@127.0.0.1/postgres nightshift bench stats --rows 1000000
              nightshift bench retrieval --corpus corpus.jsonl --queries queries.jsonl --qrels qrels-test.tsv
              nightshift bench chat --rate 200 --requests 20000
            """,
        subcommands: [StatsBench.self, RetrievalBench.self, IngestBench.self, ChatBench.self]
    )

    struct IngestBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ingest",
            abstract: "Throughput of extract, chunk, search terms, embed and store on a synthetic corpus; a nightly rerun after 1 % changed.",
            discussion: """
                Generates DOCUMENTS files of about KB kilobytes (Markdown, every fifth HTML) in a temporary folder, \
                then prints MB/s and chunks/s for extraction, chunking, search terms and local embedding alone, the \
                end-to-end first load into the store (the embedded one, or a scratch database on DATABASE_URL's \
                server; the HNSW index build on its own line), and the seconds of a rerun after 1 % of the documents \
                changed.

                Example:
                  nightshift bench ingest --documents 20000 --kb 10
                  DATABASE_URL=postgres://postgres@127.0.0.1/postgres nightshift bench ingest --documents 100000 --kb 5
                """
        )

        @OptionGroup var store: StoreOptions

        @Option(help: "Documents to generate.")
        var documents = 5000

        @Option(name: .customLong("kb"), help: "Approximate size of each document in kilobytes.")
        var kilobytes = 10

        @Flag(help: "Keep the scratch database (PostgreSQL).")
        var keep = false

        @Flag(help: "Print the figures as one JSON object at the end (the lines go to stderr as progress).")
        var json = false

        @Flag(help: "With --json: no progress lines.")
        var quiet = false

        func run() async throws {
            try await runReportingErrors {
                let configuration = try self.store.loadConfiguration()
                Log.bootstrap(configuration)
                var figures: [String: JSONValue] = ["documents": .number(Double(documents)), "kb": .number(Double(kilobytes))]
                /// A figure's line (stdout, or stderr as progress with --json) and its values for --json.
                func emit(_ line: String, _ values: [String: Double] = [:]) {
                    for (key, value) in values { figures[key] = .number((value * 1000).rounded() / 1000) }
                    let text = line + "  (peak RSS \(ProcessMemory.megabytes(ProcessMemory.peakResidentBytes())))\n"
                    if !json {
                        FileHandle.standardOutput.write(Data(text.utf8))
                    } else if !quiet {
                        FileHandle.standardError.write(Data(text.utf8))
                    }
                }
                let benchmark = IngestBenchmark(documents: documents, documentKilobytes: kilobytes)
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nightshift-bench-\(UUID().uuidString.prefix(8))")
                let corpus = folder.appendingPathComponent("corpus")
                try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: folder) }
                var started = Date()
                let bytes = try benchmark.generate(into: corpus)
                let megabytes = Double(bytes) / 1_048_576
                emit(String(format: "corpus: %d documents, %.1f MB, generated in %.1f s", documents, megabytes, Date().timeIntervalSince(started)),
                     ["corpus_mb": megabytes])

                // Stages alone, one document at a time as ingestion does.
                var texts: [ExtractedText] = []
                let sample = (0..<min(documents, 2000)).map { benchmark.document($0, revision: 0) }
                let sampleBytes = sample.reduce(0) { $0 + $1.1.count }
                started = Date()
                for (name, data) in sample {
                    texts.append(try DocumentExtractor.extract(data: Array(data), filename: name, declaredType: nil))
                }
                let extractSeconds = Date().timeIntervalSince(started)
                emit(String(format: "extract:  %.1f MB/s (%d documents)", Double(sampleBytes) / 1_048_576 / extractSeconds, texts.count),
                     ["extract_mb_per_s": Double(sampleBytes) / 1_048_576 / extractSeconds])
                let chunker = Chunker()
                started = Date()
                var chunks: [TextChunk] = []
                for text in texts { chunks += chunker.chunks(of: text) }
                let chunkSeconds = Date().timeIntervalSince(started)
                var chunkTexts = chunks.map(\.text)
                let textBytes = texts.reduce(0) { $0 + $1.text.utf8.count }
                emit(String(format: "chunk:    %.1f MB/s, %.0f chunks/s", Double(textBytes) / 1_048_576 / chunkSeconds, Double(chunkTexts.count) / chunkSeconds),
                     ["chunk_mb_per_s": Double(textBytes) / 1_048_576 / chunkSeconds, "chunks_per_s": Double(chunkTexts.count) / chunkSeconds])
                // Search terms as ingestion writes them for PostgreSQL: the stems, then their binary tsvector.
                let terms = SearchTermWriter()
                started = Date()
                var vectorBytes = 0
                for chunk in chunks {
                    let written = terms.joined(headingPath: chunk.headingPath, text: chunk.text)
                    vectorBytes += PostgresStore.searchVector(terms: written.terms).count
                }
                let termSeconds = Date().timeIntervalSince(started)
                emit(String(format: "terms:    %.1f MB/s, %.0f chunks/s (stems and tsvectors, %.1f MB of them)", Double(textBytes) / 1_048_576 / termSeconds, Double(chunks.count) / termSeconds, Double(vectorBytes) / 1_048_576),
                     ["terms_mb_per_s": Double(textBytes) / 1_048_576 / termSeconds])
                chunks.removeAll()
                let embedder = LocalEmbedder()
                started = Date()
                _ = embedder.embed(chunkTexts)
                let embedSeconds = Date().timeIntervalSince(started)
                emit(String(format: "embed:    %.1f MB/s, %.0f chunks/s (local, %d dimensions)", Double(textBytes) / 1_048_576 / embedSeconds, Double(chunkTexts.count) / embedSeconds, embedder.dimensions),
                     ["embed_mb_per_s": Double(textBytes) / 1_048_576 / embedSeconds])
                texts.removeAll()
                chunkTexts.removeAll()

                // End to end, into the configured store (a scratch database on PostgreSQL).
                var cleanup: (() async -> Void)?
                let store: any Store
                switch try StoreLocation.resolve(configuration) {
                case .postgres(let url):
                    let scratch = try await PostgresStore.createScratchDatabase(serverURL: url, prefix: "nightshift_bench_ingest_")
                    let postgres = try await PostgresStore.open(url: scratch.url)
                    try await postgres.migrate()
                    store = postgres
                    if !keep { cleanup = { try? await PostgresStore.dropScratchDatabase(scratch) } }
                case .sqlite:
                    store = try await SQLiteStore.open(path: folder.appendingPathComponent("bench.sqlite").path)
                }
                let context = JobContext(store: store, configuration: configuration, logger: Log.logger("ingest"))
                let first = try await IngestJob(inputs: [corpus.path]).run(in: context, embedder: LocalEmbeddingProvider())
                let loadSeconds = first.seconds - first.indexSeconds
                emit(String(format: "ingest (%@): %.1f MB/s end to end, %d documents, %d chunks in %.1f s (%.0f chunks/s)",
                            store.kind.rawValue, megabytes / loadSeconds, first.added, first.chunks, loadSeconds, Double(first.chunks) / loadSeconds),
                     ["ingest_mb_per_s": megabytes / loadSeconds, "ingest_s": loadSeconds, "chunks": Double(first.chunks)])
                if first.indexSeconds > 0 {
                    emit(String(format: "index build (HNSW + BM25 postings): %.1f s for %d chunks", first.indexSeconds, first.chunks),
                         ["index_build_s": first.indexSeconds])
                }
                // Search latency at this size, each mode (the questions use the corpus's vocabulary).
                let questions = LoadGenerator.messages
                for mode in [SearchMode.hybrid, .vector, .text] {
                    let retriever = Retriever(store: store, embedder: LocalEmbeddingProvider(), mode: mode)
                    _ = try await retriever.search(questions[0], scope: .shared, limit: 5)
                    let began = Date()
                    let rounds = 5
                    for round in 0..<rounds {
                        for question in questions { _ = try await retriever.search(question + " \(round)", scope: .shared, limit: 5) }
                    }
                    let perQuery = Date().timeIntervalSince(began) * 1000 / Double(rounds * questions.count)
                    emit(String(format: "search (%@, k=5): %.1f ms/query over %d chunks", mode.rawValue, perQuery, first.chunks),
                         ["search_\(mode.rawValue)_ms": perQuery])
                }
                // A nightly run: 1 % of the documents changed.
                let changed = max(1, documents / 100)
                for step in 0..<changed {
                    let index = step * 100 % documents
                    let (name, data) = benchmark.document(index, revision: 1)
                    try data.write(to: corpus.appendingPathComponent(name))
                }
                let nightly = try await IngestJob(inputs: [corpus.path]).run(in: context, embedder: LocalEmbeddingProvider())
                emit(String(format: "nightly rerun: %.2f s (%d changed, %d unchanged; %d vectors computed, %d reused)",
                            nightly.seconds, nightly.changed, nightly.unchanged, nightly.embeddingsComputed, nightly.embeddingsReused),
                     ["nightly_rerun_s": nightly.seconds])
                let unchanged = try await IngestJob(inputs: [corpus.path]).run(in: context, embedder: LocalEmbeddingProvider())
                emit(String(format: "rerun with nothing changed: %.2f s", unchanged.seconds), ["unchanged_rerun_s": unchanged.seconds])
                if json {
                    figures["store"] = .string(store.kind.rawValue)
                    figures["peak_rss_bytes"] = ProcessMemory.peakResidentBytes().map { .number(Double($0)) } ?? .null
                    printJSON(.object(figures))
                }
                await store.close()
                await cleanup?()
            }
        }
    }

    struct RetrievalBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "retrieval",
            abstract: "nDCG@10 and Recall@100 of Nightshift's search on a BEIR dataset (SciFact).",
            discussion: """
                Ingests CORPUS (JSON Lines with _id, title, text) into the store unless --no-ingest, searches every \
                query of QRELS and prints nDCG@10 and Recall@100 (as score_ir.py computes them); --run writes the \
                run file for score_ir.py.

                Example:
                  NIGHTSHIFT_DB=/tmp/scifact.sqlite nightshift bench retrieval \\
                    --corpus ../shared/benchmarks/scifact/corpus.jsonl --queries ../shared/benchmarks/scifact/queries.jsonl \\
                    --qrels ../shared/benchmarks/scifact/qrels-test.tsv --mode hybrid
                """
        )

        @OptionGroup var store: StoreOptions

        @Option(help: "The corpus (JSON Lines).")
        var corpus: String?

        @Option(help: "The queries (JSON Lines with _id, text).")
        var queries: String

        @Option(help: "The relevance judgments (query-id, corpus-id, score).")
        var qrels: String

        @Option(help: "hybrid, vector or text.")
        var mode: SearchMode = .hybrid

        @Option(help: "Reciprocal rank fusion constant.")
        var rrfK = FusionSettings.standard.rrfK

        @Option(help: "Weight of the vector ranking in fusion.")
        var semanticWeight = FusionSettings.standard.semanticWeight

        @Option(help: "Weight of the full-text ranking in fusion.")
        var fullTextWeight = FusionSettings.standard.fullTextWeight

        @Option(help: "Candidates per ranking, as a multiple of the result count.")
        var candidateFactor = FusionSettings.standard.candidateFactor

        @Option(help: "Write the run file (query<TAB>doc) here.")
        var run: String?

        @Flag(help: "Print the figures as JSON.")
        var json = false

        func run() async throws {
            try await runReportingErrors {
                let (result, kind) = try await withStore(self.store) { store, configuration in
                    let embedder = try EmbedderFactory.make(nil, configuration: configuration)
                    if let corpus {
                        let report = try await IngestJob(
                            inputs: [corpus], extraction: ExtractionOptions(jsonTextField: "text"), jsonIDField: "_id",
                            jsonTitleField: "title"
                        ).run(in: JobContext(store: store, configuration: configuration, logger: Log.logger("ingest")), embedder: embedder)
                        let line = String(format: "ingested %d documents (%d unchanged) in %.1f s", report.added + report.changed, report.unchanged, report.seconds)
                        if json { note(line) } else { print(line) }
                    }
                    let fusion = FusionSettings(rrfK: rrfK, semanticWeight: semanticWeight, fullTextWeight: fullTextWeight, candidateFactor: candidateFactor)
                    let result = try await RetrievalBenchmark(queriesPath: queries, qrelsPath: qrels, mode: mode, fusion: fusion)
                        .run(store: store, embedder: embedder)
                    return (result, store.kind)
                }
                if let run { try AtomicFile.write(result.run, to: run) }
                if json {
                    printJSON([
                        "mode": .string(mode.rawValue), "store": .string(kind.rawValue), "rrf_k": .number(Double(rrfK)),
                        "semantic_weight": .number(semanticWeight), "full_text_weight": .number(fullTextWeight),
                        "ndcg_at_10": .number(result.ndcgAt10), "recall_at_100": .number(result.recallAt100),
                        "queries": .number(Double(result.queries)),
                        "ms_per_query": .number(result.seconds * 1000 / Double(max(result.queries, 1))),
                    ])
                    return
                }
                print(String(format: "%@ (%@, k=%d, weights %.2f/%.2f): nDCG@10 %.4f  Recall@100 %.4f  queries %d  %.1f ms/query",
                             mode.rawValue, kind.rawValue, rrfK, semanticWeight, fullTextWeight, result.ndcgAt10,
                             result.recallAt100, result.queries, result.seconds * 1000 / Double(max(result.queries, 1))))
            }
        }
    }

    struct StatsBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stats",
            abstract: "Time the statistics job and reports on synthetic executions in PostgreSQL.",
            discussion: """
                Creates a scratch database on the server of DATABASE_URL (the role needs CREATEDB), migrates it, \
                loads N synthetic executions with COPY, and times: the first full stats run, an incremental run \
                after new rows (5 % of them late), a rerun with nothing new, and one-year reports. Prints peak \
                memory. The scratch database is dropped afterwards unless --keep.

                Example:
                  DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres nightshift bench stats --rows 10000000
                """
        )

        @OptionGroup var store: StoreOptions

        @Option(help: "Executions to load.")
        var rows = 10_000_000

        @Option(help: "Distinct users.")
        var users = 10_000

        @Option(help: "Days of history.")
        var days = 365

        @Option(help: "New rows before the incremental run.")
        var incremental = 100_000

        @Flag(help: "Keep the scratch database.")
        var keep = false

        @Flag(help: "Print the timed steps as JSON at the end (the lines go to stderr as progress).")
        var json = false

        @Flag(help: "With --json: no progress lines.")
        var quiet = false

        func run() async throws {
            try await runReportingErrors {
                let configuration = try self.store.loadConfiguration()
                Log.bootstrap(configuration)
                guard case .postgres(let url) = try StoreLocation.resolve(configuration) else {
                    throw NightshiftError(.configuration, "bench stats needs DATABASE_URL (a PostgreSQL server)")
                }
                let scratch = try await PostgresStore.createScratchDatabase(serverURL: url, prefix: "nightshift_bench_")
                let progress: @Sendable (String) -> Void = { [json, quiet] line in
                    if !json {
                        FileHandle.standardOutput.write(Data((line + "\n").utf8))
                    } else if !quiet {
                        FileHandle.standardError.write(Data((line + "\n").utf8))
                    }
                }
                progress("scratch database \(scratch.name)")
                let store = try await PostgresStore.open(url: scratch.url)
                do {
                    try await store.migrate()
                    let benchmark = StatsBenchmark(rows: rows, users: users, days: days, incrementalRows: incremental)
                    let steps = try await benchmark.run(on: store, emit: progress)
                    progress("peak RSS of this process: \(ProcessMemory.megabytes(ProcessMemory.peakResidentBytes()))")
                    if json {
                        printJSON([
                            "rows": .number(Double(rows)), "users": .number(Double(users)), "days": .number(Double(days)),
                            "steps": .array(steps.map { step in
                                ["name": .string(step.name), "seconds": .number(step.seconds), "detail": .string(step.detail)]
                            }),
                            "peak_rss_bytes": ProcessMemory.peakResidentBytes().map { .number(Double($0)) } ?? .null,
                        ])
                    }
                } catch {
                    await store.close()
                    if !keep { try? await PostgresStore.dropScratchDatabase(scratch) }
                    throw error
                }
                await store.close()
                if !keep { try await PostgresStore.dropScratchDatabase(scratch) }
            }
        }
    }
}
