/*
 * What the hosted vendors' adapters (fashn.c, fal.c, replicate.c) share:
 * one libcurl handle per provider, one HTTP exchange with the retry
 * policy, waiting with heartbeats, and the submit-then-poll flow that
 * resumes a remote job saved by an earlier attempt instead of paying for
 * a second one.  Each adapter supplies its own wire shapes and error
 * mapping; nothing here knows a vendor's URLs or names.
 *
 * Retry policy of remote_request(): network errors and 5xx answers are
 * retried up to max_retries times with exponential backoff and equal
 * jitter; a 429 goes to the call's classify hook (default: backoff),
 * which may instead wait for a concurrency slot (retried until the
 * deadline, not counted as a retry) or make it final.  A Retry-After (in
 * seconds or as an HTTP date) on a 429 or 503 is honoured as long as the
 * deadline allows.  Answers are capped at REMOTE_MAX_BODY.
 *
 * Errors it sets (lib/jobs.c codes): provider_unavailable (retryable,
 * and marked unavailable so a router may try the next provider) after
 * the retries of 5xx or network errors; provider_timeout (retryable,
 * unavailable) when the deadline passes; provider_error for a malformed
 * or oversized answer; internal for out of memory or a lost job.  Error
 * details name the vendor, the stage and the HTTP status or curl error;
 * they never hold a key or an input or output URL.
 *
 * One struct remote holds one curl easy handle: use it from one thread.
 */
#ifndef PRIMERKA_PROVIDERS_REMOTE_H
#define PRIMERKA_PROVIDERS_REMOTE_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "provider.h"

#define REMOTE_MAX_BODY	(1024 * 1024)	/* cap on any answer body */
#define REMOTE_MAX_URL	8192		/* cap on a URL from an answer */
#define REMOTE_MAX_ID	200		/* fits struct queue_job.provider_ref */
#define REMOTE_MAX_NAME	64		/* error names, statuses */

/* Timing of one provider; the [vendor] keys of the same names. */
struct remote_config {
	long	 connect_timeout_ms;	/* one connection */
	long	 request_timeout_ms;	/* one HTTP request */
	long	 job_timeout_ms;	/* a whole tryon/animate call */
	long	 poll_min_ms;		/* first poll interval */
	long	 poll_max_ms;		/* poll interval cap */
	long	 retry_base_ms;		/* first retry backoff */
	long	 retry_max_ms;		/* retry backoff cap */
	int	 max_retries;		/* per request, 0..20 */
	int	 max_concurrency;	/* 0 = unlimited */
};

/* One HTTP answer. */
struct remote_resp {
	long	 status;	/* 0 when no answer */
	char	*body;		/* NUL-terminated, malloc'd */
	size_t	 len;
	int	 too_big;
	long	 retry_after_ms; /* -1: not given */
	char	 credits[24];	/* x-fashn-credits-used, "" when absent */
};

/* What to do with a 429 (struct remote_call.classify). */
enum remote_verdict {
	REMOTE_BACKOFF,		/* rate limited: retry with backoff */
	REMOTE_SLOT,		/* concurrency: wait for a slot */
	REMOTE_FINAL		/* hand the answer to the caller */
};

/* What one status check found (struct remote_ops.check). */
enum remote_state {
	REMOTE_PENDING,		/* still running */
	REMOTE_DONE,		/* *url set */
	REMOTE_NOTFOUND,	/* the vendor does not know the id */
	REMOTE_FAILED,		/* the job failed there; err set */
	REMOTE_ERROR		/* anything else; err set */
};

struct remote;

/* One tryon or animate call. */
struct remote_call {
	struct remote			*r;
	const char			*vendor;	/* "fashn" */
	const char			*what;		/* "tryon", "animate" */
	const struct provider_hooks	*hooks;
	struct job_error		*err;
	int64_t				 deadline;	/* monotonic ms */
	const char			*auth;		/* header line */
	const char			*extra[4];	/* more header lines */
	enum remote_verdict		(*classify)(const struct remote_resp *);
	int				 resubmit;	/* FAILED: a new job may do */
	int				 resumed;	/* polling a saved ref */
};

/*
 * A vendor's submit and status check.  submit() starts a remote job and
 * puts its id (a plain token, at most REMOTE_MAX_ID characters) into
 * id; 0 or -1 with err set.  check() asks once where job id stands.
 */
struct remote_ops {
	int		(*submit)(struct remote_call *, void *arg, char *id,
			    size_t idlen);
	enum remote_state (*check)(struct remote_call *, void *arg,
			    const char *id, char **url);
};

/* Defaults: connect 10 s, request 60 s, job 300 s, polls 1 s doubling
 * to 5 s, 4 retries from 500 ms up to 30 s, concurrency 4. */
void		 remote_config_default(struct remote_config *);

/*
 * Read the timing keys of [section] over cfg; 0, or -1 with the bad
 * key's name in err.
 */
struct app;
int		 remote_config_read(struct app *, const char *section,
		    struct remote_config *, char *err, size_t errlen);

/* p's slots and parked-job timing from cfg: max_concurrency, the poll
 * interval bounds and the job timeout. */
void		 remote_provider_timing(struct provider *,
		    const struct remote_config *);

/*
 * A vendor's transport from its configuration: the defaults, then each of
 * the NULL-terminated sections in order (a later one overrides), p's
 * timing from them (remote_provider_timing()), and remote_new().  NULL
 * with "[name]: reason" (or the bad key) in err.
 */
struct remote	*remote_open(struct app *, struct provider *p,
		    const char *const *sections, const char *name, char *err,
		    size_t errlen);

/* A new transport (cfg copied); NULL with a reason in err. */
struct remote	*remote_new(const struct remote_config *, char *err,
		    size_t errlen);
void		 remote_free(struct remote *);

/* Start a call: c zeroed and filled; the deadline is job_timeout_ms on. */
void		 remote_call_init(struct remote_call *, struct remote *,
		    const char *vendor, const char *what,
		    const struct provider_hooks *, struct job_error *);

/*
 * One request with the retry policy: GET url, or POST/PUT body (JSON,
 * may be NULL for an empty POST) when method says so.  0 with the final
 * answer in resp (2xx, or a status the caller maps), or -1 with err set.
 * resp->body is the caller's to free either way.
 */
int		 remote_request(struct remote_call *, const char *stage,
		    const char *method, const char *url, const char *body,
		    struct remote_resp *);

/*
 * The submit-then-poll flow: poll the ref of an earlier attempt when
 * hooks->ref holds one (a new job only when the vendor does not know it,
 * or it failed in a way a new job may fix: c->resubmit), else submit,
 * save the id through hooks->save_ref, and poll to the end.  0 and *url
 * (malloc'd), or -1 and err.  With hooks->park, no waiting: the saved
 * ref is checked once, and PROVIDER_PARKED returned while the vendor
 * works on it (or once a new job was submitted and its id saved).
 */
int		 remote_run(struct remote_call *, const struct remote_ops *,
		    void *arg, char **url);

/*
 * One status call on the parked job hooks->ref names: 0 and *url when
 * done, PROVIDER_PARKED while pending, -1 and err otherwise (retryable
 * when a new submission may fix it: the next attempt submits anew).
 */
int		 remote_check(struct remote_call *, const struct remote_ops *,
		    void *arg, char **url);

/*
 * The webhook URL for this call's job, hooks->hook_base + vendor + "/"
 * + hook_token (malloc'd), or NULL when webhooks are off (or ENOMEM).
 */
char		*remote_hook_url(const struct remote_call *);

/*
 * The submit answer's id: the string member key of resp's JSON, a plain
 * token, into id; 0, or -1 with err set (provider_error).  The caller
 * has checked the status.
 */
int		 remote_read_id(struct remote_call *,
		    const struct remote_resp *, const char *key, char *id,
		    size_t idlen);

/*
 * POST body to url with the retry policy and hand the final answer to
 * read (a vendor's *_read_submit()); its result, or -1 with err set.
 */
int		 remote_submit(struct remote_call *, const char *url,
		    const char *body, int (*read)(struct remote_call *,
		    const struct remote_resp *, char *, size_t), char *id,
		    size_t idlen);

/* s percent-encoded for a query parameter (malloc'd), NULL on ENOMEM. */
char		*remote_escape(const char *);

/* Wait ms (capped by the deadline) with heartbeats; 0 or -1 (job lost). */
int		 remote_wait(struct remote_call *, int64_t ms);

/* Report credits spent on job id through hooks->credits (if any). */
void		 remote_credits(struct remote_call *, const char *id,
		    double credits);

/* Parse an answer as one JSON object (strict); NULL when it is not. */
struct json_object *remote_json(const struct remote_resp *);
/* The string member key of o, or NULL. */
const char	*remote_str(struct json_object *, const char *key);
/* o as compact JSON (slashes unescaped), malloc'd; NULL on ENOMEM. */
char		*remote_json_text(struct json_object *);
/* Add a string member; 0 or -1 (ENOMEM). */
int		 remote_add_str(struct json_object *, const char *key,
		    const char *val);

/* Is s 1..max characters of [A-Za-z0-9._:-]?  1 or 0. */
int		 remote_is_token(const char *s, size_t max);
/* Is s an absolute http(s) URL with a host, short and printable? */
int		 remote_is_http_url(const char *s);

/*
 * A base URL copied without trailing slashes (and without a trailing
 * strip suffix such as "/v1" when strip is not NULL); NULL with a
 * reason in err when it is not an http(s) URL without query or fragment.
 */
char		*remote_base(const char *s, const char *strip,
		    const char *what, char *err, size_t errlen);

/*
 * "Authorization: SCHEME KEY", malloc'd; NULL with a reason in err when
 * the key is missing, too long or has bytes not allowed in a header.
 */
char		*remote_auth(const char *scheme, const char *key,
		    const char *what, char *err, size_t errlen);

/* Concatenate parts (NULL-terminated) into a malloc'd string. */
char		*remote_cat(const char *, ...) __attribute__((sentinel));

/*
 * Mark err as "this provider cannot serve now" (5xx, timeouts, no
 * credits, a refused key): a router may try the next one.
 */
void		 remote_unavailable(struct job_error *);

/*
 * An operator alert: a warning in the log and a row for /metrics
 * (kind: out_of_credits, key_refused) through hooks->alert.
 */
void		 remote_alert(struct remote_call *, const char *kind);

#endif /* PRIMERKA_PROVIDERS_REMOTE_H */
