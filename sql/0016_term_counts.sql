-- 0016: document frequencies kept with the postings.
--
-- match_documents_text (0012, 0014) counted each query term's postings on every call to weigh it (BM25's idf):
-- an index-only count, but of every posting, ~15 % of the function's time on the chat benchmark (a question
-- whose terms hold 16,000 postings: 1 of 4.5 ms). The counts are now kept in agent_memory_term_counts by the
-- same statement-level triggers that keep the postings (0011), from the postings they actually insert or delete,
-- and read with one index probe per term. Same weights, so the same scores and order.
-- Writers pay a grouped upsert per statement (rows locked in term order, so concurrent writers cannot deadlock
-- on them); a first load with the postings trigger disabled counts everything in bulk in
-- agent_memory_terms_rebuild(), as it builds the postings. A term no chunk holds any more keeps a row with 0
-- until the next rebuild (harmless: the weight of a term nobody holds never counts).
--
-- Apply by hand with: psql "$DATABASE_URL" -1 -v ON_ERROR_STOP=1 -f sql/0016_term_counts.sql

set search_path = public, extensions;

create table public.agent_memory_term_counts (
    term text not null,
    embedding_model text,
    chunks bigint not null,
    -- One row per term and model, a null model included (PostgreSQL 15+).
    constraint agent_memory_term_counts_key unique nulls not distinct (term, embedding_model)
);
comment on table public.agent_memory_term_counts is
    'Chunks holding each term, per model: the document frequencies of agent_memory_terms, kept by triggers on agent_memory (0016). Do not write it directly.';
alter table public.agent_memory_term_counts enable row level security;
revoke all on public.agent_memory_term_counts from anon, authenticated;

create or replace function public.agent_memory_terms_after_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    with added as (
        insert into public.agent_memory_terms (term, memory_id, embedding_model, tf, len, owner_id, conversation_id)
        select u.lexeme, n.id, n.embedding_model, cardinality(u.positions),
               coalesce(n.term_count, length(n.search_tsv)), n.owner_id, n.conversation_id
        from new_rows n
        cross join lateral unnest(n.search_tsv) as u
        where n.search_tsv is not null
        returning term, embedding_model
    )
    insert into public.agent_memory_term_counts as c (term, embedding_model, chunks)
    select a.term, a.embedding_model, count(*) from added a group by 1, 2 order by 1, 2
    on conflict (term, embedding_model) do update set chunks = c.chunks + excluded.chunks;
    return null;
end;
$$;

create or replace function public.agent_memory_terms_after_delete()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    -- By primary key: one index probe per (lexeme, chunk) of the deleted rows.
    with removed as (
        delete from public.agent_memory_terms p
        using (
            select u.lexeme as term, o.id as memory_id
            from old_rows o
            cross join lateral unnest(o.search_tsv) as u
            where o.search_tsv is not null
        ) d
        where p.term = d.term and p.memory_id = d.memory_id
        returning p.term, p.embedding_model
    )
    insert into public.agent_memory_term_counts as c (term, embedding_model, chunks)
    select r.term, r.embedding_model, -count(*) from removed r group by 1, 2 order by 1, 2
    on conflict (term, embedding_model) do update set chunks = c.chunks + excluded.chunks;
    return null;
end;
$$;

-- As 0011: only rows whose terms, length, model or owner changed get their postings rewritten.
create or replace function public.agent_memory_terms_after_update()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
    v_changed uuid[];
begin
    select array_agg(x.id) into v_changed
    from (
        select o.id from old_rows o
        where not exists (
            select 1 from new_rows n
            where n.id = o.id
              and n.search_tsv is not distinct from o.search_tsv
              and n.term_count is not distinct from o.term_count
              and n.embedding_model is not distinct from o.embedding_model
              and n.owner_id is not distinct from o.owner_id
              and n.conversation_id is not distinct from o.conversation_id)
        union
        select n.id from new_rows n where not exists (select 1 from old_rows o where o.id = n.id)
    ) x;
    if v_changed is null then
        return null;
    end if;
    with removed as (
        delete from public.agent_memory_terms p
        using (
            select u.lexeme as term, o.id as memory_id
            from old_rows o
            join unnest(v_changed) as c(id) on c.id = o.id
            cross join lateral unnest(o.search_tsv) as u
            where o.search_tsv is not null
        ) d
        where p.term = d.term and p.memory_id = d.memory_id
        returning p.term, p.embedding_model
    )
    insert into public.agent_memory_term_counts as c (term, embedding_model, chunks)
    select r.term, r.embedding_model, -count(*) from removed r group by 1, 2 order by 1, 2
    on conflict (term, embedding_model) do update set chunks = c.chunks + excluded.chunks;
    with added as (
        insert into public.agent_memory_terms (term, memory_id, embedding_model, tf, len, owner_id, conversation_id)
        select u.lexeme, n.id, n.embedding_model, cardinality(u.positions),
               coalesce(n.term_count, length(n.search_tsv)), n.owner_id, n.conversation_id
        from new_rows n
        join unnest(v_changed) as c(id) on c.id = n.id
        cross join lateral unnest(n.search_tsv) as u
        where n.search_tsv is not null
        returning term, embedding_model
    )
    insert into public.agent_memory_term_counts as c (term, embedding_model, chunks)
    select a.term, a.embedding_model, count(*) from added a group by 1, 2 order by 1, 2
    on conflict (term, embedding_model) do update set chunks = c.chunks + excluded.chunks;
    return null;
end;
$$;

create or replace function public.agent_memory_terms_after_truncate()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    truncate public.agent_memory_terms, public.agent_memory_term_counts;
    return null;
end;
$$;

-- As 0011, and the counts from the postings in one pass.
create or replace function public.agent_memory_terms_rebuild()
returns void
language plpgsql
set search_path = ''
as $$
begin
    lock table public.agent_memory in share row exclusive mode;
    truncate public.agent_memory_terms, public.agent_memory_term_counts;
    alter table public.agent_memory_terms drop constraint agent_memory_terms_pkey;
    insert into public.agent_memory_terms (term, memory_id, embedding_model, tf, len, owner_id, conversation_id)
    select u.lexeme, m.id, m.embedding_model, cardinality(u.positions),
           coalesce(m.term_count, length(m.search_tsv)), m.owner_id, m.conversation_id
    from public.agent_memory m
    cross join lateral unnest(m.search_tsv) as u
    where m.search_tsv is not null;
    alter table public.agent_memory_terms add constraint agent_memory_terms_pkey
        primary key (term, memory_id) include (embedding_model, tf, len, owner_id, conversation_id);
    insert into public.agent_memory_term_counts (term, embedding_model, chunks)
    select p.term, p.embedding_model, count(*) from public.agent_memory_terms p group by 1, 2;
    alter table public.agent_memory enable trigger agent_memory_terms_insert;
end;
$$;
revoke all on function public.agent_memory_terms_rebuild() from public, anon, authenticated;

-- The counts of what is there now (the postings are exact; see 0011).
insert into public.agent_memory_term_counts (term, embedding_model, chunks)
select p.term, p.embedding_model, count(*) from public.agent_memory_terms p group by 1, 2;

-- match_documents_text as in 0014, the document frequencies read from the counts.
create or replace function public.match_documents_text(
    query_terms text[],
    match_count int default 5,
    p_user_id uuid default null,
    p_include_shared boolean default true,
    p_embedding_model text default null,
    k1 float default 1.2,
    b float default 0.75
)
returns table (id uuid, rank float)
language plpgsql
stable
set search_path = public, extensions
set plan_cache_mode = force_generic_plan
-- As in 0012: the postings are hashed by chunk, never sorted.
set enable_sort = off
as $$
declare
    v_user uuid := coalesce(p_user_id, auth.uid());
    v_count int := greatest(match_count, 0);
    v_terms text[];
    v_weights float[] := '{}';
    v_chunks float;
    v_average float;
    v_postings bigint;
    v_base float;
    v_per_length float;
    v_term text;
    v_top int;
    v_floor float;
    v_index int;
    v_rest_bound float := 0;
    v_rest_terms text[] := '{}';
    v_rest_weights float[] := '{}';
    v_main_terms text[] := '{}';
    v_main_weights float[] := '{}';
begin
    select array_agg(distinct t order by t) into v_terms from unnest(query_terms) as t where t <> '';
    if v_terms is null or v_count = 0 then
        return;
    end if;
    select greatest(coalesce(sum(s.chunks), 0), 1)::float,
           greatest(coalesce(sum(s.terms), 0)::float / greatest(coalesce(sum(s.chunks), 0), 1), 1)
    into v_chunks, v_average
    from public.search_stats s
    where p_embedding_model is null or s.embedding_model = p_embedding_model;
    -- Document frequency of each term (over all owners, as before), then its weight idf * (k1 + 1).
    foreach v_term in array v_terms loop
        select coalesce(sum(c.chunks), 0) into v_postings
        from public.agent_memory_term_counts c
        where c.term = v_term
          and (p_embedding_model is null or c.embedding_model = p_embedding_model);
        v_weights := v_weights || (k1 + 1) * ln(1 + (v_chunks - v_postings + 0.5) / (v_postings + 0.5));
    end loop;
    -- BM25: sum over terms of weight * tf / (tf + k1 * (1 - b + b * len / average)).
    v_base := k1 * (1 - b);
    v_per_length := k1 * b / v_average;

    -- The argument needs every weight positive (a term can only add); stale statistics (more postings than
    -- chunks counted) could make one negative: then everything is scored.
    if cardinality(v_terms) > 1 and 0 < all (v_weights) then
        -- 1. The floor: the match_count-th best score of the highest-weighted term alone (ties: the first term).
        select i into v_top from generate_subscripts(v_weights, 1) as i order by v_weights[i] desc, i limit 1;
        select x.score into v_floor
        from (
            select v_weights[v_top] * p.tf / (p.tf + v_base + v_per_length * p.len) as score
            from public.agent_memory_terms p
            where p.term = v_terms[v_top]
              and (p_embedding_model is null or p.embedding_model = p_embedding_model)
              and ((p_include_shared and p.owner_id is null and p.conversation_id is null)
                or (v_user is not null and p.owner_id = v_user)
                or (v_user is not null and p.conversation_id is not null and exists (
                       select 1 from public.agent_conversations c
                       where c.id = p.conversation_id and c.user_id = v_user)))
        ) x
        order by x.score desc
        offset v_count - 1 limit 1;
        -- 2. The rest: the lowest weights adding up to less than the floor (none when there is no floor).
        if v_floor is not null then
            for v_index in
                select i from generate_subscripts(v_weights, 1) as i where i <> v_top order by v_weights[i], i
            loop
                exit when v_rest_bound + v_weights[v_index] >= v_floor;
                v_rest_bound := v_rest_bound + v_weights[v_index];
                v_rest_terms := v_rest_terms || v_terms[v_index];
                v_rest_weights := v_rest_weights || v_weights[v_index];
            end loop;
        end if;
    end if;

    if cardinality(v_rest_terms) = 0 then
        return query
        select p.memory_id,
               sum(w.weight * p.tf / (p.tf + v_base + v_per_length * p.len))::float as score
        from unnest(v_terms, v_weights) as w(term, weight)
        join public.agent_memory_terms p on p.term = w.term
        where (p_embedding_model is null or p.embedding_model = p_embedding_model)
          and ((p_include_shared and p.owner_id is null and p.conversation_id is null)
            or (v_user is not null and p.owner_id = v_user)
            or (v_user is not null and p.conversation_id is not null and exists (
                   select 1 from public.agent_conversations c
                   where c.id = p.conversation_id and c.user_id = v_user)))
        group by p.memory_id
        order by score desc, p.memory_id
        limit v_count;
        return;
    end if;

    for v_index in 1 .. cardinality(v_terms) loop
        if not v_terms[v_index] = any(v_rest_terms) then
            v_main_terms := v_main_terms || v_terms[v_index];
            v_main_weights := v_main_weights || v_weights[v_index];
        end if;
    end loop;
    -- 3. The main terms scored in full; chunks that cannot reach the top dropped; the rest's postings added.
    return query
    with main as materialized (
        select p.memory_id, sum(w.weight * p.tf / (p.tf + v_base + v_per_length * p.len)) as score
        from unnest(v_main_terms, v_main_weights) as w(term, weight)
        join public.agent_memory_terms p on p.term = w.term
        where (p_embedding_model is null or p.embedding_model = p_embedding_model)
          and ((p_include_shared and p.owner_id is null and p.conversation_id is null)
            or (v_user is not null and p.owner_id = v_user)
            or (v_user is not null and p.conversation_id is not null and exists (
                   select 1 from public.agent_conversations c
                   where c.id = p.conversation_id and c.user_id = v_user)))
        group by p.memory_id
    ),
    cut as (
        select m.score from main m order by m.score desc offset v_count - 1 limit 1
    ),
    candidates as (
        select m.memory_id, m.score from main m
        where m.score + v_rest_bound >= coalesce((select c.score from cut c), 0)
    ),
    -- A chunk's postings share its model and owner: the filters above hold for them.
    rest as (
        select p.memory_id, sum(w.weight * p.tf / (p.tf + v_base + v_per_length * p.len)) as score
        from unnest(v_rest_terms, v_rest_weights) as w(term, weight)
        join public.agent_memory_terms p on p.term = w.term
        where p.memory_id in (select c.memory_id from candidates c)
        group by p.memory_id
    )
    select c.memory_id, (c.score + coalesce(r.score, 0))::float as score
    from candidates c
    left join rest r on r.memory_id = c.memory_id
    order by score desc, c.memory_id
    limit v_count;
end;
$$;
