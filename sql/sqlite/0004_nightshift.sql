-- 0004 (embedded store) Nightshift's own tables, as sql/0004_nightshift.sql.

create table if not exists schema_migrations (
    version text primary key,
    name text not null,
    checksum text not null,
    applied_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    duration_ms integer
);

create table job_runs (
    id text primary key,
    job text not null,
    started_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    finished_at text,
    status text not null default 'running' check (status in ('running', 'succeeded', 'failed')),
    counts text not null default '{}',
    error text,
    host text,
    pid integer
);
create index idx_job_runs_job_started on job_runs(job, started_at desc);

create table job_state (
    job text not null,
    key text not null,
    value text not null,
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    primary key (job, key)
);

create table daily_usage_stats (
    day text not null,
    timezone text not null default 'UTC',
    source text not null check (source in ('agent_executions', 'ai_runs')),
    user_id text,
    agent text not null,
    model text not null default '',
    status text not null,
    runs integer not null default 0,
    failures integer not null default 0,
    prompt_tokens integer not null default 0,
    completion_tokens integer not null default 0,
    total_tokens integer not null default 0,
    cost_usd text not null default '0',
    unpriced_runs integer not null default 0,
    latency_p50_ms real,
    latency_p95_ms real,
    latency_max_ms integer,
    computed_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create unique index daily_usage_stats_key
    on daily_usage_stats(day, timezone, source, coalesce(user_id, ''), agent, model, status);
create index idx_daily_usage_stats_day on daily_usage_stats(timezone, day);
