import Foundation
import HummingbirdTesting
import NightshiftCore
import NightshiftStore
import NightshiftTestSupport
import Testing

/// `/healthz` answers while the process runs; `/readyz` only when the database is reachable and current.
@Suite("Chat endpoint: health and readiness")
struct HealthTests {
    @Test("/healthz answers 200 without credentials")
    func healthz() async throws {
        try await ChatHarness.with(.sqlite) { harness in
            try await harness.app().test(.router) { client in
                let response = try await client.execute(uri: "/healthz", method: .get)
                #expect(response.status == .ok)
                #expect(try response.json()["status"] == "ok")
            }
        }
    }

    @Test("/readyz answers 200 on a migrated store", arguments: TestEnvironment.storeKinds)
    func readyOnMigratedStore(kind: StoreKind) async throws {
        try await ChatHarness.with(kind) { harness in
            try await harness.app().test(.router) { client in
                let response = try await client.execute(uri: "/readyz", method: .get)
                #expect(response.status == .ok)
                #expect(try response.json()["status"] == "ready")
            }
        }
    }

    @Test(
        "/readyz answers 503 naming the pending migrations on an unmigrated database",
        arguments: TestEnvironment.storeKinds)
    func notReadyWithPendingMigrations(kind: StoreKind) async throws {
        try await Self.withUnmigratedStore(kind) { store in
            let pendingCount = try await store.migrationStatus().filter { $0.state != .applied }.count
            #expect(pendingCount > 0)
            try await ChatHarness.application(store: store).test(.router) { client in
                let response = try await client.execute(uri: "/readyz", method: .get)
                #expect(response.status == .serviceUnavailable)
                let body = try response.json()
                #expect(body["status"] == "migrations pending")
                #expect(body["pending"]?.arrayValue?.count == pendingCount)
                // The process itself is fine: liveness must not depend on the database.
                #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            }
        }
    }

    @Test("/readyz answers 503 when the database cannot be reached")
    func notReadyWhenUnreachable() async throws {
        // Nothing listens on port 1 of the loopback: every connection is refused.
        let store = PostgresStore(
            pool: PGPool(url: Secret("postgres://nobody@127.0.0.1:1/none?sslmode=disable"), maxConnections: 1))
        do {
            try await ChatHarness.application(store: store).test(.router) { client in
                let response = try await client.execute(uri: "/readyz", method: .get)
                #expect(response.status == .serviceUnavailable)
                #expect(try response.json()["status"] == "database unreachable")
                #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            }
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    /// A store of `kind` on which no migration has run.
    static func withUnmigratedStore(_ kind: StoreKind, _ body: (any Store) async throws -> Void) async throws {
        switch kind {
        case .sqlite:
            let folder = try TestEnvironment.temporaryDirectory("unmigrated")
            defer { try? FileManager.default.removeItem(at: folder) }
            let store = try await SQLiteStore.open(
                path: folder.appendingPathComponent("empty.sqlite").path, migrate: false)
            do {
                try await body(store)
            } catch {
                await store.close()
                throw error
            }
            await store.close()
        case .postgres:
            let url = try await TestDatabases.shared.makePostgresDatabase(migrated: false)
            let store = try await PostgresStore.open(url: Secret(url), maxConnections: 2)
            do {
                try await body(store)
            } catch {
                await store.close()
                await TestDatabases.dropPostgresDatabase(url)
                throw error
            }
            await store.close()
            await TestDatabases.dropPostgresDatabase(url)
        }
    }
}
