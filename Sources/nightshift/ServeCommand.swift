import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NightshiftAI
import NightshiftCore
import NightshiftJobs
import NightshiftServer
import NightshiftStore

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the chat endpoint (POST /v1/chat, /v1/chat/completions) on the same core as the jobs.",
        discussion: """
            Requests carry a Supabase JWT (Authorization: Bearer …), verified with SUPABASE_JWT_SECRET (HS256) or \
            the keys at SUPABASE_JWKS_URL (RS256/ES256). With neither set, the server runs in development mode, \
            only on the embedded store at a loopback address: it makes a random secret for this process and prints a \
            token for a demo user. Anywhere else it refuses to start.

            The LLM chain is OpenAI then Anthropic (OPENAI_API_KEY, ANTHROPIC_API_KEY); with no key, the offline \
            extractive answerer replies from the retrieved documents. SIGTERM stops accepting requests and lets \
            in-flight ones finish.

            Settings: NIGHTSHIFT_PORT (the port when --port is not given, default 8080), NIGHTSHIFT_RATE_LIMIT \
            (requests/s per user, default 5), NIGHTSHIFT_RATE_BURST (20), NIGHTSHIFT_MAX_BODY_BYTES (262144), \
            NIGHTSHIFT_CORS_ORIGINS (* or a comma-separated list of origins), NIGHTSHIFT_IDLE_TIMEOUT (seconds an \
            idle connection is kept, default 30), NIGHTSHIFT_PROVISION_USERS (true: on PostgreSQL, add the user of a \
            verified token that is not in auth.users; default false, a 403), NIGHTSHIFT_SERVICE_KEY (a key that may \
            act for the user named in X-Nightshift-User), \
            NIGHTSHIFT_REQUIRE_CHAT_FLAG (true: a user needs the ai_chat_enabled flag; default false), \
            NIGHTSHIFT_CHAT_SEARCH (retrieval: hybrid, the default, vector or text), NIGHTSHIFT_DB_POOL (PostgreSQL \
            connections, default 8; about the database server's cores + 1 keeps latency lowest under load).

            Examples:
              nightshift serve
              DATABASE_URL=postgres://… SUPABASE_JWT_SECRET=… nightshift serve --host 0.0.0.0 --port 8080
              curl -N -H "Authorization: Bearer $TOKEN" -d '{"message":"How do I cancel?"}' 'localhost:8080/v1/chat?stream=true'
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (default: NIGHTSHIFT_PORT, else 8080).")
    var port: Int?

    @Option(help: ArgumentHelp("The embedder the documents were ingested with.", valueName: "name"))
    var embedder: EmbedderName?

    func validate() throws {
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be 0…65535") }
    }

    /// Whether `host` only ever accepts connections from this machine.
    static func isLoopback(_ host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name == "localhost" || name == "::1" { return true }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    func run() async throws {
        try await runReportingErrors {
            let configuration = try self.store.loadConfiguration()
            let port = try self.port ?? configuration.int("NIGHTSHIFT_PORT", default: 8080)
            guard (0...65535).contains(port) else {
                throw NightshiftError(.configuration, "expected a port 0…65535", context: ["setting": "NIGHTSHIFT_PORT"])
            }
            let development = configuration["SUPABASE_JWT_SECRET"] == nil && configuration["SUPABASE_JWKS_URL"] == nil
            var onPostgres = false
            if case .postgres = try StoreLocation.resolve(configuration) { onPostgres = true }
            if development, onPostgres || !Self.isLoopback(host) {
                // Checked before the store opens: nothing is written for a server that will not start.
                throw NightshiftError(
                    .configuration,
                    "no SUPABASE_JWT_SECRET or SUPABASE_JWKS_URL is set, and development mode (random secret, demo "
                        + "user) runs only on the embedded store at a loopback address; set SUPABASE_JWT_SECRET or "
                        + "SUPABASE_JWKS_URL to serve " + (onPostgres ? "from DATABASE_URL" : "on \(host)"),
                    context: ["setting": "SUPABASE_JWT_SECRET"])
            }
            try await withStore(self.store) { store, _ in
                var settings = configuration
                var developmentToken: String?
                if development {
                    let secret = DevelopmentTokens.randomSecret()
                    settings.set("SUPABASE_JWT_SECRET", secret.value, origin: "development")
                    let demo = UUID(uuidString: "a0000000-0000-4000-8000-00000000000a") ?? UUID()
                    try await store.createUser(User(id: demo, email: "alice@example.com"))
                    developmentToken = DevelopmentTokens.sign(userID: demo, secret: secret, lifetime: 86400)
                }
                let authenticator = try RequestAuthenticator.from(settings)
                let chain = try ProviderChain.standard(configuration: configuration)
                var chatSettings = ChatOrchestrator.Settings()
                chatSettings.requireChatFlag = try configuration.bool("NIGHTSHIFT_REQUIRE_CHAT_FLAG", default: false)
                if let mode = configuration["NIGHTSHIFT_CHAT_SEARCH"] {
                    guard let parsed = SearchMode(rawValue: mode) else {
                        throw NightshiftError(
                            .configuration, "expected hybrid, vector or text", context: ["setting": "NIGHTSHIFT_CHAT_SEARCH"])
                    }
                    chatSettings.searchMode = parsed
                }
                let orchestrator = ChatOrchestrator(
                    store: store, embedder: try EmbedderFactory.make(embedder, configuration: configuration), chain: chain,
                    prices: try PriceTable.load(overrideFile: configuration["NIGHTSHIFT_PRICES"]), settings: chatSettings,
                    logger: Log.logger("chat"))
                let host = self.host
                let summary = "(\(store.kind) store, " + (chain == nil ? "offline answerer" : "LLM chain \(chain?.name ?? "")") + ")"
                let app = buildApplication(
                    configuration: try ServerConfiguration.from(configuration, host: host, port: port),
                    dependencies: ServerDependencies(store: store, orchestrator: orchestrator, authenticator: authenticator),
                    logger: Log.logger("serve"),
                    onServerRunning: { [developmentToken] bound in
                        // Announced once the address is bound: a server that could not bind never says it serves.
                        var lines = ["nightshift serve on http://\(host):\(bound ?? port) \(summary)"]
                        if let developmentToken {
                            lines.append("development mode: no SUPABASE_JWT_SECRET or SUPABASE_JWKS_URL; tokens are signed with a random secret for this process.")
                            lines.append("demo user token (24 h): \(developmentToken)")
                        }
                        FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
                    })
                do {
                    try await app.runService()
                } catch {
                    throw Self.listenFailure(error, host: host, port: port)
                }
            }
        }
    }

    /// One line for a server that could not listen: the address, the reason, and the fix.
    static func listenFailure(_ error: any Error, host: String, port: Int) -> any Error {
        let text = "\(error)"
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        if text.contains("Address already in use") || text.contains("errno: \(EADDRINUSE)") {
            return NightshiftError(
                .io,
                "cannot listen on \(address): the address is already in use; stop the server that holds it or "
                    + "choose another port with --port or NIGHTSHIFT_PORT")
        }
        if text.contains("Cannot assign requested address") || text.contains("errno: \(EADDRNOTAVAIL)") {
            return NightshiftError(
                .io, "cannot listen on \(address): no interface of this machine has that address; check --host")
        }
        if text.contains("Permission denied") || text.contains("errno: \(EACCES)") {
            return NightshiftError(
                .io, "cannot listen on \(address): permission denied (ports below 1024 need privileges); choose "
                    + "another port with --port or NIGHTSHIFT_PORT")
        }
        if error is NightshiftError || error is PGError { return error }
        return NightshiftError(.io, "cannot listen on \(address): \(text)")
    }
}

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign a test JWT for a user with SUPABASE_JWT_SECRET (development and load tests).",
        discussion: """
            Example:
              SUPABASE_JWT_SECRET=… nightshift token --user a0000000-0000-4000-8000-00000000000a --ttl 3600
              nightshift token --user a0000000-0000-4000-8000-00000000000a --json   # {"token", "user", "expires_at"}
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp("The user id (sub).", valueName: "uuid"))
    var user: String

    @Option(help: "Seconds the token is valid.")
    var ttl: Double = 3600

    @Flag(help: "Print {\"token\", \"user\", \"expires_at\"} as JSON instead of the bare token.")
    var json = false

    func validate() throws {
        if UUID(uuidString: user) == nil { throw ValidationError("--user must be a uuid") }
        if ttl <= 0 { throw ValidationError("--ttl must be positive") }
    }

    func run() async throws {
        try await runReportingErrors {
            let configuration = try self.store.loadConfiguration()
            guard let secret = configuration.secret("SUPABASE_JWT_SECRET"), let id = UUID(uuidString: user) else {
                throw NightshiftError(.configuration, "SUPABASE_JWT_SECRET is not set", context: ["setting": "SUPABASE_JWT_SECRET"])
            }
            let token = DevelopmentTokens.sign(userID: id, secret: secret, lifetime: ttl)
            if json {
                let expires = Timestamp.iso8601(Date().addingTimeInterval(ttl))
                printJSON(["token": .string(token), "user": .string(id.uuidString.lowercased()), "expires_at": .string(expires)])
            } else {
                print(token)
            }
        }
    }
}
