import Foundation
import NightshiftCore


/// Loads `fixtures/seed.json` (sample users, preferences, flags, conversations, executions, runs, messages,
/// feedback, memory and notifications in the shape of both designs) into any store, through the same
/// repositories the jobs use.
public struct FixtureLoader: Sendable {
    /// What was loaded.
    public struct Summary: Sendable, Hashable, CustomStringConvertible {
        public var counts: [String: Int] = [:]
        public var alreadyLoaded = false

        public var description: String {
            if alreadyLoaded { return "fixtures already loaded (nothing changed)" }
            return counts.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        }
    }

    let path: String

    /// A loader for the fixture file at `path`.
    public init(path: String) {
        self.path = path
    }

    /// Loads the fixtures; a second load changes nothing. A malformed file is an error naming the entry and field.
    public func load(into store: any Store) async throws -> Summary {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw NightshiftError(.io, "cannot read fixture file", context: ["file": path], cause: error)
        }
        let root = try JSONValue.parse(String(decoding: data, as: UTF8.self), what: "fixture file \(path)")
        let reader = FixtureReader(file: path)
        var summary = Summary()

        let users = try reader.list(root, "users")
        if let first = users.first, try await store.user(id: try reader.uuid(first, "id", at: "users[0]")) != nil {
            summary.alreadyLoaded = true
            return summary
        }
        for (index, item) in users.enumerated() {
            let at = "users[\(index)]"
            try await store.createUser(
                User(id: try reader.uuid(item, "id", at: at), email: item["email"]?.stringValue,
                     createdAt: try reader.optionalDate(item, "created_at", at: at)))
        }
        summary.counts["users"] = users.count

        let preferences = try reader.list(root, "preferences")
        for (index, item) in preferences.enumerated() {
            let at = "preferences[\(index)]"
            let userID = try reader.uuid(item, "user_id", at: at)
            var value = UserPreferences.defaults(for: userID)
            if let agents = item["enabled_agents"]?.arrayValue { value.enabledAgents = agents.compactMap(\.stringValue) }
            value.notificationFrequency = try reader.enumValue(item, "notification_frequency", at: at, default: value.notificationFrequency)
            if let quiet = item["quiet_hours"] {
                value.quietHours = UserPreferences.QuietHours(
                    start: try reader.string(quiet, "start", at: at + ".quiet_hours"),
                    end: try reader.string(quiet, "end", at: at + ".quiet_hours"))
            }
            value.dataSharingConsent = item["data_sharing_consent"]?.boolValue ?? value.dataSharingConsent
            value.transparencyLevel = try reader.enumValue(item, "transparency_level", at: at, default: value.transparencyLevel)
            value.classicMode = item["classic_mode"]?.boolValue ?? value.classicMode
            value.onboardingCompleted = item["onboarding_completed"]?.boolValue ?? value.onboardingCompleted
            value.languagePreference = try reader.enumValue(item, "language_preference", at: at, default: value.languagePreference)
            try await store.savePreferences(value)
        }
        summary.counts["preferences"] = preferences.count

        let flags = try reader.list(root, "feature_flags")
        for (index, item) in flags.enumerated() {
            let at = "feature_flags[\(index)]"
            let name = try reader.string(item, "name", at: at)
            var flag = try await store.flag(named: name) ?? FeatureFlag(name: name)
            flag.enabled = item["enabled"]?.boolValue ?? flag.enabled
            flag.rolloutPercentage = item["rollout_percentage"]?.intValue ?? flag.rolloutPercentage
            if let targets = item["target_users"]?.arrayValue {
                flag.targetUsers = try targets.enumerated().map { offset, value in
                    guard let text = value.stringValue, let id = UUID(uuidString: text) else {
                        throw reader.error("not a uuid", at: "\(at).target_users[\(offset)]")
                    }
                    return id
                }
            }
            try await store.saveFlag(flag)
        }
        summary.counts["feature_flags"] = flags.count

        let conversations = try reader.list(root, "conversations")
        for (index, item) in conversations.enumerated() {
            let at = "conversations[\(index)]"
            let id = try reader.uuid(item, "id", at: at)
            try await store.createConversation(
                Conversation(
                    id: id, userID: try reader.uuid(item, "user_id", at: at),
                    agentType: try reader.enumValue(item, "agent_type", at: at, default: AgentType.general),
                    messages: try (item["messages"]?.arrayValue ?? []).enumerated().map { offset, message in
                        try ConversationMessage(json: message, where: "\(path) \(at).messages[\(offset)]")
                    },
                    context: item["context"] ?? [:],
                    status: try reader.enumValue(item, "status", at: at, default: Conversation.Status.active),
                    metadata: item["metadata"] ?? [:], createdAt: try reader.optionalDate(item, "created_at", at: at),
                    updatedAt: try reader.optionalDate(item, "created_at", at: at)))
        }
        summary.counts["conversations"] = conversations.count

        let executions = try reader.list(root, "agent_executions")
        for (index, item) in executions.enumerated() {
            let at = "agent_executions[\(index)]"
            try await store.recordExecution(
                AgentExecution(
                    id: try reader.uuid(item, "id", at: at),
                    conversationID: try reader.optionalUUID(item, "conversation_id", at: at),
                    agentType: try reader.string(item, "agent_type", at: at), toolCalls: item["tool_calls"] ?? [],
                    tokensUsed: item["tokens_used"]?.intValue ?? 0,
                    costUSD: try reader.optionalDecimal(item, "cost_usd", at: at),
                    durationMs: item["duration_ms"]?.intValue,
                    status: try reader.enumValue(item, "status", at: at, default: AgentExecution.Status.success),
                    error: item["error"]?.stringValue, metadata: item["metadata"] ?? [:],
                    createdAt: try reader.optionalDate(item, "created_at", at: at)),
                userID: try reader.optionalUUID(item, "user_id", at: at))
        }
        summary.counts["agent_executions"] = executions.count

        let runs = try reader.list(root, "ai_runs")
        for (index, item) in runs.enumerated() {
            let at = "ai_runs[\(index)]"
            let agentName = try reader.string(item, "agent", at: at)
            guard let agent = try await store.agent(named: agentName) else {
                throw reader.error("unknown agent '\(agentName)'", at: at + ".agent")
            }
            try await store.insertRun(
                AIRun(
                    id: try reader.uuid(item, "id", at: at), userID: try reader.uuid(item, "user_id", at: at),
                    agentID: agent.id, inputText: try reader.string(item, "input_text", at: at),
                    outputText: item["output_text"]?.stringValue,
                    status: try reader.enumValue(item, "status", at: at, default: AIRun.Status.pending),
                    modelUsed: item["model_used"]?.stringValue, tokensPrompt: item["tokens_prompt"]?.intValue,
                    tokensCompletion: item["tokens_completion"]?.intValue, tokensTotal: item["tokens_total"]?.intValue,
                    costUSD: try reader.optionalDecimal(item, "cost_usd", at: at), latencyMs: item["latency_ms"]?.intValue,
                    errorMessage: item["error_message"]?.stringValue, metadata: item["metadata"] ?? [:],
                    createdAt: try reader.optionalDate(item, "created_at", at: at)))
        }
        summary.counts["ai_runs"] = runs.count

        let messages = try reader.list(root, "ai_messages")
        try await store.insertAIMessages(
            try messages.enumerated().map { index, item in
                let at = "ai_messages[\(index)]"
                return AIMessage(
                    id: try reader.uuid(item, "id", at: at), userID: try reader.uuid(item, "user_id", at: at),
                    runID: try reader.optionalUUID(item, "ai_run_id", at: at), role: try reader.string(item, "role", at: at),
                    content: try reader.string(item, "content", at: at), metadata: item["metadata"] ?? [:],
                    createdAt: try reader.optionalDate(item, "created_at", at: at))
            })
        summary.counts["ai_messages"] = messages.count

        let feedback = try reader.list(root, "ai_feedback")
        for (index, item) in feedback.enumerated() {
            let at = "ai_feedback[\(index)]"
            try await store.recordFeedback(
                AIFeedback(
                    id: try reader.uuid(item, "id", at: at), userID: try reader.uuid(item, "user_id", at: at),
                    runID: try reader.uuid(item, "ai_run_id", at: at),
                    kind: try reader.enumValue(item, "feedback_type", at: at, default: AIFeedback.Kind.helpful),
                    comment: item["comment"]?.stringValue, createdAt: try reader.optionalDate(item, "created_at", at: at)))
        }
        summary.counts["ai_feedback"] = feedback.count

        let memory = try reader.list(root, "ai_memory")
        for (index, item) in memory.enumerated() {
            let at = "ai_memory[\(index)]"
            guard let value = item["value"] else { throw reader.error("missing field value", at: at) }
            try await store.saveFact(
                MemoryFact(
                    id: try reader.uuid(item, "id", at: at), userID: try reader.uuid(item, "user_id", at: at),
                    kind: try reader.enumValue(item, "memory_type", at: at, default: MemoryFact.Kind.fact),
                    key: try reader.string(item, "key", at: at), value: value, confidence: item["confidence"]?.doubleValue,
                    source: item["source"]?.stringValue, expiresAt: try reader.optionalDate(item, "expires_at", at: at)))
        }
        summary.counts["ai_memory"] = memory.count

        let notifications = try reader.list(root, "proactive_notifications")
        for (index, item) in notifications.enumerated() {
            let at = "proactive_notifications[\(index)]"
            try await store.insertNotification(
                ProactiveNotification(
                    id: try reader.uuid(item, "id", at: at), userID: try reader.uuid(item, "user_id", at: at),
                    agentType: try reader.string(item, "agent_type", at: at),
                    kind: try reader.enumValue(item, "notification_type", at: at, default: ProactiveNotification.Kind.insight),
                    title: try reader.string(item, "title", at: at), message: try reader.string(item, "message", at: at),
                    action: item["action"],
                    priority: try reader.enumValue(item, "priority", at: at, default: ProactiveNotification.Priority.normal),
                    read: item["read"]?.boolValue ?? false, createdAt: try reader.optionalDate(item, "created_at", at: at)))
        }
        summary.counts["proactive_notifications"] = notifications.count
        return summary
    }
}

/// Typed access to fixture JSON with errors that name the file, entry and field.
struct FixtureReader {
    let file: String

    func error(_ message: String, at place: String) -> NightshiftError {
        NightshiftError(.invalidInput, "fixture \(message)", context: ["file": file, "at": place])
    }

    func list(_ root: JSONValue, _ key: String) throws -> [JSONValue] {
        guard let value = root[key] else { return [] }
        guard let items = value.arrayValue else { throw error("expected an array", at: key) }
        return items
    }

    func string(_ item: JSONValue, _ key: String, at place: String) throws -> String {
        guard let value = item[key]?.stringValue else { throw error("missing or non-text field \(key)", at: place) }
        return value
    }

    func uuid(_ item: JSONValue, _ key: String, at place: String) throws -> UUID {
        guard let id = UUID(uuidString: try string(item, key, at: place)) else {
            throw error("field \(key) is not a uuid", at: place)
        }
        return id
    }

    func optionalUUID(_ item: JSONValue, _ key: String, at place: String) throws -> UUID? {
        guard let value = item[key], value != .null else { return nil }
        return try uuid(item, key, at: place)
    }

    func optionalDate(_ item: JSONValue, _ key: String, at place: String) throws -> Date? {
        guard let value = item[key], value != .null else { return nil }
        guard let text = value.stringValue, let date = Timestamp.parse(text) else {
            throw error("field \(key) is not an ISO 8601 time", at: place)
        }
        return date
    }

    func optionalDecimal(_ item: JSONValue, _ key: String, at place: String) throws -> Decimal? {
        guard let value = item[key], value != .null else { return nil }
        guard let text = value.stringValue ?? value.doubleValue.map({ String($0) }),
            let decimal = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
        else { throw error("field \(key) is not a decimal", at: place) }
        return decimal
    }

    func enumValue<T: RawRepresentable>(_ item: JSONValue, _ key: String, at place: String, default fallback: T) throws
        -> T where T.RawValue == String
    {
        guard let value = item[key], value != .null else { return fallback }
        guard let text = value.stringValue, let result = T(rawValue: text) else {
            throw error("field \(key) has an unexpected value", at: place)
        }
        return result
    }
}
