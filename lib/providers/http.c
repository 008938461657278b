/*
 * The `http` provider: submit a job to a hosted try-on (FASHN v1) or
 * image-to-video API, keep its id, poll it to the end.  The wire shapes,
 * the retry policy and the error mapping are in lib/providers/http.h.
 *
 * Everything that comes back from the remote is parsed here, in
 * parse_answer(), with the body capped at HTTP_MAX_BODY.
 */
#include <sys/random.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "buf.h"
#include "jsonv.h"
#include "provider.h"
#include "http.h"
#include "util.h"

#define HTTP_MAX_BODY	(1024 * 1024)	/* cap on any answer body */
#define HTTP_MAX_URL	8192		/* cap on an output URL */
#define HTTP_MAX_ID	200		/* fits struct queue_job.provider_ref */
#define HTTP_MAX_KEY	1024
#define HTTP_MAX_NAME	64		/* model names, modes, error names */
#define HTTP_HB_SLICE	5000		/* heartbeat at least this often (ms) */
#define HTTP_JSON_DEPTH	16
#define HTTP_RA_MAX	86400		/* Retry-After values beyond: ignored */

struct http_ctx {
	CURL	*curl;
	char	*base;		/* without a trailing '/' */
	char	*vbase;
	char	*auth;		/* "Authorization: Bearer ..." */
	char	*vauth;
	char	*model;		/* "" = flat form */
	char	*mode;
	char	*vmodel;
	long	 connect_ms;
	long	 request_ms;
	long	 job_ms;
	long	 poll_min_ms;
	long	 poll_max_ms;
	long	 retry_base_ms;
	long	 retry_max_ms;
	int	 max_retries;
	uint64_t rng;		/* xorshift64 state for the jitter */
};

/* One HTTP answer. */
struct http_resp {
	long	 status;	/* 0 when no answer */
	char	*body;		/* NUL-terminated, malloc'd */
	size_t	 len;
	int	 too_big;
	long	 retry_after_ms; /* -1: not given */
};

/* One tryon or animate call. */
struct http_run {
	struct http_ctx			*c;
	const struct provider_hooks	*hooks;
	const char			*what;	/* "tryon" or "animate" */
	const char			*base;
	const char			*auth;
	int64_t				 deadline; /* monotonic ms */
	struct job_error		*err;
};

/* What a poll ended with. */
enum poll_result {
	POLL_DONE,		/* *url set */
	POLL_NOTFOUND,		/* 404: the remote does not know the id */
	POLL_REMOTE_FAILED,	/* status "failed"; err set */
	POLL_ERROR		/* anything else; err set */
};

/* Runtime failure names (FASHN's catalogue) that are the inputs' fault. */
static const struct {
	const char	*name;
	enum job_err	 code;
} rejections[] = {
	{ "NSFWError", JOB_ERR_PHOTO_NSFW },
	{ "ImageLoadError", JOB_ERR_PROVIDER_REJECTED },
	{ "PoseError", JOB_ERR_PROVIDER_REJECTED },
	{ "PhotoTypeError", JOB_ERR_PROVIDER_REJECTED },
	{ "InputValidationError", JOB_ERR_PROVIDER_REJECTED },
	{ "ContentModerationError", JOB_ERR_PROVIDER_REJECTED },
	{ NULL, JOB_ERR_INTERNAL }
};

/* ---- small helpers ----------------------------------------------- */

static int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int64_t ms)
{
	struct timespec	 ts, rem;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &rem) == -1 && errno == EINTR)
		ts = rem;
}

static uint64_t
rng_next(struct http_ctx *c)
{
	uint64_t	 x = c->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	c->rng = x;
	return x;
}

/*
 * Is s a plain token of 1..max characters from [A-Za-z0-9._:-]?  Used
 * for prediction ids (they go into a URL path unescaped), model names,
 * modes and remote error names.  1 or 0.
 */
static int
is_token(const char *s, size_t max)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i >= max)
			return 0;
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == ':' || s[i] == '-'))
			return 0;
	}
	return i > 0;
}

/*
 * Is s an absolute http(s) URL with a host, of at most HTTP_MAX_URL
 * bytes and without spaces or control characters?  1 or 0.
 */
static int
is_http_url(const char *s)
{
	CURLU	*u;
	char	*host = NULL;
	size_t	 i;
	int	 ok;

	if (strncasecmp(s, "http://", 7) != 0 &&
	    strncasecmp(s, "https://", 8) != 0)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= HTTP_MAX_URL || (unsigned char)s[i] <= 0x20 ||
		    (unsigned char)s[i] >= 0x7f)
			return 0;
	u = curl_url();
	if (u == NULL)
		return 0;
	ok = curl_url_set(u, CURLUPART_URL, s, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    host != NULL && host[0] != '\0';
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

/* strdup(s), or of "" when s is NULL.  NULL on ENOMEM. */
static char *
dup_or_empty(const char *s)
{
	return strdup(s == NULL ? "" : s);
}

/*
 * A base URL copied without its trailing slashes; NULL (and a reason in
 * err) when it is not a usable http(s) URL without query or fragment.
 */
static char *
dup_base(const char *s, const char *what, char *err, size_t errlen)
{
	char	*b;
	size_t	 n;

	if (s == NULL || !is_http_url(s) || strchr(s, '?') != NULL ||
	    strchr(s, '#') != NULL || strlen(s) > 1024) {
		snprintf(err, errlen, "provider_http: %s is not an http(s) "
		    "base URL", what);
		return NULL;
	}
	b = strdup(s);
	if (b == NULL) {
		snprintf(err, errlen, "provider_http: out of memory");
		return NULL;
	}
	n = strlen(b);
	while (n > 0 && b[n - 1] == '/')
		b[--n] = '\0';
	return b;
}

/*
 * The "Authorization: Bearer KEY" header line, malloc'd; NULL (reason in
 * err) when the key is empty, too long, or has bytes that do not belong
 * in a header.
 */
static char *
make_auth(const char *key, const char *what, char *err, size_t errlen)
{
	char	*h;
	size_t	 i, n;

	n = key == NULL ? 0 : strlen(key);
	if (n == 0 || n > HTTP_MAX_KEY) {
		snprintf(err, errlen, "provider_http: %s is missing or too "
		    "long", what);
		return NULL;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)key[i] <= 0x20 ||
		    (unsigned char)key[i] >= 0x7f) {
			snprintf(err, errlen, "provider_http: %s has a "
			    "character not allowed in a header", what);
			return NULL;
		}
	n += sizeof("Authorization: Bearer ");
	h = malloc(n);
	if (h == NULL) {
		snprintf(err, errlen, "provider_http: out of memory");
		return NULL;
	}
	snprintf(h, n, "Authorization: Bearer %s", key);
	return h;
}

/* ---- libcurl ----------------------------------------------------- */

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct http_resp	*r = arg;
	int			 rc;

	rc = buf_append_capped(&r->body, &r->len, HTTP_MAX_BODY, p, size * n);
	if (rc == 1)
		r->too_big = 1;
	return rc == 0 ? size * n : 0;	/* 0 aborts the transfer */
}

/*
 * Retry-After: delta-seconds or an HTTP date; anything else, or a value
 * beyond HTTP_RA_MAX, is ignored.
 */
static void
parse_retry_after(struct http_resp *r, const char *v, size_t vlen)
{
	char	 buf[64];
	int64_t	 s;
	time_t	 t;

	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' ||
	    v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (vlen == 0 || vlen >= sizeof(buf))
		return;
	memcpy(buf, v, vlen);
	buf[vlen] = '\0';
	if (buf[0] >= '0' && buf[0] <= '9') {
		if (util_parse_i64(buf, 0, HTTP_RA_MAX, &s) == UTIL_OK)
			r->retry_after_ms = (long)s * 1000;
		return;
	}
	t = curl_getdate(buf, NULL);
	if (t == -1)
		return;
	s = (int64_t)t - (int64_t)time(NULL);
	if (s < 0)
		s = 0;
	if (s <= HTTP_RA_MAX)
		r->retry_after_ms = (long)s * 1000;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct http_resp	*r = arg;
	size_t			 len = size * n;

	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0)
		r->retry_after_ms = -1;	/* a new response (after a 100) */
	else if (len > 12 && strncasecmp(p, "retry-after:", 12) == 0)
		parse_retry_after(r, p + 12, len - 12);
	return len;
}

/*
 * One HTTP exchange: GET url, or POST body (JSON) when body is not NULL,
 * with the given Authorization header line.  r is reset first and its
 * body must be freed by the caller whatever the result.  Returns the
 * curl result; r->status is 0 when no answer came.
 */
static CURLcode
http_once(struct http_ctx *c, const char *url, const char *auth,
    const char *body, struct http_resp *r)
{
	struct curl_slist	*hl = NULL, *t;
	CURLcode		 cc = CURLE_OUT_OF_MEMORY;

	free(r->body);
	memset(r, 0, sizeof(*r));
	r->retry_after_ms = -1;

	curl_easy_reset(c->curl);	/* keeps the connection cache */
	t = curl_slist_append(hl, auth);
	if (t == NULL)
		goto done;
	hl = t;
	t = curl_slist_append(hl, "Accept: application/json");
	if (t == NULL)
		goto done;
	hl = t;
	if (body != NULL) {
		t = curl_slist_append(hl, "Content-Type: application/json");
		if (t == NULL)
			goto done;
		hl = t;
		t = curl_slist_append(hl, "Expect:");
		if (t == NULL)
			goto done;
		hl = t;
	}
	cc = curl_easy_setopt(c->curl, CURLOPT_URL, url);
	if (cc != CURLE_OK)
		goto done;
	cc = curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (cc != CURLE_OK)
		goto done;
	cc = curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	if (cc != CURLE_OK)
		goto done;
	cc = curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS,
	    c->connect_ms);
	if (cc != CURLE_OK)
		goto done;
	cc = curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, c->request_ms);
	if (cc != CURLE_OK)
		goto done;
	cc = curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "primerka/1");
	if (cc != CURLE_OK)
		goto done;
	cc = curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hl);
	if (cc != CURLE_OK)
		goto done;
	cc = curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
	if (cc != CURLE_OK)
		goto done;
	cc = curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, r);
	if (cc != CURLE_OK)
		goto done;
	cc = curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header);
	if (cc != CURLE_OK)
		goto done;
	cc = curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, r);
	if (cc != CURLE_OK)
		goto done;
	cc = curl_easy_setopt(c->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	if (cc != CURLE_OK)
		goto done;
	if (body != NULL) {
		cc = curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
		if (cc != CURLE_OK)
			goto done;
		cc = curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)strlen(body));
		if (cc != CURLE_OK)
			goto done;
	}
	cc = curl_easy_perform(c->curl);
	if (cc == CURLE_OK || r->too_big)
		(void)curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE,
		    &r->status);
done:
	/* Nothing of the request (the key) stays behind in the handle. */
	(void)curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hl);
	return cc;
}

/* ---- waiting ----------------------------------------------------- */

/* Call the heartbeat hook; 0, or -1 with err set when the job is lost. */
static int
run_heartbeat(struct http_run *r)
{
	if (r->hooks != NULL && r->hooks->heartbeat != NULL &&
	    r->hooks->heartbeat(r->hooks->arg) == -1) {
		job_error_set(r->err, JOB_ERR_INTERNAL,
		    "http: %s: job lost (heartbeat)", r->what);
		return -1;
	}
	return 0;
}

/*
 * Wait ms, but never past the deadline, in slices of at most
 * HTTP_HB_SLICE ms with a heartbeat between them (poll_job() beats
 * before each poll).  0, or -1 with err set (job lost).
 */
static int
run_wait(struct http_run *r, int64_t ms)
{
	int64_t	 end, now;

	now = now_ms();
	end = now + ms;
	if (end > r->deadline)
		end = r->deadline;
	for (;;) {
		int64_t	 d = end - now;

		if (d > HTTP_HB_SLICE)
			d = HTTP_HB_SLICE;
		sleep_ms(d);
		now = now_ms();
		if (now >= end)
			return 0;
		if (run_heartbeat(r) == -1)
			return -1;
	}
}

/* Backoff before retry number attempt (0-based), with equal jitter. */
static int64_t
backoff_ms(struct http_ctx *c, int attempt)
{
	int64_t	 d = c->retry_base_ms;
	int	 i;

	for (i = 0; i < attempt && d < c->retry_max_ms; i++)
		d *= 2;
	if (d > c->retry_max_ms)
		d = c->retry_max_ms;
	return d / 2 + (int64_t)(rng_next(c) % (uint64_t)(d / 2 + 1));
}

/*
 * One request with the retry policy: 429, 5xx and network errors are
 * retried up to max_retries times; the Retry-After of a 429 or 503 is
 * waited out (as long as the deadline allows).
 * Returns 0 with the final answer in resp (2xx, or a status the caller
 * must map: 1xx/3xx/4xx), or -1 with err set.  resp->body is the
 * caller's to free either way.
 */
static int
request(struct http_run *r, const char *stage, const char *url,
    const char *body, struct http_resp *resp)
{
	struct http_ctx	*c = r->c;
	CURLcode	 cc;
	int		 attempt;

	for (attempt = 0; ; attempt++) {
		int64_t	 wait;

		cc = http_once(c, url, r->auth, body, resp);
		if (resp->too_big) {
			job_error_set(r->err, JOB_ERR_PROVIDER_ERROR,
			    "http: %s %s: answer over %d bytes", r->what,
			    stage, HTTP_MAX_BODY);
			return -1;
		}
		if (cc == CURLE_OK && resp->status != 429 &&
		    resp->status < 500)
			return 0;
		if (cc == CURLE_OUT_OF_MEMORY) {
			job_error_set(r->err, JOB_ERR_INTERNAL,
			    "http: %s %s: out of memory", r->what, stage);
			return -1;
		}
		/* A transient failure. */
		if (attempt >= c->max_retries)
			break;
		wait = backoff_ms(c, attempt);
		if (cc == CURLE_OK && (resp->status == 429 ||
		    resp->status == 503) && resp->retry_after_ms > wait)
			wait = resp->retry_after_ms;
		if (now_ms() + wait >= r->deadline) {
			job_error_set(r->err, JOB_ERR_PROVIDER_TIMEOUT,
			    "http: %s %s: no time left to retry (%s %ld)",
			    r->what, stage, cc == CURLE_OK ? "HTTP" : "curl",
			    cc == CURLE_OK ? resp->status : (long)cc);
			return -1;
		}
		if (run_wait(r, wait) == -1)
			return -1;
	}
	if (cc == CURLE_OPERATION_TIMEDOUT)
		job_error_set(r->err, JOB_ERR_PROVIDER_TIMEOUT,
		    "http: %s %s: timed out, %d retries", r->what, stage,
		    c->max_retries);
	else if (cc != CURLE_OK)
		job_error_set(r->err, JOB_ERR_PROVIDER_ERROR,
		    "http: %s %s: %s, %d retries", r->what, stage,
		    curl_easy_strerror(cc), c->max_retries);
	else
		job_error_set(r->err, JOB_ERR_PROVIDER_ERROR,
		    "http: %s %s: HTTP %ld, %d retries", r->what, stage,
		    resp->status, c->max_retries);
	return -1;
}

/* ---- answers ----------------------------------------------------- */

/*
 * Parse a JSON object answer (strict, UTF-8, depth-bounded, nothing
 * after it).  The object (caller puts) or NULL.
 */
static struct json_object *
parse_answer(const struct http_resp *resp)
{
	return jsonv_parse_object(resp->body, resp->len, HTTP_JSON_DEPTH);
}

/* The string member key of o, or NULL. */
static const char *
get_str(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/*
 * The remote's error name from an "error" member that is a string or an
 * object with "name" (or "error"); "" when absent, "(unnamed)" when not
 * a plain token (never copied: it might hold a URL).
 */
static void
error_name(struct json_object *o, char *buf, size_t len)
{
	struct json_object	*e;
	const char		*s = NULL;

	buf[0] = '\0';
	if (o == NULL || !json_object_object_get_ex(o, "error", &e) ||
	    e == NULL)
		return;
	if (json_object_is_type(e, json_type_string))
		s = json_object_get_string(e);
	else if (json_object_is_type(e, json_type_object)) {
		s = get_str(e, "name");
		if (s == NULL)
			s = get_str(e, "error");
	}
	if (s != NULL && is_token(s, HTTP_MAX_NAME))
		util_strlcpy(buf, s, len);
	else
		util_strlcpy(buf, "(unnamed)", len);
}

/* Map a failed prediction's error name to a job error in r->err. */
static void
map_failure(struct http_run *r, const char *name)
{
	size_t	 i;

	for (i = 0; rejections[i].name != NULL; i++)
		if (strcmp(name, rejections[i].name) == 0) {
			job_error_set(r->err, rejections[i].code,
			    "http: %s failed: %s", r->what, name);
			return;
		}
	job_error_set(r->err, JOB_ERR_PROVIDER_ERROR,
	    "http: %s failed: %s", r->what, name[0] ? name : "(no error)");
}

/*
 * Map a final non-2xx answer (not 404 while polling) to r->err.  The
 * remote's error name is quoted when it is a plain token.
 */
static void
map_status(struct http_run *r, const char *stage,
    const struct http_resp *resp)
{
	struct json_object	*o;
	char			 name[HTTP_MAX_NAME + 1];

	o = parse_answer(resp);
	error_name(o, name, sizeof(name));
	json_object_put(o);
	if (resp->status == 401 || resp->status == 403)
		job_error_set_final(r->err, JOB_ERR_PROVIDER_ERROR,
		    "http: %s %s: HTTP %ld %s (the API key was refused)",
		    r->what, stage, resp->status, name);
	else if (resp->status >= 400 && resp->status < 500)
		job_error_set(r->err, JOB_ERR_PROVIDER_REJECTED,
		    "http: %s %s: HTTP %ld %s", r->what, stage, resp->status,
		    name);
	else
		job_error_set(r->err, JOB_ERR_PROVIDER_ERROR,
		    "http: %s %s: unexpected HTTP %ld", r->what, stage,
		    resp->status);
}

/* ---- submit and poll --------------------------------------------- */

/*
 * POST body to {base}{path}; the new prediction id into id (idlen
 * bytes).  0, or -1 with err set.
 */
static int
submit(struct http_run *r, const char *path, const char *body, char *id,
    size_t idlen)
{
	struct http_resp	 resp = { 0 };
	struct json_object	*o = NULL;
	const char		*s;
	char			*url = NULL, name[HTTP_MAX_NAME + 1];
	size_t			 n;
	int			 rc = -1;

	n = strlen(r->base) + strlen(path) + 1;
	url = malloc(n);
	if (url == NULL) {
		job_error_set(r->err, JOB_ERR_INTERNAL,
		    "http: out of memory");
		goto fail;
	}
	snprintf(url, n, "%s%s", r->base, path);
	if (request(r, "submit", url, body, &resp) == -1)
		goto fail;
	if (resp.status < 200 || resp.status > 299) {
		map_status(r, "submit", &resp);
		goto fail;
	}
	o = parse_answer(&resp);
	if (o == NULL) {
		job_error_set(r->err, JOB_ERR_PROVIDER_ERROR,
		    "http: %s submit: malformed answer", r->what);
		goto fail;
	}
	s = get_str(o, "id");
	if (s == NULL || !is_token(s, HTTP_MAX_ID) || strlen(s) >= idlen) {
		error_name(o, name, sizeof(name));
		if (name[0] != '\0')
			map_failure(r, name);
		else
			job_error_set(r->err, JOB_ERR_PROVIDER_ERROR,
			    "http: %s submit: no valid id in the answer",
			    r->what);
		goto fail;
	}
	util_strlcpy(id, s, idlen);
	rc = 0;
fail:
	json_object_put(o);
	free(resp.body);
	free(url);
	return rc;
}

/*
 * Poll {base}/v1/status/{id} until the prediction ends, the deadline
 * passes or the job is lost.  The first poll comes at once when
 * immediate, else after poll_min_ms.  On POLL_DONE *url is the output
 * (malloc'd, the caller's).
 */
static enum poll_result
poll_job(struct http_run *r, const char *id, int immediate, char **url)
{
	struct http_ctx		*c = r->c;
	struct http_resp	 resp = { 0 };
	struct json_object	*o = NULL, *out, *u;
	const char		*st = "none", *s;
	char			*surl = NULL, name[HTTP_MAX_NAME + 1];
	int64_t			 interval = c->poll_min_ms;
	enum poll_result	 pr = POLL_ERROR;
	size_t			 n;

	n = strlen(r->base) + sizeof("/v1/status/") + strlen(id);
	surl = malloc(n);
	if (surl == NULL) {
		job_error_set(r->err, JOB_ERR_INTERNAL,
		    "http: out of memory");
		goto done;
	}
	snprintf(surl, n, "%s/v1/status/%s", r->base, id);
	if (!immediate && run_wait(r, interval) == -1)
		goto done;
	for (;;) {
		if (now_ms() >= r->deadline) {
			job_error_set(r->err, JOB_ERR_PROVIDER_TIMEOUT,
			    "http: %s: still %s after %ld ms", r->what, st,
			    c->job_ms);
			goto done;
		}
		if (run_heartbeat(r) == -1)
			goto done;
		if (request(r, "poll", surl, NULL, &resp) == -1)
			goto done;
		if (resp.status == 404) {
			pr = POLL_NOTFOUND;
			job_error_set(r->err, JOB_ERR_PROVIDER_ERROR,
			    "http: %s poll: the remote does not know the id",
			    r->what);
			goto done;
		}
		if (resp.status < 200 || resp.status > 299) {
			map_status(r, "poll", &resp);
			goto done;
		}
		json_object_put(o);
		o = parse_answer(&resp);
		s = NULL;
		if (o != NULL)
			s = get_str(o, "status");
		if (s == NULL) {
			job_error_set(r->err, JOB_ERR_PROVIDER_ERROR,
			    "http: %s poll: malformed answer", r->what);
			goto done;
		}
		if (strcmp(s, "completed") == 0) {
			u = NULL;
			if (json_object_object_get_ex(o, "output", &out) &&
			    json_object_is_type(out, json_type_array) &&
			    json_object_array_length(out) >= 1)
				u = json_object_array_get_idx(out, 0);
			if (u == NULL ||
			    !json_object_is_type(u, json_type_string) ||
			    !is_http_url(json_object_get_string(u))) {
				job_error_set(r->err, JOB_ERR_PROVIDER_ERROR,
				    "http: %s: completed without an http(s) "
				    "output URL", r->what);
				goto done;
			}
			*url = strdup(json_object_get_string(u));
			if (*url == NULL) {
				job_error_set(r->err, JOB_ERR_INTERNAL,
				    "http: out of memory");
				goto done;
			}
			pr = POLL_DONE;
			goto done;
		}
		if (strcmp(s, "failed") == 0) {
			error_name(o, name, sizeof(name));
			map_failure(r, name);
			pr = POLL_REMOTE_FAILED;
			goto done;
		}
		if (strcmp(s, "starting") == 0)
			st = "starting";
		else if (strcmp(s, "in_queue") == 0)
			st = "in_queue";
		else if (strcmp(s, "processing") == 0)
			st = "processing";
		else {
			job_error_set(r->err, JOB_ERR_PROVIDER_ERROR,
			    "http: %s poll: unknown status", r->what);
			goto done;
		}
		if (run_wait(r, interval) == -1)
			goto done;
		interval *= 2;
		if (interval > c->poll_max_ms)
			interval = c->poll_max_ms;
	}
done:
	json_object_put(o);
	free(resp.body);
	free(surl);
	return pr;
}

/*
 * The common flow: resume hooks->ref if it is one of ours, else (or when
 * the remote no longer knows it, or it failed retryably) submit body to
 * path, save the new id, poll to the end.  0 and *url, or -1 and err.
 */
static int
run_job(struct http_run *r, const char *path, const char *body,
    char **url)
{
	const struct provider_hooks	*h = r->hooks;
	char				 id[HTTP_MAX_ID + 1];
	enum poll_result		 pr;

	if (h != NULL && h->ref != NULL && is_token(h->ref, HTTP_MAX_ID)) {
		pr = poll_job(r, h->ref, 1, url);
		if (pr == POLL_DONE)
			return 0;
		if (pr == POLL_ERROR ||
		    (pr == POLL_REMOTE_FAILED && !r->err->retryable))
			return -1;
		/* Unknown, or failed for good: a new prediction. */
	}
	if (submit(r, path, body, id, sizeof(id)) == -1)
		return -1;
	if (h != NULL && h->save_ref != NULL &&
	    h->save_ref(h->arg, id) == -1) {
		job_error_set(r->err, JOB_ERR_INTERNAL,
		    "http: %s: job lost (saving the ref)", r->what);
		return -1;
	}
	pr = poll_job(r, id, 0, url);
	return pr == POLL_DONE ? 0 : -1;
}

/* Start a call: r filled for provider p on base/auth.  */
static void
run_init(struct http_run *r, struct provider *p, const char *what,
    int video, const struct provider_hooks *hooks,
    struct job_error *err)
{
	struct http_ctx	*c = p->ctx;

	memset(r, 0, sizeof(*r));
	r->c = c;
	r->hooks = hooks;
	r->what = what;
	r->base = video ? c->vbase : c->base;
	r->auth = video ? c->vauth : c->auth;
	r->deadline = now_ms() + c->job_ms;
	r->err = err;
}

/* json_object_new_string() added to o as key; 0 or -1 (ENOMEM). */
static int
add_str(struct json_object *o, const char *key, const char *val)
{
	return jsonv_add(o, key, json_object_new_string(val));
}

/*
 * o serialised (compact, slashes unescaped), malloc'd; NULL on ENOMEM.
 */
static char *
to_json(struct json_object *o)
{
	const char	*s;

	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	return s == NULL ? NULL : strdup(s);
}

static int
is_category(const char *s)
{
	return s != NULL && (strcmp(s, "tops") == 0 ||
	    strcmp(s, "bottoms") == 0 || strcmp(s, "one-pieces") == 0 ||
	    strcmp(s, "auto") == 0);
}

/* The /v1/run body for rq (see the header), malloc'd; NULL on ENOMEM. */
static char *
tryon_body(struct http_ctx *c, const struct provider_tryon_req *rq)
{
	struct json_object	*top, *in;
	char			*s = NULL;

	top = json_object_new_object();
	if (top == NULL)
		return NULL;
	in = top;
	if (c->model[0] != '\0') {
		in = json_object_new_object();
		if (in == NULL)
			goto done;
		if (add_str(top, "model_name", c->model) == -1 ||
		    json_object_object_add(top, "inputs", in) != 0) {
			json_object_put(in);
			goto done;
		}
	}
	if (add_str(in, "model_image", rq->user_photo_url) == -1 ||
	    add_str(in, "garment_image", rq->outfit_url) == -1 ||
	    (is_category(rq->category) &&
	    add_str(in, "category", rq->category) == -1) ||
	    (c->mode[0] != '\0' && add_str(in, "mode", c->mode) == -1))
		goto done;
	if (rq->seed > 0 && json_object_object_add(in, "seed",
	    json_object_new_int64(rq->seed)) != 0)
		goto done;
	s = to_json(top);
done:
	json_object_put(top);
	return s;
}

/* The /v1/animate body for rq, malloc'd; NULL on ENOMEM. */
static char *
animate_body(struct http_ctx *c, const struct provider_animate_req *rq)
{
	struct json_object	*o;
	char			*s = NULL;

	o = json_object_new_object();
	if (o == NULL)
		return NULL;
	if (add_str(o, "image", rq->image_url) == -1 ||
	    (rq->prompt != NULL && rq->prompt[0] != '\0' &&
	    add_str(o, "prompt", rq->prompt) == -1) ||
	    (c->vmodel[0] != '\0' &&
	    add_str(o, "model_name", c->vmodel) == -1))
		goto done;
	s = to_json(o);
done:
	json_object_put(o);
	return s;
}

static int
http_tryon(struct provider *p, const struct provider_tryon_req *rq,
    const struct provider_hooks *hooks, char **url,
    struct job_error *err)
{
	struct http_run	 r;
	char		*body;
	int		 rc;

	*url = NULL;
	run_init(&r, p, "tryon", 0, hooks, err);
	if (rq->user_photo_url == NULL || rq->outfit_url == NULL ||
	    !is_http_url(rq->user_photo_url) || !is_http_url(rq->outfit_url)) {
		job_error_set_final(err, JOB_ERR_INTERNAL,
		    "http: tryon: input URLs must be http(s)");
		return -1;
	}
	body = tryon_body(p->ctx, rq);
	if (body == NULL) {
		job_error_set(err, JOB_ERR_INTERNAL, "http: out of memory");
		return -1;
	}
	rc = run_job(&r, "/v1/run", body, url);
	free(body);
	return rc;
}

static int
http_animate(struct provider *p, const struct provider_animate_req *rq,
    const struct provider_hooks *hooks, char **url,
    struct job_error *err)
{
	struct http_run	 r;
	char		*body;
	int		 rc;

	*url = NULL;
	run_init(&r, p, "animate", 1, hooks, err);
	if (rq->image_url == NULL || !is_http_url(rq->image_url)) {
		job_error_set_final(err, JOB_ERR_INTERNAL,
		    "http: animate: the image URL must be http(s)");
		return -1;
	}
	body = animate_body(p->ctx, rq);
	if (body == NULL) {
		job_error_set(err, JOB_ERR_INTERNAL, "http: out of memory");
		return -1;
	}
	rc = run_job(&r, "/v1/animate", body, url);
	free(body);
	return rc;
}

static void
http_free(struct provider *p)
{
	struct http_ctx	*c;

	if (p == NULL)
		return;
	c = p->ctx;
	if (c != NULL) {
		if (c->curl != NULL)
			curl_easy_cleanup(c->curl);
		free(c->base);
		free(c->vbase);
		util_free_secret(c->auth);
		util_free_secret(c->vauth);
		free(c->model);
		free(c->mode);
		free(c->vmodel);
		free(c);
	}
	free(p);
}

void
provider_http_config_default(struct provider_http_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->connect_timeout_ms = 10000;
	cfg->request_timeout_ms = 60000;
	cfg->job_timeout_ms = 300000;
	cfg->poll_min_ms = 1000;
	cfg->poll_max_ms = 5000;
	cfg->retry_base_ms = 500;
	cfg->retry_max_ms = 30000;
	cfg->max_retries = 4;
	cfg->max_concurrency = 4;
}

/* An optional token setting: "" or a plain token.  0 or -1 (err set). */
static int
check_opt_token(const char *s, const char *what, char *err, size_t errlen)
{
	if (s == NULL || s[0] == '\0' || is_token(s, HTTP_MAX_NAME))
		return 0;
	snprintf(err, errlen, "provider_http: %s must be a plain name", what);
	return -1;
}

struct provider *
provider_http_new(const struct provider_http_config *cfg, char *err,
    size_t errlen)
{
	struct provider		*p = NULL;
	struct http_ctx		*c = NULL;
	const char		*vb, *vk;

	if (cfg->connect_timeout_ms < 1 || cfg->request_timeout_ms < 1 ||
	    cfg->job_timeout_ms < 1 || cfg->poll_min_ms < 1 ||
	    cfg->poll_max_ms < cfg->poll_min_ms || cfg->retry_base_ms < 1 ||
	    cfg->retry_max_ms < cfg->retry_base_ms ||
	    cfg->connect_timeout_ms > 3600000 ||
	    cfg->request_timeout_ms > 3600000 ||
	    cfg->job_timeout_ms > 86400000 || cfg->poll_max_ms > 3600000 ||
	    cfg->retry_max_ms > 3600000 || cfg->max_retries < 0 ||
	    cfg->max_retries > 20 || cfg->max_concurrency < 0) {
		snprintf(err, errlen, "provider_http: a timeout, interval or "
		    "count is out of range");
		return NULL;
	}
	if (check_opt_token(cfg->model_name, "model_name", err, errlen) ==
	    -1 || check_opt_token(cfg->mode, "mode", err, errlen) == -1 ||
	    check_opt_token(cfg->video_model_name, "video_model_name", err,
	    errlen) == -1)
		return NULL;
	p = calloc(1, sizeof(*p));
	c = calloc(1, sizeof(*c));
	if (p == NULL || c == NULL) {
		free(p);
		free(c);
		snprintf(err, errlen, "provider_http: out of memory");
		return NULL;
	}
	p->ctx = c;
	p->name = "http";
	p->max_concurrency = cfg->max_concurrency;
	p->tryon = http_tryon;
	p->animate = http_animate;
	p->release = NULL;	/* results live on the remote's storage */
	p->free = http_free;

	vb = cfg->video_base_url != NULL && cfg->video_base_url[0] != '\0' ?
	    cfg->video_base_url : cfg->base_url;
	vk = cfg->video_api_key != NULL && cfg->video_api_key[0] != '\0' ?
	    cfg->video_api_key : cfg->api_key;
	c->base = dup_base(cfg->base_url, "base_url", err, errlen);
	if (c->base == NULL)
		goto fail;
	c->vbase = dup_base(vb, "video_base_url", err, errlen);
	if (c->vbase == NULL)
		goto fail;
	c->auth = make_auth(cfg->api_key, "api_key", err, errlen);
	if (c->auth == NULL)
		goto fail;
	c->vauth = make_auth(vk, "video_api_key", err, errlen);
	if (c->vauth == NULL)
		goto fail;
	c->model = dup_or_empty(cfg->model_name);
	c->mode = dup_or_empty(cfg->mode);
	c->vmodel = dup_or_empty(cfg->video_model_name);
	if (c->model == NULL || c->mode == NULL || c->vmodel == NULL) {
		snprintf(err, errlen, "provider_http: out of memory");
		goto fail;
	}
	c->curl = curl_easy_init();
	if (c->curl == NULL) {
		snprintf(err, errlen, "provider_http: curl_easy_init failed");
		goto fail;
	}
	c->connect_ms = cfg->connect_timeout_ms;
	c->request_ms = cfg->request_timeout_ms;
	c->job_ms = cfg->job_timeout_ms;
	c->poll_min_ms = cfg->poll_min_ms;
	c->poll_max_ms = cfg->poll_max_ms;
	c->retry_base_ms = cfg->retry_base_ms;
	c->retry_max_ms = cfg->retry_max_ms;
	c->max_retries = cfg->max_retries;
	if (getrandom(&c->rng, sizeof(c->rng), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(c->rng))
		c->rng = (uint64_t)now_ms() ^ ((uint64_t)getpid() << 32);
	if (c->rng == 0)
		c->rng = 0x9e3779b97f4a7c15ULL;
	return p;
fail:
	http_free(p);
	return NULL;
}
