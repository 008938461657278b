/*
 * What both binaries load at start-up: the configuration, the logger,
 * the S3 client, bucket names, prices and limits.  The database handle is
 * opened by each process after fork (one connection per process).
 */
#ifndef PRIMERKA_APP_H
#define PRIMERKA_APP_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "config.h"
#include "conftab.h"
#include "db.h"
#include "nsfw.h"
#include "pose.h"
#include "qc.h"
#include "s3.h"

enum bucket {
	BUCKET_USER_PHOTOS = 0,
	BUCKET_OUTFITS,
	BUCKET_LOCATIONS,
	BUCKET_RESULTS,
	BUCKET_VIDEOS,
	BUCKET_COUNT
};

/* The shortest [telegram] webhook_secret accepted. */
#define APP_WEBHOOK_SECRET_MIN	32

/* A token pack sold for Telegram Stars ([payments] packs). */
#define APP_MAX_PACKS	8
struct app_pack {
	int64_t		 tokens;
	int64_t		 stars;
};

#define LOG_REQ_ERRORS	0
#define LOG_REQ_WRITES	1
#define LOG_REQ_ALL	2

struct app {
	struct config		*cfg;
	struct db		*db;
	struct s3_client	*s3;
	struct auth_config	 auth;
	char			 bucket[BUCKET_COUNT][64];
	int64_t			 price_tryon;
	int64_t			 price_animation;
	int64_t			 welcome_grant;
	int64_t			 max_attempts;
	int64_t			 photo_max_bytes;
	int64_t			 photo_max_pixels;
	int64_t			 photo_max_side;
	int64_t			 photo_min_side;
	int64_t			 presign_ttl;	/* seconds */
	int64_t			 input_url_ttl;	/* seconds a provider's input
						   URLs live ([worker]) */
	int64_t			 user_refresh;	/* seconds between user row refreshes */
	int64_t			 quota_photos;	/* [limits] photos_max */
	int64_t			 quota_uploads_hour;
	int64_t			 quota_pending_purchases;
	int64_t			 quota_events_minute;
	int64_t			 metrics_ttl;	/* [metrics] cache_ttl, seconds
						   between table gauge runs */
	struct qc_config	 qc;		/* [qc] thresholds */
	int			 log_requests;	/* [log] requests: LOG_REQ_* */
	int			 flags;		/* app_init_flags(): APP_* */
	struct nsfw_model	*nsfw;		/* loaded by app_load_nsfw() only */
	struct pose_model	*pose;		/* loaded by app_load_pose() only */
	struct app_pack		 packs[APP_MAX_PACKS];	/* [payments] packs */
	int			 npacks;	/* 0: no purchases */
	const char		*tg_api_base;	/* [telegram] api_base */
	const char		*tg_bot_token;	/* [telegram] bot_token */
	const char		*tg_webhook_secret; /* "" : no webhook */
	const char		*tg_webapp_url;	/* the Mini App (web_app buttons) */
	const char		*tg_app_link;	/* t.me link of the Mini App */
};

/* The default object names of the five buckets, indexed by enum bucket. */
extern const char *const app_bucket_names[BUCKET_COUNT];

/*
 * Load PRIMERKA_CONFIG (or the default path; missing is fine when the
 * environment configures everything), start the logger as prog, and
 * build the S3 client and auth configuration.  Returns 0, or -1 with a
 * message in err.
 */
int	 app_init(struct app *, const char *prog, char *err, size_t errlen);

/*
 * app_init() with flags: APP_AGENT for the contour-B agent, which only
 * fetches and PUTs presigned URLs and serves no Telegram user: no [s3]
 * endpoint or keys and no [telegram] bot token needed.
 */
#define APP_AGENT	0x1
int	 app_init_flags(struct app *, const char *prog, int flags, char *err,
	    size_t errlen);

/*
 * Parse [payments] packs, "TOKENS:STARS[, TOKENS:STARS...]" (each 1 to
 * 10^9, at most APP_MAX_PACKS; "" is none) into packs and *n.  0 or -1.
 */
int	 app_parse_packs(const char *s, struct app_pack *packs, int *n);

/* Open this process's database connection with the given statements,
 * to [database] url (the API's role). */
int	 app_open_db(struct app *, const struct db_stmt *const *tables);

/*
 * The conninfo of [database] key when it is set and not empty
 * (CONF_DATABASE_WORKER_URL: the worker's role, CONF_DATABASE_ADMIN_URL:
 * the schema owner, for primerka-admin), else [database] url's.
 */
const char *app_conninfo(const struct config *, enum conf_key key);

/* The same connection as app_open_db(), to app_conninfo(key).  0 or -1. */
int	 app_open_db_as(struct app *, enum conf_key key,
	    const struct db_stmt *const *tables);

/*
 * Load the NSFW network from [qc] model (default: the installed weights).
 * The API does not (it would cost every FastCGI process 10 MB); the
 * worker and the admin tool do.  0, or -1 with err filled.
 */
int	 app_load_nsfw(struct app *, char *err, size_t errlen);
/*
 * Load the pose models for the person checks of user photos from [qc]
 * pose_models (a directory; default the installed data directory).
 * 0, or -1 with a message in err.
 */
int	 app_load_pose(struct app *, char *err, size_t errlen);

void	 app_free(struct app *);

#endif /* PRIMERKA_APP_H */
