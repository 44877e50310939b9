import Foundation

/// An error of Nightshift's own: a stable code, a human message and the context a person needs to act on it.
///
/// `description` never carries secrets or user data: it names files, fields, rows and statements, never
/// parameter values or credentials. Modelled on swift-nio's `FileSystemError` (code, message, cause, location).
public struct NightshiftError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, stable across releases; scripts may switch on it.
    public enum Code: String, Sendable, CaseIterable {
        /// Bad command-line usage, configuration or input file (exit code 2).
        case invalidInput = "invalid_input"
        /// A configuration value is missing or malformed (exit code 2).
        case configuration
        /// The database could not be reached or refused the connection.
        case connection
        /// A statement failed on the database.
        case query
        /// A migration could not be applied, or an applied one changed.
        case migration
        /// A file, folder or archive could not be read.
        case io
        /// A document could not be parsed in its declared or detected format.
        case format
        /// An HTTP call failed (transport, status or body).
        case http
        /// A provider (embedding or chat) failed after its retries.
        case provider
        /// A lookup found nothing.
        case notFound = "not_found"
        /// A caller may not do this.
        case forbidden
        /// Another run holds the lock this one needs.
        case conflict
        /// Data in the store broke an invariant Nightshift relies on.
        case corrupt
        /// The run was cancelled (signal or task cancellation).
        case cancelled
        /// Anything else: a bug or an unexpected state.
        case `internal`
    }

    public var code: Code
    public var message: String
    /// Where: a file path (and archive entry), a table and row, a field, a URL without credentials.
    public var context: [String: String]
    /// A stable machine-readable reason a caller may switch on (`unknown_user`, an `AuthFailure` or
    /// `HTTPFailure` raw value, `stream_error`); shown as `reason=` in `description`.
    public var reason: String?
    /// The request or input field at fault; shown as `field=`.
    public var field: String?
    /// The HTTP status a server answered with, for errors of an HTTP call; shown as `status=`.
    public var httpStatus: Int?
    /// How many attempts were made before this error, when retries were involved; shown as `attempts=`.
    public var attempts: Int?
    /// The SQLSTATE of the database error behind this one (SQLite's errors carry the equivalent PostgreSQL
    /// code); shown as `sqlstate=`.
    public var sqlState: String?
    /// The underlying error, if any; shown by `debugDescription`-style logging only through its own description.
    public var cause: (any Error)?

    public init(
        _ code: Code, _ message: String, context: [String: String] = [:], reason: String? = nil,
        field: String? = nil, httpStatus: Int? = nil, attempts: Int? = nil, sqlState: String? = nil,
        cause: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.context = context
        self.reason = reason
        self.field = field
        self.httpStatus = httpStatus
        self.attempts = attempts
        self.sqlState = sqlState
        self.cause = cause
    }

    /// The context with the typed fields under their names (`reason`, `field`, `status`, `attempts`,
    /// `sqlstate`): what `description` and the command line show in parentheses, sorted by name.
    public var shownContext: [(key: String, value: String)] {
        var shown = context
        if let reason { shown["reason"] = reason }
        if let field { shown["field"] = field }
        if let httpStatus { shown["status"] = String(httpStatus) }
        if let attempts { shown["attempts"] = String(attempts) }
        if let sqlState { shown["sqlstate"] = sqlState }
        return shown.sorted { $0.key < $1.key }
    }

    public var description: String {
        var text = message
        let shown = shownContext
        if !shown.isEmpty {
            text += " (" + shown.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + ")"
        }
        if let cause {
            text += ": \(cause)"
        }
        return text
    }

    /// The process exit code for this error: 2 for bad usage or input, 1 for a failed job.
    public var exitCode: Int32 {
        switch code {
        case .invalidInput, .configuration: return 2
        default: return 1
        }
    }
}

extension NightshiftError {
    /// Bad input: names the field or file at fault.
    public static func invalidInput(
        _ message: String, context: [String: String] = [:], field: String? = nil, httpStatus: Int? = nil
    ) -> NightshiftError {
        NightshiftError(.invalidInput, message, context: context, field: field, httpStatus: httpStatus)
    }
}
