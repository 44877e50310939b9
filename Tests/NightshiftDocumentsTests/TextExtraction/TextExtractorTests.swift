import NightshiftCore
import Testing

@testable import NightshiftDocuments

@Suite("Plain text extraction")
struct TextExtractorTests {
    static let expected =
        "Nightshift ingestion notes\n\nPlain text keeps its paragraphs. Accents stay: café, naïve, Größe.\n"
        + "A second line of the same paragraph.\n\nEmoji 👩‍💻 and flags 🇫🇷 survive decoding.\n"

    @Test(
        "lines split at every line feed as Python's split(\"\\n\") does: empty lines and a trailing empty line kept",
        arguments: ["", "one", "a\n", "\n\n", "a\nb\n\nc", "\ncafé 👩‍💻\n\u{301}x\n", "no break 🇫🇷"])
    func lines(text: String) {
        let lines = TextExtractor.lines(text)
        #expect(lines.map(String.init) == text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).map { String(Substring($0)) })
        #expect(lines.joined(separator: "\n") == text)
    }

    @Test(
        "UTF-8 with or without BOM, UTF-16 LE/BE with BOM and CRLF files all give the same text",
        arguments: ["plain-utf8.txt", "plain-utf8-bom.txt", "plain-utf16le.txt", "plain-utf16be.txt", "plain-crlf.txt"])
    func encodings(file: String) throws {
        let extracted = try TextExtractor.extract(data: TextResource.bytes(file))
        #expect(extracted.text == Self.expected)
        #expect(extracted.mediaType == "text/plain")
        #expect(extracted.warnings.isEmpty)
        #expect(!extracted.text.unicodeScalars.contains("\u{FEFF}"))
        #expect(!extracted.text.contains("\r"))
    }

    @Test("the encoding is recorded when it is not UTF-8")
    func encodingMetadata() throws {
        let extracted = try TextExtractor.extract(data: TextResource.bytes("plain-utf16be.txt"))
        #expect(extracted.metadata["encoding"] == .string("UTF-16BE"))
    }

    @Test("a few invalid UTF-8 sequences are repaired with U+FFFD and reported")
    func repairsInvalidUTF8() throws {
        let extracted = try TextExtractor.extract(data: TextResource.bytes("invalid-utf8-some.txt"))
        #expect(extracted.text == "Grüße \u{FFFD} and \u{FFFD} end \u{FFFD}\n")
        #expect(extracted.warnings.count == 1)
        #expect(extracted.warnings.first?.contains("3 invalid UTF-8") == true)
    }

    @Test("mostly invalid UTF-8 is refused with a format error")
    func refusesMostlyInvalid() throws {
        let data = try TextResource.bytes("invalid-utf8-mostly.txt")
        let error = try #require(throws: NightshiftError.self) { try TextExtractor.extract(data: data) }
        #expect(error.code == .format)
        #expect(error.message.hasPrefix("not valid UTF-8"))
    }

    @Test("lone CR and CR LF become LF; an unpaired UTF-16 surrogate is repaired")
    func lineEndingsAndSurrogates() throws {
        #expect(TextExtractor.normalizingLineEndings("a\r\nb\rc\n\r\n") == "a\nb\nc\n\n")
        let unpaired: [UInt8] = [0xFF, 0xFE, 0x41, 0x00, 0x00, 0xD8, 0x42, 0x00]
        let extracted = try TextExtractor.extract(data: unpaired)
        #expect(extracted.text == "A\u{FFFD}B")
        #expect(extracted.warnings.count == 1)
    }

    @Test("empty data is an empty text")
    func empty() throws {
        #expect(try TextExtractor.extract(data: []).text == "")
    }
}
