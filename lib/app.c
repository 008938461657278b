/*
 * Start-up shared by primerka.fcgi, primerka-batch and primerka-admin.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "app.h"
#include "conftab.h"
#include "log.h"
#include "telegram.h"
#include "util.h"

const char *const app_bucket_names[BUCKET_COUNT] = {
	"user-photos", "outfits", "locations", "results", "videos"
};

/* The key of each bucket's name, indexed by enum bucket. */
static const enum conf_key bucket_keys[BUCKET_COUNT] = {
	CONF_S3_BUCKET_USER_PHOTOS, CONF_S3_BUCKET_OUTFITS,
	CONF_S3_BUCKET_LOCATIONS, CONF_S3_BUCKET_RESULTS,
	CONF_S3_BUCKET_VIDEOS
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

/* The keys the configuration table loads into struct app and qc. */
static int
app_read_table(struct app *a, char *err, size_t errlen)
{
	conf_fill_defaults(CONF_TGT_APP, NULL, a);
	if (conf_fill(a->cfg, CONF_TGT_APP, NULL, a, err, errlen) == -1)
		return -1;
	qc_config_default(&a->qc);
	if (conf_fill(a->cfg, CONF_TGT_QC, NULL, &a->qc, err, errlen) == -1)
		return -1;
	return 0;
}

/*
 * [log] requests: which API requests get a log line: all, writes (every
 * request but successful reads: polls stay out of the log, nginx's
 * access log has them) or errors.  And [payments] packs.
 */
static int
app_read_log_packs(struct app *a, char *err, size_t errlen)
{
	const char	*lr;

	lr = conf_get(a->cfg, CONF_LOG_REQUESTS);
	if (strcmp(lr, "all") == 0)
		a->log_requests = LOG_REQ_ALL;
	else if (strcmp(lr, "writes") == 0)
		a->log_requests = LOG_REQ_WRITES;
	else if (strcmp(lr, "errors") == 0)
		a->log_requests = LOG_REQ_ERRORS;
	else {
		snprintf(err, errlen, "[log] requests: all, writes or errors");
		return -1;
	}
	if (app_parse_packs(conf_get(a->cfg, CONF_PAYMENTS_PACKS),
	    a->packs, &a->npacks) == -1) {
		snprintf(err, errlen, "[payments] packs: TOKENS:STARS, ... "
		    "(each 1..1000000000, at most %d)", APP_MAX_PACKS);
		return -1;
	}
	return 0;
}

/* [telegram]: the bot's token, the webhook's secret, the Mini App's URLs. */
static int
app_read_telegram(struct app *a, char *err, size_t errlen)
{
	a->tg_bot_token = conf_get(a->cfg, CONF_TELEGRAM_BOT_TOKEN);
	a->tg_webhook_secret = conf_get(a->cfg, CONF_TELEGRAM_WEBHOOK_SECRET);
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
	return 0;
}

/* [s3] bucket_prefix and bucket_*: the five buckets' names. */
static int
app_read_buckets(struct app *a, char *err, size_t errlen)
{
	const char	*prefix, *name;
	int		 b;

	prefix = conf_get(a->cfg, CONF_S3_BUCKET_PREFIX);
	for (b = 0; b < BUCKET_COUNT; b++) {
		name = conf_get(a->cfg, bucket_keys[b]);
		if ((size_t)snprintf(a->bucket[b], sizeof(a->bucket[b]), "%s%s",
		    prefix, name) >= sizeof(a->bucket[b])) {
			snprintf(err, errlen, "[s3] %s: name too long",
			    confdefs[bucket_keys[b]].key);
			return -1;
		}
	}
	return 0;
}

/* [s3]: the storage client (libcurl set up first). */
static int
app_open_s3(struct app *a, char *err, size_t errlen)
{
	struct s3_config	 s3c;
	struct s3_error		 s3e;
	int64_t			 v;
	int			 pathstyle;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "curl_global_init failed");
		return -1;
	}
	s3_config_init(&s3c);
	/* No built-in storage: the local stack's settings live in the
	 * configuration scripts/dev-stack writes. */
	s3c.endpoint = conf_get(a->cfg, CONF_S3_ENDPOINT);
	if ((a->flags & APP_AGENT) && (s3c.endpoint == NULL ||
	    s3c.endpoint[0] == '\0'))
		/* Only presigned URLs are fetched and PUT: the client's
		 * endpoint is never used (and names nothing). */
		s3c.endpoint = "http://storage.invalid";
	if (s3c.endpoint == NULL || s3c.endpoint[0] == '\0') {
		snprintf(err, errlen, "[s3] endpoint: required");
		return -1;
	}
	s3c.public_endpoint = conf_get(a->cfg, CONF_S3_PUBLIC_ENDPOINT);
	s3c.region = conf_get(a->cfg, CONF_S3_REGION);
	s3c.access_key = conf_get(a->cfg, CONF_S3_ACCESS_KEY);
	s3c.secret_key = conf_get(a->cfg, CONF_S3_SECRET_KEY);
	if ((a->flags & APP_AGENT) && strcmp(s3c.endpoint,
	    "http://storage.invalid") == 0)
		s3c.access_key = s3c.secret_key = "none"; /* never used */
	if (conf_get_bool(a->cfg, CONF_S3_PATH_STYLE, &pathstyle) == -1) {
		snprintf(err, errlen, "[s3] path_style: not a boolean");
		return -1;
	}
	s3c.path_style = pathstyle;
	if (conf_get_int(a->cfg, CONF_S3_TIMEOUT, &v) == -1) {
		snprintf(err, errlen, "[s3] timeout: seconds, 1..3600");
		return -1;
	}
	s3c.timeout_ms = (long)v * 1000;
	if (s3c.connect_timeout_ms > s3c.timeout_ms)
		s3c.connect_timeout_ms = s3c.timeout_ms;
	if (conf_get_int(a->cfg, CONF_S3_MAX_RETRIES, &v) == -1) {
		snprintf(err, errlen, "[s3] max_retries: 0..10");
		return -1;
	}
	s3c.max_retries = (int)v;
	a->s3 = s3_client_new(&s3c, &s3e);
	if (a->s3 == NULL) {
		snprintf(err, errlen, "[s3]: %s", s3e.message);
		return -1;
	}
	return 0;
}

/* [auth] and [telegram]: how initData is checked. */
static int
app_read_auth(struct app *a, char *err, size_t errlen)
{
	int64_t		 maxage, botid;
	int		 testkey;
	const char	*aerr = NULL;

	if (a->flags & APP_AGENT)
		return 0;	/* serves no Telegram user */
	if (conf_get_int(a->cfg, CONF_AUTH_MAX_AGE, &maxage) == -1 ||
	    conf_get_int(a->cfg, CONF_TELEGRAM_BOT_ID, &botid) == -1 ||
	    conf_get_bool(a->cfg, CONF_TELEGRAM_TEST_ENVIRONMENT,
	    &testkey) == -1) {
		snprintf(err, errlen, "bad [auth] max_age or [telegram] "
		    "bot_id / test_environment");
		return -1;
	}
	if (auth_config_init(&a->auth,
	    conf_get(a->cfg, CONF_TELEGRAM_BOT_TOKEN), maxage,
	    botid, conf_get(a->cfg, CONF_TELEGRAM_PUBLIC_KEY),
	    testkey, &aerr) != 0) {
		snprintf(err, errlen, "[telegram]: %s", aerr ? aerr :
		    "bad configuration");
		return -1;
	}
	return 0;
}

/* The steps of app_init() after loading the file, in order. */
static int (*const app_steps[])(struct app *, char *, size_t) = {
	app_read_table,
	app_read_log_packs,
	app_read_telegram,
	app_read_buckets,
	app_open_s3,
	app_read_auth,
};

int
app_init(struct app *a, const char *prog, char *err, size_t errlen)
{
	return app_init_flags(a, prog, 0, err, errlen);
}

int
app_init_flags(struct app *a, const char *prog, int flags, char *err,
    size_t errlen)
{
	const char	*path;
	size_t		 i;

	memset(a, 0, sizeof(*a));
	a->flags = flags;
	path = getenv("PRIMERKA_CONFIG");
	a->cfg = config_load(path ? path : CONFIG_DEFAULT_PATH, path == NULL,
	    err, errlen);
	if (a->cfg == NULL)
		return -1;
	log_init(prog, conf_get(a->cfg, CONF_LOG_LEVEL));
	for (i = 0; i < sizeof(app_steps) / sizeof(app_steps[0]); i++)
		if (app_steps[i](a, err, errlen) == -1)
			return -1;
	return 0;
}

int
app_open_db(struct app *a, const struct db_stmt *const *tables)
{
	return app_open_db_as(a, CONF_DATABASE_URL, tables);
}

const char *
app_conninfo(const struct config *cfg, enum conf_key key)
{
	const char	*conninfo;

	/* Empty as unset: "" would be libpq's defaults, another role. */
	conninfo = conf_get(cfg, key);
	if (conninfo == NULL || conninfo[0] == '\0')
		conninfo = conf_get(cfg, CONF_DATABASE_URL);
	return conninfo;
}

int
app_open_db_as(struct app *a, enum conf_key key,
    const struct db_stmt *const *tables)
{
	a->db = db_open(app_conninfo(a->cfg, key), tables);
	return a->db == NULL ? -1 : 0;
}

int
app_load_nsfw(struct app *a, char *err, size_t errlen)
{
	const char	*path;

	path = conf_get(a->cfg, CONF_QC_MODEL);
	a->nsfw = nsfw_load(path, err, errlen);
	return a->nsfw == NULL ? -1 : 0;
}

int
app_load_pose(struct app *a, char *err, size_t errlen)
{
	const char	*dir;

	dir = conf_get(a->cfg, CONF_QC_POSE_MODELS);
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
