-- 0015: the HNSW index over half-precision vectors.
--
-- 0002's index stored each chunk's 1536 dimensions as 4-byte floats: 6 KB an element, one element a page, and
-- the graph search of a chat question (hybrid_search, ~40 elements visited per layer-0 step) reads and compares
-- that much per neighbour. The index is now built on embedding::halfvec(1536) (pgvector 0.7+): half the size
-- (78 -> 39 MB for 10,040 chunks), so twice as much of it stays in shared buffers, and faster to search, insert
-- into and build. The column keeps full precision, and so do the similarities the functions return and the
-- order of their results: only the choice of the nearest candidates is made in half precision (pgvector's
-- recommended use of halfvec). Measured: see sql/README.md.
--
-- Rebuilding an HNSW index takes a while on a large table (minutes per million chunks on 2 cores); the old one
-- serves until the new one is built only if you build it yourself first, concurrently:
--   create index concurrently idx_agent_memory_embedding_half on public.agent_memory
--       using hnsw ((embedding::extensions.halfvec(1536)) extensions.halfvec_cosine_ops);
-- then apply this file (it drops the old index and renames yours).
--
-- Apply by hand with: psql "$DATABASE_URL" -1 -v ON_ERROR_STOP=1 -f sql/0015_halfvec_index.sql

set search_path = public, extensions;

do $$
begin
    if to_regtype('extensions.halfvec') is null and to_regtype('public.halfvec') is null then
        raise exception 'sql/0015 needs pgvector 0.7 or later (the halfvec type): run "alter extension vector update"';
    end if;
end;
$$;

drop index if exists public.idx_agent_memory_embedding;
do $$
begin
    if to_regclass('public.idx_agent_memory_embedding_half') is not null then
        alter index public.idx_agent_memory_embedding_half rename to idx_agent_memory_embedding;
    else
        create index idx_agent_memory_embedding on public.agent_memory
            using hnsw ((embedding::halfvec(1536)) halfvec_cosine_ops);
    end if;
end;
$$;

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
set enable_seqscan = off
set plan_cache_mode = force_generic_plan
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
          -- Written so that no b-tree index can serve them (see 0010): the HNSW scan applies them.
          and coalesce(m.embedding_model, '') = coalesce(p_embedding_model, m.embedding_model, '')
          and (
                (p_include_shared and coalesce(m.owner_id, m.conversation_id) is null)
             or (v_user is not null and m.owner_id = v_user)
             or (v_user is not null and m.conversation_id is not null and exists (
                    select 1 from public.agent_conversations c
                    where c.id = m.conversation_id and c.user_id = v_user))
          )
        -- The index's order (half precision); the results are sorted by the exact distance below.
        order by m.embedding::halfvec(1536) <=> query_embedding::halfvec(1536)
        limit greatest(match_count, 0)
    )
    select c.id, c.content, c.metadata, (1 - c.distance)::float, c.document_id, c.chunk_index, c.owner_id,
           c.heading_path, d.source_uri, d.title
    from candidates c
    left join public.documents d on d.id = c.document_id
    order by c.distance, c.id;
end;
$$;

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
language plpgsql
stable
set search_path = public, extensions
set plan_cache_mode = force_generic_plan
-- As match_documents (0010): the HNSW scan applies the filters, and keeps scanning until enough rows pass them.
set hnsw.iterative_scan = 'relaxed_order'
set enable_seqscan = off
as $$
declare
    v_user uuid := coalesce(p_user_id, auth.uid());
begin
    return query
    -- match_documents' candidates, without the columns fusion does not use.
    with nearest as materialized (
        select m.id as near_id, m.embedding <=> query_embedding as distance
        from public.agent_memory m
        where m.embedding is not null
          and m.metadata is not null  -- match_documents' `metadata @> '{}'`: rows with null metadata never matched
          and coalesce(m.embedding_model, '') = coalesce(p_embedding_model, m.embedding_model, '')
          and (
                (p_include_shared and coalesce(m.owner_id, m.conversation_id) is null)
             or (v_user is not null and m.owner_id = v_user)
             or (v_user is not null and m.conversation_id is not null and exists (
                    select 1 from public.agent_conversations c
                    where c.id = m.conversation_id and c.user_id = v_user))
          )
        -- The index's order (half precision, see the header); the rank below uses the exact distance.
        order by m.embedding::halfvec(1536) <=> query_embedding::halfvec(1536)
        limit greatest(match_count * candidate_factor, 0)
    ),
    semantic as (
        select n.near_id, 1 - n.distance as near_similarity,
               row_number() over (order by 1 - n.distance desc, n.near_id) as rank_ix
        from nearest n
    ),
    full_text as (
        select t.id as text_id, row_number() over (order by t.rank desc, t.id) as rank_ix
        from public.match_documents_text(query_terms, match_count * candidate_factor, p_user_id, p_include_shared,
                                         p_embedding_model) t
    ),
    -- fused_*: in PL/pgSQL the output columns (id, score, similarity) are variables; other names avoid clashes.
    fused as (
        select coalesce(s.near_id, f.text_id) as fused_id,
               coalesce(semantic_weight / (rrf_k + s.rank_ix), 0.0)
             + coalesce(full_text_weight / (rrf_k + f.rank_ix), 0.0) as fused_score,
               s.near_similarity as fused_similarity
        from semantic s full outer join full_text f on f.text_id = s.near_id
        order by fused_score desc, fused_id
        limit greatest(match_count, 0)
    )
    select m.id, m.content, m.metadata, fu.fused_score::float, fu.fused_similarity::float, m.document_id,
           m.chunk_index, m.owner_id, m.heading_path, d.source_uri, d.title
    from fused fu
    join public.agent_memory m on m.id = fu.fused_id
    left join public.documents d on d.id = m.document_id
    order by fu.fused_score desc, m.id
    limit greatest(match_count, 0);
end;
$$;
