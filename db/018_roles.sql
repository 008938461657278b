-- Least privilege.  The role that runs the migrations owns the schema;
-- the API and the worker connect as <database>_api and <database>_worker
-- (primerka_api, primerka_worker), which get only what they need.  The
-- balance changes only through the money functions, which run as the
-- owner (SECURITY DEFINER); neither service role may write the ledger or
-- users.balance itself.
--
-- The roles are created here when the migrating role may create roles;
-- otherwise the admin creates them first (docs/operations.md) and this
-- leaves a notice.  primerka_grants() applies the grants to every table
-- there is; scripts/migrate runs it after each run, so tables of later
-- migrations are covered by the same rules.

CREATE FUNCTION primerka_grants() RETURNS void
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
                             'locations', 'purchases'] LOOP
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

-- The functions that change a balance run as the owner, with a fixed
-- search_path (a caller's objects cannot stand in for ours).
DO $$
DECLARE
    f text;
BEGIN
    FOR f IN SELECT p.oid::regprocedure::text FROM pg_proc p
              WHERE p.pronamespace = 'public'::regnamespace
                AND p.proname IN ('ledger_credit', 'user_touch',
                                  'job_complete', 'purchase_paid',
                                  'purchase_refund', 'purchase_refunded') LOOP
        EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER '
                       'SET search_path = public, pg_temp', f);
    END LOOP;
END $$;

-- The service roles, where the migrating role may create them.
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY[current_database() || '_api',
                             current_database() || '_worker'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            IF (SELECT rolsuper OR rolcreaterole FROM pg_roles
                 WHERE rolname = current_user) THEN
                EXECUTE format('CREATE ROLE %I LOGIN', r);
            ELSE
                RAISE NOTICE 'create the role % (createuser %)', r, r;
            END IF;
        END IF;
    END LOOP;
END $$;

SELECT primerka_grants();
