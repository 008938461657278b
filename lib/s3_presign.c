/*
 * Presigned URLs (see s3.h): GET and PUT for the public endpoint, and an
 * object's plain URL.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "buf.h"
#include "s3.h"
#include "s3_int.h"
#include "sigv4.h"

/* Presign method on bucket/key for the public endpoint. */
static char *
presign(struct s3_client *c, const char *method, const char *bucket,
    const char *key, const char *content_type, int expires_s, time_t now)
{
	struct sigv4_creds	 creds;
	struct sigv4_presign	 p;
	struct sigv4_header	 h[1];
	char			*host = NULL, *path = NULL, *url = NULL;
	char			*out = NULL;

	if (c == NULL || !s3i_valid_bucket(bucket) || !s3i_valid_key(key) ||
	    expires_s < 1 || expires_s > SIGV4_MAX_EXPIRES)
		return NULL;
	if (s3i_build_target(c, &c->pub, bucket, key, &host, &path, &url) !=
	    S3_OK)
		return NULL;
	creds.access_key = c->access_key;
	creds.secret_key = c->secret_key;
	creds.region = c->region;
	creds.service = "s3";
	creds.cache = &c->keycache;
	memset(&p, 0, sizeof(p));
	p.method = method;
	p.scheme = c->pub.scheme;
	p.host = host;
	p.path = path;
	p.expires = expires_s;
	if (content_type != NULL) {
		h[0].name = "Content-Type";
		h[0].value = content_type;
		p.headers = h;
		p.nheaders = 1;
	}
	out = sigv4_presign_url(&creds, &p, now, NULL);
	free(host);
	free(path);
	free(url);
	return out;
}

char *
s3_presign_get(struct s3_client *c, const char *bucket, const char *key,
    int expires_s, time_t now)
{
	return presign(c, "GET", bucket, key, NULL, expires_s, now);
}

char *
s3_presign_put(struct s3_client *c, const char *bucket, const char *key,
    const char *content_type, int expires_s, time_t now)
{
	return presign(c, "PUT", bucket, key, content_type, expires_s, now);
}

char *
s3_object_url(struct s3_client *c, const char *bucket, const char *key,
    int public)
{
	char	*host = NULL, *path = NULL, *url = NULL;

	if (c == NULL || !s3i_valid_bucket(bucket) ||
	    (key != NULL && !s3i_valid_key(key)))
		return NULL;
	if (s3i_build_target(c, public ? &c->pub : &c->ep, bucket, key, &host,
	    &path, &url) != S3_OK)
		return NULL;
	free(host);
	free(path);
	return url;
}
