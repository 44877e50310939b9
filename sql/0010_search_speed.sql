-- 0010 Search speed on PostgreSQL.
--
-- 1. match_documents: the planner costs a scan of agent_memory by its main heap alone, but each 1536-dimension
--    vector (6 KB) lives out of line in TOAST. On tables of a few thousand to tens of thousands of chunks it chose
--    a sequential scan, or a scan of the b-tree on embedding_model, that detoasts and compares every vector
--    (44 ms for 9,000 chunks) over the HNSW index (1-4 ms). Now the function runs with enable_seqscan off (a
--    penalty, not a ban: without the index, dropped during a bulk load, the sequential plan still runs) and its
--    model and sharing filters are written as expressions no b-tree serves, so the HNSW scan applies them
--    (pgvector's iterative scan, hnsw.iterative_scan = relaxed_order, set since 0002). Same results.
-- 2. match_documents_text: the same misjudgement made it read every chunk's tsvector from TOAST rather than use
--    the GIN index (41 ms against 4 ms to find 3,000 matches among 10,000 chunks): enable_seqscan off here too.
--    And BM25 unnested every lexeme of every candidate chunk (about 100 per chunk) to find the query's few; it now
--    keeps only the query's lexemes before unnesting (setweight + ts_filter, both C functions). Same scores.
--
-- Apply by hand with: psql "$DATABASE_URL" -1 -v ON_ERROR_STOP=1 -f sql/0010_search_speed.sql

set search_path = public, extensions;

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
          -- Written so that no b-tree index can serve them (see the header): the HNSW scan applies them.
          and coalesce(m.embedding_model, '') = coalesce(p_embedding_model, m.embedding_model, '')
          and (
                (p_include_shared and coalesce(m.owner_id, m.conversation_id) is null)
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
set enable_seqscan = off
as $$
declare
    v_user uuid := coalesce(p_user_id, auth.uid());
    v_query tsquery;
    v_chunks float;
    v_average float;
begin
    select string_agg(quote_literal(t), ' | ')::tsquery
    into v_query
    from (select distinct t from unnest(query_terms) as t where t <> '') q;
    if v_query is null then
        return;
    end if;
    select greatest(coalesce(sum(s.chunks), 0), 1)::float,
           greatest(coalesce(sum(s.terms), 0)::float / greatest(coalesce(sum(s.chunks), 0), 1), 1)
    into v_chunks, v_average
    from public.search_stats s
    where p_embedding_model is null or s.embedding_model = p_embedding_model;
    return query
    with terms as (
        select distinct t as term from unnest(query_terms) as t where t <> ''
    ),
    weights as materialized (
        select w.term,
               ln(1 + (v_chunks - w.df + 0.5) / (w.df + 0.5)) as idf
        from (
            select t.term, (
                select count(*) from public.agent_memory m
                where m.search_tsv @@ to_tsquery('simple', quote_literal(t.term))
                  and (p_embedding_model is null or m.embedding_model = p_embedding_model)
            )::float as df
            from terms t
        ) w
    ),
    candidates as (
        select m.id, m.search_tsv, coalesce(m.term_count, length(m.search_tsv))::float as len
        from public.agent_memory m
        where m.search_tsv @@ v_query
          and (p_embedding_model is null or m.embedding_model = p_embedding_model)
          and (
                (p_include_shared and m.owner_id is null and m.conversation_id is null)
             or (v_user is not null and m.owner_id = v_user)
             or (v_user is not null and m.conversation_id is not null and exists (
                    select 1 from public.agent_conversations c
                    where c.id = m.conversation_id and c.user_id = v_user))
          )
    )
    select c.id,
           sum(w.idf * (cardinality(u.positions) * (k1 + 1))
               / (cardinality(u.positions) + k1 * (1 - b + b * c.len / v_average)))::float as score
    from candidates c
    -- Only the query's lexemes of each chunk: mark them with weight A, keep weight A (both in C), then unnest.
    cross join lateral unnest(ts_filter(setweight(c.search_tsv, 'A', query_terms), '{a}')) as u
    join weights w on w.term = u.lexeme
    group by c.id
    order by score desc, c.id
    limit greatest(match_count, 0);
end;
$$;
