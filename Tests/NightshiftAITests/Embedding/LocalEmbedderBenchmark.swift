import Foundation
import NightshiftAI
import Testing

/// Throughput of the local embedder, run when `NIGHTSHIFT_BENCH=1`; prints figures, asserts nothing about time.
///
/// Texts: generated English prose in chunks of about 2 KB (the size ingestion embeds), and, when
/// `NIGHTSHIFT_SCIFACT` names the SciFact folder, its 5,183 real abstracts. Build in release mode for real figures:
/// `NIGHTSHIFT_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter LocalEmbedderBenchmark`.
@Suite("LocalEmbedder benchmark")
struct LocalEmbedderBenchmark {
    static let enabled = ProcessInfo.processInfo.environment["NIGHTSHIFT_BENCH"] == "1"

    @Test("prints embedding throughput in MB/s", .enabled(if: enabled, "set NIGHTSHIFT_BENCH=1"))
    func throughput() throws {
        let embedder = LocalEmbedder()
        _ = embedder.embed("warm up the lexicon")

        var corpora: [(name: String, texts: [String])] = [("generated prose, 2 KB chunks", Self.prose(chunks: 4000))]
        if let folder = ProcessInfo.processInfo.environment["NIGHTSHIFT_SCIFACT"] {
            let corpus = try SciFactEvaluation.jsonLines(
                URL(fileURLWithPath: folder).appendingPathComponent("corpus.jsonl"))
            corpora.append(
                (
                    "SciFact abstracts",
                    corpus.map { SciFactEvaluation.string($0["title"]) + " " + SciFactEvaluation.string($0["text"]) }
                ))
        }
        for (name, texts) in corpora {
            let bytes = texts.reduce(0) { $0 + $1.utf8.count }
            var checksum: Float = 0
            let (single, singleCPU) = Self.seconds {
                for text in texts { checksum += embedder.embed(text)[0] }
            }
            let (batch, batchCPU) = Self.seconds {
                checksum += embedder.embed(texts).reduce(0) { $0 + $1[0] }
            }
            // Ingestion embeds one document's chunks per call: batches of 16.
            let (grouped, groupedCPU) = Self.seconds {
                for start in stride(from: 0, to: texts.count, by: 16) {
                    checksum += embedder.embed(Array(texts[start..<min(start + 16, texts.count)]))[0][0]
                }
            }
            print(
                "LocalEmbedder \(name): batches of 16 texts \(Self.rate(bytes, grouped)) MB/s wall, "
                    + "\(Self.rate(bytes, groupedCPU)) MB/s per CPU second")
            print(
                "LocalEmbedder \(name): \(texts.count) texts, \(bytes / 1000) kB; one text at a time "
                    + "\(Self.rate(bytes, single)) MB/s wall, \(Self.rate(bytes, singleCPU)) MB/s per CPU second; "
                    + "batch \(Self.rate(bytes, batch)) MB/s wall on \(ProcessInfo.processInfo.activeProcessorCount) "
                    + "cores, \(Self.rate(bytes, batchCPU)) MB/s per CPU second (checksum \(checksum))")
        }
        let long = Self.prose(chunks: 1000).joined(separator: "\n\n")
        let (_, longCPU) = Self.seconds { _ = embedder.embed(long) }
        print(
            "LocalEmbedder one text of \(long.utf8.count / 1000) kB: "
                + "\(Self.rate(long.utf8.count, longCPU)) MB/s per CPU second"
        )
        let (_, termsCPU) = Self.seconds { _ = LocalEmbedder.tokenize(long) }
        print("LocalEmbedder.tokenize on the same text: \(Self.rate(long.utf8.count, termsCPU)) MB/s per CPU second")
    }

    /// Wall-clock seconds and CPU seconds of this process (other sessions share the machine: CPU time is the
    /// fairer per-core figure).
    static func seconds(_ body: () -> Void) -> (wall: Double, cpu: Double) {
        let cpuStart = clock()
        let elapsed = ContinuousClock().measure(body)
        let cpu = Double(clock() - cpuStart) / Double(CLOCKS_PER_SEC)
        return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, cpu)
    }

    static func rate(_ bytes: Int, _ seconds: Double) -> String {
        String(format: "%.1f", Double(bytes) / seconds / 1e6)
    }

    /// Deterministic English-like prose: sentences drawn from a small pool, with one word in twenty replaced by a
    /// made-up rare term, so that vocabulary grows with the corpus as real text does.
    static func prose(chunks: Int) -> [String] {
        let pool = """
            The committee reviewed the quarterly report and asked the engineering team to explain the delay. \
            Most of the missing invoices were found in an archive that nobody had opened since the migration. \
            Customers who renewed their subscriptions early received a discount on the following year. \
            Our support engineers answered nearly four thousand questions during the holiday season. \
            The new warehouse in Rotterdam reduced delivery times for the northern European market. \
            Several researchers argued that the measurements were biased by the placement of the sensors. \
            After the outage, the operations group wrote a detailed account of what had gone wrong and why. \
            Training material for new employees now includes a section on handling personal data responsibly. \
            The board approved the budget, although two members abstained because of a conflict of interest. \
            Prices of raw materials rose sharply in the spring, which squeezed the margins of smaller suppliers. \
            A careful reading of the contract shows that the penalty applies only to repeated violations. \
            Engineers replaced the aging pumps with quieter models that consume a third less electricity.
            """.split(separator: ".").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var state: UInt64 = 0x2545_f491_4f6c_dd1d
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        var chunksOut: [String] = []
        chunksOut.reserveCapacity(chunks)
        for _ in 0..<chunks {
            var chunk = ""
            while chunk.utf8.count < 2000 {
                let words = pool[next() % pool.count].split(separator: " ").map { word -> String in
                    guard next() % 20 == 0 else { return String(word) }
                    return String((0..<(4 + next() % 8)).map { _ in letters[next() % letters.count] })
                }
                chunk += words.joined(separator: " ") + ". "
                if next() % 5 == 0 { chunk += "\n\n" }
            }
            chunksOut.append(chunk)
        }
        return chunksOut
    }
}
