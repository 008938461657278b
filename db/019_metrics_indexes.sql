-- Indexes for what /metrics and the retention sweep scan on every run:
-- photos and results past their retention period.  Without them each
-- scrape read whole tables.
CREATE INDEX photos_created ON photos (created_at);
CREATE INDEX jobs_result_finished ON jobs (finished_at)
    WHERE status = 'COMPLETED' AND result_key IS NOT NULL;

-- The worker also writes the bot's outbox (db/016_bot_delivery.sql):
-- primerka_grants() as in 018_roles.sql, with bot_outbox among its tables.
CREATE OR REPLACE FUNCTION primerka_grants() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    api text := current_database() || '_api';
    wrk text := current_database() || '_worker';
    t text;
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
    -- Both read everything; the API writes the tables users work on.
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
        EXECUTE format('REVOKE ALL ON %I FROM %I, %I', t, api, wrk);
        EXECUTE format('GRANT SELECT ON %I TO %I, %I', t, api, wrk);
        IF t NOT IN ('ledger', 'users', 'schema_migrations') THEN
            EXECUTE format('GRANT INSERT, UPDATE, DELETE ON %I TO %I', t, api);
        END IF;
    END LOOP;
    -- The worker: the queue and its history, verdicts, retention.
    FOREACH t IN ARRAY ARRAY['jobs', 'job_events', 'photos', 'outfits',
                             'locations', 'purchases', 'bot_outbox'] LOOP
        IF to_regclass(t) IS NOT NULL THEN
            EXECUTE format('GRANT INSERT, UPDATE, DELETE ON %I TO %I', t, wrk);
        END IF;
    END LOOP;
    -- users: every column but the balance.
    SELECT string_agg(quote_ident(column_name), ', ') INTO cols
      FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name = 'users'
       AND column_name <> 'balance';
    EXECUTE format('GRANT INSERT (%s), UPDATE (%s) ON users TO %I',
        cols, cols, api);
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
