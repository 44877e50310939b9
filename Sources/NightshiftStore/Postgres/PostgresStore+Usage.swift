import Foundation
import NightshiftCore

extension PostgresStore {
    public func databaseNow() async throws -> Date {
        try await pool.withConnection { try await $0.scalar("select now()", as: Date.self) } ?? Date()
    }

    public func changedUsageDays(since: Date?, timezone: String) async throws -> [Day] {
        try await pool.query(
            """
            select distinct d from (
                select (created_at at time zone \(timezone))::date as d from public.agent_executions
                where created_at is not null and (\(since)::timestamptz is null or changed_at > \(since))
                union
                select (created_at at time zone \(timezone))::date from public.ai_runs
                where created_at is not null and (\(since)::timestamptz is null or changed_at > \(since))
            ) x order by d
            """
        ).map { try $0.decode(0, as: Day.self) }
    }

    /// The aggregation of both source tables for `$days` in `$timezone` — the one place the statistics are
    /// defined on PostgreSQL (percentiles by `percentile_cont`, exact numeric sums).
    /// `$3` and `$4` bound the days' instants (`recomputeUsageStats` computes them first): as parameters the planner
    /// sees the range and scans the `created_at` index, where a CTE's bounds left it guessing (a sequential scan of
    /// every execution, on a table whose statistics were stale).
    static let freshUsageSQL = """
        fresh as (
            select (e.created_at at time zone $1)::date as day, 'agent_executions'::text as source,
                   coalesce(e.user_id, c.user_id) as user_id, e.agent_type as agent,
                   coalesce(e.metadata ->> 'model', '') as model, coalesce(e.status, 'success') as status,
                   count(*)::bigint as runs,
                   (count(*) filter (where e.status in ('failed', 'timeout')))::bigint as failures,
                   coalesce(sum(case when jsonb_typeof(e.metadata -> 'prompt_tokens') = 'number'
                                     then (e.metadata ->> 'prompt_tokens')::numeric end), 0)::bigint as prompt_tokens,
                   coalesce(sum(case when jsonb_typeof(e.metadata -> 'completion_tokens') = 'number'
                                     then (e.metadata ->> 'completion_tokens')::numeric end), 0)::bigint as completion_tokens,
                   coalesce(sum(e.tokens_used), 0)::bigint as total_tokens,
                   coalesce(sum(e.cost_usd), 0)::numeric(16, 6) as cost_usd,
                   (count(*) filter (where e.cost_usd is null))::bigint as unpriced_runs,
                   percentile_cont(0.5) within group (order by e.duration_ms) as latency_p50_ms,
                   percentile_cont(0.95) within group (order by e.duration_ms) as latency_p95_ms,
                   max(e.duration_ms) as latency_max_ms,
                   coalesce(sum(e.duration_ms), 0)::bigint as latency_sum_ms,
                   count(e.duration_ms)::bigint as latency_samples
            from public.agent_executions e
            left join public.agent_conversations c on c.id = e.conversation_id
            where e.created_at >= $3 and e.created_at < $4 and (e.created_at at time zone $1)::date = any($2::date[])
            group by 1, 3, 4, 5, 6
            union all
            select (r.created_at at time zone $1)::date, 'ai_runs'::text, r.user_id, a.name, coalesce(r.model_used, ''),
                   r.status,
                   count(*)::bigint,
                   (count(*) filter (where r.status = 'failed'))::bigint,
                   coalesce(sum(r.tokens_prompt), 0)::bigint,
                   coalesce(sum(r.tokens_completion), 0)::bigint,
                   coalesce(sum(coalesce(r.tokens_total, coalesce(r.tokens_prompt, 0) + coalesce(r.tokens_completion, 0))), 0)::bigint,
                   coalesce(sum(r.cost_usd), 0)::numeric(16, 6),
                   (count(*) filter (where r.cost_usd is null))::bigint,
                   percentile_cont(0.5) within group (order by r.latency_ms),
                   percentile_cont(0.95) within group (order by r.latency_ms),
                   max(r.latency_ms),
                   coalesce(sum(r.latency_ms), 0)::bigint,
                   count(r.latency_ms)::bigint
            from public.ai_runs r
            join public.ai_agents a on a.id = r.agent_id
            where r.created_at >= $3 and r.created_at < $4 and (r.created_at at time zone $1)::date = any($2::date[])
            group by 1, 3, 4, 5, 6
        )
        """

    /// A data-modifying CTE writing the per-day rollup without users (`daily_usage_totals`) from `fresh`: after the
    /// statement, `daily_usage_stats` holds exactly `fresh` for these days, so the sums agree. The days' old rollup
    /// rows are deleted first, in the same transaction.
    static let freshTotalsCTE = """
        totals as (
            insert into public.daily_usage_totals (day, timezone, source, agent, model, status, runs, failures,
                prompt_tokens, completion_tokens, total_tokens, cost_usd, unpriced_runs, latency_max_ms,
                latency_sum_ms, latency_samples)
            select day, $1, source, agent, model, status, sum(runs), sum(failures), sum(prompt_tokens),
                   sum(completion_tokens), sum(total_tokens), sum(cost_usd), sum(unpriced_runs), max(latency_max_ms),
                   sum(latency_sum_ms), sum(latency_samples)
            from fresh
            group by day, source, agent, model, status
            returning 1
        )
        """

    static let statColumnNames = [
        "runs", "failures", "prompt_tokens", "completion_tokens", "total_tokens", "cost_usd", "unpriced_runs",
        "latency_p50_ms", "latency_p95_ms", "latency_max_ms", "latency_sum_ms", "latency_samples",
    ]
    static let statColumns = statColumnNames.joined(separator: ", ")

    /// `prefix.runs, prefix.failures, …`
    static func statColumns(prefixed prefix: String) -> String {
        statColumnNames.map { "\(prefix).\($0)" }.joined(separator: ", ")
    }

    public func recomputeUsageStats(days: [Day], timezone: String) async throws -> StatsWriteCounts {
        guard !days.isEmpty else { return StatsWriteCounts() }
        let dayBinds = [timezone.pgBind, PGBind(text: PGArray.literal(days.map(\.description)), oid: 1182)]
        let nilUser = "'00000000-0000-0000-0000-000000000000'::uuid"
        return try await pool.transaction { connection in
            // The aggregation sorts each group's latencies; keep those sorts in memory. The anti-join below must hash:
            // a merge join on (day, source) with the other keys as a filter is quadratic, and the planner picks it
            // when it underestimates `fresh`.
            try await connection.simpleQuery("set local work_mem = '256MB'; set local enable_mergejoin = off")
            let bounds = try await connection.query(
                PGQuery(
                    sql: """
                        select (min(d)::timestamp at time zone $1), ((max(d) + 1)::timestamp at time zone $1)
                        from unnest($2::date[]) as d
                        """,
                    binds: dayBinds))
            guard let range = bounds.first else { return StatsWriteCounts() }
            let binds = dayBinds + [try range.decode(0, as: Date.self).pgBind, try range.decode(1, as: Date.self).pgBind]
            let existing = try await connection.query(
                PGQuery(sql: "select exists (select 1 from public.daily_usage_stats where timezone = $1 and day = any($2::date[]))", binds: dayBinds))
            var counts = StatsWriteCounts()
            try await connection.execute(
                PGQuery(sql: "delete from public.daily_usage_totals where timezone = $1 and day = any($2::date[])", binds: dayBinds))
            if try existing.first?.decode(0, as: Bool.self) != true {
                // First computation of these days: a plain insert, nothing to compare or delete.
                let rows = try await connection.query(
                    PGQuery(
                        sql: """
                            with \(Self.freshUsageSQL),
                            inserted as (
                                insert into public.daily_usage_stats (day, timezone, source, user_id, agent, model, status,
                                    \(Self.statColumns), computed_at)
                                select day, $1, source, user_id, agent, model, status, \(Self.statColumns), now() from fresh
                                returning 1
                            ),
                            \(Self.freshTotalsCTE)
                            select (select count(*) from inserted), (select count(*) from totals)
                            """,
                        binds: binds))
                counts.inserted = try rows.first?.decode(0, as: Int.self) ?? 0
            } else {
                let rows = try await connection.query(
                    PGQuery(
                        sql: """
                            with \(Self.freshUsageSQL),
                            upserted as (
                                insert into public.daily_usage_stats (day, timezone, source, user_id, agent, model, status,
                                    \(Self.statColumns), computed_at)
                                select day, $1, source, user_id, agent, model, status, \(Self.statColumns), now() from fresh
                                on conflict on constraint daily_usage_stats_key do update set
                                    \(Self.statColumnNames.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")),
                                    computed_at = excluded.computed_at
                                where (\(Self.statColumns(prefixed: "daily_usage_stats")))
                                      is distinct from (\(Self.statColumns(prefixed: "excluded")))
                                returning (xmax = 0) as inserted
                            ),
                            gone as (
                                -- Rows of these days with no fresh counterpart (a hash anti-join: the user key is made
                                -- non-null so the join can hash).
                                select x.ctid as row_id
                                from public.daily_usage_stats x
                                left join fresh f
                                  on f.day = x.day and f.source = x.source and f.agent = x.agent and f.model = x.model
                                 and f.status = x.status and coalesce(f.user_id, \(nilUser)) = coalesce(x.user_id, \(nilUser))
                                where x.timezone = $1 and x.day = any($2::date[]) and f.day is null
                            ),
                            deleted as (
                                delete from public.daily_usage_stats d using gone where d.ctid = gone.row_id
                                returning 1
                            ),
                            \(Self.freshTotalsCTE)
                            select (select count(*) from upserted where inserted), (select count(*) from upserted where not inserted),
                                   (select count(*) from deleted), (select count(*) from totals)
                            """,
                        binds: binds))
                if let row = rows.first {
                    counts = StatsWriteCounts(inserted: try row.decode(0), updated: try row.decode(1), deleted: try row.decode(2))
                }
            }
            return counts
        }
    }

    public func dailyUsage(from: Day, to: Day, timezone: String) async throws -> [DailyUsageRow] {
        try await pool.query(
            """
            select day, timezone, source, user_id, agent, model, status, \(unescaped: Self.statColumns)
            from public.daily_usage_stats
            where timezone = \(timezone) and day between \(from) and \(to)
            order by day, source, user_id nulls first, agent, model, status
            """
        ).map { row in
            DailyUsageRow(
                day: try row.decode(0), timezone: try row.decode(1), source: try row.decode(2),
                userID: try row.decode(3, as: UUID?.self), agent: try row.decode(4), model: try row.decode(5),
                status: try row.decode(6), runs: try row.decode(7), failures: try row.decode(8),
                promptTokens: try row.decode(9), completionTokens: try row.decode(10), totalTokens: try row.decode(11),
                costUSD: try row.decode(12), unpricedRuns: try row.decode(13),
                latencyP50Ms: try row.decode(14, as: Double?.self), latencyP95Ms: try row.decode(15, as: Double?.self),
                latencyMaxMs: try row.decode(16, as: Int?.self), latencySumMs: try row.decode(17),
                latencySamples: try row.decode(18))
        }
    }

    public func costReport(from: Day, to: Day, timezone: String, grouping: ReportGrouping) async throws
        -> [CostReportRow]
    {
        let period: String
        switch grouping.period {
        case .day: period = "day"
        case .week: period = "date_trunc('week', day)::date"
        case .month: period = "date_trunc('month', day)::date"
        case nil: period = "null::date"
        }
        let dims = grouping.dimensions
        let user = dims.contains(.user) ? "user_id" : "null::uuid"
        let agent = dims.contains(.agent) ? "agent" : "null::text"
        let model = dims.contains(.model) ? "model" : "null::text"
        let source = dims.contains(.source) ? "source" : "null::text"
        var groupBy: [String] = []
        if grouping.period != nil { groupBy.append("1") }
        for (index, dimension) in [(2, ReportGrouping.Dimension.user), (3, .agent), (4, .model), (5, .source)]
        where dims.contains(dimension) {
            groupBy.append(String(index))
        }
        let groupClause = groupBy.isEmpty ? "" : "group by " + groupBy.joined(separator: ", ")
        // Without the user dimension the rollup (one row per day, source, agent, model, status) has the same sums.
        let table = dims.contains(.user) ? "public.daily_usage_stats" : "public.daily_usage_totals"
        let orderClause = groupBy.isEmpty ? "" : "order by " + groupBy.map { "\($0) nulls first" }.joined(separator: ", ")
        return try await pool.query(
            """
            select \(unescaped: period), \(unescaped: user), \(unescaped: agent), \(unescaped: model), \(unescaped: source),
                   coalesce(sum(runs), 0)::bigint, coalesce(sum(failures), 0)::bigint, coalesce(sum(prompt_tokens), 0)::bigint,
                   coalesce(sum(completion_tokens), 0)::bigint, coalesce(sum(total_tokens), 0)::bigint,
                   coalesce(sum(cost_usd), 0), coalesce(sum(unpriced_runs), 0)::bigint,
                   max(latency_max_ms), coalesce(sum(latency_sum_ms), 0)::bigint, coalesce(sum(latency_samples), 0)::bigint
            from \(unescaped: table)
            where timezone = \(timezone) and day between \(from) and \(to)
            \(unescaped: groupClause)
            having count(*) > 0
            \(unescaped: orderClause)
            """
        ).map { row in
            CostReportRow(
                period: try row.decode(0, as: Day?.self), userID: try row.decode(1, as: UUID?.self),
                agent: try row.decode(2, as: String?.self), model: try row.decode(3, as: String?.self),
                source: try row.decode(4, as: String?.self), runs: try row.decode(5), failures: try row.decode(6),
                promptTokens: try row.decode(7), completionTokens: try row.decode(8), totalTokens: try row.decode(9),
                costUSD: try row.decode(10), unpricedRuns: try row.decode(11), maxLatencyMs: try row.decode(12, as: Int?.self),
                latencySumMs: try row.decode(13), latencySamples: try row.decode(14))
        }
    }

    // MARK: Cost backfill

    /// The SQL condition for "this row's cost is to be (re)computed".
    static func needsCost(_ table: String, recompute: Bool) -> String {
        if recompute { return "true" }
        let tokens = table == "agent_executions" ? "coalesce(tokens_used, 0)" : "coalesce(tokens_total, 0)"
        // The design's column default of 0 recorded "not computed" as zero: zero with tokens is missing too.
        return "(cost_usd is null or (cost_usd = 0 and \(tokens) > 0))"
    }

    public func usageModelsNeedingCost(since: Date?, recompute: Bool) async throws
        -> [(source: String, model: String, rows: Int)]
    {
        try await pool.query(
            """
            select 'agent_executions', coalesce(metadata ->> 'model', ''), count(*) from public.agent_executions
            where (\(since)::timestamptz is null or created_at >= \(since)) and \(unescaped: Self.needsCost("agent_executions", recompute: recompute))
            group by 2
            union all
            select 'ai_runs', coalesce(model_used, ''), count(*) from public.ai_runs
            where (\(since)::timestamptz is null or created_at >= \(since)) and \(unescaped: Self.needsCost("ai_runs", recompute: recompute))
            group by 2
            order by 1, 2
            """
        ).map { (source: try $0.decode(0), model: try $0.decode(1), rows: try $0.decode(2)) }
    }

    public func backfillCosts(
        source: String, model: String, price: CostRates, since: Date?, recompute: Bool, assumedPromptShare: Double?,
        batchSize: Int, dryRun: Bool
    ) async throws -> BackfillCounts {
        // Token split per row: executions keep it in metadata (prompt_tokens, completion_tokens) and only a
        // total in tokens_used; runs have columns. Rows with only a total use the assumed prompt share, if given.
        let split: String
        let modelColumn: String
        let table: String
        switch source {
        case "agent_executions":
            table = "agent_executions"
            modelColumn = "coalesce(metadata ->> 'model', '')"
            split = """
                case when jsonb_typeof(metadata -> 'prompt_tokens') = 'number' and jsonb_typeof(metadata -> 'completion_tokens') = 'number'
                     then (metadata ->> 'prompt_tokens')::numeric end as prompt,
                case when jsonb_typeof(metadata -> 'prompt_tokens') = 'number' and jsonb_typeof(metadata -> 'completion_tokens') = 'number'
                     then (metadata ->> 'completion_tokens')::numeric end as completion,
                coalesce(tokens_used, 0)::numeric as total
                """
        case "ai_runs":
            table = "ai_runs"
            modelColumn = "coalesce(model_used, '')"
            split = """
                case when tokens_prompt is not null or tokens_completion is not null then coalesce(tokens_prompt, 0) end::numeric as prompt,
                case when tokens_prompt is not null or tokens_completion is not null then coalesce(tokens_completion, 0) end::numeric as completion,
                coalesce(tokens_total, 0)::numeric as total
                """
        default:
            throw NightshiftError.invalidInput("unknown usage source", context: ["source": source])
        }
        let share = assumedPromptShare.map { String($0) } ?? "null"
        var counts = BackfillCounts()
        var lastID: UUID?
        while true {
            let selection = """
                with batch as (
                    select id, \(split) from public.\(table)
                    where \(modelColumn) = $1 and ($2::timestamptz is null or created_at >= $2)
                      and \(Self.needsCost(table, recompute: recompute))
                      and ($3::uuid is null or id > $3)
                    order by id limit \(max(1, batchSize))
                ),
                priced as (
                    select id, prompt is null as estimated,
                           round((coalesce(prompt, round(total * \(share)::numeric)) * $4::numeric
                                  + coalesce(completion, total - round(total * \(share)::numeric)) * $5::numeric)
                                 / 1000000, 6) as cost
                    from batch
                )
                """
            let binds: [PGBind] = [model.pgBind, since.pgBind, lastID.pgBind, price.input.pgBind, price.output.pgBind]
            let statement: String
            if dryRun {
                statement = selection + " select id, cost, estimated from priced order by id"
            } else {
                statement = selection + """
                    , updated as (
                        update public.\(table) t set cost_usd = p.cost,
                            metadata = case when p.estimated
                                then coalesce(t.metadata, '{}'::jsonb) || jsonb_build_object('cost_estimated', true,
                                     'cost_basis', 'assumed prompt share \(share)')
                                else t.metadata end
                        from priced p where t.id = p.id and p.cost is not null
                        returning t.id
                    )
                    select id, cost, estimated from priced order by id
                    """
            }
            let rows = try await pool.query(PGQuery(sql: statement, binds: binds))
            guard !rows.isEmpty else { break }
            for row in rows {
                if let cost = try row.decode(1, as: Decimal?.self) {
                    counts.priced += 1
                    counts.totalCost += cost
                } else {
                    counts.withoutSplit += 1
                }
            }
            lastID = try rows.last?.decode(0, as: UUID.self)
            if rows.count < batchSize { break }
        }
        return counts
    }
}
