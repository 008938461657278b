/*
 * The configuration table: every key, its type, bounds and default, and
 * the struct field it fills; the getters and loaders over it.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "conftab.h"
#include "providers/remote.h"
#include "qc.h"
#include "supervise.h"

#define NOTGT		CONF_TGT_NONE, 0, CONF_S_NONE
#define APP(f, s)	CONF_TGT_APP, offsetof(struct app, f), s
#define QCF(f, s)	CONF_TGT_QC, offsetof(struct qc_config, f), s
#define REM(f, s)	CONF_TGT_REMOTE, offsetof(struct remote_config, f), s

/* Shorthands for the common kinds of entry. */
#define STR(sec, key, def, fl) \
	{ sec, key, CONF_T_STRING, 0, 0, def, NULL, fl, NOTGT }
#define SECRET(sec, key, def, fl) \
	{ sec, key, CONF_T_SECRET, 0, 0, def, NULL, fl, NOTGT }
#define URL(sec, key, def, fl) \
	{ sec, key, CONF_T_URL, 0, 0, def, NULL, fl, NOTGT }
#define LIST(sec, key, def) \
	{ sec, key, CONF_T_LIST, 0, 0, def, NULL, 0, NOTGT }
#define ENUM(sec, key, def, choices, fl) \
	{ sec, key, CONF_T_ENUM, 0, 0, def, choices, fl, NOTGT }
#define BOOL(sec, key, def) \
	{ sec, key, CONF_T_BOOL, 0, 0, def, NULL, 0, NOTGT }
#define INT(sec, key, min, max, def) \
	{ sec, key, CONF_T_INT, min, max, def, NULL, 0, NOTGT }
#define APPINT(sec, key, min, max, def, f) \
	{ sec, key, CONF_T_INT, min, max, def, NULL, 0, APP(f, CONF_S_I64) }
#define QCINT(key, min, max, def, f, s) \
	{ "qc", key, CONF_T_INT, min, max, def, NULL, 0, QCF(f, s) }
#define QCDBL(key, min, max, def, f) \
	{ "qc", key, CONF_T_DOUBLE, min, max, def, NULL, 0, \
	  QCF(f, CONF_S_DOUBLE) }

/* The timing keys of a hosted vendor's section (struct remote_config). */
#define TIMING(S, sec, fl) \
	[CONF_##S##_CONNECT_TIMEOUT_MS] = { sec, "connect_timeout_ms", \
	    CONF_T_INT, 1, 3600000, "10000", NULL, fl, \
	    REM(connect_timeout_ms, CONF_S_LONG) }, \
	[CONF_##S##_REQUEST_TIMEOUT_MS] = { sec, "request_timeout_ms", \
	    CONF_T_INT, 1, 3600000, "60000", NULL, fl, \
	    REM(request_timeout_ms, CONF_S_LONG) }, \
	[CONF_##S##_JOB_TIMEOUT_MS] = { sec, "job_timeout_ms", \
	    CONF_T_INT, 1, 86400000, "300000", NULL, fl, \
	    REM(job_timeout_ms, CONF_S_LONG) }, \
	[CONF_##S##_POLL_MIN_MS] = { sec, "poll_min_ms", \
	    CONF_T_INT, 1, 600000, "1000", NULL, fl, \
	    REM(poll_min_ms, CONF_S_LONG) }, \
	[CONF_##S##_POLL_MAX_MS] = { sec, "poll_max_ms", \
	    CONF_T_INT, 1, 600000, "5000", NULL, fl, \
	    REM(poll_max_ms, CONF_S_LONG) }, \
	[CONF_##S##_RETRY_BASE_MS] = { sec, "retry_base_ms", \
	    CONF_T_INT, 1, 600000, "500", NULL, fl, \
	    REM(retry_base_ms, CONF_S_LONG) }, \
	[CONF_##S##_RETRY_MAX_MS] = { sec, "retry_max_ms", \
	    CONF_T_INT, 1, 3600000, "30000", NULL, fl, \
	    REM(retry_max_ms, CONF_S_LONG) }, \
	[CONF_##S##_MAX_RETRIES] = { sec, "max_retries", \
	    CONF_T_INT, 0, 20, "4", NULL, fl, \
	    REM(max_retries, CONF_S_INT) }, \
	[CONF_##S##_MAX_CONCURRENCY] = { sec, "max_concurrency", \
	    CONF_T_INT, 0, 1000, "4", NULL, fl, \
	    REM(max_concurrency, CONF_S_INT) }

#define REQ	CONF_F_REQUIRED
#define OLD	CONF_F_LEGACY

const struct confdef confdefs[CONF__MAX] = {
	[CONF_DATABASE_URL] = STR("database", "url",
	    "postgresql:///primerka", 0),
	/* The worker's role and the schema owner (primerka-admin); each
	 * falls back to url when unset (app_open_db_as()). */
	[CONF_DATABASE_WORKER_URL] = STR("database", "worker_url", NULL, 0),
	[CONF_DATABASE_ADMIN_URL] = STR("database", "admin_url", NULL, 0),

	[CONF_TELEGRAM_BOT_TOKEN] = SECRET("telegram", "bot_token", "", REQ),
	[CONF_TELEGRAM_BOT_ID] = INT("telegram", "bot_id", 0, INT64_MAX, "0"),
	[CONF_TELEGRAM_TEST_ENVIRONMENT] = BOOL("telegram",
	    "test_environment", "no"),
	[CONF_TELEGRAM_PUBLIC_KEY] = STR("telegram", "public_key", NULL, 0),
	[CONF_TELEGRAM_WEBHOOK_SECRET] = SECRET("telegram", "webhook_secret",
	    "", 0),
	[CONF_TELEGRAM_API_BASE] = { "telegram", "api_base", CONF_T_URL, 0,
	    0, "https://api.telegram.org", NULL, 0,
	    APP(tg_api_base, CONF_S_STR) },
	[CONF_TELEGRAM_WEBAPP_URL] = { "telegram", "webapp_url", CONF_T_URL,
	    0, 0, "", NULL, 0, APP(tg_webapp_url, CONF_S_STR) },
	[CONF_TELEGRAM_APP_LINK] = { "telegram", "app_link", CONF_T_URL, 0,
	    0, "", NULL, 0, APP(tg_app_link, CONF_S_STR) },

	[CONF_PAYMENTS_PACKS] = LIST("payments", "packs", ""),

	[CONF_AUTH_MAX_AGE] = INT("auth", "max_age", 0, INT32_MAX, "86400"),

	[CONF_S3_ENDPOINT] = URL("s3", "endpoint", NULL, REQ),
	[CONF_S3_PUBLIC_ENDPOINT] = URL("s3", "public_endpoint", NULL, 0),
	[CONF_S3_REGION] = STR("s3", "region", "us-east-1", 0),
	[CONF_S3_ACCESS_KEY] = SECRET("s3", "access_key", "", REQ),
	[CONF_S3_SECRET_KEY] = SECRET("s3", "secret_key", "", REQ),
	[CONF_S3_PATH_STYLE] = BOOL("s3", "path_style", "yes"),
	[CONF_S3_TIMEOUT] = INT("s3", "timeout", 1, 3600, "120"),
	[CONF_S3_MAX_RETRIES] = INT("s3", "max_retries", 0, 10, "3"),
	[CONF_S3_PRESIGN_TTL] = APPINT("s3", "presign_ttl", 60, 7 * 86400,
	    "3600", presign_ttl),
	[CONF_S3_BUCKET_PREFIX] = STR("s3", "bucket_prefix", "", 0),
	[CONF_S3_BUCKET_USER_PHOTOS] = STR("s3", "bucket_user_photos",
	    "user-photos", 0),
	[CONF_S3_BUCKET_OUTFITS] = STR("s3", "bucket_outfits", "outfits", 0),
	[CONF_S3_BUCKET_LOCATIONS] = STR("s3", "bucket_locations",
	    "locations", 0),
	[CONF_S3_BUCKET_RESULTS] = STR("s3", "bucket_results", "results", 0),
	[CONF_S3_BUCKET_VIDEOS] = STR("s3", "bucket_videos", "videos", 0),

	[CONF_TOKENS_TRYON_PRICE] = APPINT("tokens", "tryon_price", 0,
	    1000000, "10", price_tryon),
	[CONF_TOKENS_ANIMATION_PRICE] = APPINT("tokens", "animation_price", 0,
	    1000000, "30", price_animation),
	[CONF_TOKENS_WELCOME_GRANT] = APPINT("tokens", "welcome_grant", 0,
	    1000000, "0", welcome_grant),

	[CONF_API_WORKERS] = INT("api", "workers", 1, SV_MAX_CHILDREN, "4"),
	[CONF_API_USER_REFRESH] = APPINT("api", "user_refresh", 0, 86400,
	    "300", user_refresh),
	[CONF_API_PUBLIC_URL] = URL("api", "public_url", NULL, 0),

	[CONF_LIMITS_PHOTO_MAX_BYTES] = APPINT("limits", "photo_max_bytes",
	    1024, 200 * 1024 * 1024, "15728640", photo_max_bytes),
	[CONF_LIMITS_PHOTO_MAX_PIXELS] = APPINT("limits", "photo_max_pixels",
	    10000, 400000000, "40000000", photo_max_pixels),
	[CONF_LIMITS_PHOTO_MAX_SIDE] = APPINT("limits", "photo_max_side", 100,
	    65535, "12000", photo_max_side),
	[CONF_LIMITS_PHOTO_MIN_SIDE] = APPINT("limits", "photo_min_side", 1,
	    4096, "256", photo_min_side),
	/* Per-user quotas (0: none); fcgi/quota.c. */
	[CONF_LIMITS_PHOTOS_MAX] = APPINT("limits", "photos_max", 0, 100000,
	    "100", quota_photos),
	[CONF_LIMITS_PHOTO_UPLOADS_PER_HOUR] = APPINT("limits",
	    "photo_uploads_per_hour", 0, 100000, "30", quota_uploads_hour),
	[CONF_LIMITS_PENDING_PURCHASES_MAX] = APPINT("limits",
	    "pending_purchases_max", 0, 1000, "5", quota_pending_purchases),
	[CONF_LIMITS_EVENTS_PER_MINUTE] = APPINT("limits",
	    "events_per_minute", 0, 1000000, "300", quota_events_minute),

	[CONF_WORKER_PROVIDER] = LIST("worker", "provider", "local"),
	[CONF_WORKER_LEASE] = INT("worker", "lease", 1, 3600, "60"),
	[CONF_WORKER_POLL_INTERVAL] = INT("worker", "poll_interval", 1, 3600,
	    "5"),
	[CONF_WORKER_MAX_ATTEMPTS] = APPINT("worker", "max_attempts", 1, 100,
	    "5", max_attempts),
	/* A stage name: the worker stops there (fault tests only). */
	[CONF_WORKER_PAUSE_AT] = STR("worker", "pause_at", NULL, 0),
	[CONF_WORKER_METRICS_PATH] = { "worker", "metrics_path", CONF_T_PATH,
	    0, 0, NULL, NULL, 0, NOTGT },
	[CONF_WORKER_INPUT_URL_TTL] = APPINT("worker", "input_url_ttl", 1,
	    7 * 86400, "900", input_url_ttl),
	[CONF_WORKER_SLOT_WAIT] = INT("worker", "slot_wait", 1, 86400, "600"),
	/* yes: QUEUED jobs are left to contour-B agents. */
	[CONF_WORKER_AGENTS] = BOOL("worker", "agents", "no"),

	[CONF_PROVIDER_LOCAL_MAX_CONCURRENCY] = INT("provider_local",
	    "max_concurrency", 0, 1000, "0"),

	[CONF_PROVIDERS_TRYON] = LIST("providers", "tryon", NULL),
	[CONF_PROVIDERS_ANIMATE] = LIST("providers", "animate", NULL),

	[CONF_FASHN_BASE_URL] = URL("fashn", "base_url",
	    "https://api.fashn.ai/v1", 0),
	[CONF_FASHN_API_KEY] = SECRET("fashn", "api_key", NULL, 0),
	[CONF_FASHN_TRYON_MODEL] = ENUM("fashn", "tryon_model", "tryon-v1.6",
	    "tryon-v1.6|tryon-max", 0),
	[CONF_FASHN_MODE] = ENUM("fashn", "mode", "",
	    "performance|balanced|quality", 0),
	[CONF_FASHN_GARMENT_PHOTO_TYPE] = ENUM("fashn", "garment_photo_type",
	    "", "auto|flat-lay|model", 0),
	[CONF_FASHN_MODERATION_LEVEL] = ENUM("fashn", "moderation_level", "",
	    "conservative|permissive|none", 0),
	[CONF_FASHN_OUTPUT_FORMAT] = ENUM("fashn", "output_format", "",
	    "png|jpeg", 0),
	[CONF_FASHN_SEED] = INT("fashn", "seed", -1, 4294967295LL, "-1"),
	[CONF_FASHN_VIDEO_MODEL] = ENUM("fashn", "video_model",
	    "image-to-video", "image-to-video", 0),
	[CONF_FASHN_VIDEO_DURATION] = INT("fashn", "video_duration", 5, 10,
	    "5"),
	[CONF_FASHN_VIDEO_RESOLUTION] = ENUM("fashn", "video_resolution", "",
	    "480p|720p|1080p", 0),
	TIMING(FASHN, "fashn", 0),

	[CONF_FAL_BASE_URL] = URL("fal", "base_url", "https://queue.fal.run",
	    0),
	[CONF_FAL_API_KEY] = SECRET("fal", "api_key", NULL, 0),
	[CONF_FAL_TRYON_MODEL] = STR("fal", "tryon_model",
	    "fal-ai/fashn/tryon/v1.6", 0),
	[CONF_FAL_VIDEO_MODEL] = STR("fal", "video_model",
	    "fal-ai/kling-video/v1/standard/image-to-video", 0),
	[CONF_FAL_VIDEO_DURATION] = ENUM("fal", "video_duration", "5", "5|10",
	    0),
	TIMING(FAL, "fal", 0),

	[CONF_REPLICATE_BASE_URL] = URL("replicate", "base_url",
	    "https://api.replicate.com/v1", 0),
	[CONF_REPLICATE_API_TOKEN] = SECRET("replicate", "api_token", NULL,
	    0),
	[CONF_REPLICATE_TRYON_MODEL] = STR("replicate", "tryon_model",
	    "cuuupid/idm-vton:c871bb9b046607b680449ecbae55fd8c6d945e0a1948644"
	    "bf2361b3d021d3ff4", 0),
	[CONF_REPLICATE_INPUT_MAP] = LIST("replicate", "input_map",
	    "photo=human_img, garment=garm_img, description=garment_des, "
	    "category=category"),
	[CONF_REPLICATE_CATEGORY_VALUES] = LIST("replicate",
	    "category_values",
	    "tops=upper_body, bottoms=lower_body, one-pieces=dresses"),
	[CONF_REPLICATE_VIDEO_MODEL] = STR("replicate", "video_model",
	    "wan-video/wan-2.2-i2v-fast", 0),
	[CONF_REPLICATE_VIDEO_INPUT_MAP] = LIST("replicate",
	    "video_input_map", "image=image, prompt=prompt"),
	[CONF_REPLICATE_WAIT_SECONDS] = INT("replicate", "wait_seconds", 0,
	    60, "0"),
	[CONF_REPLICATE_CANCEL_AFTER] = STR("replicate", "cancel_after", "",
	    0),
	[CONF_REPLICATE_WEBHOOK_SECRET] = SECRET("replicate", "webhook_secret",
	    NULL, 0),
	TIMING(REPLICATE, "replicate", 0),

	[CONF_PROVIDER_HTTP_BASE_URL] = URL("provider_http", "base_url", NULL,
	    OLD),
	[CONF_PROVIDER_HTTP_API_KEY] = SECRET("provider_http", "api_key", NULL,
	    OLD),
	[CONF_PROVIDER_HTTP_MODEL_NAME] = ENUM("provider_http", "model_name",
	    NULL, "tryon-v1.6|tryon-max", OLD),
	[CONF_PROVIDER_HTTP_MODE] = ENUM("provider_http", "mode", "",
	    "performance|balanced|quality", OLD),
	TIMING(PROVIDER_HTTP, "provider_http", OLD),

	[CONF_QC_MODEL] = { "qc", "model", CONF_T_PATH, 0, 0,
	    PRIMERKA_DATADIR "/nsfw_mobilenet_v2.bin", NULL, 0, NOTGT },
	[CONF_QC_POSE_MODELS] = { "qc", "pose_models", CONF_T_PATH, 0, 0,
	    PRIMERKA_DATADIR, NULL, 0, NOTGT },
	/*
	 * The thresholds.  The blur, exposure and composition values were
	 * set on the fixtures in ../shared/fixtures (see t/test_qc.c and
	 * the README): every ordinary photo passes with a margin, the
	 * Gaussian-blurred street photo fails next to its sharp original.
	 */
	[CONF_QC_MAX_BYTES] = QCINT("max_bytes", 1, 1024 * 1024 * 1024,
	    "33554432", max_bytes, CONF_S_SIZE),
	[CONF_QC_MIN_WIDTH] = QCINT("min_width", 1, 65535, "256", min_width,
	    CONF_S_INT),
	[CONF_QC_MIN_HEIGHT] = QCINT("min_height", 1, 65535, "256",
	    min_height, CONF_S_INT),
	[CONF_QC_MAX_WIDTH] = QCINT("max_width", 1, 65535, "12000", max_width,
	    CONF_S_INT),
	[CONF_QC_MAX_HEIGHT] = QCINT("max_height", 1, 65535, "12000",
	    max_height, CONF_S_INT),
	[CONF_QC_MAX_PIXELS] = QCINT("max_pixels", 1, 268435456, "50000000",
	    max_pixels, CONF_S_U64),
	[CONF_QC_ANALYSIS_SIDE] = QCINT("analysis_side", 64, 2048, "512",
	    analysis_side, CONF_S_INT),
	[CONF_QC_BLANK_MIN_STDDEV] = QCDBL("blank_min_stddev", 0, 255, "6.0",
	    blank_min_stddev),
	[CONF_QC_BLUR_MIN] = QCDBL("blur_min", 0, 1000000, "30.0", blur_min),
	[CONF_QC_DARK_MAX_P95] = QCDBL("dark_max_p95", 0, 255, "50.0",
	    dark_max_p95),
	[CONF_QC_BRIGHT_MIN_P5] = QCDBL("bright_min_p5", 0, 256, "215.0",
	    bright_min_p5),
	[CONF_QC_NSFW_MAX] = QCDBL("nsfw_max", 0, 1, "0.60", nsfw_max),
	[CONF_QC_RESULT_NSFW_MAX] = QCDBL("result_nsfw_max", 0, 1, "0.60",
	    result_nsfw_max),
	[CONF_QC_SEXY_MAX] = QCDBL("sexy_max", 0, 1, "0.90", sexy_max),
	[CONF_QC_CATALOG_SEXY_MAX] = QCDBL("catalog_sexy_max", 0, 1, "0.90",
	    catalog_sexy_max),
	[CONF_QC_BG_TOLERANCE] = QCDBL("bg_tolerance", 1, 442, "40.0",
	    bg_tolerance),
	[CONF_QC_BG_MIN_UNIFORM] = QCDBL("bg_min_uniform", 0, 1, "0.60",
	    bg_min_uniform),
	[CONF_QC_FRAGMENT_MAX] = QCDBL("fragment_max", 0, 1, "0.25",
	    fragment_max),
	[CONF_QC_FILL_MIN] = QCDBL("fill_min", 0, 1, "0.08", fill_min),
	[CONF_QC_CUT_MAX] = QCDBL("cut_max", 0, 1, "0.35", cut_max),
	[CONF_QC_PERSON_MIN_SIZE] = QCDBL("person_min_size", 0, 1, "0.45",
	    person_min_size),
	[CONF_QC_PERSON_DOMINANCE] = QCDBL("person_dominance", 1, 100, "1.5",
	    person_dominance),
	/* At try-on time, for the outfit's category (lib/qcfit.c). */
	[CONF_QC_BODY_MIN_VISIBILITY] = QCDBL("body_min_visibility", 0, 1,
	    "0.5", body_min_visibility),
	[CONF_QC_BODY_FRAME_MARGIN] = QCDBL("body_frame_margin", 0, 1, "0.02",
	    body_frame_margin),
	[CONF_QC_POSE_MAX_TILT] = QCDBL("pose_max_tilt", 0, 180, "50",
	    pose_max_tilt),
	[CONF_QC_POSE_BACK_WIDTH] = QCDBL("pose_back_width", 0, 10, "0.3",
	    pose_back_width),
	[CONF_QC_POSE_BACK_MIRRORED] = QCINT("pose_back_mirrored", 0, 1, "0",
	    pose_back_mirrored, CONF_S_INT),

	[CONF_RETENTION_PHOTO_DAYS] = INT("retention", "photo_days", 0, 36500,
	    "30"),
	[CONF_RETENTION_RESULT_DAYS] = INT("retention", "result_days", 0,
	    36500, "90"),
	[CONF_RETENTION_PENDING_PURCHASE_DAYS] = INT("retention",
	    "pending_purchase_days", 0, 36500, "7"),
	[CONF_RETENTION_JOB_EVENT_DAYS] = INT("retention", "job_event_days", 0,
	    36500, "180"),
	[CONF_RETENTION_EVENT_DAYS] = INT("retention", "event_days", 0, 36500,
	    "400"),
	[CONF_RETENTION_RECONCILE_HOURS] = INT("retention", "reconcile_hours",
	    0, 24 * 365, "24"),
	[CONF_RETENTION_ORPHAN_GRACE] = INT("retention", "orphan_grace", 0,
	    86400 * 30, "3600"),

	[CONF_LOG_LEVEL] = ENUM("log", "level", "info",
	    "debug|info|warn|error", 0),
	[CONF_LOG_REQUESTS] = ENUM("log", "requests", "writes",
	    "all|writes|errors", 0),

	/* /metrics: the table gauges are computed once per this many
	 * seconds for the whole pool (fcgi/metrics.c); the worker's file
	 * is written as often (batch/wmetrics.c). */
	[CONF_METRICS_CACHE_TTL] = APPINT("metrics", "cache_ttl", 1, 3600,
	    "10", metrics_ttl),
};

const char *const conf_type_names[CONF_T__MAX] = {
	"string", "secret", "path", "URL", "list", "choice", "boolean",
	"integer", "number"
};

enum conf_key
conf_find(const char *section, const char *key)
{
	size_t	 i;

	for (i = 0; i < CONF__MAX; i++)
		if (strcmp(confdefs[i].section, section) == 0 &&
		    strcmp(confdefs[i].key, key) == 0)
			return (enum conf_key)i;
	return CONF__MAX;
}

int
conf_section_known(const char *section)
{
	size_t	 i;

	for (i = 0; i < CONF__MAX; i++)
		if (strcmp(confdefs[i].section, section) == 0)
			return 1;
	return 0;
}

/* Boolean text: 1 or 0 into *out, or -1. */
static int
parse_bool(const char *s, int *out)
{
	if (strcmp(s, "1") == 0 || strcasecmp(s, "yes") == 0 ||
	    strcasecmp(s, "true") == 0 || strcasecmp(s, "on") == 0)
		*out = 1;
	else if (strcmp(s, "0") == 0 || strcasecmp(s, "no") == 0 ||
	    strcasecmp(s, "false") == 0 || strcasecmp(s, "off") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

/* A whole decimal integer in d's bounds; 0 or -1. */
static int
parse_int(const struct confdef *d, const char *s, int64_t *out)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < d->min ||
	    v > d->max)
		return -1;
	*out = v;
	return 0;
}

/* A whole finite decimal number in d's bounds; 0 or -1. */
static int
parse_double(const struct confdef *d, const char *s, double *out)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) ||
	    v < (double)d->min || v > (double)d->max)
		return -1;
	*out = v;
	return 0;
}

/* Whether v is one of d's '|'-separated choices. */
static int
in_choices(const struct confdef *d, const char *v)
{
	const char	*p = d->choices;
	size_t		 n = strlen(v), w;

	if (n == 0)
		return 0;
	for (;;) {
		w = strcspn(p, "|");
		if (w == n && strncmp(p, v, n) == 0)
			return 1;
		if (p[w] == '\0')
			return 0;
		p += w + 1;
	}
}

int
conf_check(enum conf_key k, const char *value, char *msg, size_t msglen)
{
	const struct confdef	*d;
	int64_t			 i;
	double			 x;
	int			 b;

	if ((unsigned)k >= CONF__MAX || value == NULL) {
		snprintf(msg, msglen, "no such key");
		return -1;
	}
	d = &confdefs[k];
	switch (d->type) {
	case CONF_T_BOOL:
		if (value[0] != '\0' && parse_bool(value, &b) == -1) {
			snprintf(msg, msglen, "not a boolean (yes or no)");
			return -1;
		}
		break;
	case CONF_T_INT:
		if (value[0] != '\0' && parse_int(d, value, &i) == -1) {
			snprintf(msg, msglen, "not an integer in %lld..%lld",
			    (long long)d->min, (long long)d->max);
			return -1;
		}
		break;
	case CONF_T_DOUBLE:
		if (value[0] != '\0' && parse_double(d, value, &x) == -1) {
			snprintf(msg, msglen, "not a number in %lld..%lld",
			    (long long)d->min, (long long)d->max);
			return -1;
		}
		break;
	case CONF_T_ENUM:
		if (!in_choices(d, value) && !(value[0] == '\0' &&
		    d->def != NULL && d->def[0] == '\0')) {
			snprintf(msg, msglen, "one of %s", d->choices);
			return -1;
		}
		break;
	case CONF_T_URL:
		if (value[0] != '\0' && strncmp(value, "http://", 7) != 0 &&
		    strncmp(value, "https://", 8) != 0) {
			snprintf(msg, msglen, "not an http:// or https:// URL");
			return -1;
		}
		break;
	default:
		break;
	}
	return 0;
}

const char *
conf_get_set(const struct config *cfg, enum conf_key k)
{
	if ((unsigned)k >= CONF__MAX)
		return NULL;
	return config_get(cfg, confdefs[k].section, confdefs[k].key, NULL);
}

const char *
conf_get(const struct config *cfg, enum conf_key k)
{
	const char	*v = conf_get_set(cfg, k);

	if (v != NULL || (unsigned)k >= CONF__MAX)
		return v;
	return confdefs[k].def;
}

int
conf_get_int(const struct config *cfg, enum conf_key k, int64_t *out)
{
	const struct confdef	*d;
	const char		*v;

	*out = 0;
	if ((unsigned)k >= CONF__MAX)
		return -1;
	d = &confdefs[k];
	if (d->def != NULL && parse_int(d, d->def, out) == -1)
		return -1;
	v = conf_get_set(cfg, k);
	if (v == NULL || v[0] == '\0')
		return 0;
	return parse_int(d, v, out);
}

int
conf_get_bool(const struct config *cfg, enum conf_key k, int *out)
{
	const struct confdef	*d;
	const char		*v;

	*out = 0;
	if ((unsigned)k >= CONF__MAX)
		return -1;
	d = &confdefs[k];
	if (d->def != NULL && parse_bool(d->def, out) == -1)
		return -1;
	v = conf_get_set(cfg, k);
	if (v == NULL || v[0] == '\0')
		return 0;
	return parse_bool(v, out);
}

/* Store a parsed number or string in d's field of dst. */
static void
store(const struct confdef *d, void *dst, int64_t i, double x,
    const char *s)
{
	char	*p = (char *)dst + d->off;

	switch (d->store) {
	case CONF_S_I64:
		*(int64_t *)(void *)p = i;
		break;
	case CONF_S_INT:
		*(int *)(void *)p = (int)i;
		break;
	case CONF_S_LONG:
		*(long *)(void *)p = (long)i;
		break;
	case CONF_S_SIZE:
		*(size_t *)(void *)p = (size_t)i;
		break;
	case CONF_S_U64:
		*(uint64_t *)(void *)p = (uint64_t)i;
		break;
	case CONF_S_DOUBLE:
		*(double *)(void *)p = x;
		break;
	case CONF_S_STR:
		*(const char **)(void *)p = s;
		break;
	case CONF_S_NONE:
		break;
	}
}

int
conf_store_value(enum conf_key k, const char *value, void *dst)
{
	const struct confdef	*d;
	int64_t			 i = 0;
	double			 x = 0;

	if ((unsigned)k >= CONF__MAX || value == NULL)
		return -1;
	d = &confdefs[k];
	if (d->store == CONF_S_NONE)
		return -1;
	if (d->type == CONF_T_INT) {
		if (parse_int(d, value, &i) == -1)
			return -1;
		x = (double)i;
	} else if (d->type == CONF_T_DOUBLE) {
		if (parse_double(d, value, &x) == -1)
			return -1;
	} else if (d->store != CONF_S_STR)
		return -1;
	store(d, dst, i, x, value);
	return 0;
}

/* Whether entry i belongs to target (and section, unless NULL). */
static int
member(size_t i, enum conf_target t, const char *section)
{
	return confdefs[i].target == t && (section == NULL ||
	    strcmp(confdefs[i].section, section) == 0);
}

void
conf_fill_defaults(enum conf_target t, const char *section, void *dst)
{
	size_t	 i;

	for (i = 0; i < CONF__MAX; i++)
		if (member(i, t, section) && confdefs[i].def != NULL)
			(void)conf_store_value((enum conf_key)i,
			    confdefs[i].def, dst);
}

int
conf_fill(const struct config *cfg, enum conf_target t, const char *section,
    void *dst, char *err, size_t errlen)
{
	const struct confdef	*d;
	const char		*v;
	char			 msg[128];
	size_t			 i;

	for (i = 0; i < CONF__MAX; i++) {
		if (!member(i, t, section))
			continue;
		d = &confdefs[i];
		v = conf_get_set(cfg, (enum conf_key)i);
		/* Unset, or an empty number: the default stays. */
		if (v == NULL || (v[0] == '\0' && d->store != CONF_S_STR))
			continue;
		if (conf_check((enum conf_key)i, v, msg, sizeof(msg)) == -1) {
			snprintf(err, errlen, "[%s] %s: %s", d->section,
			    d->key, msg);
			return -1;
		}
		/* Checked above: storing cannot fail. */
		(void)conf_store_value((enum conf_key)i, v, dst);
	}
	return 0;
}
