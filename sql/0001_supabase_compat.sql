-- 0001 Supabase compatibility
--
-- On Supabase the roles anon / authenticated / service_role, the schema auth with auth.users and the
-- functions auth.uid(), auth.role() and auth.jwt() already exist: every statement below is guarded and
-- changes nothing there. On plain PostgreSQL (15+) it creates them the way Supabase does, so the same
-- row-level-security policies work on both: auth.uid() reads the `sub` claim of the `request.jwt.claims`
-- setting, which PostgREST (or Nightshift, or a test) sets per transaction.
--
-- Apply by hand with: psql "$DATABASE_URL" -1 -v ON_ERROR_STOP=1 -f sql/0001_supabase_compat.sql

-- pgvector lives in the `extensions` schema, as Supabase installs it; a vector extension already installed
-- elsewhere (e.g. in public) is left where it is, and every migration puts both schemas on its search_path.
create schema if not exists extensions;
create extension if not exists vector with schema extensions;
set search_path = public, extensions;

-- Roles are cluster-wide: two databases of one cluster migrating at once may both try to create them, so a
-- concurrent creation is caught rather than failing the migration.
do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'anon') then
        begin
            create role anon nologin noinherit;
        exception when duplicate_object or unique_violation then null;
        end;
    end if;
    if not exists (select 1 from pg_roles where rolname = 'authenticated') then
        begin
            create role authenticated nologin noinherit;
        exception when duplicate_object or unique_violation then null;
        end;
    end if;
    if not exists (select 1 from pg_roles where rolname = 'service_role') then
        -- Supabase's service role bypasses row-level security; creating that attribute needs a superuser.
        begin
            create role service_role nologin noinherit bypassrls;
        exception when duplicate_object or unique_violation then null;
        end;
    end if;
end
$$;

grant usage on schema public to anon, authenticated, service_role;
grant usage on schema extensions to anon, authenticated, service_role;

create schema if not exists auth;
grant usage on schema auth to anon, authenticated, service_role;

-- A minimal auth.users with the columns Nightshift reads; Supabase's own table has many more.
create table if not exists auth.users (
    id uuid primary key default gen_random_uuid(),
    email text,
    raw_user_meta_data jsonb default '{}'::jsonb,
    raw_app_meta_data jsonb default '{}'::jsonb,
    created_at timestamptz default now(),
    updated_at timestamptz default now()
);

do $$
begin
    if to_regprocedure('auth.uid()') is null then
        execute $fn$
            create function auth.uid() returns uuid
            language sql stable
            set search_path = ''
            as $body$
                select coalesce(
                    nullif(pg_catalog.current_setting('request.jwt.claim.sub', true), ''),
                    (nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
                )::uuid
            $body$
        $fn$;
    end if;
    if to_regprocedure('auth.role()') is null then
        execute $fn$
            create function auth.role() returns text
            language sql stable
            set search_path = ''
            as $body$
                select coalesce(
                    nullif(pg_catalog.current_setting('request.jwt.claim.role', true), ''),
                    (nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
                )::text
            $body$
        $fn$;
    end if;
    if to_regprocedure('auth.jwt()') is null then
        execute $fn$
            create function auth.jwt() returns jsonb
            language sql stable
            set search_path = ''
            as $body$
                select coalesce(
                    nullif(pg_catalog.current_setting('request.jwt.claim', true), ''),
                    nullif(pg_catalog.current_setting('request.jwt.claims', true), '')
                )::jsonb
            $body$
        $fn$;
    end if;
end
$$;

grant execute on function auth.uid() to anon, authenticated, service_role;
grant execute on function auth.role() to anon, authenticated, service_role;
grant execute on function auth.jwt() to anon, authenticated, service_role;

-- Supabase grants table privileges to these roles by default and relies on row-level security; new tables
-- in public get the same grants here. Every Nightshift table therefore enables RLS, including tables no
-- client should read (with no policy at all, only service_role and the owner see them).
alter default privileges in schema public grant select, insert, update, delete on tables to anon, authenticated, service_role;
alter default privileges in schema public grant usage, select on sequences to anon, authenticated, service_role;
alter default privileges in schema public grant execute on functions to anon, authenticated, service_role;

-- Used by every table with an updated_at column. The design calls it but never defines it.
create or replace function public.update_updated_at_column()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    new.updated_at = pg_catalog.now();
    return new;
end;
$$;
