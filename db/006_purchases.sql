-- Token purchases paid in Telegram Stars.  A purchase is created pending
-- when the Mini App asks for an invoice (POST /api/v1/purchases); the
-- bot's webhook receives the pre-checkout query (answered from the row)
-- and then the successful payment, which credits the tokens once.
CREATE TABLE purchases (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tokens       bigint NOT NULL CHECK (tokens > 0),
    stars        bigint NOT NULL CHECK (stars > 0),
    status       text NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'paid')),
    charge_id    text UNIQUE,        -- telegram_payment_charge_id
    created_at   timestamptz NOT NULL DEFAULT now(),
    paid_at      timestamptz
);
CREATE INDEX purchases_user ON purchases (user_id, id);

-- Whether a pre-checkout query may proceed: the purchase exists, is the
-- user's, still pending and of this many stars.
CREATE FUNCTION purchase_payable(p_id bigint, p_user bigint, p_stars bigint)
    RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM purchases WHERE id = p_id
        AND user_id = p_user AND stars = p_stars AND status = 'pending');
$$;

-- A successful payment: mark the purchase paid and credit its tokens, in
-- one transaction and once per purchase.  Returns 'paid' (credited now),
-- 'already' (credited before: Telegram repeated the update) or 'mismatch'
-- (no such purchase of this user and amount: nothing credited).
CREATE FUNCTION purchase_paid(p_id bigint, p_user bigint, p_stars bigint,
    p_charge text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    r purchases;
BEGIN
    SELECT * INTO r FROM purchases WHERE id = p_id FOR UPDATE;
    IF NOT FOUND OR r.user_id <> p_user OR r.stars <> p_stars THEN
        RETURN 'mismatch';
    END IF;
    IF r.status = 'paid' THEN
        RETURN 'already';
    END IF;
    UPDATE purchases SET status = 'paid', charge_id = p_charge,
           paid_at = now() WHERE id = p_id;
    PERFORM ledger_credit(p_user, 'purchase', r.tokens,
        'telegram stars ' || p_charge);
    RETURN 'paid';
END $$;
