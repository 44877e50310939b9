-- 0001 (embedded store) Users.
-- SQLite has no schemas, roles or row-level security: `auth.users` is the table `auth_users`, and the
-- per-user visibility that RLS gives on PostgreSQL is implemented by the store's queries (every
-- repository method that reads user data takes the user it acts for).
-- Types: uuid → TEXT (lowercase canonical form), timestamptz → TEXT ISO 8601 UTC with milliseconds
-- ('2026-11-25T16:30:31.123Z', sorts in time order), jsonb and arrays → TEXT holding JSON,
-- numeric → TEXT holding the exact decimal, vector → BLOB of little-endian float32.

create table auth_users (
    id text primary key,
    email text,
    raw_user_meta_data text default '{}',
    raw_app_meta_data text default '{}',
    created_at text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
