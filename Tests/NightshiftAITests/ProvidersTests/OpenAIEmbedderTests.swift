import Foundation
import NightshiftAI
import NightshiftCore
import NightshiftTestSupport
import NightshiftHTTP
import Testing

@Suite("OpenAI-compatible embedder against a loopback server speaking the real wire format")
struct OpenAIEmbedderTests {
    static let key = Secret("sk-embed-Secret-0123456789abcdef")
    let client = HTTPClient(maxConcurrentTransfers: 8)

    private func embedder(
        _ server: MockServer, dimensions: Int = 16, inputs: Int = 2048, tokens: Int = 300_000, perInput: Int = 8191,
        concurrency: Int = 4, retry: RetryPolicy
    ) -> OpenAIEmbedder {
        OpenAIEmbedder(
            settings: OpenAIEmbedder.Settings(
                baseURL: server.baseURL, apiKey: OpenAIEmbedderTests.key, model: "text-embedding-3-small",
                dimensions: dimensions, maxInputsPerRequest: inputs, maxTokensPerRequest: tokens,
                maxTokensPerInput: perInput, maxConcurrentRequests: concurrency, retry: retry),
            client: client)
    }

    /// The `input` arrays the server received, ordered by the number in their first text.
    private func receivedBatches(_ server: MockServer) async throws -> [[String]] {
        let batches = try await server.requests(path: "/v1/embeddings").map { request -> [String] in
            guard case .object(let body)? = request.json, case .array(let inputs)? = body["input"] else { return [] }
            return inputs.compactMap { if case .string(let text) = $0 { return text } else { return nil } }
        }
        return batches.sorted { number(in: $0.first ?? "") < number(in: $1.first ?? "") }
    }

    private func number(in text: String) -> Int {
        Int(text.split(whereSeparator: { !$0.isNumber }).first ?? "") ?? -1
    }

    private func texts(_ count: Int) -> [String] { (0..<count).map { "doc \($0)" } }

    @Test("inputs are batched by count, sent with model, dimensions, float encoding and the key, and kept in order")
    func batchesByCount() async throws {
        let server = try await MockServer.start()
        defer { server.stop() }
        let result = try await embedder(server, inputs: 3, retry: SleepRecorder().policy()).embed(texts(8))
        #expect(try await receivedBatches(server).map(\.count) == [3, 3, 2])
        #expect(result.requestCount == 3)
        #expect(result.vectors.count == 8)
        // The mock puts the number found in each text at position 1 of its vector.
        #expect(result.vectors.map { Int($0[1]) } == Array(0..<8))
        #expect(result.vectors.allSatisfy { $0.count == 16 })
        #expect(result.truncatedCount == 0)
        let first = try #require(try await server.requests(path: "/v1/embeddings").first)
        #expect(first.headers["authorization"] == "Bearer \(OpenAIEmbedderTests.key.value)")
        guard case .object(let body)? = first.json else {
            Issue.record("no JSON body")
            return
        }
        #expect(body["model"] == .string("text-embedding-3-small"))
        #expect(body["dimensions"] == .number(16))
        #expect(body["encoding_format"] == .string("float"))
    }

    @Test("inputs are batched by the token budget, never more than it per request")
    func batchesByTokenBudget() async throws {
        let server = try await MockServer.start()
        defer { server.stop() }
        let inputs = (0..<5).map { "item \($0) " + String(repeating: "alpha beta gamma ", count: 12) }
        let each = inputs.map(TokenEstimator.count)
        let budget = each[0] + each[1] + each[2] / 2
        let result = try await embedder(server, tokens: budget, retry: SleepRecorder().policy()).embed(inputs)
        let batches = try await receivedBatches(server)
        #expect(batches.map(\.count) == [2, 2, 1])
        #expect(batches.allSatisfy { $0.map(TokenEstimator.count).reduce(0, +) <= budget })
        #expect(result.vectors.map { Int($0[1]) } == Array(0..<5))
    }

    @Test("an input over the per-input limit is cut to fit and counted as truncated")
    func truncation() async throws {
        let server = try await MockServer.start()
        defer { server.stop() }
        let long = "story 1 " + String(repeating: "the quick brown fox jumps over the lazy dog ", count: 40)
        let inputs = ["short 0", long, "short 2"]
        let result = try await embedder(server, perInput: 50, retry: SleepRecorder().policy()).embed(inputs)
        #expect(result.truncatedCount == 1)
        let sent = try #require(try await receivedBatches(server).first)
        #expect(sent[0] == "short 0" && sent[2] == "short 2")
        #expect(long.hasPrefix(sent[1]) && sent[1].count < long.count)
        #expect(TokenEstimator.count(sent[1]) <= 50)
        // The mock's first number is the length of the text it embedded.
        #expect(Int(result.vectors[1][0]) == sent[1].count)
    }

    @Test("truncate cuts at a character boundary to a prefix whose estimate fits")
    func truncateUnit() {
        let text = "Ünïcødé 👩‍👩‍👧 " + String(repeating: "word ", count: 100)
        let (cut, tokens, truncated) = OpenAIEmbedder.truncate(text, maxTokens: 10)
        #expect(truncated)
        #expect(tokens <= 10 && TokenEstimator.count(cut) == tokens)
        #expect(text.hasPrefix(cut))
        let untouched = OpenAIEmbedder.truncate("short", maxTokens: 10)
        #expect(untouched.text == "short" && !untouched.truncated)
    }

    @Test("vectors are placed by the response's index, not by the order the data array lists them")
    func orderByIndex() async throws {
        let server = try await MockServer.start(
            script: #"{"routes": {"/v1/embeddings": [{"times": 100, "shuffle": true}]}}"#)
        defer { server.stop() }
        let result = try await embedder(server, inputs: 4, retry: SleepRecorder().policy()).embed(texts(10))
        #expect(result.vectors.map { Int($0[1]) } == Array(0..<10))
    }

    @Test("a 429 with Retry-After is waited out as the server asks, then the batch succeeds")
    func retryAfterHonoured() async throws {
        let server = try await MockServer.start(
            script: #"{"routes": {"/v1/embeddings": [{"times": 2, "status": 429, "retry_after": "1"}]}}"#)
        defer { server.stop() }
        let recorder = SleepRecorder()
        let result = try await embedder(server, retry: recorder.policy()).embed(texts(3))
        #expect(recorder.recorded == [.seconds(1), .seconds(1)])
        #expect(result.vectors.map { Int($0[1]) } == [0, 1, 2])
        #expect(try await server.requests(path: "/v1/embeddings").count == 3)
    }

    @Test("a 500 on the third batch is retried and the whole result is still right")
    func midBatchServerError() async throws {
        let server = try await MockServer.start(
            script: #"{"routes": {"/v1/embeddings": [{"times": 2}, {"status": 500}]}}"#)
        defer { server.stop() }
        let recorder = SleepRecorder()
        let result = try await embedder(server, inputs: 2, concurrency: 2, retry: recorder.policy()).embed(texts(10))
        #expect(result.vectors.map { Int($0[1]) } == Array(0..<10))
        #expect(result.requestCount == 5)
        #expect(recorder.recorded.count == 1)
        #expect(try await server.requests(path: "/v1/embeddings").count == 6)
    }

    @Test("after the last try the error names the attempts, status and provider, and never the key")
    func exhausted() async throws {
        let server = try await MockServer.start(
            script: #"{"routes": {"/v1/embeddings": [{"times": 50, "status": 503}]}}"#)
        defer { server.stop() }
        let error = try await #require(throws: NightshiftError.self) {
            try await embedder(server, retry: SleepRecorder().policy(maxAttempts: 3)).embed(texts(2))
        }
        #expect(error.httpAttempts == 3)
        #expect(error.httpStatus == 503)
        #expect(error.context["provider"] == "openai")
        #expect(error.description.contains("gave up after 3 attempts; last: HTTP 503 Service Unavailable"))
        #expect(!error.description.contains(OpenAIEmbedderTests.key.value))
    }

    @Test("a server echoing the key in its error message does not get it into the error")
    func keyNotLeaked() async throws {
        let server = try await MockServer.start(
            script: #"""
                {"routes": {"/v1/embeddings": [{"status": 401, "json": {"error": {
                    "message": "Incorrect API key provided: {auth}", "type": "invalid_request_error"}}}]}}
                """#)
        defer { server.stop() }
        let error = try await #require(throws: NightshiftError.self) {
            try await embedder(server, retry: SleepRecorder().policy()).embed(texts(1))
        }
        #expect(error.httpStatus == 401)
        #expect(error.description.contains("Incorrect API key provided: <redacted>"))
        #expect(!error.description.contains(OpenAIEmbedderTests.key.value))
    }

    @Test("vectors of the wrong dimension are a clear error")
    func wrongDimension() async throws {
        let server = try await MockServer.start(script: #"{"routes": {"/v1/embeddings": [{"dimension": 8}]}}"#)
        defer { server.stop() }
        let error = try await #require(throws: NightshiftError.self) {
            try await embedder(server, retry: SleepRecorder().policy()).embed(texts(2))
        }
        #expect(error.code == .provider)
        #expect(error.description.contains("a vector of 8 dimensions, expected 16"))
    }

    @Test("a response with the wrong number of vectors is a clear error")
    func wrongCount() async throws {
        let server = try await MockServer.start(script: #"{"routes": {"/v1/embeddings": [{"drop_one": true}]}}"#)
        defer { server.stop() }
        let error = try await #require(throws: NightshiftError.self) {
            try await embedder(server, retry: SleepRecorder().policy()).embed(texts(3))
        }
        #expect(error.description.contains("2 vectors for 3 inputs"))
    }

    @Test("malformed JSON is a malformed-response error")
    func malformed() async throws {
        let server = try await MockServer.start(script: #"{"routes": {"/v1/embeddings": [{"malformed": true}]}}"#)
        defer { server.stop() }
        let error = try await #require(throws: NightshiftError.self) {
            try await embedder(server, retry: SleepRecorder().policy()).embed(texts(3))
        }
        #expect(error.reason == "malformed_response")
    }

    @Test("no more requests run at once than the configured concurrency")
    func boundedConcurrency() async throws {
        let server = try await MockServer.start(
            script: #"{"routes": {"/v1/embeddings": [{"times": 100, "sleep": 0.15}]}}"#)
        defer { server.stop() }
        let result = try await embedder(server, inputs: 1, concurrency: 2, retry: SleepRecorder().policy())
            .embed(texts(6))
        #expect(result.vectors.map { Int($0[1]) } == Array(0..<6))
        let stats = try await server.stats()
        #expect(stats.calls["/v1/embeddings"] == 6)
        #expect((stats.maxInFlight["/v1/embeddings"] ?? 0) <= 2)
    }

    @Test("a base URL ending in /v1 and an empty input both work")
    func baseURLWithV1AndEmptyInput() async throws {
        let server = try await MockServer.start()
        defer { server.stop() }
        let embedder = OpenAIEmbedder(
            settings: OpenAIEmbedder.Settings(
                baseURL: server.url("/v1/"), apiKey: nil, dimensions: 4, retry: SleepRecorder().policy()),
            client: client)
        let result = try await embedder.embed(["", "doc 1"])
        #expect(result.vectors.count == 2)
        #expect(try await server.requests().map(\.path) == ["/v1/embeddings"])
    }

    @Test("settings come from the configuration; OpenAI without a key is a configuration error")
    func configuration() throws {
        let settings = try OpenAIEmbedder.Settings(
            configuration: Configuration(values: [
                "OPENAI_BASE_URL": "http://127.0.0.1:11434/v1", "NIGHTSHIFT_EMBEDDING_MODEL": "nomic-embed-text",
                "NIGHTSHIFT_EMBEDDING_DIMENSIONS": "768",
            ]))
        #expect(settings.model == "nomic-embed-text" && settings.dimensions == 768 && settings.apiKey == nil)
        #expect(settings.baseURL.absoluteString == "http://127.0.0.1:11434/v1")
        let error = try #require(throws: NightshiftError.self) {
            try OpenAIEmbedder.Settings(configuration: Configuration())
        }
        #expect(error.code == .configuration)
    }
}
