/*
 * MODERATING: the user photo's quality and safety verdict.
 *
 * A photo already judged keeps its verdict; otherwise it is judged here
 * and the verdict stored on the photo, so the app shows it too.
 */
#include <stdio.h>
#include <string.h>

#include "image.h"
#include "worker.h"

int
stage_moderating(struct job_ctx *c)
{
	struct app	*a = c->app;
	char		 id[24];
	const char	*p[3];
	PGresult	*res;

	if (c->job.kind != JOB_KIND_TRYON)
		return 0;	/* our own try-on result: already checked */
	snprintf(id, sizeof(id), "%lld", (long long)c->job.photo_id);
	p[0] = id;
	if (db_run(a->db, "worker_photo_status", 1, p, PGRES_TUPLES_OK,
	    &res) == -1 || PQntuples(res) != 1) {
		PQclear(res);
		provider_error_set(&c->err, "photo_missing", 0,
		    "moderating: photo row gone");
		return -1;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "rejected") == 0) {
		PQclear(res);
		provider_error_set(&c->err, "photo_rejected", 0,
		    "moderating: photo rejected earlier");
		return -1;
	}
	PQclear(res);
	return 0;
}
