import Foundation
import NightshiftCore

extension JWTVerifier.Configuration {
    /// The least HS256 secret length accepted: RFC 7518 §3.2 asks for a key as long as the hash (32 bytes).
    public static let minimumSecretBytes = 32

    /// Reads the verifier settings from Nightshift's configuration.
    ///
    /// - `SUPABASE_JWT_SECRET`: the HS256 secret (at least 32 bytes).
    /// - `SUPABASE_JWKS_URL`: an http(s) URL of the JWKS for RS256 / ES256 (Supabase serves it at
    ///   `https://<project>.supabase.co/auth/v1/.well-known/jwks.json`).
    /// - `NIGHTSHIFT_JWT_AUDIENCE`: accepted audiences, comma-separated (default `authenticated`).
    /// - `NIGHTSHIFT_JWT_ISSUER`: accepted issuers, comma-separated (default: not checked).
    /// - `NIGHTSHIFT_JWT_LEEWAY`: seconds of clock skew tolerated (default 30, at most 300).
    ///
    /// Throws `NightshiftError(.configuration)` naming the setting when a value is malformed, or when neither a
    /// secret nor a JWKS URL is set (no token could ever verify).
    public static func from(_ configuration: NightshiftCore.Configuration) throws -> JWTVerifier.Configuration {
        let secret = configuration.secret("SUPABASE_JWT_SECRET")
        if let secret, secret.value.utf8.count < minimumSecretBytes {
            throw NightshiftError(
                .configuration, "the JWT secret is shorter than \(minimumSecretBytes) bytes",
                context: ["setting": "SUPABASE_JWT_SECRET"])
        }
        var jwks: JWKSProvider?
        if let text = configuration["SUPABASE_JWKS_URL"] {
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
                scheme == "https" || scheme == "http", url.host != nil
            else {
                throw NightshiftError(
                    .configuration, "expected an http(s) URL", context: ["setting": "SUPABASE_JWKS_URL"])
            }
            jwks = JWKSProvider(url: url)
        }
        guard secret != nil || jwks != nil else {
            throw NightshiftError(
                .configuration, "set SUPABASE_JWT_SECRET or SUPABASE_JWKS_URL to verify tokens",
                context: ["setting": "SUPABASE_JWT_SECRET"])
        }
        let audiences = list(configuration["NIGHTSHIFT_JWT_AUDIENCE"]) ?? ["authenticated"]
        let issuers = list(configuration["NIGHTSHIFT_JWT_ISSUER"]) ?? []
        let leeway = try configuration.double("NIGHTSHIFT_JWT_LEEWAY", default: 30)
        guard (0...300).contains(leeway) else {
            throw NightshiftError(
                .configuration, "expected 0 to 300 seconds", context: ["setting": "NIGHTSHIFT_JWT_LEEWAY"])
        }
        return JWTVerifier.Configuration(
            secret: secret, jwks: jwks, audiences: audiences, issuers: issuers, leeway: leeway)
    }

    /// Comma-separated values, trimmed; nil when the setting is unset or holds no value.
    private static func list(_ text: String?) -> [String]? {
        guard let text else { return nil }
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return items.isEmpty ? nil : items
    }
}
