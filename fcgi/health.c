/*
 * GET /livez (the process answers), GET /readyz (PostgreSQL and S3 are
 * up), GET /healthz (the same as /readyz, kept for existing checks) and
 * GET /metrics (Prometheus text).  Loopback clients only (routes.c).
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "conftab.h"
#include "jobs.h"
#include "metrics.h"

#define METRICS_LEN sizeof(((struct api_state *)0)->metrics)

/*
 * The table gauges' queries: each one an index scan of recent rows
 * (job_events_at, jobs_ready, provider_alerts_at, jobs_results_finished,
 * photos_created) or an index-only scan (db/026_metrics_indexes.sql);
 * "the last hour" is the jobs with an event in it.
 */
const struct db_stmt health_statements[] = {
	{ "health_ping", "SELECT 1", 0 },
	{ "metrics_jobs",
	  "SELECT kind, status, count(*) FROM jobs GROUP BY kind, status", 0 },
	{ "metrics_queue",
	  "SELECT count(*), coalesce(extract(epoch FROM now() - "
	  "min(run_after)), 0) FROM jobs WHERE job_status_claimable(status) "
	  "AND run_after <= now() AND "
	  "(locked_until IS NULL OR locked_until < now())", 0 },
	{ "metrics_stages",
	  "SELECT status, count(*), coalesce(sum(secs), 0) FROM ("
	  "SELECT status, extract(epoch FROM lead(at) OVER w - at) AS secs "
	  "FROM job_events WHERE job_id IN (SELECT job_id FROM job_events "
	  "WHERE at > now() - interval '1 hour') WINDOW w AS "
	  "(PARTITION BY job_id ORDER BY id)) s WHERE secs IS NOT NULL "
	  "GROUP BY status", 0 },
	{ "metrics_errors",
	  "SELECT error_code, count(*) FROM jobs WHERE error_code IS NOT NULL "
	  "AND id IN (SELECT job_id FROM job_events WHERE at > now() - "
	  "interval '1 hour') GROUP BY error_code", 0 },
	/* Past their retention period and still stored: the sweep's
	 * backlog (indexed by db/011_erasure.sql). */
	{ "metrics_retention",
	  "SELECT (SELECT count(*) FROM photos WHERE $1::int > 0 AND "
	  "created_at < now() - make_interval(days => $1::int) - "
	  "interval '1 day'), (SELECT count(*) FROM jobs WHERE $2::int > 0 "
	  "AND status = 'COMPLETED' AND result_key IS NOT NULL AND "
	  "finished_at < now() - make_interval(days => $2::int) - "
	  "interval '1 day')", 2 },
	{ "metrics_purchases",
	  "SELECT status, count(*), coalesce(sum(stars), 0), "
	  "coalesce(sum(tokens), 0) FROM purchases GROUP BY status", 0 },
	{ "metrics_credits",
	  "SELECT provider, sum(credits) FROM job_credits GROUP BY provider",
	  0 },
	{ "metrics_alerts",
	  "SELECT provider, kind, count(*) FROM provider_alerts "
	  "WHERE at > now() - interval '1 hour' GROUP BY provider, kind", 0 },
	{ NULL, NULL, 0 }
};

/* The answer of /healthz and /readyz: PostgreSQL and S3 both up. */
static void
health_deps(struct req *r)
{
	json_object	*o;
	int		 db_ok, s3_ok;
	struct s3_error	 err;

	db_ok = db_run(r->app->db, "health_ping", 0, NULL, PGRES_TUPLES_OK,
	    NULL) == 0;
	s3_ok = s3_bucket_exists(r->app->s3,
	    r->app->bucket[BUCKET_USER_PHOTOS], &err) == 1;
	o = json_object_new_object();
	json_object_object_add(o, "status",
	    json_object_new_string(db_ok && s3_ok ? "ok" : "degraded"));
	json_object_object_add(o, "postgres",
	    json_object_new_string(db_ok ? "ok" : "down"));
	json_object_object_add(o, "s3",
	    json_object_new_string(s3_ok ? "ok" : "down"));
	resp_json(r, db_ok && s3_ok ? 200 : 503, o, NULL);
	json_object_put(o);
}

void
h_healthz(struct req *r)
{
	health_deps(r);
}

void
h_readyz(struct req *r)
{
	health_deps(r);
}

void
h_livez(struct req *r)
{
	json_object	*o;

	/* The process answers: nothing else is asked, so a blip of
	 * PostgreSQL or S3 never gets a healthy backend restarted. */
	o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string("ok"));
	resp_json(r, 200, o, NULL);
	json_object_put(o);
}

/*
 * One sample a row of res: name{label="<column 0>"} <column col>, into
 * buf at *off (what does not fit is left out).
 */
static void
put_by(char *buf, size_t len, size_t *off, const PGresult *res,
    const char *name, const char *label, int col)
{
	int	 i, w;

	for (i = 0; i < PQntuples(res); i++) {
		w = snprintf(buf + *off, len - *off, "%s{%s=\"%s\"} %s\n",
		    name, label, PQgetvalue(res, i, 0),
		    PQgetvalue(res, i, col));
		if (w > 0 && (size_t)w < len - *off)
			*off += (size_t)w;
	}
}

/*
 * Append the worker's metrics file (what fits): on a host that runs both,
 * one scrape of /metrics has the API's and the worker's figures.
 */
static void
put_file(char *buf, size_t *off, const char *path)
{
	FILE	*f;
	size_t	 n;

	if (path == NULL || path[0] == '\0')
		return;
	f = fopen(path, "r");
	if (f == NULL)
		return;		/* no worker here, or not yet written */
	n = fread(buf + *off, 1, METRICS_LEN - *off, f);
	fclose(f);
	/* A file cut short would end in half a line: leave it out. */
	if (*off + n < METRICS_LEN)
		*off += n;
}

/*
 * primerka_retention_overdue: photos and results more than a day past
 * their retention period ([retention] photo_days, result_days; 0 keeps
 * them), which the hourly sweep should have deleted.
 */
static void
put_retention(struct req *r, char *buf, size_t len, size_t *off)
{
	PGresult	*res;
	int64_t		 pd, rd;
	char		 p1[24], p2[24];
	const char	*p[2] = { p1, p2 };
	int		 w;

	if (conf_get_int(r->app->cfg, CONF_RETENTION_PHOTO_DAYS, &pd) == -1 ||
	    conf_get_int(r->app->cfg, CONF_RETENTION_RESULT_DAYS, &rd) == -1)
		return;
	snprintf(p1, sizeof(p1), "%lld", (long long)pd);
	snprintf(p2, sizeof(p2), "%lld", (long long)rd);
	if (db_run(r->app->db, "metrics_retention", 2, p, PGRES_TUPLES_OK,
	    &res) != 0)
		return;
	w = snprintf(buf + *off, len - *off,
	    "# HELP primerka_retention_overdue Objects more than a day past "
	    "their retention period, by kind.\n"
	    "# TYPE primerka_retention_overdue gauge\n"
	    "primerka_retention_overdue{kind=\"photo\"} %s\n"
	    "primerka_retention_overdue{kind=\"result\"} %s\n",
	    PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	if (w > 0 && (size_t)w < len - *off)
		*off += (size_t)w;
	PQclear(res);
}

/*
 * The gauges that query tables (metrics_gauges()' fill): each query is
 * indexed (db/026_metrics_indexes.sql) and runs once per [metrics]
 * cache_ttl for the whole pool.
 */
static void
table_gauges(void *arg, char *buf, size_t len, size_t *offp)
{
	struct req	*r = arg;
	PGresult	*res;
	size_t		 off = *offp;
	int		 i, n;

#define PUT(...) do {							\
	int w_ = snprintf(buf + off, len - off, __VA_ARGS__);		\
	if (w_ > 0 && (size_t)w_ < len - off)				\
		off += (size_t)w_;					\
} while (0)

	if (db_run(r->app->db, "metrics_jobs", 0, NULL, PGRES_TUPLES_OK,
	    &res) == 0) {
		PUT("# HELP primerka_jobs Jobs by kind and status.\n"
		    "# TYPE primerka_jobs gauge\n");
		n = PQntuples(res);
		for (i = 0; i < n; i++)
			PUT("primerka_jobs{kind=\"%s\",status=\"%s\"} %s\n",
			    PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
			    PQgetvalue(res, i, 2));
		PQclear(res);
	}
	if (db_run(r->app->db, "metrics_queue", 0, NULL, PGRES_TUPLES_OK,
	    &res) == 0) {
		PUT("# HELP primerka_queue_ready Jobs ready to be claimed.\n"
		    "# TYPE primerka_queue_ready gauge\n"
		    "primerka_queue_ready %s\n"
		    "# HELP primerka_queue_oldest_seconds Age of the oldest "
		    "ready job.\n# TYPE primerka_queue_oldest_seconds gauge\n"
		    "primerka_queue_oldest_seconds %s\n",
		    PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
		PQclear(res);
	}
	if (db_run(r->app->db, "metrics_stages", 0, NULL, PGRES_TUPLES_OK,
	    &res) == 0) {
		PUT("# HELP primerka_stage_seconds Time jobs spent in each "
		    "status (jobs with an event in the last hour).\n"
		    "# TYPE primerka_stage_seconds summary\n");
		n = PQntuples(res);
		for (i = 0; i < n; i++)
			PUT("primerka_stage_seconds_sum{status=\"%s\"} %s\n"
			    "primerka_stage_seconds_count{status=\"%s\"} %s\n",
			    PQgetvalue(res, i, 0), PQgetvalue(res, i, 2),
			    PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
		PQclear(res);
	}
	if (db_run(r->app->db, "metrics_errors", 0, NULL, PGRES_TUPLES_OK,
	    &res) == 0) {
		PUT("# HELP primerka_job_errors Jobs whose last error was code "
		    "(with an event in the last hour): provider_*, storage_error "
		    "(S3), photo_* ...\n# TYPE primerka_job_errors gauge\n");
		put_by(buf, len, &off, res, "primerka_job_errors", "code",
		    1);
		PQclear(res);
	}
	put_retention(r, buf, len, &off);
	if (db_run(r->app->db, "metrics_purchases", 0, NULL, PGRES_TUPLES_OK,
	    &res) == 0) {
		PUT("# HELP primerka_purchases Token purchases by status "
		    "(pending, paid, refunded).\n"
		    "# TYPE primerka_purchases gauge\n");
		put_by(buf, len, &off, res, "primerka_purchases", "status",
		    1);
		PUT("# HELP primerka_purchase_stars Telegram Stars of the "
		    "purchases by status.\n"
		    "# TYPE primerka_purchase_stars gauge\n");
		put_by(buf, len, &off, res, "primerka_purchase_stars",
		    "status", 2);
		PUT("# HELP primerka_purchase_tokens Tokens of the purchases "
		    "by status.\n# TYPE primerka_purchase_tokens gauge\n");
		put_by(buf, len, &off, res, "primerka_purchase_tokens",
		    "status", 3);
		PQclear(res);
	}
	if (db_run(r->app->db, "metrics_credits", 0, NULL, PGRES_TUPLES_OK,
	    &res) == 0) {
		PUT("# HELP primerka_provider_credits_total What the hosted "
		    "providers charged, in their own units (FASHN credits, "
		    "Replicate seconds, fal requests).\n"
		    "# TYPE primerka_provider_credits_total counter\n");
		put_by(buf, len, &off, res, "primerka_provider_credits_total",
		    "provider", 1);
		PQclear(res);
	}
	if (db_run(r->app->db, "metrics_alerts", 0, NULL, PGRES_TUPLES_OK,
	    &res) == 0) {
		PUT("# HELP primerka_provider_alerts Operator alerts in the "
		    "last hour: a provider out of credits or refusing the key."
		    "\n# TYPE primerka_provider_alerts gauge\n");
		n = PQntuples(res);
		for (i = 0; i < n; i++)
			PUT("primerka_provider_alerts{provider=\"%s\","
			    "kind=\"%s\"} %s\n", PQgetvalue(res, i, 0),
			    PQgetvalue(res, i, 1), PQgetvalue(res, i, 2));
		PQclear(res);
	}
#undef PUT
	*offp = off;
}

void
h_metrics(struct req *r)
{
	char		*buf = r->state->metrics;
	size_t		 off = 0;
	int		 w;

	w = snprintf(buf, METRICS_LEN, "# HELP primerka_up Whether the API "
	    "answered.\n# TYPE primerka_up gauge\nprimerka_up 1\n");
	if (w > 0 && (size_t)w < METRICS_LEN)
		off = (size_t)w;
	metrics_gauges(buf, METRICS_LEN, &off, r->app->metrics_ttl,
	    table_gauges, r);
	metrics_write(buf, METRICS_LEN, &off, api_route_label);
	put_file(buf, &off, conf_get(r->app->cfg, CONF_WORKER_METRICS_PATH));
	resp_raw(r, 200, "text/plain; version=0.0.4", buf, off, NULL);
}
