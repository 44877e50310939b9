import Foundation
import NightshiftCore

extension PostgresStore {
    static let conversationColumns =
        "id, user_id, agent_type, messages, context, status, metadata, created_at, updated_at"

    public func createConversation(_ conversation: Conversation) async throws {
        try await pool.execute(
            """
            insert into public.agent_conversations (id, user_id, agent_type, messages, context, status, metadata)
            values (\(conversation.id), \(conversation.userID), \(conversation.agentType.rawValue),
                    \(JSONValue.array(conversation.messages.map(\.json))), \(conversation.context),
                    \(conversation.status.rawValue), \(conversation.metadata))
            """)
    }

    public func conversation(id: UUID, userID: UUID) async throws -> Conversation? {
        try await pool.query(
            """
            select \(unescaped: Self.conversationColumns) from public.agent_conversations
            where id = \(id) and user_id = \(userID)
            """
        ).first.map(Self.conversation)
    }

    public func conversations(userID: UUID, limit: Int) async throws -> [Conversation] {
        try await pool.query(
            """
            select \(unescaped: Self.conversationColumns) from public.agent_conversations
            where user_id = \(userID) order by created_at desc, id limit \(limit)
            """
        ).map(Self.conversation)
    }

    static func conversation(_ row: PGRow) throws -> Conversation {
        let id: UUID = try row.decode(0)
        let messages = try row.decode(3, as: JSONValue.self).arrayValue ?? []
        return Conversation(
            id: id, userID: try row.decode(1),
            agentType: try enumValue(row, 2, default: AgentType.general),
            messages: try messages.enumerated().map { index, message in
                try ConversationMessage(json: message, where: "agent_conversations \(id.canonical) messages[\(index)]")
            },
            context: try row.decode(4, as: JSONValue?.self) ?? [:],
            status: try enumValue(row, 5, default: Conversation.Status.active),
            metadata: try row.decode(6, as: JSONValue?.self) ?? [:],
            createdAt: try row.decode(7, as: Date?.self), updatedAt: try row.decode(8, as: Date?.self))
    }

    public func appendMessages(
        _ messages: [ConversationMessage], conversationID: UUID, userID: UUID, agentType: AgentType,
        status: Conversation.Status
    ) async throws -> Bool {
        let count = try await pool.execute(
            """
            update public.agent_conversations
            set messages = messages || \(JSONValue.array(messages.map(\.json))),
                agent_type = \(agentType.rawValue), status = \(status.rawValue)
            where id = \(conversationID) and user_id = \(userID)
            """)
        return count > 0
    }

    public func recordChatTurn(_ record: ChatTurnRecord) async throws -> Bool {
        if record.run == nil && record.runMessages.isEmpty {
            return try await recordChatTurnInOneStatement(record)
        }
        return try await pool.transaction { connection in
            let conversation = record.conversation
            let added = JSONValue.array(record.newMessages.map(\.json))
            if record.createConversation {
                try await connection.execute(
                    """
                    insert into public.agent_conversations (id, user_id, agent_type, messages, context, status, metadata)
                    values (\(conversation.id), \(conversation.userID), \(record.agentType.rawValue), \(added),
                            \(conversation.context), \(record.status.rawValue), \(conversation.metadata))
                    """)
            } else {
                let updated = try await connection.execute(
                    """
                    update public.agent_conversations
                    set messages = messages || \(added), agent_type = \(record.agentType.rawValue),
                        status = \(record.status.rawValue)
                    where id = \(conversation.id) and user_id = \(conversation.userID)
                    """)
                guard updated == 1 else { return false }
            }
            let execution = record.execution
            try await connection.execute(
                """
                insert into public.agent_executions (id, conversation_id, agent_type, tool_calls, tokens_used, cost_usd,
                    duration_ms, status, error, metadata, created_at, user_id)
                values (\(execution.id), \(conversation.id), \(execution.agentType), \(execution.toolCalls),
                        \(execution.tokensUsed), \(execution.costUSD), \(execution.durationMs), \(execution.status.rawValue),
                        \(execution.error), \(execution.metadata), \(execution.createdAt ?? Date()), \(conversation.userID))
                """)
            if let run = record.run {
                try await connection.execute(
                    """
                    insert into public.ai_runs (id, user_id, agent_id, input_text, output_text, status, model_used,
                        tokens_prompt, tokens_completion, tokens_total, cost_usd, latency_ms, error_message, metadata,
                        created_at)
                    values (\(run.id), \(run.userID), \(run.agentID), \(run.inputText), \(run.outputText),
                            \(run.status.rawValue), \(run.modelUsed), \(run.tokensPrompt), \(run.tokensCompletion),
                            \(run.tokensTotal), \(run.costUSD), \(run.latencyMs), \(run.errorMessage), \(run.metadata),
                            \(run.createdAt ?? Date()))
                    """)
            }
            for message in record.runMessages {
                try await connection.execute(
                    """
                    insert into public.ai_messages (id, user_id, ai_run_id, role, content, metadata, created_at)
                    values (\(message.id), \(message.userID), \(message.runID), \(message.role), \(message.content),
                            \(message.metadata), \(message.createdAt ?? Date()))
                    """)
            }
            return true
        }
    }

    /// A turn without an `ai_agents` run: the conversation's row and the execution in one statement (a
    /// data-modifying `with`), atomic without a transaction around it: one round trip instead of four (begin, two
    /// writes, commit) on every chat turn. The execution is inserted only if the conversation's row was written
    /// (a continued conversation that is not the user's matches nothing: false).
    private func recordChatTurnInOneStatement(_ record: ChatTurnRecord) async throws -> Bool {
        let conversation = record.conversation
        let added = JSONValue.array(record.newMessages.map(\.json))
        var query: PGQuery =
            if record.createConversation {
                """
                with turn as (
                    insert into public.agent_conversations (id, user_id, agent_type, messages, context, status, metadata)
                    values (\(conversation.id), \(conversation.userID), \(record.agentType.rawValue), \(added),
                            \(conversation.context), \(record.status.rawValue), \(conversation.metadata))
                    returning id
                )
                """
            } else {
                """
                with turn as (
                    update public.agent_conversations
                    set messages = messages || \(added), agent_type = \(record.agentType.rawValue),
                        status = \(record.status.rawValue)
                    where id = \(conversation.id) and user_id = \(conversation.userID)
                    returning id
                )
                """
            }
        let execution = record.execution
        query.append(
            """
            insert into public.agent_executions (id, conversation_id, agent_type, tool_calls, tokens_used, cost_usd,
                duration_ms, status, error, metadata, created_at, user_id)
            select \(execution.id)::uuid, turn.id, \(execution.agentType)::text, \(execution.toolCalls)::jsonb,
                   \(execution.tokensUsed)::int, \(execution.costUSD)::numeric, \(execution.durationMs)::int,
                   \(execution.status.rawValue)::text, \(execution.error)::text, \(execution.metadata)::jsonb,
                   \(execution.createdAt ?? Date())::timestamptz, \(conversation.userID)::uuid
            from turn
            """)
        return try await pool.execute(query) == 1
    }

    public func insertAIMessages(_ messages: [AIMessage]) async throws {
        guard !messages.isEmpty else { return }
        try await pool.transaction { connection in
            for message in messages {
                try await connection.execute(
                    """
                    insert into public.ai_messages (id, user_id, ai_run_id, trip_id, role, content, metadata, created_at)
                    values (\(message.id), \(message.userID), \(message.runID), \(message.tripID), \(message.role),
                            \(message.content), \(message.metadata), \(message.createdAt ?? Date()))
                    """)
            }
        }
    }

    public func aiMessages(userID: UUID, runID: UUID?) async throws -> [AIMessage] {
        try await pool.query(
            """
            select id, user_id, ai_run_id, trip_id, role, content, metadata, created_at from public.ai_messages
            where user_id = \(userID) and (\(runID)::uuid is null or ai_run_id = \(runID))
            order by created_at, id
            """
        ).map { row in
            AIMessage(
                id: try row.decode(0), userID: try row.decode(1), runID: try row.decode(2, as: UUID?.self),
                tripID: try row.decode(3, as: UUID?.self), role: try row.decode(4), content: try row.decode(5),
                metadata: try row.decode(6, as: JSONValue?.self) ?? [:], createdAt: try row.decode(7, as: Date?.self))
        }
    }

    // MARK: Feedback

    public func recordFeedback(_ feedback: AIFeedback) async throws {
        let inserted = try await pool.execute(
            """
            insert into public.ai_feedback (id, user_id, ai_run_id, feedback_type, comment, created_at)
            select \(feedback.id), \(feedback.userID), \(feedback.runID), \(feedback.kind.rawValue), \(feedback.comment),
                   \(feedback.createdAt ?? Date())
            where exists (select 1 from public.ai_runs r where r.id = \(feedback.runID) and r.user_id = \(feedback.userID))
            """)
        guard inserted == 1 else {
            throw NightshiftError(
                .forbidden, "feedback on a run that is not the user's (or does not exist)",
                context: ["ai_run_id": feedback.runID.canonical])
        }
    }

    public func feedback(userID: UUID?, since: Date?) async throws -> [AIFeedback] {
        try await pool.query(
            """
            select id, user_id, ai_run_id, feedback_type, comment, created_at from public.ai_feedback
            where (\(userID)::uuid is null or user_id = \(userID))
              and (\(since)::timestamptz is null or created_at > \(since))
            order by created_at, id
            """
        ).map { row in
            AIFeedback(
                id: try row.decode(0), userID: try row.decode(1), runID: try row.decode(2),
                kind: try Self.enumValue(row, 3, default: AIFeedback.Kind.helpful),
                comment: try row.decode(4, as: String?.self), createdAt: try row.decode(5, as: Date?.self))
        }
    }

    // MARK: Memory

    public func saveFact(_ fact: MemoryFact) async throws {
        try await pool.execute(
            """
            insert into public.ai_memory (id, user_id, memory_type, key, value, confidence, source, expires_at)
            values (\(fact.id), \(fact.userID), \(fact.kind.rawValue), \(fact.key), \(fact.value), \(fact.confidence),
                    \(fact.source), \(fact.expiresAt))
            on conflict (user_id, memory_type, key) do update set
                value = excluded.value, confidence = excluded.confidence, source = excluded.source,
                expires_at = excluded.expires_at
            """)
    }

    public func facts(userID: UUID, kind: MemoryFact.Kind?, now: Date) async throws -> [MemoryFact] {
        try await pool.query(
            """
            select id, user_id, memory_type, key, value, confidence, source, expires_at, created_at, updated_at
            from public.ai_memory
            where user_id = \(userID) and (\(kind?.rawValue)::text is null or memory_type = \(kind?.rawValue))
              and (expires_at is null or expires_at > \(now))
            order by memory_type, key
            """
        ).map { row in
            MemoryFact(
                id: try row.decode(0), userID: try row.decode(1),
                kind: try Self.enumValue(row, 2, default: MemoryFact.Kind.fact), key: try row.decode(3),
                value: try row.decode(4), confidence: try row.decode(5, as: Double?.self),
                source: try row.decode(6, as: String?.self), expiresAt: try row.decode(7, as: Date?.self),
                createdAt: try row.decode(8, as: Date?.self), updatedAt: try row.decode(9, as: Date?.self))
        }
    }

    public func deleteFact(id: UUID, userID: UUID) async throws -> Bool {
        try await pool.execute("delete from public.ai_memory where id = \(id) and user_id = \(userID)") > 0
    }
}
