-- 0002 (embedded store) Agent system: the same tables, columns, checks, defaults, seeds and triggers as
-- sql/0002_agent_system.sql. match_documents and is_feature_enabled are implemented in Swift by the store.

create table agent_conversations (
    id text primary key,
    user_id text not null references auth_users(id) on delete cascade,
    agent_type text not null check (agent_type in ('booking', 'session', 'insights', 'followup', 'general')),
    messages text not null default '[]' check (json_valid(messages)),
    context text default '{}',
    status text default 'active' check (status in ('active', 'completed', 'escalated', 'failed')),
    metadata text default '{}',
    created_at text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index idx_agent_conversations_user on agent_conversations(user_id);
create index idx_agent_conversations_status on agent_conversations(status);
create index idx_agent_conversations_created on agent_conversations(created_at desc);
create index idx_agent_conversations_agent_type on agent_conversations(agent_type);
create trigger update_agent_conversations_updated_at after update on agent_conversations
    for each row when new.updated_at is old.updated_at
    begin update agent_conversations set updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') where id = new.id; end;

create table documents (
    id text primary key,
    source_uri text not null,
    owner_id text references auth_users(id) on delete cascade,
    title text,
    media_type text not null,
    content_hash text not null,
    metadata text not null default '{}',
    embedding_model text not null,
    chunker text not null default '',
    chunk_count integer not null default 0 check (chunk_count >= 0),
    byte_size integer not null default 0 check (byte_size >= 0),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
-- NULLS NOT DISTINCT: '' stands for the shared owner in the key.
create unique index documents_source_owner_key on documents(source_uri, coalesce(owner_id, ''));
create index idx_documents_owner on documents(owner_id);
create trigger update_documents_updated_at after update on documents
    for each row when new.updated_at is old.updated_at
    begin update documents set updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') where id = new.id; end;

create table agent_memory (
    id text primary key,
    conversation_id text references agent_conversations(id) on delete cascade,
    content text not null,
    embedding blob,
    metadata text default '{}',
    document_id text references documents(id) on delete cascade,
    chunk_index integer,
    created_at text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    owner_id text references auth_users(id) on delete cascade,
    content_hash text,
    embedding_model text,
    token_count integer check (token_count >= 0),
    heading_path text not null default '[]',
    char_start integer,
    char_end integer,
    check (embedding is null or length(embedding) = 6144)
);
create index idx_agent_memory_conversation on agent_memory(conversation_id);
create index idx_agent_memory_document on agent_memory(document_id);
create index idx_agent_memory_created on agent_memory(created_at desc);
create index idx_agent_memory_owner on agent_memory(owner_id);
create index idx_agent_memory_document_hash on agent_memory(document_id, content_hash);
create index idx_agent_memory_model on agent_memory(embedding_model);

create table agent_tools (
    id text primary key,
    name text unique not null,
    description text not null,
    parameters text not null,
    permissions text default '[]',
    rate_limit text default '{"calls": 100, "window": "1h"}',
    enabled integer default 1,
    version text default '1.0.0',
    created_at text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index idx_agent_tools_name on agent_tools(name);
create index idx_agent_tools_enabled on agent_tools(enabled);
insert into agent_tools (id, name, description, parameters, permissions) values
('6e1f2a58-51c6-4c39-9b55-2c2a3ad1f001', 'search_therapists', 'Search for therapists by specialty and location',
 '{"type": "object", "properties": {"specialty": {"type": "string"}, "location": {"type": "string"}}}',
 '["patient","therapist"]'),
('6e1f2a58-51c6-4c39-9b55-2c2a3ad1f002', 'get_availability', 'Get therapist availability for booking',
 '{"type": "object", "properties": {"therapist_id": {"type": "string"}, "date_range": {"type": "string"}}}',
 '["patient","therapist"]'),
('6e1f2a58-51c6-4c39-9b55-2c2a3ad1f003', 'book_appointment', 'Book an appointment with a therapist',
 '{"type": "object", "properties": {"therapist_id": {"type": "string"}, "patient_id": {"type": "string"}, "slot": {"type": "string"}}}',
 '["patient"]');

create table agent_executions (
    id text primary key,
    conversation_id text references agent_conversations(id) on delete set null,
    agent_type text not null,
    tool_calls text default '[]',
    tokens_used integer default 0,
    cost_usd text default '0',
    duration_ms integer,
    status text default 'success' check (status in ('success', 'failed', 'timeout')),
    error text,
    metadata text default '{}',
    created_at text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    user_id text references auth_users(id) on delete set null
);
create index idx_agent_executions_conversation on agent_executions(conversation_id);
create index idx_agent_executions_created on agent_executions(created_at desc);
create index idx_agent_executions_status on agent_executions(status);
create index idx_agent_executions_agent_type on agent_executions(agent_type);
create index idx_agent_executions_user on agent_executions(user_id);

create table proactive_notifications (
    id text primary key,
    user_id text not null references auth_users(id) on delete cascade,
    agent_type text not null,
    notification_type text not null check (notification_type in ('session_prep', 'insight', 'alert', 'followup')),
    title text not null,
    message text not null,
    action text,
    priority text default 'normal' check (priority in ('low', 'normal', 'high', 'urgent')),
    read integer default 0,
    created_at text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index idx_proactive_notifications_user on proactive_notifications(user_id);
create index idx_proactive_notifications_read on proactive_notifications(read);
create index idx_proactive_notifications_created on proactive_notifications(created_at desc);
create index idx_proactive_notifications_type on proactive_notifications(notification_type);

create table user_agent_preferences (
    user_id text primary key references auth_users(id) on delete cascade,
    enabled_agents text default '["booking","session","insights","followup"]',
    notification_frequency text default 'normal' check (notification_frequency in ('minimal', 'reduced', 'normal')),
    quiet_hours text default '{"start": "22:00", "end": "08:00"}',
    data_sharing_consent integer default 1,
    transparency_level text default 'detailed' check (transparency_level in ('simple', 'detailed', 'technical')),
    classic_mode integer default 0,
    onboarding_completed integer default 0,
    language_preference text default 'en' check (language_preference in ('en', 'hi', 'hinglish')),
    created_at text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create trigger update_user_agent_preferences_updated_at after update on user_agent_preferences
    for each row when new.updated_at is old.updated_at
    begin update user_agent_preferences set updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') where user_id = new.user_id; end;
create trigger on_auth_user_created_agent_prefs after insert on auth_users
    for each row
    begin insert or ignore into user_agent_preferences (user_id) values (new.id); end;

create table feature_flags (
    id text primary key,
    name text unique not null,
    description text,
    enabled integer not null default 0,
    rollout_percentage integer not null default 0 check (rollout_percentage >= 0 and rollout_percentage <= 100),
    target_users text not null default '[]',
    metadata text default '{}',
    created_at text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index idx_feature_flags_name on feature_flags(name);
create index idx_feature_flags_enabled on feature_flags(enabled);
create trigger update_feature_flags_updated_at after update on feature_flags
    for each row when new.updated_at is old.updated_at
    begin update feature_flags set updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') where id = new.id; end;
insert into feature_flags (id, name, description, enabled, rollout_percentage) values
('1f7c0e00-0000-4000-8000-000000000001', 'ai_alpha_users', 'Alpha rollout (10% users)', 0, 10),
('1f7c0e00-0000-4000-8000-000000000002', 'ai_beta_users', 'Beta rollout (50% users)', 0, 50),
('1f7c0e00-0000-4000-8000-000000000003', 'ai_ga_enabled', 'General availability (100% users)', 0, 100),
('1f7c0e00-0000-4000-8000-000000000004', 'booking_agent_enabled', 'Enable BookingAgent', 0, 0),
('1f7c0e00-0000-4000-8000-000000000005', 'session_agent_enabled', 'Enable SessionAgent', 0, 0),
('1f7c0e00-0000-4000-8000-000000000006', 'insights_agent_enabled', 'Enable InsightsAgent', 0, 0),
('1f7c0e00-0000-4000-8000-000000000007', 'followup_agent_enabled', 'Enable FollowupAgent', 0, 0),
('1f7c0e00-0000-4000-8000-000000000008', 'ai_chat_enabled', 'Enable embedded chat UI', 0, 0),
('1f7c0e00-0000-4000-8000-000000000009', 'proactive_notifications', 'Enable proactive notifications', 0, 0),
('1f7c0e00-0000-4000-8000-00000000000a', 'generative_ui', 'Enable generative UI components', 0, 0);
