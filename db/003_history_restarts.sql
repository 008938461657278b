-- Record a transition into the same status too when it starts a new
-- attempt (a rescued job restarting at VALIDATING), so the history shows
-- every restart.
CREATE OR REPLACE FUNCTION job_status_history() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status
       OR NOT EXISTS (SELECT 1 FROM job_events
                       WHERE job_id = NEW.id AND status = NEW.status
                         AND attempt = NEW.attempts) THEN
        INSERT INTO job_events (job_id, status, attempt)
            VALUES (NEW.id, NEW.status, NEW.attempts);
        NEW.updated_at := clock_timestamp();
    END IF;
    RETURN NEW;
END $$;

-- Wake workers when a photo waits for its quality check.
CREATE FUNCTION photo_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('primerka_jobs', 'photo');
    RETURN NULL;
END $$;
CREATE TRIGGER photos_notify AFTER INSERT ON photos
    FOR EACH ROW EXECUTE FUNCTION photo_notify();
CREATE INDEX photos_pending ON photos (id) WHERE status = 'pending';
