-- 0021: the full-text and hybrid search functions work for Supabase clients (`authenticated`, over RPC).
--
-- match_documents_text (and hybrid_search through it) run with the caller's rights (SECURITY INVOKER), like
-- match_documents: row-level security decides what a user may find. They read three internal tables that only
-- the owner and the service role could read, so as `authenticated` they failed ("permission denied for table
-- agent_memory_term_counts"), and search_stats, readable but without a policy, would have given them no rows
-- (wrong BM25 weights). Now `authenticated` may read:
--   * agent_memory_terms (the postings): exactly the postings of the chunks it may read in agent_memory (the
--     same rules as 0002's two policies there; each posting carries its chunk's owner and conversation), so a
--     user naming another user in p_user_id still finds only their own and the shared chunks;
--   * agent_memory_term_counts and search_stats: all rows. They are per-model counts over all chunks (a
--     term's number of chunks, the numbers of chunks and terms), which BM25's weights need, and which every
--     score returned to a user already reflects.
-- No write privilege is granted (the triggers keep these tables, as their owner). `anon` gets nothing: it
-- reads no chunk at all.
--
-- Apply by hand with: psql "$DATABASE_URL" -1 -v ON_ERROR_STOP=1 -f sql/0021_search_as_users.sql

set search_path = public, extensions;

grant select on public.agent_memory_terms, public.agent_memory_term_counts, public.search_stats to authenticated;

create policy "Authenticated users can read postings of visible memory"
    on public.agent_memory_terms for select
    to authenticated
    using (
        (owner_id is null and conversation_id is null)
        or owner_id = (select auth.uid())
        or (conversation_id is not null and exists (
            select 1 from public.agent_conversations c
            where c.id = agent_memory_terms.conversation_id
              and c.user_id = (select auth.uid())))
    );

create policy "Authenticated users can read term counts"
    on public.agent_memory_term_counts for select
    to authenticated
    using (true);

create policy "Authenticated users can read search statistics"
    on public.search_stats for select
    to authenticated
    using (true);
