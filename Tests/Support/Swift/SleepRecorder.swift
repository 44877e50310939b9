import Foundation
import NightshiftHTTP
import Synchronization

/// Records the waits a `RetryPolicy` asks for, and sleeps none of them.
public final class SleepRecorder: Sendable {
    private let waits = Mutex<[Duration]>([])

    public init() {}

    /// The waits asked for so far.
    public var recorded: [Duration] { waits.withLock { $0 } }

    /// A policy that records instead of sleeping.
    public func policy(maxAttempts: Int = 4, random: @escaping @Sendable () -> Double = { 0.5 }) -> RetryPolicy {
        RetryPolicy(
            maxAttempts: maxAttempts, sleep: { [self] duration in self.waits.withLock { $0.append(duration) } },
            random: random)
    }
}
