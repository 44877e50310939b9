-- 0008 Full-text search by BM25 over the embedder's own terms.
--
-- 0005 ranked chunks with ts_rank_cd over an 'english' tsvector of the content. ts_rank_cd has no inverse document
-- frequency, and on the SciFact benchmark it pulled hybrid search below the vector side alone. Now:
--   * writers store each chunk's search terms (`search_text`: Nightshift's tokenizer — lower case, accents folded,
--     stop words dropped, light stemming — the same terms the local embedder hashes) and their number;
--   * `search_tsv` indexes those terms as they are ('simple' configuration: no second stemming);
--   * `search_stats` keeps, per embedding model, the number of chunks and of terms (for BM25's length
--     normalisation), maintained by the store in the same transactions as the chunks;
--   * `match_documents_text` scores BM25 (k1, b) with document frequencies counted from the GIN index.
-- Rows written without search_text (by other writers) are indexed by their raw words.
--
-- Apply by hand with: psql "$DATABASE_URL" -1 -v ON_ERROR_STOP=1 -f sql/0008_bm25_search.sql

set search_path = public, extensions;

drop function if exists public.hybrid_search(text, vector, int, uuid, boolean, text, float, float, int, int);
drop function if exists public.match_documents_text(text, int, uuid, boolean, text);
alter table public.agent_memory drop column content_tsv;

alter table public.agent_memory add column search_text text;
alter table public.agent_memory add column term_count integer check (term_count >= 0);
alter table public.agent_memory
    add column search_tsv tsvector
    generated always as (to_tsvector('simple'::regconfig,
        coalesce(search_text, public.nightshift_join_words(heading_path) || ' ' || content))) stored;
create index idx_agent_memory_search_tsv on public.agent_memory using gin (search_tsv);

create table public.search_stats (
    embedding_model text primary key,
    chunks bigint not null default 0 check (chunks >= 0),
    terms bigint not null default 0 check (terms >= 0)
);
alter table public.search_stats enable row level security;

insert into public.search_stats (embedding_model, chunks, terms)
select embedding_model, count(*), coalesce(sum(term_count), 0)
from public.agent_memory where embedding_model is not null
group by embedding_model;

-- BM25 over the chunks of one model visible to the caller (scoping as match_documents, see 0002).
-- query_terms: the query's terms, produced by the same tokenizer as search_text.
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
    cross join lateral unnest(c.search_tsv) as u
    join weights w on w.term = u.lexeme
    group by c.id
    order by score desc, c.id
    limit greatest(match_count, 0);
end;
$$;

-- Hybrid search: vector and BM25 candidates fused by reciprocal rank fusion,
-- score = semantic_weight / (rrf_k + vector rank) + full_text_weight / (rrf_k + text rank).
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
    )
    select m.id, m.content, m.metadata, fu.score, fu.similarity, m.document_id, m.chunk_index, m.owner_id,
           m.heading_path, d.source_uri, d.title
    from fused fu
    join public.agent_memory m on m.id = fu.id
    left join public.documents d on d.id = m.document_id
    order by fu.score desc, m.id
    limit greatest(match_count, 0)
$$;
