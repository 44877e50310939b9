import Foundation

/// One document a source produced: its identity, its name (for detection by extension) and its bytes.
public struct SourceItem: Sendable, Hashable {
    /// The source URI that identifies the document across runs (`file:///abs/a.md`, `file:///abs/x.zip#dir/a.md`).
    public var uri: String
    /// The path relative to the root it was found under (`docs/a.md`, `x.zip#dir/a.md`); the file name for a root.
    public var relativePath: String
    /// The file or entry name, whose extension helps detection.
    public var filename: String
    /// The document's bytes, read whole (bounded by `SourceOptions.maxFileBytes` or the archive limits).
    public var bytes: [UInt8]
    /// The modification time of the file or archive entry, when known.
    public var modificationDate: Date?

    /// An item with the given fields.
    public init(uri: String, relativePath: String, filename: String, bytes: [UInt8], modificationDate: Date? = nil) {
        self.uri = uri
        self.relativePath = relativePath
        self.filename = filename
        self.bytes = bytes
        self.modificationDate = modificationDate
    }
}

/// What walking a source yields, in a deterministic order: a document, or a skip with its reason.
public enum SourceEvent: Sendable, Hashable {
    /// A document to extract.
    case document(SourceItem)
    /// Something passed over (unreadable, a symlink loop, a corrupt archive entry, a limit), with its URI.
    case skip(DocumentSkip)
}

/// How files, folders and archives are walked.
public struct SourceOptions: Sendable, Hashable {
    /// Include and exclude patterns, matched against paths relative to each root (and against entry paths
    /// inside archives). Include patterns select documents, not containers: an archive is opened whatever they say.
    public var filter: PathFilter
    /// Whether files and folders whose name starts with `.` are walked (a root is always walked).
    public var includeHidden: Bool
    /// Whether symbolic links are followed (loops are detected by device and inode either way).
    public var followSymlinks: Bool
    /// Whether a followed link may lead outside the root it was found under.
    public var allowLinksOutsideRoot: Bool
    /// The largest file read whole; a larger one is skipped (archives are streamed and bound by `archiveLimits`).
    public var maxFileBytes: Int
    /// Whether archives (zip, tar, tar.gz, tar.bz2, tar.xz, a compressed single file) are opened and their
    /// entries yielded; otherwise an archive is yielded as one document (which extraction then skips).
    public var openArchives: Bool
    /// Limits for reading archives, nested ones included.
    public var archiveLimits: ArchiveLimits

    /// Options with the given values; the defaults walk everything visible and follow links inside the root.
    public init(
        filter: PathFilter = PathFilter(), includeHidden: Bool = false, followSymlinks: Bool = true,
        allowLinksOutsideRoot: Bool = false, maxFileBytes: Int = 256 << 20, openArchives: Bool = true,
        archiveLimits: ArchiveLimits = .default
    ) {
        self.filter = filter
        self.includeHidden = includeHidden
        self.followSymlinks = followSymlinks
        self.allowLinksOutsideRoot = allowLinksOutsideRoot
        self.maxFileBytes = maxFileBytes
        self.openArchives = openArchives
        self.archiveLimits = archiveLimits
    }
}
