/*
 * S3 client (see s3.h): URL building, SigV4-signed requests over one
 * reused CURL easy handle, retries, the object calls.  Multipart upload
 * is s3_multipart.c's, presigned URLs s3_presign.c's.
 *
 * Response bodies are untrusted: a success body is capped by the caller's
 * limit (checked against Content-Length before reading and again while
 * reading), an error body by S3_ERRBODY_MAX, and the only parsing done is
 * a bounded search for a few XML elements.
 */
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "s3.h"
#include "sigv4.h"
#include "s3_int.h"

/* State shared with the libcurl callbacks during one attempt. */
struct xfer {
	struct s3_resp		*resp;
	const unsigned char	*body;
	size_t			 len;
	size_t			 pos;
	size_t			 max_bytes;
	long			 cur_status;	/* of the response being read */
	int			 is_head;
	int			 too_big;
	int			 nomem;
};

/* ---- small helpers ------------------------------------------------- */

/* Fill err (if not NULL); code and message are truncated to fit. */
void
s3i_set_err(struct s3_error *err, long status, const char *code,
    const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL)
		return;
	err->status = status;
	(void)snprintf(err->code, sizeof(err->code), "%s", code);
	va_start(ap, fmt);
	(void)vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

static void
clear_err(struct s3_error *err)
{
	if (err != NULL)
		memset(err, 0, sizeof(*err));
}

/* Make s an allocated lower-case copy; NULL on ENOMEM. */
static char *
lower_dup(const char *s, size_t n)
{
	char	*d;
	size_t	 i;

	d = malloc(n + 1);
	if (d == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		d[i] = (char)tolower((unsigned char)s[i]);
	d[n] = '\0';
	return d;
}

static void
endpoint_free(struct endpoint *e)
{
	free(e->scheme);
	free(e->host);
	free(e->port);
	free(e->base);
	memset(e, 0, sizeof(*e));
}

/*
 * Parse "http[s]://host[:port][/base]" into e.  Userinfo, query and
 * fragment are refused; a default port is dropped (it is not part of the
 * signed Host header).  Returns 0, S3_EINVAL or S3_ENOMEM.
 */
static int
endpoint_parse(const char *url, struct endpoint *e)
{
	const char	*s, *auth, *hend, *aend;
	char		 portbuf[8], *end;
	long		 port = 0;
	size_t		 i;
	struct in_addr	 a4;
	int		 https;

	memset(e, 0, sizeof(*e));
	if (url == NULL)
		return S3_EINVAL;
	if (strncasecmp(url, "http://", 7) == 0) {
		https = 0;
		auth = url + 7;
	} else if (strncasecmp(url, "https://", 8) == 0) {
		https = 1;
		auth = url + 8;
	} else
		return S3_EINVAL;
	for (s = auth; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
		    *s == '?' || *s == '#' || *s == '@' || *s == '\\')
			return S3_EINVAL;
	aend = strchr(auth, '/');
	if (aend == NULL)
		aend = auth + strlen(auth);
	if (auth[0] == '[') {
		hend = memchr(auth, ']', (size_t)(aend - auth));
		if (hend == NULL || hend == auth + 1)
			return S3_EINVAL;
		hend++;
		e->is_ip = 1;
	} else {
		hend = memchr(auth, ':', (size_t)(aend - auth));
		if (hend == NULL)
			hend = aend;
	}
	if (hend == auth)
		return S3_EINVAL;
	if (hend < aend) {
		if (*hend != ':' || aend - hend - 1 < 1 ||
		    aend - hend - 1 >= (long)sizeof(portbuf))
			return S3_EINVAL;
		memcpy(portbuf, hend + 1, (size_t)(aend - hend - 1));
		portbuf[aend - hend - 1] = '\0';
		for (i = 0; portbuf[i] != '\0'; i++)
			if (!isdigit((unsigned char)portbuf[i]))
				return S3_EINVAL;
		errno = 0;
		port = strtol(portbuf, &end, 10);
		if (errno != 0 || *end != '\0' || port < 1 || port > 65535)
			return S3_EINVAL;
	}
	e->scheme = strdup(https ? "https" : "http");
	e->host = lower_dup(auth, (size_t)(hend - auth));
	if (port != 0 && port != (https ? 443 : 80)) {
		e->port = malloc(8);
		if (e->port != NULL)
			(void)snprintf(e->port, 8, ":%ld", port);
	} else
		e->port = strdup("");
	/* Base path: drop trailing slashes. */
	s = aend + strlen(aend);
	while (s > aend && s[-1] == '/')
		s--;
	e->base = malloc((size_t)(s - aend) + 1);
	if (e->base != NULL) {
		memcpy(e->base, aend, (size_t)(s - aend));
		e->base[s - aend] = '\0';
	}
	if (e->scheme == NULL || e->host == NULL || e->port == NULL ||
	    e->base == NULL) {
		endpoint_free(e);
		return S3_ENOMEM;
	}
	if (!e->is_ip && inet_pton(AF_INET, e->host, &a4) == 1)
		e->is_ip = 1;
	return S3_OK;
}

/* Bucket names we accept at all (legacy names included). */
int
s3i_valid_bucket(const char *b)
{
	size_t	 n;

	if (b == NULL)
		return 0;
	n = strlen(b);
	if (n < 3 || n > 255)
		return 0;
	for (; *b != '\0'; b++)
		if (!isalnum((unsigned char)*b) && *b != '.' && *b != '-' &&
		    *b != '_')
			return 0;
	return 1;
}

/*
 * A bucket that can be a host name label: 3..63 of a-z 0-9 '-', not
 * starting or ending with '-'.  Dotted names would break TLS wildcard
 * certificates, so they go path style (botocore does the same).
 */
static int
dns_bucket(const char *b)
{
	size_t	 i, n = strlen(b);

	if (n < 3 || n > 63 || b[0] == '-' || b[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!(b[i] >= 'a' && b[i] <= 'z') &&
		    !(b[i] >= '0' && b[i] <= '9') && b[i] != '-')
			return 0;
	return 1;
}

int
s3i_valid_key(const char *k)
{
	return k != NULL && k[0] != '\0' && strlen(k) <= S3_MAX_KEY;
}

/*
 * Where bucket/key lives on e: the Host header value, the encoded path,
 * and scheme://host/path.  key may be NULL (bucket request); bucket may
 * be NULL (service request).  All three strings are allocated.
 */
int
s3i_build_target(const struct s3_client *c, const struct endpoint *e,
    const char *bucket, const char *key, char **hostp, char **pathp,
    char **urlp)
{
	struct buf	 host = { 0 }, path = { 0 }, url = { 0 };
	char		*enc = NULL;
	int		 vhost;

	*hostp = *pathp = *urlp = NULL;
	vhost = bucket != NULL && !c->path_style && dns_bucket(bucket) &&
	    !e->is_ip;
	if (vhost) {
		buf_adds(&host, bucket);
		buf_adds(&host, ".");
	}
	buf_adds(&host, e->host);
	buf_adds(&host, e->port);

	buf_adds(&path, e->base);
	if (bucket != NULL && !vhost) {
		buf_adds(&path, "/");
		/* s3i_valid_bucket(): no encoding needed. */
		buf_adds(&path, bucket);
	}
	if (key != NULL) {
		enc = sigv4_uri_encode(key, strlen(key), 1);
		if (enc == NULL)
			goto fail;
		buf_adds(&path, "/");
		buf_adds(&path, enc);
	} else if (path.len == 0)
		buf_adds(&path, "/");

	buf_adds(&url, e->scheme);
	buf_adds(&url, "://");
	if (host.p != NULL)
		buf_adds(&url, host.p);
	if (path.p != NULL)
		buf_adds(&url, path.p);
	*hostp = buf_take(&host);
	*pathp = buf_take(&path);
	*urlp = buf_take(&url);
	free(enc);
	if (*hostp == NULL || *pathp == NULL || *urlp == NULL) {
		free(*hostp);
		free(*pathp);
		free(*urlp);
		*hostp = *pathp = *urlp = NULL;
		return S3_ENOMEM;
	}
	return S3_OK;
fail:
	buf_free(&host);
	buf_free(&path);
	buf_free(&url);
	free(enc);
	return S3_ENOMEM;
}

/* xorshift64*: jitter only, not security. */
static uint64_t
rng_next(struct s3_client *c)
{
	uint64_t	 x = c->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* Sleep ms milliseconds, resuming after signals. */
static void
sleep_ms(long ms)
{
	struct timespec	 ts, rem;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &rem) == -1 && errno == EINTR)
		ts = rem;
}

/*
 * Backoff before retry number attempt (0-based): exponential, capped,
 * with "equal jitter" (a random point in the upper half).  A server's
 * Retry-After, when shorter than the cap, is honoured as a minimum.
 */
static long
backoff_ms(struct s3_client *c, int attempt, long retry_after_s)
{
	long	 d = c->retry_base_ms;
	int	 i;

	for (i = 0; i < attempt && d < c->retry_max_ms; i++)
		d *= 2;
	if (d > c->retry_max_ms)
		d = c->retry_max_ms;
	d = d / 2 + (long)(rng_next(c) % (uint64_t)(d / 2 + 1));
	if (retry_after_s > 0 && retry_after_s <= c->retry_max_ms / 1000 &&
	    retry_after_s * 1000 > d)
		d = retry_after_s * 1000;
	return d;
}

/* ---- libcurl callbacks ------------------------------------------- */

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct xfer	*x = arg;
	size_t		 len = size * n, room;

	if (x->cur_status >= 200 && x->cur_status < 300) {
		if (len > x->max_bytes - x->resp->body.len) {
			x->too_big = 1;
			return 0;	/* abort the transfer */
		}
	} else {
		/* Keep the start of an error body; drop the rest. */
		room = S3_ERRBODY_MAX - x->resp->body.len;
		if (len > room) {
			buf_add(&x->resp->body, p, room);
			return x->resp->body.err ? 0 : len;
		}
	}
	buf_add(&x->resp->body, p, len);
	if (x->resp->body.err) {
		x->nomem = 1;
		return 0;
	}
	return len;
}

/* Parse a non-negative decimal of len bytes; -1 if it is not one. */
static long long
parse_decimal(const char *s, size_t len)
{
	char		 tmp[32], *end;
	long long	 v;

	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
	    s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	if (len == 0 || len >= sizeof(tmp) || !isdigit((unsigned char)*s))
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	errno = 0;
	v = strtoll(tmp, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0)
		return -1;
	return v;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct xfer	*x = arg;
	size_t		 len = size * n, vlen;
	const char	*v;
	long long	 num;

	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* A new response (after a redirect or a 100): start over. */
		v = memchr(p, ' ', len);
		x->cur_status = 0;
		if (v != NULL && (size_t)(v - p) + 4 <= len) {
			num = parse_decimal(v + 1, 3);
			x->cur_status = num < 0 ? 0 : (long)num;
		}
		x->resp->etag[0] = '\0';
		x->resp->content_length = -1;
		x->resp->retry_after_s = -1;
		return len;
	}
	v = memchr(p, ':', len);
	if (v == NULL)
		return len;
	vlen = len - (size_t)(v + 1 - p);
	if ((size_t)(v - p) == 14 && strncasecmp(p, "content-length", 14) ==
	    0) {
		x->resp->content_length = parse_decimal(v + 1, vlen);
		if (!x->is_head && x->cur_status >= 200 &&
		    x->cur_status < 300 && x->resp->content_length >= 0 &&
		    (unsigned long long)x->resp->content_length >
		    (unsigned long long)x->max_bytes) {
			x->too_big = 1;
			return 0;	/* refuse before reading the body */
		}
	} else if ((size_t)(v - p) == 4 && strncasecmp(p, "etag", 4) == 0) {
		v++;
		while (vlen > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			vlen--;
		}
		while (vlen > 0 && (v[vlen - 1] == '\r' ||
		    v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
			vlen--;
		if (vlen < sizeof(x->resp->etag)) {
			memcpy(x->resp->etag, v, vlen);
			x->resp->etag[vlen] = '\0';
		}
	} else if ((size_t)(v - p) == 11 &&
	    strncasecmp(p, "retry-after", 11) == 0) {
		num = parse_decimal(v + 1, vlen);
		x->resp->retry_after_s = num < 0 || num > 86400 ? -1 :
		    (long)num;
	}
	return len;
}

static size_t
on_read(char *p, size_t size, size_t n, void *arg)
{
	struct xfer	*x = arg;
	size_t		 want = size * n, left = x->len - x->pos;

	if (want > left)
		want = left;
	if (want > 0)
		memcpy(p, x->body + x->pos, want);
	x->pos += want;
	return want;
}

static int
on_seek(void *arg, curl_off_t off, int origin)
{
	struct xfer	*x = arg;

	if (origin != SEEK_SET || off < 0 || (uint64_t)off > x->len)
		return CURL_SEEKFUNC_CANTSEEK;
	x->pos = (size_t)off;
	return CURL_SEEKFUNC_OK;
}

/* ---- the request engine ------------------------------------------ */

/* Append "Name: value" to *list; refuses CR/LF in either. */
static int
add_header(struct curl_slist **list, const char *name, const char *value)
{
	struct curl_slist	*nl;
	char			*line;
	size_t			 n;
	int			 w;

	if (strpbrk(name, "\r\n:") != NULL || strpbrk(value, "\r\n") != NULL)
		return S3_EINVAL;
	n = strlen(name) + strlen(value) + 3;
	line = malloc(n);
	if (line == NULL)
		return S3_ENOMEM;
	w = snprintf(line, n, "%s: %s", name, value);
	if (w < 0 || (size_t)w >= n) {
		free(line);
		return S3_EINVAL;
	}
	nl = curl_slist_append(*list, line);
	free(line);
	if (nl == NULL)
		return S3_ENOMEM;
	*list = nl;
	return S3_OK;
}

/* Is this libcurl failure worth another try? */
static int
curl_retryable(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_HTTP3:
	case CURLE_QUIC_CONNECT_ERROR:
		return 1;
	default:
		return 0;
	}
}

/* What one attempt builds and frees: the URL, the headers, signing. */
struct attempt {
	struct buf		 url;
	struct curl_slist	*hl;
	struct sigv4_signed	 sig;
	char			*host, *path, *base, *q;
};

static void
attempt_free(struct attempt *at)
{
	curl_slist_free_all(at->hl);
	sigv4_signed_free(&at->sig);
	buf_free(&at->url);
	free(at->host);
	free(at->path);
	free(at->base);
	free(at->q);
}

/* req's own headers onto the attempt's list. */
static int
attempt_headers(const struct s3_req *req, struct attempt *at)
{
	size_t	 i;
	int	 rc;

	for (i = 0; i < req->nheaders; i++) {
		rc = add_header(&at->hl, req->headers[i].name,
		    req->headers[i].value);
		if (rc != S3_OK)
			return rc;
	}
	return S3_OK;
}

/*
 * Signed mode: the URL of req's bucket and key with its query, and its
 * headers with the SigV4 ones (hash is the payload hash).
 */
static int
attempt_sign(struct s3_client *c, const struct s3_req *req,
    const char *hash, struct attempt *at)
{
	struct sigv4_creds	 creds;
	struct sigv4_request	 sr;
	int			 rc;

	rc = s3i_build_target(c, &c->ep, req->bucket, req->key, &at->host,
	    &at->path, &at->base);
	if (rc != S3_OK)
		return rc;
	at->q = sigv4_canonical_query(req->query, req->nquery);
	if (at->q == NULL)
		return S3_ENOMEM;
	buf_adds(&at->url, at->base);
	if (at->q[0] != '\0') {
		buf_adds(&at->url, "?");
		buf_adds(&at->url, at->q);
	}
	creds.access_key = c->access_key;
	creds.secret_key = c->secret_key;
	creds.region = c->region;
	creds.service = "s3";
	creds.cache = &c->keycache;
	memset(&sr, 0, sizeof(sr));
	sr.method = req->method;
	sr.host = at->host;
	sr.path = at->path;
	sr.query = req->query;
	sr.nquery = req->nquery;
	sr.headers = req->headers;
	sr.nheaders = req->nheaders;
	sr.payload_hash = hash;
	rc = sigv4_sign_headers(&creds, &sr, time(NULL), &at->sig);
	if (rc != SIGV4_OK)
		return rc == SIGV4_ENOMEM ? S3_ENOMEM : S3_EINVAL;
	rc = attempt_headers(req, at);
	if (rc == S3_OK)
		rc = add_header(&at->hl, "x-amz-date", at->sig.amz_date);
	if (rc == S3_OK)
		rc = add_header(&at->hl, "x-amz-content-sha256",
		    at->sig.content_sha256);
	if (rc == S3_OK)
		rc = add_header(&at->hl, "Authorization",
		    at->sig.authorization);
	return rc;
}

/* The options every attempt sets: URL, limits, headers, callbacks. */
static int
curl_common(struct s3_client *c, const struct s3_req *req,
    struct attempt *at, struct xfer *x)
{
	if (curl_easy_setopt(c->curl, CURLOPT_URL, at->url.p) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_PATH_AS_IS, 1L) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->curl_err) !=
	    CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS,
	    c->connect_timeout_ms) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, c->timeout_ms) !=
	    CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_USERAGENT, c->user_agent) !=
	    CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, at->hl) !=
	    CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body) !=
	    CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, x) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header) !=
	    CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, x) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_TCP_KEEPALIVE, 1L) != CURLE_OK)
		return S3_EINVAL;
	if (c->low_speed_time_s > 0 &&
	    (curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_LIMIT, 1024L) !=
	    CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_TIME,
	    c->low_speed_time_s) != CURLE_OK))
		return S3_EINVAL;
	if (req->follow &&
	    (curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 1L) !=
	    CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_MAXREDIRS, 5L) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_REDIR_PROTOCOLS_STR,
	    "http,https") != CURLE_OK))
		return S3_EINVAL;
	return S3_OK;
}

/* The options of req's method; uploads read from memory, rewindable. */
static int
curl_method(struct s3_client *c, const struct s3_req *req, struct xfer *x)
{
	if (strcmp(req->method, "GET") == 0)
		return curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L) !=
		    CURLE_OK ? S3_EINVAL : S3_OK;
	if (x->is_head)
		return curl_easy_setopt(c->curl, CURLOPT_NOBODY, 1L) !=
		    CURLE_OK ? S3_EINVAL : S3_OK;
	if ((strcmp(req->method, "PUT") == 0 ||
	    strcmp(req->method, "POST") == 0) &&
	    (curl_easy_setopt(c->curl, CURLOPT_UPLOAD, 1L) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_READFUNCTION, on_read) !=
	    CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_READDATA, x) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_SEEKFUNCTION, on_seek) !=
	    CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_SEEKDATA, x) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_INFILESIZE_LARGE,
	    (curl_off_t)req->len) != CURLE_OK))
		return S3_EINVAL;
	return curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST,
	    req->method) != CURLE_OK ? S3_EINVAL : S3_OK;
}

/* The transfer's bytes and connections into the client's stats. */
static void
count_transfer(struct s3_client *c)
{
	curl_off_t	 up = 0, down = 0;
	long		 conns = 0;

	c->stats.requests++;
	if (curl_easy_getinfo(c->curl, CURLINFO_SIZE_UPLOAD_T, &up) ==
	    CURLE_OK && up > 0)
		c->stats.bytes_sent += (uint64_t)up;
	if (curl_easy_getinfo(c->curl, CURLINFO_SIZE_DOWNLOAD_T, &down) ==
	    CURLE_OK && down > 0)
		c->stats.bytes_received += (uint64_t)down;
	if (curl_easy_getinfo(c->curl, CURLINFO_NUM_CONNECTS, &conns) ==
	    CURLE_OK && conns > 0)
		c->stats.connections += (uint64_t)conns;
}

/* What a finished transfer amounts to (see perform_once()). */
static int
transfer_result(struct s3_client *c, const struct s3_req *req, CURLcode cc,
    const struct xfer *x, struct s3_resp *resp, int *retryable,
    struct s3_error *err)
{
	if (x->nomem) {
		s3i_set_err(err, 0, "OutOfMemory",
		    "out of memory reading body");
		return S3_ENOMEM;
	}
	if (x->too_big) {
		s3i_set_err(err, x->cur_status, "TooLarge",
		    "body larger than %zu bytes", req->max_bytes);
		return S3_ETOOBIG;
	}
	if (cc != CURLE_OK) {
		*retryable = curl_retryable(cc);
		s3i_set_err(err, 0, "NetworkError", "%s",
		    c->curl_err[0] ? c->curl_err : curl_easy_strerror(cc));
		return S3_ENET;
	}
	if (curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE,
	    &resp->status) != CURLE_OK || resp->status < 100) {
		s3i_set_err(err, 0, "BadResponse", "no HTTP status");
		return S3_EPROTO;
	}
	return S3_OK;
}

/*
 * One attempt of req.  hash is the payload hash (signed mode).  Returns
 * S3_OK when an HTTP answer arrived (any status, in resp), S3_ENET with
 * *retryable set for transport failures, or another negative result.
 */
static int
perform_once(struct s3_client *c, const struct s3_req *req,
    const char *hash, struct s3_resp *resp, int *retryable,
    struct s3_error *err)
{
	struct attempt		 at;
	struct curl_slist	*nl;
	struct xfer		 x;
	CURLcode		 cc;
	int			 rc;

	memset(&at, 0, sizeof(at));
	memset(&x, 0, sizeof(x));
	*retryable = 0;
	buf_free(&resp->body);
	resp->status = 0;
	resp->etag[0] = '\0';
	resp->content_length = -1;
	resp->retry_after_s = -1;

	if (req->url != NULL) {
		buf_adds(&at.url, req->url);
		rc = attempt_headers(req, &at);
	} else
		rc = attempt_sign(c, req, hash, &at);
	if (rc != S3_OK)
		goto fail;
	rc = S3_ENOMEM;
	if (at.url.err)
		goto fail;
	/* No "Expect: 100-continue" round trip on uploads. */
	nl = curl_slist_append(at.hl, "Expect:");
	if (nl == NULL)
		goto fail;
	at.hl = nl;

	x.resp = resp;
	x.body = req->body;
	x.len = req->len;
	x.max_bytes = req->max_bytes;
	x.is_head = strcmp(req->method, "HEAD") == 0;

	curl_easy_reset(c->curl);	/* keeps the connection cache */
	c->curl_err[0] = '\0';
	rc = curl_common(c, req, &at, &x);
	if (rc == S3_OK)
		rc = curl_method(c, req, &x);
	if (rc != S3_OK)
		goto fail;
	cc = curl_easy_perform(c->curl);
	count_transfer(c);
	rc = transfer_result(c, req, cc, &x, resp, retryable, err);
fail:
	if (rc == S3_EINVAL && err != NULL && err->code[0] == '\0')
		s3i_set_err(err, 0, "InvalidArgument", "request refused");
	if (rc == S3_ENOMEM && err != NULL && err->code[0] == '\0')
		s3i_set_err(err, 0, "OutOfMemory", "out of memory");
	attempt_free(&at);
	return rc;
}

/*
 * Copy the text of the first <tag>...</tag> in xml into out (entities
 * &amp; &lt; &gt; &quot; &apos; decoded, truncated to fit).  Returns 1 if
 * the element was found.
 */
int
s3i_xml_text(const char *xml, const char *tag, char *out, size_t outsz)
{
	char		 open[64], close[64];
	const char	*s, *e;
	size_t		 o = 0;
	int		 n;

	if (xml == NULL || outsz == 0)
		return 0;
	n = snprintf(open, sizeof(open), "<%s>", tag);
	if (n < 0 || (size_t)n >= sizeof(open))
		return 0;
	n = snprintf(close, sizeof(close), "</%s>", tag);
	if (n < 0 || (size_t)n >= sizeof(close))
		return 0;
	s = strstr(xml, open);
	if (s == NULL)
		return 0;
	s += strlen(open);
	e = strstr(s, close);
	if (e == NULL)
		return 0;
	while (s < e && o + 1 < outsz) {
		if (*s == '&') {
			static const struct {
				const char	*ent;
				char		 c;
			} ents[] = {
				{ "&amp;", '&' }, { "&lt;", '<' },
				{ "&gt;", '>' }, { "&quot;", '"' },
				{ "&apos;", '\'' },
			};
			size_t	 i;

			for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
				if ((size_t)(e - s) >= strlen(ents[i].ent) &&
				    strncmp(s, ents[i].ent,
				    strlen(ents[i].ent)) == 0)
					break;
			if (i < sizeof(ents) / sizeof(ents[0])) {
				out[o++] = ents[i].c;
				s += strlen(ents[i].ent);
				continue;
			}
		}
		/* Control characters never reach a log line. */
		out[o++] = (unsigned char)*s < 0x20 ? ' ' : *s;
		s++;
	}
	out[o] = '\0';
	return 1;
}

/* Turn a non-2xx answer into err and a result. */
static int
http_error(const struct s3_req *req, const struct s3_resp *resp,
    struct s3_error *err)
{
	char	 code[64], msg[256];

	if (!s3i_xml_text(resp->body.p, "Code", code, sizeof(code)) ||
	    code[0] == '\0') {
		if (resp->status == 404)
			(void)snprintf(code, sizeof(code), "%s",
			    req->notfound_code ? req->notfound_code :
			    "NotFound");
		else if (resp->status == 403)
			(void)snprintf(code, sizeof(code), "AccessDenied");
		else
			(void)snprintf(code, sizeof(code), "HTTP%ld",
			    resp->status);
	}
	if (!s3i_xml_text(resp->body.p, "Message", msg, sizeof(msg)) ||
	    msg[0] == '\0')
		(void)snprintf(msg, sizeof(msg), "HTTP status %ld",
		    resp->status);
	s3i_set_err(err, resp->status, code, "%s", msg);
	return resp->status == 404 ? S3_ENOTFOUND : S3_EHTTP;
}

/*
 * Run req with retries.  On S3_OK resp holds a 2xx answer; on failure err
 * says why.  Counts a failure in the stats.
 */
int
s3i_perform(struct s3_client *c, const struct s3_req *req, struct s3_resp *resp,
    struct s3_error *err)
{
	char	 hash[SIGV4_HEX_SIZE] = "";
	int	 attempt, rc, retryable;

	clear_err(err);
	memset(resp, 0, sizeof(*resp));
	if (req->url == NULL &&
	    sigv4_sha256_hex(req->len ? req->body : NULL, req->len, hash) !=
	    SIGV4_OK) {
		s3i_set_err(err, 0, "InvalidArgument", "cannot hash the body");
		c->stats.failures++;
		return S3_EINVAL;
	}
	for (attempt = 0; ; attempt++) {
		if (err != NULL)
			err->code[0] = '\0';
		rc = perform_once(c, req, hash, resp, &retryable, err);
		if (err != NULL)
			err->attempts = attempt + 1;
		if (rc == S3_OK) {
			if (resp->status >= 200 && resp->status < 300)
				return S3_OK;
			retryable = resp->status >= 500 || resp->status == 429;
			rc = http_error(req, resp, err);
		}
		if (!retryable || attempt >= c->max_retries)
			break;
		c->stats.retries++;
		sleep_ms(backoff_ms(c, attempt, resp->retry_after_s));
	}
	if (err != NULL)
		err->attempts = attempt + 1;
	c->stats.failures++;
	return rc;
}

void
s3i_resp_free(struct s3_resp *resp)
{
	buf_free(&resp->body);
}

/* Hand the body of resp to the caller as data/len. */
static int
take_body(struct s3_resp *resp, unsigned char **data, size_t *len,
    struct s3_error *err)
{
	size_t	 n = resp->body.len;
	char	*p;

	p = buf_take(&resp->body);
	if (p == NULL) {
		s3i_set_err(err, resp->status, "OutOfMemory", "out of memory");
		return S3_ENOMEM;
	}
	*data = (unsigned char *)p;
	*len = n;
	return S3_OK;
}

static int
check_object_args(const char *bucket, const char *key, struct s3_error *err)
{
	clear_err(err);
	if (!s3i_valid_bucket(bucket)) {
		s3i_set_err(err, 0, "InvalidBucketName", "invalid bucket name");
		return S3_EINVAL;
	}
	if (key != NULL && !s3i_valid_key(key)) {
		s3i_set_err(err, 0, "KeyTooLongError", "key empty or too long");
		return S3_EINVAL;
	}
	return S3_OK;
}

/* A request of method on bucket (and key, or NULL), nothing else set. */
void
s3i_req_init(struct s3_req *req, const char *method, const char *bucket,
    const char *key)
{
	memset(req, 0, sizeof(*req));
	req->method = method;
	req->bucket = bucket;
	req->key = key;
}

/*
 * Check the arguments of a public call on bucket (and key, or NULL) and
 * set up req for method on them.  S3_OK, or S3_EINVAL with err filled.
 */
static int
object_req(const struct s3_client *c, struct s3_req *req, const char *method,
    const char *bucket, const char *key, struct s3_error *err)
{
	int	 rc;

	if (c == NULL)
		return S3_EINVAL;
	rc = check_object_args(bucket, key, err);
	if (rc == S3_OK)
		s3i_req_init(req, method, bucket, key);
	return rc;
}

/* Append s to b with XML escaping. */
void
s3i_buf_add_xml(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			buf_adds(b, "&amp;");
			break;
		case '<':
			buf_adds(b, "&lt;");
			break;
		case '>':
			buf_adds(b, "&gt;");
			break;
		default:
			buf_add(b, s, 1);
		}
	}
}

/* ---- public API ---------------------------------------------------- */

void
s3_config_init(struct s3_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->region = "us-east-1";
	cfg->path_style = 1;
	cfg->connect_timeout_ms = 5000;
	cfg->timeout_ms = 120000;
	cfg->low_speed_time_s = 30;
	cfg->max_retries = 3;
	cfg->retry_base_ms = 200;
	cfg->retry_max_ms = 5000;
	cfg->multipart_threshold = 16 * 1024 * 1024;
	cfg->part_size = 8 * 1024 * 1024;
	cfg->user_agent = "primerka-s3/1";
}

struct s3_client *
s3_client_new(const struct s3_config *cfg, struct s3_error *err)
{
	struct s3_client	*c;
	struct timespec		 ts;
	int			 rc;

	clear_err(err);
	if (cfg == NULL || cfg->access_key == NULL ||
	    cfg->access_key[0] == '\0' || cfg->secret_key == NULL ||
	    cfg->secret_key[0] == '\0') {
		s3i_set_err(err, 0, "InvalidConfig",
		    "access and secret key needed");
		return NULL;
	}
	if (cfg->connect_timeout_ms <= 0 || cfg->timeout_ms <= 0 ||
	    cfg->low_speed_time_s < 0 || cfg->max_retries < 0 ||
	    cfg->max_retries > 20 || cfg->retry_base_ms < 1 ||
	    cfg->retry_max_ms < cfg->retry_base_ms ||
	    cfg->retry_max_ms > 600000 || cfg->multipart_threshold < 1 ||
	    cfg->part_size < S3_MIN_PART) {
		s3i_set_err(err, 0, "InvalidConfig", "timeouts, retries or "
		    "part size out of range (was s3_config_init() called?)");
		return NULL;
	}
	if ((cfg->region != NULL && (cfg->region[0] == '\0' ||
	    strpbrk(cfg->region, "/ \t\r\n") != NULL)) ||
	    (cfg->user_agent != NULL && strpbrk(cfg->user_agent, "\r\n") !=
	    NULL)) {
		s3i_set_err(err, 0, "InvalidConfig",
		    "bad region or user agent");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		s3i_set_err(err, 0, "OutOfMemory", "out of memory");
		return NULL;
	}
	rc = endpoint_parse(cfg->endpoint, &c->ep);
	if (rc == S3_OK)
		rc = endpoint_parse(cfg->public_endpoint ?
		    cfg->public_endpoint : cfg->endpoint, &c->pub);
	if (rc != S3_OK) {
		s3i_set_err(err, 0, "InvalidConfig", "bad endpoint URL (want "
		    "http[s]://host[:port][/path])");
		goto fail;
	}
	c->region = strdup(cfg->region ? cfg->region : "us-east-1");
	c->access_key = strdup(cfg->access_key);
	c->secret_key = strdup(cfg->secret_key);
	c->user_agent = strdup(cfg->user_agent ? cfg->user_agent :
	    "primerka-s3/1");
	c->curl = curl_easy_init();
	if (c->region == NULL || c->access_key == NULL ||
	    c->secret_key == NULL || c->user_agent == NULL || c->curl == NULL) {
		s3i_set_err(err, 0, "OutOfMemory", "out of memory or libcurl "
		    "failure");
		goto fail;
	}
	c->path_style = cfg->path_style != 0;
	c->connect_timeout_ms = cfg->connect_timeout_ms;
	c->timeout_ms = cfg->timeout_ms;
	c->low_speed_time_s = cfg->low_speed_time_s;
	c->max_retries = cfg->max_retries;
	c->retry_base_ms = cfg->retry_base_ms;
	c->retry_max_ms = cfg->retry_max_ms;
	c->multipart_threshold = cfg->multipart_threshold;
	c->part_size = cfg->part_size;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	c->rng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
	    ((uint64_t)getpid() << 40) ^ (uint64_t)(uintptr_t)c;
	if (c->rng == 0)
		c->rng = 0x9E3779B97F4A7C15ULL;
	return c;
fail:
	s3_client_free(c);
	return NULL;
}

void
s3_client_free(struct s3_client *c)
{
	if (c == NULL)
		return;
	sigv4_key_cache_clear(&c->keycache);
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	endpoint_free(&c->ep);
	endpoint_free(&c->pub);
	free(c->region);
	if (c->secret_key != NULL) {
		memset(c->secret_key, 0, strlen(c->secret_key));
		free(c->secret_key);
	}
	free(c->access_key);
	free(c->user_agent);
	free(c);
}

/* PUT in one request. */
static int
put_single(struct s3_client *c, const char *bucket, const char *key,
    const void *data, size_t len, const char *ctype, struct s3_error *err)
{
	struct sigv4_header	 h[1] = { { "Content-Type", ctype } };
	struct s3_req		 req;
	struct s3_resp		 resp;
	int			 rc;

	s3i_req_init(&req, "PUT", bucket, key);
	req.headers = h;
	req.nheaders = 1;
	req.body = data;
	req.len = len;
	req.max_bytes = S3_ERRBODY_MAX;
	rc = s3i_perform(c, &req, &resp, err);
	s3i_resp_free(&resp);
	return rc;
}

int
s3_put(struct s3_client *c, const char *bucket, const char *key,
    const void *data, size_t len, const char *content_type,
    struct s3_error *err)
{
	const char	*ct = content_type ? content_type :
	    "application/octet-stream";
	int		 rc;

	if (c == NULL)
		return S3_EINVAL;
	rc = check_object_args(bucket, key, err);
	if (rc != S3_OK)
		return rc;
	if ((data == NULL && len > 0) || strpbrk(ct, "\r\n") != NULL) {
		s3i_set_err(err, 0, "InvalidArgument",
		    "bad data or content type");
		return S3_EINVAL;
	}
	if (len >= c->multipart_threshold && len > 0)
		return s3i_put_multipart(c, bucket, key, data, len, ct, err);
	return put_single(c, bucket, key, data, len, ct, err);
}

int
s3_get(struct s3_client *c, const char *bucket, const char *key,
    size_t max_bytes, unsigned char **data, size_t *len,
    struct s3_error *err)
{
	struct s3_req	 req;
	struct s3_resp	 resp;
	int		 rc;

	if (c == NULL || data == NULL || len == NULL)
		return S3_EINVAL;
	*data = NULL;
	*len = 0;
	rc = object_req(c, &req, "GET", bucket, key, err);
	if (rc != S3_OK)
		return rc;
	req.max_bytes = max_bytes;
	req.notfound_code = "NoSuchKey";
	rc = s3i_perform(c, &req, &resp, err);
	if (rc == S3_OK)
		rc = take_body(&resp, data, len, err);
	s3i_resp_free(&resp);
	return rc;
}

int
s3_delete(struct s3_client *c, const char *bucket, const char *key,
    struct s3_error *err)
{
	struct s3_req	 req;
	struct s3_resp	 resp;
	int		 rc;

	rc = object_req(c, &req, "DELETE", bucket, key, err);
	if (rc != S3_OK)
		return rc;
	req.max_bytes = S3_ERRBODY_MAX;
	rc = s3i_perform(c, &req, &resp, err);
	s3i_resp_free(&resp);
	return rc;
}

/* "2026-01-02T03:04:05.000Z" as a time, or 0. */
static time_t
iso_time(const char *s)
{
	struct tm	 tm;
	int		 i;
	static const int at[] = { 4, 7, 10, 13, 16 };
	static const char sep[] = "--T::";

	if (strlen(s) < 19)
		return 0;
	for (i = 0; i < 5; i++)
		if (s[at[i]] != sep[i])
			return 0;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)parse_decimal(s, 4) - 1900;
	tm.tm_mon = (int)parse_decimal(s + 5, 2) - 1;
	tm.tm_mday = (int)parse_decimal(s + 8, 2);
	tm.tm_hour = (int)parse_decimal(s + 11, 2);
	tm.tm_min = (int)parse_decimal(s + 14, 2);
	tm.tm_sec = (int)parse_decimal(s + 17, 2);
	if (tm.tm_year < 70 || tm.tm_mon < 0 || tm.tm_mday < 1)
		return 0;
	return timegm(&tm);
}

#define S3_LIST_MAX	(8 * 1024 * 1024)

int
s3_list(struct s3_client *c, const char *bucket, const char *token,
    char *next, size_t nextlen, s3_list_fn fn, void *arg,
    struct s3_error *err)
{
	struct s3_req		 req;
	struct s3_resp		 resp;
	struct sigv4_param	 q[3];
	const char		*p, *e;
	char			 item[2048], key[1100], mod[64], trunc[16];
	size_t			 n;
	int			 rc;

	if (next == NULL || nextlen == 0 || fn == NULL)
		return S3_EINVAL;
	next[0] = '\0';
	rc = object_req(c, &req, "GET", bucket, NULL, err);
	if (rc != S3_OK)
		return rc;
	q[0].name = "list-type";
	q[0].value = "2";
	q[1].name = "max-keys";
	q[1].value = "1000";
	q[2].name = "continuation-token";
	q[2].value = token;
	req.query = q;
	req.nquery = token != NULL && token[0] != '\0' ? 3 : 2;
	req.max_bytes = S3_LIST_MAX;
	req.notfound_code = "NoSuchBucket";
	rc = s3i_perform(c, &req, &resp, err);
	if (rc != S3_OK || resp.body.p == NULL) {
		s3i_resp_free(&resp);
		return rc;
	}
	for (p = strstr(resp.body.p, "<Contents>"); p != NULL;
	    p = strstr(e, "<Contents>")) {
		e = strstr(p, "</Contents>");
		if (e == NULL)
			break;
		e += strlen("</Contents>");
		n = (size_t)(e - p);
		if (n >= sizeof(item))
			continue;	/* not a key we ever write */
		memcpy(item, p, n);
		item[n] = '\0';
		if (!s3i_xml_text(item, "Key", key, sizeof(key)) ||
		    key[0] == '\0')
			continue;
		if (!s3i_xml_text(item, "LastModified", mod, sizeof(mod)))
			mod[0] = '\0';
		if (fn(arg, key, iso_time(mod)) != 0)
			break;
	}
	if (s3i_xml_text(resp.body.p, "IsTruncated", trunc, sizeof(trunc)) &&
	    strcmp(trunc, "true") == 0 && !s3i_xml_text(resp.body.p,
	    "NextContinuationToken", next, nextlen)) {
		s3i_set_err(err, resp.status, "MalformedXML",
		    "a truncated listing without a continuation token");
		rc = S3_EPROTO;
	}
	s3i_resp_free(&resp);
	return rc;
}

int
s3_head(struct s3_client *c, const char *bucket, const char *key,
    size_t *len, struct s3_error *err)
{
	struct s3_req	 req;
	struct s3_resp	 resp;
	int		 rc;

	rc = object_req(c, &req, "HEAD", bucket, key, err);
	if (rc != S3_OK)
		return rc;
	req.notfound_code = "NoSuchKey";
	rc = s3i_perform(c, &req, &resp, err);
	if (rc == S3_OK && len != NULL) {
		if (resp.content_length < 0 ||
		    (unsigned long long)resp.content_length > SIZE_MAX) {
			s3i_set_err(err, resp.status, "BadResponse",
			    "no usable Content-Length");
			rc = S3_EPROTO;
		} else
			*len = (size_t)resp.content_length;
	}
	s3i_resp_free(&resp);
	return rc;
}

int
s3_bucket_exists(struct s3_client *c, const char *bucket,
    struct s3_error *err)
{
	struct s3_req	 req;
	struct s3_resp	 resp;
	int		 rc;

	rc = object_req(c, &req, "HEAD", bucket, NULL, err);
	if (rc != S3_OK)
		return rc;
	req.notfound_code = "NoSuchBucket";
	rc = s3i_perform(c, &req, &resp, err);
	s3i_resp_free(&resp);
	if (rc == S3_OK)
		return 1;
	if (rc == S3_ENOTFOUND) {
		c->stats.failures--;	/* an answer, not a failure */
		return 0;
	}
	return rc;
}

int
s3_create_bucket(struct s3_client *c, const char *bucket,
    struct s3_error *err)
{
	struct sigv4_header	 h[1] = { { "Content-Type",
	    "application/xml" } };
	struct s3_req		 req;
	struct s3_resp		 resp;
	struct s3_error		 e2;
	struct buf		 xml = { 0 };
	int			 rc;

	rc = object_req(c, &req, "PUT", bucket, NULL, err);
	if (rc != S3_OK)
		return rc;
	req.max_bytes = S3_ERRBODY_MAX;
	if (strcmp(c->region, "us-east-1") != 0) {
		/* Outside us-east-1 AWS wants the region spelled out. */
		buf_adds(&xml, "<CreateBucketConfiguration xmlns=\""
		    "http://s3.amazonaws.com/doc/2006-03-01/\">"
		    "<LocationConstraint>");
		s3i_buf_add_xml(&xml, c->region);
		buf_adds(&xml, "</LocationConstraint>"
		    "</CreateBucketConfiguration>");
		if (xml.err) {
			s3i_set_err(err, 0, "OutOfMemory", "out of memory");
			return S3_ENOMEM;
		}
		req.headers = h;
		req.nheaders = 1;
		req.body = (const unsigned char *)xml.p;
		req.len = xml.len;
	}
	rc = s3i_perform(c, &req, &resp, err);
	s3i_resp_free(&resp);
	buf_free(&xml);
	if (rc == S3_OK || err == NULL || err->status != 409)
		return rc;
	/* Some servers say BucketAlreadyExists for our own bucket. */
	if (strcmp(err->code, "BucketAlreadyOwnedByYou") == 0 ||
	    (strcmp(err->code, "BucketAlreadyExists") == 0 &&
	    s3_bucket_exists(c, bucket, &e2) == 1))
		rc = S3_OK;
	if (rc == S3_OK) {
		c->stats.failures--;
		clear_err(err);
	}
	return rc;
}

/* An absolute http(s) URL without whitespace or control characters. */
static int
valid_url(const char *u)
{
	if (u == NULL || (strncasecmp(u, "http://", 7) != 0 &&
	    strncasecmp(u, "https://", 8) != 0))
		return 0;
	for (; *u != '\0'; u++)
		if ((unsigned char)*u <= 0x20 || (unsigned char)*u == 0x7f)
			return 0;
	return 1;
}

int
s3_fetch_url(struct s3_client *c, const char *url, size_t max_bytes,
    unsigned char **data, size_t *len, struct s3_error *err)
{
	struct s3_req	 req;
	struct s3_resp	 resp;
	int		 rc;

	if (c == NULL || data == NULL || len == NULL)
		return S3_EINVAL;
	*data = NULL;
	*len = 0;
	clear_err(err);
	if (!valid_url(url)) {
		s3i_set_err(err, 0, "InvalidArgument", "not an http(s) URL");
		return S3_EINVAL;
	}
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	req.max_bytes = max_bytes;
	req.follow = 1;
	rc = s3i_perform(c, &req, &resp, err);
	if (rc == S3_OK)
		rc = take_body(&resp, data, len, err);
	s3i_resp_free(&resp);
	return rc;
}

int
s3_put_url(struct s3_client *c, const char *url, const void *data,
    size_t len, const char *content_type, struct s3_error *err)
{
	struct sigv4_header	 h[1];
	struct s3_req		 req;
	struct s3_resp		 resp;
	int			 rc;

	if (c == NULL)
		return S3_EINVAL;
	clear_err(err);
	if (!valid_url(url) || (data == NULL && len > 0)) {
		s3i_set_err(err, 0, "InvalidArgument", "bad URL or data");
		return S3_EINVAL;
	}
	memset(&req, 0, sizeof(req));
	req.method = "PUT";
	req.url = url;
	req.body = data;
	req.len = len;
	req.max_bytes = S3_ERRBODY_MAX;
	if (content_type != NULL) {
		h[0].name = "Content-Type";
		h[0].value = content_type;
		req.headers = h;
		req.nheaders = 1;
	}
	rc = s3i_perform(c, &req, &resp, err);
	s3i_resp_free(&resp);
	return rc;
}

void
s3_client_stats(const struct s3_client *c, struct s3_stats *st)
{
	if (st == NULL)
		return;
	if (c == NULL)
		memset(st, 0, sizeof(*st));
	else
		*st = c->stats;
}
