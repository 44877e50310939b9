import Foundation
#if canImport(Glibc)
import Glibc
#endif
import GRDB
import NightshiftCore

extension SQLiteStore {
    public func recordExecution(_ execution: AgentExecution, userID: UUID?) async throws {
        try await writing { db in
            try db.execute(
                sql: """
                    insert into agent_executions (id, conversation_id, agent_type, tool_calls, tokens_used, cost_usd,
                        duration_ms, status, error, metadata, created_at, user_id)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    execution.id.canonical, execution.conversationID?.canonical, execution.agentType,
                    execution.toolCalls.jsonText, execution.tokensUsed, SQLiteValue.text(execution.costUSD),
                    execution.durationMs, execution.status.rawValue, execution.error, execution.metadata.jsonText,
                    SQLiteValue.text(execution.createdAt ?? Date()), userID?.canonical,
                ])
        }
    }

    public func executions(conversationID: UUID) async throws -> [AgentExecution] {
        try await reading { db in
            try Row.fetchAll(
                db, sql: "select * from agent_executions where conversation_id = ? order by created_at, id",
                arguments: [conversationID.canonical]
            ).map { row in
                AgentExecution(
                    id: try SQLiteValue.uuid(row, "id"), conversationID: try SQLiteValue.optionalUUID(row, "conversation_id"),
                    agentType: row["agent_type"], toolCalls: try SQLiteValue.json(row, "tool_calls", default: []),
                    tokensUsed: row["tokens_used"] ?? 0, costUSD: SQLiteValue.decimal(row, "cost_usd"),
                    durationMs: row["duration_ms"],
                    status: try SQLiteValue.enumValue(row, "status", default: AgentExecution.Status.success),
                    error: row["error"], metadata: try SQLiteValue.json(row, "metadata"),
                    createdAt: SQLiteValue.date(row, "created_at"))
            }
        }
    }

    static func agent(_ row: Row) throws -> AIAgent {
        AIAgent(
            id: try SQLiteValue.uuid(row, "id"), name: row["name"], description: row["description"],
            version: row["version"], model: row["model"], systemPrompt: row["system_prompt"],
            temperature: row["temperature"] ?? 0.7, maxTokens: row["max_tokens"] ?? 1000,
            isActive: row["is_active"] ?? true, metadata: try SQLiteValue.json(row, "metadata"))
    }

    public func agents(activeOnly: Bool) async throws -> [AIAgent] {
        try await reading { db in
            try Row.fetchAll(db, sql: "select * from ai_agents where not ? or is_active order by name", arguments: [activeOnly])
                .map(Self.agent)
        }
    }

    public func agent(named name: String) async throws -> AIAgent? {
        try await reading { db in
            try Row.fetchOne(db, sql: "select * from ai_agents where name = ?", arguments: [name]).map(Self.agent)
        }
    }

    public func saveAgent(_ agent: AIAgent) async throws {
        try await writing { db in
            try db.execute(
                sql: """
                    insert into ai_agents (id, name, description, version, model, system_prompt, temperature, max_tokens,
                        is_active, metadata)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    on conflict (name) do update set
                        description = excluded.description, version = excluded.version, model = excluded.model,
                        system_prompt = excluded.system_prompt, temperature = excluded.temperature,
                        max_tokens = excluded.max_tokens, is_active = excluded.is_active, metadata = excluded.metadata
                    """,
                arguments: [
                    agent.id.canonical, agent.name, agent.description, agent.version, agent.model, agent.systemPrompt,
                    (agent.temperature * 10).rounded() / 10, agent.maxTokens, agent.isActive, agent.metadata.jsonText,
                ])
        }
    }

    public func insertRun(_ run: AIRun) async throws {
        try await writing { db in
            try db.execute(
                sql: """
                    insert into ai_runs (id, user_id, agent_id, trip_id, saved_place_id, input_text, output_text, status,
                        model_used, tokens_prompt, tokens_completion, tokens_total, cost_usd, latency_ms, error_message,
                        metadata, created_at, updated_at)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    run.id.canonical, run.userID.canonical, run.agentID.canonical, run.tripID?.canonical,
                    run.savedPlaceID?.canonical, run.inputText, run.outputText, run.status.rawValue, run.modelUsed,
                    run.tokensPrompt, run.tokensCompletion, run.tokensTotal, SQLiteValue.text(run.costUSD),
                    run.latencyMs, run.errorMessage, run.metadata.jsonText, SQLiteValue.text(run.createdAt ?? Date()),
                    SQLiteValue.text(run.updatedAt ?? run.createdAt ?? Date()),
                ])
        }
    }

    public func updateRun(_ run: AIRun) async throws {
        try await writing { db in
            try db.execute(
                sql: """
                    update ai_runs set output_text = ?, status = ?, model_used = ?, tokens_prompt = ?,
                        tokens_completion = ?, tokens_total = ?, cost_usd = ?, latency_ms = ?, error_message = ?,
                        metadata = ?
                    where id = ?
                    """,
                arguments: [
                    run.outputText, run.status.rawValue, run.modelUsed, run.tokensPrompt, run.tokensCompletion,
                    run.tokensTotal, SQLiteValue.text(run.costUSD), run.latencyMs, run.errorMessage,
                    run.metadata.jsonText, run.id.canonical,
                ])
            guard db.changesCount == 1 else {
                throw NightshiftError(.notFound, "no such run", context: ["ai_run_id": run.id.canonical])
            }
        }
    }

    static func run(_ row: Row) throws -> AIRun {
        AIRun(
            id: try SQLiteValue.uuid(row, "id"), userID: try SQLiteValue.uuid(row, "user_id"),
            agentID: try SQLiteValue.uuid(row, "agent_id"), tripID: try SQLiteValue.optionalUUID(row, "trip_id"),
            savedPlaceID: try SQLiteValue.optionalUUID(row, "saved_place_id"), inputText: row["input_text"],
            outputText: row["output_text"], status: try SQLiteValue.enumValue(row, "status", default: AIRun.Status.pending),
            modelUsed: row["model_used"], tokensPrompt: row["tokens_prompt"], tokensCompletion: row["tokens_completion"],
            tokensTotal: row["tokens_total"], costUSD: SQLiteValue.decimal(row, "cost_usd"), latencyMs: row["latency_ms"],
            errorMessage: row["error_message"], metadata: try SQLiteValue.json(row, "metadata"),
            createdAt: SQLiteValue.date(row, "created_at"), updatedAt: SQLiteValue.date(row, "updated_at"))
    }

    public func run(id: UUID) async throws -> AIRun? {
        try await reading { db in
            try Row.fetchOne(db, sql: "select * from ai_runs where id = ?", arguments: [id.canonical]).map(Self.run)
        }
    }

    public func runs(userID: UUID, limit: Int) async throws -> [AIRun] {
        try await reading { db in
            try Row.fetchAll(
                db, sql: "select * from ai_runs where user_id = ? order by created_at desc, id limit ?",
                arguments: [userID.canonical, limit]
            ).map(Self.run)
        }
    }

    public func usageStats(userID: UUID, from: Date, to: Date) async throws -> UsageTotals {
        try await reading { db in
            // Costs are exact decimals in text: summed in Swift, not as SQLite floats.
            let rows = try Row.fetchAll(
                db,
                sql: """
                    select tokens_total, cost_usd, latency_ms from ai_runs
                    where user_id = ? and created_at >= ? and created_at < ? and status = 'completed'
                    """,
                arguments: [userID.canonical, Timestamp.iso8601(from), Timestamp.iso8601(to)])
            var tokens = 0
            var cost = Decimal(0)
            var latencySum = 0
            var latencyCount = 0
            for row in rows {
                tokens += (row["tokens_total"] as Int?) ?? 0
                cost += SQLiteValue.decimal(row, "cost_usd") ?? 0
                if let latency: Int = row["latency_ms"] {
                    latencySum += latency
                    latencyCount += 1
                }
            }
            return UsageTotals(
                totalRuns: rows.count, totalTokens: tokens, totalCost: cost,
                averageLatencyMs: latencyCount == 0 ? 0 : Double(latencySum) / Double(latencyCount))
        }
    }

    // MARK: Jobs

    public func startJobRun(_ run: JobRun) async throws {
        try await writing { db in
            try db.execute(
                sql: "insert into job_runs (id, job, started_at, status, counts, host, pid) values (?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    run.id.canonical, run.job, Timestamp.iso8601(run.startedAt), run.status.rawValue,
                    run.counts.jsonText, ProcessInfo.processInfo.hostName,
                    Int(ProcessInfo.processInfo.processIdentifier),
                ])
        }
    }

    public func finishJobRun(id: UUID, status: JobRun.Status, counts: JSONValue, error: String?, at: Date) async throws {
        try await writing { db in
            try db.execute(
                sql: "update job_runs set status = ?, counts = ?, error = ?, finished_at = ? where id = ?",
                arguments: [status.rawValue, counts.jsonText, error, Timestamp.iso8601(at), id.canonical])
        }
    }

    public func jobRuns(job: String?, limit: Int) async throws -> [JobRun] {
        try await reading { db in
            try Row.fetchAll(
                db, sql: "select * from job_runs where ? is null or job = ? order by started_at desc limit ?",
                arguments: [job, job, limit]
            ).map { row in
                JobRun(
                    id: try SQLiteValue.uuid(row, "id"), job: row["job"],
                    startedAt: SQLiteValue.date(row, "started_at") ?? Date(timeIntervalSince1970: 0),
                    finishedAt: SQLiteValue.date(row, "finished_at"),
                    status: try SQLiteValue.enumValue(row, "status", default: JobRun.Status.running),
                    counts: try SQLiteValue.json(row, "counts"), error: row["error"])
            }
        }
    }

    public func markAbandonedJobRuns(job: String, except: UUID, at: Date) async throws -> Int {
        try await writing { db in
            try db.execute(
                sql: """
                    update job_runs set status = 'failed', finished_at = ?,
                        error = 'abandoned: the process ended without finishing (killed or crashed)'
                    where job = ? and status = 'running' and id <> ?
                    """,
                arguments: [Timestamp.iso8601(at), job, except.canonical])
            return db.changesCount
        }
    }

    public func withJobLock<T: Sendable>(_ job: String, _ body: () async throws -> T) async throws -> T {
        // flock(2) on a file beside the database: released by the kernel when the process dies. Beside its real
        // path: a symbolic link to the database, or a path spelled another way (`./`, `..`), takes the same lock.
        let lockPath = Self.realPath(path) + ".\(job).lock"
        let descriptor = Glibc.open(lockPath, O_CREAT | O_RDWR, 0o644)
        guard descriptor >= 0 else {
            throw NightshiftError(.io, "cannot open the lock file", context: ["file": lockPath])
        }
        defer { Glibc.close(descriptor) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            throw NightshiftError(.conflict, "another \(job) run is in progress (lock file held)", context: ["file": lockPath])
        }
        defer { flock(descriptor, LOCK_UN) }
        return try await body()
    }

    /// `path` with every symbolic link, `.` and `..` resolved; `path` itself when it cannot be resolved.
    static func realPath(_ path: String) -> String {
        guard let resolved = Glibc.realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    public func jobState(job: String, key: String) async throws -> JSONValue? {
        try await reading { db in
            try String.fetchOne(db, sql: "select value from job_state where job = ? and key = ?", arguments: [job, key])
                .map { try JSONValue.parse($0, what: "job_state value") }
        }
    }

    public func setJobState(job: String, key: String, value: JSONValue) async throws {
        try await writing { db in
            try db.execute(
                sql: """
                    insert into job_state (job, key, value) values (?, ?, ?)
                    on conflict (job, key) do update set value = excluded.value,
                        updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                    """,
                arguments: [job, key, value.jsonText])
        }
    }
}
