import Foundation
import NightshiftCore

/// One numbered SQL file of `sql/` (PostgreSQL) or `sql/sqlite/` (the embedded store).
public struct Migration: Sendable, Hashable {
    /// `0001`, `0002`, …: the order of application.
    public var version: String
    /// The file name without version and extension (`supabase_compat`).
    public var name: String
    /// The file's path in the repository, for messages (`sql/0002_agent_system.sql`).
    public var path: String
    public var sql: String

    public init(version: String, name: String, path: String, sql: String) {
        self.version = version
        self.name = name
        self.path = path
        self.sql = sql
    }

    /// SHA-256 of the file's bytes: an applied migration whose file changed stops the runner.
    public var checksum: String { SHA256.hex(sql) }

    /// The checksums of earlier texts of this file that it replaces: a file rewritten for compatibility (same
    /// objects where the earlier text applied) names each in a comment line `-- supersedes sha256:<hex>`. A
    /// database that applied one of them is current, and the runner records the new checksum.
    public var supersededChecksums: Set<String> {
        var found: Set<String> = []
        for line in sql.split(separator: "\n", omittingEmptySubsequences: true) {
            guard line.hasPrefix(Self.supersedesPrefix) else { continue }
            let hex = line.dropFirst(Self.supersedesPrefix.count).trimmingCharacters(in: .whitespaces).lowercased()
            if hex.count == 64, hex.allSatisfy(\.isHexDigit) { found.insert(hex) }
        }
        return found
    }

    static let supersedesPrefix = "-- supersedes sha256:"

    /// The 1-based line of a 1-based character position in the file (PostgreSQL reports positions so).
    public func line(ofPosition position: Int) -> Int {
        var line = 1
        for (index, char) in sql.unicodeScalars.enumerated() {
            if index + 1 >= position { break }
            if char == "\n" { line += 1 }
        }
        return line
    }
}

/// Where a migration stands in a database.
public struct MigrationStatus: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        case applied
        case pending
        /// Applied, but the file changed since.
        case changed
        /// Applied in the database, unknown to this binary (a newer Nightshift migrated it).
        case unknown
    }

    public var version: String
    public var name: String
    public var state: State
    public var appliedAt: Date?
    public var checksum: String?

    public init(version: String, name: String, state: State, appliedAt: Date? = nil, checksum: String? = nil) {
        self.version = version
        self.name = name
        self.state = state
        self.appliedAt = appliedAt
        self.checksum = checksum
    }
}

/// A row of `schema_migrations`.
public struct AppliedMigration: Sendable, Hashable {
    public var version: String
    public var name: String
    public var checksum: String
    public var appliedAt: Date?

    public init(version: String, name: String, checksum: String, appliedAt: Date?) {
        self.version = version
        self.name = name
        self.checksum = checksum
        self.appliedAt = appliedAt
    }
}

/// The rules shared by both stores' runners: order, checksums, what is pending.
public enum MigrationPlan {
    /// Status of every known and applied migration, in version order.
    public static func status(known: [Migration], applied: [AppliedMigration]) -> [MigrationStatus] {
        let appliedByVersion = Dictionary(applied.map { ($0.version, $0) }, uniquingKeysWith: { first, _ in first })
        var result: [MigrationStatus] = known.map { migration in
            guard let row = appliedByVersion[migration.version] else {
                return MigrationStatus(version: migration.version, name: migration.name, state: .pending)
            }
            let current = row.checksum == migration.checksum || migration.supersededChecksums.contains(row.checksum)
            let state: MigrationStatus.State = current ? .applied : .changed
            return MigrationStatus(
                version: migration.version, name: migration.name, state: state, appliedAt: row.appliedAt,
                checksum: row.checksum)
        }
        let knownVersions = Set(known.map(\.version))
        for row in applied where !knownVersions.contains(row.version) {
            result.append(
                MigrationStatus(
                    version: row.version, name: row.name, state: .unknown, appliedAt: row.appliedAt,
                    checksum: row.checksum))
        }
        return result.sorted { $0.version < $1.version }
    }

    /// The migrations to apply, in order; throws when an applied file changed or the database is newer.
    public static func pending(known: [Migration], applied: [AppliedMigration]) throws -> [Migration] {
        let statuses = status(known: known, applied: applied)
        for status in statuses {
            switch status.state {
            case .changed:
                let path = known.first { $0.version == status.version }?.path ?? status.version
                throw NightshiftError(
                    .migration,
                    "migration \(path) was changed after it was applied; restore the applied file and add a new "
                        + "migration for the change",
                    context: ["file": path, "recorded_checksum": status.checksum ?? "?"])
            case .unknown:
                throw NightshiftError(
                    .migration,
                    "the database has migration \(status.version) (\(status.name)) that this nightshift does not "
                        + "know; upgrade nightshift",
                    context: ["version": status.version])
            case .applied, .pending:
                continue
            }
        }
        let pendingVersions = Set(statuses.filter { $0.state == .pending }.map(\.version))
        return known.filter { pendingVersions.contains($0.version) }.sorted { $0.version < $1.version }
    }

    /// Applied migrations recorded under a checksum their file supersedes: the runner records the file's own.
    public static func superseded(known: [Migration], applied: [AppliedMigration]) -> [Migration] {
        let recorded = Dictionary(applied.map { ($0.version, $0.checksum) }, uniquingKeysWith: { first, _ in first })
        return known.filter { migration in
            guard let checksum = recorded[migration.version] else { return false }
            return checksum != migration.checksum && migration.supersededChecksums.contains(checksum)
        }
    }
}
