-- Indexes for what /metrics and the retention sweep scan on every run:
-- photos and results past their retention period.  Without them each
-- scrape read whole tables.
CREATE INDEX photos_created ON photos (created_at);
CREATE INDEX jobs_result_finished ON jobs (finished_at)
    WHERE status = 'COMPLETED' AND result_key IS NOT NULL;
