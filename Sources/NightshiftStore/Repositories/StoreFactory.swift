import Foundation
import NightshiftCore

/// Opens the store every command uses.
public enum StoreFactory {
    /// Opens the store at `location`.
    ///
    /// The embedded store is created and migrated on first use. PostgreSQL is migrated only by
    /// `nightshift migrate` (a production schema changes when an operator says so); with `requireCurrentSchema`
    /// other commands refuse to run on a schema with pending migrations. `migrateEmbedded: false` is for
    /// `nightshift migrate` itself, which reports what it applies.
    public static func open(
        _ location: StoreLocation, requireCurrentSchema: Bool = true, migrateEmbedded: Bool = true,
        maxConnections: Int = 8
    ) async throws -> any Store {
        switch location {
        case .sqlite(let path):
            return try await SQLiteStore.open(path: path, migrate: migrateEmbedded)
        case .postgres(let url):
            let store = try await PostgresStore.open(url: url, maxConnections: maxConnections)
            if requireCurrentSchema {
                do {
                    try await store.requireCurrentSchema()
                } catch {
                    await store.close()
                    throw error
                }
            }
            return store
        }
    }
}
