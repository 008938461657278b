/*
 * Per-user quotas, kept in SQL (db/012_limits.sql): stored photos, photo
 * uploads per hour, pending purchases, analytics events per minute.  Over
 * a quota the request is answered 429 with a JSON error and Retry-After.
 */
#ifndef PRIMERKA_QUOTA_H
#define PRIMERKA_QUOTA_H

#include "api.h"

enum quota {
	QUOTA_PHOTOS = 0,	/* stored photos ([limits] photos_max) */
	QUOTA_UPLOADS,		/* photo uploads per hour */
	QUOTA_PURCHASES,	/* pending purchases of the last hour */
	QUOTA_EVENTS,		/* analytics events per minute */
	QUOTA__MAX
};

extern const struct db_stmt quota_statements[];

/*
 * Take n of the user's allowance q.  0 when within it; -1 when the
 * request has been answered (429 with Retry-After, or 503).
 */
int	 quota_take(struct req *, enum quota q, int n);

#endif /* PRIMERKA_QUOTA_H */
