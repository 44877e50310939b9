import Foundation
import NightshiftCore
import Testing

@testable import NightshiftDocuments

@Suite("EPUB extraction")
struct EPUBExtractorTests {
    @Test(
        "an EPUB written by ebooklib: spine order, OPF title and author, chapter headings; nav and non-linear left out")
    func epubFromEbooklib() throws {
        let extracted = try EPUBExtractor.extract(data: try officeFixture("book.epub"))
        #expect(extracted.title == "The Lighthouse Keeper")
        #expect(extracted.metadata["author"] == .string("Mara Quinn"))
        #expect(extracted.metadata["language"] == .string("en"))
        #expect(extracted.metadata["chapters"] == .number(2))
        #expect(checkHeadings(extracted) == ["1 Arrival", "1 The Storm", "2 Aftermath"])
        let text = extracted.text
        let arrival = try #require(scalarOffset(of: "The boat reached the island at dusk.", in: text))
        let storm = try #require(scalarOffset(of: "Wind tore at the lamp room.", in: text))
        #expect(arrival < storm)
        #expect(text.hasPrefix("Arrival"))
        #expect(text.contains("Glass everywhere."))
        #expect(text.contains("Gulls\u{A0}circled.") || text.contains("Gulls circled."))
        #expect(!text.contains("Pop-up notes"))
        let glass = try #require(scalarOffset(of: "Glass", in: text))
        #expect(extracted.headingPath(at: glass) == ["The Storm", "Aftermath"])
    }

    @Test("EPUB edge cases: no container falls back to the OPF entry; DRM is an encrypted skip; no OPF is corrupt")
    func epubEdgeCases() throws {
        let folder = try TemporaryFolder()
        try python(
            """
            import zipfile
            opf = ('<package xmlns="http://www.idpf.org/2007/opf" version="2.0">'
                   '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Loose Book</dc:title></metadata>'
                   '<manifest><item id="one" href="Text/Chapter%201.xhtml" media-type="application/xhtml+xml"/></manifest>'
                   '<spine><itemref idref="one"/></spine></package>')
            chapter = ('<html xmlns="http://www.w3.org/1999/xhtml"><body><h1>Only chapter</h1>'
                       '<p>Loose text.</p></body></html>')
            container = ('<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
                         '<rootfile full-path="OPS/book.opf" media-type="application/oebps-package+xml"/>'
                         '</rootfiles></container>')
            def encryption(uri):
                return ('<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
                        'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData><enc:CipherData>'
                        '<enc:CipherReference URI="%s"/></enc:CipherData></enc:EncryptedData></encryption>' % uri)
            def book(name, with_container=True, encrypted=None, with_opf=True):
                with zipfile.ZipFile(name, 'w') as z:
                    z.writestr('mimetype', 'application/epub+zip')
                    if with_container:
                        z.writestr('META-INF/container.xml', container)
                    if encrypted:
                        z.writestr('META-INF/encryption.xml', encryption(encrypted))
                    if with_opf:
                        z.writestr('OPS/book.opf', opf)
                    z.writestr('OPS/Text/Chapter 1.xhtml', chapter)
            book('loose.epub', with_container=False)
            book('drm.epub', encrypted='OPS/Text/Chapter%201.xhtml')
            book('fonts.epub', encrypted='OPS/Fonts/a.otf')
            book('noopf.epub', with_opf=False)
            """, in: folder)
        let loose = try EPUBExtractor.extract(data: try folder.read("loose.epub"))
        #expect(loose.title == "Loose Book")
        #expect(loose.text.contains("Loose text."))
        #expect(checkHeadings(loose) == ["1 Only chapter"])
        let fonts = try EPUBExtractor.extract(data: try folder.read("fonts.epub"))
        #expect(fonts.text.contains("Loose text."))
        let drm = try folder.read("drm.epub")
        #expect(thrownSkip { try EPUBExtractor.extract(data: drm) }?.kind == .encrypted)
        let noOPF = try folder.read("noopf.epub")
        #expect(thrownSkip { try EPUBExtractor.extract(data: noOPF) }?.kind == .corrupt)
    }

    @Test("hrefs resolve against the OPF folder: percent-decoded, with dot segments and fragments")
    func hrefResolution() {
        #expect(EPUBExtractor.resolve("Text/Chapter%201.xhtml#s2", against: "OPS") == "OPS/Text/Chapter 1.xhtml")
        #expect(EPUBExtractor.resolve("../x/./y.xhtml", against: "a/b") == "a/x/y.xhtml")
        #expect(EPUBExtractor.resolve("c.xhtml", against: "") == "c.xhtml")
    }
}
