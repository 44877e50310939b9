import Foundation
import NightshiftCore
import NightshiftTestSupport
import NightshiftHTTP
import Testing

@Suite("HTTP client over libcurl, against a real server on 127.0.0.1")
struct HTTPClientTests {
    let client = HTTPClient(maxConcurrentTransfers: 8)

    @Test("a response carries status, case-insensitive headers, repeated fields, content type and charset")
    func headersAndContentType() async throws {
        let server = try await MockServer.start()
        defer { server.stop() }
        let response = try await client.send(HTTPRequest(url: server.url("/headers")))
        #expect(response.status == 200)
        #expect(response.text == "ok")
        #expect(response.headers["x-mixed-case"] == "one")
        #expect(response.headers["X-MIXED-CASE"] == "one")
        #expect(response.headers.values(for: "set-cookie") == ["a=1", "b=2"])
        #expect(response.contentType == "text/html; charset=ISO-8859-1")
        #expect(response.mediaType == "text/html")
        #expect(response.charset == "iso-8859-1")
    }

    @Test("redirects are followed to the final URL")
    func followsRedirects() async throws {
        let server = try await MockServer.start()
        defer { server.stop() }
        let response = try await client.send(HTTPRequest(url: server.url("/redirect/3")))
        #expect(response.status == 200)
        #expect(response.text == "arrived")
        #expect(response.url.path == "/redirect/0")
        #expect(
            try await server.requests().map(\.path) == ["/redirect/3", "/redirect/2", "/redirect/1", "/redirect/0"])
    }

    @Test("with redirects off, the 3xx answer is returned as it is")
    func redirectsOff() async throws {
        let server = try await MockServer.start()
        defer { server.stop() }
        let response = try await client.send(HTTPRequest(url: server.url("/redirect/3"), redirects: .none))
        #expect(response.status == 302)
        #expect(response.headers["location"] == "/redirect/2")
        #expect(response.url.path == "/redirect/3")
    }

    @Test("more redirects than allowed is a too-many-redirects error")
    func tooManyRedirects() async throws {
        let server = try await MockServer.start()
        defer { server.stop() }
        let error = try await #require(throws: NightshiftError.self) {
            try await client.send(HTTPRequest(url: server.url("/redirect/5"), redirects: .follow(max: 2)))
        }
        #expect(error.code == .http)
        #expect(error.httpFailure == .tooManyRedirects)
    }

    @Test("a 404 is a response for send, and an error naming status and URL for send with retries, not retried")
    func notFound() async throws {
        let server = try await MockServer.start()
        defer { server.stop() }
        let plain = try await client.send(HTTPRequest(url: server.url("/status/404")))
        #expect(plain.status == 404)

        let recorder = SleepRecorder()
        var request = HTTPRequest(url: server.url("/status/404?page=2"))
        request.provider = "example"
        let error = try await #require(throws: NightshiftError.self) {
            try await client.send(request, retry: recorder.policy())
        }
        #expect(error.code == .http)
        #expect(error.httpFailure == .status)
        #expect(error.httpStatus == 404)
        #expect(error.httpAttempts == 1)
        #expect(error.context["provider"] == "example")
        #expect(error.context["url"] == server.url("/status/404?page=2").absoluteString)
        #expect(error.description.contains("HTTP 404 Not Found: status 404"))
        #expect(recorder.recorded.isEmpty)
        #expect(try await server.requests(path: "/status/404").count == 2)
    }

    @Test("a body under the limit arrives whole, in order")
    func bigBody() async throws {
        let server = try await MockServer.start()
        defer { server.stop() }
        let size = 5_000_000
        let response = try await client.send(
            HTTPRequest(url: server.url("/bytes/\(size)?chunked=1"), maxResponseBytes: size))
        #expect(response.body.count == size)
        #expect(response.body.allSatisfy { $0 == UInt8(ascii: "x") })
    }

    @Test("a body over the limit is a too-large error, announced by Content-Length or found while chunked")
    func bodyOverLimit() async throws {
        let server = try await MockServer.start()
        defer { server.stop() }
        for path in ["/bytes/2000000", "/bytes/2000000?chunked=1"] {
            let error = try await #require(throws: NightshiftError.self) {
                try await client.send(HTTPRequest(url: server.url(path), maxResponseBytes: 1_000_000))
            }
            #expect(error.httpFailure == .tooLarge, "\(path)")
            #expect(error.description.contains("exceeds the limit of 1000000 bytes"))
        }
    }

    @Test("a response slower than the total timeout is a timeout error, distinct from the others")
    func totalTimeout() async throws {
        let server = try await MockServer.start()
        defer { server.stop() }
        let request = HTTPRequest(
            url: server.url("/slow?delay=5"), timeouts: HTTPTimeouts(connect: .seconds(2), total: .milliseconds(500)))
        let error = try await #require(throws: NightshiftError.self) { try await client.send(request) }
        #expect(error.httpFailure == .timeout)
        #expect(error.description.contains("total timeout"))
    }

    @Test("a peer that stops sending is an idle timeout")
    func idleTimeout() async throws {
        let server = try await MockServer.start()
        defer { server.stop() }
        let request = HTTPRequest(
            url: server.url("/stall?after=10&delay=6"),
            timeouts: HTTPTimeouts(connect: .seconds(2), total: .seconds(30), idle: .seconds(1)))
        let error = try await #require(throws: NightshiftError.self) { try await client.send(request) }
        #expect(error.httpFailure == .idleTimeout)
        #expect(error.description.contains("idle timeout"))
    }

    @Test("a streamed body arrives as it is sent: the first chunk comes before the server has finished")
    func streamingDeliversEarly() async throws {
        let server = try await MockServer.start()
        defer { server.stop() }
        // The server sends 10 bytes, then waits 3 s before the rest: a buffering client would hand out 14 at once.
        let response = try await client.stream(HTTPRequest(url: server.url("/stall?after=10&delay=3")))
        #expect(response.status == 200)
        var iterator = response.body.makeAsyncIterator()
        let first = try await iterator.next()
        #expect(first == Array(repeating: UInt8(ascii: "y"), count: 10))
    }

    @Test("a chunked stream is delivered whole and in order")
    func chunkedStream() async throws {
        let server = try await MockServer.start()
        defer { server.stop() }
        let response = try await client.stream(HTTPRequest(url: server.url("/chunks?count=5&delay=0.02")))
        var text = ""
        for try await chunk in response.body {
            text += String(decoding: chunk, as: UTF8.self)
        }
        #expect(text == (0..<5).map { "chunk \($0)\n" }.joined())
    }

    @Test("server-sent events are parsed from the stream, partial lines joined and comments skipped")
    func serverSentEventsOverHTTP() async throws {
        let server = try await MockServer.start()
        defer { server.stop() }
        let response = try await client.stream(HTTPRequest(url: server.url("/sse?count=3")))
        var events: [ServerSentEvent] = []
        for try await event in response.events() {
            events.append(event)
        }
        #expect(events.map(\.event) == ["tick", "tick", "tick"])
        #expect(events.map(\.data) == ["{\"n\": 0}", "{\"n\": 1}", "{\"n\": 2}"])
        #expect(events.map(\.id) == ["0", "1", "2"])
    }

    @Test("cancelling the task aborts a transfer that is still waiting for the server")
    func cancellation() async throws {
        let server = try await MockServer.start()
        defer { server.stop() }
        let client = self.client
        let url = server.url("/slow?delay=10")
        let task = Task { try await client.send(HTTPRequest(url: url, timeouts: HTTPTimeouts(total: .seconds(30)))) }
        // Cancel only once the request is at the server, so the transfer itself is what gets aborted.
        while try await server.requests(path: "/slow").isEmpty {
            try await Task.sleep(for: .milliseconds(20))
        }
        task.cancel()
        let result = await task.result
        switch result {
        case .success(let response):
            Issue.record("the transfer was not aborted: got status \(response.status)")
        case .failure(let error):
            #expect((error as? NightshiftError)?.code == .cancelled)
        }
    }

    @Test("no more transfers run at once than the client allows")
    func boundedConcurrency() async throws {
        let server = try await MockServer.start()
        defer { server.stop() }
        let client = HTTPClient(maxConcurrentTransfers: 2)
        let url = server.url("/slow?delay=0.3")
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<6 {
                group.addTask { try await client.send(HTTPRequest(url: url)).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 6))
        let stats = try await server.stats()
        #expect(stats.calls["/slow"] == 6)
        #expect((stats.maxInFlight["/slow"] ?? 0) <= 2)
    }

    @Test("method, headers and body are sent as given")
    func echo() async throws {
        let server = try await MockServer.start()
        defer { server.stop() }
        let payload = Data("{\"hello\": \"wörld\"}".utf8)
        var request = HTTPRequest.postJSON(server.url("/echo?x=1"), body: payload, headers: ["X-Test": "yes"])
        request.method = .put
        let response = try await client.send(request)
        let echoed = try JSONValue.parse(response.text)
        guard case .object(let object) = echoed, case .object(let headers)? = object["headers"] else {
            Issue.record("not an object: \(response.text)")
            return
        }
        #expect(object["method"] == .string("PUT"))
        #expect(object["body"] == .string("{\"hello\": \"wörld\"}"))
        #expect(headers["x-test"] == .string("yes"))
        #expect(headers["content-type"] == .string("application/json"))

        let head = try await client.send(HTTPRequest(method: .head, url: server.url("/headers")))
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
    }

    @Test("a URL that is not http(s) is an invalid-URL error, before any network use")
    func invalidURL() async throws {
        let url = try #require(URL(string: "ftp://127.0.0.1/file"))
        let error = try await #require(throws: NightshiftError.self) { try await client.send(HTTPRequest(url: url)) }
        #expect(error.httpFailure == .invalidURL)
    }

    @Test("an error from the server never shows the API key the request sent")
    func secretsScrubbed() async throws {
        let key = "sk-test-Secret-1234567890"
        let server = try await MockServer.start(
            script: #"{"routes": {"/echo": [{"status": 401, "json": {"error": {"message": "bad key {auth}"}}}]}}"#)
        defer { server.stop() }
        var request = HTTPRequest(url: server.url("/echo"), headers: ["Authorization": "Bearer \(key)"])
        request.provider = "openai"
        let error = try await #require(throws: NightshiftError.self) {
            try await client.send(request, retry: SleepRecorder().policy())
        }
        // The server did echo the key; the error must not.
        #expect(try await server.requests(path: "/echo").first?.headers["authorization"] == "Bearer \(key)")
        #expect(error.httpStatus == 401)
        #expect(!error.description.contains(key))
        #expect(!"\(error.context)".contains(key))
        #expect(error.description.contains("bad key <redacted>"))
        #expect(!request.headers.description.contains(key))
    }
}
