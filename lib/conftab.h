/*
 * conftab: every configuration key primerka reads, in one table (after
 * Redis's static_configs[]): section, name, type, bounds, default, the
 * production-required flag and, for the keys loaded into a struct, the
 * field they fill.  Adding a key is one line in lib/conftab.c (and its
 * entry in primerka.conf(5) and etc/primerka.conf.example, which
 * t/test_conftab.c holds equal to the table).
 *
 * Code names a key by its enum, never by its string: a typo does not
 * compile, and check-config (lib/confcheck.c) judges names, types and
 * ranges from the same table the programs read with.  The values come
 * from lib/config.c (the INI file, KEY_file secrets, systemd
 * credentials, PRIMERKA_SECTION_KEY environment overrides).
 */
#ifndef PRIMERKA_CONFTAB_H
#define PRIMERKA_CONFTAB_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* The timing keys every hosted vendor's section has (lib/providers/). */
#define CONF_TIMING_KEYS(S) \
	CONF_##S##_CONNECT_TIMEOUT_MS, CONF_##S##_REQUEST_TIMEOUT_MS, \
	CONF_##S##_JOB_TIMEOUT_MS, CONF_##S##_POLL_MIN_MS, \
	CONF_##S##_POLL_MAX_MS, CONF_##S##_RETRY_BASE_MS, \
	CONF_##S##_RETRY_MAX_MS, CONF_##S##_MAX_RETRIES, \
	CONF_##S##_MAX_CONCURRENCY

/* Every key, CONF_<SECTION>_<KEY>; confdefs[] is indexed by it. */
enum conf_key {
	CONF_DATABASE_URL = 0,
	CONF_DATABASE_WORKER_URL,
	CONF_DATABASE_ADMIN_URL,

	CONF_TELEGRAM_BOT_TOKEN,
	CONF_TELEGRAM_BOT_ID,
	CONF_TELEGRAM_TEST_ENVIRONMENT,
	CONF_TELEGRAM_PUBLIC_KEY,
	CONF_TELEGRAM_WEBHOOK_SECRET,
	CONF_TELEGRAM_API_BASE,
	CONF_TELEGRAM_WEBAPP_URL,
	CONF_TELEGRAM_APP_LINK,

	CONF_PAYMENTS_PACKS,

	CONF_AUTH_MAX_AGE,

	CONF_S3_ENDPOINT,
	CONF_S3_PUBLIC_ENDPOINT,
	CONF_S3_REGION,
	CONF_S3_ACCESS_KEY,
	CONF_S3_SECRET_KEY,
	CONF_S3_PATH_STYLE,
	CONF_S3_TIMEOUT,
	CONF_S3_MAX_RETRIES,
	CONF_S3_PRESIGN_TTL,
	CONF_S3_BUCKET_PREFIX,
	CONF_S3_BUCKET_USER_PHOTOS,	/* in enum bucket's order */
	CONF_S3_BUCKET_OUTFITS,
	CONF_S3_BUCKET_LOCATIONS,
	CONF_S3_BUCKET_RESULTS,
	CONF_S3_BUCKET_VIDEOS,

	CONF_TOKENS_TRYON_PRICE,
	CONF_TOKENS_ANIMATION_PRICE,
	CONF_TOKENS_WELCOME_GRANT,

	CONF_API_WORKERS,
	CONF_API_USER_REFRESH,
	CONF_API_PUBLIC_URL,

	CONF_LIMITS_PHOTO_MAX_BYTES,
	CONF_LIMITS_PHOTO_MAX_PIXELS,
	CONF_LIMITS_PHOTO_MAX_SIDE,
	CONF_LIMITS_PHOTO_MIN_SIDE,
	CONF_LIMITS_PHOTOS_MAX,
	CONF_LIMITS_PHOTO_UPLOADS_PER_HOUR,
	CONF_LIMITS_PENDING_PURCHASES_MAX,
	CONF_LIMITS_EVENTS_PER_MINUTE,

	CONF_WORKER_PROVIDER,
	CONF_WORKER_LEASE,
	CONF_WORKER_POLL_INTERVAL,
	CONF_WORKER_MAX_ATTEMPTS,
	CONF_WORKER_PAUSE_AT,
	CONF_WORKER_METRICS_PATH,
	CONF_WORKER_INPUT_URL_TTL,
	CONF_WORKER_SLOT_WAIT,
	CONF_WORKER_AGENTS,

	CONF_PROVIDER_LOCAL_MAX_CONCURRENCY,

	CONF_PROVIDERS_TRYON,
	CONF_PROVIDERS_ANIMATE,

	CONF_FASHN_BASE_URL,
	CONF_FASHN_API_KEY,
	CONF_FASHN_TRYON_MODEL,
	CONF_FASHN_MODE,
	CONF_FASHN_GARMENT_PHOTO_TYPE,
	CONF_FASHN_MODERATION_LEVEL,
	CONF_FASHN_OUTPUT_FORMAT,
	CONF_FASHN_SEED,
	CONF_FASHN_VIDEO_MODEL,
	CONF_FASHN_VIDEO_DURATION,
	CONF_FASHN_VIDEO_RESOLUTION,
	CONF_TIMING_KEYS(FASHN),

	CONF_FAL_BASE_URL,
	CONF_FAL_API_KEY,
	CONF_FAL_TRYON_MODEL,
	CONF_FAL_VIDEO_MODEL,
	CONF_FAL_VIDEO_DURATION,
	CONF_TIMING_KEYS(FAL),

	CONF_REPLICATE_BASE_URL,
	CONF_REPLICATE_API_TOKEN,
	CONF_REPLICATE_TRYON_MODEL,
	CONF_REPLICATE_INPUT_MAP,
	CONF_REPLICATE_CATEGORY_VALUES,
	CONF_REPLICATE_VIDEO_MODEL,
	CONF_REPLICATE_VIDEO_INPUT_MAP,
	CONF_REPLICATE_WAIT_SECONDS,
	CONF_REPLICATE_CANCEL_AFTER,
	CONF_REPLICATE_WEBHOOK_SECRET,
	CONF_TIMING_KEYS(REPLICATE),

	/* The section [fashn] replaced; still read under it. */
	CONF_PROVIDER_HTTP_BASE_URL,
	CONF_PROVIDER_HTTP_API_KEY,
	CONF_PROVIDER_HTTP_MODEL_NAME,
	CONF_PROVIDER_HTTP_MODE,
	CONF_TIMING_KEYS(PROVIDER_HTTP),

	CONF_QC_MODEL,
	CONF_QC_POSE_MODELS,
	CONF_QC_MAX_BYTES,		/* the thresholds: struct qc_config */
	CONF_QC_MIN_WIDTH,
	CONF_QC_MIN_HEIGHT,
	CONF_QC_MAX_WIDTH,
	CONF_QC_MAX_HEIGHT,
	CONF_QC_MAX_PIXELS,
	CONF_QC_ANALYSIS_SIDE,
	CONF_QC_BLANK_MIN_STDDEV,
	CONF_QC_BLUR_MIN,
	CONF_QC_DARK_MAX_P95,
	CONF_QC_BRIGHT_MIN_P5,
	CONF_QC_NSFW_MAX,
	CONF_QC_RESULT_NSFW_MAX,
	CONF_QC_SEXY_MAX,
	CONF_QC_CATALOG_SEXY_MAX,
	CONF_QC_BG_TOLERANCE,
	CONF_QC_BG_MIN_UNIFORM,
	CONF_QC_FRAGMENT_MAX,
	CONF_QC_FILL_MIN,
	CONF_QC_CUT_MAX,
	CONF_QC_PERSON_MIN_SIZE,
	CONF_QC_PERSON_DOMINANCE,
	CONF_QC_BODY_MIN_VISIBILITY,
	CONF_QC_BODY_FRAME_MARGIN,
	CONF_QC_POSE_MAX_TILT,
	CONF_QC_POSE_BACK_WIDTH,
	CONF_QC_POSE_BACK_MIRRORED,

	CONF_RETENTION_PHOTO_DAYS,
	CONF_RETENTION_RESULT_DAYS,
	CONF_RETENTION_PENDING_PURCHASE_DAYS,
	CONF_RETENTION_JOB_EVENT_DAYS,
	CONF_RETENTION_EVENT_DAYS,
	CONF_RETENTION_RECONCILE_HOURS,
	CONF_RETENTION_ORPHAN_GRACE,

	CONF_LOG_LEVEL,
	CONF_LOG_REQUESTS,

	CONF_METRICS_CACHE_TTL,

	CONF__MAX
};

/* What a value must look like. */
enum conf_type {
	CONF_T_STRING = 0,	/* any text */
	CONF_T_SECRET,		/* text never printed (tokens, keys) */
	CONF_T_PATH,		/* a file or directory */
	CONF_T_URL,		/* http:// or https://..., or empty */
	CONF_T_LIST,		/* a comma-separated list, parsed by its
				   reader */
	CONF_T_ENUM,		/* one of choices ("a|b|c"); "" only when the
				   default is "" */
	CONF_T_BOOL,		/* yes/no, true/false, on/off, 1/0 */
	CONF_T_INT,		/* a decimal integer in min..max */
	CONF_T_DOUBLE,		/* a finite decimal number in min..max */
	CONF_T__MAX
};

/* The struct a key fills when its reader loads a whole group at once. */
enum conf_target {
	CONF_TGT_NONE = 0,	/* read one by one where it is used */
	CONF_TGT_APP,		/* struct app (lib/app.h) */
	CONF_TGT_QC,		/* struct qc_config (lib/qc.h) */
	CONF_TGT_REMOTE,	/* struct remote_config, per vendor section */
	CONF_TGT__MAX
};

/* The C type of the field a key fills. */
enum conf_store {
	CONF_S_NONE = 0,
	CONF_S_I64,		/* int64_t */
	CONF_S_INT,		/* int */
	CONF_S_LONG,		/* long */
	CONF_S_SIZE,		/* size_t */
	CONF_S_U64,		/* uint64_t */
	CONF_S_DOUBLE,		/* double */
	CONF_S_STR		/* const char *, owned by the config */
};

/* confdef flags. */
#define CONF_F_REQUIRED	0x1	/* production cannot do without it */
#define CONF_F_LEGACY	0x2	/* an old name, documented but not in the
				   example configuration */

struct confdef {
	const char		*section;
	const char		*key;
	enum conf_type		 type;
	int64_t			 min, max;	/* CONF_T_INT, CONF_T_DOUBLE */
	const char		*def;		/* NULL: none */
	const char		*choices;	/* CONF_T_ENUM: "a|b|c" */
	unsigned		 flags;		/* CONF_F_* */
	enum conf_target	 target;
	size_t			 off;		/* the field in target */
	enum conf_store		 store;
};

/* The table, indexed by enum conf_key. */
extern const struct confdef confdefs[CONF__MAX];

/* Type names for messages ("integer", "boolean", ...). */
extern const char *const conf_type_names[CONF_T__MAX];

/* The key of section.key, or CONF__MAX when the table has none. */
enum conf_key	 conf_find(const char *section, const char *key);

/* Whether the table has a key in section. */
int		 conf_section_known(const char *section);

/*
 * Whether value is good for key k: 0, or -1 with what is wrong (not the
 * value itself, which may be a secret) in msg, e.g. "not an integer in
 * 1..3600".  An empty value is good for numbers and booleans (it takes
 * the default).
 */
int		 conf_check(enum conf_key k, const char *value, char *msg,
		    size_t msglen);

/*
 * The value of k as set (file, KEY_file, credential or environment), or
 * NULL when it is not set.
 */
const char	*conf_get_set(const struct config *, enum conf_key k);

/* The value of k, else its default (which may be NULL). */
const char	*conf_get(const struct config *, enum conf_key k);

/*
 * k as an integer within the table's bounds: 0 with *out set (the
 * default when unset or empty), or -1 with *out the default when the
 * value is not an integer in range.
 */
int		 conf_get_int(const struct config *, enum conf_key k,
		    int64_t *out);

/* k as a boolean: 0 with *out 0 or 1, or -1 (*out the default). */
int		 conf_get_bool(const struct config *, enum conf_key k,
		    int *out);

/*
 * Parse value as k's number (CONF_T_INT or CONF_T_DOUBLE) and store it
 * in the field of dst that k fills.  0, or -1 (dst unchanged) for a bad
 * value or a key that fills no field.
 */
int		 conf_store_value(enum conf_key k, const char *value,
		    void *dst);

/*
 * Fill dst with the defaults of every key of target (of section only,
 * unless section is NULL).
 */
void		 conf_fill_defaults(enum conf_target, const char *section,
		    void *dst);

/*
 * Fill dst from the configuration: every key of target (of section
 * only, unless NULL) that is set; an unset key keeps dst's value.  0, or
 * -1 with "[section] key: what is wrong" in err.
 */
int		 conf_fill(const struct config *, enum conf_target,
		    const char *section, void *dst, char *err, size_t errlen);

#endif /* PRIMERKA_CONFTAB_H */
