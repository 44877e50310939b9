-- 0018: the chunk-hash index becomes a hash index.
--
-- idx_agent_memory_content_hash (0017) serves one lookup: before buying an embedding, ingestion looks for a vector
-- stored under the same chunk hash (`where content_hash = any($1)`), equality only. As a B-tree over 64-character
-- hex strings in random order it was the costliest index a chunk insert maintains: measured on this project's
-- test server, 200,000 inserts spent 489 ms in it, against 165 ms for a hash index, which is also 3.3 times
-- smaller (24 MB -> 7.3 MB), so more of it stays cached. PostgreSQL's hash indexes are WAL-logged and crash-safe
-- since version 10, and serve `= any(array)` through a bitmap index scan; nothing sorts or ranges over the hash.
--
-- Builds an index: on a large table, build it concurrently first, outside a transaction:
--   create index concurrently idx_agent_memory_content_hash_new on public.agent_memory using hash (content_hash);
-- then apply this file (it drops the B-tree and renames yours).
--
-- Apply by hand with: psql "$DATABASE_URL" -1 -v ON_ERROR_STOP=1 -f sql/0018_content_hash_hash_index.sql

set search_path = public, extensions;

drop index if exists public.idx_agent_memory_content_hash;
do $$
begin
    if to_regclass('public.idx_agent_memory_content_hash_new') is not null then
        alter index public.idx_agent_memory_content_hash_new rename to idx_agent_memory_content_hash;
    else
        create index idx_agent_memory_content_hash on public.agent_memory using hash (content_hash);
    end if;
end;
$$;
