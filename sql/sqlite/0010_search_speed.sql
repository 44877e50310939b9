-- 0010 (embedded store) Nothing to change: sql/0010_search_speed.sql tunes PostgreSQL's search functions, which
-- the embedded store implements in Swift. The version exists so both stores list the same migrations.
select 1;
