import Foundation
import NightshiftAI
import NightshiftCore
import NightshiftStore

/// Retrieval quality on a BEIR-style dataset (corpus.jsonl, queries.jsonl, qrels.tsv) through Nightshift's own
/// search: nDCG@10 and Recall@100, computed as `score_ir.py` does, and a run file it can score.
public struct RetrievalBenchmark: Sendable {
    public var queriesPath: String
    public var qrelsPath: String
    public var mode: SearchMode
    public var fusion: FusionSettings

    public init(queriesPath: String, qrelsPath: String, mode: SearchMode, fusion: FusionSettings) {
        self.queriesPath = queriesPath
        self.qrelsPath = qrelsPath
        self.mode = mode
        self.fusion = fusion
    }

    public struct Result: Sendable {
        public var queries: Int
        public var ndcgAt10: Double
        public var recallAt100: Double
        public var seconds: Double
        public var run: String
    }

    /// Searches every judged query (documents are identified by the part of their source URI after the last `#`).
    public func run(store: any Store, embedder: any Embedder) async throws -> Result {
        var judged: [String: [String: Int]] = [:]
        for line in try String(contentsOfFile: qrelsPath, encoding: .utf8).split(separator: "\n") {
            let parts = line.split(separator: "\t").map(String.init)
            guard parts.count >= 3, let grade = Int(parts[2]) else { continue }
            judged[parts[0], default: [:]][parts[1]] = grade
        }
        let retriever = Retriever(store: store, embedder: embedder, mode: mode, fusion: fusion)
        var ndcgSum = 0.0
        var recallSum = 0.0
        var count = 0
        var run = ""
        let started = Date()
        for line in try String(contentsOfFile: queriesPath, encoding: .utf8).split(separator: "\n") {
            let query = try JSONValue.parse(String(line))
            guard let id = query["_id"]?.stringValue, let text = query["text"]?.stringValue, let relevant = judged[id] else { continue }
            var ranked: [String] = []
            for match in try await retriever.search(text, scope: .shared, limit: 100) {
                guard let doc = match.sourceURI?.split(separator: "#").last.map(String.init), !ranked.contains(doc) else { continue }
                ranked.append(doc)
            }
            for doc in ranked { run += "\(id)\t\(doc)\n" }
            var dcg = 0.0
            for (rank, doc) in ranked.prefix(10).enumerated() {
                dcg += Double(relevant[doc] ?? 0) / log2(Double(rank + 2))
            }
            let ideal = relevant.values.sorted(by: >).prefix(10).enumerated().reduce(0.0) { $0 + Double($1.element) / log2(Double($1.offset + 2)) }
            ndcgSum += ideal > 0 ? dcg / ideal : 0
            let positives = relevant.filter { $0.value > 0 }.keys
            recallSum += positives.isEmpty ? 0 : Double(positives.filter { ranked.prefix(100).contains($0) }.count) / Double(positives.count)
            count += 1
        }
        return Result(
            queries: count, ndcgAt10: count > 0 ? ndcgSum / Double(count) : 0,
            recallAt100: count > 0 ? recallSum / Double(count) : 0, seconds: Date().timeIntervalSince(started), run: run)
    }
}
