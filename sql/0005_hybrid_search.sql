-- 0005 Hybrid search: full-text ranking on agent_memory, fused with vector similarity.
--
-- Apply by hand with: psql "$DATABASE_URL" -1 -v ON_ERROR_STOP=1 -f sql/0005_hybrid_search.sql

set search_path = public, extensions;

-- array_to_string is only STABLE (it could depend on settings for other element types); for text[] it is
-- deterministic, which a generated column needs declared.
create or replace function public.nightshift_join_words(words text[]) returns text
language sql immutable parallel safe
set search_path = ''
as $$ select pg_catalog.array_to_string(words, ' ') $$;

-- The text search vector of each chunk ('english': stemming and stop words), kept in step by PostgreSQL itself,
-- so COPY and every writer fill it without knowing. Heading path and title words count too.
alter table public.agent_memory
    add column content_tsv tsvector
    generated always as (to_tsvector('english'::regconfig, coalesce(public.nightshift_join_words(heading_path), '') || ' ' || content)) stored;

create index idx_agent_memory_content_tsv on public.agent_memory using gin (content_tsv);
-- A search never mixes embedding models; most queries filter on it.
create index idx_agent_memory_model on public.agent_memory (embedding_model);

-- Full-text search with the same scoping rules as match_documents (see its comment in 0002).
-- Ranking: ts_rank_cd with length normalisation 1 (divides by 1 + log(length)); websearch_to_tsquery with the
-- query's terms OR-ed, so a natural-language question matches documents that share some of its words.
create or replace function public.match_documents_text(
    query_text text,
    match_count int default 5,
    p_user_id uuid default null,
    p_include_shared boolean default true,
    p_embedding_model text default null
)
returns table (id uuid, rank real)
language plpgsql
stable
set search_path = public, extensions
as $$
declare
    v_user uuid := coalesce(p_user_id, auth.uid());
    v_query tsquery;
begin
    -- OR the query's lexemes: plainto_tsquery would AND them and find nothing for long questions.
    select string_agg(quote_literal(lexeme), ' | ')::tsquery
    into v_query
    from unnest(to_tsvector('english'::regconfig, query_text)) as t(lexeme, positions, weights);
    if v_query is null then
        return;
    end if;
    return query
    select m.id, ts_rank_cd(m.content_tsv, v_query, 1) as rank
    from public.agent_memory m
    where m.content_tsv @@ v_query
      and (p_embedding_model is null or m.embedding_model = p_embedding_model)
      and (
            (p_include_shared and m.owner_id is null and m.conversation_id is null)
         or (v_user is not null and m.owner_id = v_user)
         or (v_user is not null and m.conversation_id is not null and exists (
                select 1 from public.agent_conversations c
                where c.id = m.conversation_id and c.user_id = v_user))
      )
    order by rank desc, m.id
    limit greatest(match_count, 0);
end;
$$;

-- Hybrid search: vector and full-text candidates fused by reciprocal rank fusion,
-- score = Σ weight / (rrf_k + rank). Candidates: match_count × candidate_factor from each side.
create or replace function public.hybrid_search(
    query_text text,
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
        from public.match_documents_text(query_text, match_count * candidate_factor, p_user_id, p_include_shared,
                                         p_embedding_model) t
    ),
    fused as (
        select coalesce(s.id, f.id) as id,
               coalesce(semantic_weight / (rrf_k + s.rank_ix), 0.0)
             + coalesce(full_text_weight / (rrf_k + f.rank_ix), 0.0) as score,
               s.similarity
        from semantic s full outer join full_text f on f.id = s.id
    )
    select m.id, m.content, m.metadata, fu.score, fu.similarity, m.document_id, m.chunk_index, m.owner_id,
           m.heading_path, d.source_uri, d.title
    from fused fu
    join public.agent_memory m on m.id = fu.id
    left join public.documents d on d.id = m.document_id
    order by fu.score desc, m.id
    limit greatest(match_count, 0)
$$;
