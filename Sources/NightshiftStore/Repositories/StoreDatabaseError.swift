import Foundation
import GRDB
import NightshiftCore

/// A database error of either store in one shape: `PGError` from PostgreSQL, `SQLiteError` from the embedded
/// store (GRDB's `DatabaseError` mapped at the store's boundary). Callers read the SQLSTATE (SQLite's result
/// codes carry the equivalent PostgreSQL code) and the `StoreFailure` class as fields.
///
/// `description` is safe for logs at info level and above and for error lines: it never holds the server's
/// DETAIL (PostgreSQL puts the key values of rows there, `Key (email)=(alice@example.com) already exists.`)
/// nor a statement's parameter values. `detail` keeps the DETAIL for logs at debug level only.
public protocol StoreDatabaseError: Error, Sendable, CustomStringConvertible {
    /// The five-character SQLSTATE, or its equivalent for SQLite; nil when none applies.
    var sqlState: String? { get }
    /// The database's primary message (names tables, columns and constraints, not values).
    var message: String { get }
    /// The server's DETAIL, which may hold key values of rows: for logs at debug level only.
    var detail: String? { get }
    /// What the error means to a caller, by SQLSTATE class.
    var storeFailure: StoreFailure { get }
}

extension PGError: StoreDatabaseError {
    public var storeFailure: StoreFailure { StoreFailure.classify(self) }
}

/// An error of the embedded SQLite store: GRDB's `DatabaseError` without its statement arguments (they may hold
/// user data), with the SQLSTATE PostgreSQL gives the same failure.
public struct SQLiteError: StoreDatabaseError, CustomDebugStringConvertible {
    public var storeFailure: StoreFailure
    /// SQLite's extended result code (`2067` is `SQLITE_CONSTRAINT_UNIQUE`).
    public var resultCode: Int32
    public var message: String
    /// The SQL text (with `?` placeholders, never values).
    public var statement: String?
    public var description: String

    public var sqlState: String? { storeFailure.sqlState }
    /// SQLite reports no DETAIL: its messages name the table and column, never the values.
    public var detail: String? { nil }
    public var debugDescription: String { description }

    public init(_ error: DatabaseError) {
        storeFailure = StoreFailure.classify(error)
        resultCode = error.extendedResultCode.rawValue
        message = error.message ?? "SQLite error \(error.resultCode.rawValue)"
        statement = error.sql
        // GRDB's description leaves the arguments out unless `publicStatementArguments` is set, which this store
        // never sets; the text is GRDB's, so error lines read as they always have.
        description = String(describing: error)
    }

    /// Runs `body`, throwing GRDB's errors as `SQLiteError`; every other error passes through unchanged.
    static func mapping<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as DatabaseError {
            throw SQLiteError(error)
        }
    }
}

extension StoreFailure {
    /// The database error `error` is or holds in its `NightshiftError` cause chain, with GRDB's `DatabaseError`
    /// seen as a `SQLiteError`; nil when there is none.
    public static func databaseError(in error: any Error) -> (any StoreDatabaseError)? {
        var current: (any Error)? = error
        var depth = 0
        while let error = current, depth < 8 {
            if let error = error as? any StoreDatabaseError { return error }
            if let error = error as? DatabaseError { return SQLiteError(error) }
            current = (error as? NightshiftError)?.cause
            depth += 1
        }
        return nil
    }
}
