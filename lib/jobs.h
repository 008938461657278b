/*
 * The job status dictionary and the job error codes, spelled once.
 *
 * Both job kinds (try-on, animation) share one status dictionary:
 * RECEIVED -> VALIDATING -> MODERATING -> PROMPTING -> QUEUED -> RUNNING
 * -> UPLOADING -> COMPLETED, and FAILED from any non-terminal status.
 * The SQL enum in db/001_init.sql lists the same names in the same order.
 */
#ifndef PRIMERKA_JOBS_H
#define PRIMERKA_JOBS_H

enum job_status {
	JOB_RECEIVED = 0,
	JOB_VALIDATING,
	JOB_MODERATING,
	JOB_PROMPTING,
	JOB_QUEUED,
	JOB_RUNNING,
	JOB_UPLOADING,
	JOB_COMPLETED,
	JOB_FAILED,
	JOB_STATUS__MAX
};

enum job_kind { JOB_KIND_TRYON = 0, JOB_KIND_ANIMATION, JOB_KIND__MAX };

#include "lang.h"

/* Status name as in the API and SQL ("RUNNING"), or NULL if out of range. */
const char	*job_status_name(enum job_status);

/* Parse a status name; -1 when unknown. */
int		 job_status_parse(const char *name);

/* Human status text for the user, per kind and language. */
const char	*job_status_text(enum job_status, enum job_kind, enum lang);

/*
 * The status subsets, as db/008_status_sets.sql defines them in SQL:
 * terminal (COMPLETED, FAILED), cancellable by the user (RECEIVED up to
 * QUEUED: nothing paid for yet) and claimable by a worker (not terminal).
 */
int		 job_status_terminal(enum job_status);
int		 job_status_cancellable(enum job_status);
int		 job_status_claimable(enum job_status);

const char	*job_kind_name(enum job_kind);
int		 job_kind_parse(const char *name);

/*
 * The hosted vendors as a job's provider_ref and slot_provider spell
 * them (fashn, fal, replicate), NULL-terminated: the {provider} of a
 * webhook's path and of an agent's claim.
 */
extern const char *const job_vendors[];


/*
 * Failure codes a job can end with, in the order of JobErrorCode in
 * docs/openapi.yaml.  Each has a stable machine name (the jobs.error_code
 * column, the API), whether it is worth another attempt, and a human
 * message in each language telling the user what to do.
 */
enum job_err {
	JOB_ERR_INTERNAL = 0,
	JOB_ERR_PHOTO_MISSING,
	JOB_ERR_PHOTO_UNREADABLE,
	JOB_ERR_PHOTO_REJECTED,
	JOB_ERR_PHOTO_TOO_SMALL,
	JOB_ERR_PHOTO_BLURRY,
	JOB_ERR_PHOTO_BLANK,
	JOB_ERR_PHOTO_TOO_DARK,
	JOB_ERR_PHOTO_TOO_BRIGHT,
	JOB_ERR_PHOTO_NSFW,
	JOB_ERR_RESULT_NSFW,
	JOB_ERR_OUTFIT_UNAVAILABLE,
	JOB_ERR_LOCATION_UNAVAILABLE,
	JOB_ERR_TRYON_UNAVAILABLE,
	JOB_ERR_PROVIDER_ERROR,
	JOB_ERR_PROVIDER_REJECTED,
	JOB_ERR_PROVIDER_TIMEOUT,
	JOB_ERR_PROVIDER_UNAVAILABLE,	/* out of credits, vendor down */
	JOB_ERR_PHOTO_POSE,		/* the provider found no usable pose */
	JOB_ERR_BODY_CUT_OFF,		/* the outfit's body parts not seen */
	JOB_ERR_POSE_UNSUITABLE,	/* lying down, back to the camera */
	JOB_ERR_STORAGE_ERROR,
	JOB_ERR_CANCELLED,
	JOB_ERR_INSUFFICIENT_TOKENS,
	JOB_ERR_ATTEMPTS_EXHAUSTED,
	JOB_ERR__MAX
};

struct job_error_info {
	const char	*name;
	int		 retryable;	/* worth another attempt, by default */
	const char	*message[LANG__MAX];
};

/* The table, indexed by enum job_err. */
extern const struct job_error_info job_errors[JOB_ERR__MAX];

/* The machine name of a code ("provider_error"); "internal" out of range. */
const char	*job_error_name(enum job_err);

/* Parse a machine name; -1 when unknown. */
int		 job_error_parse(const char *name);

/* Look up a machine name; unknown names map to the "internal" entry. */
const struct job_error_info *job_error_lookup(const char *name);

/*
 * Why a stage (or a provider) failed: the code that the job ends with,
 * whether another attempt may help, and a detail for the logs that users
 * never see.  set is 0 while nothing has failed.
 */
struct job_error {
	enum job_err	 code;
	int		 set;
	int		 retryable;
	int		 unavailable;	/* a provider could not serve (5xx,
					   timeouts, no credits, a refused
					   key): a router may try the next
					   one; never set for a verdict */
	char		 detail[256];
};

/*
 * Record a failure: code, the code's retryable flag from the table, and a
 * printf-style detail for the logs.
 */
void		 job_error_set(struct job_error *, enum job_err,
		    const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/*
 * The same, for a failure that another attempt cannot cure even where the
 * code usually can (a key the vendor refused, a broken configuration):
 * never retryable.
 */
void		 job_error_set_final(struct job_error *, enum job_err,
		    const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/* Forget a recorded failure (set = 0). */
void		 job_error_clear(struct job_error *);

#endif /* PRIMERKA_JOBS_H */
