import Foundation

/// The offline intent scorer's view of text: normalised words, their inflected forms, and a one-typo match.
///
/// Kept apart from the local embedder's `WordScanner` and `LightStemmer` on purpose: those are tuned for retrieval
/// and may change with it, while the scorer's answers must stay put unless its own lexicon changes.
enum IntentText {
    /// The words of `text`: lower-cased, accents folded, apostrophes dropped (`don't` → `dont`, `today's` →
    /// `todays`), split at anything that is not a letter, mark or digit, and at letter–digit boundaries
    /// (`3pm` → `3 pm`, `PHQ-9` → `phq 9`).
    static func words(_ text: String) -> [String] {
        let folded = text.lowercased().folding(options: [.diacriticInsensitive, .widthInsensitive], locale: nil)
        var words: [String] = []
        var current = String.UnicodeScalarView()
        var currentIsDigit = false
        func flush() {
            if !current.isEmpty { words.append(String(current)) }
            current = String.UnicodeScalarView()
        }
        for scalar in folded.unicodeScalars {
            if scalar == "'" || scalar == "\u{2019}" || scalar == "\u{2018}" { continue }
            let isDigit = scalar.properties.numericType != nil
            let isWordPart: Bool
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark: isWordPart = true
            default: isWordPart = isDigit || scalar.properties.isAlphabetic
            }
            guard isWordPart else {
                flush()
                continue
            }
            if !current.isEmpty && isDigit != currentIsDigit { flush() }
            currentIsDigit = isDigit
            current.append(scalar)
        }
        flush()
        return words
    }

    /// The surface forms a lexicon word stands for: itself, plurals, `-ing`/`-ed`/`-er` with the usual spelling
    /// changes (`schedule` → `scheduling`, `cancel` → `cancelled`, `worry` → `worried`). Words of three letters
    /// only take `-s` (`app` must not match `apply`), words of two none (`hi` must not match `his`).
    static func forms(of word: String) -> Set<String> {
        var forms: Set<String> = [word]
        let letters = Array(word)
        guard letters.count > 2, letters.allSatisfy({ $0.isASCII && $0.isLetter }) else { return forms }
        forms.insert(word + "s")
        guard letters.count > 3, let last = letters.last else { return forms }
        forms.insert(word + "es")
        let vowelSuffixes = ["ing", "ings", "ed", "er", "ers"]
        let base = last == "e" ? String(letters.dropLast()) : word
        for suffix in vowelSuffixes { forms.insert(base + suffix) }
        if last == "y", !isVowel(letters[letters.count - 2]) {
            let stem = String(letters.dropLast())
            forms.insert(stem + "ies")
            forms.insert(stem + "ied")
        }
        // Consonant–vowel–consonant endings double the consonant (`plan` → `planned`, British `cancelled`).
        if !isVowel(last), !"wxy".contains(last), isVowel(letters[letters.count - 2]),
            !isVowel(letters[letters.count - 3])
        {
            for suffix in vowelSuffixes { forms.insert(word + String(last) + suffix) }
        }
        return forms
    }

    /// `word` without one inflection (`-ings`, `-ing`, `-ers`, `-er`, `-ed`, `-es`, `-s`) and without a final
    /// `-e`, so that `scheduling` and `schedule` both give `schedul`; the word itself when nothing applies.
    static func stem(_ word: String) -> String {
        var stem = word
        for suffix in ["ings", "ing", "ers", "er", "ed", "es", "s"] where stem.hasSuffix(suffix) {
            if stem.count - suffix.count >= 4 { stem.removeLast(suffix.count) }
            break
        }
        if stem.count > 4, stem.hasSuffix("e") { stem.removeLast() }
        return stem
    }

    /// Whether `a` and `b` differ by at most one insertion, deletion, substitution or swap of neighbours.
    static func withinOneEdit(_ a: [Character], _ b: [Character]) -> Bool {
        if a == b { return true }
        if abs(a.count - b.count) > 1 { return false }
        if a.count == b.count {
            let differences = a.indices.filter { a[$0] != b[$0] }
            if differences.count == 1 { return true }
            if differences.count == 2, differences[1] == differences[0] + 1 {
                let (i, j) = (differences[0], differences[1])
                return a[i] == b[j] && a[j] == b[i]
            }
            return false
        }
        let (short, long) = a.count < b.count ? (a, b) : (b, a)
        var i = 0
        var j = 0
        var skipped = false
        while i < short.count && j < long.count {
            if short[i] == long[j] {
                i += 1
                j += 1
            } else if skipped {
                return false
            } else {
                skipped = true
                j += 1
            }
        }
        return true
    }

    private static func isVowel(_ character: Character) -> Bool { "aeiou".contains(character) }
}
