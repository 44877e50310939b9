-- 0004 Nightshift's own tables: migrations, job bookkeeping, daily usage statistics.
-- RLS is enabled on each with no policy: on Supabase every public table is reachable through the REST API,
-- and these are for the service role (and the jobs) only.
--
-- Apply by hand with: psql "$DATABASE_URL" -1 -v ON_ERROR_STOP=1 -f sql/0004_nightshift.sql

set search_path = public, extensions;

-- The migration runner creates this table itself before applying 0001 (same definition); here it is for
-- people who apply the files with psql and for the RLS setting.
create table if not exists public.schema_migrations (
    version text primary key,
    name text not null,
    checksum text not null,
    applied_at timestamptz not null default now(),
    duration_ms integer
);
alter table public.schema_migrations enable row level security;

create table public.job_runs (
    id uuid primary key default gen_random_uuid(),
    job text not null,
    started_at timestamptz not null default now(),
    finished_at timestamptz,
    status text not null default 'running' check (status in ('running', 'succeeded', 'failed')),
    counts jsonb not null default '{}',
    error text,
    host text,
    pid integer
);
create index idx_job_runs_job_started on public.job_runs(job, started_at desc);
alter table public.job_runs enable row level security;

-- Watermarks and other small per-job state, e.g. ('stats', 'inserted_at') → '2026-11-25T02:00:00Z'.
create table public.job_state (
    job text not null,
    key text not null,
    value jsonb not null,
    updated_at timestamptz not null default now(),
    primary key (job, key)
);
alter table public.job_state enable row level security;

-- One row per day × time zone × source table × user × agent × model × status. `user_id` is null when a
-- row has no user (an execution without a conversation); `model` is '' when unknown.
create table public.daily_usage_stats (
    day date not null,
    timezone text not null default 'UTC',
    source text not null check (source in ('agent_executions', 'ai_runs')),
    user_id uuid,
    agent text not null,
    model text not null default '',
    status text not null,
    runs bigint not null default 0,
    failures bigint not null default 0,
    prompt_tokens bigint not null default 0,
    completion_tokens bigint not null default 0,
    total_tokens bigint not null default 0,
    cost_usd numeric(16, 6) not null default 0,
    -- Runs whose cost is unknown (NULL): counted, not priced, so a report can say so.
    unpriced_runs bigint not null default 0,
    latency_p50_ms double precision,
    latency_p95_ms double precision,
    latency_max_ms integer,
    computed_at timestamptz not null default now(),
    constraint daily_usage_stats_key unique nulls not distinct (day, timezone, source, user_id, agent, model, status)
);
create index idx_daily_usage_stats_day on public.daily_usage_stats(timezone, day);
alter table public.daily_usage_stats enable row level security;
