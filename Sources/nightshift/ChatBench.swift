import ArgumentParser
import Foundation
import NightshiftAI
import NightshiftCore
import NightshiftHTTP
import NightshiftJobs
import NightshiftServer
import NightshiftStore

#if canImport(Glibc)
    import Glibc
#endif

extension Bench {
    struct ChatBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "chat",
            abstract: "Requests per second and latency of POST /v1/chat under load, with the offline providers.",
            discussion: """
                Fills a scratch store (a scratch database on DATABASE_URL's server, or a temporary embedded file) \
                with a synthetic corpus of about CHUNKS chunks (on PostgreSQL then vacuumed, analyzed and \
                checkpointed, so that the load's aftermath does not land in the measurement), starts `nightshift serve` \
                as a child process on a free loopback port, and drives it over real HTTP:

                  1. a warm-up;
                  2. an open-loop load at RATE requests per second for REQUESTS requests (latency counted from each \
                request's scheduled start, so a stalled server cannot hide its queue), with the server's resident \
                memory sampled as it goes;
                  3. a closed-loop phase with CONCURRENCY clients for the highest sustainable throughput.

                Each request is a fresh conversation of one of USERS users (signed JWTs); the server's rate limit is \
                raised for the run. The server is stopped with SIGTERM at the end.

                Example:
                  DATABASE_URL=postgres://postgres@127.0.0.1/postgres nightshift bench chat --rate 200 --requests 100000
                """
        )

        @OptionGroup var store: StoreOptions

        @Option(help: "Chunks in agent_memory (approximately; a synthetic corpus is ingested).")
        var chunks = 10_000

        @Option(help: "Requests per second of the open-loop phase.")
        var rate = 200.0

        @Option(help: "Requests of the open-loop phase.")
        var requests = 20_000

        @Option(help: "Distinct users sending requests.")
        var users = 100

        @Option(help: "Concurrent clients of the closed-loop phase (0 skips it).")
        var concurrency = 8

        @Option(help: "Seconds of the closed-loop phase.")
        var throughputSeconds = 20.0

        @Option(help: "Retrieval of the chat turns: hybrid, vector or text (NIGHTSHIFT_CHAT_SEARCH).")
        var search: SearchMode = .hybrid

        @Option(help: ArgumentHelp(
            "PostgreSQL connections of the server (NIGHTSHIFT_DB_POOL); default: this machine's cores + 1, as the database shares them.",
            valueName: "n"))
        var dbPool: Int?

        @Flag(help: "Keep the scratch database (PostgreSQL).")
        var keep = false

        @Flag(help: "Print the figures as one JSON object at the end (the lines go to stderr as progress).")
        var json = false

        @Flag(help: "With --json: no progress lines.")
        var quiet = false

        func validate() throws {
            if rate <= 0 { throw ValidationError("--rate must be positive") }
            if requests < 1 || users < 1 || chunks < 1 { throw ValidationError("--requests, --users and --chunks must be at least 1") }
            if let dbPool, dbPool < 1 { throw ValidationError("--db-pool must be at least 1") }
        }

        func run() async throws {
            try await runReportingErrors {
                ChatBenchOutput.mode.set(json ? (quiet ? .silent : .stderr) : .stdout)
                let configuration = try self.store.loadConfiguration()
                Log.bootstrap(configuration)
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nightshift-chatbench-\(UUID().uuidString.prefix(8))")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: folder) }

                // The scratch store, filled with the corpus and the users.
                var serverEnvironment = ProcessInfo.processInfo.environment
                var cleanup: (() async -> Void)?
                let store: any Store
                switch try StoreLocation.resolve(configuration) {
                case .postgres(let url):
                    let scratch = try await PostgresStore.createScratchDatabase(serverURL: url, prefix: "nightshift_bench_chat_")
                    let postgres = try await PostgresStore.open(url: scratch.url)
                    try await postgres.migrate()
                    store = postgres
                    serverEnvironment["DATABASE_URL"] = scratch.url.value
                    if !keep { cleanup = { try? await PostgresStore.dropScratchDatabase(scratch) } }
                    say("scratch database \(scratch.name)")
                case .sqlite:
                    let path = folder.appendingPathComponent("bench.sqlite").path
                    store = try await SQLiteStore.open(path: path)
                    serverEnvironment["DATABASE_URL"] = nil
                    serverEnvironment["NIGHTSHIFT_DB"] = path
                }
                let failed: Bool
                do {
                    failed = try await drive(store: store, serverEnvironment: serverEnvironment, configuration: configuration, folder: folder)
                } catch {
                    await cleanup?()
                    throw error
                }
                await cleanup?()
                if failed { throw ExitCode(1) }
            }
        }

        /// Fills the store, starts the server, runs the phases; returns whether any request of the open loop failed.
        private func drive(store: any Store, serverEnvironment: [String: String], configuration: Configuration, folder: URL) async throws -> Bool {
            var serverEnvironment = serverEnvironment
            let stored = try await fillCorpus(store: store, configuration: configuration, folder: folder)
            if let postgres = store as? PostgresStore {
                // The corpus was just loaded: the server's work after a load (vacuum and analyze of the new rows, a
                // checkpoint of their WAL) is done now rather than inside the measured window, where it made the
                // first tenth's tail.
                try await postgres.settleAfterBulkLoad()
            }
            var userIDs: [UUID] = []
            var random = SeededRandom(seed: 11)
            for index in 0..<users {
                let id = random.uuid()
                try await store.createUser(User(id: id, email: "bench-\(index)@example.com"))
                userIDs.append(id)
            }
            await store.close()
            let pool = dbPool ?? ProcessInfo.processInfo.activeProcessorCount + 1
            say("store: \(store.kind), \(stored) chunks in agent_memory, \(users) users, \(search.rawValue) retrieval"
                + (store.kind == .postgres ? ", \(pool) database connections" : ""))

            // The server, as people run it.
            let secret = DevelopmentTokens.randomSecret()
            serverEnvironment["SUPABASE_JWT_SECRET"] = secret.value
            serverEnvironment["SUPABASE_JWKS_URL"] = nil
            serverEnvironment["OPENAI_API_KEY"] = nil
            serverEnvironment["ANTHROPIC_API_KEY"] = nil
            serverEnvironment["NIGHTSHIFT_RATE_LIMIT"] = "1000000"
            serverEnvironment["NIGHTSHIFT_RATE_BURST"] = "1000000"
            serverEnvironment["NIGHTSHIFT_CHAT_SEARCH"] = search.rawValue
            serverEnvironment["NIGHTSHIFT_DB_POOL"] = String(pool)
            serverEnvironment["NIGHTSHIFT_LOG_LEVEL"] = serverEnvironment["NIGHTSHIFT_LOG_LEVEL"] ?? "warning"
            let port = try Self.freePort()
            let server = Process()
            server.executableURL = URL(fileURLWithPath: try Self.ownExecutable())
            server.arguments = ["serve", "--host", "127.0.0.1", "--port", String(port)]
            server.environment = serverEnvironment
            try server.run()
            let pid = server.processIdentifier
            defer { if server.isRunning { kill(pid, SIGKILL) } }
            let base = "http://127.0.0.1:\(port)"
            try await Self.waitUntilReady(base + "/readyz")
            say("server: pid \(pid), \(base), resident \(ProcessMemory.megabytes(Self.residentBytes(of: pid)))")

            let tokens = userIDs.map { DevelopmentTokens.sign(userID: $0, secret: secret, lifetime: 86400) }
            let load = LoadGenerator(url: base + "/v1/chat", tokens: tokens)

            let warmup = try await load.closedLoop(concurrency: 4, requests: 1000)
            say(String(format: "warm-up: %d requests, %d errors, %.0f rps, resident %@", warmup.count, warmup.errors,
                         warmup.rps, ProcessMemory.megabytes(Self.residentBytes(of: pid))))

            let sampler = Task {
                var samples: [(Double, Int)] = []
                let started = Date()
                while !Task.isCancelled {
                    if let bytes = Self.residentBytes(of: pid) { samples.append((Date().timeIntervalSince(started), bytes)) }
                    try? await Task.sleep(for: .milliseconds(500))
                }
                return samples
            }
            let open = try await load.openLoop(rate: rate, requests: requests)
            sampler.cancel()
            let samples = await sampler.value
            say(String(format: "open loop at %.0f rps: %d requests in %.1f s (%.1f rps achieved), %d errors %@",
                         rate, open.count, open.seconds, open.rps, open.errors, open.statusSummary))
            var figures: [String: JSONValue] = [
                "rate": .number(rate), "requests": .number(Double(open.count)), "errors": .number(Double(open.errors)),
                "rps_achieved": .number(open.rps), "p50_ms": .number(open.percentile(0.5)),
                "p90_ms": .number(open.percentile(0.9)), "p99_ms": .number(open.percentile(0.99)),
                "p999_ms": .number(open.percentile(0.999)), "max_ms": .number(open.percentile(1.0)),
                "search": .string(search.rawValue), "store": .string(store.kind.rawValue),
            ]
            say(String(format: "  latency ms: p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f",
                         open.percentile(0.5), open.percentile(0.9), open.percentile(0.99), open.percentile(0.999),
                         open.percentile(1.0)))
            let tail = open.tailByTenth
            if !tail.isEmpty {
                say("  p99 ms by tenth of the run: " + tail.map { String(format: "%.1f", $0) }.joined(separator: " "))
            }
            if let first = samples.first, let last = samples.last {
                let peak = samples.map(\.1).max() ?? last.1
                let tenth = samples[samples.count / 10].1
                let middle = samples[samples.count / 2].1
                say("  server resident memory: start \(ProcessMemory.megabytes(first.1)), 10 % \(ProcessMemory.megabytes(tenth)), "
                    + "50 % \(ProcessMemory.megabytes(middle)), end \(ProcessMemory.megabytes(last.1)), peak \(ProcessMemory.megabytes(peak))")
            }
            if concurrency > 0 {
                let closed = try await load.closedLoop(concurrency: concurrency, seconds: throughputSeconds)
                say(String(format: "closed loop, %d clients: %.0f rps over %.1f s, %d errors; latency ms p50 %.2f p99 %.2f",
                             concurrency, closed.rps, closed.seconds, closed.errors, closed.percentile(0.5), closed.percentile(0.99)))
                figures["closed_loop_rps"] = .number(closed.rps)
            }
            say("server resident after the run: \(ProcessMemory.megabytes(Self.residentBytes(of: pid)))")

            kill(pid, SIGTERM)
            server.waitUntilExit()
            say("server stopped by SIGTERM: exit status \(server.terminationStatus)")
            if json { printJSON(.object(figures)) }
            return open.errors > 0
        }

        /// Ingests the synthetic corpus until about `chunks` chunks are stored; returns the count.
        private func fillCorpus(store: any Store, configuration: Configuration, folder: URL) async throws -> Int {
            let corpus = folder.appendingPathComponent("corpus")
            try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
            let context = JobContext(store: store, configuration: configuration, logger: Log.logger("ingest"))
            var generated = 0
            var stored = 0
            var perDocument = 5.0
            while stored < chunks {
                let more = max(1, Int((Double(chunks - stored) / perDocument).rounded(.up)))
                let benchmark = IngestBenchmark(documents: generated + more, documentKilobytes: 10)
                for index in generated..<(generated + more) {
                    let (name, data) = benchmark.document(index, revision: 0)
                    try data.write(to: corpus.appendingPathComponent(name))
                }
                generated += more
                let report = try await IngestJob(inputs: [corpus.path]).run(in: context, embedder: LocalEmbeddingProvider())
                stored += report.chunks
                perDocument = max(1, Double(stored) / Double(generated))
            }
            return stored
        }

        static func ownExecutable() throws -> String {
            if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
            guard let first = CommandLine.arguments.first else {
                throw NightshiftError(.configuration, "cannot find the nightshift executable to start the server")
            }
            return URL(fileURLWithPath: first).standardizedFileURL.path
        }

        /// A TCP port nothing listens on now (bound to port 0, then released).
        static func freePort() throws -> Int {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { throw NightshiftError(.io, "socket() failed", context: ["errno": String(errno)]) }
            defer { close(descriptor) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                    guard bind(descriptor, pointer, length) == 0 else { return -1 }
                    return getsockname(descriptor, pointer, &length)
                }
            }
            guard bound == 0 else { throw NightshiftError(.io, "cannot bind a loopback port", context: ["errno": String(errno)]) }
            return Int(UInt16(bigEndian: address.sin_port))
        }

        static func waitUntilReady(_ url: String) async throws {
            guard let target = URL(string: url) else { throw NightshiftError(.configuration, "bad URL", context: ["url": url]) }
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                if let response = try? await HTTPClient.shared.send(HTTPRequest(url: target, timeouts: HTTPTimeouts(connect: .seconds(1), total: .seconds(5)))),
                   response.status == 200
                {
                    return
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            throw NightshiftError(.io, "the server did not become ready within 60 s", context: ["url": url])
        }

        static func residentBytes(of pid: Int32) -> Int? {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
            for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
                let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                if parts.count >= 2, let kilobytes = Int(parts[1]) { return kilobytes * 1024 }
            }
            return nil
        }
    }
}

/// Where `bench chat` writes its lines: stdout, or stderr as progress with --json, or nowhere with --quiet.
enum ChatBenchOutput: Sendable {
    case stdout, stderr, silent

    static let mode = LockedValue<ChatBenchOutput>()
}

/// Writes a line at once (figures appear as they are measured, even into a file).
private func say(_ line: String) {
    switch ChatBenchOutput.mode.value ?? .stdout {
    case .stdout: FileHandle.standardOutput.write(Data((line + "\n").utf8))
    case .stderr: FileHandle.standardError.write(Data((line + "\n").utf8))
    case .silent: break
    }
}

/// Sends chat requests over loopback HTTP and records their latencies.
struct LoadGenerator: Sendable {
    let url: String
    let tokens: [String]
    let client = HTTPClient(maxConcurrentTransfers: 512)

    static let messages = [
        "How do I cancel a session without paying the fee?",
        "Can I reschedule my appointment to next week?",
        "What is the privacy policy for patient data and notes?",
        "Show me my progress report for this month",
        "Which therapist has an online video slot on Monday?",
        "How does the waiting list work when a slot opens?",
        "I feel stress and anxiety before sleep, any breathing exercise?",
        "Does insurance cover the invoice for my treatment?",
        "Remind me about my next booking",
        "How do I change the notification language to Hindi?",
    ]

    struct Result: Sendable {
        var latencies: [Double] = []  // milliseconds, sorted when read
        /// The open loop's latencies by request number (in schedule order), for the tail over time.
        var scheduled: [Double] = []
        var statuses: [Int: Int] = [:]
        var errors = 0
        var seconds = 0.0
        var count: Int { latencies.count }
        var rps: Double { seconds > 0 ? Double(count) / seconds : 0 }

        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return .nan }
            let sorted = latencies.sorted()
            let rank = min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))
            return sorted[rank]
        }

        /// The p99 of each tenth of the scheduled requests: a tail that grows over the run shows here.
        var tailByTenth: [Double] {
            guard scheduled.count >= 10 else { return [] }
            return (0..<10).map { tenth in
                let part = Result(latencies: Array(scheduled[(tenth * scheduled.count / 10)..<((tenth + 1) * scheduled.count / 10)]))
                return part.percentile(0.99)
            }
        }

        var statusSummary: String {
            "(" + statuses.keys.sorted().map { "\($0 == 0 ? "transport error" : String($0)): \(statuses[$0] ?? 0)" }.joined(separator: ", ") + ")"
        }
    }

    /// One request; returns the HTTP status (0 on a transport failure).
    func send(_ index: Int) async -> Int {
        guard let target = URL(string: url) else { return 0 }
        let body: JSONValue = ["message": .string(Self.messages[index % Self.messages.count]), "context": [:]]
        let request = HTTPRequest.postJSON(
            target, body: Data(body.jsonText.utf8), headers: ["Authorization": "Bearer " + tokens[index % tokens.count]],
            timeouts: HTTPTimeouts(connect: .seconds(5), total: .seconds(30)))
        do {
            return try await client.send(request).status
        } catch {
            return 0
        }
    }

    /// Requests started on a fixed schedule, whatever the server's pace; latency counts from the scheduled start.
    func openLoop(rate: Double, requests: Int) async throws -> Result {
        let recorder = Recorder(capacity: requests, scheduled: true)
        let clock = ContinuousClock()
        let start = clock.now
        let interval = Duration.nanoseconds(Int64(1e9 / rate))
        await withDiscardingTaskGroup { group in
            for index in 0..<requests {
                let due = start + interval * index
                if due > clock.now { try? await clock.sleep(until: due) }
                group.addTask {
                    let status = await send(index)
                    let elapsed = clock.now - due
                    await recorder.record(status: status, milliseconds: Self.milliseconds(elapsed), index: index)
                }
            }
        }
        var result = await recorder.result
        result.seconds = Self.seconds(clock.now - start)
        return result
    }

    /// `concurrency` clients each sending their next request when the last one answered.
    func closedLoop(concurrency: Int, requests: Int? = nil, seconds: Double? = nil) async throws -> Result {
        let recorder = Recorder(capacity: requests ?? 100_000)
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = seconds.map { start + .milliseconds(Int64($0 * 1000)) }
        let counter = Counter()
        await withDiscardingTaskGroup { group in
            for _ in 0..<concurrency {
                group.addTask {
                    while true {
                        let index = await counter.next()
                        if let requests, index >= requests { return }
                        if let deadline, clock.now >= deadline { return }
                        let began = clock.now
                        let status = await send(index)
                        await recorder.record(status: status, milliseconds: Self.milliseconds(clock.now - began))
                    }
                }
            }
        }
        var result = await recorder.result
        result.seconds = Self.seconds(clock.now - start)
        return result
    }

    static func milliseconds(_ duration: Duration) -> Double { seconds(duration) * 1000 }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    actor Recorder {
        var result = Result()

        init(capacity: Int, scheduled: Bool = false) {
            result.latencies.reserveCapacity(capacity)
            if scheduled { result.scheduled = Array(repeating: 0, count: capacity) }
        }

        func record(status: Int, milliseconds: Double, index: Int? = nil) {
            result.latencies.append(milliseconds)
            if let index, result.scheduled.indices.contains(index) { result.scheduled[index] = milliseconds }
            result.statuses[status, default: 0] += 1
            if status != 200 { result.errors += 1 }
        }
    }

    actor Counter {
        var value = 0
        func next() -> Int {
            defer { value += 1 }
            return value
        }
    }
}
