/*
 * A minimal Telegram Bot API client for Telegram Stars payments
 * (createInvoiceLink, answerPreCheckoutQuery) and the webhook secret
 * check.  The interface is in telegram.h.
 *
 * Every argument is checked before a request is made.  What comes back
 * is parsed in one place, call(), with the body capped at TG_MAX_BODY.
 * The request URL holds the bot token, so neither the URL nor curl's
 * error buffer is ever quoted: errors name the method and give
 * curl_easy_strerror(), or Telegram's error_code and a cleaned-up
 * description.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/crypto.h>

#include "buf.h"
#include "jsonv.h"
#include "telegram.h"
#include "util.h"

/* Telegram's limits (title, description: characters; payload: bytes). */
#define TG_MAX_TITLE	32
#define TG_MAX_DESCR	255
#define TG_MAX_PAYLOAD	128
/* Our own caps. */
#define TG_MAX_BODY	(64 * 1024)	/* an answer body */
#define TG_MAX_LINK	2048		/* an invoice link */
#define TG_MAX_BASE	1024		/* api_base */
#define TG_MAX_TOKEN	256		/* the bot token */
#define TG_MAX_QUERY_ID	256		/* a pre-checkout query */
#define TG_MAX_CHARGE	256		/* a telegram_payment_charge_id */
#define TG_MAX_USER_ID	((INT64_C(1) << 53) - 1)	/* JSON-safe */
#define TG_MAX_LABEL	255		/* a price label, characters */
#define TG_MAX_MESSAGE	255		/* error_message, characters */
#define TG_MAX_QUOTE	160		/* a description quoted, bytes */
#define TG_MAX_TIMEOUT	(10 * 60 * 1000L)
#define TG_DEF_TIMEOUT	10000L
#define TG_JSON_DEPTH	16

/* One HTTP answer. */
struct tg_resp {
	char	*body;		/* NUL-terminated, malloc'd */
	size_t	 len;
	int	 too_big;	/* the body went over TG_MAX_BODY */
};

/*
 * The length (1-4) of the well-formed UTF-8 sequence at s, or 0 when it
 * is not one (overlong forms, surrogates, code points past U+10FFFF,
 * a stray continuation byte).  s is NUL-terminated, so reading on stops
 * at the NUL, which is never a continuation byte.
 */
static size_t
utf8_seq(const unsigned char *s)
{
	unsigned char	 lo = 0x80, hi = 0xbf;
	size_t		 n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/*
 * Is s (may be NULL) well-formed UTF-8 of 1..maxchars characters (code
 * points) and at most maxbytes bytes?  1 or 0.
 */
static int
text_ok(const char *s, size_t maxchars, size_t maxbytes)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, chars = 0, n;

	if (s == NULL || s[0] == '\0')
		return 0;
	while (p[i] != '\0') {
		n = utf8_seq(p + i);
		if (n == 0)
			return 0;
		i += n;
		chars++;
		if (chars > maxchars || i > maxbytes)
			return 0;
	}
	return 1;
}

/*
 * Is s (may be NULL) 1..max bytes of printable ASCII without spaces?
 * For query ids, which Telegram sends as plain tokens.  1 or 0.
 */
static int
token_ok(const char *s, size_t max)
{
	size_t	 i;

	if (s == NULL || s[0] == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= max || s[i] <= 0x20 || s[i] >= 0x7f)
			return 0;
	return 1;
}

/*
 * Is s a bot token of the form DIGITS:SECRET, SECRET from
 * [A-Za-z0-9_-], at most TG_MAX_TOKEN bytes?  It goes into the URL path
 * as it is, so nothing else may pass.  1 or 0.
 */
static int
bot_token_ok(const char *s)
{
	size_t	 i = 0, colon;

	if (s == NULL)
		return 0;
	while (s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == 0 || s[i] != ':')
		return 0;
	colon = i++;
	for (; s[i] != '\0'; i++)
		if (i >= TG_MAX_TOKEN ||
		    !((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == '-'))
			return 0;
	return i > colon + 1;
}

/*
 * Is s an http(s) base URL we can put "/bot..." after: a scheme, a
 * non-empty rest, no query or fragment, no spaces or control bytes, at
 * most TG_MAX_BASE bytes?  1 or 0.
 */
static int
base_ok(const char *s)
{
	size_t	 i, skip;

	if (s == NULL)
		return 0;
	if (strncasecmp(s, "https://", 8) == 0)
		skip = 8;
	else if (strncasecmp(s, "http://", 7) == 0)
		skip = 7;
	else
		return 0;
	if (s[skip] == '\0' || s[skip] == '/')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= TG_MAX_BASE || (unsigned char)s[i] <= 0x20 ||
		    (unsigned char)s[i] >= 0x7f || s[i] == '?' || s[i] == '#')
			return 0;
	return 1;
}

/*
 * Is s an invoice link we can hand to a client: "https://" or
 * "http://" and more, at most TG_MAX_LINK bytes, no spaces or control
 * bytes?  1 or 0.
 */
static int
link_ok(const char *s)
{
	size_t	 i, skip;

	if (strncmp(s, "https://", 8) == 0)
		skip = 8;
	else if (strncmp(s, "http://", 7) == 0)
		skip = 7;
	else
		return 0;
	if (s[skip] == '\0' || s[skip] == '/')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= TG_MAX_LINK || (unsigned char)s[i] <= 0x20 ||
		    (unsigned char)s[i] == 0x7f)
			return 0;
	return 1;
}

/*
 * Check the configuration; 0, or -1 with a reason in err (the token is
 * never quoted).
 */
static int
config_ok(const struct tg_config *cfg, char *err, size_t errlen)
{
	if (cfg == NULL) {
		util_seterr(err, errlen, "telegram: no configuration");
		return -1;
	}
	if (!base_ok(cfg->api_base)) {
		util_seterr(err, errlen, "telegram: api_base is not an http(s) "
		    "base URL");
		return -1;
	}
	if (!bot_token_ok(cfg->bot_token)) {
		util_seterr(err, errlen, "telegram: bot_token is missing or "
		    "malformed");
		return -1;
	}
	if (cfg->timeout_ms < 0 || cfg->timeout_ms > TG_MAX_TIMEOUT) {
		util_seterr(err, errlen, "telegram: timeout_ms out of range");
		return -1;
	}
	return 0;
}

/*
 * "{api_base}/bot{token}/{method}" (api_base without its trailing
 * slashes), malloc'd; free it with util_free_secret().  NULL on ENOMEM.
 */
static char *
make_url(const struct tg_config *cfg, const char *method)
{
	size_t	 blen, n;
	char	*url;
	int	 w;

	blen = strlen(cfg->api_base);
	while (blen > 0 && cfg->api_base[blen - 1] == '/')
		blen--;
	n = blen + strlen("/bot") + strlen(cfg->bot_token) + 1 +
	    strlen(method) + 1;
	url = malloc(n);
	if (url == NULL)
		return NULL;
	w = snprintf(url, n, "%.*s/bot%s/%s", (int)blen, cfg->api_base,
	    cfg->bot_token, method);
	if (w < 0 || (size_t)w >= n) {
		free(url);
		return NULL;
	}
	return url;
}

/* libcurl's write callback: append to the tg_resp, up to TG_MAX_BODY. */
static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct tg_resp	*r = arg;
	int		 rc;

	rc = buf_append_capped(&r->body, &r->len, TG_MAX_BODY, p, size * n);
	if (rc == 1)
		r->too_big = 1;
	return rc == 0 ? size * n : 0;	/* 0 aborts the transfer */
}

/*
 * Parse an answer body as one strict, UTF-8, depth-bounded JSON object
 * with nothing after it.  The object (caller puts) or NULL.
 */
static struct json_object *
parse_answer(const struct tg_resp *r)
{
	if (r->len > TG_MAX_BODY)
		return NULL;
	return jsonv_parse_object(r->body, r->len, TG_JSON_DEPTH);
}

/*
 * Copy Telegram's description s into out (outlen bytes): control
 * characters (C0, DEL, C1) and malformed UTF-8 dropped, cut after
 * TG_MAX_QUOTE bytes at a character boundary with "..." added.  A
 * description that holds the token's secret part is not quoted at all.
 */
static void
clean_desc(const char *s, const char *token, char *out, size_t outlen)
{
	const unsigned char	*p = (const unsigned char *)s;
	const char		*secret = strchr(token, ':');
	size_t			 i = 0, o = 0, n, cap;

	if (outlen == 0)
		return;
	out[0] = '\0';
	if (secret != NULL && secret[1] != '\0' &&
	    strstr(s, secret + 1) != NULL) {
		(void)snprintf(out, outlen, "(description withheld)");
		return;
	}
	cap = outlen - 1 < TG_MAX_QUOTE ? outlen - 1 : TG_MAX_QUOTE;
	while (p[i] != '\0') {
		n = utf8_seq(p + i);
		if (n == 0) {
			i++;
			continue;
		}
		if (n == 1 && (p[i] < 0x20 || p[i] == 0x7f)) {
			i++;
			continue;
		}
		if (n == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0) {
			i += 2;		/* C1 controls, U+0080-U+009F */
			continue;
		}
		if (o + n > cap) {
			/* Drop whole characters until "..." fits. */
			while (o > 0 && o + 3 > cap) {
				o--;
				while (o > 0 &&
				    ((unsigned char)out[o] & 0xc0) == 0x80)
					o--;
			}
			if (o + 3 <= cap) {
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(out + o, p + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	/* Joining what was around dropped bytes must not rebuild it. */
	if (secret != NULL && secret[1] != '\0' &&
	    strstr(out, secret + 1) != NULL)
		(void)snprintf(out, outlen, "(description withheld)");
}

/*
 * Put the reason a call failed into err: Telegram's error_code and
 * description when the answer has them, the HTTP status otherwise.  o
 * is the parsed answer or NULL; status is the HTTP status.
 */
static void
report_failure(const struct tg_config *cfg, const char *method, long status,
    struct json_object *o, char *err, size_t errlen)
{
	struct json_object	*v, *par;
	char			 desc[TG_MAX_QUOTE + 1], ra[48];
	int64_t			 code = status;

	if (o == NULL || !json_object_object_get_ex(o, "ok", &v) ||
	    !json_object_is_type(v, json_type_boolean)) {
		if (status >= 200 && status <= 299)
			util_seterr(err, errlen,
			    "telegram: %s: malformed answer",
			    method);
		else
			util_seterr(err, errlen,
			    "telegram: %s: HTTP %ld", method,
			    status);
		return;
	}
	if (json_object_get_boolean(v)) {
		/* ok:true with a non-2xx status. */
		util_seterr(err, errlen,
		    "telegram: %s: HTTP %ld", method, status);
		return;
	}
	if (json_object_object_get_ex(o, "error_code", &v) &&
	    json_object_is_type(v, json_type_int))
		code = json_object_get_int64(v);
	desc[0] = '\0';
	if (json_object_object_get_ex(o, "description", &v) &&
	    json_object_is_type(v, json_type_string))
		clean_desc(json_object_get_string(v), cfg->bot_token, desc,
		    sizeof(desc));
	ra[0] = '\0';
	if (json_object_object_get_ex(o, "parameters", &par) &&
	    json_object_is_type(par, json_type_object) &&
	    json_object_object_get_ex(par, "retry_after", &v) &&
	    json_object_is_type(v, json_type_int))
		(void)snprintf(ra, sizeof(ra), " (retry after %" PRId64 " s)",
		    json_object_get_int64(v));
	util_seterr(err, errlen,
	    "telegram: %s: %" PRId64 "%s%s%s", method, code,
	    desc[0] != '\0' ? " " : "", desc, ra);
}

/*
 * POST req (a JSON object) to method and parse the answer.  On success
 * *answer is the whole answer, {"ok":true,"result":...} (caller puts),
 * and 0 is returned; -1 with a reason in err otherwise.  cfg has been
 * checked.
 */
static int
call_ex(const struct tg_config *cfg, const char *method,
    struct json_object *req, struct json_object **answer,
    struct tg_outcome *out, char *err, size_t errlen);

static int
call(const struct tg_config *cfg, const char *method, struct json_object *req,
    struct json_object **answer, char *err, size_t errlen)
{
	return call_ex(cfg, method, req, answer, NULL, err, errlen);
}

/*
 * Fill out (may be NULL) from a failed answer: Telegram's error_code and
 * parameters.retry_after when o (may be NULL) has them.
 */
static void
outcome_from(struct tg_outcome *out, long status, struct json_object *o)
{
	struct json_object	*v, *par;

	if (out == NULL)
		return;
	out->answered = 1;
	out->http_status = status;
	out->error_code = status;
	if (o != NULL && json_object_object_get_ex(o, "error_code", &v) &&
	    json_object_is_type(v, json_type_int))
		out->error_code = json_object_get_int64(v);
	if (o != NULL && json_object_object_get_ex(o, "parameters", &par) &&
	    json_object_is_type(par, json_type_object) &&
	    json_object_object_get_ex(par, "retry_after", &v) &&
	    json_object_is_type(v, json_type_int))
		out->retry_after = json_object_get_int64(v);
}

/*
 * call() that also says how it ended in out (may be NULL): whether an
 * answer came back, its HTTP status, Telegram's error_code and
 * retry_after, and whether the request surely never reached the server
 * (no connection).
 */
static int
call_ex(const struct tg_config *cfg, const char *method,
    struct json_object *req, struct json_object **answer,
    struct tg_outcome *out, char *err, size_t errlen)
{
	static const char *const headers[] = {
		"Content-Type: application/json",
		"Accept: application/json",
		"Expect:",		/* no 100-continue round trip */
	};
	CURL			*c;
	struct curl_slist	*hl = NULL, *t;
	struct tg_resp		 resp = { NULL, 0, 0 };
	struct json_object	*o = NULL, *v;
	const char		*body;
	char			*url;
	long			 status = 0, ms;
	size_t			 i;
	CURLcode		 cc;
	int			 rc = -1;

	*answer = NULL;
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	ms = cfg->timeout_ms == 0 ? TG_DEF_TIMEOUT : cfg->timeout_ms;
	body = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	url = make_url(cfg, method);
	c = curl_easy_init();
	if (body == NULL || url == NULL || c == NULL) {
		util_seterr(err, errlen, "telegram: %s: out of memory", method);
		goto fail;
	}
	for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		t = curl_slist_append(hl, headers[i]);
		if (t == NULL) {
			util_seterr(err, errlen, "telegram: %s: out of memory",
			    method);
			goto fail;
		}
		hl = t;
	}
	if (curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ms) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_USERAGENT, "primerka/1") !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)strlen(body)) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp) != CURLE_OK) {
		util_seterr(err, errlen,
		    "telegram: %s: cannot set up the request",
		    method);
		goto fail;
	}
	cc = curl_easy_perform(c);
	if (out != NULL && (cc == CURLE_COULDNT_CONNECT ||
	    cc == CURLE_COULDNT_RESOLVE_HOST))
		out->not_sent = 1;
	if (resp.too_big) {
		util_seterr(err, errlen, "telegram: %s: answer over %d bytes",
		    method, TG_MAX_BODY);
		goto fail;
	}
	if (cc != CURLE_OK) {
		/* Never curl's error buffer: it may quote the URL. */
		util_seterr(err, errlen, "telegram: %s: %s", method,
		    curl_easy_strerror(cc));
		goto fail;
	}
	if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) !=
	    CURLE_OK)
		status = 0;
	o = parse_answer(&resp);
	if (status < 200 || status > 299 || o == NULL ||
	    !json_object_object_get_ex(o, "ok", &v) ||
	    !json_object_is_type(v, json_type_boolean) ||
	    !json_object_get_boolean(v)) {
		outcome_from(out, status, o);
		report_failure(cfg, method, status, o, err, errlen);
		goto fail;
	}
	if (out != NULL) {
		out->answered = 1;
		out->http_status = status;
	}
	if (!json_object_object_get_ex(o, "result", NULL)) {
		util_seterr(err, errlen,
		    "telegram: %s: answer without a result",
		    method);
		goto fail;
	}
	*answer = o;
	o = NULL;
	rc = 0;
fail:
	json_object_put(o);
	free(resp.body);
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	util_free_secret(url);
	return rc;
}

/*
 * call() a method whose answer's result must be true, with req, which is
 * put here (NULL: the body could not be built, out of memory).  0, or -1
 * with a reason in err.
 */
static int
call_true(const struct tg_config *cfg, const char *method,
    struct json_object *req, char *err, size_t errlen)
{
	struct json_object	*ans = NULL, *res = NULL;
	int			 rc = -1;

	if (req == NULL) {
		util_seterr(err, errlen, "telegram: %s: out of memory", method);
		return -1;
	}
	rc = call(cfg, method, req, &ans, err, errlen);
	json_object_put(req);
	if (rc == -1)
		return -1;
	rc = -1;
	(void)json_object_object_get_ex(ans, "result", &res);
	if (json_object_is_type(res, json_type_boolean) &&
	    json_object_get_boolean(res))
		rc = 0;
	else
		util_seterr(err, errlen, "telegram: %s: the result is not true",
		    method);
	json_object_put(ans);
	return rc;
}

/*
 * The createInvoiceLink request body (arguments already checked), or
 * NULL on ENOMEM.  The caller puts it.
 */
static struct json_object *
invoice_request(const char *title, const char *description,
    const char *payload, const char *label, int64_t stars)
{
	struct json_object	*req, *prices, *price;

	req = json_object_new_object();
	if (req == NULL)
		return NULL;
	if (jsonv_add(req, "title", json_object_new_string(title)) == -1 ||
	    jsonv_add(req, "description",
	    json_object_new_string(description)) == -1 ||
	    jsonv_add(req, "payload", json_object_new_string(payload)) == -1 ||
	    jsonv_add(req, "currency", json_object_new_string("XTR")) == -1)
		goto fail;
	prices = json_object_new_array();
	if (jsonv_add(req, "prices", prices) == -1)
		goto fail;
	price = json_object_new_object();
	if (price == NULL)
		goto fail;
	if (json_object_array_add(prices, price) != 0) {
		json_object_put(price);
		goto fail;
	}
	if (jsonv_add(price, "label", json_object_new_string(label)) == -1 ||
	    jsonv_add(price, "amount", json_object_new_int64(stars)) == -1)
		goto fail;
	return req;
fail:
	json_object_put(req);
	return NULL;
}

/*
 * createInvoiceLink in Telegram Stars; see telegram.h.  *link (caller
 * frees) is set only on success, NULL otherwise.
 */
int
tg_create_invoice_link(const struct tg_config *cfg, const char *title,
    const char *description, const char *payload, const char *label,
    int64_t stars, char **link, char *err, size_t errlen)
{
	struct json_object	*req = NULL, *ans = NULL, *res = NULL;
	const char		*s;
	int			 rc = -1;

	util_seterr(err, errlen, "%s", "");
	if (link == NULL) {
		util_seterr(err, errlen,
		    "telegram: createInvoiceLink: no link");
		return -1;
	}
	*link = NULL;
	if (config_ok(cfg, err, errlen) == -1)
		return -1;
	if (!text_ok(title, TG_MAX_TITLE, 4 * TG_MAX_TITLE)) {
		util_seterr(err, errlen,
		    "telegram: createInvoiceLink: title must "
		    "be 1-%d characters of UTF-8", TG_MAX_TITLE);
		return -1;
	}
	if (!text_ok(description, TG_MAX_DESCR, 4 * TG_MAX_DESCR)) {
		util_seterr(err, errlen,
		    "telegram: createInvoiceLink: description "
		    "must be 1-%d characters of UTF-8", TG_MAX_DESCR);
		return -1;
	}
	if (!text_ok(payload, TG_MAX_PAYLOAD, TG_MAX_PAYLOAD)) {
		util_seterr(err, errlen, "telegram: createInvoiceLink: payload "
		    "must be 1-%d bytes of UTF-8", TG_MAX_PAYLOAD);
		return -1;
	}
	if (!text_ok(label, TG_MAX_LABEL, 4 * TG_MAX_LABEL)) {
		util_seterr(err, errlen,
		    "telegram: createInvoiceLink: label must "
		    "be 1-%d characters of UTF-8", TG_MAX_LABEL);
		return -1;
	}
	if (stars < 1 || stars > INT32_MAX) {
		util_seterr(err, errlen, "telegram: createInvoiceLink: amount "
		    "must be 1-%d stars", INT32_MAX);
		return -1;
	}

	req = invoice_request(title, description, payload, label, stars);
	if (req == NULL) {
		util_seterr(err, errlen, "telegram: createInvoiceLink: out of "
		    "memory");
		goto fail;
	}
	if (call(cfg, "createInvoiceLink", req, &ans, err, errlen) == -1)
		goto fail;
	(void)json_object_object_get_ex(ans, "result", &res);
	s = json_object_is_type(res, json_type_string) ?
	    json_object_get_string(res) : NULL;
	if (s == NULL || !link_ok(s)) {
		util_seterr(err, errlen,
		    "telegram: createInvoiceLink: the result "
		    "is not an invoice link");
		goto fail;
	}
	*link = strdup(s);
	if (*link == NULL) {
		util_seterr(err, errlen, "telegram: createInvoiceLink: out of "
		    "memory");
		goto fail;
	}
	rc = 0;
fail:
	json_object_put(ans);
	json_object_put(req);
	return rc;
}

/*
 * The answerPreCheckoutQuery request body (arguments already checked),
 * or NULL on ENOMEM.  The caller puts it.
 */
static struct json_object *
pre_checkout_request(const char *query_id, int ok, const char *message)
{
	struct json_object	*req;

	req = json_object_new_object();
	if (req == NULL)
		return NULL;
	if (jsonv_add(req, "pre_checkout_query_id",
	    json_object_new_string(query_id)) == -1 ||
	    jsonv_add(req, "ok", json_object_new_boolean(ok)) == -1 ||
	    (ok == 0 && jsonv_add(req, "error_message",
	    json_object_new_string(message)) == -1)) {
		json_object_put(req);
		return NULL;
	}
	return req;
}

/* answerPreCheckoutQuery; see telegram.h.  0 or -1 with err set. */
int
tg_answer_pre_checkout(const struct tg_config *cfg, const char *query_id,
    int ok, const char *error_message, char *err, size_t errlen)
{
	util_seterr(err, errlen, "%s", "");
	if (config_ok(cfg, err, errlen) == -1)
		return -1;
	if (!token_ok(query_id, TG_MAX_QUERY_ID)) {
		util_seterr(err, errlen, "telegram: answerPreCheckoutQuery: "
		    "malformed pre_checkout_query_id");
		return -1;
	}
	if (ok != 0 && ok != 1) {
		util_seterr(err, errlen, "telegram: answerPreCheckoutQuery: ok "
		    "must be 0 or 1");
		return -1;
	}
	if (ok == 0 && !text_ok(error_message, TG_MAX_MESSAGE,
	    4 * TG_MAX_MESSAGE)) {
		util_seterr(err, errlen, "telegram: answerPreCheckoutQuery: a "
		    "refusal needs an error_message of 1-%d characters",
		    TG_MAX_MESSAGE);
		return -1;
	}

	return call_true(cfg, "answerPreCheckoutQuery",
	    pre_checkout_request(query_id, ok, error_message), err, errlen);
}

/*
 * The webhook secret check; see telegram.h.  The time depends on the
 * expected secret's length only: got is scanned no further than that
 * plus one byte, and exactly that many bytes are compared whatever got
 * holds.  1 when equal, 0 otherwise.
 */
int
tg_secret_matches(const char *expected, const char *got)
{
	const char	*other;
	size_t		 n, m;
	int		 same;

	if (expected == NULL || expected[0] == '\0' || got == NULL)
		return 0;
	n = strlen(expected);
	m = strnlen(got, n + 1);
	/* A wrong length compares the secret with itself, then fails. */
	other = m == n ? got : expected;
	same = CRYPTO_memcmp(expected, other, n) == 0;
	return same && m == n;
}

int
tg_secret_valid(const char *s)
{
	size_t	 i;

	if (s == NULL || s[0] == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= 256 || !((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/* Append the string s to the array a; 0 or -1 (out of memory). */
static int
arr_add_str(struct json_object *a, const char *s)
{
	struct json_object	*v = json_object_new_string(s);

	if (v == NULL)
		return -1;
	if (json_object_array_add(a, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

int
tg_set_webhook(const struct tg_config *cfg, const char *url,
    const char *secret, char *err, size_t errlen)
{
	struct json_object	*req, *kinds;

	util_seterr(err, errlen, "%s", "");
	if (config_ok(cfg, err, errlen) == -1)
		return -1;
	if (url == NULL || strncmp(url, "https://", 8) != 0 || !link_ok(url)) {
		util_seterr(err, errlen,
		    "telegram: setWebhook: the URL must be "
		    "https:// (at most %d bytes, no spaces)", TG_MAX_LINK);
		return -1;
	}
	if (!tg_secret_valid(secret)) {
		util_seterr(err, errlen,
		    "telegram: setWebhook: the secret must be "
		    "1-256 of A-Z a-z 0-9 _ -");
		return -1;
	}
	req = json_object_new_object();
	kinds = json_object_new_array();
	/* jsonv_add() owns kinds from here, also when it fails. */
	if (req == NULL || jsonv_add(req, "allowed_updates", kinds) == -1 ||
	    arr_add_str(kinds, "pre_checkout_query") == -1 ||
	    arr_add_str(kinds, "message") == -1 ||
	    jsonv_add(req, "url", json_object_new_string(url)) == -1 ||
	    jsonv_add(req, "secret_token",
	    json_object_new_string(secret)) == -1) {
		if (req == NULL)
			json_object_put(kinds);
		json_object_put(req);
		req = NULL;
	}
	return call_true(cfg, "setWebhook", req, err, errlen);
}

int
tg_refund_star_payment(const struct tg_config *cfg, int64_t user_id,
    const char *charge_id, char *err, size_t errlen)
{
	struct json_object	*req = NULL;
	int			 rc = -1;

	util_seterr(err, errlen, "%s", "");
	if (config_ok(cfg, err, errlen) == -1)
		return -1;
	if (user_id <= 0 || user_id > TG_MAX_USER_ID) {
		util_seterr(err, errlen,
		    "telegram: refundStarPayment: the user id "
		    "must be 1-%" PRId64, (int64_t)TG_MAX_USER_ID);
		return -1;
	}
	if (!token_ok(charge_id, TG_MAX_CHARGE)) {
		util_seterr(err, errlen,
		    "telegram: refundStarPayment: malformed "
		    "telegram_payment_charge_id");
		return -1;
	}
	req = json_object_new_object();
	if (req == NULL || jsonv_add(req, "user_id",
	    json_object_new_int64(user_id)) == -1 || jsonv_add(req,
	    "telegram_payment_charge_id",
	    json_object_new_string(charge_id)) == -1) {
		json_object_put(req);
		req = NULL;
	}
	rc = call_true(cfg, "refundStarPayment", req, err, errlen);
	/* Telegram's word for a charge whose stars went back before. */
	if (rc == -1 && err != NULL && errlen > 0 &&
	    strstr(err, "CHARGE_ALREADY_REFUNDED") != NULL)
		rc = 1;
	return rc;
}

const char *const tg_send_names[TG_SEND__MAX] = {
	"sent",			/* TG_SEND_OK */
	"retry",		/* TG_SEND_RETRY */
	"blocked",		/* TG_SEND_BLOCKED */
	"rejected",		/* TG_SEND_REJECTED */
	"unknown",		/* TG_SEND_UNKNOWN */
};

/* Telegram's limits on what a message carries (characters). */
#define TG_MAX_CAPTION	1024
#define TG_MAX_TEXT	4096
#define TG_MAX_BUTTON	64		/* our own cap on a button's label */
#define TG_MAX_RESULT_ID 64		/* an inline result id, bytes */
#define TG_MAX_TITLE_INLINE 128		/* our own cap on a video's title */

/* The method that sends each kind of message. */
static const char *const media_methods[TG_MEDIA__MAX] = {
	"sendMessage", "sendPhoto", "sendVideo"
};

/*
 * Check a message before any request: the chat, the media URL for
 * photos and videos, the text within Telegram's limits for the kind,
 * and a button with both a label and an https URL, or neither.  0 or
 * -1 with a reason in err.
 */
static int
message_ok(const struct tg_message *m, const char *method, char *err,
    size_t errlen)
{
	if (m == NULL || (unsigned)m->media >= TG_MEDIA__MAX) {
		util_seterr(err, errlen, "telegram: %s: no message", method);
		return -1;
	}
	if (m->chat_id <= 0 || m->chat_id > TG_MAX_USER_ID) {
		util_seterr(err, errlen, "telegram: %s: the chat id must be "
		    "1-%" PRId64, method, (int64_t)TG_MAX_USER_ID);
		return -1;
	}
	if (m->media != TG_MEDIA_TEXT &&
	    (m->media_url == NULL || !link_ok(m->media_url))) {
		util_seterr(err, errlen, "telegram: %s: the media must be an "
		    "http(s) URL of at most %d bytes", method, TG_MAX_LINK);
		return -1;
	}
	if (m->media == TG_MEDIA_TEXT ? !text_ok(m->text, TG_MAX_TEXT,
	    TG_MAX_TEXT * 4) : (m->text != NULL && m->text[0] != '\0' &&
	    !text_ok(m->text, TG_MAX_CAPTION, TG_MAX_CAPTION * 4))) {
		util_seterr(err, errlen, "telegram: %s: the text must be "
		    "UTF-8 of 1-%d characters", method, m->media ==
		    TG_MEDIA_TEXT ? TG_MAX_TEXT : TG_MAX_CAPTION);
		return -1;
	}
	if ((m->button_text == NULL) != (m->button_url == NULL) ||
	    (m->button_text != NULL && (!text_ok(m->button_text,
	    TG_MAX_BUTTON, TG_MAX_BUTTON * 4) ||
	    strncmp(m->button_url, "https://", 8) != 0 ||
	    !link_ok(m->button_url)))) {
		util_seterr(err, errlen, "telegram: %s: a button needs a "
		    "label and an https URL", method);
		return -1;
	}
	return 0;
}

/*
 * {"inline_keyboard":[[{"text": label, kind: ...}]]} with kind "web_app"
 * ({"url": url}) or "url" (url itself); NULL on ENOMEM.
 */
static struct json_object *
one_button(const char *label, const char *url, int web_app)
{
	struct json_object	*mk, *rows, *row, *b, *wa;

	mk = json_object_new_object();
	rows = json_object_new_array();
	row = json_object_new_array();
	b = json_object_new_object();
	wa = web_app ? json_object_new_object() : NULL;
	if (mk == NULL || rows == NULL || row == NULL || b == NULL ||
	    (web_app && wa == NULL))
		goto fail;
	if (jsonv_add(b, "text", json_object_new_string(label)) == -1)
		goto fail;
	if (web_app) {
		if (jsonv_add(wa, "url", json_object_new_string(url)) == -1)
			goto fail;
		if (json_object_object_add(b, "web_app", wa) != 0)
			goto fail;
		wa = NULL;
	} else if (jsonv_add(b, "url", json_object_new_string(url)) == -1)
		goto fail;
	if (json_object_array_add(row, b) != 0)
		goto fail;
	b = NULL;
	if (json_object_array_add(rows, row) != 0)
		goto fail;
	row = NULL;
	if (json_object_object_add(mk, "inline_keyboard", rows) != 0)
		goto fail;
	return mk;
fail:
	json_object_put(wa);
	json_object_put(b);
	json_object_put(row);
	json_object_put(rows);
	json_object_put(mk);
	return NULL;
}

/* The sendMessage / sendPhoto / sendVideo body, or NULL on ENOMEM. */
static struct json_object *
send_request(const struct tg_message *m)
{
	static const char *const media_keys[TG_MEDIA__MAX] = {
		NULL, "photo", "video"
	};
	struct json_object	*req, *mk;

	req = json_object_new_object();
	if (req == NULL || jsonv_add(req, "chat_id",
	    json_object_new_int64(m->chat_id)) == -1)
		goto fail;
	if (m->media != TG_MEDIA_TEXT && jsonv_add(req, media_keys[m->media],
	    json_object_new_string(m->media_url)) == -1)
		goto fail;
	if (m->text != NULL && m->text[0] != '\0' && jsonv_add(req,
	    m->media == TG_MEDIA_TEXT ? "text" : "caption",
	    json_object_new_string(m->text)) == -1)
		goto fail;
	if (m->media == TG_MEDIA_VIDEO && jsonv_add(req, "supports_streaming",
	    json_object_new_boolean(1)) == -1)
		goto fail;
	if (m->button_text != NULL) {
		mk = one_button(m->button_text, m->button_url, 1);
		if (mk == NULL || jsonv_add(req, "reply_markup", mk) == -1)
			goto fail;
	}
	return req;
fail:
	json_object_put(req);
	return NULL;
}

enum tg_send
tg_send(const struct tg_config *cfg, const struct tg_message *m,
    int64_t *message_id, int64_t *retry_after, char *err, size_t errlen)
{
	struct json_object	*req, *ans = NULL, *res = NULL, *v;
	struct tg_outcome	 out;
	const char		*method;
	enum tg_send		 rc;

	*message_id = 0;
	*retry_after = 0;
	util_seterr(err, errlen, "%s", "");
	if (config_ok(cfg, err, errlen) == -1)
		return TG_SEND_REJECTED;
	if (m == NULL || (unsigned)m->media >= TG_MEDIA__MAX) {
		util_seterr(err, errlen, "telegram: send: no message");
		return TG_SEND_REJECTED;
	}
	method = media_methods[m->media];
	if (message_ok(m, method, err, errlen) == -1)
		return TG_SEND_REJECTED;
	req = send_request(m);
	if (req == NULL) {
		util_seterr(err, errlen, "telegram: %s: out of memory", method);
		return TG_SEND_RETRY;
	}
	if (call_ex(cfg, method, req, &ans, &out, err, errlen) == 0) {
		json_object_put(req);
		(void)json_object_object_get_ex(ans, "result", &res);
		if (json_object_is_type(res, json_type_object) &&
		    json_object_object_get_ex(res, "message_id", &v) &&
		    json_object_is_type(v, json_type_int))
			*message_id = json_object_get_int64(v);
		json_object_put(ans);
		return TG_SEND_OK;
	}
	json_object_put(req);
	if (out.not_sent || (out.answered && (out.http_status >= 500 ||
	    out.error_code >= 500)))
		rc = TG_SEND_RETRY;	/* surely not delivered */
	else if (!out.answered)
		rc = TG_SEND_UNKNOWN;	/* it may have arrived: never twice */
	else if (out.error_code == 403)
		rc = TG_SEND_BLOCKED;
	else if (out.error_code == 429) {
		rc = TG_SEND_RETRY;
		*retry_after = out.retry_after;
	} else
		rc = TG_SEND_REJECTED;
	return rc;
}

/*
 * The InlineQueryResultPhoto / InlineQueryResultVideo of a prepared
 * message, or NULL on ENOMEM.
 */
static struct json_object *
inline_result(const struct tg_message *m, const char *result_id)
{
	struct json_object	*r, *mk;

	r = json_object_new_object();
	if (r == NULL || jsonv_add(r, "type", json_object_new_string(
	    m->media == TG_MEDIA_VIDEO ? "video" : "photo")) == -1 ||
	    jsonv_add(r, "id", json_object_new_string(result_id)) == -1 ||
	    jsonv_add(r, m->media == TG_MEDIA_VIDEO ? "video_url" :
	    "photo_url", json_object_new_string(m->media_url)) == -1 ||
	    jsonv_add(r, "thumbnail_url", json_object_new_string(
	    m->thumb_url != NULL ? m->thumb_url : m->media_url)) == -1)
		goto fail;
	if (m->media == TG_MEDIA_VIDEO && (jsonv_add(r, "mime_type",
	    json_object_new_string("video/mp4")) == -1 || jsonv_add(r,
	    "title", json_object_new_string(m->title != NULL ? m->title :
	    "video")) == -1))
		goto fail;
	if (m->text != NULL && m->text[0] != '\0' && jsonv_add(r, "caption",
	    json_object_new_string(m->text)) == -1)
		goto fail;
	if (m->button_text != NULL) {
		mk = one_button(m->button_text, m->button_url, 0);
		if (mk == NULL || jsonv_add(r, "reply_markup", mk) == -1)
			goto fail;
	}
	return r;
fail:
	json_object_put(r);
	return NULL;
}

int
tg_save_prepared_message(const struct tg_config *cfg,
    const struct tg_message *m, const char *result_id, char **prepared_id,
    int64_t *expires, char *err, size_t errlen)
{
	static const char	 method[] = "savePreparedInlineMessage";
	struct json_object	*req = NULL, *r, *ans = NULL, *res = NULL, *v;
	int			 rc = -1;

	*prepared_id = NULL;
	*expires = 0;
	util_seterr(err, errlen, "%s", "");
	if (config_ok(cfg, err, errlen) == -1 ||
	    message_ok(m, method, err, errlen) == -1)
		return -1;
	if (m->media == TG_MEDIA_TEXT || (m->thumb_url != NULL &&
	    !link_ok(m->thumb_url)) || (m->title != NULL &&
	    !text_ok(m->title, TG_MAX_TITLE_INLINE, TG_MAX_TITLE_INLINE * 4)) ||
	    !token_ok(result_id, TG_MAX_RESULT_ID)) {
		util_seterr(err, errlen, "telegram: %s: a photo or video, an "
		    "http(s) thumbnail, a title of 1-%d characters and a "
		    "result id of 1-%d bytes", method, TG_MAX_TITLE_INLINE,
		    TG_MAX_RESULT_ID);
		return -1;
	}
	req = json_object_new_object();
	r = req != NULL ? inline_result(m, result_id) : NULL;
	if (req == NULL || r == NULL || jsonv_add(req, "user_id",
	    json_object_new_int64(m->chat_id)) == -1 ||
	    jsonv_add(req, "result", r) == -1 ||
	    jsonv_add(req, "allow_user_chats", json_object_new_boolean(1)) ==
	    -1 || jsonv_add(req, "allow_group_chats",
	    json_object_new_boolean(1)) == -1) {
		if (req == NULL)
			json_object_put(r);
		util_seterr(err, errlen, "telegram: %s: out of memory", method);
		goto fail;
	}
	if (call(cfg, method, req, &ans, err, errlen) == -1)
		goto fail;
	(void)json_object_object_get_ex(ans, "result", &res);
	if (!json_object_is_type(res, json_type_object) ||
	    !json_object_object_get_ex(res, "id", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    !token_ok(json_object_get_string(v), 256)) {
		util_seterr(err, errlen, "telegram: %s: the result has no id",
		    method);
		goto fail;
	}
	*prepared_id = strdup(json_object_get_string(v));
	if (*prepared_id == NULL) {
		util_seterr(err, errlen, "telegram: %s: out of memory", method);
		goto fail;
	}
	if (json_object_object_get_ex(res, "expiration_date", &v) &&
	    json_object_is_type(v, json_type_int))
		*expires = json_object_get_int64(v);
	rc = 0;
fail:
	json_object_put(req);
	json_object_put(ans);
	return rc;
}
