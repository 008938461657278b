/*
 * The job queue in PostgreSQL, as the worker sees it: claim with
 * FOR UPDATE SKIP LOCKED and a lease, move a held job from stage to
 * stage, renew the lease, retry with backoff, fail, complete (with the
 * token debit, in one transaction: db/001_init.sql job_complete()).
 *
 * Every call that changes a job checks that this worker still holds it
 * (locked_by); a worker whose lease was taken over gets QUEUE_LOST and
 * must drop the job without touching it again.
 */
#ifndef PRIMERKA_QUEUE_H
#define PRIMERKA_QUEUE_H

#include <stdint.h>

#include "db.h"
#include "jobs.h"

enum queue_result { QUEUE_OK = 0, QUEUE_EMPTY = 1, QUEUE_LOST = 2,
    QUEUE_DB = -1 };

struct queue_job {
	int64_t		 id;
	enum job_kind	 kind;
	int64_t		 user_id;
	enum job_status	 status;	/* when claimed */
	int64_t		 photo_id;	/* 0 when NULL */
	int64_t		 outfit_id;
	int64_t		 location_id;
	int64_t		 source_job_id;
	int		 attempts;	/* including this one */
	int		 max_attempts;
	enum lang	 lang;
	char		 provider_ref[256];
	char		 last_error[64];
	int64_t		 seed;		/* params.seed of a try-again, 0 none */
	int		 parked;	/* claimed parked: not an attempt */
	int		 park_checks;	/* status checks since it was parked */
	int64_t		 parked_ms;	/* since the vendor accepted it */
};

extern const struct db_stmt queue_statements[];

/* Claim the next ready job for worker, holding it lease seconds. */
enum queue_result queue_claim(struct db *, const char *worker, int lease,
		    struct queue_job *out);

/*
 * Claim up to max ready jobs at once (one round trip and one commit):
 * for a deep queue of short jobs.  Each job gets its own lease, so a
 * worker should claim no more than it finishes well within one lease.
 */
enum queue_result queue_claim_many(struct db *, const char *worker, int lease,
		    struct queue_job *jobs, int max, int *nclaimed);

/*
 * Which ready jobs a claim takes: any (the default), only those of
 * contour A's own stages ([worker] agents = yes: not the ones handed
 * over to agents), or only those handed over (an agent's claim).
 */
enum queue_claim {
	QUEUE_CLAIM_ALL = 0,
	QUEUE_CLAIM_OWN,
	QUEUE_CLAIM_AGENT,
	QUEUE_CLAIM__MAX
};

/* queue_claim_many() of the jobs which selects. */
enum queue_result queue_claim_which(struct db *, enum queue_claim which,
		    const char *worker, int lease, struct queue_job *jobs,
		    int max, int *nclaimed);

/* queue_claim_which() among the jobs ids only (all when ids is NULL). */
enum queue_result queue_claim_ids(struct db *, enum queue_claim which,
		    const char *worker, int lease, const int64_t *ids,
		    int nids, struct queue_job *jobs, int max, int *nclaimed);

/*
 * Hand a held job over to the agents ([worker] agents = yes): QUEUED,
 * unheld, ready now, with input_json (a JSON object: what PROMPTING
 * prepared) for the agent's claim.  The attempt is given back, so the
 * agent's claim counts as the same one.
 */
enum queue_result queue_hand_over(struct db *, const struct queue_job *,
		    const char *worker, const char *input_json);

/* Move a held job to status and renew its lease. */
enum queue_result queue_advance(struct db *, const struct queue_job *,
		    const char *worker, enum job_status, int lease);

/* Renew the lease without changing the status. */
enum queue_result queue_heartbeat(struct db *, const struct queue_job *,
		    const char *worker, int lease);

/* Remember the provider's id for the job (resume after a restart). */
enum queue_result queue_set_provider_ref(struct db *, const struct queue_job *,
		    const char *worker, const char *ref);

/*
 * Park a held job: let go of it, its status kept, to be claimed again
 * in delay_ms (or sooner, by a webhook or a freed slot) without that
 * claim counting as an attempt.  checks: the status calls made since
 * the vendor accepted it (0 starts the clock of parked_ms anew).
 */
enum queue_result queue_park(struct db *, const struct queue_job *,
		    const char *worker, int64_t delay_ms, int checks);

/* Milliseconds until the next parked job (of ids, when not NULL) is
 * due (0 when one is due now), -1 when none is parked or on error. */
int64_t		 queue_next_parked(struct db *, const int64_t *ids, int nids);

/* Release a held job to run again after delay seconds (and give back
 * its provider slot). */
enum queue_result queue_retry(struct db *, const struct queue_job *,
		    const char *worker, int delay, enum job_err code,
		    const char *detail);

/* FAILED with a job error code and a detail for logs. */
enum queue_result queue_fail(struct db *, const struct queue_job *,
		    const char *worker, enum job_err code, const char *detail);

/*
 * COMPLETED plus the debit.  QUEUE_OK, QUEUE_LOST, or QUEUE_EMPTY when
 * the balance could not cover the cost (the job is then FAILED with
 * insufficient_tokens and not charged).
 */
enum queue_result queue_complete(struct db *, const struct queue_job *,
		    const char *worker, const char *result_key,
		    const char *thumb_key);

/*
 * queue_complete() for n held jobs in one statement, so one transaction
 * and one commit (one WAL flush) for all of them: for short jobs that
 * finish together.  The jobs are completed as a set (db/028
 * job_complete_many(): a few statements for the whole batch, not four
 * per job), with the results of queue_complete() called for each in
 * the order given.  thumb_keys may be NULL.  out[i] gets jobs[i]'s
 * result as queue_complete() would return it; a job the statement did
 * not reach stays QUEUE_LOST.  Returns QUEUE_DB when nothing was
 * committed (every out[i] is then QUEUE_LOST and each job is still held,
 * to retry or let its lease expire), QUEUE_OK otherwise.
 */
enum queue_result queue_complete_many(struct db *, const struct queue_job *,
		    int n, const char *worker, const char *const *result_keys,
		    const char *const *thumb_keys, enum queue_result *out);

/*
 * queue_complete_many() of n held jobs and queue_claim_which() of up to
 * max more into next, in one round trip and one transaction (one
 * commit): a worker whose jobs finish as soon as they are claimed
 * (--noop) completes a batch and claims the next at once.  next may be
 * jobs itself.  Returns QUEUE_DB when nothing was committed (every out[i]
 * QUEUE_LOST with its job still held, *nclaimed 0), QUEUE_OK otherwise
 * (*nclaimed may then be 0: the queue was empty).
 */
enum queue_result queue_complete_claim(struct db *, const struct queue_job *,
		    int n, const char *worker, const char *const *result_keys,
		    const char *const *thumb_keys, enum queue_result *out,
		    enum queue_claim which, int lease, struct queue_job *next,
		    int max, int *nclaimed);

/*
 * Return jobs whose lease expired (their worker died or hung) to the
 * queue.  Claims take such jobs anyway; this makes the hand-over visible
 * and keeps locked_by honest.  Returns the number rescued, -1 on error.
 */
int		 queue_rescue(struct db *);

/* Seconds to wait before attempt n+1: base * 2^(n-1), capped, with
 * up to 25% jitter from rnd (0..1). */
int		 queue_backoff(int attempts, int base, int cap, double rnd);

#endif /* PRIMERKA_QUEUE_H */
