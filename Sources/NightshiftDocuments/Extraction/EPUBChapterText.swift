import NightshiftCore

/// The text of one EPUB chapter (XHTML).
enum EPUBChapterText {
    /// Extracts a chapter with the HTML extractor, reading the whole page (a chapter has no navigation chrome to
    /// drop) with its headings; a chapter libxml2 cannot make a tree of goes through `fallback`.
    static func extract(_ bytes: [UInt8], path: String) -> ExtractedText {
        do {
            return try HTMLExtractor.extract(data: bytes, url: path, declaredCharset: nil, scope: .wholePage)
        } catch {
            var text = fallback(bytes, path: path)
            text.warnings.append("read by the fallback reader: \(error)")
            return text
        }
    }

    /// A small streaming reader on libxml2's HTML parser for chapters the HTML extractor refuses: it keeps block
    /// structure, h1–h6 headings, list items and table rows, and drops head, script and style.
    static func fallback(_ bytes: [UInt8], path: String) -> ExtractedText {
        let handler = EPUBChapterHandler()
        let error = OfficeXMLParser.parse(bytes, name: path, html: true, handler: handler)
        handler.flush()
        var text = ExtractedText(
            text: handler.builder.text, title: handler.title, mediaType: DocumentFormat.html.mediaType,
            headings: handler.builder.headings)
        if let error, handler.builder.text.isEmpty { text.warnings.append(error) }
        return text
    }
}

/// Turns HTML parser events into blocks: block elements end the current block, inline text is whitespace-
/// collapsed (except in `pre`), `br` breaks a line, list items get a marker and table cells a ` | `.
final class EPUBChapterHandler: OfficeXMLHandler {
    private(set) var builder = OfficeTextBuilder()
    private(set) var title: String?
    private var current: [UInt8] = []
    private var currentHeading: Int?
    private var currentKind: OfficeTextBuilder.Block = .paragraph
    private var skipDepth = 0
    private var preDepth = 0
    private var inTitle = false
    private var titleBytes: [UInt8] = []
    private var row: [String]?
    private var rows: [String] = []
    private var inCell = false

    private static let skipped: Set<String> = ["script", "style", "noscript", "template", "svg", "math", "nav"]
    private static let blocks: Set<String> = [
        "p", "div", "section", "article", "header", "footer", "aside", "blockquote", "pre", "ul", "ol", "dl", "dt",
        "dd", "figure", "figcaption", "hr", "address", "main", "body", "center",
    ]

    func startElement(_ name: OfficeXMLName, attributes: [OfficeXMLAttribute]) {
        let tag = name.local
        if skipDepth > 0 || Self.skipped.contains(tag) {
            skipDepth += 1
            return
        }
        switch tag {
        case "title":
            inTitle = true
        case "h1", "h2", "h3", "h4", "h5", "h6":
            flush()
            currentHeading = Int(tag.dropFirst())
        case "li":
            flush()
            currentKind = .listItem
            current = Array("- ".utf8)
        case "br":
            current.append(0x0A)
        case "table":
            flush()
            rows = []
        case "tr":
            row = []
        case "td", "th":
            if row != nil {
                flushCell()
                inCell = true
            }
        case "pre":
            flush()
            preDepth += 1
        default:
            if Self.blocks.contains(tag) && !inCell { flush() }
        }
    }

    func endElement(_ name: OfficeXMLName) {
        let tag = name.local
        if skipDepth > 0 {
            skipDepth -= 1
            return
        }
        switch tag {
        case "title":
            inTitle = false
            let value = OfficeTextBuilder.singleLine(String(decoding: titleBytes, as: UTF8.self))
            if !value.isEmpty && title == nil { title = value }
        case "h1", "h2", "h3", "h4", "h5", "h6", "li":
            flush()
        case "td", "th":
            flushCell()
            inCell = false
        case "tr":
            flushCell()
            if let cells = row, cells.contains(where: { !$0.isEmpty }) {
                rows.append(cells.joined(separator: " | "))
            }
            row = nil
        case "table":
            builder.append(rows.joined(separator: "\n"), as: .table)
            rows = []
        case "pre":
            flush()
            preDepth = max(0, preDepth - 1)
        default:
            if Self.blocks.contains(tag) && !inCell { flush() }
        }
    }

    func characters(_ text: UnsafeBufferPointer<UInt8>) {
        if inTitle {
            titleBytes.append(contentsOf: text)
            return
        }
        guard skipDepth == 0 else { return }
        if preDepth > 0 {
            current.append(contentsOf: text)
            return
        }
        var previousSpace = current.last.map { $0 == 0x20 || $0 == 0x0A } ?? true
        for byte in text {
            if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
                if !previousSpace { current.append(0x20) }
                previousSpace = true
            } else {
                current.append(byte)
                previousSpace = false
            }
        }
    }

    private func flushCell() {
        guard inCell else { return }
        row?.append(OfficeTextBuilder.singleLine(String(decoding: current, as: UTF8.self)))
        current = []
    }

    /// Ends the current block.
    func flush() {
        if inCell { return }
        let text = String(decoding: current, as: UTF8.self)
        let body = currentKind == .listItem && OfficeTextBuilder.trim(text) == "-" ? "" : text
        builder.append(body, as: currentKind, headingLevel: currentHeading)
        current = []
        currentHeading = nil
        currentKind = .paragraph
    }
}
