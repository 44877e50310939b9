-- 0002 Agent system (design: "Wave 1 Implementation: Foundations", migrations 026–033), corrected.
-- Every deviation from the design is listed in sql/README.md; the short reason is repeated here in comments.
--
-- Apply by hand with: psql "$DATABASE_URL" -1 -v ON_ERROR_STOP=1 -f sql/0002_agent_system.sql

set search_path = public, extensions;

-- ---------------------------------------------------------------------------------------------------------
-- agent_conversations
-- ---------------------------------------------------------------------------------------------------------
create table public.agent_conversations (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null references auth.users(id) on delete cascade,
    agent_type text not null check (agent_type in ('booking', 'session', 'insights', 'followup', 'general')),
    messages jsonb not null default '[]',
    context jsonb default '{}',
    status text default 'active' check (status in ('active', 'completed', 'escalated', 'failed')),
    metadata jsonb default '{}',
    created_at timestamptz default now(),
    updated_at timestamptz default now()
);

create index idx_agent_conversations_user on public.agent_conversations(user_id);
create index idx_agent_conversations_status on public.agent_conversations(status);
create index idx_agent_conversations_created on public.agent_conversations(created_at desc);
create index idx_agent_conversations_agent_type on public.agent_conversations(agent_type);

alter table public.agent_conversations enable row level security;

-- `(select auth.uid())` instead of `auth.uid()`: evaluated once per statement, not once per row.
create policy "Users can view own conversations"
    on public.agent_conversations for select
    using ((select auth.uid()) = user_id);

create policy "Users can create own conversations"
    on public.agent_conversations for insert
    with check ((select auth.uid()) = user_id);

-- Without a WITH CHECK clause PostgreSQL checks the USING expression on the new row too, so a user cannot
-- move a conversation to someone else.
create policy "Users can update own conversations"
    on public.agent_conversations for update
    using ((select auth.uid()) = user_id);

create trigger update_agent_conversations_updated_at
    before update on public.agent_conversations
    for each row
    execute function public.update_updated_at_column();

-- ---------------------------------------------------------------------------------------------------------
-- documents (not in the design): the home of ingested sources that agent_memory.document_id points to.
-- owner_id null = the shared knowledge base; otherwise a user's private document.
-- ---------------------------------------------------------------------------------------------------------
create table public.documents (
    id uuid primary key default gen_random_uuid(),
    source_uri text not null,
    owner_id uuid references auth.users(id) on delete cascade,
    title text,
    media_type text not null,
    -- SHA-256 (hex) of the extracted text: an unchanged hash means nothing to re-embed.
    content_hash text not null,
    metadata jsonb not null default '{}',
    embedding_model text not null,
    -- The chunking settings the chunks were made with; a change calls for a reindex.
    chunker text not null default '',
    chunk_count integer not null default 0 check (chunk_count >= 0),
    byte_size bigint not null default 0 check (byte_size >= 0),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    -- One document per source and owner; NULLS NOT DISTINCT (PostgreSQL 15+) makes shared sources unique too.
    constraint documents_source_owner_key unique nulls not distinct (source_uri, owner_id)
);

create index idx_documents_owner on public.documents(owner_id);
create index idx_documents_source_prefix on public.documents(source_uri text_pattern_ops);

alter table public.documents enable row level security;

create policy "Users can view shared and own documents"
    on public.documents for select
    to authenticated
    using (owner_id is null or owner_id = (select auth.uid()));

create trigger update_documents_updated_at
    before update on public.documents
    for each row
    execute function public.update_updated_at_column();

-- ---------------------------------------------------------------------------------------------------------
-- agent_memory (RAG chunks), with the columns ingestion and reindex need.
-- ---------------------------------------------------------------------------------------------------------
create table public.agent_memory (
    id uuid primary key default gen_random_uuid(),
    conversation_id uuid references public.agent_conversations(id) on delete cascade,
    content text not null,
    embedding vector(1536), -- OpenAI text-embedding-3-small dimensions
    metadata jsonb default '{}',
    -- The design left document_id without a target; it is the chunk's document, deleted with it.
    document_id uuid references public.documents(id) on delete cascade,
    chunk_index int,
    created_at timestamptz default now(),
    -- Added for ingestion: who may read the chunk (null = shared), its text hash (the embedding-reuse key),
    -- the model of its vector (a search never mixes models), its size and place in the document.
    owner_id uuid references auth.users(id) on delete cascade,
    content_hash text,
    embedding_model text,
    token_count integer check (token_count >= 0),
    heading_path text[] not null default '{}',
    char_start integer,
    char_end integer
);

-- Vector similarity search index (HNSW, cosine distance).
create index idx_agent_memory_embedding on public.agent_memory using hnsw (embedding vector_cosine_ops);

create index idx_agent_memory_conversation on public.agent_memory(conversation_id);
create index idx_agent_memory_document on public.agent_memory(document_id);
create index idx_agent_memory_created on public.agent_memory(created_at desc);
create index idx_agent_memory_owner on public.agent_memory(owner_id);
create index idx_agent_memory_document_hash on public.agent_memory(document_id, content_hash);

alter table public.agent_memory enable row level security;

-- The design only let users see chunks of their own conversations; ingested chunks are shared (no owner, no
-- conversation) or belong to one user.
create policy "Users can view own memory"
    on public.agent_memory for select
    using (
        owner_id = (select auth.uid())
        or exists (
            select 1 from public.agent_conversations c
            where c.id = agent_memory.conversation_id
              and c.user_id = (select auth.uid())
        )
    );

create policy "Authenticated users can view shared memory"
    on public.agent_memory for select
    to authenticated
    using (owner_id is null and conversation_id is null);

-- Semantic search. The design's version could not scope results to one user or to shared documents, and
-- would mix vectors of different embedding models. SECURITY INVOKER: the caller's row-level security
-- applies on top (a user passing someone else's id still sees only what RLS lets them see).
--   p_user_id           whose private chunks to include; default auth.uid(), i.e. the calling user. With
--                       neither (the service role without a user) only shared chunks are searched: another
--                       user's private chunks are never returned unless that user is named.
--   p_include_shared    include the shared knowledge base (chunks with no owner and no conversation)
--   p_embedding_model   only chunks embedded with this model (pass it: query and chunks must match)
create or replace function public.match_documents(
    query_embedding vector(1536),
    match_count int default 5,
    filter jsonb default '{}',
    p_user_id uuid default null,
    p_include_shared boolean default true,
    p_embedding_model text default null
)
returns table (
    id uuid,
    content text,
    metadata jsonb,
    similarity float,
    document_id uuid,
    chunk_index int,
    owner_id uuid,
    heading_path text[],
    source_uri text,
    title text
)
language plpgsql
stable
set search_path = public, extensions
-- pgvector 0.8: keep scanning the HNSW graph until enough rows pass the filters (a placeholder before 0.8).
set hnsw.iterative_scan = 'relaxed_order'
as $$
declare
    v_user uuid := coalesce(p_user_id, auth.uid());
begin
    return query
    with candidates as materialized (
        select
            m.id, m.content, m.metadata, m.embedding <=> query_embedding as distance,
            m.document_id, m.chunk_index, m.owner_id, m.heading_path
        from public.agent_memory m
        where m.embedding is not null
          and m.metadata @> coalesce(filter, '{}'::jsonb)
          and (p_embedding_model is null or m.embedding_model = p_embedding_model)
          and (
                (p_include_shared and m.owner_id is null and m.conversation_id is null)
             or (v_user is not null and m.owner_id = v_user)
             or (v_user is not null and m.conversation_id is not null and exists (
                    select 1 from public.agent_conversations c
                    where c.id = m.conversation_id and c.user_id = v_user))
          )
        order by m.embedding <=> query_embedding
        limit greatest(match_count, 0)
    )
    -- relaxed_order may return candidates slightly out of order: sort them again.
    select c.id, c.content, c.metadata, (1 - c.distance)::float, c.document_id, c.chunk_index, c.owner_id,
           c.heading_path, d.source_uri, d.title
    from candidates c
    left join public.documents d on d.id = c.document_id
    order by c.distance, c.id;
end;
$$;

-- ---------------------------------------------------------------------------------------------------------
-- agent_tools
-- ---------------------------------------------------------------------------------------------------------
create table public.agent_tools (
    id uuid primary key default gen_random_uuid(),
    name text unique not null,
    description text not null,
    parameters jsonb not null,
    permissions text[] default '{}',
    rate_limit jsonb default '{"calls": 100, "window": "1h"}',
    enabled boolean default true,
    version text default '1.0.0',
    created_at timestamptz default now(),
    updated_at timestamptz default now()
);

-- Redundant with the unique constraint's index, kept because the design names it.
create index idx_agent_tools_name on public.agent_tools(name);
create index idx_agent_tools_enabled on public.agent_tools(enabled);

-- The design left this table without RLS, which on Supabase exposes it to writes through the REST API.
alter table public.agent_tools enable row level security;

create policy "Authenticated users can view enabled tools"
    on public.agent_tools for select
    to authenticated
    using (enabled);

create trigger update_agent_tools_updated_at
    before update on public.agent_tools
    for each row
    execute function public.update_updated_at_column();

insert into public.agent_tools (name, description, parameters, permissions) values
('search_therapists', 'Search for therapists by specialty and location',
 '{"type": "object", "properties": {"specialty": {"type": "string"}, "location": {"type": "string"}}}',
 array['patient', 'therapist']),
('get_availability', 'Get therapist availability for booking',
 '{"type": "object", "properties": {"therapist_id": {"type": "string"}, "date_range": {"type": "string"}}}',
 array['patient', 'therapist']),
('book_appointment', 'Book an appointment with a therapist',
 '{"type": "object", "properties": {"therapist_id": {"type": "string"}, "patient_id": {"type": "string"}, "slot": {"type": "string"}}}',
 array['patient'])
on conflict (name) do nothing;

-- ---------------------------------------------------------------------------------------------------------
-- agent_executions (monitoring and cost)
-- ---------------------------------------------------------------------------------------------------------
create table public.agent_executions (
    id uuid primary key default gen_random_uuid(),
    -- ON DELETE SET NULL, not CASCADE as designed: deleting a conversation must not delete what it cost.
    conversation_id uuid references public.agent_conversations(id) on delete set null,
    agent_type text not null,
    tool_calls jsonb default '[]',
    tokens_used int default 0,
    -- numeric(12, 6), not the design's DECIMAL(10, 4): a small model's call costs less than $0.0001 and
    -- four decimals would round it to zero. NULL = unknown price (never a silent zero).
    cost_usd numeric(12, 6) default 0,
    duration_ms int,
    status text default 'success' check (status in ('success', 'failed', 'timeout')),
    error text,
    metadata jsonb default '{}',
    created_at timestamptz default now(),
    -- Added: the user the turn was for, kept when the conversation is deleted (set by every writer; old rows
    -- are attributed through their conversation).
    user_id uuid references auth.users(id) on delete set null
);

create index idx_agent_executions_conversation on public.agent_executions(conversation_id);
create index idx_agent_executions_created on public.agent_executions(created_at desc);
create index idx_agent_executions_status on public.agent_executions(status);
create index idx_agent_executions_agent_type on public.agent_executions(agent_type);
create index idx_agent_executions_user on public.agent_executions(user_id);

alter table public.agent_executions enable row level security;

create policy "Users can view own executions"
    on public.agent_executions for select
    using (
        user_id = (select auth.uid())
        or exists (
            select 1 from public.agent_conversations c
            where c.id = agent_executions.conversation_id
              and c.user_id = (select auth.uid())
        )
    );

-- ---------------------------------------------------------------------------------------------------------
-- proactive_notifications
-- ---------------------------------------------------------------------------------------------------------
create table public.proactive_notifications (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null references auth.users(id) on delete cascade,
    agent_type text not null,
    notification_type text not null check (notification_type in ('session_prep', 'insight', 'alert', 'followup')),
    title text not null,
    message text not null,
    action jsonb,
    priority text default 'normal' check (priority in ('low', 'normal', 'high', 'urgent')),
    read boolean default false,
    created_at timestamptz default now()
);

create index idx_proactive_notifications_user on public.proactive_notifications(user_id);
create index idx_proactive_notifications_read on public.proactive_notifications(read);
create index idx_proactive_notifications_created on public.proactive_notifications(created_at desc);
create index idx_proactive_notifications_type on public.proactive_notifications(notification_type);

alter table public.proactive_notifications enable row level security;

create policy "Users can view own notifications"
    on public.proactive_notifications for select
    using ((select auth.uid()) = user_id);

create policy "Users can update own notifications"
    on public.proactive_notifications for update
    using ((select auth.uid()) = user_id);

-- ---------------------------------------------------------------------------------------------------------
-- user_agent_preferences (+ defaults for every new user)
-- ---------------------------------------------------------------------------------------------------------
create table public.user_agent_preferences (
    user_id uuid primary key references auth.users(id) on delete cascade,
    enabled_agents text[] default array['booking', 'session', 'insights', 'followup'],
    notification_frequency text default 'normal' check (notification_frequency in ('minimal', 'reduced', 'normal')),
    quiet_hours jsonb default '{"start": "22:00", "end": "08:00"}',
    data_sharing_consent boolean default true,
    transparency_level text default 'detailed' check (transparency_level in ('simple', 'detailed', 'technical')),
    classic_mode boolean default false,
    onboarding_completed boolean default false,
    language_preference text default 'en' check (language_preference in ('en', 'hi', 'hinglish')),
    created_at timestamptz default now(),
    updated_at timestamptz default now()
);

alter table public.user_agent_preferences enable row level security;

create policy "Users can manage own preferences"
    on public.user_agent_preferences for all
    using ((select auth.uid()) = user_id);

-- The design used this trigger function without defining the updated_at trigger; both are here.
create trigger update_user_agent_preferences_updated_at
    before update on public.user_agent_preferences
    for each row
    execute function public.update_updated_at_column();

-- SECURITY DEFINER with a pinned, empty search_path: without it a caller could put their own
-- user_agent_preferences table earlier on the path and have this function write to it with its owner's rights.
create or replace function public.create_default_agent_preferences()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    insert into public.user_agent_preferences (user_id)
    values (new.id)
    on conflict (user_id) do nothing;
    return new;
end;
$$;

drop trigger if exists on_auth_user_created_agent_prefs on auth.users;
create trigger on_auth_user_created_agent_prefs
    after insert on auth.users
    for each row
    execute function public.create_default_agent_preferences();

-- Users that existed before this migration get their defaults too.
insert into public.user_agent_preferences (user_id)
select id from auth.users
on conflict (user_id) do nothing;

-- ---------------------------------------------------------------------------------------------------------
-- feature_flags (+ is_feature_enabled)
-- ---------------------------------------------------------------------------------------------------------
create table public.feature_flags (
    id uuid primary key default gen_random_uuid(),
    name text unique not null,
    description text,
    -- NOT NULL added: a NULL here made is_feature_enabled return NULL instead of a boolean.
    enabled boolean not null default false,
    rollout_percentage int not null default 0 check (rollout_percentage >= 0 and rollout_percentage <= 100),
    target_users uuid[] not null default '{}',
    metadata jsonb default '{}',
    created_at timestamptz default now(),
    updated_at timestamptz default now()
);

create index idx_feature_flags_name on public.feature_flags(name);
create index idx_feature_flags_enabled on public.feature_flags(enabled);

-- No policy: flags (and their target user lists) are read through is_feature_enabled or by the service role.
alter table public.feature_flags enable row level security;

create trigger update_feature_flags_updated_at
    before update on public.feature_flags
    for each row
    execute function public.update_updated_at_column();

insert into public.feature_flags (name, description, enabled, rollout_percentage) values
('ai_alpha_users', 'Alpha rollout (10% users)', false, 10),
('ai_beta_users', 'Beta rollout (50% users)', false, 50),
('ai_ga_enabled', 'General availability (100% users)', false, 100),
('booking_agent_enabled', 'Enable BookingAgent', false, 0),
('session_agent_enabled', 'Enable SessionAgent', false, 0),
('insights_agent_enabled', 'Enable InsightsAgent', false, 0),
('followup_agent_enabled', 'Enable FollowupAgent', false, 0),
('ai_chat_enabled', 'Enable embedded chat UI', false, 0),
('proactive_notifications', 'Enable proactive notifications', false, 0),
('generative_ui', 'Enable generative UI components', false, 0)
on conflict (name) do nothing;

-- Whether a flag is on for a user. The bucket depends on the user alone (md5 of the id), so a user in a
-- 10 % rollout is in every rollout of 10 % or more, of every flag: alpha ⊂ beta ⊂ GA, on purpose.
-- Fixes: abs() is taken in bigint (the 32-bit abs(-2^31) raised "integer out of range" for one user in
-- 2^32); a NULL user gets false instead of NULL; search_path pinned (SECURITY DEFINER).
-- NightshiftCore's FeatureFlag.isEnabled(for:) gives exactly the same answer (tested on 60,000+ pairs).
create or replace function public.is_feature_enabled(
    flag_name text,
    check_user_id uuid
)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
    flag_record record;
    user_hash int;
begin
    select f.enabled, f.rollout_percentage, f.target_users
    into flag_record
    from public.feature_flags f
    where f.name = flag_name;

    if not found or not flag_record.enabled then
        return false;
    end if;

    -- Check if user is in target list
    if check_user_id = any(flag_record.target_users) then
        return true;
    end if;

    -- Percentage-based rollout
    if flag_record.rollout_percentage >= 100 then
        return true;
    end if;

    if flag_record.rollout_percentage <= 0 or check_user_id is null then
        return false;
    end if;

    -- Hash user ID for consistent assignment
    user_hash := ('x' || substr(md5(check_user_id::text), 1, 8))::bit(32)::int;
    return (abs(user_hash::bigint) % 100) < flag_record.rollout_percentage;
end;
$$;
