import Foundation
import NightshiftCore
import NightshiftTestSupport
import NightshiftHTTP
import Testing

@Suite("Retries: backoff with full jitter, Retry-After, a clear error after the last try")
struct RetryTests {
    let client = HTTPClient(maxConcurrentTransfers: 4)

    @Test("two 429s with Retry-After: 1, then success: each wait is the server's second")
    func retryAfterSeconds() async throws {
        let server = try await MockServer.start(
            script: #"{"routes": {"/echo": [{"times": 2, "status": 429, "retry_after": "1"}]}}"#)
        defer { server.stop() }
        let recorder = SleepRecorder()
        let response = try await client.send(HTTPRequest(url: server.url("/echo")), retry: recorder.policy())
        #expect(response.status == 200)
        #expect(recorder.recorded == [.seconds(1), .seconds(1)])
        #expect(try await server.requests(path: "/echo").count == 3)
    }

    @Test("a 503 with an HTTP-date Retry-After waits until that date")
    func retryAfterDate() async throws {
        let server = try await MockServer.start(
            script: #"{"routes": {"/echo": [{"status": 503, "retry_after": "date+30"}]}}"#)
        defer { server.stop() }
        let recorder = SleepRecorder()
        let response = try await client.send(HTTPRequest(url: server.url("/echo")), retry: recorder.policy())
        #expect(response.status == 200)
        let wait = try #require(recorder.recorded.first)
        // The date has whole seconds and was made some moments before it was read (more on a loaded machine);
        // a backoff would be under a second and a misread cap 60 s.
        #expect(wait > .seconds(20) && wait <= .seconds(30))
    }

    @Test("a Retry-After beyond the cap waits only the cap")
    func retryAfterCapped() async throws {
        let server = try await MockServer.start(
            script: #"{"routes": {"/echo": [{"status": 429, "retry_after": "3600"}]}}"#)
        defer { server.stop() }
        let recorder = SleepRecorder()
        var policy = recorder.policy()
        policy.maxRetryAfter = .seconds(5)
        _ = try await client.send(HTTPRequest(url: server.url("/echo")), retry: policy)
        #expect(recorder.recorded == [.seconds(5)])
    }

    @Test("without Retry-After, waits follow exponential backoff with full jitter")
    func backoffWithoutRetryAfter() async throws {
        let server = try await MockServer.start(script: #"{"routes": {"/echo": [{"times": 3, "status": 500}]}}"#)
        defer { server.stop() }
        let recorder = SleepRecorder()
        // random() = 1 picks the top of each jitter range: 0.5 s, 1 s, 2 s.
        let response = try await client.send(
            HTTPRequest(url: server.url("/echo")), retry: recorder.policy(random: { 1 }))
        #expect(response.status == 200)
        #expect(recorder.recorded == [.milliseconds(500), .seconds(1), .seconds(2)])
    }

    @Test("after the last try the error says how many attempts were made and the last status")
    func exhausted() async throws {
        let server = try await MockServer.start(script: #"{"routes": {"/echo": [{"times": 10, "status": 503}]}}"#)
        defer { server.stop() }
        let recorder = SleepRecorder()
        var request = HTTPRequest(url: server.url("/echo"))
        request.provider = "openai"
        let error = try await #require(throws: NightshiftError.self) {
            try await client.send(request, retry: recorder.policy(maxAttempts: 3))
        }
        #expect(error.code == .http)
        #expect(error.httpStatus == 503)
        #expect(error.httpAttempts == 3)
        #expect(error.context["provider"] == "openai")
        #expect(error.description.contains("gave up after 3 attempts; last: HTTP 503 Service Unavailable"))
        #expect(recorder.recorded.count == 2)
        #expect(try await server.requests(path: "/echo").count == 3)
    }

    @Test("a dropped connection and a timeout are retried")
    func transportErrorsRetried() async throws {
        let server = try await MockServer.start(
            script: #"{"routes": {"/echo": [{"disconnect": true}, {"sleep": 3, "status": 200}]}}"#)
        defer { server.stop() }
        let recorder = SleepRecorder()
        let request = HTTPRequest(url: server.url("/echo"), timeouts: HTTPTimeouts(total: .seconds(1)))
        let response = try await client.send(request, retry: recorder.policy())
        #expect(response.status == 200)
        #expect(recorder.recorded.count == 2)
        #expect(try await server.requests(path: "/echo").count == 3)
    }

    @Test("a streamed request is retried until a good head arrives")
    func streamRetried() async throws {
        let server = try await MockServer.start(script: #"{"routes": {"/sse": [{"status": 429, "retry_after": "0"}]}}"#)
        defer { server.stop() }
        let recorder = SleepRecorder()
        let response = try await client.stream(HTTPRequest(url: server.url("/sse?count=2")), retry: recorder.policy())
        var count = 0
        for try await _ in response.events() { count += 1 }
        #expect(count == 2)
        #expect(recorder.recorded == [.zero])
    }

    @Test("Retry-After parses delta-seconds and the three HTTP-date forms, and rejects garbage")
    func parseRetryAfter() throws {
        let now = try #require(ISO8601DateFormatter().date(from: "2015-10-21T07:27:00Z"))
        #expect(RetryPolicy.parseRetryAfter("120", now: now) == .seconds(120))
        #expect(RetryPolicy.parseRetryAfter(" 0 ", now: now) == .zero)
        #expect(RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now: now) == .seconds(60))
        #expect(RetryPolicy.parseRetryAfter("Wednesday, 21-Oct-15 07:28:00 GMT", now: now) == .seconds(60))
        #expect(RetryPolicy.parseRetryAfter("Wed Oct 21 07:28:00 2015", now: now) == .seconds(60))
        #expect(RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now: now) == .zero)
        #expect(RetryPolicy.parseRetryAfter("soon", now: now) == nil)
        #expect(RetryPolicy.parseRetryAfter("-5", now: now) == nil)
        #expect(RetryPolicy.parseRetryAfter("", now: now) == nil)
    }

    @Test("full jitter stays within the doubling ceiling, which the cap bounds")
    func jitterBounds() {
        let top = RetryPolicy(baseDelay: .seconds(1), maxDelay: .seconds(10), random: { 1 })
        #expect(
            (1...6).map { top.delay(afterAttempt: $0, retryAfter: nil) }
                == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10)])
        let bottom = RetryPolicy(random: { 0 })
        #expect(bottom.delay(afterAttempt: 3, retryAfter: nil) == .zero)
        let half = RetryPolicy(baseDelay: .seconds(1), random: { 0.5 })
        #expect(half.delay(afterAttempt: 2, retryAfter: nil) == .seconds(1))
        #expect(half.delay(afterAttempt: 2, retryAfter: .seconds(7)) == .seconds(7))
    }

    @Test("429 and 5xx are retried; other statuses are not")
    func retryableStatuses() {
        let policy = RetryPolicy.standard
        #expect([429, 500, 502, 503, 504, 529].allSatisfy(policy.shouldRetry(status:)))
        #expect(![400, 401, 403, 404, 409, 422].contains(where: policy.shouldRetry(status:)))
    }
}
