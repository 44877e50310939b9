import Crypto
import Foundation
import NightshiftCore
import NightshiftServer
import Synchronization
import Testing
import _CryptoExtras

/// A clock pinned to one instant.
struct FixedClock: NightshiftCore.Clock {
    var instant: Date
    init(_ secondsSince1970: Double) { instant = Date(timeIntervalSince1970: secondsSince1970) }
    func now() -> Date { instant }
}

/// A clock tests move by hand (JWKS cache TTL and rate limit).
final class ManualClock: NightshiftCore.Clock, Sendable {
    private let instant: Mutex<Date>
    init(_ secondsSince1970: Double) { instant = Mutex(Date(timeIntervalSince1970: secondsSince1970)) }
    func now() -> Date { instant.withLock { $0 } }
    func advance(by seconds: Double) { instant.withLock { $0 += seconds } }
}

/// Real tokens, signed with swift-crypto: compact JWS built byte by byte as RFC 7515 describes.
enum TokenFactory {
    /// The instant the tests call "now": 2025-06-15T16:26:40Z.
    static let now: Double = 1_750_000_000
    static let secret = "nightshift-test-secret-with-at-least-32-bytes!"
    static let user = UUID(uuidString: "0f8e2b7c-3a4d-4e5f-8a9b-1c2d3e4f5a6b") ?? UUID()
    static let otherUser = UUID(uuidString: "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d") ?? UUID()

    /// The claims of a normal signed-in user, valid for an hour around `now`; `changes` edits them.
    static func claims(_ changes: [String: JSONValue?] = [:]) -> [String: JSONValue] {
        var claims: [String: JSONValue] = [
            "sub": .string(user.uuidString.lowercased()), "role": "authenticated", "aud": "authenticated",
            "email": "ada@example.com", "iat": .number(now - 600), "exp": .number(now + 3000),
        ]
        for (name, value) in changes {
            if let value { claims[name] = value } else { claims.removeValue(forKey: name) }
        }
        return claims
    }

    static func segment(_ value: JSONValue) -> String {
        Base64URL.encode(Array(value.jsonText.utf8))
    }

    static func unsigned(header: [String: JSONValue], claims: [String: JSONValue]) -> String {
        segment(.object(header)) + "." + segment(.object(claims))
    }

    static func hs256(
        _ claims: [String: JSONValue] = claims(), secret: String = secret, header: [String: JSONValue] = [:]
    ) -> String {
        hs256(claims, keyBytes: Array(secret.utf8), header: header)
    }

    static func hs256(_ claims: [String: JSONValue], keyBytes: [UInt8], header: [String: JSONValue] = [:]) -> String {
        var fullHeader: [String: JSONValue] = ["alg": "HS256", "typ": "JWT"]
        fullHeader.merge(header) { _, new in new }
        let input = unsigned(header: fullHeader, claims: claims)
        let mac = HMAC<Crypto.SHA256>.authenticationCode(for: Array(input.utf8), using: SymmetricKey(data: keyBytes))
        return input + "." + Base64URL.encode(Array(mac))
    }

    static func rs256(
        _ claims: [String: JSONValue] = claims(), key: _RSA.Signing.PrivateKey, kid: String? = "rsa-1"
    ) throws -> String {
        var header: [String: JSONValue] = ["alg": "RS256", "typ": "JWT"]
        if let kid { header["kid"] = .string(kid) }
        let input = unsigned(header: header, claims: claims)
        let signature = try key.signature(for: Crypto.SHA256.hash(data: Array(input.utf8)), padding: .insecurePKCS1v1_5)
        return input + "." + Base64URL.encode(Array(signature.rawRepresentation))
    }

    static func es256(
        _ claims: [String: JSONValue] = claims(), key: P256.Signing.PrivateKey, kid: String? = "ec-1"
    ) throws -> String {
        var header: [String: JSONValue] = ["alg": "ES256", "typ": "JWT"]
        if let kid { header["kid"] = .string(kid) }
        let input = unsigned(header: header, claims: claims)
        let signature = try key.signature(for: Array(input.utf8))
        return input + "." + Base64URL.encode(Array(signature.rawRepresentation))
    }

    /// The public JWK of an RSA key.
    static func jwk(_ key: _RSA.Signing.PublicKey, kid: String) throws -> JSONValue {
        let primitives = try key.getKeyPrimitives()
        return [
            "kty": "RSA", "kid": .string(kid), "alg": "RS256", "use": "sig",
            "n": .string(Base64URL.encode(Array(primitives.modulus))),
            "e": .string(Base64URL.encode(Array(primitives.publicExponent))),
        ]
    }

    /// The public JWK of a P-256 key.
    static func jwk(_ key: P256.Signing.PublicKey, kid: String) -> JSONValue {
        let raw = Array(key.rawRepresentation)
        return [
            "kty": "EC", "crv": "P-256", "kid": .string(kid), "alg": "ES256", "use": "sig",
            "x": .string(Base64URL.encode(raw[0..<32])), "y": .string(Base64URL.encode(raw[32..<64])),
        ]
    }

    static func jwks(_ keys: [JSONValue]) -> String {
        JSONValue.object(["keys": .array(keys)]).jsonText
    }
}

/// Keys made once per process: RSA key generation costs tens of milliseconds.
enum TestKeys {
    static let rsa: _RSA.Signing.PrivateKey = makeRSA()
    static let otherRSA: _RSA.Signing.PrivateKey = makeRSA()
    static let ec = P256.Signing.PrivateKey()
    static let otherEC = P256.Signing.PrivateKey()

    private static func makeRSA() -> _RSA.Signing.PrivateKey {
        do {
            return try _RSA.Signing.PrivateKey(keySize: .bits2048)
        } catch {
            fatalError("RSA key generation failed: \(error)")
        }
    }

    /// A JWKS with `rsa` as `rsa-1` and `ec` as `ec-1`.
    static func jwks() throws -> String {
        TokenFactory.jwks([
            try TokenFactory.jwk(rsa.publicKey, kid: "rsa-1"), TokenFactory.jwk(ec.publicKey, kid: "ec-1"),
        ])
    }
}

/// Expects `body` to fail with this authentication reason, and checks that the error's text carries none of
/// `secrets` (the token, the secret) in any form a log could show.
func expectAuthFailure<T>(
    _ reason: AuthFailure, hiding secrets: [String] = [], sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> T
) async {
    do {
        _ = try await body()
        Issue.record("expected \(reason), but it succeeded", sourceLocation: sourceLocation)
    } catch let error as NightshiftError {
        #expect(error.code == .forbidden, sourceLocation: sourceLocation)
        #expect(error.authFailure == reason, "got \(error)", sourceLocation: sourceLocation)
        let texts = [error.description, String(reflecting: error), error.message, "\(error.context)"]
        for secret in secrets where !secret.isEmpty {
            // Any long piece of a token (a segment, the signature) counts as a leak, not only the whole text.
            let pieces = [secret] + secret.split(separator: ".").map(String.init).filter { $0.count >= 8 }
            for piece in pieces {
                let leaked = texts.contains { $0.contains(piece) }
                #expect(!leaked, "error text leaks a secret", sourceLocation: sourceLocation)
            }
        }
    } catch {
        Issue.record("expected NightshiftError, got \(error)", sourceLocation: sourceLocation)
    }
}
