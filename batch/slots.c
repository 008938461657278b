/*
 * Provider slots: how many jobs may be at a provider at once, across
 * every worker process on every host.  A slot is a job row naming the
 * provider in slot_provider (db/019_parked_jobs.sql): slot_acquire()
 * there grants one under a per-provider lock, first come first served;
 * a job refused waits parked in QUEUED, in the provider's line, and is
 * woken when a slot is given back.  No process waits and nothing polls.
 *
 * The slot belongs to the job, not to a process: it stays with a parked
 * job, follows a job another worker rescued, and goes back when the
 * provider answered (slot_release()), when the job is retried
 * (queue_retry()) and whenever it ends, by a trigger, whoever ends it
 * (a cancel too).  This file is the only one that takes or gives back a
 * slot.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "worker.h"

#define SLOT_RECHECK_MS	5000	/* a job in a slot's line looks again */

const struct db_stmt slot_statements[] = {
	{ "slot_acquire",
	  "SELECT slot_acquire($1, $2, $3, $4, $5)", 5 },
	{ "slot_release",
	  "UPDATE jobs SET slot_provider = NULL WHERE id = $1 AND "
	  "locked_by = $2 AND slot_provider IS NOT NULL RETURNING id", 2 },
	{ NULL, NULL, 0 }
};

/* The name slots are counted under. */
static const char *
slot_name(const struct job_ctx *c)
{
	return c->prov->slot_name != NULL ? c->prov->slot_name :
	    c->prov->name;
}

int
slot_acquire(struct job_ctx *c)
{
	PGresult	*res;
	char		 id[24], max[16], wait[16];
	const char	*p[5] = { id, c->worker, slot_name(c), max, wait };
	const char	*v;
	int		 rc = -1;

	if (c->prov->max_concurrency <= 0)
		return 0;
	snprintf(id, sizeof(id), "%lld", (long long)c->job.id);
	snprintf(max, sizeof(max), "%d", c->prov->max_concurrency);
	snprintf(wait, sizeof(wait), "%d", c->slot_wait);
	if (db_run(c->app->db, "slot_acquire", 5, p, PGRES_TUPLES_OK,
	    &res) == -1) {
		job_error_set(&c->err, JOB_ERR_INTERNAL,
		    "queued: cannot take a provider slot");
		return -1;
	}
	v = PQgetvalue(res, 0, 0);
	if (strcmp(v, "acquired") == 0) {
		c->slot = 1;
		rc = 0;
	} else if (strcmp(v, "wait") == 0) {
		/* In line: woken when a slot is given back; meanwhile a
		 * look now and then for the slot_wait deadline. */
		c->park_ms = c->slot_wait * 1000L < SLOT_RECHECK_MS ?
		    c->slot_wait * 1000L : SLOT_RECHECK_MS;
		rc = STAGE_PARKED;
	}
	else if (strcmp(v, "timeout") == 0)
		job_error_set_final(&c->err, JOB_ERR_PROVIDER_TIMEOUT,
		    "queued: no provider slot free within %d s", c->slot_wait);
	else
		job_error_set(&c->err, JOB_ERR_INTERNAL,
		    "queued: job lost while waiting for a slot");
	PQclear(res);
	return rc;
}

void
slot_release(struct job_ctx *c)
{
	PGresult	*res;
	char		 id[24];
	const char	*p[2] = { id, c->worker };

	if (c->slot <= 0)
		return;
	c->slot = 0;
	snprintf(id, sizeof(id), "%lld", (long long)c->job.id);
	if (db_run(c->app->db, "slot_release", 2, p, PGRES_TUPLES_OK,
	    &res) == -1) {
		/* The job's end or its retry gives it back anyway. */
		log_warnx("job %lld: provider slot not given back: %s",
		    (long long)c->job.id, db_error(c->app->db));
		return;
	}
	PQclear(res);
}
