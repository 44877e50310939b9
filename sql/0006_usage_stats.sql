-- 0006 What the daily statistics job relies on: a "changed at" time on every usage row (the incremental
-- watermark: inserts and updates, late rows and backfilled costs included), indexes for it, and the sums
-- that let a report derive exact averages from daily rows.
--
-- Apply by hand with: psql "$DATABASE_URL" -1 -v ON_ERROR_STOP=1 -f sql/0006_usage_stats.sql

set search_path = public, extensions;

-- now() is STABLE, so adding these columns does not rewrite existing tables (PostgreSQL 11+): existing rows get
-- the migration's time, new rows their transaction's time, updated rows the update's (trigger below).
alter table public.agent_executions add column changed_at timestamptz not null default now();
alter table public.ai_runs add column changed_at timestamptz not null default now();

create or replace function public.touch_changed_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    new.changed_at = pg_catalog.now();
    return new;
end;
$$;

create trigger agent_executions_changed_at
    before update on public.agent_executions
    for each row
    execute function public.touch_changed_at();

create trigger ai_runs_changed_at
    before update on public.ai_runs
    for each row
    execute function public.touch_changed_at();

create index idx_agent_executions_changed_at on public.agent_executions(changed_at);
create index idx_ai_runs_changed_at on public.ai_runs(changed_at);

-- Sums next to the percentiles: averages over any period are sum / samples, exactly.
alter table public.daily_usage_stats
    add column latency_sum_ms bigint not null default 0,
    add column latency_samples bigint not null default 0;
