import NightshiftCore

/// A document (file, archive entry, URL) that ingestion passes over, with the reason the run report shows.
///
/// A skip is an expected outcome, not a failure: a run that only skipped things succeeds unless `--strict`.
/// `DocumentExtractor.extract` throws it; sources yield it as `SourceEvent.skip`.
public struct DocumentSkip: Error, Sendable, Hashable, CustomStringConvertible {
    /// Why a document was skipped, stable across releases so reports can group by it.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A format Nightshift does not extract (PDF, images, executables).
        case unsupported
        /// Bytes that are not text (NUL bytes, control characters, undecodable UTF-8).
        case binary
        /// Nothing to extract: an empty file or a document with no text.
        case empty
        /// A damaged file or archive: libarchive or libxml2 could not read it.
        case corrupt
        /// A size, total or compression-ratio limit was exceeded (a zip bomb lands here).
        case limit
        /// The file or folder could not be opened or read (permissions, I/O error, vanished).
        case unreadable
        /// A symbolic link that is broken, loops, or points outside the root when that is not allowed.
        case link
        /// Encrypted content (Nightshift takes no passwords).
        case encrypted
    }

    /// Why it was skipped.
    public var kind: Kind
    /// A human reason, naming the format or the library's message (`unsupported format: PDF`).
    public var reason: String
    /// What was skipped: a source URI (`file:///abs/a.zip#dir/b.pdf`), or nil when the caller knows it.
    public var uri: String?

    /// A skip of `uri` (if known) for a reason.
    public init(_ kind: Kind, _ reason: String, uri: String? = nil) {
        self.kind = kind
        self.reason = reason
        self.uri = uri
    }

    /// The same skip, naming what was skipped.
    public func at(_ uri: String) -> DocumentSkip {
        DocumentSkip(kind, reason, uri: uri)
    }

    /// `uri: reason`, or the reason alone.
    public var description: String {
        if let uri { return "\(uri): \(reason)" }
        return reason
    }

    /// The skip as a `NightshiftError` (code `format`, or `io` when unreadable), for logs and `--strict` runs.
    public var error: NightshiftError {
        var context = ["skip": kind.rawValue]
        if let uri { context["uri"] = uri }
        return NightshiftError(kind == .unreadable ? .io : .format, reason, context: context)
    }
}
