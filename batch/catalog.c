/*
 * NSFW verdicts for catalogue images written through the API.  The
 * FastCGI processes check an outfit's or a location's image for quality
 * and composition at upload, but do not load the classifier (its weights
 * would cost every API process some 10 MB): the worker runs it here,
 * when the job queue is idle, on every image whose nsfw_checked_at is
 * NULL (db/005_catalog_nsfw.sql).  An image the policy rejects takes its
 * item out of the public catalogue (active = false); the report is kept
 * in qc either way.  primerka-admin checks both at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "log.h"
#include "worker.h"

#define CATALOG_MAX_FETCH	(64 * 1024 * 1024)

const struct db_stmt catalog_statements[] = {
	{ "catalog_next_outfit",
	  "SELECT id, image_key FROM outfits WHERE active AND image_key IS "
	  "NOT NULL AND nsfw_checked_at IS NULL ORDER BY id LIMIT 1 "
	  "FOR UPDATE SKIP LOCKED", 0 },
	{ "catalog_next_location",
	  "SELECT id, image_key FROM locations WHERE active AND image_key IS "
	  "NOT NULL AND nsfw_checked_at IS NULL ORDER BY id LIMIT 1 "
	  "FOR UPDATE SKIP LOCKED", 0 },
	{ "catalog_outfit_verdict",
	  "UPDATE outfits SET nsfw_checked_at = now(), qc = $2::jsonb, "
	  "active = active AND NOT $3::boolean WHERE id = $1", 3 },
	{ "catalog_location_verdict",
	  "UPDATE locations SET nsfw_checked_at = now(), qc = $2::jsonb, "
	  "active = active AND NOT $3::boolean WHERE id = $1", 3 },
	{ NULL, NULL, 0 }
};

/* One kind of catalogue item: its statements, bucket and QC kind. */
struct catalog_kind {
	const char	*name;
	const char	*next;
	const char	*verdict;
	enum bucket	 bucket;
	enum qc_kind	 qc;
};

static const struct catalog_kind kinds[] = {
	{ "outfit", "catalog_next_outfit", "catalog_outfit_verdict",
	  BUCKET_OUTFITS, QC_OUTFIT },
	{ "location", "catalog_next_location", "catalog_location_verdict",
	  BUCKET_LOCATIONS, QC_LOCATION },
};

int
catalog_nsfw_rejected(const struct qc_report *r)
{
	return qc_has_reason(r, QC_R_NSFW) ||
	    qc_has_reason(r, QC_R_NSFW_SUGGESTIVE);
}

/*
 * Judge the image of one waiting item of kind k inside the caller's
 * transaction: 1 judged, 0 none waiting, -1 an error (the item stays
 * waiting).
 */
static int
judge_next(struct app *a, const struct catalog_kind *k)
{
	PGresult	*res;
	unsigned char	*buf = NULL;
	size_t		 len;
	struct s3_error	 err;
	struct qc_report rep;
	json_object	*j = NULL;
	const char	*p[3];
	int		 rc = -1, down;

	if (db_run(a->db, k->next, 0, NULL, PGRES_TUPLES_OK, &res) == -1)
		return -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return 0;
	}
	if (s3_get(a->s3, a->bucket[k->bucket], PQgetvalue(res, 0, 1),
	    CATALOG_MAX_FETCH, &buf, &len, &err) != 0) {
		log_warnx("%s %s: cannot read its image: %ld %s", k->name,
		    PQgetvalue(res, 0, 0), err.status, err.code);
		goto done;
	}
	if (qc_check(&a->qc, a->nsfw, k->qc, buf, len, &rep) != QC_OK)
		goto done;
	j = qc_report_to_json(&rep);
	if (j == NULL)
		goto done;
	/* Only the classifier's verdict counts here: the rest was judged
	 * at upload, under the settings of that time. */
	down = catalog_nsfw_rejected(&rep);
	p[0] = PQgetvalue(res, 0, 0);
	p[1] = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
	p[2] = down ? "true" : "false";
	if (db_run(a->db, k->verdict, 3, p, PGRES_COMMAND_OK, NULL) == -1)
		goto done;
	if (down)
		log_kv(LOG_LVL_WARN, "catalogue image rejected, item withdrawn",
		    "kind", k->name, "id", p[0], "reason",
		    qc_has_reason(&rep, QC_R_NSFW) ? "nsfw" : "nsfw_suggestive",
		    (char *)NULL);
	else
		log_kv(LOG_LVL_INFO, "catalogue image judged", "kind",
		    k->name, "id", p[0], "nsfw", rep.nsfw_done ? "checked" :
		    "not decodable", (char *)NULL);
	rc = 1;
done:
	json_object_put(j);
	free(buf);
	PQclear(res);
	return rc;
}

int
catalog_check_pending(struct app *a)
{
	size_t	 i;
	int	 rc = 0;

	if (a->nsfw == NULL)
		return 0;	/* nothing to add to the upload's checks */
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && rc == 0; i++) {
		if (db_command(a->db, "BEGIN") == -1)
			return -1;
		rc = judge_next(a, &kinds[i]);
		(void)db_command(a->db, rc == 1 ? "COMMIT" : "ROLLBACK");
	}
	return rc;
}
