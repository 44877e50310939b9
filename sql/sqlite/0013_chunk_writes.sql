-- 0013 (embedded store) Nothing to change: sql/0013_chunk_writes.sql lets Nightshift write PostgreSQL's search_tsv
-- itself and stops compressing chunk text there; the embedded store indexes its terms with FTS5 as before. The
-- version exists so both stores list the same migrations.
select 1;
