/// Cuts text into sentences: for the extractive answerer, and for trimming a chunk at a sentence boundary.
///
/// A sentence ends at `.`, `!`, `?` or `…` (with any closing quotes or brackets) followed by white space and a
/// character that is not a lower-case letter, unless the word before a full stop is a common abbreviation
/// (`e.g.`, `Dr.`) or a single letter (an initial); at CJK full stops; at a blank line; and at a line break that
/// ends a heading, a list item or a short title-like line, or that starts a list item, a heading or a quote.
/// Other line breaks are soft wraps inside a sentence (plain text and PDF extractions wrap lines mid-sentence).
enum SentenceSplitter {
    /// The sentences of `text` in order, as ranges trimmed of surrounding white space; none is empty.
    ///
    /// Walks UTF-8 bytes, decoding a scalar only where a non-ASCII one could matter: every boundary it looks for
    /// is a scalar, and `Character` iteration would be most of the cost of an answer.
    static func ranges(in text: String) -> [Range<String.Index>] {
        var contiguous = text
        let offsets = contiguous.withUTF8 { ranges(in: $0, text: text) }
        return offsets.map { offset($0.lowerBound, in: text)..<offset($0.upperBound, in: text) }
    }

    /// The index `offset` UTF-8 bytes into `text` (constant time for native strings).
    private static func offset(_ offset: Int, in text: String) -> String.Index {
        text.utf8.index(text.utf8.startIndex, offsetBy: offset)
    }

    private static func ranges(in bytes: UnsafeBufferPointer<UInt8>, text: String) -> [Range<Int>] {
        let count = bytes.count
        var result: [Range<Int>] = []
        var start = 0
        var lineStart = 0
        var index = 0

        func close(at end: Int) {
            var lower = start
            var upper = end
            while lower < upper, let (scalar, length) = decode(bytes, at: lower), isSpace(scalar) { lower += length }
            while upper > lower, let (scalar, length) = decode(bytes, before: upper), isSpace(scalar) {
                upper -= length
            }
            if lower < upper { result.append(lower..<upper) }
            start = end
        }
        func substring(_ range: Range<Int>) -> Substring {
            text[offset(range.lowerBound, in: text)..<offset(range.upperBound, in: text)]
        }

        while index < count {
            guard let (scalar, length) = decode(bytes, at: index) else { break }
            let next = index + length
            if isNewline(scalar) {
                // A CR LF pair is one line break: let the LF end the line.
                if scalar == "\r", next < count, bytes[next] == 0x0A {
                    index = next
                    continue
                }
                var lineEnd = next
                while lineEnd < count, let (following, size) = decode(bytes, at: lineEnd), !isNewline(following) {
                    lineEnd += size
                }
                if isHardBreak(line: substring(lineStart..<index), nextLine: substring(next..<lineEnd)) {
                    close(at: index)
                }
                lineStart = next
                index = next
                continue
            }
            if closesAlways(scalar) {
                close(at: next)
                index = next
                continue
            }
            guard isTerminator(scalar) else {
                index = next
                continue
            }
            var end = next
            while end < count, let (following, size) = decode(bytes, at: end),
                isTerminator(following) || isCloser(following)
            {
                end += size
            }
            if end == count {
                close(at: end)
            } else if let (following, _) = decode(bytes, at: end), isSpace(following),
                !startsLowercase(bytes, from: end),
                scalar != "." || !isAbbreviation(bytes, before: index)
            {
                close(at: end)
            }
            index = end
        }
        close(at: count)
        return result
    }

    /// A sentence as an answer shows it: list, heading and quote markers dropped, white space runs made one space.
    static func displayText(_ sentence: Substring) -> String {
        displayParts(sentence).text
    }

    /// `displayText(sentence)` and the list or quote marker it dropped, if any (`1.`, `-`, `>`).
    static func displayParts(_ sentence: Substring) -> (text: String, marker: Substring?) {
        var sentence = sentence
        let text = sentence.withUTF8 { bytes -> String in
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count)
            var index = 0
            var pendingSpace = false
            while index < bytes.count, let (scalar, length) = decode(bytes, at: index) {
                if isSpace(scalar) {
                    pendingSpace = !output.isEmpty
                } else {
                    if pendingSpace { output.append(0x20) }
                    pendingSpace = false
                    output.append(contentsOf: bytes[index..<(index + length)])
                }
                index += length
            }
            return String(decoding: output, as: UTF8.self)
        }
        if let space = text.utf8.firstIndex(of: 0x20), isMarker(text[..<space]) {
            return (String(text[text.utf8.index(after: space)...]), text[..<space])
        }
        return (text, nil)
    }

    /// Whether a sentence is a heading (Markdown `#`), which answers no question by itself.
    static func isHeading(_ sentence: Substring) -> Bool {
        sentence.hasPrefix("#")
    }

    // Switches, not sets: these are asked for every character, and hashing would dominate.
    @inline(__always)
    private static func isTerminator(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x2E, 0x21, 0x3F, 0x2026: return true  // . ! ? …
        default: return false
        }
    }

    @inline(__always)
    private static func closesAlways(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x3002, 0xFF01, 0xFF1F: return true  // 。！？
        default: return false
        }
    }

    @inline(__always)
    private static func isCloser(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x22, 0x27, 0x29, 0x5D, 0x201D, 0x2019, 0xBB: return true  // " ' ) ] ” ’ »
        default: return false
        }
    }

    private static let abbreviations: Set<String> = [
        "e.g", "i.e", "cf", "vs", "etc", "approx", "incl", "excl", "fig", "nr", "vol", "p", "pp",
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "inc", "ltd", "co", "corp", "dept", "est",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    ]

    /// White space, with a fast path for ASCII (the property lookup dominates otherwise).
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return scalar.value == 0x20 || (0x09...0x0D).contains(scalar.value) }
        return scalar.properties.isWhitespace
    }

    private static func isNewline(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A...0x0D, 0x85, 0x2028, 0x2029: return true
        default: return false
        }
    }

    /// The scalar starting at byte `index` and its length; malformed bytes decode as U+FFFD, one byte each.
    @inline(__always)
    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (Unicode.Scalar, Int)? {
        guard index < bytes.count else { return nil }
        let lead = bytes[index]
        if lead < 0x80 { return (Unicode.Scalar(lead), 1) }
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        guard length > 1, index + length <= bytes.count else { return ("\u{FFFD}", 1) }
        var value = UInt32(lead) & (0xFF >> (length + 1))
        for offset in 1..<length {
            let byte = bytes[index + offset]
            guard byte & 0xC0 == 0x80 else { return ("\u{FFFD}", 1) }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", length)
    }

    /// The scalar ending just before byte `end` and its length.
    @inline(__always)
    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, before end: Int) -> (Unicode.Scalar, Int)? {
        guard end > 0 else { return nil }
        var start = end - 1
        while start > 0, end - start < 4, bytes[start] & 0xC0 == 0x80 { start -= 1 }
        guard let (scalar, length) = decode(bytes, at: start), start + length == end else {
            return ("\u{FFFD}", 1)
        }
        return (scalar, length)
    }

    private static func isHardBreak(line: Substring, nextLine: Substring) -> Bool {
        let current = line.trimmingWhitespace
        let following = nextLine.trimmingWhitespace
        if current.isEmpty || following.isEmpty { return true }
        if current.hasPrefix("#") || current.hasPrefix(">") || current.hasPrefix("|") { return true }
        if current.last == ":" { return true }
        if let first = following.first, first == "#" || first == ">" || first == "|" { return true }
        if startsWithMarker(following) || (startsWithMarker(current) && !nextLine.hasPrefix(" ")) { return true }
        // A short line followed by a capitalised one is a title or the end of a paragraph, not a soft wrap.
        if current.count < 50, let first = following.first, first.isUppercase || first.isNumber { return true }
        return false
    }

    private static func startsWithMarker(_ line: Substring) -> Bool {
        guard let first = line.split(separator: " ", maxSplits: 1).first, first.count < line.count else {
            return false
        }
        return isMarker(first)
    }

    /// `-`, `*`, `+`, `•`, `1.`, `2)`, `#`…, `>`.
    private static func isMarker(_ word: Substring) -> Bool {
        if word == "-" || word == "*" || word == "+" || word == "•" || word == ">" { return true }
        if word.allSatisfy({ $0 == "#" }) { return true }
        if let last = word.last, last == "." || last == ")", word.count <= 4 {
            return word.dropLast().allSatisfy(\.isNumber) && word.count > 1
        }
        return false
    }

    private static func startsLowercase(_ bytes: UnsafeBufferPointer<UInt8>, from index: Int) -> Bool {
        var index = index
        while let (scalar, length) = decode(bytes, at: index) {
            if !isSpace(scalar) {
                return scalar.value < 0x80 ? (0x61...0x7A).contains(scalar.value) : scalar.properties.isLowercase
            }
            index += length
        }
        return false
    }

    /// Whether the word ending just before the full stop at byte `index` is an abbreviation or an initial.
    private static func isAbbreviation(_ bytes: UnsafeBufferPointer<UInt8>, before index: Int) -> Bool {
        var lower = index
        while lower > 0 {
            let byte = bytes[lower - 1]
            // ASCII letters and full stops, and any non-ASCII byte (a letter of another script, in practice).
            let isLetter = (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A
            guard isLetter || byte == 0x2E || byte >= 0x80 else { break }
            lower -= 1
        }
        let word = String(decoding: UnsafeBufferPointer(rebasing: bytes[lower..<index]), as: UTF8.self)
        if word.unicodeScalars.count == 1, let first = word.unicodeScalars.first, first.properties.isUppercase {
            return true
        }
        return abbreviations.contains(word.lowercased())
    }
}

extension Substring {
    /// The text without white space at either end.
    fileprivate var trimmingWhitespace: Substring {
        var lower = startIndex
        var upper = endIndex
        while lower < upper, self[lower].isWhitespace { lower = index(after: lower) }
        while upper > lower, self[index(before: upper)].isWhitespace { upper = index(before: upper) }
        return self[lower..<upper]
    }
}
