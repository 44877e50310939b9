import Foundation

/// One row of `daily_usage_stats`: a day × time zone × source × user × agent × model × status.
public struct DailyUsageRow: Sendable, Hashable {
    public var day: Day
    public var timezone: String
    /// `agent_executions` or `ai_runs`.
    public var source: String
    public var userID: UUID?
    public var agent: String
    /// '' when unknown.
    public var model: String
    public var status: String
    public var runs: Int
    public var failures: Int
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int
    public var costUSD: Decimal
    /// Runs without a recorded cost (unknown model): counted, not priced.
    public var unpricedRuns: Int
    public var latencyP50Ms: Double?
    public var latencyP95Ms: Double?
    public var latencyMaxMs: Int?
    public var latencySumMs: Int
    public var latencySamples: Int

    public init(
        day: Day, timezone: String, source: String, userID: UUID?, agent: String, model: String, status: String,
        runs: Int = 0, failures: Int = 0, promptTokens: Int = 0, completionTokens: Int = 0, totalTokens: Int = 0,
        costUSD: Decimal = 0, unpricedRuns: Int = 0, latencyP50Ms: Double? = nil, latencyP95Ms: Double? = nil,
        latencyMaxMs: Int? = nil, latencySumMs: Int = 0, latencySamples: Int = 0
    ) {
        self.day = day
        self.timezone = timezone
        self.source = source
        self.userID = userID
        self.agent = agent
        self.model = model
        self.status = status
        self.runs = runs
        self.failures = failures
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = totalTokens
        self.costUSD = costUSD
        self.unpricedRuns = unpricedRuns
        self.latencyP50Ms = latencyP50Ms
        self.latencyP95Ms = latencyP95Ms
        self.latencyMaxMs = latencyMaxMs
        self.latencySumMs = latencySumMs
        self.latencySamples = latencySamples
    }

    /// The row's identity within a time zone.
    public var key: String {
        "\(day)|\(source)|\(userID?.canonical ?? "")|\(agent)|\(model)|\(status)"
    }
}

/// How a cost report groups its rows: one period, plus any of the dimensions.
public struct ReportGrouping: Sendable, Hashable {
    public enum Period: String, Sendable, CaseIterable {
        case day, week, month
    }

    public enum Dimension: String, Sendable, CaseIterable {
        case user, agent, model, source
    }

    public var period: Period?
    public var dimensions: [Dimension]

    public init(period: Period?, dimensions: [Dimension]) {
        self.period = period
        self.dimensions = dimensions
    }

    /// Parses `day,user,model`; an unknown name is an error naming it.
    public init(parsing text: String) throws {
        var period: Period?
        var dimensions: [Dimension] = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() })
        where !part.isEmpty {
            if let value = Period(rawValue: part) {
                guard period == nil else {
                    throw NightshiftError.invalidInput("only one of day, week, month may be given", context: ["group-by": text])
                }
                period = value
            } else if let value = Dimension(rawValue: part) {
                if !dimensions.contains(value) { dimensions.append(value) }
            } else {
                throw NightshiftError.invalidInput(
                    "unknown group-by '\(part)' (use day, week, month, user, agent, model, source)",
                    context: ["group-by": text])
            }
        }
        self.period = period
        self.dimensions = dimensions
    }
}

/// One row of a cost report.
public struct CostReportRow: Sendable, Hashable {
    /// The first day of the period (day, ISO week starting Monday, month); nil when not grouped by period.
    public var period: Day?
    public var userID: UUID?
    public var agent: String?
    public var model: String?
    public var source: String?
    public var runs: Int
    public var failures: Int
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int
    public var costUSD: Decimal
    public var unpricedRuns: Int
    public var maxLatencyMs: Int?
    /// Sum and count of recorded latencies: the average is exact over any grouping.
    public var latencySumMs: Int
    public var latencySamples: Int
    /// The model names as recorded (`claude-sonnet-4-5`, `claude-sonnet-4-5-20250929`) of a row whose `model` is
    /// the price table's name they resolve to; empty when not grouped by model.
    public var recordedModels: [String] = []

    /// Mean latency of the runs that recorded one.
    public var averageLatencyMs: Double? {
        latencySamples > 0 ? Double(latencySumMs) / Double(latencySamples) : nil
    }

    public init(
        period: Day?, userID: UUID?, agent: String?, model: String?, source: String?, runs: Int, failures: Int,
        promptTokens: Int, completionTokens: Int, totalTokens: Int, costUSD: Decimal, unpricedRuns: Int,
        maxLatencyMs: Int?, latencySumMs: Int, latencySamples: Int
    ) {
        self.period = period
        self.userID = userID
        self.agent = agent
        self.model = model
        self.source = source
        self.runs = runs
        self.failures = failures
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = totalTokens
        self.costUSD = costUSD
        self.unpricedRuns = unpricedRuns
        self.maxLatencyMs = maxLatencyMs
        self.latencySumMs = latencySumMs
        self.latencySamples = latencySamples
    }
}

/// What a stats recompute wrote.
public struct StatsWriteCounts: Sendable, Hashable {
    public var inserted = 0
    public var updated = 0
    public var deleted = 0

    public init(inserted: Int = 0, updated: Int = 0, deleted: Int = 0) {
        self.inserted = inserted
        self.updated = updated
        self.deleted = deleted
    }

    public static func + (lhs: StatsWriteCounts, rhs: StatsWriteCounts) -> StatsWriteCounts {
        StatsWriteCounts(
            inserted: lhs.inserted + rhs.inserted, updated: lhs.updated + rhs.updated, deleted: lhs.deleted + rhs.deleted)
    }
}

/// Time zones as the stats job accepts them: IANA names known to both Foundation and PostgreSQL.
public enum UsageTimeZone {
    /// Validates a time-zone name; an unknown one is a usage error naming it.
    public static func validate(_ name: String) throws -> TimeZone {
        guard let zone = TimeZone(identifier: name) else {
            throw NightshiftError.invalidInput("unknown time zone '\(name)' (use an IANA name such as Europe/Berlin)",
                                               context: ["timezone": name])
        }
        return zone
    }

    /// The calendar day of `date` in `zone`.
    public static func day(of date: Date, in zone: TimeZone) -> Day {
        let offset = zone.secondsFromGMT(for: date)
        return Day(utc: date.addingTimeInterval(TimeInterval(offset)))
    }

    /// The instant a day starts in `zone` (daylight saving respected).
    public static func start(of day: Day, in zone: TimeZone) -> Date {
        let naive = day.startUTC
        // Two passes settle the offset across a DST change at midnight.
        var guess = naive.addingTimeInterval(-TimeInterval(zone.secondsFromGMT(for: naive)))
        guess = naive.addingTimeInterval(-TimeInterval(zone.secondsFromGMT(for: guess)))
        return guess
    }
}
