import NightshiftCore

/// Answers a question offline from a prompt's sources alone, by picking their most relevant sentences and citing
/// them as `[n]`: the `local` chat provider's answerer, used when no model is configured.
///
/// Deterministic: the same context always gives the same answer, byte for byte. Each sentence of each source is
/// scored against the question by
///
/// - **term overlap weighted by rarity** (55 %): the share of the question's content terms (stemmed, stopwords and
///   question words dropped, weighted by their rarity in general English) that the sentence holds, a variant
///   spelling counting 70 %;
/// - **vector similarity** (25 %): the cosine of the sentence's and the question's `LocalEmbedder` vectors, which
///   also catches typos and inflections through character n-grams;
/// - **the source's overlap** (15 %): the same overlap over the whole source with its title and headings, so a
///   sentence of the source that is about the question wins over a stray match elsewhere;
/// - **the source's rank** (5 % / rank): retrieval already judged the sources.
///
/// The best sentence must hold part of the question (`minimumCoverage`) and score at least `minimumScore`, else
/// the answer says honestly that the knowledge base has none and suggests rephrasing. Up to two more sentences
/// follow when they also hold part of the question, score within `relativeScore` of the best and do not repeat a
/// chosen one; they are grouped by source (best source first) and kept in their source's order, and each group
/// ends with its citation. The user's remembered facts are added when they share terms with the question.
public struct ExtractiveAnswerer: Sendable {
    /// The thresholds and limits of the answerer.
    public struct Settings: Sendable, Hashable {
        /// The most sentences an answer quotes.
        public var maximumSentences: Int
        /// The most words an answer quotes; the best sentence is cut at this length if it alone is longer.
        public var maximumWords: Int
        /// The score (0…1) below which the best sentence does not count as an answer.
        public var minimumScore: Double
        /// The share of the question's weighted terms the best sentence must hold.
        public var minimumCoverage: Double
        /// The share of the best score another sentence needs to be quoted too.
        public var relativeScore: Double
        /// The cosine above which a sentence repeats a chosen one and is left out.
        public var redundancy: Double
        /// The share of the question's weighted terms a remembered fact must hold to be mentioned.
        public var factCoverage: Double
        /// The most facts an answer mentions.
        public var maximumFacts: Int

        /// Settings; the defaults are `standard`'s.
        public init(
            maximumSentences: Int = 3, maximumWords: Int = 120, minimumScore: Double = 0.3,
            minimumCoverage: Double = 0.3, relativeScore: Double = 0.7, redundancy: Double = 0.8,
            factCoverage: Double = 0.25, maximumFacts: Int = 2
        ) {
            self.maximumSentences = maximumSentences
            self.maximumWords = maximumWords
            self.minimumScore = minimumScore
            self.minimumCoverage = minimumCoverage
            self.relativeScore = relativeScore
            self.redundancy = redundancy
            self.factCoverage = factCoverage
            self.maximumFacts = maximumFacts
        }

        /// The defaults, chosen on a small hand-written knowledge base (see the answering tests).
        public static let standard = Settings()
    }

    /// The reply when the prompt has no sources at all.
    public static let noSourcesReply = """
        I couldn't find anything about that in the knowledge base, so I can't answer it from there. Try \
        rephrasing your question with other words, or ask about a topic the documents cover.
        """
    /// The reply when no source sentence is relevant enough.
    public static let noMatchReply = """
        The knowledge base doesn't seem to answer that: none of the passages I found match your question. Try \
        rephrasing it, for example with the words your documents would use.
        """

    /// The thresholds and limits.
    public var settings: Settings
    /// Sentence vectors are compared only with each other here, never stored: 512 dimensions keep collision noise
    /// small (about 0.01 of a score) at a third of the cost of the column's 1,536. Shared by every answerer, so that
    /// its workspaces (and their memo of words) are kept from one answer to the next instead of made per request.
    private static let embedder = LocalEmbedder(dimensions: 512)

    /// An answerer with `settings`.
    public init(settings: Settings = .standard) {
        self.settings = settings
    }

    /// The answer to `context.question` from `context.sources` (and, when relevant, `context.facts`).
    public func answer(_ context: PromptContext) -> ExtractiveAnswer {
        let query = ExtractiveQuery(context.question)
        let facts = relevantFacts(context.facts, to: query)
        let candidates = score(context.sources, against: query, question: context.question)
        let picked = pick(candidates)
        guard let best = picked.first else {
            return unanswered(context, facts: facts, bestScore: candidates.first?.score ?? 0)
        }

        // Groups in the order of their best sentence; sentences in their source's order.
        var groups: [(number: Int, sentences: [Candidate])] = []
        for candidate in picked {
            if let index = groups.firstIndex(where: { $0.number == candidate.number }) {
                groups[index].sentences.append(candidate)
            } else {
                groups.append((candidate.number, [candidate]))
            }
        }
        var parts: [String] = []
        var chosen: [ExtractiveAnswer.Sentence] = []
        for group in groups {
            let sentences = group.sentences.sorted { $0.position < $1.position }
            let text = sentences.map(\.text).joined(separator: " ")
            parts.append(ExtractiveAnswerer.cite(text, number: group.number))
            chosen += sentences.map {
                ExtractiveAnswer.Sentence(text: $0.text, sourceNumber: $0.number, score: $0.score)
            }
        }
        if !facts.isEmpty {
            parts.append("From your saved preferences: " + facts.map(\.text).joined(separator: "; ") + ".")
        }
        return ExtractiveAnswer(
            text: parts.joined(separator: " "), isAnswered: true, citations: groups.map(\.number),
            sentences: chosen, facts: facts, confidence: min(1, best.score))
    }

    // MARK: - Scoring

    /// A sentence of a source with its scores.
    private struct Candidate {
        var number: Int
        var position: Int
        var text: String
        var vector: [Float]
        var coverage: Double
        /// The indices of the question terms the sentence holds.
        var terms: Set<Int>
        var score: Double
    }

    /// Every quotable sentence of every source, best first (ties: lower source number, earlier position).
    private func score(_ sources: [PromptSource], against query: ExtractiveQuery, question: String) -> [Candidate] {
        guard query.totalWeight > 0 else { return [] }
        typealias Draft = (number: Int, position: Int, text: String, terms: Set<Int>, coverage: Double, about: Double)
        var drafts: [Draft] = []
        for source in sources {
            let (sourceCoverage, sentences) = ExtractiveAnswerer.scan(source, for: query)
            guard sourceCoverage > 0 else { continue }
            for sentence in sentences {
                drafts.append(
                    (source.number, sentence.position, sentence.text, sentence.terms, sentence.coverage, sourceCoverage))
            }
        }
        guard !drafts.isEmpty else { return [] }
        let questionVector = Self.embedder.embed(question)
        let vectors = Self.embedder.embed(drafts.map(\.text))
        var candidates: [Candidate] = []
        candidates.reserveCapacity(drafts.count)
        for (draft, vector) in zip(drafts, vectors) {
            let similarity = max(0, ExtractiveTerms.cosine(vector, questionVector))
            let score =
                0.55 * draft.coverage + 0.25 * similarity + 0.15 * draft.about
                + 0.05 / Double(max(1, draft.number))
            candidates.append(
                Candidate(
                    number: draft.number, position: draft.position, text: draft.text, vector: vector,
                    coverage: draft.coverage, terms: draft.terms, score: score))
        }
        return candidates.sorted { a, b in
            if a.score != b.score { return a.score > b.score }
            if a.number != b.number { return a.number < b.number }
            return a.position < b.position
        }
    }

    /// A source's coverage of the question (over its title, headings and whole text) and its quotable sentences
    /// that hold part of it, with their coverage and the question terms they hold.
    ///
    /// The sentences cover all of the text (less white space, and the list markers their quoted form drops), so
    /// the credits of the sentences, of those markers and of the title and headings make the source's: each word
    /// is read once (`coverage(in:)` of the joined text gives the same figure; a test holds them equal).
    static func scan(
        _ source: PromptSource, for query: ExtractiveQuery
    ) -> (coverage: Double, sentences: [(position: Int, text: String, terms: Set<Int>, coverage: Double)]) {
        var sourceCredits = query.credits(in: ([source.title ?? ""] + source.headingPath).joined(separator: "\n"))
        var sentences: [(position: Int, text: String, terms: Set<Int>, coverage: Double)] = []
        for (position, range) in SentenceSplitter.ranges(in: source.content).enumerated() {
            let sentence = source.content[range]
            let (text, marker) = SentenceSplitter.displayParts(sentence)
            let credits = query.credits(in: text)
            ExtractiveQuery.merge(&sourceCredits, credits)
            if let marker { ExtractiveQuery.merge(&sourceCredits, query.credits(in: marker)) }
            guard !SentenceSplitter.isHeading(sentence), ExtractiveAnswerer.wordCount(text) >= 4 else { continue }
            let match = query.match(credits)
            // A sentence holding no question term can neither be the answer nor join it: skip its vector.
            guard match.coverage > 0 else { continue }
            sentences.append((position, text, match.terms, match.coverage))
        }
        return (query.match(sourceCredits).coverage, sentences)
    }

    /// The best sentence when it is relevant enough, then up to two more that add to it: each must score within
    /// `relativeScore` of the best, not repeat a chosen sentence, and either stand next to a chosen sentence of the
    /// same source (the passage goes on) or hold a question term no chosen sentence holds.
    private func pick(_ candidates: [Candidate]) -> [Candidate] {
        guard var best = candidates.first, best.coverage >= settings.minimumCoverage,
            best.score >= settings.minimumScore
        else { return [] }
        if ExtractiveAnswerer.wordCount(best.text) > settings.maximumWords {
            best.text = best.text.split(separator: " ").prefix(settings.maximumWords).joined(separator: " ") + "…"
        }
        var picked = [best]
        var words = ExtractiveAnswerer.wordCount(best.text)
        let floor = max(settings.minimumScore, settings.relativeScore * best.score)
        for candidate in candidates.dropFirst() {
            guard picked.count < settings.maximumSentences, candidate.score >= floor else { break }
            let length = ExtractiveAnswerer.wordCount(candidate.text)
            guard words + length <= settings.maximumWords else { continue }
            let repeats = picked.contains { chosen in
                chosen.text == candidate.text
                    || ExtractiveTerms.cosine(chosen.vector, candidate.vector) > settings.redundancy
            }
            guard !repeats else { continue }
            let continues = picked.contains {
                $0.number == candidate.number && abs($0.position - candidate.position) == 1
            }
            let held = picked.reduce(into: Set<Int>()) { $0.formUnion($1.terms) }
            guard continues || !candidate.terms.isSubset(of: held) else { continue }
            picked.append(candidate)
            words += length
        }
        return picked
    }

    private func relevantFacts(_ facts: [PromptFact], to query: ExtractiveQuery) -> [PromptFact] {
        let relevant = facts.filter { fact in
            let about = fact.key.replacingOccurrences(of: "_", with: " ") + " " + PromptFact.words(fact.value)
            return query.coverage(in: about) >= settings.factCoverage
        }
        return Array(relevant.prefix(settings.maximumFacts))
    }

    private func unanswered(_ context: PromptContext, facts: [PromptFact], bestScore: Double) -> ExtractiveAnswer {
        if !facts.isEmpty {
            let text =
                "The knowledge base doesn't cover that, but from your saved preferences: "
                + facts.map(\.text).joined(separator: "; ") + "."
            return ExtractiveAnswer(
                text: text, isAnswered: true, citations: [], sentences: [], facts: facts,
                confidence: settings.minimumScore)
        }
        let text = context.sources.isEmpty ? ExtractiveAnswerer.noSourcesReply : ExtractiveAnswerer.noMatchReply
        return ExtractiveAnswer(
            text: text, isAnswered: false, citations: [], sentences: [], facts: [], confidence: min(1, bestScore))
    }

    /// The words of a quoted sentence (single spaces between words, as `SentenceSplitter.displayText` makes it).
    static func wordCount(_ text: String) -> Int {
        text.isEmpty ? 0 : text.utf8.reduce(1) { $0 + ($1 == 0x20 ? 1 : 0) }
    }

    /// `text` with ` [n]` before its final full stop, question or exclamation mark (or at its end).
    static func cite(_ text: String, number: Int) -> String {
        let marker = " [\(number)]"
        if let last = text.last, last == "." || last == "!" || last == "?" {
            return String(text.dropLast()) + marker + String(last)
        }
        return text + marker
    }
}

/// What the extractive answerer found: the answer's text, what it cites and how sure it is.
public struct ExtractiveAnswer: Sendable, Hashable {
    /// A quoted sentence.
    public struct Sentence: Sendable, Hashable {
        /// The sentence as quoted (list markers dropped, white space collapsed).
        public var text: String
        /// The number of the source it comes from.
        public var sourceNumber: Int
        /// Its relevance score, 0…1.
        public var score: Double

        /// A quoted sentence.
        public init(text: String, sourceNumber: Int, score: Double) {
            self.text = text
            self.sourceNumber = sourceNumber
            self.score = score
        }
    }

    /// The answer, with `[n]` citations; the honest no-answer reply when nothing was relevant.
    public var text: String
    /// False when the knowledge base held nothing relevant and `text` says so.
    public var isAnswered: Bool
    /// The source numbers cited, in the order the answer cites them.
    public var citations: [Int]
    /// The sentences quoted, in the answer's order.
    public var sentences: [Sentence]
    /// The remembered facts the answer mentions.
    public var facts: [PromptFact]
    /// The best sentence's score, 0…1: a rough confidence for the response.
    public var confidence: Double

    /// An answer.
    public init(
        text: String, isAnswered: Bool, citations: [Int], sentences: [Sentence], facts: [PromptFact],
        confidence: Double
    ) {
        self.text = text
        self.isAnswered = isAnswered
        self.citations = citations
        self.sentences = sentences
        self.facts = facts
        self.confidence = confidence
    }

    /// Token estimates for this answer to `prompt`: prompt tokens as `PromptBuilder` counts them, completion
    /// tokens of `text`.
    public func usage(prompt: [ChatMessage]) -> ChatUsage {
        ChatUsage.estimate(messages: prompt, completion: text)
    }
}
