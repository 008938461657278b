/*
 * Catalogue writes and shop statistics: shop staff manage their own
 * shop's outfits, admins manage everything (outfits, locations, any
 * shop's statistics).
 *
 *   POST   /outfits              JSON; staff: own shop, admin: shop_id
 *   PATCH  /outfits/{id}         JSON, any subset of the fields
 *   PUT    /outfits/{id}/image   raw JPEG/PNG/WebP body
 *   DELETE /outfits/{id}         deactivates (jobs keep their reference)
 *   POST/PATCH/DELETE /locations..., PUT /locations/{id}/image: admins
 *   GET    /shops/{id}/stats?from=YYYY-MM-DD&to=YYYY-MM-DD
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "image.h"
#include "ingest.h"
#include "qc.h"
#include "log.h"
#include "staff_fields.h"
#include "validate.h"

const struct db_stmt staff_statements[] = {
	{ "staff_role",
	  "SELECT role, coalesce(shop_id, 0) FROM users WHERE id = $1", 1 },
	{ "staff_shop_exists", "SELECT 1 FROM shops WHERE id = $1", 1 },
	{ "staff_outfit_shop",
	  "SELECT shop_id FROM outfits WHERE id = $1 AND active", 1 },
	{ "staff_outfit_insert",
	  "INSERT INTO outfits (shop_id, title, description, category, "
	  "product_url, price, currency, active) VALUES ($1, $2, "
	  "coalesce($3, ''), coalesce($4, 'tops'), $5, $6, coalesce($7, "
	  "'RUB'), true) RETURNING id", 7 },
	{ "staff_outfit_update",
	  "UPDATE outfits SET title = coalesce($2, title), "
	  "description = coalesce($3, description), "
	  "category = coalesce($4, category), "
	  "product_url = coalesce($5, product_url), "
	  "price = coalesce($6::bigint, price), "
	  "currency = coalesce($7, currency), updated_at = now() "
	  "WHERE id = $1 AND active RETURNING id", 7 },
	{ "staff_outfit_image",
	  "UPDATE outfits SET image_key = $2, width = $3, height = $4, "
	  "qc = $5::jsonb, updated_at = now() WHERE id = $1 AND active "
	  "RETURNING (SELECT image_key FROM outfits WHERE id = $1)", 5 },
	{ "staff_outfit_delete",
	  "UPDATE outfits SET active = false, updated_at = now() "
	  "WHERE id = $1 AND active RETURNING id", 1 },
	{ "staff_location_insert",
	  "INSERT INTO locations (title, description, tags) VALUES ($1, "
	  "coalesce($2, ''), string_to_array(coalesce($3, ''), ',')) "
	  "RETURNING id", 3 },
	{ "staff_location_update",
	  "UPDATE locations SET title = coalesce($2, title), "
	  "description = coalesce($3, description), "
	  "tags = coalesce(string_to_array($4, ','), tags), "
	  "updated_at = now() WHERE id = $1 AND active RETURNING id", 4 },
	{ "staff_location_image",
	  "UPDATE locations SET image_key = $2, width = $3, height = $4, "
	  "qc = $5::jsonb, tags = ARRAY(SELECT DISTINCT t FROM "
	  "unnest(tags || string_to_array(coalesce($6, ''), ',')) t "
	  "WHERE t <> '' ORDER BY t), description = CASE WHEN description = "
	  "'' THEN coalesce($7, '') ELSE description END, updated_at = now() "
	  "WHERE id = $1 AND active "
	  "RETURNING (SELECT image_key FROM locations WHERE id = $1)", 7 },
	{ "staff_location_delete",
	  "UPDATE locations SET active = false, updated_at = now() "
	  "WHERE id = $1 AND active RETURNING id", 1 },
	{ "staff_outfit_published",
	  "SELECT image_key IS NOT NULL FROM outfits WHERE id = $1", 1 },
	{ "staff_location_published",
	  "SELECT image_key IS NOT NULL FROM locations WHERE id = $1", 1 },
	{ "staff_location_exists",
	  "SELECT 1 FROM locations WHERE id = $1 AND active", 1 },
	{ "staff_stats",
	  "SELECT o.id, o.title, "
	  "count(e.id) FILTER (WHERE e.kind = 'view'), "
	  "count(e.id) FILTER (WHERE e.kind = 'tryon'), "
	  "count(e.id) FILTER (WHERE e.kind = 'click') "
	  "FROM outfits o LEFT JOIN events e ON e.outfit_id = o.id "
	  "AND e.created_at >= $2::date AND e.created_at < $3::date + 1 "
	  "WHERE o.shop_id = $1 GROUP BY o.id ORDER BY o.id", 3 },
	{ NULL, NULL, 0 }
};

enum role { ROLE_USER, ROLE_STAFF, ROLE_ADMIN };

/* The caller's role and shop; -1 when a response was sent. */
static int
caller_role(struct req *r, enum role *role, int64_t *shop)
{
	char		 uid[24];
	const char	*p[1] = { uid };
	PGresult	*res;
	const char	*s;

	if (users_touch(r) == -1)
		return -1;
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	if (db_run(r->app->db, "staff_role", 1, p, PGRES_TUPLES_OK,
	    &res) == -1) {
		api_db_down(r);
		return -1;
	}
	*role = ROLE_USER;
	*shop = 0;
	if (PQntuples(res) == 1) {
		s = PQgetvalue(res, 0, 0);
		*role = strcmp(s, "admin") == 0 ? ROLE_ADMIN :
		    strcmp(s, "shop_staff") == 0 ? ROLE_STAFF : ROLE_USER;
		*shop = db_get_i64(res, 0, 1);
	}
	PQclear(res);
	return 0;
}

static void
forbidden(struct req *r)
{
	resp_error(r, API_ERR_FORBIDDEN, NULL);
}

/* 1 when the statement returned a row, 0 none, -1 db down (503 sent). */
static int
one_row(struct req *r, const char *stmt, int n, const char *const *p,
    char *first, size_t firstlen)
{
	PGresult	*res;
	int		 found;

	if (db_run(r->app->db, stmt, n, p, PGRES_TUPLES_OK, &res) == -1) {
		api_db_down(r);
		return -1;
	}
	found = PQntuples(res) == 1;
	if (found && first != NULL)
		snprintf(first, firstlen, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return found;
}

/*
 * May the caller write outfit r->path_id?  Admins: any; staff: their
 * shop's.  0 yes, -1 when a response (403/404/503) was sent.
 */
static int
may_write_outfit(struct req *r)
{
	enum role	 role;
	int64_t		 shop;
	char		 id[24], owner[24];
	const char	*p[1] = { id };
	int		 rc;

	if (caller_role(r, &role, &shop) == -1)
		return -1;
	if (role == ROLE_USER) {
		forbidden(r);
		return -1;
	}
	snprintf(id, sizeof(id), "%lld", (long long)r->path_id);
	rc = one_row(r, "staff_outfit_shop", 1, p, owner, sizeof(owner));
	if (rc == -1)
		return -1;
	if (rc == 0) {
		resp_error(r, API_ERR_NOT_FOUND, "no such outfit");
		return -1;
	}
	if (role == ROLE_STAFF) {
		char mine[24];
		snprintf(mine, sizeof(mine), "%lld", (long long)shop);
		if (strcmp(mine, owner) != 0) {
			forbidden(r);
			return -1;
		}
	}
	return 0;
}

static int
admin_only(struct req *r)
{
	enum role	 role;
	int64_t		 shop;

	if (caller_role(r, &role, &shop) == -1)
		return -1;
	if (role != ROLE_ADMIN) {
		forbidden(r);
		return -1;
	}
	return 0;
}

/*
 * Answer a write: the item as the catalogue shows it once it has an
 * image, else its id with published false (GET would say 404).
 */
static void
written(struct req *r, const char *stmt, void (*show)(struct req *))
{
	char		 id[24], pub[8];
	const char	*p[1] = { id };
	json_object	*o;

	snprintf(id, sizeof(id), "%lld", (long long)r->path_id);
	if (one_row(r, stmt, 1, p, pub, sizeof(pub)) != 1)
		return;
	if (strcmp(pub, "t") == 0) {
		show(r);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(r->path_id));
	json_object_object_add(o, "published", json_object_new_boolean(0));
	json_object_object_add(o, "image_url", NULL);
	resp_json(r, 200, o, NULL);
	json_object_put(o);
}

static void
created(struct req *r, const char *id, const char *what)
{
	json_object	*o = json_object_new_object();
	char		 loc[128];

	json_object_object_add(o, "id", json_object_new_int64(
	    strtoll(id, NULL, 10)));
	json_object_object_add(o, "image_url", NULL);
	json_object_object_add(o, "message", json_object_new_string(
	    "created; upload its image with PUT .../image to publish it"));
	snprintf(loc, sizeof(loc), "Location: /api/v1/%s/%s\r\n", what, id);
	resp_json(r, 201, o, loc);
	json_object_put(o);
}

void
h_outfits_create(struct req *r)
{
	enum role	 role;
	int64_t		 shop, shop_id = 0;
	json_object	*b;
	const char	*p[7] = { NULL };
	char		 shops[24], price[24], id[24];
	int		 rc;

	if (caller_role(r, &role, &shop) == -1)
		return;
	if (role == ROLE_USER) {
		forbidden(r);
		return;
	}
	b = req_read_json(r, 16384);
	if (b == NULL)
		return;
	rc = v_id(r, b, "shop_id", role == ROLE_ADMIN, &shop_id);
	if (rc == -1 ||
	    outfit_fields_read(r, b, 1, p, price, sizeof(price)) == -1)
		goto done;
	if (role == ROLE_STAFF) {
		if (rc == 1 && shop_id != shop) {
			forbidden(r);
			goto done;
		}
		shop_id = shop;
	}
	snprintf(shops, sizeof(shops), "%lld", (long long)shop_id);
	p[0] = shops;
	rc = one_row(r, "staff_shop_exists", 1, p, NULL, 0);
	if (rc != 1) {
		if (rc == 0)
			resp_error(r, API_ERR_SHOP_NOT_FOUND, NULL);
		goto done;
	}
	if (one_row(r, "staff_outfit_insert", 7, p, id, sizeof(id)) == 1)
		created(r, id, "outfits");
done:
	json_object_put(b);
}

void
h_outfits_update(struct req *r)
{
	json_object	*b;
	const char	*p[7] = { NULL };
	char		 id[24], price[24];
	int		 rc;

	if (may_write_outfit(r) == -1)
		return;
	b = req_read_json(r, 16384);
	if (b == NULL)
		return;
	if (json_object_object_get_ex(b, "shop_id", NULL)) {
		resp_error(r, API_ERR_INVALID_FIELD,
		    "shop_id cannot be changed");
		goto done;
	}
	if (outfit_fields_read(r, b, 0, p, price, sizeof(price)) == -1)
		goto done;
	snprintf(id, sizeof(id), "%lld", (long long)r->path_id);
	p[0] = id;
	rc = one_row(r, "staff_outfit_update", 7, p, NULL, 0);
	if (rc == 1)
		written(r, "staff_outfit_published", h_outfits_get);
	else if (rc == 0)
		resp_error(r, API_ERR_NOT_FOUND, "no such outfit");
done:
	json_object_put(b);
}

void
h_outfits_delete(struct req *r)
{
	char		 id[24];
	const char	*p[1] = { id };

	if (may_write_outfit(r) == -1)
		return;
	snprintf(id, sizeof(id), "%lld", (long long)r->path_id);
	switch (one_row(r, "staff_outfit_delete", 1, p, NULL, 0)) {
	case 1:
		resp_raw(r, 204, "application/json", "", 0, NULL);
		break;
	case 0:
		resp_error(r, API_ERR_NOT_FOUND, "no such outfit");
		break;
	}
}

/*
 * 422 for an image that fails the checks: the first reason's message in
 * the user's language, and every reason code.
 */
static void
qc_reject(struct req *r, const struct qc_report *rep)
{
	json_object	*o, *e, *codes;
	int		 i;

	o = json_object_new_object();
	e = json_object_new_object();
	codes = json_object_new_array();
	for (i = 0; i < rep->nreasons; i++)
		json_object_array_add(codes, json_object_new_string(
		    qc_reason_code(rep->reasons[i])));
	json_object_object_add(e, "code", json_object_new_string(
	    api_error_name(API_ERR_IMAGE_REJECTED)));
	json_object_object_add(e, "message", json_object_new_string(
	    qc_reason_message(rep->reasons[0], r->lang)));
	json_object_object_add(e, "reasons", codes);
	json_object_object_add(o, "error", e);
	resp_json(r, api_error_status(API_ERR_IMAGE_REJECTED), o, NULL);
	json_object_put(o);
}

/* What put_image()'s vet hook checks with and leaves behind. */
struct put_vet {
	struct req		*r;
	enum qc_kind		 kind;
	struct qc_report	 rep;
	json_object		*qcj;	/* the report, once checked */
};

/*
 * The quality and composition checks.  No NSFW network here (it would
 * cost every API process its weights): the new image waits for the
 * worker's verdict (batch/catalog.c), which withdraws the item if the
 * classifier rejects it.  Locations also get their automatic tags and
 * description.  0, or -1 after answering.
 */
static int
put_vet(void *arg, const unsigned char *buf, size_t len,
    const struct image_info *info)
{
	struct put_vet	*v = arg;

	(void)info;
	if (qc_check(&v->r->app->qc, NULL, v->kind, buf, len, &v->rep) !=
	    QC_OK) {
		api_db_down(v->r);
		return -1;
	}
	v->qcj = qc_report_to_json(&v->rep);
	if (v->qcj == NULL) {
		api_db_down(v->r);
		return -1;
	}
	if (!v->rep.accepted) {
		qc_reject(v->r, &v->rep);
		return -1;
	}
	return 0;
}

/* Answer an image the ingest refused before its vet hook ran or after. */
static void
put_refused(struct req *r, enum ingest_err rc, const struct ingest_result *in)
{
	switch (rc) {
	case INGEST_E_VETO:
		break;		/* answered by put_vet() */
	case INGEST_E_FORMAT:
		resp_error(r, API_ERR_UNSUPPORTED_MEDIA_TYPE, NULL);
		break;
	case INGEST_E_TOO_LARGE:
		resp_error(r, API_ERR_IMAGE_TOO_LARGE,
		    image_strerror(in->image_err));
		break;
	case INGEST_E_KEY:
		api_db_down(r);
		break;
	case INGEST_E_STORE:
		resp_error(r, API_ERR_STORAGE_UNAVAILABLE,
		    "could not store the image, try again shortly");
		break;
	default:
		resp_error(r, API_ERR_BAD_IMAGE, image_strerror(in->image_err));
		break;
	}
}

/*
 * Store an uploaded catalogue image and point the row at it.  The old
 * object is deleted once the row no longer refers to it.
 */
static void
put_image(struct req *r, enum bucket b, const char *stmt, const char *what)
{
	struct app		*a = r->app;
	unsigned char		*body = NULL;
	size_t			 len, i;
	struct image_limits	 lim;
	struct ingest_spec	 spec;
	struct ingest_result	 in;
	struct put_vet		 v;
	struct s3_error		 err;
	char			 prefix[128], id[24], w[16], h[16];
	char			 old[256];
	char			 tags[QC_MAX_TAGS * (QC_TAG_LEN + 1) + 1];
	const char		*p[7], *qctext, *key = in.key;
	struct qc_report	*rep = &v.rep;
	enum ingest_err		 irc;
	int			 rc;

	memset(&v, 0, sizeof(v));
	if (req_read_body(r, (size_t)a->photo_max_bytes, &body, &len) == -1)
		return;
	if (len == 0) {
		resp_error(r, API_ERR_EMPTY_BODY, NULL);
		goto done;
	}
	v.r = r;
	v.kind = b == BUCKET_OUTFITS ? QC_OUTFIT : QC_LOCATION;
	ingest_upload_limits(a, &lim);
	snprintf(prefix, sizeof(prefix), "catalog/%s/%lld-", what,
	    (long long)r->path_id);
	ingest_spec_init(&spec, a->s3, a->bucket[b], prefix, 8);
	spec.lim = &lim;
	spec.vet = put_vet;
	spec.vet_arg = &v;
	irc = ingest_image(&spec, body, len, &in);
	if (irc != INGEST_OK) {
		put_refused(r, irc, &in);
		goto done;
	}
	qctext = json_object_to_json_string_ext(v.qcj, JSON_C_TO_STRING_PLAIN);
	tags[0] = '\0';
	for (i = 0; i < (size_t)rep->ntags; i++) {
		size_t l = strlen(tags);
		snprintf(tags + l, sizeof(tags) - l, "%s%s", l ? "," : "",
		    rep->tags[i]);
	}
	snprintf(id, sizeof(id), "%lld", (long long)r->path_id);
	snprintf(w, sizeof(w), "%d", in.info.out_width);
	snprintf(h, sizeof(h), "%d", in.info.out_height);
	p[0] = id; p[1] = key; p[2] = w; p[3] = h; p[4] = qctext;
	p[5] = tags;
	p[6] = rep->description[r->lang];
	old[0] = '\0';
	rc = one_row(r, stmt, b == BUCKET_OUTFITS ? 5 : 7, p, old, sizeof(old));
	if (rc != 1) {
		(void)s3_delete(a->s3, a->bucket[b], key, &err);
		if (rc == 0)
			resp_error(r, API_ERR_NOT_FOUND, "no such item");
		goto done;
	}
	/* RETURNING's subquery sees the row before the update. */
	if (old[0] != '\0' && strcmp(old, key) != 0)
		(void)s3_delete(a->s3, a->bucket[b], old, &err);
	if (b == BUCKET_OUTFITS)
		h_outfits_get(r);
	else
		h_locations_get(r);
done:
	json_object_put(v.qcj);
	free(body);
}

void
h_outfits_image(struct req *r)
{
	if (may_write_outfit(r) == -1)
		return;
	put_image(r, BUCKET_OUTFITS, "staff_outfit_image", "outfits");
}

void
h_locations_create(struct req *r)
{
	json_object	*b;
	const char	*p[3] = { NULL };
	char		 tags[STAFF_TAGS_LEN], id[24];

	if (admin_only(r) == -1)
		return;
	b = req_read_json(r, 16384);
	if (b == NULL)
		return;
	if (location_fields_read(r, b, 1, p, tags, sizeof(tags)) == -1)
		goto done;
	if (one_row(r, "staff_location_insert", 3, p, id, sizeof(id)) == 1)
		created(r, id, "locations");
done:
	json_object_put(b);
}

static int
location_exists(struct req *r)
{
	char		 id[24];
	const char	*p[1] = { id };
	int		 rc;

	snprintf(id, sizeof(id), "%lld", (long long)r->path_id);
	rc = one_row(r, "staff_location_exists", 1, p, NULL, 0);
	if (rc == 0)
		resp_error(r, API_ERR_NOT_FOUND, "no such location");
	return rc == 1 ? 0 : -1;
}

void
h_locations_update(struct req *r)
{
	json_object	*b;
	const char	*p[4] = { NULL };
	char		 id[24], tags[STAFF_TAGS_LEN];
	int		 rc;

	if (admin_only(r) == -1 || location_exists(r) == -1)
		return;
	b = req_read_json(r, 16384);
	if (b == NULL)
		return;
	if (location_fields_read(r, b, 0, p + 1, tags, sizeof(tags)) == -1)
		goto done;
	snprintf(id, sizeof(id), "%lld", (long long)r->path_id);
	p[0] = id;
	rc = one_row(r, "staff_location_update", 4, p, NULL, 0);
	if (rc == 1)
		written(r, "staff_location_published", h_locations_get);
	else if (rc == 0)
		resp_error(r, API_ERR_NOT_FOUND, "no such location");
done:
	json_object_put(b);
}

void
h_locations_delete(struct req *r)
{
	char		 id[24];
	const char	*p[1] = { id };

	if (admin_only(r) == -1 || location_exists(r) == -1)
		return;
	snprintf(id, sizeof(id), "%lld", (long long)r->path_id);
	switch (one_row(r, "staff_location_delete", 1, p, NULL, 0)) {
	case 1:
		resp_raw(r, 204, "application/json", "", 0, NULL);
		break;
	case 0:
		resp_error(r, API_ERR_NOT_FOUND, "no such location");
		break;
	}
}

void
h_locations_image(struct req *r)
{
	if (admin_only(r) == -1 || location_exists(r) == -1)
		return;
	put_image(r, BUCKET_LOCATIONS, "staff_location_image", "locations");
}

void
h_shops_stats(struct req *r)
{
	enum role	 role;
	int64_t		 shop;
	char		 id[24], from[16], to[16];
	const char	*p[3] = { id, from, to };
	PGresult	*res;
	json_object	*o, *items, *it, *tot;
	int64_t		 tv = 0, tt = 0, tc = 0, v, t, c;
	int		 i, n, rc;
	time_t		 now = time(NULL);
	struct tm	 tm;

	if (caller_role(r, &role, &shop) == -1)
		return;
	if (role == ROLE_USER || (role == ROLE_STAFF && shop != r->path_id)) {
		forbidden(r);
		return;
	}
	snprintf(id, sizeof(id), "%lld", (long long)r->path_id);
	rc = one_row(r, "staff_shop_exists", 1, p, NULL, 0);
	if (rc != 1) {
		if (rc == 0)
			resp_error(r, API_ERR_NOT_FOUND, "no such shop");
		return;
	}
	gmtime_r(&now, &tm);
	strftime(to, sizeof(to), "%Y-%m-%d", &tm);
	now -= 29 * 86400;
	gmtime_r(&now, &tm);
	strftime(from, sizeof(from), "%Y-%m-%d", &tm);
	if ((req_query(r, "from", from, sizeof(from)) != -1 &&
	    !v_is_date(from)) || (req_query(r, "to", to, sizeof(to)) != -1 &&
	    !v_is_date(to))) {
		resp_error(r, API_ERR_BAD_REQUEST,
		    "from and to must be dates like 2026-01-31");
		return;
	}
	if (strcmp(from, to) > 0) {
		resp_error(r, API_ERR_BAD_REQUEST, "from must not be after to");
		return;
	}
	if (db_run(r->app->db, "staff_stats", 3, p, PGRES_TUPLES_OK,
	    &res) == -1) {
		api_db_down(r);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "shop_id", json_object_new_int64(r->path_id));
	json_object_object_add(o, "from", json_object_new_string(from));
	json_object_object_add(o, "to", json_object_new_string(to));
	items = json_object_new_array();
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		v = db_get_i64(res, i, 2);
		t = db_get_i64(res, i, 3);
		c = db_get_i64(res, i, 4);
		tv += v;
		tt += t;
		tc += c;
		it = json_object_new_object();
		json_object_object_add(it, "outfit_id",
		    json_object_new_int64(db_get_i64(res, i, 0)));
		json_object_object_add(it, "title",
		    json_object_new_string(PQgetvalue(res, i, 1)));
		json_object_object_add(it, "views", json_object_new_int64(v));
		json_object_object_add(it, "tryons", json_object_new_int64(t));
		json_object_object_add(it, "clicks", json_object_new_int64(c));
		json_object_object_add(it, "tryon_rate",
		    json_object_new_double(v ? (double)t / (double)v : 0));
		json_object_object_add(it, "conversion",
		    json_object_new_double(v ? (double)c / (double)v : 0));
		json_object_array_add(items, it);
	}
	PQclear(res);
	json_object_object_add(o, "outfits", items);
	tot = json_object_new_object();
	json_object_object_add(tot, "views", json_object_new_int64(tv));
	json_object_object_add(tot, "tryons", json_object_new_int64(tt));
	json_object_object_add(tot, "clicks", json_object_new_int64(tc));
	json_object_object_add(tot, "conversion",
	    json_object_new_double(tv ? (double)tc / (double)tv : 0));
	json_object_object_add(o, "totals", tot);
	/* Visits that came from shared results (de-duplicated). */
	json_object_object_add(o, "shared", shares_shop_stats(r, id, from, to));
	resp_json(r, 200, o, NULL);
	json_object_put(o);
}
