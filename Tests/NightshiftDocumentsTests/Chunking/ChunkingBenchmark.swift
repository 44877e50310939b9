import Foundation
import NightshiftCore
import Testing

@testable import NightshiftDocuments

/// Throughput of chunking and of the token estimate; runs only with `NIGHTSHIFT_BENCH=1` and prints MB/s
/// (CPU time of this thread, so other load on the machine does not count; wall time alongside). No assertions on time.
@Suite("Chunking benchmark", .enabled(if: ProcessInfo.processInfo.environment["NIGHTSHIFT_BENCH"] == "1"))
struct ChunkingBenchmark {
    /// About 20 MB of English-like prose in 10 documents, never repeating (so branch predictors cannot learn it):
    /// common words mixed with words made of random syllables, sentences of 4–24 words, paragraphs of 1–7
    /// sentences, now and then a list or a line with numbers. Deterministic (a fixed-seed generator).
    static func corpus() -> [String] {
        let common = [
            "the", "of", "and", "to", "a", "in", "is", "that", "for", "it", "as", "was", "with", "be", "by", "on",
            "not", "this", "are", "from", "at", "which", "or", "have", "an", "they", "one", "you", "were", "all",
        ]
        let syllables = [
            "con", "tion", "ing", "re", "de", "pro", "ment", "al", "er", "in", "ter", "com", "ex", "ly", "ness",
            "per", "dis", "ble", "ture", "sta", "mi", "la", "no", "ca", "ti", "ver", "gen", "port", "form", "struct",
        ]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        func word() -> String {
            if next(10) < 5 { return common[next(common.count)] }
            return (0...next(3)).map { _ in syllables[next(syllables.count)] }.joined()
        }
        var documents: [String] = []
        for number in 0..<10 {
            var text = "Document \(number)\n\n"
            while text.utf8.count < 2_000_000 {
                switch next(20) {
                case 0:
                    text += (0..<(2 + next(5))).map { _ in "- " + word() + " " + word() }.joined(separator: "\n")
                case 1:
                    text += "Figures for \(next(3000)): \(next(100_000)) items, \(next(1000)).\(next(100)) % of total."
                default:
                    var sentences: [String] = []
                    for _ in 0..<(1 + next(7)) {
                        let words = (0..<(4 + next(21))).map { _ in word() }
                        sentences.append(words.joined(separator: next(8) == 0 ? ", " : " ").capitalized + ".")
                    }
                    text += sentences.joined(separator: " ")
                }
                text += "\n\n"
            }
            documents.append(text)
        }
        return documents
    }

    static func cpuSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    static func measure(_ label: String, bytes: Int, _ body: () -> Int) {
        let wallStart = Date()
        let cpuStart = cpuSeconds()
        let result = body()
        let cpu = cpuSeconds() - cpuStart
        let wall = Date().timeIntervalSince(wallStart)
        let megabytes = Double(bytes) / 1_000_000
        print(
            String(
                format: "bench %@: %.1f MB in %.3f s CPU (%.3f s wall): %.0f MB/s CPU, %.0f MB/s wall (result %d)",
                label, megabytes, cpu, wall, megabytes / cpu, megabytes / wall, result))
    }

    @Test("chunking and token-estimate throughput")
    func throughput() throws {
        let documents = Self.corpus()
        let bytes = documents.reduce(0) { $0 + $1.utf8.count }
        Self.measure("token estimate", bytes: bytes) { documents.reduce(0) { $0 + TokenEstimator.count($1) } }
        let settings: [(String, ChunkingOptions)] = [
            ("chunk tokens 512/64", ChunkingOptions()),
            ("chunk characters 1000/200 (LangChain separators)", .langChain(chunkSize: 1000, chunkOverlap: 200)),
        ]
        for (label, options) in settings {
            let chunker = try Chunker(options)
            Self.measure(label, bytes: bytes) { documents.reduce(0) { $0 + chunker.chunks(of: $1).count } }
        }
    }
}
