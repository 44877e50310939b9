import Dispatch

/// Runs long CPU-bound work (a batch chunked or embedded on all cores) on a Dispatch thread and awaits it, so that
/// it does not hold one of the cooperative pool's threads — as many as there are cores — for its whole length.
///
/// Ingestion's pipeline needs this: while a batch is embedded, the batches being stored resume after each of their
/// round trips to the database, and with the embedder on a cooperative thread and the reader on the other (two
/// cores), every resumption waited for one of them to yield; the store stage, the slowest, was slowed by it.
public func runOffCooperativePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try work() })
        }
    }
}

/// `runOffCooperativePool` for work that cannot fail.
public func runOffCooperativePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(returning: work())
        }
    }
}
