import CLibXML2

/// A node of a libxml2 tree: an element, a run of text, a comment, …
///
/// Holds its `XMLDocumentHandle`, so the tree stays alive while the node is in use. Two values are equal when they
/// name the same node.
public struct XMLNode: Equatable {
    /// What a node is, reduced to the kinds text extraction cares about.
    public enum Kind: Sendable, Hashable {
        case element
        case text
        /// CDATA sections (merged into text by `XMLDocumentHandle.parseXML`).
        case cdata
        case comment
        case processingInstruction
        /// A reference to a user-defined entity that the parser did not substitute.
        case entityReference
        /// Anything else (document, DTD, attribute, XInclude markers).
        case other
    }

    /// The document that owns this node; kept alive by the node.
    public let document: XMLDocumentHandle
    /// The libxml2 node; valid while `document` lives.
    let pointer: xmlNodePtr

    init(_ pointer: xmlNodePtr, in document: XMLDocumentHandle) {
        self.pointer = pointer
        self.document = document
    }

    /// True when both values name the same node of the same tree.
    public static func == (lhs: XMLNode, rhs: XMLNode) -> Bool {
        lhs.pointer == rhs.pointer
    }

    /// What the node is.
    public var kind: Kind {
        switch pointer.pointee.type {
        case XML_ELEMENT_NODE: return .element
        case XML_TEXT_NODE: return .text
        case XML_CDATA_SECTION_NODE: return .cdata
        case XML_COMMENT_NODE: return .comment
        case XML_PI_NODE: return .processingInstruction
        case XML_ENTITY_REF_NODE: return .entityReference
        default: return .other
        }
    }

    /// True for elements.
    public var isElement: Bool { pointer.pointee.type == XML_ELEMENT_NODE }

    /// The local name (`para`, `p`), without a namespace prefix; "" for nodes without a name.
    public var name: String {
        guard let name = pointer.pointee.name else { return "" }
        return String(cString: name)
    }

    /// The namespace URI of an element (`http://www.w3.org/1999/xhtml`), or nil when it has none.
    public var namespaceURI: String? {
        guard let ns = pointer.pointee.ns, let href = ns.pointee.href else { return nil }
        return String(cString: href)
    }

    /// The line the node starts on in the source (1-based), or nil when libxml2 did not record it.
    public var line: Int? {
        let line = Int(xmlGetLineNo(pointer))
        return line > 0 ? line : nil
    }

    /// The text of a text, CDATA, comment or processing-instruction node; nil for elements.
    public var content: String? {
        guard pointer.pointee.type != XML_ELEMENT_NODE, let content = pointer.pointee.content else { return nil }
        return String(cString: content)
    }

    /// All text below this node, concatenated as stored (no whitespace handling, entity references included).
    public var textContent: String {
        guard let content = xmlNodeGetContent(pointer) else { return "" }
        defer { nightshift_xmlFree(content) }
        return String(cString: content)
    }

    /// The parent node, or nil at the root element.
    public var parent: XMLNode? {
        guard let parent = pointer.pointee.parent, parent.pointee.type == XML_ELEMENT_NODE else { return nil }
        return XMLNode(parent, in: document)
    }

    /// The first child node, of any kind.
    public var firstChild: XMLNode? {
        pointer.pointee.children.map { XMLNode($0, in: document) }
    }

    /// The next sibling node, of any kind.
    public var nextSibling: XMLNode? {
        pointer.pointee.next.map { XMLNode($0, in: document) }
    }

    /// The child nodes in document order, of any kind.
    public var children: XMLNodeSequence {
        XMLNodeSequence(start: firstChild, elementsOnly: false)
    }

    /// The child elements in document order.
    public var childElements: XMLNodeSequence {
        XMLNodeSequence(start: firstChild, elementsOnly: true)
    }

    /// The value of an attribute by local name (and namespace URI, when one is given), entities decoded.
    public func attribute(_ name: String, namespaceURI: String? = nil) -> String? {
        guard pointer.pointee.type == XML_ELEMENT_NODE else { return nil }
        let value: UnsafeMutablePointer<xmlChar>?
        if let namespaceURI {
            value = xmlGetNsProp(pointer, name, namespaceURI)
        } else {
            value = xmlGetNoNsProp(pointer, name) ?? xmlGetProp(pointer, name)
        }
        guard let value else { return nil }
        defer { nightshift_xmlFree(value) }
        return String(cString: value)
    }

    /// The element's attributes in source order.
    public var attributes: [XMLAttribute] {
        guard pointer.pointee.type == XML_ELEMENT_NODE else { return [] }
        var result: [XMLAttribute] = []
        var attribute = pointer.pointee.properties
        while let current = attribute {
            let name = current.pointee.name.map { String(cString: $0) } ?? ""
            let namespaceURI = current.pointee.ns.flatMap { $0.pointee.href }.map { String(cString: $0) }
            var value = ""
            if let simple = nightshift_xml_attr_simple_value(current) {
                value = String(cString: simple)
            } else if let list = xmlNodeListGetString(pointer.pointee.doc, current.pointee.children, 1) {
                value = String(cString: list)
                nightshift_xmlFree(list)
            }
            result.append(XMLAttribute(name: name, namespaceURI: namespaceURI, value: value))
            attribute = current.pointee.next
        }
        return result
    }
}

/// One attribute of an element.
public struct XMLAttribute: Sendable, Hashable {
    /// The local name, without a prefix.
    public var name: String
    /// The namespace URI, when the attribute has one (`xml:lang`, `xlink:href`).
    public var namespaceURI: String?
    /// The value with entities and character references decoded.
    public var value: String

    /// Makes an attribute value.
    public init(name: String, namespaceURI: String? = nil, value: String) {
        self.name = name
        self.namespaceURI = namespaceURI
        self.value = value
    }
}

/// The children of a node in document order, optionally elements only.
public struct XMLNodeSequence: Sequence {
    private let start: XMLNode?
    private let elementsOnly: Bool

    init(start: XMLNode?, elementsOnly: Bool) {
        self.start = start
        self.elementsOnly = elementsOnly
    }

    /// Makes an iterator from the first child on.
    public func makeIterator() -> Iterator {
        Iterator(upcoming: start, elementsOnly: elementsOnly)
    }

    /// The first node of the sequence (the first element for `childElements`).
    public var first: XMLNode? {
        var iterator = makeIterator()
        return iterator.next()
    }

    /// Walks sibling links; reading a sibling is a pointer load.
    public struct Iterator: IteratorProtocol {
        var upcoming: XMLNode?
        let elementsOnly: Bool

        /// The next node, or nil after the last sibling.
        public mutating func next() -> XMLNode? {
            while let node = upcoming {
                upcoming = node.nextSibling
                if !elementsOnly || node.isElement { return node }
            }
            return nil
        }
    }
}

extension XMLNode {
    /// Visits this node and every node below it in document order (depth first), without recursion.
    ///
    /// `body` returns whether to descend into the node's children. Entity references are not followed: their
    /// expansion is the caller's choice (it is where entity-expansion attacks live).
    public func walk(_ body: (XMLNode) throws -> Bool) rethrows {
        let root = pointer
        var current: xmlNodePtr? = root
        while let node = current {
            let descend = try body(XMLNode(node, in: document))
            if descend, node.pointee.type != XML_ENTITY_REF_NODE, let child = node.pointee.children {
                current = child
                continue
            }
            var climb: xmlNodePtr? = node
            current = nil
            while let up = climb, up != root {
                if let next = up.pointee.next {
                    current = next
                    break
                }
                climb = up.pointee.parent
            }
        }
    }
}
