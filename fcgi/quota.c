/*
 * Per-user quotas (quota.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quota.h"

const struct db_stmt quota_statements[] = {
	/* Seconds to wait (0: within the quota) for each kind of quota. */
	{ "quota_photos",
	  "SELECT CASE WHEN count(*) >= $2::int THEN 3600 ELSE 0 END "
	  "FROM photos WHERE user_id = $1", 2 },
	{ "quota_uploads",
	  "SELECT quota_take($1, 'photo_uploads', 1, $2::int, 3600)", 2 },
	{ "quota_purchases",
	  "SELECT CASE WHEN count(*) >= $2::int THEN greatest(1, "
	  "ceil(extract(epoch FROM min(created_at) + interval '1 hour' - "
	  "now())))::int ELSE 0 END FROM purchases WHERE user_id = $1 "
	  "AND status = 'pending' AND created_at > now() - interval '1 hour'",
	  2 },
	{ "quota_events",
	  "SELECT quota_take($1, 'events', $3::int, $2::int, 60)", 3 },
	{ NULL, NULL, 0 }
};

/* Each quota: its statement, its limit in struct app, its message. */
static const struct {
	const char	*stmt;
	size_t		 off;
	const char	*msg[2];	/* indexed by enum lang */
} quotas[QUOTA__MAX] = {
	[QUOTA_PHOTOS] = { "quota_photos", offsetof(struct app, quota_photos),
	    { "You have too many photos. Delete some you no longer need.",
	      "У вас слишком много фото. Удалите те, что больше не нужны." } },
	[QUOTA_UPLOADS] = { "quota_uploads",
	    offsetof(struct app, quota_uploads_hour),
	    { "Too many uploads this hour. Try again later.",
	      "Слишком много загрузок за час. Попробуйте позже." } },
	[QUOTA_PURCHASES] = { "quota_purchases",
	    offsetof(struct app, quota_pending_purchases),
	    { "Finish or close the purchases you started first.",
	      "Сначала завершите или закройте начатые покупки." } },
	[QUOTA_EVENTS] = { "quota_events",
	    offsetof(struct app, quota_events_minute),
	    { "Too many events, slow down.",
	      "Слишком много событий, помедленнее." } },
};

int
quota_take(struct req *r, enum quota q, int n)
{
	char		 uid[24], lim[24], num[24], hdr[64];
	const char	*p[3] = { uid, lim, num };
	int64_t		 limit, wait;
	PGresult	*res;

	limit = *(const int64_t *)(const void *)((const char *)r->app +
	    quotas[q].off);
	if (limit == 0)
		return 0;
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	snprintf(lim, sizeof(lim), "%lld", (long long)limit);
	snprintf(num, sizeof(num), "%d", n);
	if (db_run(r->app->db, quotas[q].stmt, q == QUOTA_EVENTS ? 3 : 2, p,
	    PGRES_TUPLES_OK, &res) == -1) {
		api_db_down(r);
		return -1;
	}
	wait = PQntuples(res) == 1 ? db_get_i64(res, 0, 0) : 0;
	PQclear(res);
	if (wait <= 0)
		return 0;
	snprintf(hdr, sizeof(hdr), "Retry-After: %lld\r\n", (long long)wait);
	resp_error_h(r, API_ERR_QUOTA_EXCEEDED, quotas[q].msg[r->lang], hdr);
	return -1;
}
