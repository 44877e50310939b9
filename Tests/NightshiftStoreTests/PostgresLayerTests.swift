import Foundation
import NightshiftCore
import NightshiftStore
import NightshiftTestSupport
import Testing

/// The libpq layer against a real PostgreSQL.
@Suite("libpq layer", .enabled(if: TestEnvironment.postgresEnabled))
struct PostgresLayerTests {
    /// A connection to a fresh migrated database (pgvector installed), dropped afterwards.
    func withConnection<T>(_ body: (PGConnection) async throws -> T) async throws -> T {
        let url = try await TestDatabases.shared.makePostgresDatabase()
        do {
            let value = try await body(try await PGConnection.connect(url: Secret(url)))
            await TestDatabases.dropPostgresDatabase(url)
            return value
        } catch {
            await TestDatabases.dropPostgresDatabase(url)
            throw error
        }
    }

    @Test("a scratch database: created on the server of another URL, opened, migrated, dropped; a bad name refused")
    func scratchDatabase() async throws {
        let server = Secret(try TestDatabases.adminURL())
        let scratch = try await PostgresStore.createScratchDatabase(serverURL: server, prefix: "nightshift_test_scratch_")
        #expect(scratch.name.hasPrefix("nightshift_test_scratch_"))
        #expect(scratch.url.value.contains("/\(scratch.name)"))
        let store = try await PostgresStore.open(url: scratch.url)
        try await store.migrate()
        #expect(try await store.migrationStatus().allSatisfy { $0.state == .applied })
        // Dropped while the store's pool is still connected (`with (force)`).
        try await PostgresStore.dropScratchDatabase(scratch)
        await store.close()
        let admin = try await PGConnection.connect(url: server)
        let left = try await admin.scalar("select count(*)::int8 from pg_database where datname = \(scratch.name)", as: Int.self)
        #expect(left == 0)
        await #expect(throws: NightshiftError.self) {
            _ = try await PostgresStore.createScratchDatabase(serverURL: server, prefix: "x; drop database postgres; --")
        }
    }

    @Test("every supported type round-trips through parameters and results")
    func roundTrip() async throws {
        try await withConnection { connection in
            let text = "tab\there \"quoted\" back\\slash\nnewline, comma {brace} é 日本 🎉"
            let uuid = UUID()
            let date = Date(timeIntervalSince1970: 1_790_000_000.123456)
            let json: JSONValue = ["a": [1, 2.5, "x"], "b": ["nested": true], "c": nil]
            let decimal = Decimal(string: "12345678901234.000123")!
            let array = ["plain", "with,comma", "with \"quote\"", "NULL", "", "back\\slash", "{braces}"]
            let uuids = [UUID(), UUID()]
            let vector = PGVector([0.5, -1.25, 3, 1e-7])
            let rows = try await connection.query(
                """
                select \(text)::text, \(Int.max)::int8, \(Int.min)::int8, \(Int32(-7))::int4, \(3.141592653589793)::float8,
                       \(true)::bool, \(false)::bool, \(uuid)::uuid, \(date)::timestamptz, \(json)::jsonb,
                       \(decimal)::numeric, \(array)::text[], \(uuids)::uuid[], \(vector)::vector,
                       \(nil as String?)::text, \(Double.infinity)::float8
                """)
            let row = try #require(rows.first)
            #expect(try row.decode(0, as: String.self) == text)
            #expect(try row.decode(1, as: Int.self) == Int.max)
            #expect(try row.decode(2, as: Int.self) == Int.min)
            #expect(try row.decode(3, as: Int32.self) == -7)
            #expect(try row.decode(4, as: Double.self) == 3.141592653589793)
            #expect(try row.decode(5, as: Bool.self))
            #expect(try row.decode(6, as: Bool.self) == false)
            #expect(try row.decode(7, as: UUID.self) == uuid)
            let back = try row.decode(8, as: Date.self)
            #expect(abs(back.timeIntervalSince1970 - date.timeIntervalSince1970) < 1e-6)
            #expect(try row.decode(9, as: JSONValue.self) == json)
            #expect(try row.decode(10, as: Decimal.self) == decimal)
            #expect(try row.decode(11, as: [String].self) == array)
            #expect(try row.decode(12, as: [UUID].self) == uuids)
            #expect(try row.decode(13, as: PGVector.self) == vector)
            #expect(try row.decode(14, as: String?.self) == nil)
            #expect(try row.decode(15, as: Double.self) == .infinity)
            // A NULL read as non-optional names the column.
            #expect(throws: PGError.self) { try row.decode(14, as: String.self) }
        }
    }

    @Test("a failed statement's error has SQLSTATE, message and statement, never the parameter values")
    func errorsCarryNoValues() async throws {
        try await withConnection { connection in
            let secret = "secret-value-4711"
            do {
                try await connection.query("select \(secret)::int as broken")
                Issue.record("expected an error")
            } catch let error as PGError {
                #expect(error.sqlState == "22P02")
                #expect(error.kind == .query)
                #expect(error.statement?.contains("select $1::int as broken") == true)
                #expect(!error.description.contains(secret))
                #expect(!"\(error.message) \(error.detail ?? "")".contains(secret))
            }
            do {
                try await connection.query("select * from no_such_table_here where x = \(secret)")
                Issue.record("expected an error")
            } catch let error as PGError {
                #expect(error.sqlState == "42P01")
                #expect(error.position != nil)
            }
        }
    }

    @Test("a transaction rolls back when its body throws")
    func transactionRollback() async throws {
        try await withConnection { connection in
            try await connection.simpleQuery("create temporary table tx_test (id int)")
            struct Boom: Error {}
            await #expect(throws: Boom.self) {
                try await connection.transaction { connection in
                    try await connection.execute("insert into tx_test values (\(1))")
                    throw Boom()
                }
            }
            #expect(try await connection.scalar("select count(*) from tx_test", as: Int.self) == 0)
            try await connection.transaction { connection in
                try await connection.execute("insert into tx_test values (\(2))")
            }
            #expect(try await connection.scalar("select count(*) from tx_test", as: Int.self) == 1)
        }
    }

    @Test("COPY FROM STDIN loads rows with any characters and NULLs, and aborts cleanly")
    func copy() async throws {
        try await withConnection { connection in
            try await connection.simpleQuery("create temporary table copy_test (id int, body text, tags text[])")
            let count = try await connection.copyIn("copy copy_test (id, body, tags) from stdin", rowCount: 3000) {
                index, writer in
                writer.field(String(index))
                writer.field(index % 7 == 0 ? nil : "row \(index)\twith\ttabs\nand \\ backslash \r end")
                writer.field(PGArray.literal(["a,b", "c\"d"]))
            }
            #expect(count == 3000)
            #expect(try await connection.scalar("select count(*) from copy_test where body is null", as: Int.self) == 429)
            let body = try await connection.scalar("select body from copy_test where id = 1", as: String.self)
            #expect(body == "row 1\twith\ttabs\nand \\ backslash \r end")
            #expect(try await connection.scalar("select tags from copy_test where id = 1", as: [String].self) == ["a,b", "c\"d"])
            struct Stop: Error {}
            await #expect(throws: Stop.self) {
                try await connection.copyIn("copy copy_test (id) from stdin", rowCount: 10) { index, writer in
                    if index == 5 { throw Stop() }
                    writer.field(String(index))
                }
            }
            #expect(try await connection.scalar("select count(*) from copy_test", as: Int.self) == 3000)
        }
    }

    @Test("the pool serves many concurrent queries with a bounded number of connections")
    func pool() async throws {
        let pool = PGPool(url: Secret(try TestDatabases.adminURL()), maxConnections: 3)
        let pids = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<24 {
                group.addTask {
                    try await pool.withConnection { connection in
                        #expect(try await connection.scalar("select \(index)::int8 + 1", as: Int.self) == index + 1)
                        return try await connection.scalar("select pg_backend_pid()", as: Int.self) ?? 0
                    }
                }
            }
            var pids = Set<Int>()
            for try await pid in group { pids.insert(pid) }
            return pids
        }
        #expect(pids.count <= 3)
        #expect(!pids.isEmpty)
        pool.close()
    }

    @Test("a malformed URL is a clear connection error without the password")
    func malformedURL() async throws {
        do {
            _ = try await PGConnection.connect(url: Secret("postgres://admin:hunter2pw@localhost:notaport/db"))
            Issue.record("expected an error")
        } catch let error as PGError {
            #expect(error.kind == .connection)
            #expect(!error.description.contains("hunter2pw"))
        }
        #expect(throws: NightshiftError.self) {
            try StoreLocation.resolve(Configuration(values: ["DATABASE_URL": "mysql://u:p@h/db"]))
        }
    }

    @Test("an unreachable server is a clear connection error without the password")
    func unreachable() async throws {
        do {
            _ = try await PostgresStore.open(url: Secret("postgres://admin:hunter2pw@127.0.0.1:1/db?connect_timeout=3"))
            Issue.record("expected an error")
        } catch let error as PGError {
            #expect(error.kind == .connection)
            #expect(error.description.contains("127.0.0.1"))
            #expect(!error.description.contains("hunter2pw"))
        }
    }
}
