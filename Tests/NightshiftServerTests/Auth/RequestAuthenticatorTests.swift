import Foundation
import NightshiftCore
import NightshiftServer
import Testing

@Suite("Request identity: who a chat request acts for")
struct RequestAuthenticatorTests {
    let secret = TokenFactory.secret
    let user = TokenFactory.user
    let other = TokenFactory.otherUser

    func authenticator(serviceKeys: [Secret] = []) -> RequestAuthenticator {
        let verifier = JWTVerifier(
            configuration: .init(secret: Secret(TokenFactory.secret)), clock: FixedClock(TokenFactory.now))
        return RequestAuthenticator(verifier: verifier, serviceKeys: serviceKeys)
    }

    var serviceRoleKey: String {
        TokenFactory.hs256(
            [
                "iss": "supabase", "role": "service_role", "iat": .number(TokenFactory.now - 1e6),
                "exp": .number(TokenFactory.now + 1e8),
            ])
    }

    @Test("a user token acts for its own sub")
    func userToken() async throws {
        let identity = try await authenticator().identify(
            authorization: "Bearer " + TokenFactory.hs256(), actingUser: nil)
        #expect(identity.userID == user)
        #expect(identity.principal == .user)
        #expect(identity.claims?.email == "ada@example.com")
    }

    @Test("the Bearer scheme is case-insensitive and tolerates extra spaces")
    func schemeSpelling() async throws {
        let token = TokenFactory.hs256()
        for header in ["bearer \(token)", "BEARER  \(token)", "  Bearer \(token)  "] {
            #expect(try await authenticator().identify(authorization: header, actingUser: nil).userID == user)
        }
    }

    @Test("no header, an empty one or an empty bearer is missing; another scheme is malformed")
    func missingCredentials() async throws {
        let auth = authenticator()
        for header in [nil, "", "   ", "Bearer", "Bearer   "] as [String?] {
            await expectAuthFailure(.missing) { try await auth.identify(authorization: header, actingUser: nil) }
        }
        let token = TokenFactory.hs256()
        for header in ["Basic dXNlcjpwYXNz", token, "Token \(token)"] {
            await expectAuthFailure(.malformed, hiding: [token, "dXNlcjpwYXNz"]) {
                try await auth.identify(authorization: header, actingUser: nil)
            }
        }
    }

    @Test("a user token may name itself in X-Nightshift-User but never another user")
    func userCannotActForOthers() async throws {
        let auth = authenticator()
        let header = "Bearer " + TokenFactory.hs256()
        #expect(try await auth.identify(authorization: header, actingUser: user.uuidString).userID == user)
        await expectAuthFailure(.actingUserForbidden) {
            try await auth.identify(authorization: header, actingUser: other.uuidString)
        }
        await expectAuthFailure(.actingUserMalformed) {
            try await auth.identify(authorization: header, actingUser: "someone")
        }
    }

    @Test("the service-role key acts for the user in X-Nightshift-User, which it must send as a UUID")
    func serviceRoleActsForUser() async throws {
        let auth = authenticator()
        let header = "Bearer " + serviceRoleKey
        let identity = try await auth.identify(authorization: header, actingUser: other.uuidString.lowercased())
        #expect(identity.userID == other)
        #expect(identity.principal == .service)
        #expect(identity.claims?.role == .serviceRole)
        await expectAuthFailure(.actingUserRequired, hiding: [serviceRoleKey]) {
            try await auth.identify(authorization: header, actingUser: nil)
        }
        await expectAuthFailure(.actingUserRequired) { try await auth.identify(authorization: header, actingUser: " ") }
        await expectAuthFailure(.actingUserMalformed) {
            try await auth.identify(authorization: header, actingUser: "user-42")
        }
    }

    @Test("a service-role token with a sub still acts only for the named user")
    func serviceRoleTokenWithSubject() async throws {
        let token = TokenFactory.hs256(TokenFactory.claims(["role": "service_role"]))
        let identity = try await authenticator().identify(
            authorization: "Bearer " + token, actingUser: other.uuidString)
        #expect(identity.userID == other)
        #expect(identity.principal == .service)
    }

    @Test("an opaque service key is compared exactly and acts for the named user")
    func opaqueServiceKey() async throws {
        let key = "sb_secret_0123456789abcdefghijklmnopqrstuv"
        let auth = authenticator(serviceKeys: [Secret(key)])
        let identity = try await auth.identify(authorization: "Bearer \(key)", actingUser: user.uuidString)
        #expect(identity.userID == user)
        #expect(identity.principal == .service)
        #expect(identity.claims == nil)
        await expectAuthFailure(.actingUserRequired, hiding: [key]) {
            try await auth.identify(authorization: "Bearer \(key)", actingUser: nil)
        }
        // One character off is just a malformed token, and says nothing about the key.
        let near = String(key.dropLast()) + "w"
        await expectAuthFailure(.malformed, hiding: [key, near]) {
            try await auth.identify(authorization: "Bearer \(near)", actingUser: user.uuidString)
        }
    }

    @Test("an anon token is refused, with or without a named user; other roles too")
    func anonRefused() async throws {
        let auth = authenticator()
        let anon = TokenFactory.hs256(TokenFactory.claims(["role": "anon", "sub": nil]))
        await expectAuthFailure(.anonymous, hiding: [anon]) {
            try await auth.identify(authorization: "Bearer " + anon, actingUser: nil)
        }
        await expectAuthFailure(.anonymous, hiding: [anon]) {
            try await auth.identify(authorization: "Bearer " + anon, actingUser: self.user.uuidString)
        }
        let admin = TokenFactory.hs256(TokenFactory.claims(["role": "supabase_admin"]))
        await expectAuthFailure(.roleNotAllowed, hiding: [admin]) {
            try await auth.identify(authorization: "Bearer " + admin, actingUser: nil)
        }
    }

    @Test("verification failures pass through with their reason and an HTTP status to answer")
    func failuresMapToStatuses() async throws {
        let auth = authenticator()
        let expired = TokenFactory.hs256(TokenFactory.claims(["exp": .number(TokenFactory.now - 3600)]))
        await expectAuthFailure(.expired, hiding: [expired, secret]) {
            try await auth.identify(authorization: "Bearer " + expired, actingUser: nil)
        }
        #expect(AuthFailure.expired.httpStatus == 401)
        #expect(AuthFailure.anonymous.httpStatus == 403)
        #expect(AuthFailure.actingUserRequired.httpStatus == 400)
        #expect(Set(AuthFailure.allCases.map(\.httpStatus)).isSubset(of: [400, 401, 403]))
    }
}

@Suite("Verifier settings from Nightshift's configuration")
struct JWTConfigurationTests {
    func configuration(_ values: [String: String]) -> Configuration {
        Configuration(values: values)
    }

    @Test("the secret, JWKS URL, audiences, issuers and leeway are read")
    func reads() throws {
        let settings = try JWTVerifier.Configuration.from(
            configuration([
                "SUPABASE_JWT_SECRET": TokenFactory.secret,
                "SUPABASE_JWKS_URL": "https://project.supabase.co/auth/v1/.well-known/jwks.json",
                "NIGHTSHIFT_JWT_AUDIENCE": "authenticated, nightshift",
                "NIGHTSHIFT_JWT_ISSUER": "https://project.supabase.co/auth/v1,supabase",
                "NIGHTSHIFT_JWT_LEEWAY": "5",
            ]))
        #expect(settings.secret?.value == TokenFactory.secret)
        #expect(settings.jwks != nil)
        #expect(settings.audiences == ["authenticated", "nightshift"])
        #expect(settings.issuers == ["https://project.supabase.co/auth/v1", "supabase"])
        #expect(settings.leeway == 5)
        #expect(settings.acceptedAlgorithms == [.hs256, .rs256, .es256])
    }

    @Test("defaults: audience authenticated, no issuer check, 30 s leeway, HS256 only with just a secret")
    func defaults() throws {
        let settings = try JWTVerifier.Configuration.from(configuration(["SUPABASE_JWT_SECRET": TokenFactory.secret]))
        #expect(settings.audiences == ["authenticated"])
        #expect(settings.issuers.isEmpty)
        #expect(settings.leeway == 30)
        #expect(settings.acceptedAlgorithms == [.hs256])
    }

    @Test("no key source, a short secret, a bad URL or leeway are configuration errors naming the setting")
    func errors() throws {
        let cases: [([String: String], String)] = [
            ([:], "SUPABASE_JWT_SECRET"),
            (["SUPABASE_JWT_SECRET": "short-secret"], "SUPABASE_JWT_SECRET"),
            (["SUPABASE_JWKS_URL": "ftp://example.com/jwks"], "SUPABASE_JWKS_URL"),
            (["SUPABASE_JWKS_URL": "not a url"], "SUPABASE_JWKS_URL"),
            (["SUPABASE_JWT_SECRET": TokenFactory.secret, "NIGHTSHIFT_JWT_LEEWAY": "ten"], "NIGHTSHIFT_JWT_LEEWAY"),
            (["SUPABASE_JWT_SECRET": TokenFactory.secret, "NIGHTSHIFT_JWT_LEEWAY": "3600"], "NIGHTSHIFT_JWT_LEEWAY"),
        ]
        for (values, setting) in cases {
            let error = #expect(throws: NightshiftError.self) {
                try JWTVerifier.Configuration.from(configuration(values))
            }
            #expect(error?.code == .configuration)
            #expect(error?.context["setting"] == setting)
            #expect(error.map { !$0.description.contains("short-secret") } ?? false)
        }
    }

    @Test("the authenticator takes SUPABASE_SERVICE_ROLE_KEY as a service key")
    func serviceKeyFromConfiguration() async throws {
        let key = "sb_secret_configured_service_key_0123456789"
        let auth = try RequestAuthenticator.from(
            configuration(["SUPABASE_JWT_SECRET": TokenFactory.secret, "SUPABASE_SERVICE_ROLE_KEY": key]),
            clock: FixedClock(TokenFactory.now))
        let identity = try await auth.identify(authorization: "Bearer \(key)", actingUser: TokenFactory.user.uuidString)
        #expect(identity.principal == .service)
        #expect(identity.userID == TokenFactory.user)
    }
}
