import Synchronization

/// Objects kept between calls and lent to one thread at a time: workspaces whose buffers and caches are worth
/// keeping warm (the local embedder's word memo, the search-term writer's stems) across the batches of a run or
/// the requests of a server.
///
/// `borrow` hands out an idle object, or makes one; the object comes back when the closure returns and is kept if
/// fewer than `capacity` are idle. An object is never shared: whoever borrows it is its only user until it comes
/// back, which is what makes lending a non-`Sendable` object between threads sound here, and why the class and
/// `Idle` are `@unchecked Sendable`; the list of idle objects itself is guarded by a `Mutex`.
public final class ReusePool<Object: AnyObject>: @unchecked Sendable {
    /// An idle object, owned by the pool until it is lent.
    private struct Idle: @unchecked Sendable {
        let object: Object
    }

    private let idle = Mutex<[Idle]>([])
    private let capacity: Int
    private let make: @Sendable () -> Object

    /// A pool keeping at most `capacity` idle objects, making new ones with `make`.
    public init(capacity: Int, make: @escaping @Sendable () -> Object) {
        self.capacity = max(1, capacity)
        self.make = make
    }

    /// Runs `body` with an object no other thread is using.
    public func borrow<Result>(_ body: (Object) throws -> Result) rethrows -> Result {
        let object = idle.withLock { $0.popLast()?.object } ?? make()
        defer {
            idle.withLock { idle in
                if idle.count < capacity { idle.append(Idle(object: object)) }
            }
        }
        return try body(object)
    }

    /// The number of idle objects (for tests).
    public var idleCount: Int { idle.withLock { $0.count } }
}
