import Foundation
import Logging
import NightshiftAI
import NightshiftCore
import NightshiftStore
import Synchronization

/// One user message to the agents.
public struct ChatTurnRequest: Sendable {
    /// The authenticated user (from the token, never from the request body).
    public var userID: UUID
    public var message: String
    /// The client's context object (screen, locale…), passed to the intent classifier as in the design.
    public var context: JSONValue
    /// Continue this conversation (it must be the user's) or start a new one.
    public var conversationID: UUID?
    /// The agent the client chose (an OpenAI client's `model`, `nightshift-booking`); nil lets the intent
    /// classifier choose. Feature flags still apply: a disabled agent falls back to `general` and says so.
    public var agent: AgentType?

    public init(
        userID: UUID, message: String, context: JSONValue = [:], conversationID: UUID? = nil, agent: AgentType? = nil
    ) {
        self.userID = userID
        self.message = message
        self.context = context
        self.conversationID = conversationID
        self.agent = agent
    }
}

/// The outcome of a turn: the design's response contract, plus sources, provider and model.
public struct ChatTurnResult: Sendable {
    public var conversationID: UUID
    public var agentType: AgentType
    public var response: String
    public var toolCalls: JSONValue
    public var confidence: Int
    public var reasoning: [String]
    public var usage: ChatUsage
    /// Dollars for the turn (answer plus intent classification); nil when a model has no price.
    public var cost: Decimal?
    public var sources: [PromptSource]
    public var provider: String
    public var model: String
    public var executionID: UUID
}

/// The orchestrator of the agent-system design: intent → agent (feature flags) → retrieval (shared and the user's
/// documents, the user's memory) → LLM chain (OpenAI, then Anthropic; the offline answerer with no key) →
/// persistence of the whole turn in one transaction, with tokens, cost, duration and which provider answered.
public struct ChatOrchestrator: Sendable {
    public struct Settings: Sendable {
        /// Longest accepted message, in characters.
        public var maxMessageCharacters = 8000
        /// Chunks retrieved per turn.
        public var retrievalLimit = 5
        public var searchMode: SearchMode = .hybrid
        public var fusion: FusionSettings = .standard
        /// The prompt's token budget.
        public var promptBudget = 3000
        /// Earlier messages given to the model.
        public var historyLimit = 10
        /// How long feature flags are cached (seconds).
        public var flagCacheSeconds: TimeInterval = 10
        /// Refuse users for whom `ai_chat_enabled` is off (`NIGHTSHIFT_REQUIRE_CHAT_FLAG`). Off by default: the
        /// design seeds that flag disabled at 0 % and describes it as the client's "embedded chat UI" switch, so
        /// enforcing it unasked would turn the endpoint off for everyone on a fresh database.
        public var requireChatFlag = false

        public init() {}
    }

    public let store: any Store
    public let embedder: any Embedder
    /// The LLM chain; nil answers offline with the extractive answerer.
    public let chain: (any ChatProvider)?
    public let classifier: IntentClassifier
    public let prices: PriceTable
    public let settings: Settings
    let flags: FlagCache
    public let logger: Logger

    public init(
        store: any Store, embedder: any Embedder, chain: (any ChatProvider)?, classifier: IntentClassifier? = nil,
        prices: PriceTable = .builtIn, settings: Settings = Settings(), logger: Logger = Logger(label: "nightshift.chat")
    ) {
        self.store = store
        self.embedder = embedder
        self.chain = chain
        self.classifier = classifier ?? IntentClassifier(provider: chain)
        self.prices = prices
        self.settings = settings
        self.flags = FlagCache(ttl: settings.flagCacheSeconds)
        self.logger = logger
    }

    /// The checks that refuse a turn before any work: an empty or too long message (`.invalidInput`), a
    /// conversation that is not the user's (`.notFound`), and chat switched off for the user when
    /// `requireChatFlag` (`.forbidden`). Streaming routes call it before sending the response head, so these errors
    /// get their real status; `respond` makes the same checks.
    public func admit(_ request: ChatTurnRequest) async throws {
        _ = try validatedMessage(request.message)
        if let id = request.conversationID, try await store.conversation(id: id, userID: request.userID) == nil {
            throw NightshiftError(.notFound, "conversation not found", context: ["conversation_id": id.canonical])
        }
        if settings.requireChatFlag {
            let enabled = try await flags.enabled([AgentRegistry.chatFlag], for: request.userID, store: store)
            if !enabled.contains(AgentRegistry.chatFlag) {
                throw NightshiftError(.forbidden, "chat is not enabled for this user", context: ["flag": AgentRegistry.chatFlag])
            }
        }
    }

    /// Answers one message. `onDelta`, when given, receives the answer's text as it is generated (streaming).
    /// Throws `.invalidInput` for an empty or too long message or one holding U+0000, `.notFound` for a
    /// conversation that is not the user's, and `.provider` when every LLM failed (the failed turn is recorded
    /// first).
    public func respond(
        _ request: ChatTurnRequest, onDelta: (@Sendable (String) async -> Void)? = nil
    ) async throws -> ChatTurnResult {
        let started = Date()
        let message = try validatedMessage(request.message)
        // The conversation: the user's own, or a new one. Another user's id is "not found", like a missing one.
        var conversation: Conversation
        let isNew: Bool
        if let id = request.conversationID {
            guard let existing = try await store.conversation(id: id, userID: request.userID) else {
                throw NightshiftError(.notFound, "conversation not found", context: ["conversation_id": id.canonical])
            }
            conversation = existing
            isNew = false
        } else {
            conversation = Conversation(userID: request.userID, context: request.context)
            isNew = true
        }

        let enabled = try await flags.enabled(AgentRegistry.flagNames, for: request.userID, store: store)
        if settings.requireChatFlag, !enabled.contains(AgentRegistry.chatFlag) {
            throw NightshiftError(
                .forbidden, "chat is not enabled for this user", context: ["flag": AgentRegistry.chatFlag])
        }

        var classifierContext = request.context
        if case .object(var members) = classifierContext, !isNew {
            members["agentType"] = .string(conversation.agentType.rawValue)
            classifierContext = .object(members)
        }
        let intent: IntentResult
        if let chosen = request.agent {
            intent = IntentResult(
                intent: chosen, confidence: 100, reasoning: ["the request's model selects \(chosen.rawValue)"],
                method: .quickAction, message: message)
        } else {
            intent = await classifier.classify(message: message, context: classifierContext)
        }
        if let detail = intent.failureDetail {
            logger.warning("intent classifier fell back to offline", metadata: ["error": "\(detail)"])
        }
        let registry = AgentRegistry.standard.merged(with: try await flags.agents(store: store))
        let route = registry.route(intent.intent, enabledFlags: enabled)
        var reasoning = intent.reasoning
        if let fallback = route.fallbackReason { reasoning.append(fallback) }

        let question = intent.message.isEmpty ? message : intent.message
        let retriever = Retriever(store: store, embedder: embedder, mode: settings.searchMode, fusion: settings.fusion)
        let chunks = try await retriever.search(question, scope: SearchScope(userID: request.userID), limit: settings.retrievalLimit)
        let memory = try await store.facts(userID: request.userID, kind: nil, now: Date())
        let history = conversation.messages.suffix(settings.historyLimit).compactMap { message -> ChatMessage? in
            switch message.role {
            case "user": return .user(message.content)
            case "assistant": return .assistant(message.content)
            default: return nil
            }
        }
        var builder = PromptBuilder(tokenBudget: settings.promptBudget, historyLimit: settings.historyLimit)
        builder.historyLimit = settings.historyLimit
        let prompt = builder.build(
            systemPrompt: route.agent.systemPrompt, question: question, chunks: chunks, memory: memory, history: Array(history))
        let provider: any ChatProvider = chain ?? LocalChatProvider(context: prompt.context)
        let chatRequest = ChatRequest(
            messages: prompt.messages, model: chain == nil ? nil : route.agent.model, temperature: route.agent.temperature,
            maxTokens: route.agent.maxTokens)

        let userMessage = ConversationMessage(role: "user", content: message, timestamp: started)
        do {
            let answer = try await generate(chatRequest, with: provider, onDelta: onDelta)
            let durationMs = Int(Date().timeIntervalSince(started) * 1000)
            let cost = turnCost(answer: answer, classification: intent.llmResponse)
            let usage = answer.usage
            let execution = AgentExecution(
                conversationID: conversation.id, agentType: route.agent.type.rawValue, toolCalls: [],
                tokensUsed: usage.totalTokens + (intent.llmResponse?.usage.totalTokens ?? 0), costUSD: cost,
                durationMs: durationMs, status: .success,
                metadata: executionMetadata(answer: answer, intent: intent, route: route, prompt: prompt, failures: answer.failedAttempts),
                createdAt: started)
            let reply = ConversationMessage(role: "assistant", content: answer.content, timestamp: Date())
            var run: AIRun?
            var runMessages: [AIMessage] = []
            if let agentID = route.agent.aiAgentID {
                let record = AIRun(
                    userID: request.userID, agentID: agentID, inputText: message, outputText: answer.content,
                    status: .completed, modelUsed: answer.model, tokensPrompt: usage.promptTokens,
                    tokensCompletion: usage.completionTokens, tokensTotal: usage.totalTokens,
                    costUSD: prices.cost(model: answer.model, usage: TokenUsage(promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, cachedPromptTokens: usage.cachedPromptTokens)),
                    latencyMs: durationMs, metadata: ["conversation_id": .string(conversation.id.canonical), "provider": .string(answer.provider)],
                    createdAt: started)
                run = record
                runMessages = [
                    AIMessage(userID: request.userID, runID: record.id, role: "user", content: message, createdAt: started),
                    AIMessage(userID: request.userID, runID: record.id, role: "assistant", content: answer.content),
                ]
            }
            let written = try await store.recordChatTurn(
                ChatTurnRecord(
                    conversation: conversation, createConversation: isNew, newMessages: [userMessage, reply],
                    agentType: route.agent.type, status: .active, execution: execution, run: run, runMessages: runMessages))
            guard written else {
                throw NightshiftError(.notFound, "conversation not found", context: ["conversation_id": conversation.id.canonical])
            }
            conversation.messages += [userMessage, reply]
            return ChatTurnResult(
                conversationID: conversation.id, agentType: route.agent.type, response: answer.content, toolCalls: [],
                confidence: intent.confidence, reasoning: reasoning, usage: usage, cost: cost, sources: prompt.sources,
                provider: answer.provider, model: answer.model, executionID: execution.id)
        } catch let error as NightshiftError where error.code == .provider || error.code == .http || error.code == .cancelled {
            // Every provider failed: record the failed turn (the user's message stays, the conversation is marked
            // failed) so the conversation is consistent and the attempt is visible in the logs.
            let attempts = (error.cause as? ProviderChainFailure)?.attempts ?? []
            let timedOut = !attempts.isEmpty && attempts.allSatisfy { if case .timeout = $0.failure { true } else { false } }
            let execution = AgentExecution(
                conversationID: conversation.id, agentType: route.agent.type.rawValue, tokensUsed: intent.llmResponse?.usage.totalTokens ?? 0,
                costUSD: intent.llmResponse.flatMap { prices.cost(model: $0.model, usage: TokenUsage(promptTokens: $0.usage.promptTokens, completionTokens: $0.usage.completionTokens)) } ?? 0,
                durationMs: Int(Date().timeIntervalSince(started) * 1000), status: timedOut ? .timeout : .failed,
                error: error.message,
                metadata: executionMetadata(answer: nil, intent: intent, route: route, prompt: prompt, failures: attempts),
                createdAt: started)
            _ = try? await store.recordChatTurn(
                ChatTurnRecord(
                    conversation: conversation, createConversation: isNew, newMessages: [userMessage], agentType: route.agent.type,
                    status: .failed, execution: execution))
            logger.error("chat turn failed", metadata: ["conversation": "\(conversation.id)", "error": "\(error.message)"])
            throw error
        }
    }

    /// The message without surrounding whitespace; `.invalidInput` naming the field when it is empty, too long,
    /// or holds U+0000, which PostgreSQL cannot store in text.
    func validatedMessage(_ text: String) throws -> String {
        let message = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !message.isEmpty else { throw NightshiftError.invalidInput("message is required", field: "message") }
        guard message.count <= settings.maxMessageCharacters else {
            throw NightshiftError.invalidInput(
                "message is longer than \(settings.maxMessageCharacters) characters", field: "message")
        }
        guard !message.unicodeScalars.contains("\u{0}") else {
            throw NightshiftError.invalidInput(
                "message contains the NUL character (U+0000), which cannot be stored", field: "message")
        }
        return message
    }

    func generate(
        _ request: ChatRequest, with provider: any ChatProvider, onDelta: (@Sendable (String) async -> Void)?
    ) async throws -> ChatResponse {
        guard let onDelta else { return try await provider.complete(request) }
        for try await event in provider.stream(request) {
            switch event {
            case .delta(let text): await onDelta(text)
            case .done(let response): return response
            }
        }
        throw NightshiftError(.provider, "the stream ended without a final response", context: ["provider": provider.name])
    }

    /// Answer plus classification, each at its model's price; nil when either model has no price.
    func turnCost(answer: ChatResponse, classification: ChatResponse?) -> Decimal? {
        func price(_ response: ChatResponse) -> Decimal? {
            if response.provider == LocalChatProvider.providerName { return 0 }
            return prices.cost(
                model: response.model,
                usage: TokenUsage(
                    promptTokens: response.usage.promptTokens, completionTokens: response.usage.completionTokens,
                    cachedPromptTokens: response.usage.cachedPromptTokens))
        }
        guard let answerCost = price(answer) else { return nil }
        guard let classification else { return answerCost }
        guard let classificationCost = price(classification) else { return nil }
        return answerCost + classificationCost
    }

    func executionMetadata(
        answer: ChatResponse?, intent: IntentResult, route: AgentRoute, prompt: BuiltPrompt, failures: [ProviderAttempt]
    ) -> JSONValue {
        var metadata: [String: JSONValue] = [
            "confidence": .number(Double(intent.confidence)), "intent": .string(intent.intent.rawValue),
            "intent_method": .string("\(intent.method)"), "agent": .string(route.agent.name),
            "reasoning": .array(intent.reasoning.map(JSONValue.string)),
            "sources": .array(prompt.sources.compactMap { $0.sourceURI.map(JSONValue.string) }),
            "prompt_budget_tokens": .number(Double(prompt.tokenCount)),
            "failed_attempts": .array(failures.map { attempt in
                ["provider": .string(attempt.provider), "model": .string(attempt.model),
                 "failure": .string("\(attempt.failure)"), "message": .string(attempt.message)]
            }),
        ]
        if let fallback = route.fallbackReason { metadata["fallback"] = .string(fallback) }
        if let answer {
            metadata["model"] = .string(answer.model)
            metadata["provider"] = .string(answer.provider)
            metadata["prompt_tokens"] = .number(Double(answer.usage.promptTokens))
            metadata["completion_tokens"] = .number(Double(answer.usage.completionTokens))
            metadata["cached_prompt_tokens"] = .number(Double(answer.usage.cachedPromptTokens))
            metadata["usage_estimated"] = .bool(answer.usage.isEstimated)
        } else {
            metadata["model"] = .string(route.agent.model)
        }
        if let classification = intent.llmResponse {
            metadata["classifier_model"] = .string(classification.model)
            metadata["classifier_prompt_tokens"] = .number(Double(classification.usage.promptTokens))
            metadata["classifier_completion_tokens"] = .number(Double(classification.usage.completionTokens))
        }
        return .object(metadata)
    }
}

/// Feature flags and agent rows, cached for a few seconds: evaluated in Swift with exactly the SQL function's
/// rules (`FeatureFlag.isEnabled(for:)`), so a turn costs no flag queries.
final class FlagCache: Sendable {
    private struct Entry {
        var loaded: Date
        var flags: [String: FeatureFlag]
        var agents: [AIAgent]
    }

    private let ttl: TimeInterval
    private let entry = Mutex<Entry?>(nil)

    init(ttl: TimeInterval) {
        self.ttl = ttl
    }

    private func load(_ store: any Store) async throws -> Entry {
        if let cached = entry.withLock({ $0 }), Date().timeIntervalSince(cached.loaded) < ttl { return cached }
        let fresh = Entry(
            loaded: Date(), flags: Dictionary(try await store.flags().map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }),
            agents: try await store.agents(activeOnly: false))
        entry.withLock { $0 = fresh }
        return fresh
    }

    func enabled(_ names: [String], for user: UUID, store: any Store) async throws -> Set<String> {
        let flags = try await load(store).flags
        return Set(names.filter { flags[$0]?.isEnabled(for: user) ?? false })
    }

    func agents(store: any Store) async throws -> [AIAgent] {
        try await load(store).agents
    }
}
