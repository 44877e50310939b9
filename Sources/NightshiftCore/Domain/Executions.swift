import Foundation

/// One agent turn in `agent_executions`: tokens, cost, duration and outcome, for monitoring and billing.
public struct AgentExecution: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case success, failed, timeout
    }

    public var id: UUID
    public var conversationID: UUID?
    public var agentType: String
    public var toolCalls: JSONValue
    public var tokensUsed: Int
    /// Dollars; nil when the model has no known price (never a silent zero).
    public var costUSD: Decimal?
    public var durationMs: Int?
    public var status: Status
    public var error: String?
    /// `model`, `prompt_tokens`, `completion_tokens`, `confidence`, `provider`, … (JSON object).
    public var metadata: JSONValue
    public var createdAt: Date?

    public init(
        id: UUID = UUID(), conversationID: UUID?, agentType: String, toolCalls: JSONValue = [], tokensUsed: Int = 0,
        costUSD: Decimal? = nil, durationMs: Int? = nil, status: Status = .success, error: String? = nil,
        metadata: JSONValue = [:], createdAt: Date? = nil
    ) {
        self.id = id
        self.conversationID = conversationID
        self.agentType = agentType
        self.toolCalls = toolCalls
        self.tokensUsed = tokensUsed
        self.costUSD = costUSD
        self.durationMs = durationMs
        self.status = status
        self.error = error
        self.metadata = metadata
        self.createdAt = createdAt
    }
}

/// An agent definition of the AI schema (`ai_agents`).
public struct AIAgent: Sendable, Hashable {
    public var id: UUID
    public var name: String
    public var description: String?
    public var version: String
    public var model: String
    public var systemPrompt: String
    public var temperature: Double
    public var maxTokens: Int
    public var isActive: Bool
    public var metadata: JSONValue

    public init(
        id: UUID = UUID(), name: String, description: String? = nil, version: String = "1.0.0", model: String = "gpt-4",
        systemPrompt: String, temperature: Double = 0.7, maxTokens: Int = 1000, isActive: Bool = true,
        metadata: JSONValue = [:]
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.version = version
        self.model = model
        self.systemPrompt = systemPrompt
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.isActive = isActive
        self.metadata = metadata
    }
}

/// One execution of an `ai_agents` agent (`ai_runs`).
public struct AIRun: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case pending, running, completed, failed, cancelled
    }

    public var id: UUID
    public var userID: UUID
    public var agentID: UUID
    public var tripID: UUID?
    public var savedPlaceID: UUID?
    public var inputText: String
    public var outputText: String?
    public var status: Status
    public var modelUsed: String?
    public var tokensPrompt: Int?
    public var tokensCompletion: Int?
    public var tokensTotal: Int?
    public var costUSD: Decimal?
    public var latencyMs: Int?
    public var errorMessage: String?
    public var metadata: JSONValue
    public var createdAt: Date?
    public var updatedAt: Date?

    public init(
        id: UUID = UUID(), userID: UUID, agentID: UUID, tripID: UUID? = nil, savedPlaceID: UUID? = nil,
        inputText: String, outputText: String? = nil, status: Status = .pending, modelUsed: String? = nil,
        tokensPrompt: Int? = nil, tokensCompletion: Int? = nil, tokensTotal: Int? = nil, costUSD: Decimal? = nil,
        latencyMs: Int? = nil, errorMessage: String? = nil, metadata: JSONValue = [:], createdAt: Date? = nil,
        updatedAt: Date? = nil
    ) {
        self.id = id
        self.userID = userID
        self.agentID = agentID
        self.tripID = tripID
        self.savedPlaceID = savedPlaceID
        self.inputText = inputText
        self.outputText = outputText
        self.status = status
        self.modelUsed = modelUsed
        self.tokensPrompt = tokensPrompt
        self.tokensCompletion = tokensCompletion
        self.tokensTotal = tokensTotal
        self.costUSD = costUSD
        self.latencyMs = latencyMs
        self.errorMessage = errorMessage
        self.metadata = metadata
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A user's verdict on one AI run (`ai_feedback`).
public struct AIFeedback: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case thumbsUp = "thumbs_up"
        case thumbsDown = "thumbs_down"
        case helpful
        case notHelpful = "not_helpful"
        case incorrect
        case offensive
    }

    public var id: UUID
    public var userID: UUID
    public var runID: UUID
    public var kind: Kind
    public var comment: String?
    public var createdAt: Date?

    public init(
        id: UUID = UUID(), userID: UUID, runID: UUID, kind: Kind, comment: String? = nil, createdAt: Date? = nil
    ) {
        self.id = id
        self.userID = userID
        self.runID = runID
        self.kind = kind
        self.comment = comment
        self.createdAt = createdAt
    }
}

/// A long-term fact or preference about a user (`ai_memory`), unique per user, type and key.
public struct MemoryFact: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case preference, fact, feedback, context
    }

    public var id: UUID
    public var userID: UUID
    public var kind: Kind
    public var key: String
    public var value: JSONValue
    /// 0…1; nil when unknown.
    public var confidence: Double?
    /// Which agent or job created it.
    public var source: String?
    public var expiresAt: Date?
    public var createdAt: Date?
    public var updatedAt: Date?

    public init(
        id: UUID = UUID(), userID: UUID, kind: Kind, key: String, value: JSONValue, confidence: Double? = nil,
        source: String? = nil, expiresAt: Date? = nil, createdAt: Date? = nil, updatedAt: Date? = nil
    ) {
        self.id = id
        self.userID = userID
        self.kind = kind
        self.key = key
        self.value = value
        self.confidence = confidence
        self.source = source
        self.expiresAt = expiresAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A message an agent pushes to a user unasked (`proactive_notifications`).
public struct ProactiveNotification: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case sessionPrep = "session_prep"
        case insight, alert, followup
    }

    public enum Priority: String, Sendable, Hashable, Codable, CaseIterable {
        case low, normal, high, urgent
    }

    public var id: UUID
    public var userID: UUID
    public var agentType: String
    public var kind: Kind
    public var title: String
    public var message: String
    public var action: JSONValue?
    public var priority: Priority
    public var read: Bool
    public var createdAt: Date?

    public init(
        id: UUID = UUID(), userID: UUID, agentType: String, kind: Kind, title: String, message: String,
        action: JSONValue? = nil, priority: Priority = .normal, read: Bool = false, createdAt: Date? = nil
    ) {
        self.id = id
        self.userID = userID
        self.agentType = agentType
        self.kind = kind
        self.title = title
        self.message = message
        self.action = action
        self.priority = priority
        self.read = read
        self.createdAt = createdAt
    }
}
