-- 0012 (embedded store) Nothing to change: sql/0012_search_latency.sql makes PostgreSQL's search functions cheaper
-- per call; the embedded store ranks in Swift. The version exists so both stores list the same migrations.
select 1;
