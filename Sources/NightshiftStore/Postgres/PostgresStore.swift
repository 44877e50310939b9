import Foundation
import NightshiftCore

/// The production store: PostgreSQL 15+ with pgvector, Supabase-compatible.
///
/// Connects as the role in `DATABASE_URL` (on Supabase: the service role or `postgres`), so row-level security
/// does not filter for it; every user-facing read therefore filters by user explicitly.
public final class PostgresStore: Store {
    public let kind = StoreKind.postgres
    /// The pool every operation borrows from.
    public let pool: PGPool

    /// A store over a pool; nothing is opened until first use.
    public init(pool: PGPool) {
        self.pool = pool
    }

    /// Opens a pool for `url` and checks the server is reachable (a clear error when it is not).
    public static func open(url: Secret, maxConnections: Int = 8) async throws -> PostgresStore {
        let store = PostgresStore(pool: PGPool(url: url, maxConnections: maxConnections))
        try await store.pool.withConnection { connection in
            guard connection.serverVersion >= 15 else {
                throw NightshiftError(
                    .connection, "PostgreSQL \(connection.serverVersion) is too old: Nightshift needs 15 or newer")
            }
        }
        return store
    }

    public func close() async {
        pool.close()
    }

    // MARK: Migrations

    /// The advisory-lock key that keeps two `migrate` runs apart ("nsmigrat" in ASCII).
    static let migrationLockKey: Int64 = 0x6e73_6d69_6772_6174

    static let bootstrapSQL = """
        create table if not exists public.schema_migrations (
            version text primary key,
            name text not null,
            checksum text not null,
            applied_at timestamptz not null default now(),
            duration_ms integer
        )
        """

    private func appliedMigrations(_ connection: PGConnection) async throws -> [AppliedMigration] {
        let exists = try await connection.scalar("select to_regclass('public.schema_migrations') is not null", as: Bool.self)
        guard exists == true else { return [] }
        return try await connection.query("select version, name, checksum, applied_at from public.schema_migrations")
            .map { row in
                AppliedMigration(
                    version: try row.decode(0), name: try row.decode(1), checksum: try row.decode(2),
                    appliedAt: try row.decode(3, as: Date?.self))
            }
    }

    public func migrationStatus() async throws -> [MigrationStatus] {
        try await pool.withConnection { connection in
            MigrationPlan.status(known: EmbeddedMigrations.postgres, applied: try await appliedMigrations(connection))
        }
    }

    @discardableResult
    public func migrate() async throws -> [MigrationStatus] {
        try await migrate(EmbeddedMigrations.postgres)
    }

    /// Applies `migrations` (the embedded ones normally; tests pass others) each in its own transaction.
    @discardableResult
    public func migrate(_ migrations: [Migration]) async throws -> [MigrationStatus] {
        try await pool.withConnection { connection in
            try await connection.execute("select pg_advisory_lock(\(PostgresStore.migrationLockKey))")
            do {
                let applied = try await applyPending(migrations, on: connection)
                try await connection.execute("select pg_advisory_unlock(\(PostgresStore.migrationLockKey))")
                return applied
            } catch {
                _ = try? await connection.execute("select pg_advisory_unlock(\(PostgresStore.migrationLockKey))")
                throw error
            }
        }
    }

    private func applyPending(_ migrations: [Migration], on connection: PGConnection) async throws
        -> [MigrationStatus]
    {
        try await connection.simpleQuery(PostgresStore.bootstrapSQL)
        let applied = try await appliedMigrations(connection)
        let pending = try MigrationPlan.pending(known: migrations, applied: applied)
        for migration in MigrationPlan.superseded(known: migrations, applied: applied) {
            try await connection.execute(
                "update public.schema_migrations set checksum = \(migration.checksum) where version = \(migration.version)")
        }
        // A function's `set hnsw.…` (sql/0010 and later) is refused to a non-superuser while pgvector's library is
        // not loaded in the session (the setting is then an unknown placeholder); using the type loads it.
        if !pending.isEmpty,
            try await connection.scalar("select to_regtype('vector') is not null", as: Bool.self) == true
        {
            try await connection.simpleQuery("select '[0]'::vector")
        }
        var done: [MigrationStatus] = []
        for migration in pending {
            let started = Date()
            try await connection.transaction { connection in
                do {
                    try await connection.simpleQuery(migration.sql)
                } catch let error as PGError {
                    var context = ["file": migration.path]
                    if let position = error.position {
                        context["line"] = String(migration.line(ofPosition: position))
                    }
                    throw NightshiftError(
                        .migration, "migration \(migration.path) failed and was rolled back: \(error.message)",
                        context: context, sqlState: error.sqlState)
                }
                let duration = Int(Date().timeIntervalSince(started) * 1000)
                try await connection.execute(
                    """
                    insert into public.schema_migrations (version, name, checksum, duration_ms)
                    values (\(migration.version), \(migration.name), \(migration.checksum), \(duration))
                    """)
            }
            // A migration may change the session's search_path; restore Nightshift's.
            try await connection.simpleQuery("set search_path = public, extensions")
            done.append(MigrationStatus(version: migration.version, name: migration.name, state: .applied, appliedAt: Date()))
        }
        return done
    }

    /// Throws a clear error when migrations are pending or an applied one changed (commands other than
    /// `migrate` need a current schema).
    public func requireCurrentSchema() async throws {
        let applied = try await pool.withConnection { try await appliedMigrations($0) }
        let pending = try MigrationPlan.pending(known: EmbeddedMigrations.postgres, applied: applied)
        if let first = pending.first {
            throw NightshiftError(
                .migration,
                "the database schema is behind (\(pending.count) pending migration(s), first \(first.path)): "
                    + "run `nightshift migrate`")
        }
    }

    public func tableCounts() async throws -> [(table: String, rows: Int)] {
        let tables = [
            "documents", "agent_memory", "agent_conversations", "agent_executions", "ai_runs", "ai_messages",
            "ai_memory", "ai_feedback", "proactive_notifications", "feature_flags", "daily_usage_stats", "job_runs",
        ]
        return try await pool.withConnection { connection in
            var counts: [(table: String, rows: Int)] = []
            for table in tables {
                let count = try await connection.scalar("select count(*) from public.\(unescaped: table)", as: Int.self)
                counts.append((table, count ?? 0))
            }
            return counts
        }
    }
}
