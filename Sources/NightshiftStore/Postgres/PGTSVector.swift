import Foundation

/// A `tsvector` made from a chunk's search terms (space-separated, already normalised by Nightshift's tokenizer),
/// as `to_tsvector('simple', terms)` makes it from the same string: one lexeme per distinct term, sorted by
/// bytes, with the 1-based positions of its occurrences (at most 255, capped at 16383, a repeat of the cap kept
/// once); terms of 2,047 bytes or more are left out and take no position.
///
/// The writer sends it instead of letting the server parse the terms again (sql/0013). For terms PostgreSQL's
/// parser would cut (an emoji or a CJK punctuation mark inside a word) the lexemes are the terms themselves,
/// which is what queries look up, so such a term is found where the parsed tsvector had split it.
struct PGTSVector: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        var lexeme: [UInt8]
        var positions: [UInt16]
    }

    static let maxLexemeBytes = 2047
    static let maxPosition: UInt16 = 16383
    static let maxPositions = 255

    var entries: [Entry]

    /// A term's bytes, its first 8 bytes as a big-endian number (sorting compares it before the bytes), its
    /// position.
    private typealias Word = (start: Int, length: Int, prefix: UInt64, position: Int)

    init(terms: String) {
        var terms = terms
        entries = terms.withUTF8 { bytes -> [Entry] in
            guard let base = bytes.baseAddress else { return [] }
            // Each term's byte range and position, sorted by bytes then position, then grouped: no string or
            // dictionary per term (this runs for every chunk written).
            var words: [Word] = []
            var position = 0
            var start = -1
            for index in 0...bytes.count {
                if index == bytes.count || bytes[index] == UInt8(ascii: " ") {
                    if start >= 0, index - start < Self.maxLexemeBytes {
                        position += 1
                        var prefix: UInt64 = 0
                        for offset in 0..<8 {
                            prefix = prefix << 8 | UInt64(start + offset < index ? bytes[start + offset] : 0)
                        }
                        words.append((start, index - start, prefix, position))
                    }
                    start = -1
                } else if start < 0 {
                    start = index
                }
            }
            func order(_ a: Word, _ b: Word) -> Int {
                if a.prefix != b.prefix { return a.prefix < b.prefix ? -1 : 1 }
                let common = memcmp(base + a.start, base + b.start, min(a.length, b.length))
                if common != 0 { return Int(common) }
                return a.length - b.length
            }
            words.sort { a, b in
                let byBytes = order(a, b)
                return byBytes != 0 ? byBytes < 0 : a.position < b.position
            }
            var entries: [Entry] = []
            for word in words {
                let capped = UInt16(min(word.position, Int(Self.maxPosition)))
                let lexeme = UnsafeBufferPointer(start: base + word.start, count: word.length)
                if let last = entries.indices.last, entries[last].lexeme.elementsEqual(lexeme) {
                    // No copy of the entry held while appending (that would copy its positions every time).
                    let count = entries[last].positions.count
                    let previous = entries[last].positions[count - 1]
                    if count < Self.maxPositions, previous != Self.maxPosition, previous != capped {
                        entries[last].positions.append(capped)
                    }
                } else {
                    entries.append(Entry(lexeme: Array(lexeme), positions: [capped]))
                }
            }
            return entries
        }
    }

    /// The binary (`tsvector_recv`) form: entry count, then per entry the lexeme NUL-terminated, its position
    /// count and positions (big-endian).
    func appendBinary(to buffer: inout [UInt8]) {
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.bigEndian) { buffer.append(contentsOf: $0) }
        }
        append(Int32(entries.count))
        for entry in entries {
            buffer.append(contentsOf: entry.lexeme)
            buffer.append(0)
            append(UInt16(entry.positions.count))
            for position in entry.positions { append(position) }
        }
    }

    /// The text form (`'lexeme':1,2 'other':3`), for statements that take it as a parameter.
    var literal: String {
        var out = ""
        for (index, entry) in entries.enumerated() {
            if index > 0 { out += " " }
            out += "'"
            for scalar in String(decoding: entry.lexeme, as: UTF8.self).unicodeScalars {
                if scalar == "'" || scalar == "\\" { out.unicodeScalars.append(scalar) }
                out.unicodeScalars.append(scalar)
            }
            out += "'"
            if !entry.positions.isEmpty {
                out += ":" + entry.positions.map(String.init).joined(separator: ",")
            }
        }
        return out
    }
}
