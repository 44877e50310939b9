import Foundation
import NightshiftAI
import NightshiftCore
import NightshiftJobs
import NightshiftStore
import NightshiftTestSupport
import Testing

/// `nightshift ingest` killed with SIGKILL mid-run leaves whole documents; the next run finishes without duplicates.
@Suite("Killed ingest runs", .serialized)
struct KillTests {
    /// The `nightshift` executable built next to the tests.
    static var binary: URL? {
        var candidates: [URL] = []
        if let path = ProcessInfo.processInfo.environment["NIGHTSHIFT_BINARY"] { candidates.append(URL(fileURLWithPath: path)) }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("nightshift"))
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("nightshift"))
        candidates.append(TestEnvironment.repositoryRoot.appendingPathComponent(".build/debug/nightshift"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    static func corpus(documents: Int) throws -> URL {
        let folder = try TestEnvironment.temporaryDirectory("kill")
        for index in 0..<documents {
            let text = (0..<12).map { paragraph in
                "Paragraph \(paragraph) of note \(index): the quick brown fox number \(index * 31 + paragraph) jumps over a lazy dog near river \(index % 17)."
            }.joined(separator: "\n\n")
            try "# Note \(index)\n\n\(text)\n".write(
                to: folder.appendingPathComponent(String(format: "note-%05d.md", index)), atomically: true, encoding: .utf8)
        }
        return folder
    }

    /// Every document has exactly its recorded number of chunks, numbered 0…n-1, with vectors.
    static func checkConsistent(_ store: any Store) async throws -> Int {
        let documents = try await store.documents(sourcePrefix: nil, owner: nil)
        #expect(Set(documents.map(\.sourceURI)).count == documents.count)
        for document in documents {
            let chunks = try await store.chunks(documentID: document.id)
            #expect(chunks.count == document.chunkCount, "\(document.sourceURI)")
            #expect(!chunks.isEmpty)
            #expect(chunks.map(\.index) == Array(0..<chunks.count))
            #expect(chunks.allSatisfy { $0.embedding.count == 1536 })
        }
        return documents.count
    }

    @Test("SIGKILL mid-run, then a rerun: consistent, complete, no duplicates", arguments: TestEnvironment.storeKinds)
    func killAndResume(kind: StoreKind) async throws {
        let binary = try #require(Self.binary, "build the nightshift executable first (swift build)")
        let corpus = try Self.corpus(documents: 1500)
        defer { try? FileManager.default.removeItem(at: corpus) }
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "DATABASE_URL")
        let store: any Store
        var cleanup: () async -> Void = {}
        switch kind {
        case .sqlite:
            let path = corpus.deletingLastPathComponent().appendingPathComponent("kill-\(UUID()).sqlite").path
            environment["NIGHTSHIFT_DB"] = path
            store = try await SQLiteStore.open(path: path)
            cleanup = { try? FileManager.default.removeItem(atPath: path) }
        case .postgres:
            let url = try await TestDatabases.shared.makePostgresDatabase()
            environment["DATABASE_URL"] = url
            store = try await PostgresStore.open(url: Secret(url))
            cleanup = { await TestDatabases.dropPostgresDatabase(url) }
        }
        func run(killAfter documents: Int?) async throws -> Int32 {
            let process = Process()
            process.executableURL = binary
            process.arguments = ["ingest", corpus.path, "--batch-size", "4", "--quiet", "--json"]
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            if let documents {
                var waited = 0
                while process.isRunning, waited < 6000 {
                    let stored = try await store.documents(sourcePrefix: nil, owner: nil).count
                    if stored >= documents {
                        kill(process.processIdentifier, SIGKILL)
                        break
                    }
                    try await Task.sleep(for: .milliseconds(20))
                    waited += 1
                }
            }
            process.waitUntilExit()
            return process.terminationStatus
        }
        let status = try await run(killAfter: 40)
        #expect(status != 0, "the run finished before it could be killed; make the corpus bigger")
        let partial = try await Self.checkConsistent(store)
        #expect(partial > 0 && partial < 1500)
        #expect(try await run(killAfter: nil) == 0)
        #expect(try await Self.checkConsistent(store) == 1500)
        let runs = try await store.jobRuns(job: "ingest", limit: 5)
        #expect(runs.first?.status == .succeeded)
        #expect(runs.first?.counts["added"]?.intValue == 1500 - partial)
        #expect(runs.first?.counts["unchanged"]?.intValue == partial)
        // The killed run's row was marked abandoned by the next run.
        #expect(runs.dropFirst().first?.status == .failed)
        #expect(runs.dropFirst().first?.error?.contains("abandoned") == true)
        await store.close()
        await cleanup()
    }
}
