/*
 * poll_after_ms: the server's estimate of when a job will next matter to
 * its poller, so the Mini App asks again just after the job is likely to
 * have finished instead of on a fixed backoff.
 *
 * The estimate is the median time recent jobs of its kind took from
 * entering the job's current status to COMPLETED (over the last 200
 * completed jobs, read at most every POLL_STATS_TTL seconds per
 * process), less the time the job has spent in it; plus, for a job
 * still waiting in RECEIVED behind more jobs than are running, those
 * extra jobs times the median job divided among the jobs running.  A small margin makes the
 * poll land just after the change rather than before it.
 */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api.h"

#define POLL_STATS_TTL	10	/* seconds */
#define POLL_MIN_MS	200
#define POLL_MAX_MS	8000
#define POLL_MARGIN_MS	60

const struct db_stmt poll_statements[] = {
	{ "poll_stage_medians",
	  "SELECT j.kind, e.status::text, percentile_cont(0.5) WITHIN GROUP "
	  "(ORDER BY extract(epoch FROM j.done - e.at)), "
	  "percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM "
	  "j.done - j.created_at)) "
	  "FROM (SELECT id, kind, created_at, (SELECT max(at) FROM job_events "
	  "c WHERE c.job_id = jobs.id AND c.status = 'COMPLETED') AS done "
	  "FROM jobs WHERE status = 'COMPLETED' AND finished_at IS NOT NULL "
	  "ORDER BY finished_at DESC LIMIT 200) j JOIN job_events e "
	  "ON e.job_id = j.id AND e.status <> 'COMPLETED' "
	  "WHERE j.done IS NOT NULL AND e.at <= j.done GROUP BY 1, 2", 0 },
	{ "poll_queue",
	  "SELECT count(*) FILTER (WHERE locked_by IS NULL AND id < $1 "
	  "AND run_after <= now()), count(*) FILTER (WHERE locked_by IS NOT "
	  "NULL AND locked_until > now()) FROM jobs "
	  "WHERE NOT job_status_terminal(status)", 1 },
	{ NULL, NULL, 0 }
};

/* Read the medians into st when they are older than the TTL. */
static void
refresh(struct req *r, struct poll_stats *st)
{
	PGresult	*res;
	time_t		 now = time(NULL);
	int		 i, k, s;

	if (st->at != 0 && now - st->at < POLL_STATS_TTL)
		return;
	st->at = now;
	if (db_run(r->app->db, "poll_stage_medians", 0, NULL, PGRES_TUPLES_OK,
	    &res) == -1)
		return;		/* keep the old figures */
	memset(st->left, 0, sizeof(st->left));
	memset(st->total, 0, sizeof(st->total));
	st->known = 0;
	for (i = 0; i < PQntuples(res); i++) {
		k = job_kind_parse(PQgetvalue(res, i, 0));
		s = job_status_parse(PQgetvalue(res, i, 1));
		if (k < 0 || k >= JOB_KIND__MAX || s < 0 ||
		    s >= JOB_STATUS__MAX)
			continue;
		st->left[k][s] = strtod(PQgetvalue(res, i, 2), NULL);
		st->total[k] = strtod(PQgetvalue(res, i, 3), NULL);
		st->known |= 1 << k;
	}
	PQclear(res);
}

int64_t
poll_after_ms(struct req *r, enum job_kind kind, enum job_status status,
    int64_t job_id, double in_status)
{
	struct poll_stats *st = &r->state->poll;
	double		 left = 0, total = 0;
	char		 id[24];
	const char	*p[1] = { id };
	PGresult	*res;
	int64_t		 ahead, running, ms;

	if (job_status_terminal(status))
		return -1;
	refresh(r, st);
	if (!(st->known & (1 << kind)))
		return 1000;		/* nothing to go by yet: the old pace */
	total = st->total[kind];
	/* The median time from entering this status to COMPLETED, less the
	 * time already spent in it; a status no recent job passed through
	 * (a retry's) counts as just finishing. */
	left = st->left[kind][status] - in_status;
	if (left < 0)
		left = 0;
	if (status == JOB_RECEIVED) {
		snprintf(id, sizeof(id), "%lld", (long long)job_id);
		if (db_run(r->app->db, "poll_queue", 1, p, PGRES_TUPLES_OK,
		    &res) == 0) {
			ahead = db_get_i64(res, 0, 0);
			running = db_get_i64(res, 0, 1);
			PQclear(res);
			/* The history already holds a usual wait; only a
			 * queue deeper than the jobs running adds to it. */
			if (ahead > running)
				left += (double)(ahead - running) * total /
				    (double)(running > 0 ? running : 1);
		}
	}
	ms = (int64_t)llround(left * 1000.0) + POLL_MARGIN_MS;
	if (ms < POLL_MIN_MS)
		ms = POLL_MIN_MS;
	if (ms > POLL_MAX_MS)
		ms = POLL_MAX_MS;
	return ms;
}
