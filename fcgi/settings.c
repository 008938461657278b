/*
 * The user's settings: GET /me/settings and PATCH /me/settings.
 *
 *   {"language": "auto"|"ru"|"en",   the Mini App's language ("auto":
 *                                     Telegram's)
 *    "notifications": bool,          the bot's message when a job ends
 *    "bot_can_write": bool,          read-only: allows_write_to_pm, or
 *                                     the user started the bot
 *    "bot_blocked": bool}            read-only: the user blocked the bot
 *
 * Also what keeps users.bot_allowed true: users_bot_allowed(), called
 * when initData says allows_write_to_pm, and users_bot_started() for the
 * bot's /start.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "validate.h"

const struct db_stmt settings_statements[] = {
	{ "settings_get",
	  "SELECT coalesce(lang_choice, 'auto'), bot_notify, bot_allowed, "
	  "bot_blocked_at IS NOT NULL FROM users WHERE id = $1", 1 },
	{ "settings_set",
	  "UPDATE users SET lang_choice = CASE WHEN $2::text IS NULL THEN "
	  "lang_choice WHEN $2 = 'auto' THEN NULL ELSE $2 END, "
	  "bot_notify = coalesce($3::boolean, bot_notify) WHERE id = $1 "
	  "RETURNING coalesce(lang_choice, 'auto'), bot_notify, bot_allowed, "
	  "bot_blocked_at IS NOT NULL", 3 },
	{ "settings_bot_allowed",
	  "UPDATE users SET bot_allowed = true WHERE id = $1 "
	  "AND NOT bot_allowed", 1 },
	{ "settings_bot_started",
	  "UPDATE users SET bot_allowed = true, bot_blocked_at = NULL "
	  "WHERE id = $1", 1 },
	{ NULL, NULL, 0 }
};

static const char *const settings_fields[] = { "language", "notifications",
    NULL };
static const char *const languages[] = { "auto", "ru", "en", NULL };

/* Answer 200 with the settings in row 0 of res. */
static void
settings_answer(struct req *r, const PGresult *res)
{
	json_object	*o = json_object_new_object();

	json_object_object_add(o, "language",
	    json_object_new_string(PQgetvalue(res, 0, 0)));
	json_object_object_add(o, "notifications", json_object_new_boolean(
	    strcmp(PQgetvalue(res, 0, 1), "t") == 0));
	json_object_object_add(o, "bot_can_write", json_object_new_boolean(
	    strcmp(PQgetvalue(res, 0, 2), "t") == 0));
	json_object_object_add(o, "bot_blocked", json_object_new_boolean(
	    strcmp(PQgetvalue(res, 0, 3), "t") == 0));
	resp_json(r, 200, o, NULL);
	json_object_put(o);
}

/* Run stmt (the user's id first) and answer with its row. */
static void
settings_run(struct req *r, const char *stmt, int n, const char *const *p)
{
	PGresult	*res;

	if (db_run(r->app->db, stmt, n, p, PGRES_TUPLES_OK, &res) == -1) {
		api_db_down(r);
		return;
	}
	if (PQntuples(res) != 1)
		resp_error(r, API_ERR_NOT_FOUND, "no such user");
	else
		settings_answer(r, res);
	PQclear(res);
}

void
h_settings_get(struct req *r)
{
	char		 uid[24];
	const char	*p[1] = { uid };

	if (users_touch(r) == -1)
		return;
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	settings_run(r, "settings_get", 1, p);
}

void
h_settings_update(struct req *r)
{
	json_object	*b, *v;
	char		 uid[24];
	const char	*p[3] = { uid, NULL, NULL }, *lang;
	int		 rc;

	if (users_touch(r) == -1)
		return;
	b = req_read_json(r, 1024);
	if (b == NULL)
		return;
	if (v_only(r, b, settings_fields) == -1)
		goto done;
	rc = v_enum(r, b, "language", 0, languages, &lang);
	if (rc == -1)
		goto done;
	if (rc == 1)
		p[1] = lang;
	if (json_object_object_get_ex(b, "notifications", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_boolean)) {
			resp_error(r, API_ERR_INVALID_FIELD,
			    "notifications must be true or false");
			goto done;
		}
		p[2] = json_object_get_boolean(v) ? "true" : "false";
	}
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	settings_run(r, "settings_set", 3, p);
done:
	json_object_put(b);
}

int
users_bot_allowed(struct req *r, int64_t user_id, int started)
{
	char		 uid[24];
	const char	*p[1] = { uid };

	snprintf(uid, sizeof(uid), "%lld", (long long)user_id);
	return db_run(r->app->db, started ? "settings_bot_started" :
	    "settings_bot_allowed", 1, p, PGRES_COMMAND_OK, NULL);
}
