import Foundation
import NightshiftCore
import Testing

@testable import NightshiftDocuments

@Suite("HTML extraction")
struct HTMLExtractorTests {
    private func extract(_ name: String, scope: HTMLExtractor.Scope = .mainContent) throws -> ExtractedText {
        try HTMLExtractor.extract(
            data: testResource(name, in: "html"), url: "html/\(name)", declaredCharset: nil, scope: scope)
    }

    @Test("an article page keeps its text and leaves navigation, banners, sharing, related links and comments out")
    func mainContent() throws {
        let extracted = try extract("article.html")
        let text = extracted.text
        #expect(extracted.mediaType == "text/html")
        #expect(extracted.title == "Night shifts and sleep — The Example Times")
        for kept in [
            "Working at night disrupts the body’s internal clock",
            "A café owner in Zürich",
            "The first three nights are the hardest",
            "Employers can help too",
        ] {
            #expect(text.contains(kept), "missing \(kept)")
        }
        for dropped in [
            "We use cookies", "Accept all", "Home", "World", "›", "Share on Facebook", "Tweet this",
            "Ten foods that keep you awake", "Related articles", "Great article", "3 comments", "Sidebar teaser",
            "Get our newsletter", "Subscribe to receive", "Sign up", "All rights reserved", "Imprint",
            "STYLE-LEAK", "SCRIPT-LEAK", "JSONLD-LEAK", "written",
        ] {
            #expect(!text.contains(dropped), "kept boilerplate \(dropped)")
        }
        #expect(text.hasPrefix("Night shifts and sleep: what the studies say\n\n"))
    }

    @Test("h1–h6 become heading marks whose scalar offsets point at their titles")
    func headings() throws {
        let extracted = try extract("article.html")
        #expect(
            extracted.headings.map(\.title) == [
                "Night shifts and sleep: what the studies say", "How much sleep do night workers lose?",
                "What helps", "Hours lost by rotation",
            ])
        #expect(extracted.headings.map(\.level) == [1, 2, 2, 3])
        // Curly quotes, "é", "ü" and an em dash come before the later headings: offsets must count scalars.
        expectHeadingOffsetsMatch(extracted)
        let offset = try #require(extracted.headings.last?.offset)
        #expect(
            extracted.headingPath(at: offset + 5) == [
                "Night shifts and sleep: what the studies say", "What helps", "Hours lost by rotation",
            ])
    }

    @Test("lists become lines with bullets or numbers, nested lists are indented")
    func lists() throws {
        let text = try extract("article.html").text
        #expect(
            text.contains(
                """
                - Keep the bedroom dark and cool.
                - Sleep at the same time after every shift.
                  - Even on days off, if you can.
                - Avoid caffeine in the last half of the shift.
                """))
        #expect(text.contains("3. Plan the commute home.\n4. Eat a light meal before sleeping."))
        let layout = try extract("layout.html").text
        #expect(layout.contains("- Apples\n- Pears\n  1. Conference\n  2. Williams\n- Plums in a paragraph"))
    }

    @Test("table rows become lines and cells are separated by a bar")
    func tables() throws {
        let text = try extract("article.html").text
        #expect(text.contains("Rotation | Hours lost\nPermanent nights | 1.5\nRapid rotation | 2.5"))
        let layout = try extract("layout.html").text
        #expect(layout.contains("Harvest\n\nFruit | Tons | Region\nApples | 120 | North\nPears | 80 | South"))
    }

    @Test("preformatted blocks keep their spaces and lines; entities inside are decoded")
    func preformatted() throws {
        let text = try extract("article.html").text
        #expect(text.contains("sleep_debt = hours_needed - hours_slept\n  if sleep_debt > 2: nap()"))
        let layout = try extract("layout.html").text
        #expect(
            layout.contains(
                """
                def harvest(tree):
                    return [fruit for fruit in tree
                            if fruit.ripe]
                """))
    }

    @Test("whitespace collapses as in a browser; inline elements join words, blocks and <br> break lines")
    func whitespace() throws {
        let text = try extract("layout.html").text
        #expect(
            text.contains(
                "Words with many spaces and newlines collapse, boldtext stays glued, and italic words keep their space."
            ))
        #expect(text.contains("Line one\nLine two\nLine three"))
        #expect(text.contains("Term\nDefinition of the term."))
        let prose = try #require(paragraphs(text).dropFirst().first)
        #expect(!prose.contains("  ") && !prose.contains("\n"))
        #expect(!text.hasPrefix("\n") && !text.hasSuffix("\n"))
        #expect(!text.contains("\n\n\n"))
    }

    @Test("blocks are read in document order: headings, prose, lists, tables, code, quotes")
    func documentOrder() throws {
        let text = try extract("layout.html").text
        let markers = [
            "Lists, tables and code", "Words with", "- Apples", "Fruit | Tons", "def harvest", "Line one",
            "Term", "A quoted sentence.", "Second heading", "After the second heading.",
        ]
        let positions = try markers.map { marker in
            try #require(text.range(of: marker), "missing \(marker)").lowerBound
        }
        #expect(positions == positions.sorted())
    }

    @Test("broken markup is repaired and read: unclosed and misnested tags, a table and list without end tags")
    func brokenMarkup() throws {
        let extracted = try extract("broken.html")
        let text = extracted.text
        #expect(extracted.title == "Broken & bad")
        #expect(
            text.hasPrefix("First paragraph bold and italic still italic?\n\nSecond paragraph with an unclosed span"))
        #expect(text.contains("cell one | cell two"))
        #expect(text.contains("- item one\n- item two"))
        #expect(text.hasSuffix("Last words without closing tags"))
    }

    @Test("entities and character references are decoded; unknown ones stay as written")
    func entities() throws {
        let text = try extract("broken.html").text
        #expect(text.contains("café & crème, 5 < 6 > 4, \"quoted\", €100, 😀, non breaking"))
        #expect(text.contains("&unknownentity; stays."))
    }

    @Test("scripts, styles, templates, forms, embedded media and hidden elements are never read")
    func hiddenElements() throws {
        for scope in [HTMLExtractor.Scope.mainContent, .wholePage] {
            let text = try extract("hidden.html", scope: scope).text
            #expect(text == "Visible paragraph one.\n\nVisible paragraph two with inline markup.", "scope \(scope)")
        }
    }

    @Test("the whole-page scope keeps banners and related links that main-content extraction leaves out")
    func wholePageScope() throws {
        let main = try extract("article.html").text
        let whole = try extract("article.html", scope: .wholePage).text
        for boilerplate in ["We use cookies", "Ten foods that keep you awake", "Great article"] {
            #expect(!main.contains(boilerplate))
            #expect(whole.contains(boilerplate))
        }
        #expect(whole.contains("Employers can help too"))
        // Chrome elements stay dropped in every scope.
        for chrome in ["World", "Sidebar teaser", "All rights reserved", "Sign up"] {
            #expect(!whole.contains(chrome), "kept \(chrome)")
        }
    }

    @Test("empty and whitespace-only input gives empty text, not an error")
    func emptyInput() throws {
        for data in [[], Array("   \n\t ".utf8), Array("<html><body></body></html>".utf8)] as [[UInt8]] {
            let extracted = try HTMLExtractor.extract(data: data, url: nil, declaredCharset: nil)
            #expect(extracted.text.isEmpty)
            #expect(extracted.headings.isEmpty)
        }
    }

    @Test("nested markup is read; markup nested beyond libxml2's depth limit ends the page without a crash")
    func deepNesting() throws {
        func page(depth: Int) -> [UInt8] {
            var html = "<html><body><p>before the nest</p>"
            html += String(repeating: "<div><span>", count: depth)
            html += "deep text"
            html += String(repeating: "</span></div>", count: depth)
            html += "<p>after the nest</p></body></html>"
            return Array(html.utf8)
        }
        let nested = try HTMLExtractor.extract(data: page(depth: 100), url: nil, declaredCharset: nil)
        #expect(nested.text == "before the nest\n\ndeep text\n\nafter the nest")
        // libxml2 stops building the tree at its depth limit (256): what came before is still read.
        let tooDeep = try HTMLExtractor.extract(data: page(depth: 20_000), url: nil, declaredCharset: nil)
        #expect(tooDeep.text.hasPrefix("before the nest"))
    }

    @Test("a heading that swallowed the article (an unclosed <h2>) is read as text, not as a heading")
    func swallowingHeading() throws {
        let paragraph = String(repeating: "This sentence belongs to the body of the article. ", count: 12)
        let html = "<html><body><h1>Title</h1><h2>Lead<div><p>\(paragraph)</p><p>\(paragraph)</p></div></body></html>"
        let extracted = try HTMLExtractor.extract(data: Array(html.utf8), url: nil, declaredCharset: nil)
        #expect(extracted.headings.map(\.title) == ["Title"])
        #expect(extracted.text.contains("This sentence belongs to the body of the article."))
    }

    @Test("pages extracted on several tasks at once give the same result as one at a time")
    func concurrentExtraction() async throws {
        let data = try testResource("article.html", in: "html")
        let expected = try HTMLExtractor.extract(data: data, url: nil, declaredCharset: nil)
        let results = try await withThrowingTaskGroup(of: ExtractedText.self) { group in
            for _ in 0..<8 {
                group.addTask { try HTMLExtractor.extract(data: data, url: nil, declaredCharset: nil) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 8)
        #expect(results.allSatisfy { $0 == expected })
    }

    @Test("a forum thread whose posts carry comment class names is still read (names are distrusted then)")
    func forumThread() throws {
        let text = try extract("forum.html").text
        #expect(text.hasPrefix("Night shift sleep tips?"))
        for post in ["How do you all manage", "Blackout curtains and earplugs", "No coffee after 3 am"] {
            #expect(text.contains(post), "missing \(post)")
        }
        #expect(!text.contains("New posts"))
    }
}
