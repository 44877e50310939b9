import Foundation

/// A temporary folder for one test, removed when the value is released.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("nightshift-docs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        // Folders made unreadable by a test must be readable again to be removed.
        _ = try? Process.run(URL(fileURLWithPath: "/bin/chmod"), arguments: ["-R", "u+rwx", url.path])
            .waitUntilExit()
        try? FileManager.default.removeItem(at: url)
    }

    var path: String { url.path }

    func path(_ relative: String) -> String { url.appendingPathComponent(relative).path }

    /// Writes a text file, creating its folders.
    @discardableResult
    func write(_ relative: String, _ text: String) throws -> String {
        try write(relative, bytes: Array(text.utf8))
    }

    /// Writes a file, creating its folders.
    @discardableResult
    func write(_ relative: String, bytes: [UInt8]) throws -> String {
        let file = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(
            at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: file)
        return file.path
    }

    func read(_ relative: String) throws -> [UInt8] {
        Array(try Data(contentsOf: url.appendingPathComponent(relative)))
    }
}

/// Runs a Python 3 script (the real zipfile/tarfile modules make the test archives) in `folder`.
func python(_ script: String, in folder: TemporaryFolder) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script]
    process.currentDirectoryURL = folder.url
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    let message = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw FixtureError(message: String(decoding: message, as: UTF8.self))
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var message: String
    var description: String { "fixture script failed: \(message)" }
}

/// Python that writes the same three small documents into every kind of archive (`make(name)`), so each test
/// reads real archives made by the standard tools.
let archiveScript = """
    import io, tarfile, zipfile, os
    FILES = [("docs/a.md", "# Alpha\\n\\nThe first document.\\n"), ("docs/sub/b.txt", "Bravo text.\\n"),
             ("c.html", "<html><body><p>Charlie</p></body></html>")]
    def make_zip(name, files=FILES):
        with zipfile.ZipFile(name, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("docs/", "")
            for path, text in files:
                z.writestr(path, text)
    def make_tar(name, mode, files=FILES):
        with tarfile.open(name, mode) as t:
            d = tarfile.TarInfo("docs"); d.type = tarfile.DIRTYPE; t.addfile(d)
            for path, text in files:
                data = text.encode()
                info = tarfile.TarInfo("./" + path); info.size = len(data); info.mtime = 1700000000
                t.addfile(info, io.BytesIO(data))
    """
