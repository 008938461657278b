/*
 * POST /api/v1/hooks/{provider}/{token}: a hosted vendor says a job of
 * ours changed.  Not behind Telegram auth: the per-job token in the path
 * (only its hash is stored) finds the job, and Replicate's webhooks are
 * checked against [replicate] webhook_secret as Replicate documents
 * (lib/hooks.c).  The body is never believed: the job is only made due
 * now (job_hook_wake() in db/019_parked_jobs.sql, with a NOTIFY), and a
 * worker asks the vendor itself, so a forged, replayed or late webhook
 * changes nothing.  Unknown provider or token: 404; a bad signature:
 * 401; a finished job or a repeat: 200 all the same.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "hooks.h"
#include "log.h"

#define HOOK_BODY_MAX	(256 * 1024)

const struct db_stmt hooks_statements[] = {
	{ "hook_wake", "SELECT job_hook_wake($1, $2)", 2 },
	{ NULL, NULL, 0 }
};

/* Is s a vendor that may call (job_vendors)?  1 or 0. */
static int
known_provider(const char *s)
{
	size_t	 i;

	for (i = 0; job_vendors[i] != NULL; i++)
		if (strcmp(s, job_vendors[i]) == 0)
			return 1;
	return 0;
}

/* Replicate's signature, when a secret is configured; 0 or -1 (401 sent). */
static int
replicate_signed(struct req *r, const unsigned char *body, size_t len)
{
	const char	*secret;
	enum hook_sig	 v;

	secret = conf_get(r->app->cfg, CONF_REPLICATE_WEBHOOK_SECRET);
	if (secret == NULL || secret[0] == '\0')
		return 0;
	v = hook_replicate_verify(secret, req_param(r, "HTTP_WEBHOOK_ID"),
	    req_param(r, "HTTP_WEBHOOK_TIMESTAMP"),
	    req_param(r, "HTTP_WEBHOOK_SIGNATURE"), (const char *)body, len,
	    time(NULL));
	if (v == HOOK_SIG_OK)
		return 0;
	if (v == HOOK_SIG_SECRET)
		log_warnx("[replicate] webhook_secret is not whsec_BASE64: "
		    "no Replicate webhook is accepted");
	/* Not the initData scheme: no WWW-Authenticate. */
	resp_error_h(r, API_ERR_UNAUTHORIZED, v == HOOK_SIG_STALE ?
	    "webhook timestamp too old or in the future" : v ==
	    HOOK_SIG_MISSING ? "webhook signature headers missing" :
	    "webhook signature does not match", "");
	return -1;
}

void
h_hooks(struct req *r)
{
	const char	*provider = r->path_args[0], *token = r->path_args[1];
	const char	*p[2];
	unsigned char	*body = NULL;
	size_t		 len;
	char		 hash[HOOK_HASH_LEN + 1];
	PGresult	*res;
	json_object	*o;

	if (!known_provider(provider) || !hook_token_valid(token)) {
		resp_error(r, API_ERR_NOT_FOUND, "no such webhook");
		return;
	}
	if (req_read_body(r, HOOK_BODY_MAX, &body, &len) == -1)
		return;
	if (strcmp(provider, "replicate") == 0 &&
	    replicate_signed(r, body, len) == -1)
		goto done;
	hook_token_hash(token, hash);
	p[0] = provider;
	p[1] = hash;
	if (db_run(r->app->db, "hook_wake", 2, p, PGRES_TUPLES_OK,
	    &res) == -1) {
		api_db_down(r);
		goto done;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "unknown") == 0)
		resp_error(r, API_ERR_NOT_FOUND, "no such webhook");
	else {
		o = json_object_new_object();
		json_object_object_add(o, "ok", json_object_new_boolean(1));
		resp_json(r, 200, o, NULL);
		json_object_put(o);
	}
	PQclear(res);
done:
	free(body);
}
