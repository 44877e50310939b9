import CLibPQ
import Foundation
import NightshiftCore

/// An error from PostgreSQL or from the libpq layer.
///
/// It carries the server's SQLSTATE, message, detail and hint and the statement that failed, but never the
/// statement's parameter values (they may hold user data) nor the connection password. `description` leaves out
/// the server's DETAIL, which holds key values of rows (`Key (email)=(alice@example.com) already exists.`):
/// `detail` and `debugDescription` keep it for logs at debug level.
public struct PGError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Which step failed.
    public enum Kind: String, Sendable {
        /// The URL was malformed or the server could not be reached or refused us.
        case connection
        /// A statement failed on the server.
        case query
        /// A COPY stream failed.
        case copy
        /// A value could not be converted to or from its PostgreSQL text form.
        case conversion
    }

    public var kind: Kind
    /// The five-character SQLSTATE (`23505` unique violation, `42P01` undefined table, …) when the server sent one.
    public var sqlState: String?
    public var message: String
    /// The server's DETAIL; it may hold key values of rows, so it is for logs at debug level only.
    public var detail: String?
    public var hint: String?
    /// The SQL text (with `$n` placeholders, never values).
    public var statement: String?
    /// 1-based character position of the error in the statement, when the server reported one.
    public var position: Int?

    public init(
        _ kind: Kind, message: String, sqlState: String? = nil, detail: String? = nil, hint: String? = nil,
        statement: String? = nil, position: Int? = nil
    ) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.statement = statement
        self.position = position
    }

    /// The error for error lines and logs at info level and above: everything but the DETAIL.
    public var description: String { describe(withDetail: false) }

    /// The error with the server's DETAIL, for logs at debug level only.
    public var debugDescription: String { describe(withDetail: true) }

    private func describe(withDetail: Bool) -> String {
        var text = "PostgreSQL \(kind.rawValue) error"
        if let sqlState { text += " [\(sqlState)]" }
        text += ": \(message)"
        if withDetail, let detail { text += " — \(detail)" }
        if let hint { text += " (hint: \(hint))" }
        if let statement {
            let oneLine = statement.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .joined(separator: " ")
            text += " in statement: \(oneLine.count > 300 ? String(oneLine.prefix(300)) + "…" : oneLine)"
        }
        return text
    }

    /// Replaces every occurrence of the given values (4 characters or longer) in the message and detail.
    mutating func redact(_ values: [String]) {
        for value in values.sorted(by: { $0.count > $1.count }) where value.count >= 4 {
            message = message.replacingOccurrences(of: value, with: "<redacted>")
            detail = detail?.replacingOccurrences(of: value, with: "<redacted>")
        }
    }

    /// Whether the error is a unique-constraint violation (SQLSTATE 23505).
    public var isUniqueViolation: Bool { sqlState == "23505" }

    /// Reads the server's error fields from a failed result.
    static func from(result: OpaquePointer?, connection: OpaquePointer?, kind: Kind, statement: String?) -> PGError {
        func field(_ code: Int32) -> String? {
            guard let result, let value = PQresultErrorField(result, code) else { return nil }
            return String(cString: value)
        }
        let primary =
            field(Int32(UInt8(ascii: "M")))
            ?? connection.flatMap { PQerrorMessage($0).map { String(cString: $0) } }?
            .trimmingCharacters(in: .whitespacesAndNewlines)
            ?? "unknown error"
        return PGError(
            kind, message: primary, sqlState: field(Int32(UInt8(ascii: "C"))), detail: field(Int32(UInt8(ascii: "D"))),
            hint: field(Int32(UInt8(ascii: "H"))), statement: statement,
            position: field(Int32(UInt8(ascii: "P"))).flatMap { Int($0) })
    }
}
