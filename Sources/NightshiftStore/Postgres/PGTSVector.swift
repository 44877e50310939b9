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

    /// The binary (`tsvector_recv`) form: entry count, then per entry the lexeme NUL-terminated, its position
    /// count and positions (big-endian). Built directly: this runs for every chunk written, and an array per
    /// lexeme cost more than the rest of the row.
    private(set) var binary: [UInt8]

    /// One distinct term: where its first occurrence is, its first 8 bytes as a big-endian number (sorting
    /// compares it before the bytes), and its occurrences as a list threaded through `next`.
    private struct Group {
        var start: Int32
        var length: Int32
        var prefix: UInt64
        var first: Int32
        var last: Int32
    }

    init(terms: String) {
        var terms = terms
        binary = terms.withUTF8 { bytes -> [UInt8] in
            var out: [UInt8] = []
            guard let base = bytes.baseAddress, !bytes.isEmpty else {
                Self.append(Int32(0), to: &out)
                return out
            }
            // Terms are grouped by a hash table over their bytes (each term's occurrences linked in order), then
            // only the distinct terms are sorted.
            let most = bytes.count / 2 + 1
            var groups: [Group] = []
            groups.reserveCapacity(most)
            var positions: [Int32] = []  // per occurrence: its position
            positions.reserveCapacity(most)
            var next: [Int32] = []  // per occurrence: the next occurrence of the same term, or -1
            next.reserveCapacity(most)
            var tableSize = 16
            while tableSize < bytes.count { tableSize <<= 1 }
            var table = [Int32](repeating: -1, count: tableSize)
            let mask = tableSize - 1
            var start = -1
            for index in 0...bytes.count {
                guard index == bytes.count || bytes[index] == UInt8(ascii: " ") else {
                    if start < 0 { start = index }
                    continue
                }
                defer { start = -1 }
                guard start >= 0, index - start < Self.maxLexemeBytes else { continue }
                let length = index - start
                var hash: UInt64 = 0xcbf2_9ce4_8422_2325
                var prefix: UInt64 = 0
                for offset in 0..<length {
                    hash = (hash ^ UInt64(bytes[start + offset])) &* 0x100_0000_01b3
                }
                for offset in 0..<8 {
                    prefix = prefix << 8 | UInt64(offset < length ? bytes[start + offset] : 0)
                }
                let occurrence = Int32(positions.count)
                positions.append(Int32(positions.count + 1))
                next.append(-1)
                var slot = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
                while true {
                    let found = Int(table[slot])
                    if found < 0 {
                        table[slot] = Int32(groups.count)
                        groups.append(Group(
                            start: Int32(start), length: Int32(length), prefix: prefix, first: occurrence, last: occurrence))
                        break
                    }
                    let group = groups[found]
                    if group.prefix == prefix, Int(group.length) == length,
                        memcmp(base + Int(group.start), base + start, length) == 0
                    {
                        next[Int(group.last)] = occurrence
                        groups[found].last = occurrence
                        break
                    }
                    slot = (slot + 1) & mask
                }
            }
            groups.sort { a, b in
                if a.prefix != b.prefix { return a.prefix < b.prefix }
                let common = memcmp(base + Int(a.start), base + Int(b.start), Int(min(a.length, b.length)))
                return common != 0 ? common < 0 : a.length < b.length
            }
            out.reserveCapacity(4 + bytes.count + groups.count * 3 + positions.count * 2)
            Self.append(Int32(groups.count), to: &out)
            for group in groups {
                out.append(contentsOf: UnsafeBufferPointer(start: base + Int(group.start), count: Int(group.length)))
                out.append(0)
                let countAt = out.count
                Self.append(UInt16(0), to: &out)
                var count = 0
                var previous: UInt16 = 0
                var occurrence = Int(group.first)
                while occurrence >= 0, count < Self.maxPositions {
                    let capped = UInt16(min(Int(positions[occurrence]), Int(Self.maxPosition)))
                    if count == 0 || (previous != Self.maxPosition && previous != capped) {
                        Self.append(capped, to: &out)
                        previous = capped
                        count += 1
                    }
                    occurrence = Int(next[occurrence])
                }
                out[countAt] = UInt8(count >> 8)
                out[countAt + 1] = UInt8(count & 0xff)
            }
            return out
        }
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { buffer.append(contentsOf: $0) }
    }

    /// The entries, read back from the binary form (for the text form and tests).
    var entries: [Entry] {
        binary.withUnsafeBufferPointer { bytes -> [Entry] in
            func integer(_ at: Int, _ size: Int) -> Int {
                var value = 0
                for offset in 0..<size { value = value << 8 | Int(bytes[at + offset]) }
                return value
            }
            var entries: [Entry] = []
            var offset = 4
            for _ in 0..<integer(0, 4) {
                var end = offset
                while bytes[end] != 0 { end += 1 }
                let lexeme = Array(bytes[offset..<end])
                let count = integer(end + 1, 2)
                offset = end + 3
                var positions: [UInt16] = []
                for _ in 0..<count {
                    positions.append(UInt16(integer(offset, 2)))
                    offset += 2
                }
                entries.append(Entry(lexeme: lexeme, positions: positions))
            }
            return entries
        }
    }

    func appendBinary(to buffer: inout [UInt8]) {
        buffer.append(contentsOf: binary)
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
