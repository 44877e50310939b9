import Foundation
import NightshiftAI
import NightshiftCore
import Testing

@Suite("Extractive answerer: the right sentence, cited, or an honest no-answer")
struct ExtractiveAnswererTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var question: String
        var uri: String
        var phrase: String
        var testDescription: String { question }
    }

    static let cancellation = "file:///kb/policies/cancellation.md"
    static let refunds = "file:///kb/policies/refunds.md"
    static let privacy = "https://help.example.com/privacy"
    static let payments = "https://help.example.com/payments"
    static let sessions = "file:///kb/sessions.md"

    static let answerable: [Case] = [
        Case(question: "How late can I cancel a session without paying?", uri: cancellation, phrase: "up to 24 hours"),
        Case(question: "What happens if I miss a session?", uri: cancellation, phrase: "charged in full"),
        Case(question: "cancelation fee?", uri: cancellation, phrase: "cancel"),  // a misspelling
        Case(question: "How long does a refund take?", uri: refunds, phrase: "within 5 to 7 business days"),
        Case(question: "Do you sell my personal data?", uri: privacy, phrase: "We never sell personal data"),
        Case(question: "Can I delete my data?", uri: privacy, phrase: "export or delete all your data"),
        Case(question: "Which cards do you accept?", uri: payments, phrase: "Visa, Mastercard and American Express"),
        Case(question: "When is payment taken?", uri: payments, phrase: "taken when the session is booked"),
        Case(question: "Do prices include tax?", uri: payments, phrase: "Prices include VAT"),
        Case(question: "Can I get an invoice?", uri: payments, phrase: "Invoices are sent by email"),
        Case(question: "What time zone is coach availability shown in?", uri: sessions, phrase: "local time zone"),
    ]

    @Test("picks the sentence that answers and cites its source's number", arguments: answerable)
    func answers(_ example: Case) throws {
        let prompt = KnowledgeBase.prompt(example.question)
        let answer = ExtractiveAnswerer().answer(prompt.context)
        let source = try #require(prompt.sources.first { $0.sourceURI == example.uri }, "retrieved")
        #expect(answer.isAnswered)
        #expect(answer.text.contains(example.phrase), "\(answer.text)")
        let quoted = try #require(answer.sentences.first { $0.text.contains(example.phrase) })
        #expect(quoted.sourceNumber == source.number)
        #expect(answer.citations.contains(source.number))
        #expect(answer.text.contains("[\(source.number)]"))
        #expect(answer.sentences.count <= 3)
        // Every citation names a source of the prompt.
        #expect(Set(answer.citations).isSubset(of: Set(prompt.sources.map(\.number))))
        #expect(answer.confidence >= ExtractiveAnswerer.Settings.standard.minimumScore)
    }

    @Test("a focused question gets exactly its sentence, with the citation before the full stop")
    func focusedAnswer() throws {
        let prompt = KnowledgeBase.prompt("Do you sell my personal data?")
        let number = try #require(prompt.sources.first { $0.sourceURI == ExtractiveAnswererTests.privacy }?.number)
        let answer = ExtractiveAnswerer().answer(prompt.context)
        #expect(answer.text == "We never sell personal data to advertisers or other third parties [\(number)].")
        #expect(answer.citations == [number])
    }

    @Test("several sentences of one source keep the source's order and share one citation")
    func readableOrder() throws {
        let prompt = KnowledgeBase.prompt("How late can I cancel a session without paying?")
        let answer = ExtractiveAnswerer().answer(prompt.context)
        let number = try #require(
            prompt.sources.first { $0.sourceURI == ExtractiveAnswererTests.cancellation }?.number)
        #expect(answer.sentences.count >= 2)
        let free = try #require(answer.text.range(of: "Bookings can be cancelled free of charge"))
        let later = try #require(answer.text.range(of: "If you cancel later than that"))
        #expect(free.upperBound < later.lowerBound)
        #expect(answer.text.components(separatedBy: "[\(number)]").count == 2, "one citation: \(answer.text)")
        #expect(answer.text.hasSuffix("[\(number)]."))
    }

    @Test("the same sentence in two sources is quoted once")
    func nonRedundant() throws {
        let sentence = "Refunds are issued to the original payment method within 5 to 7 business days."
        let context = PromptContext(
            question: "How are refunds issued?",
            sources: [
                PromptSource(number: 1, content: sentence + " Contact support for anything else."),
                PromptSource(number: 2, content: "Good to know. " + sentence),
            ])
        let answer = ExtractiveAnswerer().answer(context)
        #expect(answer.isAnswered)
        #expect(answer.text.components(separatedBy: "within 5 to 7 business days").count == 2, "\(answer.text)")
    }

    @Test(
        "a question the knowledge base does not cover gets an honest no-answer that suggests rephrasing",
        arguments: [
            "What is the capital of France?", "Who won the football world cup in 2018?",
            "Can you recommend a good pasta recipe?", "hello",
        ])
    func irrelevant(_ question: String) throws {
        let prompt = KnowledgeBase.prompt(question)
        #expect(!prompt.sources.isEmpty, "retrieval always returns its top chunks")
        let answer = ExtractiveAnswerer().answer(prompt.context)
        #expect(!answer.isAnswered)
        #expect(answer.text == ExtractiveAnswerer.noMatchReply)
        #expect(answer.text.contains("rephras"))
        #expect(answer.citations.isEmpty && answer.sentences.isEmpty)
        #expect(!answer.text.contains("["))
    }

    @Test("no sources at all: the no-answer says the knowledge base has nothing")
    func noSources() {
        let answer = ExtractiveAnswerer().answer(PromptContext(question: "How late can I cancel?"))
        #expect(!answer.isAnswered)
        #expect(answer.text == ExtractiveAnswerer.noSourcesReply)
        #expect(answer.text.contains("knowledge base") && answer.text.contains("rephras"))
    }

    @Test("a relevant preference is added; an unrelated one is not")
    func preferences() throws {
        let user = UUID()
        let memory = [
            MemoryFact(
                userID: user, kind: .preference, key: "preferred_session_time", value: "mornings", confidence: 0.9),
            MemoryFact(
                userID: user, kind: .preference, key: "cuisine_italian", value: ["likes": true], confidence: 0.85),
        ]
        let prompt = KnowledgeBase.prompt("Can I reschedule my morning session?", memory: memory)
        #expect(prompt.context.facts.count == 2)
        let answer = ExtractiveAnswerer().answer(prompt.context)
        #expect(answer.isAnswered)
        #expect(answer.text.contains("reschedule a session once"))
        #expect(answer.text.hasSuffix("From your saved preferences: preferred session time: mornings."))
        #expect(answer.facts.map(\.key) == ["preferred_session_time"])

        let other = KnowledgeBase.prompt("Which cards do you accept?", memory: memory)
        let unrelated = ExtractiveAnswerer().answer(other.context)
        #expect(unrelated.facts.isEmpty)
        #expect(!unrelated.text.contains("preferences"))
    }

    @Test("the same context always gives the same answer")
    func deterministic() {
        for question in ["How long does a refund take?", "How late can I cancel a session without paying?", "hello"] {
            let context = KnowledgeBase.prompt(question).context
            let first = ExtractiveAnswerer().answer(context)
            let again = ExtractiveAnswerer().answer(context)
            let rebuilt = ExtractiveAnswerer().answer(KnowledgeBase.prompt(question).context)
            #expect(first == again && first == rebuilt)
        }
    }

    @Test("usage is estimated: the prompt as built, the answer as completion")
    func usage() {
        let prompt = KnowledgeBase.prompt("When is payment taken?")
        let answer = ExtractiveAnswerer().answer(prompt.context)
        let usage = answer.usage(prompt: prompt.messages)
        #expect(usage.promptTokens == prompt.tokenCount)
        #expect(usage.completionTokens == TokenEstimator.count(answer.text))
        #expect(usage.totalTokens == usage.promptTokens + usage.completionTokens)
        #expect(usage.isEstimated)
    }
}
