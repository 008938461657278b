/*
 * Unit tests for the hosted providers (lib/providers/fashn.c, fal.c,
 * replicate.c over remote.c) and the router (lib/provider.c), against
 * the vendor emulators t/emulators/{fashn,fal,replicate}/server.js, which
 * the test starts on free loopback ports and stops at the end.  Each
 * emulator refuses what its vendor refuses (unknown paths, models and
 * inputs), downloads and decodes the inputs it is given from its own
 * presigned-looking /inputs/, and counts what it saw (GET /__stats).
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>

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

#include "app.h"
#include "config.h"
#include "hooks.h"
#include "providers/provider.h"
#include "testutil.h"
#include "util.h"

#define KEY	"test-key"
#define SIG	"X-Amz-Credential=AKIA%2F20250101%2Fus-east-1%2Fs3&" \
		"X-Amz-Signature=good"
#define FAST	"connect_timeout_ms = 2000\nrequest_timeout_ms = 5000\n" \
		"job_timeout_ms = 15000\npoll_min_ms = 20\npoll_max_ms = 100\n" \
		"retry_base_ms = 20\nretry_max_ms = 200\nmax_retries = 3\n"

enum emu_id { EMU_FASHN, EMU_FAL, EMU_REPLICATE, EMU__MAX };

static const char *const emu_script[EMU__MAX] = {
	"emulators/fashn/server.js", "emulators/fal/server.js",
	"emulators/replicate/server.js"
};

/* The emulators, started once for the suite. */
static pid_t	 emu_pid[EMU__MAX] = { -1, -1, -1 };
static char	 emu_base[EMU__MAX][64];

/* What the hooks saw. */
struct rec {
	char	 ref[256];	/* last saved */
	int	 saves;
	int	 beats;
	int	 fail_beat_at;	/* heartbeat number that returns -1; 0 never */
	int	 fail_save;
	double	 credits;	/* reported */
	char	 credit_ref[256];
	char	 alert[32];	/* the last alert's kind */
};

/* One configured provider and the app it reads its configuration from. */
struct fixture {
	struct app	 app;
	struct provider	*p;
	char		 err[256];
};

/* ---- helpers ----------------------------------------------------- */

static int
script(enum emu_id e, const char *json)
{
	char		 url[128];
	struct tu_body	 b;
	long		 st;

	snprintf(url, sizeof(url), "%s/__script", emu_base[e]);
	st = tu_http(url, json, &b);
	free(b.p);
	return st == 200 ? 0 : -1;
}

static struct json_object *
stats(enum emu_id e)
{
	char			 url[128];
	struct tu_body		 b;
	struct json_object	*o = NULL;

	snprintf(url, sizeof(url), "%s/__stats", emu_base[e]);
	if (tu_http(url, NULL, &b) == 200)
		o = json_tokener_parse(b.p);
	free(b.p);
	return o;
}

/* stats[section][key] as an integer; 0 when absent, -1 on failure. */
static long
stat_n(enum emu_id e, const char *section, const char *key)
{
	struct json_object	*o, *s, *v;
	long			 n = 0;

	o = stats(e);
	if (o == NULL)
		return -1;
	if (json_object_object_get_ex(o, section, &s) &&
	    json_object_object_get_ex(s, key, &v))
		n = (long)json_object_get_int64(v);
	json_object_put(o);
	return n;
}

/* stats[section][key] serialised, malloc'd, or NULL. */
static char *
stat_json(enum emu_id e, const char *section, const char *key)
{
	struct json_object	*o, *s, *v;
	char			*r = NULL;

	o = stats(e);
	if (o == NULL)
		return NULL;
	if (json_object_object_get_ex(o, section, &s) &&
	    json_object_object_get_ex(s, key, &v))
		r = strdup(json_object_to_json_string_ext(v,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return r;
}

static int
rec_heartbeat(void *arg)
{
	struct rec	*r = arg;

	r->beats++;
	if (r->fail_beat_at > 0 && r->beats >= r->fail_beat_at)
		return -1;
	return 0;
}

static int
rec_save(void *arg, const char *ref)
{
	struct rec	*r = arg;

	r->saves++;
	util_strlcpy(r->ref, ref, sizeof(r->ref));
	return r->fail_save ? -1 : 0;
}

static void
rec_credits(void *arg, const char *provider, const char *ref, double n)
{
	struct rec	*r = arg;

	(void)provider;
	r->credits += n;
	util_strlcpy(r->credit_ref, ref, sizeof(r->credit_ref));
}

static void
rec_alert(void *arg, const char *provider, const char *kind)
{
	struct rec	*r = arg;

	(void)provider;
	util_strlcpy(r->alert, kind, sizeof(r->alert));
}

static void
hooks_init(struct provider_hooks *h, struct rec *r, const char *ref,
    const char *last_error)
{
	memset(h, 0, sizeof(*h));
	h->arg = r;
	h->heartbeat = rec_heartbeat;
	h->save_ref = rec_save;
	h->credits = rec_credits;
	h->alert = rec_alert;
	h->ref = ref;
	h->last_error = last_error;
}

/*
 * Configure from INI text (with "@FASHN@", "@FAL@", "@REP@" replaced by
 * the emulators' base URLs) and build provider name ("" for the router
 * of [providers]).  f->p is NULL (reason in f->err) on failure.
 */
static void
fixture_init(struct fixture *f, const char *name, const char *ini)
{
	char		 text[4096], *o = text;
	const char	*s = ini;

	memset(f, 0, sizeof(*f));
	while (*s != '\0' && o < text + sizeof(text) - 80) {
		if (strncmp(s, "@FASHN@", 7) == 0) {
			o += snprintf(o, 70, "%s", emu_base[EMU_FASHN]);
			s += 7;
		} else if (strncmp(s, "@FAL@", 5) == 0) {
			o += snprintf(o, 70, "%s", emu_base[EMU_FAL]);
			s += 5;
		} else if (strncmp(s, "@REP@", 5) == 0) {
			o += snprintf(o, 70, "%s", emu_base[EMU_REPLICATE]);
			s += 5;
		} else
			*o++ = *s++;
	}
	*o = '\0';
	f->app.cfg = config_parse(text, strlen(text), f->err, sizeof(f->err));
	if (f->app.cfg == NULL)
		return;
	f->p = name[0] == '\0' ? provider_new(&f->app, f->err,
	    sizeof(f->err)) : provider_by_name(&f->app, name, f->err,
	    sizeof(f->err));
	if (f->p == NULL)
		fprintf(stderr, "provider %s: %s\n", name, f->err);
}

static void
fixture_free(struct fixture *f)
{
	provider_free(f->p);
	config_free(f->app.cfg);
	f->p = NULL;
	f->app.cfg = NULL;
}

/* The usual FASHN setup, with extra lines for [fashn]. */
static void
fashn_fixture(struct fixture *f, const char *extra)
{
	char	 ini[1024];

	snprintf(ini, sizeof(ini), "[fashn]\nbase_url = @FASHN@/v1\n"
	    "api_key = " KEY "\n" FAST "%s\n", extra);
	fixture_init(f, "fashn", ini);
}

/*
 * One try-on of garment g (under emulator e's /inputs/) with provider
 * p; err and *url filled.  The provider's result.
 */
static int
tryon(enum emu_id e, struct provider *p, const char *g, const char *category,
    const struct provider_hooks *h, char **url, struct job_error *err)
{
	char			 photo[256], garment[256];
	struct provider_tryon_req rq;

	snprintf(photo, sizeof(photo), "%s/inputs/photo.png?%s", emu_base[e],
	    SIG);
	snprintf(garment, sizeof(garment), "%s/inputs/%s?%s", emu_base[e], g,
	    SIG);
	memset(&rq, 0, sizeof(rq));
	memset(err, 0, sizeof(*err));
	rq.job_id = 1;
	rq.user_photo_url = photo;
	rq.outfit_url = garment;
	rq.category = category;
	rq.prompt = "a person wearing the outfit";
	rq.description = "a red shirt";
	*url = NULL;
	return p->tryon(p, &rq, h, url, err);
}

static int
animate(enum emu_id e, struct provider *p, const char *img,
    const struct provider_hooks *h, char **url, struct job_error *err)
{
	char			 u[256];
	struct provider_animate_req rq;

	snprintf(u, sizeof(u), "%s/inputs/%s?%s", emu_base[e], img, SIG);
	memset(&rq, 0, sizeof(rq));
	memset(err, 0, sizeof(*err));
	rq.job_id = 7;
	rq.image_url = u;
	rq.prompt = "a slow turn";
	*url = NULL;
	return p->animate(p, &rq, h, url, err);
}

/* The error never carries the key, a URL or a signature. */
static void
assert_clean(const struct job_error *e)
{
	CU_ASSERT_PTR_NULL(strstr(e->detail, KEY));
	CU_ASSERT_PTR_NULL(strstr(e->detail, "http://"));
	CU_ASSERT_PTR_NULL(strstr(e->detail, "/inputs/"));
	CU_ASSERT_PTR_NULL(strstr(e->detail, "X-Amz"));
	CU_ASSERT_PTR_NULL(strstr(e->detail, "127.0.0.1"));
}

static const char *
key_of(const char *g, char *buf, size_t len)
{
	snprintf(buf, len, "/inputs/%s", g);
	return buf;
}

/* The output at url downloads and starts with magic. */
static int
downloads_as(const char *url, const char *magic, size_t off)
{
	struct tu_body	 b;
	int		 ok;

	ok = url != NULL && tu_http(url, NULL, &b) == 200 &&
	    b.len > off + strlen(magic) &&
	    memcmp(b.p + off, magic, strlen(magic)) == 0;
	if (url != NULL)
		free(b.p);
	return ok;
}

/* ---- FASHN ------------------------------------------------------- */

static void
test_fashn_tryon(void)
{
	struct fixture		 f;
	struct provider_hooks	 h;
	struct job_error	 e;
	struct rec		 r = { 0 };
	char			*url = NULL, *body, k[64];

	fashn_fixture(&f, "mode = balanced\nmoderation_level = permissive\n"
	    "seed = 42");
	CU_ASSERT_FATAL(f.p != NULL);
	CU_ASSERT_STRING_EQUAL(f.p->name, "fashn");
	CU_ASSERT_EQUAL(f.p->max_concurrency, 4);
	CU_ASSERT_EQUAL(f.p->places_location, 0);
	hooks_init(&h, &r, "", "");
	CU_ASSERT_EQUAL(tryon(EMU_FASHN, f.p, "g-ok.png", "tops", &h, &url,
	    &e), 0);
	CU_ASSERT_FATAL(url != NULL);
	CU_ASSERT(downloads_as(url, "\x89PNG", 0));
	/* The id was saved once, before the first poll; heartbeats ran. */
	CU_ASSERT_EQUAL(r.saves, 1);
	CU_ASSERT(r.beats > 0);
	CU_ASSERT(stat_n(EMU_FASHN, "polls", r.ref) >= 2);
	key_of("g-ok.png", k, sizeof(k));
	CU_ASSERT_EQUAL(stat_n(EMU_FASHN, "submits", k), 1);
	/* Both presigned inputs were really downloaded. */
	CU_ASSERT(stat_n(EMU_FASHN, "fetches", "/inputs/photo.png") >= 1);
	CU_ASSERT_EQUAL(stat_n(EMU_FASHN, "fetches", k), 1);
	/* The credits of x-fashn-credits-used, for this prediction. */
	CU_ASSERT(r.credits > 0.99 && r.credits < 1.01);
	CU_ASSERT_STRING_EQUAL(r.credit_ref, r.ref);
	/* FASHN's documented shape, and nothing it does not take. */
	body = stat_json(EMU_FASHN, "bodies", k);
	CU_ASSERT_FATAL(body != NULL);
	CU_ASSERT(strstr(body, "\"model_name\":\"tryon-v1.6\"") != NULL);
	CU_ASSERT(strstr(body, "\"category\":\"tops\"") != NULL);
	CU_ASSERT(strstr(body, "\"mode\":\"balanced\"") != NULL);
	CU_ASSERT(strstr(body, "\"moderation_level\":\"permissive\"") !=
	    NULL);
	CU_ASSERT(strstr(body, "\"seed\":42") != NULL);
	CU_ASSERT(strstr(body, "prompt") == NULL);
	CU_ASSERT(strstr(body, "X-Amz-Credential=AKIA%2F20250101") != NULL);
	free(body);
	CU_ASSERT_EQUAL(stat_n(EMU_FASHN, "paths", "POST /v1/run"), 1);
	free(url);
	fixture_free(&f);
}

static void
test_fashn_base_and_models(void)
{
	struct fixture		 f;
	struct job_error	 e;
	char			*url = NULL, *body, k[64];

	/* The host alone (the SDK's form) works like .../v1 (the docs'). */
	fixture_init(&f, "fashn", "[fashn]\nbase_url = @FASHN@/\n"
	    "api_key = " KEY "\ntryon_model = tryon-max\n" FAST);
	CU_ASSERT_FATAL(f.p != NULL);
	/* tryon-max takes product_image and no category. */
	CU_ASSERT_EQUAL(tryon(EMU_FASHN, f.p, "g-max.png", "bottoms", NULL,
	    &url, &e), 0);
	CU_ASSERT_PTR_NOT_NULL(url);
	body = stat_json(EMU_FASHN, "bodies", key_of("g-max.png", k,
	    sizeof(k)));
	CU_ASSERT(body != NULL && strstr(body, "\"product_image\"") != NULL &&
	    strstr(body, "garment_image") == NULL &&
	    strstr(body, "category") == NULL);
	free(body);
	free(url);
	fixture_free(&f);

	/* The legacy [provider_http] section still configures `http`. */
	fixture_init(&f, "http", "[provider_http]\nbase_url = @FASHN@\n"
	    "api_key = " KEY "\n" FAST);
	CU_ASSERT_FATAL(f.p != NULL);
	CU_ASSERT_STRING_EQUAL(f.p->name, "fashn");
	/* An outfit category FASHN does not know is not sent (auto). */
	CU_ASSERT_EQUAL(tryon(EMU_FASHN, f.p, "g-shoes.png", "shoes", NULL,
	    &url, &e), 0);
	body = stat_json(EMU_FASHN, "bodies", key_of("g-shoes.png", k,
	    sizeof(k)));
	CU_ASSERT(body != NULL && strstr(body, "category") == NULL);
	free(body);
	free(url);
	fixture_free(&f);
}

static void
test_fashn_429s(void)
{
	struct fixture		 f;
	struct provider_hooks	 h;
	struct job_error	 e;
	struct rec		 r = { 0 };
	char			*url = NULL, k[64];
	int64_t			 t0, dt;

	fashn_fixture(&f, "");
	CU_ASSERT_FATAL(f.p != NULL);

	/* RateLimitExceeded: Retry-After honoured, then submitted. */
	CU_ASSERT_FATAL(script(EMU_FASHN, "{\"key\":\"/inputs/g-429.png\","
	    "\"submit\":[429],\"retry_after\":\"1\"}") == 0);
	t0 = tu_mono_ms();
	CU_ASSERT_EQUAL(tryon(EMU_FASHN, f.p, "g-429.png", "tops", NULL, &url,
	    &e), 0);
	dt = tu_mono_ms() - t0;
	CU_ASSERT(dt >= 1000);
	CU_ASSERT_EQUAL(stat_n(EMU_FASHN, "submits", key_of("g-429.png", k,
	    sizeof(k))), 2);
	CU_ASSERT_EQUAL(stat_n(EMU_FASHN, "created", k), 1);
	free(url);

	/* ConcurrencyLimitExceeded: waits for a slot beyond max_retries. */
	CU_ASSERT_FATAL(script(EMU_FASHN, "{\"key\":\"/inputs/g-conc.png\","
	    "\"submit\":[\"ConcurrencyLimitExceeded\","
	    "\"ConcurrencyLimitExceeded\",\"ConcurrencyLimitExceeded\","
	    "\"ConcurrencyLimitExceeded\",\"ConcurrencyLimitExceeded\"],"
	    "\"retry_after\":\"0\"}") == 0);
	CU_ASSERT_EQUAL(tryon(EMU_FASHN, f.p, "g-conc.png", "tops", NULL,
	    &url, &e), 0);
	CU_ASSERT_EQUAL(stat_n(EMU_FASHN, "submits", key_of("g-conc.png", k,
	    sizeof(k))), 6);
	free(url);

	/* OutOfCredits: at once, unavailable, an operator alert. */
	CU_ASSERT_FATAL(script(EMU_FASHN, "{\"key\":\"/inputs/g-poor.png\","
	    "\"submit\":[\"OutOfCredits\",\"OutOfCredits\"]}") == 0);
	hooks_init(&h, &r, "", "");
	CU_ASSERT_EQUAL(tryon(EMU_FASHN, f.p, "g-poor.png", "tops", &h, &url,
	    &e), -1);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "provider_unavailable");
	CU_ASSERT_EQUAL(e.retryable, 0);
	CU_ASSERT_EQUAL(e.unavailable, 1);
	CU_ASSERT(strstr(e.detail, "OutOfCredits") != NULL);
	CU_ASSERT_STRING_EQUAL(r.alert, "out_of_credits");
	CU_ASSERT_EQUAL(stat_n(EMU_FASHN, "submits", key_of("g-poor.png", k,
	    sizeof(k))), 1);
	assert_clean(&e);

	/* A Retry-After beyond the deadline: give up at once. */
	fixture_free(&f);
	fashn_fixture(&f, "job_timeout_ms = 3000");
	CU_ASSERT_FATAL(script(EMU_FASHN, "{\"key\":\"/inputs/g-429l.png\","
	    "\"submit\":[429],\"retry_after\":\"60\"}") == 0);
	t0 = tu_mono_ms();
	CU_ASSERT_EQUAL(tryon(EMU_FASHN, f.p, "g-429l.png", "tops", NULL,
	    &url, &e), -1);
	CU_ASSERT(tu_mono_ms() - t0 < 1000);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "provider_timeout");
	CU_ASSERT_EQUAL(e.unavailable, 1);
	fixture_free(&f);
}

static void
test_fashn_5xx_and_4xx(void)
{
	struct fixture		 f;
	struct job_error	 e;
	char			*url = NULL, k[64];

	fashn_fixture(&f, "max_retries = 2");
	CU_ASSERT_FATAL(f.p != NULL);
	CU_ASSERT_FATAL(script(EMU_FASHN, "{\"key\":\"/inputs/g-500.png\","
	    "\"submit\":[500,502],\"poll\":[503]}") == 0);
	CU_ASSERT_EQUAL(tryon(EMU_FASHN, f.p, "g-500.png", "tops", NULL, &url,
	    &e), 0);
	CU_ASSERT_EQUAL(stat_n(EMU_FASHN, "submits", key_of("g-500.png", k,
	    sizeof(k))), 3);
	CU_ASSERT_EQUAL(stat_n(EMU_FASHN, "created", k), 1);
	free(url);

	CU_ASSERT_FATAL(script(EMU_FASHN, "{\"key\":\"/inputs/g-500x.png\","
	    "\"submit\":[500,500,500,500]}") == 0);
	CU_ASSERT_EQUAL(tryon(EMU_FASHN, f.p, "g-500x.png", "tops", NULL,
	    &url, &e), -1);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "provider_unavailable");
	CU_ASSERT_EQUAL(e.retryable, 1);
	CU_ASSERT_EQUAL(e.unavailable, 1);
	CU_ASSERT(strstr(e.detail, "HTTP 500") != NULL);
	assert_clean(&e);
	CU_ASSERT_EQUAL(stat_n(EMU_FASHN, "submits", key_of("g-500x.png", k,
	    sizeof(k))), 3);

	CU_ASSERT_FATAL(script(EMU_FASHN, "{\"key\":\"/inputs/g-400.png\","
	    "\"submit\":[\"BadRequest\"]}") == 0);
	CU_ASSERT_EQUAL(tryon(EMU_FASHN, f.p, "g-400.png", "tops", NULL,
	    &url, &e), -1);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "provider_rejected");
	CU_ASSERT_EQUAL(e.retryable, 0);
	CU_ASSERT_EQUAL(e.unavailable, 0);
	CU_ASSERT(strstr(e.detail, "BadRequest") != NULL);
	CU_ASSERT_EQUAL(stat_n(EMU_FASHN, "submits", key_of("g-400.png", k,
	    sizeof(k))), 1);
	fixture_free(&f);
}

/* A prediction failing with name maps to code, retryable. */
static void
check_failure(struct provider *p, const char *g, const char *name,
    const char *last_error, const char *code, int retryable)
{
	struct provider_hooks	 h;
	struct job_error	 e;
	struct rec		 r = { 0 };
	char			 js[256], *url = NULL, k[64];

	snprintf(js, sizeof(js), "{\"key\":\"/inputs/%s\",\"outcome\":"
	    "\"fail\",\"error_name\":\"%s\"}", g, name);
	CU_ASSERT_FATAL(script(EMU_FASHN, js) == 0);
	hooks_init(&h, &r, "", last_error);
	CU_ASSERT_EQUAL(tryon(EMU_FASHN, p, g, "tops", &h, &url, &e), -1);
	CU_ASSERT_PTR_NULL(url);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), code);
	CU_ASSERT_EQUAL(e.retryable, retryable);
	CU_ASSERT_EQUAL(e.unavailable, 0);
	CU_ASSERT(strstr(e.detail, name) != NULL);
	assert_clean(&e);
	CU_ASSERT_EQUAL(r.saves, 1);
	CU_ASSERT(r.credits == 0);
	CU_ASSERT_EQUAL(stat_n(EMU_FASHN, "submits", key_of(g, k, sizeof(k))),
	    1);
}

/*
 * A vendor outcome scripted for one input, and what a try-on of it must
 * end in: the error code; retryable and unavailable (-1: not looked at);
 * the operator alert (NULL: none looked for, and no hooks passed).
 */
struct scripted {
	const char	*file;
	const char	*outcome;	/* the script's fields after "key" */
	const char	*code;
	int		 retryable;
	int		 unavailable;
	const char	*alert;
};

static void
check_scripted(enum emu_id emu, struct provider *p,
    const struct scripted *c, size_t n)
{
	struct provider_hooks	 h;
	struct job_error	 e;
	struct rec		 r;
	char			 js[256], *url = NULL;
	size_t			 i;

	for (i = 0; i < n; i++) {
		snprintf(js, sizeof(js), "{\"key\":\"/inputs/%s\",%s}",
		    c[i].file, c[i].outcome);
		CU_ASSERT_FATAL(script(emu, js) == 0);
		memset(&r, 0, sizeof(r));
		hooks_init(&h, &r, "", "");
		CU_ASSERT_EQUAL(tryon(emu, p, c[i].file, "tops",
		    c[i].alert != NULL ? &h : NULL, &url, &e), -1);
		CU_ASSERT_STRING_EQUAL(job_error_name(e.code), c[i].code);
		if (c[i].retryable >= 0)
			CU_ASSERT_EQUAL(e.retryable, c[i].retryable);
		if (c[i].unavailable >= 0)
			CU_ASSERT_EQUAL(e.unavailable, c[i].unavailable);
		if (c[i].alert != NULL)
			CU_ASSERT_STRING_EQUAL(r.alert, c[i].alert);
	}
}

/* The scripted outcomes of each vendor, as check_scripted() runs them. */
static const struct scripted fashn_ends[] = {
	{ "g-cx.png", "\"outcome\":\"canceled\"", "provider_error", 1, -1,
	  NULL },
	{ "g-to.png", "\"outcome\":\"time_out\"", "provider_timeout", -1,
	  1, NULL },
};
static const struct scripted fal_ends[] = {
	{ "g-cp.png", "\"outcome\":\"fail\"", "photo_nsfw", -1, -1, NULL },
	{ "g-rs.png", "\"outcome\":\"fail\",\"request_error\":"
	  "\"runner_scheduling_failure\"", "provider_unavailable", -1, 1,
	  NULL },
	{ "g-lock.png", "\"submit\":[\"locked\"]", "provider_unavailable",
	  0, -1, "out_of_credits" },
};
static const struct scripted replicate_ends[] = {
	{ "g-f.png", "\"outcome\":\"fail\",\"error\":\"CUDA out of "
	  "memory\"", "provider_error", 1, -1, NULL },
	{ "g-p.png", "\"submit\":[402]", "provider_unavailable", -1, -1,
	  "out_of_credits" },
};

static void
test_fashn_failures(void)
{
	struct fixture		 f;
	struct job_error	 e;
	struct provider_tryon_req rq;
	char			*url = NULL, photo[256], g[256];

	fashn_fixture(&f, "");
	CU_ASSERT_FATAL(f.p != NULL);
	check_failure(f.p, "g-pose.png", "PoseError", "", "photo_pose", 0);
	check_failure(f.p, "g-cm.png", "ContentModerationError", "",
	    "photo_nsfw", 0);
	check_failure(f.p, "g-iv.png", "InputValidationError", "",
	    "provider_rejected", 0);
	/* ImageLoadError: once more with fresh URLs, then final. */
	check_failure(f.p, "g-load.png", "ImageLoadError", "",
	    "provider_rejected", 1);
	check_failure(f.p, "g-load2.png", "ImageLoadError",
	    "provider_rejected", "provider_rejected", 0);
	check_failure(f.p, "g-pipe.png", "PipelineError", "", "provider_error",
	    1);

	/* An expired presigned URL: the emulator's download is refused. */
	snprintf(photo, sizeof(photo), "%s/inputs/photo.png?X-Amz-Date="
	    "20200101T000000Z&X-Amz-Expires=900&X-Amz-Signature=good",
	    emu_base[EMU_FASHN]);
	snprintf(g, sizeof(g), "%s/inputs/g-expired.png?%s",
	    emu_base[EMU_FASHN], SIG);
	memset(&rq, 0, sizeof(rq));
	rq.user_photo_url = photo;
	rq.outfit_url = g;
	CU_ASSERT_EQUAL(f.p->tryon(f.p, &rq, NULL, &url, &e), -1);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "provider_rejected");
	CU_ASSERT(strstr(e.detail, "ImageLoadError") != NULL);
	assert_clean(&e);

	/* Bytes that do not decode as an image: the same. */
	snprintf(g, sizeof(g), "%s/inputs/notimage-g.png?%s",
	    emu_base[EMU_FASHN], SIG);
	rq.user_photo_url = g;
	CU_ASSERT_EQUAL(f.p->tryon(f.p, &rq, NULL, &url, &e), -1);
	CU_ASSERT(strstr(e.detail, "ImageLoadError") != NULL);

	/* canceled and time_out: retryable, the next attempt resubmits. */
	check_scripted(EMU_FASHN, f.p, fashn_ends,
	    sizeof(fashn_ends) / sizeof(fashn_ends[0]));

	/* Inputs that are not http(s) are refused before any request. */
	rq.outfit_url = "file:///etc/passwd";
	CU_ASSERT_EQUAL(f.p->tryon(f.p, &rq, NULL, &url, &e), -1);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "internal");
	fixture_free(&f);
}

static void
test_fashn_timeout_and_resume(void)
{
	struct fixture		 f;
	struct provider_hooks	 h;
	struct job_error	 e;
	struct rec		 r1 = { 0 }, r2 = { 0 };
	char			*url = NULL, k[64], saved[256];
	int64_t			 t0;

	fashn_fixture(&f, "job_timeout_ms = 700");
	CU_ASSERT_FATAL(f.p != NULL);
	CU_ASSERT_FATAL(script(EMU_FASHN, "{\"key\":\"/inputs/g-hang.png\","
	    "\"outcome\":\"hang\"}") == 0);
	hooks_init(&h, &r1, "", "");
	t0 = tu_mono_ms();
	CU_ASSERT_EQUAL(tryon(EMU_FASHN, f.p, "g-hang.png", "tops", &h, &url,
	    &e), -1);
	CU_ASSERT(tu_mono_ms() - t0 < 3000);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "provider_timeout");
	CU_ASSERT_EQUAL(e.retryable, 1);
	CU_ASSERT_EQUAL(e.unavailable, 1);
	CU_ASSERT_EQUAL(r1.saves, 1);
	fixture_free(&f);

	/* Lost at the first heartbeat; the next attempt polls, not pays. */
	fashn_fixture(&f, "");
	CU_ASSERT_FATAL(f.p != NULL);
	memset(&r1, 0, sizeof(r1));
	r1.fail_beat_at = 1;
	hooks_init(&h, &r1, "", "");
	CU_ASSERT_EQUAL(tryon(EMU_FASHN, f.p, "g-resume.png", "tops", &h,
	    &url, &e), -1);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "internal");
	util_strlcpy(saved, r1.ref, sizeof(saved));
	hooks_init(&h, &r2, saved, "internal");
	CU_ASSERT_EQUAL(tryon(EMU_FASHN, f.p, "g-resume.png", "tops", &h,
	    &url, &e), 0);
	CU_ASSERT(url != NULL && strstr(url, saved) != NULL);
	CU_ASSERT_EQUAL(r2.saves, 0);
	CU_ASSERT_EQUAL(stat_n(EMU_FASHN, "submits", key_of("g-resume.png",
	    k, sizeof(k))), 1);
	CU_ASSERT_STRING_EQUAL(r2.credit_ref, saved);
	free(url);

	/* A ref the vendor forgot (404): submitted anew. */
	memset(&r2, 0, sizeof(r2));
	hooks_init(&h, &r2, "forgotten-0001", "");
	CU_ASSERT_EQUAL(tryon(EMU_FASHN, f.p, "g-forgot.png", "tops", &h,
	    &url, &e), 0);
	CU_ASSERT_EQUAL(stat_n(EMU_FASHN, "polls", "forgotten-0001"), 1);
	CU_ASSERT_EQUAL(r2.saves, 1);
	free(url);

	/* The retry after an ImageLoadError submits with the fresh URLs. */
	CU_ASSERT_FATAL(script(EMU_FASHN, "{\"key\":\"/inputs/g-il.png\","
	    "\"outcome\":\"fail\",\"error_name\":\"ImageLoadError\"}") == 0);
	memset(&r1, 0, sizeof(r1));
	hooks_init(&h, &r1, "", "");
	CU_ASSERT_EQUAL(tryon(EMU_FASHN, f.p, "g-il.png", "tops", &h, &url,
	    &e), -1);
	CU_ASSERT_EQUAL(e.retryable, 1);
	util_strlcpy(saved, r1.ref, sizeof(saved));
	CU_ASSERT_FATAL(script(EMU_FASHN, "{\"key\":\"/inputs/g-il.png\","
	    "\"outcome\":\"ok\"}") == 0);
	memset(&r2, 0, sizeof(r2));
	hooks_init(&h, &r2, saved, "provider_rejected");
	CU_ASSERT_EQUAL(tryon(EMU_FASHN, f.p, "g-il.png", "tops", &h, &url,
	    &e), 0);
	CU_ASSERT_EQUAL(stat_n(EMU_FASHN, "submits", key_of("g-il.png", k,
	    sizeof(k))), 2);
	free(url);

	/* A verdict resumed is reported again, without paying. */
	CU_ASSERT_FATAL(script(EMU_FASHN, "{\"key\":\"/inputs/g-rv.png\","
	    "\"outcome\":\"fail\",\"error_name\":\"PoseError\"}") == 0);
	memset(&r1, 0, sizeof(r1));
	hooks_init(&h, &r1, "", "");
	CU_ASSERT_EQUAL(tryon(EMU_FASHN, f.p, "g-rv.png", "tops", &h, &url,
	    &e), -1);
	util_strlcpy(saved, r1.ref, sizeof(saved));
	memset(&r2, 0, sizeof(r2));
	hooks_init(&h, &r2, saved, "photo_pose");
	CU_ASSERT_EQUAL(tryon(EMU_FASHN, f.p, "g-rv.png", "tops", &h, &url,
	    &e), -1);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "photo_pose");
	CU_ASSERT_EQUAL(stat_n(EMU_FASHN, "submits", key_of("g-rv.png", k,
	    sizeof(k))), 1);
	fixture_free(&f);
}

static void
test_fashn_heartbeat_and_answers(void)
{
	struct fixture		 f;
	struct provider_hooks	 h;
	struct job_error	 e;
	struct rec		 r = { 0 };
	char			*url = NULL, js[160];
	static const char *const bad[][2] = {
		{ "submit_answer", "badjson" }, { "poll_answer", "badjson" },
		{ "submit_answer", "huge" }, { "poll_answer", "huge" },
		{ "poll_answer", "bad_output" },
		{ "poll_answer", "unknown_status" },
		{ "submit_answer", "noid" },
	};
	size_t			 i;

	fashn_fixture(&f, "");
	CU_ASSERT_FATAL(f.p != NULL);
	CU_ASSERT_FATAL(script(EMU_FASHN, "{\"key\":\"/inputs/g-hb.png\","
	    "\"outcome\":\"hang\"}") == 0);
	r.fail_beat_at = 4;
	hooks_init(&h, &r, "", "");
	CU_ASSERT_EQUAL(tryon(EMU_FASHN, f.p, "g-hb.png", "tops", &h, &url,
	    &e), -1);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "internal");
	CU_ASSERT(strstr(e.detail, "heartbeat") != NULL);
	CU_ASSERT_EQUAL(r.beats, 4);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char g[32];

		snprintf(g, sizeof(g), "g-bad%zu.png", i);
		snprintf(js, sizeof(js), "{\"key\":\"/inputs/%s\",\"%s\":"
		    "\"%s\"}", g, bad[i][0], bad[i][1]);
		CU_ASSERT_FATAL(script(EMU_FASHN, js) == 0);
		CU_ASSERT_EQUAL(tryon(EMU_FASHN, f.p, g, "tops", NULL, &url,
		    &e), -1);
		CU_ASSERT_PTR_NULL(url);
		CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "provider_error");
		CU_ASSERT_EQUAL(e.retryable, 1);
		assert_clean(&e);
	}
	fixture_free(&f);
}

static void
test_fashn_key_and_network(void)
{
	struct fixture		 f;
	struct provider_hooks	 h;
	struct job_error	 e;
	struct rec		 r = { 0 };
	struct sockaddr_in	 sa;
	socklen_t		 sl = sizeof(sa);
	char			*url = NULL, ini[512];
	int			 s;

	fixture_init(&f, "fashn", "[fashn]\nbase_url = @FASHN@\n"
	    "api_key = not-the-key\n" FAST);
	CU_ASSERT_FATAL(f.p != NULL);
	hooks_init(&h, &r, "", "");
	CU_ASSERT_EQUAL(tryon(EMU_FASHN, f.p, "g-key.png", "tops", &h, &url,
	    &e), -1);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "provider_unavailable");
	CU_ASSERT_EQUAL(e.retryable, 0);
	CU_ASSERT_EQUAL(e.unavailable, 1);
	CU_ASSERT(strstr(e.detail, "401") != NULL);
	CU_ASSERT_PTR_NULL(strstr(e.detail, "not-the-key"));
	CU_ASSERT_STRING_EQUAL(r.alert, "key_refused");
	fixture_free(&f);

	/* A loopback port nobody listens on. */
	s = socket(AF_INET, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(s >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CU_ASSERT_FATAL(bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CU_ASSERT_FATAL(getsockname(s, (struct sockaddr *)&sa, &sl) == 0);
	snprintf(ini, sizeof(ini), "[fashn]\nbase_url = http://127.0.0.1:%d\n"
	    "api_key = " KEY "\n" FAST "max_retries = 2\n",
	    ntohs(sa.sin_port));
	close(s);
	fixture_init(&f, "fashn", ini);
	CU_ASSERT_FATAL(f.p != NULL);
	CU_ASSERT_EQUAL(tryon(EMU_FASHN, f.p, "g-net.png", "tops", NULL, &url,
	    &e), -1);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "provider_unavailable");
	CU_ASSERT_EQUAL(e.unavailable, 1);
	CU_ASSERT(strstr(e.detail, "2 retries") != NULL);
	assert_clean(&e);
	fixture_free(&f);
}

static void
test_fashn_animate(void)
{
	struct fixture		 f;
	struct provider_hooks	 h;
	struct job_error	 e;
	struct rec		 r = { 0 };
	char			*url = NULL, *body;

	fashn_fixture(&f, "video_duration = 10\nvideo_resolution = 720p");
	CU_ASSERT_FATAL(f.p != NULL);
	hooks_init(&h, &r, "", "");
	CU_ASSERT_EQUAL(animate(EMU_FASHN, f.p, "anim.png", &h, &url, &e), 0);
	CU_ASSERT_FATAL(url != NULL);
	CU_ASSERT(downloads_as(url, "ftyp", 4));
	CU_ASSERT_EQUAL(r.saves, 1);
	CU_ASSERT(r.credits > 1.99);
	body = stat_json(EMU_FASHN, "bodies", "/inputs/anim.png");
	CU_ASSERT(body != NULL && strstr(body,
	    "\"model_name\":\"image-to-video\"") != NULL &&
	    strstr(body, "\"duration\":10") != NULL &&
	    strstr(body, "\"resolution\":\"720p\"") != NULL &&
	    strstr(body, "\"image\":\"http") != NULL);
	free(body);
	free(url);
	CU_ASSERT_FATAL(script(EMU_FASHN, "{\"key\":\"/inputs/anim-cm.png\","
	    "\"outcome\":\"fail\",\"error_name\":\"ContentModerationError\"}")
	    == 0);
	CU_ASSERT_EQUAL(animate(EMU_FASHN, f.p, "anim-cm.png", NULL, &url,
	    &e), -1);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "photo_nsfw");
	fixture_free(&f);
}

static void
test_fashn_bad_config(void)
{
	static const char *const bad[] = {
		"base_url = ftp://example.com\napi_key = k",
		"api_key = k\nbase_url = http://x/?q=1",
		"base_url = http://x\n",
		"base_url = http://x\napi_key = sec ret",
		"base_url = http://x\napi_key = k\npoll_min_ms = 50\n"
		    "poll_max_ms = 10",
		"base_url = http://x\napi_key = k\nmax_retries = 99",
		"base_url = http://x\napi_key = k\ntryon_model = tryon-v9",
		"base_url = http://x\napi_key = k\nmode = fastest",
		"base_url = http://x\napi_key = k\nvideo_duration = 7",
		"base_url = http://x\napi_key = k\nseed = -5",
	};
	struct fixture	 f;
	char		 ini[256];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(ini, sizeof(ini), "[fashn]\n%s\n", bad[i]);
		fixture_init(&f, "fashn", ini);
		CU_ASSERT_PTR_NULL(f.p);
		CU_ASSERT(f.p != NULL || strstr(f.err, "[fashn]") != NULL);
		CU_ASSERT_PTR_NULL(strstr(f.err, "sec ret"));
		fixture_free(&f);
	}
}

/* ---- fal --------------------------------------------------------- */

static void
fal_fixture(struct fixture *f, const char *extra)
{
	char	 ini[1024];

	snprintf(ini, sizeof(ini), "[fal]\nbase_url = @FAL@\n"
	    "api_key = " KEY "\n" FAST "%s\n", extra);
	fixture_init(f, "fal", ini);
}

static void
test_fal(void)
{
	struct fixture		 f;
	struct provider_hooks	 h;
	struct job_error	 e;
	struct rec		 r = { 0 };
	char			*url = NULL, *body, k[64], saved[256];

	fal_fixture(&f, "");
	CU_ASSERT_FATAL(f.p != NULL);
	hooks_init(&h, &r, "", "");
	CU_ASSERT_EQUAL(tryon(EMU_FAL, f.p, "g-ok.png", "one-pieces", &h,
	    &url, &e), 0);
	CU_ASSERT(downloads_as(url, "\x89PNG", 0));
	free(url);
	CU_ASSERT_EQUAL(stat_n(EMU_FAL, "paths",
	    "POST /fal-ai/fashn/tryon/v1.6"), 1);
	CU_ASSERT(stat_n(EMU_FAL, "paths",
	    "GET /fal-ai/fashn/requests/ID/status") >= 1);
	CU_ASSERT_EQUAL(stat_n(EMU_FAL, "paths",
	    "GET /fal-ai/fashn/requests/ID"), 1);
	body = stat_json(EMU_FAL, "bodies", key_of("g-ok.png", k, sizeof(k)));
	CU_ASSERT(body != NULL && strstr(body, "\"category\":\"one-pieces\"")
	    != NULL && strstr(body, "\"model_image\":\"http") != NULL);
	free(body);
	CU_ASSERT_EQUAL(r.saves, 1);
	CU_ASSERT(r.credits > 0.99);

	/* Resuming a saved request id: no second submission. */
	util_strlcpy(saved, r.ref, sizeof(saved));
	memset(&r, 0, sizeof(r));
	hooks_init(&h, &r, saved, "internal");
	CU_ASSERT_EQUAL(tryon(EMU_FAL, f.p, "g-ok.png", "one-pieces", &h,
	    &url, &e), 0);
	CU_ASSERT_EQUAL(stat_n(EMU_FAL, "submits", k), 1);
	free(url);

	/* The video model: image_url, prompt, duration as a string. */
	CU_ASSERT_EQUAL(animate(EMU_FAL, f.p, "anim.png", NULL, &url, &e), 0);
	CU_ASSERT(downloads_as(url, "ftyp", 4));
	free(url);
	body = stat_json(EMU_FAL, "bodies", "/inputs/anim.png");
	CU_ASSERT(body != NULL && strstr(body, "\"prompt\":\"a slow turn\"")
	    != NULL && strstr(body, "\"duration\":\"5\"") != NULL);
	free(body);

	/* Model errors from the result, request errors, an account. */
	check_scripted(EMU_FAL, f.p, fal_ends,
	    sizeof(fal_ends) / sizeof(fal_ends[0]));
	CU_ASSERT_EQUAL(tryon(EMU_FAL, f.p, "missing-g.png", "tops", NULL,
	    &url, &e), -1);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "provider_rejected");
	CU_ASSERT_EQUAL(e.retryable, 1);
	assert_clean(&e);
	fixture_free(&f);

	/* A model fal does not have: unavailable, says what to check. */
	fal_fixture(&f, "tryon_model = fal-ai/no-such-model");
	CU_ASSERT_FATAL(f.p != NULL);
	CU_ASSERT_EQUAL(tryon(EMU_FAL, f.p, "g-nm.png", "tops", NULL, &url,
	    &e), -1);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "provider_unavailable");
	CU_ASSERT(strstr(e.detail, "404") != NULL);
	fixture_free(&f);
	fal_fixture(&f, "tryon_model = ../etc");
	CU_ASSERT_PTR_NULL(f.p);
	fixture_free(&f);
}

/* ---- Replicate --------------------------------------------------- */

static void
rep_fixture(struct fixture *f, const char *extra)
{
	char	 ini[1024];

	snprintf(ini, sizeof(ini), "[replicate]\nbase_url = @REP@/v1\n"
	    "api_token = " KEY "\n" FAST "%s\n", extra);
	fixture_init(f, "replicate", ini);
}

static void
test_replicate(void)
{
	struct fixture		 f;
	struct provider_hooks	 h;
	struct job_error	 e;
	struct rec		 r = { 0 };
	char			*url = NULL, *body, k[64];

	rep_fixture(&f, "wait_seconds = 5\ncancel_after = 10m");
	CU_ASSERT_FATAL(f.p != NULL);
	hooks_init(&h, &r, "", "");
	CU_ASSERT_EQUAL(tryon(EMU_REPLICATE, f.p, "g-ok.png", "bottoms", &h,
	    &url, &e), 0);
	CU_ASSERT(downloads_as(url, "\x89PNG", 0));
	free(url);
	CU_ASSERT_EQUAL(stat_n(EMU_REPLICATE, "paths", "POST /v1/predictions"),
	    1);
	body = stat_json(EMU_REPLICATE, "bodies", key_of("g-ok.png", k,
	    sizeof(k)));
	CU_ASSERT(body != NULL && strstr(body, "\"version\":\"c871bb9b") !=
	    NULL && strstr(body, "\"human_img\":\"http") != NULL &&
	    strstr(body, "\"category\":\"lower_body\"") != NULL &&
	    strstr(body, "\"garment_des\":\"a red shirt\"") != NULL);
	free(body);
	body = stat_json(EMU_REPLICATE, "headers", k);
	CU_ASSERT(body != NULL && strstr(body, "\"prefer\":\"wait=5\"") !=
	    NULL && strstr(body, "\"cancel-after\":\"10m\"") != NULL);
	free(body);
	CU_ASSERT(r.credits > 0);

	/* The video model, an official one, by name. */
	CU_ASSERT_EQUAL(animate(EMU_REPLICATE, f.p, "anim.png", NULL, &url,
	    &e), 0);
	CU_ASSERT(downloads_as(url, "ftyp", 4));
	free(url);
	CU_ASSERT_EQUAL(stat_n(EMU_REPLICATE, "paths",
	    "POST /v1/models/wan-video/wan-2.2-i2v-fast/predictions"), 1);

	/* Failures and the account. */
	check_scripted(EMU_REPLICATE, f.p, replicate_ends,
	    sizeof(replicate_ends) / sizeof(replicate_ends[0]));
	CU_ASSERT_EQUAL(tryon(EMU_REPLICATE, f.p, "missing-g.png", "tops",
	    NULL, &url, &e), -1);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "provider_rejected");
	CU_ASSERT_EQUAL(e.retryable, 1);
	fixture_free(&f);

	/* An input map that leaves out a required input: refused, 422. */
	rep_fixture(&f, "input_map = photo=human_img, garment=garm_img");
	CU_ASSERT_FATAL(f.p != NULL);
	CU_ASSERT_EQUAL(tryon(EMU_REPLICATE, f.p, "g-map.png", "tops", NULL,
	    &url, &e), -1);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "provider_rejected");
	CU_ASSERT(strstr(e.detail, "422") != NULL);
	fixture_free(&f);
	rep_fixture(&f, "input_map = photo");
	CU_ASSERT_PTR_NULL(f.p);
	fixture_free(&f);
}

/* ---- the router -------------------------------------------------- */

static void
test_route(void)
{
	struct fixture		 f;
	struct provider_hooks	 h;
	struct job_error	 e;
	struct rec		 r = { 0 };
	char			*url = NULL, k[64], ini[1024];

	snprintf(ini, sizeof(ini), "[providers]\ntryon = fashn, fal\n"
	    "animate = fal\n[fashn]\nbase_url = @FASHN@\napi_key = " KEY "\n"
	    FAST "max_retries = 1\n[fal]\nbase_url = @FAL@\napi_key = " KEY
	    "\n" FAST);
	fixture_init(&f, "", ini);
	CU_ASSERT_FATAL(f.p != NULL);

	/* FASHN out of credits: fal does the job, its id saved as fal's. */
	CU_ASSERT_FATAL(script(EMU_FASHN, "{\"key\":\"/inputs/g-r1.png\","
	    "\"submit\":[\"OutOfCredits\"]}") == 0);
	hooks_init(&h, &r, "", "");
	CU_ASSERT_EQUAL(tryon(EMU_FASHN, f.p, "g-r1.png", "tops", &h, &url,
	    &e), 0);
	CU_ASSERT_PTR_NOT_NULL(url);
	free(url);
	CU_ASSERT(strncmp(r.ref, "fal:", 4) == 0);
	CU_ASSERT_STRING_EQUAL(r.alert, "out_of_credits");
	CU_ASSERT_EQUAL(stat_n(EMU_FAL, "created", key_of("g-r1.png", k,
	    sizeof(k))), 1);

	/* 5xx past the retries: the next one too. */
	CU_ASSERT_FATAL(script(EMU_FASHN, "{\"key\":\"/inputs/g-r2.png\","
	    "\"submit\":[500,500]}") == 0);
	CU_ASSERT_EQUAL(tryon(EMU_FASHN, f.p, "g-r2.png", "tops", NULL, &url,
	    &e), 0);
	free(url);
	CU_ASSERT_EQUAL(stat_n(EMU_FAL, "created", key_of("g-r2.png", k,
	    sizeof(k))), 1);

	/* A verdict is not a reason to pay another vendor. */
	CU_ASSERT_FATAL(script(EMU_FASHN, "{\"key\":\"/inputs/g-r3.png\","
	    "\"outcome\":\"fail\",\"error_name\":\"PoseError\"}") == 0);
	CU_ASSERT_EQUAL(tryon(EMU_FASHN, f.p, "g-r3.png", "tops", NULL, &url,
	    &e), -1);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "photo_pose");
	CU_ASSERT_EQUAL(stat_n(EMU_FAL, "submits", key_of("g-r3.png", k,
	    sizeof(k))), 0);

	/* A fal id resumes at fal, without asking FASHN. */
	memset(&r, 0, sizeof(r));
	hooks_init(&h, &r, "", "");
	CU_ASSERT_FATAL(script(EMU_FASHN, "{\"key\":\"/inputs/g-r4.png\","
	    "\"submit\":[503,503]}") == 0);
	CU_ASSERT_EQUAL(tryon(EMU_FASHN, f.p, "g-r4.png", "tops", &h, &url,
	    &e), 0);
	free(url);
	CU_ASSERT_FATAL(strncmp(r.ref, "fal:", 4) == 0);
	{
		struct rec	 r2 = { 0 };
		char		 saved[256];

		util_strlcpy(saved, r.ref, sizeof(saved));
		hooks_init(&h, &r2, saved, "internal");
		CU_ASSERT_EQUAL(tryon(EMU_FASHN, f.p, "g-r4.png", "tops", &h,
		    &url, &e), 0);
		free(url);
		CU_ASSERT_EQUAL(stat_n(EMU_FASHN, "submits",
		    key_of("g-r4.png", k, sizeof(k))), 2);
		CU_ASSERT_EQUAL(stat_n(EMU_FAL, "submits", k), 1);
		CU_ASSERT_EQUAL(r2.saves, 0);
	}

	/* Animation goes to fal alone. */
	CU_ASSERT_EQUAL(animate(EMU_FAL, f.p, "anim-r.png", NULL, &url, &e),
	    0);
	free(url);
	CU_ASSERT_EQUAL(stat_n(EMU_FASHN, "submits", "/inputs/anim-r.png"), 0);
	fixture_free(&f);

	/* Bad lists name the key at fault. */
	fixture_init(&f, "", "[providers]\ntryon = fashn, nosuch\n");
	CU_ASSERT_PTR_NULL(f.p);
	CU_ASSERT(strstr(f.err, "[providers] tryon") != NULL);
	fixture_free(&f);
	fixture_init(&f, "", "[worker]\nprovider = local\n[providers]\n"
	    "animate = local, local\n");
	CU_ASSERT_PTR_NULL(f.p);
	fixture_free(&f);
	fixture_init(&f, "", "[worker]\nprovider = local\n");
	CU_ASSERT_FATAL(f.p != NULL);
	CU_ASSERT_EQUAL(f.p->places_location, 1);
	fixture_free(&f);
}

/* ---- the emulators themselves ------------------------------------ */

/* What each vendor refuses, the emulator refuses: a request, its status. */
static void
test_emulators_strict(void)
{
	struct tu_body	 b;
	char		 url[160];

	/* FASHN: no /v1/animate, no /v1/v1/run, no legacy flat body. */
	snprintf(url, sizeof(url), "%s/v1/animate", emu_base[EMU_FASHN]);
	CU_ASSERT_EQUAL(tu_http(url, "{}", &b), 404);
	free(b.p);
	snprintf(url, sizeof(url), "%s/v1/v1/run", emu_base[EMU_FASHN]);
	CU_ASSERT_EQUAL(tu_http(url, "{}", &b), 404);
	free(b.p);
	snprintf(url, sizeof(url), "%s/inputs/missing-x.png",
	    emu_base[EMU_FAL]);
	CU_ASSERT_EQUAL(tu_http(url, NULL, &b), 404);
	free(b.p);
	/* fal: status under the subpath does not exist. */
	snprintf(url, sizeof(url), "%s/fal-ai/fashn/tryon/v1.6/requests/x/"
	    "status", emu_base[EMU_FAL]);
	CU_ASSERT_EQUAL(tu_http(url, NULL, &b), 404);
	free(b.p);
	snprintf(url, sizeof(url), "%s/v1/animations", emu_base[EMU_REPLICATE]);
	CU_ASSERT_EQUAL(tu_http(url, "{}", &b), 404);
	free(b.p);
}

/*
 * lib/hooks.c: tokens, and Replicate's signature against the delivery
 * in t/emulators/replicate/examples/webhook-signed.json.
 */
static void
test_hooks(void)
{
	const char	*secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
	const char	*id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
	const char	*ts = "1614265330";
	const char	*sig =
	    "v1,78nXHjpFP0tVJQW5D0SBwmVyyW87BV/rL6MgfM/Bw44=";
	const char	*body = "{\"test\": 2432232314}";
	time_t		 now = 1614265330 + 10;
	char		 t1[64], t2[64], h1[HOOK_HASH_LEN + 1];
	char		 h2[HOOK_HASH_LEN + 1];

	CU_ASSERT_EQUAL(hook_token_new(t1, sizeof(t1)), 0);
	CU_ASSERT_EQUAL(hook_token_new(t2, sizeof(t2)), 0);
	CU_ASSERT_EQUAL(strlen(t1), HOOK_TOKEN_LEN);
	CU_ASSERT(hook_token_valid(t1));
	CU_ASSERT(strcmp(t1, t2) != 0);
	CU_ASSERT_EQUAL(hook_token_new(t2, HOOK_TOKEN_LEN), -1);
	CU_ASSERT(!hook_token_valid("short"));
	CU_ASSERT(!hook_token_valid(NULL));
	hook_token_hash(t1, h1);
	hook_token_hash("abc", h2);
	CU_ASSERT_EQUAL(strlen(h1), HOOK_HASH_LEN);
	CU_ASSERT_STRING_EQUAL(h2, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");

	CU_ASSERT_EQUAL(hook_replicate_verify(secret, id, ts, sig, body,
	    strlen(body), now), HOOK_SIG_OK);
	/* One of several signatures is enough. */
	CU_ASSERT_EQUAL(hook_replicate_verify(secret, id, ts,
	    "v1,AAAA v1,78nXHjpFP0tVJQW5D0SBwmVyyW87BV/rL6MgfM/Bw44=", body,
	    strlen(body), now), HOOK_SIG_OK);
	/* Another body, id or time: no match. */
	CU_ASSERT_EQUAL(hook_replicate_verify(secret, id, ts, sig,
	    "{\"test\": 1}", 12, now), HOOK_SIG_BAD);
	CU_ASSERT_EQUAL(hook_replicate_verify(secret, "msg_other", ts, sig,
	    body, strlen(body), now), HOOK_SIG_BAD);
	CU_ASSERT_EQUAL(hook_replicate_verify(secret, id, "1614265331", sig,
	    body, strlen(body), now), HOOK_SIG_BAD);
	/* Replayed later than the tolerance, or from the future. */
	CU_ASSERT_EQUAL(hook_replicate_verify(secret, id, ts, sig, body,
	    strlen(body), now + HOOK_TOLERANCE), HOOK_SIG_STALE);
	CU_ASSERT_EQUAL(hook_replicate_verify(secret, id, ts, sig, body,
	    strlen(body), 1614265330 - HOOK_TOLERANCE - 1), HOOK_SIG_STALE);
	CU_ASSERT_EQUAL(hook_replicate_verify(secret, NULL, ts, sig, body,
	    strlen(body), now), HOOK_SIG_MISSING);
	CU_ASSERT_EQUAL(hook_replicate_verify(secret, id, ts, "v2,abc",
	    body, strlen(body), now), HOOK_SIG_BAD);
	/* The same MAC bytes spelt with other unused bits before the "=":
	 * not the signature (found by fuzz/fuzz_hooks.c). */
	CU_ASSERT_EQUAL(hook_replicate_verify(secret, id, ts,
	    "v1,78nXHjpFP0tVJQW5D0SBwmVyyW87BV/rL6MgfM/Bw45=", body,
	    strlen(body), now), HOOK_SIG_BAD);
	CU_ASSERT_EQUAL(hook_replicate_verify("C2FVsBQIhrsc", id, ts, sig,
	    body, strlen(body), now), HOOK_SIG_SECRET);
	CU_ASSERT_EQUAL(hook_replicate_verify("whsec_", id, ts, sig, body,
	    strlen(body), now), HOOK_SIG_SECRET);
}

int
main(void)
{
	const char *const args[] = { "--key", KEY, "--queue-ms", "30",
	    "--run-ms", "60", NULL };
	CU_pSuite	 s;
	unsigned int	 fails;
	int		 i, bad = 0;

	signal(SIGPIPE, SIG_IGN);
	tu_node_watchdog(&emu_pid[EMU_FASHN], 240);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (i = 0; i < EMU__MAX; i++)
		if (tu_node_start(emu_script[i], args, &emu_pid[i],
		    emu_base[i], sizeof(emu_base[i])) == -1)
			bad = 1;
	if (bad || CU_initialize_registry() != CUE_SUCCESS) {
		for (i = 0; i < EMU__MAX; i++)
			tu_node_stop(&emu_pid[i]);
		return 1;
	}
	s = CU_add_suite("providers", NULL, NULL);
	if (s == NULL ||
	    CU_add_test(s, "fashn tryon", test_fashn_tryon) == NULL ||
	    CU_add_test(s, "fashn base URL and models",
	    test_fashn_base_and_models) == NULL ||
	    CU_add_test(s, "fashn 429s", test_fashn_429s) == NULL ||
	    CU_add_test(s, "fashn 5xx and 4xx", test_fashn_5xx_and_4xx) ==
	    NULL ||
	    CU_add_test(s, "fashn failures", test_fashn_failures) == NULL ||
	    CU_add_test(s, "fashn timeout and resume",
	    test_fashn_timeout_and_resume) == NULL ||
	    CU_add_test(s, "fashn heartbeat and answers",
	    test_fashn_heartbeat_and_answers) == NULL ||
	    CU_add_test(s, "fashn key and network",
	    test_fashn_key_and_network) == NULL ||
	    CU_add_test(s, "fashn animate", test_fashn_animate) == NULL ||
	    CU_add_test(s, "fashn bad config", test_fashn_bad_config) ==
	    NULL ||
	    CU_add_test(s, "fal", test_fal) == NULL ||
	    CU_add_test(s, "replicate", test_replicate) == NULL ||
	    CU_add_test(s, "route", test_route) == NULL ||
	    CU_add_test(s, "emulators strict", test_emulators_strict) ==
	    NULL ||
	    CU_add_test(s, "webhook tokens and signatures", test_hooks) ==
	    NULL) {
		CU_cleanup_registry();
		for (i = 0; i < EMU__MAX; i++)
			tu_node_stop(&emu_pid[i]);
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	for (i = 0; i < EMU__MAX; i++)
		tu_node_stop(&emu_pid[i]);
	curl_global_cleanup();
	return fails == 0 ? 0 : 1;
}
