import Foundation
import NightshiftCore

/// Extracts an EPUB book: `META-INF/container.xml` names the package document (OPF), whose spine gives the
/// reading order of the XHTML chapters; each chapter's text and headings are kept, chapters separated by a blank
/// line; the title, author and language come from the OPF metadata.
///
/// Non-linear spine items (pop-up notes) and the EPUB 3 navigation document (a table of contents) are left out.
/// A book whose chapters are encrypted (DRM listed in `META-INF/encryption.xml`) is an `encrypted` skip.
public enum EPUBExtractor {
    /// Extracts the book's text.
    ///
    /// - Throws: `DocumentSkip`: `corrupt` when the zip, the container or the package document cannot be read
    ///   (or no chapter can), `encrypted` for DRM, `limit` when a part breaks the archive limits.
    public static func extract(
        data: [UInt8], name: String = "book.epub", limits: ArchiveLimits = .default
    ) throws -> ExtractedText {
        let package = try OfficePackage(data: data, name: name, limits: limits) { path in
            let lower = path.lowercased()
            return lower.hasPrefix("meta-inf/")
                || [".opf", ".xhtml", ".html", ".htm", ".xml"].contains {
                    lower.hasSuffix($0)
                }
        }
        var warnings = package.warnings
        if let encryption = package.parts["META-INF/encryption.xml"], encryptsContent(encryption) {
            throw DocumentSkip(.encrypted, "EPUB \(name) is encrypted (DRM)")
        }
        guard let opfPath = packageDocumentPath(package) else {
            throw DocumentSkip(.corrupt, "EPUB \(name) has no package document (OPF)")
        }
        guard let opfBytes = package.parts[opfPath] else {
            throw package.missing(opfPath, in: "EPUB \(name)")
        }
        let opf = EPUBPackageHandler()
        if let error = OfficeXMLParser.parse(opfBytes, name: opfPath, handler: opf), opf.spine.isEmpty {
            throw DocumentSkip(.corrupt, "EPUB \(name): package document \(opfPath) is not readable XML (\(error))")
        }
        let base = opfPath.split(separator: "/").dropLast().joined(separator: "/")
        var builder = OfficeTextBuilder()
        var chapters = 0
        for reference in opf.spine where reference.linear {
            guard let item = opf.manifest[reference.idref] else {
                warnings.append("spine item \(reference.idref) is not in the manifest")
                continue
            }
            guard item.isChapter, !item.isNavigation else { continue }
            let path = resolve(item.href, against: base)
            guard let bytes = package.parts[path] else {
                warnings.append("chapter \(path) is missing")
                continue
            }
            let chapter = EPUBChapterText.extract(bytes, path: path)
            warnings.append(contentsOf: chapter.warnings.map { "\(path): \($0)" })
            builder.append(chapter)
            chapters += 1
        }
        if chapters == 0 && !opf.spine.isEmpty {
            throw DocumentSkip(.corrupt, "EPUB \(name): no chapter of the spine could be read")
        }
        var metadata: [String: JSONValue] = [:]
        if let author = opf.metadata["creator"] { metadata["author"] = .string(author) }
        if let language = opf.metadata["language"] { metadata["language"] = .string(language) }
        metadata["chapters"] = .number(Double(chapters))
        return ExtractedText(
            text: builder.text, title: opf.metadata["title"] ?? builder.headings.first?.title,
            mediaType: DocumentFormat.epub.mediaType, headings: builder.headings, metadata: metadata,
            warnings: warnings)
    }

    /// The OPF path from `META-INF/container.xml`, or the first `.opf` entry when the container is missing.
    private static func packageDocumentPath(_ package: OfficePackage) -> String? {
        if let container = package.parts["META-INF/container.xml"] {
            let handler = EPUBContainerHandler()
            OfficeXMLParser.parse(container, name: "container.xml", handler: handler)
            if let path = handler.rootfile.map({ resolve($0, against: "") }), package.parts[path] != nil {
                return path
            }
        }
        return package.names.first { $0.lowercased().hasSuffix(".opf") }
    }

    /// Whether `encryption.xml` covers chapters (fonts alone are only obfuscated, and harmless to us).
    private static func encryptsContent(_ bytes: [UInt8]) -> Bool {
        let handler = EPUBEncryptionHandler()
        OfficeXMLParser.parse(bytes, name: "encryption.xml", handler: handler)
        return handler.encryptedURIs.contains { uri in
            let lower = uri.lowercased()
            return [".xhtml", ".html", ".htm", ".xml"].contains { lower.hasSuffix($0) }
        }
    }

    /// An href of the OPF resolved to a zip path: percent-decoded, `.` and `..` applied, fragment dropped.
    static func resolve(_ href: String, against base: String) -> String {
        let withoutFragment =
            href.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first
            .map(String.init) ?? href
        let decoded = withoutFragment.removingPercentEncoding ?? withoutFragment
        var parts = decoded.hasPrefix("/") ? [] : base.split(separator: "/").map(String.init)
        for part in decoded.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(String(part))
            }
        }
        return parts.joined(separator: "/")
    }
}

/// Reads `META-INF/container.xml`: the first rootfile that is an OPF package.
final class EPUBContainerHandler: OfficeXMLHandler {
    private(set) var rootfile: String?

    func startElement(_ name: OfficeXMLName, attributes: [OfficeXMLAttribute]) {
        guard name.local == "rootfile", rootfile == nil, let path = attributes.value("full-path") else { return }
        let type = attributes.value("media-type")
        if type == nil || type == "application/oebps-package+xml" { rootfile = path }
    }

    func endElement(_ name: OfficeXMLName) {}
    func characters(_ text: UnsafeBufferPointer<UInt8>) {}
}

/// Reads `META-INF/encryption.xml`: the URIs of encrypted resources.
final class EPUBEncryptionHandler: OfficeXMLHandler {
    private(set) var encryptedURIs: [String] = []

    func startElement(_ name: OfficeXMLName, attributes: [OfficeXMLAttribute]) {
        if name.local == "CipherReference", let uri = attributes.value("URI") { encryptedURIs.append(uri) }
    }

    func endElement(_ name: OfficeXMLName) {}
    func characters(_ text: UnsafeBufferPointer<UInt8>) {}
}

/// Reads the OPF package document: Dublin Core metadata, the manifest and the spine.
final class EPUBPackageHandler: OfficeXMLHandler {
    struct Item {
        var href: String
        var mediaType: String
        var properties: String

        var isChapter: Bool {
            mediaType == "application/xhtml+xml" || mediaType == "text/html"
                || mediaType.isEmpty
                    && [".xhtml", ".html", ".htm"].contains { href.lowercased().hasSuffix($0) }
        }

        var isNavigation: Bool {
            properties.split(separator: " ").contains("nav")
        }
    }

    struct SpineReference {
        var idref: String
        var linear: Bool
    }

    private(set) var manifest: [String: Item] = [:]
    private(set) var spine: [SpineReference] = []
    private(set) var metadata: [String: String] = [:]
    private var inMetadata = false
    private var currentField: String?
    private var buffer: [UInt8] = []

    func startElement(_ name: OfficeXMLName, attributes: [OfficeXMLAttribute]) {
        switch name.local {
        case "metadata":
            inMetadata = true
        case "title", "creator", "language":
            if inMetadata && metadata[name.local] == nil {
                currentField = name.local
                buffer = []
            }
        case "item":
            if let id = attributes.value("id"), let href = attributes.value("href") {
                manifest[id] = Item(
                    href: href, mediaType: attributes.value("media-type") ?? "",
                    properties: attributes.value("properties") ?? "")
            }
        case "itemref":
            if let idref = attributes.value("idref") {
                spine.append(SpineReference(idref: idref, linear: attributes.value("linear") != "no"))
            }
        default:
            break
        }
    }

    func endElement(_ name: OfficeXMLName) {
        if name.local == "metadata" { inMetadata = false }
        if let field = currentField, field == name.local {
            let value = OfficeTextBuilder.singleLine(String(decoding: buffer, as: UTF8.self))
            if !value.isEmpty { metadata[field] = value }
            currentField = nil
        }
    }

    func characters(_ text: UnsafeBufferPointer<UInt8>) {
        if currentField != nil { buffer.append(contentsOf: text) }
    }
}
