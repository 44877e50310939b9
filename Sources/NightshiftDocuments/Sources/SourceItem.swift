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
    /// A plain file's size and modification time (nil for archive entries and URLs).
    public var stamp: FileStamp?

    /// An item with the given fields.
    public init(
        uri: String, relativePath: String, filename: String, bytes: [UInt8], modificationDate: Date? = nil,
        stamp: FileStamp? = nil
    ) {
        self.uri = uri
        self.relativePath = relativePath
        self.filename = filename
        self.bytes = bytes
        self.modificationDate = modificationDate
        self.stamp = stamp
    }
}

/// A file's size and modification time to the nanosecond: what a nightly run compares to skip reading a file it
/// stored before (as rsync and make do). Its text form `size:nanoseconds` is kept with the document.
public struct FileStamp: Sendable, Hashable, CustomStringConvertible {
    public var size: Int
    /// Nanoseconds since 1970.
    public var modified: Int64

    public init(size: Int, modified: Int64) {
        self.size = size
        self.modified = modified
    }

    /// Parses the text form; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let size = Int(parts[0]), let modified = Int64(parts[1]), size >= 0 else { return nil }
        self.init(size: size, modified: modified)
    }

    public var description: String { "\(size):\(modified)" }

    /// The modification time as a date.
    public var modificationDate: Date { Date(timeIntervalSince1970: Double(modified) / 1e9) }
}

/// What walking a source yields, in a deterministic order: a document, or a skip with its reason.
public enum SourceEvent: Sendable, Hashable {
    /// A document to extract.
    case document(SourceItem)
    /// Something passed over (unreadable, a symlink loop, a corrupt archive entry, a limit), with its URI.
    case skip(DocumentSkip)
    /// A plain file whose size and modification time equal those given in `SourceOptions.unchangedFiles`, or a
    /// container (an archive, a JSON Lines file) whose stamp equals the one in `unchangedContainers`: not read
    /// (its URI).
    case unchanged(String)
    /// An archive on disk read to its end (every entry yielded or skipped), with the stamp it had when opened.
    case containerRead(String, FileStamp)
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
    /// The setting that chose `maxFileBytes`, named by the skip of a file over it (nil: none named).
    public var maxFileSetting: String?
    /// Whether archives (zip, tar, tar.gz, tar.bz2, tar.xz, a compressed single file) are opened and their
    /// entries yielded; otherwise an archive is yielded as one document (which extraction then skips).
    public var openArchives: Bool
    /// Limits for reading archives, nested ones included.
    public var archiveLimits: ArchiveLimits
    /// Plain files (by URI) stored before, with the stamp they had: a file that still has it is yielded as
    /// `.unchanged` without being read. Empty: every file is read.
    public var unchangedFiles: [String: FileStamp] = [:]
    /// Files holding several documents (archives, JSON Lines files), by URI, with the stamp they had when their
    /// documents were stored: one that still has it is yielded as `.unchanged` without being read or opened.
    public var unchangedContainers: [String: FileStamp] = [:]

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
