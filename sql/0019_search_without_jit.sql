-- 0019: the search functions never JIT-compile their queries.
--
-- PostgreSQL decides to JIT-compile a query from its estimated cost alone (`jit_above_cost`, 100,000 by default,
-- with `jit = on` by default up to version 18 on servers built with LLVM). The planner's estimate for an HNSW
-- scan is large whatever the table's size: hybrid_search's generic plan is estimated at ~130,000 (10,040
-- chunks), so on such a server every chat turn would compile its query before running it. Compiling takes
-- milliseconds, more than the 3-4 ms the whole search takes here, and the cost is paid on every execution (the
-- compiled code is not kept with a cached plan). The functions run without JIT whatever the server's setting;
-- other queries keep it.
--
-- Apply by hand with: psql "$DATABASE_URL" -1 -v ON_ERROR_STOP=1 -f sql/0019_search_without_jit.sql

set search_path = public, extensions;

alter function public.match_documents(vector, int, jsonb, uuid, boolean, text) set jit = off;
alter function public.match_documents_text(text[], int, uuid, boolean, text, float, float) set jit = off;
alter function public.hybrid_search(text[], vector, int, uuid, boolean, text, float, float, int, int) set jit = off;
