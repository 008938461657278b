/*
 * check-config: known keys, production requirements, then the same
 * parsing the programs do at start-up (app_init(), provider_new()).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "confcheck.h"
#include "config.h"
#include "providers/provider.h"
#include "qc.h"

/*
 * The keys each section may hold.  Types and ranges are checked where
 * the keys are read; this list only catches misspelt or stale names.
 * [qc] holds these plus qc_config_key()'s, [s3] plus a bucket_* key per
 * bucket.  Any key may also be given as KEY_file (config.h).
 */
static const char *const keys_database[] = { "url", NULL };
static const char *const keys_telegram[] = { "bot_token", "bot_id",
	"test_environment", "public_key", "webhook_secret", "api_base",
	"webapp_url", "app_link", NULL };
static const char *const keys_payments[] = { "packs", NULL };
static const char *const keys_auth[] = { "max_age", NULL };
static const char *const keys_s3[] = { "endpoint", "public_endpoint",
	"region", "access_key", "secret_key", "path_style", "timeout",
	"max_retries", "presign_ttl", "bucket_prefix", NULL };
static const char *const keys_tokens[] = { "tryon_price",
	"animation_price", "welcome_grant", NULL };
static const char *const keys_api[] = { "workers", "user_refresh",
	"public_url", NULL };
static const char *const keys_limits[] = { "photo_max_bytes",
	"photo_max_pixels", "photo_max_side", "photo_min_side", "photos_max",
	"photo_uploads_per_hour", "pending_purchases_max", "events_per_minute",
	NULL };
static const char *const keys_worker[] = { "provider", "lease",
	"poll_interval", "max_attempts", "pause_at", "metrics_path",
	"input_url_ttl", "slot_wait", NULL };
static const char *const keys_provider_local[] = { "max_concurrency", NULL };
static const char *const keys_providers[] = { "tryon", "animate", NULL };
/* Each hosted vendor's section: its own keys, then the timing ones. */
#define TIMING_KEYS "connect_timeout_ms", "request_timeout_ms", \
	"job_timeout_ms", "poll_min_ms", "poll_max_ms", "retry_base_ms", \
	"retry_max_ms", "max_retries", "max_concurrency"
static const char *const keys_fashn[] = { "base_url", "api_key",
	"tryon_model", "mode", "garment_photo_type", "moderation_level",
	"output_format", "seed", "video_model", "video_duration",
	"video_resolution", TIMING_KEYS, NULL };
static const char *const keys_fal[] = { "base_url", "api_key",
	"tryon_model", "video_model", "video_duration", TIMING_KEYS, NULL };
static const char *const keys_replicate[] = { "base_url", "api_token",
	"tryon_model", "input_map", "category_values", "video_model",
	"video_input_map", "wait_seconds", "cancel_after", "webhook_secret",
	TIMING_KEYS, NULL };
/* The section [fashn] replaced; still read for these. */
static const char *const keys_provider_http[] = { "base_url", "api_key",
	"model_name", "mode", TIMING_KEYS, NULL };
static const char *const keys_qc[] = { "model", "pose_models", NULL };
static const char *const keys_retention[] = { "photo_days", "result_days",
	"pending_purchase_days", "job_event_days", "event_days",
	"reconcile_hours", "orphan_grace", NULL };
static const char *const keys_log[] = { "level", "requests", NULL };

static const struct {
	const char		*name;
	const char *const	*keys;
} sections[] = {
	{ "database", keys_database },
	{ "telegram", keys_telegram },
	{ "payments", keys_payments },
	{ "auth", keys_auth },
	{ "s3", keys_s3 },
	{ "tokens", keys_tokens },
	{ "api", keys_api },
	{ "limits", keys_limits },
	{ "worker", keys_worker },
	{ "providers", keys_providers },
	{ "fashn", keys_fashn },
	{ "fal", keys_fal },
	{ "replicate", keys_replicate },
	{ "provider_http", keys_provider_http },
	{ "provider_local", keys_provider_local },
	{ "qc", keys_qc },
	{ "retention", keys_retention },
	{ "log", keys_log },
};
#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

/* Where the shipped units load credentials from. */
#define CONFCHECK_CREDENTIALS	"/etc/primerka/credentials"

/* What the example configuration leaves to be replaced. */
#define PLACEHOLDER "replace-me"

static int
in_list(const char *const *list, const char *key)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, key) == 0)
			return 1;
	return 0;
}

/* Whether key is one of section's: the lists, qc's fields, buckets. */
static int
known_key(size_t si, const char *key)
{
	char	 b[64];
	size_t	 i, j;

	if (in_list(sections[si].keys, key))
		return 1;
	if (strcmp(sections[si].name, "qc") == 0)
		for (i = 0; qc_config_key(i) != NULL; i++)
			if (strcmp(qc_config_key(i), key) == 0)
				return 1;
	if (strcmp(sections[si].name, "s3") == 0)
		for (i = 0; i < BUCKET_COUNT; i++) {
			snprintf(b, sizeof(b), "bucket_%s", app_bucket_names[i]);
			for (j = 0; b[j] != '\0'; j++)
				if (b[j] == '-')
					b[j] = '_';
			if (strcmp(b, key) == 0)
				return 1;
		}
	return 0;
}

/* Unknown sections and keys, each once. */
static int
check_names(const struct config *cfg, FILE *out)
{
	const char	*sec, *key;
	char		 base[128];
	size_t		 i, si, l;
	int		 bad = 0;

	for (i = 0; config_entry(cfg, i, &sec, &key) == 0; i++) {
		snprintf(base, sizeof(base), "%s", key);
		l = strlen(base);
		if (l > 5 && strcmp(base + l - 5, "_file") == 0)
			base[l - 5] = '\0';
		for (si = 0; si < NSECTIONS; si++)
			if (strcmp(sections[si].name, sec) == 0)
				break;
		if (si == NSECTIONS) {
			fprintf(out, "%s.%s: unknown section [%s]\n", sec, key,
			    sec);
			bad++;
		} else if (!known_key(si, base)) {
			fprintf(out, "%s.%s: unknown key\n", sec, key);
			bad++;
		}
	}
	return bad;
}

/* A setting production cannot do without, and not the placeholder. */
static int
require(const struct config *cfg, const char *sec, const char *key,
    FILE *out)
{
	const char	*v = config_get(cfg, sec, key, NULL);

	if (v == NULL || v[0] == '\0') {
		fprintf(out, "%s.%s: required, not set (no built-in default)\n",
		    sec, key);
		return 1;
	}
	if (strstr(v, PLACEHOLDER) != NULL) {
		fprintf(out, "%s.%s: still the example's placeholder\n", sec,
		    key);
		return 1;
	}
	return 0;
}

static int
check_production(const struct config *cfg, unsigned what, FILE *out)
{
	const char	*packs, *model;
	int		 bad = 0;

	bad += require(cfg, "telegram", "bot_token", out);
	bad += require(cfg, "s3", "endpoint", out);
	bad += require(cfg, "s3", "access_key", out);
	bad += require(cfg, "s3", "secret_key", out);
	packs = config_get(cfg, "payments", "packs", "");
	if ((what & CONFCHECK_API) && packs[0] != '\0')
		bad += require(cfg, "telegram", "webhook_secret", out);
	model = config_get(cfg, "qc", "model",
	    PRIMERKA_DATADIR "/nsfw_mobilenet_v2.bin");
	if ((what & CONFCHECK_WORKER) && access(model, R_OK) != 0) {
		fprintf(out, "qc.model: %s: cannot be read\n", model);
		bad++;
	}
	return bad;
}

int
confcheck_run(const char *prog, unsigned what, FILE *out)
{
	struct config	*cfg;
	struct provider	*prov;
	struct app	 a;
	const char	*path = getenv("PRIMERKA_CONFIG");
	char		 err[512];
	int		 bad = 0;

	if (path == NULL)
		path = CONFIG_DEFAULT_PATH;
	/* Run by hand (as root), outside the unit: the secrets the units
	 * would load count as well. */
	if (getenv("CREDENTIALS_DIRECTORY") == NULL &&
	    access(CONFCHECK_CREDENTIALS, R_OK | X_OK) == 0)
		setenv("CREDENTIALS_DIRECTORY", CONFCHECK_CREDENTIALS, 1);
	cfg = config_load(path, 0, err, sizeof(err));
	if (cfg == NULL) {
		fprintf(out, "%s\n", err);
		return 1;
	}
	bad += check_names(cfg, out);
	bad += check_production(cfg, what, out);
	config_free(cfg);
	if (app_init(&a, prog, err, sizeof(err)) == -1) {
		fprintf(out, "%s\n", err);
		return bad + 1;
	}
	if (what & CONFCHECK_WORKER) {
		prov = provider_new(&a, err, sizeof(err));
		if (prov == NULL) {
			fprintf(out, "%s\n", err);
			bad++;
		}
		provider_free(prov);
	}
	app_free(&a);
	return bad;
}
