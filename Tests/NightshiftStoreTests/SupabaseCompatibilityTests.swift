import Foundation
import NightshiftCore
import NightshiftStore
import NightshiftTestSupport
import Testing

/// The migrations on a database prepared as current Supabase prepares one, applied by a role that is no superuser
/// and may not create anything in `auth` (Supabase's rule since April 2025).
@Suite("Supabase compatibility", .enabled(if: TestEnvironment.postgresEnabled))
struct SupabaseCompatibilityTests {
    /// `url` with its user replaced (the test server trusts local connections).
    static func url(_ url: String, user: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.user = user
        components.password = nil
        return components.string ?? url
    }

    /// What Supabase owns in `auth`, as text: functions with their definitions, relations, columns, constraints,
    /// policies, ownership and grants of each, the schema's, and the three API roles' attributes.
    static let authDefinitions = """
        select coalesce(string_agg(x, E'\\n' order by x), '') from (
            select 'function ' || p.oid::regprocedure::text || ' owner ' || p.proowner::regrole::text
                   || ' acl ' || coalesce(p.proacl::text, '-') || E'\\n' || pg_get_functiondef(p.oid) as x
            from pg_proc p where p.pronamespace = 'auth'::regnamespace
            union all
            select 'relation ' || c.relname || ' kind ' || c.relkind::text || ' owner ' || c.relowner::regrole::text
                   || ' acl ' || coalesce(c.relacl::text, '-') || ' rls ' || c.relrowsecurity
            from pg_class c where c.relnamespace = 'auth'::regnamespace
            union all
            select 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                   || ' not null ' || a.attnotnull || ' default ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '-')
                   || ' acl ' || coalesce(a.attacl::text, '-')
            from pg_attribute a
            join pg_class c on c.oid = a.attrelid
            left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
            where c.relnamespace = 'auth'::regnamespace and a.attnum > 0 and not a.attisdropped
            union all
            select 'constraint ' || con.conname || ' ' || pg_get_constraintdef(con.oid)
            from pg_constraint con where con.connamespace = 'auth'::regnamespace
            union all
            select 'policy ' || pol.polrelid::regclass::text || ' ' || pol.polname
            from pg_policy pol join pg_class c on c.oid = pol.polrelid where c.relnamespace = 'auth'::regnamespace
            union all
            select 'schema auth owner ' || n.nspowner::regrole::text || ' acl ' || coalesce(n.nspacl::text, '-')
            from pg_namespace n where n.nspname = 'auth'
            union all
            select 'role ' || r.rolname || ' super ' || r.rolsuper || ' inherit ' || r.rolinherit
                   || ' login ' || r.rolcanlogin || ' bypassrls ' || r.rolbypassrls
            from pg_roles r where r.rolname in ('anon', 'authenticated', 'service_role')
        ) s
        """

    /// A database as Supabase has it before Nightshift: `auth` with its users table and functions owned by the
    /// auth service's role, the API roles, pgvector in `extensions` (created by the superuser), the Realtime
    /// publication (not the migrating role's), and a migrating role that owns the database but nothing in `auth`.
    static func withSupabaseLikeDatabase(_ body: (_ adminURL: String, _ migratorURL: String, _ admin: PGConnection) async throws -> Void)
        async throws
    {
        let server = try TestDatabases.adminURL()
        let suffix = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        let authAdmin = "ns_auth_admin_\(suffix)"
        let migrator = "ns_migrator_\(suffix)"
        let name = "nightshift_t_supa_\(suffix)"
        let root = try await PGConnection.connect(url: Secret(server))
        try await root.simpleQuery(
            """
            create role \(authAdmin) nologin noinherit;
            create role \(migrator) login nosuperuser nocreaterole nocreatedb noinherit;
            do $$
            begin
                if not exists (select 1 from pg_roles where rolname = 'anon') then
                    begin create role anon nologin noinherit; exception when duplicate_object or unique_violation then null; end;
                end if;
                if not exists (select 1 from pg_roles where rolname = 'authenticated') then
                    begin create role authenticated nologin noinherit; exception when duplicate_object or unique_violation then null; end;
                end if;
                if not exists (select 1 from pg_roles where rolname = 'service_role') then
                    begin create role service_role nologin noinherit bypassrls; exception when duplicate_object or unique_violation then null; end;
                end if;
            end
            $$
            """)
        try await root.simpleQuery("create database \(name) owner \(migrator)")
        let adminURL = TestDatabases.url(server, database: name)
        do {
            let admin = try await PGConnection.connect(url: Secret(adminURL))
            try await admin.simpleQuery(
                """
                create schema extensions authorization \(migrator);
                create extension vector with schema extensions;
                create schema auth authorization \(authAdmin);
                grant usage on schema auth to anon, authenticated, service_role, \(migrator);
                create table auth.users (
                    instance_id uuid,
                    id uuid not null primary key,
                    aud character varying(255),
                    role character varying(255),
                    email character varying(255),
                    encrypted_password character varying(255),
                    raw_app_meta_data jsonb,
                    raw_user_meta_data jsonb,
                    created_at timestamp with time zone,
                    updated_at timestamp with time zone,
                    is_sso_user boolean not null default false
                );
                alter table auth.users owner to \(authAdmin);
                grant select, insert, update, delete, references, trigger on auth.users to \(migrator);
                create function auth.uid() returns uuid language sql stable as $$
                    select coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                                    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'))::uuid
                $$;
                create function auth.role() returns text language sql stable as $$
                    select coalesce(nullif(current_setting('request.jwt.claim.role', true), ''),
                                    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'))::text
                $$;
                create function auth.jwt() returns jsonb language sql stable as $$
                    select coalesce(nullif(current_setting('request.jwt.claim', true), ''),
                                    nullif(current_setting('request.jwt.claims', true), ''))::jsonb
                $$;
                alter function auth.uid() owner to \(authAdmin);
                alter function auth.role() owner to \(authAdmin);
                alter function auth.jwt() owner to \(authAdmin);
                grant execute on function auth.uid(), auth.role(), auth.jwt() to anon, authenticated, service_role;
                create publication supabase_realtime
                """)
            try await body(adminURL, Self.url(adminURL, user: migrator), admin)
        } catch {
            await TestDatabases.dropPostgresDatabase(adminURL)
            _ = try? await root.simpleQuery("drop role if exists \(migrator); drop role if exists \(authAdmin)")
            throw error
        }
        await TestDatabases.dropPostgresDatabase(adminURL)
        _ = try? await root.simpleQuery("drop role if exists \(migrator); drop role if exists \(authAdmin)")
    }

    @Test("every migration applies as a non-superuser without CREATE on auth, and leaves Supabase's auth objects as they were")
    func migrateLikeSupabase() async throws {
        try await Self.withSupabaseLikeDatabase { _, migratorURL, admin in
            let before = try #require(try await admin.scalar(PGQuery(sql: Self.authDefinitions), as: String.self))
            #expect(before.contains("function auth.uid()"))
            let migratorCreatesInAuth = try await admin.scalar(
                "select has_schema_privilege(\(URLComponents(string: migratorURL)?.user ?? ""), 'auth', 'create')", as: Bool.self)
            #expect(migratorCreatesInAuth == false)

            // In two runs: the second session starts at 0010, whose functions set `hnsw.*` (refused to a
            // non-superuser until pgvector's library is loaded in the session).
            let all = EmbeddedMigrations.postgres
            let early = try await PostgresStore.open(url: Secret(migratorURL), maxConnections: 1)
            #expect(try await early.migrate(Array(all.prefix(9))).map(\.version) == all.prefix(9).map(\.version))
            await early.close()
            let store = try await PostgresStore.open(url: Secret(migratorURL))
            let applied = try await store.migrate()
            #expect(applied.map(\.version) == all.dropFirst(9).map(\.version))
            #expect(all[9].sql.contains("hnsw.iterative_scan"))
            #expect(try await store.migrate().isEmpty)
            try await store.requireCurrentSchema()
            await store.close()

            let after = try #require(try await admin.scalar(PGQuery(sql: Self.authDefinitions), as: String.self))
            #expect(after == before)
            // What Nightshift adds on Supabase's table, as Supabase allows: the new-user trigger (and foreign keys
            // from its own tables, which live in public).
            let trigger = try await admin.scalar(
                """
                select count(*) from pg_trigger
                where tgrelid = 'auth.users'::regclass and tgname = 'on_auth_user_created_agent_prefs'
                """, as: Int.self)
            #expect(trigger == 1)
            // A new Supabase user gets the default preferences through it.
            let user = UUID()
            _ = try await admin.execute("insert into auth.users (id, email) values (\(user), 'new@example.com')")
            let preferences = try await admin.scalar(
                "select count(*) from public.user_agent_preferences where user_id = \(user)", as: Int.self)
            #expect(preferences == 1)
            // The publication belongs to another role: left alone, and the migration went on.
            let published = try await admin.scalar(
                "select count(*) from pg_publication_tables where pubname = 'supabase_realtime'", as: Int.self)
            #expect(published == 0)
        }
    }

    @Test("a database that applied a rewritten file's earlier text is current, and the new checksum is recorded")
    func supersededChecksums() async throws {
        let rewritten = EmbeddedMigrations.postgres.filter { !$0.supersededChecksums.isEmpty }
        #expect(Set(rewritten.map(\.version)).isSuperset(of: ["0001", "0003"]))
        let url = try await TestDatabases.shared.makePostgresDatabase()
        let store = try await PostgresStore.open(url: Secret(url))
        do {
            for migration in rewritten {
                let earlier = try #require(migration.supersededChecksums.first)
                _ = try await store.pool.execute(
                    "update public.schema_migrations set checksum = \(earlier) where version = \(migration.version)")
            }
            #expect(try await store.migrationStatus().allSatisfy { $0.state == .applied })
            try await store.requireCurrentSchema()
            #expect(try await store.migrate().isEmpty)
            for migration in rewritten {
                let recorded = try await store.pool.query(
                    "select checksum from public.schema_migrations where version = \(migration.version)"
                ).first?.decode(0, as: String.self)
                #expect(recorded == migration.checksum, "\(migration.path)")
            }
            // Any other text is still refused.
            _ = try await store.pool.execute("update public.schema_migrations set checksum = 'deadbeef' where version = '0001'")
            await #expect(throws: NightshiftError.self) { try await store.migrate() }
        } catch {
            await store.close()
            await TestDatabases.dropPostgresDatabase(url)
            throw error
        }
        await store.close()
        await TestDatabases.dropPostgresDatabase(url)
    }
}
