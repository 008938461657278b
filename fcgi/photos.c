/*
 * The user photo resource: upload (raw image body), list, read, delete.
 *
 * The upload is checked from the image header alone (format sniffed from
 * the bytes, dimensions and size limits) before it is stored; the quality
 * verdict (blur, exposure, NSFW) is computed by the worker and shows up
 * in the photo's "quality" once checked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "deletes.h"
#include "quota.h"
#include "image.h"
#include "ingest.h"
#include "log.h"
#include "util.h"

const struct db_stmt photos_statements[] = {
	{ "photo_insert",
	  "INSERT INTO photos (user_id, object_key, content_type, bytes, "
	  "width, height) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, "
	  "to_char(created_at AT TIME ZONE 'UTC', "
	  "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')", 6 },
	{ "photo_get",
	  "SELECT id, object_key, content_type, bytes, width, height, status, "
	  "qc, to_char(created_at AT TIME ZONE 'UTC', "
	  "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') "
	  "FROM photos WHERE id = $1 AND user_id = $2", 2 },
	{ "photo_list",
	  "SELECT id, object_key, content_type, bytes, width, height, status, "
	  "qc, to_char(created_at AT TIME ZONE 'UTC', "
	  "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') "
	  "FROM photos WHERE user_id = $1 AND id < $2 "
	  "ORDER BY id DESC LIMIT $3", 3 },
	{ "photo_delete",
	  "DELETE FROM photos WHERE id = $1 AND user_id = $2 "
	  "RETURNING object_key", 2 },
	{ NULL, NULL, 0 }
};

/* A photo row (photo_get / photo_list columns) as JSON. */
static json_object *
photo_to_json(struct req *r, const PGresult *res, int row)
{
	json_object	*o, *qc = NULL;
	char		*url;
	const char	*qctext;

	o = json_object_new_object();
	json_object_object_add(o, "id",
	    json_object_new_int64(db_get_i64(res, row, 0)));
	json_object_object_add(o, "content_type",
	    json_object_new_string(PQgetvalue(res, row, 2)));
	json_object_object_add(o, "bytes",
	    json_object_new_int64(db_get_i64(res, row, 3)));
	json_object_object_add(o, "width",
	    json_object_new_int64(db_get_i64(res, row, 4)));
	json_object_object_add(o, "height",
	    json_object_new_int64(db_get_i64(res, row, 5)));
	json_object_object_add(o, "status",
	    json_object_new_string(PQgetvalue(res, row, 6)));
	qctext = db_get_str(res, row, 7);
	if (qctext != NULL)
		qc = json_tokener_parse(qctext);
	json_object_object_add(o, "quality", qc);
	json_object_object_add(o, "created_at",
	    json_object_new_string(PQgetvalue(res, row, 8)));
	url = s3_presign_get(r->app->s3, r->app->bucket[BUCKET_USER_PHOTOS],
	    PQgetvalue(res, row, 1), (int)r->app->presign_ttl, time(NULL));
	json_object_object_add(o, "url", url ? json_object_new_string(url) :
	    NULL);
	free(url);
	return o;
}

/*
 * Answer an upload the ingest refused (nothing stored); 503 when the
 * key could not be made, as for the database.
 */
static void
ingest_refused(struct req *r, enum ingest_err rc,
    const struct ingest_result *in)
{
	switch (rc) {
	case INGEST_E_FORMAT:
		resp_error(r, API_ERR_UNSUPPORTED_MEDIA_TYPE, NULL);
		break;
	case INGEST_E_TOO_LARGE:
		resp_error(r, API_ERR_IMAGE_TOO_LARGE, NULL);
		break;
	case INGEST_E_TOO_SMALL:
		resp_error(r, API_ERR_PHOTO_TOO_SMALL, NULL);
		break;
	case INGEST_E_STORE:
		log_warnx("photos: s3 put failed: %ld %s", in->s3err.status,
		    in->s3err.code);
		resp_error(r, API_ERR_STORAGE_UNAVAILABLE, NULL);
		break;
	case INGEST_E_KEY:
		api_db_down(r);
		break;
	default:
		resp_error(r, API_ERR_BAD_IMAGE, NULL);
		break;
	}
}

void
h_photos_create(struct req *r)
{
	struct app		*a = r->app;
	unsigned char		*body = NULL;
	size_t			 len;
	struct image_limits	 lim;
	struct ingest_spec	 spec;
	struct ingest_result	 in;
	char			 prefix[48], id[24], bytes[24], w[24], h[24];
	const char		*p[6], *key = in.key;
	PGresult		*res = NULL;
	json_object		*o;
	enum ingest_err		 rc;

	if (users_touch(r) == -1 || quota_take(r, QUOTA_PHOTOS, 1) == -1 ||
	    quota_take(r, QUOTA_UPLOADS, 1) == -1)
		return;
	if (req_read_body(r, (size_t)a->photo_max_bytes, &body, &len) == -1)
		return;
	if (len == 0) {
		resp_error(r, API_ERR_EMPTY_BODY, NULL);
		goto done;
	}
	/*
	 * The header's size within [limits], then a complete decode at the
	 * smallest size the codec allows (JPEG's 1/8 DCT scaling): a
	 * truncated or corrupt body is refused now rather than failing a
	 * try-on later.
	 */
	ingest_upload_limits(a, &lim);
	lim.min_width = lim.min_height = (int)a->photo_min_side;
	snprintf(prefix, sizeof(prefix), "u/%lld/", (long long)r->user.id);
	ingest_spec_init(&spec, a->s3, a->bucket[BUCKET_USER_PHOTOS], prefix,
	    12);
	spec.lim = &lim;
	rc = ingest_image(&spec, body, len, &in);
	if (rc != INGEST_OK) {
		ingest_refused(r, rc, &in);
		goto done;
	}
	snprintf(id, sizeof(id), "%lld", (long long)r->user.id);
	snprintf(bytes, sizeof(bytes), "%zu", len);
	snprintf(w, sizeof(w), "%d", in.info.width);
	snprintf(h, sizeof(h), "%d", in.info.height);
	p[0] = id; p[1] = key; p[2] = in.mime; p[3] = bytes; p[4] = w;
	p[5] = h;
	if (db_run(a->db, "photo_insert", 6, p, PGRES_TUPLES_OK, &res) == -1) {
		/* No row names the object: it must not stay. */
		(void)deletes_object(a, BUCKET_USER_PHOTOS, key);
		api_db_down(r);
		goto done;
	}
	o = json_object_new_object();
	json_object_object_add(o, "id",
	    json_object_new_int64(db_get_i64(res, 0, 0)));
	json_object_object_add(o, "content_type",
	    json_object_new_string(in.mime));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)len));
	json_object_object_add(o, "width",
	    json_object_new_int64(in.info.width));
	json_object_object_add(o, "height",
	    json_object_new_int64(in.info.height));
	json_object_object_add(o, "status", json_object_new_string("pending"));
	json_object_object_add(o, "quality", NULL);
	json_object_object_add(o, "created_at",
	    json_object_new_string(PQgetvalue(res, 0, 1)));
	{
		char *url = s3_presign_get(a->s3, a->bucket[BUCKET_USER_PHOTOS],
		    key, (int)a->presign_ttl, time(NULL));
		json_object_object_add(o, "url", url ?
		    json_object_new_string(url) : NULL);
		free(url);
	}
	{
		char loc[96];
		snprintf(loc, sizeof(loc), "Location: /api/v1/photos/%lld\r\n",
		    (long long)db_get_i64(res, 0, 0));
		resp_json(r, 201, o, loc);
	}
	json_object_put(o);
done:
	PQclear(res);
	free(body);
}

void
h_photos_get(struct req *r)
{
	get_answer(r, "photo_get", 1, photo_to_json, "no such photo");
}

void
h_photos_list(struct req *r)
{
	list_own(r, "photo_list", photo_to_json);
}

void
h_photos_delete(struct req *r)
{
	char		 id[24], uid[24];
	const char	*p[2] = { id, uid };
	PGresult	*res;
	struct s3_error	 err;

	snprintf(id, sizeof(id), "%lld", (long long)r->path_id);
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	if (db_run(r->app->db, "photo_delete", 2, p, PGRES_TUPLES_OK,
	    &res) == -1) {
		api_db_down(r);
		return;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		resp_error(r, API_ERR_NOT_FOUND, "no such photo");
		return;
	}
	/* The row is gone; a failed object delete is logged and left for
	 * the retention sweep rather than resurrecting the row. */
	if (s3_delete(r->app->s3, r->app->bucket[BUCKET_USER_PHOTOS],
	    PQgetvalue(res, 0, 0), &err) != 0)
		log_warnx("photos: s3 delete of photo %s failed: %ld %s", id,
		    err.status, err.code);
	PQclear(res);
	resp_raw(r, 204, "application/json", "", 0, NULL);
}
