-- Completing a batch of held jobs as a set (the worker's --batch of
-- short jobs): job_complete() per job is four statements and a call
-- with its own search_path each; job_complete_many() does the same
-- work in a few statements for the whole batch.
--
-- job_complete_many(worker, ids, result keys, thumb keys) returns one
-- row (n, result) per job it completed or failed, n its 1-based place
-- in ids and result as job_complete() would return it ('completed',
-- 'insufficient_tokens'); a job missing from the answer was not held
-- by worker ('lost_lease'), and so is the second of a repeated id.
-- Exactly as if job_complete() were called for each id in order:
--   1. the users of the batch are locked (id order, so two workers
--      never lock users in opposite orders; a job's user_id never
--      changes), so their balances hold still;
--   2. one statement completes, per user, the held jobs (in the order
--      given) whose running sum of cost the balance covers: one UPDATE
--      of the jobs (which locks each and checks again that worker holds
--      it), one UPDATE of each user by the sum of what was completed,
--      one ledger row per job (balance_after the running balance);
--   3. the jobs still held (the first one a balance did not cover and
--      the user's jobs after it) go through job_complete() one by one
--      in order: FAILED insufficient_tokens, or a cheaper one debited.
-- The unique ledger index still refuses a second debit of a job (the
-- whole call then fails and commits nothing).
CREATE FUNCTION job_complete_many(p_worker text, p_ids bigint[],
    p_results text[], p_thumbs text[])
    RETURNS TABLE (n bigint, result text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    r record;
BEGIN
    PERFORM 1 FROM users u
      WHERE u.id IN (SELECT j.user_id FROM jobs j
                      WHERE j.id = ANY (p_ids) AND j.locked_by = p_worker)
      ORDER BY u.id FOR UPDATE;
    RETURN QUERY
    WITH a AS (
        SELECT DISTINCT ON (x.id) x.id, x.r, x.t, x.n
          FROM unnest(p_ids, p_results, p_thumbs) WITH ORDINALITY
               AS x(id, r, t, n)
         ORDER BY x.id, x.n
    ), c AS (
        SELECT a.id, a.r, a.t, a.n, u.balance,
               sum(j.cost) OVER (PARTITION BY j.user_id ORDER BY a.n)
                   AS run
          FROM a JOIN jobs j ON j.id = a.id
          JOIN users u ON u.id = j.user_id
         WHERE j.locked_by = p_worker AND NOT job_status_terminal(j.status)
    ), done AS (
        UPDATE jobs j SET status = 'COMPLETED', result_key = c.r,
               thumb_key = c.t, finished_at = now(),
               locked_by = NULL, locked_until = NULL,
               error_code = NULL, error_message = NULL
          FROM c
         WHERE j.id = c.id AND c.run <= c.balance
           AND j.locked_by = p_worker AND NOT job_status_terminal(j.status)
        RETURNING j.id, j.user_id, j.cost, j.kind, c.n, c.balance
    ), d AS (
        SELECT done.*, sum(done.cost) OVER (PARTITION BY done.user_id
                                            ORDER BY done.n) AS run
          FROM done
    ), debit AS (
        UPDATE users u SET balance = u.balance - s.total
          FROM (SELECT d.user_id, sum(d.cost) AS total FROM d
                 GROUP BY d.user_id) s
         WHERE u.id = s.user_id AND s.total > 0
    ), lg AS (
        INSERT INTO ledger (user_id, kind, amount, balance_after, job_id,
                            note)
        SELECT d.user_id, 'debit', -d.cost, d.balance - d.run, d.id,
               d.kind::text
          FROM d WHERE d.cost > 0 ORDER BY d.n
    )
    SELECT d.n, 'completed'::text FROM d;
    -- A user's jobs past the first one the balance did not cover.
    FOR r IN
        SELECT * FROM (
            SELECT DISTINCT ON (x.id) x.id, x.r, x.t, x.n
              FROM unnest(p_ids, p_results, p_thumbs) WITH ORDINALITY
                   AS x(id, r, t, n)
              JOIN jobs j ON j.id = x.id
             WHERE j.locked_by = p_worker
               AND NOT job_status_terminal(j.status)
             ORDER BY x.id, x.n) y
         ORDER BY y.n
    LOOP
        n := r.n;
        result := job_complete(r.id, p_worker, r.r, r.t);
        RETURN NEXT;
    END LOOP;
END $$;

-- Per-row triggers on jobs that had nothing to do for most updates now
-- fire only when they have: a job's stored objects are forgotten only
-- if it had some (job_objects_gone() did nothing otherwise), and a
-- slot or a parked flag is cleared at the end only if there is one
-- (job_slot_end() only cleared them).
DROP TRIGGER jobs_objects_gone ON jobs;
CREATE TRIGGER jobs_objects_gone AFTER DELETE OR UPDATE OF result_key,
    thumb_key ON jobs FOR EACH ROW
    WHEN (OLD.result_key IS NOT NULL OR OLD.thumb_key IS NOT NULL)
    EXECUTE FUNCTION job_objects_gone();
DROP TRIGGER jobs_slot_end ON jobs;
CREATE TRIGGER jobs_slot_end BEFORE UPDATE ON jobs FOR EACH ROW
    WHEN (job_status_terminal(NEW.status)
          AND (NEW.slot_provider IS NOT NULL OR NEW.slot_wanted IS NOT NULL
               OR NEW.slot_wanted_at IS NOT NULL OR NEW.parked))
    EXECUTE FUNCTION job_slot_end();

-- The worker completes its batches with it (the API's agents complete
-- one job at a time with job_complete()).
DO $$
DECLARE
    wrk text := current_database() || '_worker';
    f text := 'job_complete_many(text, bigint[], text[], text[])';
BEGIN
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = wrk) THEN
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', f, wrk);
    END IF;
END $$;
