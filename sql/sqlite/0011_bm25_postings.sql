-- 0011 (embedded store) Nothing to change: sql/0011_bm25_postings.sql gives PostgreSQL's BM25 function a postings
-- table; the embedded store ranks BM25 in Swift over its FTS5 index. The version exists so both stores list the
-- same migrations.
select 1;
