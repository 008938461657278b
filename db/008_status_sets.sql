-- The job status subsets, spelled once in SQL (lib/jobs.c spells the same
-- sets once in C; t/test_jobs.c holds the two equal).
--   terminal:    a job there is finished (COMPLETED, FAILED).
--   cancellable: the user may still cancel it (nothing paid for yet).
--   claimable:   a worker may claim it (any status that is not terminal).
-- Plain SQL functions, IMMUTABLE, so the planner inlines them and the
-- partial index on unfinished jobs still matches.

CREATE FUNCTION job_status_terminal(s job_status) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT s IN ('COMPLETED', 'FAILED');
$$;

CREATE FUNCTION job_status_cancellable(s job_status) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT s IN ('RECEIVED', 'VALIDATING', 'MODERATING', 'PROMPTING',
                 'QUEUED');
$$;

CREATE FUNCTION job_status_claimable(s job_status) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT NOT job_status_terminal(s);
$$;

-- Tokens held by a user's unfinished jobs.
CREATE OR REPLACE FUNCTION tokens_reserved(p_user bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(cost), 0)::bigint FROM jobs
     WHERE user_id = p_user AND NOT job_status_terminal(status);
$$;

-- Move a job the worker holds to COMPLETED and debit its cost, in one
-- transaction.  Returns 'completed', 'lost_lease' when the caller no
-- longer holds the job, or 'insufficient_tokens' (the job is then FAILED
-- and not charged).  The unique index on ledger makes a second debit
-- for the same job impossible even if this were called twice.
CREATE OR REPLACE FUNCTION job_complete(p_job bigint, p_worker text,
    p_result_key text, p_thumb_key text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    j jobs%ROWTYPE;
    b bigint;
BEGIN
    SELECT * INTO j FROM jobs WHERE id = p_job FOR UPDATE;
    IF NOT FOUND OR job_status_terminal(j.status)
       OR j.locked_by IS DISTINCT FROM p_worker THEN
        RETURN 'lost_lease';
    END IF;
    UPDATE users SET balance = balance - j.cost
     WHERE id = j.user_id AND balance >= j.cost
     RETURNING balance INTO b;
    IF NOT FOUND THEN
        UPDATE jobs SET status = 'FAILED', error_code = 'insufficient_tokens',
               error_message = 'not enough tokens at completion',
               finished_at = now(), locked_by = NULL, locked_until = NULL
         WHERE id = p_job;
        RETURN 'insufficient_tokens';
    END IF;
    IF j.cost > 0 THEN
        INSERT INTO ledger (user_id, kind, amount, balance_after, job_id, note)
            VALUES (j.user_id, 'debit', -j.cost, b, j.id, j.kind::text);
    END IF;
    UPDATE jobs SET status = 'COMPLETED', result_key = p_result_key,
           thumb_key = p_thumb_key, finished_at = now(),
           locked_by = NULL, locked_until = NULL,
           error_code = NULL, error_message = NULL
     WHERE id = p_job;
    RETURN 'completed';
END $$;
