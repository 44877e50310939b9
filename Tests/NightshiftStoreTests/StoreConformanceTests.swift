import Foundation
import NightshiftCore
import NightshiftStore
import NightshiftTestSupport
import Testing

/// The same behaviour, checked on both stores.
@Suite("Store conformance")
struct StoreConformanceTests {
    let alice = UUID(uuidString: "a0000000-0000-4000-8000-00000000000a")!
    let bob = UUID(uuidString: "b0000000-0000-4000-8000-00000000000b")!

    @Test("a new user gets the design's default preferences", arguments: TestEnvironment.storeKinds)
    func defaultPreferences(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            let id = UUID()
            try await store.createUser(User(id: id, email: "new@example.com"))
            try await store.createUser(User(id: id, email: "again@example.com"))  // a no-op, not an error
            let preferences = try #require(try await store.preferences(userID: id))
            #expect(preferences.enabledAgents == ["booking", "session", "insights", "followup"])
            #expect(preferences.notificationFrequency == .normal)
            #expect(preferences.quietHours == .init(start: "22:00", end: "08:00"))
            #expect(preferences.dataSharingConsent)
            #expect(preferences.transparencyLevel == .detailed)
            #expect(!preferences.classicMode && !preferences.onboardingCompleted)
            #expect(preferences.languagePreference == .en)
            #expect(try await store.user(id: id)?.email == "new@example.com")
            #expect(try await store.preferences(userID: UUID()) == nil)
        }
    }

    @Test("preferences round-trip and an unknown user is refused", arguments: TestEnvironment.storeKinds)
    func preferencesRoundTrip(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await store.createUser(User(id: alice))
            var changed = UserPreferences.defaults(for: alice)
            changed.enabledAgents = ["booking", "insights"]
            changed.notificationFrequency = .minimal
            changed.quietHours = .init(start: "21:30", end: "07:00")
            changed.transparencyLevel = .technical
            changed.languagePreference = .hinglish
            changed.onboardingCompleted = true
            try await store.savePreferences(changed)
            let read = try #require(try await store.preferences(userID: alice))
            #expect(read.enabledAgents == ["booking", "insights"])
            #expect(read.notificationFrequency == .minimal)
            #expect(read.quietHours.start == "21:30")
            #expect(read.transparencyLevel == .technical)
            #expect(read.languagePreference == .hinglish)
            #expect(read.onboardingCompleted)
            await #expect(throws: NightshiftError.self) {
                try await store.savePreferences(UserPreferences.defaults(for: UUID()))
            }
        }
    }

    @Test("the seeded flags exist and evaluation follows the design's rules", arguments: TestEnvironment.storeKinds)
    func featureFlags(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            let names = try await store.flags().map(\.name)
            #expect(names.count == 10)
            #expect(names.contains("ai_alpha_users") && names.contains("generative_ui"))
            // Seeded flags are all disabled.
            #expect(try await store.isFeatureEnabled("ai_ga_enabled", userID: alice) == false)
            var flag = try #require(try await store.flag(named: "booking_agent_enabled"))
            flag.enabled = true
            flag.targetUsers = [alice]
            try await store.saveFlag(flag)
            #expect(try await store.isFeatureEnabled("booking_agent_enabled", userID: alice))
            #expect(try await store.isFeatureEnabled("booking_agent_enabled", userID: bob) == false)
            #expect(try await store.isFeatureEnabled("no_such_flag", userID: alice) == false)
            var ga = try #require(try await store.flag(named: "ai_ga_enabled"))
            ga.enabled = true
            try await store.saveFlag(ga)
            #expect(try await store.isFeatureEnabled("ai_ga_enabled", userID: bob))
            #expect(try await store.isFeatureEnabled("ai_ga_enabled", userID: nil))
            let beta = FeatureFlag(name: "beta_x", enabled: true, rolloutPercentage: 50)
            try await store.saveFlag(beta)
            for _ in 0..<20 {
                let user = UUID()
                #expect(try await store.isFeatureEnabled("beta_x", userID: user) == beta.isEnabled(for: user))
            }
        }
    }

    @Test("a user reads and continues only their own conversations", arguments: TestEnvironment.storeKinds)
    func conversations(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await store.createUser(User(id: alice))
            try await store.createUser(User(id: bob))
            let conversation = Conversation(userID: alice, context: ["screen": "/home"])
            try await store.createConversation(conversation)
            let first = ConversationMessage(role: "user", content: "book me in, \"please\"", timestamp: Date())
            let reply = ConversationMessage(role: "assistant", content: "Done.\nSee you.", timestamp: Date())
            #expect(try await store.appendMessages(
                [first], conversationID: conversation.id, userID: alice, agentType: .booking, status: .active))
            #expect(try await store.appendMessages(
                [reply], conversationID: conversation.id, userID: alice, agentType: .booking, status: .completed))
            // Bob can neither read nor continue it.
            #expect(try await store.conversation(id: conversation.id, userID: bob) == nil)
            #expect(try await store.appendMessages(
                [first], conversationID: conversation.id, userID: bob, agentType: .general, status: .failed) == false)
            let read = try #require(try await store.conversation(id: conversation.id, userID: alice))
            #expect(read.messages.map(\.content) == ["book me in, \"please\"", "Done.\nSee you."])
            #expect(read.agentType == .booking)
            #expect(read.status == .completed)
            #expect(read.context["screen"]?.stringValue == "/home")
            #expect(try await store.conversations(userID: alice, limit: 10).count == 1)
            #expect(try await store.conversations(userID: bob, limit: 10).isEmpty)
        }
    }

    @Test("executions, runs and usage totals are recorded and read back", arguments: TestEnvironment.storeKinds)
    func executionsAndRuns(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await store.createUser(User(id: alice))
            let conversation = Conversation(userID: alice)
            try await store.createConversation(conversation)
            let execution = AgentExecution(
                conversationID: conversation.id, agentType: "booking", toolCalls: [["name": "search_therapists"]],
                tokensUsed: 1500, costUSD: Decimal(string: "0.000031"), durationMs: 1200, status: .success,
                metadata: ["model": "gpt-4o-mini", "prompt_tokens": 1200, "completion_tokens": 300])
            try await store.recordExecution(execution, userID: alice)
            let read = try await store.executions(conversationID: conversation.id)
            #expect(read.count == 1)
            // Six decimals survive: the design's DECIMAL(10,4) would have rounded this to zero.
            #expect(read.first?.costUSD == Decimal(string: "0.000031"))
            #expect(read.first?.metadata["model"]?.stringValue == "gpt-4o-mini")
            #expect(read.first?.toolCalls.arrayValue?.count == 1)

            let agents = try await store.agents(activeOnly: true)
            #expect(agents.map(\.name) == ["budget", "collaboration", "explore", "itinerary", "proactive", "research"])
            let explore = try #require(try await store.agent(named: "explore"))
            #expect(explore.model == "gpt-4" && explore.maxTokens == 1000)
            let start = Date(timeIntervalSince1970: 1_790_000_000)
            var run = AIRun(userID: alice, agentID: explore.id, inputText: "ideas?", status: .running, createdAt: start)
            try await store.insertRun(run)
            run.status = .completed
            run.outputText = "a garden"
            run.tokensTotal = 900
            run.costUSD = Decimal(string: "0.004500")
            run.latencyMs = 1000
            try await store.updateRun(run)
            let failed = AIRun(
                userID: alice, agentID: explore.id, inputText: "x", status: .failed, tokensTotal: 50,
                costUSD: Decimal(string: "0.1"), latencyMs: 9000, createdAt: start)
            try await store.insertRun(failed)
            let other = AIRun(
                userID: alice, agentID: explore.id, inputText: "y", status: .completed, tokensTotal: 100,
                costUSD: Decimal(string: "0.0005"), latencyMs: 2000, createdAt: start.addingTimeInterval(60))
            try await store.insertRun(other)
            #expect(try await store.run(id: run.id)?.outputText == "a garden")
            let totals = try await store.usageStats(userID: alice, from: start, to: start.addingTimeInterval(3600))
            // Completed runs only, as get_ai_usage_stats defines.
            #expect(totals.totalRuns == 2)
            #expect(totals.totalTokens == 1000)
            #expect(totals.totalCost == Decimal(string: "0.005"))
            #expect(totals.averageLatencyMs == 1500)
            await #expect(throws: NightshiftError.self) {
                try await store.updateRun(AIRun(userID: alice, agentID: explore.id, inputText: "missing"))
            }
        }
    }

    @Test("feedback is accepted on one's own runs only", arguments: TestEnvironment.storeKinds)
    func feedback(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await store.createUser(User(id: alice))
            try await store.createUser(User(id: bob))
            let agent = try #require(try await store.agent(named: "budget"))
            let run = AIRun(userID: alice, agentID: agent.id, inputText: "budget?")
            try await store.insertRun(run)
            try await store.recordFeedback(AIFeedback(userID: alice, runID: run.id, kind: .thumbsUp, comment: "nice"))
            await #expect(throws: NightshiftError.self) {
                try await store.recordFeedback(AIFeedback(userID: bob, runID: run.id, kind: .thumbsDown))
            }
            let all = try await store.feedback(userID: nil, since: nil)
            #expect(all.count == 1)
            #expect(all.first?.kind == .thumbsUp)
            #expect(try await store.feedback(userID: bob, since: nil).isEmpty)
        }
    }

    @Test("memory facts upsert by user, type and key and expire", arguments: TestEnvironment.storeKinds)
    func memory(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await store.createUser(User(id: alice))
            let now = Date()
            try await store.saveFact(MemoryFact(userID: alice, kind: .preference, key: "cuisine", value: ["likes": "thai"], confidence: 0.6))
            try await store.saveFact(MemoryFact(userID: alice, kind: .preference, key: "cuisine", value: ["likes": "italian"], confidence: 0.85))
            try await store.saveFact(
                MemoryFact(userID: alice, kind: .context, key: "trip", value: true, expiresAt: now.addingTimeInterval(-60)))
            let facts = try await store.facts(userID: alice, kind: nil, now: now)
            #expect(facts.count == 1)
            #expect(facts.first?.value["likes"]?.stringValue == "italian")
            #expect(facts.first?.confidence == 0.85)
            #expect(try await store.facts(userID: bob, kind: nil, now: now).isEmpty)
            let id = try #require(facts.first?.id)
            #expect(try await store.deleteFact(id: id, userID: bob) == false)
        }
    }

    @Test("notifications are the user's own and can be marked read", arguments: TestEnvironment.storeKinds)
    func notifications(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await store.createUser(User(id: alice))
            let note = ProactiveNotification(
                userID: alice, agentType: "session", kind: .sessionPrep, title: "Tomorrow", message: "6pm",
                action: ["open": "/sessions"], priority: .high)
            try await store.insertNotification(note)
            #expect(try await store.notifications(userID: alice, unreadOnly: true, limit: 10).count == 1)
            #expect(try await store.markNotificationRead(id: note.id, userID: bob) == false)
            #expect(try await store.markNotificationRead(id: note.id, userID: alice))
            #expect(try await store.notifications(userID: alice, unreadOnly: true, limit: 10).isEmpty)
            let all = try await store.notifications(userID: alice, unreadOnly: false, limit: 10)
            #expect(all.first?.action?["open"]?.stringValue == "/sessions")
            #expect(all.first?.priority == .high)
        }
    }

    @Test("job runs and state are recorded", arguments: TestEnvironment.storeKinds)
    func jobs(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            let run = JobRun(job: "ingest", startedAt: Date())
            try await store.startJobRun(run)
            try await store.finishJobRun(id: run.id, status: .succeeded, counts: ["added": 3], error: nil, at: Date())
            let runs = try await store.jobRuns(job: "ingest", limit: 5)
            #expect(runs.count == 1)
            #expect(runs.first?.status == .succeeded)
            #expect(runs.first?.counts["added"]?.intValue == 3)
            #expect(try await store.jobState(job: "stats", key: "watermark") == nil)
            try await store.setJobState(job: "stats", key: "watermark", value: "2026-11-25T00:00:00Z")
            try await store.setJobState(job: "stats", key: "watermark", value: "2026-11-26T00:00:00Z")
            #expect(try await store.jobState(job: "stats", key: "watermark")?.stringValue == "2026-11-26T00:00:00Z")
        }
    }

    @Test("the fixtures load into the store, and a second load changes nothing", arguments: TestEnvironment.storeKinds)
    func fixtures(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            let summary = try await FixtureLoader(path: fixtureSeedPath).load(into: store)
            #expect(summary.counts["users"] == 3)
            #expect(summary.counts["agent_executions"] == 6)
            #expect(summary.counts["ai_runs"] == 5)
            let again = try await FixtureLoader(path: fixtureSeedPath).load(into: store)
            #expect(again.alreadyLoaded)
            let carol = UUID(uuidString: "c0000000-0000-4000-8000-00000000000c")!
            // Carol has no preferences entry in the file: the new-user default applies.
            #expect(try await store.preferences(userID: carol)?.notificationFrequency == .normal)
            #expect(try await store.preferences(userID: bob)?.languagePreference == .hinglish)
            #expect(try await store.isFeatureEnabled("booking_agent_enabled", userID: alice))
            #expect(try await store.isFeatureEnabled("booking_agent_enabled", userID: bob) == false)
            let counts = Dictionary(uniqueKeysWithValues: try await store.tableCounts().map { ($0.table, $0.rows) })
            #expect(counts["ai_messages"] == 9)
            #expect(counts["ai_feedback"] == 4)
        }
    }
}
