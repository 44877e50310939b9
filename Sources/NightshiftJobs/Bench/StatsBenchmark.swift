import Foundation
import Logging
import NightshiftAI
import NightshiftCore
import NightshiftStore

/// `nightshift bench stats`: loads synthetic executions into a scratch PostgreSQL database with COPY and times the
/// first full statistics run, an incremental run after new rows, and a one-year report.
public struct StatsBenchmark: Sendable {
    public var rows: Int
    public var users: Int
    public var days: Int
    public var incrementalRows: Int
    public var seed: UInt64

    public static let agents = ["booking", "session", "insights", "followup", "general", "research"]
    public static let models = [
        "gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4-turbo", "claude-sonnet-4-5-20250929", "claude-haiku-4-5",
        "gpt-3.5-turbo", "o3-mini",
    ]

    public init(rows: Int = 10_000_000, users: Int = 10_000, days: Int = 365, incrementalRows: Int = 100_000, seed: UInt64 = 42) {
        self.rows = rows
        self.users = users
        self.days = days
        self.incrementalRows = incrementalRows
        self.seed = seed
    }

    /// One measured step.
    public struct Step: Sendable {
        public var name: String
        public var seconds: Double
        public var detail: String
    }

    /// Runs the benchmark against `store` (an empty, migrated scratch database); `emit` receives each line as it is measured.
    public func run(on store: PostgresStore, emit: @Sendable (String) -> Void) async throws -> [Step] {
        var steps: [Step] = []
        func record(_ name: String, _ seconds: Double, _ detail: String) {
            let step = Step(name: name, seconds: seconds, detail: detail)
            steps.append(step)
            emit(String(format: "%-28@ %9.2f s   %@   (peak RSS %@)", name as NSString, seconds, detail as NSString,
                        ProcessMemory.megabytes(ProcessMemory.peakResidentBytes()) as NSString))
        }
        var random = SeededRandom(seed: seed)
        let userIDs = (0..<users).map { _ in random.uuid() }
        let end = Day(utc: Date())
        let firstDay = end.adding(days: -days)

        var started = Date()
        _ = try await store.pool.withConnection { connection in
            try await connection.copyIn("copy auth.users (id, email) from stdin", rowCount: userIDs.count) { index, writer in
                writer.field(userIDs[index].canonical)
                writer.field("bench\(index)@example.com")
            }
        }
        try await load(rows, from: firstDay, days: days, userIDs: userIDs, seed: seed &+ 1, store: store, lateShare: 0, insertedNow: false)
        try await store.pool.execute("analyze public.agent_executions")
        let loadSeconds = Date().timeIntervalSince(started)
        record("load (COPY)", loadSeconds, "\(rows) executions, \(Int(Double(rows) / loadSeconds)) rows/s")

        let context = JobContext(store: store, logger: Logger(label: "nightshift.bench"))
        started = Date()
        let full = try await StatsJob(lookback: 0).run(in: context)
        record("stats: first full run", Date().timeIntervalSince(started),
               "\(full.days.count) days, \(full.writes.inserted) daily rows")

        started = Date()
        let recent = end.adding(days: -2)
        try await load(incrementalRows, from: recent, days: 2, userIDs: userIDs, seed: seed &+ 2, store: store, lateShare: 0.05, insertedNow: true)
        let incrementalLoad = Date().timeIntervalSince(started)
        record("load: new rows", incrementalLoad, "\(incrementalRows) executions (5 % late, for 3 days back)")

        started = Date()
        let incremental = try await StatsJob(lookback: 0).run(in: context)
        record("stats: incremental run", Date().timeIntervalSince(started),
               "\(incremental.days.count) days recomputed, +\(incremental.writes.inserted) ~\(incremental.writes.updated)")

        started = Date()
        let rerun = try await StatsJob(lookback: 0).run(in: context)
        record("stats: rerun, nothing new", Date().timeIntervalSince(started), "\(rerun.days.count) days")

        for grouping in ["month", "day", "month,model", "agent,model", "user"] {
            started = Date()
            let report = CostReportBenchmarkProbe(from: firstDay, to: end, grouping: try ReportGrouping(parsing: grouping))
            let rowsOut = try await report.run(on: store)
            record("report: one year by \(grouping)", Date().timeIntervalSince(started), "\(rowsOut) rows")
        }
        return steps
    }

    /// COPYs `count` synthetic executions spread over `days` days from `first`; a share of them are "late":
    /// created a day before their time slot. `insertedNow` stamps `changed_at` with now (new rows) instead of the
    /// creation time (history that existed before the first run).
    func load(
        _ count: Int, from first: Day, days: Int, userIDs: [UUID], seed: UInt64, store: PostgresStore, lateShare: Double,
        insertedNow: Bool
    ) async throws {
        let now = Date().timeIntervalSince1970
        // Prices in nano-dollars per token (every listed price has at most 3 decimals per million tokens), so a
        // row's cost is integer arithmetic; Decimal per row would dominate the load time.
        let prices = PriceTable.builtIn
        let nanoPrices: [(input: Int, output: Int)?] = Self.models.map { model in
            guard let price = prices.price(for: model), let input = price.inputPerMillion, let output = price.outputPerMillion
            else { return nil }
            return (NSDecimalNumber(decimal: input * 1000).intValue, NSDecimalNumber(decimal: output * 1000).intValue)
        }
        let batch = 500_000
        var offset = 0
        while offset < count {
            let rows = min(batch, count - offset)
            let baseSeed = seed &+ UInt64(offset)
            let firstStart = first.startUTC.timeIntervalSince1970
            let span = Double(max(days, 1)) * 86400
            _ = try await store.pool.withConnection { connection in
                try await connection.copyIn(
                    """
                    copy public.agent_executions (id, user_id, agent_type, tokens_used, cost_usd, duration_ms, status,
                        metadata, created_at, changed_at) from stdin
                    """,
                    rowCount: rows
                ) { index, writer in
                    var random = SeededRandom(seed: baseSeed &+ UInt64(index) &* 7919)
                    let user = userIDs[Int(random.next() % UInt64(userIDs.count))]
                    let agent = Self.agents[Int(random.next() % UInt64(Self.agents.count))]
                    let modelIndex = Int(random.next() % UInt64(Self.models.count))
                    let prompt = 100 + Int(random.next() % 3900)
                    let completion = 10 + Int(random.next() % 990)
                    let roll = random.next() % 100
                    let status = roll < 95 ? "success" : (roll < 98 ? "failed" : "timeout")
                    let duration = 200 + Int(random.next() % 2000) + (roll >= 98 ? 28_000 : 0)
                    let created = firstStart + Double(random.next() % UInt64(span * 1000)) / 1000
                    let late = Double(random.next() % 1000) / 1000 < lateShare
                    let createdAt = late ? created - 86400 : created
                    var cost: String?
                    if let price = nanoPrices[modelIndex] {
                        let micros = (prompt * price.input + completion * price.output + 500) / 1000
                        cost = "\(micros / 1_000_000).\(String(micros % 1_000_000).leftPadded(to: 6))"
                    }
                    writer.field(random.uuid().canonical)
                    writer.field(user.canonical)
                    writer.field(agent)
                    writer.field(String(prompt + completion))
                    writer.field(cost)
                    writer.field(String(duration))
                    writer.field(status)
                    writer.field(
                        "{\"model\": \"\(Self.models[modelIndex])\", \"prompt_tokens\": \(prompt), \"completion_tokens\": \(completion)}")
                    writer.field(Timestamp.iso8601Micros(Date(timeIntervalSince1970: createdAt)))
                    writer.field(Timestamp.iso8601Micros(Date(timeIntervalSince1970: insertedNow ? now : createdAt)))
                }
            }
            offset += rows
        }
    }
}

/// Runs one report the way `nightshift report costs` does, rendering CSV, and returns its row count.
struct CostReportBenchmarkProbe {
    var from: Day
    var to: Day
    var grouping: ReportGrouping

    func run(on store: any Store) async throws -> Int {
        let report = CostReport(from: from, to: to, grouping: grouping, totals: true)
        let rows = try await report.rows(in: store)
        _ = report.render(rows)
        return rows.count
    }
}

extension String {
    /// The string with leading zeros up to `width` characters.
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
