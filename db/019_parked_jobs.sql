-- Parked jobs, provider slots in the database, and webhook tokens.
--
-- A job waiting on a hosted provider no longer holds a worker process:
-- once the vendor accepted it, the worker parks it (status RUNNING,
-- provider_ref "NAME:ID", parked, run_after = its next check) and lets go
-- of it; a worker claims it again when run_after comes (or a webhook set
-- run_after = now()) for one status call.  A job waiting for a provider
-- slot is parked the same way in QUEUED.  Claiming a parked job does not
-- count an attempt: parking is not a failure.
--
-- Slots: a job holds one of its provider's max_concurrency slots while
-- slot_provider names it.  slot_acquire() grants one under a per-provider
-- transaction lock when fewer jobs hold one than the limit and no job
-- asked earlier (first come, first served); a job refused waits parked,
-- with slot_wanted and slot_wanted_at.  A slot goes back when the worker
-- clears slot_provider (the provider answered), when the job is retried
-- (queue_retry), and whenever the job ends (COMPLETED, FAILED, a cancel:
-- the trigger below), whoever ends it; the oldest waiter is woken then.
-- A crashed worker's job keeps its slot until the job is rescued and
-- ends: the vendor may still be working on it.

ALTER TABLE jobs
    ADD COLUMN parked boolean NOT NULL DEFAULT false,
    ADD COLUMN park_checks int NOT NULL DEFAULT 0,
    ADD COLUMN park_since timestamptz,
    ADD COLUMN slot_provider text CHECK (length(slot_provider) <= 64),
    ADD COLUMN slot_wanted text CHECK (length(slot_wanted) <= 64),
    ADD COLUMN slot_wanted_at timestamptz,
    ADD COLUMN hook_token_hash text CHECK (length(hook_token_hash) = 64);

CREATE INDEX jobs_slot_held ON jobs (slot_provider)
    WHERE slot_provider IS NOT NULL;
CREATE INDEX jobs_slot_waiting ON jobs (slot_wanted, slot_wanted_at, id)
    WHERE slot_wanted IS NOT NULL;
CREATE UNIQUE INDEX jobs_hook_token ON jobs (hook_token_hash)
    WHERE hook_token_hash IS NOT NULL;
-- When the next parked job is due (an idle worker's wait).
CREATE INDEX jobs_parked ON jobs (run_after) WHERE parked;

-- A job that ends gives back its slot and its place in a slot's line.
CREATE FUNCTION job_slot_end() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF job_status_terminal(NEW.status) THEN
        NEW.slot_provider := NULL;
        NEW.slot_wanted := NULL;
        NEW.slot_wanted_at := NULL;
        NEW.parked := false;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER jobs_slot_end BEFORE UPDATE ON jobs
    FOR EACH ROW EXECUTE FUNCTION job_slot_end();

-- A slot given back: the oldest job waiting for that provider is due now.
CREATE FUNCTION job_slot_freed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE jobs SET run_after = now()
     WHERE id = (SELECT id FROM jobs
                  WHERE slot_wanted = OLD.slot_provider
                    AND NOT job_status_terminal(status)
                  ORDER BY slot_wanted_at, id LIMIT 1)
       AND run_after > now();
    PERFORM pg_notify('primerka_jobs', 'slot');
    RETURN NULL;
END $$;
CREATE TRIGGER jobs_slot_freed AFTER UPDATE OF slot_provider, status ON jobs
    FOR EACH ROW WHEN (OLD.slot_provider IS NOT NULL AND
                       NEW.slot_provider IS NULL)
    EXECUTE FUNCTION job_slot_freed();
CREATE TRIGGER jobs_slot_deleted AFTER DELETE ON jobs
    FOR EACH ROW WHEN (OLD.slot_provider IS NOT NULL)
    EXECUTE FUNCTION job_slot_freed();

-- Take one of p_provider's p_max slots for job p_job, held by p_worker.
-- 'acquired' (also when the job holds one already), 'wait' (the job is
-- now in the provider's line), 'timeout' (it waited p_wait seconds or
-- more; it leaves the line), 'lost' (not this worker's job any more).
CREATE FUNCTION slot_acquire(p_job bigint, p_worker text, p_provider text,
    p_max int, p_wait int) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    j jobs%ROWTYPE;
    held int;
BEGIN
    PERFORM pg_advisory_xact_lock(7370, hashtext(p_provider));
    SELECT * INTO j FROM jobs WHERE id = p_job FOR UPDATE;
    IF NOT FOUND OR job_status_terminal(j.status)
       OR j.locked_by IS DISTINCT FROM p_worker THEN
        RETURN 'lost';
    END IF;
    IF j.slot_provider = p_provider THEN
        RETURN 'acquired';
    END IF;
    SELECT count(*) INTO held FROM jobs WHERE slot_provider = p_provider;
    IF held < p_max AND NOT EXISTS (
        SELECT 1 FROM jobs w
         WHERE w.slot_wanted = p_provider AND w.id <> p_job
           AND NOT job_status_terminal(w.status)
           AND (w.slot_wanted_at, w.id) <
               (coalesce(j.slot_wanted_at, now()), p_job)) THEN
        UPDATE jobs SET slot_provider = p_provider, slot_wanted = NULL,
               slot_wanted_at = NULL
         WHERE id = p_job;
        RETURN 'acquired';
    END IF;
    IF j.slot_wanted_at IS NOT NULL AND
       j.slot_wanted_at + make_interval(secs => p_wait) <= now() THEN
        UPDATE jobs SET slot_wanted = NULL, slot_wanted_at = NULL
         WHERE id = p_job;
        RETURN 'timeout';
    END IF;
    UPDATE jobs SET slot_wanted = p_provider,
           slot_wanted_at = coalesce(slot_wanted_at, now())
     WHERE id = p_job;
    RETURN 'wait';
END $$;

-- A vendor's webhook for the job whose token hashes to p_hash, when its
-- provider_ref is p_provider's: the job is due now (one status call by a
-- worker decides; the webhook's body is never trusted).  'woken',
-- 'finished' (the job ended: nothing to do) or 'unknown'.
CREATE FUNCTION job_hook_wake(p_provider text, p_hash text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    j jobs%ROWTYPE;
BEGIN
    SELECT * INTO j FROM jobs WHERE hook_token_hash = p_hash;
    IF NOT FOUND OR j.provider_ref IS NULL
       OR split_part(j.provider_ref, ':', 1) <> p_provider THEN
        RETURN 'unknown';
    END IF;
    IF job_status_terminal(j.status) THEN
        RETURN 'finished';
    END IF;
    UPDATE jobs SET run_after = now()
     WHERE id = j.id AND parked AND run_after > now();
    PERFORM pg_notify('primerka_jobs', 'hook');
    RETURN 'woken';
END $$;

REVOKE EXECUTE ON FUNCTION slot_acquire(bigint, text, text, int, int)
    FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION job_hook_wake(text, text) FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles
                WHERE rolname = current_database() || '_worker') THEN
        EXECUTE format('GRANT EXECUTE ON FUNCTION '
            'slot_acquire(bigint, text, text, int, int) TO %I',
            current_database() || '_worker');
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles
                WHERE rolname = current_database() || '_api') THEN
        EXECUTE format('GRANT EXECUTE ON FUNCTION '
            'job_hook_wake(text, text) TO %I',
            current_database() || '_api');
    END IF;
END $$;
