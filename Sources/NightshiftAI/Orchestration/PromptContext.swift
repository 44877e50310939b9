import Foundation
import NightshiftCore

/// One retrieved chunk as it went into a prompt: its citation number, where it comes from and the text included.
public struct PromptSource: Sendable, Hashable {
    /// The number the prompt gives it and answers cite it by (`[1]`, `[2]`…), from 1 in rank order.
    public var number: Int
    /// The text that went into the prompt: the chunk's whole content, or its first sentences when `isTrimmed`.
    public var content: String
    /// The document's title, when it has one.
    public var title: String?
    /// The document's source URI (`file:///…`, `https://…`, `archive#entry`).
    public var sourceURI: String?
    /// The headings above the chunk, outermost first.
    public var headingPath: [String]
    /// The chunk's row in `agent_memory`; nil when the source was read back from prompt text.
    public var chunkID: UUID?
    /// The chunk's document; nil when unknown.
    public var documentID: UUID?
    /// The retrieval score (higher is better); nil when read back from prompt text.
    public var score: Double?
    /// True when only the chunk's first sentences fitted the token budget.
    public var isTrimmed: Bool

    /// A source; only the number and the text are required.
    public init(
        number: Int, content: String, title: String? = nil, sourceURI: String? = nil, headingPath: [String] = [],
        chunkID: UUID? = nil, documentID: UUID? = nil, score: Double? = nil, isTrimmed: Bool = false
    ) {
        self.number = number
        self.content = content
        self.title = title
        self.sourceURI = sourceURI
        self.headingPath = headingPath
        self.chunkID = chunkID
        self.documentID = documentID
        self.score = score
        self.isTrimmed = isTrimmed
    }

    /// The source for a search hit, numbered `number`, with `content` in place of the chunk's when it was trimmed.
    ///
    /// Title, URI and headings are kept on one line each (line breaks become spaces, a heading's own ` › ` becomes
    /// ` > `), so that the prompt stays readable and `PromptContext(messages:)` reads them back exactly.
    public init(number: Int, match: ChunkMatch, content: String? = nil) {
        self.init(
            number: number, match: match, normalisedContent: PromptFormat.normalisedContent(content ?? match.content),
            isTrimmed: content != nil)
    }

    /// The source for a search hit whose text is already normalised (`PromptFormat.normalisedContent`).
    init(number: Int, match: ChunkMatch, normalisedContent: String, isTrimmed: Bool) {
        let title = match.title.map(PromptFormat.singleLine).flatMap { $0.isEmpty ? nil : $0 }
        let uri = match.sourceURI.map(PromptFormat.singleLine).flatMap { $0.isEmpty ? nil : $0 }
        let headings = match.headingPath.map(PromptFormat.heading).filter { !$0.isEmpty }
        self.init(
            number: number, content: normalisedContent, title: title, sourceURI: uri, headingPath: headings,
            chunkID: match.chunkID, documentID: match.documentID, score: match.score, isTrimmed: isTrimmed)
    }

    /// Where the source comes from, for people: `Title · file:///kb/a.md · Policies › Cancellation`.
    public var label: String {
        var parts: [String] = []
        if let title { parts.append(title) }
        if let sourceURI { parts.append(sourceURI) }
        if !headingPath.isEmpty { parts.append(headingPath.joined(separator: PromptFormat.headingSeparator)) }
        return parts.isEmpty ? "source \(number)" : parts.joined(separator: " · ")
    }
}

/// A remembered preference or fact about the user (an `ai_memory` row) as it went into a prompt.
public struct PromptFact: Sendable, Hashable {
    /// Preference, fact, feedback or context.
    public var kind: MemoryFact.Kind
    /// The memory's key (`preferred_session_time`).
    public var key: String
    /// The memory's value.
    public var value: JSONValue
    /// How sure the miner was, 0…1; nil when unknown.
    public var confidence: Double?

    /// A fact; the key is kept on one line without parentheses so that the prompt text reads back exactly.
    public init(kind: MemoryFact.Kind, key: String, value: JSONValue, confidence: Double? = nil) {
        self.kind = kind
        self.key = PromptFormat.factKey(key)
        self.value = value
        self.confidence = confidence
    }

    /// The prompt's view of an `ai_memory` row.
    public init(_ fact: MemoryFact) {
        self.init(kind: fact.kind, key: fact.key, value: fact.value, confidence: fact.confidence)
    }

    /// The fact in words: `preferred session time: mornings`, `budget conscious: level high`.
    public var text: String {
        let name = key.replacingOccurrences(of: "_", with: " ").trimmingCharacters(in: .whitespaces)
        let value = PromptFact.words(value)
        if value.isEmpty { return name }
        return name.isEmpty ? value : "\(name): \(value)"
    }

    /// A JSON value in words: strings as they are, numbers without a needless `.0`, objects as `key value` pairs
    /// in key order (so the same value always reads the same).
    static func words(_ value: JSONValue) -> String {
        switch value {
        case .null: return ""
        case .bool(let flag): return flag ? "yes" : "no"
        case .number(let number):
            if number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) }
            return String(number)
        case .string(let text): return PromptFormat.singleLine(text)
        case .array(let items): return items.map(words).filter { !$0.isEmpty }.joined(separator: ", ")
        case .object(let members):
            return members.sorted { $0.key < $1.key }.map { member in
                let name = member.key.replacingOccurrences(of: "_", with: " ")
                let value = words(member.value)
                return value.isEmpty ? name : "\(name) \(value)"
            }.joined(separator: ", ")
        }
    }
}

/// What an answer may draw on, in a structured form: the question, the numbered sources and the user's facts.
///
/// `PromptBuilder` returns it alongside the messages it builds; give it to `LocalChatProvider(context:)` (or to
/// `ExtractiveAnswerer.answer(_:)`) so the offline answerer sees exactly what a model would have seen.
/// `init(messages:)` reads it back from the messages themselves, for a provider that only gets the request.
public struct PromptContext: Sendable, Hashable {
    /// The user's message, as it went into the prompt (possibly truncated).
    public var question: String
    /// The numbered sources, in rank order.
    public var sources: [PromptSource]
    /// The user's preferences and facts, most certain first.
    public var facts: [PromptFact]

    /// A context.
    public init(question: String, sources: [PromptSource] = [], facts: [PromptFact] = []) {
        self.question = question
        self.sources = sources
        self.facts = facts
    }

    /// Reads the context back from messages `PromptBuilder` built: the question is the last user message; the
    /// sources and facts come from the context section of the system messages.
    ///
    /// The format is line-based and unambiguous: source text is quoted line by line (`> `), and titles, URIs,
    /// headings and facts are kept to one line, so no retrieved text can be mistaken for the section's structure.
    /// Messages without a context section give a context with no sources and no facts.
    public init(messages: [ChatMessage]) {
        let question = messages.last { $0.role == .user }?.content ?? ""
        let system = messages.filter { $0.role == .system }.map(\.content).joined(separator: "\n\n")
        let parsed = PromptFormat.parse(system)
        self.init(question: question, sources: parsed.sources, facts: parsed.facts)
    }
}
