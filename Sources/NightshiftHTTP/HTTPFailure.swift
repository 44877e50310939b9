import Foundation
import NightshiftCore

/// Why an HTTP call failed, stored as the error's `reason` so callers can tell the cases apart.
public enum HTTPFailure: String, Sendable, CaseIterable {
    /// The server answered with a status that is an error (see `httpStatus`).
    case status
    /// The whole transfer took longer than its total timeout.
    case timeout
    /// The connection could not be established within the connect timeout.
    case connectTimeout = "connect_timeout"
    /// No byte arrived for longer than the idle timeout.
    case idleTimeout = "idle_timeout"
    /// The body was larger than the request's `maxResponseBytes`.
    case tooLarge = "too_large"
    /// More redirects than the request allows.
    case tooManyRedirects = "too_many_redirects"
    /// The URL is not an http(s) URL curl accepts.
    case invalidURL = "invalid_url"
    /// Connection refused or reset, DNS failure, TLS failure and other transport errors.
    case transport
    /// The body arrived but is not what the protocol requires (malformed JSON, a bad event stream).
    case malformedResponse = "malformed_response"

    /// Whether a retry may succeed: timeouts and transport errors, never limits or bad URLs.
    public var isTransient: Bool {
        switch self {
        case .timeout, .connectTimeout, .idleTimeout, .transport: return true
        case .status, .tooLarge, .tooManyRedirects, .invalidURL, .malformedResponse: return false
        }
    }

    /// Whether this failure is one of the timeouts.
    public var isTimeout: Bool { self == .timeout || self == .connectTimeout || self == .idleTimeout }
}

extension NightshiftError {
    /// The HTTP failure kind of this error, when it came from an HTTP call.
    public var httpFailure: HTTPFailure? { reason.flatMap(HTTPFailure.init(rawValue:)) }

    /// How many attempts were made before this error, when retries were involved.
    public var httpAttempts: Int? { attempts }

    /// An HTTP error naming the request's URL (redacted) and provider; `message` is scrubbed of its secrets.
    public static func http(
        _ failure: HTTPFailure, _ message: String, request: HTTPRequest, status: Int? = nil, attempts: Int? = nil,
        extra: [String: String] = [:]
    ) -> NightshiftError {
        var context = extra.mapValues { request.scrub($0) }
        context["url"] = request.redactedURL
        if let provider = request.provider { context["provider"] = provider }
        return NightshiftError(
            .http, request.scrub(message), context: context, reason: failure.rawValue, httpStatus: status,
            attempts: attempts)
    }
}

extension HTTPResponse {
    /// A short, secret-free summary of an error body: `error.message` (OpenAI, Anthropic), `error`, `message` or
    /// `detail` of a JSON body, else nothing (a body may hold user data).
    func errorSummary(scrubbing request: HTTPRequest) -> String? {
        guard !body.isEmpty, body.count <= 1 << 20,
            let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any]
        else { return nil }
        var text: String?
        if let error = object["error"] as? [String: Any] {
            text = error["message"] as? String
            if let type = error["type"] as? String {
                text = text.map { "\(type): \($0)" } ?? type
            }
        } else if let error = object["error"] as? String {
            text = error
        } else if let message = object["message"] as? String {
            text = message
        } else if let detail = object["detail"] as? String {
            text = detail
        }
        guard var summary = text?.trimmingCharacters(in: .whitespacesAndNewlines), !summary.isEmpty else { return nil }
        summary = request.scrub(summary)
        if summary.count > 300 { summary = String(summary.prefix(300)) + "…" }
        return summary
    }
}

/// Phrases for status codes in messages.
enum HTTPStatusText {
    static func phrase(_ status: Int) -> String {
        switch status {
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 413: return "Content Too Large"
        case 415: return "Unsupported Media Type"
        case 422: return "Unprocessable Content"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        case 529: return "Overloaded"
        default: return ""
        }
    }

    static func describe(_ status: Int) -> String {
        let phrase = phrase(status)
        return phrase.isEmpty ? "HTTP \(status)" : "HTTP \(status) \(phrase)"
    }
}
