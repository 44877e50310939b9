import Foundation
import NightshiftAI
import NightshiftCore
import Testing

@Suite("Agent registry: the design's five agents, ai_agents rows merged over them, flags")
struct AgentRegistryTests {
    private let registry = AgentRegistry.standard

    @Test("the standard registry holds the design's agents with their names, descriptions and prompts")
    func standard() {
        #expect(
            AgentType.allCases.map { registry.agent(for: $0).name }
                == ["BookingAgent", "SessionAgent", "InsightsAgent", "FollowupAgent", "GeneralAgent"])
        let general = registry.agent(for: .general)
        #expect(general.description == "Handles general queries and help requests")
        #expect(general.systemPrompt.hasPrefix("You are a helpful AI assistant for TherapyFlow, a therapy platform."))
        #expect(general.systemPrompt.contains("(@book, @insights, etc.)"))
        #expect(general.model == "gpt-4-turbo" && general.temperature == 0.7 && general.maxTokens == 1000)
        #expect(registry.agent(for: .booking).systemPrompt.hasPrefix("You are BookingAgent, specialized in helping"))
        #expect(registry.agent(for: .session).description == "Real-time copilot during therapy sessions")
        for type in AgentType.allCases {
            let agent = registry.agent(for: type)
            #expect(agent.type == type && agent.isActive && agent.aiAgentID == nil)
            // The design's placeholders ('SessionAgent system prompt...') are written out.
            #expect(!agent.systemPrompt.contains("system prompt..."))
            #expect(agent.systemPrompt.count > 300)
        }
    }

    @Test("each agent maps to its feature flag; general has none; chat as a whole has its own")
    func flags() {
        #expect(registry.flag(for: .booking) == "booking_agent_enabled")
        #expect(registry.flag(for: .session) == "session_agent_enabled")
        #expect(registry.flag(for: .insights) == "insights_agent_enabled")
        #expect(registry.flag(for: .followup) == "followup_agent_enabled")
        #expect(registry.flag(for: .general) == nil)
        #expect(AgentRegistry.chatFlag == "ai_chat_enabled")
        #expect(AgentRegistry.flagNames.count == 5 && AgentRegistry.flagNames.first == "ai_chat_enabled")
        #expect(registry.agent(for: .insights).featureFlag == "insights_agent_enabled")
    }

    @Test("a row named like an agent type overrides prompt, model, temperature and max tokens")
    func mergeByName() {
        let row = AIAgent(
            name: "Booking", description: "Finds therapists", model: "gpt-4o", systemPrompt: "Book things.",
            temperature: 0.2, maxTokens: 400)
        let merged = registry.merged(with: [row])
        let booking = merged.agent(for: .booking)
        #expect(booking.systemPrompt == "Book things.")
        #expect(booking.model == "gpt-4o" && booking.temperature == 0.2 && booking.maxTokens == 400)
        #expect(booking.description == "Finds therapists")
        #expect(booking.aiAgentID == row.id && booking.aiAgentName == "Booking")
        #expect(booking.name == "BookingAgent" && booking.featureFlag == "booking_agent_enabled")
        #expect(merged.agent(for: .session) == registry.agent(for: .session))
    }

    @Test("the design's agent names, aliases and metadata.agent_type map rows; other rows are ignored and listed")
    func mapping() {
        #expect(AgentRegistry.agentType(forRowName: "SessionAgent") == .session)
        #expect(AgentRegistry.agentType(forRowName: "follow-up") == .followup)
        #expect(AgentRegistry.agentType(forRowName: "insight") == .insights)
        #expect(AgentRegistry.agentType(forRowName: "explore") == nil)
        let rows = [
            AIAgent(name: "therapist-finder", systemPrompt: "Find.", metadata: ["agent_type": "booking"]),
            AIAgent(name: "booking", systemPrompt: "By name."),
            AIAgent(name: "FollowUpAgent", model: "claude-haiku-4-5", systemPrompt: "Follow up."),
            AIAgent(name: "explore", systemPrompt: "You are a travel exploration assistant..."),
        ]
        let merged = registry.merged(with: rows)
        #expect(merged.agent(for: .booking).systemPrompt == "Find.")
        #expect(merged.agent(for: .followup).model == "claude-haiku-4-5")
        #expect(merged.ignoredRows["explore"] == "names no agent type")
        #expect(merged.ignoredRows["booking"]?.contains("therapist-finder") == true)
    }

    @Test("an empty prompt keeps the built-in one")
    func emptyPrompt() {
        let merged = registry.merged(with: [AIAgent(name: "insights", systemPrompt: "  \n", maxTokens: 300)])
        #expect(merged.agent(for: .insights).systemPrompt == registry.agent(for: .insights).systemPrompt)
        #expect(merged.agent(for: .insights).maxTokens == 300)
    }

    @Test("an inactive row, or a flag that is off, sends the intent to general with the reason")
    func routing() {
        let all = Set(AgentRegistry.flagNames)
        let direct = registry.route(.booking, enabledFlags: all)
        #expect(direct.agent.type == .booking && direct.fallbackReason == nil)

        let flagOff = registry.route(.booking, enabledFlags: all.subtracting(["booking_agent_enabled"]))
        #expect(flagOff.agent.type == .general && flagOff.requested == .booking)
        #expect(flagOff.fallbackReason == "BookingAgent is disabled (booking_agent_enabled is off); general answers")

        let inactive = registry.merged(with: [AIAgent(name: "session", systemPrompt: "S", isActive: false)])
        #expect(!inactive.agent(for: .session).isActive)
        let route = inactive.route(.session, enabledFlags: all)
        #expect(route.agent.type == .general)
        #expect(route.fallbackReason == "SessionAgent is inactive; general answers")

        #expect(registry.route(.general, enabledFlags: []).fallbackReason == nil)
        let noGeneral = registry.merged(with: [AIAgent(name: "general", systemPrompt: "G", isActive: false)])
        let fallback = noGeneral.route(.general, enabledFlags: [])
        #expect(fallback.agent == registry.agent(for: .general))
        #expect(fallback.fallbackReason?.contains("built-in general agent") == true)
    }
}
