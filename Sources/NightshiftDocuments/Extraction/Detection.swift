import Foundation

/// What a document (or a container of documents) is, decided from its bytes first and its name second.
public enum DocumentFormat: Sendable, Hashable, CustomStringConvertible {
    /// Plain UTF-8 text.
    case plainText
    /// Markdown: by extension, declared type, or strong markers (headings with links, lists, fences).
    case markdown
    /// HTML or XHTML.
    case html
    /// XML other than XHTML (DocBook, RSS, generic XML).
    case xml
    /// JSON Lines: every non-empty line a JSON object.
    case jsonLines
    /// A Word document (OOXML: `[Content_Types].xml` and `word/document.xml`).
    case docx
    /// An OpenDocument text (`mimetype` = `application/vnd.oasis.opendocument.text`).
    case odt
    /// An EPUB book (`mimetype` = `application/epub+zip`).
    case epub
    /// A zip archive of documents.
    case zip
    /// A tar archive.
    case tar
    /// A gzip stream (usually a tar.gz, or one compressed file).
    case gzip
    /// A bzip2 stream.
    case bzip2
    /// An xz stream.
    case xz
    /// A PDF: recognised, not extracted.
    case pdf
    /// A recognised format that is not extracted, named (`PNG image`, `XLSX spreadsheet`).
    case unsupported(String)
    /// Bytes that are not text.
    case binary
    /// No bytes at all.
    case empty

    /// Whether the format is a container whose entries are documents (walked by the sources, not extracted).
    public var isArchive: Bool {
        switch self {
        case .zip, .tar, .gzip, .bzip2, .xz: return true
        default: return false
        }
    }

    /// Whether `DocumentExtractor` extracts text from it.
    public var isExtractable: Bool {
        switch self {
        case .plainText, .markdown, .html, .xml, .jsonLines, .docx, .odt, .epub: return true
        default: return false
        }
    }

    /// The media type recorded on the document.
    public var mediaType: String {
        switch self {
        case .plainText: return "text/plain"
        case .markdown: return "text/markdown"
        case .html: return "text/html"
        case .xml: return "application/xml"
        case .jsonLines: return "application/jsonl"
        case .docx: return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        case .odt: return "application/vnd.oasis.opendocument.text"
        case .epub: return "application/epub+zip"
        case .zip: return "application/zip"
        case .tar: return "application/x-tar"
        case .gzip: return "application/gzip"
        case .bzip2: return "application/x-bzip2"
        case .xz: return "application/x-xz"
        case .pdf: return "application/pdf"
        case .unsupported, .binary, .empty: return "application/octet-stream"
        }
    }

    /// A short name for reports (`markdown`, `docx`, `unsupported format: PNG image`).
    public var description: String {
        switch self {
        case .plainText: return "text"
        case .markdown: return "markdown"
        case .html: return "html"
        case .xml: return "xml"
        case .jsonLines: return "jsonl"
        case .docx: return "docx"
        case .odt: return "odt"
        case .epub: return "epub"
        case .zip: return "zip"
        case .tar: return "tar"
        case .gzip: return "gzip"
        case .bzip2: return "bzip2"
        case .xz: return "xz"
        case .pdf: return "pdf"
        case .unsupported(let name): return "unsupported format: \(name)"
        case .binary: return "binary"
        case .empty: return "empty"
        }
    }
}

/// Decides a document's format: magic bytes, then the declared media type, then the file extension, then the
/// text itself (HTML and XML prologs, JSON Lines, Markdown markers).
///
/// Content wins over names where it is unambiguous: a `.txt` that starts with `%PDF-` is a PDF, a `.md` full of
/// NUL bytes is binary, and a `.zip` holding `word/document.xml` is a DOCX.
public enum FormatDetector {
    /// How many leading bytes the text heuristics look at.
    static let sampleSize = 64 * 1024

    /// The format of a whole document held in memory (zip-based formats are told apart by their entries).
    public static func detect(data: [UInt8], filename: String? = nil, declaredType: String? = nil) -> DocumentFormat {
        let magic = detectMagic(data)
        if case .zip = magic {
            return zipKind(ZipProbe(bytes: data), filename: filename)
        }
        if let magic { return magic }
        return detectText(data.prefix(sampleSize), filename: filename, declaredType: declaredType)
    }

    /// The format from magic bytes alone, or nil when the bytes look like text (or like nothing known).
    ///
    /// A zip comes back as `.zip`; telling DOCX, ODT and EPUB apart needs its entries (`detect(data:…)`).
    public static func detectMagic<C: Collection>(_ data: C) -> DocumentFormat? where C.Element == UInt8 {
        let head = Array(data.prefix(512))
        if head.isEmpty { return .empty }
        func starts(_ bytes: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + bytes.count && Array(head[offset..<(offset + bytes.count)]) == bytes
        }
        if starts(Array("%PDF-".utf8)) { return .pdf }
        if starts([0x50, 0x4B, 0x03, 0x04]) || starts([0x50, 0x4B, 0x05, 0x06]) || starts([0x50, 0x4B, 0x07, 0x08]) {
            return .zip
        }
        if starts([0x1F, 0x8B]) { return .gzip }
        if starts(Array("BZh".utf8)), head.count > 3, (0x31...0x39).contains(head[3]) { return .bzip2 }
        if starts([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return .xz }
        if starts(Array("ustar".utf8), at: 257) { return .tar }
        if starts([0x89, 0x50, 0x4E, 0x47]) { return .unsupported("PNG image") }
        if starts([0xFF, 0xD8, 0xFF]) { return .unsupported("JPEG image") }
        if starts(Array("GIF8".utf8)) { return .unsupported("GIF image") }
        if starts(Array("RIFF".utf8)), starts(Array("WEBP".utf8), at: 8) { return .unsupported("WebP image") }
        if starts([0x7F, 0x45, 0x4C, 0x46]) { return .unsupported("ELF executable") }
        if starts([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            return .unsupported("legacy Microsoft Office (OLE) document")
        }
        if starts([0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]) { return .unsupported("7z archive") }
        if starts(Array("Rar!".utf8)) { return .unsupported("RAR archive") }
        if starts(Array("SQLite format 3".utf8)) { return .unsupported("SQLite database") }
        if starts([0x00, 0x61, 0x73, 0x6D]) { return .unsupported("WebAssembly module") }
        if starts([0x28, 0xB5, 0x2F, 0xFD]) { return .unsupported("zstd stream") }
        return nil
    }

    /// What a zip holds, from its entry names and its `mimetype` entry.
    static func zipKind(_ probe: ZipProbe, filename: String?) -> DocumentFormat {
        if let mimetype = probe.mimetype?.trimmingCharacters(in: .whitespacesAndNewlines) {
            switch mimetype {
            case "application/epub+zip": return .epub
            case "application/vnd.oasis.opendocument.text": return .odt
            case let other where other.hasPrefix("application/vnd.oasis.opendocument."):
                return .unsupported("OpenDocument \(other.dropFirst("application/vnd.oasis.opendocument.".count))")
            default: break
            }
        }
        let names = Set(probe.names)
        if names.contains("[Content_Types].xml") {
            if names.contains("word/document.xml") { return .docx }
            if names.contains("xl/workbook.xml") { return .unsupported("XLSX spreadsheet") }
            if names.contains("ppt/presentation.xml") { return .unsupported("PPTX presentation") }
        }
        if probe.names.isEmpty && !probe.isReadable {
            // An unreadable zip named like an office file is reported as that file, corrupt, by its extractor.
            switch FileExtension(filename).value {
            case "docx": return .docx
            case "odt": return .odt
            case "epub": return .epub
            default: break
            }
        }
        return .zip
    }

    /// The format of bytes with no magic number: a text format, or `.binary`.
    public static func detectText<C: Collection>(
        _ sample: C, filename: String?, declaredType: String?
    ) -> DocumentFormat where C.Element == UInt8 {
        let bytes = Array(sample.prefix(sampleSize))
        if bytes.isEmpty { return .empty }
        if TextQuality.measure(bytes, isSample: true).isBinary { return .binary }
        if let declared = declaredFormat(declaredType, sample: bytes) { return declared }
        let ext = FileExtension(filename).value
        switch ext {
        case "md", "markdown", "mdown", "mkd", "mkdn", "mdx": return .markdown
        case "html", "htm", "xhtml", "xht", "shtml": return .html
        case "jsonl", "ndjson", "jsonlines": return .jsonLines
        case "txt", "text", "log", "csv", "tsv", "rst", "adoc", "asciidoc", "org", "tex": return .plainText
        case "xml", "dbk", "docbook", "rss", "atom", "opf", "xsd", "xsl", "xslt", "svg":
            return looksLikeXHTML(bytes) ? .html : .xml
        default: break
        }
        return sniffText(bytes)
    }

    private static func declaredFormat(_ declaredType: String?, sample: [UInt8]) -> DocumentFormat? {
        guard let declaredType else { return nil }
        let type =
            declaredType.split(separator: ";").first.map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            } ?? ""
        switch type {
        case "text/html", "application/xhtml+xml": return .html
        case "text/markdown", "text/x-markdown": return .markdown
        case "application/jsonl", "application/x-ndjson", "application/x-jsonlines", "application/jsonlines":
            return .jsonLines
        case "text/xml", "application/xml", "application/docbook+xml", "application/rss+xml", "application/atom+xml":
            return looksLikeXHTML(sample) ? .html : .xml
        case "text/plain":
            // Servers call everything text/plain; only an unmistakable prolog overrides them.
            let sniffed = sniffText(sample)
            return sniffed == .html || sniffed == .xml ? sniffed : .plainText
        default: return nil
        }
    }

    /// Content heuristics for text with no name or type to go by.
    static func sniffText(_ bytes: [UInt8]) -> DocumentFormat {
        let head = leadingMarkup(bytes)
        if head.hasPrefix("<?xml") {
            return looksLikeXHTML(bytes) ? .html : .xml
        }
        if head.hasPrefix("<!doctype html") || head.hasPrefix("<html") { return .html }
        if head.hasPrefix("<") {
            let window = head.prefix(2048)
            if window.contains("<html") || window.contains("<body") || window.contains("<head") { return .html }
            if head.hasPrefix("<!doctype") || looksLikeElement(head) { return .xml }
        }
        if isJSONLines(bytes) { return .jsonLines }
        if hasMarkdownMarkers(bytes) { return .markdown }
        return .plainText
    }

    /// The lowercased start of the text after a BOM, whitespace and leading comments.
    private static func leadingMarkup(_ bytes: [UInt8]) -> String {
        var text = Substring(String(decoding: bytes.prefix(8192), as: UTF8.self))
        while true {
            text = text.drop { $0.isWhitespace || $0 == "\u{FEFF}" }
            if text.hasPrefix("<!--"), let end = text.range(of: "-->") {
                text = text[end.upperBound...]
                continue
            }
            break
        }
        return text.prefix(4096).lowercased()
    }

    private static func looksLikeElement(_ head: String) -> Bool {
        guard head.hasPrefix("<"), let next = head.dropFirst().first else { return false }
        return next.isLetter || next == "_"
    }

    /// An XML document whose root is `<html>` (in the XHTML namespace or not) is read as HTML.
    static func looksLikeXHTML(_ bytes: [UInt8]) -> Bool {
        var text = Substring(leadingMarkup(bytes))
        // Skip the prolog, processing instructions, comments and the doctype to reach the root element.
        while text.hasPrefix("<?") || text.hasPrefix("<!") {
            let isComment = text.hasPrefix("<!--")
            guard let end = text.range(of: isComment ? "-->" : ">") else { return false }
            text = text[end.upperBound...].drop { $0.isWhitespace }
            if text.isEmpty { return false }
            if !isComment, text.hasPrefix("<!doctype html") { return true }
        }
        return text.hasPrefix("<html") || text.prefix(512).contains("http://www.w3.org/1999/xhtml")
    }

    /// Every non-empty line of the sample (the last one may be cut by the sample's end) is a JSON object.
    static func isJSONLines(_ bytes: [UInt8]) -> Bool {
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
        if bytes.count >= sampleSize, lines.count > 1 { lines.removeLast() }
        var checked = 0
        for line in lines.prefix(200) {
            let trimmed = line.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF }
            if trimmed.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            guard trimmed.first == UInt8(ascii: "{"),
                let object = try? JSONSerialization.jsonObject(with: Data(trimmed)), object is [String: Any]
            else { return false }
            checked += 1
        }
        return checked > 0
    }

    /// Strong Markdown markers: ATX headings with other structure, fenced code, or several links.
    static func hasMarkdownMarkers(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        var headings = 0
        var fences = 0
        var listItems = 0
        var links = 0
        var previousWasText = false
        var setext = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).prefix(2000) {
            let trimmed = line.drop { $0 == " " }
            if let hashes = trimmed.firstIndex(where: { $0 != "#" }), trimmed.first == "#" {
                let level = trimmed.distance(from: trimmed.startIndex, to: hashes)
                if level <= 6, trimmed[hashes] == " " { headings += 1 }
            }
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") { fences += 1 }
            if trimmed.hasPrefix("- ") || trimmed.hasPrefix("* ") || trimmed.hasPrefix("+ ") { listItems += 1 }
            if previousWasText, !trimmed.isEmpty,
                trimmed.allSatisfy({ $0 == "=" }) || trimmed.allSatisfy({ $0 == "-" }),
                trimmed.count >= 3
            {
                setext += 1
            }
            var rest = line[...]
            while let range = rest.range(of: "](") {
                links += 1
                rest = rest[range.upperBound...]
            }
            previousWasText = !trimmed.isEmpty && trimmed.first?.isLetter == true
        }
        let score = 2 * (headings + setext) + fences + links + (listItems >= 2 ? 1 : 0)
        return (headings + setext >= 1 && score >= 3) || fences >= 2 || links >= 3
    }
}

/// The lowercased extension of a file name, with the double extensions of compressed tars kept whole.
struct FileExtension {
    let value: String

    init(_ filename: String?) {
        guard let filename else {
            value = ""
            return
        }
        let name = (filename.split(separator: "/").last.map(String.init) ?? filename).lowercased()
        for double in ["tar.gz", "tar.bz2", "tar.xz"] where name.hasSuffix("." + double) {
            value = double
            return
        }
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else {
            value = ""
            return
        }
        value = String(name[name.index(after: dot)...])
    }

    /// Whether the name alone says "archive" (so a walk opens it even when include patterns name documents).
    var isArchiveName: Bool {
        ["zip", "tar", "tgz", "tar.gz", "tbz", "tbz2", "tar.bz2", "txz", "tar.xz", "gz", "bz2", "xz"].contains(value)
    }
}

/// How text-like some bytes are: NUL and control bytes, invalid and valid multi-byte UTF-8 sequences.
struct TextQuality {
    var length = 0
    var nulBytes = 0
    var controlBytes = 0
    var invalidSequences = 0
    var multibyteSequences = 0

    /// Binary: a NUL byte, more than 1 % control bytes, or invalid UTF-8 in more than a quarter of the bytes
    /// (`TextExtractor.maximumInvalidFraction`): a Latin-1 text has a few percent (a short one up to a fifth) and
    /// a text with stray bytes fewer, and both are repaired; legacy Cyrillic, CJK or binary data has far more.
    var isBinary: Bool {
        nulBytes > 0 || controlBytes * 100 > length
            || Double(invalidSequences) > Double(length) * TextExtractor.maximumInvalidFraction
    }

    /// Whether the eight bytes at `i` are all printable ASCII or space (nothing to count): most of any text.
    @inline(__always)
    private static func isPlainASCII(_ data: [UInt8], at i: Int) -> Bool {
        data.withUnsafeBytes { raw in
            let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let ones: UInt64 = 0x0101_0101_0101_0101
            let high: UInt64 = 0x8080_8080_8080_8080
            let below = (word &- 0x20 &* ones) & ~word  // a byte below 0x20
            let del = word ^ (0x7F &* ones)
            let isDel = (del &- ones) & ~del  // a byte equal to 0x7F
            return (below | isDel | word) & high == 0
        }
    }

    /// Measures `bytes`; with `isSample`, a multi-byte sequence cut by the end is not counted as invalid.
    static func measure<C: Collection>(_ bytes: C, isSample: Bool = false) -> TextQuality
    where C.Element == UInt8 {
        let data = Array(bytes)
        var quality = TextQuality(length: data.count)
        var i = 0
        let n = data.count
        while i < n {
            if i + 8 <= n, isPlainASCII(data, at: i) {
                i += 8
                continue
            }
            let b = data[i]
            if b < 0x80 {
                if b == 0 {
                    quality.nulBytes += 1
                } else if b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0B && b != 0x0C && b != 0x0D && b != 0x1B {
                    quality.controlBytes += 1
                } else if b == 0x7F {
                    quality.controlBytes += 1
                }
                i += 1
                continue
            }
            let (needed, low, high): (Int, UInt8, UInt8)
            switch b {
            case 0xC2...0xDF: (needed, low, high) = (1, 0x80, 0xBF)
            case 0xE0: (needed, low, high) = (2, 0xA0, 0xBF)
            case 0xE1...0xEC, 0xEE...0xEF: (needed, low, high) = (2, 0x80, 0xBF)
            case 0xED: (needed, low, high) = (2, 0x80, 0x9F)
            case 0xF0: (needed, low, high) = (3, 0x90, 0xBF)
            case 0xF1...0xF3: (needed, low, high) = (3, 0x80, 0xBF)
            case 0xF4: (needed, low, high) = (3, 0x80, 0x8F)
            default:
                quality.invalidSequences += 1
                i += 1
                continue
            }
            if i + needed >= n && isSample {
                break
            }
            var valid = i + 1 < n && data[i + 1] >= low && data[i + 1] <= high
            var k = 2
            while valid && k <= needed {
                valid = i + k < n && data[i + k] >= 0x80 && data[i + k] <= 0xBF
                k += 1
            }
            if valid {
                quality.multibyteSequences += 1
                i += needed + 1
            } else {
                quality.invalidSequences += 1
                i += 1
            }
        }
        return quality
    }
}

/// Turns document bytes into text: UTF-8 as is, UTF-16 with a byte-order mark transcoded, a Latin-1/Windows-1252
/// file decoded as such, a mostly-UTF-8 file with stray bytes repaired; each repair leaves a warning.
enum TextDecoding {
    /// Bytes as UTF-8 (BOM dropped) and the warning a repair left, or nil when they are not text beyond repair.
    static func utf8(_ bytes: [UInt8]) -> (bytes: [UInt8], warning: String?)? {
        if let utf16 = transcodeUTF16(bytes) {
            return (utf16, "transcoded from UTF-16")
        }
        var body = bytes
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body.removeFirst(3) }
        let quality = TextQuality.measure(body)
        if quality.isBinary { return nil }
        if quality.invalidSequences == 0 { return (body, nil) }
        if quality.multibyteSequences == 0 {
            return (Array(windows1252(body).utf8), "not valid UTF-8: decoded as Windows-1252")
        }
        let repaired = String(decoding: body, as: UTF8.self)
        return (Array(repaired.utf8), repairNote(body))
    }

    /// What replacing the invalid UTF-8 of `bytes` with U+FFFD does, for the run report: how many bytes, and how
    /// many replacement characters (one per maximal invalid sequence, as `String(decoding:as:)` and browsers do).
    static func repairNote(_ bytes: [UInt8]) -> String {
        var replacements = 0
        var invalidBytes = 0
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        parsing: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid: continue
            case .error(let length):
                replacements += 1
                invalidBytes += length
            case .emptyInput: break parsing
            }
        }
        return "replaced \(invalidBytes) invalid UTF-8 byte(s) of \(bytes.count) with U+FFFD "
            + "(\(replacements) replacement character(s))"
    }

    /// The text of UTF-16 bytes that start with a byte-order mark, as UTF-8; nil without a BOM.
    static func transcodeUTF16(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count >= 2 else { return nil }
        let littleEndian: Bool
        if bytes[0] == 0xFF && bytes[1] == 0xFE {
            littleEndian = true
        } else if bytes[0] == 0xFE && bytes[1] == 0xFF {
            littleEndian = false
        } else {
            return nil
        }
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var i = 2
        while i + 1 < bytes.count {
            let a = UInt16(bytes[i])
            let b = UInt16(bytes[i + 1])
            units.append(littleEndian ? (b << 8 | a) : (a << 8 | b))
            i += 2
        }
        return Array(String(decoding: units, as: UTF16.self).utf8)
    }

    /// Windows-1252 (a superset of the printable Latin-1) decoded to a String.
    static func windows1252(_ bytes: [UInt8]) -> String {
        let high: [UInt32] = [
            0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152,
            0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122,
            0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
        ]
        var scalars = String.UnicodeScalarView()
        scalars.reserveCapacity(bytes.count)
        for byte in bytes {
            let value = (0x80...0x9F).contains(byte) ? high[Int(byte - 0x80)] : UInt32(byte)
            scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
        }
        return String(scalars)
    }
}
