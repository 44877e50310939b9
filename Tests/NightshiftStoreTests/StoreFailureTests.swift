import Foundation
import NightshiftCore
import NightshiftStore
import NightshiftTestSupport
import Testing

/// Database errors mean the same on both stores: SQLite's constraint failures get the SQLSTATE PostgreSQL gives
/// the same failure, so callers map them once.
@Suite("Store failures by SQLSTATE class")
struct StoreFailureTests {
    /// The failure of `body`, which must throw a database error.
    static func failure(_ body: () async throws -> Void) async throws -> StoreFailure {
        do {
            try await body()
        } catch {
            return try #require(StoreFailure.of(error), "not a database error: \(error)")
        }
        Issue.record("expected a database error")
        return StoreFailure(.other, sqlState: nil)
    }

    @Test("a row for a user not in auth.users is a foreign-key violation (23503) on both stores", arguments: TestEnvironment.storeKinds)
    func foreignKey(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            let failure = try await Self.failure {
                try await store.createConversation(Conversation(userID: UUID()))
            }
            #expect(failure == StoreFailure(.constraint, sqlState: "23503"))
            #expect(failure.reason == "foreign_key_violation")
            #expect(failure.safeMessage == "the request refers to data that does not exist")
        }
    }

    @Test("the same conversation created twice is a unique violation (23505) on both stores", arguments: TestEnvironment.storeKinds)
    func duplicate(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            let user = UUID()
            try await store.createUser(User(id: user))
            let conversation = Conversation(userID: user)
            try await store.createConversation(conversation)
            let failure = try await Self.failure { try await store.createConversation(conversation) }
            #expect(failure == StoreFailure(.conflict, sqlState: "23505"))
            #expect(failure.reason == "unique_violation")
        }
    }

    @Test(
        "a PostgreSQL unique violation keeps its DETAIL's key value out of the description, in the debug field only",
        .enabled(if: TestEnvironment.postgresEnabled))
    func detailStaysOutOfDescription() async throws {
        let error = try await DatabaseErrorSamples.postgresUniqueViolation()
        let key = DatabaseErrorSamples.keyValue
        #expect(error.sqlState == "23505")
        #expect(error.detail?.contains(key) == true, "\(error.detail ?? "no detail")")
        #expect(error.debugDescription.contains(key))
        #expect(!error.description.contains(key), "\(error)")
        #expect(!"\(error)".contains(key))
        #expect(!"\(NightshiftError(.query, "insert failed", cause: error))".contains(key))
        #expect(error.storeFailure == StoreFailure(.conflict, sqlState: "23505"))
    }

    @Test("both stores throw their database errors in one shape, with the SQLSTATE as a field and no values", arguments: TestEnvironment.storeKinds)
    func oneShape(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            let user = UUID()
            try await store.createUser(User(id: user))
            let conversation = Conversation(userID: user)
            try await store.createConversation(conversation)
            var thrown: (any Error)?
            do { try await store.createConversation(conversation) } catch { thrown = error }
            let error = try #require(thrown)
            let database = try #require(StoreFailure.databaseError(in: error), "\(error)")
            #expect(database.sqlState == "23505")
            #expect(database.storeFailure == StoreFailure(.conflict, sqlState: "23505"))
            #expect(!database.description.contains(conversation.id.canonical))
            if kind == .sqlite {
                let sqlite = try #require(error as? SQLiteError, "GRDB's error left the store unmapped: \(type(of: error))")
                #expect([1555, 2067].contains(sqlite.resultCode))  // SQLITE_CONSTRAINT_PRIMARYKEY or _UNIQUE
                #expect(sqlite.detail == nil)
                #expect(sqlite.statement?.contains("?") == true)
                #expect(!String(reflecting: sqlite).contains(conversation.id.canonical))
            }
        }
    }

    @Test("SQLSTATE classes: 23 integrity, 08 and 57P0x unavailable, the rest other")
    func classes() {
        #expect(StoreFailure.category(sqlState: "23505") == .conflict)
        #expect(StoreFailure.category(sqlState: "23P01") == .conflict)
        #expect(StoreFailure.category(sqlState: "23503") == .constraint)
        #expect(StoreFailure.category(sqlState: "23514") == .constraint)
        #expect(StoreFailure.category(sqlState: "08006") == .unavailable)
        #expect(StoreFailure.category(sqlState: "57P01") == .unavailable)
        #expect(StoreFailure.category(sqlState: "57014") == .other)
        #expect(StoreFailure.category(sqlState: "42P01") == .other)
        #expect(StoreFailure.category(sqlState: "22021") == .other)
        #expect(StoreFailure.of(PGError(.connection, message: "could not connect")) == StoreFailure(.unavailable, sqlState: nil))
        #expect(StoreFailure.of(NightshiftError(.notFound, "no such thing")) == nil)
        let wrapped = NightshiftError(.query, "insert failed", cause: PGError(.query, message: "fk", sqlState: "23503"))
        #expect(StoreFailure.of(wrapped)?.sqlState == "23503")
    }
}
