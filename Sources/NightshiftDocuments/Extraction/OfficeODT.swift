import Foundation
import NightshiftCore

/// Walks the XML of an ODT (`styles.xml` for named styles, then `content.xml`): headings (`text:h` with their
/// outline level, and paragraphs styled Title), paragraphs, lists with their markers, tables row by row, spaces,
/// tabs and line breaks; notes, annotations, tracked deletions and generated indexes are left out.
final class ODTHandler: OfficeXMLHandler {
    private struct Paragraph {
        var text: [UInt8] = []
        var headingLevel: Int?
        var styleName: String?
        /// The list marker, for the first paragraph of a list item.
        var prefix: String?
        var inList = false
    }

    private struct Table {
        var rows: [String] = []
        var row: [String]?
        var cell: [String]?
        var repeatCell = 1
    }

    private struct List {
        var styleName: String?
        var counter = 0
        var itemHasParagraph = false
    }

    private(set) var builder = OfficeTextBuilder()
    /// The first paragraph styled as Title, for documents whose meta.xml has no title.
    private(set) var styledTitle: String?

    /// Paragraph style → its parent style (to find Title and Heading styles behind automatic styles).
    private var parentStyles: [String: String] = [:]
    /// List style → level (1-based) → number format.
    private var listStyles: [String: [Int: OfficeListFormat]] = [:]
    private var currentListStyle: String?
    private var inBody = false
    private var paragraphs: [Paragraph] = []
    private var tables: [Table] = []
    private var lists: [List] = []
    private var skipDepth = 0

    private static let skipped: Set<String> = [
        "note", "annotation", "annotation-end", "tracked-changes", "table-of-content", "alphabetical-index",
        "illustration-index", "table-index", "object-index", "user-index", "bibliography", "sequence-decls",
        "variable-decls", "user-field-decls", "forms", "event-listeners", "notes",
    ]

    func startElement(_ name: OfficeXMLName, attributes: [OfficeXMLAttribute]) {
        if skipDepth > 0 {
            skipDepth += 1
            return
        }
        // Styles and list styles come before the body (in styles.xml and the automatic styles of content.xml).
        switch name.local {
        case "style":
            if let styleName = attributes.value("name"), let parent = attributes.value("parent-style-name") {
                parentStyles[styleName] = parent
            }
            return
        case "list-style":
            currentListStyle = attributes.value("name")
            return
        case "list-level-style-number", "list-level-style-bullet", "list-level-style-none":
            if let style = currentListStyle, let level = attributes.value("level").flatMap({ Int($0) }) {
                listStyles[style, default: [:]][level] = Self.format(name.local, attributes.value("num-format"))
            }
            return
        case "text" where name.namespace?.hasSuffix(":office:1.0") == true:
            inBody = true
            return
        default:
            break
        }
        guard inBody else { return }
        let isSVGText = (name.local == "title" || name.local == "desc") && isSVG(name)
        if Self.skipped.contains(name.local) || isSVGText {
            skipDepth = 1
            return
        }
        switch name.local {
        case "h":
            let level = attributes.value("outline-level").flatMap { Int($0) } ?? 1
            startParagraph(headingLevel: level, styleName: attributes.value("style-name"))
        case "p":
            startParagraph(headingLevel: nil, styleName: attributes.value("style-name"))
        case "s":
            let count = attributes.value("c").flatMap { Int($0) } ?? 1
            appendText(Array(repeating: 0x20, count: min(max(count, 1), 1000)))
        case "tab":
            appendText([0x09])
        case "line-break":
            appendText([0x0A])
        case "list":
            let style = attributes.value("style-name") ?? lists.last?.styleName
            lists.append(List(styleName: style))
        case "list-item", "list-header":
            lists.modifyLast {
                $0.itemHasParagraph = name.local == "list-header"
                if name.local == "list-item" { $0.counter += 1 }
            }
        case "table" where name.namespace?.hasSuffix(":table:1.0") == true:
            tables.append(Table())
        case "table-row":
            tables.modifyLast { $0.row = [] }
        case "table-cell":
            let repeated = attributes.value("number-columns-repeated").flatMap { Int($0) } ?? 1
            tables.modifyLast {
                $0.cell = []
                $0.repeatCell = min(max(repeated, 1), 64)
            }
        case "covered-table-cell":
            skipDepth = 1
        default:
            break
        }
    }

    func endElement(_ name: OfficeXMLName) {
        if skipDepth > 0 {
            skipDepth -= 1
            return
        }
        switch name.local {
        case "list-style":
            currentListStyle = nil
        case "text" where name.namespace?.hasSuffix(":office:1.0") == true:
            inBody = false
        case "h", "p":
            guard inBody, let paragraph = paragraphs.popLast() else { return }
            finish(paragraph)
        case "list" where inBody:
            _ = lists.popLast()
        case "table-cell" where inBody:
            tables.modifyLast { table in
                let text = (table.cell ?? []).joined(separator: " ")
                // Repeated empty cells pad rows to the sheet's width: keep repeats of real content only.
                let copies = text.isEmpty ? 1 : table.repeatCell
                table.row?.append(contentsOf: repeatElement(text, count: copies))
                table.cell = nil
            }
        case "table-row" where inBody:
            tables.modifyLast { table in
                if var row = table.row {
                    while row.last?.isEmpty == true { row.removeLast() }
                    if !row.isEmpty {
                        table.rows.append(row.map { OfficeTextBuilder.singleLine($0) }.joined(separator: " | "))
                    }
                }
                table.row = nil
            }
        case "table" where inBody && name.namespace?.hasSuffix(":table:1.0") == true:
            guard let table = tables.popLast() else { return }
            if tables.last?.cell != nil {
                tables.modifyLast { $0.cell?.append(table.rows.joined(separator: "; ")) }
            } else {
                builder.append(table.rows.joined(separator: "\n"), as: .table)
            }
        default:
            break
        }
    }

    func characters(_ text: UnsafeBufferPointer<UInt8>) {
        guard skipDepth == 0, inBody, !paragraphs.isEmpty else { return }
        // ODF collapses white space in text content (the markup's own spaces are written as text:s).
        var collapsed: [UInt8] = []
        collapsed.reserveCapacity(text.count)
        var previousSpace = paragraphs[paragraphs.count - 1].text.last == 0x20
        for byte in text {
            let isSpace = byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
            if isSpace {
                if !previousSpace { collapsed.append(0x20) }
                previousSpace = true
            } else {
                collapsed.append(byte)
                previousSpace = false
            }
        }
        appendText(collapsed)
    }

    private func isSVG(_ name: OfficeXMLName) -> Bool {
        name.namespace?.contains("svg") == true
    }

    private func appendText(_ bytes: [UInt8]) {
        guard !paragraphs.isEmpty else { return }
        paragraphs[paragraphs.count - 1].text.append(contentsOf: bytes)
    }

    private func startParagraph(headingLevel: Int?, styleName: String?) {
        var paragraph = Paragraph(headingLevel: headingLevel, styleName: styleName)
        if let list = lists.last {
            paragraph.inList = true
            if !list.itemHasParagraph {
                let level = lists.count
                let format = list.styleName.flatMap { listStyles[$0]?[level] } ?? .bullet
                paragraph.prefix = format.prefix(number: list.counter, level: level - 1)
                lists.modifyLast { $0.itemHasParagraph = true }
            } else {
                paragraph.prefix = String(repeating: "  ", count: lists.count)
            }
        }
        paragraphs.append(paragraph)
    }

    private func finish(_ paragraph: Paragraph) {
        let text = String(decoding: paragraph.text, as: UTF8.self)
        if tables.last?.cell != nil {
            tables.modifyLast { $0.cell?.append(OfficeTextBuilder.trim(text)) }
            return
        }
        let styled = paragraph.styleName.map(styleKind) ?? nil
        if styled == .title, styledTitle == nil {
            let title = OfficeTextBuilder.singleLine(text)
            if !title.isEmpty { styledTitle = title }
        }
        let level: Int?
        switch styled {
        case .title: level = 1
        case .heading(let styleLevel): level = paragraph.headingLevel ?? styleLevel
        case nil: level = paragraph.headingLevel
        }
        if let level {
            builder.append(text, headingLevel: level)
        } else if paragraph.inList, let prefix = paragraph.prefix {
            builder.append(text, as: .listItem, prefix: prefix)
        } else {
            builder.append(text)
        }
    }

    private enum StyleKind: Equatable {
        case title
        case heading(Int)
    }

    /// Whether a paragraph style is (or derives from) Title or Heading N.
    private func styleKind(_ styleName: String) -> StyleKind? {
        var name: String? = styleName
        var hops = 0
        while let current = name, hops < 12 {
            hops += 1
            let readable = current.replacingOccurrences(of: "_20_", with: " ").lowercased()
            if readable == "title" { return .title }
            if readable.hasPrefix("heading "), let level = Int(readable.dropFirst("heading ".count)) {
                return .heading(min(max(level, 1), 6))
            }
            name = parentStyles[current]
        }
        return nil
    }

    private static func format(_ element: String, _ numFormat: String?) -> OfficeListFormat {
        switch element {
        case "list-level-style-bullet": return .bullet
        case "list-level-style-none": return .none
        default: break
        }
        switch numFormat {
        case "a": return .lowerLetter
        case "A": return .upperLetter
        case "i": return .lowerRoman
        case "I": return .upperRoman
        case "", nil: return .none
        default: return .decimal
        }
    }
}

extension Array {
    /// Changes the last element in place, if there is one.
    fileprivate mutating func modifyLast(_ change: (inout Element) -> Void) {
        guard !isEmpty else { return }
        change(&self[count - 1])
    }
}

extension OfficeExtractor {
    /// Extracts an ODT: `text:h` headings with their outline level (and Title paragraphs) as heading marks,
    /// paragraphs, lists with markers, tables row by row; the title from `meta.xml` (or the first Title paragraph).
    ///
    /// - Throws: `DocumentSkip` (`corrupt`) when the package or `content.xml` cannot be read; `limit` when a part
    ///   breaks the archive limits.
    public static func extractODT(
        data: [UInt8], name: String = "document.odt", limits: ArchiveLimits = .default
    ) throws -> ExtractedText {
        let package = try OfficePackage(data: data, name: name, limits: limits) { path in
            path == "content.xml" || path == "styles.xml" || path == "meta.xml"
        }
        var warnings = package.warnings
        guard let content = package.parts["content.xml"] else {
            throw package.missing("content.xml", in: "ODT \(name)")
        }
        let handler = ODTHandler()
        if let styles = package.parts["styles.xml"] {
            if let error = OfficeXMLParser.parse(styles, name: "styles.xml", handler: handler) {
                warnings.append("styles.xml: \(error)")
            }
        }
        if let error = OfficeXMLParser.parse(content, name: "content.xml", handler: handler) {
            if handler.builder.text.isEmpty {
                throw DocumentSkip(.corrupt, "ODT \(name): content.xml is not readable XML (\(error))")
            }
            warnings.append("content.xml: \(error)")
        }
        let meta = OfficeMetadataHandler(names: [
            "title", "creator", "initial-creator", "language", "subject", "keyword", "date",
        ])
        if let bytes = package.parts["meta.xml"] {
            OfficeXMLParser.parse(bytes, name: "meta.xml", handler: meta)
        }
        let builder = handler.builder
        return ExtractedText(
            text: builder.text, title: meta.values["title"] ?? handler.styledTitle,
            mediaType: DocumentFormat.odt.mediaType, headings: builder.headings,
            metadata: meta.metadata([
                ("initial-creator", "author"), ("creator", "author"), ("language", "language"), ("subject", "subject"),
                ("keyword", "keywords"), ("date", "modified"),
            ]), warnings: warnings)
    }
}
