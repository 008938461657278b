/*
 * Start-up shared by primerka.fcgi, primerka-batch and primerka-admin.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "app.h"
#include "log.h"
#include "telegram.h"
#include "util.h"

const char *const app_bucket_names[BUCKET_COUNT] = {
	"user-photos", "outfits", "locations", "results", "videos"
};

/* Config key for a bucket: "bucket_user_photos" etc. */
static void
bucket_key(enum bucket b, char *buf, size_t len)
{
	size_t	 i;

	snprintf(buf, len, "bucket_%s", app_bucket_names[b]);
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] == '-')
			buf[i] = '_';
}

struct intkey {
	const char	*section, *key;
	int64_t		 def, min, max;
	size_t		 off;
};

#define OFF(f) offsetof(struct app, f)
static const struct intkey intkeys[] = {
	{ "tokens", "tryon_price", 10, 0, 1000000, OFF(price_tryon) },
	{ "tokens", "animation_price", 30, 0, 1000000, OFF(price_animation) },
	{ "tokens", "welcome_grant", 0, 0, 1000000, OFF(welcome_grant) },
	{ "worker", "max_attempts", 5, 1, 100, OFF(max_attempts) },
	{ "worker", "input_url_ttl", 900, 1, 7 * 86400, OFF(input_url_ttl) },
	{ "limits", "photo_max_bytes", 15 * 1024 * 1024, 1024,
	    200 * 1024 * 1024, OFF(photo_max_bytes) },
	{ "limits", "photo_max_pixels", 40000000, 10000, 400000000,
	    OFF(photo_max_pixels) },
	{ "limits", "photo_max_side", 12000, 100, 65535, OFF(photo_max_side) },
	{ "limits", "photo_min_side", 256, 1, 4096, OFF(photo_min_side) },
	{ "s3", "presign_ttl", 3600, 60, 7 * 86400, OFF(presign_ttl) },
	{ "api", "user_refresh", 300, 0, 86400, OFF(user_refresh) },
	/* Per-user quotas (0: none); fcgi/quota.c. */
	{ "limits", "photos_max", 100, 0, 100000, OFF(quota_photos) },
	{ "limits", "photo_uploads_per_hour", 30, 0, 100000,
	    OFF(quota_uploads_hour) },
	{ "limits", "pending_purchases_max", 5, 0, 1000,
	    OFF(quota_pending_purchases) },
	{ "limits", "events_per_minute", 300, 0, 1000000,
	    OFF(quota_events_minute) },
	/* /metrics: the table gauges are computed once per this many
	 * seconds for the whole pool (fcgi/metrics.c); the worker's file
	 * is written as often (batch/wmetrics.c). */
	{ "metrics", "cache_ttl", 10, 1, 3600, OFF(metrics_ttl) },
	{ NULL, NULL, 0, 0, 0, 0 }
};

/* One number of a pack at *s, up to a delimiter; 0 or -1. */
static int
pack_number(const char **s, char delim, int64_t *out)
{
	char		 buf[16];
	size_t		 n = 0;
	const char	*p = *s;

	while (*p == ' ' || *p == '\t')
		p++;
	while (*p >= '0' && *p <= '9' && n < sizeof(buf) - 1)
		buf[n++] = *p++;
	buf[n] = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	if (n == 0 || (*p != delim && !(delim == ',' && *p == '\0')) ||
	    util_parse_i64(buf, 1, 1000000000, out) == -1)
		return -1;
	*s = *p == '\0' ? p : p + 1;
	return 0;
}

int
app_parse_packs(const char *s, struct app_pack *packs, int *n)
{
	const char	*p = s;

	*n = 0;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return 0;
	while (*p != '\0') {
		if (*n == APP_MAX_PACKS ||
		    pack_number(&p, ':', &packs[*n].tokens) == -1 ||
		    pack_number(&p, ',', &packs[*n].stars) == -1) {
			*n = 0;
			return -1;
		}
		(*n)++;
	}
	return 0;
}

int
app_init(struct app *a, const char *prog, char *err, size_t errlen)
{
	const char		*path, *prefix;
	const struct intkey	*k;
	struct s3_config	 s3c;
	struct s3_error		 s3e;
	char			 key[64];
	int64_t			 maxage, botid, v;
	int			 b, pathstyle, testkey;
	const char		*aerr = NULL;

	memset(a, 0, sizeof(*a));
	path = getenv("PRIMERKA_CONFIG");
	a->cfg = config_load(path ? path : CONFIG_DEFAULT_PATH, path == NULL,
	    err, errlen);
	if (a->cfg == NULL)
		return -1;
	log_init(prog, config_get(a->cfg, "log", "level", "info"));

	for (k = intkeys; k->section != NULL; k++) {
		if (config_get_int(a->cfg, k->section, k->key, k->def, k->min,
		    k->max, &v) == -1) {
			snprintf(err, errlen, "[%s] %s: not a number in "
			    "%lld..%lld", k->section, k->key,
			    (long long)k->min, (long long)k->max);
			return -1;
		}
		*(int64_t *)(void *)((char *)a + k->off) = v;
	}

	qc_config_default(&a->qc);
	{
		const char	*qk, *val;
		size_t		 i;

		for (i = 0;; i++) {
			qk = qc_config_key(i);
			if (qk == NULL)
				break;
			val = config_get(a->cfg, "qc", qk, NULL);
			if (val != NULL && qc_config_set(&a->qc, qk, val) == -1) {
				snprintf(err, errlen, "[qc] %s: bad value", qk);
				return -1;
			}
		}
	}

	{
		/* Which API requests get a log line: all, writes (every
		 * request but successful reads: polls stay out of the log,
		 * nginx's access log has them) or errors. */
		const char *lr = config_get(a->cfg, "log", "requests", "writes");
		if (strcmp(lr, "all") == 0)
			a->log_requests = LOG_REQ_ALL;
		else if (strcmp(lr, "writes") == 0)
			a->log_requests = LOG_REQ_WRITES;
		else if (strcmp(lr, "errors") == 0)
			a->log_requests = LOG_REQ_ERRORS;
		else {
			snprintf(err, errlen, "[log] requests: all, writes or "
			    "errors");
			return -1;
		}
	}
	if (app_parse_packs(config_get(a->cfg, "payments", "packs", ""),
	    a->packs, &a->npacks) == -1) {
		snprintf(err, errlen, "[payments] packs: TOKENS:STARS, ... "
		    "(each 1..1000000000, at most %d)", APP_MAX_PACKS);
		return -1;
	}
	a->tg_api_base = config_get(a->cfg, "telegram", "api_base",
	    "https://api.telegram.org");
	a->tg_bot_token = config_get(a->cfg, "telegram", "bot_token", "");
	a->tg_webhook_secret = config_get(a->cfg, "telegram",
	    "webhook_secret", "");
	a->tg_webapp_url = config_get(a->cfg, "telegram", "webapp_url", "");
	a->tg_app_link = config_get(a->cfg, "telegram", "app_link", "");
	if ((a->tg_webapp_url[0] != '\0' &&
	    strncmp(a->tg_webapp_url, "https://", 8) != 0) ||
	    (a->tg_app_link[0] != '\0' &&
	    strncmp(a->tg_app_link, "https://", 8) != 0)) {
		snprintf(err, errlen, "[telegram] webapp_url and app_link "
		    "must be https:// URLs");
		return -1;
	}
	if (a->tg_webhook_secret[0] != '\0' &&
	    !tg_secret_valid(a->tg_webhook_secret)) {
		snprintf(err, errlen, "[telegram] webhook_secret: 1-256 of "
		    "A-Z a-z 0-9 _ - (what Telegram accepts)");
		return -1;
	}
	if (a->tg_webhook_secret[0] != '\0' &&
	    strlen(a->tg_webhook_secret) < APP_WEBHOOK_SECRET_MIN) {
		/* It is the webhook's only credential: not guessable. */
		snprintf(err, errlen, "[telegram] webhook_secret: at least %d "
		    "characters (e.g. openssl rand -hex 16)",
		    APP_WEBHOOK_SECRET_MIN);
		return -1;
	}
	prefix = config_get(a->cfg, "s3", "bucket_prefix", "");
	for (b = 0; b < BUCKET_COUNT; b++) {
		const char *name;
		bucket_key((enum bucket)b, key, sizeof(key));
		name = config_get(a->cfg, "s3", key, app_bucket_names[b]);
		if ((size_t)snprintf(a->bucket[b], sizeof(a->bucket[b]), "%s%s",
		    prefix, name) >= sizeof(a->bucket[b])) {
			snprintf(err, errlen, "[s3] %s: name too long", key);
			return -1;
		}
	}

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "curl_global_init failed");
		return -1;
	}
	s3_config_init(&s3c);
	/* No built-in storage: the local stack's settings live in the
	 * configuration scripts/dev-stack writes. */
	s3c.endpoint = config_get(a->cfg, "s3", "endpoint", NULL);
	if (s3c.endpoint == NULL || s3c.endpoint[0] == '\0') {
		snprintf(err, errlen, "[s3] endpoint: required");
		return -1;
	}
	s3c.public_endpoint = config_get(a->cfg, "s3", "public_endpoint",
	    NULL);
	s3c.region = config_get(a->cfg, "s3", "region", "us-east-1");
	s3c.access_key = config_get(a->cfg, "s3", "access_key", "");
	s3c.secret_key = config_get(a->cfg, "s3", "secret_key", "");
	if (config_get_bool(a->cfg, "s3", "path_style", 1, &pathstyle) == -1) {
		snprintf(err, errlen, "[s3] path_style: not a boolean");
		return -1;
	}
	s3c.path_style = pathstyle;
	if (config_get_int(a->cfg, "s3", "timeout", 120, 1, 3600, &v) == -1) {
		snprintf(err, errlen, "[s3] timeout: seconds, 1..3600");
		return -1;
	}
	s3c.timeout_ms = (long)v * 1000;
	if (s3c.connect_timeout_ms > s3c.timeout_ms)
		s3c.connect_timeout_ms = s3c.timeout_ms;
	if (config_get_int(a->cfg, "s3", "max_retries", 3, 0, 10, &v) == -1) {
		snprintf(err, errlen, "[s3] max_retries: 0..10");
		return -1;
	}
	s3c.max_retries = (int)v;
	a->s3 = s3_client_new(&s3c, &s3e);
	if (a->s3 == NULL) {
		snprintf(err, errlen, "[s3]: %s", s3e.message);
		return -1;
	}

	if (config_get_int(a->cfg, "auth", "max_age", 86400, 0, INT32_MAX,
	    &maxage) == -1 ||
	    config_get_int(a->cfg, "telegram", "bot_id", 0, 0, INT64_MAX,
	    &botid) == -1 ||
	    config_get_bool(a->cfg, "telegram", "test_environment", 0,
	    &testkey) == -1) {
		snprintf(err, errlen, "bad [auth] max_age or [telegram] "
		    "bot_id / test_environment");
		return -1;
	}
	if (auth_config_init(&a->auth,
	    config_get(a->cfg, "telegram", "bot_token", ""), maxage,
	    botid, config_get(a->cfg, "telegram", "public_key", NULL),
	    testkey, &aerr) != 0) {
		snprintf(err, errlen, "[telegram]: %s", aerr ? aerr :
		    "bad configuration");
		return -1;
	}
	return 0;
}

int
app_open_db(struct app *a, const struct db_stmt *const *tables)
{
	return app_open_db_as(a, NULL, tables);
}

int
app_open_db_as(struct app *a, const char *key,
    const struct db_stmt *const *tables)
{
	const char	*conninfo;

	conninfo = config_get(a->cfg, "database", "url",
	    "postgresql:///primerka");
	if (key != NULL)
		conninfo = config_get(a->cfg, "database", key, conninfo);
	a->db = db_open(conninfo, tables);
	return a->db == NULL ? -1 : 0;
}

int
app_load_nsfw(struct app *a, char *err, size_t errlen)
{
	const char	*path;

	path = config_get(a->cfg, "qc", "model",
	    PRIMERKA_DATADIR "/nsfw_mobilenet_v2.bin");
	a->nsfw = nsfw_load(path, err, errlen);
	return a->nsfw == NULL ? -1 : 0;
}

int
app_load_pose(struct app *a, char *err, size_t errlen)
{
	const char	*dir;

	dir = config_get(a->cfg, "qc", "pose_models", PRIMERKA_DATADIR);
	a->pose = pose_load(dir, err, errlen);
	return a->pose == NULL ? -1 : 0;
}

void
app_free(struct app *a)
{
	nsfw_free(a->nsfw);
	pose_model_free(a->pose);
	db_close(a->db);
	auth_config_clear(&a->auth);
	s3_client_free(a->s3);
	config_free(a->cfg);
	memset(a, 0, sizeof(*a));
}
