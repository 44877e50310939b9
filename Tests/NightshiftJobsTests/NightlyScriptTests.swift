import Foundation
#if canImport(Glibc)
    import Glibc
#endif
import NightshiftCore
import NightshiftTestSupport
import Testing

/// `jobs/nightshift-nightly.sh` run by bash with a fake `nightshift` that records how it was called.
@Suite("Nightly script")
struct NightlyScriptTests {
    static let script = TestEnvironment.repositoryRoot.appendingPathComponent("jobs/nightshift-nightly.sh").path

    /// A folder with a fake binary (appending `ARGS|sources=…|config=…` to `calls.log`) and two source folders.
    struct Setup {
        let folder: URL
        var fake: String { folder.appendingPathComponent("fake-nightshift").path }
        var log: String { folder.appendingPathComponent("calls.log").path }
        var kbA: String { folder.appendingPathComponent("kb-a").path }
        var kbB: String { folder.appendingPathComponent("kb b").path }

        init() throws {
            folder = try TestEnvironment.temporaryDirectory("nightly")
            let text = """
                #!/bin/sh
                printf '%s|sources=%s|config=%s\\n' "$*" "${NIGHTSHIFT_SOURCES:-}" "${NIGHTSHIFT_CONFIG:-}" >> "\(folder.path)/calls.log"
                """
            try TestEnvironment.writeExecutable(text, to: fake)
            for path in [kbA, kbB] {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            }
        }

        func write(config: String, name: String = "nightshift.conf") throws -> String {
            let path = folder.appendingPathComponent(name).path
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        /// Runs the script in the folder with only `environment` (and PATH, HOME) set.
        func run(_ environment: [String: String]) async throws -> (status: Int32, calls: [String], stderr: String) {
            var base = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": folder.path]
            base.merge(environment) { $1 }
            let outcome = try await Subprocess.run(["bash", NightlyScriptTests.script], environment: base, directory: folder.path)
            let calls = (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
            try? FileManager.default.removeItem(atPath: log)
            return (outcome.status, calls, outcome.stderr)
        }

        func cleanup() { try? FileManager.default.removeItem(at: folder) }
    }

    @Test("settings come from the config file ($NIGHTSHIFT_CONFIG), parsed as nightshift parses it, never executed")
    func settingsFromConfigFile() async throws {
        let setup = try Setup()
        defer { setup.cleanup() }
        let reports = setup.folder.appendingPathComponent("reports").path
        let marker = setup.folder.appendingPathComponent("executed").path
        let config = try setup.write(
            config: """
                # the nightly settings
                export NIGHTSHIFT_SOURCES="\(setup.kbA) https://u:hunter2@kb.example/page?token=T0K"
                NIGHTSHIFT_REPORT_DIR = \(reports)   # the CSVs
                NIGHTSHIFT_TIMEZONE='Europe/Berlin'
                NIGHTSHIFT_BIN=\(setup.fake)
                NIGHTSHIFT_CHECKSUM_DAY=never
                NIGHTSHIFT_LOG_LEVEL=$(touch \(marker))
                """, name: "settings.conf")
        let run = try await setup.run(["NIGHTSHIFT_CONFIG": config])
        #expect(run.status == 0, "\(run.stderr)")
        let sources = "sources=\(setup.kbA) https://u:hunter2@kb.example/page?token=T0K|config=\(config)"
        let yesterday = try #require(run.calls.last?.split(separator: " ").dropFirst(3).first)
        #expect(run.calls == [
            "migrate|\(sources)",
            "ingest --prune --quiet|\(sources)",
            "stats --timezone Europe/Berlin|\(sources)",
            "report costs --from \(yesterday) --to \(yesterday) --group-by day,agent,model --timezone Europe/Berlin --totals --output \(reports)/costs-\(yesterday).csv|\(sources)",
        ])
        #expect(FileManager.default.fileExists(atPath: reports))
        #expect(!FileManager.default.fileExists(atPath: marker), "the config file was executed")
        // The log names the URL without its credentials.
        #expect(run.stderr.contains("https://kb.example/page"))
        #expect(!run.stderr.contains("hunter2") && !run.stderr.contains("T0K"))
    }

    @Test("the environment wins over the file; ./nightshift.conf is read when NIGHTSHIFT_CONFIG is unset")
    func environmentWins() async throws {
        let setup = try Setup()
        defer { setup.cleanup() }
        _ = try setup.write(config: """
            NIGHTSHIFT_SOURCES=\(setup.kbA)
            NIGHTSHIFT_TIMEZONE=Europe/Berlin
            NIGHTSHIFT_BIN=\(setup.fake)
            NIGHTSHIFT_REPORT_DIR=\(setup.folder.path)/reports
            """)
        let run = try await setup.run([
            "NIGHTSHIFT_TIMEZONE": "America/New_York", "NIGHTSHIFT_SOURCES": "\(setup.kbA) \(setup.kbA)",
            "NIGHTSHIFT_CHECKSUM_DAY": "never",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.calls.count == 4)
        #expect(run.calls.dropFirst().first == "ingest --prune --quiet|sources=\(setup.kbA) \(setup.kbA)|config=nightshift.conf")
        #expect(run.calls.dropFirst(2).first?.hasPrefix("stats --timezone America/New_York|") == true)
    }

    @Test("a missing source fails the run, naming it, before any step; so do a missing or malformed config file")
    func missingSource() async throws {
        let setup = try Setup()
        defer { setup.cleanup() }
        let missing = setup.folder.appendingPathComponent("dcos").path
        let config = try setup.write(config: "NIGHTSHIFT_SOURCES=\"\(setup.kbA) \(missing)\"\nNIGHTSHIFT_BIN=\(setup.fake)\n")
        let run = try await setup.run(["NIGHTSHIFT_CONFIG": config])
        #expect(run.status == 2)
        #expect(run.stderr.contains("source not found: \(missing)"))
        #expect(run.calls.isEmpty)

        let absent = try await setup.run(["NIGHTSHIFT_CONFIG": setup.folder.appendingPathComponent("absent.conf").path, "NIGHTSHIFT_BIN": setup.fake])
        #expect(absent.status == 2)
        #expect(absent.stderr.contains("absent.conf"))
        #expect(absent.calls.isEmpty)

        let malformed = try setup.write(config: "NIGHTSHIFT_BIN=\(setup.fake)\ntouch /tmp/x\n", name: "bad.conf")
        let bad = try await setup.run(["NIGHTSHIFT_CONFIG": malformed])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("bad.conf line 2"))
        #expect(bad.calls.isEmpty)
    }
}
