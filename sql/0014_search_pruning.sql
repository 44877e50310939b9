-- 0014: less work per search call for the chat endpoint (same results as 0012).
--
-- The chat benchmark (hybrid retrieval, 10,040 chunks) spends most of the database's CPU in hybrid_search: one
-- backend, its ten questions, 4.2 ms a call, of which match_documents_text 2.4 ms and match_documents 1.3 ms.
--   * match_documents_text scored every posting of every query term; a question's common terms (thousands of
--     postings each) cost most and move the top of the ranking least. It now skips them where that provably
--     changes nothing (the MaxScore argument of Turtle and Flood, 1995):
--       1. the floor: the match_count-th best score of the highest-weighted term alone. At least match_count
--          chunks score that much or more, so the last of the top match_count does too.
--       2. the lowest-weighted terms whose weights add up to less than the floor are the "rest"; the others the
--          "main" terms. A term adds less than its weight to any score (tf / (tf + k1 * (...)) < 1), so a chunk
--          holding no main term scores less than the floor: it cannot be in the top match_count.
--       3. the main terms' postings are scored as before; a chunk whose main score plus the rest's weights is
--          below the match_count-th best main score is dropped (its full score cannot reach it); the rest's
--          postings are added to the chunks left, and those are ranked.
--     A question whose terms are all rare, or whose floor cannot be known (fewer matches than match_count), is
--     scored in full, as in 0012.
--   * hybrid_search read its vector candidates through match_documents, which fetches each candidate's content,
--     metadata and document for nothing (only the id and the similarity are fused), inside a second PL/pgSQL
--     call. The HNSW scan is now written into hybrid_search, with match_documents' filters and settings.
-- Same scores and order as 0012 (up to the rounding of a sum taken in another order): the postings test compares
-- match_documents_text with BM25 computed from the tsvectors, including questions pruned and not.
--
-- Apply by hand with: psql "$DATABASE_URL" -1 -v ON_ERROR_STOP=1 -f sql/0014_search_pruning.sql

set search_path = public, extensions;

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
        select count(*) into v_postings
        from public.agent_memory_terms p
        where p.term = v_term
          and (p_embedding_model is null or p.embedding_model = p_embedding_model);
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
    -- match_documents' candidates (0010), without the columns fusion does not use.
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
        order by m.embedding <=> query_embedding
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
