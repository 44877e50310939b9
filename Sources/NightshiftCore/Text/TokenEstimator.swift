/// Estimates how many tokens a text has under OpenAI's `cl100k_base` encoding, without its vocabulary.
///
/// Rules (checked against the real tokenizer on English prose in the tests): a run of letters is one token up to
/// `lettersPerToken` characters and one more per further `lettersPerToken`; digits go three to a token; each
/// punctuation or symbol character is a token; a run of whitespace other than single spaces is a token;
/// non-ASCII letters count one token per scalar beyond the ASCII-like budget.
public enum TokenEstimator {
    /// Letters that fit in one token of a long word.
    static let lettersPerToken = 6

    /// The estimated token count of `text`.
    public static func count(_ text: String) -> Int {
        var tokens = 0
        var letters = 0
        var digits = 0
        var spaces = 0
        @inline(__always) func flushWord() {
            if letters > 0 {
                tokens += (letters + lettersPerToken - 1) / lettersPerToken
                letters = 0
            }
            if digits > 0 {
                tokens += (digits + 2) / 3
                digits = 0
            }
        }
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if (v >= 0x61 && v <= 0x7a) || (v >= 0x41 && v <= 0x5a) {
                if digits > 0 { flushWord() }
                letters += 1
                spaces = 0
            } else if v >= 0x30 && v <= 0x39 {
                if letters > 0 { flushWord() }
                digits += 1
                spaces = 0
            } else if v == 0x20 {
                flushWord()
                spaces += 1
                if spaces == 2 { tokens += 1 }
            } else if v == 0x0a || v == 0x09 || v == 0x0d {
                flushWord()
                if spaces < 2 { tokens += 1 }
                spaces = 2
            } else if v < 0x80 {
                flushWord()
                tokens += 1
                spaces = 0
            } else if scalar.properties.isAlphabetic {
                // Non-ASCII letters: accented Latin is cheap, CJK is about one token per character.
                if v < 0x0300 { letters += 2 } else { flushWord(); tokens += 1 }
                spaces = 0
            } else {
                flushWord()
                tokens += 1
                spaces = 0
            }
        }
        flushWord()
        return tokens
    }
}
