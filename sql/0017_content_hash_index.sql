-- 0017: a paid vector is found by its hash through an index.
--
-- Before buying an embedding, ingestion looks for a vector stored under the same chunk hash (text and model) in
-- any document (`embeddings(contentHashes:)`: `where content_hash = any($1)`). The only index holding
-- content_hash was (document_id, content_hash), whose leading column that lookup does not give: every batch of a
-- paid run read the whole index (PostgreSQL 15-17; 18's skip scan descends once per document instead), 14 MB at
-- 100,000 chunks and growing with the table. The composite's other uses (a document's chunks and their hashes,
-- the cascade from documents) are served by idx_agent_memory_document on document_id, so the composite becomes an
-- index on content_hash alone: the same number of indexes for every write to maintain.
--
-- Builds an index: on a large table, build it concurrently first, outside a transaction:
--   create index concurrently idx_agent_memory_content_hash on public.agent_memory (content_hash);
--
-- Apply by hand with: psql "$DATABASE_URL" -1 -v ON_ERROR_STOP=1 -f sql/0017_content_hash_index.sql

drop index if exists public.idx_agent_memory_document_hash;
create index if not exists idx_agent_memory_content_hash on public.agent_memory (content_hash);
