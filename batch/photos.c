/*
 * Quality verdicts for user photos: every uploaded photo is judged once
 * (lib/qc.c: resolution, blank, blur, exposure, NSFW) and the verdict
 * stored on the photo, where the app shows it.  Pending photos are
 * picked up whenever the job queue is idle; a try-on whose photo is
 * still pending judges it in MODERATING.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "log.h"
#include "worker.h"

#define PHOTO_MAX_FETCH	(64 * 1024 * 1024)

const struct db_stmt photo_statements[] = {
	{ "photo_next_pending",
	  "SELECT id, object_key FROM photos WHERE status = 'pending' "
	  "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED", 0 },
	{ "photo_set_verdict",
	  "UPDATE photos SET status = $2, qc = $3 WHERE id = $1", 3 },
	{ NULL, NULL, 0 }
};

/* The job error code for a rejected photo's first reason. */
enum job_err
photo_reject_code(const struct qc_report *r)
{
	if (r->nreasons == 0)
		return JOB_ERR_PHOTO_REJECTED;
	switch (r->reasons[0]) {
	case QC_R_UNSUPPORTED_FORMAT:
	case QC_R_CORRUPT:
		return JOB_ERR_PHOTO_UNREADABLE;
	case QC_R_TOO_SMALL:
		return JOB_ERR_PHOTO_TOO_SMALL;
	case QC_R_BLANK:
		return JOB_ERR_PHOTO_BLANK;
	case QC_R_BLURRY:
		return JOB_ERR_PHOTO_BLURRY;
	case QC_R_TOO_DARK:
		return JOB_ERR_PHOTO_TOO_DARK;
	case QC_R_TOO_BRIGHT:
		return JOB_ERR_PHOTO_TOO_BRIGHT;
	case QC_R_NSFW:
	case QC_R_NSFW_SUGGESTIVE:
		return JOB_ERR_PHOTO_NSFW;
	default:
		return JOB_ERR_PHOTO_REJECTED;
	}
}

int
photo_judge(struct app *a, int64_t photo_id, const unsigned char *buf,
    size_t len, struct qc_report *rep)
{
	json_object	*j;
	char		 id[24];
	const char	*p[3];
	int		 rc;

	if (qc_check_people(&a->qc, a->nsfw, a->pose, QC_USER_PHOTO, buf, len,
	    rep) != QC_OK)
		return -1;
	j = qc_report_to_json(rep);
	if (j == NULL)
		return -1;
	snprintf(id, sizeof(id), "%lld", (long long)photo_id);
	p[0] = id;
	p[1] = rep->accepted ? "accepted" : "rejected";
	p[2] = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
	rc = db_run(a->db, "photo_set_verdict", 3, p, PGRES_COMMAND_OK, NULL);
	json_object_put(j);
	return rc;
}

int
photos_check_pending(struct app *a)
{
	PGresult	*res;
	unsigned char	*buf = NULL;
	size_t		 len;
	int64_t		 id;
	struct s3_error	 err;
	struct qc_report rep;
	int		 rc = 0;

	if (db_command(a->db, "BEGIN") == -1)
		return -1;
	if (db_run(a->db, "photo_next_pending", 0, NULL, PGRES_TUPLES_OK,
	    &res) == -1) {
		(void)db_command(a->db, "ROLLBACK");
		return -1;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		(void)db_command(a->db, "COMMIT");
		return 0;
	}
	id = db_get_i64(res, 0, 0);
	if (s3_get(a->s3, a->bucket[BUCKET_USER_PHOTOS], PQgetvalue(res, 0, 1),
	    PHOTO_MAX_FETCH, &buf, &len, &err) != 0) {
		log_warnx("photo %lld: cannot read it: %ld %s", (long long)id,
		    err.status, err.code);
		rc = -1;
	} else if (photo_judge(a, id, buf, len, &rep) == -1)
		rc = -1;
	else {
		log_kv(LOG_LVL_INFO, "photo judged", "photo_id",
		    PQgetvalue(res, 0, 0), "verdict",
		    rep.accepted ? "accepted" : "rejected", (char *)NULL);
		rc = 1;
	}
	PQclear(res);
	free(buf);
	(void)db_command(a->db, rc == 1 ? "COMMIT" : "ROLLBACK");
	return rc;
}
