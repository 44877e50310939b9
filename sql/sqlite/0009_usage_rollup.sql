-- 0009 (embedded store) The rollup table of sql/0009_usage_rollup.sql. The embedded store's reports group in
-- Swift from daily_usage_stats (exact decimal sums); it keeps the table so both stores have the same schema.

create table daily_usage_totals (
    day text not null,
    timezone text not null default 'UTC',
    source text not null,
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
    latency_max_ms integer,
    latency_sum_ms integer not null default 0,
    latency_samples integer not null default 0,
    primary key (timezone, day, source, agent, model, status)
);

drop index if exists idx_daily_usage_stats_day;
