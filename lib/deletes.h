/*
 * Object deletion that never loses track: rows name their objects, and
 * when a row goes (or stops naming one) a trigger writes the object into
 * pending_deletes in the same transaction (db/011_erasure.sql).  The
 * sweep here deletes those objects with retries and backoff; the
 * reconciliation lists every bucket and removes (and reports) objects
 * that no row names, which a crash between an upload and its row's
 * commit can leave behind.
 */
#ifndef PRIMERKA_DELETES_H
#define PRIMERKA_DELETES_H

#include <stdint.h>

#include "app.h"

extern const struct db_stmt deletes_statements[];

struct deletes_counts {
	int64_t	 deleted;	/* objects deleted (or found gone) */
	int64_t	 failed;	/* deletes that failed, to be retried */
	int64_t	 listed;	/* reconciliation: objects looked at */
	int64_t	 orphans;	/* reconciliation: objects without a row */
};

/*
 * Delete up to max objects of pending_deletes whose time has come; a
 * failed one is tried again later (backoff doubling to an hour).
 * Returns the number of rows handled (0: none due), or -1 when the
 * database failed.  n is filled (added to).
 */
int	 deletes_sweep(struct app *, int max, struct deletes_counts *n);

/*
 * List every bucket and delete each object older than grace seconds that
 * no row names and no pending delete holds, logging each one.  0, or -1
 * when the database or a listing failed (what was found is still
 * deleted).  n is filled (added to).
 */
int	 deletes_reconcile(struct app *, int64_t grace,
	    struct deletes_counts *n);

/*
 * Record that object key of bucket b must go (an upload whose row was
 * never written); tried at once, and left to the sweep when S3 fails.
 * 0, or -1 when neither S3 nor the database took it (logged).
 */
int	 deletes_object(struct app *, enum bucket b, const char *key);

#endif /* PRIMERKA_DELETES_H */
