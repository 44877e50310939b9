-- 0006 (embedded store) As sql/0006_usage_stats.sql. SQLite cannot add a column with a non-constant default,
-- so triggers stamp changed_at after inserts and updates.

alter table agent_executions add column changed_at text;
alter table ai_runs add column changed_at text;
update agent_executions set changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
update ai_runs set changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');

create trigger agent_executions_changed_at_insert after insert on agent_executions
    for each row when new.changed_at is null
    begin update agent_executions set changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') where rowid = new.rowid; end;
create trigger agent_executions_changed_at_update after update on agent_executions
    for each row when new.changed_at is old.changed_at
    begin update agent_executions set changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') where rowid = new.rowid; end;
create trigger ai_runs_changed_at_insert after insert on ai_runs
    for each row when new.changed_at is null
    begin update ai_runs set changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') where rowid = new.rowid; end;
create trigger ai_runs_changed_at_update after update on ai_runs
    for each row when new.changed_at is old.changed_at
    begin update ai_runs set changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') where rowid = new.rowid; end;

create index idx_agent_executions_changed_at on agent_executions(changed_at);
create index idx_ai_runs_changed_at on ai_runs(changed_at);

alter table daily_usage_stats add column latency_sum_ms integer not null default 0;
alter table daily_usage_stats add column latency_samples integer not null default 0;
