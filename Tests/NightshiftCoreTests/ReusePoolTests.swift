import Dispatch
import Synchronization
import Testing

@testable import NightshiftCore

@Suite("Objects lent one thread at a time")
struct ReusePoolTests {
    final class Counter: @unchecked Sendable {
        var uses = 0
    }

    /// How many counters a pool has made.
    final class Made: Sendable {
        let count = Atomic(0)
        var value: Int { count.load(ordering: .relaxed) }
    }

    /// A pool of counters, and how many it has made.
    static func countingPool(capacity: Int) -> (pool: ReusePool<Counter>, made: Made) {
        let made = Made()
        let pool = ReusePool(capacity: capacity) {
            made.count.add(1, ordering: .relaxed)
            return Counter()
        }
        return (pool, made)
    }

    @Test("an object comes back and is lent again; one made per borrower at most")
    func reuse() {
        let (pool, made) = Self.countingPool(capacity: 2)
        #expect(pool.idleCount == 0)
        for _ in 0..<5 { pool.borrow { $0.uses += 1 } }
        #expect(made.value == 1)
        #expect(pool.idleCount == 1)
        #expect(pool.borrow { $0.uses } == 5)
    }

    @Test("borrowers at the same time get different objects; no more than the capacity is kept")
    func concurrentBorrowers() {
        let (pool, made) = Self.countingPool(capacity: 2)
        // Three nested borrows: three distinct objects at once.
        let distinct = pool.borrow { a in
            pool.borrow { b in
                pool.borrow { c in Set([ObjectIdentifier(a), ObjectIdentifier(b), ObjectIdentifier(c)]).count }
            }
        }
        #expect(distinct == 3)
        #expect(made.value == 3)
        #expect(pool.idleCount == 2)
        // Many threads: every use is counted on the object lent, none lost to two threads sharing one.
        let all = Mutex<[Counter]>([])
        let busy = ReusePool(capacity: 8) { () -> Counter in
            let counter = Counter()
            all.withLock { $0.append(counter) }
            return counter
        }
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<1_000 { busy.borrow { $0.uses += 1 } }
        }
        #expect(all.withLock { $0.reduce(0) { $0 + $1.uses } } == 8_000)
        #expect(busy.idleCount == all.withLock { $0.count })
    }

    @Test("an error thrown while borrowing still returns the object")
    func throwingBorrow() {
        struct Failure: Error {}
        let pool = ReusePool(capacity: 1) { Counter() }
        #expect(throws: Failure.self) { try pool.borrow { _ in throw Failure() } }
        #expect(pool.idleCount == 1)
    }
}
