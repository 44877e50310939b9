import Foundation
import NightshiftCore
import Testing

@testable import NightshiftDocuments

@Suite("libxml2 document wrapper")
struct XMLDocumentHandleTests {
    @Test("elements, text, attributes, namespaces and lines are read from a parsed document")
    func nodes() throws {
        let document = try XMLDocumentHandle.parseXML(testResource("docbook5-book.xml", in: "xml"), url: "book.xml")
        let root = try #require(document.rootElement)
        #expect(root.name == "book")
        #expect(root.kind == .element)
        #expect(root.namespaceURI == "http://docbook.org/ns/docbook")
        #expect(root.attribute("version") == "5.0")
        #expect(root.attribute("missing") == nil)
        #expect(root.line == 2)
        #expect(root.childElements.map(\.name) == ["info", "preface", "chapter", "appendix"])
        let chapter = try #require(root.childElements.first { $0.name == "chapter" })
        #expect(chapter.attribute("id", namespaceURI: "http://www.w3.org/XML/1998/namespace") == "install")
        #expect(
            chapter.attributes == [
                XMLAttribute(name: "id", namespaceURI: "http://www.w3.org/XML/1998/namespace", value: "install")
            ])
        let title = try #require(chapter.childElements.first)
        #expect(title.textContent == "Installing")
        #expect(title.parent == chapter)
        #expect(title.children.map(\.kind) == [.text])
        #expect(title.firstChild?.content == "Installing")
    }

    @Test("walk visits every node in document order and can skip subtrees")
    func walk() throws {
        let xml = "<a><b>one<c>two</c></b><d>three</d><e><f>skipped</f></e></a>"
        let document = try XMLDocumentHandle.parseXML(Array(xml.utf8))
        let root = try #require(document.rootElement)
        var names: [String] = []
        var texts: [String] = []
        root.walk { node in
            if node.isElement { names.append(node.name) }
            if let content = node.content, node.kind == .text { texts.append(content) }
            return node.name != "e"
        }
        #expect(names == ["a", "b", "c", "d", "e"])
        #expect(texts == ["one", "two", "three"])
    }

    @Test("nodes keep their document alive after the handle variable is gone")
    func nodeLifetime() throws {
        func firstChild() throws -> XMLNode {
            let document = try XMLDocumentHandle.parseXML(Array("<r><x>kept</x></r>".utf8))
            return try #require(document.rootElement?.firstChild)
        }
        let node = try firstChild()
        #expect(node.textContent == "kept")
    }

    @Test("HTML is parsed leniently with entities decoded")
    func html() throws {
        let document = try XMLDocumentHandle.parseHTML(
            Array("<p class=a>caf&eacute; <b>x".utf8), url: "page.html", encoding: "UTF-8")
        let root = try #require(document.rootElement)
        #expect(root.name == "html")
        #expect(root.textContent == "café x")
        var classes: [String] = []
        root.walk { node in
            if let value = node.attribute("class") { classes.append(value) }
            return true
        }
        #expect(classes == ["a"])
    }

    @Test("a parse error names libxml2's reason, line and column")
    func parseError() throws {
        let error = try #require(throws: NightshiftError.self) {
            try XMLDocumentHandle.parseXML(Array("<a>\n<b>\n</a>".utf8), url: "bad.xml")
        }
        #expect(error.code == .format)
        #expect(error.context["line"] == "3")
        #expect(error.context["column"] != nil)
        #expect(error.message.hasPrefix("malformed XML at line 3"))
    }
}
