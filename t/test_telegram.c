/*
 * Unit tests for lib/telegram.c against t/telegram_emulator.js, which the
 * test starts (node $srcdir/t/telegram_emulator.js 0 --token TOKEN) on a
 * free loopback port and stops at the end.  The emulator records every
 * request it gets (GET /__calls), so a test can tell exactly what was
 * sent, and whether anything was.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "telegram.h"
#include "testutil.h"

#define TOKEN		"123456:TEST-token_Secret-part"
#define TOKEN_SECRET	"TEST-token_Secret-part"
#define WRONG_TOKEN	"987654:WRONG-secret_Value-123"

/* The emulator, started once for the suite. */
static pid_t	 emu_pid = -1;
static char	 emu_base[64];

/* ---- helpers ----------------------------------------------------- */

/*
 * GET path on the emulator, or POST json there when json is not NULL;
 * the answer into *b (caller frees b->p).  The HTTP status, or -1.
 */
static long
emu_fetch(const char *path, const char *json, struct tu_body *b)
{
	char	 url[256];

	snprintf(url, sizeof(url), "%s%s", emu_base, path);
	return tu_http(url, json, b);
}

/* POST json to a hook of the emulator (/__reset, /__script); 0 or -1. */
static int
emu_post(const char *path, const char *json)
{
	struct tu_body	 b;
	long		 st;

	st = emu_fetch(path, json, &b);
	free(b.p);
	return st == 200 ? 0 : -1;
}

/* Forget the calls and scripts of earlier tests. */
static void
emu_reset(void)
{
	CU_ASSERT_FATAL(emu_post("/__reset", "{}") == 0);
}

/* The calls the emulator recorded, a JSON array (caller puts), or NULL. */
static struct json_object *
emu_calls(void)
{
	struct tu_body		 b;
	struct json_object	*o = NULL;

	if (emu_fetch("/__calls", NULL, &b) == 200)
		o = json_tokener_parse(b.p);
	free(b.p);
	if (o != NULL && !json_object_is_type(o, json_type_array)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

/* How many calls the emulator recorded, or -1. */
static int
n_calls(void)
{
	struct json_object	*o;
	int			 n;

	o = emu_calls();
	if (o == NULL)
		return -1;
	n = (int)json_object_array_length(o);
	json_object_put(o);
	return n;
}

/*
 * Member key of recorded call i: a string copied (caller frees), a
 * boolean as "true"/"false"; NULL when absent.
 */
static char *
call_field(size_t i, const char *key)
{
	struct json_object	*o, *c, *v;
	char			*r = NULL;

	o = emu_calls();
	if (o == NULL)
		return NULL;
	c = json_object_array_get_idx(o, i);
	if (c != NULL && json_object_object_get_ex(c, key, &v)) {
		if (json_object_is_type(v, json_type_string))
			r = strdup(json_object_get_string(v));
		else if (json_object_is_type(v, json_type_boolean))
			r = strdup(json_object_get_boolean(v) ? "true" :
			    "false");
	}
	json_object_put(o);
	return r;
}

/* Assert that recorded call i went to method with exactly body raw. */
static void
assert_call(size_t i, const char *method, const char *raw)
{
	char	*m, *r, *ok;

	m = call_field(i, "method");
	r = call_field(i, "raw");
	ok = call_field(i, "token_ok");
	ASSERT_STR(m, method);
	ASSERT_STR(r, raw);
	ASSERT_STR(ok, "true");
	free(m);
	free(r);
	free(ok);
}

/* Settings against the emulator. */
static void
cfg_init(struct tg_config *cfg)
{
	cfg->api_base = emu_base;
	cfg->bot_token = TOKEN;
	cfg->timeout_ms = 5000;
}

/* Script the emulator (a JSON object); fatal when refused. */
static void
script(const char *json)
{
	CU_ASSERT_FATAL(emu_post("/__script", json) == 0);
}

/* An error string never quotes the token, the URL or its parts. */
static void
assert_clean(const char *err, const char *token)
{
	const char	*secret = strchr(token, ':');

	CU_ASSERT_PTR_NULL(strstr(err, token));
	CU_ASSERT(secret == NULL || secret[1] == '\0' ||
	    strstr(err, secret + 1) == NULL);
	CU_ASSERT_PTR_NULL(strstr(err, "/bot"));
	CU_ASSERT_PTR_NULL(strstr(err, "127.0.0.1"));
	CU_ASSERT_PTR_NULL(strstr(err, "http://"));
}

/* n copies of the string s, concatenated (caller frees). */
static char *
repeat(const char *s, size_t n)
{
	size_t	 len = strlen(s), i;
	char	*r;

	r = malloc(len * n + 1);
	if (r == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		memcpy(r + i * len, s, len);
	r[len * n] = '\0';
	return r;
}

/*
 * Script the next call of method to be answered with status and the
 * text answer, as it is.
 */
static void
script_answer(const char *method, int status, const char *answer)
{
	struct json_object	*s;

	s = json_object_new_object();
	CU_ASSERT_FATAL(s != NULL);
	json_object_object_add(s, "method", json_object_new_string(method));
	json_object_object_add(s, "status", json_object_new_int(status));
	json_object_object_add(s, "body", json_object_new_string(answer));
	script(json_object_to_json_string_ext(s, JSON_C_TO_STRING_PLAIN));
	json_object_put(s);
}

/*
 * Run createInvoiceLink with a scripted 200 answer (the JSON text of
 * the answer itself) and expect failure with err starting with want.
 */
static void
check_bad_answer(const char *answer, const char *want)
{
	struct tg_config	 cfg;
	char			 err[256], *link = (char *)"unset";

	script_answer("createInvoiceLink", 200, answer);
	cfg_init(&cfg);
	CU_ASSERT_EQUAL(tg_create_invoice_link(&cfg, "T", "D", "p", "L", 1,
	    &link, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NULL(link);
	if (strncmp(err, want, strlen(want)) != 0)
		fprintf(stderr, "\n  got  %s\n  want %s...\n", err, want);
	CU_ASSERT(strncmp(err, want, strlen(want)) == 0);
	assert_clean(err, TOKEN);
}

/* ---- emulator life ----------------------------------------------- */

static int
emu_start(void)
{
	const char *const args[] = { "--token", TOKEN, NULL };

	return tu_node_start("telegram_emulator.js", args, &emu_pid, emu_base,
	    sizeof(emu_base));
}

static void
emu_stop(void)
{
	tu_node_stop(&emu_pid);
}

/* ---- tests ------------------------------------------------------- */

static void
test_invoice_link(void)
{
	struct tg_config	 cfg;
	struct json_object	*calls, *c, *b, *v;
	char			 err[256], base[80];
	char			*link = NULL, *link2 = NULL;
	char			*title, *payload;

	emu_reset();
	cfg_init(&cfg);
	CU_ASSERT_EQUAL(tg_create_invoice_link(&cfg, "Try-on pack",
	    "5 try-ons, \"fast\"\nand kind", "order:42/u:7", "5 try-ons", 50,
	    &link, err, sizeof(err)), 0);
	ASSERT_STR(err, "");
	CU_ASSERT_FATAL(link != NULL);
	CU_ASSERT(strncmp(link, "https://t.me/$", 14) == 0);
	CU_ASSERT(strlen(link) > 20);
	CU_ASSERT_EQUAL(n_calls(), 1);
	/* Exactly this body: XTR, one price, no provider_token. */
	assert_call(0, "createInvoiceLink",
	    "{\"title\":\"Try-on pack\","
	    "\"description\":\"5 try-ons, \\\"fast\\\"\\nand kind\","
	    "\"payload\":\"order:42/u:7\",\"currency\":\"XTR\","
	    "\"prices\":[{\"label\":\"5 try-ons\",\"amount\":50}]}");

	/*
	 * The limits themselves: 32 characters of Cyrillic (64 bytes), a
	 * payload of 128 bytes; a base with a trailing slash.
	 */
	title = repeat("\xd0\x96", 32);
	payload = repeat("p", 128);
	CU_ASSERT_FATAL(title != NULL && payload != NULL);
	snprintf(base, sizeof(base), "%s/", emu_base);
	cfg.api_base = base;
	CU_ASSERT_EQUAL(tg_create_invoice_link(&cfg, title, "D", payload,
	    "L", 1, &link2, err, sizeof(err)), 0);
	CU_ASSERT_FATAL(link2 != NULL);
	CU_ASSERT(link != NULL && link2 != NULL &&
	    strcmp(link, link2) != 0);
	calls = emu_calls();
	CU_ASSERT_FATAL(calls != NULL);
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(calls), 2);
	c = json_object_array_get_idx(calls, 1);
	CU_ASSERT_FATAL(json_object_object_get_ex(c, "body", &b));
	CU_ASSERT(json_object_object_get_ex(b, "title", &v) &&
	    title != NULL && strcmp(json_object_get_string(v), title) == 0);
	CU_ASSERT(json_object_object_get_ex(b, "payload", &v) &&
	    payload != NULL &&
	    strcmp(json_object_get_string(v), payload) == 0);
	CU_ASSERT(json_object_object_get_ex(b, "prices", &v) &&
	    json_object_array_length(v) == 1);
	CU_ASSERT(!json_object_object_get_ex(b, "provider_token", NULL));
	json_object_put(calls);
	free(title);
	free(payload);
	free(link);
	free(link2);
}

/* One invalid invoice: -1, no link, a reason. */
static void
check_invalid(const struct tg_config *cfg, const char *title,
    const char *descr, const char *payload, const char *label, int64_t stars)
{
	char	 err[256], *link = (char *)"unset";

	CU_ASSERT_EQUAL(tg_create_invoice_link(cfg, title, descr, payload,
	    label, stars, &link, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NULL(link);
	CU_ASSERT(strncmp(err, "telegram: ", 10) == 0);
	assert_clean(err, cfg != NULL && cfg->bot_token != NULL ?
	    cfg->bot_token : TOKEN);
}

static void
test_invoice_validation(void)
{
	struct tg_config	 cfg;
	char			 err[256];
	char			*t33, *c33, *d256, *p129, *l256;

	emu_reset();
	cfg_init(&cfg);
	t33 = repeat("t", 33);
	c33 = repeat("\xd0\x96", 33);
	d256 = repeat("d", 256);
	p129 = repeat("p", 129);
	l256 = repeat("l", 256);
	CU_ASSERT_FATAL(t33 != NULL && c33 != NULL && d256 != NULL &&
	    p129 != NULL && l256 != NULL);

	check_invalid(&cfg, t33, "D", "p", "L", 1);
	check_invalid(&cfg, c33, "D", "p", "L", 1);
	check_invalid(&cfg, "", "D", "p", "L", 1);
	check_invalid(&cfg, NULL, "D", "p", "L", 1);
	check_invalid(&cfg, "T\xff", "D", "p", "L", 1);	/* not UTF-8 */
	check_invalid(&cfg, "T\xc0\xaf", "D", "p", "L", 1); /* overlong */
	check_invalid(&cfg, "T", d256, "p", "L", 1);
	check_invalid(&cfg, "T", "", "p", "L", 1);
	check_invalid(&cfg, "T", "D", "", "L", 1);
	check_invalid(&cfg, "T", "D", NULL, "L", 1);
	check_invalid(&cfg, "T", "D", p129, "L", 1);
	check_invalid(&cfg, "T", "D", "p", "", 1);
	check_invalid(&cfg, "T", "D", "p", l256, 1);
	check_invalid(&cfg, "T", "D", "p", "L", 0);
	check_invalid(&cfg, "T", "D", "p", "L", -5);
	check_invalid(&cfg, "T", "D", "p", "L", INT64_MAX);
	CU_ASSERT_EQUAL(tg_create_invoice_link(&cfg, "T", "D", "p", "L", 1,
	    NULL, err, sizeof(err)), -1);

	/* Bad settings are refused before any request as well. */
	check_invalid(NULL, "T", "D", "p", "L", 1);
	cfg.api_base = "ftp://127.0.0.1:1";
	check_invalid(&cfg, "T", "D", "p", "L", 1);
	cfg.api_base = "http://";
	check_invalid(&cfg, "T", "D", "p", "L", 1);
	cfg.api_base = "http://127.0.0.1/x?y";
	check_invalid(&cfg, "T", "D", "p", "L", 1);
	cfg_init(&cfg);
	cfg.bot_token = "123456:abc/../../x";
	check_invalid(&cfg, "T", "D", "p", "L", 1);
	cfg.bot_token = "123456:abc\r\nHost: evil";
	check_invalid(&cfg, "T", "D", "p", "L", 1);
	cfg.bot_token = "nodigits:abc";
	check_invalid(&cfg, "T", "D", "p", "L", 1);
	cfg.bot_token = "123456:";
	check_invalid(&cfg, "T", "D", "p", "L", 1);
	cfg.bot_token = NULL;
	check_invalid(&cfg, "T", "D", "p", "L", 1);
	cfg_init(&cfg);
	cfg.timeout_ms = -1;
	check_invalid(&cfg, "T", "D", "p", "L", 1);

	/* Not one of them reached the emulator. */
	CU_ASSERT_EQUAL(n_calls(), 0);
	free(t33);
	free(c33);
	free(d256);
	free(p129);
	free(l256);
}

static void
test_wrong_token(void)
{
	struct tg_config	 cfg;
	struct sockaddr_in	 sa;
	socklen_t		 sl = sizeof(sa);
	char			 err[256], base[64], *link = NULL, *ok;
	int			 s;

	emu_reset();
	cfg_init(&cfg);
	cfg.bot_token = WRONG_TOKEN;
	CU_ASSERT_EQUAL(tg_create_invoice_link(&cfg, "T", "D", "p", "L", 1,
	    &link, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NULL(link);
	ASSERT_STR(err, "telegram: createInvoiceLink: 401 Unauthorized");
	assert_clean(err, WRONG_TOKEN);
	CU_ASSERT_EQUAL(tg_answer_pre_checkout(&cfg, "q-1", 1, NULL, err,
	    sizeof(err)), -1);
	ASSERT_STR(err, "telegram: answerPreCheckoutQuery: 401 Unauthorized");
	/* The requests were made, with the wrong token. */
	CU_ASSERT_EQUAL(n_calls(), 2);
	ok = call_field(0, "token_ok");
	ASSERT_STR(ok, "false");
	free(ok);

	/* A description quoting the token is not passed on. */
	script_answer("createInvoiceLink", 400, "{\"ok\":false,"
	    "\"error_code\":400,\"description\":\"Bad Request: token "
	    TOKEN_SECRET " is odd\"}");
	cfg_init(&cfg);
	CU_ASSERT_EQUAL(tg_create_invoice_link(&cfg, "T", "D", "p", "L", 1,
	    &link, err, sizeof(err)), -1);
	ASSERT_STR(err, "telegram: createInvoiceLink: 400 (description "
	    "withheld)");
	assert_clean(err, TOKEN);

	/* No server at all: curl's reason, not its error buffer. */
	s = socket(AF_INET, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(s >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CU_ASSERT_FATAL(bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CU_ASSERT_FATAL(getsockname(s, (struct sockaddr *)&sa, &sl) == 0);
	snprintf(base, sizeof(base), "http://127.0.0.1:%d",
	    ntohs(sa.sin_port));
	close(s);
	cfg.api_base = base;
	CU_ASSERT_EQUAL(tg_create_invoice_link(&cfg, "T", "D", "p", "L", 1,
	    &link, err, sizeof(err)), -1);
	ASSERT_STR(err, "telegram: createInvoiceLink: Couldn't connect to "
	    "server");
	assert_clean(err, TOKEN);
}

static void
test_http_errors(void)
{
	struct tg_config	 cfg;
	char			 err[256], *link = NULL;

	emu_reset();
	cfg_init(&cfg);

	/* 500, once: the next call goes through. */
	script("{\"method\":\"createInvoiceLink\",\"status\":500}");
	CU_ASSERT_EQUAL(tg_create_invoice_link(&cfg, "T", "D", "p", "L", 1,
	    &link, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NULL(link);
	ASSERT_STR(err, "telegram: createInvoiceLink: 500 Internal Server "
	    "Error");
	CU_ASSERT_EQUAL(tg_create_invoice_link(&cfg, "T", "D", "p", "L", 1,
	    &link, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL(link);
	free(link);
	link = NULL;
	CU_ASSERT_EQUAL(n_calls(), 2);

	/* 429 with retry_after. */
	script("{\"method\":\"createInvoiceLink\",\"status\":429,"
	    "\"times\":2}");
	CU_ASSERT_EQUAL(tg_create_invoice_link(&cfg, "T", "D", "p", "L", 1,
	    &link, err, sizeof(err)), -1);
	ASSERT_STR(err, "telegram: createInvoiceLink: 429 Too Many "
	    "Requests: retry after 1 (retry after 1 s)");
	CU_ASSERT_EQUAL(tg_create_invoice_link(&cfg, "T", "D", "p", "L", 1,
	    &link, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NULL(link);

	/* A non-2xx that is not JSON: the status. */
	script_answer("createInvoiceLink", 502, "<html>Bad Gateway</html>");
	CU_ASSERT_EQUAL(tg_create_invoice_link(&cfg, "T", "D", "p", "L", 1,
	    &link, err, sizeof(err)), -1);
	ASSERT_STR(err, "telegram: createInvoiceLink: HTTP 502");

	/* A non-2xx claiming ok:true is still a failure. */
	script_answer("createInvoiceLink", 503,
	    "{\"ok\":true,\"result\":\"https://t.me/$x\"}");
	CU_ASSERT_EQUAL(tg_create_invoice_link(&cfg, "T", "D", "p", "L", 1,
	    &link, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NULL(link);
	ASSERT_STR(err, "telegram: createInvoiceLink: HTTP 503");

	/* The same for answerPreCheckoutQuery. */
	script("{\"method\":\"answerPreCheckoutQuery\",\"status\":500}");
	CU_ASSERT_EQUAL(tg_answer_pre_checkout(&cfg, "q-1", 1, NULL, err,
	    sizeof(err)), -1);
	ASSERT_STR(err, "telegram: answerPreCheckoutQuery: 500 Internal "
	    "Server Error");
}

static void
test_ok_false(void)
{
	struct tg_config	 cfg;
	const char		*want = "telegram: createInvoiceLink: 400 x"
				    "\xd0\x96";
	char			 err[512], *link = NULL, *long_desc, *ans;
	size_t			 n;

	emu_reset();
	cfg_init(&cfg);

	/* ok:false in a 200, with control characters in the description. */
	check_bad_answer("{\"ok\":false,\"error_code\":400,\"description\":"
	    "\"Bad Request: PAYLOAD\\n\\u0007\\u001b[31mbad\\u0085\"}",
	    "telegram: createInvoiceLink: 400 Bad Request: PAYLOAD[31mbad");
	/* No error_code: the HTTP status stands in. */
	check_bad_answer("{\"ok\":false,\"description\":\"nope\"}",
	    "telegram: createInvoiceLink: 200 nope");

	/* A long description is cut, at a character boundary. */
	long_desc = repeat("\xd0\x96", 300);
	CU_ASSERT_FATAL(long_desc != NULL);
	n = strlen(long_desc) + 128;
	ans = malloc(n);
	CU_ASSERT_FATAL(ans != NULL);
	snprintf(ans, n, "{\"ok\":false,\"error_code\":400,"
	    "\"description\":\"x%s\"}", long_desc);
	script_answer("createInvoiceLink", 400, ans);
	CU_ASSERT_EQUAL(tg_create_invoice_link(&cfg, "T", "D", "p", "L", 1,
	    &link, err, sizeof(err)), -1);
	CU_ASSERT(strncmp(err, want, strlen(want)) == 0);
	n = strlen(err);
	CU_ASSERT(n > 100 && n < 250);
	CU_ASSERT(n > 3 && strcmp(err + n - 3, "...") == 0);
	/* "x" then whole two-byte characters: the cut kept them whole. */
	CU_ASSERT(n > 4 && (unsigned char)err[n - 4] == 0x96);
	free(ans);
	free(long_desc);
}

/* A link of exactly len bytes, scripted, comes back as it is. */
static void
check_long_link(size_t len)
{
	struct tg_config	 cfg;
	char			 err[256], *url, *ans, *link = NULL;
	size_t			 n = len + 64;

	url = malloc(len + 1);
	ans = malloc(n);
	CU_ASSERT_FATAL(url != NULL && ans != NULL);
	memcpy(url, "https://t.me/$", 14);
	memset(url + 14, 'a', len - 14);
	url[len] = '\0';
	snprintf(ans, n, "{\"ok\":true,\"result\":\"%s\"}", url);
	script_answer("createInvoiceLink", 200, ans);
	cfg_init(&cfg);
	CU_ASSERT_EQUAL(tg_create_invoice_link(&cfg, "T", "D", "p", "L", 1,
	    &link, err, sizeof(err)), 0);
	ASSERT_STR(link, url);
	free(link);
	free(ans);
	free(url);
}

static void
test_bad_answers(void)
{
	struct tg_config	 cfg;
	char			 err[256], *url, *huge, *ans;
	size_t			 n;

	emu_reset();
	check_bad_answer("not json", "telegram: createInvoiceLink: "
	    "malformed answer");
	check_bad_answer("{\"ok\":true,\"result\":\"https://t.me/$a\"} x",
	    "telegram: createInvoiceLink: malformed answer");
	check_bad_answer("[true]", "telegram: createInvoiceLink: "
	    "malformed answer");
	check_bad_answer("{\"ok\":\"true\",\"result\":\"https://t.me/$a\"}",
	    "telegram: createInvoiceLink: malformed answer");
	check_bad_answer("{\"ok\":true}", "telegram: createInvoiceLink: "
	    "answer without a result");
	check_bad_answer("{\"ok\":true,\"result\":42}",
	    "telegram: createInvoiceLink: the result is not an invoice link");
	check_bad_answer("{\"ok\":true,\"result\":\"javascript:alert(1)\"}",
	    "telegram: createInvoiceLink: the result is not an invoice link");
	check_bad_answer("{\"ok\":true,\"result\":\"https://\"}",
	    "telegram: createInvoiceLink: the result is not an invoice link");
	check_bad_answer("{\"ok\":true,\"result\":\"https://t.me/$a b\"}",
	    "telegram: createInvoiceLink: the result is not an invoice link");

	/* 2048 bytes of link pass, 2049 do not. */
	check_long_link(2048);
	url = malloc(2050);
	ans = malloc(2050 + 64);
	CU_ASSERT_FATAL(url != NULL && ans != NULL);
	memcpy(url, "https://t.me/$", 14);
	memset(url + 14, 'a', 2049 - 14);
	url[2049] = '\0';
	snprintf(ans, 2050 + 64, "{\"ok\":true,\"result\":\"%s\"}", url);
	check_bad_answer(ans, "telegram: createInvoiceLink: the result is "
	    "not an invoice link");
	free(ans);
	free(url);

	/* An answer over 64 KiB is cut off. */
	huge = repeat("x", 70000);
	CU_ASSERT_FATAL(huge != NULL);
	n = 70000 + 64;
	ans = malloc(n);
	CU_ASSERT_FATAL(ans != NULL);
	snprintf(ans, n, "{\"ok\":true,\"result\":\"https://t.me/$%s\"}",
	    huge);
	check_bad_answer(ans, "telegram: createInvoiceLink: answer over "
	    "65536 bytes");
	free(ans);
	free(huge);

	/* answerPreCheckoutQuery must get true. */
	script_answer("answerPreCheckoutQuery", 200,
	    "{\"ok\":true,\"result\":false}");
	cfg_init(&cfg);
	CU_ASSERT_EQUAL(tg_answer_pre_checkout(&cfg, "q-1", 1, NULL, err,
	    sizeof(err)), -1);
	ASSERT_STR(err, "telegram: answerPreCheckoutQuery: the result is "
	    "not true");
}

static void
test_timeout(void)
{
	struct tg_config	 cfg;
	char			 err[256], *link = NULL;
	int64_t			 t0, dt;

	emu_reset();
	script("{\"method\":\"createInvoiceLink\",\"hang\":true}");
	cfg_init(&cfg);
	cfg.timeout_ms = 300;
	t0 = tu_mono_ms();
	CU_ASSERT_EQUAL(tg_create_invoice_link(&cfg, "T", "D", "p", "L", 1,
	    &link, err, sizeof(err)), -1);
	dt = tu_mono_ms() - t0;
	CU_ASSERT_PTR_NULL(link);
	CU_ASSERT(dt >= 250 && dt < 3000);
	ASSERT_STR(err, "telegram: createInvoiceLink: Timeout was reached");
	assert_clean(err, TOKEN);
	CU_ASSERT_EQUAL(n_calls(), 1);

	/* The other method is not affected. */
	CU_ASSERT_EQUAL(tg_answer_pre_checkout(&cfg, "q-1", 1, NULL, err,
	    sizeof(err)), 0);
	emu_reset();
}

static void
test_pre_checkout(void)
{
	struct tg_config	 cfg;
	char			 err[256], *m256;

	emu_reset();
	cfg_init(&cfg);
	CU_ASSERT_EQUAL(tg_answer_pre_checkout(&cfg, "4412345678901234567",
	    1, NULL, err, sizeof(err)), 0);
	ASSERT_STR(err, "");
	/* A message with ok = 1 is not sent. */
	CU_ASSERT_EQUAL(tg_answer_pre_checkout(&cfg, "q-2", 1, "ignored",
	    err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(tg_answer_pre_checkout(&cfg, "q-3", 0,
	    "Sorry, \"sold\" out", err, sizeof(err)), 0);
	ASSERT_STR(err, "");
	CU_ASSERT_EQUAL(n_calls(), 3);
	assert_call(0, "answerPreCheckoutQuery",
	    "{\"pre_checkout_query_id\":\"4412345678901234567\",\"ok\":true}");
	assert_call(1, "answerPreCheckoutQuery",
	    "{\"pre_checkout_query_id\":\"q-2\",\"ok\":true}");
	assert_call(2, "answerPreCheckoutQuery",
	    "{\"pre_checkout_query_id\":\"q-3\",\"ok\":false,"
	    "\"error_message\":\"Sorry, \\\"sold\\\" out\"}");

	/* Refused before any request. */
	m256 = repeat("m", 256);
	CU_ASSERT_FATAL(m256 != NULL);
	CU_ASSERT_EQUAL(tg_answer_pre_checkout(&cfg, "q-4", 0, NULL, err,
	    sizeof(err)), -1);
	CU_ASSERT(strstr(err, "error_message") != NULL);
	CU_ASSERT_EQUAL(tg_answer_pre_checkout(&cfg, "q-4", 0, "", err,
	    sizeof(err)), -1);
	CU_ASSERT_EQUAL(tg_answer_pre_checkout(&cfg, "q-4", 0, m256, err,
	    sizeof(err)), -1);
	CU_ASSERT_EQUAL(tg_answer_pre_checkout(&cfg, "q-4", 0, "bad \xff",
	    err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(tg_answer_pre_checkout(&cfg, "q-4", 2, NULL, err,
	    sizeof(err)), -1);
	CU_ASSERT_EQUAL(tg_answer_pre_checkout(&cfg, "", 1, NULL, err,
	    sizeof(err)), -1);
	CU_ASSERT_EQUAL(tg_answer_pre_checkout(&cfg, NULL, 1, NULL, err,
	    sizeof(err)), -1);
	CU_ASSERT_EQUAL(tg_answer_pre_checkout(&cfg, "q 4", 1, NULL, err,
	    sizeof(err)), -1);
	CU_ASSERT_EQUAL(tg_answer_pre_checkout(NULL, "q-4", 1, NULL, err,
	    sizeof(err)), -1);
	/* err may be left out. */
	CU_ASSERT_EQUAL(tg_answer_pre_checkout(&cfg, "q-4", 0, NULL, NULL,
	    0), -1);
	CU_ASSERT_EQUAL(n_calls(), 3);
	free(m256);
}

static void
test_refund(void)
{
	struct tg_config	 cfg;
	char			 err[256], *c257;

	emu_reset();
	cfg_init(&cfg);
	CU_ASSERT_EQUAL(tg_refund_star_payment(&cfg, 123456789,
	    "stxAbC-123_def", err, sizeof(err)), 0);
	ASSERT_STR(err, "");
	CU_ASSERT_EQUAL(n_calls(), 1);
	assert_call(0, "refundStarPayment", "{\"user_id\":123456789,"
	    "\"telegram_payment_charge_id\":\"stxAbC-123_def\"}");
	/* The same charge again: Telegram's CHARGE_ALREADY_REFUNDED is 1. */
	CU_ASSERT_EQUAL(tg_refund_star_payment(&cfg, 123456789,
	    "stxAbC-123_def", err, sizeof(err)), 1);
	CU_ASSERT(strstr(err, "CHARGE_ALREADY_REFUNDED") != NULL);
	/* Any other refusal is an error. */
	script("{\"method\":\"refundStarPayment\",\"status\":400}");
	CU_ASSERT_EQUAL(tg_refund_star_payment(&cfg, 123456789, "other",
	    err, sizeof(err)), -1);
	CU_ASSERT(strstr(err, "scripted") != NULL);
	script("{\"method\":\"refundStarPayment\",\"status\":502}");
	CU_ASSERT_EQUAL(tg_refund_star_payment(&cfg, 123456789, "other",
	    err, sizeof(err)), -1);
	assert_clean(err, cfg.bot_token);
	CU_ASSERT_EQUAL(n_calls(), 4);

	/* Refused before any request. */
	c257 = repeat("c", 257);
	CU_ASSERT_FATAL(c257 != NULL);
	CU_ASSERT_EQUAL(tg_refund_star_payment(&cfg, 1, c257, err,
	    sizeof(err)), -1);
	CU_ASSERT(strstr(err, "charge") != NULL);
	CU_ASSERT_EQUAL(tg_refund_star_payment(&cfg, 1, "", err,
	    sizeof(err)), -1);
	CU_ASSERT_EQUAL(tg_refund_star_payment(&cfg, 1, NULL, err,
	    sizeof(err)), -1);
	CU_ASSERT_EQUAL(tg_refund_star_payment(&cfg, 1, "a b", err,
	    sizeof(err)), -1);
	CU_ASSERT_EQUAL(tg_refund_star_payment(&cfg, 0, "c", err,
	    sizeof(err)), -1);
	CU_ASSERT(strstr(err, "user id") != NULL);
	CU_ASSERT_EQUAL(tg_refund_star_payment(&cfg, -5, "c", err,
	    sizeof(err)), -1);
	CU_ASSERT_EQUAL(tg_refund_star_payment(&cfg, INT64_C(1) << 53, "c",
	    err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(tg_refund_star_payment(NULL, 1, "c", err,
	    sizeof(err)), -1);
	CU_ASSERT_EQUAL(tg_refund_star_payment(&cfg, 1, "c", NULL, 0), 0);
	CU_ASSERT_EQUAL(n_calls(), 5);
	free(c257);
}

static void
test_set_webhook(void)
{
	struct tg_config	 cfg;
	char			 err[256], *long_secret;

	emu_reset();
	cfg_init(&cfg);
	CU_ASSERT_EQUAL(tg_set_webhook(&cfg, "https://shop.example/api/v1/"
	    "telegram/webhook", "s3cret_-X", err, sizeof(err)), 0);
	ASSERT_STR(err, "");
	CU_ASSERT_EQUAL(n_calls(), 1);
	assert_call(0, "setWebhook",
	    "{\"allowed_updates\":[\"pre_checkout_query\",\"message\"],"
	    "\"url\":\"https://shop.example/api/v1/telegram/webhook\","
	    "\"secret_token\":\"s3cret_-X\"}");

	/* Refused before any request. */
	long_secret = repeat("a", 257);
	CU_ASSERT_FATAL(long_secret != NULL);
	CU_ASSERT_EQUAL(tg_set_webhook(&cfg, "http://shop.example/hook", "s",
	    err, sizeof(err)), -1);
	CU_ASSERT(strstr(err, "https://") != NULL);
	CU_ASSERT_EQUAL(tg_set_webhook(&cfg, "https:///hook", "s", err,
	    sizeof(err)), -1);
	CU_ASSERT_EQUAL(tg_set_webhook(&cfg, NULL, "s", err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(tg_set_webhook(&cfg, "https://a.example/h", "",
	    err, sizeof(err)), -1);
	CU_ASSERT(strstr(err, "secret") != NULL);
	CU_ASSERT_EQUAL(tg_set_webhook(&cfg, "https://a.example/h", "a b",
	    err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(tg_set_webhook(&cfg, "https://a.example/h",
	    long_secret, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(n_calls(), 1);
	CU_ASSERT(tg_secret_valid(long_secret + 1));
	CU_ASSERT(!tg_secret_valid(long_secret));
	CU_ASSERT(!tg_secret_valid("x=y"));
	CU_ASSERT(!tg_secret_valid(NULL));
	CU_ASSERT(tg_secret_valid("A-z_09"));
	free(long_secret);

	/* Telegram's refusal comes back as an error. */
	script("{\"method\":\"setWebhook\",\"status\":500}");
	CU_ASSERT_EQUAL(tg_set_webhook(&cfg, "https://a.example/h", "s",
	    err, sizeof(err)), -1);
	CU_ASSERT(strncmp(err, "telegram: setWebhook: 500", 25) == 0);
	assert_clean(err, TOKEN);
	emu_reset();
}

static void
test_secret(void)
{
	CU_ASSERT_EQUAL(tg_secret_matches("s3cr3t-T0ken_x", "s3cr3t-T0ken_x"),
	    1);
	CU_ASSERT_EQUAL(tg_secret_matches("s3cr3t-T0ken_x", "s3cr3t-T0ken_y"),
	    0);
	CU_ASSERT_EQUAL(tg_secret_matches("s3cr3t-T0ken_x", "S3cr3t-T0ken_x"),
	    0);
	CU_ASSERT_EQUAL(tg_secret_matches("s3cr3t-T0ken_x", "s3cr3t"), 0);
	CU_ASSERT_EQUAL(tg_secret_matches("s3cr3t-T0ken_x",
	    "s3cr3t-T0ken_xy"), 0);
	CU_ASSERT_EQUAL(tg_secret_matches("s3cr3t-T0ken_x", ""), 0);
	CU_ASSERT_EQUAL(tg_secret_matches("s3cr3t-T0ken_x", NULL), 0);
	CU_ASSERT_EQUAL(tg_secret_matches("a", "a"), 1);
	CU_ASSERT_EQUAL(tg_secret_matches("a", "b"), 0);
	CU_ASSERT_EQUAL(tg_secret_matches(NULL, "x"), 0);
	CU_ASSERT_EQUAL(tg_secret_matches(NULL, NULL), 0);
	CU_ASSERT_EQUAL(tg_secret_matches("", ""), 0);
	CU_ASSERT_EQUAL(tg_secret_matches("", "x"), 0);
}

/* A photo message to user 42 with a web_app button. */
static void
photo_message(struct tg_message *m, const char *url)
{
	memset(m, 0, sizeof(*m));
	m->media = TG_MEDIA_PHOTO;
	m->chat_id = 42;
	m->media_url = url;
	m->text = "Your try-on is ready: Linen shirt";
	m->button_text = "Open";
	m->button_url = "https://app.example/?startapp=t17";
}

static void
test_send(void)
{
	struct tg_config	 cfg;
	struct tg_message	 m;
	char			 err[256], url[128];
	int64_t			 mid, ra;

	cfg_init(&cfg);
	emu_reset();
	/* The emulator fetches loopback URLs as Telegram would: its own
	 * /__calls answers 200 with a body. */
	snprintf(url, sizeof(url), "%s/__calls", emu_base);
	photo_message(&m, url);
	CU_ASSERT_EQUAL(tg_send(&cfg, &m, &mid, &ra, err, sizeof(err)),
	    TG_SEND_OK);
	CU_ASSERT(mid > 0);
	{
		char *meth = call_field(0, "method"), *raw = call_field(0, "raw");
		ASSERT_STR(meth, "sendPhoto");
		CU_ASSERT(raw != NULL && strstr(raw, "\"chat_id\":42,") != NULL &&
		    strstr(raw, "\"caption\":\"Your try-on is ready: Linen "
		    "shirt\",\"reply_markup\":{\"inline_keyboard\":[[{\"text\":"
		    "\"Open\",\"web_app\":{\"url\":\"https://app.example/?"
		    "startapp=t17\"}}]]}") != NULL);
		free(meth);
		free(raw);
	}
	m.media = TG_MEDIA_VIDEO;
	CU_ASSERT_EQUAL(tg_send(&cfg, &m, &mid, &ra, err, sizeof(err)),
	    TG_SEND_OK);
	m.media = TG_MEDIA_TEXT;
	m.media_url = NULL;
	CU_ASSERT_EQUAL(tg_send(&cfg, &m, &mid, &ra, err, sizeof(err)),
	    TG_SEND_OK);
	CU_ASSERT_EQUAL(n_calls(), 3);

	/* Telegram cannot fetch the photo: refused, not retried. */
	snprintf(url, sizeof(url), "%s/missing", emu_base);
	photo_message(&m, url);
	CU_ASSERT_EQUAL(tg_send(&cfg, &m, &mid, &ra, err, sizeof(err)),
	    TG_SEND_REJECTED);
	CU_ASSERT(strstr(err, "failed to get HTTP URL content") != NULL);

	/* Checked before any request. */
	emu_reset();
	photo_message(&m, "ftp://x/y.jpg");
	CU_ASSERT_EQUAL(tg_send(&cfg, &m, &mid, &ra, err, sizeof(err)),
	    TG_SEND_REJECTED);
	photo_message(&m, url);
	m.button_url = "http://app.example/";	/* web_app wants https */
	CU_ASSERT_EQUAL(tg_send(&cfg, &m, &mid, &ra, err, sizeof(err)),
	    TG_SEND_REJECTED);
	photo_message(&m, url);
	m.chat_id = 0;
	CU_ASSERT_EQUAL(tg_send(&cfg, &m, &mid, &ra, err, sizeof(err)),
	    TG_SEND_REJECTED);
	CU_ASSERT_EQUAL(n_calls(), 0);
}

static void
test_send_errors(void)
{
	struct tg_config	 cfg;
	struct tg_message	 m;
	char			 err[256], url[128];
	int64_t			 mid, ra;

	cfg_init(&cfg);
	emu_reset();
	snprintf(url, sizeof(url), "%s/__calls", emu_base);
	photo_message(&m, url);
	script("{\"method\":\"sendPhoto\",\"status\":403}");
	CU_ASSERT_EQUAL(tg_send(&cfg, &m, &mid, &ra, err, sizeof(err)),
	    TG_SEND_BLOCKED);
	CU_ASSERT(strstr(err, "blocked") != NULL);
	script("{\"method\":\"sendPhoto\",\"status\":429}");
	CU_ASSERT_EQUAL(tg_send(&cfg, &m, &mid, &ra, err, sizeof(err)),
	    TG_SEND_RETRY);
	CU_ASSERT_EQUAL(ra, 1);
	script("{\"method\":\"sendPhoto\",\"status\":502}");
	CU_ASSERT_EQUAL(tg_send(&cfg, &m, &mid, &ra, err, sizeof(err)),
	    TG_SEND_RETRY);
	script("{\"method\":\"sendPhoto\",\"status\":400}");
	CU_ASSERT_EQUAL(tg_send(&cfg, &m, &mid, &ra, err, sizeof(err)),
	    TG_SEND_REJECTED);
	/* No answer after sending: it may have arrived. */
	script("{\"method\":\"sendPhoto\",\"hang\":true,\"times\":1}");
	cfg.timeout_ms = 300;
	CU_ASSERT_EQUAL(tg_send(&cfg, &m, &mid, &ra, err, sizeof(err)),
	    TG_SEND_UNKNOWN);
	/* Nobody listening: surely not sent. */
	cfg.api_base = "http://127.0.0.1:1";
	CU_ASSERT_EQUAL(tg_send(&cfg, &m, &mid, &ra, err, sizeof(err)),
	    TG_SEND_RETRY);
}

static void
test_prepared_message(void)
{
	struct tg_config	 cfg;
	struct tg_message	 m;
	char			 err[256], *id = NULL;
	int64_t			 exp;

	cfg_init(&cfg);
	emu_reset();
	photo_message(&m, "https://storage.example/r.jpg");
	m.button_url = "https://t.me/primerka_bot/app?startapp=o1-s1";
	CU_ASSERT_EQUAL(tg_save_prepared_message(&cfg, &m, "share-0123",
	    &id, &exp, err, sizeof(err)), 0);
	CU_ASSERT(id != NULL && strlen(id) > 0);
	CU_ASSERT(exp > 0);
	free(id);
	assert_call(0, "savePreparedInlineMessage", "{\"user_id\":42,\"result\":"
	    "{\"type\":\"photo\",\"id\":\"share-0123\",\"photo_url\":"
	    "\"https://storage.example/r.jpg\",\"thumbnail_url\":"
	    "\"https://storage.example/r.jpg\",\"caption\":\"Your try-on is "
	    "ready: Linen shirt\",\"reply_markup\":{\"inline_keyboard\":[[{"
	    "\"text\":\"Open\",\"url\":\"https://t.me/primerka_bot/app?"
	    "startapp=o1-s1\"}]]}},\"allow_user_chats\":true,"
	    "\"allow_group_chats\":true}");
	/* A text message cannot be prepared; a bad result id is refused. */
	m.media = TG_MEDIA_TEXT;
	CU_ASSERT_EQUAL(tg_save_prepared_message(&cfg, &m, "x", &id, &exp,
	    err, sizeof(err)), -1);
	m.media = TG_MEDIA_PHOTO;
	CU_ASSERT_EQUAL(tg_save_prepared_message(&cfg, &m, "a b", &id, &exp,
	    err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(n_calls(), 1);
}

int
main(void)
{
	CU_pSuite	 s;
	unsigned int	 fails;

	signal(SIGPIPE, SIG_IGN);
	tu_node_watchdog(&emu_pid, 60);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (emu_start() == -1) {
		emu_stop();
		return 1;
	}
	if (CU_initialize_registry() != CUE_SUCCESS) {
		emu_stop();
		return 1;
	}
	s = CU_add_suite("telegram", NULL, NULL);
	if (s == NULL ||
	    CU_add_test(s, "invoice link", test_invoice_link) == NULL ||
	    CU_add_test(s, "invoice validation", test_invoice_validation) ==
	    NULL ||
	    CU_add_test(s, "wrong token", test_wrong_token) == NULL ||
	    CU_add_test(s, "HTTP errors", test_http_errors) == NULL ||
	    CU_add_test(s, "ok false", test_ok_false) == NULL ||
	    CU_add_test(s, "bad answers", test_bad_answers) == NULL ||
	    CU_add_test(s, "timeout", test_timeout) == NULL ||
	    CU_add_test(s, "pre-checkout", test_pre_checkout) == NULL ||
	    CU_add_test(s, "setWebhook", test_set_webhook) == NULL ||
	    CU_add_test(s, "refundStarPayment", test_refund) == NULL ||
	    CU_add_test(s, "secret", test_secret) == NULL ||
	    CU_add_test(s, "send", test_send) == NULL ||
	    CU_add_test(s, "send errors", test_send_errors) == NULL ||
	    CU_add_test(s, "prepared message", test_prepared_message) == NULL) {
		CU_cleanup_registry();
		emu_stop();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	emu_stop();
	curl_global_cleanup();
	return fails == 0 ? 0 : 1;
}
