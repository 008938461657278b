-- What the hosted AI providers charge primerka, beside what primerka
-- charges its users (the ledger): one row per remote job a provider
-- billed, keyed by the provider and its own id, so that a job resumed
-- after a worker restart is never counted twice.  Rows outlive an
-- erased job (job_id set to NULL): they are the service's costs, not
-- the user's data.  Units are the provider's: FASHN credits, Replicate
-- seconds of prediction time, fal requests.
CREATE TABLE job_credits (
    provider    text NOT NULL,
    ref         text NOT NULL,
    job_id      bigint REFERENCES jobs(id) ON DELETE SET NULL,
    credits     numeric(14, 3) NOT NULL CHECK (credits >= 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, ref)
);
CREATE INDEX job_credits_job ON job_credits (job_id);
CREATE INDEX job_credits_day ON job_credits (created_at);

-- Operator alerts raised by the worker: a provider out of credits, or
-- refusing primerka's key.  /metrics counts the last hour's.
CREATE TABLE provider_alerts (
    id          bigserial PRIMARY KEY,
    provider    text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('out_of_credits', 'key_refused')),
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX provider_alerts_at ON provider_alerts (at);
