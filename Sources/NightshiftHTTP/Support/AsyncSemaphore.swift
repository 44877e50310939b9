import Synchronization

/// A counting semaphore for tasks: `acquire` suspends (without blocking a thread) until a permit is free.
///
/// Waiters are served first come, first served; a waiter whose task is cancelled leaves the queue and throws
/// `CancellationError`.
final class AsyncSemaphore: Sendable {
    private enum Waiter {
        case pending
        case cancelled
        case waiting(CheckedContinuation<Void, any Error>)
    }

    private struct State {
        var available: Int
        var nextID: UInt64 = 0
        var waiters: [UInt64: Waiter] = [:]
        var queue: [UInt64] = []
    }

    private let state: Mutex<State>

    init(permits: Int) {
        state = Mutex(State(available: max(1, permits)))
    }

    /// Takes a permit, waiting for one if none is free.
    func acquire() async throws {
        let ticket: UInt64? = state.withLock { state in
            if state.available > 0 {
                state.available -= 1
                return nil
            }
            state.nextID += 1
            state.waiters[state.nextID] = .pending
            return state.nextID
        }
        guard let ticket else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enum Next { case wait, proceed, cancel }
                let next: Next = state.withLock { state in
                    if case .cancelled = state.waiters[ticket] {
                        state.waiters[ticket] = nil
                        return .cancel
                    }
                    if state.available > 0 {
                        state.available -= 1
                        state.waiters[ticket] = nil
                        return .proceed
                    }
                    state.waiters[ticket] = .waiting(continuation)
                    state.queue.append(ticket)
                    return .wait
                }
                switch next {
                case .wait: break
                case .proceed: continuation.resume()
                case .cancel: continuation.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            let continuation: CheckedContinuation<Void, any Error>? = state.withLock { state in
                switch state.waiters[ticket] {
                case .pending:
                    state.waiters[ticket] = .cancelled
                    return nil
                case .waiting(let continuation):
                    state.waiters[ticket] = nil
                    state.queue.removeAll { $0 == ticket }
                    return continuation
                case .cancelled, nil:
                    return nil
                }
            }
            continuation?.resume(throwing: CancellationError())
        }
    }

    /// Returns a permit, waking the longest waiter if there is one.
    func release() {
        let continuation: CheckedContinuation<Void, any Error>? = state.withLock { state in
            while !state.queue.isEmpty {
                let ticket = state.queue.removeFirst()
                if case .waiting(let continuation) = state.waiters.removeValue(forKey: ticket) {
                    return continuation
                }
            }
            state.available += 1
            return nil
        }
        continuation?.resume()
    }
}
