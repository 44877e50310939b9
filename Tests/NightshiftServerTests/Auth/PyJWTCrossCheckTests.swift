import Crypto
import Foundation
import NightshiftCore
import NightshiftServer
import Testing
import _CryptoExtras

/// One set of PyJWT-made tokens and the material that made them: the committed one, or one made just now.
struct PyJWTFixtureSet: Decodable, Sendable {
    var pyjwtVersion: String
    var secret: String
    var otherSecret: String
    var user: String
    var issuer: String
    var issuedAt: Double
    var farExpiry: Double
    var jwks: String
    var rsaPrivateKeyPEM: String
    var ecPrivateKeyPEM: String
    var tokens: [String: String]

    static let committed = PyJWTFixtureSet(
        pyjwtVersion: PyJWTFixtures.pyjwtVersion, secret: PyJWTFixtures.secret, otherSecret: PyJWTFixtures.otherSecret,
        user: PyJWTFixtures.user, issuer: PyJWTFixtures.issuer, issuedAt: PyJWTFixtures.issuedAt,
        farExpiry: PyJWTFixtures.farExpiry, jwks: PyJWTFixtures.jwks, rsaPrivateKeyPEM: PyJWTFixtures.rsaPrivateKeyPEM,
        ecPrivateKeyPEM: PyJWTFixtures.ecPrivateKeyPEM, tokens: PyJWTFixtures.tokens)

    func token(_ name: String) throws -> String {
        try #require(tokens[name], "fixture has no token \(name)")
    }

    /// Runs the generator in `PyJWTScript` with the local python3; nil when python3 or PyJWT is missing.
    static func generate() throws -> PyJWTFixtureSet? {
        guard let output = try runPython(arguments: ["-", "--json"], input: PyJWTScript.source) else { return nil }
        return try JSONDecoder().decode(PyJWTFixtureSet.self, from: output)
    }

    /// Whether `python3` can import PyJWT and cryptography.
    static let pythonHasPyJWT: Bool = {
        (try? runPython(arguments: ["-c", "import jwt, cryptography"], input: "")) != nil
    }()

    /// Runs python3 and returns its stdout, or nil when it exits non-zero or cannot start.
    private static func runPython(arguments: [String], input: String) throws -> Data? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return nil
        }
        // The script is a few kilobytes, below the pipe buffer: writing it all before reading cannot block.
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? output : nil
    }
}

/// Tokens from an independent implementation (PyJWT, see `PyJWTScript`), so a bug shared by the Swift signer and
/// verifier in these tests cannot hide.
@Suite("JWT verification cross-checked with tokens made by PyJWT")
struct PyJWTCrossCheckTests {
    /// 2025-06-15: after the fixtures' `iat`, long before their `exp` of 2100.
    static let now: Double = 1_750_000_000

    static func verifier(_ fixtures: PyJWTFixtureSet, issuers: [String] = []) throws -> JWTVerifier {
        JWTVerifier(
            configuration: .init(
                secret: Secret(fixtures.secret), jwks: try JWKSProvider(json: fixtures.jwks), issuers: issuers),
            clock: FixedClock(now))
    }

    /// Every expectation about one fixture set: what must verify, with which claims, and why the rest fails.
    static func check(_ fixtures: PyJWTFixtureSet) async throws {
        let verifier = try verifier(fixtures, issuers: [fixtures.issuer])
        let valid: [(String, JWTAlgorithm)] = [("hs256Valid", .hs256), ("rs256Valid", .rs256), ("es256Valid", .es256)]
        for (name, algorithm) in valid {
            let claims = try await verifier.verify(try fixtures.token(name))
            #expect(claims.algorithm == algorithm, "\(name)")
            #expect(claims.subject == UUID(uuidString: fixtures.user), "\(name)")
            #expect(claims.role == .authenticated, "\(name)")
            #expect(claims.email == "ada@example.com", "\(name)")
            #expect(claims.expiresAt == Date(timeIntervalSince1970: fixtures.farExpiry), "\(name)")
            #expect(claims.issuedAt == Date(timeIntervalSince1970: fixtures.issuedAt), "\(name)")
            #expect(claims.issuer == fixtures.issuer, "\(name)")
            #expect(claims.raw["app_metadata"]?["provider"] == "email", "\(name)")
        }

        let lenient = try self.verifier(fixtures)
        let audiences = try await lenient.verify(try fixtures.token("hs256AudienceArray")).audiences
        #expect(audiences == ["storage", "authenticated"])
        let service = try await lenient.verify(try fixtures.token("hs256ServiceRoleKey"))
        #expect(service.role == .serviceRole)
        #expect(service.subject == nil)
        #expect(service.issuer == "supabase")

        let failures: [(AuthFailure, String)] = [
            (.expired, "hs256Expired"),
            (.notYetValid, "es256NotYetValid"),
            (.wrongAudience, "hs256WrongAudience"),
            (.badSignature, "hs256WrongSecret"),
            (.badSignature, "rs256WrongKey"),
            (.unknownKey, "rs256UnknownKid"),
            (.invalidSubject, "hs256NonUUIDSubject"),
            (.unsupportedAlgorithm, "unsignedNone"),
            // The anon key has no aud: refused before anything reads its role.
            (.wrongAudience, "hs256AnonKey"),
        ]
        for (reason, name) in failures {
            let token = try fixtures.token(name)
            await expectAuthFailure(reason, hiding: [token, fixtures.secret, fixtures.otherSecret, fixtures.user]) {
                try await lenient.verify(token)
            }
        }

        // The JWKS yields the RSA and EC keys and skips its oct and encryption members.
        let set = try JSONWebKeySet(json: fixtures.jwks)
        #expect(set.keys.map(\.id) == ["rsa-1", "ec-1"])
        #expect(set.keys.map(\.algorithm) == [.rs256, .es256])
        #expect(set.skipped == 2)

        // Swift signs with Python's private keys; the verifier accepts that too.
        let rsa = try _RSA.Signing.PrivateKey(pemRepresentation: fixtures.rsaPrivateKeyPEM)
        let ec = try P256.Signing.PrivateKey(pemRepresentation: fixtures.ecPrivateKeyPEM)
        let claims = TokenFactory.claims(["exp": .number(now + 60), "iat": .number(now)])
        #expect(try await lenient.verify(try TokenFactory.rs256(claims, key: rsa, kid: "rsa-1")).algorithm == .rs256)
        #expect(try await lenient.verify(try TokenFactory.es256(claims, key: ec, kid: "ec-1")).algorithm == .es256)
        #expect(try await lenient.verify(TokenFactory.hs256(claims, secret: fixtures.secret)).algorithm == .hs256)
    }

    @Test("the committed PyJWT tokens verify or fail exactly as PyJWT made them to")
    func committed() async throws {
        try await Self.check(.committed)
    }

    @Test(
        "tokens PyJWT makes right now, with fresh keys, verify or fail the same way",
        .enabled(if: PyJWTFixtureSet.pythonHasPyJWT, "needs python3 with pyjwt and cryptography"))
    func freshlyGenerated() async throws {
        let fixtures = try #require(try PyJWTFixtureSet.generate())
        #expect(fixtures.jwks != PyJWTFixtures.jwks, "fresh keys differ from the committed ones")
        try await Self.check(fixtures)
    }
}
