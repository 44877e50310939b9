import Foundation
import NightshiftCore

/// Plain text: Unicode decoding with byte-order marks, repair of invalid UTF-8, line endings normalised to `\n`.
///
/// Encodings: UTF-8 (with or without its BOM), UTF-16 and UTF-32 with a BOM (little or big endian). Invalid UTF-8
/// is repaired (each maximal invalid sequence becomes U+FFFD) with a warning, unless more than
/// `TextExtractor.maximumInvalidFraction` of the bytes are invalid: such data is not text, and extraction throws
/// `NightshiftError(.format, "not valid UTF-8 …")`. CR LF and lone CR become LF, so offsets refer to `\n` lines.
public enum TextExtractor {
    /// The share of bytes in invalid UTF-8 sequences above which data is refused rather than repaired: a quarter,
    /// so that a text with a few stray bytes is kept and binary or legacy-encoded data is not.
    public static let maximumInvalidFraction = 0.25

    /// Text decoded from bytes, with what had to be repaired.
    public struct Decoded: Sendable, Hashable {
        /// The text, line endings normalised to `\n`, without a byte-order mark.
        public var text: String
        /// The encoding found: `UTF-8`, `UTF-16LE`, `UTF-16BE`, `UTF-32LE` or `UTF-32BE`.
        public var encoding: String
        /// Repairs made (invalid sequences replaced), for the run report.
        public var warnings: [String]
    }

    /// Extracts plain text (`text/plain`).
    public static func extract(data: [UInt8]) throws -> ExtractedText {
        let decoded = try decode(data)
        var metadata: [String: JSONValue] = [:]
        if decoded.encoding != "UTF-8" { metadata["encoding"] = .string(decoded.encoding) }
        return ExtractedText(
            text: decoded.text, mediaType: "text/plain", metadata: metadata, warnings: decoded.warnings)
    }

    /// Decodes bytes as Unicode text (see the type's documentation for the rules).
    public static func decode(_ data: [UInt8]) throws -> Decoded {
        if data.starts(with: [0xFF, 0xFE, 0x00, 0x00]) {
            return try decodeUTF32(data.dropFirst(4), bigEndian: false)
        }
        if data.starts(with: [0x00, 0x00, 0xFE, 0xFF]) {
            return try decodeUTF32(data.dropFirst(4), bigEndian: true)
        }
        if data.starts(with: [0xFF, 0xFE]) { return decodeUTF16(data.dropFirst(2), bigEndian: false) }
        if data.starts(with: [0xFE, 0xFF]) { return decodeUTF16(data.dropFirst(2), bigEndian: true) }
        let body = data.starts(with: [0xEF, 0xBB, 0xBF]) ? data.dropFirst(3) : data[...]
        return try decodeUTF8(body)
    }

    /// CR LF and lone CR to LF.
    /// The lines of a text split at each line feed (an empty line kept; a trailing line feed gives a last empty
    /// line), found with memchr: the generic `split` on a UTF-8 view cost more than the Markdown parsing itself.
    public static func lines(_ text: String) -> [Substring] {
        var text = text
        let breaks = text.withUTF8 { bytes -> [Int] in
            var breaks: [Int] = []
            guard let base = bytes.baseAddress else { return breaks }
            var offset = 0
            while offset < bytes.count, let found = memchr(base + offset, 0x0A, bytes.count - offset) {
                let at = UnsafeRawPointer(found) - UnsafeRawPointer(base)
                breaks.append(at)
                offset = at + 1
            }
            return breaks
        }
        let utf8 = text.utf8
        var lines: [Substring] = []
        lines.reserveCapacity(breaks.count + 1)
        var start = utf8.startIndex
        for at in breaks {
            let end = utf8.index(utf8.startIndex, offsetBy: at)
            lines.append(Substring(utf8[start..<end]))
            start = utf8.index(after: end)
        }
        lines.append(Substring(utf8[start...]))
        return lines
    }

    public static func normalizingLineEndings(_ text: String) -> String {
        var text = text
        let hasCR = text.withUTF8 { bytes in
            bytes.baseAddress.map { memchr($0, 0x0D, bytes.count) != nil } ?? false
        }
        guard hasCR else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var previousCR = false
        for byte in text.utf8 {
            if byte == 0x0D {
                bytes.append(0x0A)
                previousCR = true
                continue
            }
            if byte == 0x0A && previousCR {
                previousCR = false
                continue
            }
            previousCR = false
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func decodeUTF8(_ body: ArraySlice<UInt8>) throws -> Decoded {
        if let text = String(validating: body, as: UTF8.self) {
            return Decoded(text: normalizingLineEndings(text), encoding: "UTF-8", warnings: [])
        }
        var invalidSequences = 0
        var invalidBytes = 0
        var iterator = body.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        parsing: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid: continue
            case .error(let length):
                invalidSequences += 1
                invalidBytes += length
            case .emptyInput: break parsing
            }
        }
        let fraction = Double(invalidBytes) / Double(max(1, body.count))
        if fraction > maximumInvalidFraction {
            throw NightshiftError(
                .format,
                "not valid UTF-8 (\(invalidBytes) of \(body.count) bytes in \(invalidSequences) invalid sequences), "
                    + "and no UTF-16/UTF-32 byte-order mark",
                context: ["invalidBytes": "\(invalidBytes)", "bytes": "\(body.count)"])
        }
        let text = String(decoding: body, as: UTF8.self)
        return Decoded(
            text: normalizingLineEndings(text), encoding: "UTF-8",
            warnings: ["repaired \(invalidSequences) invalid UTF-8 sequence(s) (\(invalidBytes) bytes) with U+FFFD"])
    }

    private static func decodeUTF16(_ body: ArraySlice<UInt8>, bigEndian: Bool) -> Decoded {
        var units: [UInt16] = []
        units.reserveCapacity(body.count / 2)
        var index = body.startIndex
        while index + 1 < body.endIndex {
            let first = UInt16(body[index])
            let second = UInt16(body[index + 1])
            units.append(bigEndian ? first << 8 | second : second << 8 | first)
            index += 2
        }
        var warnings: [String] = []
        if body.count % 2 == 1 { warnings.append("dropped a trailing odd byte of UTF-16 text") }
        var invalid = 0
        var scalars = String.UnicodeScalarView()
        var iterator = units.makeIterator()
        var parser = Unicode.UTF16.ForwardParser()
        parsing: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): scalars.append(Unicode.UTF16.decode(encoded))
            case .error:
                invalid += 1
                scalars.append("\u{FFFD}")
            case .emptyInput: break parsing
            }
        }
        if invalid > 0 { warnings.append("repaired \(invalid) unpaired UTF-16 surrogate(s) with U+FFFD") }
        let encoding = bigEndian ? "UTF-16BE" : "UTF-16LE"
        return Decoded(text: normalizingLineEndings(String(scalars)), encoding: encoding, warnings: warnings)
    }

    private static func decodeUTF32(_ body: ArraySlice<UInt8>, bigEndian: Bool) throws -> Decoded {
        var scalars = String.UnicodeScalarView()
        var invalid = 0
        var index = body.startIndex
        while index + 3 < body.endIndex {
            let b = (0..<4).map { UInt32(body[index + $0]) }
            let value =
                bigEndian ? b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3] : b[3] << 24 | b[2] << 16 | b[1] << 8 | b[0]
            if let scalar = Unicode.Scalar(value) {
                scalars.append(scalar)
            } else {
                invalid += 1
                scalars.append("\u{FFFD}")
            }
            index += 4
        }
        if invalid * 10 > body.count / 4 {
            throw NightshiftError(
                .format, "not valid UTF-32 (\(invalid) invalid code units) despite its byte-order mark")
        }
        var warnings: [String] = []
        if invalid > 0 { warnings.append("repaired \(invalid) invalid UTF-32 code unit(s) with U+FFFD") }
        let encoding = bigEndian ? "UTF-32BE" : "UTF-32LE"
        return Decoded(text: normalizingLineEndings(String(scalars)), encoding: encoding, warnings: warnings)
    }
}
