import Foundation
import Hummingbird
import HummingbirdTesting
import NightshiftCore
import NightshiftServer
import Synchronization
import Testing

/// A JWKS endpoint on 127.0.0.1 whose document and status the test changes, counting the requests it serves.
final class JWKSEndpoint: Sendable {
    private struct State {
        var document = "{\"keys\":[]}"
        var status = 200
        var hits = 0
    }

    private let state = Mutex(State())

    var hits: Int { state.withLock { $0.hits } }
    func serve(_ document: String) {
        state.withLock { state in
            state.document = document
            state.status = 200
        }
    }
    func fail(status: Int) { state.withLock { $0.status = status } }

    /// Runs `body` with the URL of a live server publishing this endpoint's document.
    func run(_ body: @escaping @Sendable (URL) async throws -> Void) async throws {
        let router = Router()
        router.get(".well-known/jwks.json") { _, _ -> Response in
            let (document, status) = self.state.withLock { state in
                state.hits += 1
                return (state.document, state.status)
            }
            return Response(
                status: .init(code: status), headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: document)))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let url = try #require(URL(string: "http://127.0.0.1:\(port)/.well-known/jwks.json"))
            try await body(url)
        }
    }
}

@Suite("JWKS fetched over real HTTP on loopback: caching, rotation, rate limit, failures")
struct JWKSProviderTests {
    func verifier(_ provider: JWKSProvider, clock: any NightshiftCore.Clock) -> JWTVerifier {
        JWTVerifier(configuration: .init(jwks: provider), clock: clock)
    }

    @Test("the first token fetches the JWKS; later ones use the cache until the TTL runs out")
    func cachesWithTTL() async throws {
        let endpoint = JWKSEndpoint()
        endpoint.serve(try TestKeys.jwks())
        try await endpoint.run { url in
            let clock = ManualClock(TokenFactory.now)
            let provider = JWKSProvider(url: url, ttl: 600, refetchInterval: 30, clock: clock)
            let verifier = self.verifier(provider, clock: clock)
            let token = try TokenFactory.es256(key: TestKeys.ec)
            for _ in 0..<5 { _ = try await verifier.verify(token) }
            #expect(endpoint.hits == 1)
            clock.advance(by: 601)
            _ = try await verifier.verify(token)
            #expect(endpoint.hits == 2)
            #expect(await provider.fetchCount == 2)
        }
    }

    @Test("an unknown kid refetches once, finding a rotated key; more unknown kids wait for the interval")
    func rotationAndRateLimit() async throws {
        let endpoint = JWKSEndpoint()
        endpoint.serve(try TestKeys.jwks())
        try await endpoint.run { url in
            let clock = ManualClock(TokenFactory.now)
            let provider = JWKSProvider(url: url, ttl: 600, refetchInterval: 30, clock: clock)
            let verifier = self.verifier(provider, clock: clock)
            _ = try await verifier.verify(try TokenFactory.rs256(key: TestKeys.rsa, kid: "rsa-1"))
            #expect(endpoint.hits == 1)

            // The issuer rotates to a new key.
            endpoint.serve(TokenFactory.jwks([try TokenFactory.jwk(TestKeys.otherRSA.publicKey, kid: "rsa-2")]))
            clock.advance(by: 31)
            let rotated = try TokenFactory.rs256(key: TestKeys.otherRSA, kid: "rsa-2")
            #expect(try await verifier.verify(rotated).algorithm == .rs256)
            #expect(endpoint.hits == 2)

            // A burst of made-up kids inside the interval costs no request at all.
            for index in 0..<10 {
                let forged = try TokenFactory.rs256(key: TestKeys.rsa, kid: "made-up-\(index)")
                await expectAuthFailure(.unknownKey, hiding: [forged]) { try await verifier.verify(forged) }
            }
            #expect(endpoint.hits == 2)
            clock.advance(by: 31)
            let another = try TokenFactory.rs256(key: TestKeys.rsa, kid: "made-up-again")
            await expectAuthFailure(.unknownKey) { try await verifier.verify(another) }
            #expect(endpoint.hits == 3)
        }
    }

    @Test("concurrent first requests share one fetch")
    func concurrentShareOneFetch() async throws {
        let endpoint = JWKSEndpoint()
        endpoint.serve(try TestKeys.jwks())
        try await endpoint.run { url in
            let clock = ManualClock(TokenFactory.now)
            let provider = JWKSProvider(url: url, clock: clock)
            let verifier = self.verifier(provider, clock: clock)
            let token = try TokenFactory.es256(key: TestKeys.ec)
            let subjects = try await withThrowingTaskGroup(of: UUID?.self) { group in
                for _ in 0..<32 { group.addTask { try await verifier.verify(token).subject } }
                return try await group.reduce(into: [UUID?]()) { $0.append($1) }
            }
            #expect(subjects.count == 32)
            #expect(subjects.allSatisfy { $0 == TokenFactory.user })
            #expect(endpoint.hits == 1)
        }
    }

    @Test("a failing endpoint keeps cached keys in use, and is a server error when nothing is cached")
    func failures() async throws {
        let endpoint = JWKSEndpoint()
        endpoint.serve(try TestKeys.jwks())
        try await endpoint.run { url in
            let clock = ManualClock(TokenFactory.now)
            let provider = JWKSProvider(url: url, ttl: 600, refetchInterval: 30, clock: clock)
            let verifier = self.verifier(provider, clock: clock)
            let token = try TokenFactory.es256(key: TestKeys.ec)
            _ = try await verifier.verify(token)
            endpoint.fail(status: 503)
            clock.advance(by: 700)
            #expect(try await verifier.verify(token).subject == TokenFactory.user)
            #expect(endpoint.hits == 2)

            let cold = self.verifier(JWKSProvider(url: url, clock: clock), clock: clock)
            do {
                _ = try await cold.verify(token)
                Issue.record("verified without any key")
            } catch let error as NightshiftError {
                #expect(error.code == .http)
                #expect(error.httpStatus == 503)
                #expect(error.authFailure == nil)
            }
            endpoint.serve("{\"not\":\"a jwks\"}")
            let garbage = self.verifier(JWKSProvider(url: url, clock: clock), clock: clock)
            do {
                _ = try await garbage.verify(token)
                Issue.record("verified without any key")
            } catch let error as NightshiftError {
                #expect(error.code == .format)
                #expect(error.context["url"] == url.absoluteString)
            }
        }
    }
}
