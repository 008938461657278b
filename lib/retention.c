/*
 * Retention sweeps and user erasure.  Rows go in batches along the
 * indexes of db/011_erasure.sql; the objects they named are written into
 * pending_deletes by triggers in the same statement and deleted by the
 * sweep of lib/deletes.c, so no object outlives its row and an S3
 * failure only delays the deletion.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conftab.h"
#include "deletes.h"
#include "log.h"
#include "retention.h"

/* Rows per statement: short transactions, short locks. */
#define RET_BATCH	"1000"

const struct db_stmt retention_statements[] = {
	{ "ret_old_photos",
	  "WITH d AS (SELECT id FROM photos WHERE created_at < now() - "
	  "make_interval(days => $1::int) ORDER BY created_at, id LIMIT $2) "
	  "DELETE FROM photos p USING d WHERE p.id = d.id", 2 },
	{ "ret_old_results",
	  "WITH d AS (SELECT id FROM jobs WHERE status = 'COMPLETED' AND "
	  "result_key IS NOT NULL AND finished_at < now() - "
	  "make_interval(days => $1::int) ORDER BY finished_at, id LIMIT $2) "
	  "UPDATE jobs j SET result_key = NULL, thumb_key = NULL, "
	  "error_message = 'result deleted by retention' FROM d "
	  "WHERE j.id = d.id", 2 },
	{ "ret_old_purchases",
	  "WITH d AS (SELECT id FROM purchases WHERE status = 'pending' AND "
	  "created_at < now() - make_interval(days => $1::int) ORDER BY id "
	  "LIMIT $2) DELETE FROM purchases p USING d WHERE p.id = d.id AND "
	  "p.status = 'pending'", 2 },
	{ "ret_old_job_events",
	  "WITH d AS (SELECT id FROM job_events WHERE at < now() - "
	  "make_interval(days => $1::int) ORDER BY at, id LIMIT $2) "
	  "DELETE FROM job_events e USING d WHERE e.id = d.id", 2 },
	{ "ret_old_events",
	  "WITH d AS (SELECT id FROM events WHERE created_at < now() - "
	  "make_interval(days => $1::int) ORDER BY created_at, id LIMIT $2) "
	  "DELETE FROM events e USING d WHERE e.id = d.id", 2 },
	{ "ret_user_erase",
	  "SELECT photos, jobs, events FROM user_erase($1)", 1 },
	{ NULL, NULL, 0 }
};

/* One kind of row retention removes: its statement and setting. */
struct ret_kind {
	const char	*stmt;
	enum conf_key	 key;		/* [retention] key, in days (0 keeps
					   forever) */
	size_t		 off;		/* the counter in retention_counts */
};

static const struct ret_kind kinds[] = {
	{ "ret_old_photos", CONF_RETENTION_PHOTO_DAYS,
	  offsetof(struct retention_counts, photos) },
	{ "ret_old_results", CONF_RETENTION_RESULT_DAYS,
	  offsetof(struct retention_counts, results) },
	{ "ret_old_purchases", CONF_RETENTION_PENDING_PURCHASE_DAYS,
	  offsetof(struct retention_counts, purchases) },
	{ "ret_old_job_events", CONF_RETENTION_JOB_EVENT_DAYS,
	  offsetof(struct retention_counts, job_events) },
	{ "ret_old_events", CONF_RETENTION_EVENT_DAYS,
	  offsetof(struct retention_counts, events) },
};

/*
 * Delete in batches of RET_BATCH until fewer are left or max_items are
 * done; the count into *done.  0 or -1.
 */
static int
sweep_kind(struct app *a, const struct ret_kind *k, int64_t days,
    int64_t max_items, int64_t *done)
{
	char		 d[24];
	const char	*p[2] = { d, RET_BATCH };
	PGresult	*res;
	int64_t		 n;

	snprintf(d, sizeof(d), "%lld", (long long)days);
	do {
		if (db_run(a->db, k->stmt, 2, p, PGRES_COMMAND_OK, &res) == -1)
			return -1;
		n = strtoll(PQcmdTuples(res), NULL, 10);
		PQclear(res);
		*done += n;
	} while (n == strtoll(RET_BATCH, NULL, 10) && *done < max_items);
	return 0;
}

int
retention_sweep(struct app *a, int64_t max_items, struct retention_counts *n)
{
	struct deletes_counts	 dc;
	int64_t			 days;
	size_t			 i;

	memset(n, 0, sizeof(*n));
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (conf_get_int(a->cfg, kinds[i].key, &days) == -1) {
			log_warnx("retention: bad [retention] %s",
			    confdefs[kinds[i].key].key);
			return -1;
		}
		if (days > 0 && sweep_kind(a, &kinds[i], days, max_items,
		    (int64_t *)(void *)((char *)n + kinds[i].off)) == -1)
			return -1;
	}
	/* The objects of the rows just gone, as far as S3 lets us now. */
	memset(&dc, 0, sizeof(dc));
	while (deletes_sweep(a, 100, &dc) > 0 && dc.failed == 0)
		;
	n->errors = dc.failed;
	if (n->photos > 0 || n->results > 0 || n->purchases > 0 ||
	    n->job_events > 0 || n->events > 0 || n->errors > 0)
		log_info("retention: %lld photos, %lld results, %lld "
		    "abandoned purchases, %lld job events, %lld analytics "
		    "events deleted, %lld object deletes to retry",
		    (long long)n->photos, (long long)n->results,
		    (long long)n->purchases, (long long)n->job_events,
		    (long long)n->events, (long long)n->errors);
	return 0;
}

int
retention_erase_user(struct app *a, int64_t id, struct retention_counts *n)
{
	char		 ids[24];
	const char	*p[1] = { ids };
	PGresult	*res;
	int		 rows;

	memset(n, 0, sizeof(*n));
	snprintf(ids, sizeof(ids), "%lld", (long long)id);
	if (db_run(a->db, "ret_user_erase", 1, p, PGRES_TUPLES_OK, &res) == -1)
		return -1;
	rows = PQntuples(res);
	if (rows == 1) {
		n->photos = db_get_i64(res, 0, 0);
		n->results = db_get_i64(res, 0, 1);
		n->events = db_get_i64(res, 0, 2);
	}
	PQclear(res);
	return rows == 1 ? 1 : 0;
}
