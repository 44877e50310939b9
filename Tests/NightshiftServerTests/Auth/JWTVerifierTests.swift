import Crypto
import Foundation
import NightshiftCore
import NightshiftServer
import Testing
import _CryptoExtras

@Suite("JWT verification with tokens signed by swift-crypto")
struct JWTVerifierTests {
    let secret = TokenFactory.secret

    func verifier(
        secret: String? = TokenFactory.secret, jwks: String? = nil, audiences: [String] = ["authenticated"],
        issuers: [String] = [], now: Double = TokenFactory.now
    ) throws -> JWTVerifier {
        let provider = try jwks.map { try JWKSProvider(json: $0) }
        let configuration = JWTVerifier.Configuration(
            secret: secret.map(Secret.init), jwks: provider, audiences: audiences, issuers: issuers, leeway: 30)
        return JWTVerifier(configuration: configuration, clock: FixedClock(now))
    }

    @Test("a valid HS256 token yields its user, role, email, expiry and raw claims")
    func validHS256() async throws {
        let token = TokenFactory.hs256(TokenFactory.claims(["app_metadata": ["provider": "email"]]))
        let claims = try await verifier().verify(token)
        #expect(claims.subject == TokenFactory.user)
        #expect(claims.role == .authenticated)
        #expect(claims.email == "ada@example.com")
        #expect(claims.expiresAt == Date(timeIntervalSince1970: TokenFactory.now + 3000))
        #expect(claims.issuedAt == Date(timeIntervalSince1970: TokenFactory.now - 600))
        #expect(claims.audiences == ["authenticated"])
        #expect(claims.algorithm == .hs256)
        #expect(claims.raw["app_metadata"]?["provider"] == "email")
    }

    @Test("valid RS256 and ES256 tokens verify with the JWKS key named by kid")
    func validAsymmetric() async throws {
        let verifier = try verifier(jwks: TestKeys.jwks())
        let rsa = try await verifier.verify(try TokenFactory.rs256(key: TestKeys.rsa))
        #expect(rsa.subject == TokenFactory.user)
        #expect(rsa.algorithm == .rs256)
        let ec = try await verifier.verify(try TokenFactory.es256(key: TestKeys.ec))
        #expect(ec.subject == TokenFactory.user)
        #expect(ec.algorithm == .es256)
    }

    @Test("a token without kid verifies when one JWKS key of its algorithm matches")
    func noKid() async throws {
        let verifier = try verifier(jwks: TestKeys.jwks())
        let claims = try await verifier.verify(try TokenFactory.es256(key: TestKeys.ec, kid: nil))
        #expect(claims.algorithm == .es256)
        let wrong = try TokenFactory.es256(key: TestKeys.otherEC, kid: nil)
        await expectAuthFailure(.badSignature, hiding: [wrong]) { try await verifier.verify(wrong) }
    }

    @Test("expiry: exp in the past fails, within the leeway passes, and exp is required")
    func expiry() async throws {
        let verifier = try verifier()
        let expired = TokenFactory.hs256(TokenFactory.claims(["exp": .number(TokenFactory.now - 31)]))
        await expectAuthFailure(.expired, hiding: [expired, secret]) { try await verifier.verify(expired) }
        let justExpired = TokenFactory.hs256(TokenFactory.claims(["exp": .number(TokenFactory.now - 29)]))
        _ = try await verifier.verify(justExpired)
        let noExpiry = TokenFactory.hs256(TokenFactory.claims(["exp": nil]))
        await expectAuthFailure(.malformed, hiding: [noExpiry]) { try await verifier.verify(noExpiry) }
        let textExpiry = TokenFactory.hs256(TokenFactory.claims(["exp": "4102444800"]))
        await expectAuthFailure(.malformed, hiding: [textExpiry]) { try await verifier.verify(textExpiry) }
    }

    @Test("nbf or iat in the future beyond the leeway is not yet valid")
    func notYetValid() async throws {
        let verifier = try verifier()
        let early = TokenFactory.hs256(TokenFactory.claims(["nbf": .number(TokenFactory.now + 120)]))
        await expectAuthFailure(.notYetValid, hiding: [early]) { try await verifier.verify(early) }
        let futureIssue = TokenFactory.hs256(TokenFactory.claims(["iat": .number(TokenFactory.now + 120)]))
        await expectAuthFailure(.notYetValid, hiding: [futureIssue]) { try await verifier.verify(futureIssue) }
        let skewed = TokenFactory.hs256(TokenFactory.claims(["nbf": .number(TokenFactory.now + 20)]))
        _ = try await verifier.verify(skewed)
    }

    @Test("a tampered payload or a wrong secret fails the signature check")
    func badSignature() async throws {
        let verifier = try verifier(jwks: TestKeys.jwks())
        let token = TokenFactory.hs256()
        let parts = token.split(separator: ".").map(String.init)
        let otherClaims = TokenFactory.claims(["sub": .string(TokenFactory.otherUser.uuidString)])
        let forged = TokenFactory.segment(.object(otherClaims))
        let tampered = parts[0] + "." + forged + "." + parts[2]
        await expectAuthFailure(.badSignature, hiding: [tampered, secret]) { try await verifier.verify(tampered) }

        let wrongSecret = TokenFactory.hs256(secret: "an-entirely-different-secret-of-32-bytes")
        await expectAuthFailure(.badSignature, hiding: [wrongSecret, secret]) { try await verifier.verify(wrongSecret) }

        let rsaByOtherKey = try TokenFactory.rs256(key: TestKeys.otherRSA)
        await expectAuthFailure(.badSignature, hiding: [rsaByOtherKey]) { try await verifier.verify(rsaByOtherKey) }
        let ecByOtherKey = try TokenFactory.es256(key: TestKeys.otherEC)
        await expectAuthFailure(.badSignature, hiding: [ecByOtherKey]) { try await verifier.verify(ecByOtherKey) }

        // A signature moved from another token, and one cut short.
        let other = TokenFactory.hs256(TokenFactory.claims(["email": "eve@example.com"]))
        let swapped = parts[0] + "." + parts[1] + "." + (other.split(separator: ".").last.map(String.init) ?? "")
        await expectAuthFailure(.badSignature, hiding: [swapped]) { try await verifier.verify(swapped) }
        let short = String(token.dropLast(3))
        await expectAuthFailure(.badSignature, hiding: [short]) { try await verifier.verify(short) }
    }

    @Test("aud must name an accepted audience, as a string or in an array")
    func audience() async throws {
        let verifier = try verifier()
        let wrong = TokenFactory.hs256(TokenFactory.claims(["aud": "storage"]))
        await expectAuthFailure(.wrongAudience, hiding: [wrong]) { try await verifier.verify(wrong) }
        let missing = TokenFactory.hs256(TokenFactory.claims(["aud": nil]))
        await expectAuthFailure(.wrongAudience, hiding: [missing]) { try await verifier.verify(missing) }
        let list = TokenFactory.hs256(TokenFactory.claims(["aud": ["storage", "authenticated"]]))
        #expect(try await verifier.verify(list).audiences == ["storage", "authenticated"])
        let otherList = TokenFactory.hs256(TokenFactory.claims(["aud": ["storage", "realtime"]]))
        await expectAuthFailure(.wrongAudience, hiding: [otherList]) { try await verifier.verify(otherList) }

        let custom = try self.verifier(audiences: ["nightshift-mobile"])
        await expectAuthFailure(.wrongAudience) { try await custom.verify(TokenFactory.hs256()) }
        _ = try await custom.verify(TokenFactory.hs256(TokenFactory.claims(["aud": "nightshift-mobile"])))
    }

    @Test("iss is checked only when issuers are configured")
    func issuer() async throws {
        let expected = "https://project.supabase.co/auth/v1"
        let token = TokenFactory.hs256(TokenFactory.claims(["iss": .string(expected)]))
        _ = try await verifier().verify(token)
        let strict = try verifier(issuers: [expected])
        #expect(try await strict.verify(token).issuer == expected)
        let foreign = TokenFactory.hs256(TokenFactory.claims(["iss": "https://evil.example/auth/v1"]))
        await expectAuthFailure(.wrongIssuer, hiding: [foreign]) { try await strict.verify(foreign) }
        await expectAuthFailure(.wrongIssuer) { try await strict.verify(TokenFactory.hs256()) }
    }

    @Test("a missing or empty token is missing; broken structure and encoding are malformed")
    func malformed() async throws {
        let verifier = try verifier()
        await expectAuthFailure(.missing) { try await verifier.verify("") }
        let token = TokenFactory.hs256()
        let parts = token.split(separator: ".").map(String.init)
        let cases: [String] = [
            "not-a-token",
            parts[0] + "." + parts[1],
            token + ".extra",
            token + "=",  // padding is not base64url as JWS spells it
            parts[0] + "=." + parts[1] + "." + parts[2],
            parts[0] + "." + parts[1] + "+/." + parts[2],  // the standard alphabet, not the URL one
            parts[0] + "." + parts[1] + ".",  // no signature at all
            "." + parts[1] + "." + parts[2],
            Base64URL.encode(Array("[1,2]".utf8)) + "." + parts[1] + "." + parts[2],
            Base64URL.encode(Array("{\"typ\":\"JWT\"}".utf8)) + "." + parts[1] + "." + parts[2],
            String(repeating: "A", count: 20_000),
        ]
        for text in cases {
            await expectAuthFailure(.malformed, hiding: [text]) { try await verifier.verify(text) }
        }
        // A payload that is not JSON, correctly signed: the signature holds, the content does not.
        let garbage = TokenFactory.segment(["alg": "HS256"]) + "." + Base64URL.encode(Array("not json".utf8))
        let mac = HMAC<Crypto.SHA256>.authenticationCode(
            for: Array(garbage.utf8), using: SymmetricKey(data: Array(secret.utf8)))
        let signedGarbage = garbage + "." + Base64URL.encode(Array(mac))
        await expectAuthFailure(.malformed, hiding: [signedGarbage]) { try await verifier.verify(signedGarbage) }
    }

    @Test("alg none, unknown algorithms and a critical header are refused")
    func algorithms() async throws {
        let verifier = try verifier(jwks: TestKeys.jwks())
        let claims = TokenFactory.claims()
        for alg in ["none", "None", "NONE", "HS512", "RS512", "PS256", "EdDSA", "hs256"] {
            let input = TokenFactory.unsigned(header: ["alg": .string(alg), "typ": "JWT"], claims: claims)
            for token in [input + ".", input + "." + Base64URL.encode(Array("sig".utf8))] {
                await expectAuthFailure(.unsupportedAlgorithm, hiding: [token]) { try await verifier.verify(token) }
            }
        }
        let critical = TokenFactory.hs256(header: ["crit": ["exp"], "exp": 1])
        await expectAuthFailure(.malformed, hiding: [critical]) { try await verifier.verify(critical) }
    }

    @Test("algorithm confusion: an HS256 token keyed with the RSA public key never verifies")
    func algorithmConfusion() async throws {
        let publicPEM = TestKeys.rsa.publicKey.pemRepresentation
        let publicDER = Array(TestKeys.rsa.publicKey.derRepresentation)
        let publicJWK = try TokenFactory.jwk(TestKeys.rsa.publicKey, kid: "rsa-1").jsonText
        let forgeries = [
            TokenFactory.hs256(TokenFactory.claims(), keyBytes: Array(publicPEM.utf8), header: ["kid": "rsa-1"]),
            TokenFactory.hs256(TokenFactory.claims(), keyBytes: publicDER, header: ["kid": "rsa-1"]),
            TokenFactory.hs256(TokenFactory.claims(), keyBytes: Array(publicJWK.utf8), header: ["kid": "rsa-1"]),
        ]
        // With the secret configured, HS256 is checked against the secret only.
        let both = try verifier(jwks: TestKeys.jwks())
        for token in forgeries {
            await expectAuthFailure(.badSignature, hiding: [token, secret]) { try await both.verify(token) }
        }
        // With only a JWKS, HS256 is not an algorithm this verifier speaks at all.
        let jwksOnly = try verifier(secret: nil, jwks: TestKeys.jwks())
        for token in forgeries {
            await expectAuthFailure(.unsupportedAlgorithm, hiding: [token]) { try await jwksOnly.verify(token) }
        }
        // The JWKS holds an `oct` key; it is skipped, so its bytes are no HMAC secret either.
        let withOct = TokenFactory.jwks([["kty": "oct", "kid": "hmac-1", "k": "c2VjcmV0", "alg": "HS256"]])
        let octVerifier = try verifier(secret: nil, jwks: withOct)
        let octToken = TokenFactory.hs256(
            TokenFactory.claims(), keyBytes: Array("secret".utf8), header: ["kid": "hmac-1"])
        await expectAuthFailure(.unsupportedAlgorithm, hiding: [octToken]) { try await octVerifier.verify(octToken) }
        // And an ES256 key cannot verify an RS256 token (or the reverse) under the same kid.
        let crossed = TokenFactory.jwks([TokenFactory.jwk(TestKeys.ec.publicKey, kid: "shared")])
        let crossedVerifier = try verifier(secret: nil, jwks: crossed)
        let rsaToken = try TokenFactory.rs256(key: TestKeys.rsa, kid: "shared")
        await expectAuthFailure(.unknownKey, hiding: [rsaToken]) { try await crossedVerifier.verify(rsaToken) }
    }

    @Test("RS256 and ES256 are refused when no JWKS is configured, HS256 when no secret is")
    func unconfiguredAlgorithms() async throws {
        let secretOnly = try verifier()
        let rsa = try TokenFactory.rs256(key: TestKeys.rsa)
        await expectAuthFailure(.unsupportedAlgorithm, hiding: [rsa]) { try await secretOnly.verify(rsa) }
        let restricted = JWTVerifier(
            configuration: .init(
                secret: Secret(secret), jwks: try JWKSProvider(json: TestKeys.jwks()), algorithms: [.es256]),
            clock: FixedClock(TokenFactory.now))
        await expectAuthFailure(.unsupportedAlgorithm) { try await restricted.verify(TokenFactory.hs256()) }
        await expectAuthFailure(.unsupportedAlgorithm, hiding: [rsa]) { try await restricted.verify(rsa) }
        _ = try await restricted.verify(try TokenFactory.es256(key: TestKeys.ec))
    }

    @Test("an unknown kid is unknownKey; a non-string kid is malformed")
    func unknownKid() async throws {
        let verifier = try verifier(jwks: TestKeys.jwks())
        let token = try TokenFactory.rs256(key: TestKeys.rsa, kid: "rsa-2")
        await expectAuthFailure(.unknownKey, hiding: [token]) { try await verifier.verify(token) }
        let input = TokenFactory.unsigned(header: ["alg": "ES256", "kid": 7], claims: TokenFactory.claims())
        let signature = try TestKeys.ec.signature(for: Array(input.utf8))
        let numericKid = input + "." + Base64URL.encode(Array(signature.rawRepresentation))
        await expectAuthFailure(.malformed, hiding: [numericKid]) { try await verifier.verify(numericKid) }
    }

    @Test("sub must be a UUID; an authenticated token must have one; role defaults to anon")
    func subject() async throws {
        let verifier = try verifier()
        for bad in ["user-42", "", 42, "0f8e2b7c3a4d4e5f8a9b1c2d3e4f5a6b"] as [JSONValue] {
            let token = TokenFactory.hs256(TokenFactory.claims(["sub": bad]))
            await expectAuthFailure(.invalidSubject, hiding: [token]) { try await verifier.verify(token) }
        }
        let noSubject = TokenFactory.hs256(TokenFactory.claims(["sub": nil]))
        await expectAuthFailure(.invalidSubject, hiding: [noSubject]) { try await verifier.verify(noSubject) }
        let upper = TokenFactory.hs256(TokenFactory.claims(["sub": .string(TokenFactory.user.uuidString)]))
        #expect(try await verifier.verify(upper).subject == TokenFactory.user)
        let noRole = TokenFactory.hs256(TokenFactory.claims(["role": nil, "sub": nil]))
        #expect(try await verifier.verify(noRole).role == .anon)
    }

    @Test("a service-role key without aud or sub verifies; other roles without aud do not")
    func serviceRoleKey() async throws {
        let key = TokenFactory.hs256(
            [
                "iss": "supabase", "role": "service_role", "iat": .number(TokenFactory.now - 1e6),
                "exp": .number(TokenFactory.now + 1e8),
            ])
        let claims = try await verifier().verify(key)
        #expect(claims.role == .serviceRole)
        #expect(claims.subject == nil)
        let strict = JWTVerifier(
            configuration: .init(secret: Secret(secret), serviceRoleMayOmitAudience: false),
            clock: FixedClock(TokenFactory.now))
        await expectAuthFailure(.wrongAudience, hiding: [key]) { try await strict.verify(key) }
        let anon = TokenFactory.hs256(["role": "anon", "exp": .number(TokenFactory.now + 60)])
        await expectAuthFailure(.wrongAudience, hiding: [anon]) { try await verifier().verify(anon) }
    }

    @Test("no failure's text contains the token, a segment of it, or the secret")
    func noLeaks() async throws {
        let verifier = try verifier(jwks: TestKeys.jwks())
        let cases: [(AuthFailure, String)] = [
            (.expired, TokenFactory.hs256(TokenFactory.claims(["exp": .number(TokenFactory.now - 3600)]))),
            (.badSignature, TokenFactory.hs256(secret: "an-entirely-different-secret-of-32-bytes")),
            (.wrongAudience, TokenFactory.hs256(TokenFactory.claims(["aud": "x"]))),
            (.invalidSubject, TokenFactory.hs256(TokenFactory.claims(["sub": "ada@example.com"]))),
            (.unknownKey, try TokenFactory.rs256(key: TestKeys.rsa, kid: "secret-kid-value")),
            (.malformed, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0"),
        ]
        for (reason, token) in cases {
            await expectAuthFailure(reason, hiding: [token, secret, "secret-kid-value", "ada@example.com"]) {
                try await verifier.verify(token)
            }
        }
        let printed = [
            String(describing: verifier), String(reflecting: verifier), String(describing: verifier.configuration),
            String(reflecting: verifier.configuration),
        ]
        #expect(!printed.contains { $0.contains(secret) })
        let summary = "JWTVerifier(algorithms: ES256,HS256,RS256, audiences: authenticated, leeway: 30s)"
        #expect(String(describing: verifier) == summary)
    }
}

extension JWTVerifierTests {
    /// A compact HS256 JWS over raw header and payload text (so members can be duplicated).
    static func rawHS256(header: String, payload: String, secret: String = TokenFactory.secret) -> String {
        let input = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(payload.utf8))
        let mac = HMAC<Crypto.SHA256>.authenticationCode(
            for: Array(input.utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return input + "." + Base64URL.encode(Array(mac))
    }

    static var payloadText: String {
        let claims = TokenFactory.claims()
        return JSONValue.object(claims).jsonText
    }

    @Test("a correctly signed token whose header or payload names a member twice is malformed")
    func duplicateMembers() async throws {
        let verifier = try verifier()
        let header = #"{"alg":"HS256","typ":"JWT"}"#
        // The same token without duplicates verifies: only the duplicate is at fault.
        _ = try await verifier.verify(Self.rawHS256(header: header, payload: Self.payloadText))

        let other = TokenFactory.otherUser.uuidString.lowercased()
        let body = Self.payloadText.dropLast()
        let cases = [
            Self.rawHS256(header: #"{"alg":"HS256","typ":"JWT","alg":"HS256"}"#, payload: Self.payloadText),
            Self.rawHS256(header: header, payload: body + #","sub":"\#(other)"}"#),
            Self.rawHS256(header: header, payload: body + #","role":"service_role"}"#),
            // The same name written with an escape is the same name.
            Self.rawHS256(header: header, payload: body + #","\u0073ub":"\#(other)"}"#),
            // At any depth.
            Self.rawHS256(header: header, payload: body + #","app_metadata":{"role":"a","role":"b"}}"#),
        ]
        for token in cases {
            await expectAuthFailure(.malformed, hiding: [token]) { try await verifier.verify(token) }
        }
        // Equal names in different objects, and equal values, are fine.
        let nested = Self.rawHS256(
            header: header, payload: body + #","app_metadata":{"sub":"x","email":"ada@example.com"},"user_metadata":{"sub":"x"}}"#)
        _ = try await verifier.verify(nested)
    }
}
