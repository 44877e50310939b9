import Crypto
import Foundation
import NightshiftCore

/// Verifies Supabase access tokens (compact JWS): HS256 with the project's JWT secret, RS256 and ES256 with the
/// keys of a JWKS; then `exp`, `nbf`, `iat`, `aud` and `iss`.
///
/// The algorithm is taken from the token only to pick among the ones configured, and each algorithm has its own
/// key source: HS256 only ever uses the configured secret, RS256 / ES256 only ever use JWKS keys of that very
/// algorithm. So `alg: none` is refused, and a token "signed" with a public key as an HMAC secret fails.
/// Errors are `NightshiftError.auth(_:)` values (code `.forbidden`, a stable `reason`); their text never contains
/// the token, a claim value or key material.
public struct JWTVerifier: Sendable {
    /// What the verifier accepts.
    public struct Configuration: Sendable {
        /// The HMAC secret for HS256 (`SUPABASE_JWT_SECRET`, used as its UTF-8 bytes as Supabase does); nil
        /// refuses HS256.
        public var secret: Secret?
        /// Where RS256 / ES256 keys come from (`SUPABASE_JWKS_URL`); nil refuses both.
        public var jwks: JWKSProvider?
        /// Algorithms to accept, narrowed further to those with a key source; nil accepts every one that has.
        public var algorithms: Set<JWTAlgorithm>?
        /// Accepted audiences: `aud` (a string or an array) must name one. Empty skips the check.
        public var audiences: [String]
        /// Accepted issuers: `iss` must be one. Empty skips the check.
        public var issuers: [String]
        /// Seconds of clock skew tolerated on `exp`, `nbf` and `iat`.
        public var leeway: TimeInterval
        /// Whether a `service_role` token may lack `aud`: Supabase's service-role key carries none.
        public var serviceRoleMayOmitAudience: Bool
        /// Longest token accepted, in bytes; longer ones are malformed before any decoding.
        public var maxTokenBytes: Int

        /// A configuration; by default the audience must be `authenticated`, with 30 seconds of leeway.
        public init(
            secret: Secret? = nil, jwks: JWKSProvider? = nil, algorithms: Set<JWTAlgorithm>? = nil,
            audiences: [String] = ["authenticated"], issuers: [String] = [], leeway: TimeInterval = 30,
            serviceRoleMayOmitAudience: Bool = true, maxTokenBytes: Int = 16 * 1024
        ) {
            self.secret = secret
            self.jwks = jwks
            self.algorithms = algorithms
            self.audiences = audiences
            self.issuers = issuers
            self.leeway = leeway
            self.serviceRoleMayOmitAudience = serviceRoleMayOmitAudience
            self.maxTokenBytes = maxTokenBytes
        }

        /// The algorithms this configuration can verify: the requested ones that have a key source.
        public var acceptedAlgorithms: Set<JWTAlgorithm> {
            var available: Set<JWTAlgorithm> = []
            if secret != nil { available.insert(.hs256) }
            if jwks != nil { available.formUnion([.rs256, .es256]) }
            return algorithms.map { $0.intersection(available) } ?? available
        }
    }

    /// The configuration in force.
    public let configuration: Configuration
    private let hmacKey: SymmetricKey?
    private let accepted: Set<JWTAlgorithm>
    private let clock: any NightshiftCore.Clock

    /// A verifier; `clock` decides "now" for `exp`, `nbf` and `iat`.
    public init(configuration: Configuration, clock: any NightshiftCore.Clock = SystemClock()) {
        self.configuration = configuration
        self.hmacKey = configuration.secret.map { SymmetricKey(data: Data($0.value.utf8)) }
        self.accepted = configuration.acceptedAlgorithms
        self.clock = clock
    }

    /// Verifies a compact JWS and returns its claims.
    ///
    /// Throws `NightshiftError.auth(_:)` for every problem with the token; `NightshiftError(.http / .format)`
    /// only when the JWKS is needed and could not be loaded at all (a server-side failure, not the caller's).
    public func verify(_ token: String) async throws -> VerifiedClaims {
        guard !token.isEmpty else { throw NightshiftError.auth(.missing) }
        guard token.utf8.count <= configuration.maxTokenBytes else {
            throw NightshiftError.auth(.malformed, detail: "too long")
        }
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3 else { throw NightshiftError.auth(.malformed, detail: "not three segments") }
        guard let headerBytes = Base64URL.decode(segments[0]),
            let headerText = String(bytes: headerBytes, encoding: .utf8),
            case .object(let header)? = try? JSONValue.parse(headerText)
        else { throw NightshiftError.auth(.malformed, detail: "header") }
        guard !JSONDuplicateMembers.present(in: headerBytes) else {
            throw NightshiftError.auth(.malformed, detail: "header names a member twice")
        }

        guard let algorithmName = header["alg"]?.stringValue else {
            throw NightshiftError.auth(.malformed, detail: "header has no alg")
        }
        guard let algorithm = JWTAlgorithm(rawValue: algorithmName), accepted.contains(algorithm) else {
            throw NightshiftError.auth(.unsupportedAlgorithm)
        }
        // RFC 7515 §4.1.11: an extension we do not understand, marked critical, must be refused.
        guard header["crit"] == nil else { throw NightshiftError.auth(.malformed, detail: "critical header") }
        guard let payloadBytes = Base64URL.decode(segments[1]) else {
            throw NightshiftError.auth(.malformed, detail: "payload encoding")
        }
        guard let signature = Base64URL.decode(segments[2]), !signature.isEmpty else {
            throw NightshiftError.auth(.malformed, detail: "signature encoding")
        }
        let signingInput = Array(token.utf8[..<segments[1].endIndex])
        try await checkSignature(signature, of: signingInput, algorithm: algorithm, header: header)

        // The payload is parsed only once its signature holds: unauthenticated JSON never reaches the parser.
        guard let payloadText = String(bytes: payloadBytes, encoding: .utf8),
            case .object(let payload)? = try? JSONValue.parse(payloadText)
        else {
            throw NightshiftError.auth(.malformed, detail: "payload")
        }
        guard !JSONDuplicateMembers.present(in: payloadBytes) else {
            throw NightshiftError.auth(.malformed, detail: "payload names a member twice")
        }
        return try claims(of: payload, algorithm: algorithm)
    }

    private func checkSignature(
        _ signature: [UInt8], of input: [UInt8], algorithm: JWTAlgorithm, header: [String: JSONValue]
    ) async throws {
        switch algorithm {
        case .hs256:
            guard let hmacKey else { throw NightshiftError.auth(.unsupportedAlgorithm) }
            // swift-crypto compares the MAC in constant time.
            guard HMAC<Crypto.SHA256>.isValidAuthenticationCode(signature, authenticating: input, using: hmacKey) else {
                throw NightshiftError.auth(.badSignature)
            }
        case .rs256, .es256:
            guard let jwks = configuration.jwks else { throw NightshiftError.auth(.unsupportedAlgorithm) }
            let keyID: String?
            switch header["kid"] {
            case nil: keyID = nil
            case .string(let text)?: keyID = text
            default: throw NightshiftError.auth(.malformed, detail: "kid is not a string")
            }
            let keys = try await jwks.candidates(keyID: keyID, algorithm: algorithm)
            guard !keys.isEmpty else { throw NightshiftError.auth(.unknownKey) }
            guard keys.contains(where: { $0.isValidSignature(signature, for: input, algorithm: algorithm) }) else {
                throw NightshiftError.auth(.badSignature)
            }
        }
    }

    private func claims(of payload: [String: JSONValue], algorithm: JWTAlgorithm) throws -> VerifiedClaims {
        let now = clock.now().timeIntervalSince1970
        let leeway = configuration.leeway

        guard let exp = try numericDate(payload, "exp") else {
            throw NightshiftError.auth(.malformed, detail: "exp is required")
        }
        guard now < exp + leeway else { throw NightshiftError.auth(.expired) }
        if let nbf = try numericDate(payload, "nbf"), now + leeway < nbf {
            throw NightshiftError.auth(.notYetValid)
        }
        let iat = try numericDate(payload, "iat")
        if let iat, now + leeway < iat {
            throw NightshiftError.auth(.notYetValid, detail: "issued in the future")
        }

        let role: VerifiedClaims.Role
        switch payload["role"] {
        case nil: role = .anon
        case .string(let text)?: role = VerifiedClaims.Role(rawValue: text)
        default: throw NightshiftError.auth(.malformed, detail: "role is not a string")
        }

        let subject: UUID?
        switch payload["sub"] {
        case nil: subject = nil
        case .string(let text)?:
            guard let id = UUID(uuidString: text) else { throw NightshiftError.auth(.invalidSubject) }
            subject = id
        default: throw NightshiftError.auth(.invalidSubject)
        }
        if role == .authenticated, subject == nil {
            throw NightshiftError.auth(.invalidSubject, detail: "sub is required")
        }

        let issuer: String?
        switch payload["iss"] {
        case nil: issuer = nil
        case .string(let text)?: issuer = text
        default: throw NightshiftError.auth(.malformed, detail: "iss is not a string")
        }
        if !configuration.issuers.isEmpty {
            guard let issuer, configuration.issuers.contains(issuer) else { throw NightshiftError.auth(.wrongIssuer) }
        }

        let audiences: [String]
        switch payload["aud"] {
        case nil: audiences = []
        case .string(let text)?: audiences = [text]
        case .array(let list)?:
            audiences = try list.map { member in
                guard let text = member.stringValue else {
                    throw NightshiftError.auth(.malformed, detail: "aud member is not a string")
                }
                return text
            }
        default: throw NightshiftError.auth(.malformed, detail: "aud is not a string or array")
        }
        if !configuration.audiences.isEmpty {
            let exempt = audiences.isEmpty && role == .serviceRole && configuration.serviceRoleMayOmitAudience
            guard exempt || audiences.contains(where: configuration.audiences.contains) else {
                throw NightshiftError.auth(.wrongAudience)
            }
        }

        let email = payload["email"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        return VerifiedClaims(
            subject: subject, role: role, email: email, expiresAt: Date(timeIntervalSince1970: exp),
            issuedAt: iat.map(Date.init(timeIntervalSince1970:)), audiences: audiences, issuer: issuer,
            algorithm: algorithm, raw: .object(payload))
    }

    /// A NumericDate claim: nil when absent, malformed when present but not a finite number.
    private func numericDate(_ payload: [String: JSONValue], _ name: String) throws -> Double? {
        switch payload[name] {
        case nil: return nil
        case .number(let value)? where value.isFinite: return value
        default: throw NightshiftError.auth(.malformed, detail: "\(name) is not a number")
        }
    }
}

extension JWTVerifier: CustomStringConvertible, CustomDebugStringConvertible {
    /// What the verifier accepts, for startup logs; never the secret or key material.
    public var description: String {
        let algorithms = accepted.map(\.rawValue).sorted().joined(separator: ",")
        var text = "JWTVerifier(algorithms: \(algorithms), audiences: \(configuration.audiences.joined(separator: ","))"
        if !configuration.issuers.isEmpty { text += ", issuers: \(configuration.issuers.joined(separator: ","))" }
        return text + ", leeway: \(Int(configuration.leeway))s)"
    }

    /// The same as `description`: the default reflection would walk into the HMAC key.
    public var debugDescription: String { description }
}
