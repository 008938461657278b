-- A user row made by an operator (primerka-admin grant/set-role) before
-- the user's first visit has no names yet: fill them on the first visit
-- instead of waiting for the refresh interval.
CREATE OR REPLACE FUNCTION user_touch(p_id bigint, p_first text, p_last text,
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
       AND (seen_at < now() - make_interval(secs => p_refresh)
            OR (first_name = '' AND p_first <> ''));
    RETURN false;
END $$;
