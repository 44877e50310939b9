/// Cuts UTF-8 text into normalised words without allocating: the local embedder's and its tokeniser's first step.
///
/// A word is a run of ASCII letters and digits and of non-ASCII scalars that are not punctuation. Normalisation:
/// ASCII and Latin-1, Greek and Cyrillic capitals are lower-cased; Latin-1 letters are folded to ASCII (`é` → `e`,
/// `ß` → `ss`) so that accented and plain spellings meet; everything else keeps its bytes. Separators: ASCII
/// punctuation and controls, the Latin-1 symbols (U+0080–U+00BF, `×`, `÷`), general punctuation, symbols and
/// arrows (U+2000–U+2BFF), CJK punctuation (U+3000–U+303F) and the byte-order mark. A word longer than
/// `maxWordBytes` is cut there (hashes of long blobs stay bounded in cost and meaning).
enum WordScanner {
    /// The longest word in bytes; longer runs are cut into pieces of this size.
    static let maxWordBytes = 64
    /// Scratch space a caller must provide: a word plus one multi-byte scalar.
    static let scratchCapacity = maxWordBytes + 4

    /// Latin-1 letters U+00C0–U+00FF folded to ASCII: up to two bytes each, zero for a separator (× and ÷).
    static let latin1Fold: [(UInt8, UInt8)] = {
        let upper = "a a a a a a ae c e e e e i i i i d n o o o o o _ o u u u u y th ss"
        let lower = "a a a a a a ae c e e e e i i i i d n o o o o o _ o u u u u y th y"
        return (upper + " " + lower).split(separator: " ").map { item in
            let bytes = Array(item.utf8)
            if bytes == [UInt8(ascii: "_")] { return (0, 0) }
            return (bytes[0], bytes.count > 1 ? bytes[1] : 0)
        }
    }()

    /// Calls `body` with each word's normalised bytes (valid only during the call) and their FNV-1a hash.
    ///
    /// `scratch` must hold `scratchCapacity` bytes. Malformed UTF-8 is tolerated: a stray byte is part of a word.
    @inline(__always)
    static func forEachWord(
        in text: UnsafeBufferPointer<UInt8>,
        scratch: UnsafeMutablePointer<UInt8>,
        fold: UnsafeBufferPointer<(UInt8, UInt8)>,
        _ body: (UnsafeBufferPointer<UInt8>, UInt64) -> Void
    ) {
        guard let base = text.baseAddress else { return }
        let count = text.count
        var length = 0
        var hash = FeatureHashing.fnvOffset

        @inline(__always) func flush() {
            if length > 0 {
                body(UnsafeBufferPointer(start: scratch, count: length), hash)
                length = 0
                hash = FeatureHashing.fnvOffset
            }
        }
        @inline(__always) func append(_ byte: UInt8) {
            scratch[length] = byte
            length += 1
            hash = (hash ^ UInt64(byte)) &* FeatureHashing.fnvPrime
        }
        @inline(__always) func reserve(_ bytes: Int) {
            if length + bytes > maxWordBytes { flush() }
        }

        var index = 0
        while index < count {
            let byte = base[index]
            if byte < 0x80 {
                if byte &- 0x61 < 26 || byte &- 0x30 < 10 {
                    if length == maxWordBytes { flush() }
                    append(byte)
                } else if byte &- 0x41 < 26 {
                    if length == maxWordBytes { flush() }
                    append(byte | 0x20)
                } else {
                    flush()
                }
                index += 1
                continue
            }
            var scalarLength = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1
            scalarLength = min(scalarLength, count - index)
            let second = scalarLength > 1 ? base[index + 1] : 0
            switch byte {
            case 0xc2:
                flush()
            case 0xc3 where second >= 0x80 && second <= 0xbf:
                let folded = fold[Int(second - 0x80)]
                if folded.0 == 0 {
                    flush()
                } else {
                    reserve(2)
                    append(folded.0)
                    if folded.1 != 0 { append(folded.1) }
                }
            case 0xce where second >= 0x91 && second <= 0xa9:
                // Greek capitals U+0391–U+03A9 → U+03B1–U+03C9.
                reserve(2)
                if second <= 0x9f {
                    append(0xce)
                    append(second + 0x20)
                } else {
                    append(0xcf)
                    append(second - 0x20)
                }
            case 0xd0 where second >= 0x80 && second <= 0xaf:
                // Cyrillic capitals U+0400–U+042F → U+0430–U+045F.
                reserve(2)
                if second >= 0x90 && second <= 0x9f {
                    append(0xd0)
                    append(second + 0x20)
                } else if second >= 0xa0 {
                    append(0xd1)
                    append(second - 0x20)
                } else {
                    append(0xd1)
                    append(second + 0x10)
                }
            case 0xe2 where second >= 0x80 && second <= 0xaf:
                flush()
            case 0xe3 where second == 0x80:
                flush()
            case 0xef where scalarLength == 3 && second == 0xbb && base[index + 2] == 0xbf:
                flush()
            default:
                reserve(scalarLength)
                for offset in 0..<scalarLength { append(base[index + offset]) }
            }
            index += scalarLength
        }
        flush()
    }
}
