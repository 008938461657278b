/*
 * The AI provider interface (seed §3.7): a struct of function pointers.
 *
 *   tryon(user_photo_url, outfit_url, location_url?) -> result_url
 *   animate(image_url) -> video_url
 *
 * Providers get only short-lived presigned URLs and hand back a URL the
 * worker downloads in its UPLOADING stage.  A provider may keep an id of
 * its own for the job (ref) so that a restarted worker resumes polling
 * instead of paying twice.
 *
 * Parked jobs: with hooks->park set, a hosted provider returns
 * PROVIDER_PARKED as soon as the vendor accepted the job (its ref saved)
 * instead of waiting for it; the worker lets go of the job and later
 * calls check() once per due time (or webhook) until it ends.  A
 * synchronous provider (local) ignores park and has no check().
 */
#ifndef PRIMERKA_PROVIDER_H
#define PRIMERKA_PROVIDER_H

#include <stdint.h>

#include "jobs.h"

struct app;
struct pose_stored;

/* tryon(), animate() and check(): the vendor has the job, not done yet. */
#define PROVIDER_PARKED	1

struct provider_tryon_req {
	int64_t		 job_id;
	const char	*user_photo_url;
	const char	*outfit_url;
	const char	*location_url;	/* NULL when no location */
	const char	*category;	/* tops, bottoms, one-pieces */
	const char	*prompt;	/* built in PROMPTING */
	int64_t		 seed;		/* "try again": 1.., 0 the provider's own */
	const char	*description;	/* the outfit's title, or NULL */
	const struct pose_stored *pose;	/* the photo's person as stored
					   with its verdict (lib/posestore.h),
					   or NULL: found afresh if needed */
};

struct provider_animate_req {
	int64_t		 job_id;
	const char	*image_url;
	const char	*prompt;
	const char	*location_url;	/* the try-on's location, or NULL */
	const struct pose_stored *pose;	/* the person of the try-on's photo
					   as stored with its verdict, or
					   NULL: found in the image if
					   needed */
};

/*
 * Called by a provider while it waits, so the worker can renew its lease
 * and persist the provider's job id; returns -1 when the job was lost
 * (the provider must then give up).
 */
struct provider_hooks {
	void	*arg;
	int	(*heartbeat)(void *arg);
	int	(*save_ref)(void *arg, const char *ref);
	const char *ref;	/* ref saved by an earlier attempt, or "" */
	const char *last_error;	/* the earlier attempt's error code, or "" */
	/*
	 * Credits a vendor charged for its job ref (recorded once per
	 * provider and ref, so a resumed job does not count twice); may
	 * be NULL.
	 */
	void	(*credits)(void *arg, const char *provider, const char *ref,
		    double credits);
	/* An operator alert (out_of_credits, key_refused); may be NULL. */
	void	(*alert)(void *arg, const char *provider, const char *kind);
	/* Return PROVIDER_PARKED once the vendor holds the job. */
	int	 park;
	/*
	 * A provider that could not finish the parked job (timed out,
	 * unavailable): a router starts after it, as if it had just failed
	 * in this call.  NULL or "" for none.
	 */
	const char *unavailable;
	/*
	 * The vendor's webhook for this job: a URL ending in "/" to which
	 * the provider appends its own name ("…/hooks/" then "fashn/TOKEN"
	 * is built by the caller as hook_base + name + "/" + hook_token);
	 * NULL or "" when webhooks are off.
	 */
	const char *hook_base;
	const char *hook_token;
};

struct provider {
	const char	*name;
	void		*ctx;
	int		 max_concurrency;	/* 0 = unlimited */
	const char	*slot_name;	/* whose slots (the router's first
					   try-on provider); NULL: name */
	int		 places_location;	/* tryon puts the person in
						   location_url itself; when
						   0 the worker does it */
	/* 0 and *url (malloc'd) on success; -1 and err filled on failure;
	 * PROVIDER_PARKED (hooks->park only) once the vendor holds it. */
	int	(*tryon)(struct provider *, const struct provider_tryon_req *,
		    const struct provider_hooks *, char **url,
		    struct job_error *);
	int	(*animate)(struct provider *, const struct provider_animate_req *,
		    const struct provider_hooks *, char **url,
		    struct job_error *);
	/*
	 * One status call on the job hooks->ref names (a parked job): 0 and
	 * *url when done, PROVIDER_PARKED while the vendor works, -1 and
	 * err (retryable when a new submission may do).  NULL for a
	 * synchronous provider.
	 */
	int	(*check)(struct provider *, enum job_kind,
		    const struct provider_hooks *, char **url,
		    struct job_error *);
	/* Parked: first and longest interval between checks, and how long
	 * a job may stay at the vendor (ms). */
	long		 park_min_ms;
	long		 park_max_ms;
	long		 park_timeout_ms;
	/* Drop any temporary object behind a result URL; may be NULL. */
	void	(*release)(struct provider *, int64_t job_id);
	void	(*free)(struct provider *);
};

/*
 * Build the providers the configuration names: [providers] tryon and
 * animate (ordered lists; a later one is used only when an earlier one
 * is unavailable), or [worker] provider = NAME for both; the default is
 * local.  Names: local, fashn (alias http), fal, replicate.  NULL with a
 * message naming the section and key at fault in err.
 */
struct provider	*provider_new(struct app *, char *err, size_t errlen);
void		 provider_free(struct provider *);

/*
 * Build the configured providers as provider_new() does, then free them:
 * check-config's worker check (confcheck_worker_fn).  0, or -1 and err.
 */
int		 provider_check(struct app *, char *err, size_t errlen);

/* One provider by name, configured from its section; NULL and err. */
struct provider	*provider_by_name(struct app *, const char *name, char *err,
		    size_t errlen);

/* The local, offline provider (lib/providers/local.c). */
struct provider	*provider_local_new(struct app *);
/* The hosted vendors (lib/providers/), from [fashn], [fal], [replicate]. */
struct provider	*provider_fashn_new(struct app *, char *err, size_t errlen);
struct provider	*provider_fal_new(struct app *, char *err, size_t errlen);
struct provider	*provider_replicate_new(struct app *, char *err,
		    size_t errlen);

#endif /* PRIMERKA_PROVIDER_H */
