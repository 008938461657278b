/*
 * S3 client on libcurl, signed with lib/sigv4.
 *
 * One client holds one CURL easy handle, so consecutive requests reuse the
 * connection.  A client is not thread-safe: use one per process (or per
 * thread).  Requests are retried with exponential backoff and full jitter
 * on network errors, 5xx and 429; other 4xx answers are final.
 *
 * Objects at or above a size threshold are uploaded with multipart upload
 * (initiate, parts, complete; abort on failure).
 *
 * Presigned URLs are built for the public endpoint (what a browser or a
 * worker in another network can reach), which may differ from the
 * endpoint this process talks to.
 *
 * Nothing here logs: every call returns 0 or a negative s3_result and, when
 * given a struct s3_error, fills it with the HTTP status, a short code
 * ("NoSuchKey", "NetworkError", ...) and a message.
 */
#ifndef PRIMERKA_S3_H
#define PRIMERKA_S3_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum s3_result {
	S3_OK = 0,
	S3_EINVAL = -1,		/* bad argument or configuration */
	S3_ENOMEM = -2,		/* allocation failed */
	S3_ENET = -3,		/* no usable answer (after retries) */
	S3_EHTTP = -4,		/* the server answered with an error */
	S3_ENOTFOUND = -5,	/* 404: no such key or bucket */
	S3_ETOOBIG = -6,	/* the body is larger than allowed */
	S3_EPROTO = -7		/* an answer we cannot understand */
};

/*
 * Configuration.  Fill it with s3_config_init() (defaults), then set the
 * fields.  Strings are copied by s3_client_new(); the struct may go away
 * afterwards.
 */
struct s3_config {
	const char	*endpoint;	/* "http://127.0.0.1:4568" */
	const char	*public_endpoint; /* for presigned URLs; NULL: endpoint */
	const char	*region;	/* "us-east-1" by default */
	const char	*access_key;
	const char	*secret_key;
	int		 path_style;	/* 1: endpoint/bucket/key, 0: virtual */
	long		 connect_timeout_ms; /* default 5000 */
	long		 timeout_ms;	/* whole request; default 120000 */
	long		 low_speed_time_s; /* abort below 1 KiB/s for this long;
					   default 30, 0 disables */
	int		 max_retries;	/* retries after the first try; def. 3 */
	long		 retry_base_ms;	/* first backoff; default 200 */
	long		 retry_max_ms;	/* backoff cap; default 5000 */
	size_t		 multipart_threshold; /* default 16 MiB */
	size_t		 part_size;	/* default 8 MiB, at least 5 MiB */
	const char	*user_agent;	/* default "primerka-s3/1" */
};

/* What went wrong, for callers and logs. */
struct s3_error {
	long	 status;	/* HTTP status of the last answer, 0 if none */
	char	 code[64];	/* S3 error code or one of ours */
	char	 message[256];
	int	 attempts;	/* tries made by the last request */
};

/* Counters since the client was made (for /metrics). */
struct s3_stats {
	uint64_t	 requests;	/* HTTP requests sent, retries included */
	uint64_t	 connections;	/* new connections opened */
	uint64_t	 retries;
	uint64_t	 failures;	/* calls that returned an error */
	uint64_t	 multipart_uploads;
	uint64_t	 bytes_sent;
	uint64_t	 bytes_received;
};

struct s3_client;

/* Fill cfg with the defaults above (strings NULL, path_style 1). */
void		 s3_config_init(struct s3_config *cfg);

/*
 * Make a client.  Returns NULL on bad configuration (with a reason in err
 * when err is not NULL) or when memory or libcurl fail.  The caller must
 * have called curl_global_init() once before (libcurl's rule), or accept
 * libcurl doing it implicitly on first use.  Free with s3_client_free().
 */
struct s3_client *s3_client_new(const struct s3_config *cfg,
		    struct s3_error *err);
void		 s3_client_free(struct s3_client *);

/*
 * Store len bytes under bucket/key.  content_type NULL means
 * application/octet-stream.  Uses multipart upload at or above the
 * threshold.  Returns 0 or a negative s3_result.
 */
int		 s3_put(struct s3_client *, const char *bucket, const char *key,
		    const void *data, size_t len, const char *content_type,
		    struct s3_error *err);

/*
 * Fetch bucket/key.  Refuses (S3_ETOOBIG) a body larger than max_bytes,
 * without reading more than that.  On success *data (NUL-terminated for
 * convenience, not counted in *len) is the caller's to free().  A missing
 * key returns S3_ENOTFOUND with code "NoSuchKey".
 */
int		 s3_get(struct s3_client *, const char *bucket, const char *key,
		    size_t max_bytes, unsigned char **data, size_t *len,
		    struct s3_error *err);

/* Delete bucket/key.  Deleting a missing key succeeds (S3 semantics). */
int		 s3_delete(struct s3_client *, const char *bucket,
		    const char *key, struct s3_error *err);

/* One key of a listing and its Last-Modified time (0 when not given). */
typedef int	(*s3_list_fn)(void *arg, const char *key, time_t modified);

/*
 * List bucket's keys (ListObjectsV2), one page of at most 1000: fn(arg,
 * key, modified) for each, in key order; a non-zero return from fn stops
 * the page early.  token continues an earlier listing (NULL or "" for
 * the first page); next (nextlen bytes) receives the token of the next
 * page, "" after the last.  Returns 0 or a negative s3_result.
 */
int		 s3_list(struct s3_client *, const char *bucket,
		    const char *token, char *next, size_t nextlen,
		    s3_list_fn fn, void *arg, struct s3_error *err);

/* Size of bucket/key into *len (may be NULL).  S3_ENOTFOUND if missing. */
int		 s3_head(struct s3_client *, const char *bucket, const char *key,
		    size_t *len, struct s3_error *err);

/* Create bucket; succeeds when it already exists and is ours. */
int		 s3_create_bucket(struct s3_client *, const char *bucket,
		    struct s3_error *err);

/*
 * 1 if bucket exists and is reachable, 0 if the server says it does not
 * exist, a negative s3_result otherwise (network, access denied, ...).
 * Doubles as the storage health check.
 */
int		 s3_bucket_exists(struct s3_client *, const char *bucket,
		    struct s3_error *err);

/*
 * Presigned URLs for the public endpoint, valid expires_s seconds
 * (1 .. 604800) from now.  s3_presign_put signs content_type when it is
 * not NULL: the uploader must then send exactly that Content-Type.
 * Return an allocated string (caller frees) or NULL on bad arguments.
 */
char		*s3_presign_get(struct s3_client *, const char *bucket,
		    const char *key, int expires_s, time_t now);
char		*s3_presign_put(struct s3_client *, const char *bucket,
		    const char *key, const char *content_type, int expires_s,
		    time_t now);

/*
 * The (unsigned) URL of bucket/key on the client's endpoint, or on the
 * public one when public is set: path or virtual-host style as
 * configured.  Allocated; NULL on bad arguments.
 */
char		*s3_object_url(struct s3_client *, const char *bucket,
		    const char *key, int public);

/*
 * GET any http(s) URL (a presigned one, a provider's result) with the same
 * retries and a size cap; redirects are followed (at most 5, http and
 * https only).  Ownership of *data as in s3_get().
 */
int		 s3_fetch_url(struct s3_client *, const char *url,
		    size_t max_bytes, unsigned char **data, size_t *len,
		    struct s3_error *err);

/*
 * PUT len bytes to a (presigned) URL.  content_type, when not NULL, is
 * sent as Content-Type (it must match what the URL was signed with).
 */
int		 s3_put_url(struct s3_client *, const char *url,
		    const void *data, size_t len, const char *content_type,
		    struct s3_error *err);

void		 s3_client_stats(const struct s3_client *, struct s3_stats *);

#endif /* PRIMERKA_S3_H */
