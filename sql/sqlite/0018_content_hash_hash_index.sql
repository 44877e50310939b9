-- 0018 (embedded store) Nothing to change: sql/0018_content_hash_hash_index.sql makes PostgreSQL's chunk-hash index
-- a hash index; SQLite has only B-trees. The version exists so both stores list the same migrations.
select 1;
