import Foundation
import NightshiftAI
import Testing

/// Retrieval quality of the local embedder on BEIR SciFact, run when `NIGHTSHIFT_SCIFACT` names the data folder
/// (`/work/shared/benchmarks/scifact`).
///
/// Writes a run file (`query_id<TAB>doc_id<TAB>cosine`, 100 per query, best first) for every query with judgments
/// to `NIGHTSHIFT_SCIFACT_RUN` (default: a temporary file) and prints its path and the nDCG@10 of the training and
/// test queries; score the file with `score_ir.py QRELS RUN`. Build in release mode, or the brute-force ranking of
/// 1,109 queries against 5,183 documents takes minutes.
@Suite("LocalEmbedder on BEIR SciFact")
struct SciFactEvaluation {
    static let folder = ProcessInfo.processInfo.environment["NIGHTSHIFT_SCIFACT"]

    @Test(
        "claims retrieve their abstracts: nDCG@10 at least 0.60 on the test queries",
        .enabled(if: folder != nil, "set NIGHTSHIFT_SCIFACT to the SciFact folder"))
    func sciFactRetrieval() throws {
        let folder = URL(fileURLWithPath: try #require(Self.folder))
        let corpus = try Self.jsonLines(folder.appendingPathComponent("corpus.jsonl")).map { object in
            (id: Self.string(object["_id"]), text: Self.string(object["title"]) + " " + Self.string(object["text"]))
        }
        let queryTexts = Dictionary(
            try Self.jsonLines(folder.appendingPathComponent("queries.jsonl")).map {
                (Self.string($0["_id"]), Self.string($0["text"]))
            }, uniquingKeysWith: { first, _ in first })
        let train = try Self.qrels(folder.appendingPathComponent("qrels-train.tsv"))
        let test = try Self.qrels(folder.appendingPathComponent("qrels-test.tsv"))
        let queryIDs = Set(train.keys).union(test.keys).sorted { (Int($0) ?? 0, $0) < (Int($1) ?? 0, $1) }

        let embedder = LocalEmbedder()
        let started = ContinuousClock.now
        let documentVectors = embedder.embed(corpus.map(\.text))
        let elapsed = ContinuousClock.now - started
        let bytes = corpus.reduce(0) { $0 + $1.text.utf8.count }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(
            "SciFact: embedded \(corpus.count) documents, \(bytes) bytes in \(elapsed) "
                + "(\(Int(Double(bytes) / seconds / 1e6)) MB/s wall, batch)")
        let queryVectors = embedder.embed(queryIDs.map { queryTexts[$0] ?? "" })

        let dimensions = embedder.dimensions
        let matrix = documentVectors.flatMap { $0 }
        var run: [String: [String]] = [:]
        var lines: [String] = []
        matrix.withUnsafeBufferPointer { documents in
            for (queryIndex, queryID) in queryIDs.enumerated() {
                let query = queryVectors[queryIndex]
                var scores = [Float](repeating: 0, count: corpus.count)
                query.withUnsafeBufferPointer { query in
                    for document in 0..<corpus.count {
                        var dot: Float = 0
                        let row = document * dimensions
                        for dimension in 0..<dimensions { dot += query[dimension] * documents[row + dimension] }
                        scores[document] = dot
                    }
                }
                // Ties broken by corpus order, for a stable run.
                let ranked = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
                let top = ranked.prefix(100)
                run[queryID] = top.map { corpus[$0].id }
                // The cosine as a third column (score_ir.py ignores it) lets score-based fusion be tried too.
                lines.append(contentsOf: top.map { "\(queryID)\t\(corpus[$0].id)\t\(scores[$0])" })
            }
        }
        let runPath =
            ProcessInfo.processInfo.environment["NIGHTSHIFT_SCIFACT_RUN"]
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("scifact-\(embedder.model).tsv").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: runPath, atomically: true, encoding: .utf8)

        let trainScore = Self.ndcg10(run: run, qrels: train)
        let testScore = Self.ndcg10(run: run, qrels: test)
        print(
            "SciFact \(embedder.model): nDCG@10 train \(String(format: "%.4f", trainScore)) (\(train.count) queries), "
                + "test \(String(format: "%.4f", testScore)) (\(test.count) queries); run written to \(runPath)")
        #expect(testScore >= 0.60)
        #expect(lines.count == queryIDs.count * 100)
    }

    static func string(_ value: Any?) -> String { value as? String ?? "" }

    static func jsonLines(_ url: URL) throws -> [[String: Any]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").compactMap { line in
            try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        }
    }

    /// Query → document → grade, skipping the header line.
    static func qrels(_ url: URL) throws -> [String: [String: Int]] {
        var qrels: [String: [String: Int]] = [:]
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
            let fields = line.split(separator: "\t")
            guard fields.count >= 3, let grade = Int(fields[2]) else { continue }
            qrels[String(fields[0]), default: [:]][String(fields[1])] = grade
        }
        return qrels
    }

    /// nDCG@10 exactly as `score_ir.py` computes it.
    static func ndcg10(run: [String: [String]], qrels: [String: [String: Int]]) -> Double {
        var total = 0.0
        for (query, relevant) in qrels {
            let ranked = (run[query] ?? []).prefix(10)
            var dcg = 0.0
            for (rank, document) in ranked.enumerated() {
                dcg += Double(relevant[document] ?? 0) / log2(Double(rank + 2))
            }
            var ideal = 0.0
            for (rank, grade) in relevant.values.sorted(by: >).prefix(10).enumerated() {
                ideal += Double(grade) / log2(Double(rank + 2))
            }
            total += ideal > 0 ? dcg / ideal : 0
        }
        return total / Double(qrels.count)
    }
}
