import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The few POSIX calls the walker needs, with `errno` turned into readable reasons.
enum FileSystem {
    /// What `lstat`/`stat` says about a path.
    struct Status: Hashable {
        enum Kind { case file, directory, symlink, other }
        var kind: Kind
        var size: Int
        var device: UInt64
        var inode: UInt64
        var modificationDate: Date
        /// The modification time in nanoseconds since 1970 (exact, unlike the date).
        var modifiedNanoseconds: Int64

        var identity: FileIdentity { FileIdentity(device: device, inode: inode) }
    }

    /// A file's identity on this machine, for loop detection.
    struct FileIdentity: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    /// `lstat` (the link itself) or `stat` (what it points to); the failure reason otherwise.
    static func status(_ path: String, followLinks: Bool) -> Result<Status, Failure> {
        var info = stat()
        let result = followLinks ? stat(path, &info) : lstat(path, &info)
        guard result == 0 else { return .failure(Failure(errno: errno)) }
        let kind: Status.Kind
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .file
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symlink
        default: kind = .other
        }
        #if canImport(Darwin)
            let modified = info.st_mtimespec
        #else
            let modified = info.st_mtim
        #endif
        let seconds = TimeInterval(modified.tv_sec) + TimeInterval(modified.tv_nsec) / 1e9
        return .success(
            Status(
                kind: kind, size: Int(info.st_size), device: UInt64(info.st_dev), inode: UInt64(info.st_ino),
                modificationDate: Date(timeIntervalSince1970: seconds),
                modifiedNanoseconds: Int64(modified.tv_sec) &* 1_000_000_000 &+ Int64(modified.tv_nsec)))
    }

    /// The names in a folder (without `.` and `..`), sorted by their UTF-8 bytes so every machine agrees.
    static func list(_ path: String) -> Result<[String], Failure> {
        guard let directory = opendir(path) else { return .failure(Failure(errno: errno)) }
        defer { closedir(directory) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(directory) else {
                if errno != 0 { return .failure(Failure(errno: errno)) }
                break
            }
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        names.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return .success(names)
    }

    /// The canonical path (links resolved), or nil when it cannot be resolved.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// An open file, read in blocks and closed on `deinit`.
    final class ReadableFile {
        private let descriptor: Int32

        init(path: String) throws(Failure) {
            // O_NONBLOCK: a FIFO swapped in after the stat must not hang the walk.
            let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
            guard fd >= 0 else { throw Failure(errno: errno) }
            descriptor = fd
        }

        deinit { close(descriptor) }

        /// Up to `count` bytes appended to `buffer`; 0 at the end of the file.
        func read(into buffer: inout [UInt8], count: Int) throws(Failure) -> Int {
            let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 16)
            defer { scratch.deallocate() }
            var got = 0
            repeat {
                got = posixRead(descriptor, scratch.baseAddress, count)
            } while got < 0 && errno == EINTR
            guard got >= 0 else { throw Failure(errno: errno) }
            // Appending from a raw buffer is a copy, where filling with zeros first would touch every byte twice.
            buffer.append(contentsOf: UnsafeRawBufferPointer(start: scratch.baseAddress, count: got))
            return got
        }
    }

    /// An `errno` with its message.
    struct Failure: Error, CustomStringConvertible {
        var errno: Int32
        var description: String { String(cString: strerror(errno)) }
    }
}

/// `read(2)`, named apart from the `read` methods above.
@inline(__always)
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}
