import Foundation
import NightshiftCore

/// Settings that change what extraction produces.
public struct ExtractionOptions: Sendable, Hashable {
    /// The field of each JSON Lines record that holds the text (`--text-field`); nil means `text`.
    public var jsonTextField: String?
    /// The field of each JSON Lines record that holds its title, if any (a heading before the record's text).
    public var jsonTitleField: String?
    /// Limits for reading the zip packages of DOCX, ODT and EPUB files.
    public var archiveLimits: ArchiveLimits

    /// Options with the given values.
    public init(
        jsonTextField: String? = nil, jsonTitleField: String? = nil, archiveLimits: ArchiveLimits = .default
    ) {
        self.jsonTextField = jsonTextField
        self.jsonTitleField = jsonTitleField
        self.archiveLimits = archiveLimits
    }
}

/// Extracts the text of one document, whatever its format: detects the format (content first, then declared type,
/// then extension) and calls the extractor for it.
///
/// Every document-specific problem is thrown as a `DocumentSkip`, which ingestion records in the run's report:
/// `unsupported` (PDF, images, archives handed in as one document), `binary`, `empty` (no bytes, or no text
/// extracted), `corrupt` (libxml2 or libarchive could not read it), `encrypted`, `limit`. Anything else thrown
/// (cancellation) is a real failure.
public enum DocumentExtractor {
    /// Detects the format of `data` and extracts its text.
    ///
    /// - Parameters:
    ///   - data: The document's bytes.
    ///   - filename: Its file or entry name (or a URL path), for the extension and for messages.
    ///   - declaredType: A media type from outside (HTTP `Content-Type`, with its `charset`), if any.
    ///   - options: Extraction settings.
    public static func extract(
        data: [UInt8], filename: String?, declaredType: String?, options: ExtractionOptions = ExtractionOptions()
    ) throws -> ExtractedText {
        var bytes = data
        var warnings: [String] = []
        if let utf8 = TextDecoding.transcodeUTF16(data) {
            bytes = utf8
            warnings.append("transcoded from UTF-16")
        }
        let format = FormatDetector.detect(data: bytes, filename: filename, declaredType: declaredType)
        var extracted = try extract(
            data: bytes, format: format, filename: filename, declaredType: declaredType, options: options)
        extracted.warnings.insert(contentsOf: warnings, at: 0)
        return extracted
    }

    /// Extracts `data` as the given format (when the caller already detected it).
    public static func extract(
        data: [UInt8], format: DocumentFormat, filename: String?, declaredType: String? = nil,
        options: ExtractionOptions = ExtractionOptions()
    ) throws -> ExtractedText {
        let name = filename ?? "document"
        let extracted: ExtractedText
        switch format {
        case .plainText, .markdown, .jsonLines:
            guard let decoded = TextDecoding.utf8(data) else {
                let quality = TextQuality.measure(data)
                throw DocumentSkip(
                    .binary,
                    "not text: \(quality.invalidSequences) invalid UTF-8 sequences, "
                        + "\(quality.controlBytes + quality.nulBytes) control bytes in \(data.count)")
            }
            var text = try extractText(decoded.bytes, format: format, name: name, options: options)
            if let warning = decoded.warning { text.warnings.insert(warning, at: 0) }
            extracted = text
        case .html:
            extracted = try rethrowingAsSkip {
                try HTMLExtractor.extract(data: data, url: filename, declaredCharset: charset(of: declaredType))
            }
        case .xml:
            extracted = try rethrowingAsSkip { try XMLExtractor.extract(data: data, url: filename) }
        case .docx:
            extracted = try OfficeExtractor.extractDOCX(data: data, name: name, limits: options.archiveLimits)
        case .odt:
            extracted = try OfficeExtractor.extractODT(data: data, name: name, limits: options.archiveLimits)
        case .epub:
            extracted = try EPUBExtractor.extract(data: data, name: name, limits: options.archiveLimits)
        case .zip, .tar, .gzip, .bzip2, .xz:
            throw DocumentSkip(.unsupported, "unsupported format: \(format) archive (its entries are read as sources)")
        case .pdf:
            throw DocumentSkip(.unsupported, "unsupported format: PDF")
        case .unsupported(let kind):
            throw DocumentSkip(.unsupported, "unsupported format: \(kind)")
        case .binary:
            throw DocumentSkip(.binary, "binary content, not text")
        case .empty:
            throw DocumentSkip(.empty, "empty file")
        }
        if OfficeTextBuilder.trim(extracted.text).isEmpty {
            throw DocumentSkip(.empty, "no text extracted (\(format))")
        }
        return extracted
    }

    /// Text formats, on bytes already checked and repaired to UTF-8, through their extractors.
    private static func extractText(
        _ bytes: [UInt8], format: DocumentFormat, name: String, options: ExtractionOptions
    ) throws -> ExtractedText {
        switch format {
        case .markdown:
            return try rethrowingAsSkip { try MarkdownExtractor.extract(data: bytes) }
        case .jsonLines:
            let lines = try rethrowingAsSkip {
                try JSONLinesExtractor.extract(
                    data: bytes, textField: options.jsonTextField ?? "text", titleField: options.jsonTitleField)
            }
            if lines.records.isEmpty, let first = lines.skips.first {
                throw DocumentSkip(.corrupt, "no JSON Lines record in \(name) (\(first))")
            }
            return lines.combined
        default:
            return try rethrowingAsSkip { try TextExtractor.extract(data: bytes) }
        }
    }

    /// The `charset` parameter of a media type (`text/html; charset=ISO-8859-1`).
    static func charset(of declaredType: String?) -> String? {
        guard let declaredType else { return nil }
        for parameter in declaredType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map {
                $0.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\"'")))
            }
            if pair.count == 2, pair[0].lowercased() == "charset", !pair[1].isEmpty { return pair[1] }
        }
        return nil
    }

    /// Another extractor's `NightshiftError(.format)` (malformed markup) becomes a `corrupt` skip.
    private static func rethrowingAsSkip<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as NightshiftError where error.code == .format || error.code == .invalidInput {
            throw DocumentSkip(.corrupt, error.description)
        }
    }
}
