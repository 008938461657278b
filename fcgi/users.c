/*
 * The user resource: GET /me, the token history (GET /ledger), and
 * creating or refreshing the user row.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "jobs.h"
#include "jsonv.h"

const struct db_stmt users_statements[] = {
	{ "user_touch",
	  "SELECT user_touch($1, $2, $3, $4, $5, $6, $7)", 7 },
	{ "user_me",
	  "SELECT id, first_name, role, shop_id, balance, "
	  "tokens_reserved(id) FROM users WHERE id = $1", 1 },
	{ "ledger_list",
	  "SELECT l.id, l.kind, l.amount, l.balance_after, l.job_id, j.kind, "
	  "to_char(l.created_at AT TIME ZONE 'UTC', "
	  "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
	  "CASE WHEN j.kind = 'tryon' THEN j.id ELSE j.source_job_id END "
	  "FROM ledger l LEFT JOIN jobs j ON j.id = l.job_id "
	  "WHERE l.user_id = $1 AND l.id < $2 ORDER BY l.id DESC LIMIT $3", 3 },
	{ NULL, NULL, 0 }
};

static const char *
utf8_or_empty(const char *s)
{
	return jsonv_utf8(s, strlen(s)) ? s : "";
}

int
users_touch(struct req *r)
{
	struct app	*a = r->app;
	char		 id[24], grant[24], refresh[24];
	const char	*p[7];
	size_t		 slot = (size_t)((uint64_t)r->user.id % API_TOUCH_SLOTS);
	time_t		 now = time(NULL);

	/* A direct-mapped cache of recently written users. */
	if (r->state->touched[slot].id == r->user.id &&
	    now - r->state->touched[slot].at < a->user_refresh)
		return 0;
	snprintf(id, sizeof(id), "%lld", (long long)r->user.id);
	snprintf(grant, sizeof(grant), "%lld", (long long)a->welcome_grant);
	snprintf(refresh, sizeof(refresh), "%lld", (long long)a->user_refresh);
	/* Signed by Telegram, but the database takes only valid UTF-8. */
	p[0] = id;
	p[1] = utf8_or_empty(r->user.first_name);
	p[2] = utf8_or_empty(r->user.last_name);
	p[3] = utf8_or_empty(r->user.username);
	p[4] = lang_name(r->lang);
	p[5] = grant;
	p[6] = refresh;
	if (db_run(a->db, "user_touch", 7, p, PGRES_TUPLES_OK, NULL) == -1 ||
	    (r->user.allows_write_to_pm &&
	    users_bot_allowed(r, r->user.id, 0) == -1)) {
		api_db_down(r);
		return -1;
	}
	r->state->touched[slot].id = r->user.id;
	r->state->touched[slot].at = now;
	return 0;
}

void
h_me(struct req *r)
{
	struct app	*a = r->app;
	PGresult	*res;
	json_object	*o, *prices;
	char		 id[24];
	const char	*p[1] = { id };

	if (users_touch(r) == -1)
		return;
	/* The Mini App asks for /me when it opens: an open from a shared
	 * link counts here (once per share and viewer). */
	shares_record(r, SHARE_VISIT_OPEN, 0);
	snprintf(id, sizeof(id), "%lld", (long long)r->user.id);
	if (db_run(a->db, "user_me", 1, p, PGRES_TUPLES_OK, &res) == -1) {
		api_db_down(r);
		return;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		resp_error(r, API_ERR_NOT_FOUND, "no such user");
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(r->user.id));
	json_object_object_add(o, "first_name",
	    json_object_new_string(PQgetvalue(res, 0, 1)));
	json_object_object_add(o, "language",
	    json_object_new_string(lang_name(r->lang)));
	json_object_object_add(o, "role",
	    json_object_new_string(PQgetvalue(res, 0, 2)));
	json_object_object_add(o, "shop_id", PQgetisnull(res, 0, 3) ? NULL :
	    json_object_new_int64(db_get_i64(res, 0, 3)));
	json_object_object_add(o, "balance",
	    json_object_new_int64(db_get_i64(res, 0, 4)));
	json_object_object_add(o, "reserved",
	    json_object_new_int64(db_get_i64(res, 0, 5)));
	json_object_object_add(o, "available",
	    json_object_new_int64(db_get_i64(res, 0, 4) -
	    db_get_i64(res, 0, 5)));
	prices = json_object_new_object();
	json_object_object_add(prices, "tryon",
	    json_object_new_int64(a->price_tryon));
	json_object_object_add(prices, "animation",
	    json_object_new_int64(a->price_animation));
	json_object_object_add(o, "prices", prices);
	PQclear(res);
	resp_json(r, 200, o, NULL);
	json_object_put(o);
}

/* A ledger row (ledger_list columns) as JSON. */
static json_object *
ledger_to_json(struct req *r, const PGresult *res, int row)
{
	json_object	*o = json_object_new_object(), *job = NULL;

	(void)r;
	json_object_object_add(o, "id",
	    json_object_new_int64(db_get_i64(res, row, 0)));
	json_object_object_add(o, "kind",
	    json_object_new_string(PQgetvalue(res, row, 1)));
	json_object_object_add(o, "amount",
	    json_object_new_int64(db_get_i64(res, row, 2)));
	json_object_object_add(o, "balance_after",
	    json_object_new_int64(db_get_i64(res, row, 3)));
	if (!PQgetisnull(res, row, 4) && !PQgetisnull(res, row, 5)) {
		job = json_object_new_object();
		json_object_object_add(job, "id",
		    json_object_new_int64(db_get_i64(res, row, 4)));
		json_object_object_add(job, "kind",
		    json_object_new_string(PQgetvalue(res, row, 5)));
		json_object_object_add(job, "tryon_id", PQgetisnull(res, row,
		    7) ? NULL : json_object_new_int64(db_get_i64(res, row, 7)));
	}
	json_object_object_add(o, "job", job);
	json_object_object_add(o, "created_at",
	    json_object_new_string(PQgetvalue(res, row, 6)));
	return o;
}

/* GET /ledger: the user's token history, newest first. */
void
h_ledger_list(struct req *r)
{
	list_own(r, "ledger_list", ledger_to_json);
}
