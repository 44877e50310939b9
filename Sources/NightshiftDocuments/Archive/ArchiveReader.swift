import CArchive
import Foundation
import NightshiftCore

/// Reads an archive (zip, tar, tar.gz, tar.bz2, tar.xz and whatever else libarchive knows) as a stream of
/// entries, from a file or from memory, never unpacking it to disk.
///
/// Every failure is a `DocumentSkip` naming the archive, the entry and libarchive's message. After an entry fails
/// the reader goes on with the next one when it can; after a fatal error (a truncated stream, a corrupt header) or
/// a compression-ratio violation in a compressed stream, `nextEntry()` returns nil and entries already read stay
/// good. Not thread-safe: one reader belongs to one task at a time (it owns a `struct archive`).
public final class ArchiveReader {
    /// What errors name as the archive: its path, or the name given for bytes in memory.
    public let name: String
    /// The limits this reader enforces.
    public let limits: ArchiveLimits

    /// Bytes asked of the source at a time; also the slack that keeps read-ahead from inflating a ratio.
    static let blockSize = 64 * 1024

    private let handle: OpaquePointer
    private var memory: UnsafeMutableRawBufferPointer?
    private var current: ArchiveEntry?
    private var rawAtEntryStart: Int64 = 0
    private var entryCount = 0
    private var totalBytes = 0
    /// True after the end of the archive or a failure that leaves libarchive unable to go on.
    public private(set) var isFinished = false

    /// Opens the archive at `path` for streaming; throws a skip when it cannot be opened or is not an archive.
    ///
    /// - Parameter singleFile: also accept a compressed single file (`notes.txt.gz`), read as one entry
    ///   named after the file without its compression suffix.
    public convenience init(path: String, limits: ArchiveLimits = .default, singleFile: Bool = false) throws {
        try self.init(name: path, limits: limits, singleFile: singleFile) { handle in
            archive_read_open_filename(handle, path, ArchiveReader.blockSize)
        }
    }

    /// Opens an archive held in memory (a nested archive, a DOCX); the bytes are copied and kept by the reader.
    public convenience init(
        bytes: [UInt8], name: String, limits: ArchiveLimits = .default, singleFile: Bool = false
    ) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress, let target = buffer.baseAddress {
                target.copyMemory(from: base, byteCount: source.count)
            }
        }
        do {
            try self.init(name: name, limits: limits, singleFile: singleFile) { handle in
                // Reading in blocks (rather than the whole buffer at once) keeps the ratio check meaningful.
                archive_read_open_memory2(handle, buffer.baseAddress, bytes.count, ArchiveReader.blockSize)
            }
        } catch {
            buffer.deallocate()
            throw error
        }
        memory = buffer
    }

    private init(
        name: String, limits: ArchiveLimits, singleFile: Bool, open: (OpaquePointer) -> Int32
    ) throws {
        guard let handle = archive_read_new() else {
            throw DocumentSkip(.unreadable, "libarchive could not allocate a reader for \(name)")
        }
        self.handle = handle
        self.name = name
        self.limits = limits
        archive_read_support_filter_all(handle)
        archive_read_support_format_all(handle)
        if singleFile {
            archive_read_support_format_raw(handle)
        }
        let status = Self.inUTF8Locale { open(handle) }
        if status < ARCHIVE_WARN {
            // Every stored property is set, so `deinit` runs and frees the handle.
            let message = Self.message(of: handle)
            let kind: DocumentSkip.Kind = message.contains("Failed to open") ? .unreadable : .corrupt
            throw DocumentSkip(kind, "cannot open archive \(name): \(message)")
        }
    }

    deinit {
        archive_read_free(handle)
        memory?.deallocate()
    }

    /// libarchive's name for the format (`ZIP 2.0 (deflation)`, `GNU tar format`), once an entry was read.
    public var formatName: String? {
        archive_format_name(handle).map { String(cString: $0) }
    }

    /// The compression filters around the archive, outermost last (`gzip`, `xz`); empty for a plain tar or zip.
    public var filterNames: [String] {
        let count = archive_filter_count(handle)
        guard count > 1 else { return [] }
        return (0..<(count - 1)).compactMap { index in
            archive_filter_name(handle, index).map { String(cString: $0) }
        }
    }

    /// Whether skipping an entry costs a seek rather than decompressing it (zip reads by its central directory).
    private var isRandomAccess: Bool {
        (archive_format(handle) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP
    }

    /// The next entry's header, or nil at the end; the previous entry's unread data is skipped.
    ///
    /// Throws a skip for an entry whose header cannot be read (the next call goes on when libarchive can) and for
    /// a fatal error (the reader is then finished).
    public func nextEntry() throws -> ArchiveEntry? {
        try Self.inUTF8Locale { try readHeader() }
    }

    private func readHeader() throws -> ArchiveEntry? {
        current = nil
        guard !isFinished else { return nil }
        var entryPointer: OpaquePointer?
        var status = archive_read_next_header(handle, &entryPointer)
        var retries = 0
        while status == ARCHIVE_RETRY && retries < 3 {
            retries += 1
            status = archive_read_next_header(handle, &entryPointer)
        }
        if status == ARCHIVE_EOF {
            isFinished = true
            return nil
        }
        if status == ARCHIVE_FATAL || status == ARCHIVE_RETRY {
            isFinished = true
            throw DocumentSkip(
                .corrupt, "archive \(name) unreadable after \(entryCount) entries: \(Self.message(of: handle))")
        }
        entryCount += 1
        if entryCount > limits.maxEntries {
            isFinished = true
            throw DocumentSkip(.limit, "archive \(name) has more than \(limits.maxEntries) entries")
        }
        let streamed = Int(archive_filter_bytes(handle, 0))
        if !isRandomAccess && streamed > limits.maxTotalBytes {
            isFinished = true
            throw DocumentSkip(
                .limit,
                "archive \(name) expands beyond \(Self.format(bytes: limits.maxTotalBytes))"
                    + ArchiveLimits.naming(limits.totalSetting))
        }
        guard let entryPointer else {
            throw DocumentSkip(.corrupt, "archive \(name): entry \(entryCount) has no header")
        }
        var entry = Self.entry(from: entryPointer, index: entryCount)
        if archive_format(handle) == ARCHIVE_FORMAT_RAW {
            // A compressed single file has no entry name of its own: use the archive's, without the suffix.
            entry.path = Self.rawEntryName(archiveName: name)
        }
        if status == ARCHIVE_FAILED {
            throw DocumentSkip(.corrupt, "entry \(entry.path) of \(name): \(Self.message(of: handle))")
        }
        current = entry
        rawAtEntryStart = archive_filter_bytes(handle, -1)
        return entry
    }

    /// Reads the current entry's bytes whole, enforcing the entry, total and ratio limits.
    public func readData() throws -> [UInt8] {
        var bytes: [UInt8] = []
        if let size = current?.size, size > 0 {
            // A header may lie about the size: reserve at most 16 MiB up front, grow beyond that as bytes come.
            bytes.reserveCapacity(min(size, limits.maxEntryBytes, 16 << 20))
        }
        try readData { chunk in bytes.append(contentsOf: chunk) }
        return bytes
    }

    /// Streams the current entry's bytes to `body` in blocks, enforcing the limits; returns the byte count.
    ///
    /// A limit violation or a read error throws a skip naming the entry; what `body` already received is the
    /// caller's to keep or drop.
    @discardableResult
    public func readData(_ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        guard let entry = current else {
            throw DocumentSkip(.corrupt, "archive \(name): no current entry to read")
        }
        current = nil
        guard entry.kind == .file else { return 0 }
        if entry.isEncrypted {
            throw DocumentSkip(.encrypted, "entry \(entry.path) of \(name) is encrypted")
        }
        if let size = entry.size, size > limits.maxEntryBytes {
            throw entryTooLarge(entry)
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.blockSize, alignment: 16)
        defer { buffer.deallocate() }
        var produced = 0
        while true {
            let count = archive_read_data(handle, buffer.baseAddress, Self.blockSize)
            if count == 0 { break }
            if count < 0 {
                if Int32(count) == ARCHIVE_FATAL { isFinished = true }
                throw DocumentSkip(.corrupt, "entry \(entry.path) of \(name): \(Self.message(of: handle))")
            }
            produced += count
            totalBytes += count
            if produced > limits.maxEntryBytes {
                throw entryTooLarge(entry)
            }
            if totalBytes > limits.maxTotalBytes {
                isFinished = true
                throw DocumentSkip(
                    .limit,
                    "archive \(name) expands beyond \(Self.format(bytes: limits.maxTotalBytes)) at entry \(entry.path)"
                        + ArchiveLimits.naming(limits.totalSetting))
            }
            if produced > limits.ratioFloorBytes {
                // The read-ahead block is added to the consumed bytes: a ratio only counts what it can prove.
                let consumed = Int(archive_filter_bytes(handle, -1) - rawAtEntryStart) + Self.blockSize
                let ratio = Double(produced) / Double(max(consumed, 1))
                if ratio > limits.maxCompressionRatio {
                    // Skipping the rest of a bomb in a compressed stream would mean inflating it: stop there.
                    if !isRandomAccess { isFinished = true }
                    throw DocumentSkip(
                        .limit,
                        "entry \(entry.path) of \(name): compression ratio above "
                            + "\(Int(limits.maxCompressionRatio)):1 after \(Self.format(bytes: produced)) (zip bomb?)"
                    )
                }
            }
            try body(UnsafeRawBufferPointer(start: buffer.baseAddress, count: count))
        }
        return produced
    }

    private func entryTooLarge(_ entry: ArchiveEntry) -> DocumentSkip {
        DocumentSkip(
            .limit,
            "entry \(entry.path) of \(name) exceeds the \(Self.format(bytes: limits.maxEntryBytes)) entry limit"
                + ArchiveLimits.naming(limits.entrySetting))
    }

    private static func entry(from pointer: OpaquePointer, index: Int) -> ArchiveEntry {
        let path: String
        if let utf8 = archive_entry_pathname_utf8(pointer) {
            path = String(cString: utf8)
        } else if let raw = archive_entry_pathname(pointer) {
            let bytes = UnsafeBufferPointer(
                start: UnsafeRawPointer(raw).assumingMemoryBound(to: UInt8.self), count: strlen(raw))
            path = String(decoding: bytes, as: UTF8.self)
        } else {
            path = "entry-\(index)"
        }
        let kind: ArchiveEntry.Kind
        var special: String?
        var target: UnsafePointer<CChar>?
        switch nightshift_archive_entry_kind(pointer) {
        case 1: kind = .file
        case 2: kind = .directory
        case 3:
            kind = .symlink
            target = archive_entry_symlink_utf8(pointer) ?? archive_entry_symlink(pointer)
        case 4:
            kind = .hardlink
            target = archive_entry_hardlink_utf8(pointer) ?? archive_entry_hardlink(pointer)
        case 5: (kind, special) = (.other, "FIFO")
        case 6: (kind, special) = (.other, "character device")
        case 7: (kind, special) = (.other, "block device")
        case 8: (kind, special) = (.other, "socket")
        default: kind = .other
        }
        let linkTarget = target.map { raw in
            String(
                decoding: UnsafeBufferPointer(
                    start: UnsafeRawPointer(raw).assumingMemoryBound(to: UInt8.self), count: strlen(raw)),
                as: UTF8.self)
        }
        let size = archive_entry_size_is_set(pointer) != 0 ? Int(archive_entry_size(pointer)) : nil
        let date =
            archive_entry_mtime_is_set(pointer) != 0
            ? Date(timeIntervalSince1970: TimeInterval(archive_entry_mtime(pointer))) : nil
        return ArchiveEntry(
            path: normalize(path), size: size, kind: kind, isEncrypted: archive_entry_is_encrypted(pointer) != 0,
            modificationDate: date, linkTarget: linkTarget, specialType: special)
    }

    /// Drops `./` and leading `/` so the same file has the same path whichever tool made the archive.
    static func normalize(_ path: String) -> String {
        var parts = path.split(separator: "/", omittingEmptySubsequences: true)
        parts.removeAll { $0 == "." }
        return parts.joined(separator: "/")
    }

    /// `notes.txt.gz` → `notes.txt`: the name of the one file a compressed stream holds.
    static func rawEntryName(archiveName: String) -> String {
        let last = archiveName.split(whereSeparator: { $0 == "/" || $0 == "#" }).last.map(String.init) ?? "data"
        for suffix in [".gz", ".bz2", ".xz", ".tgz", ".tbz2", ".txz"] where last.lowercased().hasSuffix(suffix) {
            let stem = String(last.dropLast(suffix.count))
            return suffix.hasPrefix(".t") ? stem + ".tar" : stem
        }
        return last
    }

    /// Runs libarchive calls that convert names with this thread's character type set to UTF-8.
    private static func inUTF8Locale<T>(_ body: () throws -> T) rethrows -> T {
        let previous = nightshift_archive_locale_enter()
        defer { nightshift_archive_locale_restore(previous) }
        return try body()
    }

    private static func message(of handle: OpaquePointer) -> String {
        archive_error_string(handle).map { String(cString: $0) } ?? "unknown libarchive error"
    }

    static func format(bytes: Int) -> String {
        if bytes >= 1 << 30, bytes % (1 << 30) == 0 { return "\(bytes >> 30) GiB" }
        if bytes >= 1 << 20 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }
}
