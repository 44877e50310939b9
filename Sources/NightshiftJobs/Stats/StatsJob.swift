import Foundation
import Logging
import NightshiftCore
import NightshiftStore

/// The daily statistics job: aggregates `agent_executions` and `ai_runs` into `daily_usage_stats`.
///
/// Incremental: each run recomputes the days (in the job's time zone) of every usage row inserted or changed
/// since the previous run's start minus a look-back window (default one hour), then moves the watermark to this
/// run's start, taken from the database's clock. The look-back catches rows of transactions that were still
/// open when the previous run read (their `changed_at` is their transaction's start): a transaction open
/// longer than the look-back needs `--since`. A late row (inserted today with yesterday's `created_at`) has a
/// new `changed_at`, so yesterday is recomputed. Deleting usage rows changes nothing that the watermark sees:
/// run with `--since` after deletions. A day is recomputed whole and written in one transaction (rows that did
/// not change are not written, so a rerun writes nothing).
public struct StatsJob: Sendable {
    public var since: Day?
    public var until: Day?
    public var timezone: String
    public var lookback: TimeInterval
    /// Days per transaction on a full or explicit-range run.
    public var daysPerTransaction: Int
    /// Windows of days recomputed at once (each on its own connection).
    public var parallelWindows: Int

    public init(
        since: Day? = nil, until: Day? = nil, timezone: String = "UTC", lookback: TimeInterval = 3600,
        daysPerTransaction: Int = 31, parallelWindows: Int = 2
    ) {
        self.since = since
        self.until = until
        self.timezone = timezone
        self.lookback = lookback
        self.daysPerTransaction = daysPerTransaction
        self.parallelWindows = max(1, parallelWindows)
    }

    /// What a run did.
    public struct Report: JobReport, Sendable {
        public var timezone: String
        public var days: [Day]
        public var writes: StatsWriteCounts
        public var watermark: Date?
        public var seconds: Double

        public var failed: Bool { false }

        public var counts: JSONValue {
            [
                "timezone": .string(timezone), "days_recomputed": .number(Double(days.count)),
                "first_day": days.first.map { .string($0.description) } ?? .null,
                "last_day": days.last.map { .string($0.description) } ?? .null,
                "rows_inserted": .number(Double(writes.inserted)), "rows_updated": .number(Double(writes.updated)),
                "rows_deleted": .number(Double(writes.deleted)),
                "watermark": watermark.map { .string(Timestamp.iso8601($0)) } ?? .null,
                "seconds": .number((seconds * 1000).rounded() / 1000),
            ]
        }
    }

    static func watermarkKey(_ timezone: String) -> String { "watermark:\(timezone)" }

    /// Runs the job (recorded in `job_runs` as `stats`).
    public func run(in context: JobContext) async throws -> Report {
        _ = try UsageTimeZone.validate(timezone)
        if let since, let until, until < since {
            throw NightshiftError.invalidInput("--until is before --since", context: ["since": "\(since)", "until": "\(until)"])
        }
        return try await context.store.withJobLock("stats") {
        try await JobRecorder.record("stats", in: context, abandoning: ["stats"]) {
            let started = Date()
            let store = context.store
            var days: [Day]
            var watermark: Date?
            if since != nil || until != nil {
                // An explicit range: every day in it, so days whose rows were deleted are emptied too.
                let known = try await store.changedUsageDays(since: nil, timezone: timezone)
                let first = since ?? known.first ?? until ?? Day(utc: Date())
                let last = until ?? known.last ?? first
                days = first <= last ? (first.ordinal...last.ordinal).map(Day.init(ordinal:)) : []
            } else {
                let now = try await store.databaseNow()
                let previous = try await store.jobState(job: "stats", key: Self.watermarkKey(timezone))
                    .flatMap { $0.stringValue }.flatMap(Timestamp.parse)
                days = try await store.changedUsageDays(
                    since: previous.map { $0.addingTimeInterval(-lookback) }, timezone: timezone)
                watermark = now
            }
            var writes = StatsWriteCounts()
            let step = max(1, daysPerTransaction)
            let windows = stride(from: 0, to: days.count, by: step).map { Array(days[$0..<min($0 + step, days.count)]) }
            // Windows are independent (each its own transaction): two at a time keep both cores of the database
            // busy on a full run.
            let zone = timezone
            try await withThrowingTaskGroup(of: StatsWriteCounts.self) { group in
                var next = 0
                for _ in 0..<min(parallelWindows, windows.count) {
                    let window = windows[next]
                    next += 1
                    group.addTask { try await store.recomputeUsageStats(days: window, timezone: zone) }
                }
                while let done = try await group.next() {
                    writes = writes + done
                    if next < windows.count {
                        let window = windows[next]
                        next += 1
                        group.addTask { try await store.recomputeUsageStats(days: window, timezone: zone) }
                    }
                }
            }
            if let watermark {
                try await store.setJobState(
                    job: "stats", key: Self.watermarkKey(timezone), value: .string(Timestamp.iso8601Micros(watermark)))
            }
            return Report(
                timezone: timezone, days: days, writes: writes, watermark: watermark,
                seconds: Date().timeIntervalSince(started))
        }
        }
    }
}
