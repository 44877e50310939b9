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
    /// The underlying error, if any; shown by `debugDescription`-style logging only through its own description.
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, context: [String: String] = [:], cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.context = context
        self.cause = cause
    }

    public var description: String {
        var text = message
        if !context.isEmpty {
            let pairs = context.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            text += " (" + pairs.joined(separator: ", ") + ")"
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
    public static func invalidInput(_ message: String, context: [String: String] = [:]) -> NightshiftError {
        NightshiftError(.invalidInput, message, context: context)
    }
}
