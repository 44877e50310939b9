// NightshiftJobs: one type per job (ingest, reindex, stats, reports, mining, notifications).
