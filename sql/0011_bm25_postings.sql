-- 0011 BM25 from a postings table.
--
-- match_documents_text (0008, 0010) found the chunks containing a query term with the GIN index on search_tsv,
-- then read each candidate's tsvector (3 KB, out of line in TOAST) to learn its term frequencies, and counted
-- each term's document frequency with a second GIN scan that rechecked the model in the heap: 20-80 ms for a
-- chat question whose words occur in 3,000-9,000 of 10,000 chunks. That cost grows with the number of matching
-- chunks, and it made hybrid retrieval in the chat endpoint miss its latency goal.
--
-- Now an inverted index of our own: agent_memory_terms holds one row per (lexeme, chunk) with the term frequency,
-- the chunk's length, its model and its owner, all in one b-tree (primary key plus INCLUDE), so BM25 is an
-- index-only scan over the query's terms: document frequencies, term frequencies and visibility filters come from
-- the index alone (about 0.5 µs a posting; 9 ms for the 16,000 postings of a question matching 92 % of the chunks,
-- against 81 ms before). Scores are the same as before (same formula, same statistics).
--
-- The table is maintained by statement-level triggers with transition tables on agent_memory (insert, update,
-- delete, truncate), so every writer — Nightshift's COPY, PostgREST, a foreign-key cascade — keeps it exact, in
-- the writer's transaction. Price: about 220 rows per 500-token chunk written with the chunk.
--
-- search_tsv stays (it is what the postings are read from and what ad-hoc queries use), but the GIN index on it
-- is dropped: no Nightshift query uses it any more, and it cost ~90 µs per chunk written. Create it again
-- (`create index on public.agent_memory using gin (search_tsv)`) if you query search_tsv with @@ yourself.
-- search_tsv is also kept in the row (storage main) instead of TOAST: one TOAST write fewer per chunk.
--
-- Apply by hand with: psql "$DATABASE_URL" -1 -v ON_ERROR_STOP=1 -f sql/0011_bm25_postings.sql

set search_path = public, extensions;

create table public.agent_memory_terms (
    term text not null,
    memory_id uuid not null,
    embedding_model text,
    tf integer not null,
    len integer not null,
    owner_id uuid,
    conversation_id uuid,
    primary key (term, memory_id) include (embedding_model, tf, len, owner_id, conversation_id)
);
comment on table public.agent_memory_terms is
    'BM25 postings of agent_memory.search_tsv, kept by triggers on agent_memory (0011). Do not write it directly.';
-- Internal: only the owner and the service role read it (RLS with no policy, see sql/README.md).
alter table public.agent_memory_terms enable row level security;
revoke all on public.agent_memory_terms from anon, authenticated;
-- Inserted in bulk and read index-only: let autovacuum set the visibility map soon after big loads.
alter table public.agent_memory_terms set (autovacuum_vacuum_insert_scale_factor = 0.05);

create or replace function public.agent_memory_terms_after_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    insert into public.agent_memory_terms (term, memory_id, embedding_model, tf, len, owner_id, conversation_id)
    select u.lexeme, n.id, n.embedding_model, cardinality(u.positions),
           coalesce(n.term_count, length(n.search_tsv)), n.owner_id, n.conversation_id
    from new_rows n
    cross join lateral unnest(n.search_tsv) as u
    where n.search_tsv is not null;
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
    delete from public.agent_memory_terms p
    using (
        select u.lexeme as term, o.id as memory_id
        from old_rows o
        cross join lateral unnest(o.search_tsv) as u
        where o.search_tsv is not null
    ) d
    where p.term = d.term and p.memory_id = d.memory_id;
    return null;
end;
$$;

-- An update rewrites the postings only of rows whose terms, length, model or owner changed (Nightshift's own
-- updates move chunk positions and change none of them).
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
    delete from public.agent_memory_terms p
    using (
        select u.lexeme as term, o.id as memory_id
        from old_rows o
        join unnest(v_changed) as c(id) on c.id = o.id
        cross join lateral unnest(o.search_tsv) as u
        where o.search_tsv is not null
    ) d
    where p.term = d.term and p.memory_id = d.memory_id;
    insert into public.agent_memory_terms (term, memory_id, embedding_model, tf, len, owner_id, conversation_id)
    select u.lexeme, n.id, n.embedding_model, cardinality(u.positions),
           coalesce(n.term_count, length(n.search_tsv)), n.owner_id, n.conversation_id
    from new_rows n
    join unnest(v_changed) as c(id) on c.id = n.id
    cross join lateral unnest(n.search_tsv) as u
    where n.search_tsv is not null;
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
    truncate public.agent_memory_terms;
    return null;
end;
$$;

-- Trigger functions are not callable through PostgREST, and nobody but the owner needs to execute them.
revoke all on function public.agent_memory_terms_after_insert() from public, anon, authenticated;
revoke all on function public.agent_memory_terms_after_delete() from public, anon, authenticated;
revoke all on function public.agent_memory_terms_after_update() from public, anon, authenticated;
revoke all on function public.agent_memory_terms_after_truncate() from public, anon, authenticated;

create trigger agent_memory_terms_insert after insert on public.agent_memory
    referencing new table as new_rows
    for each statement execute function public.agent_memory_terms_after_insert();
create trigger agent_memory_terms_delete after delete on public.agent_memory
    referencing old table as old_rows
    for each statement execute function public.agent_memory_terms_after_delete();
create trigger agent_memory_terms_update after update on public.agent_memory
    referencing old table as old_rows new table as new_rows
    for each statement execute function public.agent_memory_terms_after_update();
create trigger agent_memory_terms_truncate after truncate on public.agent_memory
    for each statement execute function public.agent_memory_terms_after_truncate();

-- Rebuilds every posting in bulk (table emptied, key dropped, rows inserted, key built sorted) and enables the
-- insert trigger again: the backfill below, and `nightshift ingest` after a first load with the trigger disabled
-- (or after a run killed before that). Writers wait meanwhile (share row exclusive lock on agent_memory).
create or replace function public.agent_memory_terms_rebuild()
returns void
language plpgsql
set search_path = ''
as $$
begin
    lock table public.agent_memory in share row exclusive mode;
    truncate public.agent_memory_terms;
    alter table public.agent_memory_terms drop constraint agent_memory_terms_pkey;
    insert into public.agent_memory_terms (term, memory_id, embedding_model, tf, len, owner_id, conversation_id)
    select u.lexeme, m.id, m.embedding_model, cardinality(u.positions),
           coalesce(m.term_count, length(m.search_tsv)), m.owner_id, m.conversation_id
    from public.agent_memory m
    cross join lateral unnest(m.search_tsv) as u
    where m.search_tsv is not null;
    alter table public.agent_memory_terms add constraint agent_memory_terms_pkey
        primary key (term, memory_id) include (embedding_model, tf, len, owner_id, conversation_id);
    alter table public.agent_memory enable trigger agent_memory_terms_insert;
end;
$$;
revoke all on function public.agent_memory_terms_rebuild() from public, anon, authenticated;

select public.agent_memory_terms_rebuild();

drop index if exists public.idx_agent_memory_search_tsv;
alter table public.agent_memory alter column search_tsv set storage main;

-- BM25 over the chunks of one model visible to the caller (scoping as match_documents, see 0002). Same formula
-- and statistics as 0008: idf = ln(1 + (N - df + 0.5) / (df + 0.5)) with N and the average length from
-- search_stats and df counted over the model's chunks; tf and length from the postings.
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
as $$
declare
    v_user uuid := coalesce(p_user_id, auth.uid());
    v_terms text[];
    v_chunks float;
    v_average float;
begin
    select array_agg(distinct t) into v_terms from unnest(query_terms) as t where t <> '';
    if v_terms is null then
        return;
    end if;
    select greatest(coalesce(sum(s.chunks), 0), 1)::float,
           greatest(coalesce(sum(s.terms), 0)::float / greatest(coalesce(sum(s.chunks), 0), 1), 1)
    into v_chunks, v_average
    from public.search_stats s
    where p_embedding_model is null or s.embedding_model = p_embedding_model;
    return query
    with postings as materialized (
        select p.term, p.memory_id, p.tf::float as tf, p.len::float as len, p.owner_id, p.conversation_id
        from public.agent_memory_terms p
        where p.term = any(v_terms)
          and (p_embedding_model is null or p.embedding_model = p_embedding_model)
    ),
    weights as (
        select p.term, ln(1 + (v_chunks - count(*) + 0.5) / (count(*) + 0.5)) as idf
        from postings p
        group by p.term
    )
    select p.memory_id,
           sum(w.idf * (p.tf * (k1 + 1)) / (p.tf + k1 * (1 - b + b * p.len / v_average)))::float as score
    from postings p
    join weights w on w.term = p.term
    where (p_include_shared and p.owner_id is null and p.conversation_id is null)
       or (v_user is not null and p.owner_id = v_user)
       or (v_user is not null and p.conversation_id is not null and exists (
              select 1 from public.agent_conversations c
              where c.id = p.conversation_id and c.user_id = v_user))
    group by p.memory_id
    order by score desc, p.memory_id
    limit greatest(match_count, 0);
end;
$$;

-- Hybrid search (0008), same results: the fused candidates are cut to match_count before the join with
-- agent_memory. The planner, taking each function for 1,000 rows, hashed the whole agent_memory table (a sequential
-- scan: 5 ms at 10,000 chunks, growing with the table) to join 64 candidates.
create or replace function public.hybrid_search(
    query_terms text[],
    query_embedding vector(1536),
    match_count int default 5,
    p_user_id uuid default null,
    p_include_shared boolean default true,
    p_embedding_model text default null,
    full_text_weight float default 1,
    semantic_weight float default 1,
    rrf_k int default 60,
    candidate_factor int default 4
)
returns table (
    id uuid,
    content text,
    metadata jsonb,
    score float,
    similarity float,
    document_id uuid,
    chunk_index int,
    owner_id uuid,
    heading_path text[],
    source_uri text,
    title text
)
language sql
stable
set search_path = public, extensions
as $$
    with semantic as (
        select v.id, v.similarity, row_number() over (order by v.similarity desc, v.id) as rank_ix
        from public.match_documents(query_embedding, match_count * candidate_factor, '{}'::jsonb, p_user_id,
                                    p_include_shared, p_embedding_model) v
    ),
    full_text as (
        select t.id, row_number() over (order by t.rank desc, t.id) as rank_ix
        from public.match_documents_text(query_terms, match_count * candidate_factor, p_user_id, p_include_shared,
                                         p_embedding_model) t
    ),
    fused as (
        select coalesce(s.id, f.id) as id,
               coalesce(semantic_weight / (rrf_k + s.rank_ix), 0.0)
             + coalesce(full_text_weight / (rrf_k + f.rank_ix), 0.0) as score,
               s.similarity
        from semantic s full outer join full_text f on f.id = s.id
        order by score desc, id
        limit greatest(match_count, 0)
    )
    select m.id, m.content, m.metadata, fu.score, fu.similarity, m.document_id, m.chunk_index, m.owner_id,
           m.heading_path, d.source_uri, d.title
    from fused fu
    join public.agent_memory m on m.id = fu.id
    left join public.documents d on d.id = m.document_id
    order by fu.score desc, m.id
    limit greatest(match_count, 0)
$$;
