import Foundation
import NightshiftCore

/// One agent the chat orchestrator can run: who it is, how it is prompted, and which model answers.
public struct AgentDefinition: Sendable, Hashable {
    /// The intent it serves.
    public var type: AgentType
    /// Its display name (`BookingAgent`).
    public var name: String
    /// What it does, in a line.
    public var description: String
    /// The system prompt.
    public var systemPrompt: String
    /// The model asked.
    public var model: String
    /// Sampling temperature.
    public var temperature: Double
    /// The most tokens an answer may take.
    public var maxTokens: Int
    /// False when its `ai_agents` row is inactive: the agent is then treated as disabled.
    public var isActive: Bool
    /// The feature flag that gates it per user; nil for `general`, which is always there.
    public var featureFlag: String?
    /// The `ai_agents` row merged over the built-in definition, if any (for `ai_runs.agent_id`).
    public var aiAgentID: UUID?
    /// That row's name.
    public var aiAgentName: String?

    /// A definition.
    public init(
        type: AgentType, name: String, description: String, systemPrompt: String, model: String,
        temperature: Double, maxTokens: Int, isActive: Bool = true, featureFlag: String?, aiAgentID: UUID? = nil,
        aiAgentName: String? = nil
    ) {
        self.type = type
        self.name = name
        self.description = description
        self.systemPrompt = systemPrompt
        self.model = model
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.isActive = isActive
        self.featureFlag = featureFlag
        self.aiAgentID = aiAgentID
        self.aiAgentName = aiAgentName
    }
}

/// Where a classified intent ends up once flags and `ai_agents` rows have had their say.
public struct AgentRoute: Sendable, Hashable {
    /// The agent that answers.
    public var agent: AgentDefinition
    /// The intent that was asked for.
    public var requested: AgentType
    /// Why `agent` is not the one asked for (for the response's `reasoning`); nil when it is.
    public var fallbackReason: String?
}

/// The agents of the agent-system design (booking, session, insights, followup, general), with `ai_agents` rows
/// merged over them.
///
/// A row applies to an agent type when its `metadata.agent_type` names one, or else when its name does, ignoring
/// case and punctuation: the type itself (`booking`), the design's agent name (`BookingAgent`), or an alias
/// (`book`, `sessions`, `insight`, `follow-up`, `help`). Such a row overrides the prompt (when not empty), model,
/// temperature, max tokens, description and active state. When several rows name one type, `metadata.agent_type`
/// beats a name, the type's own name beats an alias, and then the alphabetically first name wins; the others are
/// listed in `ignoredRows`, as are rows that name no type (the schema design's travel agents, say).
public struct AgentRegistry: Sendable, Hashable {
    /// The flag that gates chat as a whole (`is_feature_enabled('ai_chat_enabled', user)`).
    public static let chatFlag = "ai_chat_enabled"

    /// The definitions, one per agent type.
    public private(set) var agents: [AgentType: AgentDefinition]
    /// Names of `ai_agents` rows that were not merged, and why.
    public private(set) var ignoredRows: [String: String]

    /// The design's five agents with their built-in prompts.
    public static let standard = AgentRegistry(
        agents: Dictionary(uniqueKeysWithValues: AgentDefaults.all.map { ($0.type, $0) }), ignoredRows: [:])

    /// The definition for `type`.
    public func agent(for type: AgentType) -> AgentDefinition {
        agents[type] ?? AgentDefaults.definition(for: type)
    }

    /// The feature flag gating `type` (`booking_agent_enabled`, …); nil for `general`.
    public func flag(for type: AgentType) -> String? {
        AgentRegistry.flag(for: type)
    }

    /// The feature flag gating `type`; nil for `general`.
    public static func flag(for type: AgentType) -> String? {
        type == .general ? nil : "\(type.rawValue)_agent_enabled"
    }

    /// Every flag the orchestrator needs for a user: `ai_chat_enabled` and each agent's.
    public static var flagNames: [String] {
        [chatFlag] + AgentType.allCases.compactMap { flag(for: $0) }
    }

    /// The agent type an `ai_agents` row name stands for, or nil (see the type's documentation).
    public static func agentType(forRowName name: String) -> AgentType? {
        aliases[normalise(name)]
    }

    /// This registry with `rows` merged over it.
    public func merged(with rows: [AIAgent]) -> AgentRegistry {
        var result = self
        var chosen: [AgentType: (row: AIAgent, rank: Int)] = [:]
        for row in rows.sorted(by: { $0.name < $1.name }) {
            guard let (type, rank) = Self.mapping(of: row) else {
                result.ignoredRows[row.name] = "names no agent type"
                continue
            }
            if let current = chosen[type], current.rank <= rank {
                result.ignoredRows[row.name] = "\(type.rawValue) already comes from row '\(current.row.name)'"
                continue
            }
            if let current = chosen[type] {
                result.ignoredRows[current.row.name] = "\(type.rawValue) comes from row '\(row.name)'"
            }
            chosen[type] = (row, rank)
        }
        for (type, pick) in chosen {
            var agent = result.agent(for: type)
            let row = pick.row
            let prompt = row.systemPrompt.trimmingCharacters(in: .whitespacesAndNewlines)
            if !prompt.isEmpty { agent.systemPrompt = row.systemPrompt }
            if let description = row.description, !description.isEmpty { agent.description = description }
            agent.model = row.model
            agent.temperature = row.temperature
            agent.maxTokens = row.maxTokens
            agent.isActive = row.isActive
            agent.aiAgentID = row.id
            agent.aiAgentName = row.name
            result.agents[type] = agent
        }
        return result
    }

    /// The agent that answers `intent` for a user with `enabledFlags` on: the intent's own agent when it is
    /// active and its flag is on, else `general`, saying why.
    ///
    /// `general` has no flag and always answers; if its row is inactive the built-in general agent stands in.
    /// Whether chat is on at all (`chatFlag`) is the caller's check, before classifying.
    public func route(_ intent: AgentType, enabledFlags: Set<String>) -> AgentRoute {
        let agent = agent(for: intent)
        var reason: String?
        if intent != .general {
            if !agent.isActive {
                reason = "\(agent.name) is inactive; general answers"
            } else if let flag = flag(for: intent), !enabledFlags.contains(flag) {
                reason = "\(agent.name) is disabled (\(flag) is off); general answers"
            } else {
                return AgentRoute(agent: agent, requested: intent, fallbackReason: nil)
            }
        }
        var general = self.agent(for: .general)
        if !general.isActive {
            general = AgentDefaults.definition(for: .general)
            let note = "the general agent's row is inactive; the built-in general agent answers"
            reason = reason.map { $0 + "; " + note } ?? note
        }
        return AgentRoute(agent: general, requested: intent, fallbackReason: reason)
    }

    /// Row rank: 0 for `metadata.agent_type`, 1 for the type's own name, 2 for an alias.
    private static func mapping(of row: AIAgent) -> (AgentType, Int)? {
        if let declared = row.metadata["agent_type"]?.stringValue, let type = AgentType(rawValue: normalise(declared)) {
            return (type, 0)
        }
        let name = normalise(row.name)
        if let type = AgentType(rawValue: name) { return (type, 1) }
        return aliases[name].map { ($0, 2) }
    }

    private static let aliases: [String: AgentType] = {
        var aliases: [String: AgentType] = [
            "book": .booking, "bookings": .booking, "sessions": .session, "insight": .insights, "help": .general,
        ]
        for definition in AgentDefaults.all {
            aliases[definition.type.rawValue] = definition.type
            aliases[normalise(definition.name)] = definition.type
        }
        return aliases
    }()

    /// Lower-case letters and digits only: `Follow-Up`, `follow_up` and `followup` meet.
    private static func normalise(_ name: String) -> String {
        String(
            name.lowercased().unicodeScalars.filter {
                $0.isASCII && $0.properties.isAlphabetic || ("0"..."9").contains($0)
            })
    }
}

/// The built-in agents: the design's registry, with its placeholder prompts written out.
enum AgentDefaults {
    /// The design's model for its agents.
    static let model = "gpt-4-turbo"
    /// The design's answer budget.
    static let maxTokens = 1000

    static let all: [AgentDefinition] = [general, booking, session, insights, followup]

    static func definition(for type: AgentType) -> AgentDefinition {
        switch type {
        case .general: return general
        case .booking: return booking
        case .session: return session
        case .insights: return insights
        case .followup: return followup
        }
    }

    /// The design's general agent, prompt verbatim.
    static let general = AgentDefinition(
        type: .general, name: "GeneralAgent", description: "Handles general queries and help requests",
        systemPrompt: """
            You are a helpful AI assistant for TherapyFlow, a therapy platform.
            You can help users with:
            - General questions about the platform
            - Navigation and feature explanations
            - Troubleshooting common issues

            Be friendly, concise, and helpful. If the user needs specialized help (booking, sessions, etc.),
            suggest they use the appropriate quick action (@book, @insights, etc.).
            """,
        model: model, temperature: 0.7, maxTokens: maxTokens, featureFlag: nil)

    /// The design's booking agent, prompt verbatim. Temperature below general's: it handles dates and names.
    static let booking = AgentDefinition(
        type: .booking, name: "BookingAgent", description: "Handles appointment booking and therapist search",
        systemPrompt: """
            You are BookingAgent, specialized in helping users book therapy appointments.
            You can:
            - Search for therapists by specialty, location, availability
            - Show therapist profiles and ratings
            - Check availability and book appointments
            - Handle rescheduling and cancellations

            Be conversational and guide users through the booking process step by step.
            """,
        model: model, temperature: 0.5, maxTokens: maxTokens, featureFlag: AgentRegistry.flag(for: .booking))

    /// The design's "SessionAgent system prompt..." written out. Low temperature: clinical notes must not invent.
    static let session = AgentDefinition(
        type: .session, name: "SessionAgent", description: "Real-time copilot during therapy sessions",
        systemPrompt: """
            You are SessionAgent, a real-time copilot for therapists during and right after therapy sessions on \
            TherapyFlow.
            You can:
            - Draft session notes in SOAP format (Subjective, Objective, Assessment, Plan) from the therapist's \
            notes or the session transcript
            - Summarise a transcript or earlier session notes
            - Suggest evidence-based interventions, grounding techniques and questions to explore, with a one-line \
            rationale each
            - Keep track of themes, homework and goals mentioned in the session

            The therapist is usually mid-session: be brief and put the most useful point first.
            Use only what the notes, transcript or retrieved documents say; never invent quotes, scores or history, \
            and mark anything you infer as such.
            Do not make diagnoses; you may note observations the therapist could consider.
            If anything suggests risk of harm to self or others, say so first and plainly, and point to the \
            platform's safety protocol.
            """,
        model: model, temperature: 0.3, maxTokens: maxTokens, featureFlag: AgentRegistry.flag(for: .session))

    /// The design's "InsightsAgent system prompt..." written out. Low temperature: it reports numbers.
    static let insights = AgentDefinition(
        type: .insights, name: "InsightsAgent", description: "Dashboard intelligence and analytics",
        systemPrompt: """
            You are InsightsAgent, the analytics assistant of TherapyFlow's dashboard.
            You can:
            - Explain the user's progress over time: session attendance, mood check-ins, questionnaire scores, \
            homework completion
            - Point out trends and patterns, comparing periods the user names (this month against last, for example)
            - For therapists: summarise caseload figures such as attendance and no-show rates

            Use only the data provided in the context and retrieved records; never make up numbers. State the \
            period each figure covers, and say when there is too little data to tell.
            Describe changes in plain, encouraging language without diagnosing, and suggest discussing notable \
            changes with the therapist.
            Keep answers short: the key figures first, then at most three observations.
            """,
        model: model, temperature: 0.3, maxTokens: maxTokens, featureFlag: AgentRegistry.flag(for: .insights))

    /// The design's "FollowupAgent system prompt..." written out.
    static let followup = AgentDefinition(
        type: .followup, name: "FollowupAgent", description: "Post-session engagement and follow-ups",
        systemPrompt: """
            You are FollowupAgent, who keeps clients engaged between therapy sessions on TherapyFlow.
            You can:
            - Check in on how the user is feeling and log their mood
            - Remind them of the homework and practices agreed in their last session, and encourage them
            - Offer short journaling prompts and simple exercises (breathing, grounding) they have learned
            - Collect feedback about their last session

            Be warm, brief and non-judgemental; reflect what the user says before suggesting anything.
            You are not their therapist: do not give new treatment advice; suggest raising bigger questions in \
            their next session.
            If the user mentions thoughts of self-harm or suicide, or being in danger, respond with care, urge \
            them to contact local emergency services or a crisis helpline now, and to reach their therapist.
            """,
        model: model, temperature: 0.7, maxTokens: maxTokens, featureFlag: AgentRegistry.flag(for: .followup))
}
