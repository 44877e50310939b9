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
    /// What a symbolic or hard link points to, as the header records it.
    public var linkTarget: String?
    /// What an `.other` entry is: `FIFO`, `character device`, `block device` or `socket` (nil when unknown).
    public var specialType: String?

    /// An entry header with the given fields.
    public init(
        path: String, size: Int?, kind: Kind, isEncrypted: Bool = false, modificationDate: Date? = nil,
        linkTarget: String? = nil, specialType: String? = nil
    ) {
        self.path = path
        self.size = size
        self.kind = kind
        self.isEncrypted = isEncrypted
        self.modificationDate = modificationDate
        self.linkTarget = linkTarget
        self.specialType = specialType
    }

    /// Whether a segment of the path is `..`: such an entry would name a file outside the archive's tree.
    public var leavesArchive: Bool {
        path.split(separator: "/").contains("..")
    }

    /// Why the entry is not read as a document, for the run report: a `..` path, a link or a special file; nil for
    /// a regular file or a directory (a directory is not a document, and its files are entries of their own).
    public var dropReason: DocumentSkip? {
        if leavesArchive {
            return DocumentSkip(.unsupported, "archive entry path with '..' (leaves the archive's tree): not read")
        }
        switch kind {
        case .file, .directory:
            return nil
        case .symlink:
            let target = linkTarget.map { " to \(Self.sanitized($0))" } ?? ""
            return DocumentSkip(.link, "symbolic link\(target) in an archive: never followed")
        case .hardlink:
            let target = linkTarget.map { " to \(Self.sanitized($0))" } ?? ""
            return DocumentSkip(
                .link, "hard link\(target) in an archive: not read (the entry it links to is read as itself)")
        case .other:
            return DocumentSkip(.unsupported, "\(specialType ?? "special file") in an archive: not a regular file")
        }
    }

    /// A name from an archive header made safe to print: control and format characters (escape sequences, bidi
    /// overrides, zero-width characters) written as `\u{…}`, and at most 200 characters kept.
    public static func sanitized(_ name: String) -> String {
        var out = ""
        var count = 0
        for scalar in name.unicodeScalars {
            if count == 200 {
                out += "…"
                break
            }
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned, .privateUse:
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default:
                out.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return out
    }
}
