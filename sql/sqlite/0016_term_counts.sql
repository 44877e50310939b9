-- 0016 (embedded store) Nothing to change: sql/0016_term_counts.sql keeps PostgreSQL's document frequencies in a
-- table beside its BM25 postings; the embedded store ranks with FTS5 and Swift as before. The version exists so
-- both stores list the same migrations.
select 1;
