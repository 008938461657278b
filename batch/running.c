/*
 * RUNNING: the provider's tryon or animate call.  The hooks it gets keep
 * the lease alive, store the provider's remote id (resume without paying
 * twice), record the credits the provider charged (once per remote id)
 * and raise operator alerts.
 *
 * A hosted provider hands the job back as soon as the vendor accepted
 * it: the job is parked (STAGE_PARKED) and running_check() makes one
 * status call each time it is due again, with a growing interval, until
 * the vendor is done; the provider slot stays with the job meanwhile.
 */
#include <stdio.h>
#include <string.h>

#include "hooks.h"
#include "log.h"
#include "worker.h"

const struct db_stmt running_statements[] = {
	{ "running_credits",
	  "INSERT INTO job_credits (provider, ref, job_id, credits) "
	  "VALUES ($1, $2, $3, $4) ON CONFLICT (provider, ref) DO NOTHING", 4 },
	{ "running_alert",
	  "INSERT INTO provider_alerts (provider, kind) VALUES ($1, $2)", 2 },
	/* A resumed parked try-on: what UPLOADING needs of VALIDATING. */
	{ "running_location",
	  "SELECT coalesce(l.image_key, '') FROM jobs j LEFT JOIN locations l "
	  "ON l.id = j.location_id WHERE j.id = $1", 1 },
	/* The hash of this submission's webhook token (see hooks.c). */
	{ "running_hook_token",
	  "UPDATE jobs SET hook_token_hash = $3 WHERE id = $1 AND "
	  "locked_by = $2 AND NOT job_status_terminal(status) "
	  "RETURNING id", 3 },
	{ NULL, NULL, 0 }
};

static int
hb(void *arg)
{
	struct job_ctx	*c = arg;

	return queue_heartbeat(c->app->db, &c->job, c->worker, c->lease) ==
	    QUEUE_OK ? 0 : -1;
}

static int
save_ref(void *arg, const char *ref)
{
	struct job_ctx	*c = arg;

	return queue_set_provider_ref(c->app->db, &c->job, c->worker, ref) ==
	    QUEUE_OK ? 0 : -1;
}

/*
 * A new webhook token for this submission when webhooks are on: the
 * token goes into the URL the vendor gets, only its hash into the row.
 * A failure leaves webhooks off for the job (it is polled).
 */
static void
new_hook_token(struct job_ctx *c)
{
	char		 id[24], hash[65];
	const char	*p[3] = { id, c->worker, hash };

	c->hook_token[0] = '\0';
	if (c->hook_base == NULL || c->hook_base[0] == '\0')
		return;
	if (hook_token_new(c->hook_token, sizeof(c->hook_token)) == -1)
		return;
	hook_token_hash(c->hook_token, hash);
	snprintf(id, sizeof(id), "%lld", (long long)c->job.id);
	if (db_run(c->app->db, "running_hook_token", 3, p, PGRES_TUPLES_OK,
	    NULL) == -1)
		c->hook_token[0] = '\0';
}

int64_t
running_park_delay(const struct provider *prov, int checks)
{
	int64_t	 d = prov->park_min_ms > 0 ? prov->park_min_ms : 1000;
	int64_t	 cap = prov->park_max_ms > d ? prov->park_max_ms : d;

	while (checks-- > 0 && d < cap)
		d *= 2;
	return d > cap ? cap : d;
}

/* A lost row is logged, never a reason to fail the job. */
static void
credits(void *arg, const char *provider, const char *ref, double n)
{
	struct job_ctx	*c = arg;
	char		 id[24], amount[32];
	const char	*p[4] = { provider, ref, id, amount };

	snprintf(id, sizeof(id), "%lld", (long long)c->job.id);
	snprintf(amount, sizeof(amount), "%.3f", n);
	if (db_run(c->app->db, "running_credits", 4, p, PGRES_COMMAND_OK,
	    NULL) == -1)
		log_kv(LOG_LVL_WARN, "provider credits not recorded",
		    "job_id", id, "provider", provider, "credits", amount,
		    (char *)NULL);
}

static void
alert(void *arg, const char *provider, const char *kind)
{
	struct job_ctx	*c = arg;
	const char	*p[2] = { provider, kind };

	(void)db_run(c->app->db, "running_alert", 2, p, PGRES_COMMAND_OK,
	    NULL);
}

/* The worker's hooks for a provider call on c's job, parking allowed. */
static void
worker_hooks(struct job_ctx *c, struct provider_hooks *h)
{
	memset(h, 0, sizeof(*h));
	h->arg = c;
	h->heartbeat = hb;
	h->save_ref = save_ref;
	h->ref = c->job.provider_ref;
	h->last_error = c->job.last_error;
	h->credits = credits;
	h->alert = alert;
	h->park = 1;
}

int
stage_running(struct job_ctx *c)
{
	struct provider_hooks	 hooks;
	int			 rc;

	new_hook_token(c);
	worker_hooks(c, &hooks);
	hooks.unavailable = c->unavailable;
	hooks.hook_base = c->hook_base;
	hooks.hook_token = c->hook_token;
	rc = running_call(c, &hooks);
	if (rc == PROVIDER_PARKED) {
		c->park_ms = running_park_delay(c->prov, 0);
		return STAGE_PARKED;	/* the slot stays with the job */
	}
	slot_release(c);	/* the provider is done with us */
	return rc;
}

int
running_call(struct job_ctx *c, const struct provider_hooks *h)
{
	int	 rc;

	if (c->job.kind == JOB_KIND_TRYON) {
		struct provider_tryon_req rq = {
			.job_id = c->job.id,
			.user_photo_url = c->photo_url,
			.outfit_url = c->outfit_url,
			.location_url = c->location_url,
			.category = c->category,
			.prompt = c->prompt,
			.description = c->outfit_title,
			.seed = c->job.seed,
			.pose = c->pose.done ? &c->pose : NULL,
		};
		rc = c->prov->tryon(c->prov, &rq, h, &c->result_url,
		    &c->err);
		/* Whether the person still has to be put in the location. */
		c->place_location = rc == 0 && c->location_url != NULL &&
		    !c->prov->places_location;
	} else {
		struct provider_animate_req rq = {
			.job_id = c->job.id,
			.image_url = c->source_url,
			.prompt = c->prompt,
			.location_url = c->location_url,
			.pose = c->pose.done ? &c->pose : NULL,
		};
		rc = c->prov->animate(c->prov, &rq, h, &c->result_url,
		    &c->err);
	}
	return rc;
}

int
running_poll(struct job_ctx *c, const struct provider_hooks *h)
{
	int	 rc;

	if (c->prov->check == NULL) {
		/* Parked by a provider this configuration no longer has. */
		job_error_set(&c->err, JOB_ERR_PROVIDER_ERROR,
		    "running: no provider can check the parked job");
		return -1;
	}
	rc = c->prov->check(c->prov, c->job.kind, h, &c->result_url,
	    &c->err);
	if (rc != PROVIDER_PARKED)
		return rc;
	if (c->prov->park_timeout_ms > 0 &&
	    c->job.parked_ms > c->prov->park_timeout_ms) {
		job_error_set(&c->err, JOB_ERR_PROVIDER_TIMEOUT,
		    "running: not finished at the vendor within %ld ms",
		    c->prov->park_timeout_ms);
		c->err.unavailable = 1;
		return -1;
	}
	c->park_ms = running_park_delay(c->prov, c->job.park_checks + 1);
	return STAGE_PARKED;
}

int
running_check(struct job_ctx *c)
{
	struct provider_hooks	 hooks;
	PGresult		*res;
	char			 id[24];
	const char		*p[1] = { id };
	int			 rc;

	worker_hooks(c, &hooks);
	rc = running_poll(c, &hooks);
	if (rc != 0)
		return rc;
	slot_release(c);	/* the provider is done with us */
	/* What VALIDATING would have found for UPLOADING. */
	if (c->job.kind == JOB_KIND_TRYON && c->job.location_id != 0) {
		snprintf(id, sizeof(id), "%lld", (long long)c->job.id);
		if (db_run(c->app->db, "running_location", 1, p,
		    PGRES_TUPLES_OK, &res) == -1 || PQntuples(res) != 1) {
			job_error_set(&c->err, JOB_ERR_INTERNAL,
			    "running: cannot read the job's location");
			return -1;
		}
		snprintf(c->location_key, sizeof(c->location_key), "%s",
		    PQgetvalue(res, 0, 0));
		PQclear(res);
		c->place_location = c->location_key[0] != '\0' &&
		    !c->prov->places_location;
	}
	return 0;
}
