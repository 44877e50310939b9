import Foundation
import NightshiftCore

extension PostgresStore {
    public func usageCoverage(from: Day, to: Day, timezone: String) async throws -> UsageCoverage {
        // The rollup has a row for every day with statistics (its key starts with time zone and day).
        let computed = try await pool.query(
            """
            select distinct day from public.daily_usage_totals
            where timezone = \(timezone) and day between \(from) and \(to) order by 1
            """
        ).map { try $0.decode(0, as: Day.self) }
        let missing = UsageCoverage.missingDays(from: from, to: to, computed: computed)
        var withUsage: [Day] = []
        if !missing.isEmpty {
            // One probe of the created_at indexes per missing day.
            let binds = [timezone.pgBind, PGBind(text: PGArray.literal(missing.map(\.description)), oid: 1182)]
            withUsage = try await pool.withConnection { connection in
                try await connection.query(
                    PGQuery(
                        sql: """
                            select d::date from unnest($2::date[]) as d
                            where exists (select 1 from public.agent_executions e
                                          where e.created_at >= (d::timestamp at time zone $1)
                                            and e.created_at < ((d + 1)::timestamp at time zone $1))
                               or exists (select 1 from public.ai_runs r
                                          where r.created_at >= (d::timestamp at time zone $1)
                                            and r.created_at < ((d + 1)::timestamp at time zone $1))
                            order by 1
                            """,
                        binds: binds)
                ).map { try $0.decode(0, as: Day.self) }
            }
        }
        var zones: [String] = []
        if computed.isEmpty {
            zones = try await pool.query(
                """
                select distinct timezone from public.daily_usage_totals
                where day between \(from) and \(to) and timezone <> \(timezone) order by 1
                """
            ).map { try $0.decode(0, as: String.self) }
        }
        return UsageCoverage(computedDays: computed, uncomputedDaysWithUsage: withUsage, otherTimeZones: zones)
    }
}
