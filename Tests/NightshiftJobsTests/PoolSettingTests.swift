import Foundation
import NightshiftCore
import NightshiftStore
import NightshiftTestSupport
import Testing

/// NIGHTSHIFT_DB_POOL sets how many PostgreSQL connections a command opens at most; a bad value is an error that
/// names the setting, before anything runs.
@Suite("Connection pool setting")
struct PoolSettingTests {
    private func run(_ arguments: [String], environment extra: [String: String]) throws -> (Int32, String) {
        let binary = try #require(KillTests.binary, "build the nightshift executable first (swift build)")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = nil
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let log = try TestEnvironment.temporaryDirectory("pool-log").appendingPathComponent("stderr.txt")
        defer { try? FileManager.default.removeItem(at: log.deletingLastPathComponent()) }
        #expect(FileManager.default.createFile(atPath: log.path, contents: nil))
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        // A command waiting on its own pool never ends: give it a minute, then fail rather than hang.
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            Issue.record("nightshift \(arguments.joined(separator: " ")) did not finish within 60 s")
        }
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }

    @Test("zero, negative or not a number: refused, naming NIGHTSHIFT_DB_POOL")
    func badValues() throws {
        let folder = try TestEnvironment.temporaryDirectory("pool")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("n.sqlite").path
        for value in ["0", "-2", "many"] {
            let (status, errors) = try run(
                ["search", "anything"], environment: ["NIGHTSHIFT_DB": database, "NIGHTSHIFT_DB_POOL": value])
            #expect(status != 0, "NIGHTSHIFT_DB_POOL=\(value)")
            #expect(errors.contains("NIGHTSHIFT_DB_POOL"), "NIGHTSHIFT_DB_POOL=\(value): \(errors)")
        }
        let (status, errors) = try run(
            ["search", "anything"], environment: ["NIGHTSHIFT_DB": database, "NIGHTSHIFT_DB_POOL": "2"])
        #expect(status == 0, "\(errors)")
    }

    @Test("a pool of one connection serves a command that works in parallel", .enabled(if: TestEnvironment.postgresEnabled))
    func oneConnection() async throws {
        let url = try await TestDatabases.shared.makePostgresDatabase()
        let folder = try TestEnvironment.temporaryDirectory("pool-docs")
        defer { try? FileManager.default.removeItem(at: folder) }
        for index in 0..<30 {
            try "# Note \(index)\n\nParking at the clinic is free on day \(index).\n".write(
                to: folder.appendingPathComponent("note-\(index).md"), atomically: true, encoding: .utf8)
        }
        let (status, errors) = try run(
            ["ingest", folder.path, "--quiet"], environment: ["DATABASE_URL": url, "NIGHTSHIFT_DB_POOL": "1"])
        #expect(status == 0, "\(errors)")
        let store = try await PostgresStore.open(url: Secret(url))
        let stored = try await store.documents(sourcePrefix: nil, owner: nil).count
        await store.close()
        await TestDatabases.dropPostgresDatabase(url)
        #expect(stored == 30)
    }
}
