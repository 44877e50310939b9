import Foundation

/// When and how long to wait before trying an HTTP call again.
///
/// Exponential backoff with full jitter (a random wait between zero and `baseDelay · 2^(attempt-1)`, capped at
/// `maxDelay`), except that a `Retry-After` header on a 429 or 5xx answer sets the wait (capped at
/// `maxRetryAfter`). Retries 429, 5xx, timeouts and transport errors; never another 4xx, a size limit or a bad URL.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included; 1 means no retry.
    public var maxAttempts: Int
    /// The backoff ceiling after the first failure; it doubles per further failure.
    public var baseDelay: Duration
    /// The most a backoff wait may be.
    public var maxDelay: Duration
    /// The most a server's `Retry-After` is honoured for; a longer one is cut to this.
    public var maxRetryAfter: Duration
    /// Waits between attempts; tests inject one that records the wait instead of sleeping it.
    public var sleep: @Sendable (Duration) async throws -> Void
    /// A random number in `0...1`, for the jitter; injectable for deterministic tests.
    public var random: @Sendable () -> Double

    /// A policy; the defaults try 4 times with waits under 0.5, 1 and 2 s, and honour `Retry-After` up to 60 s.
    public init(
        maxAttempts: Int = 4, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(20),
        maxRetryAfter: Duration = .seconds(60),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
        self.sleep = sleep
        self.random = random
    }

    /// The default policy: 4 attempts, full-jitter backoff from 0.5 s, `Retry-After` honoured up to 60 s.
    public static var standard: RetryPolicy { RetryPolicy() }

    /// One attempt, no retry.
    public static var none: RetryPolicy { RetryPolicy(maxAttempts: 1) }

    /// Whether a response with this status is worth another attempt: 429 and 5xx.
    public func shouldRetry(status: Int) -> Bool {
        status == 429 || (500...599).contains(status)
    }

    /// The backoff ceiling after `attempt` failed attempts (1-based), before jitter.
    public func backoffCeiling(afterAttempt attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let ceiling = baseDelay * (1 << exponent)
        return min(ceiling, maxDelay)
    }

    /// The wait before the next attempt: the server's `Retry-After` (capped) when given, else full jitter.
    public func delay(afterAttempt attempt: Int, retryAfter: Duration?) -> Duration {
        if let retryAfter {
            return min(max(retryAfter, .zero), maxRetryAfter)
        }
        let fraction = min(max(random(), 0), 1)
        return backoffCeiling(afterAttempt: attempt) * fraction
    }

    /// Parses a `Retry-After` value: delta-seconds (`120`) or an HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`, and
    /// the obsolete RFC 850 and asctime forms). A date in the past gives zero; garbage gives nil.
    public static func parseRetryAfter(_ value: String, now: Date = Date()) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return nil }
        if text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber) {
            guard let seconds = Int(text) else { return .seconds(Int.max / 1_000_000_000) }
            return .seconds(seconds)
        }
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) {
                let seconds = date.timeIntervalSince(now)
                return seconds > 0 ? .milliseconds(Int((seconds * 1000).rounded())) : .zero
            }
        }
        return nil
    }
}
