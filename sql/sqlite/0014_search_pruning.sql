-- 0014 (embedded store) Nothing to change: sql/0014_search_pruning.sql makes PostgreSQL's match_documents_text skip
-- the postings of common terms where they cannot change the top results, and hybrid_search read its vector
-- candidates without their text; the embedded store ranks in Swift as before. The version exists so both stores
-- list the same migrations.
select 1;
