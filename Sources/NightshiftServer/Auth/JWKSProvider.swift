import Foundation
import NightshiftCore
import NightshiftHTTP

/// The verification keys of a JWKS, from a fixed document or fetched from a URL and cached.
///
/// A fetched set is reused for `ttl` seconds. A token whose `kid` is not in the set triggers one refetch (the
/// issuer may have rotated its keys), but at most one fetch starts per `refetchInterval`, so a stream of tokens
/// with made-up `kid`s cannot turn into a stream of requests to the issuer. Concurrent callers share one fetch.
/// When a refetch fails, the keys already known stay in use: an outage of the JWKS endpoint must not log out
/// every user whose key is cached.
public actor JWKSProvider {
    private enum Source {
        case fixed
        case url(URL)
    }

    private let source: Source
    private let ttl: TimeInterval
    private let refetchInterval: TimeInterval
    private let timeouts: HTTPTimeouts
    private let client: HTTPClient
    private let clock: any NightshiftCore.Clock

    private var keySet: JSONWebKeySet?
    private var fetchedAt: Date?
    private var lastAttempt: Date?
    private var lastError: (any Error)?
    private var inFlight: Task<JSONWebKeySet, any Error>?

    /// How many times the document was downloaded successfully (observability and tests).
    public private(set) var fetchCount = 0

    /// A provider over a fixed JWKS document; throws `NightshiftError(.format)` when it is malformed.
    public init(json: String) throws {
        try self.init(keySet: JSONWebKeySet(json: json))
    }

    /// A provider over a fixed, already parsed key set.
    public init(keySet: JSONWebKeySet) {
        source = .fixed
        ttl = .infinity
        refetchInterval = .infinity
        timeouts = HTTPTimeouts()
        client = HTTPClient.shared
        clock = SystemClock()
        self.keySet = keySet
    }

    /// A provider that fetches the JWKS at `url` (http or https) on first use and caches it.
    ///
    /// - Parameters:
    ///   - ttl: seconds a fetched set is used before it is fetched again.
    ///   - refetchInterval: the least number of seconds between two fetch attempts (unknown `kid`, failures).
    public init(
        url: URL, ttl: TimeInterval = 600, refetchInterval: TimeInterval = 30,
        timeouts: HTTPTimeouts = HTTPTimeouts(connect: .seconds(5), total: .seconds(10), idle: .seconds(10)),
        client: HTTPClient = .shared, clock: any NightshiftCore.Clock = SystemClock()
    ) {
        source = .url(url)
        self.ttl = ttl
        self.refetchInterval = refetchInterval
        self.timeouts = timeouts
        self.client = client
        self.clock = clock
    }

    /// The keys that may verify a token with this `kid` and `alg`; empty when none does, even after a refetch.
    ///
    /// Throws `NightshiftError(.http)` or `(.format)` only when no key set could be loaded at all.
    public func candidates(keyID: String?, algorithm: JWTAlgorithm) async throws -> [JSONWebKey] {
        let (current, fresh) = try await currentKeySet()
        let found = current.candidates(keyID: keyID, algorithm: algorithm)
        guard found.isEmpty, !fresh, case .url = source else { return found }
        // An unknown kid may be a rotated key: look once more, within the rate limit.
        guard let refetched = try? await fetchIfAllowed() else { return found }
        return refetched.candidates(keyID: keyID, algorithm: algorithm)
    }

    /// Fetches the document now, whatever the cache and rate limit say (a fixed provider does nothing).
    public func refresh() async throws {
        guard case .url = source else { return }
        _ = try await fetch()
    }

    /// The key set to use, and whether it was fetched by this very call.
    private func currentKeySet() async throws -> (JSONWebKeySet, fresh: Bool) {
        if let keySet, let fetchedAt, clock.now().timeIntervalSince(fetchedAt) < ttl {
            return (keySet, false)
        }
        if case .fixed = source, let keySet { return (keySet, false) }
        do {
            if let fetched = try await fetchIfAllowed() { return (fetched, true) }
        } catch {
            if let keySet { return (keySet, false) }
            throw error
        }
        if let keySet { return (keySet, false) }
        throw lastError ?? NightshiftError(.http, "JWKS not loaded")
    }

    /// Fetches unless another fetch is running (then shares it) or the last attempt is too recent (then nil).
    private func fetchIfAllowed() async throws -> JSONWebKeySet? {
        if let inFlight { return try await inFlight.value }
        if let lastAttempt, clock.now().timeIntervalSince(lastAttempt) < refetchInterval { return nil }
        return try await fetch()
    }

    private func fetch() async throws -> JSONWebKeySet {
        if let inFlight { return try await inFlight.value }
        guard case .url(let url) = source else {
            throw NightshiftError(.internal, "fixed JWKS provider asked to fetch")
        }
        lastAttempt = clock.now()
        let request = HTTPRequest(url: url, timeouts: timeouts, maxResponseBytes: 1 << 20)
        let task = Task { [client] in try await JWKSProvider.download(request, client: client) }
        inFlight = task
        defer { inFlight = nil }
        do {
            let fetched = try await task.value
            keySet = fetched
            fetchedAt = clock.now()
            lastError = nil
            fetchCount += 1
            return fetched
        } catch {
            lastError = error
            throw error
        }
    }

    private static func download(_ request: HTTPRequest, client: HTTPClient) async throws -> JSONWebKeySet {
        let response = try await client.send(request)
        guard response.isSuccess else {
            throw NightshiftError.http(.status, "JWKS fetch failed", request: request, status: response.status)
        }
        do {
            return try JSONWebKeySet(data: response.body)
        } catch let error as NightshiftError {
            throw NightshiftError(error.code, error.message, context: ["url": request.redactedURL], cause: error.cause)
        }
    }
}
