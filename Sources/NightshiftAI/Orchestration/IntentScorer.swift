import NightshiftCore

/// The offline intent classifier: a deterministic, explainable scorer over the cues of `IntentLexicon`.
///
/// Each intent's score is the sum of the weights of its cues found in the message, each cue counted once; a
/// word matches a cue in any of its inflected forms, or with one typo when both are six letters or more and
/// start alike (`shedule` → `schedule`). A request cue within three words after an English negator, or before a
/// Hindi one, does not count ("I don't want to book"). `general` starts with `generalPrior`, so one weak cue
/// alone is not enough to leave it; on a tie `general` wins (its agent redirects with quick actions), then the
/// order booking, session, insights, followup. Confidence grows with the margin over the runner-up and with the
/// winner's score, and stays within 5…95: only a quick action is certain.
public struct OfflineIntentClassifier: Sendable {
    /// The score `general` starts with.
    public static let generalPrior = 1.0
    /// The score a conversation's current agent gets for continuing ("yes, Friday works" in a booking chat).
    public static let continuationBonus = 1.5
    /// The classifier over the standard lexicon.
    public static let standard = OfflineIntentClassifier()

    /// The cues it scores with.
    public let cues: [IntentCue]
    private let wordIndex: [String: [Int]]
    private let fuzzyForms: [Character: [(form: [Character], cue: Int)]]
    private let phrases: [(cue: Int, elements: [Set<String>])]

    private static let fuzzyMinimumLength = 6
    private static let phraseGap = 2
    private static let tieOrder: [AgentType] = [.general, .booking, .session, .insights, .followup]

    /// A classifier over `cues` (the standard lexicon by default); cue texts are normalised like messages.
    public init(cues: [IntentCue] = IntentLexicon.cues) {
        self.cues = cues
        var wordIndex: [String: [Int]] = [:]
        var fuzzyForms: [Character: [(form: [Character], cue: Int)]] = [:]
        var phrases: [(cue: Int, elements: [Set<String>])] = []
        for (index, cue) in cues.enumerated() {
            let words = IntentText.words(cue.text)
            if words.count == 1 {
                for form in IntentText.forms(of: words[0]).sorted() { wordIndex[form, default: []].append(index) }
                // Typos are compared with real words only (the cue and its stem), never with generated forms,
                // which need not be words (`worse` → `worsing` is one letter from `working`).
                for form in Self.wordAndStem(words[0]) where form.count >= Self.fuzzyMinimumLength {
                    if let first = form.first { fuzzyForms[first, default: []].append((Array(form), index)) }
                }
            } else if words.count > 1 {
                phrases.append((index, words.map { IntentText.forms(of: $0) }))
            }
        }
        self.wordIndex = wordIndex
        self.fuzzyForms = fuzzyForms
        self.phrases = phrases
    }

    /// A cue found in a message.
    public struct Match: Sendable, Hashable, CustomStringConvertible {
        /// The cue.
        public var cue: IntentCue
        /// The message's word when it differs from the cue (a typo, `shedule` for `schedule`).
        public var typo: String?
        /// True when a negation cancelled it (it adds nothing).
        public var negated: Bool

        /// `'book' +3`, `'shedule'≈'schedule' +2`, `'book' negated`.
        public var description: String {
            let name = typo.map { "'\($0)'≈'\(cue.text)'" } ?? "'\(cue.text)'"
            return negated ? "\(name) negated" : "\(name) +\(OfflineIntentClassifier.format(cue.weight))"
        }
    }

    /// An intent's score and the cues behind it.
    public struct Score: Sendable, Hashable {
        /// The intent.
        public var intent: AgentType
        /// The sum of its counted cues' weights (plus the prior for `general`, plus any continuation bonus).
        public var value: Double
        /// Its cues, in the order found, negated ones included.
        public var matches: [Match]
    }

    /// Every intent's score for `message`, best first (ties in the documented order).
    ///
    /// `continuing` names the conversation's current agent, which gets `continuationBonus` unless it is
    /// `general`.
    public func scores(_ message: String, continuing: AgentType? = nil) -> [Score] {
        let words = IntentText.words(message)
        var found: [Int: Match] = [:]
        var order: [Int] = []
        func record(_ cueIndex: Int, start: Int, end: Int, typo: String?) {
            guard found[cueIndex] == nil else { return }
            let cue = cues[cueIndex]
            let negated = IntentLexicon.negatable.contains(cue.intent) && isNegated(words, start: start, end: end)
            found[cueIndex] = Match(cue: cue, typo: typo, negated: negated)
            order.append(cueIndex)
        }

        for (position, word) in words.enumerated() {
            // One word gives each intent at most one cue, its heaviest: cues sharing a form count a word once.
            var candidates: [(cue: Int, typo: String?)] = (wordIndex[word] ?? []).map { ($0, nil) }
            if candidates.isEmpty, let typo = fuzzyMatch(word) { candidates = [(typo, word)] }
            var best: [AgentType: (cue: Int, typo: String?)] = [:]
            for candidate in candidates {
                let intent = cues[candidate.cue].intent
                if let current = best[intent], cues[current.cue].weight >= cues[candidate.cue].weight { continue }
                best[intent] = candidate
            }
            for intent in AgentType.allCases {
                if let pick = best[intent] { record(pick.cue, start: position, end: position, typo: pick.typo) }
            }
        }
        for phrase in phrases {
            if let span = find(phrase.elements, in: words) {
                record(phrase.cue, start: span.lowerBound, end: span.upperBound, typo: nil)
            }
        }

        var scores = Dictionary(
            uniqueKeysWithValues: AgentType.allCases.map { ($0, Score(intent: $0, value: 0, matches: [])) })
        scores[.general]?.value = Self.generalPrior
        for cueIndex in order {
            guard let match = found[cueIndex] else { continue }
            scores[match.cue.intent]?.matches.append(match)
            if !match.negated { scores[match.cue.intent]?.value += match.cue.weight }
        }
        if let continuing, continuing != .general { scores[continuing]?.value += Self.continuationBonus }
        return Self.tieOrder.compactMap { scores[$0] }.sorted { lhs, rhs in
            if lhs.value != rhs.value { return lhs.value > rhs.value }
            return (Self.tieOrder.firstIndex(of: lhs.intent) ?? 0) < (Self.tieOrder.firstIndex(of: rhs.intent) ?? 0)
        }
    }

    /// The intent of `message`, with the cues that decided it in `reasoning`.
    public func classify(_ message: String, continuing: AgentType? = nil) -> IntentResult {
        let ranked = scores(message, continuing: continuing)
        guard let top = ranked.first, ranked.count > 1 else {
            return IntentResult(
                intent: .general, confidence: 50, reasoning: ["no clear intent"], method: .offline, message: message)
        }
        let runnerUp = ranked[1]
        var reasoning: [String] = []
        let counted = top.matches.filter { !$0.negated }
        let bonus = continuing == top.intent && top.intent != .general
        if counted.isEmpty && !bonus {
            reasoning.append("no clear intent: \(top.intent.rawValue) by default")
        } else {
            var parts = counted.map(\.description)
            if bonus { parts.append("conversation continues +\(Self.format(Self.continuationBonus))") }
            if top.intent == .general { parts.insert("prior +\(Self.format(Self.generalPrior))", at: 0) }
            reasoning.append("\(top.intent.rawValue) \(Self.format(top.value)): " + parts.joined(separator: ", "))
        }
        reasoning.append("runner-up \(runnerUp.intent.rawValue) \(Self.format(runnerUp.value))")
        for score in ranked {
            for match in score.matches where match.negated { reasoning.append(match.description) }
        }

        let confidence: Int
        if counted.isEmpty && !bonus && top.intent == .general {
            confidence = 50
        } else {
            let margin = top.value > 0 ? (top.value - runnerUp.value) / top.value : 0
            let strength = min(1, top.value / 6)
            confidence = min(95, max(5, Int((35 + 40 * margin + 20 * strength).rounded())))
        }
        return IntentResult(
            intent: top.intent, confidence: confidence, reasoning: reasoning, method: .offline, message: message)
    }

    /// The cue a word misspells: the word or its stem is one edit from a cue or its stem, both of six letters or
    /// more and with the same first letter (`apointments` → `appointment`, `sheduling` → `schedule`).
    private func fuzzyMatch(_ word: String) -> Int? {
        guard word.count >= Self.fuzzyMinimumLength, let first = word.first, first.isASCII,
            let bucket = fuzzyForms[first]
        else { return nil }
        var best: Int?
        for candidate in Self.wordAndStem(word) where candidate.count >= Self.fuzzyMinimumLength {
            let letters = Array(candidate)
            for entry in bucket
            where abs(entry.form.count - letters.count) <= 1 && IntentText.withinOneEdit(entry.form, letters) {
                if let current = best, cues[current].weight >= cues[entry.cue].weight { continue }
                best = entry.cue
            }
        }
        return best
    }

    /// The word, then its stem when that differs; an array, not a set, so the order (and any tie) never varies.
    private static func wordAndStem(_ word: String) -> [String] {
        let stem = IntentText.stem(word)
        return stem == word ? [word] : [word, stem]
    }

    /// The first span where the phrase's words occur in order, at most `phraseGap` words apart.
    private func find(_ elements: [Set<String>], in words: [String]) -> ClosedRange<Int>? {
        guard let head = elements.first else { return nil }
        for start in words.indices where head.contains(words[start]) {
            var position = start
            var matched = true
            for element in elements.dropFirst() {
                let window = (position + 1)..<min(words.count, position + 2 + Self.phraseGap)
                guard let next = window.first(where: { element.contains(words[$0]) }) else {
                    matched = false
                    break
                }
                position = next
            }
            if matched { return start...position }
        }
        return nil
    }

    private func isNegated(_ words: [String], start: Int, end: Int) -> Bool {
        let scope = IntentLexicon.negationScope
        let before = max(0, start - scope)..<start
        if before.contains(where: { IntentLexicon.negatorsBefore.contains(words[$0]) }) { return true }
        let after = (end + 1)..<min(words.count, end + 1 + scope)
        return after.contains(where: { IntentLexicon.negatorsAfter.contains(words[$0]) })
    }

    /// `3`, `1.5`.
    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
