/// A question as the extractive answerer scores text against it: its content terms weighted by rarity, and its
/// `LocalEmbedder` vector.
struct ExtractiveQuery {
    /// The question's distinct stems with their weights, in order of first appearance.
    let terms: [(stem: String, weight: Double)]
    /// The sum of the weights; zero when the question has no terms.
    let totalWeight: Double

    /// The terms of `question`: stemmed, stopwords and question words (`what`, `how`, `tell`…) dropped, unless
    /// nothing else is left.
    init(_ question: String) {
        let all = LocalEmbedder.tokenize(question)
        let content = all.filter { !ExtractiveTerms.questionWords.contains($0) }
        var seen: Set<String> = []
        var terms: [(stem: String, weight: Double)] = []
        for stem in content.isEmpty ? all : content where seen.insert(stem).inserted {
            terms.append((stem, ExtractiveTerms.weight(of: stem)))
        }
        self.terms = terms
        self.totalWeight = terms.reduce(0) { $0 + $1.weight }
        var byPrefix: [UInt32: [Int]] = [:]
        for (index, term) in terms.enumerated() {
            if let key = ExtractiveTerms.prefixKey(term.stem.utf8) { byPrefix[key, default: []].append(index) }
        }
        self.termsByPrefix = byPrefix
        self.stemBytes = terms.map { Array($0.stem.utf8) }
    }

    /// The terms by their first four bytes: a variant shares at least those (see `ExtractiveTerms.variantCredit`),
    /// so only stems with the same four first bytes need comparing.
    private let termsByPrefix: [UInt32: [Int]]

    /// The share of the question's weight that the terms of `text` cover, 0…1: a stem counts fully, a variant of
    /// it (a shared prefix the light stemmer left apart: `cancel`, `cancell`, `cancellat`) partly.
    func coverage(in text: String) -> Double {
        match(in: text).coverage
    }

    /// The coverage of the terms of `text` (see `coverage(in:)`) and the indices of the question terms it holds,
    /// fully or partly. One pass over the text's terms as bytes: no string or set is made for them.
    func match(in text: String) -> (coverage: Double, terms: Set<Int>) {
        guard totalWeight > 0 else { return (0, []) }
        return match(credits(in: text))
    }

    /// Per question term: 1 for a term `text` holds, the variant weight for one it holds a variant of, else 0.
    /// A variant never replaces a full match, whatever the order the text has them in; so the credits of two
    /// texts combine by taking the larger of each (`merge`), as the credits of the texts joined would.
    func credits<S: StringProtocol>(in text: S) -> [Double] {
        var credits = [Double](repeating: 0, count: terms.count)
        var partial = terms.count  // terms without full credit yet
        LocalEmbedder.forEachTerm(in: String(text), stemming: true, droppingStopwords: true) { stem in
            guard partial > 0 else { return }
            for index in stemBytes.indices where credits[index] < 1 && Self.equal(stemBytes[index], stem) {
                credits[index] = 1
                partial -= 1
                return
            }
            guard let key = ExtractiveTerms.prefixKey(stem), let candidates = termsByPrefix[key] else { return }
            for index in candidates where credits[index] == 0 {
                credits[index] = ExtractiveTerms.variantCredit(stemBytes[index], stem)
            }
        }
        return credits
    }

    /// `credits` with `other`'s taken in: the larger credit of each term.
    static func merge(_ credits: inout [Double], _ other: [Double]) {
        for index in credits.indices where other[index] > credits[index] { credits[index] = other[index] }
    }

    /// The coverage and the held terms that `credits` (from `credits(in:)`) make.
    func match(_ credits: [Double]) -> (coverage: Double, terms: Set<Int>) {
        guard totalWeight > 0 else { return (0, []) }
        var covered = 0.0
        var held: Set<Int> = []
        for (index, term) in terms.enumerated() {
            let credit = credits[index]
            if credit > 0 {
                covered += term.weight * credit
                held.insert(index)
            }
        }
        return (covered / totalWeight, held)
    }

    /// The stems' bytes, for comparing with a text's terms as they are scanned.
    private let stemBytes: [[UInt8]]

    private static func equal(_ stem: [UInt8], _ term: UnsafeBufferPointer<UInt8>) -> Bool {
        stem.count == term.count && stem.withUnsafeBufferPointer { $0.elementsEqual(term) }
    }
}

/// Term weights and matching for the extractive answerer.
enum ExtractiveTerms {
    /// How much a variant (shared prefix) counts compared with the same stem.
    static let variantWeight = 0.7

    /// Words that ask rather than say what is asked about, as stems.
    static let questionWords: Set<String> = Set(
        LocalEmbedder.tokenize(
            """
            what which who whom whose when where why how tell please know explain describe can could would should \
            may might must will shall need want like get let help thank thanks hi hello hey anything something \
            way possible do does did is are there say says mean means find
            """, droppingStopwords: false))

    /// A stem's weight: its rarity in general English as `ln(total / count)` (about 3 for `the`, 8.5 for `cell`,
    /// 17.5 for a word the lexicon does not know), the embedder's stand-in for inverse document frequency.
    static func weight(of stem: String) -> Double {
        var stem = stem
        let rarity = stem.withUTF8 { bytes in
            LocalEmbedder.rarity(of: bytes, stemHash: FeatureHashing.fnv1a(bytes), lexicon: .shared)
        }
        return Double(rarity) / 8
    }

    /// 1 for the same stem; `variantWeight` for two stems of which one (four letters or more) begins the other
    /// (`late`, `later`) or which share a prefix of at least five letters covering 70 % of the shorter one
    /// (`cancell`, `cancellat`); else 0.
    static func variantCredit<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Double {
        // Any credit needs a shared prefix of four bytes or more: `prefixKey` relies on that.
        var shared = 0
        var shorter = 0
        var left = a.makeIterator()
        var right = b.makeIterator()
        var matching = true
        while true {
            let x = left.next()
            let y = right.next()
            guard let x, let y else {
                if x == nil && y == nil && matching { return 1 }
                break
            }
            shorter += 1
            if matching && x == y { shared += 1 } else { matching = false }
        }
        if shared == shorter && shared >= 4 { return variantWeight }
        guard shared >= 5, Double(shared) >= 0.7 * Double(shorter) else { return 0 }
        return variantWeight
    }

    /// The first four bytes of a stem as one number; nil for a stem shorter than that (it has no variants).
    static func prefixKey<C: Collection<UInt8>>(_ stem: C) -> UInt32? {
        var key: UInt32 = 0
        var count = 0
        for byte in stem {
            key = key << 8 | UInt32(byte)
            count += 1
            if count == 4 { return key }
        }
        return nil
    }

    /// The cosine similarity of two L2-normalised vectors of the same length.
    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var sum: Float = 0
        for index in 0..<min(a.count, b.count) { sum += a[index] * b[index] }
        return Double(sum)
    }
}
