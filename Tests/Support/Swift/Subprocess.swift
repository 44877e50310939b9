import Foundation
import NightshiftCore
import Synchronization

/// Runs a program to completion and collects its exit status and output: the `nightshift` executable, a shell
/// script. Spawned with `posix_spawn` (like `MockServer`), the blocking reads and `waitpid` on a thread of their
/// own, never on the cooperative pool.
public enum Subprocess {
    /// How a run ended.
    public struct Outcome: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs `arguments` (the program looked up on PATH) with exactly `environment`, stdin from /dev/null, in
    /// `directory` when given (through `/bin/sh -c 'cd … && exec …'`). A program still running after `timeout`
    /// seconds is killed (SIGKILL) and ends with status 137, so a program that should have exited fails its
    /// test instead of hanging it.
    public static func run(
        _ arguments: [String], environment: [String: String], directory: String? = nil, timeout: Double? = nil
    ) async throws -> Outcome {
        let command = directory.map { ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", $0] + arguments } ?? arguments
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try runBlocking(command, environment: environment, timeout: timeout) })
            }.start()
        }
    }

    /// The `nightshift` executable built next to the tests (`NIGHTSHIFT_BINARY` first), or nil.
    public static var nightshiftBinary: URL? {
        var candidates: [URL] = []
        if let path = ProcessInfo.processInfo.environment["NIGHTSHIFT_BINARY"] { candidates.append(URL(fileURLWithPath: path)) }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("nightshift"))
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("nightshift"))
        candidates.append(TestEnvironment.repositoryRoot.appendingPathComponent(".build/debug/nightshift"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// The current environment without Nightshift's settings and proxies (loopback must not go through a
    /// proxy), plus `extra`.
    public static func cleanEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { key, _ in
            !key.lowercased().hasSuffix("_proxy") && !key.hasPrefix("NIGHTSHIFT_") && key != "DATABASE_URL"
                && !key.hasPrefix("OPENAI_") && !key.hasPrefix("ANTHROPIC_") && !key.hasPrefix("SUPABASE_")
        }
        environment["NO_PROXY"] = "127.0.0.1,localhost"
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    private static func runBlocking(_ arguments: [String], environment: [String: String], timeout: Double?) throws
        -> Outcome
    {
        var output: [Int32] = [0, 0]
        guard pipe(&output) == 0 else { throw NightshiftError(.internal, "pipe failed") }
        for fd in output { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        // stderr goes to a file: reading two pipes from one thread could block on the wrong one.
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "nightshift-subprocess-\(UUID().uuidString).err")
        defer { try? FileManager.default.removeItem(at: errorFile) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, errorFile.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
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
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp)
        close(output[1])
        guard result == 0 else {
            close(output[0])
            throw NightshiftError(.internal, "could not start \(arguments[0])", context: ["errno": String(result)])
        }
        // The watchdog kills the child only while it has not been reaped (the pid cannot be reused before).
        let reaped = ReapedFlag()
        if let timeout {
            let child = pid
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                reaped.unlessSet { _ = kill(child, SIGKILL) }
            }
        }
        defer { reaped.set() }
        var collected: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(output[0], &buffer, buffer.count)
            if count > 0 {
                collected += buffer[0..<count]
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        close(output[0])
        var status: Int32 = 0
        // Waited for without reaping, then reaped under the watchdog's lock: the watchdog never signals a pid the
        // system may have given to another process, and never waits on a child that is slow to exit.
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == -1 && errno == EINTR {}
        reaped.set { while waitpid(pid, &status, 0) == -1 && errno == EINTR {} }
        // WIFEXITED / WEXITSTATUS are macros Swift does not import.
        let exitStatus: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let errors = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        return Outcome(status: exitStatus, stdout: String(decoding: collected, as: UTF8.self), stderr: errors)
    }
}

/// Whether a child has been reaped, for `Subprocess`'s watchdog.
private final class ReapedFlag: Sendable {
    private let done = Mutex(false)

    /// Runs `body` (the reaping) under the lock, then marks the child reaped.
    func set(_ body: () -> Void = {}) {
        done.withLock { done in
            if !done { body() }
            done = true
        }
    }

    /// Runs `body` (the kill) unless the child was reaped.
    func unlessSet(_ body: () -> Void) {
        done.withLock { done in
            if !done { body() }
        }
    }
}
