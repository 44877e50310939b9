import Foundation
import Logging
import NightshiftCore
import NightshiftStore

/// What every job runs with: the store, the settings, a logger, a clock.
public struct JobContext: Sendable {
    public var store: any Store
    public var configuration: Configuration
    public var logger: Logger
    public var clock: any Clock

    public init(store: any Store, configuration: Configuration = Configuration(), logger: Logger? = nil, clock: any Clock = SystemClock()) {
        self.store = store
        self.configuration = configuration
        self.logger = logger ?? Logger(label: "nightshift")
        self.clock = clock
    }
}

/// A job's outcome, as `job_runs.counts` and the command's summary.
public protocol JobReport: Sendable {
    /// Counts and facts for `job_runs.counts` and `--json`.
    var counts: JSONValue { get }
    /// Whether the run counts as failed (exit code 1) although it finished.
    var failed: Bool { get }
}

/// Records a run in `job_runs`: started, then succeeded or failed with its counts or error.
public enum JobRecorder {
    /// Runs `body` between a `running` and a final `job_runs` row. A run that dies without finishing stays
    /// `running`; a later run holding the same lock marks such rows of the jobs in `abandoning` as `failed`
    /// ("abandoned") — only under the lock can it know that no other run of them is alive.
    public static func record<Report: JobReport>(
        _ job: String, in context: JobContext, abandoning: [String] = [], _ body: () async throws -> Report
    ) async throws -> Report {
        let run = JobRun(job: job, startedAt: context.clock.now())
        try await context.store.startJobRun(run)
        for name in abandoning {
            let count = try await context.store.markAbandonedJobRuns(job: name, except: run.id, at: context.clock.now())
            if count > 0 {
                context.logger.warning("earlier runs ended without finishing", metadata: ["job": "\(name)", "runs": "\(count)"])
            }
        }
        do {
            let report = try await body()
            try await context.store.finishJobRun(
                id: run.id, status: report.failed ? .failed : .succeeded, counts: report.counts, error: nil,
                at: context.clock.now())
            return report
        } catch {
            let message = "\(error)"
            try? await context.store.finishJobRun(
                id: run.id, status: .failed, counts: [:], error: String(message.prefix(2000)), at: context.clock.now())
            throw error
        }
    }
}
