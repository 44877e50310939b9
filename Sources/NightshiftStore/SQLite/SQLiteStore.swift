import Foundation
import GRDB
import NightshiftCore
import Synchronization

/// The embedded default store: one SQLite file (WAL mode), created and migrated on first use, so a new user's
/// first command works with no server.
///
/// Row-level security has no SQLite form: every method that reads user data takes the user it acts for and
/// filters by it, which is what RLS enforces on PostgreSQL. Vectors are float32 blobs; similarity search is a
/// scan in Swift over an in-memory copy of one model's vectors, reloaded when the chunks change. That is fast
/// up to roughly 50,000 chunks (a query scans 1536 floats per chunk, ~5 ms per 10,000 chunks here, and the
/// copy takes 6 KB per chunk); beyond that use PostgreSQL, whose HNSW index does not scan.
public final class SQLiteStore: Store {
    public let kind = StoreKind.sqlite
    /// The file path.
    public let path: String
    let database: DatabasePool
    let vectorCache = Mutex<[String: VectorIndex]>([:])

    /// Opens (creating if needed) the store at `path` and applies pending migrations.
    public static func open(path: String, migrate: Bool = true) async throws -> SQLiteStore {
        let store = try SQLiteStore(path: path)
        if migrate { try await store.migrate() }
        return store
    }

    init(path: String) throws {
        self.path = path
        var configuration = GRDB.Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(30)
        configuration.label = "nightshift"
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            throw NightshiftError(.io, "the folder of the database file does not exist", context: ["file": path])
        }
        do {
            database = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw NightshiftError(
                .io, "cannot open the embedded database", context: ["file": path],
                cause: (error as? DatabaseError).map(SQLiteError.init) ?? error)
        }
    }

    public func close() async {
        try? database.close()
    }

    // MARK: The store's boundary

    // Every access of the database goes through these three, so GRDB's `DatabaseError` leaves the store as a
    // `SQLiteError` (the SQLSTATE-equivalent shape of `PGError`) and never with its statement arguments.

    func reading<T: Sendable>(_ body: @Sendable (GRDB.Database) throws -> T) async throws -> T {
        try await SQLiteError.mapping { try await database.read(body) }
    }

    func writing<T: Sendable>(_ body: @Sendable (GRDB.Database) throws -> T) async throws -> T {
        try await SQLiteError.mapping { try await database.write(body) }
    }

    func writingWithoutTransaction<T: Sendable>(_ body: @Sendable (GRDB.Database) throws -> T) async throws -> T {
        try await SQLiteError.mapping { try await database.writeWithoutTransaction(body) }
    }

    // MARK: Migrations

    static let bootstrapSQL = """
        create table if not exists schema_migrations (
            version text primary key,
            name text not null,
            checksum text not null,
            applied_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            duration_ms integer
        )
        """

    func appliedMigrations(_ db: GRDB.Database) throws -> [AppliedMigration] {
        guard try db.tableExists("schema_migrations") else { return [] }
        return try Row.fetchAll(db, sql: "select version, name, checksum, applied_at from schema_migrations").map { row in
            AppliedMigration(
                version: row["version"], name: row["name"], checksum: row["checksum"],
                appliedAt: (row["applied_at"] as String?).flatMap(Timestamp.parse))
        }
    }

    public func migrationStatus() async throws -> [MigrationStatus] {
        try await reading { db in
            MigrationPlan.status(known: EmbeddedMigrations.sqlite, applied: try self.appliedMigrations(db))
        }
    }

    @discardableResult
    public func migrate() async throws -> [MigrationStatus] {
        try await migrate(EmbeddedMigrations.sqlite)
    }

    /// Applies `migrations`, each in its own transaction (a failing statement leaves nothing of its file).
    @discardableResult
    public func migrate(_ migrations: [Migration]) async throws -> [MigrationStatus] {
        try await writingWithoutTransaction { db in
            try db.execute(sql: SQLiteStore.bootstrapSQL)
            let applied = try self.appliedMigrations(db)
            let pending = try MigrationPlan.pending(known: migrations, applied: applied)
            for migration in MigrationPlan.superseded(known: migrations, applied: applied) {
                try db.execute(
                    sql: "update schema_migrations set checksum = ? where version = ?",
                    arguments: [migration.checksum, migration.version])
            }
            var done: [MigrationStatus] = []
            for migration in pending {
                let started = Date()
                try db.inTransaction(.immediate) {
                    do {
                        try db.execute(sql: migration.sql)
                    } catch let error as DatabaseError {
                        var context = ["file": migration.path]
                        if let statement = error.sql {
                            context["statement"] = String(statement.prefix(200))
                        }
                        throw NightshiftError(
                            .migration,
                            "migration \(migration.path) failed and was rolled back: \(error.message ?? "\(error)")",
                            context: context)
                    }
                    try db.execute(
                        sql: "insert into schema_migrations (version, name, checksum, duration_ms) values (?, ?, ?, ?)",
                        arguments: [
                            migration.version, migration.name, migration.checksum,
                            Int(Date().timeIntervalSince(started) * 1000),
                        ])
                    return .commit
                }
                done.append(MigrationStatus(version: migration.version, name: migration.name, state: .applied, appliedAt: Date()))
            }
            return done
        }
    }

    public func tableCounts() async throws -> [(table: String, rows: Int)] {
        let tables = [
            "documents", "agent_memory", "agent_conversations", "agent_executions", "ai_runs", "ai_messages",
            "ai_memory", "ai_feedback", "proactive_notifications", "feature_flags", "daily_usage_stats", "job_runs",
        ]
        return try await reading { db in
            try tables.map { table in
                (table, try Int.fetchOne(db, sql: "select count(*) from \(table)") ?? 0)
            }
        }
    }
}

// MARK: Value conversion

/// The embedded store's text forms (see sql/sqlite/0001_supabase_compat.sql).
enum SQLiteValue {
    static func uuid(_ row: Row, _ column: String) throws -> UUID {
        guard let text: String = row[column], let value = UUID(uuidString: text) else {
            throw NightshiftError(.corrupt, "malformed uuid", context: ["column": column])
        }
        return value
    }

    static func optionalUUID(_ row: Row, _ column: String) throws -> UUID? {
        guard let text: String = row[column] else { return nil }
        guard let value = UUID(uuidString: text) else {
            throw NightshiftError(.corrupt, "malformed uuid", context: ["column": column])
        }
        return value
    }

    static func date(_ row: Row, _ column: String) -> Date? {
        (row[column] as String?).flatMap(Timestamp.parse)
    }

    static func json(_ row: Row, _ column: String, default fallback: JSONValue = [:]) throws -> JSONValue {
        guard let text: String = row[column] else { return fallback }
        return try JSONValue.parse(text, what: "JSON in column \(column)")
    }

    static func decimal(_ row: Row, _ column: String) -> Decimal? {
        let value = row[column] as DatabaseValue
        switch value.storage {
        case .null: return nil
        case .int64(let int): return Decimal(int)
        case .double(let double): return Decimal(string: String(double))
        case .string(let text): return Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
        case .blob: return nil
        }
    }

    static func enumValue<T: RawRepresentable>(_ row: Row, _ column: String, default fallback: T) throws -> T
    where T.RawValue == String {
        guard let text: String = row[column] else { return fallback }
        guard let value = T(rawValue: text) else {
            throw NightshiftError(.corrupt, "unexpected value '\(text)'", context: ["column": column])
        }
        return value
    }

    static func stringArray(_ row: Row, _ column: String) throws -> [String]? {
        guard let text: String = row[column] else { return nil }
        return try JSONValue.parse(text, what: "JSON array in column \(column)").arrayValue?.compactMap(\.stringValue)
    }

    static func jsonArray(_ strings: [String]) -> String {
        JSONValue.array(strings.map(JSONValue.string)).jsonText
    }

    static func text(_ date: Date?) -> String? {
        date.map(Timestamp.iso8601)
    }

    static func text(_ decimal: Decimal?) -> String? {
        decimal.map { NSDecimalNumber(decimal: $0).stringValue }
    }

    /// Little-endian float32 bytes.
    static func blob(_ vector: [Float]) -> Data {
        var data = Data(count: vector.count * 4)
        data.withUnsafeMutableBytes { buffer in
            for (index, value) in vector.enumerated() {
                buffer.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: index * 4, as: UInt32.self)
            }
        }
        return data
    }

    static func vector(_ data: Data) -> [Float] {
        let count = data.count / 4
        var out = [Float](repeating: 0, count: count)
        data.withUnsafeBytes { buffer in
            for index in 0..<count {
                out[index] = Float(bitPattern: UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
            }
        }
        return out
    }
}

extension SQLiteStore {
    /// The details of the plan SQLite picks for a statement (`EXPLAIN QUERY PLAN`): which indexes serve it.
    func queryPlan(_ sql: String, arguments: [String] = []) async throws -> [String] {
        try await reading { db in
            try Row.fetchAll(db, sql: "explain query plan " + sql, arguments: StatementArguments(arguments))
                .map { $0["detail"] ?? "" }
        }
    }
}
