/*
 * Provider slots: how many jobs may be at the provider at once, across
 * every worker process on every host.  A slot is a PostgreSQL session
 * advisory lock (SLOT_LOCK_CLASS, slot number), so the server releases
 * it if a worker dies; a live worker takes it in QUEUED and gives it back
 * once the provider answered (RUNNING), and on every other way out of
 * the pipeline (a failed stage, a job cancelled or lost meanwhile).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "worker.h"

#define SLOT_LOCK_CLASS	0x70726b	/* "prk": the one lock class */
#define SLOT_POLL_US	(200 * 1000)

/* One advisory lock call on the worker's session; 1 when it said true. */
static int
slot_call(struct job_ctx *c, const char *fn, int slot)
{
	PGresult	*res;
	char		 sql[96];
	int		 yes;

	snprintf(sql, sizeof(sql), "SELECT %s(%d, %d)", fn, SLOT_LOCK_CLASS,
	    slot);
	res = PQexec(db_conn(c->app->db), sql);
	yes = PQresultStatus(res) == PGRES_TUPLES_OK &&
	    strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return yes;
}

int
slot_acquire(struct job_ctx *c)
{
	time_t	 deadline;
	int	 i, waited = 0;

	c->slot = -1;
	if (c->prov->max_concurrency <= 0)
		return 0;
	deadline = time(NULL) + c->slot_wait;
	for (;;) {
		for (i = 0; i < c->prov->max_concurrency; i++) {
			if (slot_call(c, "pg_try_advisory_lock", i)) {
				c->slot = i;
				return 0;
			}
		}
		if (time(NULL) >= deadline) {
			job_error_set_final(&c->err, JOB_ERR_PROVIDER_TIMEOUT,
			    "queued: no provider slot free within %d s",
			    c->slot_wait);
			return -1;
		}
		if (waited++ % 10 == 0 && queue_heartbeat(c->app->db, &c->job,
		    c->worker, c->lease) != QUEUE_OK) {
			job_error_set(&c->err, JOB_ERR_INTERNAL,
			    "queued: job lost while waiting");
			return -1;
		}
		usleep(SLOT_POLL_US);
	}
}

void
slot_release(struct job_ctx *c)
{
	if (c->slot < 0)
		return;
	if (!slot_call(c, "pg_advisory_unlock", c->slot))
		log_warnx("job %lld: provider slot %d was not held",
		    (long long)c->job.id, c->slot);
	c->slot = -1;
}
