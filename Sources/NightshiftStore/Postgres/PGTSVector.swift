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
            // Per occurrence (its position is its index + 1): the next occurrence of the same term, or -1.
            var next: [Int32] = []
            next.reserveCapacity(most)
            var tableSize = 16
            while tableSize < bytes.count { tableSize <<= 1 }
            var table = [Int32](repeating: -1, count: tableSize)
            let mask = tableSize - 1
            let count = bytes.count
            var index = 0
            while index < count {
                if base[index] == UInt8(ascii: " ") {
                    index += 1
                    continue
                }
                let start = index
                let end = memchr(base + start, Int32(UInt8(ascii: " ")), count - start).map {
                    UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - base
                } ?? count
                index = end + 1
                let length = end - start
                guard length < Self.maxLexemeBytes else { continue }
                // The first 8 bytes as a big-endian number (zero-padded), and a hash of the term: the number mixed
                // with the length, then with each further 8 bytes.
                let prefix = Self.number(base + start, length: min(length, 8), available: count - start)
                var hash = Self.mix(prefix ^ UInt64(length))
                var offset = 8
                while offset < length {
                    hash = Self.mix(hash ^ Self.number(base + start + offset, length: min(length - offset, 8), available: count - start - offset))
                    offset += 8
                }
                let occurrence = Int32(next.count)
                next.append(-1)
                var slot = Int(truncatingIfNeeded: hash) & mask
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
                        length <= 8 || memcmp(base + Int(group.start), base + start, length) == 0
                    {
                        next[Int(group.last)] = occurrence
                        groups[found].last = occurrence
                        break
                    }
                    slot = (slot + 1) & mask
                }
            }
            groups = Self.sorted(groups, bytes: base)
            // Written in place: bounded by the terms' bytes (each distinct one at least once), 3 bytes per lexeme
            // and 2 per position.
            let bound = 4 + bytes.count + groups.count * 3 + next.count * 2
            out = [UInt8](unsafeUninitializedCapacity: bound) { buffer, written in
                guard let start = buffer.baseAddress else { return }
                var cursor = start
                @inline(__always) func put16(_ value: Int) {
                    cursor[0] = UInt8(truncatingIfNeeded: value >> 8)
                    cursor[1] = UInt8(truncatingIfNeeded: value)
                    cursor += 2
                }
                put16(groups.count >> 16)
                put16(groups.count)
                for group in groups {
                    cursor.update(from: base + Int(group.start), count: Int(group.length))
                    cursor += Int(group.length)
                    cursor.pointee = 0
                    let countAt = cursor + 1
                    cursor += 3
                    var count = 0
                    var previous = 0
                    var occurrence = Int(group.first)
                    while occurrence >= 0, count < Self.maxPositions {
                        let capped = min(occurrence + 1, Int(Self.maxPosition))
                        if count == 0 || (previous != Int(Self.maxPosition) && previous != capped) {
                            put16(capped)
                            previous = capped
                            count += 1
                        }
                        occurrence = Int(next[occurrence])
                    }
                    countAt[0] = UInt8(truncatingIfNeeded: count >> 8)
                    countAt[1] = UInt8(truncatingIfNeeded: count)
                }
                written = cursor - start
            }
            return out
        }
    }

    /// The distinct terms in byte order (shorter first when one is a prefix of the other), as PostgreSQL orders a
    /// tsvector's lexemes. A bucket sort on the first byte, then each bucket by the first 8 bytes as a number
    /// (the rest compared only on a tie): a chunk's ~150 terms spread over a few dozen first letters, so the
    /// buckets are short. (The standard library's sort of the groups was ~6 % of a first load's CPU.)
    private static func sorted(_ groups: [Group], bytes base: UnsafePointer<UInt8>) -> [Group] {
        guard groups.count > 1 else { return groups }
        @inline(__always) func less(_ a: Group, _ b: Group) -> Bool {
            if a.prefix != b.prefix { return a.prefix < b.prefix }
            let common = memcmp(base + Int(a.start), base + Int(b.start), Int(min(a.length, b.length)))
            return common != 0 ? common < 0 : a.length < b.length
        }
        var starts = [Int](repeating: 0, count: 257)
        for group in groups { starts[Int(group.prefix >> 56) + 1] += 1 }
        for bucket in 0..<256 { starts[bucket + 1] += starts[bucket] }
        var ends = Array(starts.prefix(256))
        var out = groups  // every slot is overwritten below, in bucket order
        out.withUnsafeMutableBufferPointer { items in
            for group in groups {
                let bucket = Int(group.prefix >> 56)
                items[ends[bucket]] = group
                ends[bucket] += 1
            }
            for bucket in 0..<256 {
                let low = starts[bucket]
                let high = ends[bucket]
                guard high - low > 1 else { continue }
                if high - low > 32 {
                    var range = UnsafeMutableBufferPointer(rebasing: items[low..<high])
                    range.sort(by: less)
                    continue
                }
                for index in (low + 1)..<high {
                    let item = items[index]
                    var hole = index
                    while hole > low && less(item, items[hole - 1]) {
                        items[hole] = items[hole - 1]
                        hole -= 1
                    }
                    items[hole] = item
                }
            }
        }
        return out
    }

    /// `length` (at most 8) bytes as a big-endian number, zero-padded on the right; one load when 8 bytes are
    /// `available` from `at`.
    @inline(__always)
    private static func number(_ at: UnsafePointer<UInt8>, length: Int, available: Int) -> UInt64 {
        if available >= 8 {
            let value = UInt64(bigEndian: UnsafeRawPointer(at).loadUnaligned(as: UInt64.self))
            return length == 8 ? value : value & ~(UInt64.max >> (8 * length))
        }
        var value: UInt64 = 0
        for offset in 0..<8 { value = value << 8 | UInt64(offset < length ? at[offset] : 0) }
        return value
    }

    /// A 64-bit finaliser (MurmurHash3's): every bit of the input moves the table slot.
    @inline(__always)
    private static func mix(_ value: UInt64) -> UInt64 {
        var x = value
        x = (x ^ (x >> 33)) &* 0xff51_afd7_ed55_8ccd
        x = (x ^ (x >> 33)) &* 0xc4ce_b9fe_1a85_ec53
        return x ^ (x >> 33)
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
