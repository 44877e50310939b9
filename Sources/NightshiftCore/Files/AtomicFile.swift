import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a file so that a reader sees the old content or the new, never half a file, and a failed write leaves
/// the old file as it was.
///
/// The bytes go to a temporary file in the target's folder (`.NAME.RANDOM.tmp`, created exclusively), which is
/// flushed to disk (`fsync`) and renamed over the target (`rename(2)`, atomic within a file system); the folder is
/// then flushed too, so the rename survives a crash. A target that exists keeps its permission bits. Any failure
/// removes the temporary file and throws a `NightshiftError(.io)` naming the path and what to do about it.
public enum AtomicFile {
    /// Writes `text` as UTF-8 to `path`.
    public static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }

    /// Writes `data` to `path`.
    public static func write(_ data: Data, to path: String) throws {
        try write([UInt8](data), to: path)
    }

    /// Writes `bytes` to `path`.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        guard !path.isEmpty else { throw failure(path, "the path is empty") }
        let target = URL(fileURLWithPath: path)
        let name = target.lastPathComponent
        let folder = target.deletingLastPathComponent().path

        var existing = stat()
        let exists = lstat(path, &existing) == 0
        if exists, (existing.st_mode & 0o170000) == 0o040000 {
            throw failure(path, "it is a folder; give a file name")
        }

        var suffix = SystemRandomNumberGenerator()
        var temporary = ""
        var descriptor: Int32 = -1
        for _ in 0..<8 {
            temporary = folder + "/." + name + "." + String(suffix.next() as UInt64, radix: 36) + ".tmp"
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if descriptor >= 0 || errno != EEXIST { break }
        }
        guard descriptor >= 0 else { throw failure(path, folderProblem(errno, folder: folder)) }

        var closed = false
        func abandon(_ problem: String) -> NightshiftError {
            if !closed { close(descriptor) }
            unlink(temporary)
            return failure(path, problem)
        }

        if exists, fchmod(descriptor, existing.st_mode & 0o7777) != 0 {
            throw abandon("cannot keep the existing file's permissions (\(String(cString: strerror(errno))))")
        }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return systemWrite(descriptor, base + written, buffer.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw abandon(writeProblem(errno))
            }
            written += count
        }
        if fsync(descriptor) != 0 { throw abandon(writeProblem(errno)) }
        closed = true
        if close(descriptor) != 0 { throw abandon(writeProblem(errno)) }
        if rename(temporary, path) != 0 {
            let code = errno
            throw abandon(code == EISDIR ? "it is a folder; give a file name" : folderProblem(code, folder: folder))
        }
        // The rename is durable once the folder's entry is on disk; a file system that cannot sync a folder
        // (EINVAL) has nothing more to flush.
        let folderDescriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folderDescriptor >= 0 {
            _ = fsync(folderDescriptor)
            close(folderDescriptor)
        }
    }

    private static func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
            Glibc.write(descriptor, bytes, count)
        #else
            Darwin.write(descriptor, bytes, count)
        #endif
    }

    private static func failure(_ path: String, _ problem: String) -> NightshiftError {
        NightshiftError(.io, "cannot write \(path): \(problem)")
    }

    private static func folderProblem(_ code: Int32, folder: String) -> String {
        switch code {
        case ENOENT:
            var info = stat()
            if stat(folder, &info) == 0 { return "no file can be created in the folder \(folder); choose another folder" }
            return "the folder \(folder) does not exist"
        case ENOTDIR: return "\(folder) is not a folder"
        case EACCES, EPERM: return "the folder \(folder) is not writable (permission denied); choose another folder or fix its permissions"
        case EROFS: return "the folder \(folder) is on a read-only file system; choose another folder"
        default: return "\(String(cString: strerror(code))) in the folder \(folder)"
        }
    }

    private static func writeProblem(_ code: Int32) -> String {
        switch code {
        case ENOSPC, EDQUOT: return "no space left on the device (the old file, if any, is unchanged)"
        case EFBIG: return "the file is larger than this process may write (the old file, if any, is unchanged)"
        default: return "\(String(cString: strerror(code))) (the old file, if any, is unchanged)"
        }
    }
}
