import Foundation
import NightshiftCore

/// Users (`auth.users`) and their agent preferences (`user_agent_preferences`).
public protocol UserStore: Sendable {
    /// Creates a user; the store creates their default preferences in the same transaction (the design's
    /// trigger). Creating an existing user is a no-op.
    func createUser(_ user: User) async throws
    /// A user by id.
    func user(id: UUID) async throws -> User?
    /// Users in id order, for batch jobs (`after` pages through them).
    func users(after: UUID?, limit: Int) async throws -> [User]
    /// A user's preferences, nil when the user does not exist.
    func preferences(userID: UUID) async throws -> UserPreferences?
    /// Replaces a user's preferences; throws `.notFound` for an unknown user.
    func savePreferences(_ preferences: UserPreferences) async throws
}

/// Feature flags (`feature_flags`, `is_feature_enabled`).
public protocol FeatureFlagStore: Sendable {
    /// All flags by name.
    func flags() async throws -> [FeatureFlag]
    /// One flag.
    func flag(named name: String) async throws -> FeatureFlag?
    /// Inserts or updates a flag by name.
    func saveFlag(_ flag: FeatureFlag) async throws
    /// The store's own answer: the SQL function on PostgreSQL, the Swift evaluator on SQLite.
    func isFeatureEnabled(_ name: String, userID: UUID?) async throws -> Bool
}

/// Conversations (`agent_conversations`) and the AI schema's messages (`ai_messages`).
public protocol ConversationStore: Sendable {
    /// Creates a conversation.
    func createConversation(_ conversation: Conversation) async throws
    /// A conversation if it belongs to `userID`; another user's conversation is nil, exactly like a missing one.
    func conversation(id: UUID, userID: UUID) async throws -> Conversation?
    /// A user's conversations, newest first.
    func conversations(userID: UUID, limit: Int) async throws -> [Conversation]
    /// Appends messages and sets the agent and status, atomically; false when the conversation is not the user's.
    func appendMessages(
        _ messages: [ConversationMessage], conversationID: UUID, userID: UUID, agentType: AgentType,
        status: Conversation.Status
    ) async throws -> Bool
    /// Stores `ai_messages` rows.
    func insertAIMessages(_ messages: [AIMessage]) async throws
    /// Writes a whole chat turn in one transaction (see `ChatTurnRecord`); false, and nothing written, when the
    /// conversation to continue is not the user's (or is gone).
    func recordChatTurn(_ record: ChatTurnRecord) async throws -> Bool
    /// A user's `ai_messages`, oldest first, optionally of one run.
    func aiMessages(userID: UUID, runID: UUID?) async throws -> [AIMessage]
}

/// Totals of `get_ai_usage_stats`.
public struct UsageTotals: Sendable, Hashable {
    public var totalRuns: Int
    public var totalTokens: Int
    public var totalCost: Decimal
    public var averageLatencyMs: Double

    public init(totalRuns: Int, totalTokens: Int, totalCost: Decimal, averageLatencyMs: Double) {
        self.totalRuns = totalRuns
        self.totalTokens = totalTokens
        self.totalCost = totalCost
        self.averageLatencyMs = averageLatencyMs
    }
}

/// Agent executions (`agent_executions`), agent definitions (`ai_agents`) and runs (`ai_runs`).
public protocol ExecutionStore: Sendable {
    /// Logs one agent turn. `userID` is stored with it so costs stay attributed if the conversation goes.
    func recordExecution(_ execution: AgentExecution, userID: UUID?) async throws
    /// The executions of a conversation, oldest first.
    func executions(conversationID: UUID) async throws -> [AgentExecution]
    /// Agent definitions, by name.
    func agents(activeOnly: Bool) async throws -> [AIAgent]
    /// One agent by name.
    func agent(named name: String) async throws -> AIAgent?
    /// Inserts or replaces an agent definition by name.
    func saveAgent(_ agent: AIAgent) async throws
    /// Inserts a run.
    func insertRun(_ run: AIRun) async throws
    /// Updates a run's outcome fields (output, status, model, tokens, cost, latency, error, metadata).
    func updateRun(_ run: AIRun) async throws
    /// A run by id.
    func run(id: UUID) async throws -> AIRun?
    /// A user's runs, newest first.
    func runs(userID: UUID, limit: Int) async throws -> [AIRun]
    /// `get_ai_usage_stats`: completed runs of a user in [from, to).
    func usageStats(userID: UUID, from: Date, to: Date) async throws -> UsageTotals
}

/// User feedback on runs (`ai_feedback`).
public protocol FeedbackStore: Sendable {
    /// Records feedback; throws `.forbidden` when the run is not the user's.
    func recordFeedback(_ feedback: AIFeedback) async throws
    /// Feedback, oldest first; one user's or everyone's, optionally only rows created after `since`.
    func feedback(userID: UUID?, since: Date?) async throws -> [AIFeedback]
}

/// Long-term user memory (`ai_memory`).
public protocol MemoryStore: Sendable {
    /// Inserts or updates the fact with the same user, kind and key.
    func saveFact(_ fact: MemoryFact) async throws
    /// A user's facts, optionally of one kind, by key; expired facts are left out.
    func facts(userID: UUID, kind: MemoryFact.Kind?, now: Date) async throws -> [MemoryFact]
    /// Deletes one of a user's facts; false when there was none.
    func deleteFact(id: UUID, userID: UUID) async throws -> Bool
}

/// Proactive notifications (`proactive_notifications`).
public protocol NotificationStore: Sendable {
    /// Stores a notification.
    func insertNotification(_ notification: ProactiveNotification) async throws
    /// A user's notifications, newest first.
    func notifications(userID: UUID, unreadOnly: Bool, limit: Int) async throws -> [ProactiveNotification]
    /// Marks one of a user's notifications read; false when there is none.
    func markNotificationRead(id: UUID, userID: UUID) async throws -> Bool
}

/// Ingested documents (`documents`) and their chunks (`agent_memory`).
public protocol DocumentStore: Sendable {
    /// The document of a source for an owner.
    func document(sourceURI: String, owner: Owner) async throws -> Document?
    /// A document by id.
    func document(id: UUID) async throws -> Document?
    /// The stored extracted text of a document.
    func documentContent(id: UUID) async throws -> String?
    /// Documents whose source URI starts with `sourcePrefix` (all when nil), of one owner or of all (nil).
    func documents(sourcePrefix: String?, owner: Owner?) async throws -> [Document]
    /// The states of one owner's documents whose source URI starts with `sourcePrefix`.
    func documentStates(sourcePrefix: String, owner: Owner) async throws -> [DocumentState]
    /// Sets the source stamp (`DocumentState.sourceStamp`) of one owner's documents with these source URIs, in one
    /// transaction; their content and chunks are untouched.
    func recordSourceStamp(_ stamp: String, uris: [String], owner: Owner) async throws
    /// The chunks of a document, in order, with their embeddings.
    func chunks(documentID: UUID) async throws -> [StoredChunk]
    /// Inserts or replaces a document (matched by source URI and owner) and all its chunks in one transaction:
    /// a reader sees the old chunks or the new ones, never none and never a mix. Returns the stored document.
    @discardableResult
    func replaceDocument(_ document: Document, chunks: [StoredChunk]) async throws -> Document
    /// `replaceDocument` for many documents in one transaction (bulk loads): each document is still swapped
    /// atomically, and all of them become visible together. Source URIs must be distinct within a batch.
    @discardableResult
    func replaceDocuments(_ batch: [(document: Document, chunks: [StoredChunk])]) async throws -> [Document]
    /// The content hashes of each document's stored chunks (what need not be embedded again).
    func chunkHashes(documentIDs: [UUID]) async throws -> [UUID: [String]]
    /// Stored vectors by chunk content hash (text + model), from any document: what need not be bought again.
    func embeddings(contentHashes: [String]) async throws -> [String: [Float]]
    /// Deletes a document and its chunks; false when there was none.
    func deleteDocument(id: UUID) async throws -> Bool
    /// Whether the search indexes are in place (PostgreSQL: the HNSW index, and BM25 postings maintained by
    /// their trigger); always true on the embedded store, which has none to drop.
    func hasSearchIndexes() async throws -> Bool
    /// Drops (false) or builds (true) the search indexes: a bulk load into an empty table is much faster
    /// without them, then one build of each. Vector search keeps working meanwhile, by a scan; full-text search
    /// sees only the chunks stored before the drop. A build may use up to `memoryLimit` bytes of the server's
    /// memory (see `SearchIndexMemory`). No-op on the embedded store.
    func setSearchIndexes(enabled: Bool, memoryLimit: Int) async throws
    /// Why this store's role may not drop and rebuild the search indexes (PostgreSQL: it does not own the chunk
    /// table), or nil when it may. Always nil on the embedded store.
    func searchIndexRebuildRefusal() async throws -> String?
    /// The most similar chunks of one embedding model visible in `scope`, best first (cosine similarity).
    func search(embedding: [Float], model: String, scope: SearchScope, limit: Int) async throws -> [ChunkMatch]
    /// The best BM25 matches for `terms` (made by the tokenizer that made the chunks' search terms) among one
    /// embedding model's chunks visible in `scope`, best first.
    func searchText(terms: [String], model: String, scope: SearchScope, limit: Int) async throws -> [ChunkMatch]
    /// Vector and BM25 rankings fused by reciprocal rank fusion, best first.
    func hybridSearch(
        terms: [String], embedding: [Float], model: String, scope: SearchScope, limit: Int, fusion: FusionSettings
    ) async throws -> [ChunkMatch]
}

/// Usage statistics (`daily_usage_stats`) computed from `agent_executions` and `ai_runs`, and cost backfill.
public protocol UsageStatsStore: Sendable {
    /// The database's clock (the watermark is taken from it, never from the caller's clock).
    func databaseNow() async throws -> Date
    /// Days (in `timezone`) of usage rows inserted or changed after `since`; all days with usage when nil.
    func changedUsageDays(since: Date?, timezone: String) async throws -> [Day]
    /// Recomputes the statistics of `days` from the source tables in one transaction. Rows that did not change
    /// are not written, so a rerun writes nothing.
    func recomputeUsageStats(days: [Day], timezone: String) async throws -> StatsWriteCounts
    /// Stored statistics rows for days in [from, to], in key order.
    func dailyUsage(from: Day, to: Day, timezone: String) async throws -> [DailyUsageRow]
    /// A cost report over stored statistics for days in [from, to], grouped as asked, in group order.
    func costReport(from: Day, to: Day, timezone: String, grouping: ReportGrouping) async throws -> [CostReportRow]
    /// Which days of [from, to] have statistics in `timezone`, which of the others have usage rows, and (when none
    /// has) the other time zones with statistics for the range.
    func usageCoverage(from: Day, to: Day, timezone: String) async throws -> UsageCoverage
    /// Model names (as recorded) of rows whose cost is missing (or all rows with `recompute`), with row counts.
    func usageModelsNeedingCost(since: Date?, recompute: Bool) async throws -> [(source: String, model: String, rows: Int)]
    /// Sets the cost of rows of one source and recorded model from the price of that model, in batches of
    /// `batchSize` rows per transaction. `assumedPromptShare` prices executions that recorded only a total.
    func backfillCosts(
        source: String, model: String, price: CostRates, since: Date?, recompute: Bool, assumedPromptShare: Double?,
        batchSize: Int, dryRun: Bool
    ) async throws -> BackfillCounts
}

/// Per-million-token prices handed to the store for a backfill.
public struct CostRates: Sendable, Hashable {
    public var input: Decimal
    public var output: Decimal

    public init(input: Decimal, output: Decimal) {
        self.input = input
        self.output = output
    }
}

/// What a backfill changed or would change.
public struct BackfillCounts: Sendable, Hashable {
    public var priced = 0
    /// Executions left unpriced because they recorded only a total token count.
    public var withoutSplit = 0
    public var totalCost: Decimal = 0

    public init(priced: Int = 0, withoutSplit: Int = 0, totalCost: Decimal = 0) {
        self.priced = priced
        self.withoutSplit = withoutSplit
        self.totalCost = totalCost
    }
}

/// Job bookkeeping (`job_runs`, `job_state`).
public protocol JobStore: Sendable {
    /// Records the start of a run.
    func startJobRun(_ run: JobRun) async throws
    /// Records the end of a run.
    func finishJobRun(id: UUID, status: JobRun.Status, counts: JSONValue, error: String?, at: Date) async throws
    /// Recent runs of a job (all jobs when nil), newest first.
    func jobRuns(job: String?, limit: Int) async throws -> [JobRun]
    /// A state value (watermark).
    func jobState(job: String, key: String) async throws -> JSONValue?
    /// Sets a state value.
    func setJobState(job: String, key: String, value: JSONValue) async throws
    /// Marks `running` rows of `job` other than `except` as failed: their process ended without finishing
    /// (only call while holding the job's lock). Returns how many.
    func markAbandonedJobRuns(job: String, except: UUID, at: Date) async throws -> Int
    /// Runs `body` holding the job's exclusive lock (a PostgreSQL advisory lock, or a lock file next to the
    /// embedded store), so two overlapping runs — from cron on several machines — never interleave. Throws a
    /// `.conflict` error at once when another run holds it.
    func withJobLock<T: Sendable>(_ job: String, _ body: () async throws -> T) async throws -> T
}

/// Which kind of store.
public enum StoreKind: String, Sendable, CaseIterable, CustomStringConvertible {
    case postgres
    case sqlite

    public var description: String { rawValue }
}

/// Everything Nightshift persists, on PostgreSQL or on the embedded SQLite store.
public protocol Store: UserStore, FeatureFlagStore, ConversationStore, ExecutionStore, FeedbackStore, MemoryStore,
    NotificationStore, DocumentStore, JobStore, UsageStatsStore
{
    /// Which implementation this is.
    var kind: StoreKind { get }
    /// Applies pending migrations; returns the versions applied.
    @discardableResult
    func migrate() async throws -> [MigrationStatus]
    /// Applied and pending migrations.
    func migrationStatus() async throws -> [MigrationStatus]
    /// Row counts of the main tables, for `nightshift status`.
    func tableCounts() async throws -> [(table: String, rows: Int)]
    /// Releases connections.
    func close() async
}
