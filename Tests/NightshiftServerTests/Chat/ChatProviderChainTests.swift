import Foundation
import HummingbirdTesting
import NightshiftAI
import NightshiftCore
import NightshiftStore
import NightshiftTestSupport
import Testing

/// The LLM chain behind `/v1/chat`, OpenAI then Anthropic, against a loopback server speaking both wire formats
/// (Tests/Support/mock_provider_server.py), scripted to fail, rate-limit or answer garbage.
///
/// The intent classifier asks the same chain first (a cheap model, a JSON answer): every script's first OpenAI
/// step is that classification, and the answer comes second.
@Suite("Chat endpoint: provider chain")
struct ChatProviderChainTests {
    static let question = "How late can I cancel a therapy session?"
    static let openAIPath = "/v1/chat/completions"
    static let anthropicPath = "/v1/messages"

    /// A literal OpenAI chat completion, as a mock script step.
    static func openAIAnswer(_ content: String, model: String, prompt: Int, completion: Int) -> JSONValue {
        [
            "status": 200,
            "json": [
                "id": "chatcmpl-scripted", "object": "chat.completion", "created": 1_760_000_000,
                "model": .string(model),
                "choices": [
                    [
                        "index": 0, "message": ["role": "assistant", "content": .string(content)],
                        "finish_reason": "stop",
                    ]
                ],
                "usage": [
                    "prompt_tokens": .number(Double(prompt)), "completion_tokens": .number(Double(completion)),
                    "total_tokens": .number(Double(prompt + completion)),
                ],
            ],
        ]
    }

    /// The classifier's answer: valid JSON naming `general`, from `gpt-4o-mini`, 200 + 20 tokens.
    static let classification = openAIAnswer(
        #"{"intent": "general", "confidence": 88, "reasoning": ["asks about the cancellation policy"]}"#,
        model: "gpt-4o-mini", prompt: 200, completion: 20)

    /// The classification passed through unscripted: the mock echoes text that is not JSON, so the offline
    /// classifier decides (the rejected answer is still paid for).
    static let unscriptedClassification: JSONValue = ["times": 1]

    /// Runs `body` with a mock provider server following `routes`, and the chat app pointed at it.
    static func withMock(
        _ kind: StoreKind, routes: [String: JSONValue], live: Bool = false,
        _ body: @Sendable (ChatHarness, MockServer, any TestClientProtocol) async throws -> Void
    ) async throws {
        let mock = try await MockServer.start(script: (["routes": .object(routes)] as JSONValue).jsonText)
        defer { mock.stop() }
        try await ChatHarness.with(kind) { harness in
            try await harness.app(environment: mock.providerEnvironment).test(live ? .live : .router) { client in
                try await body(harness, mock, client)
            }
        }
    }

    /// Dollars for `usage` of `model` at the built-in prices.
    static func price(_ model: String, prompt: Int, completion: Int) throws -> Decimal {
        try #require(
            PriceTable.builtIn.cost(model: model, usage: TokenUsage(promptTokens: prompt, completionTokens: completion))
        )
    }

    /// The execution of the turn that returned `body`.
    static func execution(of body: JSONValue, in store: any Store) async throws -> AgentExecution {
        let id = try #require(body["conversationId"]?.stringValue.flatMap(UUID.init(uuidString:)))
        let executions = try await store.executions(conversationID: id)
        #expect(executions.count == 1)
        return try #require(executions.first)
    }

    @Test(
        "OpenAI answers: provider openai, and the cost is the price of the model it returned",
        arguments: TestEnvironment.storeKinds)
    func openAIAnswers(kind: StoreKind) async throws {
        let answer = "You can cancel free of charge up to 24 hours before the session [1]."
        // A dated model name priced as gpt-4o, while the agent asked for gpt-4-turbo: the cost must follow the
        // model that answered.
        let returned = "gpt-4o-2024-08-06"
        let routes: [String: JSONValue] = [
            Self.openAIPath: [
                Self.classification, Self.openAIAnswer(answer, model: returned, prompt: 1200, completion: 300),
            ]
        ]
        try await Self.withMock(kind, routes: routes) { harness, mock, client in
            let response = try await client.chat(Self.question, as: ChatUsers.alice)
            #expect(response.status == .ok)
            let body = try response.json()
            #expect(body["provider"] == "openai")
            #expect(body["model"] == .string(returned))
            #expect(body["response"] == .string(answer))
            #expect(body["usage"]?["promptTokens"] == 1200)
            #expect(body["usage"]?["completionTokens"] == 300)
            #expect(body["confidence"] == 88)
            let reasoning = try #require(body["reasoning"]?.arrayValue).compactMap(\.stringValue)
            #expect(reasoning.contains { $0.contains("classified by openai") })

            let answerCost = try Self.price(returned, prompt: 1200, completion: 300)
            let classifierCost = try Self.price("gpt-4o-mini", prompt: 200, completion: 20)
            #expect(answerCost != (try Self.price("gpt-4-turbo", prompt: 1200, completion: 300)))
            let cost = try #require(body["cost"]?.doubleValue)
            #expect(abs(cost - NSDecimalNumber(decimal: answerCost + classifierCost).doubleValue) < 1e-12)

            let execution = try await Self.execution(of: body, in: harness.store)
            #expect(execution.status == .success)
            #expect(execution.costUSD == answerCost + classifierCost)
            #expect(execution.tokensUsed == 1500 + 220)
            #expect(execution.metadata["provider"] == "openai")
            #expect(execution.metadata["model"] == .string(returned))
            #expect(execution.metadata["prompt_tokens"] == 1200)
            #expect(execution.metadata["completion_tokens"] == 300)
            #expect(execution.metadata["classifier_model"] == "gpt-4o-mini")
            #expect(execution.metadata["intent_method"] == "llm")
            #expect(execution.metadata["failed_attempts"] == [])

            // What OpenAI was sent: the key, the agent's model, the design's system prompt and the retrieved text.
            let requests = try await mock.requests(path: Self.openAIPath)
            #expect(requests.count == 2)
            let sent = try #require(requests.last)
            #expect(sent.headers["authorization"] == "Bearer sk-mock-openai")
            #expect(sent.json?["model"] == "gpt-4-turbo")
            let prompt =
                sent.json?["messages"]?.arrayValue?.compactMap { $0["content"]?.stringValue }.joined(separator: "\n")
                ?? ""
            #expect(prompt.contains("TherapyFlow"))
            #expect(prompt.contains("24 hours before it starts"))
            #expect(try await mock.requests(path: Self.anthropicPath).isEmpty)
        }
    }

    @Test(
        "OpenAI 500s after its retries: Anthropic answers, and failed_attempts names openai and why",
        arguments: TestEnvironment.storeKinds)
    func fallbackAfterServerErrors(kind: StoreKind) async throws {
        let routes: [String: JSONValue] = [
            Self.openAIPath: [Self.classification, ["status": 500, "times": 10]]
        ]
        try await Self.withMock(kind, routes: routes) { harness, mock, client in
            let response = try await client.chat(Self.question, as: ChatUsers.alice)
            #expect(response.status == .ok)
            let body = try response.json()
            #expect(body["provider"] == "anthropic")
            #expect(body["response"]?.stringValue?.hasPrefix("anthropic:") == true)

            let execution = try await Self.execution(of: body, in: harness.store)
            #expect(execution.status == .success)
            #expect(execution.metadata["provider"] == "anthropic")
            let failures = try #require(execution.metadata["failed_attempts"]?.arrayValue)
            #expect(failures.count == 1)
            #expect(failures.first?["provider"] == "openai")
            #expect(failures.first?["failure"] == "status 500")
            #expect(failures.first?["message"]?.stringValue?.isEmpty == false)
            // Anthropic's answer is priced too (plus the classification).
            let prompt = try #require(execution.metadata["prompt_tokens"]?.intValue)
            let completion = try #require(execution.metadata["completion_tokens"]?.intValue)
            let model = try #require(execution.metadata["model"]?.stringValue)
            #expect(model.hasPrefix("claude"))
            let expected =
                try Self.price(model, prompt: prompt, completion: completion)
                + Self.price("gpt-4o-mini", prompt: 200, completion: 20)
            #expect(execution.costUSD == expected)

            // The classification, then OpenAI's three attempts (429/5xx are retried), then one Anthropic call.
            let stats = try await mock.stats()
            #expect(stats.calls[Self.openAIPath] == 1 + 3)
            #expect(stats.calls[Self.anthropicPath] == 1)
            let anthropic = try #require(try await mock.requests(path: Self.anthropicPath).first)
            #expect(anthropic.headers["x-api-key"] == "sk-ant-mock")
        }
    }

    @Test("OpenAI answering malformed JSON falls back to Anthropic", arguments: TestEnvironment.storeKinds)
    func fallbackAfterMalformedJSON(kind: StoreKind) async throws {
        let routes: [String: JSONValue] = [
            Self.openAIPath: [Self.classification, ["malformed": true, "times": 10]]
        ]
        try await Self.withMock(kind, routes: routes) { harness, _, client in
            let response = try await client.chat(Self.question, as: ChatUsers.alice)
            #expect(response.status == .ok)
            let body = try response.json()
            #expect(body["provider"] == "anthropic")
            let execution = try await Self.execution(of: body, in: harness.store)
            let failure = try #require(execution.metadata["failed_attempts"]?.arrayValue?.first)
            #expect(failure["provider"] == "openai")
            #expect(failure["failure"] == "malformed response")
        }
    }

    @Test(
        "a 429 with Retry-After from OpenAI is waited out and retried, and OpenAI answers",
        arguments: TestEnvironment.storeKinds)
    func rateLimitedThenAnswers(kind: StoreKind) async throws {
        let routes: [String: JSONValue] = [
            Self.openAIPath: [Self.classification, ["status": 429, "retry_after": "1"]]
        ]
        try await Self.withMock(kind, routes: routes) { harness, mock, client in
            let response = try await client.chat(Self.question, as: ChatUsers.alice)
            #expect(response.status == .ok)
            let body = try response.json()
            #expect(body["provider"] == "openai")
            #expect(body["response"]?.stringValue?.hasPrefix("openai:") == true)
            let execution = try await Self.execution(of: body, in: harness.store)
            #expect(execution.metadata["failed_attempts"] == [])
            let calls = try await mock.requests(path: Self.openAIPath).map(\.call)
            #expect(calls == [1, 2, 3])
            #expect(try await mock.requests(path: Self.anthropicPath).isEmpty)
        }
    }

    @Test(
        "both providers failing is a 502 with a JSON error, and the failed turn is recorded",
        arguments: TestEnvironment.storeKinds)
    func bothFail(kind: StoreKind) async throws {
        let routes: [String: JSONValue] = [
            Self.openAIPath: [Self.unscriptedClassification, ["status": 500, "times": 10]],
            Self.anthropicPath: [["status": 503, "times": 10]],
        ]
        try await Self.withMock(kind, routes: routes) { harness, mock, client in
            let response = try await client.chat(Self.question, as: ChatUsers.alice)
            #expect(response.status == .badGateway)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            let error = try #require(try response.json()["error"])
            #expect(error["status"] == 502)
            #expect(error["message"] == "the chat provider was unavailable")
            #expect(!response.text.contains("sk-mock-openai") && !response.text.contains("sk-ant-mock"))

            let conversations = try await harness.conversations(of: ChatUsers.alice, startingWith: Self.question)
            let conversation = try #require(conversations.first)
            #expect(conversations.count == 1)
            #expect(conversation.status == .failed)
            #expect(conversation.messages.map(\.role) == ["user"])
            let executions = try await harness.store.executions(conversationID: conversation.id)
            let execution = try #require(executions.first)
            #expect(executions.count == 1)
            #expect(execution.status == .failed)
            #expect(execution.error?.isEmpty == false)
            let failures = try #require(execution.metadata["failed_attempts"]?.arrayValue)
            #expect(failures.compactMap { $0["provider"]?.stringValue } == ["openai", "anthropic"])
            #expect(failures.compactMap { $0["failure"]?.stringValue } == ["status 500", "status 503"])

            // The conversation stays usable: once the providers recover, it continues where it was.
            try await mock.replaceScript(["routes": [:]])
            let retry = try await client.chat(
                "Sorry, again: how late can I cancel?", as: ChatUsers.alice, conversation: conversation.id.canonical)
            #expect(retry.status == .ok)
            let recovered = try #require(
                try await harness.store.conversation(id: conversation.id, userID: ChatUsers.alice))
            #expect(recovered.messages.map(\.role) == ["user", "user", "assistant"])
            #expect(recovered.status == .active)
            #expect(
                try await harness.store.executions(conversationID: conversation.id).map(\.status) == [
                    .failed, .success,
                ])
        }
    }

    @Test("streaming through OpenAI delivers its deltas as token events", arguments: TestEnvironment.storeKinds)
    func streamingThroughOpenAI(kind: StoreKind) async throws {
        try await Self.withMock(kind, routes: [Self.openAIPath: [Self.classification]], live: true) {
            harness, mock, client in
            let response = try await client.post(
                "/v1/chat?stream=true", json: ["message": .string(Self.question)],
                token: ChatTokens.user(ChatUsers.alice))
            #expect(response.status == .ok)
            let events = ServerSentEvent.parse(response.text)
            let deltas = try events.filter { $0.event == "token" }.map { try #require($0.json()["delta"]?.stringValue) }
            #expect(deltas.count > 2)
            let done = try #require(events.last)
            #expect(done.event == "done")
            let final = try done.json()
            #expect(final["provider"] == "openai")
            #expect(deltas.joined() == final["response"]?.stringValue)
            #expect(deltas.joined().hasPrefix("openai:"))
            // The answer was asked for as a stream.
            let answerRequest = try #require(try await mock.requests(path: Self.openAIPath).last)
            #expect(answerRequest.json?["stream"] == true)
            let execution = try await Self.execution(of: final, in: harness.store)
            #expect(execution.metadata["provider"] == "openai")
            #expect(execution.costUSD != nil)
        }
    }
}
