import Crypto
import Foundation
import NightshiftCore

/// Signs HS256 tokens shaped like Supabase's, for development and `nightshift token`: the server verifies them
/// with the same secret as real ones.
public enum DevelopmentTokens {
    /// A token for `userID` (role `authenticated`, audience `authenticated`) valid for `lifetime` seconds.
    public static func sign(
        userID: UUID, secret: Secret, lifetime: TimeInterval = 3600, role: String = "authenticated", now: Date = Date()
    ) -> String {
        let header: JSONValue = ["alg": "HS256", "typ": "JWT"]
        let claims: JSONValue = [
            "sub": .string(userID.canonical), "role": .string(role), "aud": "authenticated",
            "iat": .number(now.timeIntervalSince1970.rounded(.down)),
            "exp": .number((now.timeIntervalSince1970 + lifetime).rounded(.down)),
        ]
        let signingInput = Base64URL.encode(Array(header.jsonText.utf8)) + "." + Base64URL.encode(Array(claims.jsonText.utf8))
        let signature = HMAC<Crypto.SHA256>.authenticationCode(
            for: Array(signingInput.utf8), using: SymmetricKey(data: Array(secret.value.utf8)))
        return signingInput + "." + Base64URL.encode(Array(signature))
    }

    /// A random secret for a development server that has none configured (never written anywhere).
    public static func randomSecret() -> Secret {
        Secret((0..<48).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined())
    }
}
