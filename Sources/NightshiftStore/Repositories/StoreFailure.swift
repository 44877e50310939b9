import Foundation
import GRDB
import NightshiftCore

/// What a database error means to a caller, by SQLSTATE class, the same for both stores: PostgreSQL's errors
/// carry their SQLSTATE, and SQLite's result codes are given the SQLSTATE of the same failure on PostgreSQL
/// (a foreign-key failure is 23503 on both).
///
/// - `conflict`: the row already exists (23505 unique violation, 23P01 exclusion violation);
/// - `constraint`: the data breaks another integrity rule (the rest of class 23: 23503 foreign key, 23502 not
///   null, 23514 check);
/// - `unavailable`: the database cannot serve now (class 08 connection exceptions, 57P01–57P05 shutdown and
///   crash recovery, 53300 too many connections, a libpq failure with no SQLSTATE; SQLite's busy and locked);
/// - `other`: anything else, a bug or a schema problem.
public struct StoreFailure: Sendable, Hashable, CustomStringConvertible {
    /// The class of the failure.
    public enum Category: String, Sendable, Hashable {
        case conflict, constraint, unavailable, other
    }

    public var category: Category
    /// The SQLSTATE (PostgreSQL's, or the equivalent of SQLite's result code); nil when none applies.
    public var sqlState: String?

    public init(_ category: Category, sqlState: String?) {
        self.category = category
        self.sqlState = sqlState
    }

    /// The failure `error` stands for, when it is a database error (a `StoreDatabaseError`, a GRDB
    /// `DatabaseError`, or a `NightshiftError` whose cause chain holds one); nil otherwise.
    public static func of(_ error: any Error) -> StoreFailure? {
        databaseError(in: error)?.storeFailure
    }

    /// The category of a SQLSTATE.
    public static func category(sqlState: String) -> Category {
        if sqlState == "23505" || sqlState == "23P01" { return .conflict }
        if sqlState.hasPrefix("23") { return .constraint }
        if sqlState.hasPrefix("08") || sqlState == "53300" { return .unavailable }
        if sqlState.hasPrefix("57P0") { return .unavailable }
        return .other
    }

    static func classify(_ error: PGError) -> StoreFailure {
        guard let sqlState = error.sqlState else {
            // libpq reports a lost or refused connection without a SQLSTATE; a value it could not convert is ours.
            return StoreFailure(error.kind == .conversion ? .other : .unavailable, sqlState: nil)
        }
        return StoreFailure(category(sqlState: sqlState), sqlState: sqlState)
    }

    static func classify(_ error: DatabaseError) -> StoreFailure {
        switch error.extendedResultCode {
        case .SQLITE_CONSTRAINT_UNIQUE, .SQLITE_CONSTRAINT_PRIMARYKEY, .SQLITE_CONSTRAINT_ROWID:
            return StoreFailure(.conflict, sqlState: "23505")
        case .SQLITE_CONSTRAINT_FOREIGNKEY:
            return StoreFailure(.constraint, sqlState: "23503")
        case .SQLITE_CONSTRAINT_NOTNULL:
            return StoreFailure(.constraint, sqlState: "23502")
        case .SQLITE_CONSTRAINT_CHECK:
            return StoreFailure(.constraint, sqlState: "23514")
        default:
            break
        }
        switch error.resultCode {
        case .SQLITE_CONSTRAINT: return StoreFailure(.constraint, sqlState: "23000")
        case .SQLITE_BUSY, .SQLITE_LOCKED: return StoreFailure(.unavailable, sqlState: "55P03")
        default: return StoreFailure(.other, sqlState: nil)
        }
    }

    /// A sentence for an end user: what kind of rule the request broke, never a table, a constraint or a value.
    public var safeMessage: String {
        switch (category, sqlState) {
        case (.conflict, _): return "the request conflicts with data that is already stored"
        case (.constraint, "23503"?): return "the request refers to data that does not exist"
        case (.constraint, "23502"?): return "the request lacks a value that must be stored"
        case (.constraint, "23514"?): return "the request holds a value outside the allowed range"
        case (.constraint, _): return "the request breaks an integrity rule of the stored data"
        case (.unavailable, _): return "the database is unavailable"
        case (.other, _): return "internal server error"
        }
    }

    /// A stable name for the failure, for clients and logs: `unique_violation`, `foreign_key_violation`, ….
    public var reason: String {
        switch sqlState {
        case "23505"?: return "unique_violation"
        case "23P01"?: return "exclusion_violation"
        case "23503"?: return "foreign_key_violation"
        case "23502"?: return "not_null_violation"
        case "23514"?: return "check_violation"
        default:
            switch category {
            case .conflict: return "conflict"
            case .constraint: return "integrity_constraint_violation"
            case .unavailable: return "database_unavailable"
            case .other: return "database_error"
            }
        }
    }

    public var description: String {
        "\(category.rawValue) (\(sqlState ?? "no SQLSTATE"))"
    }
}
