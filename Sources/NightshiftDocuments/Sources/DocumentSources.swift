import Foundation

/// Walks files, folders and archives lazily and in a deterministic order, yielding one `SourceEvent` at a time:
/// a document with its bytes, or a skip with its reason. Only the current document and one folder listing per
/// depth are held in memory, so a corpus of any size streams through.
///
/// - Folders are walked depth first, entries sorted by their UTF-8 bytes; hidden names (`.git`, `.DS_Store`) are
///   passed over unless `includeHidden`; excluded folders are not entered.
/// - Symbolic links are followed (unless `followSymlinks` is false); a folder reached twice (a loop, or two
///   links to one place) is walked once and the second visit is a `link` skip; a link leaving the root is a
///   `link` skip unless `allowLinksOutsideRoot`.
/// - Archives (by content: zip that is not DOCX/ODT/EPUB, tar, gzip, bzip2, xz) are streamed through libarchive
///   and their entries yielded with URIs `file:///abs/x.zip#dir/a.md`; an archive inside an archive is opened
///   down to `archiveLimits.maxNestingDepth` levels.
/// - An unreadable file, a corrupt entry or a limit gives a skip, and the walk goes on.
///
/// The iterator does blocking file I/O: run it off the cooperative pool (`DocumentSources.events` does).
public struct DocumentSources: Sequence, Sendable {
    /// Files, folders and archives to walk, in the order given.
    public var paths: [String]
    /// How to walk them.
    public var options: SourceOptions

    /// Sources for the given paths (relative paths are taken from the current directory).
    public init(paths: [String], options: SourceOptions = SourceOptions()) {
        self.paths = paths
        self.options = options
    }

    /// A fresh walk.
    public func makeIterator() -> Iterator {
        Iterator(paths: paths, options: options)
    }

    /// The walk's state; not thread-safe (it owns open archives).
    public struct Iterator: IteratorProtocol {
        private let state: WalkState

        init(paths: [String], options: SourceOptions) {
            state = WalkState(paths: paths, options: options)
        }

        /// The next document or skip, or nil when every path has been walked.
        public mutating func next() -> SourceEvent? {
            state.next()
        }
    }
}

/// The mutable part of a walk, a class so the iterator can be copied without forking open archives.
final class WalkState {
    private let options: SourceOptions
    private var roots: [String]
    private var root = RootContext(path: "/", realPath: "/")
    private var stack: [Frame] = []
    private var visited: Set<FileSystem.FileIdentity> = []

    private struct RootContext {
        var path: String
        var realPath: String
    }

    private enum Frame {
        case folder(FolderFrame)
        case archive(ArchiveFrame)
    }

    private final class FolderFrame {
        let path: String
        let relative: String
        let names: [String]
        let identity: FileSystem.FileIdentity
        var index = 0

        init(path: String, relative: String, names: [String], identity: FileSystem.FileIdentity) {
            self.path = path
            self.relative = relative
            self.names = names
            self.identity = identity
        }
    }

    private final class ArchiveFrame {
        let reader: ArchiveReader
        let uri: String
        let relative: String
        let depth: Int
        /// The stamp of an archive that is a file on disk (nil for a nested one).
        let stamp: FileStamp?

        init(reader: ArchiveReader, uri: String, relative: String, depth: Int, stamp: FileStamp?) {
            self.reader = reader
            self.uri = uri
            self.relative = relative
            self.depth = depth
            self.stamp = stamp
        }
    }

    /// Bytes read to sniff a file before deciding whether it is an archive.
    private static let sniffBytes = 4096

    init(paths: [String], options: SourceOptions) {
        self.options = options
        self.roots = paths.reversed()
    }

    func next() -> SourceEvent? {
        while true {
            if let frame = stack.last {
                switch frame {
                case .folder(let folder):
                    guard folder.index < folder.names.count else {
                        stack.removeLast()
                        continue
                    }
                    let name = folder.names[folder.index]
                    folder.index += 1
                    let relative = folder.relative.isEmpty ? name : folder.relative + "/" + name
                    let path = folder.path == "/" ? "/" + name : folder.path + "/" + name
                    if let event = visit(path: path, relative: relative, name: name, isRoot: false) {
                        return event
                    }
                case .archive(let archive):
                    if let event = step(archive) {
                        return event
                    }
                }
                continue
            }
            guard let next = roots.popLast() else { return nil }
            let path = SourceURI.absolutePath(next)
            root = RootContext(path: path, realPath: FileSystem.realPath(path) ?? path)
            visited = []
            let name = path.split(separator: "/").last.map(String.init) ?? path
            if let event = visit(path: path, relative: "", name: name, isRoot: true) {
                return event
            }
        }
    }

    // MARK: Files and folders

    private func visit(path: String, relative: String, name: String, isRoot: Bool) -> SourceEvent? {
        if !isRoot && !options.includeHidden && name.hasPrefix(".") { return nil }
        let uri = SourceURI.file(path: path)
        var status: FileSystem.Status
        switch FileSystem.status(path, followLinks: false) {
        case .success(let value): status = value
        case .failure(let failure): return skip(.unreadable, "cannot read: \(failure)", uri)
        }
        var throughLink = false
        if status.kind == .symlink {
            guard options.followSymlinks || isRoot else {
                return skip(.link, "symbolic link not followed", uri)
            }
            switch FileSystem.status(path, followLinks: true) {
            case .success(let value): status = value
            case .failure(let failure): return skip(.link, "broken symbolic link: \(failure)", uri)
            }
            if !isRoot && !options.allowLinksOutsideRoot {
                let target = FileSystem.realPath(path) ?? path
                let inside = root.realPath == "/" || target == root.realPath || target.hasPrefix(root.realPath + "/")
                if !inside {
                    return skip(.link, "symbolic link leads outside the root (to \(target))", uri)
                }
            }
            throughLink = true
        }
        switch status.kind {
        case .directory:
            if !isRoot && !options.filter.entersFolder(relative) { return nil }
            if visited.contains(status.identity) {
                let isLoop = stack.contains {
                    if case .folder(let folder) = $0 { return folder.identity == status.identity }
                    return false
                }
                let reason = isLoop ? "symbolic link loop" : "folder already walked through another path"
                return skip(.link, throughLink ? reason : "folder already walked (bind mount?)", uri)
            }
            switch FileSystem.list(path) {
            case .success(let names):
                visited.insert(status.identity)
                stack.append(
                    .folder(FolderFrame(path: path, relative: relative, names: names, identity: status.identity)))
                return nil
            case .failure(let failure):
                return skip(.unreadable, "cannot list folder: \(failure)", uri)
            }
        case .file:
            return visitFile(path: path, relative: isRoot ? name : relative, name: name, status: status, isRoot: isRoot)
        case .symlink, .other:
            return skip(.unsupported, "not a regular file or folder", uri)
        }
    }

    private func visitFile(
        path: String, relative: String, name: String, status: FileSystem.Status, isRoot: Bool
    ) -> SourceEvent? {
        let uri = SourceURI.file(path: path)
        let filter = options.filter
        if !isRoot && !filter.entersFolder(relative) { return nil }
        let wanted = isRoot || filter.keepsFile(relative)
        let mayBeArchive = options.openArchives && (filter.include.isEmpty || FileExtension(name).isArchiveName)
        if !wanted && !mayBeArchive { return nil }
        if status.size > options.maxFileBytes && !mayBeArchive {
            return skip(.limit, options.fileTooLargeReason, uri)
        }
        let stamp = FileStamp(size: status.size, modified: status.modifiedNanoseconds)
        if wanted, options.unchangedFiles[uri] == stamp { return .unchanged(uri) }
        if options.unchangedContainers[uri] == stamp { return .unchanged(uri) }
        let file: FileSystem.ReadableFile
        var bytes: [UInt8] = []
        do {
            file = try FileSystem.ReadableFile(path: path)
            _ = try file.read(into: &bytes, count: Self.sniffBytes)
        } catch {
            return skip(.unreadable, "cannot read: \(error)", uri)
        }
        if mayBeArchive, let format = archiveFormat(prefix: bytes, name: name, probe: { ZipProbe(path: path) }) {
            do {
                let reader = try ArchiveReader(
                    path: path, limits: options.archiveLimits, singleFile: format != .zip && format != .tar)
                stack.append(.archive(ArchiveFrame(reader: reader, uri: uri, relative: relative, depth: 0, stamp: stamp)))
                return nil
            } catch {
                return skip(error, uri)
            }
        }
        guard wanted else { return nil }
        if status.size > options.maxFileBytes {
            return skip(.limit, options.fileTooLargeReason, uri)
        }
        do {
            bytes.reserveCapacity(status.size + 1)
            while bytes.count <= options.maxFileBytes {
                let want = min(max(64 * 1024, status.size + 1 - bytes.count), 4 << 20)
                if try file.read(into: &bytes, count: want) == 0 { break }
            }
        } catch {
            return skip(.unreadable, "cannot read: \(error)", uri)
        }
        if bytes.count > options.maxFileBytes {
            return skip(.limit, options.fileTooLargeReason, uri)
        }
        return .document(
            SourceItem(
                uri: uri, relativePath: relative, filename: name, bytes: bytes,
                modificationDate: status.modificationDate, stamp: stamp))
    }

    /// The archive format of a file or entry, or nil when it is a document (DOCX, ODT and EPUB are documents).
    private func archiveFormat(prefix: [UInt8], name: String, probe: () -> ZipProbe) -> DocumentFormat? {
        guard let magic = FormatDetector.detectMagic(prefix), magic.isArchive else { return nil }
        guard magic == .zip else { return magic }
        switch FileExtension(name).value {
        case "docx", "odt", "epub": return nil
        default: return FormatDetector.zipKind(probe(), filename: name) == .zip ? .zip : nil
        }
    }

    // MARK: Archives

    private func step(_ frame: ArchiveFrame) -> SourceEvent? {
        var entryURI = frame.uri
        do {
            guard let entry = try frame.reader.nextEntry() else {
                stack.removeLast()
                return frame.stamp.map { .containerRead(frame.uri, $0) }
            }
            guard entry.kind != .directory else { return nil }
            if entry.leavesArchive, let dropped = entry.dropReason {
                return .skip(dropped.at(SourceURI.entry(ArchiveEntry.sanitized(entry.path), in: frame.uri)))
            }
            entryURI = SourceURI.entry(entry.path, in: frame.uri)
            let segments = entry.path.split(separator: "/")
            if !options.includeHidden && segments.contains(where: { $0.hasPrefix(".") }) { return nil }
            let filter = options.filter
            if !filter.entersFolder(entry.path) { return nil }
            let name = segments.last.map(String.init) ?? entry.path
            let wanted = filter.keepsFile(entry.path)
            if let dropped = entry.dropReason {
                return wanted ? .skip(dropped.at(SourceURI.entry(ArchiveEntry.sanitized(entry.path), in: frame.uri))) : nil
            }
            let mayBeArchive = options.openArchives && (filter.include.isEmpty || FileExtension(name).isArchiveName)
            if !wanted && !mayBeArchive { return nil }
            let bytes = try frame.reader.readData()
            let relative = frame.relative + "#" + entry.path
            if mayBeArchive, let format = archiveFormat(prefix: bytes, name: name, probe: { ZipProbe(bytes: bytes) }) {
                guard frame.depth < options.archiveLimits.maxNestingDepth else {
                    return skip(
                        .limit, "archive nested deeper than \(options.archiveLimits.maxNestingDepth) level(s)",
                        entryURI)
                }
                let reader = try ArchiveReader(
                    bytes: bytes, name: entryURI, limits: options.archiveLimits,
                    singleFile: format != .zip && format != .tar)
                stack.append(
                    .archive(
                        ArchiveFrame(
                            reader: reader, uri: entryURI, relative: relative, depth: frame.depth + 1, stamp: nil)))
                return nil
            }
            guard wanted else { return nil }
            return .document(
                SourceItem(
                    uri: entryURI, relativePath: relative, filename: name, bytes: bytes,
                    modificationDate: entry.modificationDate))
        } catch {
            if frame.reader.isFinished, case .archive(let top) = stack.last, top === frame {
                stack.removeLast()
            }
            return skip(error, entryURI)
        }
    }

    // MARK: Skips

    private func skip(_ kind: DocumentSkip.Kind, _ reason: String, _ uri: String) -> SourceEvent {
        .skip(DocumentSkip(kind, reason, uri: uri))
    }

    private func skip(_ error: any Error, _ uri: String) -> SourceEvent {
        if let skip = error as? DocumentSkip {
            return .skip(skip.uri == nil ? skip.at(uri) : skip)
        }
        return .skip(DocumentSkip(.unreadable, "\(error)", uri: uri))
    }
}
