/*
 * What the S3 client's files share inside lib/ (s3.c: the request engine
 * and object calls; s3_multipart.c; s3_presign.c); not for use outside
 * them.
 */
#ifndef PRIMERKA_S3_INT_H
#define PRIMERKA_S3_INT_H

#include <stddef.h>
#include <time.h>

#include <curl/curl.h>

#include "buf.h"
#include "s3.h"
#include "sigv4.h"

#define S3_ERRBODY_MAX		(64 * 1024)	/* kept of an error body */
#define S3_XMLBODY_MAX		(1024 * 1024)	/* multipart answers */
#define S3_MIN_PART		(5 * 1024 * 1024)
#define S3_MAX_PARTS		10000
#define S3_MAX_KEY		1024
#define S3_ETAG_MAX		128

/* A parsed endpoint URL. */
struct endpoint {
	char	*scheme;	/* "http" or "https" */
	char	*host;		/* lower-case, IPv6 in brackets */
	char	*port;		/* ":9000", or "" for the scheme's default */
	char	*base;		/* path prefix without trailing '/', or "" */
	int	 is_ip;
};

struct s3_client {
	CURL		*curl;
	struct sigv4_key_cache keycache;	/* today's signing key */
	struct endpoint	 ep;
	struct endpoint	 pub;
	char		*region;
	char		*access_key;
	char		*secret_key;
	char		*user_agent;
	int		 path_style;
	long		 connect_timeout_ms;
	long		 timeout_ms;
	long		 low_speed_time_s;
	int		 max_retries;
	long		 retry_base_ms;
	long		 retry_max_ms;
	size_t		 multipart_threshold;
	size_t		 part_size;
	uint64_t	 rng;
	struct s3_stats	 stats;
	char		 curl_err[CURL_ERROR_SIZE];
};

/* One logical request (retried as a whole). */
struct s3_req {
	const char			*method;
	const char			*bucket;	/* signed mode */
	const char			*key;	/* signed mode, or NULL */
	const char			*url;	/* raw mode (unsigned) */
	const struct sigv4_param	*query;
	size_t				 nquery;
	const struct sigv4_header	*headers;	/* signed if signing */
	size_t				 nheaders;
	const unsigned char		*body;
	size_t				 len;
	size_t				 max_bytes;	/* cap on a 2xx body */
	int				 follow;	/* raw: redirects */
	const char			*notfound_code;	/* 404 without a body */
};

/* The answer to one attempt. */
struct s3_resp {
	long		 status;
	struct buf	 body;
	char		 etag[S3_ETAG_MAX];
	long long	 content_length;	/* -1: not given */
	long		 retry_after_s;		/* -1: not given */
};

/* Fill err (when not NULL) with status, code and a printf message. */
void	 s3i_set_err(struct s3_error *err, long status, const char *code,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Whether b is a valid bucket name, k a valid object key. */
int	 s3i_valid_bucket(const char *b);
int	 s3i_valid_key(const char *k);

/*
 * The host, the canonical path and the URL without query of bucket/key
 * on endpoint e (path or virtual-host style), each malloc'd for the
 * caller.  S3_OK or a negative s3_result.
 */
int	 s3i_build_target(const struct s3_client *c, const struct endpoint *e,
	    const char *bucket, const char *key, char **host, char **path,
	    char **base);

/* Start req as method on bucket/key (key may be NULL). */
void	 s3i_req_init(struct s3_req *req, const char *method,
	    const char *bucket, const char *key);

/*
 * Run req with its retries; resp holds the last answer (free it with
 * s3i_resp_free()).  S3_OK for a 2xx, else a negative s3_result with err
 * filled in.
 */
int	 s3i_perform(struct s3_client *c, const struct s3_req *req,
	    struct s3_resp *resp, struct s3_error *err);
void	 s3i_resp_free(struct s3_resp *resp);

/*
 * Copy the text of the first <tag>...</tag> in xml into out (entities
 * decoded, truncated to fit).  Returns 1 if the element was found.
 */
int	 s3i_xml_text(const char *xml, const char *tag, char *out,
	    size_t outsz);

/* Append s to b with XML escaping. */
void	 s3i_buf_add_xml(struct buf *b, const char *s);

/*
 * Upload len bytes as bucket/key in parts of the client's part size
 * (aborted on any failure).  0 or a negative s3_result.
 */
int	 s3i_put_multipart(struct s3_client *c, const char *bucket,
	    const char *key, const unsigned char *data, size_t len,
	    const char *content_type, struct s3_error *err);

#endif /* PRIMERKA_S3_INT_H */
