import Foundation
import NightshiftCore

extension PostgresStore {
    public func recordExecution(_ execution: AgentExecution, userID: UUID?) async throws {
        try await pool.execute(
            """
            insert into public.agent_executions (id, conversation_id, agent_type, tool_calls, tokens_used, cost_usd,
                duration_ms, status, error, metadata, created_at, user_id)
            values (\(execution.id), \(execution.conversationID), \(execution.agentType), \(execution.toolCalls),
                    \(execution.tokensUsed), \(execution.costUSD), \(execution.durationMs), \(execution.status.rawValue),
                    \(execution.error), \(execution.metadata), \(execution.createdAt ?? Date()), \(userID))
            """)
    }

    public func executions(conversationID: UUID) async throws -> [AgentExecution] {
        try await pool.query(
            """
            select id, conversation_id, agent_type, tool_calls, tokens_used, cost_usd, duration_ms, status, error,
                   metadata, created_at
            from public.agent_executions where conversation_id = \(conversationID) order by created_at, id
            """
        ).map { row in
            AgentExecution(
                id: try row.decode(0), conversationID: try row.decode(1, as: UUID?.self), agentType: try row.decode(2),
                toolCalls: try row.decode(3, as: JSONValue?.self) ?? [], tokensUsed: try row.decode(4, as: Int?.self) ?? 0,
                costUSD: try row.decode(5, as: Decimal?.self), durationMs: try row.decode(6, as: Int?.self),
                status: try Self.enumValue(row, 7, default: AgentExecution.Status.success),
                error: try row.decode(8, as: String?.self), metadata: try row.decode(9, as: JSONValue?.self) ?? [:],
                createdAt: try row.decode(10, as: Date?.self))
        }
    }

    static let agentColumns =
        "id, name, description, version, model, system_prompt, temperature, max_tokens, is_active, metadata"

    static func agent(_ row: PGRow) throws -> AIAgent {
        AIAgent(
            id: try row.decode(0), name: try row.decode(1), description: try row.decode(2, as: String?.self),
            version: try row.decode(3), model: try row.decode(4), systemPrompt: try row.decode(5),
            temperature: try row.decode(6, as: Double?.self) ?? 0.7, maxTokens: try row.decode(7, as: Int?.self) ?? 1000,
            isActive: try row.decode(8, as: Bool?.self) ?? true, metadata: try row.decode(9, as: JSONValue?.self) ?? [:])
    }

    public func agents(activeOnly: Bool) async throws -> [AIAgent] {
        try await pool.query(
            """
            select \(unescaped: Self.agentColumns) from public.ai_agents
            where not \(activeOnly) or is_active order by name
            """
        ).map(Self.agent)
    }

    public func agent(named name: String) async throws -> AIAgent? {
        try await pool.query("select \(unescaped: Self.agentColumns) from public.ai_agents where name = \(name)")
            .first.map(Self.agent)
    }

    public func saveAgent(_ agent: AIAgent) async throws {
        try await pool.execute(
            """
            insert into public.ai_agents (id, name, description, version, model, system_prompt, temperature, max_tokens,
                is_active, metadata)
            values (\(agent.id), \(agent.name), \(agent.description), \(agent.version), \(agent.model),
                    \(agent.systemPrompt), \(agent.temperature), \(agent.maxTokens), \(agent.isActive), \(agent.metadata))
            on conflict (name) do update set
                description = excluded.description, version = excluded.version, model = excluded.model,
                system_prompt = excluded.system_prompt, temperature = excluded.temperature,
                max_tokens = excluded.max_tokens, is_active = excluded.is_active, metadata = excluded.metadata
            """)
    }

    public func insertRun(_ run: AIRun) async throws {
        try await pool.execute(
            """
            insert into public.ai_runs (id, user_id, agent_id, trip_id, saved_place_id, input_text, output_text, status,
                model_used, tokens_prompt, tokens_completion, tokens_total, cost_usd, latency_ms, error_message, metadata,
                created_at)
            values (\(run.id), \(run.userID), \(run.agentID), \(run.tripID), \(run.savedPlaceID), \(run.inputText),
                    \(run.outputText), \(run.status.rawValue), \(run.modelUsed), \(run.tokensPrompt),
                    \(run.tokensCompletion), \(run.tokensTotal), \(run.costUSD), \(run.latencyMs), \(run.errorMessage),
                    \(run.metadata), \(run.createdAt ?? Date()))
            """)
    }

    public func updateRun(_ run: AIRun) async throws {
        let count = try await pool.execute(
            """
            update public.ai_runs set output_text = \(run.outputText), status = \(run.status.rawValue),
                model_used = \(run.modelUsed), tokens_prompt = \(run.tokensPrompt),
                tokens_completion = \(run.tokensCompletion), tokens_total = \(run.tokensTotal), cost_usd = \(run.costUSD),
                latency_ms = \(run.latencyMs), error_message = \(run.errorMessage), metadata = \(run.metadata)
            where id = \(run.id)
            """)
        guard count == 1 else {
            throw NightshiftError(.notFound, "no such run", context: ["ai_run_id": run.id.canonical])
        }
    }

    static let runColumns = """
        id, user_id, agent_id, trip_id, saved_place_id, input_text, output_text, status, model_used, tokens_prompt,
        tokens_completion, tokens_total, cost_usd, latency_ms, error_message, metadata, created_at, updated_at
        """

    static func run(_ row: PGRow) throws -> AIRun {
        AIRun(
            id: try row.decode(0), userID: try row.decode(1), agentID: try row.decode(2),
            tripID: try row.decode(3, as: UUID?.self), savedPlaceID: try row.decode(4, as: UUID?.self),
            inputText: try row.decode(5), outputText: try row.decode(6, as: String?.self),
            status: try enumValue(row, 7, default: AIRun.Status.pending), modelUsed: try row.decode(8, as: String?.self),
            tokensPrompt: try row.decode(9, as: Int?.self), tokensCompletion: try row.decode(10, as: Int?.self),
            tokensTotal: try row.decode(11, as: Int?.self), costUSD: try row.decode(12, as: Decimal?.self),
            latencyMs: try row.decode(13, as: Int?.self), errorMessage: try row.decode(14, as: String?.self),
            metadata: try row.decode(15, as: JSONValue?.self) ?? [:], createdAt: try row.decode(16, as: Date?.self),
            updatedAt: try row.decode(17, as: Date?.self))
    }

    public func run(id: UUID) async throws -> AIRun? {
        try await pool.query("select \(unescaped: Self.runColumns) from public.ai_runs where id = \(id)").first.map(Self.run)
    }

    public func runs(userID: UUID, limit: Int) async throws -> [AIRun] {
        try await pool.query(
            """
            select \(unescaped: Self.runColumns) from public.ai_runs where user_id = \(userID)
            order by created_at desc, id limit \(limit)
            """
        ).map(Self.run)
    }

    public func usageStats(userID: UUID, from: Date, to: Date) async throws -> UsageTotals {
        let rows = try await pool.query(
            "select total_runs, total_tokens, total_cost, avg_latency from public.get_ai_usage_stats(\(userID), \(from), \(to))")
        guard let row = rows.first else { return UsageTotals(totalRuns: 0, totalTokens: 0, totalCost: 0, averageLatencyMs: 0) }
        return UsageTotals(
            totalRuns: try row.decode(0), totalTokens: try row.decode(1), totalCost: try row.decode(2),
            averageLatencyMs: try row.decode(3))
    }

    // MARK: Jobs

    public func startJobRun(_ run: JobRun) async throws {
        try await pool.execute(
            """
            insert into public.job_runs (id, job, started_at, status, counts, host, pid)
            values (\(run.id), \(run.job), \(run.startedAt), \(run.status.rawValue), \(run.counts),
                    \(ProcessInfo.processInfo.hostName), \(Int(ProcessInfo.processInfo.processIdentifier)))
            """)
    }

    public func finishJobRun(id: UUID, status: JobRun.Status, counts: JSONValue, error: String?, at: Date) async throws {
        try await pool.execute(
            """
            update public.job_runs set status = \(status.rawValue), counts = \(counts), error = \(error), finished_at = \(at)
            where id = \(id)
            """)
    }

    public func jobRuns(job: String?, limit: Int) async throws -> [JobRun] {
        try await pool.query(
            """
            select id, job, started_at, finished_at, status, counts, error from public.job_runs
            where \(job)::text is null or job = \(job) order by started_at desc limit \(limit)
            """
        ).map { row in
            JobRun(
                id: try row.decode(0), job: try row.decode(1), startedAt: try row.decode(2),
                finishedAt: try row.decode(3, as: Date?.self),
                status: try Self.enumValue(row, 4, default: JobRun.Status.running), counts: try row.decode(5),
                error: try row.decode(6, as: String?.self))
        }
    }

    public func markAbandonedJobRuns(job: String, except: UUID, at: Date) async throws -> Int {
        try await pool.execute(
            """
            update public.job_runs set status = 'failed', finished_at = \(at),
                error = 'abandoned: the process ended without finishing (killed or crashed)'
            where job = \(job) and status = 'running' and id <> \(except)
            """)
    }

    public func withJobLock<T: Sendable>(_ job: String, _ body: () async throws -> T) async throws -> T {
        // The lock lives as long as this session, a connection of its own (the job's work needs the whole pool);
        // a crashed process's session ends and PostgreSQL releases its lock.
        try await pool.withDedicatedConnection { connection in
            let key = "nightshift:\(job)"
            let locked = try await connection.scalar("select pg_try_advisory_lock(hashtext(\(key)))", as: Bool.self)
            guard locked == true else {
                throw NightshiftError(
                    .conflict, "another \(job) run is in progress (PostgreSQL advisory lock held)", context: ["job": job])
            }
            do {
                let value = try await body()
                _ = try? await connection.execute("select pg_advisory_unlock(hashtext(\(key)))")
                return value
            } catch {
                _ = try? await connection.execute("select pg_advisory_unlock(hashtext(\(key)))")
                throw error
            }
        }
    }

    public func jobState(job: String, key: String) async throws -> JSONValue? {
        try await pool.query("select value from public.job_state where job = \(job) and key = \(key)")
            .first.map { try $0.decode(0, as: JSONValue.self) }
    }

    public func setJobState(job: String, key: String, value: JSONValue) async throws {
        try await pool.execute(
            """
            insert into public.job_state (job, key, value) values (\(job), \(key), \(value))
            on conflict (job, key) do update set value = excluded.value, updated_at = now()
            """)
    }
}
