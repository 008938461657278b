/*
 * Retention: user photos and try-on/animation results older than the
 * configured age are deleted (the job rows stay, without their result,
 * for the token ledger's audit trail), and so are purchases abandoned
 * before payment, job status history and analytics events past their
 * own ages; and the erasure of a user's data.  Objects go through
 * pending_deletes (deletes.h).
 */
#ifndef PRIMERKA_RETENTION_H
#define PRIMERKA_RETENTION_H

#include <stdint.h>

#include "app.h"

extern const struct db_stmt retention_statements[];

struct retention_counts {
	int64_t	 photos;	/* photo rows and objects deleted */
	int64_t	 results;	/* job results deleted (erasure: jobs) */
	int64_t	 purchases;	/* pending purchases never paid, deleted */
	int64_t	 job_events;	/* status history rows deleted */
	int64_t	 events;	/* analytics events deleted */
	int64_t	 errors;	/* object deletes left for a retry */
};

/*
 * One sweep: [retention] photo_days, result_days, pending_purchase_days,
 * job_event_days and event_days (0 keeps forever), in batches of 1000,
 * about max_items of each; then the objects of the rows removed are
 * deleted as far as S3 allows.  0, or -1 when the database failed.
 */
int	 retention_sweep(struct app *, int64_t max_items,
	    struct retention_counts *);

/*
 * Erase user id (user_erase() of db/011_erasure.sql): their photos,
 * jobs with their results and videos, and analytics events, in one
 * transaction, the objects left to pending_deletes; the names blanked;
 * the ledger and purchases kept.  Counts photos, results (jobs) and
 * events.  Returns 1 erased, 0 no such user, -1 on a database error.
 */
int	 retention_erase_user(struct app *, int64_t id,
	    struct retention_counts *);

#endif /* PRIMERKA_RETENTION_H */
