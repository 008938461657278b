/*
 * The initData check remembered by each API process.  The Mini App sends
 * the same Authorization header with every request of a session, and
 * checking it (percent-decoding, the HMAC, the user's JSON) is most of
 * what a status poll costs the process after the database.  A header
 * that passed is kept with the user it proved; the same bytes again are
 * that user while auth_date is fresh (auth_fresh(), judged anew each
 * time).  Headers are compared in constant time, as the hash is.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "util.h"

/* The slot of a header: FNV-1a of its bytes. */
static size_t
slot_of(const char *h, size_t len)
{
	uint32_t	 x = 2166136261u;
	size_t		 i;

	for (i = 0; i < len; i++) {
		x ^= (unsigned char)h[i];
		x *= 16777619u;
	}
	return x % API_AUTH_SLOTS;
}

enum auth_result
api_auth_header(struct req *r, const char *h, time_t now)
{
	struct api_authed	*e;
	enum auth_result	 res;
	size_t			 len = strlen(h);
	char			*copy;

	e = &r->state->authed[slot_of(h, len)];
	if (e->header != NULL && e->len == len &&
	    util_ct_equal(e->header, h, len)) {
		res = auth_fresh(&r->app->auth, e->user.auth_date, now);
		if (res == AUTH_OK)
			r->user = e->user;
		else
			memset(&r->user, 0, sizeof(r->user));
		return res;
	}
	res = auth_check_header(&r->app->auth, h, now, &r->user);
	if (res != AUTH_OK)
		return res;
	copy = malloc(len + 1);
	if (copy == NULL)
		return res;		/* checked, just not kept */
	memcpy(copy, h, len + 1);
	free(e->header);
	e->header = copy;
	e->len = len;
	e->user = r->user;
	return res;
}
