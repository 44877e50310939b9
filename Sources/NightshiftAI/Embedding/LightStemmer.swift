/// A light English suffix stripper on lower-case ASCII bytes, so that `cells`/`cell`, `increased`/`increasing`/
/// `increase` and `regulation`/`regulated` share a term.
///
/// Deliberately lighter than Porter's: plural `-s`/`-ies`/`-sses`, one derivational or inflectional suffix
/// (`-ational`, `-ization`, `-iveness`, `-fulness`, `-ousness`, `-ation`, `-ingly`, `-edly`, `-ing`, `-ed`, `-ly`,
/// `-ment`, `-ness`) when at least three letters remain, then a final `-e`. Over-stemming merges unrelated words
/// and costs more than a missed variant here, because character n-grams already connect most variants. Words
/// with any byte outside `a`–`z`, or of three letters or fewer, are left alone.
enum LightStemmer {
    /// Suffixes tried in order (the first that fits wins) with their replacements.
    private static let rules: [(suffix: [UInt8], replacement: [UInt8], verbal: Bool)] = [
        ("ational", "ate", false), ("ization", "ize", false), ("iveness", "ive", false), ("fulness", "ful", false),
        ("ousness", "ous", false), ("ation", "ate", false), ("ingly", "", true), ("edly", "", true),
        ("ing", "", true), ("ed", "", true), ("ly", "", false), ("ment", "", false), ("ness", "", false),
    ].map { (Array($0.0.utf8), Array($0.1.utf8), $0.2) }
    private static let ies = Array("ies".utf8)
    private static let sses = Array("sses".utf8)
    private static let ss = Array("ss".utf8)
    private static let us = Array("us".utf8)
    private static let `is` = Array("is".utf8)
    private static let s = [UInt8(ascii: "s")]

    /// Writes the stem of `word` to `output` (room for `word.count + 1` bytes) and returns its length.
    static func stem(_ word: UnsafeBufferPointer<UInt8>, into output: UnsafeMutablePointer<UInt8>) -> Int {
        var length = word.count
        for index in 0..<length { output[index] = word[index] }
        guard length > 3 else { return length }
        for index in 0..<length where output[index] &- 0x61 >= 26 { return length }

        func endsWith(_ suffix: [UInt8]) -> Bool {
            guard suffix.count <= length else { return false }
            let start = length - suffix.count
            for (offset, byte) in suffix.enumerated() where output[start + offset] != byte { return false }
            return true
        }
        func isVowel(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a"), UInt8(ascii: "e"), UInt8(ascii: "i"), UInt8(ascii: "o"), UInt8(ascii: "u"),
                UInt8(ascii: "y"):
                return true
            default:
                return false
            }
        }

        if endsWith(ies) && length > 4 {
            length -= 3
            output[length] = UInt8(ascii: "y")
            length += 1
        } else if endsWith(sses) {
            length -= 2
        } else if endsWith(s) && !endsWith(ss) && !endsWith(us) && !endsWith(`is`) {
            length -= 1
        }

        // Every suffix below ends in one of these letters; most words end in none of them.
        let last = output[length - 1]
        let mayMatch =
            last == UInt8(ascii: "l") || last == UInt8(ascii: "n") || last == UInt8(ascii: "s")
            || last == UInt8(ascii: "y") || last == UInt8(ascii: "g") || last == UInt8(ascii: "d")
            || last == UInt8(ascii: "t")
        for rule in rules where mayMatch && endsWith(rule.suffix) && length - rule.suffix.count >= 3 {
            var base = length - rule.suffix.count
            if rule.verbal {
                // A verb ending needs a vowel before it (`bed`, `sing` are words, not stems) and loses a doubled
                // consonant (`stopped` → `stop`) except l, s and z (`called`, `passed`, `buzzed`).
                guard (0..<base).contains(where: { isVowel(output[$0]) }) else { break }
                let last = output[base - 1]
                if last == output[base - 2] && !isVowel(last) && last != UInt8(ascii: "l")
                    && last != UInt8(ascii: "s") && last != UInt8(ascii: "z")
                {
                    base -= 1
                }
            }
            for (offset, byte) in rule.replacement.enumerated() { output[base + offset] = byte }
            length = base + rule.replacement.count
            break
        }

        if length > 4 && output[length - 1] == UInt8(ascii: "e") { length -= 1 }
        return length
    }
}
