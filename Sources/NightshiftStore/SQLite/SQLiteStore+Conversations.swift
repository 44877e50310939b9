import Foundation
import GRDB
import NightshiftCore

extension SQLiteStore {
    public func createConversation(_ conversation: Conversation) async throws {
        try await writing { db in
            try db.execute(
                sql: """
                    insert into agent_conversations (id, user_id, agent_type, messages, context, status, metadata,
                        created_at, updated_at)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    conversation.id.canonical, conversation.userID.canonical, conversation.agentType.rawValue,
                    JSONValue.array(conversation.messages.map(\.json)).jsonText, conversation.context.jsonText,
                    conversation.status.rawValue, conversation.metadata.jsonText,
                    SQLiteValue.text(conversation.createdAt ?? Date()), SQLiteValue.text(conversation.updatedAt ?? Date()),
                ])
        }
    }

    static func conversation(_ row: Row) throws -> Conversation {
        let id = try SQLiteValue.uuid(row, "id")
        let messages = try SQLiteValue.json(row, "messages", default: []).arrayValue ?? []
        return Conversation(
            id: id, userID: try SQLiteValue.uuid(row, "user_id"),
            agentType: try SQLiteValue.enumValue(row, "agent_type", default: AgentType.general),
            messages: try messages.enumerated().map { index, message in
                try ConversationMessage(json: message, where: "agent_conversations \(id.canonical) messages[\(index)]")
            },
            context: try SQLiteValue.json(row, "context"),
            status: try SQLiteValue.enumValue(row, "status", default: Conversation.Status.active),
            metadata: try SQLiteValue.json(row, "metadata"), createdAt: SQLiteValue.date(row, "created_at"),
            updatedAt: SQLiteValue.date(row, "updated_at"))
    }

    public func conversation(id: UUID, userID: UUID) async throws -> Conversation? {
        try await reading { db in
            try Row.fetchOne(
                db, sql: "select * from agent_conversations where id = ? and user_id = ?",
                arguments: [id.canonical, userID.canonical]
            ).map(Self.conversation)
        }
    }

    public func conversations(userID: UUID, limit: Int) async throws -> [Conversation] {
        try await reading { db in
            try Row.fetchAll(
                db, sql: "select * from agent_conversations where user_id = ? order by created_at desc, id limit ?",
                arguments: [userID.canonical, limit]
            ).map(Self.conversation)
        }
    }

    public func appendMessages(
        _ messages: [ConversationMessage], conversationID: UUID, userID: UUID, agentType: AgentType,
        status: Conversation.Status
    ) async throws -> Bool {
        let added = JSONValue.array(messages.map(\.json)).jsonText
        return try await writing { db in
            // json_group_array over both arrays keeps the stored order and appends the new messages.
            try db.execute(
                sql: """
                    update agent_conversations set
                        messages = (select json_group_array(json(value)) from (
                            select value from json_each(agent_conversations.messages)
                            union all select value from json_each(?))),
                        agent_type = ?, status = ?
                    where id = ? and user_id = ?
                    """,
                arguments: [added, agentType.rawValue, status.rawValue, conversationID.canonical, userID.canonical])
            return db.changesCount > 0
        }
    }

    public func recordChatTurn(_ record: ChatTurnRecord) async throws -> Bool {
        try await writing { db in
            let conversation = record.conversation
            let added = JSONValue.array(record.newMessages.map(\.json)).jsonText
            if record.createConversation {
                try db.execute(
                    sql: """
                        insert into agent_conversations (id, user_id, agent_type, messages, context, status, metadata,
                            created_at, updated_at)
                        values (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        conversation.id.canonical, conversation.userID.canonical, record.agentType.rawValue, added,
                        conversation.context.jsonText, record.status.rawValue, conversation.metadata.jsonText,
                        SQLiteValue.text(Date()), SQLiteValue.text(Date()),
                    ])
            } else {
                try db.execute(
                    sql: """
                        update agent_conversations set
                            messages = (select json_group_array(json(value)) from (
                                select value from json_each(agent_conversations.messages)
                                union all select value from json_each(?))),
                            agent_type = ?, status = ?
                        where id = ? and user_id = ?
                        """,
                    arguments: [
                        added, record.agentType.rawValue, record.status.rawValue, conversation.id.canonical,
                        conversation.userID.canonical,
                    ])
                // Nothing of the turn is written for someone else's conversation; the transaction ends empty.
                guard db.changesCount == 1 else { return false }
            }
            let execution = record.execution
            try db.execute(
                sql: """
                    insert into agent_executions (id, conversation_id, agent_type, tool_calls, tokens_used, cost_usd,
                        duration_ms, status, error, metadata, created_at, user_id)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    execution.id.canonical, conversation.id.canonical, execution.agentType, execution.toolCalls.jsonText,
                    execution.tokensUsed, SQLiteValue.text(execution.costUSD), execution.durationMs,
                    execution.status.rawValue, execution.error, execution.metadata.jsonText,
                    SQLiteValue.text(execution.createdAt ?? Date()), conversation.userID.canonical,
                ])
            if let run = record.run {
                try db.execute(
                    sql: """
                        insert into ai_runs (id, user_id, agent_id, input_text, output_text, status, model_used,
                            tokens_prompt, tokens_completion, tokens_total, cost_usd, latency_ms, error_message, metadata,
                            created_at, updated_at)
                        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        run.id.canonical, run.userID.canonical, run.agentID.canonical, run.inputText, run.outputText,
                        run.status.rawValue, run.modelUsed, run.tokensPrompt, run.tokensCompletion, run.tokensTotal,
                        SQLiteValue.text(run.costUSD), run.latencyMs, run.errorMessage, run.metadata.jsonText,
                        SQLiteValue.text(run.createdAt ?? Date()), SQLiteValue.text(run.createdAt ?? Date()),
                    ])
            }
            for message in record.runMessages {
                try db.execute(
                    sql: """
                        insert into ai_messages (id, user_id, ai_run_id, role, content, metadata, created_at)
                        values (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        message.id.canonical, message.userID.canonical, message.runID?.canonical, message.role,
                        message.content, message.metadata.jsonText, SQLiteValue.text(message.createdAt ?? Date()),
                    ])
            }
            return true
        }
    }

    public func insertAIMessages(_ messages: [AIMessage]) async throws {
        guard !messages.isEmpty else { return }
        try await writing { db in
            for message in messages {
                try db.execute(
                    sql: """
                        insert into ai_messages (id, user_id, ai_run_id, trip_id, role, content, metadata, created_at)
                        values (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        message.id.canonical, message.userID.canonical, message.runID?.canonical,
                        message.tripID?.canonical, message.role, message.content, message.metadata.jsonText,
                        SQLiteValue.text(message.createdAt ?? Date()),
                    ])
            }
        }
    }

    public func aiMessages(userID: UUID, runID: UUID?) async throws -> [AIMessage] {
        try await reading { db in
            try Row.fetchAll(
                db,
                sql: """
                    select * from ai_messages where user_id = ? and (? is null or ai_run_id = ?)
                    order by created_at, id
                    """,
                arguments: [userID.canonical, runID?.canonical, runID?.canonical]
            ).map { row in
                AIMessage(
                    id: try SQLiteValue.uuid(row, "id"), userID: try SQLiteValue.uuid(row, "user_id"),
                    runID: try SQLiteValue.optionalUUID(row, "ai_run_id"),
                    tripID: try SQLiteValue.optionalUUID(row, "trip_id"), role: row["role"], content: row["content"],
                    metadata: try SQLiteValue.json(row, "metadata"), createdAt: SQLiteValue.date(row, "created_at"))
            }
        }
    }

    // MARK: Feedback

    public func recordFeedback(_ feedback: AIFeedback) async throws {
        try await writing { db in
            try db.execute(
                sql: """
                    insert into ai_feedback (id, user_id, ai_run_id, feedback_type, comment, created_at)
                    select ?, ?, ?, ?, ?, ? where exists (select 1 from ai_runs where id = ? and user_id = ?)
                    """,
                arguments: [
                    feedback.id.canonical, feedback.userID.canonical, feedback.runID.canonical, feedback.kind.rawValue,
                    feedback.comment, SQLiteValue.text(feedback.createdAt ?? Date()), feedback.runID.canonical,
                    feedback.userID.canonical,
                ])
            guard db.changesCount == 1 else {
                throw NightshiftError(
                    .forbidden, "feedback on a run that is not the user's (or does not exist)",
                    context: ["ai_run_id": feedback.runID.canonical])
            }
        }
    }

    public func feedback(userID: UUID?, since: Date?) async throws -> [AIFeedback] {
        try await reading { db in
            try Row.fetchAll(
                db,
                sql: """
                    select * from ai_feedback where (? is null or user_id = ?) and (? is null or created_at > ?)
                    order by created_at, id
                    """,
                arguments: [
                    userID?.canonical, userID?.canonical, SQLiteValue.text(since), SQLiteValue.text(since),
                ]
            ).map { row in
                AIFeedback(
                    id: try SQLiteValue.uuid(row, "id"), userID: try SQLiteValue.uuid(row, "user_id"),
                    runID: try SQLiteValue.uuid(row, "ai_run_id"),
                    kind: try SQLiteValue.enumValue(row, "feedback_type", default: AIFeedback.Kind.helpful),
                    comment: row["comment"], createdAt: SQLiteValue.date(row, "created_at"))
            }
        }
    }

    // MARK: Memory

    public func saveFact(_ fact: MemoryFact) async throws {
        if let confidence = fact.confidence, !(0...1).contains(confidence) {
            throw NightshiftError.invalidInput("confidence must be between 0 and 1", context: ["key": fact.key])
        }
        try await writing { db in
            try db.execute(
                sql: """
                    insert into ai_memory (id, user_id, memory_type, key, value, confidence, source, expires_at)
                    values (?, ?, ?, ?, ?, ?, ?, ?)
                    on conflict (user_id, memory_type, key) do update set
                        value = excluded.value, confidence = excluded.confidence, source = excluded.source,
                        expires_at = excluded.expires_at
                    """,
                arguments: [
                    fact.id.canonical, fact.userID.canonical, fact.kind.rawValue, fact.key, fact.value.jsonText,
                    fact.confidence.map { ($0 * 100).rounded() / 100 }, fact.source, SQLiteValue.text(fact.expiresAt),
                ])
        }
    }

    public func facts(userID: UUID, kind: MemoryFact.Kind?, now: Date) async throws -> [MemoryFact] {
        try await reading { db in
            try Row.fetchAll(
                db,
                sql: """
                    select * from ai_memory where user_id = ? and (? is null or memory_type = ?)
                      and (expires_at is null or expires_at > ?)
                    order by memory_type, key
                    """,
                arguments: [userID.canonical, kind?.rawValue, kind?.rawValue, Timestamp.iso8601(now)]
            ).map { row in
                MemoryFact(
                    id: try SQLiteValue.uuid(row, "id"), userID: try SQLiteValue.uuid(row, "user_id"),
                    kind: try SQLiteValue.enumValue(row, "memory_type", default: MemoryFact.Kind.fact), key: row["key"],
                    value: try SQLiteValue.json(row, "value"), confidence: row["confidence"], source: row["source"],
                    expiresAt: SQLiteValue.date(row, "expires_at"), createdAt: SQLiteValue.date(row, "created_at"),
                    updatedAt: SQLiteValue.date(row, "updated_at"))
            }
        }
    }

    public func deleteFact(id: UUID, userID: UUID) async throws -> Bool {
        try await writing { db in
            try db.execute(
                sql: "delete from ai_memory where id = ? and user_id = ?", arguments: [id.canonical, userID.canonical])
            return db.changesCount > 0
        }
    }
}
