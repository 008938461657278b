/*
 * RUNNING: the provider's tryon or animate call.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "worker.h"

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

int
stage_running(struct job_ctx *c)
{
	struct provider_hooks	 hooks = { c, hb, save_ref, c->job.provider_ref };
	int			 rc;

	if (c->job.kind == JOB_KIND_TRYON) {
		struct provider_tryon_req rq = {
			c->job.id, c->photo_url, c->outfit_url,
			c->location_url, c->category, c->prompt, c->job.seed
		};
		rc = c->prov->tryon(c->prov, &rq, &hooks, &c->result_url,
		    &c->err);
	} else {
		struct provider_animate_req rq = {
			c->job.id, c->source_url, c->prompt
		};
		rc = c->prov->animate(c->prov, &rq, &hooks, &c->result_url,
		    &c->err);
	}
	slot_release(c);	/* the provider is done with us */
	return rc;
}
