/*
 * Try-ons and animations: create (202), read (one indexed read, with an
 * ETag), list the user's own.  Both kinds live in the one jobs table.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "jobs.h"
#include "log.h"
#include "util.h"
#include "validate.h"

/*
 * The times as microseconds since 1970, written out here (util_iso_ms):
 * two to_char() calls cost PostgreSQL more than the rest of the row.
 */
#define JOB_COLS \
	"id, kind, status, " \
	"(extract(epoch from created_at) * 1000000)::bigint, photo_id, " \
	"outfit_id, location_id, source_job_id, cost, result_key, " \
	"thumb_key, error_code, " \
	"(extract(epoch from updated_at) * 1000000)::bigint "

enum {
	C_ID, C_KIND, C_STATUS, C_CREATED_US, C_PHOTO, C_OUTFIT,
	C_LOCATION, C_SOURCE, C_COST, C_RESULT, C_THUMB, C_ERROR, C_UPD_US,
	C_USER		/* job_get_many only */
};

const struct db_stmt jobs_api_statements[] = {
	{ "job_get",
	  "SELECT " JOB_COLS "FROM jobs WHERE id = $1 AND user_id = $2 "
	  "AND kind = $3", 3 },
	{ "job_get_many",
	  "SELECT " JOB_COLS ", user_id FROM jobs WHERE id = ANY($1::bigint[]) "
	  "AND user_id = ANY($2::bigint[]) AND kind = $3", 3 },
	{ "job_list",
	  "SELECT " JOB_COLS "FROM jobs WHERE user_id = $1 AND kind = $2 "
	  "AND id < $3 AND ($5::bigint IS NULL OR source_job_id = $5) "
	  "ORDER BY id DESC LIMIT $4", 5 },
	{ "job_create",
	  "SELECT job_id, outcome FROM job_create($1, $2, $3, $4, $5, $6, $7, "
	  "$8, $9, $10)", 10 },
	{ "job_photo_owned",
	  "SELECT 1 FROM photos WHERE id = $1 AND user_id = $2", 2 },
	{ "job_outfit_active",
	  "SELECT 1 FROM outfits WHERE id = $1 AND active "
	  "AND image_key IS NOT NULL AND nsfw_checked_at IS NOT NULL", 1 },
	{ "job_location_active",
	  "SELECT 1 FROM locations WHERE id = $1 AND active "
	  "AND image_key IS NOT NULL AND nsfw_checked_at IS NOT NULL", 1 },
	{ "job_by_idem",
	  "SELECT id, kind, coalesce(photo_id, 0), coalesce(outfit_id, 0), "
	  "coalesce(location_id, 0), coalesce(source_job_id, 0) FROM jobs "
	  "WHERE user_id = $1 AND idempotency_key = $2", 2 },
	{ "job_tryon_completed",
	  "SELECT status FROM jobs WHERE id = $1 AND user_id = $2 "
	  "AND kind = 'tryon'", 2 },
	{ "job_cancel",
	  "UPDATE jobs SET status = 'FAILED', error_code = 'cancelled', "
	  "error_message = 'cancelled by the user', finished_at = now(), "
	  "locked_by = NULL, locked_until = NULL WHERE id = $1 AND "
	  "user_id = $2 AND kind = $3 AND job_status_cancellable(status) "
	  "RETURNING id", 3 },
	{ "job_erase",
	  "SELECT job_erase($1, $2, $3)", 3 },
	{ "job_tryon_event",
	  "INSERT INTO events (user_id, kind, outfit_id, shop_id) "
	  "SELECT $1, 'tryon', id, shop_id FROM outfits WHERE id = $2", 2 },
	{ NULL, NULL, 0 }
};

/*
 * Presigned result URLs are signed for a time rounded down to this many
 * seconds, so the response (and its ETag) stays the same across polls.
 */
#define PRESIGN_QUANTUM 600

/* What the API says of each kind: its resource path and its 404. */
static const struct {
	const char	*path;
	const char	*not_found;
} kind_api[JOB_KIND__MAX] = {
	[JOB_KIND_TRYON] = { "tryons", "no such try-on" },
	[JOB_KIND_ANIMATION] = { "animations", "no such animation" },
};

/* A column of microseconds since 1970 as a JSON ISO 8601 string. */
static json_object *
iso_ms(const PGresult *res, int i, int col)
{
	char	 t[40];

	if (util_iso_ms(db_get_i64(res, i, col), t, sizeof(t)) != UTIL_OK)
		return NULL;
	return json_object_new_string(t);
}

json_object *
job_to_json(struct req *r, const PGresult *res, int i)
{
	struct app	*a = r->app;
	json_object	*o, *e, *result;
	int		 st, kind;
	const char	*code;
	time_t		 t0;
	const char	*url;

	st = job_status_parse(PQgetvalue(res, i, C_STATUS));
	kind = job_kind_parse(PQgetvalue(res, i, C_KIND));
	if (st < 0)
		st = JOB_RECEIVED;
	if (kind < 0)
		kind = JOB_KIND_TRYON;
	o = json_object_new_object();
	json_object_object_add(o, "id",
	    json_object_new_int64(db_get_i64(res, i, C_ID)));
	json_object_object_add(o, "kind",
	    json_object_new_string(job_kind_name((enum job_kind)kind)));
	json_object_object_add(o, "status",
	    json_object_new_string(job_status_name((enum job_status)st)));
	json_object_object_add(o, "status_text", json_object_new_string(
	    job_status_text((enum job_status)st, (enum job_kind)kind, r->lang)));
	json_object_object_add(o, "created_at", iso_ms(res, i, C_CREATED_US));
	json_object_object_add(o, "updated_at", iso_ms(res, i, C_UPD_US));
	if (kind == JOB_KIND_TRYON) {
		json_object_object_add(o, "user_photo_id",
		    PQgetisnull(res, i, C_PHOTO) ? NULL :
		    json_object_new_int64(db_get_i64(res, i, C_PHOTO)));
		json_object_object_add(o, "outfit_id",
		    json_object_new_int64(db_get_i64(res, i, C_OUTFIT)));
		json_object_object_add(o, "location_id",
		    PQgetisnull(res, i, C_LOCATION) ? NULL :
		    json_object_new_int64(db_get_i64(res, i, C_LOCATION)));
	} else
		json_object_object_add(o, "tryon_id",
		    json_object_new_int64(db_get_i64(res, i, C_SOURCE)));
	json_object_object_add(o, "cost",
	    json_object_new_int64(db_get_i64(res, i, C_COST)));

	result = NULL;
	if (st == JOB_COMPLETED && !PQgetisnull(res, i, C_RESULT)) {
		enum bucket b = kind == JOB_KIND_TRYON ? BUCKET_RESULTS :
		    BUCKET_VIDEOS;
		t0 = time(NULL);
		t0 -= t0 % PRESIGN_QUANTUM;
		result = json_object_new_object();
		url = api_presign_get(r, b, PQgetvalue(res, i, C_RESULT),
		    (int)a->presign_ttl + PRESIGN_QUANTUM, t0);
		json_object_object_add(result, "url",
		    url ? json_object_new_string(url) : NULL);
		json_object_object_add(result, "content_type",
		    json_object_new_string(kind == JOB_KIND_TRYON ?
		    "image/jpeg" : "video/mp4"));
		if (!PQgetisnull(res, i, C_THUMB)) {
			url = api_presign_get(r, b, PQgetvalue(res, i, C_THUMB),
			    (int)a->presign_ttl + PRESIGN_QUANTUM, t0);
			json_object_object_add(result, kind == JOB_KIND_TRYON ?
			    "thumbnail_url" : "preview_url",
			    url ? json_object_new_string(url) : NULL);
		}
		json_object_object_add(result, "expires_in",
		    json_object_new_int64(a->presign_ttl));
	}
	json_object_object_add(o, "result", result);
	e = NULL;
	if (st == JOB_FAILED) {
		const struct job_error_info *ei;
		code = db_get_str(res, i, C_ERROR);
		ei = job_error_lookup(code);
		e = json_object_new_object();
		json_object_object_add(e, "code",
		    json_object_new_string(code ? code : ei->name));
		json_object_object_add(e, "message",
		    json_object_new_string(ei->message[r->lang]));
	}
	json_object_object_add(o, "error", e);
	{
		struct timespec	 ts;
		double		 in_status;
		int64_t		 ms;

		clock_gettime(CLOCK_REALTIME, &ts);
		in_status = (double)ts.tv_sec + ts.tv_nsec / 1e9 -
		    (double)db_get_i64(res, i, C_UPD_US) / 1e6;
		ms = poll_after_ms(r, (enum job_kind)kind,
		    (enum job_status)st, db_get_i64(res, i, C_ID), in_status);
		json_object_object_add(o, "poll_after_ms",
		    ms < 0 ? NULL : json_object_new_int64(ms));
	}
	return o;
}

/* Answer r from row i of res, r's job, with its ETag (or a 304). */
static void
job_answer(struct req *r, int conditional, int status,
    const char *more_headers, const PGresult *res, int i)
{
	char		 etag[96], hdr[256];
	json_object	*o;
	time_t		 t0;

	/* The ETag covers everything the body depends on: the row version
	 * (updated_at), the language and the presign window. */
	t0 = time(NULL);
	snprintf(etag, sizeof(etag), "W/\"%lld-%s-%lld-%s-%lld\"",
	    (long long)r->path_id, PQgetvalue(res, i, C_STATUS),
	    (long long)db_get_i64(res, i, C_UPD_US), lang_name(r->lang),
	    (long long)(t0 / PRESIGN_QUANTUM));
	if (conditional && req_etag_matches(r, etag)) {
		resp_not_modified(r, etag);
		return;
	}
	o = job_to_json(r, res, i);
	snprintf(hdr, sizeof(hdr), "ETag: %s\r\n%s", etag,
	    more_headers ? more_headers : "");
	resp_json(r, status, o, hdr);
	json_object_put(o);
}

static void
job_get(struct req *r, enum job_kind kind, int conditional, int status,
    const char *more_headers)
{
	char		 id[24], uid[24];
	const char	*p[3] = { id, uid, job_kind_name(kind) };
	PGresult	*res;

	snprintf(id, sizeof(id), "%lld", (long long)r->path_id);
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	if (db_run(r->app->db, "job_get", 3, p, PGRES_TUPLES_OK, &res) == -1) {
		api_db_down(r);
		return;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		resp_error(r, API_ERR_NOT_FOUND, kind_api[kind].not_found);
		return;
	}
	job_answer(r, conditional, status, more_headers, res, 0);
	PQclear(res);
}

/* Each request's id and user into "{1,2,...}" arrays. */
#define MANY_TEXT	(API_MANY_MAX * 21 + 3)

static void
many_arrays(struct req **rs, size_t n, char *ids, char *uids)
{
	size_t	 i, a = 0, b = 0;

	ids[a++] = '{';
	uids[b++] = '{';
	for (i = 0; i < n; i++) {
		a += (size_t)snprintf(ids + a, MANY_TEXT - a, "%s%lld",
		    i ? "," : "", (long long)rs[i]->path_id);
		b += (size_t)snprintf(uids + b, MANY_TEXT - b, "%s%lld",
		    i ? "," : "", (long long)rs[i]->user.id);
	}
	memcpy(ids + a, "}", 2);
	memcpy(uids + b, "}", 2);
}

/*
 * Several polls that came together: one query for all their rows, then
 * each answered as h_tryons_get answers it.  A row goes only to a
 * request for its id by its owner: anyone else's gets the 404.
 */
void
h_tryons_get_many(struct req **rs, size_t n)
{
	static char	 ids[MANY_TEXT], uids[MANY_TEXT];
	const char	*p[3] = { ids, uids, job_kind_name(JOB_KIND_TRYON) };
	PGresult	*res;
	size_t		 i;
	int		 k, rows;

	if (n == 1 || n > API_MANY_MAX) {
		for (i = 0; i < n; i++)
			h_tryons_get(rs[i]);
		return;
	}
	many_arrays(rs, n, ids, uids);
	if (db_run(rs[0]->app->db, "job_get_many", 3, p, PGRES_TUPLES_OK,
	    &res) == -1) {
		for (i = 0; i < n; i++)
			api_db_down(rs[i]);
		return;
	}
	rows = PQntuples(res);
	for (i = 0; i < n; i++) {
		for (k = 0; k < rows; k++)
			if (db_get_i64(res, k, C_ID) == rs[i]->path_id &&
			    db_get_i64(res, k, C_USER) == rs[i]->user.id)
				break;
		if (k == rows)
			resp_error(rs[i], API_ERR_NOT_FOUND,
			    kind_api[JOB_KIND_TRYON].not_found);
		else
			job_answer(rs[i], 1, 200, NULL, res, k);
	}
	PQclear(res);
}

static void
job_list(struct req *r, enum job_kind kind)
{
	char		 uid[24], cur[24], lim[24], src[32];
	const char	*p[5] = { uid, job_kind_name(kind), cur, lim, NULL };
	int64_t		 cursor, limit, v;
	PGresult	*res;

	if (list_params(r, LIST_DESC, &cursor, &limit) == -1)
		return;
	/* ?tryon_id= lists the animations of one try-on. */
	if (kind == JOB_KIND_ANIMATION &&
	    req_query(r, "tryon_id", src, sizeof(src)) != -1) {
		if (util_parse_i64(src, 1, INT64_MAX, &v) == -1) {
			resp_error(r, API_ERR_BAD_REQUEST,
			    "tryon_id must be a positive id");
			return;
		}
		p[4] = src;
	}
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	snprintf(cur, sizeof(cur), "%lld", (long long)cursor);
	snprintf(lim, sizeof(lim), "%lld", (long long)limit);
	if (db_run(r->app->db, "job_list", 5, p, PGRES_TUPLES_OK, &res) == -1) {
		api_db_down(r);
		return;
	}
	list_answer(r, res, C_ID, limit, job_to_json);
	PQclear(res);
}

/* The Idempotency-Key header: 1..200 printable ASCII characters. */
static int
idempotency_key(struct req *r, const char **out)
{
	const char	*k = req_param(r, "HTTP_IDEMPOTENCY_KEY");
	size_t		 i;

	*out = NULL;
	if (k == NULL)
		return 0;
	for (i = 0; k[i] != '\0'; i++) {
		if (i >= 200 || !isprint((unsigned char)k[i])) {
			resp_error(r, API_ERR_INVALID_IDEMPOTENCY_KEY, NULL);
			return -1;
		}
	}
	if (i == 0) {
		resp_error(r, API_ERR_INVALID_IDEMPOTENCY_KEY,
		    "Idempotency-Key must not be empty");
		return -1;
	}
	*out = k;
	return 0;
}

/* Whether a one-row check statement finds its row; -1 db down. */
static int
exists(struct req *r, const char *stmt, int n, const char *const *p)
{
	PGresult	*res;
	int		 found;

	if (db_run(r->app->db, stmt, n, p, PGRES_TUPLES_OK, &res) == -1)
		return -1;
	found = PQntuples(res) == 1;
	PQclear(res);
	return found;
}

/* 202 with the job and its Location. */
static void
answer_job(struct req *r, enum job_kind kind, const char *jid, int replay)
{
	char	 hdr[160];

	snprintf(hdr, sizeof(hdr), "Location: /api/v1/%s/%s\r\n%s",
	    kind_api[kind].path, jid,
	    replay ? "Idempotent-Replayed: true\r\n" : "");
	r->path_id = strtoll(jid, NULL, 10);
	job_get(r, kind, 0, 202, hdr);
}

/*
 * A request with an Idempotency-Key used before: the same request gets
 * the earlier job again (1, answered), a different one a 409 (-1,
 * answered); 0 when the key is new.  Checked before anything else, so a
 * replay answers the same even if the photo was deleted meanwhile.
 */
static int
idempotent_replay(struct req *r, const char *idem, enum job_kind kind,
    int64_t photo, int64_t outfit, int64_t location, int64_t source)
{
	char		 uid[24], jid[24];
	const char	*p[2] = { uid, idem };
	PGresult	*res;
	int		 same;

	if (idem == NULL)
		return 0;
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	if (db_run(r->app->db, "job_by_idem", 2, p, PGRES_TUPLES_OK,
	    &res) == -1) {
		api_db_down(r);
		return -1;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		return 0;
	}
	same = job_kind_parse(PQgetvalue(res, 0, 1)) == (int)kind &&
	    db_get_i64(res, 0, 2) == photo && db_get_i64(res, 0, 3) == outfit &&
	    db_get_i64(res, 0, 4) == location && db_get_i64(res, 0, 5) == source;
	snprintf(jid, sizeof(jid), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	if (!same) {
		resp_error(r, API_ERR_IDEMPOTENCY_CONFLICT, NULL);
		return -1;
	}
	answer_job(r, kind, jid, 1);
	return 1;
}

/*
 * Create the job through job_create() and answer: 202 with the job, 402
 * when tokens are short, the earlier job for a repeated Idempotency-Key,
 * or 409 when that key names a job of other parameters.
 */
static void
create_and_answer(struct req *r, enum job_kind kind, const char *photo,
    const char *outfit, const char *location, const char *source,
    int64_t cost, const char *idem, const char *params)
{
	char		 uid[24], costs[24], maxa[24], jid[24];
	const char	*p[10], *outcome, *gp[3];
	PGresult	*res;
	int		 replay;

	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	snprintf(costs, sizeof(costs), "%lld", (long long)cost);
	snprintf(maxa, sizeof(maxa), "%lld", (long long)r->app->max_attempts);
	p[0] = job_kind_name(kind); p[1] = uid; p[2] = photo; p[3] = outfit;
	p[4] = location; p[5] = source; p[6] = costs; p[7] = idem;
	p[8] = params; p[9] = maxa;
	if (db_run(r->app->db, "job_create", 10, p, PGRES_TUPLES_OK,
	    &res) == -1) {
		api_db_down(r);
		return;
	}
	outcome = PQgetvalue(res, 0, 1);
	if (job_error_parse(outcome) == JOB_ERR_INSUFFICIENT_TOKENS) {
		PQclear(res);
		resp_error(r, API_ERR_INSUFFICIENT_TOKENS, NULL);
		return;
	}
	if (strcmp(outcome, "conflict") == 0) {
		/* A concurrent request took the key between our check and
		 * job_create(): the same 409 as idempotent_replay(). */
		PQclear(res);
		resp_error(r, API_ERR_IDEMPOTENCY_CONFLICT, NULL);
		return;
	}
	replay = strcmp(outcome, "existing") == 0;
	snprintf(jid, sizeof(jid), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	if (!replay && outfit != NULL) {
		/* The shop's try-on count; losing it is not worth an error. */
		gp[0] = uid;
		gp[1] = outfit;
		(void)db_run(r->app->db, "job_tryon_event", 2, gp,
		    PGRES_COMMAND_OK, NULL);
		shares_record(r, SHARE_VISIT_TRYON, strtoll(outfit, NULL, 10));
	}
	answer_job(r, kind, jid, replay);
}

static const char *const tryon_fields[] = { "user_photo_id", "outfit_id",
    "location_id", "seed", NULL };
static const char *const animation_fields[] = { "tryon_id", NULL };

void
h_tryons_create(struct req *r)
{
	json_object	*body;
	int64_t		 photo_id, outfit_id, location_id, seed = 0;
	int		 has_loc, has_seed, rc;
	char		 params[48];
	char		 photo[24], outfit[24], location[24], uid[24];
	const char	*idem, *p[2];

	if (users_touch(r) == -1 || idempotency_key(r, &idem) == -1)
		return;
	body = req_read_json(r, 4096);
	if (body == NULL)
		return;
	location_id = 0;
	if (v_only(r, body, tryon_fields) == -1 ||
	    v_id(r, body, "user_photo_id", 1, &photo_id) == -1 ||
	    v_id(r, body, "outfit_id", 1, &outfit_id) == -1) {
		json_object_put(body);
		return;
	}
	has_loc = v_id(r, body, "location_id", 0, &location_id);
	/* "Try again": the same inputs with a new seed, a new job. */
	has_seed = has_loc == -1 ? -1 : v_int(r, body, "seed", 0, 1,
	    INT32_MAX, &seed);
	if (has_loc == -1 || has_seed == -1) {
		json_object_put(body);
		return;
	}
	if (has_seed)
		snprintf(params, sizeof(params), "{\"seed\": %lld}",
		    (long long)seed);
	json_object_put(body);
	if (idempotent_replay(r, idem, JOB_KIND_TRYON, photo_id, outfit_id,
	    location_id, 0) != 0)
		return;
	snprintf(photo, sizeof(photo), "%lld", (long long)photo_id);
	snprintf(outfit, sizeof(outfit), "%lld", (long long)outfit_id);
	snprintf(location, sizeof(location), "%lld", (long long)location_id);
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);

	p[0] = photo; p[1] = uid;
	rc = exists(r, "job_photo_owned", 2, p);
	if (rc != 1) {
		if (rc == -1)
			api_db_down(r);
		else
			resp_error(r, API_ERR_PHOTO_NOT_FOUND, NULL);
		return;
	}
	p[0] = outfit;
	rc = exists(r, "job_outfit_active", 1, p);
	if (rc != 1) {
		if (rc == -1)
			api_db_down(r);
		else
			resp_error(r, API_ERR_OUTFIT_NOT_FOUND, NULL);
		return;
	}
	if (has_loc) {
		p[0] = location;
		rc = exists(r, "job_location_active", 1, p);
		if (rc != 1) {
			if (rc == -1)
				api_db_down(r);
			else
				resp_error(r, API_ERR_LOCATION_NOT_FOUND, NULL);
			return;
		}
	}
	create_and_answer(r, JOB_KIND_TRYON, photo, outfit,
	    has_loc ? location : NULL, NULL, r->app->price_tryon, idem,
	    has_seed ? params : NULL);
}

void
h_animations_create(struct req *r)
{
	json_object	*body;
	int64_t		 tryon_id;
	char		 tryon[24], uid[24];
	const char	*idem, *p[2];
	PGresult	*res;

	if (users_touch(r) == -1 || idempotency_key(r, &idem) == -1)
		return;
	body = req_read_json(r, 4096);
	if (body == NULL)
		return;
	if (v_only(r, body, animation_fields) == -1 ||
	    v_id(r, body, "tryon_id", 1, &tryon_id) == -1) {
		json_object_put(body);
		return;
	}
	json_object_put(body);
	if (idempotent_replay(r, idem, JOB_KIND_ANIMATION, 0, 0, 0, tryon_id) != 0)
		return;
	snprintf(tryon, sizeof(tryon), "%lld", (long long)tryon_id);
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	p[0] = tryon; p[1] = uid;
	if (db_run(r->app->db, "job_tryon_completed", 2, p, PGRES_TUPLES_OK,
	    &res) == -1) {
		api_db_down(r);
		return;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		resp_error(r, API_ERR_TRYON_NOT_FOUND, NULL);
		return;
	}
	if (job_status_parse(PQgetvalue(res, 0, 0)) != JOB_COMPLETED) {
		PQclear(res);
		resp_error(r, API_ERR_TRYON_NOT_COMPLETED, NULL);
		return;
	}
	PQclear(res);
	create_and_answer(r, JOB_KIND_ANIMATION, NULL, NULL, NULL, tryon,
	    r->app->price_animation, idem, NULL);
}

/*
 * Cancel a job that has not reached RUNNING: it ends FAILED with code
 * cancelled and is never charged.  409 once it runs or has finished.
 */
static void
job_cancel(struct req *r, enum job_kind kind)
{
	char		 id[24], uid[24];
	const char	*p[3] = { id, uid, job_kind_name(kind) };
	PGresult	*res;
	int		 n;

	snprintf(id, sizeof(id), "%lld", (long long)r->path_id);
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	if (db_run(r->app->db, "job_cancel", 3, p, PGRES_TUPLES_OK,
	    &res) == -1) {
		api_db_down(r);
		return;
	}
	n = PQntuples(res);
	PQclear(res);
	if (n == 1) {
		job_get(r, kind, 0, 200, NULL);
		return;
	}
	if (db_run(r->app->db, "job_get", 3, p, PGRES_TUPLES_OK, &res) == -1) {
		api_db_down(r);
		return;
	}
	n = PQntuples(res);
	PQclear(res);
	if (n == 0)
		resp_error(r, API_ERR_NOT_FOUND, kind_api[kind].not_found);
	else
		resp_error(r, API_ERR_NOT_CANCELLABLE, NULL);
}

/*
 * Erase a job the user owns, with its result (and a try-on's
 * animations): the rows now, the objects through pending_deletes.  204;
 * 404 when not theirs; 409 while it is being rendered.
 */
static void
job_delete(struct req *r, enum job_kind kind)
{
	char		 id[24], uid[24];
	const char	*p[3] = { id, uid, job_kind_name(kind) }, *out;
	PGresult	*res;

	snprintf(id, sizeof(id), "%lld", (long long)r->path_id);
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	if (db_run(r->app->db, "job_erase", 3, p, PGRES_TUPLES_OK,
	    &res) == -1) {
		api_db_down(r);
		return;
	}
	out = PQgetvalue(res, 0, 0);
	if (strcmp(out, "deleted") == 0)
		resp_raw(r, 204, "application/json", "", 0, NULL);
	else if (strcmp(out, "running") == 0)
		resp_error(r, API_ERR_JOB_RUNNING, r->lang == LANG_RU ?
		    "Идёт обработка. Удалите, когда она закончится." :
		    "It is being made right now. Delete it when it is done.");
	else
		resp_error(r, API_ERR_NOT_FOUND, kind_api[kind].not_found);
	PQclear(res);
}

void h_tryons_delete(struct req *r) { job_delete(r, JOB_KIND_TRYON); }
void h_animations_delete(struct req *r) { job_delete(r, JOB_KIND_ANIMATION); }
void h_tryons_cancel(struct req *r) { job_cancel(r, JOB_KIND_TRYON); }
void h_animations_cancel(struct req *r) { job_cancel(r, JOB_KIND_ANIMATION); }
void h_tryons_get(struct req *r) { job_get(r, JOB_KIND_TRYON, 1, 200, NULL); }
void h_tryons_list(struct req *r) { job_list(r, JOB_KIND_TRYON); }
void h_animations_list(struct req *r) { job_list(r, JOB_KIND_ANIMATION); }

void
h_animations_get(struct req *r)
{
	job_get(r, JOB_KIND_ANIMATION, 1, 200, NULL);
}
