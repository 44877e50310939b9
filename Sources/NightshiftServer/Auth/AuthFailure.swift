import NightshiftCore

/// Why a request was not authenticated, stored as the `reason` of a `.forbidden` `NightshiftError`.
///
/// The raw values are stable: clients and logs may match on them. None of the messages built from these carries
/// the token, a claim value or a key: a token is a credential, and echoing it into logs would leak it.
public enum AuthFailure: String, Sendable, CaseIterable {
    /// No `Authorization` header, or an empty bearer token.
    case missing
    /// Not a `Bearer` credential, not three base64url segments, or a header or payload that is not a JSON object
    /// with the claims Nightshift needs in the right types.
    case malformed
    /// The signature does not match (tampered token, wrong secret or key).
    case badSignature
    /// `exp` is in the past (beyond the leeway).
    case expired
    /// `nbf` or `iat` is in the future (beyond the leeway).
    case notYetValid
    /// `aud` does not name an accepted audience.
    case wrongAudience
    /// `iss` is not an accepted issuer.
    case wrongIssuer
    /// `alg` is not one this verifier is configured for (`none` never is).
    case unsupportedAlgorithm
    /// No key of the JWKS matches the token's `kid` and `alg`, even after a refetch.
    case unknownKey
    /// `sub` is present but not a UUID, or missing where the role needs a user.
    case invalidSubject
    /// An `anon` token: it identifies no user, so it may not chat.
    case anonymous
    /// A role other than `authenticated` and `service_role`.
    case roleNotAllowed
    /// A service-role credential without the `X-Nightshift-User` header naming the user it acts for.
    case actingUserRequired
    /// `X-Nightshift-User` is not a UUID.
    case actingUserMalformed
    /// A user token sent `X-Nightshift-User` naming someone else: only the service role may act for others.
    case actingUserForbidden

    /// The HTTP status a server answers with: 401 when the credential itself is bad or absent, 403 when it is
    /// valid but not allowed, 400 when the acting-user header is missing or malformed.
    public var httpStatus: Int {
        switch self {
        case .missing, .malformed, .badSignature, .expired, .notYetValid, .wrongAudience, .wrongIssuer,
            .unsupportedAlgorithm, .unknownKey, .invalidSubject:
            return 401
        case .anonymous, .roleNotAllowed, .actingUserForbidden:
            return 403
        case .actingUserRequired, .actingUserMalformed:
            return 400
        }
    }

    /// A fixed, human sentence for this reason; it never includes request data.
    public var message: String {
        switch self {
        case .missing: return "missing bearer token"
        case .malformed: return "malformed bearer token"
        case .badSignature: return "token signature does not verify"
        case .expired: return "token has expired"
        case .notYetValid: return "token is not valid yet"
        case .wrongAudience: return "token audience is not accepted"
        case .wrongIssuer: return "token issuer is not accepted"
        case .unsupportedAlgorithm: return "token algorithm is not accepted"
        case .unknownKey: return "token key is not known"
        case .invalidSubject: return "token subject is not a user id"
        case .anonymous: return "anonymous tokens may not use this endpoint"
        case .roleNotAllowed: return "token role may not use this endpoint"
        case .actingUserRequired: return "a service-role request must name its user in X-Nightshift-User"
        case .actingUserMalformed: return "X-Nightshift-User is not a UUID"
        case .actingUserForbidden: return "only the service role may act for another user"
        }
    }
}

extension NightshiftError {
    /// A `.forbidden` error for an authentication failure; `detail` (a fixed phrase naming the claim or header at
    /// fault, never its value) refines the message.
    public static func auth(_ failure: AuthFailure, detail: String? = nil) -> NightshiftError {
        let message = detail.map { "\(failure.message): \($0)" } ?? failure.message
        return NightshiftError(.forbidden, message, reason: failure.rawValue)
    }

    /// The authentication failure this error stands for, when it is one.
    public var authFailure: AuthFailure? {
        guard code == .forbidden else { return nil }
        return reason.flatMap(AuthFailure.init(rawValue:))
    }
}
