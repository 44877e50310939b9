import Foundation
import HTTPTypes
import Hummingbird
import NightshiftCore
import NightshiftStore

/// An error as a client sees it: the status, a message that names the problem and never a secret, an upstream
/// body, a table or a value, and the field at fault. See docs/chat-errors.md.
struct ClientFailure: Sendable {
    var status: HTTPResponse.Status
    var message: String
    /// A stable machine-readable reason (`unknown_user`, `foreign_key_violation`, an `AuthFailure` raw value…).
    var reason: String?
    /// The request field at fault, when there is one.
    var field: String?

    /// Whether the server, not the client, is at fault: these are logged with their trace id.
    var isServerFault: Bool { status.code >= 500 }
}

/// Turns errors into JSON responses with the right status.
///
/// Database errors are mapped by SQLSTATE class the same way on both stores (`StoreFailure`): class 23 is the
/// request's conflict with stored data (409 for a duplicate, 422 for the other integrity rules), connection and
/// shutdown classes are 503, the rest 500. Provider failures are a 502 with a generic sentence: the upstream's
/// body and URLs stay in the logs.
enum ServerErrors {
    static func failure(for error: any Error) -> ClientFailure {
        if let failure = (error as? NightshiftError)?.authFailure {
            return ClientFailure(
                status: HTTPResponse.Status(code: failure.httpStatus), message: (error as? NightshiftError)?.message
                    ?? failure.message, reason: failure.rawValue)
        }
        if let stored = StoreFailure.of(error) {
            let status: HTTPResponse.Status
            switch stored.category {
            case .conflict: status = .conflict
            case .constraint: status = .unprocessableContent
            case .unavailable: status = .serviceUnavailable
            case .other: status = .internalServerError
            }
            return ClientFailure(status: status, message: stored.safeMessage, reason: stored.reason)
        }
        if let error = error as? NightshiftError {
            let field = error.field
            let reason = error.reason
            switch error.code {
            case .invalidInput, .configuration:
                return ClientFailure(status: .badRequest, message: error.message, reason: reason, field: field)
            case .notFound:
                return ClientFailure(status: .notFound, message: error.message, reason: reason, field: field)
            case .forbidden:
                return ClientFailure(status: .forbidden, message: error.message, reason: reason, field: field)
            case .conflict:
                return ClientFailure(status: .conflict, message: error.message, reason: reason, field: field)
            case .provider:
                return ClientFailure(
                    status: .badGateway, message: "the chat provider was unavailable", reason: "provider_unavailable")
            case .http:
                return ClientFailure(
                    status: .badGateway, message: "an upstream service was unavailable", reason: "upstream_unavailable")
            case .cancelled:
                return ClientFailure(
                    status: HTTPResponse.Status(code: 499, reasonPhrase: "Client Closed Request"),
                    message: "the request was cancelled", reason: "cancelled")
            case .connection:
                return ClientFailure(
                    status: .serviceUnavailable, message: "the database is unavailable", reason: "database_unavailable")
            default:
                return ClientFailure(status: .internalServerError, message: "internal server error")
            }
        }
        if let error = error as? HTTPError {
            return ClientFailure(status: error.status, message: error.body ?? error.status.reasonPhrase)
        }
        return ClientFailure(status: .internalServerError, message: "internal server error")
    }

    static func status(for error: any Error) -> HTTPResponse.Status {
        failure(for: error).status
    }

    /// The JSON error body of the Nightshift routes: `{"error": {message, status, reason?, field?}, "trace_id"}`.
    static func body(for failure: ClientFailure, traceID: String) -> JSONValue {
        var object: [String: JSONValue] = [
            "message": .string(failure.message), "status": .number(Double(failure.status.code)),
        ]
        if let reason = failure.reason { object["reason"] = .string(reason) }
        if let field = failure.field { object["field"] = .string(field) }
        return ["error": .object(object), "trace_id": .string(traceID)]
    }

    /// The body of an error on the OpenAI-compatible routes, as OpenAI's API sends it:
    /// `{"error": {"message", "type", "param", "code"}}`.
    static func openAIBody(for failure: ClientFailure) -> JSONValue {
        let type: String
        switch failure.status.code {
        case 401: type = "authentication_error"
        case 403: type = "permission_error"
        case 404, 400, 409, 413, 422: type = "invalid_request_error"
        case 429: type = "rate_limit_error"
        case 503: type = "service_unavailable_error"
        default: type = failure.status.code >= 500 ? "server_error" : "invalid_request_error"
        }
        let code: String?
        switch failure.status.code {
        case 401: code = "invalid_api_key"
        case 429: code = "rate_limit_exceeded"
        default: code = failure.reason
        }
        return [
            "error": [
                "message": .string(failure.message), "type": .string(type),
                "param": failure.field.map(JSONValue.string) ?? .null, "code": code.map(JSONValue.string) ?? .null,
            ]
        ]
    }
}
