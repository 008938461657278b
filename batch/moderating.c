/*
 * MODERATING: the user photo's quality and safety verdict (lib/qc.c).
 * A photo judged before keeps its verdict; a pending one is judged here
 * from the bytes VALIDATING downloaded, and the verdict is stored on the
 * photo, where the app shows it.
 */
#include <stdio.h>
#include <string.h>

#include "worker.h"

int
stage_moderating(struct job_ctx *c)
{
	struct app	*a = c->app;
	char		 id[24];
	const char	*p[1];
	PGresult	*res;
	struct qc_report rep;
	const char	*status;

	if (c->job.kind != JOB_KIND_TRYON)
		return 0;	/* our own try-on result: already judged */
	snprintf(id, sizeof(id), "%lld", (long long)c->job.photo_id);
	p[0] = id;
	if (db_run(a->db, "worker_photo_status", 1, p, PGRES_TUPLES_OK,
	    &res) == -1 || PQntuples(res) != 1) {
		PQclear(res);
		job_error_set(&c->err, JOB_ERR_PHOTO_MISSING,
		    "moderating: photo row gone");
		return -1;
	}
	status = PQgetvalue(res, 0, 0);
	if (strcmp(status, "accepted") == 0) {
		PQclear(res);
		return 0;
	}
	if (strcmp(status, "rejected") == 0) {
		/* Judge again only to name the reason. */
		PQclear(res);
		if (qc_check_people(&a->qc, a->nsfw, a->pose, QC_USER_PHOTO,
		    c->photo, c->photo_len, &rep) == QC_OK && !rep.accepted)
			job_error_set(&c->err, photo_reject_code(&rep),
			    "moderating: photo rejected");
		else
			job_error_set(&c->err, JOB_ERR_PHOTO_REJECTED,
			    "moderating: photo rejected earlier");
		return -1;
	}
	PQclear(res);
	if (photo_judge(a, c->job.photo_id, c->photo, c->photo_len, &rep) ==
	    -1) {
		job_error_set(&c->err, JOB_ERR_INTERNAL,
		    "moderating: quality check failed to run");
		return -1;
	}
	if (!rep.accepted) {
		job_error_set(&c->err, photo_reject_code(&rep),
		    "moderating: %s", qc_reason_code(rep.reasons[0]));
		return -1;
	}
	return 0;
}
