import Foundation
import NightshiftTestSupport
import Testing

/// The tests' child-process runner: exit statuses, output, and the watchdog that ends a program that should
/// have exited, so its test fails instead of hanging.
@Suite("Subprocess runner")
struct SubprocessTests {
    @Test("status, stdout and stderr of a program that exits")
    func exits() async throws {
        let outcome = try await Subprocess.run(
            ["/bin/sh", "-c", "echo out; echo err >&2; exit 3"], environment: Subprocess.cleanEnvironment())
        #expect(outcome.status == 3)
        #expect(outcome.stdout == "out\n" && outcome.stderr == "err\n")
    }

    @Test("a program still running after the timeout is killed and ends with 137")
    func timeout() async throws {
        let outcome = try await Subprocess.run(["sleep", "30"], environment: Subprocess.cleanEnvironment(), timeout: 1)
        #expect(outcome.status == 137, "killed by SIGKILL, not waited for")
    }
}
