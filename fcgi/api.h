/*
 * The API's resources: one file per resource, each with its handlers and
 * its table of prepared statements.
 */
#ifndef PRIMERKA_API_H
#define PRIMERKA_API_H

#include <time.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "jobs.h"

typedef void (*handler_fn)(struct req *);
/* Answer n requests of one route together (each one as fn would). */
typedef void (*many_fn)(struct req **, size_t n);

/*
 * What one API process keeps between requests, besides its database
 * connection: which users it has recently written (so a status poll
 * does not write the user row), and the /metrics text buffer.
 * Allocated by main.c for each child process.
 */
#define API_TOUCH_SLOTS	4096
/* Recent jobs' median seconds to COMPLETED, per kind (poll_estimate.c). */
struct poll_stats {
	time_t		 at;		/* when read; 0 never */
	int		 known;		/* bit per kind with figures */
	double		 left[JOB_KIND__MAX][JOB_STATUS__MAX]; /* from entering */
	double		 total[JOB_KIND__MAX];	/* from creation */
};
/* A presigned GET URL and what it was signed for (presigned.c). */
#define API_PRESIGN_SLOTS 256
struct api_presigned {
	char		*key;		/* NULL: empty */
	char		*url;
	enum bucket	 bucket;
	int		 expires;
	time_t		 t0;
};
/* A header that passed the initData check and its user (auth_cache.c). */
#define API_AUTH_SLOTS	64
struct api_authed {
	char		*header;	/* NULL: empty */
	size_t		 len;
	struct auth_user user;
};
struct api_state {
	struct {
		int64_t	 id;
		time_t	 at;
	}		 touched[API_TOUCH_SLOTS];
	char		 metrics[256 * 1024];
	struct poll_stats poll;
	struct api_presigned presigned[API_PRESIGN_SLOTS];
	struct api_authed authed[API_AUTH_SLOTS];
};

/* Route flags. */
#define ROUTE_AUTH	0x1	/* needs Authorization: tma ... */
#define ROUTE_LOCAL	0x2	/* loopback clients only (healthz, metrics) */
#define ROUTE_OPEN	0x0	/* no initData: the handler authenticates */
#define ROUTE_AGENT	0x4	/* Authorization: Bearer <agent token> */

struct route {
	const char	*method;
	const char	*pattern;	/* '#' stands for a positive integer id,
					   {name} for one segment of
					   [A-Za-z0-9_-], 1..64 (at most 2) */
	int		 flags;
	handler_fn	 fn;
};

/* Dispatch a request to its handler (routes.c). */
void	 api_dispatch(struct req *);

/*
 * api_dispatch() in steps, for a process that has several requests in
 * hand: api_begin() routes and authenticates r and answers it, unless
 * may_wait and its route answers several at once (then 1: pass it to
 * api_many(), which answers it with the others); 0 when answered.
 * api_done() counts and logs each request once it is answered.  A
 * many_fn is given at most API_MANY_MAX requests at a time.
 */
#define API_MANY_MAX	256
int	 api_begin(struct req *, int may_wait);
void	 api_many(struct req **, size_t n);
void	 api_done(struct req *);

/* The number of routes and a route's label for metrics and logs. */
size_t	 api_route_count(void);
const char *api_route_label(size_t, char *, size_t);

/* Statement tables of every resource, NULL-terminated (routes.c). */
extern const struct db_stmt *const api_statements[];

/*
 * Make sure the authenticated user has a row, refreshing names at most
 * every [api] user_refresh seconds per process.  0 ok, -1 when the
 * database is down (a 503 has been sent).
 */
int	 users_touch(struct req *);

/*
 * Mark user_id as someone the bot may write to: from initData's
 * allows_write_to_pm (started = 0), or because they started the bot
 * (started = 1, which also clears an earlier block).  0 or -1 (database).
 */
int	 users_bot_allowed(struct req *, int64_t user_id, int started);

/*
 * Record a visit from a shared link, when the request's initData carries
 * one (start_param with r<code>): SHARE_VISIT_OPEN, or SHARE_VISIT_TRYON
 * of outfit_id (counted only for the shared outfit).  Once per share,
 * viewer and kind; the sharer's own visits do not count.  Best effort:
 * a failure is logged, never answered.
 */
enum share_visit { SHARE_VISIT_OPEN = 0, SHARE_VISIT_TRYON, SHARE_VISIT__MAX };
void	 shares_record(struct req *, enum share_visit, int64_t outfit_id);

/*
 * The shop's visits from shared links between from and to (dates) as
 * {"opens": N, "tryons": N}, or NULL when the database failed.
 */
json_object *shares_shop_stats(struct req *, const char *shop,
	    const char *from, const char *to);

/*
 * When the poller of a job of this kind, in status for in_status
 * seconds, should ask again: milliseconds (200..8000), or -1 for a
 * finished job (poll_estimate.c).
 */
int64_t	 poll_after_ms(struct req *, enum job_kind, enum job_status,
	    int64_t job_id, double in_status);

/*
 * s3_presign_get() for bucket b, remembered by this process: the same
 * bucket, key, lifetime and signing time give the URL signed before.
 * The string is the process's, valid until the next call; NULL when it
 * could not be signed.
 */
const char *api_presign_get(struct req *, enum bucket, const char *key,
	    int expires_s, time_t t0);

/*
 * auth_check_header() of the Authorization header h at now, remembered
 * by this process: the same bytes that passed before are the same user
 * again while auth_date is fresh.  Fills r->user as auth_check_header().
 */
enum auth_result api_auth_header(struct req *, const char *h, time_t now);

/* Send 503 for a database failure. */
void	 api_db_down(struct req *);

/* A job as JSON (jobs_api.c): row from the job_* statements. */
json_object *job_to_json(struct req *, const PGresult *, int row);

/*
 * ?cursor= and ?limit= (1..100, default 20) of a list; the cursor is the
 * last id seen.  Newest first (LIST_DESC): items below it, from the
 * newest by default; LIST_ASC: items above it, from the first.  0, or -1
 * after a 400.
 */
enum list_order { LIST_DESC, LIST_ASC };
int	 list_params(struct req *, enum list_order, int64_t *cursor,
	    int64_t *limit);

/* One row of a result as JSON (the caller puts it). */
typedef json_object *(*row_json_fn)(struct req *, const PGresult *, int row);
/*
 * Answer 200 with {"items": [fn of every row], "next_cursor": the id in
 * column idcol of the last row when the page is full, else null}.  res
 * stays the caller's.
 */
void	 list_answer(struct req *, const PGresult *, int idcol,
	    int64_t limit, row_json_fn fn);
/*
 * A list of the user's own rows, newest first: list_params() (LIST_DESC),
 * then stmt with ($1 user id, $2 cursor, $3 limit), its id in column 0,
 * answered by list_answer() (or 400 / 503).
 */
void	 list_own(struct req *, const char *stmt, row_json_fn fn);
/*
 * Answer 200 with fn of the one row stmt finds for the path's id ($1;
 * and the user's id as $2 when owned: someone else's is not found), or
 * 404 not_found with message what.
 */
void	 get_answer(struct req *, const char *stmt, int owned, row_json_fn fn,
	    const char *what);

/*
 * An agent's bearer token (agent_api.c): 0 with r->agent set, or -1
 * after a 401 (unknown, revoked, missing) or 503.
 */
int	 agent_authenticate(struct req *);

/* Handlers. */
void	 h_hooks(struct req *);
void	 h_me(struct req *);
void	 h_ledger_list(struct req *);
void	 h_photos_create(struct req *);
void	 h_photos_list(struct req *);
void	 h_photos_get(struct req *);
void	 h_photos_delete(struct req *);
void	 h_outfits_list(struct req *);
void	 h_outfits_get(struct req *);
void	 h_locations_list(struct req *);
void	 h_locations_get(struct req *);
void	 h_tryons_create(struct req *);
void	 h_tryons_get(struct req *);
/* GET /api/v1/tryons/{id} for several requests: one query. */
void	 h_tryons_get_many(struct req **, size_t n);
void	 h_tryons_list(struct req *);
void	 h_animations_create(struct req *);
void	 h_animations_get(struct req *);
void	 h_animations_list(struct req *);
void	 h_tryons_cancel(struct req *);
void	 h_tryons_delete(struct req *);
void	 h_animations_delete(struct req *);
void	 h_me_delete(struct req *);
void	 h_animations_cancel(struct req *);
void	 h_outfits_create(struct req *);
void	 h_outfits_update(struct req *);
void	 h_outfits_delete(struct req *);
void	 h_outfits_image(struct req *);
void	 h_locations_create(struct req *);
void	 h_locations_update(struct req *);
void	 h_locations_delete(struct req *);
void	 h_locations_image(struct req *);
void	 h_events_create(struct req *);
void	 h_shops_stats(struct req *);
void	 h_packs_list(struct req *);
void	 h_purchases_create(struct req *);
void	 h_purchases_get(struct req *);
void	 h_telegram_webhook(struct req *);
void	 h_settings_get(struct req *);
void	 h_settings_update(struct req *);
void	 h_tryons_share(struct req *);
void	 h_animations_share(struct req *);
void	 h_agent_claim(struct req *);
void	 h_agent_heartbeat(struct req *);
void	 h_agent_stage(struct req *);
void	 h_agent_complete(struct req *);
void	 h_agent_fail(struct req *);
void	 h_healthz(struct req *);
void	 h_livez(struct req *);
void	 h_readyz(struct req *);
void	 h_metrics(struct req *);

extern const struct db_stmt users_statements[];
extern const struct db_stmt photos_statements[];
extern const struct db_stmt catalog_statements[];
extern const struct db_stmt jobs_api_statements[];
extern const struct db_stmt health_statements[];
extern const struct db_stmt staff_statements[];
extern const struct db_stmt events_statements[];
extern const struct db_stmt payments_statements[];
extern const struct db_stmt settings_statements[];
extern const struct db_stmt shares_statements[];
extern const struct db_stmt poll_statements[];
extern const struct db_stmt hooks_statements[];
extern const struct db_stmt agent_statements[];

#endif /* PRIMERKA_API_H */
