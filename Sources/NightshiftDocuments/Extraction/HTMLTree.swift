import CLibXML2

/// A compact copy of the readable part of an HTML page: elements and text in document order, with the counts
/// that main-content detection needs.
///
/// Nodes are stored in preorder, so a node's subtree is the index range `index..<node.end` and its children are
/// found by hopping from `index + 1` over each child's `end`. Dropped elements (scripts, navigation, hidden
/// parts, …) never enter the tree.
struct HTMLTree {
    /// What a node's markup says about it.
    struct Flags: OptionSet {
        let rawValue: UInt16

        /// `class`/`id` name boilerplate (share, cookie, related, comments, …).
        static let boilerplate = Flags(rawValue: 1 << 0)
        /// `<main>` or `role="main"`.
        static let mainLandmark = Flags(rawValue: 1 << 1)
        /// `<article>`, `role="article"` or `itemprop="articleBody"`.
        static let articleLandmark = Flags(rawValue: 1 << 2)
        /// A `<header>` element (kept only for its headings unless it holds the content).
        static let header = Flags(rawValue: 1 << 3)
        /// A `<form>` element (kept only when it holds the content: some sites wrap whole pages in one).
        static let form = Flags(rawValue: 1 << 4)
        /// A block element that has block elements below it before any other block.
        static let hasBlockChild = Flags(rawValue: 1 << 5)
    }

    /// One element or text run.
    struct Node {
        var tag: HTMLTag
        var flags: Flags = []
        /// Readability's class weight from `class`/`id` (+25 content-like, -25 boilerplate-like).
        var classWeight: Int8 = 0
        var parent: Int32
        /// One past the last node of this node's subtree.
        var end: Int32 = 0
        /// Text nodes: the range of their bytes in `HTMLTree.text`.
        var textStart: Int32 = 0
        var textLength: Int32 = 0
        /// Visible characters (non-space scalars) in the subtree.
        var chars: Int32 = 0
        /// Visible characters inside links in the subtree.
        var linkChars: Int32 = 0
        /// Commas in the subtree (a sign of prose).
        var commas: Int32 = 0
        /// Characters of text whose nearest block ancestor is this node (its own inline text).
        var ownChars: Int32 = 0
        var ownLinkChars: Int32 = 0
        var ownCommas: Int32 = 0
        /// `<ol start>`, for numbering.
        var listStart: Int32 = 1
        #if HTML_TREE_SOURCE
            /// The libxml2 node, for tuning tools only (valid while the document lives).
            var source: xmlNodePtr?
        #endif
    }

    private(set) var nodes: [Node] = []
    /// The UTF-8 bytes of all text nodes.
    private(set) var text: [UInt8] = []
    /// The `<title>` text, whitespace collapsed.
    private(set) var title: String?
    /// The `lang` of the root element, when present.
    private(set) var language: String?

    /// The link density of a node's subtree: the share of its visible characters that sit inside links.
    func linkDensity(_ index: Int) -> Double {
        let node = nodes[index]
        guard node.chars > 0 else { return 0 }
        return Double(node.linkChars) / Double(node.chars)
    }

    /// The longest text an `h1`…`h6` may hold and still be read as a heading.
    static let maximumHeadingChars: Int32 = 300

    /// The level of a heading that reads as one: an `h1`…`h6` without blocks inside and with a short text.
    /// Broken markup (an unclosed `<h2>` swallowing the article) makes headings that are really containers.
    func headingLevel(_ index: Int) -> Int? {
        let node = nodes[index]
        guard let level = node.tag.headingLevel else { return nil }
        guard !node.flags.contains(.hasBlockChild), node.chars <= Self.maximumHeadingChars else { return nil }
        return level
    }

    /// The indices of a node's children.
    func children(of index: Int) -> HTMLChildIndices {
        HTMLChildIndices(nodes: nodes, start: index + 1, end: Int(nodes[index].end))
    }

    /// True when `ancestor`'s subtree holds `index`.
    func contains(_ ancestor: Int, _ index: Int) -> Bool {
        index >= ancestor && index < Int(nodes[ancestor].end)
    }

    /// The text bytes of a text node.
    func withText<R>(of index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let node = nodes[index]
        return text.withUnsafeBufferPointer { buffer in
            body(UnsafeBufferPointer(rebasing: buffer[Int(node.textStart)..<Int(node.textStart + node.textLength)]))
        }
    }
}

/// Child indices of a node in an `HTMLTree`, in document order.
struct HTMLChildIndices: Sequence, IteratorProtocol {
    let nodes: [HTMLTree.Node]
    var start: Int
    let end: Int

    mutating func next() -> Int? {
        guard start < end else { return nil }
        defer { start = Int(nodes[start].end) }
        return start
    }
}

extension HTMLTree {
    /// Copies the readable part of a libxml2 HTML (or XHTML) tree below `root`.
    init(root: xmlNodePtr) {
        var builder = HTMLTreeBuilder()
        builder.build(from: root)
        nodes = builder.nodes
        text = builder.text
        title = builder.title
        language = builder.language
    }
}

/// Walks a libxml2 tree once, iteratively, keeping what extraction reads and the counts it scores with.
private struct HTMLTreeBuilder {
    var nodes: [HTMLTree.Node] = []
    var text: [UInt8] = []
    var title: String?
    var language: String?
    /// Indices of the open block elements, innermost last.
    private var blocks: [Int32] = []
    private var linkDepth = 0
    private var attributeScratch: [UInt8] = []
    private var styleScratch: [UInt8] = []

    mutating func build(from root: xmlNodePtr) {
        nodes.reserveCapacity(4096)
        text.reserveCapacity(1 << 16)
        attributeScratch.reserveCapacity(256)
        if let lang = xmlGetProp(root, "lang") {
            language = String(cString: lang)
            nightshift_xmlFree(lang)
        }
        // Open elements: libxml2 node, tree index, whether it was a link.
        var stack: [(node: xmlNodePtr, index: Int32, isLink: Bool)] = []
        var current: xmlNodePtr? = root
        while let node = current {
            switch node.pointee.type {
            case XML_ELEMENT_NODE:
                if let entered = enter(node) {
                    if let child = node.pointee.children {
                        stack.append((node, entered.index, entered.isLink))
                        current = child
                        continue
                    }
                    close(entered.index, isLink: entered.isLink)
                }
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                addText(node)
            default:
                break
            }
            // Move to the next sibling, closing finished elements on the way up.
            var next = node == root ? nil : node.pointee.next
            while next == nil, let open = stack.popLast() {
                close(open.index, isLink: open.isLink)
                if open.node == root { break }
                next = open.node.pointee.next
            }
            current = next
        }
        while let open = stack.popLast() { close(open.index, isLink: open.isLink) }
        finishCounts()
    }

    /// Adds an element unless it is dropped; returns its index.
    private mutating func enter(_ node: xmlNodePtr) -> (index: Int32, isLink: Bool)? {
        guard let namePointer = node.pointee.name else { return nil }
        let tag = HTMLTag.lookup(namePointer)
        if tag == .title || tag == .head {
            if title == nil { title = tag == .title ? collapsedText(of: node) : findTitle(in: node) }
            return nil
        }
        if tag.isDropped || tag == .footer { return nil }
        var attributes = ElementAttributes()
        readAttributes(node, into: &attributes)
        if attributes.hidden { return nil }
        if let role = attributes.role, role.dropsElement { return nil }

        var flags: HTMLTree.Flags = []
        if attributes.hints.boilerplate { flags.insert(.boilerplate) }
        if tag == .main || attributes.role == .main { flags.insert(.mainLandmark) }
        if tag == .article || attributes.role == .article || attributes.articleBody {
            flags.insert(.articleLandmark)
        }
        if tag == .header { flags.insert(.header) }
        if tag == .form { flags.insert(.form) }
        let isLink = tag == .a && attributes.hasHref
        if isLink { linkDepth += 1 }

        let parent = currentParent()
        let index = Int32(nodes.count)
        var element = HTMLTree.Node(tag: tag, flags: flags, parent: parent)
        // itemprop="articleBody" is the page saying where its article is: as strong as a content class name.
        element.classWeight = Int8(attributes.hints.weight + (attributes.articleBody ? 25 : 0))
        element.listStart = attributes.listStart
        #if HTML_TREE_SOURCE
            element.source = node
        #endif
        nodes.append(element)
        if tag.isBlock {
            if let enclosing = blocks.last { nodes[Int(enclosing)].flags.insert(.hasBlockChild) }
            blocks.append(index)
        }
        openParents.append(index)
        return (index, isLink)
    }

    /// Parents are tracked apart from blocks: every open element is a parent.
    private var openParents: [Int32] = []

    private func currentParent() -> Int32 {
        openParents.last ?? -1
    }

    private mutating func close(_ index: Int32, isLink: Bool) {
        nodes[Int(index)].end = Int32(nodes.count)
        if isLink { linkDepth -= 1 }
        if openParents.last == index { openParents.removeLast() }
        if blocks.last == index { blocks.removeLast() }
    }

    private mutating func addText(_ node: xmlNodePtr) {
        guard let content = node.pointee.content else { return }
        let length = Int(xmlStrlen(content))
        guard length > 0 else { return }
        let buffer = UnsafeBufferPointer(start: content, count: length)
        var chars: Int32 = 0
        var commas: Int32 = 0
        var position = 0
        while position < length {
            let byte = buffer[position]
            if byte > 32 && byte & 0xC0 != 0x80 {
                chars += 1
                if byte == 44 {
                    commas += 1
                } else if byte == 0xE3 || byte == 0xEF, position + 2 < length {
                    // The ideographic comma "、" and the fullwidth comma "，" count as commas for CJK prose.
                    let second = buffer[position + 1]
                    let third = buffer[position + 2]
                    if (byte == 0xE3 && second == 0x80 && third == 0x81)
                        || (byte == 0xEF && second == 0xBC && third == 0x8C)
                    {
                        commas += 1
                    }
                }
            }
            position += 1
        }
        var textNode = HTMLTree.Node(tag: .text, parent: currentParent())
        textNode.end = Int32(nodes.count + 1)
        // Whitespace-only runs are kept as they are: they separate inline words, and inside <pre> they are
        // the layout.
        textNode.textStart = Int32(text.count)
        textNode.textLength = Int32(length)
        textNode.chars = chars
        textNode.commas = commas
        if linkDepth > 0 {
            textNode.linkChars = chars
        }
        text.append(contentsOf: buffer)
        nodes.append(textNode)
        if let block = blocks.last {
            nodes[Int(block)].ownChars += chars
            nodes[Int(block)].ownCommas += commas
            if linkDepth > 0 { nodes[Int(block)].ownLinkChars += chars }
        }
    }

    /// Sums each node's counts into its ancestors (children come after parents in preorder).
    private mutating func finishCounts() {
        var index = nodes.count - 1
        while index > 0 {
            let node = nodes[index]
            let parent = Int(node.parent)
            if parent >= 0 {
                nodes[parent].chars += node.chars
                nodes[parent].linkChars += node.linkChars
                nodes[parent].commas += node.commas
            }
            index -= 1
        }
    }

    /// The `<title>` among the children of `<head>`.
    private func findTitle(in head: xmlNodePtr) -> String? {
        var child = head.pointee.children
        while let node = child {
            if node.pointee.type == XML_ELEMENT_NODE, let name = node.pointee.name, equals(name, "title") {
                return collapsedText(of: node)
            }
            child = node.pointee.next
        }
        return nil
    }

    /// The collapsed text below a node (for `<title>`).
    private func collapsedText(of node: xmlNodePtr) -> String? {
        guard let content = xmlNodeGetContent(node) else { return nil }
        defer { nightshift_xmlFree(content) }
        var writer = HTMLTextWriter()
        writer.appendText(UnsafeBufferPointer(start: content, count: Int(xmlStrlen(content))))
        let value = writer.makeString()
        return value.isEmpty ? nil : value
    }

    // MARK: Attributes

    /// Landmark roles that matter for extraction.
    enum Role {
        case main, article, navigation, banner, contentinfo, complementary, search, menu, dialog, alert

        /// Roles whose elements are chrome rather than content.
        var dropsElement: Bool {
            switch self {
            case .navigation, .banner, .contentinfo, .complementary, .search, .menu, .dialog, .alert: return true
            case .main, .article: return false
            }
        }
    }

    struct ElementAttributes {
        var hints = HTMLClassHints()
        var hidden = false
        var role: Role?
        var articleBody = false
        var hasHref = false
        var listStart: Int32 = 1
    }

    private mutating func readAttributes(_ node: xmlNodePtr, into attributes: inout ElementAttributes) {
        attributeScratch.removeAll(keepingCapacity: true)
        var property = node.pointee.properties
        while let attribute = property {
            property = attribute.pointee.next
            guard let name = attribute.pointee.name else { continue }
            let value = nightshift_xml_attr_simple_value(attribute)
            switch name[0] {
            case UInt8(ascii: "c") where equals(name, "class"):
                appendValue(value, to: &attributeScratch)
            case UInt8(ascii: "i") where equals(name, "id"):
                appendValue(value, to: &attributeScratch)
            case UInt8(ascii: "i") where equals(name, "itemprop"):
                if let value, matchesLowercase(value, "articlebody") { attributes.articleBody = true }
            case UInt8(ascii: "h") where equals(name, "hidden"):
                attributes.hidden = true
            case UInt8(ascii: "h") where equals(name, "href"):
                attributes.hasHref = true
            case UInt8(ascii: "a") where equals(name, "aria-hidden"):
                if let value, matchesLowercase(value, "true") { attributes.hidden = true }
            case UInt8(ascii: "s") where equals(name, "style"):
                if let value, styleHides(value) { attributes.hidden = true }
            case UInt8(ascii: "s") where equals(name, "start"):
                if let value, let start = Int32(String(cString: value).trimmingSpaces) { attributes.listStart = start }
            case UInt8(ascii: "r") where equals(name, "role"):
                if let value { attributes.role = Self.role(value) }
            default:
                break
            }
        }
        if !attributeScratch.isEmpty {
            attributes.hints = attributeScratch.withUnsafeBufferPointer { HTMLClassHints(classAndID: $0) }
            if attributes.hints.hidden { attributes.hidden = true }
        }
    }

    private func appendValue(_ value: UnsafePointer<UInt8>?, to scratch: inout [UInt8]) {
        guard let value else { return }
        if !scratch.isEmpty { scratch.append(32) }
        var index = 0
        while value[index] != 0 {
            scratch.append(value[index])
            index += 1
        }
    }

    /// `display:none` or `visibility:hidden` in an inline style.
    private mutating func styleHides(_ value: UnsafePointer<UInt8>) -> Bool {
        styleScratch.removeAll(keepingCapacity: true)
        var index = 0
        while value[index] != 0 {
            let byte = value[index]
            if byte != 32 && byte != 9 && byte != 10 && byte != 13 {
                styleScratch.append(byte >= 65 && byte <= 90 ? byte + 32 : byte)
            }
            index += 1
        }
        return styleScratch.containsSequence("display:none") || styleScratch.containsSequence("visibility:hidden")
    }

    private static func role(_ value: UnsafePointer<UInt8>) -> Role? {
        let role = String(cString: value).lowercased().trimmingSpaces
        switch role {
        case "main": return .main
        case "article": return .article
        case "navigation": return .navigation
        case "banner": return .banner
        case "contentinfo": return .contentinfo
        case "complementary": return .complementary
        case "search": return .search
        case "menu", "menubar": return .menu
        case "dialog", "alertdialog": return .dialog
        case "alert": return .alert
        default: return nil
        }
    }
}

/// Compares a NUL-terminated name with a literal.
private func equals(_ name: UnsafePointer<UInt8>, _ literal: StaticString) -> Bool {
    let bytes = literal.utf8Start
    let count = literal.utf8CodeUnitCount
    for index in 0..<count where name[index] != bytes[index] { return false }
    return name[count] == 0
}

/// Compares a NUL-terminated value, ignoring ASCII case and surrounding spaces, with a lowercase literal.
private func matchesLowercase(_ value: UnsafePointer<UInt8>, _ literal: StaticString) -> Bool {
    var start = 0
    while value[start] == 32 { start += 1 }
    let bytes = literal.utf8Start
    let count = literal.utf8CodeUnitCount
    for index in 0..<count {
        var byte = value[start + index]
        if byte >= 65 && byte <= 90 { byte += 32 }
        if byte != bytes[index] { return false }
    }
    var end = start + count
    while value[end] == 32 { end += 1 }
    return value[end] == 0
}

extension Array where Element == UInt8 {
    /// True when the bytes contain a literal's bytes.
    fileprivate func containsSequence(_ literal: StaticString) -> Bool {
        let needle = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        guard needle.count <= count, let first = needle.first else { return false }
        var index = 0
        while index + needle.count <= count {
            if self[index] == first {
                var matches = true
                for offset in 1..<needle.count where self[index + offset] != needle[offset] {
                    matches = false
                    break
                }
                if matches { return true }
            }
            index += 1
        }
        return false
    }
}

extension String {
    /// The string without leading and trailing ASCII spaces.
    fileprivate var trimmingSpaces: String {
        var view = Substring(self)
        while view.first == " " { view.removeFirst() }
        while view.last == " " { view.removeLast() }
        return String(view)
    }
}
