-- 0001 Supabase compatibility
--
-- On Supabase the roles anon / authenticated / service_role, the schema auth with auth.users and the
-- functions auth.uid(), auth.role() and auth.jwt() already exist and belong to Supabase (since April 2025 the
-- `postgres` role may not create anything in `auth`): every statement below that concerns them runs only when
-- the object is missing, so nothing of Supabase's is created, altered or granted, and no privilege on `auth`
-- is needed. On plain PostgreSQL (15+) it creates them the way Supabase does, so the same row-level-security
-- policies work on both: auth.uid() reads the `sub` claim of the `request.jwt.claims` setting, which PostgREST
-- (or Nightshift, or a test) sets per transaction.
--
-- Rewritten for that compatibility; a database that applied the earlier text has the same objects and keeps
-- it (see sql/README.md, "Rewritten migrations"):
-- supersedes sha256:22f688b85c0c714b11a330681e3484d3b9f9e847a829b9e6463d3087a6a6e60c
--
-- Apply by hand with: psql "$DATABASE_URL" -1 -v ON_ERROR_STOP=1 -f sql/0001_supabase_compat.sql

-- pgvector lives in the `extensions` schema, as Supabase installs it; a vector extension already installed
-- elsewhere (e.g. in public) is left where it is, and every migration puts both schemas on its search_path.
-- Each only when missing: `create … if not exists` still needs the privilege to create.
do $$
begin
    if to_regnamespace('extensions') is null then
        create schema extensions;
    end if;
    if not exists (select 1 from pg_catalog.pg_extension where extname = 'vector') then
        create extension vector with schema extensions;
    end if;
end
$$;
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

-- The schemas' grants only where a role lacks them (Supabase's are there; granting again on a schema this role
-- does not own would fail or warn).
do $$
declare
    v_role text;
    v_schema text;
begin
    if to_regnamespace('auth') is null then
        create schema auth;
    end if;
    foreach v_schema in array array['extensions', 'auth'] loop
        foreach v_role in array array['anon', 'authenticated', 'service_role'] loop
            if not pg_catalog.has_schema_privilege(v_role, v_schema, 'usage') then
                execute pg_catalog.format('grant usage on schema %I to %I', v_schema, v_role);
            end if;
        end loop;
    end loop;
end
$$;

-- A minimal auth.users with the columns Nightshift reads; Supabase's own table has many more.
do $$
begin
    if to_regclass('auth.users') is null then
        create table auth.users (
            id uuid primary key default gen_random_uuid(),
            email text,
            raw_user_meta_data jsonb default '{}'::jsonb,
            raw_app_meta_data jsonb default '{}'::jsonb,
            created_at timestamptz default now(),
            updated_at timestamptz default now()
        );
    end if;
end
$$;

-- Each function, and its grants, only when missing.
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
        grant execute on function auth.uid() to anon, authenticated, service_role;
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
        grant execute on function auth.role() to anon, authenticated, service_role;
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
        grant execute on function auth.jwt() to anon, authenticated, service_role;
    end if;
end
$$;

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
