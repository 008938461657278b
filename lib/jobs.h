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
	JOB_STATUS_COUNT
};

enum job_kind { JOB_KIND_TRYON = 0, JOB_KIND_ANIMATION, JOB_KIND_COUNT };

enum lang { LANG_EN = 0, LANG_RU = 1 };

/* Status name as in the API and SQL ("RUNNING"), or NULL if out of range. */
const char	*job_status_name(enum job_status);

/* Parse a status name; -1 when unknown. */
int		 job_status_parse(const char *name);

/* Human status text for the user, per kind and language. */
const char	*job_status_text(enum job_status, enum job_kind, enum lang);

int		 job_status_terminal(enum job_status);

/*
 * Whether from -> to is a legal transition: one step forward along the
 * pipeline, or to FAILED from any non-terminal status.  A retried job
 * may restart at VALIDATING from any non-terminal status.
 */
int		 job_status_can_move(enum job_status from, enum job_status to);

const char	*job_kind_name(enum job_kind);
int		 job_kind_parse(const char *name);

/* "ru" -> LANG_RU, anything else -> LANG_EN. */
enum lang	 lang_parse(const char *);
const char	*lang_name(enum lang);

/*
 * Failure codes a job can end with.  Each has a stable machine code and a
 * human message in each language telling the user what to do.
 */
struct job_error_info {
	const char	*code;
	int		 retryable;	/* worth another attempt */
	const char	*message[2];	/* indexed by enum lang */
};

/* Look up an error code; unknown codes map to the "internal" entry. */
const struct job_error_info *job_error_lookup(const char *code);

/* The whole table, terminated by an entry with code NULL. */
extern const struct job_error_info job_errors[];

#endif /* PRIMERKA_JOBS_H */
