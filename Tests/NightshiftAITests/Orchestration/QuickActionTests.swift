import NightshiftAI
import NightshiftCore
import Testing

@Suite("Quick actions force an agent and leave the message clean")
struct QuickActionTests {
    @Test(
        "each quick action forces its agent with confidence 100, and the token is stripped",
        arguments: [
            ("@book therapist for anxiety on Friday", AgentType.booking, "therapist for anxiety on Friday"),
            ("@session draft the SOAP note", .session, "draft the SOAP note"),
            ("show me @insights for March", .insights, "show me for March"),
            ("@followup: I felt better today", .followup, "I felt better today"),
            ("@help how do I reset my password", .general, "how do I reset my password"),
            ("@general what is this", .general, "what is this"),
            ("@Book, next week please", .booking, "next week please"),
            ("my homework is done @follow-up", .followup, "my homework is done"),
        ])
    func forces(message: String, agent: AgentType, cleaned: String) async {
        // An offline cue pointing elsewhere must not matter: the token decides.
        let result = await IntentClassifier(provider: nil).classify(message: message + " progress report dashboard")
        #expect(result.intent == agent)
        #expect(result.confidence == 100)
        #expect(result.method == .quickAction)
        #expect(result.message == cleaned + " progress report dashboard")
        #expect(result.reasoning.first?.contains("@") == true)
        #expect(result.quickAction?.agent == agent)
    }

    @Test("a quick action forces its agent without asking the LLM")
    func skipsLLM() async {
        let provider = ScriptedChatProvider([.answer(#"{"intent": "general", "confidence": 90}"#)])
        let result = await IntentClassifier(provider: provider).classify(message: "@insights")
        #expect(result.intent == .insights)
        #expect(result.message == "")
        #expect(provider.requests.isEmpty)
    }

    @Test("the first quick action wins; later ones are reported and stripped")
    func firstWins() throws {
        let match = try #require(QuickAction.match(in: "@book then @insights and @book again"))
        #expect(match.action.agent == .booking)
        #expect(match.ignored.map(\.name) == ["insights"])
        #expect(match.message == "then and again")
    }

    @Test(
        "tokens inside words, e-mail addresses and unknown @names are not quick actions",
        arguments: ["mail me@book.com please", "@bookkeeping question", "ask @john about it", "book@session", "@book2"])
    func notActions(message: String) {
        #expect(QuickAction.match(in: message) == nil)
    }

    @Test("a quick action may end a sentence or sit in brackets")
    func punctuation() throws {
        #expect(QuickAction.match(in: "take me to (@insights)")?.action.agent == .insights)
        #expect(QuickAction.match(in: "I need @book.")?.message == "I need.")
        #expect(QuickAction.named("@FollowUp")?.agent == .followup)
        #expect(QuickAction.named("@calendar") == nil)
    }
}
