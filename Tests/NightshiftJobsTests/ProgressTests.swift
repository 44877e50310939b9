import Foundation
import NightshiftAI
import NightshiftCore
@testable import NightshiftJobs
import NightshiftStore
import NightshiftTestSupport
import Synchronization
import Testing

/// Collects what a `ProgressReporter` writes.
final class ProgressOutput: Sendable {
    private let text = Mutex("")
    func write(_ line: String) { text.withLock { $0 += line } }
    var value: String { text.withLock { $0 } }
}

@Suite("Progress output")
struct ProgressTests {
    static func counters(files: Int = 0, totalFiles: Int? = nil, documents: Int = 0, chunks: Int = 0, bytes: Int = 0,
                         skipped: Int = 0) -> ProgressReporter.Counters {
        var counters = ProgressReporter.Counters()
        counters.files = files
        counters.totalFiles = totalFiles
        counters.documents = documents
        counters.chunks = chunks
        counters.bytes = bytes
        counters.skipped = skipped
        return counters
    }

    /// The visible text of a terminal redraw (between `\r` and the clear sequence).
    static func visible(_ line: String) -> String {
        String(line.dropFirst().dropLast(ProgressLine.clearToEnd.count))
    }

    @Test("a terminal redraw: carriage return, the line within the width, then clear to end of line")
    func terminalLine() {
        let snapshot = ProgressSnapshot(
            job: "ingest", counters: Self.counters(files: 250, totalFiles: 1000, documents: 310, chunks: 4210, bytes: 50 << 20, skipped: 3),
            elapsed: 10)
        let line = ProgressLine.terminal(snapshot, width: 120)
        #expect(line.hasPrefix("\r"))
        #expect(line.hasSuffix("\u{1B}[K"))
        #expect(Self.visible(line) == "ingest [######------------------] 250/1000 files, 310 docs, 4210 chunks, 5.0 MB/s, ETA 30s, 3 skipped")
        // The same state at other widths: always within width - 1, the count always there.
        for width in [100, 80, 60, 40, 30, 20, 12] {
            let text = Self.visible(ProgressLine.terminal(snapshot, width: width))
            #expect(text.count <= width - 1, "\(width): \(text)")
            if width >= 30 { #expect(text.contains("250/1000 files"), "\(width): \(text)") }
        }
        // Narrow: the least useful parts go first (chunks, docs, skips, MB/s), ETA last, then the bar.
        #expect(Self.visible(ProgressLine.terminal(snapshot, width: 60))
                == "ingest [####------------] 250/1000 files, 5.0 MB/s, ETA 30s")
        #expect(Self.visible(ProgressLine.terminal(snapshot, width: 40))
                == "ingest [###------------] 250/1000 files")
        #expect(Self.visible(ProgressLine.terminal(snapshot, width: 30)) == "ingest 250/1000 files")
        #expect(Self.visible(ProgressLine.terminal(snapshot, width: 12)) == "ingest 250…")
    }

    @Test("unknown total: counts without a bar or ETA; a phase: its name and seconds")
    func unknownTotalAndPhase() {
        let counting = ProgressSnapshot(job: "ingest", counters: Self.counters(files: 12, documents: 40, chunks: 90, bytes: 1 << 20), elapsed: 2)
        let text = Self.visible(ProgressLine.terminal(counting, width: 80))
        #expect(text == "ingest 12 files, 40 docs, 90 chunks, 512 kB/s")
        var reindex = ProgressReporter.Counters()
        reindex.documents = 5
        reindex.totalDocuments = 20
        let reindexing = ProgressSnapshot(job: "reindex", counters: reindex, elapsed: 65)
        #expect(Self.visible(ProgressLine.terminal(reindexing, width: 80))
                == "reindex [######------------------] 5/20 docs, 0 chunks, 0 kB/s, ETA 3m15s")
        let phase = ProgressSnapshot(job: "ingest", counters: counting.counters, elapsed: 50, phase: "building vector index", phaseElapsed: 40.7)
        #expect(Self.visible(ProgressLine.terminal(phase, width: 80)) == "ingest: building vector index… 40 s")
        #expect(ProgressLine.plain(phase) == "ingest phase=\"building vector index\" phase_elapsed_s=40\n")
    }

    @Test("ETA from the part done; none before anything is done or when all is")
    func eta() {
        func remaining(_ done: Int, _ total: Int, _ elapsed: Double) -> Double? {
            ProgressSnapshot(job: "x", counters: Self.counters(files: done, totalFiles: total), elapsed: elapsed).remaining
        }
        #expect(remaining(250, 1000, 10) == 30)
        #expect(remaining(0, 1000, 10) == nil)
        #expect(remaining(1000, 1000, 10) == 0)
        #expect(remaining(1200, 1000, 10) == 0)
        #expect(ProgressReporter.duration(3725) == "1h02m")
        #expect(ProgressReporter.duration(65) == "1m05s")
        #expect(ProgressReporter.duration(.infinity) == "?")
    }

    @Test("plain lines: key=value pairs, no escape codes")
    func plainLine() {
        let snapshot = ProgressSnapshot(
            job: "ingest", counters: Self.counters(files: 250, totalFiles: 1000, documents: 310, chunks: 4210, bytes: 50 << 20, skipped: 3),
            elapsed: 10)
        #expect(ProgressLine.plain(snapshot)
                == "ingest progress files=250 files_total=1000 documents=310 chunks=4210 skipped=3 mb=50.0 mb_per_s=5.00 elapsed_s=10 eta_s=30\n")
    }

    static let docs = TestEnvironment.repositoryRoot.appendingPathComponent("fixtures/docs").path

    @Test("a real run: no escape codes off a terminal; on one, every redraw cleared; the index build shown as a phase", arguments: TestEnvironment.storeKinds)
    func realRun(kind: StoreKind) async throws {
        for interactive in [false, true] {
            try await withFreshStore(kind) { store in
                let output = ProgressOutput()
                let progress = ProgressReporter(
                    job: "ingest", interactive: interactive, lineInterval: 0.05, output: { output.write($0) }, width: { 100 })
                let report = try await IngestJob(inputs: [Self.docs]).run(
                    in: JobContext(store: store), embedder: LocalEmbeddingProvider(), progress: progress)
                let text = output.value
                #expect(report.added == 13)
                if interactive {
                    #expect(text.hasSuffix("\n"))
                    // Every redraw starts with \r and ends clearing the rest of the line.
                    for redraw in text.split(separator: "\r", omittingEmptySubsequences: true) {
                        #expect(redraw.hasSuffix(ProgressLine.clearToEnd) || redraw.hasSuffix(ProgressLine.clearToEnd + "\n"), "\(redraw)")
                    }
                    #expect(text.contains(" files, 13 docs"))
                } else {
                    #expect(!text.contains("\u{1B}"))
                    #expect(!text.contains("\r"))
                    let last = try #require(text.split(separator: "\n").last)
                    #expect(last.hasPrefix("ingest progress files="))
                    #expect(last.contains("documents=13"))
                }
                // A first load into PostgreSQL builds the vector index after the load.
                if kind == .postgres {
                    #expect(text.contains("building vector index"))
                    #expect(interactive ? text.contains("s, done") : text.contains("done=true"))
                }
            }
        }
    }

    @Test("disabled (--quiet, --json): nothing at all")
    func quiet() async throws {
        try await withFreshStore(.sqlite) { store in
            let output = ProgressOutput()
            let progress = ProgressReporter(job: "ingest", enabled: false, interactive: true, output: { output.write($0) })
            _ = try await IngestJob(inputs: [Self.docs]).run(
                in: JobContext(store: store), embedder: LocalEmbeddingProvider(), progress: progress)
            progress.stop()
            #expect(output.value.isEmpty)
        }
    }
}
