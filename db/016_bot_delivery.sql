-- The bot delivers finished jobs.  When a try-on or animation reaches
-- COMPLETED or FAILED, a row goes into bot_outbox in the same
-- transaction (a trigger, so no code path can finish a job without
-- it), provided the user lets the bot write to them (allows_write_to_pm
-- in initData, or they started the bot) and has not switched the
-- messages off in the Mini App's settings.  The worker sends the row
-- after the commit, at most once per job (job_id is the key):
--
--   pending  waiting to be sent (again at run_after, after a failure
--            that surely did not deliver: no connection, 429, 5xx)
--   sending  claimed by a worker; a worker that dies here leaves it,
--            and a row left in sending is never sent again (it may
--            have arrived): bot_outbox_abandon() marks it unknown
--   sent     delivered (message_id)
--   blocked  403: the user blocked the bot; not retried, and the user
--            gets no more rows until they start the bot again
--   failed   refused by Telegram (400) or out of attempts
--   unknown  no answer after sending, or left in sending by a dead
--            worker: never sent twice
ALTER TABLE users
    ADD COLUMN bot_notify boolean NOT NULL DEFAULT true,
    ADD COLUMN bot_allowed boolean NOT NULL DEFAULT false,
    ADD COLUMN bot_blocked_at timestamptz,
    -- The language chosen in the Mini App's settings; NULL follows
    -- Telegram's (users.language).
    ADD COLUMN lang_choice text CHECK (lang_choice IN ('ru', 'en'));

CREATE TABLE bot_outbox (
    job_id      bigint PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    state       text NOT NULL DEFAULT 'pending' CHECK (state IN
                ('pending', 'sending', 'sent', 'blocked', 'failed',
                 'unknown')),
    attempts    int NOT NULL DEFAULT 0,
    run_after   timestamptz NOT NULL DEFAULT now(),
    claimed_by  text,
    claimed_at  timestamptz,
    message_id  bigint,
    last_error  text CHECK (length(last_error) <= 300),
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    sent_at     timestamptz
);
CREATE INDEX bot_outbox_due ON bot_outbox (run_after) WHERE state = 'pending';
CREATE INDEX bot_outbox_sending ON bot_outbox (claimed_at)
    WHERE state = 'sending';

-- A job that just finished: queue its message when the user wants it.
-- A job the user cancelled in the app needs no message.
CREATE FUNCTION bot_outbox_enqueue() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IN ('COMPLETED', 'FAILED')
       AND OLD.status NOT IN ('COMPLETED', 'FAILED')
       AND NEW.error_code IS DISTINCT FROM 'cancelled' THEN
        INSERT INTO bot_outbox (job_id, user_id)
            SELECT NEW.id, NEW.user_id FROM users u
             WHERE u.id = NEW.user_id AND u.bot_notify AND u.bot_allowed
               AND u.bot_blocked_at IS NULL
            ON CONFLICT (job_id) DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER jobs_bot_outbox AFTER UPDATE OF status ON jobs
    FOR EACH ROW EXECUTE FUNCTION bot_outbox_enqueue();

-- The API's poll estimate reads the stages of the latest completed jobs.
CREATE INDEX jobs_finished ON jobs (finished_at DESC)
    WHERE status = 'COMPLETED';
