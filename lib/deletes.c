/*
 * The pending-deletes sweep and the bucket reconciliation (deletes.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "deletes.h"
#include "log.h"

const struct db_stmt deletes_statements[] = {
	{ "del_due",
	  "SELECT id, bucket, object_key FROM pending_deletes "
	  "WHERE next_try <= now() ORDER BY next_try, id LIMIT $1 "
	  "FOR UPDATE SKIP LOCKED", 1 },
	{ "del_done", "DELETE FROM pending_deletes WHERE id = $1", 1 },
	{ "del_retry",
	  "UPDATE pending_deletes SET attempts = attempts + 1, "
	  "next_try = now() + make_interval(secs => "
	  "least(3600, 2 ^ least(attempts + 1, 12))), last_error = $2 "
	  "WHERE id = $1", 2 },
	{ "del_add",
	  "INSERT INTO pending_deletes (bucket, object_key, attempts, "
	  "next_try) VALUES ($1, $2, 1, now() + interval '2 seconds')", 2 },
	/* Of a page of keys (one a line), those that no row names. */
	{ "del_orphans",
	  "SELECT k FROM unnest(string_to_array($2, E'\\n')) AS k "
	  "WHERE NOT EXISTS (SELECT 1 FROM pending_deletes "
	  "  WHERE bucket = $1 AND object_key = k) AND CASE $1 "
	  "WHEN 'user-photos' THEN NOT EXISTS (SELECT 1 FROM photos "
	  "  WHERE object_key = k) "
	  "WHEN 'outfits' THEN NOT EXISTS (SELECT 1 FROM outfits "
	  "  WHERE image_key = k) "
	  "WHEN 'locations' THEN NOT EXISTS (SELECT 1 FROM locations "
	  "  WHERE image_key = k) "
	  "ELSE NOT EXISTS (SELECT 1 FROM jobs WHERE result_key = k) "
	  "  AND NOT EXISTS (SELECT 1 FROM jobs WHERE thumb_key = k) END", 2 },
	{ NULL, NULL, 0 }
};

/* The bucket whose role is name ("user-photos", ...), or BUCKET_COUNT. */
static enum bucket
bucket_of(const char *name)
{
	int	 b;

	for (b = 0; b < BUCKET_COUNT; b++)
		if (strcmp(app_bucket_names[b], name) == 0)
			return (enum bucket)b;
	return BUCKET_COUNT;
}

/* Delete one object: 0 (deleted or already gone) or -1 with why. */
static int
delete_one(struct app *a, enum bucket b, const char *key, char *why,
    size_t whylen)
{
	struct s3_error	 err;
	int		 rc;

	rc = s3_delete(a->s3, a->bucket[b], key, &err);
	if (rc == S3_OK || rc == S3_ENOTFOUND)
		return 0;
	snprintf(why, whylen, "%ld %s", err.status, err.code);
	return -1;
}

int
deletes_sweep(struct app *a, int max, struct deletes_counts *n)
{
	char		 lim[24], why[128];
	const char	*p[2];
	PGresult	*res;
	enum bucket	 b;
	int		 i, rows;

	snprintf(lim, sizeof(lim), "%d", max);
	p[0] = lim;
	if (db_command(a->db, "BEGIN") == -1)
		return -1;
	if (db_run(a->db, "del_due", 1, p, PGRES_TUPLES_OK, &res) == -1) {
		(void)db_command(a->db, "ROLLBACK");
		return -1;
	}
	rows = PQntuples(res);
	for (i = 0; i < rows; i++) {
		p[0] = PQgetvalue(res, i, 0);
		b = bucket_of(PQgetvalue(res, i, 1));
		if (b == BUCKET_COUNT)
			snprintf(why, sizeof(why), "unknown bucket");
		if (b != BUCKET_COUNT && delete_one(a, b,
		    PQgetvalue(res, i, 2), why, sizeof(why)) == 0) {
			n->deleted++;
			if (db_run(a->db, "del_done", 1, p, PGRES_COMMAND_OK,
			    NULL) == -1)
				break;
			continue;
		}
		n->failed++;
		log_warnx("deletes: %s/%s: %s (will retry)",
		    PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), why);
		p[1] = why;
		if (db_run(a->db, "del_retry", 2, p, PGRES_COMMAND_OK,
		    NULL) == -1)
			break;
	}
	PQclear(res);
	if (i < rows || db_command(a->db, "COMMIT") == -1) {
		(void)db_command(a->db, "ROLLBACK");
		return -1;
	}
	return rows;
}

int
deletes_object(struct app *a, enum bucket b, const char *key)
{
	const char	*p[2] = { app_bucket_names[b], key };
	char		 why[128];

	if (key == NULL || key[0] == '\0')
		return 0;
	if (delete_one(a, b, key, why, sizeof(why)) == 0)
		return 0;
	if (db_run(a->db, "del_add", 2, p, PGRES_COMMAND_OK, NULL) == 0)
		return 0;
	log_errx("deletes: %s/%s is left behind (%s; the database did not "
	    "record it): the reconciliation will find it",
	    app_bucket_names[b], key, why);
	return -1;
}

/* A page of a bucket's listing: the keys old enough to judge. */
struct page {
	struct buf	 keys;		/* one a line */
	time_t		 before;	/* modified before this */
	int64_t		 listed;
};

static int
on_key(void *arg, const char *key, time_t modified)
{
	struct page	*pg = arg;

	pg->listed++;
	if (modified == 0 || modified >= pg->before ||
	    strchr(key, '\n') != NULL)
		return 0;
	if (pg->keys.len > 0)
		buf_adds(&pg->keys, "\n");
	buf_adds(&pg->keys, key);
	return 0;
}

/* Reconcile one bucket; 0 or -1. */
static int
reconcile_bucket(struct app *a, enum bucket b, int64_t grace,
    struct deletes_counts *n)
{
	char		 token[1024], next[1024], why[128];
	struct page	 pg;
	struct s3_error	 err;
	const char	*p[2];
	PGresult	*res;
	int		 i, rc = 0;

	token[0] = '\0';
	do {
		memset(&pg, 0, sizeof(pg));
		pg.before = time(NULL) - (time_t)grace;
		if (s3_list(a->s3, a->bucket[b], token, next, sizeof(next),
		    on_key, &pg, &err) != S3_OK) {
			log_warnx("reconcile: listing %s: %ld %s",
			    a->bucket[b], err.status, err.code);
			buf_free(&pg.keys);
			return -1;
		}
		n->listed += pg.listed;
		if (pg.keys.len > 0) {
			p[0] = app_bucket_names[b];
			p[1] = pg.keys.p;
			if (db_run(a->db, "del_orphans", 2, p, PGRES_TUPLES_OK,
			    &res) == -1) {
				buf_free(&pg.keys);
				return -1;
			}
			for (i = 0; i < PQntuples(res); i++) {
				n->orphans++;
				if (delete_one(a, b, PQgetvalue(res, i, 0),
				    why, sizeof(why)) == 0) {
					n->deleted++;
					log_kv(LOG_LVL_WARN, "orphan object "
					    "deleted", "bucket",
					    app_bucket_names[b], "key",
					    PQgetvalue(res, i, 0), (char *)NULL);
				} else {
					n->failed++;
					rc = -1;
					log_warnx("reconcile: orphan %s/%s not "
					    "deleted: %s", app_bucket_names[b],
					    PQgetvalue(res, i, 0), why);
				}
			}
			PQclear(res);
		}
		buf_free(&pg.keys);
		snprintf(token, sizeof(token), "%s", next);
	} while (token[0] != '\0');
	return rc;
}

int
deletes_reconcile(struct app *a, int64_t grace, struct deletes_counts *n)
{
	int	 b, rc = 0;

	for (b = 0; b < BUCKET_COUNT; b++)
		if (reconcile_bucket(a, (enum bucket)b, grace, n) == -1)
			rc = -1;
	return rc;
}
