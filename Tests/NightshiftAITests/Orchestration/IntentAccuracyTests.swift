import Foundation
import NightshiftAI
import NightshiftCore
import Testing

/// One labelled message of fixtures/intents.jsonl.
struct LabelledIntent: Decodable, Sendable {
    var message: String
    var intent: String
    /// `dev` (looked at while writing the lexicon's rules) or `heldout` (scored once, at the end).
    var split: String

    static func load() throws -> [LabelledIntent] {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { root.deleteLastPathComponent() }
        let text = try String(contentsOf: root.appendingPathComponent("fixtures/intents.jsonl"), encoding: .utf8)
        let decoder = JSONDecoder()
        return try text.split(whereSeparator: \.isNewline).map { line in
            try decoder.decode(LabelledIntent.self, from: Data(line.utf8))
        }
    }
}

@Suite("Offline intent classifier accuracy on fixtures/intents.jsonl")
struct IntentAccuracyTests {
    @Test("the fixture set has at least 60 valid labelled messages, every intent, and a held-out part")
    func fixtureShape() throws {
        let rows = try LabelledIntent.load()
        #expect(rows.count >= 60)
        #expect(rows.allSatisfy { AgentType(rawValue: $0.intent) != nil })
        #expect(rows.allSatisfy { $0.split == "dev" || $0.split == "heldout" })
        #expect(Set(rows.map(\.intent)) == Set(AgentType.allCases.map(\.rawValue)))
        #expect(rows.filter { $0.split == "heldout" }.count >= 20)
        #expect(Set(rows.map(\.message)).count == rows.count, "duplicate messages")
    }

    @Test("offline classification reaches 80 % on the labelled messages (figures printed)")
    func accuracy() async throws {
        let rows = try LabelledIntent.load()
        let classifier = IntentClassifier(provider: nil)
        var hits: [String: (right: Int, total: Int)] = [:]
        var misses: [String] = []
        for row in rows {
            let result = await classifier.classify(message: row.message)
            #expect(result.method == .offline)
            let right = result.intent.rawValue == row.intent
            for key in ["all", "split:\(row.split)", "intent:\(row.intent)"] {
                hits[key, default: (0, 0)].right += right ? 1 : 0
                hits[key, default: (0, 0)].total += 1
            }
            if !right { misses.append("[\(row.split)] \(row.intent) → \(result.intent.rawValue): \(row.message)") }
        }
        func line(_ key: String) -> String {
            let figure = hits[key] ?? (0, 0)
            let percent = figure.total == 0 ? 0 : Double(figure.right) * 100 / Double(figure.total)
            return "\(key): \(figure.right)/\(figure.total) = \(String(format: "%.1f", percent)) %"
        }
        var report = ["offline intent accuracy", line("all"), line("split:dev"), line("split:heldout")]
        report += AgentType.allCases.map { line("intent:\($0.rawValue)") }
        report += misses.map { "miss " + $0 }
        print(report.joined(separator: "\n"))

        let overall = try #require(hits["all"])
        #expect(Double(overall.right) / Double(overall.total) >= 0.8)
    }
}
