import Foundation
import NightshiftCore

/// Builds the messages of an agent turn within a token budget: the agent's system prompt with a context section
/// (numbered sources, the user's remembered facts), recent history, then the user's message.
///
/// Tokens are counted as `ChatUsage.estimate` counts a prompt (`TokenEstimator` per message plus 4), on the
/// rendered messages themselves, so the count is exact for that estimate. Filling order:
///
/// 1. the system prompt and the context section's instructions, and the user message, always; the user message is
///    truncated (at a word, with `…`) only when it does not fit beside them;
/// 2. chunks in the order given (best first), whole, until one does not fit; that one is trimmed to the sentences
///    that fit, if any, and nothing follows it;
/// 3. remembered facts, most certain first, until one does not fit;
/// 4. history, newest first, at most `historyLimit` messages, until one does not fit; kept in chronological order.
///
/// The prompt exceeds the budget only when the system prompt alone does; then the user message keeps at least
/// `minimumQuestionTokens`, and `BuiltPrompt.isOverBudget` says so.
public struct PromptBuilder: Sendable {
    /// The default token budget of a prompt.
    public static let defaultTokenBudget = 3_000
    /// The default number of history messages considered.
    public static let defaultHistoryLimit = 10
    /// What a user message keeps when the system prompt alone exhausts the budget.
    public static let minimumQuestionTokens = 32

    /// The most tokens the messages may take.
    public var tokenBudget: Int
    /// The most earlier messages of the conversation considered (the newest ones).
    public var historyLimit: Int

    /// A builder with a token budget and a history limit.
    public init(
        tokenBudget: Int = PromptBuilder.defaultTokenBudget, historyLimit: Int = PromptBuilder.defaultHistoryLimit
    ) {
        self.tokenBudget = tokenBudget
        self.historyLimit = historyLimit
    }

    /// The prompt for one turn.
    ///
    /// - Parameters:
    ///   - systemPrompt: the agent's instructions.
    ///   - question: the user's message.
    ///   - chunks: retrieved chunks, best first; blank and repeated ones are skipped.
    ///   - memory: the user's `ai_memory` rows, expired ones already removed; ordered here by confidence.
    ///   - history: the conversation's earlier messages, oldest first, without the current one; system messages
    ///     and empty ones are ignored.
    public func build(
        systemPrompt: String, question: String, chunks: [ChunkMatch], memory: [MemoryFact] = [],
        history: [ChatMessage] = []
    ) -> BuiltPrompt {
        let budget = max(0, tokenBudget)
        // Each part is rendered and counted once; the parts' estimates add up to the whole's (see
        // `PromptFormat.systemMessage(head:blocks:factLines:)`), and the whole is counted exactly at the end.
        let head = PromptFormat.head(prompt: systemPrompt)
        let fixedCost = PromptBuilder.overhead + TokenEstimator.count(head)
        let emptySourcesCost = TokenEstimator.count(PromptFormat.emptySources)
        let factsHeadCost = TokenEstimator.count(PromptFormat.factsHead)

        // 1. The fixed part, and the question (truncated only when it cannot fit beside it).
        var questionText = question
        var questionCost = PromptBuilder.cost(questionText)
        var isTruncated = false
        if fixedCost + emptySourcesCost + questionCost > budget {
            let allowance = max(
                PromptBuilder.minimumQuestionTokens,
                budget - fixedCost - emptySourcesCost - PromptBuilder.overhead)
            questionText = PromptBuilder.prefix(of: question, fittingTokens: allowance)
            questionCost = PromptBuilder.cost(questionText)
            isTruncated = true
        }
        var room = budget - fixedCost - questionCost

        // 2. Chunks by rank, whole; the first that does not fit may keep its leading sentences, then stop.
        var sources: [PromptSource] = []
        var blocks: [String] = []
        var seen: Set<UUID> = []
        var omittedChunks = 0
        var sourcesCost = 0
        for (index, match) in chunks.enumerated() {
            let content = PromptFormat.normalisedContent(match.content)
            guard !content.isEmpty, seen.insert(match.chunkID).inserted else { continue }
            let number = sources.count + 1
            let source = PromptSource(number: number, match: match, normalisedContent: content, isTrimmed: false)
            let block = PromptFormat.block(for: source)
            let cost = TokenEstimator.count(block)
            if sourcesCost + cost <= room {
                sources.append(source)
                blocks.append(block)
                sourcesCost += cost
                continue
            }
            if let trimmed = trim(match, content: content, number: number, room: room - sourcesCost) {
                sources.append(trimmed.source)
                blocks.append(trimmed.block)
                sourcesCost += trimmed.cost
            }
            omittedChunks = chunks.count - index - (sources.last?.isTrimmed == true ? 1 : 0)
            break
        }
        room -= sources.isEmpty ? emptySourcesCost : sourcesCost

        // 3. Facts, most certain first, until one does not fit.
        var facts: [PromptFact] = []
        var factLines: [String] = []
        for memoryFact in PromptBuilder.ordered(memory) {
            let fact = PromptFact(memoryFact)
            let line = PromptFormat.line(for: fact)
            let cost = TokenEstimator.count(line) + (facts.isEmpty ? factsHeadCost : 0)
            guard cost <= room else { break }
            facts.append(fact)
            factLines.append(line)
            room -= cost
        }

        // 4. History, newest first, until one does not fit.
        var kept: [ChatMessage] = []
        let turns = history.filter { $0.role != .system && !$0.content.isEmpty }.suffix(max(0, historyLimit))
        for message in turns.reversed() {
            let cost = PromptBuilder.cost(message.content)
            guard cost <= room else { break }
            kept.append(message)
            room -= cost
        }

        // The exact count; should the estimate of the whole ever exceed the parts' sum, drop from the end.
        func assemble() -> [ChatMessage] {
            let system = PromptFormat.systemMessage(head: head, blocks: blocks, factLines: factLines)
            return [ChatMessage.system(system)] + kept.reversed() + [ChatMessage.user(questionText)]
        }
        var messages = assemble()
        var tokenCount = PromptBuilder.count(messages)
        while tokenCount > budget, !(kept.isEmpty && facts.isEmpty && sources.isEmpty) {
            if !kept.isEmpty {
                kept.removeLast()
            } else if !facts.isEmpty {
                facts.removeLast()
                factLines.removeLast()
            } else {
                sources.removeLast()
                blocks.removeLast()
                omittedChunks += 1
            }
            messages = assemble()
            tokenCount = PromptBuilder.count(messages)
        }

        let context = PromptContext(question: questionText, sources: sources, facts: facts)
        return BuiltPrompt(
            messages: messages, context: context, tokenCount: tokenCount, tokenBudget: budget,
            historyCount: kept.count, omittedChunkCount: omittedChunks, isQuestionTruncated: isTruncated)
    }

    /// The longest run of a chunk's leading sentences (at least one, fewer than all) whose block fits in `room`.
    private func trim(
        _ match: ChunkMatch, content: String, number: Int, room: Int
    ) -> (source: PromptSource, block: String, cost: Int)? {
        let sentences = SentenceSplitter.ranges(in: content)
        guard sentences.count > 1 else { return nil }
        func candidate(_ count: Int) -> (source: PromptSource, block: String, cost: Int) {
            let text = String(content[..<sentences[count - 1].upperBound])
            let source = PromptSource(number: number, match: match, normalisedContent: text, isTrimmed: true)
            let block = PromptFormat.block(for: source)
            return (source, block, TokenEstimator.count(block))
        }
        // The cost grows with the number of sentences, so the longest fitting prefix is found by bisection.
        var low = 0
        var high = sentences.count - 1
        var best: (source: PromptSource, block: String, cost: Int)?
        while low < high {
            let middle = (low + high + 1) / 2
            let trimmed = candidate(middle)
            if trimmed.cost <= room {
                best = trimmed
                low = middle
            } else {
                high = middle - 1
            }
        }
        return best
    }

    /// Facts by confidence, highest first (unknown last), then by kind and key so the order is stable.
    static func ordered(_ memory: [MemoryFact]) -> [MemoryFact] {
        let kinds = MemoryFact.Kind.allCases
        return memory.sorted { a, b in
            let left = a.confidence ?? -1
            let right = b.confidence ?? -1
            if left != right { return left > right }
            let leftKind = kinds.firstIndex(of: a.kind) ?? 0
            let rightKind = kinds.firstIndex(of: b.kind) ?? 0
            if leftKind != rightKind { return leftKind < rightKind }
            return a.key < b.key
        }
    }

    // MARK: - Counting and truncating

    /// The tokens a message adds besides its text (as `ChatUsage.estimate` counts).
    static let overhead = 4

    /// The estimated tokens of one message with `content`.
    static func cost(_ content: String) -> Int {
        TokenEstimator.count(content) + overhead
    }

    /// The estimated prompt tokens of `messages`, as `ChatUsage.estimate` counts them.
    public static func count(_ messages: [ChatMessage]) -> Int {
        ChatUsage.estimate(messages: messages, completion: "").promptTokens
    }

    /// The longest prefix of `text`, cut at a word where possible and ended with `…`, whose estimate (with the
    /// `…`) is at most `limit` tokens; `text` itself when it fits.
    public static func prefix(of text: String, fittingTokens limit: Int) -> String {
        guard TokenEstimator.count(text) > limit else { return text }
        let ellipsis = "…"
        guard limit > TokenEstimator.count(ellipsis) else { return "" }
        let bytes = Array(text.utf8)
        func candidate(_ end: Int) -> String {
            String(decoding: bytes[..<end], as: UTF8.self) + ellipsis
        }
        func boundary(_ offset: Int) -> Int {
            // Back to the start of a scalar: a cut inside one would decode to a replacement character.
            var offset = offset
            while offset > 0, offset < bytes.count, bytes[offset] & 0xC0 == 0x80 { offset -= 1 }
            return offset
        }
        // The estimate grows with the prefix (up to a token at piece edges), so bisect on the byte length.
        var low = 0
        var high = bytes.count
        while low < high {
            let middle = boundary((low + high + 1) / 2)
            if middle <= low {
                high = low
            } else if TokenEstimator.count(candidate(middle)) <= limit {
                low = middle
            } else {
                high = middle - 1
            }
        }
        // Prefer ending at a word: back to the last white space, unless that would lose most of the text.
        var end = low
        if let space = bytes[..<low].lastIndex(where: { $0 == 0x20 || $0 == 0x0A || $0 == 0x09 }), space > low / 2 {
            end = space
        }
        while end > 0, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x0A || bytes[end - 1] == 0x09 { end -= 1 }
        let result = candidate(end)
        return TokenEstimator.count(result) <= limit ? result : candidate(low)
    }
}

/// The messages of a turn, what went into them, and their size.
public struct BuiltPrompt: Sendable, Hashable {
    /// The system message (agent prompt and context section), the history kept, then the user message.
    public var messages: [ChatMessage]
    /// The question, sources and facts included, for the response and for `LocalChatProvider(context:)`.
    public var context: PromptContext
    /// The estimated prompt tokens of `messages` (as `ChatUsage.estimate` counts them).
    public var tokenCount: Int
    /// The budget the prompt was built for.
    public var tokenBudget: Int
    /// How many history messages were kept.
    public var historyCount: Int
    /// How many of the given chunks were left out for lack of room: those from the first that did not fit whole
    /// on (a trimmed one counts as included).
    public var omittedChunkCount: Int
    /// True when the user message was cut to fit.
    public var isQuestionTruncated: Bool

    /// A built prompt.
    public init(
        messages: [ChatMessage], context: PromptContext, tokenCount: Int, tokenBudget: Int, historyCount: Int,
        omittedChunkCount: Int, isQuestionTruncated: Bool
    ) {
        self.messages = messages
        self.context = context
        self.tokenCount = tokenCount
        self.tokenBudget = tokenBudget
        self.historyCount = historyCount
        self.omittedChunkCount = omittedChunkCount
        self.isQuestionTruncated = isQuestionTruncated
    }

    /// The sources included, numbered as the prompt cites them: what the response returns.
    public var sources: [PromptSource] { context.sources }

    /// True when the prompt is larger than its budget, which happens only when the system prompt alone is.
    public var isOverBudget: Bool { tokenCount > tokenBudget }
}
