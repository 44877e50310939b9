import Foundation
import NightshiftAI
import NightshiftCore
import NightshiftJobs
import NightshiftStore
import NightshiftTestSupport
import Testing

/// The daily statistics job on the fixture data, checked against numbers worked out by hand from
/// fixtures/seed.json (not by running the same query twice).
@Suite("Daily statistics")
struct StatsJobTests {
    static let alice = UUID(uuidString: "a0000000-0000-4000-8000-00000000000a")!
    static let bob = UUID(uuidString: "b0000000-0000-4000-8000-00000000000b")!

    static func withFixtures<T>(_ kind: StoreKind, _ body: (any Store, JobContext) async throws -> T) async throws -> T {
        try await withFreshStore(kind) { store in
            _ = try await FixtureLoader(path: fixtureSeedPath).load(into: store)
            return try await body(store, JobContext(store: store))
        }
    }

    static func row(_ rows: [DailyUsageRow], _ day: String, _ source: String, _ user: UUID?, _ agent: String, _ status: String)
        -> DailyUsageRow?
    {
        rows.first { $0.day.description == day && $0.source == source && $0.userID == user && $0.agent == agent && $0.status == status }
    }

    @Test("UTC statistics match the hand-computed figures", arguments: TestEnvironment.storeKinds)
    func utcFigures(kind: StoreKind) async throws {
        try await Self.withFixtures(kind) { store, context in
            let report = try await StatsJob().run(in: context)
            #expect(report.days.map(\.description) == ["2026-11-01", "2026-11-02", "2026-11-03"])
            let rows = try await store.dailyUsage(from: Day("2026-11-01")!, to: Day("2026-11-03")!, timezone: "UTC")
            #expect(rows.count == 10)
            let booking = try #require(Self.row(rows, "2026-11-01", "agent_executions", Self.alice, "booking", "success"))
            #expect(booking.model == "gpt-4-turbo")
            #expect(booking.runs == 2 && booking.failures == 0)
            #expect(booking.promptTokens == 1900 && booking.completionTokens == 500 && booking.totalTokens == 2400)
            #expect(booking.costUSD == Decimal(string: "0.034"))
            #expect(booking.latencyP50Ms == 1500)
            #expect(booking.latencyP95Ms == 1770)  // 1200 + 0.95 × (1800 − 1200)
            #expect(booking.latencyMaxMs == 1800 && booking.latencySumMs == 3000 && booking.latencySamples == 2)
            let timeout = try #require(Self.row(rows, "2026-11-01", "agent_executions", Self.bob, "session", "timeout"))
            #expect(timeout.failures == 1 && timeout.costUSD == Decimal(string: "0.004"))
            let unknown = try #require(Self.row(rows, "2026-11-02", "agent_executions", Self.bob, "session", "failed"))
            #expect(unknown.model == "mystery-model-9000")
            #expect(unknown.unpricedRuns == 1 && unknown.costUSD == 0 && unknown.failures == 1)
            let anonymous = try #require(Self.row(rows, "2026-11-02", "agent_executions", nil, "general", "success"))
            #expect(anonymous.costUSD == Decimal(string: "0.00008"))
            let failedRun = try #require(Self.row(rows, "2026-11-02", "ai_runs", Self.alice, "itinerary", "failed"))
            // Failed runs are billed: their cost counts.
            #expect(failedRun.costUSD == Decimal(string: "0.009") && failedRun.failures == 1)
            let total = rows.reduce(Decimal(0)) { $0 + $1.costUSD }
            #expect(total == Decimal(string: "0.076705"))
            #expect(rows.reduce(0) { $0 + $1.runs } == 11)
        }
    }

    @Test("a second run writes nothing; a late row is counted on its own day by the next run", arguments: TestEnvironment.storeKinds)
    func incremental(kind: StoreKind) async throws {
        try await Self.withFixtures(kind) { store, context in
            _ = try await StatsJob().run(in: context)
            let again = try await StatsJob().run(in: context)
            #expect(again.writes == StatsWriteCounts())
            // A row inserted now with yesterday's created_at (2026-11-01).
            let late = AgentExecution(
                conversationID: nil, agentType: "booking", tokensUsed: 1000, costUSD: Decimal(string: "0.01"),
                durationMs: 600, status: .success,
                metadata: ["model": "gpt-4-turbo", "prompt_tokens": 900, "completion_tokens": 100],
                createdAt: Timestamp.parse("2026-11-01T20:00:00Z"))
            try await store.recordExecution(late, userID: Self.alice)
            // Without look-back only the late row's day is recomputed (with it, everything changed in the last hour).
            let next = try await StatsJob(lookback: 0).run(in: context)
            #expect(next.days.map(\.description) == ["2026-11-01"])
            let rows = try await store.dailyUsage(from: Day("2026-11-01")!, to: Day("2026-11-01")!, timezone: "UTC")
            let booking = try #require(Self.row(rows, "2026-11-01", "agent_executions", Self.alice, "booking", "success"))
            #expect(booking.runs == 3)
            #expect(booking.costUSD == Decimal(string: "0.044"))
            #expect(booking.latencyP50Ms == 1200)
        }
    }

    @Test("days follow the time zone, daylight saving included", arguments: TestEnvironment.storeKinds)
    func timeZones(kind: StoreKind) async throws {
        try await Self.withFixtures(kind) { store, context in
            // Tokyo (UTC+9): Bob's 23:30 UTC timeout on Nov 1 is Nov 2 there, with his Nov 2 failure.
            _ = try await StatsJob(timezone: "Asia/Tokyo").run(in: context)
            let tokyo = try await store.dailyUsage(from: Day("2026-10-31")!, to: Day("2026-11-04")!, timezone: "Asia/Tokyo")
            #expect(Self.row(tokyo, "2026-11-02", "agent_executions", Self.bob, "session", "timeout") != nil)
            #expect(Self.row(tokyo, "2026-11-01", "agent_executions", Self.bob, "session", "timeout") == nil)
            // New York leaves daylight saving at 06:00 UTC on 2026-11-01: 04:30 UTC on Nov 2 is 23:30 EST on Nov 1
            // (with the summer offset it would be 00:30 on Nov 2); 03:30 UTC on Nov 1 is 23:30 EDT on Oct 31.
            for (time, agent) in [("2026-11-02T04:30:00Z", "dst-after"), ("2026-11-01T03:30:00Z", "dst-before")] {
                try await store.recordExecution(
                    AgentExecution(conversationID: nil, agentType: agent, tokensUsed: 1, costUSD: 0, durationMs: 1,
                                   metadata: ["model": "gpt-4o"], createdAt: Timestamp.parse(time)),
                    userID: nil)
            }
            _ = try await StatsJob(timezone: "America/New_York").run(in: context)
            let newYork = try await store.dailyUsage(
                from: Day("2026-10-30")!, to: Day("2026-11-03")!, timezone: "America/New_York")
            #expect(newYork.first { $0.agent == "dst-after" }?.day.description == "2026-11-01")
            #expect(newYork.first { $0.agent == "dst-before" }?.day.description == "2026-10-31")
            // UTC rows are kept apart from other zones' rows.
            #expect(try await store.dailyUsage(from: Day("2026-10-01")!, to: Day("2026-12-01")!, timezone: "UTC").isEmpty)
            await #expect(throws: NightshiftError.self) { try await StatsJob(timezone: "Mars/Olympus").run(in: context) }
        }
    }

    @Test("get_ai_usage_stats and the daily table agree", arguments: TestEnvironment.storeKinds)
    func agreesWithDesignFunction(kind: StoreKind) async throws {
        try await Self.withFixtures(kind) { store, context in
            _ = try await StatsJob().run(in: context)
            let rows = try await store.dailyUsage(from: Day("2026-11-01")!, to: Day("2026-11-30")!, timezone: "UTC")
            for user in [Self.alice, Self.bob, UUID(uuidString: "c0000000-0000-4000-8000-00000000000c")!] {
                let design = try await store.usageStats(
                    userID: user, from: Timestamp.parse("2026-11-01T00:00:00Z")!, to: Timestamp.parse("2026-12-01T00:00:00Z")!)
                let daily = rows.filter { $0.source == "ai_runs" && $0.userID == user && $0.status == "completed" }
                #expect(design.totalRuns == daily.reduce(0) { $0 + $1.runs })
                #expect(design.totalTokens == daily.reduce(0) { $0 + $1.totalTokens })
                #expect(design.totalCost == daily.reduce(Decimal(0)) { $0 + $1.costUSD })
                let samples = daily.reduce(0) { $0 + $1.latencySamples }
                let average = samples == 0 ? 0 : Double(daily.reduce(0) { $0 + $1.latencySumMs }) / Double(samples)
                #expect(abs(design.averageLatencyMs - average) < 1e-9)
            }
            let alice = try await store.usageStats(
                userID: Self.alice, from: Timestamp.parse("2026-11-01T00:00:00Z")!, to: Timestamp.parse("2026-12-01T00:00:00Z")!)
            #expect(alice.totalRuns == 2 && alice.totalTokens == 1950 && alice.totalCost == Decimal(string: "0.006225"))
            #expect(alice.averageLatencyMs == 1100)
        }
    }

    @Test("the same fixture data gives identical statistics on both stores", .enabled(if: TestEnvironment.postgresEnabled))
    func storesAgree() async throws {
        var results: [[DailyUsageRow]] = []
        for kind in StoreKind.allCases {
            for zone in ["UTC", "America/New_York"] {
                let rows = try await Self.withFixtures(kind) { store, context in
                    _ = try await StatsJob(timezone: zone).run(in: context)
                    return try await store.dailyUsage(from: Day("2026-10-01")!, to: Day("2026-12-01")!, timezone: zone)
                }
                results.append(rows.sorted { $0.key < $1.key })
            }
        }
        #expect(results[0] == results[2])
        #expect(results[1] == results[3])
        #expect(results[0].count == 10)
    }

    @Test("explicit ranges recompute every day in them and leave the watermark alone", arguments: TestEnvironment.storeKinds)
    func explicitRange(kind: StoreKind) async throws {
        try await Self.withFixtures(kind) { store, context in
            let report = try await StatsJob(since: Day("2026-11-02"), until: Day("2026-11-05")).run(in: context)
            #expect(report.days.count == 4)
            #expect(report.watermark == nil)
            let rows = try await store.dailyUsage(from: Day("2026-11-01")!, to: Day("2026-11-30")!, timezone: "UTC")
            #expect(Set(rows.map(\.day.description)) == ["2026-11-02", "2026-11-03"])
            #expect(try await store.jobState(job: "stats", key: "watermark:UTC") == nil)
            let runs = try await store.jobRuns(job: "stats", limit: 1)
            #expect(runs.first?.status == .succeeded)
            #expect(runs.first?.counts["days_recomputed"]?.intValue == 4)
            await #expect(throws: NightshiftError.self) {
                try await StatsJob(since: Day("2026-11-05"), until: Day("2026-11-01")).run(in: context)
            }
        }
    }
}
