-- 0007 The extracted text of each document, kept so that `nightshift reindex` (new embedding model, new chunking
-- settings) re-chunks and re-embeds without fetching or reading the sources again, and exactly the text that
-- was ingested (offsets in agent_memory refer to it). Headings (for heading paths) go in metadata.
--
-- Apply by hand with: psql "$DATABASE_URL" -1 -v ON_ERROR_STOP=1 -f sql/0007_document_content.sql

alter table public.documents add column content text;
-- Large texts are compressed and stored out of line by TOAST; nothing to tune.
