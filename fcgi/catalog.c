/*
 * The catalogue: outfits and locations, public reads for every signed-in
 * user, with cursor pagination (oldest first, by id).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "util.h"

#define OUTFIT_COLS \
	"o.id, o.shop_id, s.name, o.title, o.description, o.category, " \
	"o.product_url, o.price, o.currency, o.image_key "
#define LOCATION_COLS \
	"id, title, description, array_to_json(tags), image_key "

const struct db_stmt catalog_statements[] = {
	{ "outfit_get",
	  "SELECT " OUTFIT_COLS "FROM outfits o JOIN shops s ON s.id = o.shop_id "
	  "WHERE o.id = $1 AND o.active AND o.image_key IS NOT NULL", 1 },
	{ "outfit_list",
	  "SELECT " OUTFIT_COLS "FROM outfits o JOIN shops s ON s.id = o.shop_id "
	  "WHERE o.active AND o.image_key IS NOT NULL AND o.id > $1 "
	  "AND ($3::bigint IS NULL OR o.shop_id = $3) "
	  "AND ($4::text IS NULL OR o.category = $4) "
	  "ORDER BY o.id LIMIT $2", 4 },
	{ "location_get",
	  "SELECT " LOCATION_COLS "FROM locations WHERE id = $1 AND active AND image_key IS NOT NULL", 1 },
	{ "location_list",
	  "SELECT " LOCATION_COLS "FROM locations WHERE active AND image_key IS NOT NULL AND id > $1 "
	  "AND ($3::text IS NULL OR tags @> ARRAY[$3]) "
	  "ORDER BY id LIMIT $2", 3 },
	{ NULL, NULL, 0 }
};

static void
add_url(struct req *r, json_object *o, enum bucket b, const char *key)
{
	char	*url;

	url = s3_presign_get(r->app->s3, r->app->bucket[b], key,
	    (int)r->app->presign_ttl, time(NULL));
	json_object_object_add(o, "image_url",
	    url ? json_object_new_string(url) : NULL);
	free(url);
}

static json_object *
outfit_to_json(struct req *r, const PGresult *res, int i)
{
	json_object	*o = json_object_new_object();

	json_object_object_add(o, "id",
	    json_object_new_int64(db_get_i64(res, i, 0)));
	json_object_object_add(o, "shop_id",
	    json_object_new_int64(db_get_i64(res, i, 1)));
	json_object_object_add(o, "shop_name",
	    json_object_new_string(PQgetvalue(res, i, 2)));
	json_object_object_add(o, "title",
	    json_object_new_string(PQgetvalue(res, i, 3)));
	json_object_object_add(o, "description",
	    json_object_new_string(PQgetvalue(res, i, 4)));
	json_object_object_add(o, "category",
	    json_object_new_string(PQgetvalue(res, i, 5)));
	json_object_object_add(o, "product_url", PQgetisnull(res, i, 6) ? NULL :
	    json_object_new_string(PQgetvalue(res, i, 6)));
	json_object_object_add(o, "price", PQgetisnull(res, i, 7) ? NULL :
	    json_object_new_int64(db_get_i64(res, i, 7)));
	json_object_object_add(o, "currency",
	    json_object_new_string(PQgetvalue(res, i, 8)));
	add_url(r, o, BUCKET_OUTFITS, PQgetvalue(res, i, 9));
	return o;
}

static json_object *
location_to_json(struct req *r, const PGresult *res, int i)
{
	json_object	*o = json_object_new_object();

	json_object_object_add(o, "id",
	    json_object_new_int64(db_get_i64(res, i, 0)));
	json_object_object_add(o, "title",
	    json_object_new_string(PQgetvalue(res, i, 1)));
	json_object_object_add(o, "description",
	    json_object_new_string(PQgetvalue(res, i, 2)));
	json_object_object_add(o, "tags", json_tokener_parse(
	    PQgetvalue(res, i, 3)));
	add_url(r, o, BUCKET_LOCATIONS, PQgetvalue(res, i, 4));
	return o;
}

void
h_outfits_get(struct req *r)
{
	get_answer(r, "outfit_get", 0, outfit_to_json, "no such outfit");
}

void
h_locations_get(struct req *r)
{
	get_answer(r, "location_get", 0, location_to_json,
	    "no such location");
}

void
h_outfits_list(struct req *r)
{
	char		 cur[24], lim[24], shop[32], cat[32];
	const char	*p[4] = { cur, lim, NULL, NULL };
	int64_t		 cursor, limit, shop_id;
	PGresult	*res;

	if (list_params(r, LIST_ASC, &cursor, &limit) == -1)
		return;
	if (req_query(r, "shop_id", shop, sizeof(shop)) != -1) {
		if (util_parse_i64(shop, 1, INT64_MAX, &shop_id) == -1) {
			resp_error(r, API_ERR_BAD_REQUEST,
			    "shop_id must be a positive id");
			return;
		}
		p[2] = shop;
	}
	if (req_query(r, "category", cat, sizeof(cat)) != -1) {
		if (strcmp(cat, "tops") != 0 && strcmp(cat, "bottoms") != 0 &&
		    strcmp(cat, "one-pieces") != 0) {
			resp_error(r, API_ERR_BAD_REQUEST, "category must be "
			    "tops, bottoms or one-pieces");
			return;
		}
		p[3] = cat;
	}
	snprintf(cur, sizeof(cur), "%lld", (long long)cursor);
	snprintf(lim, sizeof(lim), "%lld", (long long)limit);
	if (db_run(r->app->db, "outfit_list", 4, p, PGRES_TUPLES_OK,
	    &res) == -1) {
		api_db_down(r);
		return;
	}
	list_answer(r, res, 0, limit, outfit_to_json);
	PQclear(res);
}

void
h_locations_list(struct req *r)
{
	char		 cur[24], lim[24], tag[64];
	const char	*p[3] = { cur, lim, NULL };
	int64_t		 cursor, limit;
	PGresult	*res;

	if (list_params(r, LIST_ASC, &cursor, &limit) == -1)
		return;
	if (req_query(r, "tag", tag, sizeof(tag)) != -1) {
		size_t i, l = strlen(tag);
		for (i = 0; i < l; i++)
			if (!((tag[i] >= 'a' && tag[i] <= 'z') ||
			    (tag[i] >= '0' && tag[i] <= '9') || tag[i] == '-'))
				break;
		if (l == 0 || l > 40 || i != l) {
			resp_error(r, API_ERR_BAD_REQUEST,
			    "tag must be 1 to 40 of a-z, 0-9 and -");
			return;
		}
		p[2] = tag;
	}
	snprintf(cur, sizeof(cur), "%lld", (long long)cursor);
	snprintf(lim, sizeof(lim), "%lld", (long long)limit);
	if (db_run(r->app->db, "location_list", 3, p, PGRES_TUPLES_OK,
	    &res) == -1) {
		api_db_down(r);
		return;
	}
	list_answer(r, res, 0, limit, location_to_json);
	PQclear(res);
}
