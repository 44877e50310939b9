import Foundation
import NightshiftCore

/// Reads `word/styles.xml`: which paragraph styles are headings (by name, outline level or inheritance), which
/// are tables of contents, and which carry list numbering.
final class DOCXStylesHandler: OfficeXMLHandler {
    struct Style {
        var name: String?
        var basedOn: String?
        var outlineLevel: Int?
        var numberingID: String?
        var numberingLevel: Int?
    }

    private(set) var styles: [String: Style] = [:]
    private var currentID: String?
    private var current = Style()

    func startElement(_ name: OfficeXMLName, attributes: [OfficeXMLAttribute]) {
        switch name.local {
        case "style":
            currentID = attributes.value("type") == "paragraph" ? attributes.value("styleId") : nil
            current = Style()
        case "name" where currentID != nil: current.name = attributes.value("val")
        case "basedOn" where currentID != nil: current.basedOn = attributes.value("val")
        case "outlineLvl" where currentID != nil: current.outlineLevel = attributes.value("val").flatMap { Int($0) }
        case "numId" where currentID != nil: current.numberingID = attributes.value("val")
        case "ilvl" where currentID != nil: current.numberingLevel = attributes.value("val").flatMap { Int($0) }
        default: break
        }
    }

    func endElement(_ name: OfficeXMLName) {
        if name.local == "style", let id = currentID {
            styles[id] = current
            currentID = nil
        }
    }

    func characters(_ text: UnsafeBufferPointer<UInt8>) {}

    /// The heading level (1–6) of a paragraph style, following `basedOn`; nil for body text.
    func headingLevel(of styleID: String) -> Int? {
        var id: String? = styleID
        var hops = 0
        while let key = id, hops < 12 {
            hops += 1
            guard let style = styles[key] else {
                return hops == 1 ? Self.levelFromID(key) : nil
            }
            if let level = Self.levelFromName(style.name) { return level }
            if let outline = style.outlineLevel { return outline < 9 ? min(outline + 1, 6) : nil }
            id = style.basedOn
        }
        return nil
    }

    /// Whether the style is a table-of-contents entry or its heading (text that repeats the headings).
    func isTableOfContents(_ styleID: String) -> Bool {
        let name = (styles[styleID]?.name ?? styleID).lowercased()
        if name.hasPrefix("toc ") || name == "toc heading" { return true }
        return name.hasPrefix("toc") && name.count > 3 && name.dropFirst(3).allSatisfy(\.isNumber)
    }

    /// Whether the style is the document title style.
    func isTitle(_ styleID: String) -> Bool {
        styleID == "Title" || styles[styleID]?.name?.lowercased() == "title"
    }

    /// The numbering a paragraph style carries, following `basedOn`.
    func numbering(of styleID: String) -> (id: String, level: Int)? {
        var id: String? = styleID
        var hops = 0
        while let key = id, let style = styles[key], hops < 12 {
            hops += 1
            if let numbering = style.numberingID { return (numbering, style.numberingLevel ?? 0) }
            id = style.basedOn
        }
        return nil
    }

    private static func levelFromName(_ name: String?) -> Int? {
        guard let name = name?.lowercased() else { return nil }
        if name == "title" { return 1 }
        if name.hasPrefix("heading "), let level = Int(name.dropFirst("heading ".count)) {
            return min(max(level, 1), 6)
        }
        return nil
    }

    /// Without styles.xml, Word's built-in IDs still say it: `Title`, `Heading1` … `Heading9`.
    private static func levelFromID(_ id: String) -> Int? {
        if id == "Title" { return 1 }
        if id.hasPrefix("Heading"), let level = Int(id.dropFirst("Heading".count)) { return min(max(level, 1), 6) }
        return nil
    }
}

/// Reads `word/numbering.xml`: for each list (`numId`) and level, its number format and start.
final class DOCXNumberingHandler: OfficeXMLHandler {
    struct Level {
        var format: OfficeListFormat = .decimal
        var start = 1
    }

    private var abstracts: [String: [Int: Level]] = [:]
    private var numToAbstract: [String: String] = [:]
    private var currentAbstract: String?
    private var currentLevel: Int?
    private var currentNum: String?

    func startElement(_ name: OfficeXMLName, attributes: [OfficeXMLAttribute]) {
        switch name.local {
        case "abstractNum":
            currentAbstract = attributes.value("abstractNumId")
        case "lvl" where currentAbstract != nil:
            currentLevel = attributes.value("ilvl").flatMap { Int($0) }
            if let abstract = currentAbstract, let level = currentLevel {
                abstracts[abstract, default: [:]][level] = Level()
            }
        case "numFmt":
            if let abstract = currentAbstract, let level = currentLevel {
                abstracts[abstract]?[level]?.format = Self.format(attributes.value("val"))
            }
        case "start":
            if let abstract = currentAbstract, let level = currentLevel,
                let start = attributes.value("val").flatMap({ Int($0) })
            {
                abstracts[abstract]?[level]?.start = start
            }
        case "num":
            currentNum = attributes.value("numId")
        case "abstractNumId":
            if let num = currentNum, let abstract = attributes.value("val") { numToAbstract[num] = abstract }
        default: break
        }
    }

    func endElement(_ name: OfficeXMLName) {
        switch name.local {
        case "abstractNum": currentAbstract = nil
        case "lvl": currentLevel = nil
        case "num": currentNum = nil
        default: break
        }
    }

    func characters(_ text: UnsafeBufferPointer<UInt8>) {}

    /// The format of a list level; a bullet when numbering.xml is missing (Word's most common list).
    func level(numberingID: String, level: Int) -> Level {
        guard let abstract = numToAbstract[numberingID], let levels = abstracts[abstract] else {
            return Level(format: .bullet, start: 1)
        }
        return levels[level] ?? Level(format: .bullet, start: 1)
    }

    private static func format(_ value: String?) -> OfficeListFormat {
        switch value {
        case "bullet": return .bullet
        case "none": return .none
        case "lowerLetter": return .lowerLetter
        case "upperLetter": return .upperLetter
        case "lowerRoman": return .lowerRoman
        case "upperRoman": return .upperRoman
        default: return .decimal
        }
    }
}

/// Walks `word/document.xml`: paragraphs with their style, numbering and runs (text, tabs, breaks), tables row by
/// row, and nested paragraphs of text boxes; deleted, moved-from and fallback content is left out.
final class DOCXDocumentHandler: OfficeXMLHandler {
    private struct Paragraph {
        var text: [UInt8] = []
        var styleID: String?
        var outlineLevel: Int?
        var numberingID: String?
        var numberingLevel: Int?
    }

    private struct Table {
        var rows: [String] = []
        var row: [String]?
        var cell: [String]?
    }

    private(set) var builder = OfficeTextBuilder()
    /// The first paragraph styled as a title, for documents whose core properties have none.
    private(set) var styledTitle: String?
    private let styles: DOCXStylesHandler
    private let numbering: DOCXNumberingHandler
    private var paragraphs: [Paragraph] = []
    private var tables: [Table] = []
    private var counters: [String: [Int: Int]] = [:]
    private var skipDepth = 0
    private var propertiesDepth = 0
    private var runDepth = 0
    private var inText = false

    init(styles: DOCXStylesHandler, numbering: DOCXNumberingHandler) {
        self.styles = styles
        self.numbering = numbering
    }

    /// Elements whose content is not the document's current text.
    private static let skipped: Set<String> = [
        "Fallback", "del", "moveFrom", "pPrChange", "rPrChange", "sectPrChange", "tblPrChange", "trPrChange",
        "tcPrChange", "instrText", "delText", "delInstrText", "footnoteReference", "endnoteReference",
        "commentReference", "sdtPr",
    ]

    func startElement(_ name: OfficeXMLName, attributes: [OfficeXMLAttribute]) {
        if skipDepth > 0 || Self.skipped.contains(name.local) {
            skipDepth += 1
            return
        }
        switch name.local {
        case "p" where Self.isWordOrMath(name):
            paragraphs.append(Paragraph())
        case "pPr":
            propertiesDepth += 1
        case "pStyle" where propertiesDepth > 0:
            paragraphs.modifyLast { $0.styleID = attributes.value("val") }
        case "outlineLvl" where propertiesDepth > 0:
            paragraphs.modifyLast { $0.outlineLevel = attributes.value("val").flatMap { Int($0) } }
        case "numId" where propertiesDepth > 0:
            paragraphs.modifyLast { $0.numberingID = attributes.value("val") }
        case "ilvl" where propertiesDepth > 0:
            paragraphs.modifyLast { $0.numberingLevel = attributes.value("val").flatMap { Int($0) } }
        case "r":
            runDepth += 1
        case "t" where Self.isWordOrMath(name):
            inText = true
        case "tab" where runDepth > 0 && propertiesDepth == 0:
            paragraphs.modifyLast { $0.text.append(0x09) }
        case "br", "cr":
            if runDepth > 0 { paragraphs.modifyLast { $0.text.append(0x0A) } }
        case "noBreakHyphen":
            paragraphs.modifyLast { $0.text.append(UInt8(ascii: "-")) }
        case "tbl":
            tables.append(Table())
        case "tr":
            tables.modifyLast { $0.row = [] }
        case "tc":
            tables.modifyLast { $0.cell = [] }
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
        case "p" where Self.isWordOrMath(name):
            if let paragraph = paragraphs.popLast() { finish(paragraph) }
        case "pPr":
            propertiesDepth = max(0, propertiesDepth - 1)
        case "r":
            runDepth = max(0, runDepth - 1)
        case "t":
            inText = false
        case "tc":
            tables.modifyLast { table in
                let cell = (table.cell ?? []).joined(separator: " ")
                table.row?.append(cell)
                table.cell = nil
            }
        case "tr":
            tables.modifyLast { table in
                if let row = table.row, row.contains(where: { !$0.isEmpty }) {
                    table.rows.append(row.map { OfficeTextBuilder.singleLine($0) }.joined(separator: " | "))
                }
                table.row = nil
            }
        case "tbl":
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
        if inText && skipDepth == 0 { paragraphs.modifyLast { $0.text.append(contentsOf: text) } }
    }

    private func finish(_ paragraph: Paragraph) {
        let text = String(decoding: paragraph.text, as: UTF8.self)
        if tables.last?.cell != nil {
            tables.modifyLast { $0.cell?.append(OfficeTextBuilder.trim(text)) }
            return
        }
        if let style = paragraph.styleID, styles.isTableOfContents(style) { return }
        var level: Int?
        if let outline = paragraph.outlineLevel {
            level = outline < 9 ? outline + 1 : nil
        } else if let style = paragraph.styleID {
            level = styles.headingLevel(of: style)
        }
        if let level {
            if styledTitle == nil, let style = paragraph.styleID, styles.isTitle(style) {
                let title = OfficeTextBuilder.singleLine(text)
                if !title.isEmpty { styledTitle = title }
            }
            builder.append(text, headingLevel: level)
            return
        }
        let styleNumbering = paragraph.styleID.flatMap { styles.numbering(of: $0) }
        if let id = paragraph.numberingID ?? styleNumbering?.id, id != "0" {
            let depth = paragraph.numberingLevel ?? styleNumbering?.level ?? 0
            let format = numbering.level(numberingID: id, level: depth)
            var levels = counters[id] ?? [:]
            let number = (levels[depth] ?? (format.start - 1)) + 1
            levels[depth] = number
            for deeper in levels.keys where deeper > depth { levels[deeper] = nil }
            counters[id] = levels
            builder.append(text, as: .listItem, prefix: format.format.prefix(number: number, level: depth))
            return
        }
        builder.append(text)
    }

    private static func isWordOrMath(_ name: OfficeXMLName) -> Bool {
        guard let namespace = name.namespace else { return true }
        return namespace.hasSuffix("/wordprocessingml/2006/main") || namespace.hasSuffix("/wordprocessingml/main")
            || namespace.hasSuffix("/officeDocument/2006/math") || namespace.hasSuffix("/officeDocument/math")
    }
}

extension Array {
    /// Changes the last element in place, if there is one.
    fileprivate mutating func modifyLast(_ change: (inout Element) -> Void) {
        guard !isEmpty else { return }
        change(&self[count - 1])
    }
}

/// Finds the main document part in `[Content_Types].xml` (it is `word/document.xml` in nearly every file).
final class DOCXContentTypesHandler: OfficeXMLHandler {
    private(set) var mainPart: String?

    func startElement(_ name: OfficeXMLName, attributes: [OfficeXMLAttribute]) {
        guard name.local == "Override", mainPart == nil,
            attributes.value("ContentType")?.hasSuffix("wordprocessingml.document.main+xml") == true,
            let part = attributes.value("PartName")
        else { return }
        mainPart = String(part.drop { $0 == "/" })
    }

    func endElement(_ name: OfficeXMLName) {}
    func characters(_ text: UnsafeBufferPointer<UInt8>) {}
}

extension OfficeExtractor {
    /// Extracts a DOCX: paragraphs, headings (Title, Heading 1–6, outline levels) as heading marks, lists with
    /// their markers, tables row by row (cells separated by ` | `), tabs and line breaks; the title from
    /// `docProps/core.xml` (or the first Title paragraph).
    ///
    /// - Throws: `DocumentSkip` (`corrupt`) when the package or its main part cannot be read; `limit` when a part
    ///   breaks the archive limits.
    public static func extractDOCX(
        data: [UInt8], name: String = "document.docx", limits: ArchiveLimits = .default
    ) throws -> ExtractedText {
        let package = try OfficePackage(data: data, name: name, limits: limits) { path in
            path == "[Content_Types].xml"
                || path.hasPrefix("word/") && path.hasSuffix(".xml") && !path.contains("/_rels/")
                || path == "docProps/core.xml"
        }
        var warnings = package.warnings
        var mainPart = "word/document.xml"
        if let types = package.parts["[Content_Types].xml"] {
            let handler = DOCXContentTypesHandler()
            OfficeXMLParser.parse(types, name: "[Content_Types].xml", handler: handler)
            if let part = handler.mainPart, package.parts[part] != nil { mainPart = part }
        }
        guard let document = package.parts[mainPart] else {
            throw package.missing(mainPart, in: "DOCX \(name)")
        }
        let folder = mainPart.split(separator: "/").dropLast().joined(separator: "/")
        let styles = DOCXStylesHandler()
        if let bytes = package.parts[folder + "/styles.xml"] {
            if let error = OfficeXMLParser.parse(bytes, name: "styles.xml", handler: styles) {
                warnings.append("styles.xml: \(error)")
            }
        }
        let numbering = DOCXNumberingHandler()
        if let bytes = package.parts[folder + "/numbering.xml"] {
            if let error = OfficeXMLParser.parse(bytes, name: "numbering.xml", handler: numbering) {
                warnings.append("numbering.xml: \(error)")
            }
        }
        let handler = DOCXDocumentHandler(styles: styles, numbering: numbering)
        if let error = OfficeXMLParser.parse(document, name: mainPart, handler: handler) {
            if handler.builder.text.isEmpty {
                throw DocumentSkip(.corrupt, "DOCX \(name): \(mainPart) is not readable XML (\(error))")
            }
            warnings.append("\(mainPart): \(error)")
        }
        let core = OfficeMetadataHandler(names: ["title", "creator", "language", "subject", "keywords", "modified"])
        if let bytes = package.parts["docProps/core.xml"] {
            OfficeXMLParser.parse(bytes, name: "core.xml", handler: core)
        }
        let builder = handler.builder
        return ExtractedText(
            text: builder.text, title: core.values["title"] ?? handler.styledTitle,
            mediaType: DocumentFormat.docx.mediaType, headings: builder.headings,
            metadata: core.metadata([
                ("creator", "author"), ("language", "language"), ("subject", "subject"), ("keywords", "keywords"),
                ("modified", "modified"),
            ]), warnings: warnings)
    }
}
