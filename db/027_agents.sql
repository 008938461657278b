-- Contour-B agents: workers in another network that run the provider
-- calls of jobs contour A prepared, over the agent API (/api/v1/agent/),
-- with no database and no storage credentials of their own.
--
-- An agent authenticates with a bearer token that primerka-admin
-- add-agent prints once; only its SHA-256 is kept.  A revoked agent's
-- token is refused (revoked_at set; the row stays for the audit).
CREATE TABLE agents (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9_.-]{1,64}$'),
    token_sha256 text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    last_seen_at timestamptz
);

-- What contour A's PROMPTING prepared for an agent (object keys, the
-- category, the prompt): set when [worker] agents = yes hands a job over
-- at QUEUED.  NULL: a job contour A's own worker runs to the end.
ALTER TABLE jobs ADD COLUMN agent_input jsonb;

-- The agents' claim: handed-over jobs, ready, oldest first.
CREATE INDEX jobs_agent_ready ON jobs (run_after, id)
    WHERE agent_input IS NOT NULL AND status IN ('QUEUED', 'RUNNING',
                                                 'UPLOADING');

-- The API's writes for the agents (db/025_role_writes.sql): an agent's
-- last_seen_at, and the jobs it claims and reports on (already the
-- API's).  Provider charges and alerts stay the worker's to write; the
-- agent API records an agent's through these two functions, which run
-- as the owner and write one row each.
INSERT INTO role_writes (tbl, service, privs) VALUES ('agents', 'api', 'UPDATE');

CREATE FUNCTION agent_record_credits(p_provider text, p_ref text,
    p_job bigint, p_credits numeric) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    INSERT INTO job_credits (provider, ref, job_id, credits)
    VALUES (p_provider, p_ref, p_job, p_credits)
    ON CONFLICT (provider, ref) DO NOTHING;
$$;

CREATE FUNCTION agent_record_alert(p_provider text, p_kind text)
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    INSERT INTO provider_alerts (provider, kind) VALUES (p_provider, p_kind);
$$;

-- The API completes a job for an agent through the same function the
-- worker uses (one transaction with the debit, once).  primerka_grants()
-- revokes job_complete() from PUBLIC only, so these grants stay.
DO $$
DECLARE
    api text := current_database() || '_api';
    f text;
BEGIN
    FOR f IN SELECT p.oid::regprocedure::text FROM pg_proc p
              WHERE p.pronamespace = 'public'::regnamespace
                AND p.proname IN ('agent_record_credits',
                                  'agent_record_alert') LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = api) THEN
        RETURN;
    END IF;
    FOR f IN SELECT p.oid::regprocedure::text FROM pg_proc p
              WHERE p.pronamespace = 'public'::regnamespace
                AND p.proname IN ('job_complete', 'agent_record_credits',
                                  'agent_record_alert') LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', f, api);
    END LOOP;
END $$;
