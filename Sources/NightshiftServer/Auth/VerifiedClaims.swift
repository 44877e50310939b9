import Foundation
import NightshiftCore

/// The claims of a token whose signature and time window were verified.
public struct VerifiedClaims: Sendable, Hashable {
    /// The Postgres role Supabase puts in `role`; an open set, the three Supabase roles have names.
    public struct Role: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        /// The claim's text.
        public var rawValue: String
        /// A role from its claim text.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// A signed-in user.
        public static let authenticated = Role(rawValue: "authenticated")
        /// The project's service role: trusted server code, bypasses row-level security.
        public static let serviceRole = Role(rawValue: "service_role")
        /// The anonymous role of the anon key: no user.
        public static let anon = Role(rawValue: "anon")

        /// The claim's text.
        public var description: String { rawValue }
    }

    /// The user (`sub`); nil only for tokens without `sub`, which Supabase issues for the anon and service-role
    /// keys. An `authenticated` token always has one.
    public var subject: UUID?
    /// `role`; a token without it is `anon`, as PostgREST treats it.
    public var role: Role
    /// `email`, when present.
    public var email: String?
    /// `exp`.
    public var expiresAt: Date
    /// `iat`, when present.
    public var issuedAt: Date?
    /// `aud`, as a list (a single string becomes one element; absent is empty).
    public var audiences: [String]
    /// `iss`, when present.
    public var issuer: String?
    /// The algorithm whose signature verified.
    public var algorithm: JWTAlgorithm
    /// The whole payload, for claims Nightshift does not model (`app_metadata`, `session_id`, …).
    public var raw: JSONValue

    /// Claims from their parts (the verifier builds these; public for tests and adapters).
    public init(
        subject: UUID?, role: Role, email: String?, expiresAt: Date, issuedAt: Date?, audiences: [String],
        issuer: String?, algorithm: JWTAlgorithm, raw: JSONValue
    ) {
        self.subject = subject
        self.role = role
        self.email = email
        self.expiresAt = expiresAt
        self.issuedAt = issuedAt
        self.audiences = audiences
        self.issuer = issuer
        self.algorithm = algorithm
        self.raw = raw
    }
}
