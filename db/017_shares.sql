-- Shared results bring people back.  A user who shares a try-on (to a
-- story, a chat, or as a link) gets a share code for it; the link opens
-- the Mini App with startapp "o<outfit>-s<shop>-r<code>", so it carries
-- the outfit, its shop and who shared it.  When someone else opens the
-- app from such a link, or tries the outfit on from it, the server
-- records one visit per share, viewer and kind (the primary key
-- de-duplicates), and the shop's stats count them.
CREATE TABLE shares (
    code        text PRIMARY KEY CHECK (code ~ '^[0-9a-f]{16}$'),
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    job_id      bigint REFERENCES jobs (id) ON DELETE SET NULL,
    outfit_id   bigint NOT NULL REFERENCES outfits (id) ON DELETE CASCADE,
    shop_id     bigint NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (job_id, user_id)
);
CREATE INDEX shares_user ON shares (user_id);

CREATE TABLE share_visits (
    code        text NOT NULL REFERENCES shares (code) ON DELETE CASCADE,
    viewer      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('open', 'tryon')),
    shop_id     bigint NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (code, viewer, kind)
);
CREATE INDEX share_visits_shop ON share_visits (shop_id, created_at);

-- Record a visit from share p_code by p_viewer: 'open' always, 'tryon'
-- only for the shared outfit (p_outfit).  The sharer's own visits and
-- repeats do not count.  Returns whether a visit was recorded.
CREATE FUNCTION share_visit(p_code text, p_viewer bigint, p_kind text,
    p_outfit bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO share_visits (code, viewer, kind, shop_id)
        SELECT s.code, p_viewer, p_kind, s.shop_id FROM shares s
         WHERE s.code = p_code AND s.user_id <> p_viewer
           AND (p_kind = 'open' OR s.outfit_id = p_outfit)
        ON CONFLICT DO NOTHING;
    RETURN FOUND;
END $$;
