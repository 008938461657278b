/*
 * MODERATING: the user photo's quality and safety verdict (lib/qc.c).
 * A photo judged before keeps its verdict; a pending one is judged here
 * from the bytes VALIDATING downloaded, and the verdict is stored on the
 * photo, where the app shows it.  Then whether the photo's person suits
 * this outfit (qc_check_fit(): the body parts its category covers in
 * the frame, a usable pose), on the pose stored with the verdict: a
 * photo that does not fails the job here, before any provider is called,
 * so nothing is charged.
 */
#include <stdio.h>
#include <string.h>

#include "image.h"
#include "worker.h"

/*
 * The photo's person into c->pose: as stored with its verdict, or found
 * now for a photo judged without the pose networks.  0 or -1 (c->err).
 */
static int
load_pose(struct job_ctx *c)
{
	struct app	*a = c->app;
	struct qc_report rep;

	if (photo_pose_load(a, c->job.photo_id, &c->pose) == -1) {
		job_error_set(&c->err, JOB_ERR_INTERNAL,
		    "moderating: reading the photo's pose failed");
		return -1;
	}
	if (c->pose.done || a->pose == NULL)
		return 0;
	if (qc_check_people_keep(&a->qc, NULL, a->pose, QC_USER_PHOTO,
	    c->photo, c->photo_len, &rep, &c->pose) != QC_OK) {
		job_error_set(&c->err, JOB_ERR_INTERNAL,
		    "moderating: the pose check failed to run");
		return -1;
	}
	return 0;
}

/* Whether the person suits the outfit's category; 0 or -1 (c->err). */
static int
check_fit(struct job_ctx *c)
{
	struct image_info	 ii;
	enum qc_reason		 r;
	int			 cat;

	cat = compose_cat_parse(c->category);
	if (cat < 0 || !c->pose.done ||
	    image_probe(c->photo, c->photo_len, &ii) != IMAGE_OK)
		return 0;	/* nothing to judge by */
	r = qc_check_fit(&c->app->qc, &c->pose, ii.out_width, ii.out_height,
	    (enum compose_cat)cat);
	if (r == QC_R_COUNT)
		return 0;
	job_error_set_final(&c->err, r == QC_R_BODY_CUT_OFF ?
	    JOB_ERR_BODY_CUT_OFF : JOB_ERR_POSE_UNSUITABLE,
	    "moderating: %s for %s", qc_reason_code(r), c->category);
	return -1;
}

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
		return load_pose(c) == -1 ? -1 : check_fit(c);
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
	return load_pose(c) == -1 ? -1 : check_fit(c);
}
