-- primerka schema, version 1.
-- The status dictionary and the job kinds are spelled here once for SQL;
-- lib/jobs.c holds the same table for C (t/test_jobs.c checks both agree).

CREATE TYPE job_status AS ENUM (
    'RECEIVED', 'VALIDATING', 'MODERATING', 'PROMPTING', 'QUEUED',
    'RUNNING', 'UPLOADING', 'COMPLETED', 'FAILED');
CREATE TYPE job_kind AS ENUM ('tryon', 'animation');
CREATE TYPE user_role AS ENUM ('user', 'shop_staff', 'admin');
CREATE TYPE ledger_kind AS ENUM ('grant', 'purchase', 'debit');
CREATE TYPE event_kind AS ENUM ('view', 'tryon', 'click');

CREATE TABLE shops (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Users are keyed by their Telegram user id.  balance can never go
-- negative; every change to it is a ledger row (see ledger below).
CREATE TABLE users (
    id          bigint PRIMARY KEY CHECK (id > 0),
    first_name  text NOT NULL DEFAULT '',
    last_name   text NOT NULL DEFAULT '',
    username    text NOT NULL DEFAULT '',
    language    text NOT NULL DEFAULT 'en' CHECK (language IN ('ru', 'en')),
    role        user_role NOT NULL DEFAULT 'user',
    shop_id     bigint REFERENCES shops(id),
    balance     bigint NOT NULL DEFAULT 0 CHECK (balance >= 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    seen_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (role <> 'shop_staff' OR shop_id IS NOT NULL)
);

CREATE TABLE outfits (
    id           bigserial PRIMARY KEY,
    shop_id      bigint NOT NULL REFERENCES shops(id),
    title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description  text NOT NULL DEFAULT '',
    category     text NOT NULL DEFAULT 'tops'
                 CHECK (category IN ('tops', 'bottoms', 'one-pieces')),
    product_url  text,
    price        bigint CHECK (price >= 0),       -- minor units
    currency     text NOT NULL DEFAULT 'RUB',
    image_key    text NOT NULL,
    width        int,
    height       int,
    qc           jsonb,
    active       boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outfits_shop ON outfits (shop_id, id) WHERE active;
CREATE INDEX outfits_active ON outfits (id) WHERE active;

CREATE TABLE locations (
    id           bigserial PRIMARY KEY,
    title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description  text NOT NULL DEFAULT '',
    tags         text[] NOT NULL DEFAULT '{}',
    image_key    text NOT NULL,
    width        int,
    height       int,
    qc           jsonb,
    active       boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX locations_active ON locations (id) WHERE active;
CREATE INDEX locations_tags ON locations USING gin (tags);

-- A user's uploaded photo.  status is the quality verdict: pending until
-- checked, then accepted or rejected (reason in qc).
CREATE TABLE photos (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    object_key   text NOT NULL UNIQUE,
    content_type text NOT NULL,
    bytes        int NOT NULL CHECK (bytes > 0),
    width        int NOT NULL,
    height       int NOT NULL,
    status       text NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'accepted', 'rejected')),
    qc           jsonb,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX photos_user ON photos (user_id, id DESC);

-- One table for both job kinds.  A job is in the queue while its status
-- is not terminal; a worker holds it while locked_until is in the future.
CREATE TABLE jobs (
    id              bigserial PRIMARY KEY,
    kind            job_kind NOT NULL,
    user_id         bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    status          job_status NOT NULL DEFAULT 'RECEIVED',
    photo_id        bigint REFERENCES photos(id) ON DELETE SET NULL,
    outfit_id       bigint REFERENCES outfits(id),
    location_id     bigint REFERENCES locations(id),
    source_job_id   bigint REFERENCES jobs(id) ON DELETE SET NULL,
    cost            bigint NOT NULL CHECK (cost >= 0),
    idempotency_key text CHECK (length(idempotency_key) <= 200),
    params          jsonb,
    attempts        int NOT NULL DEFAULT 0,
    max_attempts    int NOT NULL DEFAULT 5,
    run_after       timestamptz NOT NULL DEFAULT now(),
    locked_by       text,
    locked_until    timestamptz,
    provider_ref    text,
    result_key      text,
    thumb_key       text,
    error_code      text,
    error_message   text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    UNIQUE (user_id, idempotency_key),
    CHECK (kind <> 'tryon' OR outfit_id IS NOT NULL),
    CHECK (kind <> 'animation' OR source_job_id IS NOT NULL),
    CHECK ((status IN ('COMPLETED', 'FAILED')) = (finished_at IS NOT NULL))
);
-- The claim query: ready, non-terminal jobs in run_after order.
CREATE INDEX jobs_ready ON jobs (run_after, id)
    WHERE status NOT IN ('COMPLETED', 'FAILED');
-- A user's job list, newest first.
CREATE INDEX jobs_user ON jobs (user_id, kind, id DESC);
CREATE INDEX jobs_source ON jobs (source_job_id) WHERE source_job_id IS NOT NULL;

-- Status history: one row per transition, written by a trigger so no
-- code path can change a status without recording it.
CREATE TABLE job_events (
    id      bigserial PRIMARY KEY,
    job_id  bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    status  job_status NOT NULL,
    attempt int NOT NULL DEFAULT 0,
    at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX job_events_job ON job_events (job_id, id);

CREATE FUNCTION job_status_history() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN
        INSERT INTO job_events (job_id, status, attempt)
            VALUES (NEW.id, NEW.status, NEW.attempts);
        NEW.updated_at := clock_timestamp();
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER jobs_history_ins AFTER INSERT ON jobs
    FOR EACH ROW EXECUTE FUNCTION job_status_history();
CREATE TRIGGER jobs_history_upd BEFORE UPDATE OF status ON jobs
    FOR EACH ROW EXECUTE FUNCTION job_status_history();

-- Wake --follow workers when a job becomes ready.
CREATE FUNCTION job_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('primerka_jobs', NEW.id::text);
    RETURN NULL;
END $$;
CREATE TRIGGER jobs_notify AFTER INSERT ON jobs
    FOR EACH ROW EXECUTE FUNCTION job_notify();

-- The token ledger.  amount is signed (grants positive, debits negative);
-- balance_after is the user's balance after the row, so the history can be
-- audited row by row.  A job is debited at most once.
CREATE TABLE ledger (
    id            bigserial PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind          ledger_kind NOT NULL,
    amount        bigint NOT NULL CHECK (amount <> 0),
    balance_after bigint NOT NULL CHECK (balance_after >= 0),
    job_id        bigint REFERENCES jobs(id) ON DELETE SET NULL,
    note          text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'debit') = (amount < 0)),
    CHECK (kind <> 'debit' OR job_id IS NOT NULL)
);
CREATE UNIQUE INDEX ledger_one_debit_per_job ON ledger (job_id)
    WHERE kind = 'debit';
CREATE INDEX ledger_user ON ledger (user_id, id);

-- Analytics events from the Mini App.
CREATE TABLE events (
    id          bigserial PRIMARY KEY,
    user_id     bigint REFERENCES users(id) ON DELETE SET NULL,
    kind        event_kind NOT NULL,
    outfit_id   bigint REFERENCES outfits(id) ON DELETE CASCADE,
    shop_id     bigint REFERENCES shops(id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_shop ON events (shop_id, created_at);
CREATE INDEX events_outfit ON events (outfit_id, created_at);

-- Credit tokens (grant or purchase).  Returns the new balance.
CREATE FUNCTION ledger_credit(p_user bigint, p_kind ledger_kind,
    p_amount bigint, p_note text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    b bigint;
BEGIN
    IF p_kind = 'debit' OR p_amount <= 0 THEN
        RAISE EXCEPTION 'ledger_credit: positive grant or purchase only';
    END IF;
    UPDATE users SET balance = balance + p_amount WHERE id = p_user
        RETURNING balance INTO b;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'ledger_credit: no user %', p_user;
    END IF;
    INSERT INTO ledger (user_id, kind, amount, balance_after, note)
        VALUES (p_user, p_kind, p_amount, b, p_note);
    RETURN b;
END $$;

-- Tokens held by a user's unfinished jobs.
CREATE FUNCTION tokens_reserved(p_user bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(cost), 0)::bigint FROM jobs
     WHERE user_id = p_user AND status NOT IN ('COMPLETED', 'FAILED');
$$;

-- Create a job after checking the balance minus what pending jobs hold.
-- The user row is locked, so two concurrent creations cannot both pass
-- the check.  An Idempotency-Key already used by this user returns the
-- earlier job.  Result: (job_id, outcome) where outcome is 'created',
-- 'existing' or 'insufficient_tokens'.
CREATE FUNCTION job_create(p_kind job_kind, p_user bigint, p_photo bigint,
    p_outfit bigint, p_location bigint, p_source bigint, p_cost bigint,
    p_idem text, p_params jsonb, p_max_attempts int,
    OUT job_id bigint, OUT outcome text)
LANGUAGE plpgsql AS $$
DECLARE
    bal bigint;
BEGIN
    SELECT balance INTO bal FROM users WHERE id = p_user FOR UPDATE;
    IF p_idem IS NOT NULL THEN
        SELECT id INTO job_id FROM jobs
         WHERE user_id = p_user AND idempotency_key = p_idem;
        IF FOUND THEN
            outcome := 'existing';
            RETURN;
        END IF;
    END IF;
    IF bal - tokens_reserved(p_user) < p_cost THEN
        outcome := 'insufficient_tokens';
        RETURN;
    END IF;
    INSERT INTO jobs (kind, user_id, photo_id, outfit_id, location_id,
                      source_job_id, cost, idempotency_key, params,
                      max_attempts)
        VALUES (p_kind, p_user, p_photo, p_outfit, p_location, p_source,
                p_cost, p_idem, p_params, p_max_attempts)
        RETURNING id INTO job_id;
    outcome := 'created';
END $$;

-- Move a job the worker holds to COMPLETED and debit its cost, in one
-- transaction.  Returns 'completed', 'lost_lease' when the caller no
-- longer holds the job, or 'insufficient_tokens' (the job is then FAILED
-- and not charged).  The unique index on ledger makes a second debit
-- for the same job impossible even if this were called twice.
CREATE FUNCTION job_complete(p_job bigint, p_worker text,
    p_result_key text, p_thumb_key text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    j jobs%ROWTYPE;
    b bigint;
BEGIN
    SELECT * INTO j FROM jobs WHERE id = p_job FOR UPDATE;
    IF NOT FOUND OR j.status IN ('COMPLETED', 'FAILED')
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

-- Create the user on first sight (with the welcome grant, if any), and
-- refresh names and seen_at at most every p_refresh seconds.  Returns
-- true when the row was created.
CREATE FUNCTION user_touch(p_id bigint, p_first text, p_last text,
    p_username text, p_lang text, p_grant bigint, p_refresh int)
    RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO users (id, first_name, last_name, username, language)
        VALUES (p_id, p_first, p_last, p_username, p_lang)
        ON CONFLICT (id) DO NOTHING;
    IF FOUND THEN
        IF p_grant > 0 THEN
            PERFORM ledger_credit(p_id, 'grant', p_grant, 'welcome');
        END IF;
        RETURN true;
    END IF;
    UPDATE users SET first_name = p_first, last_name = p_last,
           username = p_username, language = p_lang, seen_at = now()
     WHERE id = p_id
       AND seen_at < now() - make_interval(secs => p_refresh);
    RETURN false;
END $$;
