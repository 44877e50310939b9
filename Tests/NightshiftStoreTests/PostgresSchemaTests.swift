import Foundation
import NightshiftCore
import NightshiftStore
import NightshiftTestSupport
import Testing

/// Every object of both designs exists after `migrate`, with the corrections of sql/README.md.
@Suite("PostgreSQL schema", .enabled(if: TestEnvironment.postgresEnabled))
struct PostgresSchemaTests {
    @Test("all tables, indexes, policies, functions, triggers and seed rows exist")
    func objectsExist() async throws {
        try await withFreshStore(.postgres) { store in
            let pool = try #require(store as? PostgresStore).pool
            let tables = Set(try await pool.query("select tablename from pg_tables where schemaname = 'public'").map {
                try $0.decode(0, as: String.self)
            })
            let expectedTables: Set<String> = [
                "agent_conversations", "agent_memory", "agent_tools", "agent_executions", "proactive_notifications",
                "user_agent_preferences", "feature_flags", "ai_agents", "ai_runs", "ai_messages", "ai_memory",
                "ai_feedback", "documents", "schema_migrations", "job_runs", "job_state", "daily_usage_stats",
            ]
            #expect(expectedTables.isSubset(of: tables), "missing: \(expectedTables.subtracting(tables))")

            // Row-level security on every table, including Nightshift's own (Supabase exposes public tables).
            let withoutRLS = try await pool.query(
                "select relname from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r' and not relrowsecurity"
            ).map { try $0.decode(0, as: String.self) }
            #expect(withoutRLS.isEmpty, "tables without RLS: \(withoutRLS)")

            let indexes = Set(try await pool.query("select indexname from pg_indexes where schemaname = 'public'").map {
                try $0.decode(0, as: String.self)
            })
            let designIndexes: Set<String> = [
                "idx_agent_conversations_user", "idx_agent_conversations_status", "idx_agent_conversations_created",
                "idx_agent_conversations_agent_type", "idx_agent_memory_embedding", "idx_agent_memory_conversation",
                "idx_agent_memory_document", "idx_agent_memory_created", "idx_agent_tools_name", "idx_agent_tools_enabled",
                "idx_agent_executions_conversation", "idx_agent_executions_created", "idx_agent_executions_status",
                "idx_agent_executions_agent_type", "idx_proactive_notifications_user", "idx_proactive_notifications_read",
                "idx_proactive_notifications_created", "idx_proactive_notifications_type", "idx_feature_flags_name",
                "idx_feature_flags_enabled", "idx_ai_agents_name", "idx_ai_agents_active", "idx_ai_runs_user_id",
                "idx_ai_runs_agent_id", "idx_ai_runs_trip_id", "idx_ai_runs_status", "idx_ai_runs_created_at",
                "idx_ai_runs_user_date", "idx_ai_messages_user_id", "idx_ai_messages_ai_run_id", "idx_ai_messages_trip_id",
                "idx_ai_messages_created_at", "idx_ai_memory_user_id", "idx_ai_memory_type", "idx_ai_memory_key",
                "idx_ai_feedback_ai_run_id", "idx_ai_feedback_user_id", "idx_ai_feedback_type",
            ]
            #expect(designIndexes.isSubset(of: indexes), "missing: \(designIndexes.subtracting(indexes))")
            let hnsw = try await pool.query(
                "select indexdef from pg_indexes where indexname = 'idx_agent_memory_embedding'").first
            let definition = try hnsw?.decode(0, as: String.self) ?? ""
            #expect(definition.contains("hnsw") && definition.contains("halfvec(1536)") && definition.contains("halfvec_cosine_ops"))
            let vectorType = try await pool.query(
                "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'public.agent_memory'::regclass and attname = 'embedding'"
            ).first
            #expect(try vectorType?.decode(0, as: String.self).hasSuffix("vector(1536)") == true)

            let policies = try await pool.query("select tablename, policyname from pg_policies where schemaname = 'public'")
                .map { "\(try $0.decode(0, as: String.self)): \(try $0.decode(1, as: String.self))" }
            for policy in [
                "agent_conversations: Users can view own conversations", "agent_conversations: Users can create own conversations",
                "agent_conversations: Users can update own conversations", "agent_memory: Users can view own memory",
                "agent_executions: Users can view own executions", "proactive_notifications: Users can view own notifications",
                "proactive_notifications: Users can update own notifications",
                "user_agent_preferences: Users can manage own preferences", "ai_agents: Anyone can view active agents",
                "ai_runs: Users can view their own AI runs", "ai_messages: Users can view their own messages",
                "ai_messages: Users can create their own messages", "ai_memory: Users can view their own memory",
                "ai_feedback: Users can create their own feedback", "ai_feedback: Users can view their own feedback",
            ] {
                #expect(policies.contains(policy), "missing policy \(policy)")
            }

            for function in [
                "public.match_documents", "public.is_feature_enabled", "public.get_ai_usage_stats",
                "public.update_updated_at_column", "public.create_default_agent_preferences", "auth.uid",
            ] {
                let found = try await pool.query(
                    "select count(*) from pg_proc where oid::regproc::text = \(function) or (pronamespace::regnamespace::text || '.' || proname) = \(function)"
                ).first
                #expect(try found?.decode(0, as: Int.self) ?? 0 >= 1, "missing function \(function)")
            }
            // SECURITY DEFINER functions pin their search_path.
            let unpinned = try await pool.query(
                """
                select proname from pg_proc where prosecdef and pronamespace = 'public'::regnamespace
                  and not coalesce(array_to_string(proconfig, ',') like '%search_path=%', false)
                """
            ).map { try $0.decode(0, as: String.self) }
            #expect(unpinned.isEmpty, "SECURITY DEFINER without search_path: \(unpinned)")
            // sql/0019: the search functions are never JIT-compiled (an HNSW scan's estimated cost passes
            // jit_above_cost whatever the table's size).
            let settings = try await pool.query(
                """
                select proname, coalesce('jit=off' = any(proconfig), false) from pg_proc
                where pronamespace = 'public'::regnamespace
                  and proname in ('match_documents', 'match_documents_text', 'hybrid_search')
                order by proname
                """
            ).map { "\(try $0.decode(0, as: String.self)) \(try $0.decode(1, as: Bool.self))" }
            #expect(settings == ["hybrid_search true", "match_documents true", "match_documents_text true"])

            let trigger = try await pool.query(
                "select count(*) from pg_trigger where tgname = 'on_auth_user_created_agent_prefs' and tgrelid = 'auth.users'::regclass"
            ).first
            #expect(try trigger?.decode(0, as: Int.self) == 1)
            #expect(try await pool.query("select count(*) from public.agent_tools").first?.decode(0, as: Int.self) == 3)
            #expect(try await pool.query("select count(*) from public.feature_flags").first?.decode(0, as: Int.self) == 10)
            #expect(try await pool.query("select count(*) from public.ai_agents").first?.decode(0, as: Int.self) == 6)
        }
    }

    @Test("updated_at is maintained by the trigger the design forgot to define")
    func updatedAtTrigger() async throws {
        try await withFreshStore(.postgres) { store in
            let pool = try #require(store as? PostgresStore).pool
            try await pool.execute("update public.feature_flags set updated_at = '2000-01-01' where name = 'generative_ui'")
            try await pool.execute("update public.feature_flags set enabled = true where name = 'generative_ui'")
            let updated = try await pool.query("select updated_at > now() - interval '1 minute' from public.feature_flags where name = 'generative_ui'")
            #expect(try updated.first?.decode(0, as: Bool.self) == true)
        }
    }
}
