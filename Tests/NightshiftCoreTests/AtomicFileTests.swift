import Foundation
import NightshiftCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Atomic file writes")
struct AtomicFileTests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ns-atomic-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func entries(_ folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    @Test("writing the same file twice replaces it, keeps its permissions and leaves no temporary file")
    func twice() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("costs.csv").path
        try AtomicFile.write("first\n", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "first\n")
        #expect(chmod(path, 0o640) == 0)
        try AtomicFile.write("second, longer\n", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "second, longer\n")
        try AtomicFile.write("third\n", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "third\n")
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o640)
        #expect(try Self.entries(folder) == ["costs.csv"])
        // Bytes are written as given (a byte order mark included).
        try AtomicFile.write(Data([0xEF, 0xBB, 0xBF, 0x41]), to: path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([0xEF, 0xBB, 0xBF, 0x41]))
    }

    @Test("a folder no one may create files in (root included) fails with the path named and the old file intact")
    func unwritableFolder() throws {
        // sysfs refuses new files to every user, root too: an honest unwritable folder for a test run as root.
        let sysfsFile = "/sys/kernel/address_bits"
        if FileManager.default.fileExists(atPath: sysfsFile) {
            let before = try String(contentsOfFile: sysfsFile, encoding: .utf8)
            do {
                try AtomicFile.write("replaced\n", to: sysfsFile)
                Issue.record("expected the write into /sys/kernel to fail")
            } catch let error as NightshiftError {
                #expect(error.code == .io)
                #expect(error.description.contains(sysfsFile))
                #expect(error.description.contains("/sys/kernel"))
                #expect(!error.description.contains("NSCocoaErrorDomain"))
            }
            #expect(try String(contentsOfFile: sysfsFile, encoding: .utf8) == before)
        }
        // A folder that does not exist, and a path under a regular file.
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("no-such-folder/costs.csv").path
        #expect {
            try AtomicFile.write("x", to: missing)
        } throws: { error in
            "\(error)".contains("does not exist") && "\(error)".contains(missing)
        }
        let file = folder.appendingPathComponent("plain")
        try AtomicFile.write("old\n", to: file.path)
        #expect {
            try AtomicFile.write("x", to: file.appendingPathComponent("costs.csv").path)
        } throws: { error in
            "\(error)".contains("is not a folder")
        }
        // The target is a folder: refused, the folder left alone.
        #expect {
            try AtomicFile.write("x", to: folder.path)
        } throws: { error in
            "\(error)".contains("is a folder")
        }
        #expect(try String(contentsOf: file, encoding: .utf8) == "old\n")
        #expect(try Self.entries(folder) == ["plain"])
        // Without root, an ordinary read-only folder: same error, old file intact.
        if geteuid() != 0 {
            let locked = folder.appendingPathComponent("locked")
            try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true)
            let report = locked.appendingPathComponent("costs.csv").path
            try AtomicFile.write("old report\n", to: report)
            #expect(chmod(locked.path, 0o555) == 0)
            defer { _ = chmod(locked.path, 0o755) }
            #expect {
                try AtomicFile.write("new report\n", to: report)
            } throws: { error in
                "\(error)".contains("not writable") && "\(error)".contains(report)
            }
            #expect(try String(contentsOfFile: report, encoding: .utf8) == "old report\n")
        }
    }
}
