import NightshiftAI
import NightshiftCore
import Testing

@Suite("Intent classifier: the LLM's JSON when it is valid, the offline scorer otherwise")
struct IntentClassifierTests {
    private let bookingMessage = "I want to book an appointment for anxiety"

    private func classify(_ steps: [ScriptedChatProvider.Step], message: String, context: JSONValue = [:])
        async -> (IntentResult, ScriptedChatProvider)
    {
        let provider = ScriptedChatProvider(steps)
        let settings = IntentClassifier.Settings(timeout: .milliseconds(300))
        let result = await IntentClassifier(provider: provider, settings: settings)
            .classify(message: message, context: context)
        return (result, provider)
    }

    @Test("a valid JSON answer is taken as it is, and the request follows the design")
    func validJSON() async throws {
        let answer = #"{"intent": "insights", "confidence": 87, "reasoning": ["asks about progress"]}"#
        let (result, provider) = await classify([.answer(answer)], message: bookingMessage, context: ["screen": "home"])
        #expect(result.method == .llm)
        #expect(result.intent == .insights)
        #expect(result.confidence == 87)
        #expect(result.reasoning.first == "asks about progress")
        #expect(result.reasoning.last == "classified by scripted (gpt-4o-mini)")
        #expect(result.message == bookingMessage)
        #expect(result.llmResponse?.usage.totalTokens == 150)

        let request = try #require(provider.requests.first)
        #expect(request.temperature == 0.1)
        #expect(request.model == "gpt-4o-mini")
        #expect(request.maxTokens == 150)
        #expect(request.messages.first == .system(IntentClassifier.systemPrompt))
        #expect(request.messages.last == .user("Context: {\"screen\":\"home\"}\n\nMessage: \(bookingMessage)"))
        #expect(IntentClassifier.systemPrompt.contains(#"{"intent": "booking", "confidence": 85"#))
    }

    @Test(
        "JSON inside a ```json fence or inside prose is found",
        arguments: [
            "```json\n{\"intent\": \"session\", \"confidence\": 91, \"reasoning\": [\"SOAP\"]}\n```",
            "Sure! Here is the classification: "
                + "{\"intent\": \"session\", \"confidence\": 91, \"reasoning\": \"SOAP\"} Hope it helps {}",
            "Note {braces} first.\n```\n"
                + "{\"intent\": \"Session\", \"confidence\": 0.91, \"reasoning\": [\"a } in {text}\"]}\n```",
        ])
    func wrapped(answer: String) async {
        let (result, _) = await classify([.answer(answer)], message: "Can you help me with my SOAP notes?")
        #expect(result.method == .llm)
        #expect(result.intent == .session)
        #expect(result.confidence == 91)
    }

    @Test("confidence is clamped to 0…100, and a missing one is 50")
    func clamped() {
        let cases: [(String, Int)] = [
            (#"{"intent": "booking", "confidence": 250}"#, 100),
            (#"{"intent": "booking", "confidence": -4}"#, 0),
            (#"{"intent": "booking", "confidence": "72"}"#, 72),
            (#"{"intent": "booking"}"#, 50),
        ]
        for (answer, expected) in cases {
            #expect((try? IntentClassifier.parseAnswer(answer).get())?.confidence == expected, "\(answer)")
        }
    }

    @Test(
        "an answer without valid JSON, or naming no known intent, falls back to the offline scorer and says why",
        arguments: [
            ("I think this is about booking.", "no JSON object"),
            (#"{"intent": booking, "confidence": 80}"#, "invalid JSON"),
            (#"{"intent": "billing", "confidence": 99}"#, #"unknown intent "billing""#),
            (#"{"confidence": 99}"#, "no intent"),
            (#"["booking"]"#, "no JSON object"),
        ])
    func rejected(answer: String, reason: String) async throws {
        let (result, _) = await classify([.answer(answer)], message: bookingMessage)
        #expect(result.method == .offline)
        #expect(result.intent == .booking)
        let first = try #require(result.reasoning.first)
        #expect(first.contains("LLM answer rejected: \(reason)"), "\(first)")
        #expect(first.contains("classified offline"))
        // The rejected answer still cost tokens: it is kept for the usage log.
        #expect(result.llmResponse?.content == answer)
    }

    @Test("a provider error falls back to the offline scorer with a generic reason; the error is kept for the logs")
    func providerError() async throws {
        let error = NightshiftError(
            .provider, "openai returned 500: {\"error\": \"upstream body\"}",
            context: ["url": "http://10.0.0.7:4000/v1/chat/completions"])
        let (result, _) = await classify([.fail(error)], message: "Show me my progress over the last 8 weeks")
        #expect(result.method == .offline)
        #expect(result.intent == .insights)
        #expect(result.llmResponse == nil)
        let first = try #require(result.reasoning.first)
        #expect(first.contains("the LLM classifier was unavailable"))
        #expect(!result.reasoning.joined().contains("upstream body"))
        #expect(!result.reasoning.joined().contains("10.0.0.7"))
        #expect(result.failureDetail?.contains("upstream body") == true)
    }

    @Test("a provider that does not answer within the timeout is cancelled and the offline scorer answers")
    func timeout() async throws {
        let (result, provider) = await classify([.hang], message: "log my mood: 6/10, a bit anxious")
        #expect(result.method == .offline)
        #expect(result.intent == .followup)
        #expect(try #require(result.reasoning.first).contains("timed out"))
        #expect(provider.requests.first?.timeout == .milliseconds(300))
    }

    @Test("without a provider every message is classified offline, and the reasoning says so")
    func noProvider() async throws {
        let result = await IntentClassifier().classify(message: "Can you help me with my SOAP notes?")
        #expect(result.method == .offline)
        #expect(result.intent == .session)
        #expect(try #require(result.reasoning.first) == "no LLM provider configured; classified offline")
        #expect(result.reasoning.count > 1)
    }

    @Test("offline, the conversation's current agent (context.agentType) wins a message with no cue of its own")
    func continuation() async {
        let classifier = IntentClassifier()
        #expect(await classifier.classify(message: "yes friday works").intent == .general)
        let continued = await classifier.classify(message: "yes friday works", context: ["agentType": "booking"])
        #expect(continued.intent == .booking)
        // A clear cue for another agent still wins over the continuation.
        let switched = await classifier.classify(
            message: "actually, show me my progress report", context: ["agentType": "booking"])
        #expect(switched.intent == .insights)
    }
}

@Suite("Offline intent scorer: cues, negation, typos, ties and confidence")
struct OfflineIntentScorerTests {
    private let scorer = OfflineIntentClassifier.standard

    @Test("a negated request does not count, while a negated feeling still does")
    func negation() {
        let negated = scorer.classify("I don't want to book anything, how do I change my password")
        #expect(negated.intent == .general)
        #expect(negated.reasoning.contains("'book' negated"))
        #expect(scorer.classify("book mat karo, bas progress dikhao").intent == .insights)
        #expect(scorer.classify("I am not feeling great today").intent == .followup)
    }

    @Test("a one-letter typo in a long cue still counts, and is shown")
    func typos() {
        let result = scorer.classify("I need an apointment asap")
        #expect(result.intent == .booking)
        #expect(result.reasoning.first?.contains("'apointment'≈'appointment' +3") == true)
        #expect(scorer.classify("sheduling a call").intent == .booking)
        // Typos are measured against words, not generated forms: `working` is not `worsing` (from `worse`).
        #expect(scorer.scores("working").first { $0.intent == .followup }?.matches.isEmpty == true)
        // Short words are not fuzzy-matched: `store` is not `score`.
        #expect(!scorer.classify("where do you store it").reasoning.joined().contains("score"))
    }

    @Test("inflected forms match their cue: plurals, -ing, -ed, doubled consonants")
    func inflections() {
        #expect(scorer.classify("rescheduling").intent == .booking)
        #expect(scorer.classify("the appointments I cancelled").intent == .booking)
        #expect(scorer.classify("journaling").intent == .followup)
        // `hi` is not `his`, `app` is not `apply`.
        #expect(scorer.scores("his").first { $0.intent == .general }?.matches.isEmpty == true)
        #expect(scorer.scores("apply").first { $0.intent == .general }?.matches.isEmpty == true)
    }

    @Test("a greeting does not outweigh the request it wraps")
    func greetings() {
        #expect(scorer.classify("hello! can you help me reschedule?").intent == .booking)
        #expect(scorer.classify("hello").intent == .general)
    }

    @Test("with no cue the answer is general at 50; a tie goes to general")
    func defaults() {
        let empty = scorer.classify("zzz qqq")
        #expect(empty.intent == .general && empty.confidence == 50)
        #expect(empty.reasoning.first == "no clear intent: general by default")
        // `therapist` (booking 1) ties with general's prior (1).
        let tie = scorer.classify("therapist")
        #expect(tie.intent == .general)
    }

    @Test("confidence grows with the margin, stays within 5…95, and the same message gets the same answer")
    func confidence() {
        let clear = scorer.classify("I want to book an appointment for next Tuesday")
        let weak = scorer.classify("is Dr. Rao around on Tuesday")
        #expect(clear.intent == .booking && weak.intent == .booking)
        #expect(clear.confidence > weak.confidence)
        #expect((5...95).contains(clear.confidence))
        #expect(scorer.classify("I want to book an appointment for next Tuesday") == clear)
    }

    @Test("phrases match with a word or two between their words")
    func phrases() {
        let result = scorer.classify("I felt so drained after yesterday's session")
        #expect(result.intent == .followup)
        #expect(result.reasoning.first?.contains("'after session' +3") == true)
    }

    @Test("Devanagari and Hinglish cues count")
    func hindi() {
        #expect(scorer.classify("मुझे अपॉइंटमेंट बुक करना है").intent == .booking)
        #expect(scorer.classify("aaj bahut udaas hoon").intent == .followup)
    }

    @Test("a cue counts once however often it occurs, and the lexicon lists each cue once")
    func countsOnce() {
        let once = scorer.scores("book").first { $0.intent == .booking }?.value
        let thrice = scorer.scores("book booking booked").first { $0.intent == .booking }?.value
        #expect(once == 3 && thrice == 3)
        #expect(Set(IntentLexicon.cues.map { "\($0.intent)/\($0.text)" }).count == IntentLexicon.cues.count)
    }
}
