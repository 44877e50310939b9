import Dispatch

extension DocumentSources {
    /// The same walk as an `AsyncSequence`, run on a private serial queue so blocking file and archive I/O stays
    /// off Swift's cooperative pool. Events come over in small batches (at most 64 events or 4 MB of document
    /// bytes a hop): one queue hop per event cost more than reading a small file, or than a file skipped unread.
    public var events: AsyncEvents {
        AsyncEvents(sources: self)
    }

    /// An asynchronous walk; see `DocumentSources`.
    public struct AsyncEvents: AsyncSequence, Sendable {
        /// Each element is a document or a skip.
        public typealias Element = SourceEvent
        /// A walk never throws; problems are skips. Cancellation ends it early with nil.
        public typealias Failure = Never

        static let batchEvents = 64
        static let batchBytes = 4 << 20

        let sources: DocumentSources

        /// A fresh walk.
        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(box: WalkBox(state: WalkState(paths: sources.paths, options: sources.options)))
        }

        /// Pulls events from the walk, a batch at a time.
        public struct AsyncIterator: AsyncIteratorProtocol {
            let box: WalkBox
            /// The rest of the last batch, last event first.
            private var pending: [SourceEvent] = []
            private var finished = false

            init(box: WalkBox) {
                self.box = box
            }

            /// The next event, or nil at the end or once the task is cancelled.
            public mutating func next() async -> SourceEvent? {
                if Task.isCancelled { return nil }
                if let event = pending.popLast() { return event }
                if finished { return nil }
                let box = self.box
                let (batch, ended) = await withCheckedContinuation { continuation in
                    box.queue.async {
                        var events: [SourceEvent] = []
                        var bytes = 0
                        while events.count < AsyncEvents.batchEvents, bytes < AsyncEvents.batchBytes {
                            guard let event = box.state.next() else {
                                return continuation.resume(returning: (events, true))
                            }
                            if case .document(let item) = event { bytes += item.bytes.count }
                            events.append(event)
                        }
                        continuation.resume(returning: (events, false))
                    }
                }
                finished = ended
                pending = batch.reversed()
                return pending.popLast()
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
