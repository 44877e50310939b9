import Dispatch

extension DocumentSources {
    /// The same walk as an `AsyncSequence`, each step run on a private serial queue so blocking file and
    /// archive I/O stays off Swift's cooperative pool; it pulls one event at a time (no read-ahead, no buffer).
    public var events: AsyncEvents {
        AsyncEvents(sources: self)
    }

    /// An asynchronous walk; see `DocumentSources`.
    public struct AsyncEvents: AsyncSequence, Sendable {
        /// Each element is a document or a skip.
        public typealias Element = SourceEvent
        /// A walk never throws; problems are skips. Cancellation ends it early with nil.
        public typealias Failure = Never

        let sources: DocumentSources

        /// A fresh walk.
        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(box: WalkBox(state: WalkState(paths: sources.paths, options: sources.options)))
        }

        /// Pulls events from the walk, one step at a time.
        public struct AsyncIterator: AsyncIteratorProtocol {
            let box: WalkBox

            /// The next event, or nil at the end or once the task is cancelled.
            public mutating func next() async -> SourceEvent? {
                if Task.isCancelled { return nil }
                let box = self.box
                return await withCheckedContinuation { continuation in
                    box.queue.async { continuation.resume(returning: box.state.next()) }
                }
            }
        }
    }
}

/// Carries a walk to its queue.
///
/// `@unchecked Sendable`: `state` is only touched from `queue`, a serial queue, one step at a time.
final class WalkBox: @unchecked Sendable {
    let state: WalkState
    let queue = DispatchQueue(label: "nightshift.documents.walk")

    init(state: WalkState) {
        self.state = state
    }
}
