-- Least privilege, as data: which service role may write which table.
-- Every table stays readable by both service roles; writes are exactly
-- the rows of role_writes.  A migration that adds a table adds its rows
-- here (INSERT INTO role_writes ...); primerka_grants() (018, redefined
-- below, run by scripts/migrate after every run) applies them and warns
-- about a table that has none, which the services may then only read.
--
-- What changes from 018: the API no longer writes every table but the
-- ledger and users; it loses the tables only the worker or the owner
-- writes (job_credits, provider_alerts, shops, refunded_charges — the
-- money functions write that one as the owner).
CREATE TABLE role_writes (
    tbl     text NOT NULL,
    service text NOT NULL CHECK (service IN ('api', 'worker')),
    privs   text NOT NULL DEFAULT 'INSERT, UPDATE, DELETE'
            CHECK (privs ~ '^(INSERT|UPDATE|DELETE)(, (INSERT|UPDATE|DELETE))*$'),
    PRIMARY KEY (tbl, service)
);

-- The API: what users do (photos, try-ons, purchases, catalogue edits by
-- staff, analytics, shares, quotas) and what its rows' triggers write
-- (job_events, bot_outbox, pending_deletes).
INSERT INTO role_writes (tbl, service) VALUES
    ('photos', 'api'), ('jobs', 'api'), ('job_events', 'api'),
    ('outfits', 'api'), ('locations', 'api'), ('purchases', 'api'),
    ('events', 'api'), ('user_counters', 'api'), ('shares', 'api'),
    ('share_visits', 'api'), ('pending_deletes', 'api'),
    ('bot_outbox', 'api');
-- The worker: the queue and its history, verdicts, provider charges and
-- alerts, the bot's outbox, the pending deletes it sweeps and what the
-- retention sweep prunes.
INSERT INTO role_writes (tbl, service) VALUES
    ('jobs', 'worker'), ('job_events', 'worker'), ('photos', 'worker'),
    ('outfits', 'worker'), ('locations', 'worker'), ('purchases', 'worker'),
    ('bot_outbox', 'worker'), ('job_credits', 'worker'),
    ('provider_alerts', 'worker'), ('pending_deletes', 'worker'),
    ('events', 'worker'), ('user_counters', 'worker'), ('shares', 'worker'),
    ('share_visits', 'worker');

CREATE OR REPLACE FUNCTION primerka_grants() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    api text := current_database() || '_api';
    wrk text := current_database() || '_worker';
    t text;
    w record;
    cols text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = api) OR
       NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = wrk) THEN
        RAISE NOTICE 'roles % and % do not exist: no grants', api, wrk;
        RETURN;
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I, %I',
        current_database(), api, wrk);
    EXECUTE format('GRANT USAGE ON SCHEMA public TO %I, %I', api, wrk);
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
        EXECUTE format('REVOKE ALL ON %I FROM %I, %I', t, api, wrk);
        EXECUTE format('GRANT SELECT ON %I TO %I, %I', t, api, wrk);
        IF t NOT IN ('ledger', 'users', 'schema_migrations', 'role_writes',
                     'shops', 'refunded_charges', 'job_credits',
                     'provider_alerts') AND
           NOT EXISTS (SELECT 1 FROM role_writes WHERE tbl = t) THEN
            RAISE WARNING 'table % has no rows in role_writes: % and % may only read it',
                t, api, wrk;
        END IF;
    END LOOP;
    FOR w IN SELECT r.tbl, r.service, r.privs FROM role_writes r
              WHERE to_regclass(quote_ident(r.tbl)) IS NOT NULL LOOP
        EXECUTE format('GRANT %s ON %I TO %I', w.privs, w.tbl,
            CASE w.service WHEN 'api' THEN api ELSE wrk END);
    END LOOP;
    -- users: the API writes every column but the balance; the worker
    -- records a user who blocked the bot (a 403 from Telegram).
    SELECT string_agg(quote_ident(column_name), ', ') INTO cols
      FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name = 'users'
       AND column_name <> 'balance';
    EXECUTE format('GRANT INSERT (%s), UPDATE (%s) ON users TO %I',
        cols, cols, api);
    IF EXISTS (SELECT 1 FROM information_schema.columns
                WHERE table_schema = 'public' AND table_name = 'users'
                  AND column_name = 'bot_blocked_at') THEN
        EXECUTE format('GRANT UPDATE (bot_blocked_at) ON users TO %I', wrk);
    END IF;
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %I, %I',
        api, wrk);
    -- The money functions: the owner's, each to the service that calls it.
    FOR t IN SELECT p.oid::regprocedure::text FROM pg_proc p
              WHERE p.pronamespace = 'public'::regnamespace
                AND p.proname IN ('ledger_credit', 'purchase_refund') LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC, %I, %I',
            t, api, wrk);
    END LOOP;
    FOR t IN SELECT p.oid::regprocedure::text FROM pg_proc p
              WHERE p.pronamespace = 'public'::regnamespace
                AND p.proname IN ('user_touch', 'purchase_paid',
                                  'purchase_refunded') LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', t);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', t, api);
    END LOOP;
    FOR t IN SELECT p.oid::regprocedure::text FROM pg_proc p
              WHERE p.pronamespace = 'public'::regnamespace
                AND p.proname = 'job_complete' LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', t);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', t, wrk);
    END LOOP;
END $$;

SELECT primerka_grants();
