import Foundation
import NightshiftCore
import NightshiftStore
import NightshiftTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `nightshift serve` as a child process: development mode only where it is safe, and a clear line for an
/// address it cannot listen on.
@Suite("nightshift serve: start-up")
struct ServeCommandTests {
    /// The `nightshift` executable built next to the tests.
    static var binary: URL? { Subprocess.nightshiftBinary }

    /// An empty config file, so no `nightshift.conf` of the working folder is read.
    static let emptyConfig: URL = {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("nightshift-serve-test-\(UUID().uuidString).conf")
        _ = FileManager.default.createFile(atPath: file.path, contents: Data())
        return file
    }()

    /// The environment of a child `serve`: no JWT settings and no database URL from the test's own environment.
    static func environment(_ extra: [String: String]) -> [String: String] {
        var environment = Subprocess.cleanEnvironment()
        environment["NIGHTSHIFT_CONFIG"] = emptyConfig.path
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    @Test(
        "without a JWT secret on PostgreSQL, serve refuses to start (exit 2), names the settings and writes nothing",
        .enabled(if: TestEnvironment.postgresEnabled))
    func developmentModeRefusedOnPostgres() async throws {
        let binary = try #require(Self.binary, "build the nightshift executable first (swift build)")
        let url = try await TestDatabases.shared.makePostgresDatabase()
        defer { Task { await TestDatabases.dropPostgresDatabase(url) } }
        let outcome = try await Subprocess.run(
            [binary.path, "serve", "--port", "0"], environment: Self.environment(["DATABASE_URL": url]), timeout: 60)
        #expect(outcome.status == 2, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("SUPABASE_JWT_SECRET") && outcome.stderr.contains("SUPABASE_JWKS_URL"))
        #expect(outcome.stderr.contains("embedded store"))
        #expect(!outcome.stderr.contains("token"), "no demo token is printed")
        #expect(!outcome.stderr.contains("nightshift serve on"))
        let store = try await PostgresStore.open(url: Secret(url))
        let demo = try #require(UUID(uuidString: "a0000000-0000-4000-8000-00000000000a"))
        #expect(try await store.user(id: demo) == nil, "no demo user was inserted")
        await store.close()
    }

    @Test("without a JWT secret on an address other than loopback, serve refuses to start (exit 2)")
    func developmentModeRefusedOffLoopback() async throws {
        let binary = try #require(Self.binary, "build the nightshift executable first (swift build)")
        let folder = try TestEnvironment.temporaryDirectory("serve-dev")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("serve.sqlite").path
        let outcome = try await Subprocess.run(
            [binary.path, "serve", "--host", "0.0.0.0", "--port", "0"],
            environment: Self.environment(["NIGHTSHIFT_DB": database]), timeout: 60)
        #expect(outcome.status == 2, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("SUPABASE_JWT_SECRET") && outcome.stderr.contains("loopback"))
        #expect(!outcome.stderr.contains("nightshift serve on"))
        #expect(!FileManager.default.fileExists(atPath: database), "the store was not even opened")
    }

    /// A socket listening on a free loopback port, and that port.
    static func occupiedPort() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw NightshiftError(.internal, "socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw NightshiftError(.internal, "bind failed")
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    @Test("a busy port is one clear line naming the address and the fix, a non-zero exit, and no 'serving'")
    func busyPort() async throws {
        let binary = try #require(Self.binary, "build the nightshift executable first (swift build)")
        let folder = try TestEnvironment.temporaryDirectory("serve-busy")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (fd, port) = try Self.occupiedPort()
        defer { close(fd) }
        for arguments in [["--port", "\(port)"], []] {
            let outcome = try await Subprocess.run(
                [binary.path, "serve"] + arguments,
                environment: Self.environment([
                    "NIGHTSHIFT_DB": folder.appendingPathComponent("serve.sqlite").path,
                    "NIGHTSHIFT_PORT": "\(port)",
                    "SUPABASE_JWT_SECRET": "a-serve-command-test-secret-of-32-bytes-or-more",
                ]), timeout: 60)
            #expect(outcome.status != 0)
            let lines = outcome.stderr.split(separator: "\n").map(String.init)
            let error = try #require(lines.first { $0.hasPrefix("error:") }, "\(outcome.stderr)")
            #expect(error.contains("127.0.0.1:\(port)"))
            #expect(error.contains("already in use"))
            #expect(error.contains("--port") && error.contains("NIGHTSHIFT_PORT"))
            #expect(!outcome.stderr.contains("nightshift serve on"), "\(outcome.stderr)")
            #expect(!outcome.stderr.contains("errno"), "no raw NIO error: \(outcome.stderr)")
        }
    }
}
