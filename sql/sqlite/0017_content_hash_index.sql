-- 0017 (embedded store) As sql/0017_content_hash_index.sql: vectors are looked up by chunk hash alone (before a
-- paid embedding is bought), which the (document_id, content_hash) index could not serve; a document's chunks
-- are found through idx_agent_memory_document.
drop index if exists idx_agent_memory_document_hash;
create index if not exists idx_agent_memory_content_hash on agent_memory(content_hash);
