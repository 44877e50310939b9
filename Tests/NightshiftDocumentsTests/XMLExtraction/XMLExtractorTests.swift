import Foundation
import NightshiftCore
import Testing

@testable import NightshiftDocuments

@Suite("XML extraction")
struct XMLExtractorTests {
    private func extract(_ name: String) throws -> ExtractedText {
        try XMLExtractor.extract(data: testResource(name, in: "xml"), url: "xml/\(name)")
    }

    @Test("DocBook 5: titles become headings at the depth of their sections; metadata and index terms are dropped")
    func docBook5() throws {
        let extracted = try extract("docbook5-book.xml")
        #expect(extracted.mediaType == "application/docbook+xml")
        #expect(extracted.title == "The Nightshift Handbook")
        #expect(
            extracted.headings.map { "\($0.level) \($0.title)" } == [
                "1 The Nightshift Handbook", "2 Préface 🌙", "2 Installing", "3 On Linux", "4 Troubleshooting",
                "2 Licence",
            ])
        expectHeadingOffsetsMatch(extracted)
        let text = extracted.text
        #expect(text.contains("Why we wrote this book."))
        #expect(text.contains("First, install the nightshift tool;"))
        #expect(text.contains("- Download the release.\n- Run the installer."))
        #expect(text.contains("swift build \\\n    -c release"))
        #expect(text.contains("System | Supported\nDebian 12 | yes\nAlpine | no"))
        #expect(text.contains("Check the logs first."))
        #expect(text.contains("NIGHTSHIFT_DB\n\nPath of the embedded store."))
        for dropped in ["Lovelace", "Example Corp", "2024", "motivation", "Editorial remark"] {
            #expect(!text.contains(dropped), "kept \(dropped)")
        }
        let troubleshooting = try #require(extracted.headings.first { $0.title == "Troubleshooting" })
        #expect(
            extracted.headingPath(at: troubleshooting.offset + 20) == [
                "The Nightshift Handbook", "Installing", "On Linux", "Troubleshooting",
            ])
    }

    @Test("DocBook 4 with a DOCTYPE: the DTD is not fetched, sect1/sect2 nest, ordered lists are numbered")
    func docBook4() throws {
        let extracted = try extract("docbook4-article.xml")
        #expect(extracted.mediaType == "application/docbook+xml")
        #expect(
            extracted.headings.map { "\($0.level) \($0.title)" } == [
                "1 Rotating Shifts", "2 Forward rotation", "3 Evidence", "2 Rest days",
            ])
        expectHeadingOffsetsMatch(extracted)
        #expect(
            extracted.text == """
                Rotating Shifts

                Forward rotation

                Day, evening, night: rotating forward is easier on sleep.

                Evidence

                1. Fewer errors.
                2. Better sleep.

                Rest days

                Two rest days after a block of nights.
                """)
    }

    @Test("XHTML is parsed as XML and read with the HTML rules")
    func xhtml() throws {
        let extracted = try extract("page.xhtml")
        #expect(extracted.mediaType == "application/xhtml+xml")
        #expect(extracted.title == "XHTML page")
        #expect(extracted.text.hasPrefix("Strict markup\n\nXHTML documents are XML"))
        #expect(extracted.text.contains("- One\n- Two"))
        for dropped in ["Home", "Docs", "Footer text", "SCRIPT"] {
            #expect(!extracted.text.contains(dropped), "kept \(dropped)")
        }
        #expect(extracted.headings.map(\.title) == ["Strict markup", "Lists"])
        expectHeadingOffsetsMatch(extracted)
    }

    @Test("malformed XML is a format error naming libxml2's reason and the line")
    func malformed() throws {
        let error = try #require(throws: NightshiftError.self) { try extract("malformed.xml") }
        #expect(error.code == .format)
        #expect(error.context["line"] == "5")
        #expect(error.context["url"] == "xml/malformed.xml")
        #expect(error.message.contains("line 5"))
        #expect(error.message.contains("mismatch"))
    }

    @Test("empty and truncated documents are format errors, not crashes")
    func truncated() throws {
        for data in [[], Array("<?xml version=\"1.0\"?>".utf8), Array("<a><b>text</b>".utf8)] as [[UInt8]] {
            let error = try #require(throws: NightshiftError.self) {
                try XMLExtractor.extract(data: data, url: "truncated.xml")
            }
            #expect(error.code == .format)
        }
    }

    @Test("a billion-laughs document is refused")
    func billionLaughs() throws {
        let error = try #require(throws: NightshiftError.self) { try extract("billion-laughs.xml") }
        #expect(error.code == .format)
    }

    @Test("a quadratic blow-up (one large entity referenced thousands of times) is refused")
    func quadraticBlowup() throws {
        let error = try #require(throws: NightshiftError.self) { try extract("quadratic-blowup.xml") }
        #expect(error.code == .format)
        #expect(error.message.contains("entity"))
    }

    @Test("internal entities are expanded; external ones are never loaded from files or the network")
    func entities() throws {
        let extracted = try extract("entities.xml")
        #expect(extracted.title == "About Nightshift")
        #expect(extracted.text.contains("Nightshift reads documents & keeps their structure."))
        #expect(extracted.text.contains("External: [] []"))
        #expect(!extracted.text.contains("root:"))
    }

    @Test("generic XML: prose elements are paragraphs, short fields are lines, CDATA is text, comments are not")
    func genericXML() throws {
        let extracted = try extract("catalog.xml")
        #expect(extracted.mediaType == "application/xml")
        #expect(extracted.title == "Spring catalog")
        #expect(
            extracted.text == """
                Spring catalog

                Desk lamp
                49.00

                A warm, dimmable lamp for night work, with a heavy base that keeps it steady on any desk and a \
                switch you can find in the dark.

                Blackout curtain
                89.00
                Keeps the bedroom dark in the day <really> dark.
                """)
    }

    @Test("the encoding of the XML declaration is honoured")
    func declaredEncoding() throws {
        let extracted = try extract("latin1.xml")
        #expect(extracted.text == "Grüße\n\nSchöne Grüße aus Köln.")
        #expect(extracted.metadata["charset"] == .string("ISO-8859-1"))
    }
}
