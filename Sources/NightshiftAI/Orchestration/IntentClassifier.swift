import Foundation
import NightshiftCore

/// The agent a chat message is for, how sure the classifier is, and why.
public struct IntentResult: Sendable, Hashable {
    /// How the intent was decided.
    public enum Method: String, Sendable, Hashable, Codable {
        /// An `@book`-style token forced it.
        case quickAction = "quick_action"
        /// An LLM classified it.
        case llm
        /// The offline keyword scorer classified it (no provider, or the provider failed).
        case offline
    }

    /// The agent.
    public var intent: AgentType
    /// 0…100; 100 only for a quick action.
    public var confidence: Int
    /// Short reasons, for the response's `reasoning` and the execution log.
    public var reasoning: [String]
    /// How it was decided.
    public var method: Method
    /// The message to pass on: quick-action tokens removed, otherwise as received.
    public var message: String
    /// The quick action that forced the intent, if any.
    public var quickAction: QuickAction?
    /// The classifier's LLM answer whenever one came back, even one that was rejected: its tokens cost money and
    /// belong in the execution's usage.
    public var llmResponse: ChatResponse?
    /// Why the LLM classifier failed, for the logs only: it may hold a provider's error body or URL, which
    /// `reasoning` (shown to users) never does.
    public var failureDetail: String?

    /// A result.
    public init(
        intent: AgentType, confidence: Int, reasoning: [String], method: Method, message: String,
        quickAction: QuickAction? = nil, llmResponse: ChatResponse? = nil
    ) {
        self.intent = intent
        self.confidence = confidence
        self.reasoning = reasoning
        self.method = method
        self.message = message
        self.quickAction = quickAction
        self.llmResponse = llmResponse
    }
}

/// Decides which agent answers a chat message: a quick action if there is one, else an LLM asked for JSON as in
/// the agent-system design, else the offline scorer.
///
/// The LLM path falls back to `OfflineIntentClassifier` when there is no provider, when it throws or exceeds
/// `Settings.timeout`, or when its answer is not a JSON object naming a known intent; the first reason line says
/// why. `classify` never throws.
public struct IntentClassifier: Sendable {
    /// How the LLM is asked.
    public struct Settings: Sendable, Hashable {
        /// The model; a cheap one, as the design's `gpt-3.5-turbo` was. Nil lets the provider use its default
        /// (set nil when the provider is not OpenAI-compatible).
        public var model: String?
        /// Low: the same message should get the same answer.
        public var temperature: Double
        /// The JSON answer is short; this bounds the cost of a rambling one.
        public var maxTokens: Int
        /// The most the classification may take before the offline scorer answers instead; also sent as the
        /// request's timeout.
        public var timeout: Duration
        /// Characters of the message sent to the LLM; the intent shows early and the answer agent sees it all.
        public var maxMessageCharacters: Int
        /// Characters of the context's JSON sent to the LLM.
        public var maxContextCharacters: Int

        /// Settings; the defaults are the design's (temperature 0.1) with a smaller token budget.
        public init(
            model: String? = "gpt-4o-mini", temperature: Double = 0.1, maxTokens: Int = 150,
            timeout: Duration = .seconds(8), maxMessageCharacters: Int = 2_000, maxContextCharacters: Int = 1_000
        ) {
            self.model = model
            self.temperature = temperature
            self.maxTokens = maxTokens
            self.timeout = timeout
            self.maxMessageCharacters = maxMessageCharacters
            self.maxContextCharacters = maxContextCharacters
        }
    }

    /// The design's classification prompt, with the JSON shape spelled out and the users' languages named.
    public static let systemPrompt = """
        You are an intent classifier for a therapy platform.
        Classify the user's message into one of these intents:
        - booking: User wants to book/schedule an appointment
        - session: Related to ongoing therapy sessions, SOAP notes, or session management
        - insights: Requesting analytics, progress reports, or dashboard insights
        - followup: Post-session follow-up, mood tracking, or feedback
        - general: General questions, help, or other topics

        Messages may be in English, Hindi or Hinglish.
        Respond with JSON only: {"intent": "booking", "confidence": 85, "reasoning": ["User mentioned 'book'", \
        "Mentioned anxiety specialty"]}
        "intent" is one of booking, session, insights, followup, general; "confidence" is 0 to 100.
        """

    /// The LLM, or nil to classify offline.
    public let provider: (any ChatProvider)?
    /// How the LLM is asked.
    public let settings: Settings
    /// The fallback.
    public let offline: OfflineIntentClassifier

    /// A classifier; with no provider every message is classified offline.
    public init(
        provider: (any ChatProvider)? = nil, settings: Settings = Settings(),
        offline: OfflineIntentClassifier = .standard
    ) {
        self.provider = provider
        self.settings = settings
        self.offline = offline
    }

    /// The intent of `message`; `context` is the request's context object, shown to the LLM as in the design.
    ///
    /// A string `agentType` in the context (the conversation's current agent) gives the offline scorer a small
    /// bonus for continuing with it.
    public func classify(message: String, context: JSONValue = [:]) async -> IntentResult {
        if let match = QuickAction.match(in: message) {
            var reasoning = ["quick action \(match.action) selects \(match.action.agent.rawValue)"]
            if !match.ignored.isEmpty {
                reasoning.append(
                    "ignored later quick actions: " + match.ignored.map(\.description).joined(separator: ", "))
            }
            return IntentResult(
                intent: match.action.agent, confidence: 100, reasoning: reasoning, method: .quickAction,
                message: match.message, quickAction: match.action)
        }

        guard let provider else {
            return offlineResult(message, context, because: "no LLM provider configured", response: nil)
        }
        let response: ChatResponse
        do {
            response = try await Self.withDeadline(settings.timeout) { [request = request(message, context)] in
                try await provider.complete(request)
            }
        } catch is DeadlineExceeded {
            return offlineResult(
                message, context, because: "LLM classifier timed out after \(settings.timeout)", response: nil)
        } catch {
            var result = offlineResult(message, context, because: "the LLM classifier was unavailable", response: nil)
            result.failureDetail = "\(error)"
            return result
        }

        switch Self.parseAnswer(response.content) {
        case .success(let answer):
            var reasoning = answer.reasoning
            reasoning.append("classified by \(response.provider) (\(response.model))")
            return IntentResult(
                intent: answer.intent, confidence: answer.confidence, reasoning: reasoning, method: .llm,
                message: message, llmResponse: response)
        case .failure(let problem):
            return offlineResult(
                message, context, because: "LLM answer rejected: \(problem.reason)", response: response)
        }
    }

    /// The request the LLM gets: the design's system prompt, then the context and the message.
    public func request(_ message: String, _ context: JSONValue) -> ChatRequest {
        let contextText = String(context.jsonText.prefix(settings.maxContextCharacters))
        let messageText = String(message.prefix(settings.maxMessageCharacters))
        return ChatRequest(
            messages: [.system(Self.systemPrompt), .user("Context: \(contextText)\n\nMessage: \(messageText)")],
            model: settings.model, temperature: settings.temperature, maxTokens: settings.maxTokens,
            timeout: settings.timeout)
    }

    private func offlineResult(
        _ message: String, _ context: JSONValue, because reason: String, response: ChatResponse?
    ) -> IntentResult {
        let continuing = context["agentType"]?.stringValue.flatMap(AgentType.init(rawValue:))
        var result = offline.classify(message, continuing: continuing)
        result.reasoning.insert(reason + "; classified offline", at: 0)
        result.llmResponse = response
        return result
    }

    private struct DeadlineExceeded: Error {}

    /// Runs `work`, cancelling it after `timeout`. Returns when the work has seen the cancellation: the
    /// Nightshift providers abort their HTTP call at once.
    private static func withDeadline<T: Sendable>(
        _ timeout: Duration, _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw DeadlineExceeded() }
            return value
        }
    }
}

extension IntentClassifier {
    /// A classification the LLM gave, validated.
    public struct LLMAnswer: Sendable, Hashable {
        /// The intent.
        public var intent: AgentType
        /// 0…100 (a 0…1 fraction is scaled; out-of-range values are clamped; missing is 50).
        public var confidence: Int
        /// The LLM's reasons (a single string becomes one reason).
        public var reasoning: [String]
    }

    /// Why an LLM answer was rejected.
    public struct AnswerProblem: Error, Sendable, Hashable {
        /// In a few words, for the reasoning (`no JSON object`, `unknown intent "billing"`).
        public var reason: String
    }

    /// Reads the LLM's answer: a JSON object, bare or inside prose or a ```json fence, with a known `intent`.
    public static func parseAnswer(_ content: String) -> Result<LLMAnswer, AnswerProblem> {
        guard let json = firstJSONObject(in: content) else { return .failure(AnswerProblem(reason: "no JSON object")) }
        guard let object = try? JSONValue.parse(json, what: "intent JSON"), object.objectValue != nil else {
            return .failure(AnswerProblem(reason: "invalid JSON"))
        }
        guard let raw = object["intent"]?.stringValue else { return .failure(AnswerProblem(reason: "no intent")) }
        let name = raw.lowercased().filter { $0.isLetter }
        guard let intent = AgentType(rawValue: name) else {
            return .failure(AnswerProblem(reason: "unknown intent \"\(raw.prefix(40))\""))
        }

        var confidence = 50
        if let value = object["confidence"]?.doubleValue, value.isFinite {
            let percent = value > 0 && value < 1 ? value * 100 : value
            confidence = Int(min(100, max(0, percent)).rounded())
        }
        var reasoning: [String] = []
        switch object["reasoning"] {
        case .string(let reason)?: reasoning = [reason]
        case .array(let reasons)?:
            reasoning = reasons.compactMap { $0.stringValue ?? ($0 == .null ? nil : $0.jsonText) }
        default: break
        }
        return .success(LLMAnswer(intent: intent, confidence: confidence, reasoning: reasoning))
    }

    /// The first balanced `{…}` in `text`, braces inside JSON strings ignored; a ```json fence is looked into
    /// first, since prose around it may hold braces of its own.
    static func firstJSONObject(in text: String) -> String? {
        if let fence = text.range(of: "```") {
            let afterFence = text[fence.upperBound...]
            if let close = afterFence.range(of: "```"), let object = balancedObject(in: afterFence[..<close.lowerBound])
            {
                return object
            }
        }
        return balancedObject(in: text[...])
    }

    private static func balancedObject(in text: Substring) -> String? {
        var searchStart = text.startIndex
        while let open = text[searchStart...].firstIndex(of: "{") {
            var depth = 0
            var inString = false
            var escaped = false
            var index = open
            while index < text.endIndex {
                let character = text[index]
                if inString {
                    if escaped {
                        escaped = false
                    } else if character == "\\" {
                        escaped = true
                    } else if character == "\"" {
                        inString = false
                    }
                } else if character == "\"" {
                    inString = true
                } else if character == "{" {
                    depth += 1
                } else if character == "}" {
                    depth -= 1
                    if depth == 0 { return String(text[open...index]) }
                }
                index = text.index(after: index)
            }
            searchStart = text.index(after: open)
        }
        return nil
    }
}
