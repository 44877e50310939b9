import Foundation
import NightshiftCore

/// How the chat endpoint listens and what it accepts.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Largest request body accepted (413 above it).
    public var maxBodyBytes: Int
    /// Per-user token bucket: sustained requests per second and burst size.
    public var rateLimitPerSecond: Double
    public var rateLimitBurst: Double
    /// Origins a browser may call from: `*` (any), or the list of allowed origins (the matching one is echoed).
    public var allowedOrigins: [String]
    /// Whether a verified token whose user is not in `auth.users` adds that user on first sight. The embedded store
    /// always does (its tokens are the authority on its users); on PostgreSQL such a request is otherwise a 403.
    public var provisionUsers: Bool
    /// Seconds a connection may stay idle (no request, or a request head or body that stops arriving) before it
    /// is closed. A response being written, however long, is not idle.
    public var idleTimeout: TimeInterval

    public init(
        host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = 256 * 1024, rateLimitPerSecond: Double = 5,
        rateLimitBurst: Double = 20, allowedOrigins: [String] = ["*"], provisionUsers: Bool = false,
        idleTimeout: TimeInterval = 30
    ) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.rateLimitPerSecond = rateLimitPerSecond
        self.rateLimitBurst = rateLimitBurst
        self.allowedOrigins = allowedOrigins
        self.provisionUsers = provisionUsers
        self.idleTimeout = idleTimeout
    }

    /// Settings from the configuration: `NIGHTSHIFT_MAX_BODY_BYTES`, `NIGHTSHIFT_RATE_LIMIT` (requests per second),
    /// `NIGHTSHIFT_RATE_BURST`, `NIGHTSHIFT_CORS_ORIGINS` (`*` or a comma-separated list of origins),
    /// `NIGHTSHIFT_PROVISION_USERS` (true/false), `NIGHTSHIFT_IDLE_TIMEOUT` (seconds, 1…3600).
    public static func from(_ configuration: Configuration, host: String, port: Int) throws -> ServerConfiguration {
        let idle = try configuration.double("NIGHTSHIFT_IDLE_TIMEOUT", default: 30)
        guard (1...3600).contains(idle) else {
            throw NightshiftError(
                .configuration, "expected 1 to 3600 seconds", context: ["setting": "NIGHTSHIFT_IDLE_TIMEOUT"])
        }
        return ServerConfiguration(
            host: host, port: port,
            maxBodyBytes: try configuration.int("NIGHTSHIFT_MAX_BODY_BYTES", default: 256 * 1024),
            rateLimitPerSecond: try configuration.double("NIGHTSHIFT_RATE_LIMIT", default: 5),
            rateLimitBurst: try configuration.double("NIGHTSHIFT_RATE_BURST", default: 20),
            allowedOrigins: origins(configuration["NIGHTSHIFT_CORS_ORIGINS"]),
            provisionUsers: try configuration.bool("NIGHTSHIFT_PROVISION_USERS", default: false),
            idleTimeout: idle)
    }

    /// The comma-separated origins of `NIGHTSHIFT_CORS_ORIGINS`, trimmed, without a trailing slash; `*` when unset.
    static func origins(_ text: String?) -> [String] {
        let items = (text ?? "*").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        return items.isEmpty ? ["*"] : items
    }
}
