-- No object outlives its row.  When a row that names an S3 object goes
-- (or stops naming it), a trigger writes the object into pending_deletes
-- in the same transaction; the worker deletes the objects and the rows
-- of this table, retrying with backoff (lib/deletes.c).  bucket is the
-- bucket's role as in lib/app.c's app_bucket_names, not its configured
-- name.
CREATE TABLE pending_deletes (
    id          bigserial PRIMARY KEY,
    bucket      text NOT NULL CHECK (bucket IN ('user-photos', 'outfits',
                    'locations', 'results', 'videos')),
    object_key  text NOT NULL,
    attempts    int NOT NULL DEFAULT 0,
    next_try    timestamptz NOT NULL DEFAULT now(),
    last_error  text,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pending_deletes_due ON pending_deletes (next_try, id);
CREATE INDEX pending_deletes_key ON pending_deletes (bucket, object_key);

CREATE FUNCTION object_forget(p_bucket text, p_key text) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO pending_deletes (bucket, object_key)
        SELECT p_bucket, p_key WHERE p_key IS NOT NULL AND p_key <> '';
$$;

CREATE FUNCTION photo_object_gone() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM object_forget('user-photos', OLD.object_key);
    PERFORM pg_notify('primerka_jobs', 'deletes');
    RETURN NULL;
END $$;
CREATE TRIGGER photos_object_gone AFTER DELETE ON photos
    FOR EACH ROW EXECUTE FUNCTION photo_object_gone();

-- A job's result and thumbnail (or video and preview): on the row's
-- deletion, or when they are cleared or replaced.
CREATE FUNCTION job_objects_gone() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    b text := CASE WHEN OLD.kind = 'animation' THEN 'videos'
                   ELSE 'results' END;
BEGIN
    IF TG_OP = 'DELETE' OR NEW.result_key IS DISTINCT FROM OLD.result_key
    THEN
        PERFORM object_forget(b, OLD.result_key);
    END IF;
    IF TG_OP = 'DELETE' OR NEW.thumb_key IS DISTINCT FROM OLD.thumb_key
    THEN
        PERFORM object_forget(b, OLD.thumb_key);
    END IF;
    IF OLD.result_key IS NOT NULL OR OLD.thumb_key IS NOT NULL THEN
        PERFORM pg_notify('primerka_jobs', 'deletes');
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER jobs_objects_gone AFTER DELETE OR UPDATE OF result_key,
    thumb_key ON jobs FOR EACH ROW EXECUTE FUNCTION job_objects_gone();

CREATE FUNCTION catalog_object_gone() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.image_key IS DISTINCT FROM OLD.image_key
    THEN
        PERFORM object_forget(TG_ARGV[0], OLD.image_key);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER outfits_object_gone AFTER DELETE OR UPDATE OF image_key
    ON outfits FOR EACH ROW EXECUTE FUNCTION catalog_object_gone('outfits');
CREATE TRIGGER locations_object_gone AFTER DELETE OR UPDATE OF image_key
    ON locations FOR EACH ROW
    EXECUTE FUNCTION catalog_object_gone('locations');

-- Erasure by the user.  The users row stays, its names blanked: the
-- ledger and the purchases are kept for accounting (a Stars refund
-- needs the Telegram user id), and a user who comes back is the same
-- row, so there is no second welcome grant.
ALTER TABLE users ADD COLUMN erased_at timestamptz;

-- Delete job p_job of user p_user and kind p_kind with its objects (and
-- a try-on's animations).  'deleted', 'not_found', or 'running' when it
-- (or one of its animations) is being rendered: nothing deleted then.
CREATE FUNCTION job_erase(p_job bigint, p_user bigint, p_kind job_kind)
    RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM jobs WHERE id = p_job AND user_id = p_user
        AND kind = p_kind FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 'not_found';
    END IF;
    IF EXISTS (SELECT 1 FROM jobs WHERE (id = p_job OR source_job_id = p_job)
                  AND user_id = p_user
                  AND status IN ('RUNNING', 'UPLOADING')) THEN
        RETURN 'running';
    END IF;
    DELETE FROM jobs WHERE source_job_id = p_job AND user_id = p_user;
    DELETE FROM jobs WHERE id = p_job;
    RETURN 'deleted';
END $$;

-- Erase user p_user: every photo, job (with its results and videos) and
-- analytics event of theirs; their names.  The ledger and purchases
-- stay (their job references become NULL).  One row of counts; no row
-- when there is no such user.
CREATE FUNCTION user_erase(p_user bigint)
    RETURNS TABLE (photos bigint, jobs bigint, events bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    np bigint;
    nj bigint;
    ne bigint;
BEGIN
    PERFORM 1 FROM users WHERE id = p_user FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    DELETE FROM jobs WHERE user_id = p_user AND kind = 'animation';
    GET DIAGNOSTICS nj = ROW_COUNT;
    DELETE FROM jobs WHERE user_id = p_user;
    GET DIAGNOSTICS ne = ROW_COUNT;
    nj := nj + ne;
    DELETE FROM photos WHERE user_id = p_user;
    GET DIAGNOSTICS np = ROW_COUNT;
    DELETE FROM events WHERE user_id = p_user;
    GET DIAGNOSTICS ne = ROW_COUNT;
    UPDATE users SET first_name = '', last_name = '', username = '',
           erased_at = now() WHERE id = p_user;
    RETURN QUERY SELECT np, nj, ne;
END $$;

-- Retention at volume: its deletions walk these indexes in batches.
CREATE INDEX photos_created ON photos (created_at, id);
CREATE INDEX jobs_results_finished ON jobs (finished_at, id)
    WHERE status = 'COMPLETED' AND result_key IS NOT NULL;
CREATE INDEX job_events_at ON job_events (at, id);
CREATE INDEX events_created ON events (created_at, id);
-- The reconciliation asks whether any job names an object.
CREATE INDEX jobs_result_key ON jobs (result_key) WHERE result_key IS NOT NULL;
CREATE INDEX jobs_thumb_key ON jobs (thumb_key) WHERE thumb_key IS NOT NULL;

-- A debit outlives an erased job (ON DELETE SET NULL): the ledger row
-- keeps its amount and note, without the job.
ALTER TABLE ledger DROP CONSTRAINT ledger_check1;
