/*
 * The route table and the per-request steps every API call shares:
 * method/path matching, loopback-only routes, authentication and the
 * user row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agents.h"
#include "api.h"
#include "deletes.h"
#include "queue.h"
#include "quota.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

static const struct route routes[] = {
	{ "GET",    "/api/v1/me",			ROUTE_AUTH, h_me },
	{ "DELETE", "/api/v1/me",			ROUTE_AUTH, h_me_delete },
	{ "GET",    "/api/v1/me/settings",		ROUTE_AUTH, h_settings_get },
	{ "PATCH",  "/api/v1/me/settings",		ROUTE_AUTH, h_settings_update },
	{ "GET",    "/api/v1/ledger",			ROUTE_AUTH, h_ledger_list },
	{ "POST",   "/api/v1/photos",			ROUTE_AUTH, h_photos_create },
	{ "GET",    "/api/v1/photos",			ROUTE_AUTH, h_photos_list },
	{ "GET",    "/api/v1/photos/#",			ROUTE_AUTH, h_photos_get },
	{ "DELETE", "/api/v1/photos/#",			ROUTE_AUTH, h_photos_delete },
	{ "GET",    "/api/v1/outfits",			ROUTE_AUTH, h_outfits_list },
	{ "GET",    "/api/v1/outfits/#",		ROUTE_AUTH, h_outfits_get },
	{ "POST",   "/api/v1/outfits",			ROUTE_AUTH, h_outfits_create },
	{ "PATCH",  "/api/v1/outfits/#",		ROUTE_AUTH, h_outfits_update },
	{ "DELETE", "/api/v1/outfits/#",		ROUTE_AUTH, h_outfits_delete },
	{ "PUT",    "/api/v1/outfits/#/image",		ROUTE_AUTH, h_outfits_image },
	{ "GET",    "/api/v1/locations",		ROUTE_AUTH, h_locations_list },
	{ "GET",    "/api/v1/locations/#",		ROUTE_AUTH, h_locations_get },
	{ "POST",   "/api/v1/locations",		ROUTE_AUTH, h_locations_create },
	{ "PATCH",  "/api/v1/locations/#",		ROUTE_AUTH, h_locations_update },
	{ "DELETE", "/api/v1/locations/#",		ROUTE_AUTH, h_locations_delete },
	{ "PUT",    "/api/v1/locations/#/image",	ROUTE_AUTH, h_locations_image },
	{ "POST",   "/api/v1/tryons",			ROUTE_AUTH, h_tryons_create },
	{ "GET",    "/api/v1/tryons",			ROUTE_AUTH, h_tryons_list },
	{ "GET",    "/api/v1/tryons/#",			ROUTE_AUTH, h_tryons_get },
	{ "DELETE", "/api/v1/tryons/#",			ROUTE_AUTH, h_tryons_delete },
	{ "POST",   "/api/v1/tryons/#/cancel",		ROUTE_AUTH, h_tryons_cancel },
	{ "POST",   "/api/v1/tryons/#/share",		ROUTE_AUTH, h_tryons_share },
	{ "POST",   "/api/v1/animations",		ROUTE_AUTH, h_animations_create },
	{ "GET",    "/api/v1/animations",		ROUTE_AUTH, h_animations_list },
	{ "GET",    "/api/v1/animations/#",		ROUTE_AUTH, h_animations_get },
	{ "DELETE", "/api/v1/animations/#",		ROUTE_AUTH, h_animations_delete },
	{ "POST",   "/api/v1/animations/#/cancel",	ROUTE_AUTH, h_animations_cancel },
	{ "POST",   "/api/v1/animations/#/share",	ROUTE_AUTH, h_animations_share },
	{ "POST",   "/api/v1/events",			ROUTE_AUTH, h_events_create },
	{ "GET",    "/api/v1/shops/#/stats",		ROUTE_AUTH, h_shops_stats },
	{ "GET",    "/api/v1/packs",			ROUTE_AUTH, h_packs_list },
	{ "POST",   "/api/v1/purchases",		ROUTE_AUTH, h_purchases_create },
	{ "GET",    "/api/v1/purchases/#",		ROUTE_AUTH, h_purchases_get },
	{ "POST",   "/api/v1/telegram/webhook",		ROUTE_OPEN, h_telegram_webhook },
	{ "POST",   "/api/v1/hooks/{provider}/{token}",	ROUTE_OPEN, h_hooks },
	{ "POST",   "/api/v1/agent/claim",		ROUTE_AGENT, h_agent_claim },
	{ "POST",   "/api/v1/agent/jobs/#/heartbeat",	ROUTE_AGENT, h_agent_heartbeat },
	{ "POST",   "/api/v1/agent/jobs/#/stage",	ROUTE_AGENT, h_agent_stage },
	{ "POST",   "/api/v1/agent/jobs/#/complete",	ROUTE_AGENT, h_agent_complete },
	{ "POST",   "/api/v1/agent/jobs/#/fail",	ROUTE_AGENT, h_agent_fail },
	{ "GET",    "/healthz",				ROUTE_LOCAL, h_healthz },
	{ "GET",    "/livez",				ROUTE_LOCAL, h_livez },
	{ "GET",    "/readyz",				ROUTE_LOCAL, h_readyz },
	{ "GET",    "/metrics",				ROUTE_LOCAL, h_metrics },
	{ NULL, NULL, 0, NULL }
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]) - 1)

/* The handlers that also answer several requests at once (api_many). */
static const struct {
	handler_fn	 one;
	many_fn		 many;
} manies[] = {
	{ h_tryons_get, h_tryons_get_many },
};

static many_fn
route_many(size_t route)
{
	size_t	 i;

	for (i = 0; i < sizeof(manies) / sizeof(manies[0]); i++)
		if (route < NROUTES && routes[route].fn == manies[i].one)
			return manies[i].many;
	return NULL;
}

size_t
api_route_count(void)
{
	return NROUTES;
}

/* "GET /api/v1/tryons/{id}" for route i; "other" past the end. */
const char *
api_route_label(size_t i, char *buf, size_t len)
{
	const char	*p;
	size_t		 o;

	if (i >= NROUTES) {
		snprintf(buf, len, "other");
		return buf;
	}
	o = (size_t)snprintf(buf, len, "%s ", routes[i].method);
	for (p = routes[i].pattern; *p != '\0' && o + 5 < len; p++) {
		if (*p == '#') {
			memcpy(buf + o, "{id}", 4);
			o += 4;
		} else
			buf[o++] = *p;
	}
	buf[o < len ? o : len - 1] = '\0';
	return buf;
}

const struct db_stmt *const api_statements[] = {
	users_statements,
	photos_statements,
	catalog_statements,
	jobs_api_statements,
	health_statements,
	staff_statements,
	events_statements,
	payments_statements,
	deletes_statements,
	quota_statements,
	settings_statements,
	shares_statements,
	poll_statements,
	hooks_statements,
	agents_statements,
	agent_statements,
	queue_statements,
	NULL
};

/*
 * Match path against pattern; '#' matches a positive decimal id that is
 * stored in r->path_id.  Returns 1 on a match.
 */
/*
 * Match path against a pattern of {name} segments: each one of 1..64
 * characters of [A-Za-z0-9_-] into r->path_args.  1 on a match.
 */
static int
route_match_args(const char *pattern, const char *path, struct req *r)
{
	size_t	 n, k = 0;

	while (*pattern != '\0') {
		if (*pattern != '{') {
			if (*pattern++ != *path++)
				return 0;
			continue;
		}
		pattern = strchr(pattern, '}');
		if (pattern == NULL || k >= 2)
			return 0;
		pattern++;
		n = strspn(path, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789_-");
		if (n == 0 || n > 64)
			return 0;
		memcpy(r->path_args[k], path, n);
		r->path_args[k++][n] = '\0';
		path += n;
	}
	return *path == '\0';
}

static int
route_match(const char *pattern, const char *path, struct req *r)
{
	const char	*hash = strchr(pattern, '#');

	if (strchr(pattern, '{') != NULL)
		return route_match_args(pattern, path, r);
	size_t		 plen;
	char		 digits[24];
	size_t		 n = 0;
	int64_t		 id;

	if (hash == NULL)
		return strcmp(pattern, path) == 0;
	plen = (size_t)(hash - pattern);
	if (strncmp(pattern, path, plen) != 0)
		return 0;
	path += plen;
	while (path[n] >= '0' && path[n] <= '9') {
		if (n + 1 >= sizeof(digits))
			return 0;
		digits[n] = path[n];
		n++;
	}
	if (n == 0)
		return 0;
	digits[n] = '\0';
	if (strcmp(path + n, hash + 1) != 0)
		return 0;
	if (util_parse_i64(digits, 1, INT64_MAX, &id) == -1)
		return 0;
	r->path_id = id;
	return 1;
}

static int
is_loopback(const char *addr)
{
	if (addr == NULL)
		return 0;
	return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0;
}

void
api_db_down(struct req *r)
{
	resp_error(r, API_ERR_UNAVAILABLE,
	    "the service is temporarily unavailable, try again shortly");
}

int
list_params(struct req *r, enum list_order order, int64_t *cursor,
    int64_t *limit)
{
	char	 buf[32];

	*cursor = order == LIST_DESC ? INT64_MAX : 0;
	*limit = 20;
	if (req_query(r, "cursor", buf, sizeof(buf)) != -1 &&
	    util_parse_i64(buf, order == LIST_DESC ? 1 : 0, INT64_MAX,
	    cursor) == -1) {
		resp_error(r, API_ERR_BAD_REQUEST, "cursor must be an id");
		return -1;
	}
	if (req_query(r, "limit", buf, sizeof(buf)) != -1 &&
	    util_parse_i64(buf, 1, 100, limit) == -1) {
		resp_error(r, API_ERR_BAD_REQUEST, "limit must be 1..100");
		return -1;
	}
	return 0;
}

void
get_answer(struct req *r, const char *stmt, int owned, row_json_fn fn,
    const char *what)
{
	char		 id[24], uid[24];
	const char	*p[2] = { id, uid };
	PGresult	*res;
	json_object	*o;

	snprintf(id, sizeof(id), "%lld", (long long)r->path_id);
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	if (db_run(r->app->db, stmt, owned ? 2 : 1, p, PGRES_TUPLES_OK,
	    &res) == -1) {
		api_db_down(r);
		return;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		resp_error(r, API_ERR_NOT_FOUND, what);
		return;
	}
	o = fn(r, res, 0);
	PQclear(res);
	resp_json(r, 200, o, NULL);
	json_object_put(o);
}

void
list_answer(struct req *r, const PGresult *res, int idcol, int64_t limit,
    row_json_fn fn)
{
	json_object	*o, *items;
	int		 i, n = PQntuples(res);

	o = json_object_new_object();
	items = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(items, fn(r, res, i));
	json_object_object_add(o, "items", items);
	json_object_object_add(o, "next_cursor", n == limit && n > 0 ?
	    json_object_new_int64(db_get_i64(res, n - 1, idcol)) : NULL);
	resp_json(r, 200, o, NULL);
	json_object_put(o);
}

void
list_own(struct req *r, const char *stmt, row_json_fn fn)
{
	char		 uid[24], cur[24], lim[24];
	const char	*p[3] = { uid, cur, lim };
	int64_t		 cursor, limit;
	PGresult	*res;

	if (list_params(r, LIST_DESC, &cursor, &limit) == -1)
		return;
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	snprintf(cur, sizeof(cur), "%lld", (long long)cursor);
	snprintf(lim, sizeof(lim), "%lld", (long long)limit);
	if (db_run(r->app->db, stmt, 3, p, PGRES_TUPLES_OK, &res) == -1) {
		api_db_down(r);
		return;
	}
	list_answer(r, res, 0, limit, fn);
	PQclear(res);
}

static int
authenticate(struct req *r)
{
	const char	*h;
	enum auth_result res;

	h = req_param(r, "HTTP_AUTHORIZATION");
	if (h == NULL) {
		resp_error(r, API_ERR_UNAUTHORIZED, NULL);
		return -1;
	}
	res = api_auth_header(r, h, time(NULL));
	if (res == AUTH_ERROR) {
		/* Our failure (OpenSSL, memory), not the client's. */
		api_db_down(r);
		return -1;
	}
	if (res != AUTH_OK) {
		resp_error(r, res == AUTH_EXPIRED ? API_ERR_AUTH_EXPIRED :
		    API_ERR_UNAUTHORIZED, auth_strerror(res));
		return -1;
	}
	r->authed = 1;
	r->lang = lang_parse(r->user.language);
	/* The language chosen in the Mini App's settings wins. */
	h = req_param(r, "HTTP_X_PRIMERKA_LANGUAGE");
	if (h != NULL && (strcmp(h, "ru") == 0 || strcmp(h, "en") == 0))
		r->lang = lang_parse(h);
	return 0;
}

int
api_begin(struct req *r, int may_wait)
{
	const struct route	*rt;
	const char		*uri;
	int			 path_found = 0;
	char			 allow[96];

	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	r->route = NROUTES;

	r->method = req_param(r, "REQUEST_METHOD");
	uri = req_param(r, "DOCUMENT_URI");
	if (uri == NULL)
		uri = req_param(r, "SCRIPT_NAME");
	r->path = uri ? uri : "";
	r->query = req_param(r, "QUERY_STRING");
	if (r->query == NULL)
		r->query = "";
	r->remote_addr = req_param(r, "REMOTE_ADDR");
	if (r->method == NULL) {
		resp_error(r, API_ERR_BAD_REQUEST, "no request method");
		return 0;
	}

	allow[0] = '\0';
	for (rt = routes; rt->pattern != NULL; rt++) {
		if (!route_match(rt->pattern, r->path, r))
			continue;
		path_found = 1;
		if (strcmp(rt->method, r->method) == 0)
			break;
		size_t l = strlen(allow);
		snprintf(allow + l, sizeof(allow) - l, "%s%s", l ? ", " :
		    "Allow: ", rt->method);
	}
	if (rt->pattern == NULL) {
		if (path_found) {
			size_t l = strlen(allow);
			snprintf(allow + l, sizeof(allow) - l, "\r\n");
			resp_error_h(r, API_ERR_METHOD_NOT_ALLOWED, NULL, allow);
		} else
			resp_error(r, API_ERR_NOT_FOUND, NULL);
		return 0;
	}
	r->route = (size_t)(rt - routes);
	if ((rt->flags & ROUTE_LOCAL) && !is_loopback(r->remote_addr)) {
		resp_error(r, API_ERR_NOT_FOUND, NULL);
		return 0;
	}
	if ((rt->flags & ROUTE_AUTH) && authenticate(r) == -1)
		return 0;
	if ((rt->flags & ROUTE_AGENT) && agent_authenticate(r) == -1)
		return 0;
	if (may_wait && route_many(r->route) != NULL)
		return 1;
	rt->fn(r);
	return 0;
}

void
api_many(struct req **rs, size_t n)
{
	struct req	*same[API_MANY_MAX];
	unsigned char	 taken[API_MANY_MAX];
	size_t		 i, j, k;
	many_fn		 many;

	for (; n > API_MANY_MAX; rs += API_MANY_MAX, n -= API_MANY_MAX)
		api_many(rs, API_MANY_MAX);
	memset(taken, 0, sizeof(taken));
	/* Each route's requests together, in the order they came. */
	for (i = 0; i < n; i++) {
		if (taken[i])
			continue;
		many = route_many(rs[i]->route);
		for (k = 0, j = i; j < n; j++) {
			if (taken[j] || rs[j]->route != rs[i]->route)
				continue;
			same[k++] = rs[j];
			taken[j] = 1;
		}
		many(same, k);
	}
}

void
api_done(struct req *r)
{
	char			 idbuf[24], st[8], dur[24];
	struct timespec		 t1;
	uint64_t		 us;

	if (r->method == NULL)		/* not a request nginx sends */
		return;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = (uint64_t)((t1.tv_sec - r->t0.tv_sec) * 1000000 +
	    (t1.tv_nsec - r->t0.tv_nsec) / 1000);
	metrics_observe(r->route, r->status, us);
	if (r->status >= 400 || r->app->log_requests == LOG_REQ_ALL ||
	    (r->app->log_requests == LOG_REQ_WRITES &&
	    strcmp(r->method, "GET") != 0)) {
		/* The route pattern, never the raw path or query: no ids
		 * of other people's objects, no tokens in logs. */
		char label[128];
		api_route_label(r->route, label, sizeof(label));
		snprintf(idbuf, sizeof(idbuf), "%lld", (long long)r->user.id);
		snprintf(st, sizeof(st), "%d", r->status);
		snprintf(dur, sizeof(dur), "%.3f", (double)us / 1000.0);
		log_kv(r->status >= 500 ? LOG_LVL_WARN : LOG_LVL_INFO,
		    "request", "request_id", r->request_id, "route", label,
		    "user_id", r->authed ? idbuf : "", "status", st,
		    "duration_ms", dur, (char *)NULL);
	}
}

void
api_dispatch(struct req *r)
{
	(void)api_begin(r, 0);
	api_done(r);
}
