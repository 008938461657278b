/*
 * Retention: user photos and try-on/animation results older than the
 * configured age are deleted from S3 and the database (the job rows stay,
 * without their result, for the token ledger's audit trail), and so are
 * purchases abandoned before payment; and the deletion of a user with
 * every object they own.
 */
#ifndef PRIMERKA_RETENTION_H
#define PRIMERKA_RETENTION_H

#include <stdint.h>

#include "app.h"

extern const struct db_stmt retention_statements[];

struct retention_counts {
	int64_t	 photos;	/* photo rows and objects deleted */
	int64_t	 results;	/* job results (objects) deleted */
	int64_t	 purchases;	/* pending purchases never paid, deleted */
	int64_t	 errors;	/* objects that could not be deleted */
};

/*
 * One sweep: [retention] photo_days, result_days and
 * pending_purchase_days (0 keeps forever), at most max_items of each.  0, or -1 when the database failed.
 */
int	 retention_sweep(struct app *, int64_t max_items,
	    struct retention_counts *);

/*
 * Delete user id and everything they own: their photos, results and
 * videos in S3, then the user row (photos, jobs, ledger and events
 * follow by cascade).  Returns 1 deleted, 0 no such user, -1 on error
 * (nothing deleted from the database then).
 */
int	 retention_delete_user(struct app *, int64_t id,
	    struct retention_counts *);

#endif /* PRIMERKA_RETENTION_H */
