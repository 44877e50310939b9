import Foundation
import NightshiftAI
import NightshiftCore
import NightshiftHTTP
import Testing

@Suite("Provider chain: OpenAI first, Anthropic when it fails, with the reasons recorded")
struct ProviderChainTests {
    private func chain(_ fixture: ChatFixture, openAIAttempts: Int = 2, openAITimeout: Duration? = nil)
        -> ProviderChain
    {
        ProviderChain([
            .init(fixture.openAI(attempts: openAIAttempts), timeout: openAITimeout),
            .init(fixture.anthropic(attempts: 2)),
        ])
    }

    @Test("OpenAI answering first: no fallback, nothing recorded")
    func firstAnswers() async throws {
        let fixture = try await ChatFixture.make()
        defer { fixture.server.stop() }
        let response = try await chain(fixture).complete(ChatFixture.request)
        #expect(response.provider == "openai")
        #expect(response.failedAttempts.isEmpty)
        #expect(try await fixture.server.requests(path: "/v1/messages").isEmpty)
    }

    @Test("OpenAI failing with 500 after its retries: Anthropic answers, and the status is recorded")
    func fallbackOnStatus() async throws {
        let fixture = try await ChatFixture.make(
            script: #"{"routes": {"/v1/chat/completions": [{"times": 10, "status": 500}]}}"#)
        defer { fixture.server.stop() }
        let response = try await chain(fixture).complete(ChatFixture.request)
        #expect(response.provider == "anthropic")
        #expect(response.content == "anthropic: hello there")
        let attempt = try #require(response.failedAttempts.first)
        #expect(response.failedAttempts.count == 1)
        #expect(attempt.provider == "openai" && attempt.model == "gpt-4-turbo")
        #expect(attempt.failure == .status(500))
        #expect(attempt.message.contains("gave up after 2 attempts"))
        #expect(try await fixture.server.requests(path: "/v1/chat/completions").count == 2)
    }

    @Test("OpenAI timing out: Anthropic answers, and the timeout is recorded")
    func fallbackOnTimeout() async throws {
        let fixture = try await ChatFixture.make(
            script: #"{"routes": {"/v1/chat/completions": [{"times": 10, "sleep": 5}]}}"#)
        defer { fixture.server.stop() }
        let response = try await chain(fixture, openAIAttempts: 1, openAITimeout: .milliseconds(500))
            .complete(ChatFixture.request)
        #expect(response.provider == "anthropic")
        #expect(response.failedAttempts.map(\.failure) == [.timeout])
    }

    @Test("OpenAI answering malformed JSON: Anthropic answers, and the reason is recorded")
    func fallbackOnMalformed() async throws {
        let fixture = try await ChatFixture.make(
            script: #"{"routes": {"/v1/chat/completions": [{"malformed": true}]}}"#)
        defer { fixture.server.stop() }
        let response = try await chain(fixture).complete(ChatFixture.request)
        #expect(response.provider == "anthropic")
        #expect(response.failedAttempts.map(\.failure) == [.malformedResponse])
    }

    @Test("all providers failing: one error listing every attempt, without any key")
    func allFail() async throws {
        let fixture = try await ChatFixture.make(
            script: #"""
                {"routes": {"/v1/chat/completions": [{"times": 10, "status": 503}],
                            "/v1/messages": [{"times": 10, "status": 429, "retry_after": "2"}]}}
                """#)
        defer { fixture.server.stop() }
        let error = try await #require(throws: NightshiftError.self) {
            try await chain(fixture).complete(ChatFixture.request)
        }
        #expect(error.code == .provider)
        let failure = try #require(error.cause as? ProviderChainFailure)
        #expect(failure.attempts.map(\.provider) == ["openai", "anthropic"])
        #expect(failure.attempts.map(\.failure) == [.status(503), .status(429)])
        #expect(error.description.contains("all 2 chat providers failed"))
        #expect(error.description.contains("openai (gpt-4-turbo): status 503"))
        #expect(error.description.contains("anthropic (claude-sonnet-4-5-20250929): status 429"))
        #expect(!error.description.contains(ChatFixture.openAIKey.value))
        #expect(!error.description.contains(ChatFixture.anthropicKey.value))
        // Anthropic's Retry-After was honoured between its two attempts.
        #expect(fixture.recorder.recorded.contains(.seconds(2)))
    }

    @Test("each provider gets its own model: the request's for the first, the default for the fallback")
    func modelsPerLink() async throws {
        let fixture = try await ChatFixture.make(
            script: #"{"routes": {"/v1/chat/completions": [{"times": 10, "status": 500}]}}"#)
        defer { fixture.server.stop() }
        var request = ChatFixture.request
        request.model = "gpt-4o-mini"
        let response = try await chain(fixture).complete(request)
        #expect(response.failedAttempts.first?.model == "gpt-4o-mini")
        #expect(try await fixture.body("/v1/chat/completions")["model"] == .string("gpt-4o-mini"))
        #expect(try await fixture.body("/v1/messages")["model"] == .string("claude-sonnet-4-5-20250929"))
    }

    @Test("streaming falls back before the first delta, and the final event records why")
    func streamingFallback() async throws {
        let fixture = try await ChatFixture.make(
            script: #"{"routes": {"/v1/chat/completions": [{"times": 10, "status": 429}]}}"#)
        defer { fixture.server.stop() }
        let (deltas, done) = try await ChatFixture.collect(chain(fixture).stream(ChatFixture.request))
        #expect(deltas == ["anthropic:", " hello", " there"])
        let response = try #require(done)
        #expect(response.provider == "anthropic")
        #expect(response.usage == ChatUsage(promptTokens: 5, completionTokens: 3))
        #expect(response.failedAttempts.map(\.failure) == [.status(429)])
    }

    @Test("a malformed stream from OpenAI before any text falls back to Anthropic")
    func streamingMalformedFallback() async throws {
        // An event stream whose first event is not JSON: OpenAI fails before any text.
        let fixture = try await ChatFixture.make(
            script: #"""
                {"routes": {"/v1/chat/completions": [{"status": 200, "body": "data: {not json\n\n",
                                                      "headers": {"Content-Type": "text/event-stream"}}]}}
                """#)
        defer { fixture.server.stop() }
        let (deltas, done) = try await ChatFixture.collect(chain(fixture).stream(ChatFixture.request))
        #expect(deltas.joined() == "anthropic: hello there")
        #expect(done?.failedAttempts.map(\.failure) == [.malformedResponse])
    }
}
