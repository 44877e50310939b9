import Foundation
import Synchronization

/// A token bucket per key (the user): `rate` tokens a second, at most `burst` saved up. Buckets idle long enough to
/// be full again are dropped, so memory stays bounded by the active users.
public final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: TimeInterval
    }

    private let rate: Double
    private let burst: Double
    private let buckets = Mutex<[UUID: Bucket]>([:])
    private let lastSweep = Mutex<TimeInterval>(0)

    public init(rate: Double, burst: Double) {
        self.rate = max(rate, 0.001)
        self.burst = max(burst, 1)
    }

    /// Takes a token for `key`: nil when allowed, otherwise the seconds to wait before one is available.
    public func acquire(_ key: UUID, now: TimeInterval = ProcessInfo.processInfo.systemUptime) -> TimeInterval? {
        sweep(now)
        return buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = min(burst, bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                buckets[key] = bucket
                return nil
            }
            buckets[key] = bucket
            return (1 - bucket.tokens) / rate
        }
    }

    private func sweep(_ now: TimeInterval) {
        let refill = burst / rate
        let due = lastSweep.withLock { last -> Bool in
            guard now - last > max(refill, 60) else { return false }
            last = now
            return true
        }
        guard due else { return }
        buckets.withLock { buckets in
            buckets = buckets.filter { now - $0.value.updated < refill }
        }
    }
}
