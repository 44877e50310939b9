import Foundation
import NightshiftCore
import NightshiftDocuments

/// The size limits of an ingest run, which keep its memory bounded whatever the corpus holds (see
/// docs/ingestion-limits.md): the largest document, and the most an archive may expand to.
///
/// A document is read, extracted, chunked, embedded and stored whole (its chunks replace the old ones in one
/// transaction), so the memory a run takes grows with its largest document: one over `documentBytes` (a file, an
/// archive entry, or the text extracted from any document, a URL's included) is skipped with a `limit` skip
/// naming the setting, never truncated. JSON Lines files are read whole too, so the same limit bounds them.
public struct IngestLimits: Sendable, Hashable {
    /// `NIGHTSHIFT_MAX_DOCUMENT_MB`, `--max-document-mb`.
    public static let documentSetting = "NIGHTSHIFT_MAX_DOCUMENT_MB"
    /// `NIGHTSHIFT_MAX_ARCHIVE_MB`, `--max-archive-mb`.
    public static let archiveSetting = "NIGHTSHIFT_MAX_ARCHIVE_MB"
    /// The default largest document, in MiB.
    public static let defaultDocumentMB = 16
    /// The default most an archive may expand to, in MiB (8 GiB).
    public static let defaultArchiveMB = 8192
    /// The largest setting accepted for either limit, in MiB (1 TiB: beyond that a value is a typo).
    public static let maximumMB = 1 << 20

    /// The largest document, in bytes: its source bytes and its extracted text (UTF-8).
    public var documentBytes: Int
    /// The most uncompressed bytes all entries of one archive may produce together, in bytes.
    public var archiveBytes: Int

    /// Limits in MiB.
    public init(documentMB: Int = IngestLimits.defaultDocumentMB, archiveMB: Int = IngestLimits.defaultArchiveMB) {
        self.documentBytes = documentMB << 20
        self.archiveBytes = archiveMB << 20
    }

    /// The limits from flags when given, else from the settings, else the defaults; a value that is not a whole
    /// number of MiB between 1 and `maximumMB` is a configuration error naming the setting and the flag.
    public static func resolve(_ configuration: Configuration, documentMB: Int? = nil, archiveMB: Int? = nil) throws
        -> IngestLimits
    {
        let document = try documentMB ?? configuration.int(documentSetting, default: defaultDocumentMB)
        let archive = try archiveMB ?? configuration.int(archiveSetting, default: defaultArchiveMB)
        try check(document, setting: documentSetting, flag: "--max-document-mb")
        try check(archive, setting: archiveSetting, flag: "--max-archive-mb")
        return IngestLimits(documentMB: document, archiveMB: archive)
    }

    private static func check(_ megabytes: Int, setting: String, flag: String) throws {
        guard (1...maximumMB).contains(megabytes) else {
            throw NightshiftError(
                .configuration, "\(setting) (\(flag)) must be between 1 and \(maximumMB) (MiB), got \(megabytes)",
                context: ["setting": setting])
        }
    }

    /// What a skip says to name the document limit.
    public static let documentHint = "\(documentSetting) or --max-document-mb"
    /// What a skip says to name the archive limit.
    public static let archiveHint = "\(archiveSetting) or --max-archive-mb"

    /// The walk's options with these limits: files and archive entries up to `documentBytes`, archives up to
    /// `archiveBytes`.
    public func apply(to sources: SourceOptions) -> SourceOptions {
        var sources = sources
        sources.maxFileBytes = documentBytes
        sources.maxFileSetting = Self.documentHint
        sources.archiveLimits = apply(to: sources.archiveLimits)
        return sources
    }

    /// Archive limits bounded by these.
    public func apply(to limits: ArchiveLimits) -> ArchiveLimits {
        var limits = limits
        limits.maxEntryBytes = documentBytes
        limits.maxTotalBytes = archiveBytes
        limits.entrySetting = Self.documentHint
        limits.totalSetting = Self.archiveHint
        return limits
    }

    /// Extraction options whose office packages (DOCX, ODT, EPUB) may hold parts of up to four times the document
    /// limit, and eight times it in all: XML markup is most of a part's bytes, the parts are held while the text
    /// is extracted, and the text is then checked against the limit.
    public func apply(to extraction: ExtractionOptions) -> ExtractionOptions {
        var extraction = extraction
        extraction.archiveLimits.maxEntryBytes = Self.times(4, documentBytes)
        extraction.archiveLimits.maxTotalBytes = Self.times(8, documentBytes)
        extraction.archiveLimits.entrySetting = "four times " + Self.documentHint
        extraction.archiveLimits.totalSetting = "eight times " + Self.documentHint
        return extraction
    }

    private static func times(_ factor: Int, _ bytes: Int) -> Int {
        let (product, overflow) = bytes.multipliedReportingOverflow(by: factor)
        return overflow ? Int.max : product
    }

    /// The skip for a document whose extracted text is over the limit, or nil.
    public func textSkip(utf8Count: Int) -> DocumentSkip? {
        guard utf8Count > documentBytes else { return nil }
        return DocumentSkip(
            .limit,
            "extracted text of \(Self.mib(utf8Count)) exceeds the \(Self.mib(documentBytes)) document limit "
                + "(\(Self.documentHint))")
    }

    /// `12.3 MiB`, or `32 MiB` for a whole number.
    static func mib(_ bytes: Int) -> String {
        if bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        return String(format: "%.1f MiB", Double(bytes) / 1_048_576)
    }
}
