import Foundation
import NightshiftTestSupport
import Testing

/// The README's two set-up commands: the first installs what the build needs, builds and runs the main job on
/// the embedded store; the second runs the tests. Each must work on a fresh machine, before the other has run.
@Suite("Set-up commands")
struct SetUpCommandTests {
    private let root = TestEnvironment.repositoryRoot

    private func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// The `sh` code blocks of the README's "Set up" section, each as its lines.
    private func setUpBlocks() throws -> [[String]] {
        let readme = try read("README.md")
        let start = try #require(readme.range(of: "\n## Set up\n"), "README has a Set up section")
        let rest = readme[start.upperBound...]
        let section = rest.range(of: "\n## ").map { rest[..<$0.lowerBound] } ?? rest
        var blocks: [[String]] = []
        var current: [String]?
        for line in section.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```sh") {
                current = []
            } else if line.hasPrefix("```"), let lines = current {
                blocks.append(lines)
                current = nil
            } else if current != nil {
                current?.append(String(line))
            }
        }
        return blocks
    }

    @Test("the README holds exactly two set-up commands: scripts/setup.sh and scripts/test.sh, which CI runs")
    func readmeCommands() throws {
        let blocks = try setUpBlocks()
        #expect(blocks == [["scripts/setup.sh"], ["scripts/test.sh"]])
        #expect(try read(".ci/run").contains("scripts/test.sh"))
    }

    /// Each apt package that Package.swift names as a system library's provider.
    private func aptProviders() throws -> Set<String> {
        let manifest = try read("Package.swift")
        let pattern = try NSRegularExpression(pattern: #"\.apt\(\[([^\]]*)\]\)"#)
        var names: Set<String> = []
        let range = NSRange(manifest.startIndex..., in: manifest)
        for match in pattern.matches(in: manifest, range: range) {
            guard let list = Range(match.range(at: 1), in: manifest) else { continue }
            for item in manifest[list].split(separator: ",") {
                names.insert(item.trimmingCharacters(in: CharacterSet(charactersIn: " \"")))
            }
        }
        return names
    }

    private func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws
        -> (status: Int32, output: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = root
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("scripts/deps.sh lists every system library the manifest needs")
    func dependencyList() throws {
        let providers = try aptProviders()
        #expect(providers.contains("libcurl4-openssl-dev"))
        #expect(providers.contains("libarchive-dev"))
        let listed = Set(try run("/bin/bash", ["scripts/deps.sh", "--list"]).output.split(separator: "\n").map(String.init))
        #expect(providers.isSubset(of: listed), "missing from scripts/deps.sh: \(providers.subtracting(listed))")
    }

    /// Runs scripts/setup.sh with `dpkg`, `apt-get` and `swift` replaced by recorders on PATH: a machine on which
    /// libcurl's and libarchive's headers are missing.
    @Test("scripts/setup.sh installs the missing packages before it builds, then ingests and searches")
    func setUpOnAFreshMachine() throws {
        let fake = try TestEnvironment.temporaryDirectory("setup-path")
        defer { try? FileManager.default.removeItem(at: fake) }
        let log = fake.appendingPathComponent("calls.log").path
        let binFolder = fake.appendingPathComponent("release")
        try FileManager.default.createDirectory(at: binFolder, withIntermediateDirectories: true)
        let scripts: [String: String] = [
            "dpkg": """
                case "$2" in libcurl4-openssl-dev|libarchive-dev) exit 1 ;; esac
                exit 0
                """,
            "apt-get": #"echo "apt-get $*" >>"$CALLS""#,
            "swift": """
                echo "swift $*" >>"$CALLS"
                case "$*" in *--show-bin-path*) echo "\(binFolder.path)" ;; esac
                """,
            "sudo": #""$@""#,
            "release/nightshift": #"echo "nightshift $*" >>"$CALLS""#,
        ]
        for (name, body) in scripts {
            let path = fake.appendingPathComponent(name).path
            try TestEnvironment.writeExecutable("#!/bin/sh\n\(body)\n", to: path)
        }
        let path = fake.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let result = try run("/bin/bash", ["scripts/setup.sh"], environment: ["PATH": path, "CALLS": log])
        #expect(result.status == 0, "\(result.output)")
        let calls = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        let install = calls.firstIndex { $0.hasPrefix("apt-get") && $0.contains("install") }
        let build = calls.firstIndex { $0.hasPrefix("swift build -c release") && !$0.contains("--show-bin-path") }
        let ingest = calls.firstIndex { $0 == "nightshift ingest fixtures/docs" }
        let search = calls.firstIndex { $0.hasPrefix("nightshift search ") }
        #expect(install != nil && build != nil && ingest != nil && search != nil, "\(calls)")
        if let install, let build, let ingest, let search {
            #expect(install < build && build < ingest && ingest < search, "\(calls)")
            #expect(calls[install].contains("libcurl4-openssl-dev") && calls[install].contains("libarchive-dev"))
            #expect(!calls[install].contains("libpq-dev"), "only the missing packages are installed")
        }
    }
}
