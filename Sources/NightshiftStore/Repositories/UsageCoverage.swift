import NightshiftCore

/// What the statistics of a date range cover, so that a report over days `stats` has not computed can say so
/// instead of printing an empty table.
public struct UsageCoverage: Sendable, Hashable {
    /// Days of the range that have statistics in the asked time zone.
    public var computedDays: [Day]
    /// Days of the range without statistics in that time zone that do have executions or AI runs.
    public var uncomputedDaysWithUsage: [Day]
    /// Other time zones with statistics for days of the range (looked up only when the asked one has none).
    public var otherTimeZones: [String]

    public init(computedDays: [Day], uncomputedDaysWithUsage: [Day], otherTimeZones: [String]) {
        self.computedDays = computedDays
        self.uncomputedDaysWithUsage = uncomputedDaysWithUsage
        self.otherTimeZones = otherTimeZones
    }

    /// The days of [from, to] not in `computed`.
    public static func missingDays(from: Day, to: Day, computed: [Day]) -> [Day] {
        guard from <= to else { return [] }
        let have = Set(computed)
        return (from.ordinal...to.ordinal).map(Day.init(ordinal:)).filter { !have.contains($0) }
    }
}
