#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Decides how the bytes of a page are encoded and turns them into UTF-8, as a browser would: a byte-order mark
/// first, then the charset declared by the transport (HTTP `Content-Type`), then `<meta charset>` or the XML
/// declaration, else UTF-8 when the bytes are valid UTF-8 and windows-1252 when they are not.
///
/// Labels follow the WHATWG Encoding Standard (`iso-8859-1`, `latin1` and `us-ascii` mean windows-1252). Invalid
/// UTF-8 is repaired with U+FFFD and reported; so are bytes other encodings cannot convert.
struct HTMLCharset {
    /// The page as UTF-8, or as the original bytes when `libxmlEncoding` names a conversion left to libxml2.
    var bytes: [UInt8]
    /// The encoding the page was read with (`UTF-8`, `windows-1252`, `Shift_JIS`, …).
    var name: String
    /// The encoding to hand libxml2: "UTF-8" once converted here.
    var libxmlEncoding: String
    /// Problems worth a line in the run report.
    var warnings: [String] = []

    /// How far into the page `<meta charset>` is looked for (the WHATWG prescan reads 1024 bytes; pages with
    /// long inline scripts or styles in `<head>` put it later, so look further).
    static let prescanLength = 16_384

    /// Decodes a page; `declared` is the charset of an HTTP `Content-Type` or of a caller who knows.
    static func decode(_ input: [UInt8], declared: String?) -> HTMLCharset {
        var bytes = input
        // A byte-order mark wins over every declaration.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            bytes.removeFirst(3)
            return utf8(bytes, label: "UTF-8")
        }
        if bytes.starts(with: [0xFF, 0xFE]) { return utf16(bytes.dropFirst(2), bigEndian: false) }
        if bytes.starts(with: [0xFE, 0xFF]) { return utf16(bytes.dropFirst(2), bigEndian: true) }

        let label = declared.flatMap(Encoding.init(label:)) ?? sniff(bytes)
        switch label {
        case .utf8, nil:
            return utf8(bytes, label: "UTF-8")
        case .windows1252:
            // Pages re-saved as UTF-8 often keep their old latin-1 declaration; valid multi-byte UTF-8 is
            // almost never windows-1252 text by accident.
            if containsMultibyteUTF8(bytes), String(validating: bytes, as: UTF8.self) != nil {
                return HTMLCharset(bytes: bytes, name: "UTF-8", libxmlEncoding: "UTF-8")
            }
            return HTMLCharset(bytes: windows1252ToUTF8(bytes), name: "windows-1252", libxmlEncoding: "UTF-8")
        case .utf16LE:
            return utf16(bytes[...], bigEndian: false)
        case .utf16BE:
            return utf16(bytes[...], bigEndian: true)
        case .other(let name):
            return convert(bytes, from: name)
        }
    }

    /// A character encoding named by a label, reduced to the cases decoded differently.
    enum Encoding: Equatable {
        case utf8
        case windows1252
        case utf16LE
        case utf16BE
        case other(String)

        /// Maps a label (`"ISO-8859-1"`, `"utf8"`, `"Shift_JIS"`) to an encoding; nil for empty or meaningless
        /// labels (`binary`, `none`).
        init?(label raw: String) {
            let label = raw.lowercased().filter { !$0.isWhitespace && $0 != "\"" && $0 != "'" }
            switch label {
            case "", "binary", "none", "unknown", "x-user-defined", "auto":
                return nil
            case "utf-8", "utf8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8":
                self = .utf8
            case "iso-8859-1", "iso8859-1", "iso_8859-1", "iso88591", "latin1", "l1", "us-ascii", "ascii",
                "ansi_x3.4-1968", "windows-1252", "cp1252", "x-cp1252", "cp819", "ibm819", "iso-ir-100",
                "csisolatin1", "iso_8859-1:1987":
                self = .windows1252
            case "utf-16", "utf-16le", "utf16", "utf16le", "unicode", "ucs-2", "csunicode":
                self = .utf16LE
            case "utf-16be", "utf16be":
                self = .utf16BE
            case "gb2312", "gbk", "x-gbk", "chinese", "csgb2312", "gb_2312-80", "iso-ir-58":
                self = .other("GB18030")
            case "x-sjis", "sjis", "ms_kanji", "shift-jis", "windows-31j", "csshiftjis":
                self = .other("SHIFT_JIS")
            default:
                self = .other(label.uppercased())
            }
        }
    }

    // MARK: Sniffing

    /// The charset of `<meta charset>`, `<meta http-equiv content="…; charset=…">` or `<?xml encoding=…?>`.
    static func sniff(_ bytes: [UInt8]) -> Encoding? {
        let limit = min(bytes.count, prescanLength)
        return bytes.withUnsafeBufferPointer { buffer -> Encoding? in
            let head = UnsafeBufferPointer(rebasing: buffer[0..<limit])
            if head.starts(with: Array("<?xml".utf8)), let end = head.firstIndex(of: UInt8(ascii: ">")) {
                let declaration = lowercased(UnsafeBufferPointer(rebasing: head[0..<end]))
                if let value = attributeValue(after: Array("encoding".utf8), in: declaration) {
                    return Encoding(label: value)
                }
            }
            var index = 0
            while index + 5 < head.count {
                // Comments may mention charsets; skip them as the prescan does.
                if head[index] == UInt8(ascii: "<"), head[index + 1] == UInt8(ascii: "!"),
                    head[index + 2] == UInt8(ascii: "-"), head[index + 3] == UInt8(ascii: "-")
                {
                    index = endOfComment(head, from: index + 4)
                    continue
                }
                if head[index] == UInt8(ascii: "<"), matchesLowercase(head, at: index + 1, "meta") {
                    var end = index + 5
                    while end < head.count, head[end] != UInt8(ascii: ">") { end += 1 }
                    let tag = lowercased(UnsafeBufferPointer(rebasing: head[(index + 5)..<end]))
                    if let value = attributeValue(after: Array("charset".utf8), in: tag),
                        let encoding = Encoding(label: value)
                    {
                        // A page that says UTF-16 in a meta tag is ASCII-compatible, so it is not UTF-16.
                        if encoding == .utf16LE || encoding == .utf16BE { return .utf8 }
                        return encoding
                    }
                    index = end
                    continue
                }
                index += 1
            }
            return nil
        }
    }

    private static func endOfComment(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start
        while index + 2 < bytes.count {
            if bytes[index] == UInt8(ascii: "-"), bytes[index + 1] == UInt8(ascii: "-"),
                bytes[index + 2] == UInt8(ascii: ">")
            {
                return index + 3
            }
            index += 1
        }
        return bytes.count
    }

    private static func matchesLowercase(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int, _ word: String) -> Bool {
        var index = start
        for expected in word.utf8 {
            guard index < bytes.count else { return false }
            var byte = bytes[index]
            if byte >= 65 && byte <= 90 { byte += 32 }
            if byte != expected { return false }
            index += 1
        }
        return true
    }

    private static func lowercased(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        bytes.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
    }

    /// The value after `name` `=` (quoted or not) in lowercased tag bytes, e.g. `charset=utf-8`.
    private static func attributeValue(after name: [UInt8], in tag: [UInt8]) -> String? {
        guard name.count <= tag.count else { return nil }
        var index = 0
        while index + name.count <= tag.count {
            if tag[index..<(index + name.count)].elementsEqual(name) {
                var position = index + name.count
                while position < tag.count, tag[position] == 32 { position += 1 }
                guard position < tag.count, tag[position] == UInt8(ascii: "=") else {
                    index += 1
                    continue
                }
                position += 1
                while position < tag.count,
                    tag[position] == 32 || tag[position] == UInt8(ascii: "\"") || tag[position] == UInt8(ascii: "'")
                {
                    position += 1
                }
                var end = position
                while end < tag.count, isLabelByte(tag[end]) { end += 1 }
                guard end > position else { return nil }
                return String(decoding: tag[position..<end], as: UTF8.self)
            }
            index += 1
        }
        return nil
    }

    private static func isLabelByte(_ byte: UInt8) -> Bool {
        (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57) || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
    }

    // MARK: Decoding

    private static func utf8(_ bytes: [UInt8], label: String) -> HTMLCharset {
        if String(validating: bytes, as: UTF8.self) != nil {
            return HTMLCharset(bytes: bytes, name: label, libxmlEncoding: "UTF-8")
        }
        var invalid = 0
        let repaired = String(decoding: bytes, as: UTF8.self)
        for scalar in repaired.unicodeScalars where scalar == "\u{FFFD}" { invalid += 1 }
        let warning = "invalid UTF-8 repaired: \(invalid) sequence\(invalid == 1 ? "" : "s") replaced by U+FFFD"
        return HTMLCharset(
            bytes: Array(repaired.utf8), name: label, libxmlEncoding: "UTF-8", warnings: [warning])
    }

    private static func utf16(_ bytes: ArraySlice<UInt8>, bigEndian: Bool) -> HTMLCharset {
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var index = bytes.startIndex
        while index + 1 < bytes.endIndex {
            let first = UInt16(bytes[index])
            let second = UInt16(bytes[index + 1])
            units.append(bigEndian ? first << 8 | second : second << 8 | first)
            index += 2
        }
        let text = String(decoding: units, as: UTF16.self)
        var warnings: [String] = []
        if bytes.count % 2 != 0 || text.unicodeScalars.contains("\u{FFFD}") {
            warnings.append("invalid UTF-16 repaired with U+FFFD")
        }
        let name = bigEndian ? "UTF-16BE" : "UTF-16LE"
        return HTMLCharset(bytes: Array(text.utf8), name: name, libxmlEncoding: "UTF-8", warnings: warnings)
    }

    private static func containsMultibyteUTF8(_ bytes: [UInt8]) -> Bool {
        bytes.contains { $0 >= 0xC2 && $0 <= 0xF4 }
    }

    /// windows-1252's mapping of 0x80…0x9F (0 where the byte is undefined: those map to the C1 control).
    private static let windows1252High: [UInt16] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,
        0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
        0x0153, 0, 0x017E, 0x0178,
    ]

    static func windows1252ToUTF8(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 8)
        for byte in bytes {
            if byte < 0x80 {
                output.append(byte)
                continue
            }
            var scalar = UInt32(byte)
            if byte < 0xA0 {
                let mapped = windows1252High[Int(byte - 0x80)]
                if mapped != 0 { scalar = UInt32(mapped) }
            }
            if scalar < 0x800 {
                output.append(UInt8(0xC0 | (scalar >> 6)))
                output.append(UInt8(0x80 | (scalar & 0x3F)))
            } else {
                output.append(UInt8(0xE0 | (scalar >> 12)))
                output.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
                output.append(UInt8(0x80 | (scalar & 0x3F)))
            }
        }
        return output
    }

    /// Converts with iconv, replacing what cannot be converted with U+FFFD; an encoding iconv does not know is
    /// read as UTF-8 (repaired) with a warning.
    private static func convert(_ bytes: [UInt8], from name: String) -> HTMLCharset {
        #if canImport(Glibc)
            let descriptor = iconv_open("UTF-8", name)
            if descriptor == iconv_t(bitPattern: -1) {
                var fallback = utf8(bytes, label: "UTF-8")
                fallback.warnings.insert("unknown charset \(name), read as UTF-8", at: 0)
                return fallback
            }
            defer { iconv_close(descriptor) }
            var output = [UInt8](repeating: 0, count: bytes.count * 2 + 16)
            var written = 0
            var replaced = 0
            var input = bytes
            input.withUnsafeMutableBufferPointer { inputBuffer in
                var inputLeft = inputBuffer.count
                var inputPointer = inputBuffer.baseAddress.map {
                    UnsafeMutableRawPointer($0).assumingMemoryBound(to: CChar.self)
                }
                while inputLeft > 0 {
                    if output.count - written < 16 + inputLeft * 4 {
                        output.append(contentsOf: [UInt8](repeating: 0, count: inputLeft * 4 + 64))
                    }
                    let capacity = output.count - written
                    var outputLeft = capacity
                    let result = output.withUnsafeMutableBufferPointer { outputBuffer -> Int in
                        var outputPointer = outputBuffer.baseAddress.map {
                            UnsafeMutableRawPointer($0 + written).assumingMemoryBound(to: CChar.self)
                        }
                        return iconv(descriptor, &inputPointer, &inputLeft, &outputPointer, &outputLeft)
                    }
                    written += capacity - outputLeft
                    if result == -1 {
                        if errno == E2BIG { continue }
                        // An invalid or truncated sequence: replace one byte and go on.
                        if output.count - written < 3 { output.append(contentsOf: [0, 0, 0]) }
                        output.replaceSubrange(written..<(written + 3), with: [0xEF, 0xBF, 0xBD])
                        written += 3
                        replaced += 1
                        inputPointer = inputPointer.map { $0 + 1 }
                        inputLeft -= 1
                    }
                }
            }
            output.removeSubrange(written...)
            var charset = HTMLCharset(bytes: output, name: name, libxmlEncoding: "UTF-8")
            if replaced > 0 {
                let noun = replaced == 1 ? "byte" : "bytes"
                charset.warnings.append("\(replaced) \(noun) not valid in \(name) replaced by U+FFFD")
            }
            return charset
        #else
            return HTMLCharset(bytes: bytes, name: name, libxmlEncoding: name)
        #endif
    }
}
