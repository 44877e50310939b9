import Crypto
import Foundation
import NightshiftCore

/// Who a request acts for, established from its credentials alone, never from its body.
public struct RequestIdentity: Sendable, Hashable {
    /// Who presented the credential.
    public enum Principal: Sendable, Hashable {
        /// A signed-in user acting for themselves.
        case user
        /// Trusted server code (the service role) acting for the user named in `X-Nightshift-User`.
        case service
    }

    /// The user whose data the request reads and writes.
    public var userID: UUID
    /// Who authenticated.
    public var principal: Principal
    /// The verified token's claims; nil when an opaque service key authenticated the request.
    public var claims: VerifiedClaims?

    /// An identity from its parts (the authenticator builds these; public for tests and adapters).
    public init(userID: UUID, principal: Principal, claims: VerifiedClaims?) {
        self.userID = userID
        self.principal = principal
        self.claims = claims
    }
}

/// Turns a request's `Authorization` and `X-Nightshift-User` headers into a `RequestIdentity`.
///
/// - a user token (`role: authenticated`) acts for its `sub`; if it also sends `X-Nightshift-User`, that must
///   name the same user;
/// - a service-role credential (a verified token with `role: service_role`, such as Supabase's legacy
///   service-role key, or one of `serviceKeys` compared in constant time) acts for the user named in
///   `X-Nightshift-User`, which is then required and must be a UUID;
/// - an `anon` token, or any other role, is refused.
public struct RequestAuthenticator: Sendable {
    /// The header a service-role caller names its user in.
    public static let actingUserHeader = "X-Nightshift-User"

    /// The token verifier.
    public let verifier: JWTVerifier
    private let serviceKeyDigests: [[UInt8]]

    /// An authenticator over `verifier`; `serviceKeys` are opaque service credentials (e.g. Supabase's
    /// `sb_secret_…` keys) accepted as the service role without being JWTs.
    public init(verifier: JWTVerifier, serviceKeys: [Secret] = []) {
        self.verifier = verifier
        self.serviceKeyDigests = serviceKeys.filter { !$0.value.isEmpty }.map { RequestAuthenticator.digest($0.value) }
    }

    /// An authenticator from Nightshift's configuration: the verifier of `JWTVerifier.Configuration.from`, and
    /// `SUPABASE_SERVICE_ROLE_KEY` and `NIGHTSHIFT_SERVICE_KEY` as service keys when set (either may be the
    /// opaque `sb_secret_…` key, which is not a JWT, or the legacy service-role JWT, which then also verifies as
    /// one).
    public static func from(
        _ configuration: NightshiftCore.Configuration, clock: any NightshiftCore.Clock = SystemClock()
    ) throws -> RequestAuthenticator {
        let verifier = JWTVerifier(configuration: try JWTVerifier.Configuration.from(configuration), clock: clock)
        let serviceKeys = ["SUPABASE_SERVICE_ROLE_KEY", "NIGHTSHIFT_SERVICE_KEY"].compactMap { configuration.secret($0) }
        return RequestAuthenticator(verifier: verifier, serviceKeys: serviceKeys)
    }

    /// Resolves the identity of a request from its header values (nil when a header is absent).
    ///
    /// Throws `NightshiftError.auth(_:)` (see `AuthFailure.httpStatus` for the status to answer), or the
    /// verifier's JWKS-loading errors.
    public func identify(authorization: String?, actingUser: String?) async throws -> RequestIdentity {
        let token = try RequestAuthenticator.bearerToken(authorization)
        if isServiceKey(token) {
            return RequestIdentity(userID: try Self.actingUserID(actingUser), principal: .service, claims: nil)
        }
        let claims = try await verifier.verify(token)
        switch claims.role {
        case .authenticated:
            guard let subject = claims.subject else { throw NightshiftError.auth(.invalidSubject) }
            if let actingUser {
                guard let named = UUID(uuidString: actingUser.trimmingCharacters(in: .whitespaces)) else {
                    throw NightshiftError.auth(.actingUserMalformed)
                }
                guard named == subject else { throw NightshiftError.auth(.actingUserForbidden) }
            }
            return RequestIdentity(userID: subject, principal: .user, claims: claims)
        case .serviceRole:
            return RequestIdentity(userID: try Self.actingUserID(actingUser), principal: .service, claims: claims)
        case .anon:
            throw NightshiftError.auth(.anonymous)
        default:
            throw NightshiftError.auth(.roleNotAllowed)
        }
    }

    /// The token of a `Bearer` credential (scheme case-insensitive, RFC 7235); `missing` or `malformed` otherwise.
    public static func bearerToken(_ authorization: String?) throws -> String {
        guard let authorization else { throw NightshiftError.auth(.missing) }
        let value = authorization.trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else { throw NightshiftError.auth(.missing) }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts[0].lowercased() == "bearer" else {
            throw NightshiftError.auth(.malformed, detail: "not a Bearer credential")
        }
        let token = parts.count == 2 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        guard !token.isEmpty else { throw NightshiftError.auth(.missing) }
        return token
    }

    private static func actingUserID(_ header: String?) throws -> UUID {
        guard let header, !header.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw NightshiftError.auth(.actingUserRequired)
        }
        guard let id = UUID(uuidString: header.trimmingCharacters(in: .whitespaces)) else {
            throw NightshiftError.auth(.actingUserMalformed)
        }
        return id
    }

    private func isServiceKey(_ token: String) -> Bool {
        guard !serviceKeyDigests.isEmpty else { return false }
        // Comparing fixed-length digests, every byte every time, leaks neither the key's length nor a prefix.
        let candidate = RequestAuthenticator.digest(token)
        var matched = false
        for key in serviceKeyDigests {
            var difference: UInt8 = 0
            for (a, b) in zip(key, candidate) { difference |= a ^ b }
            matched = matched || difference == 0
        }
        return matched
    }

    private static func digest(_ text: String) -> [UInt8] {
        Array(Crypto.SHA256.hash(data: Data(text.utf8)))
    }
}
