import Foundation
import NightshiftCore

extension HTTPClient {
    /// Sends a request with retries; returns the first answer with a status below 400.
    ///
    /// A 429 or 5xx answer, a timeout or a transport error is retried per `policy`; any other 4xx is an error at
    /// once. The error after the last attempt says how many attempts were made and what the last one got
    /// (`httpAttempts`, `httpStatus`, `httpFailure`); a provider's error message from the body is included,
    /// scrubbed of the request's credentials.
    public func send(_ request: HTTPRequest, retry policy: RetryPolicy) async throws -> HTTPResponse {
        try await withRetries(request, policy) {
            let response = try await self.send(request)
            return response.status < 400 ? .success(response) : .failure(response)
        }
    }

    /// Streams a request with retries: a failing answer is retried before any body is handed out; once a
    /// successful head arrives, its body is returned as a stream (a failure midway ends that stream).
    public func stream(_ request: HTTPRequest, retry policy: RetryPolicy) async throws -> HTTPStreamingResponse {
        try await withRetries(request, policy) {
            let response = try await self.stream(request)
            return response.status < 400 ? .success(response) : .failure(try await response.collect())
        }
    }

    private enum Outcome<Value> {
        case success(Value)
        case failure(HTTPResponse)
    }

    private func withRetries<Value>(
        _ request: HTTPRequest, _ policy: RetryPolicy, attempt perform: () async throws -> Outcome<Value>
    ) async throws -> Value {
        var attempt = 0
        while true {
            attempt += 1
            let outcome: Result<Outcome<Value>, any Error>
            do {
                outcome = .success(try await perform())
            } catch {
                outcome = .failure(error)
            }
            let failure: NightshiftError
            var retryAfter: Duration?
            switch outcome {
            case .success(.success(let value)):
                return value
            case .success(.failure(let response)):
                failure = HTTPClient.statusError(response, request: request, attempts: attempt)
                guard policy.shouldRetry(status: response.status) else { throw failure }
                retryAfter = response.headers["Retry-After"].flatMap { RetryPolicy.parseRetryAfter($0) }
            case .failure(let error):
                guard var error = error as? NightshiftError, error.code == .http,
                    error.httpFailure?.isTransient == true
                else { throw error }
                error.attempts = attempt
                failure = error
            }
            if attempt >= policy.maxAttempts {
                throw HTTPClient.exhausted(failure, attempts: attempt)
            }
            do {
                try await policy.sleep(policy.delay(afterAttempt: attempt, retryAfter: retryAfter))
            } catch {
                var context = ["url": request.redactedURL]
                if let provider = request.provider { context["provider"] = provider }
                throw NightshiftError(.cancelled, "HTTP request cancelled while waiting to retry", context: context)
            }
        }
    }

    /// The error for an answer with an error status: `HTTP 404 Not Found: <provider message>`.
    static func statusError(_ response: HTTPResponse, request: HTTPRequest, attempts: Int) -> NightshiftError {
        var message = HTTPStatusText.describe(response.status)
        if let summary = response.errorSummary(scrubbing: request) { message += ": \(summary)" }
        return .http(.status, message, request: request, status: response.status, attempts: attempts)
    }

    /// The error after the last attempt: the last failure, prefixed with the count.
    static func exhausted(_ last: NightshiftError, attempts: Int) -> NightshiftError {
        guard attempts > 1 else { return last }
        var error = last
        error.message = "gave up after \(attempts) attempts; last: \(last.message)"
        error.attempts = attempts
        return error
    }
}
