import Foundation

/// A row of `job_runs`: one run of a job, its outcome and counts.
public struct JobRun: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case running, succeeded, failed
    }

    public var id: UUID
    public var job: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var status: Status
    public var counts: JSONValue
    public var error: String?

    public init(
        id: UUID = UUID(), job: String, startedAt: Date, finishedAt: Date? = nil, status: Status = .running,
        counts: JSONValue = [:], error: String? = nil
    ) {
        self.id = id
        self.job = job
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.status = status
        self.counts = counts
        self.error = error
    }
}
