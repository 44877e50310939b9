-- 0021 (embedded store) Nothing to change: sql/0021_search_as_users.sql lets PostgreSQL's `authenticated` role
-- read what the search functions need under row-level security; the embedded store has no roles and its search
-- methods take the user they act for. The version exists so both stores list the same migrations.
select 1;
