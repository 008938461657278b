-- Refunds of purchases paid in Telegram Stars.  An operator refunds with
-- primerka-admin refund (which asks Telegram to give the stars back
-- before it commits); a refund Telegram reports to the bot's webhook
-- (message.refunded_payment) is recorded the same way.  The purchase's
-- tokens leave the buyer's balance as a 'refund' ledger row: negative
-- like a debit, but without a job.
ALTER TYPE ledger_kind ADD VALUE IF NOT EXISTS 'refund';
-- (The new value cannot be named as an enum in this transaction: text.)
ALTER TABLE ledger DROP CONSTRAINT ledger_check;
ALTER TABLE ledger ADD CONSTRAINT ledger_sign
    CHECK ((kind::text IN ('debit', 'refund')) = (amount < 0));

ALTER TABLE purchases DROP CONSTRAINT purchases_status_check;
ALTER TABLE purchases ADD CONSTRAINT purchases_status_check
    CHECK (status IN ('pending', 'paid', 'refunded'));
ALTER TABLE purchases
    ADD COLUMN refunded_at timestamptz,
    ADD COLUMN refunded_tokens bigint;   -- taken back from the balance

-- Refund purchase p_id: take its tokens back from the buyer and mark it
-- refunded, in the caller's transaction.  Tokens held by the buyer's
-- unfinished jobs are never taken.  When fewer tokens than the purchase
-- gave are free (the buyer spent them), nothing changes unless p_force,
-- which takes what is free.  One row: outcome 'refunded', 'already'
-- (refunded before), 'unpaid' (still pending: nothing was paid),
-- 'spent' (too few free tokens; not forced) or 'unknown'; the buyer,
-- the charge id, the stars and tokens of the purchase, and the tokens
-- taken (or, for 'spent', the tokens free).
CREATE FUNCTION purchase_refund(p_id bigint, p_force boolean)
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

-- A refund Telegram reports to the bot (message.refunded_payment): the
-- stars are back with the buyer already, so the purchase's tokens go
-- too, as many as are free (purchase_refund() forced).  'mismatch' when
-- no paid purchase p_id has this charge id and amount; otherwise
-- purchase_refund()'s outcome ('refunded', or 'already' when Telegram
-- repeats the update or primerka-admin recorded it first).
CREATE FUNCTION purchase_refunded(p_id bigint, p_charge text,
    p_stars bigint) RETURNS TABLE (outcome text, buyer bigint, taken bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    PERFORM 1 FROM purchases
      WHERE id = p_id AND charge_id = p_charge AND stars = p_stars;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'mismatch'::text, NULL::bigint, 0::bigint;
        RETURN;
    END IF;
    RETURN QUERY SELECT f.outcome, f.buyer, f.taken
        FROM purchase_refund(p_id, true) f;
END $$;
