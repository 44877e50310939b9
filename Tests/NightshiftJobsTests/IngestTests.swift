import Foundation
import Logging
import NightshiftAI
import NightshiftCore
import NightshiftDocuments
@testable import NightshiftJobs
import NightshiftStore
import NightshiftTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An embedder with another model name, standing in for "the embedding model changed".
struct RenamedEmbedder: Embedder {
    let model: String
    let base = LocalEmbeddingProvider()
    var dimensions: Int { base.dimensions }
    func embed(_ texts: [String]) async throws -> EmbeddingBatchResult { try await base.embed(texts) }
}

/// A paid embedder (not the local one) whose `failOn`-th call fails, as a provider giving up mid-run; it counts
/// the texts it embedded.
actor FailingEmbedder: Embedder {
    nonisolated let model = LocalEmbeddingProvider().model
    nonisolated var dimensions: Int { LocalEmbeddingProvider().dimensions }
    let failOn: Int
    private(set) var calls = 0
    private(set) var texts = 0

    init(failOn: Int) {
        self.failOn = failOn
    }

    func embed(_ texts: [String]) async throws -> EmbeddingBatchResult {
        calls += 1
        if calls == failOn { throw NightshiftError(.provider, "the provider gave up", context: [:]) }
        self.texts += texts.count
        return try await LocalEmbeddingProvider().embed(texts)
    }
}

/// Ingestion end to end on real files and archives, on both stores.
@Suite("Ingestion")
struct IngestTests {
    static let docs = TestEnvironment.repositoryRoot.appendingPathComponent("fixtures/docs").path

    static func ingest(_ store: any Store, _ inputs: [String], chunking: ChunkingOptions = ChunkingOptions(),
                       prune: Bool = false, embedder: any Embedder = LocalEmbeddingProvider()) async throws -> IngestReport {
        try await IngestJob(inputs: inputs, chunking: chunking, prune: prune).run(in: JobContext(store: store), embedder: embedder)
    }

    /// A copy of fixtures/docs in a temporary folder, which tests may change.
    static func copyOfDocs() throws -> URL {
        let folder = try TestEnvironment.temporaryDirectory("docs")
        let target = folder.appendingPathComponent("docs")
        try FileManager.default.copyItem(atPath: docs, toPath: target.path)
        return target
    }

    @Test("fixtures/docs: every format ingested, the broken file skipped, the questions answered", arguments: TestEnvironment.storeKinds)
    func fixtureCorpus(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            let report = try await Self.ingest(store, [Self.docs])
            #expect(report.added == 13)
            #expect(report.skipped.map(\.uri) == [SourceURI.file(path: Self.docs + "/broken-report.docx")])
            #expect(!report.failed)
            let uris = try await store.documents(sourcePrefix: nil, owner: nil).map(\.sourceURI)
            for expected in [
                "booking-guide.md", "privacy-policy.html", "session-notes.xml", "therapist-onboarding.docx",
                "billing.odt", "wellbeing-handbook.epub", "faq.txt", "policies.zip#policies/data-retention.md",
                "clinic-info.tar.gz#clinic/opening-hours.txt", "articles.jsonl#breathing",
            ] {
                #expect(uris.contains { $0.hasSuffix(expected) }, "missing \(expected)")
            }
            let html = try #require(try await store.documents(sourcePrefix: nil, owner: nil).first { $0.sourceURI.hasSuffix(".html") })
            let htmlChunks = try await store.chunks(documentID: html.id)
            #expect(htmlChunks.allSatisfy { !$0.content.contains("Accept all") && !$0.content.contains("Share on Facebook") })
            #expect(htmlChunks.first?.headingPath.first == "Privacy Policy")

            let questions = try JSONValue.parse(
                try String(contentsOfFile: TestEnvironment.repositoryRoot.appendingPathComponent("fixtures/docs-questions.json").path,
                           encoding: .utf8))
            let retriever = Retriever(store: store, embedder: LocalEmbeddingProvider())
            var correct = 0
            let items = questions["questions"]?.arrayValue ?? []
            for item in items {
                let question = try #require(item["question"]?.stringValue)
                let answer = try #require(item["answer"]?.stringValue)
                let top = try await retriever.search(question, scope: .shared, limit: 3).first
                if top?.sourceURI?.hasSuffix(answer) == true { correct += 1 } else { Issue.record("\(question) → \(top?.sourceURI ?? "nothing")") }
            }
            #expect(items.count >= 10)
            #expect(correct == items.count)
        }
    }

    @Test("a second run changes nothing; a changed document reuses the vectors of its unchanged chunks", arguments: TestEnvironment.storeKinds)
    func incremental(kind: StoreKind) async throws {
        let folder = try TestEnvironment.temporaryDirectory("incremental")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("guide.md")
        let sections = (1...8).map { "## Section \($0)\n\nThis is paragraph \($0) about topic number \($0) with enough words to stand alone as its own chunk of text." }
        try ("# Guide\n\n" + sections.joined(separator: "\n\n")).write(to: file, atomically: true, encoding: .utf8)
        let small = ChunkingOptions(unit: .characters, size: 160, overlap: 0)
        try await withFreshStore(kind) { store in
            let first = try await Self.ingest(store, [folder.path], chunking: small)
            #expect(first.added == 1)
            #expect(first.chunks >= 8)
            #expect(first.embeddingsComputed == first.chunks)
            let second = try await Self.ingest(store, [folder.path], chunking: small)
            #expect(second.unchanged == 1 && second.added == 0 && second.changed == 0)
            #expect(second.embeddingsComputed == 0)
            var changed = sections
            changed[4] = "## Section 5\n\nThis paragraph was rewritten completely and now talks about something else entirely."
            try ("# Guide\n\n" + changed.joined(separator: "\n\n")).write(to: file, atomically: true, encoding: .utf8)
            let documentID = try #require(try await store.documents(sourcePrefix: nil, owner: nil).first).id
            let before = try await store.chunks(documentID: documentID)
            let third = try await Self.ingest(store, [folder.path], chunking: small)
            #expect(third.changed == 1)
            #expect(third.embeddingsComputed == 1)
            #expect(third.embeddingsReused == first.chunks - 1)
            let after = try await store.chunks(documentID: documentID)
            #expect(after.count == before.count)
            #expect(Set(after.map(\.id)).intersection(before.map(\.id)).count == before.count - 1)
            #expect(after.contains { $0.content.contains("rewritten completely") })
        }
    }

    /// Sets a file's modification time to the nanosecond.
    static func setModified(_ path: String, nanoseconds: Int64) throws {
        var times = [
            timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000)),
            timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000)),
        ]
        guard utimensat(AT_FDCWD, path, &times, 0) == 0 else { throw NightshiftError.invalidInput("utimensat \(path)") }
    }

    static func stamp(_ store: any Store, _ path: String) async throws -> String? {
        try await store.document(sourceURI: SourceURI.file(path: path), owner: .shared)?.metadata["source_stamp"]?.stringValue
    }

    @Test("a file whose size and modification time are unchanged is not read; --checksum reads it", arguments: TestEnvironment.storeKinds)
    func unchangedStamp(kind: StoreKind) async throws {
        let folder = try TestEnvironment.temporaryDirectory("stamps")
        defer { try? FileManager.default.removeItem(at: folder) }
        let a = folder.appendingPathComponent("a.md").path
        let b = folder.appendingPathComponent("b.md").path
        let recent = folder.appendingPathComponent("recent.md").path
        try "# Alpha\n\nThe alpha document talks about lighthouses.".write(toFile: a, atomically: true, encoding: .utf8)
        try "# Beta\n\nThe beta document talks about orchards.".write(toFile: b, atomically: true, encoding: .utf8)
        try "# Recent\n\nWritten a moment ago.".write(toFile: recent, atomically: true, encoding: .utf8)
        let hourAgo = Int64((Date().timeIntervalSince1970 - 3600) * 1e9)
        try Self.setModified(a, nanoseconds: hourAgo)
        try Self.setModified(b, nanoseconds: hourAgo)
        // Modified "now" as far as the run can tell, however long a loaded machine takes to start it: a day
        // ahead (its clock may also lag the file system's).
        try Self.setModified(recent, nanoseconds: Int64((Date().timeIntervalSince1970 + 86_400) * 1e9))
        try await withFreshStore(kind) { store in
            let first = try await Self.ingest(store, [folder.path])
            #expect(first.added == 3)
            let sizeA = try #require(try FileManager.default.attributesOfItem(atPath: a)[.size] as? Int)
            #expect(try await Self.stamp(store, a) == "\(sizeA):\(hourAgo)")
            // Modified less than 2 s before the run began: no stamp, so the next run reads it again.
            #expect(try await Self.stamp(store, recent) == nil)

            // Same size, same modification time, other bytes: not read, so not noticed...
            try "# Alpha\n\nThe alpha document talks about watchtowers.".write(toFile: a, atomically: true, encoding: .utf8)
            #expect(try FileManager.default.attributesOfItem(atPath: a)[.size] as? Int == sizeA)
            try Self.setModified(a, nanoseconds: hourAgo)
            let second = try await Self.ingest(store, [folder.path])
            #expect(second.unchanged == 3 && second.changed == 0 && second.added == 0)
            #expect(second.bytes < 100)  // only recent.md was read
            let storedA = try #require(try await store.document(sourceURI: SourceURI.file(path: a), owner: .shared))
            #expect(try await store.documentContent(id: storedA.id)?.contains("lighthouses") == true)
            // ...until --checksum reads every file.
            let checked = try await IngestJob(inputs: [folder.path], checksum: true)
                .run(in: JobContext(store: store), embedder: LocalEmbeddingProvider())
            #expect(checked.changed == 1 && checked.unchanged == 2)
            #expect(try await store.documentContent(id: storedA.id)?.contains("watchtowers") == true)

            // Touched (new time, same bytes): read once, nothing re-embedded or rewritten, the new stamp kept.
            let storedB = try #require(try await store.document(sourceURI: SourceURI.file(path: b), owner: .shared))
            let chunksB = try await store.chunks(documentID: storedB.id).map(\.id)
            try Self.setModified(b, nanoseconds: hourAgo + 60_000_000_000)
            let touched = try await Self.ingest(store, [folder.path])
            #expect(touched.unchanged == 3 && touched.changed == 0 && touched.embeddingsComputed == 0)
            #expect(try await Self.stamp(store, b)?.hasSuffix(":\(hourAgo + 60_000_000_000)") == true)
            #expect(try await store.chunks(documentID: storedB.id).map(\.id) == chunksB)
            // A deleted file is still pruned: stamps only spare reading.
            try FileManager.default.removeItem(atPath: b)
            let pruned = try await Self.ingest(store, [folder.path], prune: true)
            #expect(pruned.deleted == 1 && pruned.unchanged == 2)
        }
    }

    @Test(
        "archives and JSON Lines files read whole keep their stamp on their documents and are not opened again while it holds; other settings or a failed run read them again",
        arguments: TestEnvironment.storeKinds)
    func unchangedContainers(kind: StoreKind) async throws {
        let folder = try TestEnvironment.temporaryDirectory("containers")
        defer { try? FileManager.default.removeItem(at: folder) }
        let containers = ["policies.zip", "clinic-info.tar.gz", "articles.jsonl"]
        let hourAgo = Int64((Date().timeIntervalSince1970 - 3600) * 1e9)
        var original: [String: Data] = [:]
        for name in containers {
            let path = folder.appendingPathComponent(name).path
            try FileManager.default.copyItem(atPath: Self.docs + "/" + name, toPath: path)
            original[name] = try Data(contentsOf: URL(fileURLWithPath: path))
            try Self.setModified(path, nanoseconds: hourAgo)
        }
        let documents = 2 + 1 + 3  // zip entries, tar entries, JSON Lines records
        /// The stamps stored with each container's documents.
        func stamps(_ store: any Store) async throws -> [String: Set<String?>] {
            var stamps: [String: Set<String?>] = [:]
            for document in try await store.documents(sourcePrefix: nil, owner: .shared) {
                let container = try #require(IngestJob.container(of: document.sourceURI))
                stamps[container, default: []].insert(document.metadata["source_stamp"]?.stringValue)
            }
            return stamps
        }
        try await withFreshStore(kind) { store in
            // A run that fails before its end leaves no container stamped, though it stored some documents.
            let failing = IngestJob(inputs: [folder.path], batchDocuments: 1)
            await #expect(throws: NightshiftError.self) {
                _ = try await failing.run(in: JobContext(store: store), embedder: FailingEmbedder(failOn: 3))
            }
            let partial = try await store.documents(sourcePrefix: nil, owner: .shared)
            #expect(!partial.isEmpty && partial.count < documents)
            #expect(partial.allSatisfy { $0.metadata["source_stamp"] == nil })

            // The next run reads every container and finishes the work; each container's documents get its stamp.
            let first = try await Self.ingest(store, [folder.path])
            #expect(first.added + first.changed == documents - partial.count && first.unchanged == partial.count)
            var stored = try await stamps(store)
            #expect(stored.count == 3)
            for name in containers {
                let path = folder.appendingPathComponent(name).path
                let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
                let set = try #require(stored[SourceURI.file(path: path)])
                #expect(set.count == 1)
                #expect(set.first??.hasPrefix("\(size):\(hourAgo)/") == true, "\(name): \(set)")
            }

            // Same size and time, other bytes (garbage): not opened, so not noticed; nothing read at all.
            for name in containers {
                let path = folder.appendingPathComponent(name).path
                try Data(repeating: 0x00, count: original[name]?.count ?? 0).write(to: URL(fileURLWithPath: path))
                try Self.setModified(path, nanoseconds: hourAgo)
            }
            let second = try await Self.ingest(store, [folder.path], prune: true)
            #expect(second.unchanged == documents && second.added == 0 && second.deleted == 0)
            #expect(second.bytes == 0 && second.skipped.isEmpty)

            // Other walk settings (hidden files too): the containers are read again, and the garbage noticed; the
            // stored documents of a container that cannot be read are kept.
            var hidden = SourceOptions()
            hidden.includeHidden = true
            let other = try await IngestJob(inputs: [folder.path], sources: hidden, prune: true)
                .run(in: JobContext(store: store), embedder: LocalEmbeddingProvider())
            #expect(other.bytes > 0 && other.deleted == 0)
            #expect(Set(other.skipped.map(\.uri)).isSuperset(of: containers.filter { $0 != "articles.jsonl" }.map {
                SourceURI.file(path: folder.appendingPathComponent($0).path)
            }))
            #expect(try await store.documents(sourcePrefix: nil, owner: .shared).count == documents)

            // The real bytes back, touched: read once, nothing rewritten but the stamps.
            for name in containers {
                let path = folder.appendingPathComponent(name).path
                try original[name]?.write(to: URL(fileURLWithPath: path))
                try Self.setModified(path, nanoseconds: hourAgo + 1_000_000_000)
            }
            let touched = try await Self.ingest(store, [folder.path])
            #expect(touched.unchanged == documents && touched.embeddingsComputed == 0 && touched.bytes > 0)
            stored = try await stamps(store)
            #expect(stored.values.allSatisfy { $0.count == 1 && $0.first??.contains(":\(hourAgo + 1_000_000_000)/") == true })
            let again = try await Self.ingest(store, [folder.path])
            #expect(again.unchanged == documents && again.bytes == 0)
        }
    }

    @Test("an embedder failing mid-run: the batches before it stored whole, none after; the rerun completes", arguments: TestEnvironment.storeKinds)
    func failureMidRun(kind: StoreKind) async throws {
        let folder = try TestEnvironment.temporaryDirectory("failing")
        defer { try? FileManager.default.removeItem(at: folder) }
        for index in 0..<10 {
            try "# Note \(index)\n\nParagraph one of note \(index).\n\nParagraph two of note \(index)."
                .write(to: folder.appendingPathComponent("note\(index).md"), atomically: true, encoding: .utf8)
        }
        try await withFreshStore(kind) { store in
            // Batches of two documents: the third batch's vectors fail, while the second is being stored.
            let job = IngestJob(inputs: [folder.path], batchDocuments: 2)
            await #expect(throws: NightshiftError.self) {
                _ = try await job.run(in: JobContext(store: store), embedder: FailingEmbedder(failOn: 3))
            }
            let stored = try await store.documents(sourcePrefix: nil, owner: nil)
            #expect(stored.count == 4)
            for document in stored {
                #expect(try await store.chunks(documentID: document.id).count == document.chunkCount)
            }
            let rerun = try await job.run(in: JobContext(store: store), embedder: LocalEmbeddingProvider())
            #expect(rerun.added == 6 && rerun.unchanged == 4)
            #expect(try await store.documents(sourcePrefix: nil, owner: nil).count == 10)
        }
    }

    @Test("a paid embedder never embeds a chunk twice, even across batches still being stored", arguments: TestEnvironment.storeKinds)
    func paidOnceAcrossBatches(kind: StoreKind) async throws {
        let folder = try TestEnvironment.temporaryDirectory("paid-once")
        defer { try? FileManager.default.removeItem(at: folder) }
        // Three batches of two notes with the same two texts: the second and third batches are embedded while
        // the first may still be being stored (two batches are stored at once).
        for index in 0..<6 {
            try "# Shared \(index % 2)\n\nThe same paragraph, word for word, number \(index % 2)."
                .write(to: folder.appendingPathComponent("note\(index).md"), atomically: true, encoding: .utf8)
        }
        try await withFreshStore(kind) { store in
            let embedder = FailingEmbedder(failOn: 0)
            let report = try await IngestJob(inputs: [folder.path], batchDocuments: 2)
                .run(in: JobContext(store: store), embedder: embedder)
            #expect(report.added == 6)
            #expect(report.embeddingsComputed == report.chunks / 3)
            #expect(report.embeddingsReused == report.chunks / 3 * 2)
            #expect(await embedder.texts == report.chunks / 3)
        }
    }

    @Test("prune deletes documents whose files are gone, and only with --prune", arguments: TestEnvironment.storeKinds)
    func prune(kind: StoreKind) async throws {
        let docs = try Self.copyOfDocs()
        defer { try? FileManager.default.removeItem(at: docs.deletingLastPathComponent()) }
        try await withFreshStore(kind) { store in
            _ = try await Self.ingest(store, [docs.path])
            try FileManager.default.removeItem(at: docs.appendingPathComponent("faq.txt"))
            let kept = try await Self.ingest(store, [docs.path])
            #expect(kept.deleted == 0)
            #expect(try await store.documents(sourcePrefix: nil, owner: nil).count == 13)
            let pruned = try await Self.ingest(store, [docs.path], prune: true)
            #expect(pruned.deleted == 1)
            #expect(try await store.documents(sourcePrefix: nil, owner: nil).count == 12)
            // A path that does not exist is bad input and prunes nothing.
            await #expect(throws: NightshiftError.self) { try await Self.ingest(store, [docs.path + "-nowhere"], prune: true) }
            #expect(try await store.documents(sourcePrefix: nil, owner: nil).count == 12)
        }
    }

    @Test("a new embedding model or chunking re-embeds; searches never mix models", arguments: TestEnvironment.storeKinds)
    func modelChange(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            _ = try await Self.ingest(store, [Self.docs])
            let renamed = RenamedEmbedder(model: "local-hash-test-v2")
            let report = try await ReindexJob(selection: .all).run(in: JobContext(store: store), embedder: renamed)
            #expect(report.changed == 13)
            #expect(report.embeddingsComputed == report.chunks)
            let documents = try await store.documents(sourcePrefix: nil, owner: nil)
            #expect(documents.allSatisfy { $0.embeddingModel == "local-hash-test-v2" })
            let old = try await Retriever(store: store, embedder: LocalEmbeddingProvider(), mode: .vector)
                .search("cancel a session", scope: .shared, limit: 5)
            #expect(old.isEmpty)
            let new = try await Retriever(store: store, embedder: renamed).search("cancel a session", scope: .shared, limit: 5)
            #expect(new.first?.sourceURI?.hasSuffix("booking-guide.md") == true)
            // Ingest with the old model again: every document is out of date, so all are re-embedded.
            let back = try await Self.ingest(store, [Self.docs])
            #expect(back.changed == 13 && back.unchanged == 0)
        }
    }

    @Test("readers never see a document with no chunks or with two models' chunks during a reindex", arguments: TestEnvironment.storeKinds)
    func atomicSwap(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            _ = try await Self.ingest(store, [Self.docs])
            let document = try #require(try await store.documents(sourcePrefix: nil, owner: nil).first { $0.sourceURI.hasSuffix("booking-guide.md") })
            let models = ["m-a", "m-b"]
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for round in 0..<12 {
                        _ = try await ReindexJob(selection: .document(document.id), chunking: ChunkingOptions(unit: .characters, size: 200 + round * 10, overlap: 0))
                            .run(in: JobContext(store: store), embedder: RenamedEmbedder(model: models[round % 2]))
                    }
                }
                group.addTask {
                    for _ in 0..<60 {
                        let chunks = try await store.chunks(documentID: document.id)
                        #expect(!chunks.isEmpty)
                        #expect(Set(chunks.map(\.embeddingModel)).count == 1)
                        #expect(chunks.map(\.index) == Array(0..<chunks.count))
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    @Test("a JSON Lines file is one document per record, identified by its id field", arguments: TestEnvironment.storeKinds)
    func jsonLines(kind: StoreKind) async throws {
        let folder = try TestEnvironment.temporaryDirectory("jsonl")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("corpus.jsonl")
        try """
            {"_id": "a1", "title": "Alpha", "text": "alpha text about glaciers"}
            {"_id": "b2", "title": "Beta", "text": "beta text about volcanoes"}
            not json at all
            {"_id": "c3", "title": "Gamma", "text": "gamma text about deserts"}
            """.write(to: file, atomically: true, encoding: .utf8)
        try await withFreshStore(kind) { store in
            let report = try await Self.ingest(store, [file.path])
            #expect(report.added == 3)
            #expect(report.skipped.count == 1)
            #expect(report.skipped.first?.uri.hasSuffix("#line3") == true)
            let beta = try #require(try await store.document(sourceURI: SourceURI.file(path: file.path) + "#b2", owner: .shared))
            #expect(beta.title == "Beta")
            let hits = try await Retriever(store: store, embedder: LocalEmbeddingProvider()).search("volcano", scope: .shared, limit: 1)
            #expect(hits.first?.sourceURI?.hasSuffix("#b2") == true)
        }
    }

    @Test("private documents are seen by their owner only")
    func ownership() async throws {
        try await withFreshStore(.sqlite) { store in
            let alice = UUID()
            let bob = UUID()
            try await store.createUser(User(id: alice))
            try await store.createUser(User(id: bob))
            let folder = try TestEnvironment.temporaryDirectory("owned")
            defer { try? FileManager.default.removeItem(at: folder) }
            try "Alice's secret recipe uses saffron and cardamom.".write(
                to: folder.appendingPathComponent("recipe.txt"), atomically: true, encoding: .utf8)
            _ = try await IngestJob(inputs: [folder.path], owner: .user(alice)).run(in: JobContext(store: store), embedder: LocalEmbeddingProvider())
            let retriever = Retriever(store: store, embedder: LocalEmbeddingProvider())
            #expect(try await retriever.search("saffron recipe", scope: SearchScope(userID: alice), limit: 3).count == 1)
            #expect(try await retriever.search("saffron recipe", scope: SearchScope(userID: bob), limit: 3).isEmpty)
            #expect(try await retriever.search("saffron recipe", scope: .shared, limit: 3).isEmpty)
        }
    }

    @Test(
        "PostgreSQL: a first load drops and rebuilds the HNSW index and BM25 postings; a later load keeps them; missing ones are repaired",
        .enabled(if: TestEnvironment.postgresEnabled))
    func indexRebuild() async throws {
        try await withFreshStore(.postgres) { store in
            #expect(try await store.hasSearchIndexes())
            // With the smallest memory a build may be given (the server's own setting wins over it): the graph of
            // even a few chunks needs more than 64 MB in all, so the run says so.
            let log = CapturedLog()
            let first = try await IngestJob(inputs: [Self.docs]).run(
                in: JobContext(
                    store: store, configuration: Configuration(values: ["NIGHTSHIFT_INDEX_MEMORY_MB": "64"]),
                    logger: log.logger),
                embedder: LocalEmbeddingProvider())
            #expect(first.indexSeconds > 0)
            #expect(log.messages.contains { $0.level == .warning && $0.text.contains("NIGHTSHIFT_INDEX_MEMORY_MB=64") })
            #expect(try await store.hasSearchIndexes())
            let questions = Retriever(store: store, embedder: LocalEmbeddingProvider())
            let top = try await questions.search("cancel a session without paying", scope: .shared, limit: 3).first
            #expect(top?.sourceURI?.hasSuffix("booking-guide.md") == true)
            // The BM25 postings were built in bulk after the load.
            let words = Retriever(store: store, embedder: LocalEmbeddingProvider(), mode: .text)
            let wordsTop = try await words.search("cancel a session without paying", scope: .shared, limit: 3).first
            #expect(wordsTop?.sourceURI?.hasSuffix("booking-guide.md") == true)

            let folder = try TestEnvironment.temporaryDirectory("more")
            defer { try? FileManager.default.removeItem(at: folder) }
            try "A new note about parking at the clinic.".write(
                to: folder.appendingPathComponent("parking.txt"), atomically: true, encoding: .utf8)
            let second = try await Self.ingest(store, [folder.path])
            #expect(second.added == 1)
            #expect(second.indexSeconds == 0)
            // Kept row by row by the trigger on a later load.
            #expect(try await words.search("parking clinic", scope: .shared, limit: 1).first?.sourceURI?.hasSuffix("parking.txt") == true)

            // A run killed between the drop and the rebuild leaves the index missing: the next run rebuilds it.
            try await store.setSearchIndexes(enabled: false, memoryLimit: SearchIndexMemory.defaultLimit)
            #expect(try await !store.hasSearchIndexes())
            try "Valet parking is free on Sundays.".write(
                to: folder.appendingPathComponent("valet.txt"), atomically: true, encoding: .utf8)
            _ = try await Self.ingest(store, [folder.path])
            #expect(try await store.hasSearchIndexes())
            #expect(try await words.search("valet sundays", scope: .shared, limit: 1).first?.sourceURI?.hasSuffix("valet.txt") == true)
            #expect(try await words.search("cancel a session without paying", scope: .shared, limit: 1).first?.sourceURI?.hasSuffix("booking-guide.md") == true)
            // The document frequencies (sql/0016) were counted with the postings, in bulk and row by row.
            let pool = try #require(store as? PostgresStore).pool
            let counted = try await pool.query(
                """
                select (select count(*) from public.agent_memory_terms) > 0
                   and not exists (
                        select term, embedding_model, count(*) from public.agent_memory_terms group by 1, 2
                        except
                        select term, embedding_model, chunks from public.agent_memory_term_counts)
                   and not exists (
                        select term, embedding_model, chunks from public.agent_memory_term_counts where chunks <> 0
                        except
                        select term, embedding_model, count(*) from public.agent_memory_terms group by 1, 2)
                """).first?.decode(0, as: Bool.self)
            #expect(counted == true)
        }
    }

    @Test("the index build's memory: what the graph needs, at least the server's setting, at most the limit; the limit is checked")
    func indexBuildMemory() throws {
        let mb = 1 << 20
        #expect(SearchIndexMemory.needed(chunks: 0) == 64 * mb)
        #expect(SearchIndexMemory.needed(chunks: 25_000) == 64 * mb + 25_000 * 4096)
        // Small: what it needs, unless the server's setting is more.
        #expect(SearchIndexMemory.forBuild(chunks: 10_000, serverSetting: 16 * mb, limit: 1024 * mb) == 64 * mb + 10_000 * 4096)
        #expect(SearchIndexMemory.forBuild(chunks: 10_000, serverSetting: 2048 * mb, limit: 1024 * mb) == 2048 * mb)
        // Big: the limit.
        #expect(SearchIndexMemory.forBuild(chunks: 500_000, serverSetting: 64 * mb, limit: 1024 * mb) == 1024 * mb)
        #expect(try IngestJob.indexMemoryLimit(Configuration()) == SearchIndexMemory.defaultLimit)
        #expect(try IngestJob.indexMemoryLimit(Configuration(values: ["NIGHTSHIFT_INDEX_MEMORY_MB": "4096"])) == 4096 * mb)
        for bad in ["32", "lots", "-1"] {
            let error = #expect(throws: NightshiftError.self) {
                try IngestJob.indexMemoryLimit(Configuration(values: ["NIGHTSHIFT_INDEX_MEMORY_MB": bad]))
            }
            #expect(error?.description.contains("NIGHTSHIFT_INDEX_MEMORY_MB") == true, "\(bad)")
        }
    }
}

/// A first load by a role that may write the rows but does not own the tables (a service-role-like login).
@Suite("Ingest as a role that does not own the tables", .enabled(if: TestEnvironment.postgresEnabled))
struct NonOwnerIngestTests {
    /// A fresh migrated database and a login role with BYPASSRLS and the service role's grants (select, insert,
    /// update, delete on every table), owning none of them; the role's URL.
    static func withNonOwner(_ body: (_ ownerStore: PostgresStore, _ loaderURL: String) async throws -> Void) async throws {
        let url = try await TestDatabases.shared.makePostgresDatabase()
        let role = "ns_loader_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12))"
        let owner = try await PostgresStore.open(url: Secret(url))
        try await owner.pool.withConnection { connection in
            try await connection.simpleQuery(
                """
                create role \(role) login bypassrls nosuperuser inherit in role service_role
                """)
        }
        var components = URLComponents(string: url)
        components?.user = role
        let loaderURL = components?.string ?? url
        do {
            try await body(owner, loaderURL)
        } catch {
            await owner.close()
            await TestDatabases.dropPostgresDatabase(url)
            _ = try? await PGConnection.connect(url: Secret(try TestDatabases.adminURL())).simpleQuery("drop role if exists \(role)")
            throw error
        }
        await owner.close()
        await TestDatabases.dropPostgresDatabase(url)
        _ = try? await PGConnection.connect(url: Secret(try TestDatabases.adminURL())).simpleQuery("drop role if exists \(role)")
    }

    @Test("--rebuild-index auto keeps the indexes, maintains them as it loads, and says so in one line")
    func autoFallsBack() async throws {
        try await Self.withNonOwner { owner, loaderURL in
            let indexBefore = try await owner.pool.scalar(
                "select to_regclass('public.idx_agent_memory_embedding')::oid::bigint", as: Int.self)
            let loader = try await PostgresStore.open(url: Secret(loaderURL))
            let log = CapturedLog()
            let report = try await IngestJob(inputs: [IngestTests.docs]).run(
                in: JobContext(store: loader, logger: log.logger), embedder: LocalEmbeddingProvider())
            #expect(report.added > 0)
            #expect(report.indexSeconds == 0)
            let notices = log.messages.filter { $0.text.contains("does not own public.agent_memory") }
            #expect(notices.count == 1)
            #expect(notices.first?.level == .notice)
            #expect(notices.first?.text.contains("\n") == false)
            // The same index as before the load (never dropped), the postings kept by their trigger.
            let indexAfter = try await owner.pool.scalar(
                "select to_regclass('public.idx_agent_memory_embedding')::oid::bigint", as: Int.self)
            #expect(indexBefore != nil && indexAfter == indexBefore)
            #expect(try await loader.hasSearchIndexes())
            for mode in [SearchMode.vector, .text, .hybrid] {
                let top = try await Retriever(store: loader, embedder: LocalEmbeddingProvider(), mode: mode)
                    .search("cancel a session without paying", scope: .shared, limit: 3).first
                #expect(top?.sourceURI?.hasSuffix("booking-guide.md") == true, "\(mode)")
            }
            await loader.close()
        }
    }

    @Test("--rebuild-index always is refused before anything is loaded, naming the role and the way out")
    func alwaysIsRefused() async throws {
        try await Self.withNonOwner { owner, loaderURL in
            let loader = try await PostgresStore.open(url: Secret(loaderURL))
            do {
                _ = try await IngestJob(inputs: [IngestTests.docs], rebuildIndex: .always).run(
                    in: JobContext(store: loader), embedder: LocalEmbeddingProvider())
                Issue.record("a non-owner cannot rebuild the indexes")
            } catch let error as NightshiftError {
                #expect(error.code == .configuration)
                #expect(error.description.contains("--rebuild-index auto"))
            }
            #expect(try await owner.tableCounts().first { $0.table == "agent_memory" }?.rows == 0)
            #expect(try await owner.hasSearchIndexes())
            await loader.close()
        }
    }
}

/// A logger whose messages a test can read back.
final class CapturedLog: Sendable {
    struct Message: Sendable {
        var level: Logger.Level
        var text: String
    }

    private struct Handler: LogHandler {
        let sink: CapturedLog
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            sink.stored.withLock { $0.append(Message(level: event.level, text: event.message.description)) }
        }
    }

    private let stored = Mutex<[Message]>([])

    var messages: [Message] { stored.withLock { $0 } }

    var logger: Logger {
        Logger(label: "test") { _ in Handler(sink: self) }
    }
}
