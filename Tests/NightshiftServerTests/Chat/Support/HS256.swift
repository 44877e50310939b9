import Crypto
import Foundation
import NightshiftCore
import NightshiftServer

/// Signs compact HS256 JWS tokens with arbitrary claims (`DevelopmentTokens` always writes the right audience).
enum HS256 {
    static func sign(claims: JSONValue, secret: String) -> String {
        let header: JSONValue = ["alg": "HS256", "typ": "JWT"]
        let input = Base64URL.encode(Array(header.jsonText.utf8)) + "." + Base64URL.encode(Array(claims.jsonText.utf8))
        let mac = HMAC<Crypto.SHA256>.authenticationCode(
            for: Array(input.utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return input + "." + Base64URL.encode(Array(mac))
    }
}
