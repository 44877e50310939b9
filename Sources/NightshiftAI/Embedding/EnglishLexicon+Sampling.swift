import Foundation

/// English words with their relative frequency in general English (the embedder's lexicon), for generating
/// realistic synthetic text in benchmarks: word frequencies follow Zipf's law as in real prose, so a query term
/// matches a realistic share of chunks (a tiny vocabulary would make every term match every chunk).
public enum EnglishWordFrequencies {
    /// Every listed word with its weight (proportional to its count in the Google Books data), most frequent first.
    public static func all() -> [(word: String, weight: Double)] {
        var words: [(word: String, weight: Double)] = []
        for line in EnglishLexicon.packedWords.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard let first = fields.first, let rarity = Double(first) else { continue }
            // rarity = round(8 · ln(total / count)), so count ∝ exp(-rarity / 8)
            let weight = exp(-rarity / 8)
            for word in fields.dropFirst() { words.append((String(word), weight)) }
        }
        return words
    }
}
