import NightshiftCore
import Testing

@testable import NightshiftDocuments

@Suite("Markdown extraction")
struct MarkdownExtractorTests {
    @Test(
        "headings (ATX and Setext) become marks at the offsets of their lines",
        arguments: ["guide.md", "guide-crlf.md"])
    func headings(file: String) throws {
        let extracted = try MarkdownExtractor.extract(data: TextResource.bytes(file))
        #expect(extracted.headings.map(\.level) == [1, 2, 1, 2, 3])
        #expect(
            extracted.headings.map(\.title) == [
                "Getting started", "Options", "Setext heading", "Second level", "Deep heading",
            ])
        for heading in extracted.headings {
            let line = scalarSlice(extracted.text, heading.offset, heading.offset + heading.title.unicodeScalars.count)
            #expect(line == heading.title)
        }
        #expect(
            extracted.headingPath(at: extracted.text.unicodeScalars.count) == [
                "Setext heading", "Second level", "Deep heading",
            ])
        #expect(!extracted.text.contains("\r"))
    }

    @Test("front matter gives the title and metadata and is removed from the text")
    func frontMatter() throws {
        let extracted = try MarkdownExtractor.extract(data: TextResource.bytes("guide.md"))
        #expect(extracted.title == "Ingestion Guide")
        #expect(extracted.metadata["author"] == .string("Night Shift"))
        #expect(!extracted.text.contains("title:"))
        #expect(extracted.text.hasPrefix("Intro paragraph"))
        #expect(extracted.mediaType == "text/markdown")
    }

    @Test("links and images are reduced to their text; reference definitions and comments are dropped")
    func inlineSyntax() throws {
        let text = try MarkdownExtractor.extract(data: TextResource.bytes("guide.md")).text
        #expect(text.contains("Intro paragraph with a link and an diagram."))
        #expect(text.contains("read https://example.com/start. See the reference."))
        #expect(!text.contains("](https"))
        #expect(!text.contains("[ref]:"))
        #expect(!text.contains("spanning lines"))
        #expect(text.contains("- [x] done item"))
        #expect(text.contains("`[not](a link)` in code stays"))
    }

    @Test("fenced code is kept verbatim and a # inside it is not a heading")
    func codeFences() throws {
        let extracted = try MarkdownExtractor.extract(data: TextResource.bytes("guide.md"))
        #expect(
            extracted.text.contains(
                "```bash\n# not a heading: a comment in a code fence\nnightshift ingest [docs](./docs)\n```"))
        #expect(!extracted.headings.contains { $0.title.contains("not a heading") })
        #expect(extracted.text.contains("    # indented code, not a heading"))
    }

    @Test("without front matter the title is the first level-1 heading; ATX closing hashes are dropped")
    func titleFromHeading() {
        let extracted = MarkdownExtractor.extract(text: "Intro\n\n## Sub ##\n\n# Main `title` #\n\nbody\n#hashtag\n")
        #expect(extracted.title == "Main title")
        #expect(extracted.headings.map(\.title) == ["Sub", "Main title"])
        #expect(extracted.text == "Intro\n\nSub\n\nMain title\n\nbody\n#hashtag")
    }

    @Test("a tilde fence needs a tilde fence of at least its length to close")
    func fenceKinds() {
        let extracted = MarkdownExtractor.extract(text: "~~~~\n# a\n```\n~~~\n~~~~\n# real\n")
        #expect(extracted.headings.map(\.title) == ["real"])
        #expect(extracted.text.hasPrefix("~~~~\n# a\n```\n~~~\n~~~~"))
    }
}
