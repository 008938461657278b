/*
 * Presigned GET URLs remembered by each API process.  A URL signed for
 * the same bucket, key, lifetime and signing time is the same URL, and
 * the job answers sign for a time rounded down to a window (jobs_api.c),
 * so the polls and lists of one window ask for the same URLs again: each
 * is signed once, then taken from here.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "s3.h"

/* The slot of bucket/key: FNV-1a of both. */
static size_t
slot_of(enum bucket b, const char *key)
{
	uint32_t	 h = 2166136261u ^ (uint32_t)b;
	const unsigned char *p;

	for (p = (const unsigned char *)key; *p != '\0'; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	return h % API_PRESIGN_SLOTS;
}

const char *
api_presign_get(struct req *r, enum bucket b, const char *key,
    int expires_s, time_t t0)
{
	struct api_presigned	*e;
	char			*url, *k;

	e = &r->state->presigned[slot_of(b, key)];
	if (e->url != NULL && e->bucket == b && e->expires == expires_s &&
	    e->t0 == t0 && strcmp(e->key, key) == 0)
		return e->url;
	url = s3_presign_get(r->app->s3, r->app->bucket[b], key, expires_s,
	    t0);
	k = strdup(key);
	if (url == NULL || k == NULL) {
		free(url);
		free(k);
		return NULL;
	}
	free(e->url);
	free(e->key);
	e->url = url;
	e->key = k;
	e->bucket = b;
	e->expires = expires_s;
	e->t0 = t0;
	return e->url;
}
