import Foundation

/// One message inside `agent_conversations.messages` (a JSONB array in the design).
public struct ConversationMessage: Sendable, Hashable, Codable {
    public var role: String
    public var content: String
    public var timestamp: Date?

    public init(role: String, content: String, timestamp: Date? = nil) {
        self.role = role
        self.content = content
        self.timestamp = timestamp
    }

    /// The JSON object stored in the `messages` array.
    public var json: JSONValue {
        var object: [String: JSONValue] = ["role": .string(role), "content": .string(content)]
        if let timestamp { object["timestamp"] = .string(Timestamp.iso8601(timestamp)) }
        return .object(object)
    }

    /// Reads a stored message; unknown members are ignored, missing role/content are an error naming `where`.
    public init(json: JSONValue, where place: String) throws {
        guard let role = json["role"]?.stringValue, let content = json["content"]?.stringValue else {
            throw NightshiftError(.corrupt, "conversation message without role or content", context: ["at": place])
        }
        self.role = role
        self.content = content
        self.timestamp = json["timestamp"]?.stringValue.flatMap(Timestamp.parse)
    }
}

/// A chat between a user and the agents (`agent_conversations`).
public struct Conversation: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case active, completed, escalated, failed
    }

    public var id: UUID
    public var userID: UUID
    public var agentType: AgentType
    public var messages: [ConversationMessage]
    public var context: JSONValue
    public var status: Status
    public var metadata: JSONValue
    public var createdAt: Date?
    public var updatedAt: Date?

    public init(
        id: UUID = UUID(), userID: UUID, agentType: AgentType = .general, messages: [ConversationMessage] = [],
        context: JSONValue = [:], status: Status = .active, metadata: JSONValue = [:], createdAt: Date? = nil,
        updatedAt: Date? = nil
    ) {
        self.id = id
        self.userID = userID
        self.agentType = agentType
        self.messages = messages
        self.context = context
        self.status = status
        self.metadata = metadata
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A row of `ai_messages`, the AI schema's conversation history.
public struct AIMessage: Sendable, Hashable {
    public var id: UUID
    public var userID: UUID
    public var runID: UUID?
    public var tripID: UUID?
    public var role: String
    public var content: String
    public var metadata: JSONValue
    public var createdAt: Date?

    public init(
        id: UUID = UUID(), userID: UUID, runID: UUID? = nil, tripID: UUID? = nil, role: String, content: String,
        metadata: JSONValue = [:], createdAt: Date? = nil
    ) {
        self.id = id
        self.userID = userID
        self.runID = runID
        self.tripID = tripID
        self.role = role
        self.content = content
        self.metadata = metadata
        self.createdAt = createdAt
    }
}

/// Everything one chat turn writes, stored in one transaction: the conversation (created or continued), its new
/// messages, the execution log, and the `ai_runs` / `ai_messages` rows when an `ai_agents` agent ran.
public struct ChatTurnRecord: Sendable {
    public var conversation: Conversation
    /// Create the conversation (true) or continue it (false: it must exist and be the user's).
    public var createConversation: Bool
    public var newMessages: [ConversationMessage]
    public var agentType: AgentType
    public var status: Conversation.Status
    public var execution: AgentExecution
    public var run: AIRun?
    public var runMessages: [AIMessage]

    public init(
        conversation: Conversation, createConversation: Bool, newMessages: [ConversationMessage], agentType: AgentType,
        status: Conversation.Status, execution: AgentExecution, run: AIRun? = nil, runMessages: [AIMessage] = []
    ) {
        self.conversation = conversation
        self.createConversation = createConversation
        self.newMessages = newMessages
        self.agentType = agentType
        self.status = status
        self.execution = execution
        self.run = run
        self.runMessages = runMessages
    }
}
