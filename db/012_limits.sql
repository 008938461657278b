-- Per-user quotas and honest analytics.
--
-- user_counters: fixed windows of per-user allowances (photo uploads per
-- hour, analytics events per minute), taken atomically by quota_take().
CREATE TABLE user_counters (
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind          text NOT NULL,
    window_start  timestamptz NOT NULL,
    n             int NOT NULL CHECK (n >= 0),
    PRIMARY KEY (user_id, kind)
);

-- Take p_n of user p_user's allowance p_kind (p_limit per p_window
-- seconds).  0 when taken; otherwise nothing is taken and the answer is
-- the seconds until the window turns (Retry-After).
CREATE FUNCTION quota_take(p_user bigint, p_kind text, p_n int,
    p_limit int, p_window int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    c user_counters;
BEGIN
    INSERT INTO user_counters (user_id, kind, window_start, n)
        VALUES (p_user, p_kind, now(), 0) ON CONFLICT DO NOTHING;
    SELECT * INTO c FROM user_counters
     WHERE user_id = p_user AND kind = p_kind FOR UPDATE;
    IF c.window_start <= now() - make_interval(secs => p_window) THEN
        c.window_start := now();
        c.n := 0;
    END IF;
    IF c.n + p_n > p_limit THEN
        RETURN greatest(1, ceil(extract(epoch FROM c.window_start
            + make_interval(secs => p_window) - now())))::int;
    END IF;
    UPDATE user_counters SET window_start = c.window_start, n = c.n + p_n
     WHERE user_id = p_user AND kind = p_kind;
    RETURN 0;
END $$;

-- Analytics: a view or a click counts once per user, outfit and day
-- (UTC), so one account cannot inflate a shop's statistics.  Rows from
-- before this migration keep dedup = false and are left as they were.
ALTER TABLE events ADD COLUMN day date;
UPDATE events SET day = (created_at AT TIME ZONE 'UTC')::date;
ALTER TABLE events ALTER COLUMN day SET NOT NULL,
    ALTER COLUMN day SET DEFAULT (now() AT TIME ZONE 'UTC')::date;
ALTER TABLE events ADD COLUMN dedup boolean NOT NULL DEFAULT false;
ALTER TABLE events ALTER COLUMN dedup SET DEFAULT true;
CREATE UNIQUE INDEX events_once_a_day ON events (user_id, outfit_id, kind, day)
    WHERE dedup AND kind IN ('view', 'click');
-- The pending-purchases quota and erasure look events and purchases up
-- by user.
CREATE INDEX events_user ON events (user_id, created_at);
CREATE INDEX purchases_pending ON purchases (user_id, created_at)
    WHERE status = 'pending';

-- Nothing unmoderated is public: the public catalogue's indexes carry
-- the NSFW verdict.
DROP INDEX outfits_public;
DROP INDEX locations_public;
CREATE INDEX outfits_public ON outfits (id)
    WHERE active AND image_key IS NOT NULL AND nsfw_checked_at IS NOT NULL;
CREATE INDEX locations_public ON locations (id)
    WHERE active AND image_key IS NOT NULL AND nsfw_checked_at IS NOT NULL;
