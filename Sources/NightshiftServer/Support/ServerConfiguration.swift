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
    /// `Access-Control-Allow-Origin`: `*` (any), or the one origin allowed.
    public var allowedOrigins: [String]

    public init(
        host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = 256 * 1024, rateLimitPerSecond: Double = 5,
        rateLimitBurst: Double = 20, allowedOrigins: [String] = ["*"]
    ) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.rateLimitPerSecond = rateLimitPerSecond
        self.rateLimitBurst = rateLimitBurst
        self.allowedOrigins = allowedOrigins
    }

    /// Settings from the configuration: `NIGHTSHIFT_MAX_BODY_BYTES`, `NIGHTSHIFT_RATE_LIMIT` (requests per second),
    /// `NIGHTSHIFT_RATE_BURST`, `NIGHTSHIFT_CORS_ORIGINS` (`*` or one origin).
    public static func from(_ configuration: Configuration, host: String, port: Int) throws -> ServerConfiguration {
        ServerConfiguration(
            host: host, port: port,
            maxBodyBytes: try configuration.int("NIGHTSHIFT_MAX_BODY_BYTES", default: 256 * 1024),
            rateLimitPerSecond: try configuration.double("NIGHTSHIFT_RATE_LIMIT", default: 5),
            rateLimitBurst: try configuration.double("NIGHTSHIFT_RATE_BURST", default: 20),
            allowedOrigins: (configuration["NIGHTSHIFT_CORS_ORIGINS"] ?? "*").split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    }
}
