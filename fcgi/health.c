/*
 * GET /livez (the process answers), GET /readyz (PostgreSQL and S3 are
 * up), GET /healthz (the same as /readyz, kept for existing checks) and
 * GET /metrics (Prometheus text).  Loopback clients only (routes.c).
 */
#include <stdarg.h>
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

/* One sample a row of a gauge's query: its name's suffix, a fixed
 * label (or NULL) and the column of its value. */
struct sample {
	const char	*suffix;
	const char	*label;
	int		 col;
};

/*
 * A metric family from one of health_statements' queries: its name, type
 * and help; the labels taken from the first columns of each row (nlabels
 * of them, named in labels); and one or two samples a row.  Families in a
 * row with the same query share its one run.
 */
struct gauge {
	const char	*stmt;
	const char	*name;
	const char	*type;
	const char	*help;
	int		 nlabels;
	const char	*labels[2];
	struct sample	 samples[2];
};

static const struct gauge gauges[] = {
	{ "metrics_jobs", "primerka_jobs", "gauge",
	  "Jobs by kind and status.", 2, { "kind", "status" },
	  { { "", NULL, 2 } } },
	{ "metrics_queue", "primerka_queue_ready", "gauge",
	  "Jobs ready to be claimed.", 0, { NULL },
	  { { "", NULL, 0 } } },
	{ "metrics_queue", "primerka_queue_oldest_seconds", "gauge",
	  "Age of the oldest ready job.", 0, { NULL },
	  { { "", NULL, 1 } } },
	{ "metrics_stages", "primerka_stage_seconds", "summary",
	  "Time jobs spent in each status (jobs with an event in the last "
	  "hour).", 1, { "status" },
	  { { "_sum", NULL, 2 }, { "_count", NULL, 1 } } },
	{ "metrics_errors", "primerka_job_errors", "gauge",
	  "Jobs whose last error was code (with an event in the last hour): "
	  "provider_*, storage_error (S3), photo_* ...", 1, { "code" },
	  { { "", NULL, 1 } } },
	/* Photos and results more than a day past their retention period
	 * ([retention] photo_days, result_days; 0 keeps them), which the
	 * hourly sweep should have deleted. */
	{ "metrics_retention", "primerka_retention_overdue", "gauge",
	  "Objects more than a day past their retention period, by kind.",
	  0, { NULL },
	  { { "", "kind=\"photo\"", 0 }, { "", "kind=\"result\"", 1 } } },
	{ "metrics_purchases", "primerka_purchases", "gauge",
	  "Token purchases by status (pending, paid, refunded).",
	  1, { "status" }, { { "", NULL, 1 } } },
	{ "metrics_purchases", "primerka_purchase_stars", "gauge",
	  "Telegram Stars of the purchases by status.",
	  1, { "status" }, { { "", NULL, 2 } } },
	{ "metrics_purchases", "primerka_purchase_tokens", "gauge",
	  "Tokens of the purchases by status.",
	  1, { "status" }, { { "", NULL, 3 } } },
	{ "metrics_credits", "primerka_provider_credits_total", "counter",
	  "What the hosted providers charged, in their own units (FASHN "
	  "credits, Replicate seconds, fal requests).", 1, { "provider" },
	  { { "", NULL, 1 } } },
	{ "metrics_alerts", "primerka_provider_alerts", "gauge",
	  "Operator alerts in the last hour: a provider out of credits or "
	  "refusing the key.", 2, { "provider", "kind" },
	  { { "", NULL, 2 } } },
};

/* Append to buf at *off what fits of the printf-style text. */
static void __attribute__((format(printf, 4, 5)))
put(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list	 ap;
	int	 w;

	va_start(ap, fmt);
	w = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (w > 0 && (size_t)w < len - *off)
		*off += (size_t)w;
}

/* The labels of a sample in row i of res: {a="x",b="y"} or "". */
static void
labels_of(const struct gauge *g, const struct sample *sm,
    const PGresult *res, int i, char *out, size_t len)
{
	size_t	 off = 0;
	int	 k;

	out[0] = '\0';
	if (sm->label != NULL) {
		snprintf(out, len, "{%s}", sm->label);
		return;
	}
	for (k = 0; k < g->nlabels; k++)
		put(out, len, &off, "%s%s=\"%s\"", k == 0 ? "{" : ",",
		    g->labels[k], PQgetvalue(res, i, k));
	if (g->nlabels > 0)
		put(out, len, &off, "}");
}

/* The parameters of a gauge's query: [retention]'s days for
 * metrics_retention, none for the others.  Their count, or -1. */
static int
gauge_params(struct req *r, const struct gauge *g, char p[2][24])
{
	int64_t	 pd, rd;

	if (strcmp(g->stmt, "metrics_retention") != 0)
		return 0;
	if (conf_get_int(r->app->cfg, CONF_RETENTION_PHOTO_DAYS, &pd) == -1 ||
	    conf_get_int(r->app->cfg, CONF_RETENTION_RESULT_DAYS, &rd) == -1)
		return -1;
	snprintf(p[0], sizeof(p[0]), "%lld", (long long)pd);
	snprintf(p[1], sizeof(p[1]), "%lld", (long long)rd);
	return 2;
}

/*
 * The gauges that query tables (metrics_gauges()' fill): each query is
 * indexed (db/026_metrics_indexes.sql) and runs once per [metrics]
 * cache_ttl for the whole pool.  A query that fails leaves its families
 * out.
 */
static void
table_gauges(void *arg, char *buf, size_t len, size_t *offp)
{
	struct req		*r = arg;
	const struct gauge	*g;
	const struct sample	*sm;
	PGresult		*res = NULL;
	const char		*last = NULL, *pp[2];
	char			 p[2][24], lab[256];
	size_t			 k;
	int			 i, j, n, ok = 0;

	pp[0] = p[0];
	pp[1] = p[1];
	for (k = 0; k < sizeof(gauges) / sizeof(gauges[0]); k++) {
		g = &gauges[k];
		if (last == NULL || strcmp(last, g->stmt) != 0) {
			PQclear(res);
			res = NULL;
			last = g->stmt;
			n = gauge_params(r, g, p);
			ok = n >= 0 && db_run(r->app->db, g->stmt, n,
			    n > 0 ? pp : NULL, PGRES_TUPLES_OK, &res) == 0;
		}
		if (!ok)
			continue;
		put(buf, len, offp, "# HELP %s %s\n# TYPE %s %s\n", g->name,
		    g->help, g->name, g->type);
		for (i = 0; i < PQntuples(res); i++)
			for (j = 0; j < 2 && g->samples[j].suffix != NULL;
			    j++) {
				sm = &g->samples[j];
				labels_of(g, sm, res, i, lab, sizeof(lab));
				put(buf, len, offp, "%s%s%s %s\n", g->name,
				    sm->suffix, lab, PQgetvalue(res, i, sm->col));
			}
	}
	PQclear(res);
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
