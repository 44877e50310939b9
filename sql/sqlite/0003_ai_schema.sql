-- 0003 (embedded store) AI schema: the same tables as sql/0003_ai_schema.sql. get_ai_usage_stats is
-- implemented in Swift by the store.

create table ai_agents (
    id text primary key,
    name text unique not null,
    description text,
    version text not null default '1.0.0',
    model text not null default 'gpt-4',
    system_prompt text not null,
    temperature real default 0.7 check (temperature >= 0 and temperature <= 2),
    max_tokens integer default 1000,
    is_active integer default 1,
    metadata text default '{}',
    created_at text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index idx_ai_agents_name on ai_agents(name);
create index idx_ai_agents_active on ai_agents(is_active) where is_active = 1;
create trigger update_ai_agents_updated_at after update on ai_agents
    for each row when new.updated_at is old.updated_at
    begin update ai_agents set updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') where id = new.id; end;
insert into ai_agents (id, name, description, system_prompt) values
    ('a1a9e000-0000-4000-8000-000000000001', 'explore', 'Discovery and recommendations', 'You are a travel exploration assistant...'),
    ('a1a9e000-0000-4000-8000-000000000002', 'itinerary', 'Trip planning and optimization', 'You are an itinerary planning expert...'),
    ('a1a9e000-0000-4000-8000-000000000003', 'budget', 'Budget management', 'You are a budget optimization specialist...'),
    ('a1a9e000-0000-4000-8000-000000000004', 'research', 'Detailed place information', 'You are a travel research assistant...'),
    ('a1a9e000-0000-4000-8000-000000000005', 'proactive', 'Proactive suggestions', 'You provide timely, context-aware suggestions...'),
    ('a1a9e000-0000-4000-8000-000000000006', 'collaboration', 'Group trip coordination', 'You help coordinate group travel decisions...');

create table ai_runs (
    id text primary key,
    user_id text not null references auth_users(id) on delete cascade,
    agent_id text not null references ai_agents(id) on delete restrict,
    trip_id text,
    saved_place_id text,
    input_text text not null,
    output_text text,
    status text not null default 'pending' check (status in ('pending', 'running', 'completed', 'failed', 'cancelled')),
    model_used text,
    tokens_prompt integer,
    tokens_completion integer,
    tokens_total integer,
    cost_usd text,
    latency_ms integer,
    error_message text,
    metadata text default '{}',
    created_at text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index idx_ai_runs_user_id on ai_runs(user_id);
create index idx_ai_runs_agent_id on ai_runs(agent_id);
create index idx_ai_runs_trip_id on ai_runs(trip_id);
create index idx_ai_runs_status on ai_runs(status);
create index idx_ai_runs_created_at on ai_runs(created_at desc);
create index idx_ai_runs_user_date on ai_runs(user_id, created_at desc);
create trigger update_ai_runs_updated_at after update on ai_runs
    for each row when new.updated_at is old.updated_at
    begin update ai_runs set updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') where id = new.id; end;

create table ai_messages (
    id text primary key,
    user_id text not null references auth_users(id) on delete cascade,
    ai_run_id text references ai_runs(id) on delete cascade,
    trip_id text,
    role text not null check (role in ('user', 'assistant', 'system')),
    content text not null,
    metadata text default '{}',
    created_at text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index idx_ai_messages_user_id on ai_messages(user_id);
create index idx_ai_messages_ai_run_id on ai_messages(ai_run_id);
create index idx_ai_messages_trip_id on ai_messages(trip_id);
create index idx_ai_messages_created_at on ai_messages(created_at desc);

create table ai_memory (
    id text primary key,
    user_id text not null references auth_users(id) on delete cascade,
    memory_type text not null check (memory_type in ('preference', 'fact', 'feedback', 'context')),
    key text not null,
    value text not null check (json_valid(value)),
    confidence real check (confidence >= 0 and confidence <= 1),
    source text,
    expires_at text,
    created_at text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    unique (user_id, memory_type, key)
);
create index idx_ai_memory_user_id on ai_memory(user_id);
create index idx_ai_memory_type on ai_memory(memory_type);
create index idx_ai_memory_key on ai_memory(user_id, key);
create trigger update_ai_memory_updated_at after update on ai_memory
    for each row when new.updated_at is old.updated_at
    begin update ai_memory set updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') where id = new.id; end;

create table ai_feedback (
    id text primary key,
    user_id text not null references auth_users(id) on delete cascade,
    ai_run_id text not null references ai_runs(id) on delete cascade,
    feedback_type text not null check (feedback_type in ('thumbs_up', 'thumbs_down', 'helpful', 'not_helpful', 'incorrect', 'offensive')),
    comment text,
    created_at text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index idx_ai_feedback_ai_run_id on ai_feedback(ai_run_id);
create index idx_ai_feedback_user_id on ai_feedback(user_id);
create index idx_ai_feedback_type on ai_feedback(feedback_type);
