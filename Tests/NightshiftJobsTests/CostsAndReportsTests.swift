import Foundation
import NightshiftAI
import NightshiftCore
import NightshiftJobs
import NightshiftStore
import NightshiftTestSupport
import Testing

@Suite("Cost backfill and reports")
struct CostsAndReportsTests {
    static let alice = UUID(uuidString: "a0000000-0000-4000-8000-00000000000a")!

    @Test("backfill prices missing costs from the split, leaves unknown models and totals-only rows", arguments: TestEnvironment.storeKinds)
    func backfill(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await store.createUser(User(id: Self.alice))
            let context = JobContext(store: store)
            let withSplit = AgentExecution(
                conversationID: nil, agentType: "general", tokensUsed: 1500, costUSD: nil,
                metadata: ["model": "openai/gpt-4o-mini-2024-07-18", "prompt_tokens": 1200, "completion_tokens": 300])
            let zeroDefault = AgentExecution(
                conversationID: nil, agentType: "general", tokensUsed: 1000, costUSD: 0,
                metadata: ["model": "claude-sonnet-4-5-20250929", "prompt_tokens": 800, "completion_tokens": 200])
            let totalOnly = AgentExecution(
                conversationID: nil, agentType: "general", tokensUsed: 1000, costUSD: nil, metadata: ["model": "gpt-4o"])
            let unknown = AgentExecution(
                conversationID: nil, agentType: "general", tokensUsed: 10, costUSD: nil,
                metadata: ["model": "mystery-model-9000", "prompt_tokens": 5, "completion_tokens": 5])
            let priced = AgentExecution(
                conversationID: nil, agentType: "general", tokensUsed: 10, costUSD: Decimal(string: "1.5"),
                metadata: ["model": "gpt-4o", "prompt_tokens": 5, "completion_tokens": 5])
            for execution in [withSplit, zeroDefault, totalOnly, unknown, priced] {
                try await store.recordExecution(execution, userID: Self.alice)
            }
            let agent = try #require(try await store.agent(named: "explore"))
            let run = AIRun(userID: Self.alice, agentID: agent.id, inputText: "x", status: .completed, modelUsed: "gpt-4o",
                            tokensPrompt: 1000, tokensCompletion: 100, tokensTotal: 1100)
            try await store.insertRun(run)

            let dry = try await CostBackfillJob(dryRun: true).run(in: context)
            #expect(dry.lines.reduce(0) { $0 + $1.priced } == 3)
            #expect(try await store.executions(conversationID: UUID()).isEmpty)
            #expect(try await store.run(id: run.id)?.costUSD == nil)  // dry run changed nothing

            let report = try await CostBackfillJob(batchSize: 1).run(in: context)
            #expect(report.unknownModels.map(\.model) == ["mystery-model-9000"])
            let gpt4o = report.lines.first { $0.source == "agent_executions" && $0.model == "gpt-4o" }
            #expect(gpt4o?.withoutSplit == 1 && gpt4o?.priced == 0)
            // gpt-4o run: 1000 × 2.50 + 100 × 10 per 1M = 0.0035
            #expect(try await store.run(id: run.id)?.costUSD == Decimal(string: "0.0035"))
            let usage = try await store.usageModelsNeedingCost(since: nil, recompute: false)
            #expect(Set(usage.map(\.model)) == ["gpt-4o", "mystery-model-9000"])  // the totals-only row and the unknown
            // Second run: nothing more to price.
            let again = try await CostBackfillJob().run(in: context)
            #expect(again.lines.reduce(0) { $0 + $1.priced } == 0)
            // An assumed split prices the totals-only row and marks it estimated: 750 × 2.50 + 250 × 10 → 0.004375
            let assumed = try await CostBackfillJob(assumedPromptShare: 0.75).run(in: context)
            #expect(assumed.lines.first { $0.model == "gpt-4o" }?.cost == Decimal(string: "0.004375"))
            // The explicit cost was left alone (no --recompute).
            let stats = try await store.usageModelsNeedingCost(since: nil, recompute: true)
            #expect(stats.first { $0.model == "gpt-4o" && $0.source == "agent_executions" }?.rows == 2)
            try await store.setJobState(job: "x", key: "y", value: 1)
            _ = try await StatsJob().run(in: context)
            let day = Day(utc: Date())
            let rows = try await store.dailyUsage(from: day.adding(days: -1), to: day.adding(days: 1), timezone: "UTC")
            let costs = rows.filter { $0.source == "agent_executions" }.reduce(Decimal(0)) { $0 + $1.costUSD }
            // 0.00036 (gpt-4o-mini) + 0.0054 (sonnet: 800 × 3 + 200 × 15) + 0.004375 (assumed) + 1.5 (explicit)
            #expect(costs == Decimal(string: "1.510135"))
        }
    }

    static func loadedStore<T>(_ kind: StoreKind, _ body: (any Store) async throws -> T) async throws -> T {
        try await withFreshStore(kind) { store in
            _ = try await FixtureLoader(path: fixtureSeedPath).load(into: store)
            _ = try await StatsJob().run(in: JobContext(store: store))
            return try await body(store)
        }
    }

    @Test("a daily report has the hand-computed totals", arguments: TestEnvironment.storeKinds)
    func dailyReport(kind: StoreKind) async throws {
        try await Self.loadedStore(kind) { store in
            let report = CostReport(
                from: Day("2026-11-01")!, to: Day("2026-11-30")!, grouping: try ReportGrouping(parsing: "day"), totals: true)
            let rows = try await report.rows(in: store)
            #expect(rows.map { $0.period?.description } == ["2026-11-01", "2026-11-02", "2026-11-03"])
            #expect(rows[0].runs == 5 && rows[0].failures == 1 && rows[0].costUSD == Decimal(string: "0.044225"))
            #expect(rows[0].promptTokens == 3600 && rows[0].completionTokens == 1150 && rows[0].totalTokens == 4750)
            #expect(rows[0].averageLatencyMs == 7040 && rows[0].maxLatencyMs == 30000)
            #expect(rows[1].runs == 5 && rows[1].failures == 2 && rows[1].unpricedRuns == 1)
            #expect(rows[1].costUSD == Decimal(string: "0.02798"))
            #expect(rows[1].averageLatencyMs == 2180)
            #expect(rows[2].costUSD == Decimal(string: "0.0045"))
            let csv = report.render(rows)
            #expect(csv.hasPrefix("day,runs,failures,prompt_tokens,completion_tokens,total_tokens,cost_usd,unpriced_runs,avg_latency_ms,max_latency_ms\n"))
            #expect(csv.contains("\n2026-11-01,5,1,3600,1150,4750,0.044225,0,7040.0,30000\n"))
            #expect(csv.hasSuffix("TOTAL,11,3,7700,2220,9920,0.076705,1,4290.9,30000\n"))
        }
    }

    @Test("group by month, user and model; week starts on Monday", arguments: TestEnvironment.storeKinds)
    func grouping(kind: StoreKind) async throws {
        try await Self.loadedStore(kind) { store in
            let byModel = try await CostReport(
                from: Day("2026-10-01")!, to: Day("2026-12-31")!, grouping: try ReportGrouping(parsing: "month,model")
            ).rows(in: store)
            #expect(byModel.allSatisfy { $0.period?.description == "2026-11-01" })
            #expect(byModel.first { $0.model == "gpt-4-turbo" }?.costUSD == Decimal(string: "0.038"))
            #expect(byModel.first { $0.model == "gpt-4o" }?.runs == 2)
            let weeks = try await CostReport(
                from: Day("2026-11-01")!, to: Day("2026-11-03")!, grouping: try ReportGrouping(parsing: "week")
            ).rows(in: store)
            // 2026-11-01 is a Sunday: it belongs to the week of Monday 2026-10-26; Nov 2 starts the next week.
            #expect(weeks.map { $0.period?.description } == ["2026-10-26", "2026-11-02"])
            #expect(weeks.map(\.runs) == [5, 6])
            let byUser = try await CostReport(
                from: Day("2026-11-01")!, to: Day("2026-11-03")!, grouping: try ReportGrouping(parsing: "user")
            ).rows(in: store)
            #expect(byUser.first?.userID == nil)  // the execution without a user sorts first
            #expect(byUser.first { $0.userID == Self.alice }?.costUSD == Decimal(string: "0.057625"))
            let empty = CostReport(from: Day("2020-01-01")!, to: Day("2020-01-31")!, grouping: try ReportGrouping(parsing: "day"))
            #expect(empty.render(try await empty.rows(in: store)).split(separator: "\n").count == 1)
            #expect(throws: NightshiftError.self) { try ReportGrouping(parsing: "day,planet") }
            #expect(throws: NightshiftError.self) { try ReportGrouping(parsing: "day,week") }
        }
    }

    @Test("CSV with commas, quotes, newlines and formulas parses back with Python's csv module")
    func csvRoundTrip() throws {
        var writer = CSVWriter(crlf: true)
        let nasty = [
            "plain", "comma, inside", "quote \" inside", "new\nline", "=HYPERLINK(\"http://x\")", "+1", "-2", "@sum",
            "ünïcödé ✓", "",
        ]
        writer.header(["name", "cost"])
        for text in nasty { writer.row([.text(text), .number("-0.500000")]) }
        let folder = try TestEnvironment.temporaryDirectory("csv")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("report.csv")
        try writer.output.write(to: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))))",
            file.path,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let parsed = try JSONDecoder().decode([[String]].self, from: data)
        #expect(parsed.count == nasty.count + 1)
        #expect(parsed[0] == ["name", "cost"])
        for (index, text) in nasty.enumerated() {
            let expected = ["=", "+", "-", "@"].contains(text.first.map(String.init) ?? "") ? "'" + text : text
            #expect(parsed[index + 1] == [expected, "-0.500000"])
        }
        #expect(writer.output.contains("\r\n"))
    }

    @Test("grouped by model: dated and base names are one row, recorded names kept; an unpriced cost is empty", arguments: TestEnvironment.storeKinds)
    func modelsForSpreadsheets(kind: StoreKind) async throws {
        try await Self.loadedStore(kind) { store in
            let report = CostReport(
                from: Day("2026-11-01")!, to: Day("2026-11-30")!, grouping: try ReportGrouping(parsing: "model"), totals: true)
            let rows = try await report.rows(in: store)
            let sonnet = try #require(rows.first { $0.model == "claude-sonnet-4-5" })
            #expect(sonnet.recordedModels == ["claude-sonnet-4-5", "claude-sonnet-4-5-20250929"])
            #expect(rows.filter { ($0.model ?? "").hasPrefix("claude") }.count == 1)
            #expect(Set(rows.compactMap(\.model)).count == rows.count)
            let mystery = try #require(rows.first { $0.model == "mystery-model-9000" })
            #expect(mystery.unpricedRuns == mystery.runs)
            let csv = report.render(rows)
            let lines = csv.split(separator: "\n").map(String.init)
            #expect(lines[0] == "model,recorded_models,runs,failures,prompt_tokens,completion_tokens,total_tokens,cost_usd,unpriced_runs,avg_latency_ms,max_latency_ms")
            let mysteryLine = try #require(lines.first { $0.hasPrefix("mystery-model-9000,") })
            let mysteryFields = mysteryLine.split(separator: ",", omittingEmptySubsequences: false)
            #expect(mysteryFields[7] == "")  // no price: empty, never 0.000000
            #expect(!csv.contains(",0.000000,"))
            #expect(lines.contains { $0.hasPrefix("claude-sonnet-4-5,claude-sonnet-4-5 claude-sonnet-4-5-20250929,") })
            // JSON: null cost, the recorded names as an array.
            let json = try JSONValue.parse(
                CostReport(from: report.from, to: report.to, grouping: report.grouping, format: .json).render(rows), what: "report")
            let objects = try #require(json.arrayValue)
            #expect(objects.first { $0["model"]?.stringValue == "mystery-model-9000" }?["cost_usd"] == .null)
            #expect(objects.first { $0["model"]?.stringValue == "claude-sonnet-4-5" }?["recorded_models"]?.arrayValue?.count == 2)
        }
    }

    @Test("CSV for Excel: a byte order mark and a semicolon delimiter; the delimiter is validated")
    func excel() async throws {
        try await Self.loadedStore(.sqlite) { store in
            let report = CostReport(
                from: Day("2026-11-01")!, to: Day("2026-11-03")!, grouping: try ReportGrouping(parsing: "day,agent"),
                bom: true, delimiter: ";")
            let csv = report.render(try await report.rows(in: store))
            #expect(Array(csv.utf8.prefix(3)) == [0xEF, 0xBB, 0xBF])
            let lines = csv.dropFirst().split(separator: "\n")
            #expect(lines[0] == "day;agent;runs;failures;prompt_tokens;completion_tokens;total_tokens;cost_usd;unpriced_runs;avg_latency_ms;max_latency_ms")
            #expect(lines.dropFirst().allSatisfy { $0.split(separator: ";", omittingEmptySubsequences: false).count == 11 })
            #expect(!CostReport(from: report.from, to: report.to, grouping: report.grouping).render([]).hasPrefix("\u{FEFF}"))
        }
        var writer = CSVWriter(delimiter: ";")
        writer.row([.text("a;b"), .text("c,d"), .number("1;5")])
        #expect(writer.output == "\"a;b\";c,d;\"1;5\"\n")
        #expect(CSVWriter.delimiterProblem(";") == nil)
        #expect(CSVWriter.delimiterProblem("\t") == nil)
        #expect(CSVWriter.delimiterProblem(";;") != nil)
        #expect(CSVWriter.delimiterProblem("") != nil)
        #expect(CSVWriter.delimiterProblem("\"") != nil)
        #expect(CSVWriter.delimiterProblem("\n") != nil)
        #expect(CSVWriter.delimiterProblem("x") != nil)
    }

    @Test("coverage: days without statistics, statistics in another time zone, stale days, and a truly empty range", arguments: TestEnvironment.storeKinds)
    func coverage(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            _ = try await FixtureLoader(path: fixtureSeedPath).load(into: store)
            let november = CostReport(from: Day("2026-11-01")!, to: Day("2026-11-30")!, grouping: try ReportGrouping(parsing: "day"))
            // Nothing computed yet: the report would be empty although there are executions.
            let before = try await november.coverage(in: store)
            #expect(before.missing.count == 1)
            #expect(before.missing[0].contains("3 days (2026-11-01 to 2026-11-03)"))
            #expect(before.missing[0].contains("nightshift stats"))
            // Computed in UTC, asked in Berlin: the message names the zone that has them and the flag to pass.
            _ = try await StatsJob().run(in: JobContext(store: store))
            var berlin = november
            berlin.timezone = "Europe/Berlin"
            let other = try await berlin.coverage(in: store)
            #expect(other.missing.count == 1)
            #expect(other.missing[0].contains("computed in UTC"))
            #expect(other.missing[0].contains("nightshift stats --timezone Europe/Berlin"))
            // Computed: nothing to say.
            let after = try await november.coverage(in: store)
            #expect(after.missing.isEmpty && after.stale.isEmpty)
            // An execution added on a computed day after the run: stale, named.
            let late = AgentExecution(
                conversationID: nil, agentType: "general", tokensUsed: 10, costUSD: nil,
                metadata: ["model": "gpt-4o"], createdAt: Timestamp.parse("2026-11-02T12:00:00Z"))
            try await store.recordExecution(late, userID: nil)
            let stale = try await november.coverage(in: store)
            #expect(stale.missing.isEmpty)
            #expect(stale.stale.count == 1 && stale.stale[0].contains("2026-11-02 has"))
            // No executions at all in the range: nothing missing, an empty report is the truth.
            let empty = CostReport(from: Day("2020-01-01")!, to: Day("2020-01-31")!, grouping: try ReportGrouping(parsing: "day"))
            let none = try await empty.coverage(in: store)
            #expect(none.missing.isEmpty && none.stale.isEmpty)
            #expect(try await empty.rows(in: store).isEmpty)
        }
    }

    @Test("fixed decimals never use exponents")
    func fixedDecimals() {
        #expect(CostReport.fixed(Decimal(string: "0.00008")!, decimals: 6) == "0.000080")
        #expect(CostReport.fixed(Decimal(string: "12")!, decimals: 2) == "12.00")
        #expect(CostReport.fixed(Decimal(string: "0.0000005")!, decimals: 6) == "0.000001")
        #expect(CostReport.fixed(Decimal(string: "123456789.1234567")!, decimals: 4) == "123456789.1235")
    }
}
