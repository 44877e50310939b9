import Foundation
import NightshiftAI
import NightshiftCore
import NightshiftDocuments
@testable import NightshiftJobs
import NightshiftStore
import NightshiftTestSupport
import Testing

/// Runs a Python 3 script in `folder` (the real zipfile module makes the test archives).
private func runPython(_ script: String, in folder: URL) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script]
    process.currentDirectoryURL = folder
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw NightshiftError.invalidInput("python3 failed in \(folder.path)") }
}

private func write(_ folder: URL, _ name: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: folder.appendingPathComponent(name))
}

/// Prose of about `bytes` bytes, in lines.
private func prose(_ bytes: Int) -> [UInt8] {
    let line = Array("The clinic opens at nine and closes at six on weekdays, and books sessions online.\n".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes + line.count)
    while out.count < bytes { out += line }
    return Array(out.prefix(bytes))
}

@Suite("Ingestion limits and repairs")
struct IngestLimitsTests {
    @Test("the limits come from flags, then settings, then defaults; bad values name the setting and the flag")
    func settings() throws {
        let defaults = try IngestLimits.resolve(Configuration())
        #expect(defaults == IngestLimits(documentMB: 16, archiveMB: 8192))
        #expect(defaults.documentBytes == 16 << 20 && defaults.archiveBytes == 8 << 30)

        let configured = Configuration(values: ["NIGHTSHIFT_MAX_DOCUMENT_MB": "64", "NIGHTSHIFT_MAX_ARCHIVE_MB": "100"])
        #expect(try IngestLimits.resolve(configured) == IngestLimits(documentMB: 64, archiveMB: 100))
        #expect(try IngestLimits.resolve(configured, documentMB: 2, archiveMB: 3) == IngestLimits(documentMB: 2, archiveMB: 3))

        for (key, value) in [
            ("NIGHTSHIFT_MAX_DOCUMENT_MB", "0"), ("NIGHTSHIFT_MAX_DOCUMENT_MB", "-5"), ("NIGHTSHIFT_MAX_DOCUMENT_MB", "ten"),
            ("NIGHTSHIFT_MAX_ARCHIVE_MB", "2000000"), ("NIGHTSHIFT_MAX_ARCHIVE_MB", "1.5"),
        ] {
            #expect(throws: NightshiftError.self, "\(key)=\(value)") {
                try IngestLimits.resolve(Configuration(values: [key: value]))
            }
            do {
                _ = try IngestLimits.resolve(Configuration(values: [key: value]))
            } catch let error as NightshiftError {
                #expect(error.code == .configuration)
                #expect(error.context["setting"] == key)
            }
        }
        do {
            _ = try IngestLimits.resolve(Configuration(), documentMB: 0)
            Issue.record("a zero flag was accepted")
        } catch let error as NightshiftError {
            #expect(error.message.contains("--max-document-mb"))
        }

        let limits = IngestLimits(documentMB: 5, archiveMB: 50)
        let sources = limits.apply(to: SourceOptions())
        #expect(sources.maxFileBytes == 5 << 20)
        #expect(sources.archiveLimits.maxEntryBytes == 5 << 20 && sources.archiveLimits.maxTotalBytes == 50 << 20)
        let office = limits.apply(to: ExtractionOptions()).archiveLimits
        #expect(office.maxEntryBytes == 20 << 20 && office.maxTotalBytes == 40 << 20)
    }

    @Test(
        "a file, an archive entry or an extracted text over the document limit, and an archive over its limit, are skipped naming the setting",
        arguments: TestEnvironment.storeKinds)
    func limitsSkipWithReasons(kind: StoreKind) async throws {
        let folder = try TestEnvironment.temporaryDirectory("limits")
        defer { try? FileManager.default.removeItem(at: folder) }
        try write(folder, "small.txt", prose(20_000))
        try write(folder, "large.txt", prose((1 << 20) + 1))
        // UTF-16 ideographs: 0.9 MiB of source, 1.35 MiB of UTF-8 text.
        var utf16: [UInt8] = [0xFF, 0xFE]
        for index in 0..<(470_000) {
            let unit = UInt16(0x4E00 + index % 2000)
            utf16 += [UInt8(unit & 0xFF), UInt8(unit >> 8)]
        }
        try write(folder, "wide.txt", utf16)
        try runPython(
            """
            import zipfile
            line = b"Sessions are booked online and confirmed by email within the hour.\\n"
            with zipfile.ZipFile("big-entry.zip", "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("ok.md", b"# Fine\\n\\nA small entry.\\n")
                z.writestr("huge.txt", line * (1200000 // len(line)))
            with zipfile.ZipFile("many.zip", "w", zipfile.ZIP_DEFLATED) as z:
                for i in range(4):
                    z.writestr("part%d.txt" % i, (b"part %d " % i) + line * (900000 // len(line)))
            """, in: folder)
        try await withFreshStore(kind) { store in
            var job = IngestJob(inputs: [folder.path])
            job.maxDocumentMB = 1
            job.maxArchiveMB = 2
            let report = try await job.run(in: JobContext(store: store), embedder: LocalEmbeddingProvider())
            let uri = { (name: String) in SourceURI.file(path: folder.appendingPathComponent(name).path) }
            let skips = Dictionary(report.skipped.map { ($0.uri, $0) }, uniquingKeysWith: { first, _ in first })

            let large = try #require(skips[uri("large.txt")])
            #expect(large.kind == "limit")
            #expect(large.reason.contains("1 MiB") && large.reason.contains("NIGHTSHIFT_MAX_DOCUMENT_MB or --max-document-mb"))
            let wide = try #require(skips[uri("wide.txt")])
            #expect(wide.reason.contains("extracted text of 1.3 MiB exceeds the 1 MiB document limit"))
            #expect(wide.reason.contains("NIGHTSHIFT_MAX_DOCUMENT_MB"))
            let entry = try #require(skips[uri("big-entry.zip") + "#huge.txt"])
            #expect(entry.kind == "limit" && entry.reason.contains("NIGHTSHIFT_MAX_DOCUMENT_MB"))
            let archive = try #require(report.skipped.first { $0.uri.hasPrefix(uri("many.zip")) })
            #expect(archive.kind == "limit")
            #expect(archive.reason.contains("expands beyond 2 MiB") && archive.reason.contains("NIGHTSHIFT_MAX_ARCHIVE_MB or --max-archive-mb"))
            #expect(report.skipped.count == 4)

            // What is within the limits is stored: the small file, the small entry, the archive's first two parts.
            let stored = Set(try await store.documents(sourcePrefix: nil, owner: nil).map(\.sourceURI))
            #expect(stored == [uri("small.txt"), uri("big-entry.zip") + "#ok.md", uri("many.zip") + "#part0.txt", uri("many.zip") + "#part1.txt"])
        }
    }

    @Test("documents larger than a batch's text budget are stored whole, each with all its chunks")
    func largeDocumentsInSmallBatches() async throws {
        let folder = try TestEnvironment.temporaryDirectory("budget")
        defer { try? FileManager.default.removeItem(at: folder) }
        let size = RunState.batchTextBudget / 2 + 1000
        for index in 0..<5 { try write(folder, "doc\(index).txt", Array("document \(index)\n".utf8) + prose(size)) }
        try await withFreshStore(.sqlite) { store in
            let report = try await IngestJob(inputs: [folder.path]).run(in: JobContext(store: store), embedder: LocalEmbeddingProvider())
            #expect(report.added == 5)
            let chunker = Chunker()
            var expected = 0
            for index in 0..<5 {
                let text = String(decoding: Array("document \(index)\n".utf8) + prose(size), as: UTF8.self)
                expected += chunker.chunks(of: text).count
            }
            #expect(report.chunks == expected)
            for document in try await store.documents(sourcePrefix: nil, owner: nil) {
                let content = try await store.documentContent(id: document.id)
                #expect(content?.utf8.count == size + "document 0\n".utf8.count)
            }
        }
    }

    @Test("text with a few invalid UTF-8 bytes is stored with U+FFFD and reported; mostly invalid bytes are skipped as binary")
    func invalidUTF8IsRepairedAndReported() async throws {
        let folder = try TestEnvironment.temporaryDirectory("utf8")
        defer { try? FileManager.default.removeItem(at: folder) }
        // A short UTF-8 note with two stray bytes (a tenth of its bytes), a long one with three, Latin-1 German.
        try write(folder, "note.txt", Array("Grüße ".utf8) + [0xFF] + Array("aus".utf8) + [0xC3] + Array(" Köln".utf8))
        try write(folder, "long.md", Array("# Notes\n\nThe café ".utf8) + [0xE2, 0x82] + prose(3000) + [0xFE])
        try write(folder, "latin1.txt", [0x47, 0x72, 0xFC, 0xDF, 0x65, 0x20, 0x61, 0x75, 0x73, 0x20, 0x4B, 0xF6, 0x6C, 0x6E])
        // KOI8-R Russian: nearly every byte invalid UTF-8.
        try write(folder, "koi8.txt", [0xF0, 0xD2, 0xC9, 0xD7, 0xC5, 0xD4, 0x20, 0xCD, 0xC9, 0xD2, 0x20, 0xD7, 0xD3, 0xC5, 0xCD])
        try await withFreshStore(.sqlite) { store in
            let report = try await IngestJob(inputs: [folder.path]).run(in: JobContext(store: store), embedder: LocalEmbeddingProvider())
            let uri = { (name: String) in SourceURI.file(path: folder.appendingPathComponent(name).path) }
            #expect(report.added == 3)
            #expect(report.skipped.map(\.uri) == [uri("koi8.txt")])
            #expect(report.skipped.first?.kind == "binary")

            let warnings = Dictionary(report.warnings.map { ($0.uri, $0.message) }, uniquingKeysWith: { first, _ in first })
            #expect(warnings[uri("note.txt")]?.contains("replaced 2 invalid UTF-8 byte(s)") == true)
            #expect(warnings[uri("long.md")]?.contains("replaced 3 invalid UTF-8 byte(s)") == true)
            #expect(warnings[uri("long.md")]?.contains("(2 replacement character(s))") == true)
            #expect(warnings[uri("latin1.txt")]?.contains("Windows-1252") == true)
            #expect(report.summary.contains("warnings:\n  \(uri("latin1.txt"))"))

            let documents = try await store.documents(sourcePrefix: nil, owner: nil)
            let note = try #require(documents.first { $0.sourceURI == uri("note.txt") })
            #expect(try await store.documentContent(id: note.id) == "Grüße \u{FFFD}aus\u{FFFD} Köln")
            let latin1 = try #require(documents.first { $0.sourceURI == uri("latin1.txt") })
            #expect(try await store.documentContent(id: latin1.id) == "Grüße aus Köln")
        }
    }
}
