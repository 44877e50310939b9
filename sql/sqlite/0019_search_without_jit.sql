-- 0019 (embedded store) Nothing to change: sql/0019_search_without_jit.sql turns PostgreSQL's JIT compilation off
-- for its search functions; the embedded store searches in Swift. The version exists so both stores list the same
-- migrations.
select 1;
