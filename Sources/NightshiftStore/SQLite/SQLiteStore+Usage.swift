import Foundation
import GRDB
import NightshiftCore

/// The running totals of one statistics group; percentiles as PostgreSQL's `percentile_cont` computes them.
struct UsageAccumulator {
    var runs = 0
    var failures = 0
    var promptTokens = 0
    var completionTokens = 0
    var totalTokens = 0
    var cost = Decimal(0)
    var unpriced = 0
    var latencies: [Int] = []

    /// Linear interpolation between the two nearest ranks, like `percentile_cont(fraction)`.
    static func percentile(_ sorted: [Int], _ fraction: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let position = fraction * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        let weight = position - Double(lower)
        return Double(sorted[lower]) + weight * Double(sorted[upper] - sorted[lower])
    }

    func row(day: Day, timezone: String, source: String, userID: UUID?, agent: String, model: String, status: String)
        -> DailyUsageRow
    {
        let sorted = latencies.sorted()
        return DailyUsageRow(
            day: day, timezone: timezone, source: source, userID: userID, agent: agent, model: model, status: status,
            runs: runs, failures: failures, promptTokens: promptTokens, completionTokens: completionTokens,
            totalTokens: totalTokens, costUSD: cost, unpricedRuns: unpriced,
            latencyP50Ms: Self.percentile(sorted, 0.5), latencyP95Ms: Self.percentile(sorted, 0.95),
            latencyMaxMs: sorted.last, latencySumMs: sorted.reduce(0, +), latencySamples: sorted.count)
    }
}

extension SQLiteStore {
    public func databaseNow() async throws -> Date {
        Date()
    }

    public func changedUsageDays(since: Date?, timezone: String) async throws -> [Day] {
        let zone = try UsageTimeZone.validate(timezone)
        let sinceText = since.map(Timestamp.iso8601)
        return try await reading { db in
            var days = Set<Day>()
            for table in ["agent_executions", "ai_runs"] {
                let cursor = try String.fetchCursor(
                    db,
                    sql: "select created_at from \(table) where created_at is not null and (? is null or changed_at > ?)",
                    arguments: [sinceText, sinceText])
                while let text = try cursor.next() {
                    if let date = Timestamp.parse(text) { days.insert(UsageTimeZone.day(of: date, in: zone)) }
                }
            }
            return days.sorted()
        }
    }

    /// The statistics of `days`, computed in Swift from the source tables (the same definitions as the SQL of
    /// `PostgresStore.freshUsageSQL`; the conformance tests compare both stores on the same data).
    static func freshUsage(days: [Day], zone: TimeZone, timezone: String, db: GRDB.Database) throws -> [DailyUsageRow] {
        guard let first = days.min(), let last = days.max() else { return [] }
        let wanted = Set(days)
        let lo = Timestamp.iso8601(UsageTimeZone.start(of: first, in: zone))
        let hi = Timestamp.iso8601(UsageTimeZone.start(of: last.adding(days: 1), in: zone))
        struct Key: Hashable {
            var day: Day
            var source: String
            var user: String?
            var agent: String
            var model: String
            var status: String
        }
        var groups: [Key: UsageAccumulator] = [:]
        func number(_ row: Row, _ column: String) -> Int? {
            switch (row[column] as DatabaseValue).storage {
            case .int64(let value): return Int(value)
            case .double(let value): return Int(value)
            default: return nil
            }
        }
        let executions = try Row.fetchCursor(
            db,
            sql: """
                select e.created_at, coalesce(e.user_id, c.user_id) as user_id, e.agent_type,
                       coalesce(json_extract(e.metadata, '$.model'), '') as model, coalesce(e.status, 'success') as status,
                       case when json_type(e.metadata, '$.prompt_tokens') in ('integer', 'real')
                            then json_extract(e.metadata, '$.prompt_tokens') end as prompt,
                       case when json_type(e.metadata, '$.completion_tokens') in ('integer', 'real')
                            then json_extract(e.metadata, '$.completion_tokens') end as completion,
                       e.tokens_used, e.cost_usd, e.duration_ms
                from agent_executions e left join agent_conversations c on c.id = e.conversation_id
                where e.created_at >= ? and e.created_at < ?
                """,
            arguments: [lo, hi])
        while let row = try executions.next() {
            guard let created = (row["created_at"] as String?).flatMap(Timestamp.parse) else { continue }
            let day = UsageTimeZone.day(of: created, in: zone)
            guard wanted.contains(day) else { continue }
            let status: String = row["status"]
            let key = Key(
                day: day, source: "agent_executions", user: row["user_id"], agent: row["agent_type"],
                model: (row["model"] as DatabaseValue).storage.textValue ?? "", status: status)
            var group = groups[key] ?? UsageAccumulator()
            group.runs += 1
            if status == "failed" || status == "timeout" { group.failures += 1 }
            group.promptTokens += number(row, "prompt") ?? 0
            group.completionTokens += number(row, "completion") ?? 0
            group.totalTokens += number(row, "tokens_used") ?? 0
            if let cost = SQLiteValue.decimal(row, "cost_usd") { group.cost += cost } else { group.unpriced += 1 }
            if let latency = number(row, "duration_ms") { group.latencies.append(latency) }
            groups[key] = group
        }
        let runs = try Row.fetchCursor(
            db,
            sql: """
                select r.created_at, r.user_id, a.name, coalesce(r.model_used, '') as model, r.status, r.tokens_prompt,
                       r.tokens_completion, r.tokens_total, r.cost_usd, r.latency_ms
                from ai_runs r join ai_agents a on a.id = r.agent_id
                where r.created_at >= ? and r.created_at < ?
                """,
            arguments: [lo, hi])
        while let row = try runs.next() {
            guard let created = (row["created_at"] as String?).flatMap(Timestamp.parse) else { continue }
            let day = UsageTimeZone.day(of: created, in: zone)
            guard wanted.contains(day) else { continue }
            let status: String = row["status"]
            let key = Key(day: day, source: "ai_runs", user: row["user_id"], agent: row["name"], model: row["model"], status: status)
            var group = groups[key] ?? UsageAccumulator()
            group.runs += 1
            if status == "failed" { group.failures += 1 }
            let prompt = number(row, "tokens_prompt")
            let completion = number(row, "tokens_completion")
            group.promptTokens += prompt ?? 0
            group.completionTokens += completion ?? 0
            group.totalTokens += number(row, "tokens_total") ?? ((prompt ?? 0) + (completion ?? 0))
            if let cost = SQLiteValue.decimal(row, "cost_usd") { group.cost += cost } else { group.unpriced += 1 }
            if let latency = number(row, "latency_ms") { group.latencies.append(latency) }
            groups[key] = group
        }
        return try groups.map { key, group in
            let user = try key.user.map { text -> UUID in
                guard let id = UUID(uuidString: text) else { throw NightshiftError(.corrupt, "malformed user id in usage row") }
                return id
            }
            return group.row(
                day: key.day, timezone: timezone, source: key.source, userID: user, agent: key.agent, model: key.model,
                status: key.status)
        }
    }

    static func usageRow(_ row: Row) throws -> DailyUsageRow {
        guard let day = Day(row["day"] as String) else { throw NightshiftError(.corrupt, "malformed day in daily_usage_stats") }
        return DailyUsageRow(
            day: day, timezone: row["timezone"], source: row["source"], userID: try SQLiteValue.optionalUUID(row, "user_id"),
            agent: row["agent"], model: row["model"], status: row["status"], runs: row["runs"], failures: row["failures"],
            promptTokens: row["prompt_tokens"], completionTokens: row["completion_tokens"], totalTokens: row["total_tokens"],
            costUSD: SQLiteValue.decimal(row, "cost_usd") ?? 0, unpricedRuns: row["unpriced_runs"],
            latencyP50Ms: row["latency_p50_ms"], latencyP95Ms: row["latency_p95_ms"], latencyMaxMs: row["latency_max_ms"],
            latencySumMs: row["latency_sum_ms"], latencySamples: row["latency_samples"])
    }

    public func recomputeUsageStats(days: [Day], timezone: String) async throws -> StatsWriteCounts {
        guard !days.isEmpty else { return StatsWriteCounts() }
        let zone = try UsageTimeZone.validate(timezone)
        return try await writing { db in
            let fresh = try Self.freshUsage(days: days, zone: zone, timezone: timezone, db: db)
            var existing: [String: DailyUsageRow] = [:]
            let marks = Array(repeating: "?", count: days.count).joined(separator: ",")
            for row in try Row.fetchAll(
                db, sql: "select * from daily_usage_stats where timezone = ? and day in (\(marks))",
                arguments: StatementArguments([timezone] + days.map(\.description)))
            {
                let parsed = try Self.usageRow(row)
                existing[parsed.key] = parsed
            }
            var counts = StatsWriteCounts()
            let upsert = try db.cachedStatement(
                sql: """
                    insert into daily_usage_stats (day, timezone, source, user_id, agent, model, status, runs, failures,
                        prompt_tokens, completion_tokens, total_tokens, cost_usd, unpriced_runs, latency_p50_ms,
                        latency_p95_ms, latency_max_ms, latency_sum_ms, latency_samples, computed_at)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                    on conflict (day, timezone, source, coalesce(user_id, ''), agent, model, status) do update set
                        runs = excluded.runs, failures = excluded.failures, prompt_tokens = excluded.prompt_tokens,
                        completion_tokens = excluded.completion_tokens, total_tokens = excluded.total_tokens,
                        cost_usd = excluded.cost_usd, unpriced_runs = excluded.unpriced_runs,
                        latency_p50_ms = excluded.latency_p50_ms, latency_p95_ms = excluded.latency_p95_ms,
                        latency_max_ms = excluded.latency_max_ms, latency_sum_ms = excluded.latency_sum_ms,
                        latency_samples = excluded.latency_samples, computed_at = excluded.computed_at
                    """)
            for row in fresh {
                let previous = existing.removeValue(forKey: row.key)
                if previous == row { continue }
                if previous == nil { counts.inserted += 1 } else { counts.updated += 1 }
                try upsert.execute(arguments: [
                    row.day.description, timezone, row.source, row.userID?.canonical, row.agent, row.model, row.status,
                    row.runs, row.failures, row.promptTokens, row.completionTokens, row.totalTokens,
                    SQLiteValue.text(row.costUSD), row.unpricedRuns, row.latencyP50Ms, row.latencyP95Ms, row.latencyMaxMs,
                    row.latencySumMs, row.latencySamples,
                ])
            }
            try Self.writeTotals(fresh, days: days, timezone: timezone, db: db)
            for gone in existing.values {
                try db.execute(
                    sql: """
                        delete from daily_usage_stats where day = ? and timezone = ? and source = ? and user_id is ?
                          and agent = ? and model = ? and status = ?
                        """,
                    arguments: [gone.day.description, timezone, gone.source, gone.userID?.canonical, gone.agent, gone.model, gone.status])
                counts.deleted += 1
            }
            return counts
        }
    }

    /// Rewrites the rollup rows (no user dimension) of `days` from the fresh statistics, with exact decimal sums.
    static func writeTotals(_ fresh: [DailyUsageRow], days: [Day], timezone: String, db: GRDB.Database) throws {
        let marks = Array(repeating: "?", count: days.count).joined(separator: ",")
        try db.execute(
            sql: "delete from daily_usage_totals where timezone = ? and day in (\(marks))",
            arguments: StatementArguments([timezone] + days.map(\.description)))
        var totals: [String: DailyUsageRow] = [:]
        for row in fresh {
            let key = "\(row.day)|\(row.source)|\(row.agent)|\(row.model)|\(row.status)"
            var total = totals[key] ?? DailyUsageRow(
                day: row.day, timezone: timezone, source: row.source, userID: nil, agent: row.agent, model: row.model,
                status: row.status)
            total.runs += row.runs
            total.failures += row.failures
            total.promptTokens += row.promptTokens
            total.completionTokens += row.completionTokens
            total.totalTokens += row.totalTokens
            total.costUSD += row.costUSD
            total.unpricedRuns += row.unpricedRuns
            if let rowMax = row.latencyMaxMs { total.latencyMaxMs = max(total.latencyMaxMs ?? rowMax, rowMax) }
            total.latencySumMs += row.latencySumMs
            total.latencySamples += row.latencySamples
            totals[key] = total
        }
        for total in totals.values {
            try db.execute(
                sql: """
                    insert into daily_usage_totals (day, timezone, source, agent, model, status, runs, failures,
                        prompt_tokens, completion_tokens, total_tokens, cost_usd, unpriced_runs, latency_max_ms,
                        latency_sum_ms, latency_samples)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    total.day.description, timezone, total.source, total.agent, total.model, total.status, total.runs,
                    total.failures, total.promptTokens, total.completionTokens, total.totalTokens,
                    SQLiteValue.text(total.costUSD), total.unpricedRuns, total.latencyMaxMs, total.latencySumMs,
                    total.latencySamples,
                ])
        }
    }

    public func dailyUsage(from: Day, to: Day, timezone: String) async throws -> [DailyUsageRow] {
        try await reading { db in
            try Row.fetchAll(
                db,
                sql: """
                    select * from daily_usage_stats where timezone = ? and day between ? and ?
                    order by day, source, user_id nulls first, agent, model, status
                    """,
                arguments: [timezone, from.description, to.description]
            ).map(Self.usageRow)
        }
    }

    public func costReport(from: Day, to: Day, timezone: String, grouping: ReportGrouping) async throws
        -> [CostReportRow]
    {
        // Exact decimal sums: grouped in Swift (SQLite would sum the text costs as floats).
        let rows = try await dailyUsage(from: from, to: to, timezone: timezone)
        struct Key: Hashable {
            var period: Day?
            var user: UUID?
            var agent: String?
            var model: String?
            var source: String?
        }
        var groups: [Key: CostReportRow] = [:]
        var order: [Key] = []
        for row in rows {
            let period: Day?
            switch grouping.period {
            case .day: period = row.day
            case .week: period = Day(ordinal: row.day.ordinal - ((row.day.ordinal % 7 + 10) % 7))
            case .month:
                let civil = Timestamp.civilFromDays(row.day.ordinal)
                period = Day(year: civil.year, month: civil.month, day: 1)
            case nil: period = nil
            }
            let dims = grouping.dimensions
            let key = Key(
                period: period, user: dims.contains(.user) ? row.userID : nil, agent: dims.contains(.agent) ? row.agent : nil,
                model: dims.contains(.model) ? row.model : nil, source: dims.contains(.source) ? row.source : nil)
            if groups[key] == nil {
                order.append(key)
                groups[key] = CostReportRow(
                    period: key.period, userID: key.user, agent: key.agent, model: key.model, source: key.source, runs: 0,
                    failures: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costUSD: 0, unpricedRuns: 0,
                    maxLatencyMs: nil, latencySumMs: 0, latencySamples: 0)
            }
            if var group = groups[key] {
                group.runs += row.runs
                group.failures += row.failures
                group.promptTokens += row.promptTokens
                group.completionTokens += row.completionTokens
                group.totalTokens += row.totalTokens
                group.costUSD += row.costUSD
                group.unpricedRuns += row.unpricedRuns
                if let rowMax = row.latencyMaxMs { group.maxLatencyMs = max(group.maxLatencyMs ?? rowMax, rowMax) }
                group.latencySumMs += row.latencySumMs
                group.latencySamples += row.latencySamples
                groups[key] = group
            }
        }
        return order.compactMap { groups[$0] }
    }

    // MARK: Cost backfill

    static func needsCost(_ table: String, recompute: Bool) -> String {
        if recompute { return "1" }
        let tokens = table == "agent_executions" ? "coalesce(tokens_used, 0)" : "coalesce(tokens_total, 0)"
        return "(cost_usd is null or (cast(cost_usd as real) = 0 and \(tokens) > 0))"
    }

    public func usageModelsNeedingCost(since: Date?, recompute: Bool) async throws
        -> [(source: String, model: String, rows: Int)]
    {
        let sinceText = since.map(Timestamp.iso8601)
        return try await reading { db in
            try Row.fetchAll(
                db,
                sql: """
                    select 'agent_executions' as source, coalesce(json_extract(metadata, '$.model'), '') as model, count(*) as n
                    from agent_executions where (? is null or created_at >= ?) and \(Self.needsCost("agent_executions", recompute: recompute))
                    group by 2
                    union all
                    select 'ai_runs', coalesce(model_used, ''), count(*) from ai_runs
                    where (? is null or created_at >= ?) and \(Self.needsCost("ai_runs", recompute: recompute))
                    group by 2
                    order by 1, 2
                    """,
                arguments: [sinceText, sinceText, sinceText, sinceText]
            ).map { (source: $0["source"], model: ($0["model"] as DatabaseValue).storage.textValue ?? "", rows: $0["n"]) }
        }
    }

    public func backfillCosts(
        source: String, model: String, price: CostRates, since: Date?, recompute: Bool, assumedPromptShare: Double?,
        batchSize: Int, dryRun: Bool
    ) async throws -> BackfillCounts {
        let sinceText = since.map(Timestamp.iso8601)
        let select: String
        switch source {
        case "agent_executions":
            select = """
                select id, case when json_type(metadata, '$.prompt_tokens') in ('integer', 'real')
                                 and json_type(metadata, '$.completion_tokens') in ('integer', 'real')
                           then json_extract(metadata, '$.prompt_tokens') end as prompt,
                       case when json_type(metadata, '$.prompt_tokens') in ('integer', 'real')
                                 and json_type(metadata, '$.completion_tokens') in ('integer', 'real')
                           then json_extract(metadata, '$.completion_tokens') end as completion,
                       coalesce(tokens_used, 0) as total
                from agent_executions
                where coalesce(json_extract(metadata, '$.model'), '') = ?
                """
        case "ai_runs":
            select = """
                select id, case when tokens_prompt is not null or tokens_completion is not null then coalesce(tokens_prompt, 0) end as prompt,
                       case when tokens_prompt is not null or tokens_completion is not null then coalesce(tokens_completion, 0) end as completion,
                       coalesce(tokens_total, 0) as total
                from ai_runs where coalesce(model_used, '') = ?
                """
        default:
            throw NightshiftError.invalidInput("unknown usage source", context: ["source": source])
        }
        var counts = BackfillCounts()
        var lastID = ""
        while true {
            let after = lastID
            let batch = try await writing { db -> (rows: Int, last: String, counts: BackfillCounts) in
                let rows = try Row.fetchAll(
                    db,
                    sql: select + " and (? is null or created_at >= ?) and \(Self.needsCost(source, recompute: recompute)) and id > ? order by id limit ?",
                    arguments: [model, sinceText, sinceText, after, max(1, batchSize)])
                var batchCounts = BackfillCounts()
                for row in rows {
                    let total = Decimal((row["total"] as Int?) ?? 0)
                    var prompt = (row["prompt"] as Int?).map { Decimal($0) }
                    var completion = (row["completion"] as Int?).map { Decimal($0) }
                    let estimated = prompt == nil
                    if estimated, let share = assumedPromptShare {
                        let assumed = PricingMath.roundHalfAway(total * Decimal(share))
                        prompt = assumed
                        completion = total - assumed
                    }
                    guard let prompt, let completion else {
                        batchCounts.withoutSplit += 1
                        continue
                    }
                    let cost = PricingMath.round6((prompt * price.input + completion * price.output) / 1_000_000)
                    batchCounts.priced += 1
                    batchCounts.totalCost += cost
                    guard !dryRun else { continue }
                    let id: String = row["id"]
                    if estimated, let share = assumedPromptShare {
                        try db.execute(
                            sql: """
                                update \(source) set cost_usd = ?, metadata = json_set(coalesce(metadata, '{}'),
                                    '$.cost_estimated', json('true'), '$.cost_basis', ?) where id = ?
                                """,
                            arguments: [SQLiteValue.text(cost), "assumed prompt share \(share)", id])
                    } else {
                        try db.execute(sql: "update \(source) set cost_usd = ? where id = ?", arguments: [SQLiteValue.text(cost), id])
                    }
                }
                return (rows.count, (rows.last?["id"] as String?) ?? after, batchCounts)
            }
            counts.priced += batch.counts.priced
            counts.withoutSplit += batch.counts.withoutSplit
            counts.totalCost += batch.counts.totalCost
            lastID = batch.last
            if batch.rows < batchSize { break }
        }
        return counts
    }
}

/// Decimal rounding as PostgreSQL's numeric does it (half away from zero).
enum PricingMath {
    static func round6(_ value: Decimal) -> Decimal { roundHalfAway(value, places: 6) }

    static func roundHalfAway(_ value: Decimal, places: Int = 0) -> Decimal {
        var input = value
        var output = Decimal()
        NSDecimalRound(&output, &input, places, .plain)
        return output
    }
}

extension DatabaseValue.Storage {
    /// The text of a TEXT value; numbers as their plain text; nil otherwise.
    var textValue: String? {
        switch self {
        case .string(let text): return text
        case .int64(let value): return String(value)
        case .double(let value): return String(value)
        default: return nil
        }
    }
}
