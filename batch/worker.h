/*
 * primerka-batch: one job moving through the pipeline.  Each stage is
 * a function in the file named after its status; it returns 0, or -1
 * with the job's error (struct job_error: code, detail, retryable)
 * filled in.
 */
#ifndef PRIMERKA_WORKER_H
#define PRIMERKA_WORKER_H

#include <stddef.h>

#include "app.h"
#include "providers/provider.h"
#include "queue.h"

/* A stage's answer besides 0 and -1: park the job (let go of it until
 * its next check, a webhook or a freed slot). */
#define STAGE_PARKED	1

struct job_ctx {
	struct app		*app;
	struct provider		*prov;
	const char		*worker;	/* worker id, locked_by */
	int			 lease;		/* seconds */
	int			 pause_at;	/* [worker] pause_at: tests only, -1 off */
	int			 agents;	/* [worker] agents */
	/* An agent's job (batch/agent.c): outputs go to presigned PUTs. */
	const char		*put_url[2];	/* by enum job_output */
	struct queue_job	 job;

	/* VALIDATING */
	char			 photo_key[256];
	char			 outfit_key[256];
	char			 location_key[256];
	char			 source_key[256];	/* animation: the try-on's result */
	char			 category[32];
	char			 outfit_title[256];
	char			 outfit_desc[1024];
	char			 location_tags[512];
	char			*photo_url;
	char			*outfit_url;
	char			*location_url;
	char			*source_url;
	unsigned char		*photo;		/* the user photo's bytes */
	size_t			 photo_len;

	/* MODERATING */
	struct pose_stored	 pose;		/* the photo's person, stored
						   with its verdict */

	/* PROMPTING */
	char			 prompt[2048];

	/* QUEUED */
	int			 slot;		/* 1: took a provider slot */
	int			 slot_wait;	/* [worker] slot_wait, seconds */

	/* RUNNING */
	char			*result_url;
	int			 place_location; /* the provider did not */
	const char		*hook_base;	/* {public_url}/api/v1/hooks/ */
	char			 hook_token[48]; /* this submission's, or "" */
	int64_t			 park_ms;	/* parked: to the next check */
	char			 unavailable[64]; /* did not finish it: skip */

	/* UPLOADING */
	char			 result_key[256];
	char			 thumb_key[256];

	/* failure */
	struct job_error	 err;
};

extern const struct db_stmt worker_statements[];
extern const struct db_stmt running_statements[];
extern const struct db_stmt slot_statements[];
extern const struct db_stmt photo_statements[];

/* Judge a photo and store the verdict (photos.c).  0 or -1. */
int	photo_judge(struct app *, int64_t photo_id, const unsigned char *,
	    size_t, struct qc_report *);
/*
 * Judge one pending photo, claimed for lease seconds: 1 judged, 0 none
 * pending, -1 error.
 */
int	photos_check_pending(struct app *, int lease);
/*
 * The pose stored with a photo's verdict into *s (s->done 0 when none
 * is stored); 0, or -1 on a database or memory failure.  The caller
 * frees s with pose_stored_free().
 */
int	photo_pose_load(struct app *, int64_t photo_id, struct pose_stored *s);
/* The job error code for a rejected photo. */
enum job_err photo_reject_code(const struct qc_report *);

extern const struct db_stmt catalog_statements[];
/* Judge one catalogue image waiting for its NSFW verdict (catalog.c):
 * 1 judged, 0 none waiting, -1 error. */
int	catalog_check_pending(struct app *);
/* Whether a report's NSFW verdict rejects the image. */
int	catalog_nsfw_rejected(const struct qc_report *);

int	stage_validating(struct job_ctx *);
int	stage_moderating(struct job_ctx *);
int	stage_prompting(struct job_ctx *);
int	stage_queued(struct job_ctx *);
int	stage_running(struct job_ctx *);
/*
 * A parked job in RUNNING: one status call.  0 with c->result_url (the
 * job goes on to UPLOADING), STAGE_PARKED with c->park_ms set, or -1
 * with c->err.
 */
int	running_check(struct job_ctx *);
int	stage_uploading(struct job_ctx *);

/*
 * The provider's tryon or animate call of RUNNING with the given hooks
 * (running.c): the worker's keep the job in the database, an agent's
 * report to contour A.  0, PROVIDER_PARKED (hooks->park only), or -1
 * with c->err set.
 */
int	running_call(struct job_ctx *, const struct provider_hooks *);
/*
 * One status call on a parked job (h->ref names it) with the given
 * hooks, and the park timeout (c->job.parked_ms): 0 with c->result_url,
 * STAGE_PARKED with c->park_ms (the next check's delay, grown by
 * c->job.park_checks), or -1 with c->err.  No database: the worker's
 * running_check() and the agent share it.
 */
int	running_poll(struct job_ctx *, const struct provider_hooks *);
/* The delay before a parked job's next status call after checks calls:
 * the provider's park_min_ms doubled per call, at most park_max_ms. */
int64_t	running_park_delay(const struct provider *, int checks);

/*
 * Provider slots (slots.c).  slot_acquire() takes a slot of the
 * provider's max_concurrency (none needed when it is 0) and sets c->slot:
 * 0; STAGE_PARKED when the job has to wait in line (parked in QUEUED);
 * -1 with c->err set past c->slot_wait seconds in line, or when the job
 * was lost.  slot_release() gives back the slot the job holds, if this
 * worker still holds the job; safe to call on every way out.
 */
int	slot_acquire(struct job_ctx *);
void	slot_release(struct job_ctx *);

/*
 * Hand a job at QUEUED over to the agents (handover.c): 0 handed over,
 * 1 no longer ours (cancelled or lost), -1 with c->err set.
 */
int	agent_hand_over(struct job_ctx *);

/* Run one claimed job to its end, or until it is parked (pipeline.c):
 * STAGE_PARKED when it was, else 0. */
int	pipeline_run(struct job_ctx *);

/* Free what a job context holds. */
void	job_ctx_clear(struct job_ctx *);

#endif /* PRIMERKA_WORKER_H */
