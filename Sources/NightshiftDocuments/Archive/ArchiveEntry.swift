import Foundation

/// One entry's header in an archive: where it is, what it is and how big it claims to be.
public struct ArchiveEntry: Sendable, Hashable {
    /// What an entry holds.
    public enum Kind: String, Sendable, Hashable {
        /// A regular file, whose bytes can be read.
        case file
        /// A directory; it has no bytes.
        case directory
        /// A symbolic link; never followed inside an archive.
        case symlink
        /// A hard link to an earlier entry; its bytes are that entry's.
        case hardlink
        /// A device, FIFO or socket.
        case other
    }

    /// The path inside the archive, without a leading `./` or `/`; `/` separates folders.
    public var path: String
    /// The uncompressed size the header declares; nil when the format does not say (streamed zip entries).
    public var size: Int?
    /// What the entry holds.
    public var kind: Kind
    /// Whether the entry's data is encrypted (it is then skipped: Nightshift takes no passwords).
    public var isEncrypted: Bool
    /// The modification time the header records, if any.
    public var modificationDate: Date?

    /// An entry header with the given fields.
    public init(path: String, size: Int?, kind: Kind, isEncrypted: Bool = false, modificationDate: Date? = nil) {
        self.path = path
        self.size = size
        self.kind = kind
        self.isEncrypted = isEncrypted
        self.modificationDate = modificationDate
    }
}
