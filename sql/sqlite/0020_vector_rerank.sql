-- 0020 (embedded store) Nothing to change: sql/0020_vector_rerank.sql makes PostgreSQL's vector search re-rank
-- more candidates in full precision; the embedded store's vector search is exact. The version exists so both
-- stores list the same migrations.
select 1;
