/*
 * The transport the hosted vendors' adapters share (see remote.h):
 * libcurl exchanges with retries, waiting with heartbeats, the
 * submit-then-poll flow with resumption, and the small validated
 * helpers every adapter needs for URLs, keys and JSON.
 *
 * Everything that comes back from a vendor passes remote_json() (strict
 * JSON, depth-bounded, nothing after it) with the body capped at
 * REMOTE_MAX_BODY before any adapter looks at it.
 */
#include <sys/random.h>

#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "app.h"
#include "buf.h"
#include "conftab.h"
#include "jsonv.h"
#include "log.h"
#include "provider.h"
#include "remote.h"
#include "util.h"

#define REMOTE_MAX_KEY	1024
#define REMOTE_HB_SLICE	5000	/* heartbeat at least this often (ms) */
#define REMOTE_JSON_DEPTH 16
#define REMOTE_RA_MAX	86400	/* Retry-After values beyond: ignored */

struct remote {
	CURL			*curl;
	struct remote_config	 cfg;
	uint64_t		 rng;	/* xorshift64 state for the jitter */
};

/* ---- small helpers ----------------------------------------------- */

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
rng_next(struct remote *c)
{
	uint64_t	 x = c->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	c->rng = x;
	return x;
}

int
remote_is_token(const char *s, size_t max)
{
	size_t	 i;

	if (s == NULL)
		return 0;
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

int
remote_is_http_url(const char *s)
{
	CURLU	*u;
	char	*host = NULL;
	size_t	 i;
	int	 ok;

	if (s == NULL || (strncasecmp(s, "http://", 7) != 0 &&
	    strncasecmp(s, "https://", 8) != 0))
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= REMOTE_MAX_URL || (unsigned char)s[i] <= 0x20 ||
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

char *
remote_cat(const char *first, ...)
{
	va_list		 ap;
	const char	*s;
	char		*r;
	size_t		 n = 1, off = 0, k;

	va_start(ap, first);
	for (s = first; s != NULL; s = va_arg(ap, const char *))
		n += strlen(s);
	va_end(ap);
	r = malloc(n);
	if (r == NULL)
		return NULL;
	va_start(ap, first);
	for (s = first; s != NULL; s = va_arg(ap, const char *)) {
		k = strlen(s);
		memcpy(r + off, s, k);
		off += k;
	}
	va_end(ap);
	r[off] = '\0';
	return r;
}

char *
remote_base(const char *s, const char *strip, const char *what, char *err,
    size_t errlen)
{
	char	*b;
	size_t	 n, k;

	if (s == NULL || !remote_is_http_url(s) || strchr(s, '?') != NULL ||
	    strchr(s, '#') != NULL || strlen(s) > 1024) {
		snprintf(err, errlen, "%s is not an http(s) base URL "
		    "(no query or fragment)", what);
		return NULL;
	}
	b = strdup(s);
	if (b == NULL) {
		snprintf(err, errlen, "%s: out of memory", what);
		return NULL;
	}
	n = strlen(b);
	while (n > 0 && b[n - 1] == '/')
		b[--n] = '\0';
	k = strip == NULL ? 0 : strlen(strip);
	if (k > 0 && n > k && strcasecmp(b + n - k, strip) == 0) {
		b[n - k] = '\0';
		n -= k;
		while (n > 0 && b[n - 1] == '/')
			b[--n] = '\0';
	}
	return b;
}

char *
remote_auth(const char *scheme, const char *key, const char *what,
    char *err, size_t errlen)
{
	size_t	 i, n;
	char	*h;

	n = key == NULL ? 0 : strlen(key);
	if (n == 0 || n > REMOTE_MAX_KEY) {
		snprintf(err, errlen, "%s is missing or too long", what);
		return NULL;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)key[i] <= 0x20 ||
		    (unsigned char)key[i] >= 0x7f) {
			snprintf(err, errlen, "%s has a character not "
			    "allowed in a header", what);
			return NULL;
		}
	h = remote_cat("Authorization: ", scheme, " ", key, (char *)NULL);
	if (h == NULL)
		snprintf(err, errlen, "%s: out of memory", what);
	return h;
}

void
remote_unavailable(struct job_error *e)
{
	e->unavailable = 1;
}

void
remote_alert(struct remote_call *c, const char *kind)
{
	log_kv(LOG_LVL_WARN, "provider alert", "provider", c->vendor,
	    "alert", kind, "stage", c->what, (char *)NULL);
	if (c->hooks != NULL && c->hooks->alert != NULL)
		c->hooks->alert(c->hooks->arg, c->vendor, kind);
}

void
remote_credits(struct remote_call *c, const char *id, double credits)
{
	if (c->hooks != NULL && c->hooks->credits != NULL && credits > 0)
		c->hooks->credits(c->hooks->arg, c->vendor, id, credits);
}

/* ---- JSON ------------------------------------------------------- */

struct json_object *
remote_json(const struct remote_resp *resp)
{
	if (resp->body == NULL)
		return NULL;
	return jsonv_parse_object(resp->body, resp->len, REMOTE_JSON_DEPTH);
}

const char *
remote_str(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

char *
remote_json_text(struct json_object *o)
{
	const char	*s;

	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	return s == NULL ? NULL : strdup(s);
}

int
remote_add_str(struct json_object *o, const char *key, const char *val)
{
	return jsonv_add(o, key, json_object_new_string(val));
}

/* ---- libcurl ----------------------------------------------------- */

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct remote_resp	*r = arg;
	int			 rc;

	rc = buf_append_capped(&r->body, &r->len, REMOTE_MAX_BODY, p,
	    size * n);
	if (rc == 1)
		r->too_big = 1;
	return rc == 0 ? size * n : 0;	/* 0 aborts the transfer */
}

/* Trim a header value (p, len) into buf; 0, or -1 when it does not fit. */
static int
header_value(const char *v, size_t vlen, char *buf, size_t len)
{
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' ||
	    v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (vlen == 0 || vlen >= len)
		return -1;
	memcpy(buf, v, vlen);
	buf[vlen] = '\0';
	return 0;
}

/*
 * Retry-After: delta-seconds or an HTTP date; anything else, or a value
 * beyond REMOTE_RA_MAX, is ignored.
 */
static void
parse_retry_after(struct remote_resp *r, const char *v, size_t vlen)
{
	char	 buf[64];
	int64_t	 s;
	time_t	 t;

	if (header_value(v, vlen, buf, sizeof(buf)) == -1)
		return;
	if (buf[0] >= '0' && buf[0] <= '9') {
		if (util_parse_i64(buf, 0, REMOTE_RA_MAX, &s) == UTIL_OK)
			r->retry_after_ms = (long)s * 1000;
		return;
	}
	t = curl_getdate(buf, NULL);
	if (t == -1)
		return;
	s = (int64_t)t - (int64_t)time(NULL);
	if (s < 0)
		s = 0;
	if (s <= REMOTE_RA_MAX)
		r->retry_after_ms = (long)s * 1000;
}

/* x-fashn-credits-used: a plain decimal number, else ignored. */
static void
parse_credits(struct remote_resp *r, const char *v, size_t vlen)
{
	char	 buf[sizeof(r->credits)];
	size_t	 i;

	if (header_value(v, vlen, buf, sizeof(buf)) == -1)
		return;
	for (i = 0; buf[i] != '\0'; i++)
		if (!((buf[i] >= '0' && buf[i] <= '9') || buf[i] == '.'))
			return;
	util_strlcpy(r->credits, buf, sizeof(r->credits));
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct remote_resp	*r = arg;
	size_t			 len = size * n;

	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		r->retry_after_ms = -1;	/* a new response (after a 100) */
		r->credits[0] = '\0';
	} else if (len > 12 && strncasecmp(p, "retry-after:", 12) == 0)
		parse_retry_after(r, p + 12, len - 12);
	else if (len > 21 && strncasecmp(p, "x-fashn-credits-used:", 21) == 0)
		parse_credits(r, p + 21, len - 21);
	return len;
}

/* Append line to *hl; 0 or -1 (ENOMEM, *hl kept). */
static int
add_header(struct curl_slist **hl, const char *line)
{
	struct curl_slist	*t;

	t = curl_slist_append(*hl, line);
	if (t == NULL)
		return -1;
	*hl = t;
	return 0;
}

/*
 * One HTTP exchange.  r is reset first and its body must be freed by
 * the caller whatever the result.  Returns the curl result; r->status
 * is 0 when no answer came.
 */
static CURLcode
http_once(struct remote_call *c, const char *method, const char *url,
    const char *body, struct remote_resp *r)
{
	struct remote		*x = c->r;
	CURL			*h = x->curl;
	struct curl_slist	*hl = NULL;
	CURLcode		 cc = CURLE_OUT_OF_MEMORY;
	size_t			 i;

	free(r->body);
	memset(r, 0, sizeof(*r));
	r->retry_after_ms = -1;

	curl_easy_reset(h);	/* keeps the connection cache */
	if (add_header(&hl, c->auth) == -1 ||
	    add_header(&hl, "Accept: application/json") == -1)
		goto done;
	for (i = 0; i < sizeof(c->extra) / sizeof(c->extra[0]); i++)
		if (c->extra[i] != NULL && add_header(&hl, c->extra[i]) == -1)
			goto done;
	if (strcmp(method, "GET") != 0 &&
	    (add_header(&hl, "Content-Type: application/json") == -1 ||
	    add_header(&hl, "Expect:") == -1))
		goto done;
#define SETOPT(o, v) do {						\
	cc = curl_easy_setopt(h, (o), (v));				\
	if (cc != CURLE_OK)						\
		goto done;						\
} while (0)
	SETOPT(CURLOPT_URL, url);
	SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS, x->cfg.connect_timeout_ms);
	SETOPT(CURLOPT_TIMEOUT_MS, x->cfg.request_timeout_ms);
	SETOPT(CURLOPT_USERAGENT, "primerka/1");
	SETOPT(CURLOPT_HTTPHEADER, hl);
	SETOPT(CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(CURLOPT_WRITEDATA, r);
	SETOPT(CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(CURLOPT_HEADERDATA, r);
	SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
	if (strcmp(method, "GET") != 0) {
		if (body == NULL)
			body = "";
		SETOPT(CURLOPT_POSTFIELDS, body);
		SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
		if (strcmp(method, "POST") != 0)
			SETOPT(CURLOPT_CUSTOMREQUEST, method);
	}
#undef SETOPT
	cc = curl_easy_perform(h);
	if (cc == CURLE_OK || r->too_big)
		(void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
done:
	/* Nothing of the request (the key) stays behind in the handle. */
	(void)curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hl);
	return cc;
}

/* ---- waiting ----------------------------------------------------- */

/* Call the heartbeat hook; 0, or -1 with err set when the job is lost. */
static int
beat(struct remote_call *c)
{
	if (c->hooks != NULL && c->hooks->heartbeat != NULL &&
	    c->hooks->heartbeat(c->hooks->arg) == -1) {
		job_error_set(c->err, JOB_ERR_INTERNAL,
		    "%s: %s: job lost (heartbeat)", c->vendor, c->what);
		return -1;
	}
	return 0;
}

int
remote_wait(struct remote_call *c, int64_t ms)
{
	int64_t	 end, now;

	now = util_mono_ms();
	end = now + ms;
	if (end > c->deadline)
		end = c->deadline;
	for (;;) {
		int64_t	 d = end - now;

		if (d > REMOTE_HB_SLICE)
			d = REMOTE_HB_SLICE;
		sleep_ms(d);
		now = util_mono_ms();
		if (now >= end)
			return 0;
		if (beat(c) == -1)
			return -1;
	}
}

/* Backoff before retry number attempt (0-based), with equal jitter. */
static int64_t
backoff_ms(struct remote *x, int attempt)
{
	int64_t	 d = x->cfg.retry_base_ms;
	int	 i;

	for (i = 0; i < attempt && d < x->cfg.retry_max_ms; i++)
		d *= 2;
	if (d > x->cfg.retry_max_ms)
		d = x->cfg.retry_max_ms;
	return d / 2 + (int64_t)(rng_next(x) % (uint64_t)(d / 2 + 1));
}

/* Out of time: provider_timeout, retryable, unavailable. */
static void
timed_out(struct remote_call *c, const char *stage, const char *why,
    long code)
{
	job_error_set(c->err, JOB_ERR_PROVIDER_TIMEOUT,
	    "%s: %s %s: %s (%ld)", c->vendor, c->what, stage, why, code);
	remote_unavailable(c->err);
}

int
remote_request(struct remote_call *c, const char *stage, const char *method,
    const char *url, const char *body, struct remote_resp *resp)
{
	struct remote		*x = c->r;
	enum remote_verdict	 v;
	CURLcode		 cc;
	int			 attempt = 0;

	for (;;) {
		int64_t	 wait;

		cc = http_once(c, method, url, body, resp);
		if (resp->too_big) {
			job_error_set(c->err, JOB_ERR_PROVIDER_ERROR,
			    "%s: %s %s: answer over %d bytes", c->vendor,
			    c->what, stage, REMOTE_MAX_BODY);
			return -1;
		}
		if (cc == CURLE_OUT_OF_MEMORY) {
			job_error_set(c->err, JOB_ERR_INTERNAL,
			    "%s: %s %s: out of memory", c->vendor, c->what,
			    stage);
			return -1;
		}
		if (cc == CURLE_OK && resp->status != 429 &&
		    resp->status < 500)
			return 0;
		v = REMOTE_BACKOFF;
		if (cc == CURLE_OK && resp->status == 429 &&
		    c->classify != NULL)
			v = c->classify(resp);
		if (v == REMOTE_FINAL)
			return 0;
		if (v == REMOTE_SLOT) {
			/* Not a failure: wait for one of ours to end. */
			wait = x->cfg.poll_max_ms;
			if (resp->retry_after_ms > wait)
				wait = resp->retry_after_ms;
		} else {
			if (attempt >= x->cfg.max_retries)
				break;
			wait = backoff_ms(x, attempt++);
			if (cc == CURLE_OK && (resp->status == 429 ||
			    resp->status == 503) &&
			    resp->retry_after_ms > wait)
				wait = resp->retry_after_ms;
		}
		if (util_mono_ms() + wait >= c->deadline) {
			timed_out(c, stage, v == REMOTE_SLOT ?
			    "no concurrency slot in time" :
			    "no time left to retry", cc == CURLE_OK ?
			    resp->status : (long)cc);
			return -1;
		}
		if (remote_wait(c, wait) == -1)
			return -1;
	}
	if (cc == CURLE_OPERATION_TIMEDOUT)
		timed_out(c, stage, "timed out on every retry", (long)cc);
	else if (cc == CURLE_OK && resp->status == 429)
		job_error_set(c->err, JOB_ERR_PROVIDER_UNAVAILABLE,
		    "%s: %s %s: rate limited, %d retries", c->vendor, c->what,
		    stage, x->cfg.max_retries);
	else if (cc != CURLE_OK)
		job_error_set(c->err, JOB_ERR_PROVIDER_UNAVAILABLE,
		    "%s: %s %s: %s, %d retries", c->vendor, c->what, stage,
		    curl_easy_strerror(cc), x->cfg.max_retries);
	else
		job_error_set(c->err, JOB_ERR_PROVIDER_UNAVAILABLE,
		    "%s: %s %s: HTTP %ld, %d retries", c->vendor, c->what,
		    stage, resp->status, x->cfg.max_retries);
	remote_unavailable(c->err);
	return -1;
}

/* ---- submit and poll --------------------------------------------- */

/*
 * Check job id until it ends, the deadline passes or the job is lost.
 * The first check comes at once when immediate, else after poll_min_ms.
 */
static enum remote_state
poll_until_done(struct remote_call *c, const struct remote_ops *ops,
    void *arg, const char *id, int immediate, char **url)
{
	struct remote		*x = c->r;
	int64_t			 interval = x->cfg.poll_min_ms;
	enum remote_state	 st;

	if (!immediate && remote_wait(c, interval) == -1)
		return REMOTE_ERROR;
	for (;;) {
		if (util_mono_ms() >= c->deadline) {
			timed_out(c, "poll", "not finished in time",
			    x->cfg.job_timeout_ms);
			return REMOTE_ERROR;
		}
		if (beat(c) == -1)
			return REMOTE_ERROR;
		st = ops->check(c, arg, id, url);
		if (st != REMOTE_PENDING)
			return st;
		if (remote_wait(c, interval) == -1)
			return REMOTE_ERROR;
		interval *= 2;
		if (interval > x->cfg.poll_max_ms)
			interval = x->cfg.poll_max_ms;
	}
}

int
remote_run(struct remote_call *c, const struct remote_ops *ops, void *arg,
    char **url)
{
	const struct provider_hooks	*h = c->hooks;
	char				 id[REMOTE_MAX_ID + 1];
	enum remote_state		 st;

	*url = NULL;
	if (h != NULL && h->ref != NULL &&
	    remote_is_token(h->ref, REMOTE_MAX_ID)) {
		c->resumed = 1;
		c->resubmit = 0;
		if (h->park) {
			st = ops->check(c, arg, h->ref, url);
			if (st == REMOTE_PENDING)
				return PROVIDER_PARKED;
		} else
			st = poll_until_done(c, ops, arg, h->ref, 1, url);
		if (st == REMOTE_DONE)
			return 0;
		if (st == REMOTE_ERROR ||
		    (st == REMOTE_FAILED && !c->resubmit))
			return -1;
		/* Unknown there, or failed in a way a new job may fix. */
		log_kv(LOG_LVL_INFO, "provider: a new remote job",
		    "provider", c->vendor, "stage", c->what,
		    "why", st == REMOTE_NOTFOUND ? "unknown id" :
		    "the earlier one failed", (char *)NULL);
		c->resumed = 0;
	}
	memset(c->err, 0, sizeof(*c->err));
	if (ops->submit(c, arg, id, sizeof(id)) == -1)
		return -1;
	if (!remote_is_token(id, REMOTE_MAX_ID)) {
		job_error_set(c->err, JOB_ERR_PROVIDER_ERROR,
		    "%s: %s submit: no valid id in the answer", c->vendor,
		    c->what);
		return -1;
	}
	if (h != NULL && h->save_ref != NULL &&
	    h->save_ref(h->arg, id) == -1) {
		job_error_set(c->err, JOB_ERR_INTERNAL,
		    "%s: %s: job lost (saving the ref)", c->vendor, c->what);
		return -1;
	}
	if (h != NULL && h->park)
		return PROVIDER_PARKED;
	st = poll_until_done(c, ops, arg, id, 0, url);
	if (st == REMOTE_NOTFOUND)
		job_error_set(c->err, JOB_ERR_PROVIDER_ERROR,
		    "%s: %s poll: the vendor does not know its own id",
		    c->vendor, c->what);
	return st == REMOTE_DONE ? 0 : -1;
}

/* ---- setup ------------------------------------------------------- */

int
remote_check(struct remote_call *c, const struct remote_ops *ops, void *arg,
    char **url)
{
	const struct provider_hooks	*h = c->hooks;
	enum remote_state		 st;

	*url = NULL;
	if (h == NULL || h->ref == NULL ||
	    !remote_is_token(h->ref, REMOTE_MAX_ID)) {
		job_error_set(c->err, JOB_ERR_PROVIDER_ERROR,
		    "%s: %s check: no remote id", c->vendor, c->what);
		return -1;
	}
	st = ops->check(c, arg, h->ref, url);
	switch (st) {
	case REMOTE_DONE:
		return 0;
	case REMOTE_PENDING:
		return PROVIDER_PARKED;
	case REMOTE_NOTFOUND:
		/* Retried: the next attempt submits anew. */
		job_error_set(c->err, JOB_ERR_PROVIDER_ERROR,
		    "%s: %s check: the vendor does not know the id",
		    c->vendor, c->what);
		return -1;
	default:
		if (st == REMOTE_FAILED && c->resubmit && !c->err->set)
			job_error_set(c->err, JOB_ERR_PROVIDER_ERROR,
			    "%s: %s failed", c->vendor, c->what);
		return -1;
	}
}

void
remote_provider_timing(struct provider *p, const struct remote_config *cfg)
{
	p->max_concurrency = cfg->max_concurrency;
	p->park_min_ms = cfg->poll_min_ms;
	p->park_max_ms = cfg->poll_max_ms;
	p->park_timeout_ms = cfg->job_timeout_ms;
}

struct remote *
remote_open(struct app *a, struct provider *p, const char *const *sections,
    const char *name, char *err, size_t errlen)
{
	struct remote_config	 rc;
	struct remote		*r;
	char			 msg[200];

	remote_config_default(&rc);
	for (; *sections != NULL; sections++)
		if (remote_config_read(a, *sections, &rc, err, errlen) == -1)
			return NULL;
	remote_provider_timing(p, &rc);
	r = remote_new(&rc, msg, sizeof(msg));
	if (r == NULL)
		snprintf(err, errlen, "[%s]: %s", name, msg);
	return r;
}

int
remote_read_id(struct remote_call *c, const struct remote_resp *resp,
    const char *key, char *id, size_t idlen)
{
	struct json_object	*o;
	const char		*s;
	int			 rc = -1;

	o = remote_json(resp);
	s = remote_str(o, key);
	if (s == NULL || !remote_is_token(s, REMOTE_MAX_ID) ||
	    strlen(s) >= idlen)
		job_error_set(c->err, JOB_ERR_PROVIDER_ERROR,
		    "%s: %s submit: no valid %s in the answer", c->vendor,
		    c->what, key);
	else {
		util_strlcpy(id, s, idlen);
		rc = 0;
	}
	json_object_put(o);
	return rc;
}

int
remote_submit(struct remote_call *c, const char *url, const char *body,
    int (*read)(struct remote_call *, const struct remote_resp *, char *,
    size_t), char *id, size_t idlen)
{
	struct remote_resp	 resp = { 0 };
	int			 rc = -1;

	if (remote_request(c, "submit", "POST", url, body, &resp) == 0)
		rc = read(c, &resp, id, idlen);
	free(resp.body);
	return rc;
}

char *
remote_escape(const char *s)
{
	char	*e, *out;

	e = curl_easy_escape(NULL, s, 0);
	if (e == NULL)
		return NULL;
	out = strdup(e);
	curl_free(e);
	return out;
}

char *
remote_hook_url(const struct remote_call *c)
{
	const struct provider_hooks	*h = c->hooks;

	if (h == NULL || h->hook_base == NULL || h->hook_base[0] == '\0' ||
	    h->hook_token == NULL || h->hook_token[0] == '\0')
		return NULL;
	return remote_cat(h->hook_base, c->vendor, "/", h->hook_token,
	    (char *)NULL);
}

/*
 * The timing keys are in the configuration table (lib/conftab.c), once
 * for every vendor section, with the same defaults.
 */
void
remote_config_default(struct remote_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	conf_fill_defaults(CONF_TGT_REMOTE, NULL, cfg);
}

int
remote_config_read(struct app *a, const char *section,
    struct remote_config *cfg, char *err, size_t errlen)
{
	return conf_fill(a->cfg, CONF_TGT_REMOTE, section, cfg, err, errlen);
}

struct remote *
remote_new(const struct remote_config *cfg, char *err, size_t errlen)
{
	struct remote	*x;

	if (cfg->connect_timeout_ms < 1 || cfg->request_timeout_ms < 1 ||
	    cfg->job_timeout_ms < 1 || cfg->poll_min_ms < 1 ||
	    cfg->poll_max_ms < cfg->poll_min_ms || cfg->retry_base_ms < 1 ||
	    cfg->retry_max_ms < cfg->retry_base_ms ||
	    cfg->connect_timeout_ms > 3600000 ||
	    cfg->request_timeout_ms > 3600000 ||
	    cfg->job_timeout_ms > 86400000 || cfg->poll_max_ms > 3600000 ||
	    cfg->retry_max_ms > 3600000 || cfg->max_retries < 0 ||
	    cfg->max_retries > 20 || cfg->max_concurrency < 0) {
		snprintf(err, errlen, "a timeout, interval or count is out of "
		    "range (poll_max_ms >= poll_min_ms, retry_max_ms >= "
		    "retry_base_ms)");
		return NULL;
	}
	x = calloc(1, sizeof(*x));
	if (x == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x->cfg = *cfg;
	x->curl = curl_easy_init();
	if (x->curl == NULL) {
		free(x);
		snprintf(err, errlen, "curl_easy_init failed");
		return NULL;
	}
	if (getrandom(&x->rng, sizeof(x->rng), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(x->rng))
		x->rng = (uint64_t)util_mono_ms() ^ ((uint64_t)getpid() << 32);
	if (x->rng == 0)
		x->rng = 0x9e3779b97f4a7c15ULL;
	return x;
}

void
remote_free(struct remote *x)
{
	if (x == NULL)
		return;
	if (x->curl != NULL)
		curl_easy_cleanup(x->curl);
	free(x);
}

void
remote_call_init(struct remote_call *c, struct remote *x, const char *vendor,
    const char *what, const struct provider_hooks *hooks,
    struct job_error *err)
{
	memset(c, 0, sizeof(*c));
	c->r = x;
	c->vendor = vendor;
	c->what = what;
	c->hooks = hooks;
	c->err = err;
	c->deadline = util_mono_ms() + x->cfg.job_timeout_ms;
	memset(err, 0, sizeof(*err));
}
