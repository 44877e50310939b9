/// A static, corpus-independent prior for how informative an English word is: its rarity in general English.
///
/// Retrieval weighting normally uses inverse document frequency measured on the indexed corpus, which a stateless
/// embedder cannot know (and a vector must not change when other documents arrive). General-English rarity is a
/// good stand-in: content words that distinguish documents are rare in books, function words are common. The
/// rarity of a word is `q = round(8 · ln(total / count))` from the Google Books counts of SymSpell's English
/// frequency list (see `EnglishLexicon+Data.swift`): `the` is 25, `cell` 68, `anisotropy` 110. Words outside the
/// list (technical terms, names, codes) count as the rarest. Words are looked up by their stem, keeping the most
/// frequent spelling's rarity. Stopwords are a separate list and are matched on the surface form.
struct EnglishLexicon: Sendable {
    /// The lexicon built from the packed data, once per process.
    static let shared = EnglishLexicon()

    /// Rarity of a word outside the list: just past the rarest listed word (`ln(total / count) = 17.5`).
    static let unknownRarity: UInt8 = 140
    /// Rarity of a bare number: as informative as a moderately common word (numbers recur everywhere).
    static let numberRarity: UInt8 = 64
    /// Rarity of a one-character word (`p`, `t`, `β`): barely informative, but kept for `t cells` and `p < 0.05`.
    static let singleCharacterRarity: UInt8 = 32

    /// Function words that carry no topic; dropped unless a text has nothing else.
    static let stopwords: [String] = """
        a about above after again against all am an and any are as at be because been before being below between \
        both but by can could did do does doing down during each few for from further had has have having he her \
        here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not \
        now of off on once only or other our ours ourselves out over own same she should so some such than that the \
        their theirs them themselves then there these they this those through to too under until up very was we \
        were what when where which while who whom why will with would you your yours yourself yourselves
        """.split(separator: " ").map(String.init)

    /// Open addressing over stem hashes: each entry is the hash's top 56 bits with the rarity in the low byte (one
    /// load per probe; two stems agreeing on 56 bits is a 2⁻⁵⁶ event), zero for an empty slot.
    private let rarityTable: [UInt64]
    private let rarityMask: Int
    private let stopKeys: [UInt64]
    private let stopMask: Int

    /// Number of distinct stems with a listed rarity.
    let count: Int

    private init() {
        var table = [UInt64](repeating: 0, count: 1 << 16)
        let mask = table.count - 1
        var entries = 0
        let stemBuffer = UnsafeMutablePointer<UInt8>.allocate(capacity: WordScanner.scratchCapacity + 1)
        defer { stemBuffer.deallocate() }
        for line in EnglishLexicon.packedWords.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard let first = fields.first, let rarity = UInt8(first), rarity > 0 else { continue }
            for word in fields.dropFirst() {
                var word = String(word)
                let stemHash = word.withUTF8 { bytes -> UInt64 in
                    let length = LightStemmer.stem(bytes, into: stemBuffer)
                    return FeatureHashing.fnv1a(UnsafeBufferPointer(start: stemBuffer, count: length))
                }
                let tag = EnglishLexicon.tag(stemHash)
                var slot = EnglishLexicon.slot(stemHash) & mask
                while table[slot] != 0 && table[slot] & ~0xff != tag { slot = (slot + 1) & mask }
                if table[slot] == 0 {
                    table[slot] = tag | UInt64(rarity)
                    entries += 1
                } else {
                    // Several spellings share a stem: keep the most frequent one's rarity.
                    table[slot] = tag | UInt64(min(UInt8(truncatingIfNeeded: table[slot]), rarity))
                }
            }
        }
        rarityTable = table
        rarityMask = mask
        count = entries

        var stops = [UInt64](repeating: 0, count: 1024)
        for var word in EnglishLexicon.stopwords {
            let key = EnglishLexicon.key(word.withUTF8 { FeatureHashing.fnv1a($0) })
            var slot = EnglishLexicon.slot(key) & (stops.count - 1)
            while stops[slot] != 0 && stops[slot] != key { slot = (slot + 1) & (stops.count - 1) }
            stops[slot] = key
        }
        stopKeys = stops
        stopMask = stops.count - 1
    }

    /// The top 56 bits of a hash, never zero.
    @inline(__always)
    private static func tag(_ hash: UInt64) -> UInt64 { hash & ~0xff == 0 ? 0x100 : hash & ~0xff }

    @inline(__always)
    private static func slot(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: FeatureHashing.mix(hash)) }

    /// Zero marks an empty slot, so a hash of zero is stored as one (a 2⁻⁶⁴ event).
    @inline(__always)
    private static func key(_ hash: UInt64) -> UInt64 { hash == 0 ? 1 : hash }

    /// The listed rarity of the stem whose FNV-1a hash is `stemHash`, or nil.
    func rarity(stemHash: UInt64) -> UInt8? {
        let tag = EnglishLexicon.tag(stemHash)
        var slot = EnglishLexicon.slot(stemHash) & rarityMask
        while true {
            let stored = rarityTable[slot]
            if stored == 0 { return nil }
            if stored & ~0xff == tag { return UInt8(truncatingIfNeeded: stored) }
            slot = (slot + 1) & rarityMask
        }
    }

    /// Whether the normalised surface word whose FNV-1a hash is `surfaceHash` is a stopword.
    func isStopword(surfaceHash: UInt64) -> Bool {
        let key = EnglishLexicon.key(surfaceHash)
        var slot = EnglishLexicon.slot(key) & stopMask
        while true {
            let stored = stopKeys[slot]
            if stored == key { return true }
            if stored == 0 { return false }
            slot = (slot + 1) & stopMask
        }
    }
}
