import Foundation
import HTTPTypes
import Hummingbird
import NightshiftCore
import NightshiftStore

/// Turns errors into JSON responses with the right status; the body names the problem, never secrets.
enum ServerErrors {
    static func status(for error: any Error) -> HTTPResponse.Status {
        if let failure = (error as? NightshiftError)?.authFailure {
            return HTTPResponse.Status(code: failure.httpStatus)
        }
        if let error = error as? NightshiftError {
            switch error.code {
            case .invalidInput, .configuration: return .badRequest
            case .notFound: return .notFound
            case .forbidden: return .forbidden
            case .conflict: return .conflict
            case .provider, .http: return .badGateway
            case .cancelled: return HTTPResponse.Status(code: 499, reasonPhrase: "Client Closed Request")
            case .connection: return .serviceUnavailable
            default: return .internalServerError
            }
        }
        if error is PGError { return .serviceUnavailable }
        if let error = error as? HTTPError { return error.status }
        return .internalServerError
    }

    /// The JSON error body.
    static func body(for error: any Error, status: HTTPResponse.Status, traceID: String) -> JSONValue {
        var message: String
        var reason: String?
        if let error = error as? NightshiftError {
            message = error.message
            reason = error.authFailure.map { "\($0)" } ?? error.context["reason"]
            if status == .internalServerError { message = "internal server error" }
        } else if let error = error as? HTTPError {
            message = error.body ?? "\(error.status.reasonPhrase)"
        } else {
            message = status == .serviceUnavailable ? "the database is unavailable" : "internal server error"
        }
        var object: [String: JSONValue] = ["message": .string(message), "status": .number(Double(status.code))]
        if let reason { object["reason"] = .string(reason) }
        return ["error": .object(object), "trace_id": .string(traceID)]
    }
}
