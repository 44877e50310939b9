import Foundation
import NightshiftAI
import NightshiftCore
import Testing

/// Cost of building a prompt and answering it offline, run when `NIGHTSHIFT_BENCH=1`; prints figures, asserts
/// nothing about time. Release figures:
/// `NIGHTSHIFT_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter AnsweringBenchmark`.
@Suite("Answering benchmark")
struct AnsweringBenchmark {
    static let enabled = ProcessInfo.processInfo.environment["NIGHTSHIFT_BENCH"] == "1"

    /// Ten retrieved chunks of twenty sentences (about 430 tokens each), every sentence sharing a question term:
    /// the answerer's worst case, since a sentence without one is skipped before its vector is computed.
    static let chunks: [ChunkMatch] = (0..<10).map { chunk in
        let sentences = (0..<20).map { sentence in
            "Sentence \(sentence) of chunk \(chunk) talks about refunds, cancellations and the privacy of notes."
        }
        return ChunkMatch(
            chunkID: UUID(), documentID: nil, sourceURI: "file:///kb/\(chunk).md", title: "Document \(chunk)",
            content: sentences.joined(separator: " "), headingPath: ["Policies", "Part \(chunk)"], chunkIndex: 0,
            owner: .shared, score: 1 / Double(chunk + 1))
    }

    @Test(
        "prints the time to build a 3,000-token prompt and answer it",
        .enabled(if: enabled, "set NIGHTSHIFT_BENCH=1"))
    func buildAndAnswer() {
        let builder = PromptBuilder(tokenBudget: 3_000)
        let question = "How do refunds work after a cancellation?"
        let memory = (0..<5).map {
            MemoryFact(
                userID: UUID(), kind: .preference, key: "preference_\($0)", value: .string("value \($0)"),
                confidence: 0.5)
        }
        let history: [ChatMessage] = (0..<10).map { .user("earlier message number \($0)") }
        var built = builder.build(systemPrompt: "You are helpful.", question: question, chunks: Self.chunks)
        var answer = ExtractiveAnswerer().answer(built.context)
        let rounds = 300
        let clock = ContinuousClock()
        let buildTime = clock.measure {
            for _ in 0..<rounds {
                built = builder.build(
                    systemPrompt: "You are helpful.", question: question, chunks: Self.chunks, memory: memory,
                    history: history)
            }
        }
        let answerTime = clock.measure {
            for _ in 0..<rounds { answer = ExtractiveAnswerer().answer(built.context) }
        }
        print(
            """
            Answering benchmark: prompt of \(built.tokenCount) tokens with \(built.sources.count) sources, \
            \(built.context.facts.count) facts, \(built.historyCount) history messages built in \
            \(Self.microseconds(buildTime / rounds)) µs; answered (\(answer.sentences.count) sentences) in \
            \(Self.microseconds(answerTime / rounds)) µs
            """)
    }

    private static func microseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000)
    }
}
