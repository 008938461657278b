-- /metrics: every table gauge is an index scan of recent rows or an
-- index-only scan (fcgi/health.c).  Measured with EXPLAIN ANALYZE on
-- 100 000 jobs, 500 000 job events, 50 000 provider charges: jobs by
-- kind and status and the providers' charges were sequential scans of
-- the whole table (40 ms, 22 ms); these indexes make them index-only
-- scans (VACUUM keeps the visibility map current).
CREATE INDEX jobs_kind_status ON jobs (kind, status);
CREATE INDEX job_credits_provider ON job_credits (provider) INCLUDE (credits);
CREATE INDEX purchases_status ON purchases (status) INCLUDE (stars, tokens);
