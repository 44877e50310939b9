import CLibXML2
import NightshiftCore

/// Extracts the text of XML documents with their block structure: DocBook (titles become headings at the
/// depth of their sections), XHTML (read by the HTML extractor's rules) and any other vocabulary (elements
/// holding prose become paragraphs, short fields become lines).
///
/// Parsing is strict (a malformed document is an error naming libxml2's reason and line) and safe: entities are
/// not substituted by the parser, nothing is fetched, libxml2's limits stay on, and entity references are
/// expanded here within a budget, so a "billion laughs" document is refused rather than expanded.
public enum XMLExtractor {
    /// The media type of extracted generic XML.
    public static let mediaType = "application/xml"
    /// The media type of extracted DocBook.
    public static let docBookMediaType = "application/docbook+xml"
    /// The media type of extracted XHTML.
    public static let xhtmlMediaType = "application/xhtml+xml"

    /// The most text entity expansion may add, as a multiple of the input size (plus a fixed allowance).
    static let expansionFactor = 8
    static let expansionAllowance = 1 << 16

    /// Extracts a document's text.
    /// - Parameters:
    ///   - data: The document as stored; its encoding comes from the BOM or the XML declaration.
    ///   - url: Names the document in errors (a path, an archive entry or a URL without credentials).
    /// - Returns: Text with paragraphs separated by blank lines, the document title and its headings.
    /// - Throws: `NightshiftError(.format)` for malformed XML (with libxml2's reason, line and column) and for
    ///   documents whose entity references expand beyond the budget.
    public static func extract(data: [UInt8], url: String?) throws -> ExtractedText {
        let document = try XMLDocumentHandle.parseXML(data, url: url)
        return try withExtendedLifetime(document) { () throws -> ExtractedText in
            guard let root = xmlDocGetRootElement(document.pointer) else {
                return ExtractedText(text: "", mediaType: mediaType)
            }
            let vocabulary = Vocabulary.detect(root: root, document: document)
            var extracted: ExtractedText
            switch vocabulary {
            case .xhtml:
                extracted = HTMLExtractor.extract(root: root, scope: .mainContent, capacity: data.count / 4)
                extracted.mediaType = xhtmlMediaType
            case .docBook, .generic:
                let budget = data.count * expansionFactor + expansionAllowance
                var renderer = XMLTextRenderer(vocabulary: vocabulary, expansionBudget: budget)
                try renderer.render(root)
                let writer = renderer.writer
                extracted = ExtractedText(
                    text: writer.makeString(),
                    mediaType: vocabulary == .docBook ? docBookMediaType : mediaType,
                    headings: writer.headings)
                extracted.title = renderer.documentTitle ?? writer.headings.first?.title
            }
            extracted.metadata["root"] = .string(String(cString: root.pointee.name))
            if let namespace = root.pointee.ns?.pointee.href {
                extracted.metadata["namespace"] = .string(String(cString: namespace))
            }
            if let encoding = document.encoding { extracted.metadata["charset"] = .string(encoding) }
            return extracted
        }
    }

    /// The vocabularies read with their own rules.
    enum Vocabulary {
        case xhtml
        case docBook
        case generic

        static let docBookNamespace = "http://docbook.org/ns/docbook"
        static let docBookRoots: Set<String> = [
            "book", "article", "chapter", "part", "set", "appendix", "preface", "section", "sect1", "refentry",
            "reference",
        ]

        static func detect(root: xmlNodePtr, document: XMLDocumentHandle) -> Vocabulary {
            let name = root.pointee.name.map { String(cString: $0) } ?? ""
            let namespace = root.pointee.ns?.pointee.href.map { String(cString: $0) }
            if name.lowercased() == "html" { return .xhtml }
            if namespace == docBookNamespace { return .docBook }
            if let id = document.doctypePublicID, id.isDocBookIdentifier { return .docBook }
            if namespace == nil, docBookRoots.contains(name), document.doctypePublicID == nil {
                // Un-namespaced DocBook 4 without a DOCTYPE is common; these root names say enough.
                return .docBook
            }
            return .generic
        }
    }
}

extension String {
    /// True for DocBook DOCTYPE public identifiers (`-//OASIS//DTD DocBook XML V4.5//EN`).
    fileprivate var isDocBookIdentifier: Bool { lowercased().contains("docbook") }
}

/// How an element is laid out.
private enum XMLLayout {
    case drop
    case heading
    case block
    case line
    case preformatted
    case list(ordered: Bool)
    case listItem
    case table
    case row
    case cell
    case inline
}

/// Walks a libxml2 tree iteratively and writes its text with `HTMLTextWriter`.
private struct XMLTextRenderer {
    let vocabulary: XMLExtractor.Vocabulary
    private(set) var writer = HTMLTextWriter()
    private(set) var documentTitle: String?
    private var budget: Int

    private enum Exit {
        case none
        case block
        case line
        case heading
        case preformatted
        case list
        case listItem
        case row
        case cell
        case section
        case entity
    }

    private struct Frame {
        var node: xmlNodePtr
        var exit: Exit
    }

    private var frames: [Frame] = []
    private var sectionDepth = 0
    private var preDepth = 0
    private var headingDepth = 0
    private var lists: [(ordered: Bool, counter: Int)] = []
    private var firstCell: [Bool] = []
    private var entityDepth = 0

    init(vocabulary: XMLExtractor.Vocabulary, expansionBudget: Int) {
        self.vocabulary = vocabulary
        budget = expansionBudget
    }

    /// Renders everything below `root`.
    mutating func render(_ root: xmlNodePtr) throws {
        var current: xmlNodePtr? = root
        while let node = current {
            var firstChild: xmlNodePtr?
            switch node.pointee.type {
            case XML_ELEMENT_NODE:
                let exit = enter(node)
                if case .skip = exit {
                    break
                }
                if case .enter(let kind) = exit {
                    frames.append(Frame(node: node, exit: kind))
                    firstChild = node.pointee.children
                    if firstChild == nil { leaveTop() }
                }
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = node.pointee.content {
                    let length = Int(xmlStrlen(content))
                    if entityDepth > 0 {
                        budget -= length
                        if budget < 0 {
                            throw NightshiftError(
                                .format, "entity expansion exceeds the limit (\(XMLExtractor.expansionFactor)x input)")
                        }
                    }
                    let text = UnsafeBufferPointer(start: content, count: length)
                    if preDepth > 0 { writer.appendPreformatted(text) } else { writer.appendText(text) }
                }
            case XML_ENTITY_REF_NODE:
                // The reference's child is the entity declaration; its children are the parsed replacement text.
                if entityDepth < 16, let declaration = node.pointee.children,
                    declaration.pointee.type == XML_ENTITY_DECL, let content = declaration.pointee.children
                {
                    entityDepth += 1
                    frames.append(Frame(node: node, exit: .entity))
                    firstChild = content
                }
            default:
                break
            }
            if let firstChild {
                current = firstChild
                continue
            }
            // Next sibling, leaving finished elements on the way up.
            var next: xmlNodePtr? = node == root ? nil : node.pointee.next
            while next == nil, let frame = frames.last {
                leaveTop()
                if frame.node == root { break }
                // For an entity frame this leaves the replacement text for the reference's own sibling.
                next = frame.node.pointee.next
            }
            current = next
        }
        while !frames.isEmpty { leaveTop() }
    }

    /// A paragraph break, or a line break inside a list (an item's paragraphs stay together).
    private mutating func blockBreak() {
        if lists.isEmpty { writer.paragraphBreak() } else { writer.lineBreak() }
    }

    private enum Entered {
        case skip
        case enter(Exit)
    }

    private mutating func enter(_ node: xmlNodePtr) -> Entered {
        let layout = self.layout(of: node)
        switch layout {
        case .drop:
            return .skip
        case .heading:
            headingDepth += 1
            if headingDepth == 1 {
                let level = min(max(sectionDepth, 1), 6)
                if documentTitle == nil, sectionDepth <= 1 {
                    documentTitle = collapsedText(node)
                }
                writer.beginHeading(level: level)
            }
            return .enter(.heading)
        case .block:
            blockBreak()
            if opensSection(node) {
                sectionDepth += 1
                return .enter(.section)
            }
            return .enter(.block)
        case .line:
            writer.lineBreak()
            return .enter(.line)
        case .preformatted:
            blockBreak()
            preDepth += 1
            return .enter(.preformatted)
        case .list(let ordered):
            if lists.isEmpty { writer.paragraphBreak() } else { writer.lineBreak() }
            lists.append((ordered, 1))
            return .enter(.list)
        case .listItem:
            writer.lineBreak()
            var prefix = [UInt8](repeating: 32, count: 2 * max(0, lists.count - 1))
            if let list = lists.last, list.ordered {
                prefix.append(contentsOf: Array("\(list.counter). ".utf8))
                lists[lists.count - 1].counter += 1
            } else {
                prefix.append(contentsOf: [45, 32])
            }
            writer.setLinePrefix(prefix)
            return .enter(.listItem)
        case .table:
            blockBreak()
            return .enter(.block)
        case .row:
            writer.lineBreak()
            firstCell.append(true)
            return .enter(.row)
        case .cell:
            if firstCell.last == false { writer.cellBreak() }
            if !firstCell.isEmpty { firstCell[firstCell.count - 1] = false }
            return .enter(.cell)
        case .inline:
            return .enter(.none)
        }
    }

    private mutating func leaveTop() {
        guard let frame = frames.popLast() else { return }
        switch frame.exit {
        case .none, .cell:
            break
        case .block:
            blockBreak()
        case .section:
            sectionDepth -= 1
            blockBreak()
        case .line:
            writer.lineBreak()
        case .listItem:
            writer.clearLinePrefix()
            writer.lineBreak()
        case .heading:
            headingDepth -= 1
            if headingDepth == 0 { writer.endHeading() }
        case .preformatted:
            preDepth -= 1
            blockBreak()
        case .list:
            lists.removeLast()
            if lists.isEmpty { writer.paragraphBreak() } else { writer.lineBreak() }
        case .row:
            firstCell.removeLast()
            writer.lineBreak()
        case .entity:
            entityDepth -= 1
        }
    }

    // MARK: Layout rules

    private func layout(of node: xmlNodePtr) -> XMLLayout {
        guard let namePointer = node.pointee.name else { return .inline }
        let name = String(cString: namePointer)
        switch vocabulary {
        case .docBook: return DocBook.layout(name, parent: node.pointee.parent)
        case .generic, .xhtml: return genericLayout(node)
        }
    }

    /// Elements with prose of their own are paragraphs; elements holding only elements are containers;
    /// short text-only fields are lines (a record's fields stay together, records are separated). A short
    /// `title`, `head` or `heading` is a heading of its parent.
    private func genericLayout(_ node: xmlNodePtr) -> XMLLayout {
        var hasElements = false
        var ownText = 0
        var child = node.pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_ELEMENT_NODE:
                hasElements = true
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE, XML_ENTITY_REF_NODE:
                ownText += visibleLength(current)
            default:
                break
            }
            child = current.pointee.next
        }
        if hasElements { return .block }
        if ownText > 0, ownText <= 200, Self.isGenericTitle(node), node.pointee.parent?.pointee.type == XML_ELEMENT_NODE
        {
            return .heading
        }
        return ownText >= 80 ? .block : .line
    }

    private static func isGenericTitle(_ node: xmlNodePtr) -> Bool {
        guard let name = node.pointee.name else { return false }
        return xmlStrEqual(name, "title") != 0 || xmlStrEqual(name, "head") != 0 || xmlStrEqual(name, "heading") != 0
    }

    /// A generic element with a title child opens a section (its title's level is the depth of such elements).
    private static func hasTitleChild(_ node: xmlNodePtr) -> Bool {
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE, isGenericTitle(current) { return true }
            child = current.pointee.next
        }
        return false
    }

    private func visibleLength(_ node: xmlNodePtr) -> Int {
        guard node.pointee.type != XML_ENTITY_REF_NODE else { return 1 }
        guard let content = node.pointee.content else { return 0 }
        var count = 0
        var index = 0
        while content[index] != 0 {
            if content[index] > 32 { count += 1 }
            index += 1
        }
        return count
    }

    private func opensSection(_ node: xmlNodePtr) -> Bool {
        switch vocabulary {
        case .docBook:
            guard let name = node.pointee.name else { return false }
            return DocBook.sections.contains(String(cString: name))
        case .generic, .xhtml:
            return Self.hasTitleChild(node)
        }
    }

    private func collapsedText(_ node: xmlNodePtr) -> String? {
        guard let content = xmlNodeGetContent(node) else { return nil }
        defer { nightshift_xmlFree(content) }
        var writer = HTMLTextWriter()
        writer.appendText(UnsafeBufferPointer(start: content, count: Int(xmlStrlen(content))))
        let text = writer.makeString()
        return text.isEmpty ? nil : text
    }
}

/// DocBook 4 and 5 element rules.
private enum DocBook {
    /// Elements that open a section: their title is a heading one level below the enclosing section's.
    static let sections: Set<String> = [
        "set", "book", "part", "chapter", "appendix", "preface", "article", "section", "sect1", "sect2", "sect3",
        "sect4", "sect5", "simplesect", "refentry", "refsect1", "refsect2", "refsect3", "refsection", "glossary",
        "bibliography", "index", "colophon", "dedication", "acknowledgements", "reference", "partintro",
        "topic",
    ]

    /// Elements whose titles are headings (sections and the info blocks inside them).
    static let titled: Set<String> = sections.union([
        "info", "bookinfo", "articleinfo", "chapterinfo", "sectioninfo", "sect1info", "sect2info", "sect3info",
        "prefaceinfo", "appendixinfo", "partinfo",
    ])

    static let blocks: Set<String> = [
        "para", "simpara", "formalpara", "blockquote", "note", "warning", "tip", "caution", "important",
        "example", "informalexample", "figure", "informalfigure", "abstract", "epigraph", "sidebar", "address",
        "glossentry", "glossdef", "qandaset", "qandaentry", "question", "answer", "footnote",
        "equation", "informalequation", "mediaobject", "caption", "bridgehead", "msgset", "task",
        "attribution", "glossdiv", "refnamediv", "refsynopsisdiv", "cmdsynopsis", "funcsynopsis",
    ]

    static let preformatted: Set<String> = ["programlisting", "screen", "literallayout", "synopsis", "address"]

    static let dropped: Set<String> = [
        "indexterm", "remark", "comment", "author", "authorgroup", "editor", "othercredit", "copyright",
        "legalnotice", "pubdate", "date", "revhistory", "releaseinfo", "publisher", "publishername", "biblioid",
        "keywordset", "subjectset", "productname", "productnumber", "edition", "printhistory", "imageobject",
        "imagedata", "textobject", "alt", "titleabbrev", "org", "orgname", "affiliation", "personblurb",
        "authorinitials", "corpauthor", "isbn", "issn", "volumenum", "pagenums", "contrib", "bibliomisc",
        "anchor", "co", "colspec", "spanspec",
    ]

    static func layout(_ name: String, parent: xmlNodePtr?) -> XMLLayout {
        if dropped.contains(name) { return .drop }
        switch name {
        case "title", "subtitle":
            guard let parent, let parentName = parent.pointee.name else { return .block }
            let parentText = String(cString: parentName)
            if name == "title" && titled.contains(parentText) { return .heading }
            return .block
        case "itemizedlist", "simplelist", "segmentedlist", "calloutlist", "glosslist", "stepalternatives":
            return .list(ordered: false)
        case "orderedlist", "procedure", "substeps":
            return .list(ordered: true)
        case "listitem" where parent.flatMap({ $0.pointee.name }).map({ xmlStrEqual($0, "varlistentry") != 0 }) == true:
            // A variable list's definition follows its term as a paragraph, not as a bullet.
            return .block
        case "listitem", "step", "member", "callout", "seglistitem":
            return .listItem
        case "variablelist":
            return .block
        case "varlistentry":
            return .block
        case "term", "glossterm":
            return .line
        case "table", "informaltable", "tgroup", "entrytbl":
            return .table
        case "thead", "tbody", "tfoot":
            return .inline
        case "row", "tr":
            return .row
        case "entry", "td", "th":
            return .cell
        default:
            break
        }
        if sections.contains(name) { return .block }
        if preformatted.contains(name) { return .preformatted }
        if blocks.contains(name) { return .block }
        return .inline
    }
}
