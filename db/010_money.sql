-- Money holes closed.
--
-- 1. Only a pending purchase may become paid: a successful_payment for a
--    purchase refunded meanwhile credits nothing.
-- 2. Refunds are remembered by charge id (refunded_charges), whatever
--    order Telegram's updates arrive in: a refunded_payment before its
--    successful_payment marks the purchase refunded, and the payment that
--    follows credits nothing.
-- 3. A refund first cancels the buyer's jobs that have not started, so
--    tokens they held cannot be kept along with the stars.
-- 4. job_create() answers 'conflict' when an Idempotency-Key already
--    names a job with other parameters (under the user row's lock, so
--    two concurrent requests cannot both see a new key).

CREATE TABLE refunded_charges (
    charge_id    text PRIMARY KEY,   -- telegram_payment_charge_id
    purchase_id  bigint,             -- as the refund named it
    stars        bigint NOT NULL,
    at           timestamptz NOT NULL DEFAULT now()
);

-- Cancel user p_user's jobs that have not started running (they hold
-- tokens but have cost nothing yet).  Returns how many.
CREATE FUNCTION jobs_cancel_unstarted(p_user bigint, p_why text)
    RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    UPDATE jobs SET status = 'FAILED', error_code = 'cancelled',
           error_message = p_why, finished_at = now(),
           locked_by = NULL, locked_until = NULL
     WHERE user_id = p_user
       AND status IN ('RECEIVED', 'VALIDATING', 'MODERATING', 'PROMPTING',
                      'QUEUED');
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

-- A successful payment: credit the tokens of a pending purchase, once.
-- 'paid' (credited now), 'already' (credited before: a repeated
-- update), 'refunded' (the charge was refunded first: nothing credited,
-- the purchase is marked refunded) or 'mismatch' (no such pending or
-- paid purchase of this user and amount: nothing credited).
CREATE OR REPLACE FUNCTION purchase_paid(p_id bigint, p_user bigint,
    p_stars bigint, p_charge text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    r purchases;
BEGIN
    SELECT * INTO r FROM purchases WHERE id = p_id FOR UPDATE;
    IF NOT FOUND OR r.user_id <> p_user OR r.stars <> p_stars THEN
        RETURN 'mismatch';
    END IF;
    IF r.status = 'paid' THEN
        RETURN CASE WHEN r.charge_id = p_charge THEN 'already'
                    ELSE 'mismatch' END;
    END IF;
    IF r.status = 'refunded' THEN
        RETURN 'refunded';
    END IF;
    IF EXISTS (SELECT 1 FROM refunded_charges WHERE charge_id = p_charge)
    THEN
        UPDATE purchases SET status = 'refunded', charge_id = p_charge,
               paid_at = now(), refunded_at = now(), refunded_tokens = 0
         WHERE id = p_id;
        RETURN 'refunded';
    END IF;
    UPDATE purchases SET status = 'paid', charge_id = p_charge,
           paid_at = now() WHERE id = p_id;
    PERFORM ledger_credit(p_user, 'purchase', r.tokens,
        'telegram stars ' || p_charge);
    RETURN 'paid';
END $$;

-- Refund purchase p_id (see db/007_refunds.sql), now cancelling the
-- buyer's not-started jobs first when the purchase's tokens are not
-- free otherwise: a refund must not leave tokens reserved by jobs that
-- the buyer then cancels and keeps.  The cancellations are part of the
-- caller's transaction (primerka-admin rolls back on any outcome but
-- 'refunded').
CREATE OR REPLACE FUNCTION purchase_refund(p_id bigint, p_force boolean)
    RETURNS TABLE (outcome text, buyer bigint, charge text, stars bigint,
                   tokens bigint, taken bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    r    purchases;
    bal  bigint;
    free bigint;
    t    bigint;
BEGIN
    SELECT * INTO r FROM purchases WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'unknown'::text, NULL::bigint, NULL::text,
            NULL::bigint, NULL::bigint, 0::bigint;
        RETURN;
    END IF;
    IF r.status = 'refunded' THEN
        RETURN QUERY SELECT 'already'::text, r.user_id, r.charge_id,
            r.stars, r.tokens, r.refunded_tokens;
        RETURN;
    END IF;
    IF r.status <> 'paid' THEN
        RETURN QUERY SELECT 'unpaid'::text, r.user_id, r.charge_id,
            r.stars, r.tokens, 0::bigint;
        RETURN;
    END IF;
    SELECT balance INTO bal FROM users WHERE id = r.user_id FOR UPDATE;
    free := greatest(bal - tokens_reserved(r.user_id), 0);
    IF free < r.tokens THEN
        PERFORM jobs_cancel_unstarted(r.user_id,
            'cancelled: the purchase paying for it was refunded');
        free := greatest(bal - tokens_reserved(r.user_id), 0);
    END IF;
    IF free < r.tokens AND NOT p_force THEN
        RETURN QUERY SELECT 'spent'::text, r.user_id, r.charge_id,
            r.stars, r.tokens, free;
        RETURN;
    END IF;
    t := least(free, r.tokens);
    IF t > 0 THEN
        UPDATE users SET balance = balance - t WHERE id = r.user_id
            RETURNING balance INTO bal;
        INSERT INTO ledger (user_id, kind, amount, balance_after, note)
            VALUES (r.user_id, 'refund', -t, bal,
                    'telegram stars refund ' || r.charge_id);
    END IF;
    UPDATE purchases SET status = 'refunded', refunded_at = now(),
           refunded_tokens = t WHERE id = p_id;
    RETURN QUERY SELECT 'refunded'::text, r.user_id, r.charge_id, r.stars,
        r.tokens, t;
END $$;

-- A refund Telegram reports (message.refunded_payment).  Its charge id
-- is remembered first, whatever follows.  A pending purchase of this
-- id and amount (the refund overtook the payment) is marked refunded
-- with nothing taken: its payment, when it arrives, credits nothing.
-- Otherwise as before: 'mismatch' when no paid purchase p_id has this
-- charge and amount, else purchase_refund(p_id, forced).
CREATE OR REPLACE FUNCTION purchase_refunded(p_id bigint, p_charge text,
    p_stars bigint) RETURNS TABLE (outcome text, buyer bigint, taken bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    r purchases;
BEGIN
    INSERT INTO refunded_charges (charge_id, purchase_id, stars)
        VALUES (p_charge, p_id, p_stars) ON CONFLICT DO NOTHING;
    SELECT * INTO r FROM purchases WHERE id = p_id FOR UPDATE;
    IF FOUND AND r.status = 'pending' AND r.stars = p_stars THEN
        UPDATE purchases SET status = 'refunded', charge_id = p_charge,
               refunded_at = now(), refunded_tokens = 0 WHERE id = p_id;
        RETURN QUERY SELECT 'refunded'::text, r.user_id, 0::bigint;
        RETURN;
    END IF;
    IF NOT FOUND OR r.charge_id IS DISTINCT FROM p_charge
       OR r.stars <> p_stars THEN
        RETURN QUERY SELECT 'mismatch'::text, NULL::bigint, 0::bigint;
        RETURN;
    END IF;
    RETURN QUERY SELECT f.outcome, f.buyer, f.taken
        FROM purchase_refund(p_id, true) f;
END $$;

-- Create a job (db/001_init.sql), now answering 'conflict' when the
-- Idempotency-Key names an earlier job of other parameters.
CREATE OR REPLACE FUNCTION job_create(p_kind job_kind, p_user bigint,
    p_photo bigint, p_outfit bigint, p_location bigint, p_source bigint,
    p_cost bigint, p_idem text, p_params jsonb, p_max_attempts int,
    OUT job_id bigint, OUT outcome text)
LANGUAGE plpgsql AS $$
DECLARE
    bal bigint;
    j   jobs;
BEGIN
    SELECT balance INTO bal FROM users WHERE id = p_user FOR UPDATE;
    IF p_idem IS NOT NULL THEN
        SELECT * INTO j FROM jobs
         WHERE user_id = p_user AND idempotency_key = p_idem;
        IF FOUND THEN
            job_id := j.id;
            IF j.kind = p_kind
               AND j.outfit_id IS NOT DISTINCT FROM p_outfit
               AND j.location_id IS NOT DISTINCT FROM p_location
               AND j.source_job_id IS NOT DISTINCT FROM p_source
               AND (j.photo_id IS NOT DISTINCT FROM p_photo
                    OR j.photo_id IS NULL) THEN
                outcome := 'existing';
            ELSE
                outcome := 'conflict';
            END IF;
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
