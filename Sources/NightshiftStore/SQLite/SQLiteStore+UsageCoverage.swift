import Foundation
import GRDB
import NightshiftCore

extension SQLiteStore {
    public func usageCoverage(from: Day, to: Day, timezone: String) async throws -> UsageCoverage {
        let zone = try UsageTimeZone.validate(timezone)
        return try await reading { db in
            let computed = try String.fetchAll(
                db,
                sql: "select distinct day from daily_usage_totals where timezone = ? and day between ? and ? order by 1",
                arguments: [timezone, from.description, to.description]
            ).compactMap { Day($0) }
            let missing = UsageCoverage.missingDays(from: from, to: to, computed: computed)
            var withUsage: [Day] = []
            for day in missing {
                // The same instants and comparison as the statistics themselves (`freshUsage`).
                let lo = Timestamp.iso8601(UsageTimeZone.start(of: day, in: zone))
                let hi = Timestamp.iso8601(UsageTimeZone.start(of: day.adding(days: 1), in: zone))
                let used = try Bool.fetchOne(
                    db,
                    sql: """
                        select exists (select 1 from agent_executions where created_at >= ? and created_at < ?)
                            or exists (select 1 from ai_runs where created_at >= ? and created_at < ?)
                        """,
                    arguments: [lo, hi, lo, hi]) ?? false
                if used { withUsage.append(day) }
            }
            var zones: [String] = []
            if computed.isEmpty {
                zones = try String.fetchAll(
                    db,
                    sql: """
                        select distinct timezone from daily_usage_totals
                        where day between ? and ? and timezone <> ? order by 1
                        """,
                    arguments: [from.description, to.description, timezone])
            }
            return UsageCoverage(computedDays: computed, uncomputedDaysWithUsage: withUsage, otherTimeZones: zones)
        }
    }
}
