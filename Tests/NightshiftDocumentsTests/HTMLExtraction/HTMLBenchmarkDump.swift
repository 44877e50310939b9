import Foundation
import NightshiftCore
import NightshiftDocuments
import Testing

/// Writes the extracted text of the trafilatura evaluation pages for `score_html.py --dir`, and prints the
/// extraction speed. Runs only when asked to (see `scripts/bench-html.sh`):
///
///     NIGHTSHIFT_HTML_BENCH_PAGES=../shared/benchmarks/html/trafilatura-eval/pages \
///     NIGHTSHIFT_HTML_BENCH_OUT=/tmp/html-out swift test -c release --filter HTMLBenchmarkDump
@Suite("HTML benchmark dump")
struct HTMLBenchmarkDump {
    static let environment = ProcessInfo.processInfo.environment
    static let outputDirectory = environment["NIGHTSHIFT_HTML_BENCH_OUT"]

    @Test("extracts every benchmark page into <page>.txt", .enabled(if: outputDirectory != nil))
    func dump() throws {
        let output = try #require(Self.outputDirectory)
        let pagesPath = try #require(Self.environment["NIGHTSHIFT_HTML_BENCH_PAGES"], "set NIGHTSHIFT_HTML_BENCH_PAGES")
        let files = try FileManager.default.contentsOfDirectory(atPath: pagesPath)
            .filter { $0.hasSuffix(".html") }
            .sorted()
        #expect(!files.isEmpty)
        var pages: [(name: String, bytes: [UInt8])] = []
        for file in files {
            let data = try Data(contentsOf: URL(fileURLWithPath: pagesPath).appendingPathComponent(file))
            pages.append((file, [UInt8](data)))
        }
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let clock = ContinuousClock()
        var best = Duration.seconds(3600)
        var texts: [String] = []
        for _ in 0..<3 {
            texts.removeAll(keepingCapacity: true)
            let start = clock.now
            for page in pages {
                texts.append(try HTMLExtractor.extract(data: page.bytes, url: page.name, declaredCharset: nil).text)
            }
            best = min(best, clock.now - start)
        }
        for (page, text) in zip(pages, texts) {
            let url = URL(fileURLWithPath: output).appendingPathComponent(page.name + ".txt")
            try Data(text.utf8).write(to: url)
        }
        let bytes = pages.reduce(0) { $0 + $1.bytes.count }
        let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) / 1e18
        let rate = Double(bytes) / seconds / 1_000_000
        print("html benchmark: \(pages.count) pages, \(bytes) bytes, \(seconds) s, \(rate) MB/s (one core)")
    }
}
