import CLibXML2
import NightshiftCore

/// Extracts the readable text of HTML pages: the main content without navigation, banners, share bars, related
/// links or comments; with headings, lists, tables and preformatted blocks laid out in document order.
///
/// Pages are parsed by libxml2's HTML parser, which tolerates any markup. The pipeline: decode the charset
/// (`HTMLCharset`), copy the readable elements into a compact tree (`HTMLTree`: scripts, styles, navigation,
/// footers, asides, form controls, embedded media and hidden elements are dropped; page headers keep only their
/// headings, forms only when they wrap the content), find the main content (`HTMLContentSelector`), and lay it
/// out as text (`HTMLRenderer`).
public enum HTMLExtractor {
    /// The media type of extracted HTML.
    public static let mediaType = "text/html"

    /// How much of a page to read.
    public enum Scope: Sendable, Hashable {
        /// The main content only: boilerplate (navigation, share bars, related links, comments, …) left out.
        case mainContent
        /// Every readable element (dropped elements and hidden parts still left out).
        case wholePage
    }

    /// Extracts a page's text.
    /// - Parameters:
    ///   - data: The page as fetched or stored.
    ///   - url: The page's address or path, for libxml2 and for error context.
    ///   - declaredCharset: A charset from outside the page (HTTP `Content-Type`); a BOM still wins over it,
    ///     and it wins over `<meta charset>`.
    ///   - scope: The main content (the default) or the whole page.
    /// - Returns: Text with paragraphs separated by blank lines, the page title and its h1–h6 headings.
    /// - Throws: `NightshiftError(.format)` only when libxml2 cannot produce a tree at all.
    public static func extract(
        data: [UInt8], url: String?, declaredCharset: String?, scope: Scope = .mainContent
    ) throws -> ExtractedText {
        let charset = HTMLCharset.decode(data, declared: declaredCharset)
        if charset.bytes.allSatisfy({ $0 <= 32 }) {
            var empty = ExtractedText(text: "", mediaType: mediaType, warnings: charset.warnings)
            empty.metadata["charset"] = .string(charset.name)
            return empty
        }
        let document = try XMLDocumentHandle.parseHTML(charset.bytes, url: url, encoding: charset.libxmlEncoding)
        var extracted = withExtendedLifetime(document) { () -> ExtractedText in
            guard let root = xmlDocGetRootElement(document.pointer) else {
                return ExtractedText(text: "", mediaType: mediaType)
            }
            return extract(root: root, scope: scope, capacity: charset.bytes.count / 4)
        }
        extracted.warnings.insert(contentsOf: charset.warnings, at: 0)
        extracted.metadata["charset"] = .string(charset.name)
        return extracted
    }

    /// Extracts the text below an HTML or XHTML element of a live libxml2 tree (the caller keeps it alive).
    static func extract(root: xmlNodePtr, scope: Scope, capacity: Int) -> ExtractedText {
        let tree = HTMLTree(root: root)
        var selection: HTMLContentSelection
        switch scope {
        case .wholePage:
            selection = HTMLContentSelector.wholePage(tree)
        case .mainContent:
            var selector = HTMLContentSelector(tree: tree)
            selection = selector.select()
            if isTooThin(selection, in: tree) {
                selection = selector.selectWholeBody()
            }
        }
        var renderer = HTMLRenderer(tree: tree, capacity: capacity)
        if let heading = selection.leadingHeading {
            renderer.render(heading, removed: selection.removed)
        }
        for root in selection.roots {
            renderer.render(root, removed: selection.removed, core: selection.core)
        }
        let writer = renderer.writer
        var extracted = ExtractedText(text: writer.makeString(), mediaType: mediaType, headings: writer.headings)
        extracted.title = tree.title ?? writer.headings.first { $0.level == 1 }?.title
        if let language = tree.language, !language.isEmpty {
            extracted.metadata["language"] = .string(language)
        }
        return extracted
    }

    /// True when the selected content is a sliver of a page that has much more prose (a mis-pick).
    private static func isTooThin(_ selection: HTMLContentSelection, in tree: HTMLTree) -> Bool {
        guard !tree.nodes.isEmpty else { return false }
        let selected = selection.roots.reduce(0) { $0 + Int(tree.nodes[$1].chars) }
        let total = Int(tree.nodes[0].chars)
        return selected < 200 && total > 3 * max(selected, 1)
    }
}
