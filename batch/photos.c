/*
 * Quality verdicts for user photos: every uploaded photo is judged once
 * (lib/qc.c: resolution, blank, blur, exposure, NSFW, the people in it)
 * and the verdict stored on the photo, where the app shows it, with the
 * main person's pose (lib/posestore.h) for the try-ons made of it.
 * Pending photos are picked up whenever the job queue is idle: claimed
 * with a lease and committed first, so the slow checks hold no row lock
 * (creating a try-on of the photo meanwhile does not wait) and a checker
 * that dies leaves the photo to be claimed again when its lease runs
 * out.  A try-on whose photo is still pending judges it in MODERATING.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "log.h"
#include "util.h"
#include "worker.h"

#define PHOTO_MAX_FETCH	(64 * 1024 * 1024)

const struct db_stmt photo_statements[] = {
	{ "photo_claim_pending",
	  "UPDATE photos "
	  "SET checking_until = now() + make_interval(secs => $1) "
	  "WHERE id = (SELECT id FROM photos WHERE status = 'pending' "
	  "AND (checking_until IS NULL OR checking_until < now()) "
	  "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) "
	  "RETURNING id, object_key", 1 },
	{ "photo_set_verdict",
	  "UPDATE photos SET status = $2, qc = $3, pose = $4, "
	  "pose_mask = $5::bytea, checking_until = NULL "
	  "WHERE id = $1 AND status = 'pending'", 5 },
	{ "photo_pose",
	  "SELECT pose, pose_mask FROM photos WHERE id = $1", 1 },
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

/*
 * The mask's PNG as bytea hex input ("\x..."), malloc'd; NULL when
 * there is no mask (SQL NULL) or out of memory (*bad set).
 */
static char *
mask_hex(const struct pose_stored *s, int *bad)
{
	char	*hex;
	size_t	 n;

	if (!s->done || s->mask_png == NULL)
		return NULL;
	n = 2 * s->mask_len + 3;
	hex = malloc(n);
	if (hex == NULL || util_hex_encode(s->mask_png, s->mask_len, hex + 2,
	    n - 2) != UTIL_OK) {
		free(hex);
		*bad = 1;
		return NULL;
	}
	hex[0] = '\\';
	hex[1] = 'x';
	return hex;
}

int
photo_judge(struct app *a, int64_t photo_id, const unsigned char *buf,
    size_t len, struct qc_report *rep)
{
	json_object		*j;
	struct pose_stored	 ps;
	char			 id[24], lm[POSE_STORE_TEXT_MAX];
	char			*mask;
	const char		*p[5];
	int			 rc = -1, bad = 0;

	if (qc_check_people_keep(&a->qc, a->nsfw, a->pose, QC_USER_PHOTO, buf,
	    len, rep, &ps) != QC_OK)
		return -1;
	j = qc_report_to_json(rep);
	mask = mask_hex(&ps, &bad);
	if (j == NULL || bad || (ps.done &&
	    pose_stored_lm_text(&ps, lm, sizeof(lm)) == -1))
		goto done;
	snprintf(id, sizeof(id), "%lld", (long long)photo_id);
	p[0] = id;
	p[1] = rep->accepted ? "accepted" : "rejected";
	p[2] = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
	p[3] = ps.done ? lm : NULL;
	p[4] = mask;
	rc = db_run(a->db, "photo_set_verdict", 5, p, PGRES_COMMAND_OK, NULL);
done:
	free(mask);
	json_object_put(j);
	pose_stored_free(&ps);
	return rc;
}

int
photo_pose_load(struct app *a, int64_t photo_id, struct pose_stored *s)
{
	PGresult	*res;
	unsigned char	*png;
	size_t		 n;
	char		 id[24];
	const char	*p[1], *lm;
	int		 rc = 0;

	memset(s, 0, sizeof(*s));
	snprintf(id, sizeof(id), "%lld", (long long)photo_id);
	p[0] = id;
	if (db_run(a->db, "photo_pose", 1, p, PGRES_TUPLES_OK, &res) == -1)
		return -1;
	lm = PQntuples(res) == 1 ? db_get_str(res, 0, 0) : NULL;
	if (lm != NULL && pose_stored_lm_parse(s, lm) == 0 &&
	    db_get_str(res, 0, 1) != NULL) {
		png = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0,
		    1), &n);
		if (png == NULL)
			rc = -1;
		else {
			s->mask_png = malloc(n);
			if (s->mask_png == NULL)
				rc = -1;
			else {
				memcpy(s->mask_png, png, n);
				s->mask_len = n;
			}
			PQfreemem(png);
		}
	}
	PQclear(res);
	if (rc == -1)
		pose_stored_free(s);
	return rc;
}

int
photos_check_pending(struct app *a, int lease)
{
	PGresult	*res;
	unsigned char	*buf = NULL;
	size_t		 len;
	int64_t		 id;
	struct s3_error	 err;
	struct qc_report rep;
	char		 secs[16];
	const char	*p[1];
	int		 rc = 0;

	snprintf(secs, sizeof(secs), "%d", lease);
	p[0] = secs;
	if (db_run(a->db, "photo_claim_pending", 1, p, PGRES_TUPLES_OK,
	    &res) == -1)
		return -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return 0;
	}
	/* Claimed and committed: the checks below hold no lock. */
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
	/*
	 * Failed: the lease stays, so the next round checks the next photo
	 * and this one is tried again once the lease runs out.
	 */
	PQclear(res);
	free(buf);
	return rc;
}
