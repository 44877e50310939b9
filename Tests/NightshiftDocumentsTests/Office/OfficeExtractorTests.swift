import Foundation
import NightshiftCore
import Testing

@testable import NightshiftDocuments

@Suite("DOCX and ODT extraction")
struct OfficeExtractorTests {
    @Test("a DOCX written by python-docx: paragraphs, headings, lists, table, tab, line break and core title")
    func docxFromPythonDocx() throws {
        let extracted = try OfficeExtractor.extractDOCX(data: try officeFixture("report.docx"))
        let expected = """
            Quarterly Operations Review

            Name:\tOperations team
            Second line of the same paragraph.

            Summary

            Throughput rose by twelve percent while costs fell.

            - Faster onboarding
            - Fewer escalations
            1. Collect the metrics
            2. Review them weekly
            3. Publish the report

            Details

            Region | Tickets | Median hours
            North | 1200 | 3.5
            South | 900 | 4.1

            Appendix

            Unicode survives: café, naïve, Ærøskøbing ✓
            """
        #expect(extracted.text == expected)
        #expect(checkHeadings(extracted) == ["1 Quarterly Operations Review", "1 Summary", "2 Details", "1 Appendix"])
        #expect(extracted.title == "Quarterly Operations Review")
        #expect(extracted.metadata["author"] == .string("Dana Smith"))
        #expect(extracted.metadata["language"] == .string("en-GB"))
        #expect(extracted.mediaType == "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        // Title and Heading 1 are both level 1: a Heading 1 ends the title's section.
        let north = try #require(scalarOffset(of: "North", in: extracted.text))
        #expect(extracted.headingPath(at: north) == ["Summary", "Details"])
        #expect(extracted.warnings.isEmpty)
    }

    @Test("DOCX details: explicit numbering, tracked changes, fallbacks, nested tables, outline levels, TOC, fields")
    func docxHandBuilt() throws {
        let folder = try TemporaryFolder()
        try python(handBuiltDOCXScript, in: folder)
        let extracted = try OfficeExtractor.extractDOCX(data: try folder.read("hand.docx"))
        let expected = """
            Intro

            Kept inserted 7

            Box text

            Anchor paragraph

            1. Step one
              a. Sub a
              b. Sub b
            2. Step two
              a. Sub again
            - A bullet

            Outlined

            Custom heading

            Outer | in1 | in2

            Body text
            """
        #expect(extracted.text == expected)
        #expect(checkHeadings(extracted) == ["1 Intro", "3 Outlined", "1 Custom heading"])
        #expect(extracted.title == nil)
    }

    @Test("an ODT written by odfpy: headings, Title, spaces, tabs, breaks, lists, table; footnotes left out")
    func odtFromOdfpy() throws {
        let extracted = try OfficeExtractor.extractODT(data: try officeFixture("guide.odt"))
        let expected = """
            Field Guide to Tide Pools

            Anemones

            Anemones   close when touched.\tTabbed.
            New line ends here.

            A spanned word and a link.

            Where to look

            - Under rocks
            - In crevices
            - Near kelp
              - Holdfasts
            1. Wait for low tide
            2. Step carefully

            Counts

            Species | Count
            Anemone | 14
            Sculpin | 3
            """
        #expect(extracted.text == expected)
        #expect(
            checkHeadings(extracted) == ["1 Field Guide to Tide Pools", "1 Anemones", "2 Where to look", "1 Counts"])
        #expect(extracted.title == "Field Guide to Tide Pools")
        #expect(extracted.metadata["author"] == .string("Ravi Patel"))
        #expect(extracted.metadata["language"] == .string("en-US"))
    }

    @Test("a broken DOCX or ODT is a corrupt skip naming the part")
    func brokenPackages() throws {
        let folder = try TemporaryFolder()
        try python(
            """
            import zipfile
            with zipfile.ZipFile('nobody.docx', 'w') as z:
                z.writestr('[Content_Types].xml', '<Types/>')
            with zipfile.ZipFile('badxml.docx', 'w') as z:
                z.writestr('[Content_Types].xml', '<Types/>')
                z.writestr('word/document.xml', '<<<not xml')
            with zipfile.ZipFile('nocontent.odt', 'w') as z:
                z.writestr('mimetype', 'application/vnd.oasis.opendocument.text')
            """, in: folder)
        let noBody = try folder.read("nobody.docx")
        let noBodySkip = thrownSkip { try OfficeExtractor.extractDOCX(data: noBody) }
        #expect(noBodySkip?.kind == .corrupt)
        #expect(noBodySkip?.reason.contains("word/document.xml") == true)
        let badXML = try folder.read("badxml.docx")
        let badXMLSkip = thrownSkip { try OfficeExtractor.extractDOCX(data: badXML) }
        #expect(badXMLSkip?.kind == .corrupt)
        #expect(badXMLSkip?.reason.contains("not readable XML") == true)
        let noContent = try folder.read("nocontent.odt")
        let noContentSkip = thrownSkip { try OfficeExtractor.extractODT(data: noContent) }
        #expect(noContentSkip?.kind == .corrupt)
        #expect(noContentSkip?.reason.contains("content.xml") == true)
    }

    @Test("a DOCX whose document part is a compression bomb is a limit skip, not a read of gigabytes")
    func docxBomb() throws {
        let folder = try TemporaryFolder()
        try python(
            """
            import zipfile
            with zipfile.ZipFile('bomb.docx', 'w', zipfile.ZIP_DEFLATED) as z:
                z.writestr('[Content_Types].xml', '<Types/>')
                with z.open('word/document.xml', 'w') as f:
                    f.write(b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">')
                    for _ in range(64):
                        f.write(b' ' * (1 << 20))
                    f.write(b'</w:document>')
            """, in: folder)
        let bomb = try folder.read("bomb.docx")
        let skip = thrownSkip { try OfficeExtractor.extractDOCX(data: bomb) }
        #expect(skip?.kind == .limit)
        #expect(skip?.reason.contains("compression ratio") == true)
    }

    @Test("a truncated DOCX: cut after the body, the text is read with a warning; cut inside it, a corrupt skip")
    func truncatedDOCX() throws {
        let docx = try officeFixture("report.docx")
        // The first 5,000 bytes hold word/document.xml whole but cut word/styles.xml.
        let partial = try OfficeExtractor.extractDOCX(data: Array(docx.prefix(5000)))
        #expect(partial.text.contains("Throughput rose by twelve percent while costs fell."))
        #expect(partial.warnings.contains { $0.contains("word/styles.xml") })
        let documentHeader = try #require(findBytes(Array("word/document.xml".utf8), in: docx))
        let cut = Array(docx.prefix(documentHeader + 200))
        #expect(thrownSkip { try OfficeExtractor.extractDOCX(data: cut) }?.kind == .corrupt)
    }
}

/// A DOCX written element by element with zipfile, for the parts of WordprocessingML python-docx does not write.
private let handBuiltDOCXScript = """
    import zipfile
    W = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
         'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"')
    def p(text, style=None, extra=''):
        ppr = '<w:pPr>%s%s</w:pPr>' % ('<w:pStyle w:val="%s"/>' % style if style else '', extra)
        return '<w:p>%s<w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p>' % (ppr, text)
    def num(n, level):
        return '<w:numPr><w:ilvl w:val="%d"/><w:numId w:val="%d"/></w:numPr>' % (level, n)
    body = ''.join([
        p('Contents', 'TOCHeading'), p('Intro\\t1', 'TOC1'),
        p('Intro', 'Heading1'),
        '<w:p><w:r><w:t>Kept </w:t></w:r><w:del><w:r><w:delText>deleted </w:delText></w:r></w:del>'
        '<w:ins><w:r><w:t>inserted </w:t></w:r></w:ins><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        '<w:r><w:t>7</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>',
        '<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent>'
        '<w:p><w:r><w:t>Box text</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice>'
        '<mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>Box text</w:t></w:r></w:p></w:txbxContent>'
        '</w:pict></mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>Anchor paragraph</w:t></w:r></w:p>',
        p('Step one', extra=num(1, 0)), p('Sub a', extra=num(1, 1)), p('Sub b', extra=num(1, 1)),
        p('Step two', extra=num(1, 0)), p('Sub again', extra=num(1, 1)), p('A bullet', extra=num(2, 0)),
        p('Outlined', extra='<w:outlineLvl w:val="2"/>'),
        p('Custom heading', 'MyHeading'),
        '<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Outer</w:t></w:r></w:p></w:tc><w:tc>'
        '<w:tbl><w:tr><w:tc><w:p><w:r><w:t>in1</w:t></w:r></w:p></w:tc>'
        '<w:tc><w:p><w:r><w:t>in2</w:t></w:r></w:p></w:tc></w:tr></w:tbl>'
        '</w:tc></w:tr><w:tr><w:tc><w:p/></w:tc><w:tc><w:p/></w:tc></w:tr></w:tbl>',
        p('Body text'),
    ])
    numbering = ('<w:numbering %s><w:abstractNum w:abstractNumId="0">'
                 '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/></w:lvl>'
                 '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/></w:lvl></w:abstractNum>'
                 '<w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/></w:lvl></w:abstractNum>'
                 '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>'
                 '<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num></w:numbering>') % W
    styles = ('<w:styles %s><w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style>'
              '<w:style w:type="paragraph" w:styleId="MyHeading"><w:name w:val="My Heading"/>'
              '<w:basedOn w:val="Heading1"/></w:style>'
              '<w:style w:type="paragraph" w:styleId="TOC1"><w:name w:val="toc 1"/></w:style>'
              '<w:style w:type="paragraph" w:styleId="TOCHeading"><w:name w:val="TOC Heading"/></w:style></w:styles>') % W
    types = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Override PartName="/word/document.xml" '
             'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
    with zipfile.ZipFile('hand.docx', 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('[Content_Types].xml', types)
        z.writestr('word/document.xml', '<w:document %s><w:body>%s</w:body></w:document>' % (W, body))
        z.writestr('word/styles.xml', styles)
        z.writestr('word/numbering.xml', numbering)
    """
