import Foundation

extension DocumentSources {
    /// Why a root given to a walk cannot be walked at all (`no such file or folder`, `permission denied`), or nil
    /// when it can. A walk would only skip it; a caller naming roots on a command line treats this as bad input.
    public static func rootProblem(_ path: String) -> String? {
        let absolute = SourceURI.absolutePath(path)
        switch FileSystem.status(absolute, followLinks: true) {
        case .success(let status):
            switch status.kind {
            case .file, .directory: return nil
            case .symlink, .other: return "not a regular file or folder"
            }
        case .failure(let failure):
            if failure.errno == ENOENT || failure.errno == ENOTDIR { return "no such file or folder" }
            return "cannot read: \(failure)"
        }
    }

    /// How many files a walk of `paths` will visit: regular files its filters keep, and archives (by name),
    /// found by listing folders only, no file being opened. Each archive counts as one file, whatever it holds.
    /// For progress output: it stops early (returning nil) past `limit` files, or when `isCancelled` says so.
    public static func countFiles(
        _ paths: [String], options: SourceOptions, limit: Int = 10_000_000, isCancelled: () -> Bool = { false }
    ) -> Int? {
        var count = 0
        for path in paths {
            let root = SourceURI.absolutePath(path)
            guard case .success(let status) = FileSystem.status(root, followLinks: true) else { continue }
            if status.kind == .file {
                count += 1
                continue
            }
            guard status.kind == .directory else { continue }
            var visited: Set<FileSystem.FileIdentity> = [status.identity]
            var folders: [(path: String, relative: String)] = [(root, "")]
            while let folder = folders.popLast() {
                if isCancelled() || count > limit { return nil }
                guard case .success(let names) = FileSystem.list(folder.path) else { continue }
                for name in names {
                    if !options.includeHidden && name.hasPrefix(".") { continue }
                    let path = folder.path == "/" ? "/" + name : folder.path + "/" + name
                    let relative = folder.relative.isEmpty ? name : folder.relative + "/" + name
                    guard case .success(let entry) = FileSystem.status(path, followLinks: options.followSymlinks)
                    else { continue }
                    switch entry.kind {
                    case .directory:
                        if options.filter.entersFolder(relative), visited.insert(entry.identity).inserted {
                            folders.append((path, relative))
                        }
                    case .file:
                        guard options.filter.entersFolder(relative) else { continue }
                        let archive = options.openArchives && FileExtension(name).isArchiveName
                        if options.filter.keepsFile(relative) || archive { count += 1 }
                    case .symlink, .other:
                        continue
                    }
                }
            }
        }
        return count
    }
}
