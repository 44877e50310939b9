import Foundation
import NightshiftCore
import NightshiftStore
import NightshiftTestSupport
import Testing

@Suite("Embedded store job lock")
struct SQLiteJobLockTests {
    @Test("the job lock belongs to the database file: through a symbolic link or a path spelled with ./ a second run is refused")
    func lockFollowsTheFile() async throws {
        let folder = try TestEnvironment.temporaryDirectory("lock")
        defer { try? FileManager.default.removeItem(at: folder) }
        let real = folder.appendingPathComponent("real.sqlite").path
        let link = folder.appendingPathComponent("link.sqlite").path
        let store = try await SQLiteStore.open(path: real)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        let linked = try await SQLiteStore.open(path: link)
        let dotted = try await SQLiteStore.open(path: folder.path + "/./real.sqlite")
        try await store.withJobLock("ingest") {
            for other in [linked, dotted] {
                do {
                    try await other.withJobLock("ingest") {}
                    Issue.record("\(other.path) ran while \(real) held the lock")
                } catch let error as NightshiftError {
                    #expect(error.code == .conflict, "\(error)")
                }
            }
            // Another job's lock is another lock.
            try await linked.withJobLock("stats") {}
        }
        // Released: free for the other paths.
        try await linked.withJobLock("ingest") {}
        try await dotted.withJobLock("ingest") {}
        await dotted.close()
        await linked.close()
        await store.close()
    }
}
