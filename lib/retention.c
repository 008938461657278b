/*
 * Retention sweeps and user deletion.  Objects go first, rows after, so
 * a failure never leaves a row pointing at nothing... except the other
 * way round: an object whose delete failed keeps its row, and the next
 * sweep tries again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs.h"
#include "log.h"
#include "retention.h"

const struct db_stmt retention_statements[] = {
	{ "ret_old_photos",
	  "SELECT id, object_key FROM photos WHERE created_at < now() - "
	  "make_interval(days => $1::int) ORDER BY id LIMIT $2", 2 },
	{ "ret_photo_delete", "DELETE FROM photos WHERE id = $1", 1 },
	{ "ret_old_results",
	  "SELECT id, kind, result_key, coalesce(thumb_key, '') FROM jobs "
	  "WHERE status = 'COMPLETED' AND result_key IS NOT NULL AND "
	  "finished_at < now() - make_interval(days => $1::int) "
	  "ORDER BY id LIMIT $2", 2 },
	{ "ret_result_clear",
	  "UPDATE jobs SET result_key = NULL, thumb_key = NULL, "
	  "error_message = 'result deleted by retention' WHERE id = $1", 1 },
	{ "ret_old_purchases",
	  "WITH d AS (SELECT id FROM purchases WHERE status = 'pending' AND "
	  "created_at < now() - make_interval(days => $1::int) ORDER BY id "
	  "LIMIT $2) DELETE FROM purchases p USING d WHERE p.id = d.id AND "
	  "p.status = 'pending'", 2 },
	{ "ret_user_photos",
	  "SELECT object_key FROM photos WHERE user_id = $1", 1 },
	{ "ret_user_results",
	  "SELECT kind, result_key, coalesce(thumb_key, '') FROM jobs "
	  "WHERE user_id = $1 AND result_key IS NOT NULL", 1 },
	{ "ret_user_delete",
	  "DELETE FROM users WHERE id = $1 RETURNING id", 1 },
	{ NULL, NULL, 0 }
};

/* Delete one object; a missing one counts as deleted. */
static int
delete_object(struct app *a, enum bucket b, const char *key,
    struct retention_counts *n)
{
	struct s3_error	 err;
	int		 rc;

	if (key == NULL || *key == '\0')
		return 0;
	rc = s3_delete(a->s3, a->bucket[b], key, &err);
	if (rc != S3_OK && rc != S3_ENOTFOUND) {
		log_warnx("retention: deleting an object from %s: %ld %s",
		    a->bucket[b], err.status, err.code);
		n->errors++;
		return -1;
	}
	return 0;
}

static enum bucket
job_bucket(const char *kind)
{
	return job_kind_parse(kind) == JOB_KIND_ANIMATION ? BUCKET_VIDEOS :
	    BUCKET_RESULTS;
}

int
retention_sweep(struct app *a, int64_t max_items, struct retention_counts *n)
{
	int64_t		 photo_days, result_days, purchase_days;
	char		 days[24], lim[24];
	const char	*p[2] = { days, lim }, *q[1];
	PGresult	*res;
	int		 i, rows;

	memset(n, 0, sizeof(*n));
	if (config_get_int(a->cfg, "retention", "photo_days", 30, 0, 36500,
	    &photo_days) == -1 || config_get_int(a->cfg, "retention",
	    "result_days", 90, 0, 36500, &result_days) == -1 ||
	    config_get_int(a->cfg, "retention", "pending_purchase_days", 7, 0,
	    36500, &purchase_days) == -1) {
		log_warnx("retention: bad [retention] photo_days, result_days "
		    "or pending_purchase_days");
		return -1;
	}
	snprintf(lim, sizeof(lim), "%lld", (long long)max_items);
	if (photo_days > 0) {
		snprintf(days, sizeof(days), "%lld", (long long)photo_days);
		if (db_run(a->db, "ret_old_photos", 2, p, PGRES_TUPLES_OK,
		    &res) == -1)
			return -1;
		rows = PQntuples(res);
		for (i = 0; i < rows; i++) {
			if (delete_object(a, BUCKET_USER_PHOTOS,
			    PQgetvalue(res, i, 1), n) == -1)
				continue;
			q[0] = PQgetvalue(res, i, 0);
			if (db_run(a->db, "ret_photo_delete", 1, q,
			    PGRES_COMMAND_OK, NULL) == 0)
				n->photos++;
		}
		PQclear(res);
	}
	if (result_days > 0) {
		snprintf(days, sizeof(days), "%lld", (long long)result_days);
		if (db_run(a->db, "ret_old_results", 2, p, PGRES_TUPLES_OK,
		    &res) == -1)
			return -1;
		rows = PQntuples(res);
		for (i = 0; i < rows; i++) {
			enum bucket b = job_bucket(PQgetvalue(res, i, 1));
			if (delete_object(a, b, PQgetvalue(res, i, 2), n) == -1 ||
			    delete_object(a, b, PQgetvalue(res, i, 3), n) == -1)
				continue;
			q[0] = PQgetvalue(res, i, 0);
			if (db_run(a->db, "ret_result_clear", 1, q,
			    PGRES_COMMAND_OK, NULL) == 0)
				n->results++;
		}
		PQclear(res);
	}
	/*
	 * An invoice nobody paid for days: Telegram asks before taking the
	 * stars (pre-checkout), and a purchase no longer there is refused.
	 */
	if (purchase_days > 0) {
		snprintf(days, sizeof(days), "%lld", (long long)purchase_days);
		if (db_run(a->db, "ret_old_purchases", 2, p, PGRES_COMMAND_OK,
		    &res) == -1)
			return -1;
		n->purchases = strtoll(PQcmdTuples(res), NULL, 10);
		PQclear(res);
	}
	if (n->photos > 0 || n->results > 0 || n->purchases > 0 ||
	    n->errors > 0)
		log_info("retention: %lld photos, %lld results, %lld "
		    "abandoned purchases deleted, %lld errors",
		    (long long)n->photos, (long long)n->results,
		    (long long)n->purchases, (long long)n->errors);
	return 0;
}

int
retention_delete_user(struct app *a, int64_t id, struct retention_counts *n)
{
	char		 ids[24];
	const char	*p[1] = { ids };
	PGresult	*res;
	int		 i, rows;

	memset(n, 0, sizeof(*n));
	snprintf(ids, sizeof(ids), "%lld", (long long)id);
	if (db_run(a->db, "ret_user_photos", 1, p, PGRES_TUPLES_OK, &res) == -1)
		return -1;
	rows = PQntuples(res);
	for (i = 0; i < rows; i++)
		if (delete_object(a, BUCKET_USER_PHOTOS, PQgetvalue(res, i, 0),
		    n) == 0)
			n->photos++;
	PQclear(res);
	if (db_run(a->db, "ret_user_results", 1, p, PGRES_TUPLES_OK,
	    &res) == -1)
		return -1;
	rows = PQntuples(res);
	for (i = 0; i < rows; i++) {
		enum bucket b = job_bucket(PQgetvalue(res, i, 0));
		if (delete_object(a, b, PQgetvalue(res, i, 1), n) == 0 &&
		    delete_object(a, b, PQgetvalue(res, i, 2), n) == 0)
			n->results++;
	}
	PQclear(res);
	if (n->errors > 0)
		return -1;	/* keep the rows: the objects are still there */
	if (db_run(a->db, "ret_user_delete", 1, p, PGRES_TUPLES_OK, &res) == -1)
		return -1;
	rows = PQntuples(res);
	PQclear(res);
	return rows == 1 ? 1 : 0;
}
