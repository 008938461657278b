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
 */
#ifndef PRIMERKA_PROVIDER_H
#define PRIMERKA_PROVIDER_H

#include <stdint.h>

#include "jobs.h"

struct app;

struct provider_tryon_req {
	int64_t		 job_id;
	const char	*user_photo_url;
	const char	*outfit_url;
	const char	*location_url;	/* NULL when no location */
	const char	*category;	/* tops, bottoms, one-pieces */
	const char	*prompt;	/* built in PROMPTING */
	int64_t		 seed;		/* "try again": 1.., 0 the provider's own */
};

struct provider_animate_req {
	int64_t		 job_id;
	const char	*image_url;
	const char	*prompt;
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
};

struct provider {
	const char	*name;
	void		*ctx;
	int		 max_concurrency;	/* 0 = unlimited */
	/* 0 and *url (malloc'd) on success; -1 and err filled on failure. */
	int	(*tryon)(struct provider *, const struct provider_tryon_req *,
		    const struct provider_hooks *, char **url,
		    struct job_error *);
	int	(*animate)(struct provider *, const struct provider_animate_req *,
		    const struct provider_hooks *, char **url,
		    struct job_error *);
	/* Drop any temporary object behind a result URL; may be NULL. */
	void	(*release)(struct provider *, int64_t job_id);
	void	(*free)(struct provider *);
};

/* Build the provider named by [worker] provider ("local", "http"). */
struct provider	*provider_new(struct app *, char *err, size_t errlen);
void		 provider_free(struct provider *);

/* The local, offline provider (lib/providers/local.c). */
struct provider	*provider_local_new(struct app *);

#endif /* PRIMERKA_PROVIDER_H */
