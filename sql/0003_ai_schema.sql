-- 0003 AI agents & intelligence schema (design: "Stage 3 — AI Agents & Intelligence Schema"), corrected.
-- Every deviation from the design is listed in sql/README.md.
--
-- Rewritten so a role that does not own the Realtime publication can apply it; a database that applied the
-- earlier text has the same objects and keeps it (see sql/README.md, "Rewritten migrations"):
-- supersedes sha256:c738885a1a52a388c3d6cf71028359a5d635974ee63c50c1465f677c3ce97b94
--
-- Apply by hand with: psql "$DATABASE_URL" -1 -v ON_ERROR_STOP=1 -f sql/0003_ai_schema.sql

set search_path = public, extensions;

-- ---------------------------------------------------------------------------------------------------------
-- ai_agents
-- ---------------------------------------------------------------------------------------------------------
create table public.ai_agents (
    id uuid primary key default gen_random_uuid(),
    name text unique not null,
    description text,
    version text not null default '1.0.0',
    model text not null default 'gpt-4',
    system_prompt text not null,
    temperature numeric(2, 1) default 0.7 check (temperature >= 0 and temperature <= 2),
    max_tokens integer default 1000,
    is_active boolean default true,
    metadata jsonb default '{}'::jsonb,
    created_at timestamptz default now(),
    updated_at timestamptz default now()
);

create index idx_ai_agents_name on public.ai_agents(name);
create index idx_ai_agents_active on public.ai_agents(is_active) where is_active = true;

alter table public.ai_agents enable row level security;

create policy "Anyone can view active agents"
    on public.ai_agents for select
    to authenticated
    using (is_active = true);

create trigger update_ai_agents_updated_at
    before update on public.ai_agents
    for each row
    execute function public.update_updated_at_column();

insert into public.ai_agents (name, description, system_prompt) values
    ('explore', 'Discovery and recommendations', 'You are a travel exploration assistant...'),
    ('itinerary', 'Trip planning and optimization', 'You are an itinerary planning expert...'),
    ('budget', 'Budget management', 'You are a budget optimization specialist...'),
    ('research', 'Detailed place information', 'You are a travel research assistant...'),
    ('proactive', 'Proactive suggestions', 'You provide timely, context-aware suggestions...'),
    ('collaboration', 'Group trip coordination', 'You help coordinate group travel decisions...')
on conflict (name) do nothing;

-- ---------------------------------------------------------------------------------------------------------
-- ai_runs
-- ---------------------------------------------------------------------------------------------------------
create table public.ai_runs (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null references auth.users(id) on delete cascade,
    agent_id uuid not null references public.ai_agents(id) on delete restrict,
    -- The design references public.trips and public.saved_places, which neither design defines (they belong
    -- to another stage of that product). Kept as plain uuid columns without a foreign key; a deployment that
    -- has those tables can add the constraints (see sql/README.md).
    trip_id uuid,
    saved_place_id uuid,
    input_text text not null,
    output_text text,
    status text not null default 'pending' check (status in ('pending', 'running', 'completed', 'failed', 'cancelled')),
    model_used text,
    tokens_prompt integer,
    tokens_completion integer,
    tokens_total integer,
    cost_usd numeric(10, 6),
    latency_ms integer,
    error_message text,
    metadata jsonb default '{}'::jsonb,
    created_at timestamptz default now(),
    updated_at timestamptz default now()
);

create index idx_ai_runs_user_id on public.ai_runs(user_id);
create index idx_ai_runs_agent_id on public.ai_runs(agent_id);
create index idx_ai_runs_trip_id on public.ai_runs(trip_id);
create index idx_ai_runs_status on public.ai_runs(status);
create index idx_ai_runs_created_at on public.ai_runs(created_at desc);
create index idx_ai_runs_user_date on public.ai_runs(user_id, created_at desc);

alter table public.ai_runs enable row level security;

create policy "Users can view their own AI runs"
    on public.ai_runs for select
    to authenticated
    using (user_id = (select auth.uid()));

-- Inserts only via the service role (the chat endpoint, jobs).

create trigger update_ai_runs_updated_at
    before update on public.ai_runs
    for each row
    execute function public.update_updated_at_column();

-- ---------------------------------------------------------------------------------------------------------
-- ai_messages
-- ---------------------------------------------------------------------------------------------------------
create table public.ai_messages (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null references auth.users(id) on delete cascade,
    ai_run_id uuid references public.ai_runs(id) on delete cascade,
    trip_id uuid, -- no foreign key: public.trips is not part of these designs (see ai_runs)
    role text not null check (role in ('user', 'assistant', 'system')),
    content text not null,
    metadata jsonb default '{}'::jsonb,
    created_at timestamptz default now()
);

create index idx_ai_messages_user_id on public.ai_messages(user_id);
create index idx_ai_messages_ai_run_id on public.ai_messages(ai_run_id);
create index idx_ai_messages_trip_id on public.ai_messages(trip_id);
create index idx_ai_messages_created_at on public.ai_messages(created_at desc);

alter table public.ai_messages enable row level security;

create policy "Users can view their own messages"
    on public.ai_messages for select
    to authenticated
    using (user_id = (select auth.uid()));

-- The design checked only user_id: foreign-key checks bypass RLS, so a user could attach a message to
-- another user's run. The run must be the user's own too.
create policy "Users can create their own messages"
    on public.ai_messages for insert
    to authenticated
    with check (
        user_id = (select auth.uid())
        and (ai_run_id is null or exists (
            select 1 from public.ai_runs r where r.id = ai_run_id and r.user_id = (select auth.uid())))
    );

-- Realtime: stream new messages to clients. The publication exists only on Supabase; elsewhere skip. Only its
-- owner may add a table to it: another role is told how, and the migration goes on (Realtime is optional).
do $$
begin
    if exists (select 1 from pg_publication where pubname = 'supabase_realtime')
       and not exists (select 1 from pg_publication_tables
                       where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = 'ai_messages')
    then
        if exists (select 1 from pg_publication
                   where pubname = 'supabase_realtime' and pg_has_role(pubowner, 'usage'))
        then
            alter publication supabase_realtime add table public.ai_messages;
        else
            raise notice 'public.ai_messages is not streamed by Realtime: this role does not own the publication '
                'supabase_realtime; as its owner run: alter publication supabase_realtime add table public.ai_messages';
        end if;
    end if;
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- ai_memory
-- ---------------------------------------------------------------------------------------------------------
create table public.ai_memory (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null references auth.users(id) on delete cascade,
    memory_type text not null check (memory_type in ('preference', 'fact', 'feedback', 'context')),
    key text not null,
    value jsonb not null,
    confidence numeric(3, 2) check (confidence >= 0 and confidence <= 1),
    source text, -- which agent created this
    expires_at timestamptz,
    created_at timestamptz default now(),
    updated_at timestamptz default now(),
    unique (user_id, memory_type, key)
);

create index idx_ai_memory_user_id on public.ai_memory(user_id);
create index idx_ai_memory_type on public.ai_memory(memory_type);
create index idx_ai_memory_key on public.ai_memory(user_id, key);

alter table public.ai_memory enable row level security;

create policy "Users can view their own memory"
    on public.ai_memory for select
    to authenticated
    using (user_id = (select auth.uid()));

-- Updates only via the service role (memory mining, the chat endpoint).

create trigger update_ai_memory_updated_at
    before update on public.ai_memory
    for each row
    execute function public.update_updated_at_column();

-- ---------------------------------------------------------------------------------------------------------
-- ai_feedback
-- ---------------------------------------------------------------------------------------------------------
create table public.ai_feedback (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null references auth.users(id) on delete cascade,
    ai_run_id uuid not null references public.ai_runs(id) on delete cascade,
    feedback_type text not null check (feedback_type in ('thumbs_up', 'thumbs_down', 'helpful', 'not_helpful', 'incorrect', 'offensive')),
    comment text,
    created_at timestamptz default now()
);

create index idx_ai_feedback_ai_run_id on public.ai_feedback(ai_run_id);
create index idx_ai_feedback_user_id on public.ai_feedback(user_id);
create index idx_ai_feedback_type on public.ai_feedback(feedback_type);

alter table public.ai_feedback enable row level security;

-- As for ai_messages: feedback only on one's own runs.
create policy "Users can create their own feedback"
    on public.ai_feedback for insert
    to authenticated
    with check (
        user_id = (select auth.uid())
        and exists (select 1 from public.ai_runs r where r.id = ai_run_id and r.user_id = (select auth.uid()))
    );

create policy "Users can view their own feedback"
    on public.ai_feedback for select
    to authenticated
    using (user_id = (select auth.uid()));

-- ---------------------------------------------------------------------------------------------------------
-- get_ai_usage_stats (as designed: invoker rights, pinned search_path, completed runs only)
-- ---------------------------------------------------------------------------------------------------------
create or replace function public.get_ai_usage_stats(p_user_id uuid, p_start_date timestamptz, p_end_date timestamptz)
returns table (
    total_runs bigint,
    total_tokens bigint,
    total_cost numeric,
    avg_latency numeric
)
language plpgsql
security invoker
set search_path = ''
stable
as $$
begin
    return query
    select
        count(*)::bigint,
        coalesce(sum(tokens_total), 0)::bigint,
        coalesce(sum(cost_usd), 0),
        coalesce(avg(latency_ms), 0)
    from public.ai_runs
    where user_id = p_user_id
      and created_at >= p_start_date
      and created_at < p_end_date
      and status = 'completed';
end;
$$;
