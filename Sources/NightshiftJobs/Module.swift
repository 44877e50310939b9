// NightshiftJobs
