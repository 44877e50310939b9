import Foundation
import NightshiftCore
import Synchronization

/// A bounded pool of connections for the server and for jobs that work in parallel.
///
/// Connections are opened lazily up to `maxConnections`; a caller beyond that waits for one to be returned.
/// A connection that comes back broken or inside a transaction is closed rather than reused.
public final class PGPool: Sendable {
    private struct State: ~Copyable {
        var idle: [PGConnection] = []
        var open = 0
        var waiters: [CheckedContinuation<PGConnection?, Never>] = []
        var closed = false
    }

    private let url: Secret
    /// The most connections open at once.
    public let maxConnections: Int
    private let state = Mutex(State())

    /// A pool for `url`; nothing is opened until first use.
    public init(url: Secret, maxConnections: Int = 8) {
        self.url = url
        self.maxConnections = max(1, maxConnections)
    }

    /// Lends a connection to `body` and takes it back afterwards.
    public func withConnection<T>(_ body: (PGConnection) async throws -> T) async throws -> T {
        let connection = try await acquire()
        do {
            let value = try await body(connection)
            release(connection)
            return value
        } catch {
            release(connection)
            throw error
        }
    }

    /// Lends `body` a connection of its own, opened outside the pool's limit and closed afterwards: for a session
    /// that lasts as long as a job (its advisory lock) while the job's work goes through the pool, so that even a
    /// pool of one connection cannot wait on itself.
    public func withDedicatedConnection<T>(_ body: (PGConnection) async throws -> T) async throws -> T {
        // Closed when the last reference goes (PGConnection's deinit), right after `body`.
        let connection = try await PGConnection.connect(url: url)
        return try await body(connection)
    }

    /// Runs `body` in a transaction on a pooled connection; an error rolls back and is rethrown.
    @discardableResult
    public func transaction<T>(_ body: (PGConnection) async throws -> T) async throws -> T {
        try await withConnection { connection in
            try await connection.transaction(body)
        }
    }

    /// Runs one statement on a pooled connection and returns its rows.
    @discardableResult
    public func query(_ query: PGQuery) async throws -> [PGRow] {
        try await withConnection { try await $0.query(query) }
    }

    /// Runs one statement on a pooled connection and returns the first column of its first row.
    public func scalar<T: PGDecodable>(_ query: PGQuery, as type: T.Type = T.self) async throws -> T? {
        try await withConnection { try await $0.scalar(query, as: type) }
    }

    /// Runs one statement on a pooled connection and returns the affected row count.
    @discardableResult
    public func execute(_ query: PGQuery) async throws -> Int {
        try await withConnection { try await $0.execute(query) }
    }

    private enum Decision {
        case use(PGConnection)
        case open
        case wait
        case closed
    }

    private func acquire() async throws -> PGConnection {
        while true {
            let decision: Decision = state.withLock { state in
                if state.closed { return .closed }
                if let connection = state.idle.popLast() { return .use(connection) }
                if state.open < maxConnections {
                    state.open += 1
                    return .open
                }
                return .wait
            }
            switch decision {
            case .use(let connection):
                return connection
            case .closed:
                throw PGError(.connection, message: "connection pool is closed")
            case .open:
                do {
                    return try await PGConnection.connect(url: url)
                } catch {
                    let waiter: CheckedContinuation<PGConnection?, Never>? = state.withLock { state in
                        state.open -= 1
                        return state.waiters.isEmpty ? nil : state.waiters.removeFirst()
                    }
                    // Wake one waiter so it can try to open a connection itself.
                    waiter?.resume(returning: nil)
                    throw error
                }
            case .wait:
                let handed = await withCheckedContinuation { (continuation: CheckedContinuation<PGConnection?, Never>) in
                    let immediate: Decision? = state.withLock { state in
                        if let connection = state.idle.popLast() { return .use(connection) }
                        if state.open < maxConnections || state.closed { return .open }
                        state.waiters.append(continuation)
                        return nil
                    }
                    switch immediate {
                    case .use(let connection): continuation.resume(returning: connection)
                    case .some: continuation.resume(returning: nil)
                    case .none: break
                    }
                }
                if let handed { return handed }
            }
        }
    }

    private func release(_ connection: PGConnection) {
        let healthy = connection.isHealthy
        let waiter: CheckedContinuation<PGConnection?, Never>? = state.withLock { state in
            if !healthy || state.closed {
                state.open -= 1
                return state.waiters.isEmpty ? nil : state.waiters.removeFirst()
            }
            if !state.waiters.isEmpty { return state.waiters.removeFirst() }
            state.idle.append(connection)
            return nil
        }
        guard let waiter else { return }
        // A healthy connection goes straight to the waiter; otherwise the waiter may open a new one.
        waiter.resume(returning: healthy ? connection : nil)
    }

    /// Closes idle connections and refuses new work; connections in use close when returned.
    public func close() {
        let waiters = state.withLock { state in
            state.closed = true
            state.open -= state.idle.count
            state.idle.removeAll()
            let waiters = state.waiters
            state.waiters.removeAll()
            return waiters
        }
        waiters.forEach { $0.resume(returning: nil) }
    }
}
