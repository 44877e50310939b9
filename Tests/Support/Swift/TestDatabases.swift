import Foundation
import NightshiftCore
import NightshiftStore

/// Facts about the test run's environment.
public enum TestEnvironment {
    /// `NIGHTSHIFT_TEST_DATABASE_URL`: a PostgreSQL (with pgvector) the tests may create databases in.
    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment["NIGHTSHIFT_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `NIGHTSHIFT_REQUIRE_POSTGRES=1` (set by scripts/test.sh and CI): PostgreSQL tests must run, not skip.
    public static var requirePostgres: Bool {
        ProcessInfo.processInfo.environment["NIGHTSHIFT_REQUIRE_POSTGRES"] == "1"
    }

    /// Whether PostgreSQL tests run: a URL is given, or it is required (then they fail loudly without one).
    public static var postgresEnabled: Bool { postgresURL != nil || requirePostgres }

    /// The store kinds the conformance suites run against.
    public static var storeKinds: [StoreKind] { postgresEnabled ? [.sqlite, .postgres] : [.sqlite] }

    /// The repository's root folder.
    public static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url
    }()

    /// Writes an executable script (mode 0755) through a close-on-exec descriptor: a descriptor inherited by a
    /// child that a parallel test spawns meanwhile would keep the file open for writing, and executing the
    /// script would then fail with ETXTBSY ("Text file busy").
    public static func writeExecutable(_ text: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw NightshiftError(.io, "cannot write the script", context: ["file": path]) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw NightshiftError(.io, "short write", context: ["file": path]) }
        _ = fchmod(fd, 0o755)
    }

    /// A new empty temporary folder.
    public static func temporaryDirectory(_ label: String = "test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "nightshift-\(label)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Throwaway databases: each test gets its own, so tests run in parallel without seeing each other.
///
/// On PostgreSQL the migrations run once into a template database; every test database is a copy of it
/// (`create database … template …`), which takes milliseconds.
public actor TestDatabases {
    public static let shared = TestDatabases()

    private var template: Task<String, any Error>?

    /// The admin URL, or an error that says how to provide one.
    public static func adminURL() throws -> String {
        guard let url = TestEnvironment.postgresURL else {
            throw NightshiftError(
                .configuration,
                "PostgreSQL tests are required but NIGHTSHIFT_TEST_DATABASE_URL is not set (run scripts/test.sh)")
        }
        return url
    }

    /// `url` with its database name replaced.
    public static func url(_ url: String, database: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.path = "/" + database
        return components.string ?? url
    }

    /// This machine, in template names: only its own leftovers are cleaned up.
    static let host: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        let name =
            gethostname(&buffer, buffer.count) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "host"
        return String(SHA256.hex(name).prefix(8))
    }()

    /// The template, made once per process. A task, not a value: the actor lets other tests in while the first
    /// one awaits the server, and each of them would otherwise make (and migrate) a template of its own.
    private func templateName() async throws -> String {
        if let making = template { return try await making.value }
        let making = Task { try await Self.makeTemplate() }
        template = making
        do {
            return try await making.value
        } catch {
            template = nil
            throw error
        }
    }

    private static func makeTemplate() async throws -> String {
        let admin = try Self.adminURL()
        let pid = ProcessInfo.processInfo.processIdentifier
        let name = "nightshift_tpl_\(Self.host)_\(pid)_\(UInt32.random(in: 0...UInt32.max))"
        let connection = try await PGConnection.connect(url: Secret(admin))
        // A test process cannot drop its template when it ends (Swift Testing has no end-of-run hook): drop the
        // templates of this machine's test processes that are gone, so a long-lived server does not fill up.
        for row in try await connection.query(
            "select datname from pg_database where datname like \("nightshift\\_tpl\\_\(Self.host)\\_%")")
        {
            let old = try row.decode(0, as: String.self)
            let parts = old.split(separator: "_")
            guard parts.count == 5, let owner = Int32(parts[3]), owner != pid, kill(owner, 0) != 0, errno == ESRCH
            else { continue }
            _ = try? await connection.simpleQuery("drop database if exists \(old) with (force)")
        }
        try await connection.simpleQuery("create database \(name)")
        let store = PostgresStore(pool: PGPool(url: Secret(Self.url(admin, database: name)), maxConnections: 1))
        try await store.migrate()
        await store.close()
        return name
    }

    /// A new database with every migration applied (or none with `migrated: false`); its URL.
    public func makePostgresDatabase(migrated: Bool = true) async throws -> String {
        let admin = try Self.adminURL()
        let name = "nightshift_t_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16))"
        let connection = try await PGConnection.connect(url: Secret(admin))
        Self.recordUse()
        if migrated {
            let template = try await templateName()
            try await connection.simpleQuery("create database \(name) template \(template)")
        } else {
            try await connection.simpleQuery("create database \(name)")
        }
        return Self.url(admin, database: name)
    }

    /// Appends a line to `$NIGHTSHIFT_TEST_PG_LOG`, so scripts/test.sh can say how many PostgreSQL tests ran.
    static func recordUse() {
        guard let path = ProcessInfo.processInfo.environment["NIGHTSHIFT_TEST_PG_LOG"] else { return }
        // O_APPEND: parallel tests each add a whole line.
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard fd >= 0 else { return }
        _ = "db\n".withCString { write(fd, $0, 3) }
        close(fd)
    }

    /// Drops a database made by `makePostgresDatabase` (closing other sessions on it).
    public static func dropPostgresDatabase(_ url: String) async {
        guard let admin = try? adminURL(), let name = URLComponents(string: url)?.path.dropFirst(),
            name.hasPrefix("nightshift_t_"), let connection = try? await PGConnection.connect(url: Secret(admin))
        else { return }
        _ = try? await connection.simpleQuery("drop database if exists \(name) with (force)")
    }
}

/// Runs `body` with a fresh, migrated store of `kind`, then closes and deletes it.
public func withFreshStore<T>(
    _ kind: StoreKind, _ body: (any Store) async throws -> T
) async throws -> T {
    switch kind {
    case .sqlite:
        let folder = try TestEnvironment.temporaryDirectory("sqlite")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try await SQLiteStore.open(path: folder.appendingPathComponent("test.sqlite").path)
        do {
            let value = try await body(store)
            await store.close()
            return value
        } catch {
            await store.close()
            throw error
        }
    case .postgres:
        let url = try await TestDatabases.shared.makePostgresDatabase()
        let store = try await PostgresStore.open(url: Secret(url))
        do {
            let value = try await body(store)
            await store.close()
            await TestDatabases.dropPostgresDatabase(url)
            return value
        } catch {
            await store.close()
            await TestDatabases.dropPostgresDatabase(url)
            throw error
        }
    }
}

/// The fixture file's path.
public var fixtureSeedPath: String {
    TestEnvironment.repositoryRoot.appendingPathComponent("fixtures/seed.json").path
}

/// What a repaired search index looks like on PostgreSQL, read in one query.
public struct SearchIndexState: Sendable {
    /// `idx_agent_memory_embedding` exists and is valid (not left half-built by a failed build).
    public var indexValid: Bool
    /// The BM25 postings trigger is enabled.
    public var postingsTriggerEnabled: Bool
    /// The postings are those of every chunk: one row per term occurrence of each `search_tsv`.
    public var postingsComplete: Bool

    public static func read(_ store: PostgresStore) async throws -> SearchIndexState {
        let row = try await store.pool.query(
            """
            select coalesce((select i.indisvalid from pg_index i
                             where i.indexrelid = to_regclass('public.idx_agent_memory_embedding')), false),
                   coalesce((select t.tgenabled <> 'D' from pg_trigger t
                             where t.tgrelid = 'public.agent_memory'::regclass and t.tgname = 'agent_memory_terms_insert'), false),
                   (select count(*) from public.agent_memory_terms)
                       = (select coalesce(sum(length(search_tsv)), 0) from public.agent_memory)
            """
        ).first
        return SearchIndexState(
            indexValid: try row?.decode(0, as: Bool.self) ?? false,
            postingsTriggerEnabled: try row?.decode(1, as: Bool.self) ?? false,
            postingsComplete: try row?.decode(2, as: Bool.self) ?? false)
    }
}
