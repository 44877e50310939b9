-- 0013 Cheaper chunk writes: a first load into PostgreSQL twice as fast.
--
-- A profile of a first load (`nightshift bench ingest`, 10 KB documents, ~2 KB chunks, 1536-dimension vectors)
-- found most of the server's side of each chunk's COPY in work the writer had already done or that bought little:
--   * about 30 % compressing text with pglz. Each row (6 KB of vector, 2 KB of content, its search_text and its
--     tsvector) was over the 2 KB TOAST target, so PostgreSQL compressed content, search_text and search_tsv one
--     after the other, and then moved the vector out of line anyway;
--   * about 20 % parsing search_text into search_tsv (the generated column of 0008), though the writer had
--     just made those terms.
-- Now:
--   * search_tsv is an ordinary column. Nightshift writes the tsvector of its terms itself (binary COPY: the
--     terms, their positions) and no longer stores search_text. A trigger fills search_tsv as the generated
--     column did for any row written without one (PostgREST, psql), and again when another writer changes a
--     row's text without giving a new tsvector. Same lexemes and positions as to_tsvector('simple') of the terms
--     (a test compares them), so the postings and BM25 scores are unchanged.
--   * agent_memory keeps rows of up to 8 KB whole (toast_tuple_target = 8160) and never compresses content
--     (storage external): the 6 KB vector goes out of line as before, the chunk's text stays in the row,
--     uncompressed. A 2 KB chunk takes about 1 KB more than compressed (its vector is 6 KB either way), and
--     reading it needs no TOAST fetch or decompression.
--   * documents.content (each document's whole text, for reindex) is compressed with lz4 where the server has
--     it (Supabase's does). Where it has not, it is stored uncompressed: pglz on it was a third of the server's
--     time in a load, for text that takes less room than the document's vectors anyway.
-- Existing rows keep their storage until rewritten.
--
-- Apply by hand with: psql "$DATABASE_URL" -1 -v ON_ERROR_STOP=1 -f sql/0013_chunk_writes.sql

set search_path = public, extensions;

alter table public.agent_memory alter column search_tsv drop expression;

-- The generated column's expression, for writers that do not give search_tsv.
create or replace function public.agent_memory_search_tsv()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    new.search_tsv := pg_catalog.to_tsvector('simple'::regconfig,
        coalesce(new.search_text, public.nightshift_join_words(new.heading_path) || ' ' || new.content));
    return new;
end;
$$;
revoke all on function public.agent_memory_search_tsv() from public, anon, authenticated;

create trigger agent_memory_search_tsv_insert before insert on public.agent_memory
    for each row when (new.search_tsv is null)
    execute function public.agent_memory_search_tsv();
-- An update that changes the text but leaves search_tsv as it was (a writer that does not know the column).
-- Nightshift gives the tsvector with its updates, possibly equal to the old one (a heading changed only in case),
-- and says so with the transaction-local setting nightshift.search_tsv_given.
create trigger agent_memory_search_tsv_update before update of content, heading_path, search_text
    on public.agent_memory
    for each row when (new.search_tsv is not distinct from old.search_tsv
                       and (new.content, new.heading_path, new.search_text)
                           is distinct from (old.content, old.heading_path, old.search_text)
                       and coalesce(current_setting('nightshift.search_tsv_given', true), '') <> 'on')
    execute function public.agent_memory_search_tsv();

alter table public.agent_memory set (toast_tuple_target = 8160);
alter table public.agent_memory alter column content set storage external;

do $$
begin
    alter table public.documents alter column content set compression lz4;
exception when feature_not_supported or invalid_parameter_value then
    raise notice 'lz4 is not available on this server: documents.content is stored uncompressed';
    alter table public.documents alter column content set storage external;
end;
$$;
