-- 0015 (embedded store) Nothing to change: sql/0015_halfvec_index.sql rebuilds PostgreSQL's HNSW index over
-- half-precision vectors; the embedded store searches its vectors in Swift as before. The version exists so both
-- stores list the same migrations.
select 1;
