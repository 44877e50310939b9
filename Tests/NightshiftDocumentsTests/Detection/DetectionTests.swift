import Foundation
import NightshiftCore
import Testing

@testable import NightshiftDocuments

private func detect(_ text: String, _ filename: String? = nil, type: String? = nil) -> DocumentFormat {
    FormatDetector.detect(data: Array(text.utf8), filename: filename, declaredType: type)
}

@Suite("Format detection by content and by name")
struct DetectionTests {
    @Test("archives, compressed streams and office packages are told apart by magic bytes and zip entries")
    func containers() throws {
        let folder = try TemporaryFolder()
        try python(
            archiveScript + """

                make_zip('plain.zip'); make_tar('a.tar', 'w'); make_tar('a.tgz', 'w:gz')
                make_tar('a.tbz', 'w:bz2'); make_tar('a.txz', 'w:xz')
                with zipfile.ZipFile('sheet.xlsx', 'w') as z:
                    z.writestr('[Content_Types].xml', '<Types/>'); z.writestr('xl/workbook.xml', '<workbook/>')
                with zipfile.ZipFile('slides.odp', 'w') as z:
                    z.writestr('mimetype', 'application/vnd.oasis.opendocument.presentation')
                """, in: folder)
        #expect(FormatDetector.detect(data: try folder.read("plain.zip"), filename: "plain.zip") == .zip)
        #expect(FormatDetector.detect(data: try folder.read("a.tar")) == .tar)
        #expect(FormatDetector.detect(data: try folder.read("a.tgz")) == .gzip)
        #expect(FormatDetector.detect(data: try folder.read("a.tbz")) == .bzip2)
        #expect(FormatDetector.detect(data: try folder.read("a.txz")) == .xz)
        #expect(FormatDetector.detect(data: try folder.read("sheet.xlsx")) == .unsupported("XLSX spreadsheet"))
        #expect(FormatDetector.detect(data: try folder.read("slides.odp")) == .unsupported("OpenDocument presentation"))
        // Names do not matter: a DOCX called .zip is a DOCX, an EPUB without extension an EPUB.
        #expect(FormatDetector.detect(data: try officeFixture("report.docx"), filename: "x.zip") == .docx)
        #expect(FormatDetector.detect(data: try officeFixture("guide.odt"), filename: nil) == .odt)
        #expect(FormatDetector.detect(data: try officeFixture("book.epub"), filename: "book.bin") == .epub)
    }

    @Test("PDF, images, executables and other binaries are recognised whatever their name")
    func binaries() {
        #expect(detect("%PDF-1.7\n%âãÏÓ\n1 0 obj", "notes.txt") == .pdf)
        #expect(
            FormatDetector.detect(data: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) == .unsupported("PNG image"))
        #expect(FormatDetector.detect(data: [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0]) == .unsupported("ELF executable"))
        #expect(FormatDetector.detect(data: [0x01, 0x02, 0x00, 0x41, 0x42], filename: "a.md") == .binary)
        var noise = [UInt8]()
        var state: UInt32 = 7
        for _ in 0..<4000 {
            state = state &* 1_103_515_245 &+ 12345
            noise.append(UInt8(truncatingIfNeeded: state >> 16) | 0x80)
        }
        #expect(FormatDetector.detect(data: noise, filename: "notes.txt") == .binary)
        #expect(FormatDetector.detect(data: []) == .empty)
    }

    @Test(
        "text formats come from the declared type, then the extension, then the content",
        arguments: [
            ("<!DOCTYPE html><html><body>x</body></html>", nil, nil, DocumentFormat.html),
            ("  <!-- c --><html lang=en><p>x</p></html>", nil, nil, .html),
            (
                "<?xml version=\"1.0\"?>\n<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\"></html>", nil,
                nil, .html
            ),
            ("<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\"><body/></html>", "a.xml", nil, .html),
            ("<?xml version=\"1.0\"?><article><title>T</title></article>", nil, nil, .xml),
            ("<book xmlns=\"http://docbook.org/ns/docbook\"><title>T</title></book>", nil, nil, .xml),
            ("<rss><channel><title>T</title></channel></rss>", "feed.rss", nil, .xml),
            ("{\"a\": 1, \"text\": \"x\"}\n{\"b\": [1, 2]}\n\n{\"c\": {}}\n", nil, nil, .jsonLines),
            ("{\"a\": 1}\nnot json\n", nil, nil, .plainText),
            ("[1, 2, 3]\n", nil, nil, .plainText),
            ("# Title\n\nSome [link](http://x) here.\n", nil, nil, .markdown),
            ("Intro\n\n```\ncode\n```\n", nil, nil, .markdown),
            ("# not a heading by itself\n", nil, nil, .plainText),
            ("Plain words only.\nSecond line.", nil, nil, .plainText),
            ("Anything at all", "README.md", nil, .markdown),
            ("<div align=center>logo</div>\n\n# Project", "README.md", nil, .markdown),
            ("# Looks like markdown\n\n[a](b) [c](d)", "notes.txt", nil, .plainText),
            ("plain", "page.html", nil, .html),
            ("x", nil, "text/html; charset=utf-8", .html),
            ("x", "a.txt", "text/markdown", .markdown),
            ("<html><body>x</body></html>", nil, "text/plain", .html),
            ("just text", nil, "text/plain", .plainText),
            ("{\"a\":1}", "data.jsonl", nil, .jsonLines),
        ] as [(String, String?, String?, DocumentFormat)])
    func textFormats(text: String, filename: String?, type: String?, expected: DocumentFormat) {
        #expect(detect(text, filename, type: type) == expected)
    }

    @Test("text quality: Latin-1 is repaired, stray bytes are replaced, legacy 8-bit text beyond repair is binary")
    func invalidUTF8() throws {
        // "Café crème brûlée" and more in Windows-1252: a few invalid bytes, no valid multi-byte sequence.
        var latin1 = Array("Un caf".utf8) + [0xE9] + Array(" cr".utf8) + [0xE8] + Array("me, br".utf8) + [0xFB]
        latin1 += Array("l".utf8) + [0xE9] + Array("e et un ".utf8) + [0x93] + Array("quote".utf8) + [0x94]
        latin1 += Array(String(repeating: " with enough ASCII around it", count: 3).utf8)
        let decoded = try DocumentExtractor.extract(data: latin1, filename: "menu.txt", declaredType: nil)
        #expect(decoded.text.hasPrefix("Un café crème, brûlée et un \u{201C}quote\u{201D}"))
        #expect(decoded.warnings == ["not valid UTF-8: decoded as Windows-1252"])

        let mostlyUTF8 = Array("Résumé: naïve ".utf8) + [0xFF] + Array(" and the rest is fine.".utf8)
        let repaired = try DocumentExtractor.extract(data: mostlyUTF8, filename: "a.txt", declaredType: nil)
        #expect(repaired.text == "Résumé: naïve \u{FFFD} and the rest is fine.")
        #expect(repaired.warnings == ["replaced 1 invalid UTF-8 byte(s) of 40 with U+FFFD (1 replacement character(s))"])

        // KOI8-R Russian: nearly every byte is invalid UTF-8.
        let koi8: [UInt8] = [0xF0, 0xD2, 0xC9, 0xD7, 0xC5, 0xD4, 0x20, 0xCD, 0xC9, 0xD2, 0x20, 0xD7, 0xD3, 0xC5, 0xCD]
        let skip = thrownSkip { try DocumentExtractor.extract(data: koi8, filename: "ru.txt", declaredType: nil) }
        #expect(skip?.kind == .binary)

        var utf16: [UInt8] = [0xFF, 0xFE]
        for unit in "Hi ✓".utf16 {
            utf16.append(UInt8(unit & 0xFF))
            utf16.append(UInt8(unit >> 8))
        }
        let wide = try DocumentExtractor.extract(data: utf16, filename: "w.txt", declaredType: nil)
        #expect(wide.text == "Hi ✓")
        #expect(wide.warnings == ["transcoded from UTF-16"])
    }
}

@Suite("Extractor dispatch")
struct DocumentExtractorTests {
    @Test("each format goes to its extractor and keeps its media type")
    func dispatch() throws {
        let docx = try DocumentExtractor.extract(
            data: try officeFixture("report.docx"), filename: nil, declaredType: nil)
        #expect(docx.title == "Quarterly Operations Review")
        let epub = try DocumentExtractor.extract(
            data: try officeFixture("book.epub"), filename: "b.epub", declaredType: nil)
        #expect(epub.mediaType == "application/epub+zip")
        let odt = try DocumentExtractor.extract(
            data: try officeFixture("guide.odt"), filename: "g.odt", declaredType: nil)
        #expect(odt.headings.count == 4)
        let html = try DocumentExtractor.extract(
            data: Array(
                "<html><head><title>Page</title></head><body><h1>Head</h1><p>Body text here.</p></body></html>".utf8),
            filename: "p.html", declaredType: nil)
        #expect(html.mediaType == "text/html")
        #expect(html.text.contains("Body text here."))
        let markdown = try DocumentExtractor.extract(
            data: Array("# Guide\n\nIntro.\n\n## Setup\n\nSteps.".utf8), filename: "g.md", declaredType: nil)
        #expect(markdown.headings.map(\.title) == ["Guide", "Setup"])
        let lines = try DocumentExtractor.extract(
            data: Array("{\"id\": 1, \"body\": \"first\"}\n{\"id\": 2, \"body\": \"second\"}\n".utf8),
            filename: "c.jsonl",
            declaredType: nil, options: ExtractionOptions(jsonTextField: "body"))
        #expect(lines.text.contains("first"))
        #expect(lines.text.contains("second"))
    }

    @Test("PDF, images, archives, binaries and empty documents are skips with a reason")
    func skips() throws {
        let pdf = thrownSkip {
            try DocumentExtractor.extract(data: Array("%PDF-1.4 x".utf8), filename: "a.pdf", declaredType: nil)
        }
        #expect(pdf?.kind == .unsupported)
        #expect(pdf?.reason == "unsupported format: PDF")
        let png = thrownSkip {
            try DocumentExtractor.extract(data: [0x89, 0x50, 0x4E, 0x47, 0, 0], filename: "a.png", declaredType: nil)
        }
        #expect(png?.reason == "unsupported format: PNG image")
        let folder = try TemporaryFolder()
        try python(archiveScript + "\nmake_zip('a.zip')", in: folder)
        let zip = try folder.read("a.zip")
        #expect(
            thrownSkip { try DocumentExtractor.extract(data: zip, filename: "a.zip", declaredType: nil) }?.kind
                == .unsupported)
        let binary = thrownSkip {
            try DocumentExtractor.extract(data: [0, 1, 2, 3], filename: "a.txt", declaredType: nil)
        }
        #expect(binary?.kind == .binary)
        #expect(
            thrownSkip { try DocumentExtractor.extract(data: [], filename: "e.txt", declaredType: nil) }?.kind == .empty
        )
        let blank = thrownSkip {
            try DocumentExtractor.extract(data: Array(" \n\n\t ".utf8), filename: "b.txt", declaredType: nil)
        }
        #expect(blank?.kind == .empty)
        let emptyHTML = thrownSkip {
            try DocumentExtractor.extract(
                data: Array("<html><body><script>x()</script></body></html>".utf8),
                filename: "e.html", declaredType: nil)
        }
        #expect(emptyHTML?.kind == .empty)
    }

    @Test("a skip converts to a NightshiftError with the skip kind in its context")
    func skipAsError() {
        let error = DocumentSkip(.corrupt, "bad zip", uri: "file:///a.zip").error
        #expect(error.code == .format)
        #expect(error.context == ["skip": "corrupt", "uri": "file:///a.zip"])
        #expect(DocumentSkip(.unreadable, "gone").error.code == .io)
        #expect(DocumentSkip(.binary, "noise").at("file:///x").description == "file:///x: noise")
    }
}

@Suite("Text quality counts")
struct TextQualityTests {
    /// The counts byte by byte, as the rule states them (the measure skips plain ASCII eight bytes at a time).
    static func reference(_ data: [UInt8]) -> (nul: Int, control: Int, invalid: Int, multibyte: Int) {
        var counts = (nul: 0, control: 0, invalid: 0, multibyte: 0)
        var iterator = data.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                if scalar.value >= 0x80 { counts.multibyte += 1 }
                if scalar.value == 0 {
                    counts.nul += 1
                } else if (scalar.value < 0x20 && ![0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1B].contains(scalar.value))
                    || scalar.value == 0x7F
                {
                    counts.control += 1
                }
            case .error: counts.invalid += 1
            case .emptyInput: return counts
            }
        }
    }

    @Test("control, NUL, DEL, invalid and multi-byte sequences are counted wherever they fall")
    func countsMatchTheRule() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [[UInt8]] = [
            Array("plain text ".utf8), [0x00], [0x01], [0x7F], [0x1F], [0x09], [0x0A], [0x0D], [0x1B],
            Array("é".utf8), Array("€".utf8), Array("😀".utf8), [0xC3], [0xFF], [0x80], [0xE2, 0x82], Array("~ ".utf8),
        ]
        for _ in 0..<400 {
            var data: [UInt8] = []
            for _ in 0..<Int.random(in: 0..<60, using: &generator) {
                data += alphabet.randomElement(using: &generator) ?? []
            }
            let quality = TextQuality.measure(data)
            let expected = Self.reference(data)
            #expect(quality.nulBytes == expected.nul, "\(data)")
            #expect(quality.controlBytes == expected.control, "\(data)")
            #expect(quality.multibyteSequences == expected.multibyte, "\(data)")
            // Both find invalid sequences in the same inputs (they may group a broken sequence's bytes differently).
            #expect((quality.invalidSequences > 0) == (expected.invalid > 0), "\(data)")
        }
    }
}
