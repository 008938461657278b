/*
 * RUNNING: the provider's tryon or animate call.  The hooks it gets keep
 * the lease alive, store the provider's remote id (resume without paying
 * twice), record the credits the provider charged (once per remote id)
 * and raise operator alerts.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "worker.h"

const struct db_stmt running_statements[] = {
	{ "running_credits",
	  "INSERT INTO job_credits (provider, ref, job_id, credits) "
	  "VALUES ($1, $2, $3, $4) ON CONFLICT (provider, ref) DO NOTHING", 4 },
	{ "running_alert",
	  "INSERT INTO provider_alerts (provider, kind) VALUES ($1, $2)", 2 },
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

int
stage_running(struct job_ctx *c)
{
	struct provider_hooks	 hooks = {
		.arg = c,
		.heartbeat = hb,
		.save_ref = save_ref,
		.ref = c->job.provider_ref,
		.last_error = c->job.last_error,
		.credits = credits,
		.alert = alert,
	};
	int			 rc;

	rc = running_call(c, &hooks);
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
		};
		rc = c->prov->animate(c->prov, &rq, h, &c->result_url,
		    &c->err);
	}
	return rc;
}
