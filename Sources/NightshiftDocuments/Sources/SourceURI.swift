import Foundation

/// Builds and reads the source URIs that identify a document across runs: `file:///abs/path` for a file,
/// `file:///abs/archive.zip#dir/a.md` for an archive entry, `…/outer.zip#inner.tar#b.md` one level deeper.
///
/// Only what would make the URI ambiguous or unprintable is percent-encoded (controls, space, `%`, `#`, `?`);
/// other characters, non-ASCII letters included, stay as they are so a report stays readable.
public enum SourceURI {
    /// The URI of a file at an absolute path (a relative path is taken from the current directory).
    public static func file(path: String) -> String {
        "file://" + encode(absolutePath(path))
    }

    /// The URI of an entry inside the archive (or nested archive) whose URI is `container`.
    public static func entry(_ entryPath: String, in container: String) -> String {
        container + "#" + encode(entryPath)
    }

    /// The parts of a URI made by this type: the file path, then the entry path at each nesting level.
    public static func components(of uri: String) -> (path: String, entries: [String])? {
        guard uri.hasPrefix("file://") else { return nil }
        let parts = uri.dropFirst("file://".count).split(separator: "#", omittingEmptySubsequences: false)
        guard let first = parts.first else { return nil }
        return (decode(first), parts.dropFirst().map(decode))
    }

    /// `path` made absolute and lexically normalised (`.` and `..` resolved, no symlinks followed).
    public static func absolutePath(_ path: String) -> String {
        var full = path
        if !full.hasPrefix("/") {
            full = FileManager.default.currentDirectoryPath + "/" + full
        }
        var parts: [Substring] = []
        for part in full.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    private static func encode(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v <= 0x20 || v == 0x7F || scalar == "%" || scalar == "#" || scalar == "?" {
                for byte in String(scalar).utf8 {
                    out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
                }
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func decode<S: StringProtocol>(_ text: S) -> String {
        String(text).removingPercentEncoding ?? String(text)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
