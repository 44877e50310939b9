import Foundation
import NightshiftCore

/// An HTTP client over libcurl: each transfer runs on a thread of its own, never on Swift's cooperative pool, and
/// at most `maxConcurrentTransfers` run at once (callers beyond that wait their turn without blocking a thread).
///
/// Connections are kept and reused across transfers. Cancelling the calling task aborts its transfer at once.
/// `send` and `stream` return any status; the `retry:` variants (see `HTTPClient+Retry.swift`) turn error statuses
/// into errors after retrying the transient ones.
public final class HTTPClient: Sendable {
    /// A client shared by the whole process, with the default limits.
    public static let shared = HTTPClient()

    /// How many transfers run at the same time at most.
    public let maxConcurrentTransfers: Int
    /// The `User-Agent` sent with every request.
    public let userAgent: String
    private let limiter: AsyncSemaphore
    private let pool: CurlHandlePool

    /// A client running at most `maxConcurrentTransfers` transfers at once.
    public init(maxConcurrentTransfers: Int = 16, userAgent: String = "nightshift/0.1 libcurl") {
        self.maxConcurrentTransfers = max(1, maxConcurrentTransfers)
        self.userAgent = userAgent
        limiter = AsyncSemaphore(permits: self.maxConcurrentTransfers)
        pool = CurlHandlePool(capacity: self.maxConcurrentTransfers)
    }

    /// Sends a request and returns the whole response, whatever its status.
    ///
    /// Throws `NightshiftError(.http)` for transport failures, timeouts and a body over `maxResponseBytes` (see
    /// `httpFailure`), and `NightshiftError(.cancelled)` when the task is cancelled.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await acquire(request)
        let transfer = CurlTransfer(request: request, userAgent: userAgent, pool: pool) { [limiter] in
            limiter.release()
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                transfer.start(.collect(continuation))
            }
        } onCancel: {
            transfer.cancel()
        }
    }

    /// Sends a request and returns as soon as the response head arrives; the body follows as a stream of chunks.
    ///
    /// Dropping the body stream or cancelling the task that reads it aborts the transfer. Errors as for `send`;
    /// errors after the head arrived end the body stream.
    public func stream(_ request: HTTPRequest) async throws -> HTTPStreamingResponse {
        try await acquire(request)
        let (body, bodyContinuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let transfer = CurlTransfer(request: request, userAgent: userAgent, pool: pool) { [limiter] in
            limiter.release()
        }
        bodyContinuation.onTermination = { termination in
            if case .cancelled = termination { transfer.cancel() }
        }
        let head = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                transfer.start(.stream(head: continuation, body: bodyContinuation))
            }
        } onCancel: {
            transfer.cancel()
        }
        return HTTPStreamingResponse(status: head.status, headers: head.headers, url: head.url, body: body)
    }

    private func acquire(_ request: HTTPRequest) async throws {
        do {
            try await limiter.acquire()
        } catch {
            var context = ["url": request.redactedURL]
            if let provider = request.provider { context["provider"] = provider }
            throw NightshiftError(.cancelled, "HTTP request cancelled", context: context)
        }
    }
}
