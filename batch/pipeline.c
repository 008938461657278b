/*
 * Drive one claimed job through its stages, recording each transition,
 * and finish it exactly once: COMPLETED with its debit, FAILED, or
 * released for a later attempt with backoff; or park it (a hosted
 * provider working on it, or no provider slot free yet) until it is due
 * again.  A parked job claimed again resumes where it was parked: in
 * RUNNING with one status call, in QUEUED with its place in the slot
 * line (the stages before rebuild what the job needs, unrecorded).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deletes.h"
#include "log.h"
#include "wmetrics.h"
#include "outbox.h"
#include "worker.h"

struct stage {
	enum job_status	 status;
	int		(*run)(struct job_ctx *);
};

static const struct stage stages[] = {
	{ JOB_VALIDATING, stage_validating },
	{ JOB_MODERATING, stage_moderating },
	{ JOB_PROMPTING, stage_prompting },
	{ JOB_QUEUED, stage_queued },
	{ JOB_RUNNING, stage_running },
	{ JOB_UPLOADING, stage_uploading },
};

void
job_ctx_clear(struct job_ctx *c)
{
	free(c->photo_url);
	free(c->outfit_url);
	free(c->location_url);
	free(c->source_url);
	free(c->photo);
	free(c->result_url);
	pose_stored_free(&c->pose);
	c->photo_url = c->outfit_url = c->location_url = c->source_url = NULL;
	c->photo = NULL;
	c->result_url = NULL;
}

static void
log_job(struct job_ctx *c, const char *msg, const char *status)
{
	char	 id[24], uid[24], att[16];

	snprintf(id, sizeof(id), "%lld", (long long)c->job.id);
	snprintf(uid, sizeof(uid), "%lld", (long long)c->job.user_id);
	snprintf(att, sizeof(att), "%d", c->job.attempts);
	log_kv(LOG_LVL_INFO, msg, "job_id", id, "user_id", uid, "kind",
	    job_kind_name(c->job.kind), "status", status, "attempt", att,
	    "error", c->err.set ? job_error_name(c->err.code) : "",
	    (char *)NULL);
}

/* The job failed in a stage: retry later, or fail for good. */
static void
job_failed(struct job_ctx *c)
{
	struct db	*db = c->app->db;
	int		 delay;

	if (!c->err.set)
		job_error_set(&c->err, JOB_ERR_INTERNAL, "no error recorded");
	if (c->err.retryable && c->job.attempts < c->job.max_attempts) {
		delay = queue_backoff(c->job.attempts, 2, 300,
		    (double)(arc4random() % 1000) / 1000.0);
		if (queue_retry(db, &c->job, c->worker, delay, c->err.code,
		    c->err.detail) == QUEUE_OK) {
			log_job(c, "job retry", "RETRY");
			wm_outcome(WM_RETRY, (int)c->err.code);
		}
		return;
	}
	if (c->err.retryable) {
		/* Out of attempts: the last error is kept in the message. */
		char detail[320];
		snprintf(detail, sizeof(detail), "%s: %s",
		    job_error_name(c->err.code), c->err.detail);
		snprintf(c->err.detail, sizeof(c->err.detail), "%.255s",
		    detail);
		/* (Never snprintf a buffer into itself: undefined.) */
		if (c->err.code == JOB_ERR_INTERNAL ||
		    c->err.code == JOB_ERR_STORAGE_ERROR)
			c->err.code = JOB_ERR_ATTEMPTS_EXHAUSTED;
	}
	if (queue_fail(db, &c->job, c->worker, c->err.code, c->err.detail) ==
	    QUEUE_OK) {
		log_job(c, "job failed", "FAILED");
		wm_outcome(WM_FAILED, (int)c->err.code);
	}
}

#ifdef PRIMERKA_TEST_HOOKS
/*
 * Fault injection for the crash and delivery tests ([worker] pause_at,
 * compiled in by --enable-test-hooks only).  After a stage's work
 * (where is that stage: a slot held in QUEUED, say) the worker stops
 * itself until SIGCONT or SIGKILL; where is COMPLETED, once the job is
 * finished and committed but its bot message not sent, it sleeps.
 */
static void
test_pause(struct job_ctx *c, enum job_status where)
{
	if (c->pause_at != (int)where)
		return;
	if (where == JOB_COMPLETED) {
		log_job(c, "pausing before the bot message",
		    "COMPLETED");
		sleep(3600);
		return;
	}
	log_job(c, "pausing for a fault test",
	    job_status_name(where));
	raise(SIGSTOP);
}
#else
#define test_pause(c, where)	do { } while (0)
#endif

/* Microseconds on the monotonic clock. */
static uint64_t
mono_usec(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* The index of st in stages[] (st is one of them). */
static size_t
stage_index(enum job_status st)
{
	size_t	 i;

	for (i = 0; i < sizeof(stages) / sizeof(stages[0]); i++)
		if (stages[i].status == st)
			break;
	return i;
}

/*
 * A parked job claimed again: where the stage loop goes on (*first) and
 * up to which stage it only rebuilds context (*quiet).  0, STAGE_PARKED
 * (park it again) or -1 (c->err set).
 */
static int
resume_parked(struct job_ctx *c, size_t *first, size_t *quiet, int *checks)
{
	int	 rc;

	*first = *quiet = 0;
	*checks = 0;
	if (c->job.status == JOB_RUNNING) {
		c->slot = 1;	/* the job may hold one: given back when done */
		rc = running_check(c);
		*checks = c->job.park_checks + 1;
		*first = stage_index(JOB_UPLOADING);
		if (rc == -1 && c->err.unavailable) {
			/* Its provider could not finish it: the next one in
			 * this attempt, as a synchronous call would have. */
			snprintf(c->unavailable, sizeof(c->unavailable),
			    "%.*s", (int)strcspn(c->job.provider_ref, ":"),
			    c->job.provider_ref);
			c->job.provider_ref[0] = '\0';
			job_error_clear(&c->err);
			job_ctx_clear(c);
			*first = 0;
			*quiet = stage_index(JOB_QUEUED) + 1;
			return 0;
		}
		return rc;
	}
	if (c->job.status == JOB_QUEUED) {
		rc = slot_acquire(c);
		*quiet = stage_index(JOB_QUEUED) + 1;
		return rc;
	}
	return 0;
}

int
pipeline_run(struct job_ctx *c)
{
	struct db	*db = c->app->db;
	size_t		 i, first = 0, quiet = 0;
	enum queue_result qr;
	uint64_t	 t0;
	int		 rc, parked = 0, checks = 0;
	enum job_status	 at = c->job.status;

	if (c->job.attempts > c->job.max_attempts) {
		/* Claimed again after dying in every attempt. */
		if (queue_fail(db, &c->job, c->worker,
		    JOB_ERR_ATTEMPTS_EXHAUSTED, c->job.last_error) ==
		    QUEUE_OK) {
			log_job(c, "job failed", "FAILED");
			wm_outcome(WM_FAILED, JOB_ERR_ATTEMPTS_EXHAUSTED);
		}
		return 0;
	}
	if (c->job.parked) {
		rc = resume_parked(c, &first, &quiet, &checks);
		if (rc == STAGE_PARKED)
			goto park;
		if (rc == -1) {
			job_failed(c);
			goto out;
		}
	}
	for (i = first; i < sizeof(stages) / sizeof(stages[0]); i++) {
		if (c->agents && stages[i].status == JOB_QUEUED) {
			/* Contour A's part is done: the rest is an agent's. */
			rc = agent_hand_over(c);
			if (rc == -1)
				job_failed(c);
			else
				log_job(c, rc == 0 ? "job handed over" :
				    "job dropped", "QUEUED");
			goto out;
		}
		/* Stages already passed (a resumed job): not recorded again. */
		if (i < quiet)
			qr = queue_heartbeat(db, &c->job, c->worker, c->lease);
		else
			qr = queue_advance(db, &c->job, c->worker,
			    stages[i].status, c->lease);
		if (qr != QUEUE_OK) {
			/* Cancelled, rescued by another worker, or the
			 * database is gone: the job is not ours to touch. */
			log_job(c, "job dropped",
			    job_status_name(stages[i].status));
			goto out;
		}
		at = stages[i].status;
		t0 = mono_usec();
		rc = stages[i].run(c);
		wm_stage(stages[i].status, mono_usec() - t0);
		if (rc == STAGE_PARKED) {
			checks = 0;
			goto park;
		}
		if (rc == -1) {
			job_failed(c);
			goto out;
		}
		test_pause(c, stages[i].status);
	}
	qr = queue_complete(db, &c->job, c->worker, c->result_key,
	    c->thumb_key[0] ? c->thumb_key : NULL);
	if (qr == QUEUE_OK) {
		/* An earlier attempt's error, resolved. */
		job_error_clear(&c->err);
		log_job(c, "job completed", "COMPLETED");
		wm_outcome(WM_COMPLETED, -1);
	}
	else if (qr == QUEUE_EMPTY) {
		/* Failed by job_complete() itself: no row will name what
		 * was uploaded.  (A lost lease leaves the objects to the
		 * worker that holds the job now, or to the reconciliation.) */
		enum bucket b = c->job.kind == JOB_KIND_TRYON ?
		    BUCKET_RESULTS : BUCKET_VIDEOS;
		(void)deletes_object(c->app, b, c->result_key);
		if (c->thumb_key[0] != '\0')
			(void)deletes_object(c->app, b, c->thumb_key);
		log_job(c, "job failed: insufficient tokens", "FAILED");
	}
	else
		log_job(c, "job completion lost", "");
	goto out;
park:
	c->slot = 0;	/* the slot, if any, stays with the job */
	parked = 1;
	if (queue_park(db, &c->job, c->worker, c->park_ms, checks) ==
	    QUEUE_OK && checks == 0)
		log_job(c, "job parked", job_status_name(at));
out:
	/* Cancelled, lost or failed while holding a slot. */
	slot_release(c);
	if (c->prov->release != NULL && c->result_url != NULL)
		c->prov->release(c->prov, c->job.id);
	job_ctx_clear(c);
	if (parked)
		return STAGE_PARKED;
	test_pause(c, JOB_COMPLETED);
	/* The bot's message, if the job just finished and the user wants
	 * one; a failure here is retried from the outbox later. */
	(void)outbox_send_one(c->app, c->worker, c->job.id);
	return 0;
}
