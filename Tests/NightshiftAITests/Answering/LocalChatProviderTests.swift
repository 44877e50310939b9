import NightshiftAI
import NightshiftCore
import Testing

@Suite("Local chat provider: extractive answers through the ChatProvider interface")
struct LocalChatProviderTests {
    static let questions = [
        "How late can I cancel a session without paying?", "Do you sell my personal data?",
        "Which cards do you accept?", "What is the capital of France?",
    ]

    @Test("names itself local and local-extractive, whatever model the request asks for")
    func identity() async throws {
        let prompt = KnowledgeBase.prompt("Which cards do you accept?")
        let provider = LocalChatProvider(context: prompt.context)
        #expect(provider.name == "local" && provider.defaultModel == "local-extractive")
        let response = try await provider.complete(ChatRequest(messages: prompt.messages, model: "gpt-4o"))
        #expect(response.provider == "local" && response.model == "local-extractive")
        #expect(response.finishReason == .stop)
        #expect(response.failedAttempts.isEmpty)
    }

    @Test("answers the same from a given context as from the request's messages alone", arguments: questions)
    func contextTravels(_ question: String) async throws {
        let prompt = KnowledgeBase.prompt(question)
        let request = ChatRequest(messages: prompt.messages)
        let given = try await LocalChatProvider(context: prompt.context).complete(request)
        let parsed = try await LocalChatProvider().complete(request)
        #expect(given.content == parsed.content)
        #expect(given.content == ExtractiveAnswerer().answer(prompt.context).text)
    }

    @Test("usage: prompt tokens as the builder counted them, completion tokens of the answer")
    func usage() async throws {
        let prompt = KnowledgeBase.prompt("When is payment taken?")
        let response = try await LocalChatProvider().complete(ChatRequest(messages: prompt.messages))
        #expect(response.usage.promptTokens == prompt.tokenCount)
        #expect(response.usage.completionTokens == TokenEstimator.count(response.content))
        #expect(response.usage.isEstimated)
    }

    @Test("streaming: word deltas that join to the complete answer, then done", arguments: questions)
    func streaming(_ question: String) async throws {
        let prompt = KnowledgeBase.prompt(question)
        let request = ChatRequest(messages: prompt.messages)
        let provider = LocalChatProvider(context: prompt.context)
        let complete = try await provider.complete(request)

        var deltas: [String] = []
        var done: ChatResponse?
        for try await event in provider.stream(request) {
            switch event {
            case .delta(let text):
                #expect(done == nil, "no delta after done")
                deltas.append(text)
            case .done(let response):
                done = response
            }
        }
        let final = try #require(done)
        #expect(deltas.count > 5)
        #expect(deltas.allSatisfy { !$0.isEmpty && !$0.dropLast().contains(" ") })
        #expect(deltas.joined() == final.content)
        #expect(final == complete)
    }

    @Test("maxTokens cuts the answer at a word and reports length")
    func maxTokens() async throws {
        let prompt = KnowledgeBase.prompt("How late can I cancel a session without paying?")
        let full = try await LocalChatProvider().complete(ChatRequest(messages: prompt.messages))
        let cut = try await LocalChatProvider().complete(ChatRequest(messages: prompt.messages, maxTokens: 8))
        #expect(cut.finishReason == .length)
        #expect(TokenEstimator.count(cut.content) <= 8)
        #expect(cut.content.hasSuffix("…"))
        #expect(full.content.hasPrefix(String(cut.content.dropLast())))
        #expect(cut.usage.completionTokens == TokenEstimator.count(cut.content))
    }

    @Test("a request without a user message is invalid input")
    func noUserMessage() async throws {
        let error = await #expect(throws: NightshiftError.self) {
            try await LocalChatProvider().complete(ChatRequest(messages: [.system("only instructions")]))
        }
        #expect(error?.code == .invalidInput)
        var failed = false
        do {
            for try await _ in LocalChatProvider().stream(ChatRequest(messages: [])) {}
        } catch {
            failed = (error as? NightshiftError)?.code == .invalidInput
        }
        #expect(failed)
    }

    @Test("works as the only link of a provider chain, streaming and not")
    func inChain() async throws {
        let prompt = KnowledgeBase.prompt("Can I delete my data?")
        let chain = ProviderChain(providers: [LocalChatProvider()])
        let request = ChatRequest(messages: prompt.messages)
        let response = try await chain.complete(request)
        #expect(response.provider == "local")
        #expect(response.content.hasSuffix("delete all your data at any time from Settings, then Privacy [1]."))
        var streamed = ""
        for try await event in chain.stream(request) {
            if case .delta(let text) = event { streamed += text }
        }
        #expect(streamed == response.content)
    }
}
