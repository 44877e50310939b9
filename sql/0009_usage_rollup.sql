-- 0009 A per-day rollup of daily_usage_stats without the user dimension, for fast reports.
--
-- With many users, daily_usage_stats has about one row per user-day-agent-model-status (9.7 million rows for the
-- benchmark's 10 million executions over a year and 10,000 users): a year's report that does not group by user
-- would scan all of them. daily_usage_totals has one row per day × time zone × source × agent × model × status
-- (about 100,000 for the same year) and is rewritten in the same transaction as the days it sums, so the two never
-- disagree. Percentiles do not add up across users and are not kept here.
--
-- Apply by hand with: psql "$DATABASE_URL" -1 -v ON_ERROR_STOP=1 -f sql/0009_usage_rollup.sql

set search_path = public, extensions;

create table public.daily_usage_totals (
    day date not null,
    timezone text not null default 'UTC',
    source text not null,
    agent text not null,
    model text not null default '',
    status text not null,
    runs bigint not null default 0,
    failures bigint not null default 0,
    prompt_tokens bigint not null default 0,
    completion_tokens bigint not null default 0,
    total_tokens bigint not null default 0,
    cost_usd numeric(18, 6) not null default 0,
    unpriced_runs bigint not null default 0,
    latency_max_ms integer,
    latency_sum_ms bigint not null default 0,
    latency_samples bigint not null default 0,
    primary key (timezone, day, source, agent, model, status)
);
alter table public.daily_usage_totals enable row level security;

insert into public.daily_usage_totals
select day, timezone, source, agent, model, status, sum(runs), sum(failures), sum(prompt_tokens),
       sum(completion_tokens), sum(total_tokens), sum(cost_usd), sum(unpriced_runs), max(latency_max_ms),
       sum(latency_sum_ms), sum(latency_samples)
from public.daily_usage_stats
group by day, timezone, source, agent, model, status;

-- Reports by user read daily_usage_stats by day range through its key (day leads it); the separate
-- (timezone, day) index only slowed down writing nine million rows a year.
drop index if exists public.idx_daily_usage_stats_day;
