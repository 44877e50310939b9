import Foundation
import NightshiftCore
import NightshiftStore
import NightshiftTestSupport
import Testing

@Suite("Migrations")
struct MigrationTests {
    @Test("the embedded migrations are exactly the files in sql/")
    func embeddedMatchFiles() throws {
        for (folder, embedded) in [("sql", EmbeddedMigrations.postgres), ("sql/sqlite", EmbeddedMigrations.sqlite)] {
            let directory = TestEnvironment.repositoryRoot.appendingPathComponent(folder)
            let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
                .filter { $0.hasSuffix(".sql") }.sorted()
            #expect(files.count == embedded.count, "run scripts/embed-data.py")
            for (file, migration) in zip(files, embedded) {
                let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                #expect(migration.path == "\(folder)/\(file)")
                #expect(migration.sql == text, "\(folder)/\(file) changed: run scripts/embed-data.py")
            }
        }
        // Both stores have the same versions, so `migrate --status` reads alike.
        #expect(EmbeddedMigrations.postgres.map(\.version) == EmbeddedMigrations.sqlite.map(\.version))
    }

    @Test("a changed applied migration is refused by name; an unknown newer one too")
    func planRules() throws {
        let known = [
            Migration(version: "0001", name: "a", path: "sql/0001_a.sql", sql: "select 1;"),
            Migration(version: "0002", name: "b", path: "sql/0002_b.sql", sql: "select 2;"),
        ]
        let applied = [AppliedMigration(version: "0001", name: "a", checksum: known[0].checksum, appliedAt: nil)]
        #expect(try MigrationPlan.pending(known: known, applied: applied).map(\.version) == ["0002"])
        let tampered = [AppliedMigration(version: "0001", name: "a", checksum: "deadbeef", appliedAt: nil)]
        do {
            _ = try MigrationPlan.pending(known: known, applied: tampered)
            Issue.record("a changed file must stop the run")
        } catch let error as NightshiftError {
            #expect(error.code == .migration)
            #expect(error.description.contains("sql/0001_a.sql"))
        }
        let newer = applied + [AppliedMigration(version: "0099", name: "future", checksum: "x", appliedAt: nil)]
        #expect(throws: NightshiftError.self) { try MigrationPlan.pending(known: known, applied: newer) }
        #expect(Migration(version: "1", name: "x", path: "x", sql: "a\nb\nc").line(ofPosition: 5) == 3)
    }

    static func runner(_ kind: StoreKind, _ body: @escaping (any Store, [Migration]) async throws -> Void) async throws {
        switch kind {
        case .sqlite:
            let folder = try TestEnvironment.temporaryDirectory("migrate")
            defer { try? FileManager.default.removeItem(at: folder) }
            let store = try await SQLiteStore.open(path: folder.appendingPathComponent("m.sqlite").path, migrate: false)
            try await body(store, EmbeddedMigrations.sqlite)
            await store.close()
        case .postgres:
            let url = try await TestDatabases.shared.makePostgresDatabase(migrated: false)
            let store = try await PostgresStore.open(url: Secret(url))
            do {
                try await body(store, EmbeddedMigrations.postgres)
            } catch {
                await store.close()
                await TestDatabases.dropPostgresDatabase(url)
                throw error
            }
            await store.close()
            await TestDatabases.dropPostgresDatabase(url)
        }
    }

    static func migrate(_ store: any Store, _ migrations: [Migration]) async throws -> [MigrationStatus] {
        if let store = store as? PostgresStore { return try await store.migrate(migrations) }
        if let store = store as? SQLiteStore { return try await store.migrate(migrations) }
        Issue.record("unknown store")
        return []
    }

    @Test("migrate applies every file once; a second run applies nothing", arguments: TestEnvironment.storeKinds)
    func idempotent(kind: StoreKind) async throws {
        try await Self.runner(kind) { store, migrations in
            let pendingBefore = try await store.migrationStatus()
            #expect(pendingBefore.allSatisfy { $0.state == .pending })
            let first = try await store.migrate()
            #expect(first.map(\.version) == migrations.map(\.version))
            let second = try await store.migrate()
            #expect(second.isEmpty)
            let status = try await store.migrationStatus()
            #expect(status.count == migrations.count)
            #expect(status.allSatisfy { $0.state == .applied && $0.appliedAt != nil })
        }
    }

    @Test("a changed applied migration stops the run with the file's name", arguments: TestEnvironment.storeKinds)
    func changedFile(kind: StoreKind) async throws {
        try await Self.runner(kind) { store, migrations in
            try await store.migrate()
            var changed = migrations
            changed[1].sql += "\n-- an innocent-looking edit\n"
            do {
                _ = try await Self.migrate(store, changed)
                Issue.record("the runner must refuse a changed applied migration")
            } catch let error as NightshiftError {
                #expect(error.code == .migration)
                #expect(error.description.contains(migrations[1].path))
            }
        }
    }

    @Test("a rewritten file naming the applied text's checksum is accepted and its own checksum recorded", arguments: TestEnvironment.storeKinds)
    func rewrittenFile(kind: StoreKind) async throws {
        try await Self.runner(kind) { store, migrations in
            try await store.migrate()
            var rewritten = migrations
            rewritten[1].sql = "-- supersedes sha256:\(migrations[1].checksum)\n" + migrations[1].sql
            #expect(rewritten[1].supersededChecksums == [migrations[1].checksum])
            #expect(try await Self.migrate(store, rewritten).isEmpty)
            // The rewritten text's checksum is the one recorded now: the earlier text counts as a changed file.
            #expect(try await Self.migrate(store, rewritten).isEmpty)
            await #expect(throws: NightshiftError.self) { try await Self.migrate(store, migrations) }
        }
    }

    @Test("a statement failing halfway through a migration leaves nothing of it", arguments: TestEnvironment.storeKinds)
    func failingMigrationRollsBack(kind: StoreKind) async throws {
        try await Self.runner(kind) { store, migrations in
            try await store.migrate()
            let broken = Migration(
                version: "9001", name: "broken", path: "sql/9001_broken.sql",
                sql: """
                    create table halfway_table (id integer primary key);
                    insert into halfway_table values (1);
                    insert into no_such_table values (1);
                    """)
            do {
                _ = try await Self.migrate(store, migrations + [broken])
                Issue.record("the broken migration must fail")
            } catch let error as NightshiftError {
                #expect(error.code == .migration)
                #expect(error.description.contains("sql/9001_broken.sql"))
                if kind == .postgres { #expect(error.context["line"] == "3") }
            }
            let status = try await Self.migrate(store, migrations)
            #expect(status.isEmpty)
            let versions = try await store.migrationStatus().map(\.version)
            #expect(!versions.contains("9001"))
            // The table created by the failed file's first statement does not exist.
            let fixed = Migration(
                version: "9001", name: "broken", path: "sql/9001_broken.sql",
                sql: "create table halfway_table (id integer primary key);")
            let applied = try await Self.migrate(store, migrations + [fixed])
            #expect(applied.map(\.version) == ["9001"])
        }
    }
}
