import Foundation
import NightshiftAI
import NightshiftCore
import Testing

@Suite("Prompt builder: context, memory and history within a token budget")
struct PromptBuilderTests {
    static let system = "You are the help-centre assistant of a coaching app. Be brief."
    static let unlimited = 1_000_000

    /// `count` chunks of twelve sentences each (about 200 tokens), every sentence distinct.
    static func longChunks(_ count: Int) -> [ChunkMatch] {
        (0..<count).map { chunk in
            let sentences = (0..<12).map { sentence in
                "Section \(chunk) paragraph \(sentence) explains how the coaching plan handles rescheduled, "
                    + "cancelled and refunded sessions for team accounts."
            }
            return ChunkMatch(
                chunkID: UUID(), documentID: UUID(), sourceURI: "file:///kb/long/\(chunk).md", title: "Long \(chunk)",
                content: sentences.joined(separator: " "), headingPath: ["Handbook", "Part \(chunk)"],
                chunkIndex: chunk, owner: .shared, score: 1 / Double(chunk + 1))
        }
    }

    static func fact(_ key: String, _ value: JSONValue, _ confidence: Double?, kind: MemoryFact.Kind = .preference)
        -> MemoryFact
    {
        MemoryFact(userID: UUID(), kind: kind, key: key, value: value, confidence: confidence)
    }

    static let history: [ChatMessage] = (1...14).map { turn in
        turn % 2 == 1 ? .user("question number \(turn)") : .assistant("answer number \(turn)")
    }

    @Test("many long chunks: the budget holds, whole chunks in rank order, the last one trimmed at a sentence")
    func manyLongChunks() throws {
        let chunks = PromptBuilderTests.longChunks(30)
        let built = PromptBuilder(tokenBudget: 1_500).build(
            systemPrompt: PromptBuilderTests.system, question: "How are refunds handled for teams?", chunks: chunks)

        #expect(built.tokenCount <= 1_500)
        #expect(built.tokenCount == PromptBuilder.count(built.messages))
        #expect(built.tokenCount > 1_400, "the room left should be used, got \(built.tokenCount)")
        #expect(!built.isOverBudget)
        let sources = built.sources
        #expect(sources.count >= 3 && sources.count < 30)
        #expect(sources.map(\.number) == Array(1...sources.count))
        #expect(sources.map(\.chunkID) == chunks.prefix(sources.count).map(\.chunkID))
        for source in sources.dropLast() {
            #expect(!source.isTrimmed)
            #expect(source.content == chunks[source.number - 1].content)
        }
        let last = try #require(sources.last)
        #expect(last.isTrimmed)
        let original = chunks[last.number - 1].content
        #expect(original.hasPrefix(last.content) && last.content.count < original.count)
        #expect(last.content.hasSuffix("accounts."))
        #expect(original.dropFirst(last.content.count).hasPrefix(" Section"))
        #expect(built.omittedChunkCount == 30 - sources.count)

        // Every included chunk, whole or trimmed, is in the system message, numbered.
        let system = try #require(built.messages.first)
        #expect(system.role == .system)
        for source in sources { #expect(system.content.contains("[\(source.number)] Long \(source.number - 1)\n")) }
    }

    @Test("a chunk with no sentence boundary is never cut: the prompt stops before it")
    func unsplittableChunkIsLeftOut() throws {
        var chunks = PromptBuilderTests.longChunks(3)
        chunks[1].content = Array(repeating: "word", count: 2_000).joined(separator: " ")
        let built = PromptBuilder(tokenBudget: 1_000).build(
            systemPrompt: PromptBuilderTests.system, question: "What is in the handbook?", chunks: chunks)
        #expect(built.sources.map(\.chunkID) == [chunks[0].chunkID])
        #expect(built.sources.allSatisfy { !$0.isTrimmed })
        #expect(built.omittedChunkCount == 2)
        #expect(built.tokenCount <= 1_000)
    }

    @Test("a budget that holds only the system prompt and the question: no chunk, the question whole")
    func tinyBudget() throws {
        let question = "How late can I cancel a session without paying?"
        let bare = PromptBuilder(tokenBudget: PromptBuilderTests.unlimited).build(
            systemPrompt: PromptBuilderTests.system, question: question, chunks: [])
        let built = PromptBuilder(tokenBudget: bare.tokenCount + 5).build(
            systemPrompt: PromptBuilderTests.system, question: question, chunks: KnowledgeBase.matches,
            memory: [PromptBuilderTests.fact("preferred_session_time", "mornings", 0.9)],
            history: PromptBuilderTests.history)
        #expect(built.sources.isEmpty)
        #expect(built.context.facts.isEmpty)
        #expect(built.historyCount == 0)
        #expect(built.messages.count == 2)
        #expect(built.messages.last == .user(question))
        #expect(!built.isQuestionTruncated)
        #expect(built.tokenCount == bare.tokenCount)
        #expect(built.omittedChunkCount == KnowledgeBase.matches.count)
        #expect(built.messages[0].content.contains("None: no knowledge-base passage"))
    }

    @Test("a budget below the system prompt: the prompt is over budget and the question keeps its minimum")
    func budgetBelowSystemPrompt() throws {
        let question = Array(repeating: "please explain the cancellation rules", count: 40).joined(separator: " ")
        let built = PromptBuilder(tokenBudget: 10).build(
            systemPrompt: PromptBuilderTests.system, question: question, chunks: KnowledgeBase.matches)
        #expect(built.isOverBudget)
        #expect(built.isQuestionTruncated)
        #expect(built.sources.isEmpty)
        let kept = try #require(built.messages.last).content
        #expect(TokenEstimator.count(kept) <= PromptBuilder.minimumQuestionTokens)
        #expect(TokenEstimator.count(kept) >= PromptBuilder.minimumQuestionTokens - 8)
    }

    @Test("a huge user message is cut at a word to fill the budget, and nothing else fits")
    func hugeUserMessage() throws {
        let words = (0..<20_000).map { "word\($0 % 97)" }
        let question = words.joined(separator: " ")
        let built = PromptBuilder(tokenBudget: 2_000).build(
            systemPrompt: PromptBuilderTests.system, question: question, chunks: KnowledgeBase.matches,
            history: PromptBuilderTests.history)
        #expect(built.isQuestionTruncated)
        #expect(built.tokenCount <= 2_000)
        #expect(built.tokenCount >= 1_990, "the question should fill the room, got \(built.tokenCount)")
        #expect(built.sources.isEmpty && built.historyCount == 0)
        let kept = try #require(built.messages.last)
        #expect(kept.role == .user)
        #expect(kept.content.hasSuffix("…"))
        let body = String(kept.content.dropLast())
        #expect(question.hasPrefix(body + " "), "cut at a word boundary")
        #expect(built.context.question == kept.content)
    }

    @Test("sources are numbered from 1 in rank order, blank and repeated chunks skipped, with their origin")
    func numberingAndSources() throws {
        var chunks = Array(KnowledgeBase.matches.prefix(3))
        var blank = chunks[1]
        blank.chunkID = UUID()
        blank.content = "  \n "
        chunks.insert(blank, at: 1)
        chunks.append(chunks[0])
        let built = PromptBuilder().build(
            systemPrompt: PromptBuilderTests.system, question: "What is the cancellation policy?", chunks: chunks)

        #expect(built.sources.map(\.number) == [1, 2, 3])
        #expect(built.sources.map(\.chunkID) == KnowledgeBase.matches.prefix(3).map(\.chunkID))
        #expect(built.sources.map(\.title) == ["Cancellation policy", "Refunds", "Privacy"])
        #expect(built.sources[2].sourceURI == "https://help.example.com/privacy")
        #expect(built.sources[0].headingPath == ["Policies", "Cancellation"])
        #expect(
            built.sources[0].label
                == "Cancellation policy · file:///kb/policies/cancellation.md · Policies › Cancellation")

        let system = built.messages[0].content
        #expect(system.hasPrefix(PromptBuilderTests.system + "\n\n## Context\n"))
        #expect(system.contains("cite each source you use by its number in square brackets, like [1]"))
        #expect(
            system.contains(
                """
                [1] Cancellation policy
                Source: file:///kb/policies/cancellation.md
                Section: Policies › Cancellation
                > Bookings can be cancelled free of charge
                """))
        let first = try #require(system.range(of: "[1] Cancellation policy"))
        let second = try #require(system.range(of: "[2] Refunds"))
        let third = try #require(system.range(of: "[3] Privacy"))
        #expect(first.upperBound < second.lowerBound && second.upperBound < third.lowerBound)
        #expect(!system.contains("[4]"))
    }

    @Test("history: the last N messages in chronological order between the system and the user message")
    func historyOrdering() throws {
        let history = [ChatMessage.system("an old system message")] + PromptBuilderTests.history
        let built = PromptBuilder(historyLimit: 10).build(
            systemPrompt: PromptBuilderTests.system, question: "and now?", chunks: [], history: history)
        #expect(built.historyCount == 10)
        #expect(built.messages.count == 12)
        #expect(built.messages.first?.role == .system)
        #expect(Array(built.messages[1...10]) == Array(PromptBuilderTests.history.suffix(10)))
        #expect(built.messages.last == .user("and now?"))
        #expect(!built.messages.contains { $0.content == "an old system message" })
    }

    @Test("history under a tight budget keeps the newest messages, still in chronological order")
    func historyNewestFirst() throws {
        let newest = Array(PromptBuilderTests.history.suffix(3))
        let room = PromptBuilder(tokenBudget: PromptBuilderTests.unlimited).build(
            systemPrompt: PromptBuilderTests.system, question: "and now?", chunks: [], history: newest
        ).tokenCount
        let built = PromptBuilder(tokenBudget: room + 3).build(
            systemPrompt: PromptBuilderTests.system, question: "and now?", chunks: [],
            history: PromptBuilderTests.history)
        #expect(built.historyCount == 3)
        #expect(Array(built.messages[1...3]) == newest)
        #expect(built.tokenCount <= room + 3)
    }

    @Test("memory: highest confidence first (unknown last); a tight budget keeps the most certain")
    func memoryOrdering() throws {
        let memory = [
            PromptBuilderTests.fact("coach_gender", "any", 0.5),
            PromptBuilderTests.fact("timezone", "Europe/Paris", nil, kind: .fact),
            PromptBuilderTests.fact("preferred_session_time", "mornings", 0.9),
            PromptBuilderTests.fact("plan", ["name": "team", "seats": 5], 0.7, kind: .fact),
        ]
        let built = PromptBuilder().build(
            systemPrompt: PromptBuilderTests.system, question: "When can I book?", chunks: [], memory: memory)
        #expect(built.context.facts.map(\.key) == ["preferred_session_time", "plan", "coach_gender", "timezone"])
        #expect(built.context.facts.map(\.confidence) == [0.9, 0.7, 0.5, nil])
        let system = built.messages[0].content
        #expect(
            system.hasSuffix(
                """
                ### About the user
                Remembered preferences and facts, most certain first:
                - preferred_session_time (preference, confidence 0.90): "mornings"
                - plan (fact, confidence 0.70): {"name":"team","seats":5}
                - coach_gender (preference, confidence 0.50): "any"
                - timezone (fact): "Europe/Paris"
                """))
        #expect(built.context.facts[1].text == "plan: name team, seats 5")

        let room = PromptBuilder().build(
            systemPrompt: PromptBuilderTests.system, question: "When can I book?", chunks: [],
            memory: [memory[2], memory[3]]
        ).tokenCount
        let tight = PromptBuilder(tokenBudget: room + 2).build(
            systemPrompt: PromptBuilderTests.system, question: "When can I book?", chunks: [], memory: memory)
        #expect(tight.context.facts.map(\.key) == ["preferred_session_time", "plan"])
    }

    @Test("chunks come before memory, memory before history, when the budget runs out")
    func fillingOrder() throws {
        let memory = [PromptBuilderTests.fact("preferred_session_time", "mornings", 0.9)]
        let withChunks = PromptBuilder(tokenBudget: PromptBuilderTests.unlimited).build(
            systemPrompt: PromptBuilderTests.system, question: "Can I cancel?", chunks: KnowledgeBase.matches)
        let built = PromptBuilder(tokenBudget: withChunks.tokenCount).build(
            systemPrompt: PromptBuilderTests.system, question: "Can I cancel?", chunks: KnowledgeBase.matches,
            memory: memory, history: PromptBuilderTests.history)
        #expect(built.sources.count == KnowledgeBase.matches.count)
        #expect(built.context.facts.isEmpty && built.historyCount == 0)

        let withFacts = PromptBuilder(tokenBudget: PromptBuilderTests.unlimited).build(
            systemPrompt: PromptBuilderTests.system, question: "Can I cancel?", chunks: KnowledgeBase.matches,
            memory: memory)
        let second = PromptBuilder(tokenBudget: withFacts.tokenCount).build(
            systemPrompt: PromptBuilderTests.system, question: "Can I cancel?", chunks: KnowledgeBase.matches,
            memory: memory, history: PromptBuilderTests.history)
        #expect(second.context.facts.count == 1 && second.historyCount == 0)
    }

    @Test("the context reads back from the messages exactly, whatever the retrieved text looks like")
    func contextRoundTrip() throws {
        let tricky = """
            ## Context
            ### Sources
            [2] Not a header
            Source: not a source line
            > already quoted

            - key (fact): 1
            ### About the user
            """
        var chunks = Array(KnowledgeBase.matches.prefix(2))
        chunks.append(
            ChunkMatch(
                chunkID: UUID(), documentID: nil, sourceURI: nil, title: "Odd\ntitle (draft)", content: tricky,
                headingPath: ["A › B", " "], chunkIndex: nil, owner: .shared, score: 0.1))
        chunks.append(
            ChunkMatch(
                chunkID: UUID(), documentID: nil, sourceURI: "file:///untitled.txt", title: nil,
                content: "Line one.\r\nLine two.", headingPath: [], chunkIndex: nil, owner: .shared, score: 0.05))
        let memory = [
            PromptBuilderTests.fact("likes (italian)", ["likes": true], 0.85),
            PromptBuilderTests.fact("note", "two\nlines): {}", nil, kind: .context),
        ]
        let built = PromptBuilder().build(
            systemPrompt: "## Context\nThe agent's own prompt mentions a context heading.", question: "anything?",
            chunks: chunks, memory: memory, history: [.user("earlier"), .assistant("reply")])
        #expect(built.sources.count == 4)
        #expect(built.sources[2].title == "Odd title (draft)")
        #expect(built.sources[2].headingPath == ["A > B"])
        #expect(built.sources[3].content == "Line one.\nLine two.")

        let parsed = PromptContext(messages: built.messages)
        #expect(parsed.question == "anything?")
        #expect(parsed.facts == built.context.facts)
        #expect(parsed.facts.first?.key == "likes italian")
        #expect(parsed.sources.count == built.sources.count)
        for (read, written) in zip(parsed.sources, built.sources) {
            #expect(read.number == written.number)
            #expect(read.content == written.content)
            #expect(read.title == written.title)
            #expect(read.sourceURI == written.sourceURI)
            #expect(read.headingPath == written.headingPath)
        }
        #expect(PromptContext(messages: [.system("no context here"), .user("hi")]) == PromptContext(question: "hi"))
    }
}
