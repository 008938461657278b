-- Contour-B agents take the database's provider slots (db/019) as the
-- worker does: the agent API's claim calls slot_acquire() for the job
-- it hands out (fcgi/agent_api.c), so workers and agents together never
-- hold more than a provider's max_concurrency.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles
                WHERE rolname = current_database() || '_api') THEN
        EXECUTE format('GRANT EXECUTE ON FUNCTION '
            'slot_acquire(bigint, text, text, int, int) TO %I',
            current_database() || '_api');
    END IF;
END $$;
