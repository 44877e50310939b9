import Foundation
import NightshiftCore
import NightshiftStore

/// Real PostgreSQL errors whose server DETAIL holds a key value of a row, for the tests that prove the value
/// stays out of error descriptions, responses and logs above debug level.
public enum DatabaseErrorSamples {
    /// The key value the DETAIL of both errors holds.
    public static let keyValue = "alice@example.com"

    /// A unique violation (23505) whose DETAIL is `Key (lower(email))=(alice@example.com) already exists.`. The
    /// bound value differs in case, so the connection's redaction of parameter values leaves the DETAIL as is.
    public static func postgresUniqueViolation() async throws -> PGError {
        try await failing { connection in
            try await connection.simpleQuery(
                "create table people (email text not null); create unique index people_email on people (lower(email))")
            _ = try await connection.execute("insert into people (email) values (\("Alice@Example.COM"))")
            _ = try await connection.execute("insert into people (email) values (\("ALICE@example.com"))")
        }
    }

    /// An error of no integrity class (P0001, raised by PL/pgSQL) whose DETAIL holds the key value.
    public static func postgresRaisedWithDetail() async throws -> PGError {
        try await failing { connection in
            try await connection.simpleQuery(
                "do $$ begin raise exception 'lookup failed' using detail = 'Key (email)=(\(keyValue))'; end $$")
        }
    }

    /// The `PGError` `body` throws on a fresh, unmigrated database, dropped afterwards.
    static func failing(_ body: (PGConnection) async throws -> Void) async throws -> PGError {
        let url = try await TestDatabases.shared.makePostgresDatabase(migrated: false)
        var caught: PGError?
        do {
            let connection = try await PGConnection.connect(url: Secret(url))
            do {
                try await body(connection)
            } catch let error as PGError {
                caught = error
            }
        } catch {
            await TestDatabases.dropPostgresDatabase(url)
            throw error
        }
        await TestDatabases.dropPostgresDatabase(url)
        guard let caught else { throw NightshiftError(.internal, "the statements were expected to fail") }
        return caught
    }
}
