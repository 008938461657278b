/*
 * VALIDATING: the job's references exist, are active and belong to the
 * user; the user photo downloads through a presigned GET and decodes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "image.h"
#include "worker.h"

#define PHOTO_MAX_FETCH	(64 * 1024 * 1024)

const struct db_stmt worker_statements[] = {
	{ "worker_tryon_inputs",
	  "SELECT p.object_key, o.image_key, o.active AND o.nsfw_checked_at "
	  "IS NOT NULL, o.category, o.title, o.description, l.image_key, "
	  "l.active AND l.nsfw_checked_at IS NOT NULL, "
	  "array_to_string(l.tags, ', ') "
	  "FROM jobs j LEFT JOIN photos p ON p.id = j.photo_id "
	  "AND p.user_id = j.user_id "
	  "LEFT JOIN outfits o ON o.id = j.outfit_id "
	  "LEFT JOIN locations l ON l.id = j.location_id "
	  "WHERE j.id = $1", 1 },
	{ "worker_animation_inputs",
	  "SELECT s.result_key, s.status, coalesce(l.image_key, ''), "
	  "coalesce(s.photo_id, 0) FROM jobs j "
	  "JOIN jobs s ON s.id = j.source_job_id AND s.user_id = j.user_id "
	  "LEFT JOIN locations l ON l.id = s.location_id "
	  "WHERE j.id = $1", 1 },
	{ "worker_photo_verdict",
	  "UPDATE photos SET status = $2, qc = $3 WHERE id = $1", 3 },
	{ "worker_photo_status",
	  "SELECT status, qc FROM photos WHERE id = $1", 1 },
	{ NULL, NULL, 0 }
};

static int
copy_field(const PGresult *res, int col, char *buf, size_t len)
{
	const char	*s = db_get_str(res, 0, col);

	if (s == NULL) {
		buf[0] = '\0';
		return 0;
	}
	snprintf(buf, len, "%s", s);
	return 1;
}

static int
validate_tryon(struct job_ctx *c, const char *id)
{
	struct app	*a = c->app;
	const char	*p[1] = { id };
	PGresult	*res;
	struct s3_error	 s3e;
	struct image_info info;
	int		 rc;

	if (db_run(a->db, "worker_tryon_inputs", 1, p, PGRES_TUPLES_OK,
	    &res) == -1 || PQntuples(res) != 1) {
		PQclear(res);
		job_error_set(&c->err, JOB_ERR_INTERNAL,
		    "validating: cannot read inputs");
		return -1;
	}
	if (!copy_field(res, 0, c->photo_key, sizeof(c->photo_key))) {
		PQclear(res);
		job_error_set(&c->err, JOB_ERR_PHOTO_MISSING,
		    "validating: photo deleted or not the user's");
		return -1;
	}
	if (!copy_field(res, 1, c->outfit_key, sizeof(c->outfit_key)) ||
	    strcmp(PQgetvalue(res, 0, 2), "t") != 0) {
		PQclear(res);
		job_error_set(&c->err, JOB_ERR_OUTFIT_UNAVAILABLE,
		    "validating: outfit missing or inactive");
		return -1;
	}
	copy_field(res, 3, c->category, sizeof(c->category));
	copy_field(res, 4, c->outfit_title, sizeof(c->outfit_title));
	copy_field(res, 5, c->outfit_desc, sizeof(c->outfit_desc));
	if (c->job.location_id != 0) {
		if (!copy_field(res, 6, c->location_key,
		    sizeof(c->location_key)) ||
		    strcmp(PQgetvalue(res, 0, 7), "t") != 0) {
			PQclear(res);
			job_error_set(&c->err, JOB_ERR_LOCATION_UNAVAILABLE,
			    "validating: location missing or inactive");
			return -1;
		}
		copy_field(res, 8, c->location_tags, sizeof(c->location_tags));
	}
	PQclear(res);

	c->photo_url = s3_presign_get(a->s3, a->bucket[BUCKET_USER_PHOTOS],
	    c->photo_key, a->input_url_ttl, time(NULL));
	c->outfit_url = s3_presign_get(a->s3, a->bucket[BUCKET_OUTFITS],
	    c->outfit_key, a->input_url_ttl, time(NULL));
	if (c->location_key[0] != '\0')
		c->location_url = s3_presign_get(a->s3,
		    a->bucket[BUCKET_LOCATIONS], c->location_key,
		    a->input_url_ttl, time(NULL));
	if (c->photo_url == NULL || c->outfit_url == NULL ||
	    (c->location_key[0] != '\0' && c->location_url == NULL)) {
		job_error_set(&c->err, JOB_ERR_INTERNAL,
		    "validating: presign failed");
		return -1;
	}
	if (s3_fetch_url(a->s3, c->photo_url, PHOTO_MAX_FETCH, &c->photo,
	    &c->photo_len, &s3e) != 0) {
		if (s3e.status == 404)
			job_error_set(&c->err, JOB_ERR_PHOTO_MISSING,
			    "validating: photo object missing");
		else
			job_error_set(&c->err, JOB_ERR_STORAGE_ERROR,
			    "validating: photo download: %ld %s",
			    s3e.status, s3e.code);
		return -1;
	}
	rc = image_probe(c->photo, c->photo_len, &info);
	if (rc != IMAGE_OK) {
		job_error_set(&c->err, JOB_ERR_PHOTO_UNREADABLE,
		    "validating: %s", image_strerror(rc));
		return -1;
	}
	return 0;
}

static int
validate_animation(struct job_ctx *c, const char *id)
{
	struct app	*a = c->app;
	const char	*p[1] = { id };
	PGresult	*res;
	long long	 photo_id;

	if (db_run(a->db, "worker_animation_inputs", 1, p, PGRES_TUPLES_OK,
	    &res) == -1) {
		job_error_set(&c->err, JOB_ERR_INTERNAL,
		    "validating: cannot read inputs");
		return -1;
	}
	if (PQntuples(res) != 1 ||
	    job_status_parse(PQgetvalue(res, 0, 1)) != JOB_COMPLETED ||
	    !copy_field(res, 0, c->source_key, sizeof(c->source_key))) {
		PQclear(res);
		job_error_set(&c->err, JOB_ERR_TRYON_UNAVAILABLE,
		    "validating: source try-on not completed");
		return -1;
	}
	copy_field(res, 2, c->location_key, sizeof(c->location_key));
	photo_id = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
	PQclear(res);
	c->source_url = s3_presign_get(a->s3, a->bucket[BUCKET_RESULTS],
	    c->source_key, a->input_url_ttl, time(NULL));
	if (c->location_key[0] != '\0')
		c->location_url = s3_presign_get(a->s3,
		    a->bucket[BUCKET_LOCATIONS], c->location_key,
		    a->input_url_ttl, time(NULL));
	if (c->source_url == NULL ||
	    (c->location_key[0] != '\0' && c->location_url == NULL)) {
		job_error_set(&c->err, JOB_ERR_INTERNAL,
		    "validating: presign failed");
		return -1;
	}
	/*
	 * A try-on on a location: the person and the location move apart
	 * in the animation, the person cut out as the photo's stored pose
	 * outlines them (the provider finds them afresh without it).
	 */
	if (c->location_url != NULL && photo_id > 0 &&
	    photo_pose_load(a, photo_id, &c->pose) == -1) {
		job_error_set(&c->err, JOB_ERR_INTERNAL,
		    "validating: reading the photo's pose failed");
		return -1;
	}
	return 0;
}

int
stage_validating(struct job_ctx *c)
{
	char	 id[24];

	snprintf(id, sizeof(id), "%lld", (long long)c->job.id);
	if (c->job.kind == JOB_KIND_TRYON)
		return validate_tryon(c, id);
	return validate_animation(c, id);
}
