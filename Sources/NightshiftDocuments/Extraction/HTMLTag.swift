/// The HTML elements text extraction treats specially; everything else is `.other` (an inline element).
enum HTMLTag: UInt8, CaseIterable {
    case other
    /// A run of text (not an element).
    case text
    case html, head, title, body, meta, link, base
    case script, style, noscript, template
    case nav, header, footer, aside, form, button, svg, iframe, frame, frameset
    case select, option, optgroup, textarea, input, object, embed, canvas, audio, video, source, track, map, area
    case dialog, menu, math, picture, img, label
    case address, article, blockquote, center, dd, details, summary, dir, div, dl, dt, fieldset, legend
    case figcaption, figure, h1, h2, h3, h4, h5, h6, hgroup, hr, li, main, ol, ul, p, pre, section
    case table, caption, thead, tbody, tfoot, tr, td, th, colgroup, col
    case a, br, wbr, code, span, rt, rp

    /// The element name as it appears in markup.
    var name: String { String(describing: self) }

    /// Dropped with everything inside: code, styling, navigation, chrome, form controls, embedded media and
    /// ruby annotations (the reading aid `<rt>` would otherwise be read twice into the text), and figure captions
    /// (mostly image credits, which readers skip and retrieval should too).
    var isDropped: Bool {
        switch self {
        case .head, .meta, .link, .base, .script, .style, .noscript, .template, .nav, .aside, .button, .svg,
            .iframe, .frame, .frameset, .select, .option, .optgroup, .textarea, .input, .object, .embed, .canvas,
            .audio, .video, .source, .track, .map, .area, .dialog, .math, .picture, .rt, .rp, .figcaption:
            return true
        default:
            return false
        }
    }

    /// Starts and ends a paragraph, a line or a table cell rather than flowing inline.
    var isBlock: Bool {
        switch self {
        case .html, .body, .header, .footer, .form, .menu, .address, .article, .blockquote, .center, .dd,
            .details, .summary, .dir, .div, .dl, .dt, .fieldset, .legend, .figcaption, .figure, .h1, .h2, .h3, .h4,
            .h5, .h6, .hgroup, .hr, .li, .main, .ol, .ul, .p, .pre, .section, .table, .caption, .thead, .tbody,
            .tfoot, .tr, .td, .th, .title:
            return true
        default:
            return false
        }
    }

    /// The heading level of `h1`…`h6`, or nil.
    var headingLevel: Int? {
        switch self {
        case .h1: return 1
        case .h2: return 2
        case .h3: return 3
        case .h4: return 4
        case .h5: return 5
        case .h6: return 6
        default: return nil
        }
    }

    /// Lists, whose items become lines.
    var isList: Bool { self == .ul || self == .ol || self == .menu || self == .dir }

    /// Looks a lowercase element name up without building a `String` for the common short names.
    static func lookup(_ name: UnsafePointer<UInt8>) -> HTMLTag {
        var packed: UInt64 = 0
        var length = 0
        while length < 9 {
            let byte = name[length]
            if byte == 0 { break }
            // HTML names are lowercased by libxml2's HTML parser; XHTML names are lowercase by definition.
            packed |= UInt64(byte) << (8 * UInt64(length))
            length += 1
        }
        if length <= 8 { return shortNames[packed] ?? .other }
        return longNames[String(cString: name)] ?? .other
    }

    private static let shortNames: [UInt64: HTMLTag] = {
        var table: [UInt64: HTMLTag] = [:]
        for tag in HTMLTag.allCases where tag != .other && tag != .text {
            let bytes = Array(tag.name.utf8)
            guard bytes.count <= 8 else { continue }
            var packed: UInt64 = 0
            for (index, byte) in bytes.enumerated() { packed |= UInt64(byte) << (8 * UInt64(index)) }
            table[packed] = tag
        }
        return table
    }()

    private static let longNames: [String: HTMLTag] = {
        var table: [String: HTMLTag] = [:]
        for tag in HTMLTag.allCases where tag.name.utf8.count > 8 { table[tag.name] = tag }
        return table
    }()
}
