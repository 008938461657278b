/*
 * QUEUED: wait for a provider slot.  Slots are PostgreSQL session
 * advisory locks, one per unit of the provider's configured concurrency,
 * so they are shared by every worker process on every host and are
 * released by the server if a worker dies.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "worker.h"

#define SLOT_LOCK_CLASS	0x70726b	/* "prk" */

int
stage_queued(struct job_ctx *c)
{
	PGresult	*res;
	char		 sql[128];
	int		 i, got, waited = 0;

	c->slot = -1;
	if (c->prov->max_concurrency <= 0)
		return 0;
	for (;;) {
		for (i = 0; i < c->prov->max_concurrency; i++) {
			snprintf(sql, sizeof(sql),
			    "SELECT pg_try_advisory_lock(%d, %d)",
			    SLOT_LOCK_CLASS, i);
			res = PQexec(db_conn(c->app->db), sql);
			got = PQresultStatus(res) == PGRES_TUPLES_OK &&
			    strcmp(PQgetvalue(res, 0, 0), "t") == 0;
			PQclear(res);
			if (got) {
				c->slot = i;
				return 0;
			}
		}
		if (waited++ % 10 == 0 && queue_heartbeat(c->app->db, &c->job,
		    c->worker, c->lease) != QUEUE_OK) {
			job_error_set(&c->err, JOB_ERR_INTERNAL,
			    "queued: job lost while waiting");
			return -1;
		}
		usleep(200 * 1000);
	}
}
