import Foundation
import NightshiftCore
import NightshiftHTTP
import Synchronization

/// The loopback server of `Tests/Support/mock_provider_server.py`, one process per test, on a free port.
///
/// Spawned with `posix_spawn` rather than Foundation's `Process`: on Linux, `Process.waitUntilExit` deadlocked
/// when several tests stopped their servers at once, and its children inherited a fully blocked signal mask.
/// The pid and descriptors are set in `init` and released once in `stop`, under the `stopped` mutex.
/// Shared by the test targets through this support library.
public final class MockServer: Sendable {
    public let port: Int
    public let baseURL: URL
    private let pid: pid_t
    private let stdinFD: Int32
    private let stdoutFD: Int32
    private let stopped = Mutex(false)
    private let control = HTTPClient(maxConcurrentTransfers: 4)

    /// One request as the server recorded it.
    public struct Recorded: Decodable, Sendable {
        public var method: String
        public var path: String
        public var query: String
        public var call: Int
        public var headers: [String: String]
        public var body: String
        public var json: JSONValue?
    }

    /// Starts the server with an optional script (`{"routes": {PATH: [STEP, …]}}`, see the script's docstring).
    ///
    /// The start-up wait runs on a thread of its own, so parallel tests never hold the cooperative pool.
    public static func start(script: String? = nil) async throws -> MockServer {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try MockServer(script: script) }) }.start()
        }
    }

    private init(script: String? = nil) throws {
        let scriptPath = try MockServer.locateScript()
        var arguments = ["python3", scriptPath]
        var scriptFile: URL?
        defer { if let scriptFile { try? FileManager.default.removeItem(at: scriptFile) } }
        if let script {
            let file = FileManager.default.temporaryDirectory
                .appendingPathComponent("nightshift-mock-\(UUID().uuidString).json")
            try Data(script.utf8).write(to: file)
            scriptFile = file
            arguments += ["--script", file.path]
        }
        (pid, stdinFD, stdoutFD) = try MockServer.spawn(arguments)
        // The server prints "PORT n" once it listens; reading blocks only for its start-up.
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(stdoutFD, &byte, 1) == 1, byte != UInt8(ascii: "\n") {
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)),
            let url = URL(string: "http://127.0.0.1:\(port)")
        else {
            port = 0
            baseURL = URL(fileURLWithPath: "/")
            stop()
            throw NightshiftError(.internal, "mock server did not start", context: ["output": text])
        }
        self.port = port
        self.baseURL = url
    }

    deinit { stop() }

    /// Stops the server and reaps it.
    public func stop() {
        stopped.withLock { stopped in
            guard !stopped else { return }
            stopped = true
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            close(stdinFD)
            close(stdoutFD)
        }
    }

    /// Spawns `arguments` (found on PATH) with fresh pipes for stdin and stdout and a clear signal mask.
    private static func spawn(_ arguments: [String]) throws -> (pid_t, stdin: Int32, stdout: Int32) {
        var input: [Int32] = [0, 0]
        var output: [Int32] = [0, 0]
        guard pipe(&input) == 0, pipe(&output) == 0 else {
            throw NightshiftError(.internal, "pipe failed")
        }
        // Close-on-exec, so other children do not inherit these ends (an inherited stdin keeps a server alive);
        // the server also closes whatever it inherited, for the moment between pipe() and here.
        for fd in input + output { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, environ)
        close(input[0])
        close(output[1])
        guard result == 0 else {
            close(input[1])
            close(output[0])
            throw NightshiftError(.internal, "could not start python3", context: ["errno": String(result)])
        }
        return (pid, input[1], output[0])
    }

    /// A URL on this server.
    public func url(_ path: String) -> URL {
        URL(string: baseURL.absoluteString + path) ?? baseURL
    }

    /// Every request received so far (optionally only those to `path`), in arrival order.
    public func requests(path: String? = nil) async throws -> [Recorded] {
        struct Envelope: Decodable { var requests: [Recorded] }
        let response = try await control.send(HTTPRequest(url: url("/_control/requests")))
        let all = try JSONDecoder().decode(Envelope.self, from: response.body).requests
        return path.map { wanted in all.filter { $0.path == wanted } } ?? all
    }

    /// How often each path was called, and the most requests to it in flight at once.
    public func stats() async throws -> (calls: [String: Int], maxInFlight: [String: Int]) {
        struct Stats: Decodable {
            var calls: [String: Int]
            var max_inflight: [String: Int]
        }
        let response = try await control.send(HTTPRequest(url: url("/_control/stats")))
        let stats = try JSONDecoder().decode(Stats.self, from: response.body)
        return (stats.calls, stats.max_inflight)
    }

    private static func locateScript() throws -> String {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = directory.appendingPathComponent("Support/mock_provider_server.py")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate.path }
            directory = directory.deletingLastPathComponent()
        }
        throw NightshiftError(.internal, "Tests/Support/mock_provider_server.py not found")
    }
}
