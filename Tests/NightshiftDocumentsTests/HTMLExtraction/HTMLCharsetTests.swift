import Foundation
import NightshiftCore
import Testing

@testable import NightshiftDocuments

@Suite("HTML charsets")
struct HTMLCharsetTests {
    private func extract(_ name: String, declared: String? = nil) throws -> ExtractedText {
        try HTMLExtractor.extract(data: testResource(name, in: "html"), url: "html/\(name)", declaredCharset: declared)
    }

    @Test("windows-1252 declared in <meta charset> is decoded, including the 0x80–0x9F punctuation")
    func windows1252() throws {
        let extracted = try extract("windows-1252.html")
        #expect(extracted.text == "Der Preis beträgt 10€ – „günstig“, sagt Renée.")
        #expect(extracted.title == "Preise in Euro")
        #expect(extracted.metadata["charset"] == .string("windows-1252"))
        #expect(extracted.warnings.isEmpty)
    }

    @Test("ISO-8859-1 declared in <meta http-equiv> is read as windows-1252, as browsers do")
    func latin1() throws {
        let extracted = try extract("iso-8859-1.html")
        #expect(extracted.text == "Schöne Grüße für 5€ aus Köln, sagt der Straßenmusikant.")
        #expect(extracted.title == "Grüße")
    }

    @Test("a charset declared by the transport wins over <meta>")
    func declaredCharset() throws {
        // The file says windows-1252 inside; read as KOI8-R, its accented letters turn into Cyrillic ones.
        let extracted = try extract("windows-1252.html", declared: "KOI8-R")
        #expect(extracted.metadata["charset"] == .string("KOI8-R"))
        #expect(!extracted.text.contains("beträgt"))
        #expect(extracted.text.hasPrefix("Der Preis betr"))
    }

    @Test("invalid UTF-8 is repaired with U+FFFD and reported as a warning")
    func invalidUTF8() throws {
        let extracted = try extract("invalid-utf8.html")
        #expect(extracted.text == "Valid ü here, then a stray byte: [\u{FFFD}] and a truncated one: [\u{FFFD}] end.")
        #expect(extracted.warnings.count == 1)
        #expect(extracted.warnings.first?.contains("invalid UTF-8") == true)
    }

    @Test("Shift_JIS declared in <meta> is converted (through iconv)")
    func shiftJIS() throws {
        let extracted = try extract("shift_jis.html")
        #expect(extracted.title == "日本語")
        #expect(extracted.text == "夜勤について\n\n夜勤の後はよく眠りましょう。")
        #expect(extracted.headings == [HeadingMark(level: 1, title: "夜勤について", offset: 0)])
    }

    @Test("a UTF-16 byte-order mark wins over everything else")
    func utf16() throws {
        let extracted = try extract("utf-16le-bom.html")
        #expect(extracted.text == "Sixteen-bit text: été 🌙.")
        #expect(extracted.metadata["charset"] == .string("UTF-16LE"))
    }

    @Test("pages re-saved as UTF-8 that still declare latin-1 are read as UTF-8")
    func mislabelledUTF8() throws {
        let html = #"<html><head><meta charset="iso-8859-1"></head><body><p>Grüße aus Köln</p></body></html>"#
        let extracted = try HTMLExtractor.extract(data: Array(html.utf8), url: nil, declaredCharset: nil)
        #expect(extracted.text == "Grüße aus Köln")
    }

    @Test("labels follow the WHATWG encoding standard")
    func labels() {
        #expect(HTMLCharset.Encoding(label: " UTF8 ") == .utf8)
        #expect(HTMLCharset.Encoding(label: "\"ISO-8859-1\"") == .windows1252)
        #expect(HTMLCharset.Encoding(label: "us-ascii") == .windows1252)
        #expect(HTMLCharset.Encoding(label: "gb2312") == .other("GB18030"))
        #expect(HTMLCharset.Encoding(label: "binary") == nil)
        #expect(HTMLCharset.Encoding(label: "") == nil)
    }

    @Test("the <meta> prescan skips comments and reads http-equiv content")
    func prescan() {
        let commented = Array(#"<!-- <meta charset="koi8-r"> --><meta charset="windows-1252">"#.utf8)
        #expect(HTMLCharset.sniff(commented) == .windows1252)
        let httpEquiv = Array(#"<META HTTP-EQUIV="Content-Type" CONTENT="text/html; Charset=Shift_JIS">"#.utf8)
        #expect(HTMLCharset.sniff(httpEquiv) == .other("SHIFT_JIS"))
        let xml = Array(#"<?xml version="1.0" encoding="ISO-8859-2"?><html/>"#.utf8)
        #expect(HTMLCharset.sniff(xml) == .other("ISO-8859-2"))
        #expect(HTMLCharset.sniff(Array("<p>no declaration</p>".utf8)) == nil)
    }

    @Test("an unknown charset is read as UTF-8 with a warning")
    func unknownCharset() throws {
        let html = Array("<p>plain text</p>".utf8)
        let extracted = try HTMLExtractor.extract(data: html, url: nil, declaredCharset: "x-no-such-charset")
        #expect(extracted.text == "plain text")
        #expect(extracted.warnings.contains { $0.contains("unknown charset") })
    }
}
