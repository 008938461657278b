/*
 * AWS Signature Version 4 for S3-compatible storage.
 *
 * Two ways to authenticate a request: an Authorization header
 * (sigv4_sign_headers) or query parameters in a presigned URL
 * (sigv4_presign_url).  The current time is always passed in; nothing here
 * reads the clock, the environment or any global state, so results are
 * reproducible and the functions are safe to call from any thread.
 *
 * Paths are given already URI-encoded (sigv4_uri_encode with keep_slash
 * set): S3 signs the path exactly as it is sent, without normalising it
 * or encoding it a second time.  Query parameters and header values are
 * given raw; the signer encodes and canonicalises them.
 *
 * Reference: "Authenticating Requests (AWS Signature Version 4)" in the
 * Amazon S3 API Reference (sig-v4-header-based-auth,
 * sigv4-query-string-auth).
 */
#ifndef PRIMERKA_SIGV4_H
#define PRIMERKA_SIGV4_H

#include <stddef.h>
#include <time.h>

#define SIGV4_ALGORITHM		"AWS4-HMAC-SHA256"
#define SIGV4_UNSIGNED_PAYLOAD	"UNSIGNED-PAYLOAD"
#define SIGV4_EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SIGV4_HEX_SIZE		65	/* 64 hex digits and a NUL */
#define SIGV4_AMZ_DATE_SIZE	17	/* "YYYYMMDDTHHMMSSZ" and a NUL */
#define SIGV4_DATE_SIZE		9	/* "YYYYMMDD" and a NUL */
#define SIGV4_MAX_EXPIRES	604800	/* seven days, the S3 limit */

/* Return values. */
enum sigv4_result {
	SIGV4_OK = 0,
	SIGV4_EINVAL = -1,	/* bad argument (missing field, CR/LF, ...) */
	SIGV4_ENOMEM = -2,	/* allocation failed */
	SIGV4_ECRYPTO = -3	/* libcrypto failed */
};

/* Who signs, and for which scope.  service is "s3" for S3. */
/*
 * The signing key of one day, kept by a caller that signs often (the key
 * derivation is four HMACs): owned by the caller, filled by sigv4 when
 * the date changes.
 */
struct sigv4_key_cache {
	char		 date[9];	/* YYYYMMDD of key, "" when empty */
	unsigned char	 key[32];
	void		*mac;		/* HMAC context keyed with key */
};

/* Release what a cache holds (the HMAC context); it may be reused. */
void	 sigv4_key_cache_clear(struct sigv4_key_cache *);

struct sigv4_creds {
	const char	*access_key;
	const char	*secret_key;
	const char	*region;
	const char	*service;
	struct sigv4_key_cache *cache;	/* NULL: derive every time */
};

/* A query parameter, raw (not encoded).  value NULL means "". */
struct sigv4_param {
	const char	*name;
	const char	*value;
};

/* A header to sign, raw.  Names are matched case-insensitively. */
struct sigv4_header {
	const char	*name;
	const char	*value;
};

/*
 * A request to sign with an Authorization header.  host is the Host header
 * value (host, or host:port when the port is not the scheme's default).
 * host, x-amz-date and x-amz-content-sha256 are always signed and must not
 * appear in headers.  payload_hash is the lower-case hex SHA-256 of the
 * body, SIGV4_UNSIGNED_PAYLOAD, or NULL for an empty body.
 */
struct sigv4_request {
	const char			*method;
	const char			*host;
	const char			*path;
	const struct sigv4_param	*query;
	size_t				 nquery;
	const struct sigv4_header	*headers;
	size_t				 nheaders;
	const char			*payload_hash;
};

/*
 * The result of header signing: send "Authorization: authorization",
 * "x-amz-date: amz_date" and "x-amz-content-sha256: content_sha256" along
 * with every header that was signed.  authorization is allocated; release
 * the whole struct with sigv4_signed_free().
 */
struct sigv4_signed {
	char	*authorization;
	char	 amz_date[SIGV4_AMZ_DATE_SIZE];
	char	 content_sha256[SIGV4_HEX_SIZE];	/* hex or UNSIGNED-PAYLOAD */
	char	 signature[SIGV4_HEX_SIZE];
};

/*
 * A request to presign.  scheme is "http" or "https", host as in
 * sigv4_request, path URI-encoded.  query holds extra parameters to carry
 * in the URL (for example response-content-type); they must not start
 * with "X-Amz-".  headers are extra headers to sign (host always is); the
 * client that uses the URL must send them with the same values.  expires
 * is in seconds, 1 .. SIGV4_MAX_EXPIRES.
 */
struct sigv4_presign {
	const char			*method;
	const char			*scheme;
	const char			*host;
	const char			*path;
	const struct sigv4_param	*query;
	size_t				 nquery;
	const struct sigv4_header	*headers;
	size_t				 nheaders;
	long				 expires;
};

/*
 * Sign req at time now.  On success fills *out (free with
 * sigv4_signed_free()) and returns SIGV4_OK; on failure *out is left
 * empty (authorization NULL) and a negative sigv4_result is returned.
 */
int	 sigv4_sign_headers(const struct sigv4_creds *,
	    const struct sigv4_request *req, time_t now,
	    struct sigv4_signed *out);

/* Release what sigv4_sign_headers() allocated; safe on an empty struct. */
void	 sigv4_signed_free(struct sigv4_signed *);

/*
 * Build a presigned URL for req at time now:
 * scheme://host/path?<extra params>&X-Amz-Algorithm=...&X-Amz-Signature=...
 * Returns a string the caller frees, or NULL (with *errp set to a
 * negative sigv4_result when errp is not NULL).
 */
char	*sigv4_presign_url(const struct sigv4_creds *,
	    const struct sigv4_presign *req, time_t now, int *errp);

/*
 * The building blocks, exposed for tests and for callers that need one
 * step.  Strings returned as char * are allocated; the caller frees them.
 * All return NULL (or a negative sigv4_result) on failure.
 */

/*
 * URI-encode len bytes of s the way S3 expects: A-Z a-z 0-9 - . _ ~ are
 * kept, '/' is kept when keep_slash is set (object key paths), every other
 * byte becomes %XX with upper-case hex digits.
 */
char	*sigv4_uri_encode(const char *s, size_t len, int keep_slash);

/*
 * The canonical query string: names and values encoded, pairs sorted by
 * encoded name then encoded value, joined with '&'; "" for no parameters.
 */
char	*sigv4_canonical_query(const struct sigv4_param *, size_t n);

/*
 * The canonical request for header signing (with its host, x-amz-date and
 * x-amz-content-sha256 headers), and in *signed_headers (if not NULL) the
 * ';'-separated list of signed header names, also allocated.
 */
char	*sigv4_canonical_request(const struct sigv4_request *,
	    const char *amz_date, char **signed_headers);

/* "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256(canonical)>". */
char	*sigv4_string_to_sign(const struct sigv4_creds *, const char *amz_date,
	    const char *canonical_request);

/* kSigning = HMAC chain over "AWS4"+secret, date, region, service. */
int	 sigv4_signing_key(const char *secret_key, const char *date,
	    const char *region, const char *service, unsigned char key[32]);

/* Hex HMAC-SHA256 of the string to sign under the derived key. */
int	 sigv4_signature(const struct sigv4_creds *, const char *date,
	    const char *string_to_sign, char hex[SIGV4_HEX_SIZE]);

/* Lower-case hex SHA-256 of len bytes (data may be NULL when len is 0). */
int	 sigv4_sha256_hex(const void *data, size_t len, char hex[SIGV4_HEX_SIZE]);

/* Format now as "YYYYMMDDTHHMMSSZ" and "YYYYMMDD" (either may be NULL). */
int	 sigv4_format_time(time_t now, char amz_date[SIGV4_AMZ_DATE_SIZE],
	    char date[SIGV4_DATE_SIZE]);

/* A short static description of a sigv4_result. */
const char	*sigv4_strerror(int);

#endif /* PRIMERKA_SIGV4_H */
