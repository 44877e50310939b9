import Foundation
import NightshiftCore
import Testing

@testable import NightshiftAI

@Suite("Prompt format: parts counted once add up to the whole")
struct PromptFormatTests {
    @Test("the token estimates of head, source blocks and fact lines add up to the system message's")
    func partsAddUp() {
        let sources = (PromptBuilderTests.longChunks(4) + KnowledgeBase.matches).enumerated().map { index, match in
            PromptSource(number: index + 1, match: match)
        }
        let facts = [
            PromptFact(kind: .preference, key: "preferred_session_time", value: "mornings", confidence: 0.9),
            PromptFact(kind: .fact, key: "plan", value: ["seats": 5, "name": "team"], confidence: nil),
        ]
        for (sources, facts) in [(sources, facts), (sources, []), ([], facts), ([], [])] {
            let head = PromptFormat.head(prompt: "You are the help-centre assistant.\n")
            let blocks = sources.map { PromptFormat.block(for: $0) }
            let lines = facts.map { PromptFormat.line(for: $0) }
            var parts = TokenEstimator.count(head)
            if blocks.isEmpty {
                parts += TokenEstimator.count(PromptFormat.emptySources)
            } else {
                parts += blocks.map { TokenEstimator.count($0) }.reduce(0, +)
            }
            if !lines.isEmpty {
                parts += TokenEstimator.count(PromptFormat.factsHead)
                parts += lines.map { TokenEstimator.count($0) }.reduce(0, +)
            }
            let system = PromptFormat.systemMessage(head: head, blocks: blocks, factLines: lines)
            let whole = TokenEstimator.count(system)
            // Only the dropped final line break may make the whole cheaper than its parts.
            #expect(whole <= parts && parts - whole <= 1, "parts \(parts), whole \(whole)")
            let direct = PromptFormat.systemMessage(
                prompt: "You are the help-centre assistant.\n", sources: sources, facts: facts)
            #expect(system == direct)
        }
    }

    @Test("confidences are written with two decimals, whatever the locale")
    func confidence() {
        #expect(PromptFormat.formatConfidence(0.9) == "0.90")
        #expect(PromptFormat.formatConfidence(0.05) == "0.05")
        #expect(PromptFormat.formatConfidence(1) == "1.00")
        #expect(PromptFormat.formatConfidence(1.7) == "1.00")
    }
}
