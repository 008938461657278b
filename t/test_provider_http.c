/*
 * Unit tests for lib/providers/http.c against t/provider_emulator.js,
 * which the test starts (node $srcdir/t/provider_emulator.js 0) on a free
 * loopback port and stops at the end.  The emulator also serves the
 * input images, behind presigned-looking URLs, and counts submissions
 * per garment (GET /__stats).
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

#include "providers/provider.h"
#include "providers/http.h"
#include "testutil.h"
#include "util.h"

#define KEY	"test-key"
#define SIG	"X-Amz-Credential=AKIA%2F20250101%2Fus-east-1%2Fs3&" \
		"X-Amz-Signature=good"

/* The emulator, started once for the suite. */
static pid_t	 emu_pid = -1;
static char	 emu_base[64];

/* What the hooks saw. */
struct rec {
	char	 ref[256];	/* last saved */
	int	 saves;
	int	 beats;
	int	 fail_beat_at;	/* heartbeat number that returns -1; 0 never */
	int	 fail_save;
	long	 polls_at_save;	/* emulator polls of the id when saved */
};

/* ---- helpers ----------------------------------------------------- */

/* POST a script (JSON text) to the emulator; 0 or -1. */
static int
script(const char *json)
{
	char		 url[128];
	struct tu_body	 b;
	long		 st;

	snprintf(url, sizeof(url), "%s/__script", emu_base);
	st = tu_http(url, json, &b);
	free(b.p);
	return st == 200 ? 0 : -1;
}

/* The emulator's stats, parsed (caller puts), or NULL. */
static struct json_object *
stats(void)
{
	char			 url[128];
	struct tu_body		 b;
	struct json_object	*o = NULL;

	snprintf(url, sizeof(url), "%s/__stats", emu_base);
	if (tu_http(url, NULL, &b) == 200)
		o = json_tokener_parse(b.p);
	free(b.p);
	return o;
}

/* stats[section][key] as an integer; 0 when absent, -1 on failure. */
static long
stat_n(const char *section, const char *key)
{
	struct json_object	*o, *s, *v;
	long			 n = 0;

	o = stats();
	if (o == NULL)
		return -1;
	if (json_object_object_get_ex(o, section, &s) &&
	    json_object_object_get_ex(s, key, &v))
		n = (long)json_object_get_int64(v);
	json_object_put(o);
	return n;
}

/* stats.bodies[key] serialised, malloc'd, or NULL. */
static char *
stat_body(const char *key)
{
	struct json_object	*o, *s, *v;
	char			*r = NULL;

	o = stats();
	if (o == NULL)
		return NULL;
	if (json_object_object_get_ex(o, "bodies", &s) &&
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
	r->polls_at_save = stat_n("polls", ref);
	return r->fail_save ? -1 : 0;
}

static void
hooks_init(struct provider_hooks *h, struct rec *r, const char *ref)
{
	h->arg = r;
	h->heartbeat = rec_heartbeat;
	h->save_ref = rec_save;
	h->ref = ref;
}

/* Fast settings against the emulator. */
static void
test_config(struct provider_http_config *cfg)
{
	provider_http_config_default(cfg);
	cfg->base_url = emu_base;
	cfg->api_key = KEY;
	cfg->model_name = "tryon-v1.6";
	cfg->connect_timeout_ms = 2000;
	cfg->request_timeout_ms = 5000;
	cfg->job_timeout_ms = 15000;
	cfg->poll_min_ms = 20;
	cfg->poll_max_ms = 100;
	cfg->retry_base_ms = 20;
	cfg->retry_max_ms = 200;
	cfg->max_retries = 3;
}

static struct provider *
new_prov(const struct provider_http_config *cfg)
{
	char	 err[256];
	struct provider *p;

	err[0] = '\0';
	p = provider_http_new(cfg, err, sizeof(err));
	if (p == NULL)
		fprintf(stderr, "provider_http_new: %s\n", err);
	return p;
}

/* Input URLs for garment g (a path under /inputs/). */
static void
inputs(const char *g, char *photo, char *garment, size_t len)
{
	snprintf(photo, len, "%s/inputs/photo.png?%s", emu_base, SIG);
	snprintf(garment, len, "%s/inputs/%s?%s", emu_base, g, SIG);
}

/* The seed of the next tryon(): 0 the provider's own (a first try). */
static int64_t	next_seed;

/*
 * One try-on of garment g with provider p and hooks h; err and *url
 * filled.  Returns the provider's result.
 */
static int
tryon(struct provider *p, const char *g, const char *category,
    const struct provider_hooks *h, char **url, struct job_error *err)
{
	char	 photo[256], garment[256];
	struct provider_tryon_req rq;

	inputs(g, photo, garment, sizeof(photo));
	memset(&rq, 0, sizeof(rq));
	memset(err, 0, sizeof(*err));
	rq.job_id = 1;
	rq.user_photo_url = photo;
	rq.outfit_url = garment;
	rq.category = category;
	rq.prompt = "a person wearing the outfit";
	rq.seed = next_seed;
	return p->tryon(p, &rq, h, url, err);
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

static char *
path_key(const char *g, char *buf, size_t len)
{
	snprintf(buf, len, "/inputs/%s", g);
	return buf;
}

/* ---- emulator life ----------------------------------------------- */

static int
emu_start(void)
{
	const char *const args[] = { "--key", KEY, NULL };

	return tu_node_start("provider_emulator.js", args, &emu_pid, emu_base,
	    sizeof(emu_base));
}

static void
emu_stop(void)
{
	tu_node_stop(&emu_pid);
}

/* ---- tests ------------------------------------------------------- */

static void
test_success(void)
{
	struct provider_http_config cfg;
	struct provider		*p;
	struct provider_hooks	 h;
	struct job_error	 e;
	struct rec		 r = { 0 };
	struct tu_body		 got, want;
	char			*url = NULL, *body, k[64], photo[256], g[256];

	test_config(&cfg);
	p = new_prov(&cfg);
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_STRING_EQUAL(p->name, "http");
	CU_ASSERT_EQUAL(p->max_concurrency, 4);
	hooks_init(&h, &r, "");
	CU_ASSERT_EQUAL(tryon(p, "g-ok.png", "tops", &h, &url, &e), 0);
	CU_ASSERT_FATAL(url != NULL);
	CU_ASSERT(strncmp(url, emu_base, strlen(emu_base)) == 0);
	CU_ASSERT(strstr(url, "/files/") != NULL);
	/* The id was saved once, before the first poll; heartbeats ran. */
	CU_ASSERT_EQUAL(r.saves, 1);
	CU_ASSERT(r.ref[0] != '\0');
	CU_ASSERT_EQUAL(r.polls_at_save, 0);
	CU_ASSERT(r.beats > 0);
	CU_ASSERT(stat_n("polls", r.ref) >= 3);
	CU_ASSERT_EQUAL(stat_n("submits", path_key("g-ok.png", k,
	    sizeof(k))), 1);
	/* Both presigned inputs were really fetched... */
	CU_ASSERT(stat_n("fetches", "/inputs/photo.png") >= 1);
	CU_ASSERT_EQUAL(stat_n("fetches", k), 1);
	/* ...and the result is the model image, downloadable. */
	inputs("g-ok.png", photo, g, sizeof(photo));
	CU_ASSERT_EQUAL(tu_http(url, NULL, &got), 200);
	CU_ASSERT_EQUAL(tu_http(photo, NULL, &want), 200);
	CU_ASSERT(got.len > 8 && got.len == want.len &&
	    memcmp(got.p, want.p, got.len) == 0);
	CU_ASSERT(got.len > 8 && memcmp(got.p, "\x89PNG", 4) == 0);
	free(got.p);
	free(want.p);
	/* The request had FASHN's v1 shape. */
	body = stat_body(k);
	CU_ASSERT_FATAL(body != NULL);
	CU_ASSERT(strstr(body, "\"model_name\":\"tryon-v1.6\"") != NULL);
	CU_ASSERT(strstr(body, "\"inputs\":{") != NULL);
	CU_ASSERT(strstr(body, "\"category\":\"tops\"") != NULL);
	CU_ASSERT(strstr(body, "X-Amz-Credential=AKIA%2F20250101") != NULL);
	CU_ASSERT(strstr(body, "\"seed\"") == NULL);
	free(body);
	free(url);
	/* "Try again": the new seed goes with the inputs. */
	next_seed = 1234;
	CU_ASSERT_EQUAL(tryon(p, "g-seed.png", "tops", &h, &url, &e), 0);
	next_seed = 0;
	free(url);
	body = stat_body(path_key("g-seed.png", k, sizeof(k)));
	CU_ASSERT(body != NULL && strstr(body, "\"inputs\":{") != NULL &&
	    strstr(body, "\"seed\":1234") != NULL);
	free(body);
	provider_free(p);
}

static void
test_flat_form(void)
{
	struct provider_http_config cfg;
	struct provider		*p;
	struct job_error	 e;
	char			*url = NULL, *body, k[64];

	test_config(&cfg);
	cfg.model_name = NULL;
	cfg.mode = "performance";
	p = new_prov(&cfg);
	CU_ASSERT_FATAL(p != NULL);
	/* No hooks at all is allowed; an unknown category is not sent. */
	CU_ASSERT_EQUAL(tryon(p, "g-flat.png", "shoes", NULL, &url, &e), 0);
	CU_ASSERT_PTR_NOT_NULL(url);
	body = stat_body(path_key("g-flat.png", k, sizeof(k)));
	CU_ASSERT_FATAL(body != NULL);
	CU_ASSERT(strstr(body, "\"inputs\"") == NULL);
	CU_ASSERT(strstr(body, "\"model_name\"") == NULL);
	CU_ASSERT(strstr(body, "\"garment_image\":\"http") != NULL);
	CU_ASSERT(strstr(body, "\"category\"") == NULL);
	CU_ASSERT(strstr(body, "\"mode\":\"performance\"") != NULL);
	free(body);
	free(url);
	provider_free(p);
}

static void
test_429_then_success(void)
{
	struct provider_http_config cfg;
	struct provider		*p;
	struct provider_hooks	 h;
	struct job_error	 e;
	struct rec		 r = { 0 };
	char			*url = NULL, k[64];
	int64_t			 t0, dt;

	CU_ASSERT_FATAL(script("{\"key\":\"/inputs/g-429.png\","
	    "\"submit\":[429],\"retry_after\":\"1\"}") == 0);
	test_config(&cfg);
	p = new_prov(&cfg);
	CU_ASSERT_FATAL(p != NULL);
	hooks_init(&h, &r, "");
	t0 = tu_mono_ms();
	CU_ASSERT_EQUAL(tryon(p, "g-429.png", "tops", &h, &url, &e), 0);
	dt = tu_mono_ms() - t0;
	CU_ASSERT_PTR_NOT_NULL(url);
	/* Retry-After: 1 was honoured (the backoff alone is <= 200 ms). */
	CU_ASSERT(dt >= 1000);
	CU_ASSERT_EQUAL(stat_n("submits", path_key("g-429.png", k,
	    sizeof(k))), 2);
	CU_ASSERT_EQUAL(stat_n("created", k), 1);
	free(url);
	url = NULL;
	provider_free(p);

	/* A Retry-After beyond the job's deadline: give up at once. */
	CU_ASSERT_FATAL(script("{\"key\":\"/inputs/g-429long.png\","
	    "\"submit\":[429],\"retry_after\":\"60\"}") == 0);
	cfg.job_timeout_ms = 3000;
	p = new_prov(&cfg);
	CU_ASSERT_FATAL(p != NULL);
	t0 = tu_mono_ms();
	CU_ASSERT_EQUAL(tryon(p, "g-429long.png", "tops", NULL, &url, &e),
	    -1);
	CU_ASSERT(tu_mono_ms() - t0 < 1000);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "provider_timeout");
	CU_ASSERT_EQUAL(e.retryable, 1);
	CU_ASSERT(strstr(e.detail, "429") != NULL);
	CU_ASSERT_EQUAL(stat_n("submits", path_key("g-429long.png", k,
	    sizeof(k))), 1);
	provider_free(p);
}

static void
test_500s_then_success(void)
{
	struct provider_http_config cfg;
	struct provider		*p;
	struct provider_hooks	 h;
	struct job_error	 e;
	struct rec		 r = { 0 };
	char			*url = NULL, k[64];

	CU_ASSERT_FATAL(script("{\"key\":\"/inputs/g-500.png\","
	    "\"submit\":[500,502],\"poll\":[503,500]}") == 0);
	test_config(&cfg);
	p = new_prov(&cfg);
	CU_ASSERT_FATAL(p != NULL);
	hooks_init(&h, &r, "");
	CU_ASSERT_EQUAL(tryon(p, "g-500.png", "bottoms", &h, &url, &e), 0);
	CU_ASSERT_PTR_NOT_NULL(url);
	CU_ASSERT_EQUAL(stat_n("submits", path_key("g-500.png", k,
	    sizeof(k))), 3);
	CU_ASSERT_EQUAL(stat_n("created", k), 1);
	CU_ASSERT_EQUAL(r.saves, 1);
	free(url);
	provider_free(p);
}

static void
test_500s_exhausted(void)
{
	struct provider_http_config cfg;
	struct provider		*p;
	struct job_error	 e;
	char			*url = NULL, k[64];

	CU_ASSERT_FATAL(script("{\"key\":\"/inputs/g-500x.png\","
	    "\"submit\":[500,500,500,500,500,500]}") == 0);
	test_config(&cfg);
	cfg.max_retries = 2;
	p = new_prov(&cfg);
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_EQUAL(tryon(p, "g-500x.png", "tops", NULL, &url, &e), -1);
	CU_ASSERT_PTR_NULL(url);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "provider_error");
	CU_ASSERT_EQUAL(e.retryable, 1);
	CU_ASSERT(strstr(e.detail, "HTTP 500") != NULL);
	assert_clean(&e);
	CU_ASSERT_EQUAL(stat_n("submits", path_key("g-500x.png", k,
	    sizeof(k))), 3);
	CU_ASSERT_EQUAL(stat_n("created", k), 0);
	provider_free(p);
}

static void
test_4xx_not_retried(void)
{
	struct provider_http_config cfg;
	struct provider		*p;
	struct provider_hooks	 h;
	struct job_error	 e;
	struct rec		 r = { 0 };
	char			*url = NULL, k[64];

	CU_ASSERT_FATAL(script("{\"key\":\"/inputs/g-400.png\","
	    "\"submit\":[400]}") == 0);
	CU_ASSERT_FATAL(script("{\"key\":\"/inputs/g-422.png\","
	    "\"submit\":[422]}") == 0);
	test_config(&cfg);
	p = new_prov(&cfg);
	CU_ASSERT_FATAL(p != NULL);
	hooks_init(&h, &r, "");
	CU_ASSERT_EQUAL(tryon(p, "g-400.png", "tops", &h, &url, &e), -1);
	CU_ASSERT_PTR_NULL(url);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "provider_rejected");
	CU_ASSERT_EQUAL(e.retryable, 0);
	CU_ASSERT(strstr(e.detail, "400") != NULL);
	CU_ASSERT(strstr(e.detail, "BadRequest") != NULL);
	assert_clean(&e);
	CU_ASSERT_EQUAL(r.saves, 0);
	CU_ASSERT_EQUAL(stat_n("submits", path_key("g-400.png", k,
	    sizeof(k))), 1);
	CU_ASSERT_EQUAL(tryon(p, "g-422.png", "tops", &h, &url, &e), -1);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "provider_rejected");
	CU_ASSERT_EQUAL(stat_n("submits", path_key("g-422.png", k,
	    sizeof(k))), 1);
	provider_free(p);
}

/* A prediction failing with name maps to code/retryable. */
static void
check_failure(struct provider *p, const char *g, const char *name,
    const char *code, int retryable)
{
	struct provider_hooks	 h;
	struct job_error	 e;
	struct rec		 r = { 0 };
	char			 js[256], *url = NULL, k[64];

	snprintf(js, sizeof(js), "{\"key\":\"/inputs/%s\",\"outcome\":"
	    "\"fail\",\"error_name\":\"%s\"}", g, name);
	CU_ASSERT_FATAL(script(js) == 0);
	hooks_init(&h, &r, "");
	CU_ASSERT_EQUAL(tryon(p, g, "tops", &h, &url, &e), -1);
	CU_ASSERT_PTR_NULL(url);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), code);
	CU_ASSERT_EQUAL(e.retryable, retryable);
	CU_ASSERT(strstr(e.detail, name) != NULL);
	assert_clean(&e);
	CU_ASSERT_EQUAL(r.saves, 1);
	CU_ASSERT_EQUAL(stat_n("submits", path_key(g, k, sizeof(k))), 1);
}

static void
test_remote_failures(void)
{
	struct provider_http_config cfg;
	struct provider		*p;
	struct job_error	 e;
	struct provider_tryon_req rq;
	char			*url = NULL, photo[256], g[256];

	test_config(&cfg);
	p = new_prov(&cfg);
	CU_ASSERT_FATAL(p != NULL);
	check_failure(p, "g-pose.png", "PoseError", "provider_rejected", 0);
	check_failure(p, "g-nsfw.png", "NSFWError", "photo_nsfw", 0);
	check_failure(p, "g-type.png", "PhotoTypeError", "provider_rejected",
	    0);
	check_failure(p, "g-load.png", "ImageLoadError", "provider_rejected",
	    0);
	check_failure(p, "g-pipe.png", "PipelineError", "provider_error", 1);
	check_failure(p, "g-odd.png", "SomethingNew", "provider_error", 1);

	/* A garment URL the emulator cannot fetch: a real ImageLoadError. */
	inputs("missing-garment.png", photo, g, sizeof(photo));
	memset(&rq, 0, sizeof(rq));
	rq.user_photo_url = photo;
	rq.outfit_url = g;
	CU_ASSERT_EQUAL(p->tryon(p, &rq, NULL, &url, &e), -1);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "provider_rejected");
	CU_ASSERT(strstr(e.detail, "ImageLoadError") != NULL);
	assert_clean(&e);
	CU_ASSERT_EQUAL(stat_n("fetches", "/inputs/missing-garment.png"), 1);

	/* A mangled signature (as if the query were mis-encoded): same. */
	snprintf(g, sizeof(g), "%s/inputs/g-badsig.png?X-Amz-Signature=bad",
	    emu_base);
	CU_ASSERT_EQUAL(p->tryon(p, &rq, NULL, &url, &e), -1);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "provider_rejected");

	/* Inputs that are not http(s) are refused before any request. */
	rq.outfit_url = "file:///etc/passwd";
	CU_ASSERT_EQUAL(p->tryon(p, &rq, NULL, &url, &e), -1);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "internal");
	CU_ASSERT_EQUAL(e.retryable, 0);
	provider_free(p);
}

static void
test_job_timeout(void)
{
	struct provider_http_config cfg;
	struct provider		*p;
	struct provider_hooks	 h;
	struct job_error	 e;
	struct rec		 r = { 0 };
	char			*url = NULL;
	int64_t			 t0, dt;

	CU_ASSERT_FATAL(script("{\"key\":\"/inputs/g-hang.png\","
	    "\"outcome\":\"hang\"}") == 0);
	test_config(&cfg);
	cfg.job_timeout_ms = 700;
	p = new_prov(&cfg);
	CU_ASSERT_FATAL(p != NULL);
	hooks_init(&h, &r, "");
	t0 = tu_mono_ms();
	CU_ASSERT_EQUAL(tryon(p, "g-hang.png", "tops", &h, &url, &e), -1);
	dt = tu_mono_ms() - t0;
	CU_ASSERT_PTR_NULL(url);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "provider_timeout");
	CU_ASSERT_EQUAL(e.retryable, 1);
	CU_ASSERT(strstr(e.detail, "processing") != NULL);
	assert_clean(&e);
	CU_ASSERT(dt >= 700 && dt < 3000);
	/* The id is kept, so the next attempt resumes rather than pays. */
	CU_ASSERT_EQUAL(r.saves, 1);
	provider_free(p);
}

static void
test_resume(void)
{
	struct provider_http_config cfg;
	struct provider		*p;
	struct provider_hooks	 h;
	struct job_error	 e;
	struct rec		 r1 = { 0 }, r2 = { 0 };
	char			*url = NULL, k[64], saved[256];

	test_config(&cfg);
	p = new_prov(&cfg);
	CU_ASSERT_FATAL(p != NULL);
	path_key("g-resume.png", k, sizeof(k));

	/* First attempt: the worker loses the job at the first heartbeat. */
	r1.fail_beat_at = 1;
	hooks_init(&h, &r1, "");
	CU_ASSERT_EQUAL(tryon(p, "g-resume.png", "tops", &h, &url, &e), -1);
	CU_ASSERT_PTR_NULL(url);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "internal");
	CU_ASSERT_EQUAL(e.retryable, 1);
	CU_ASSERT_EQUAL(r1.saves, 1);
	CU_ASSERT_EQUAL(stat_n("submits", k), 1);
	util_strlcpy(saved, r1.ref, sizeof(saved));

	/* Second attempt with the saved ref: polled, not submitted again. */
	hooks_init(&h, &r2, saved);
	CU_ASSERT_EQUAL(tryon(p, "g-resume.png", "tops", &h, &url, &e), 0);
	CU_ASSERT_PTR_NOT_NULL(url);
	CU_ASSERT_EQUAL(r2.saves, 0);
	CU_ASSERT_EQUAL(stat_n("submits", k), 1);
	CU_ASSERT_EQUAL(stat_n("created", k), 1);
	CU_ASSERT(url != NULL && strstr(url, saved) != NULL);
	free(url);
	url = NULL;

	/* A ref the remote forgot (404): submitted anew, new ref saved. */
	memset(&r2, 0, sizeof(r2));
	hooks_init(&h, &r2, "forgotten-0001");
	CU_ASSERT_EQUAL(tryon(p, "g-forgot.png", "tops", &h, &url, &e), 0);
	CU_ASSERT_PTR_NOT_NULL(url);
	CU_ASSERT_EQUAL(stat_n("polls", "forgotten-0001"), 1);
	CU_ASSERT_EQUAL(stat_n("submits", path_key("g-forgot.png", k,
	    sizeof(k))), 1);
	CU_ASSERT_EQUAL(r2.saves, 1);
	CU_ASSERT(strcmp(r2.ref, "forgotten-0001") != 0);
	free(url);
	provider_free(p);
}

static void
test_resume_after_failure(void)
{
	struct provider_http_config cfg;
	struct provider		*p;
	struct provider_hooks	 h;
	struct job_error	 e;
	struct rec		 r1 = { 0 }, r2 = { 0 };
	char			*url = NULL, k[64], saved[256];

	test_config(&cfg);
	p = new_prov(&cfg);
	CU_ASSERT_FATAL(p != NULL);

	/* A retryable remote failure: the retry must submit again. */
	path_key("g-refail.png", k, sizeof(k));
	CU_ASSERT_FATAL(script("{\"key\":\"/inputs/g-refail.png\","
	    "\"outcome\":\"fail\",\"error_name\":\"PipelineError\"}") == 0);
	hooks_init(&h, &r1, "");
	CU_ASSERT_EQUAL(tryon(p, "g-refail.png", "tops", &h, &url, &e), -1);
	CU_ASSERT_EQUAL(e.retryable, 1);
	util_strlcpy(saved, r1.ref, sizeof(saved));
	CU_ASSERT_FATAL(script("{\"key\":\"/inputs/g-refail.png\","
	    "\"outcome\":\"ok\"}") == 0);
	hooks_init(&h, &r2, saved);
	CU_ASSERT_EQUAL(tryon(p, "g-refail.png", "tops", &h, &url, &e), 0);
	CU_ASSERT_PTR_NOT_NULL(url);
	CU_ASSERT_EQUAL(stat_n("submits", k), 2);
	CU_ASSERT_EQUAL(r2.saves, 1);
	CU_ASSERT(strcmp(r2.ref, saved) != 0);
	free(url);
	url = NULL;

	/* A final one: resuming it reports it again, without paying. */
	path_key("g-refinal.png", k, sizeof(k));
	CU_ASSERT_FATAL(script("{\"key\":\"/inputs/g-refinal.png\","
	    "\"outcome\":\"fail\",\"error_name\":\"PoseError\"}") == 0);
	memset(&r1, 0, sizeof(r1));
	hooks_init(&h, &r1, "");
	CU_ASSERT_EQUAL(tryon(p, "g-refinal.png", "tops", &h, &url, &e), -1);
	util_strlcpy(saved, r1.ref, sizeof(saved));
	memset(&r2, 0, sizeof(r2));
	hooks_init(&h, &r2, saved);
	CU_ASSERT_EQUAL(tryon(p, "g-refinal.png", "tops", &h, &url, &e), -1);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "provider_rejected");
	CU_ASSERT_EQUAL(stat_n("submits", k), 1);
	CU_ASSERT_EQUAL(r2.saves, 0);
	provider_free(p);
}

static void
test_heartbeat_abort(void)
{
	struct provider_http_config cfg;
	struct provider		*p;
	struct provider_hooks	 h;
	struct job_error	 e;
	struct rec		 r = { 0 };
	char			*url = NULL, k[64];
	int64_t			 t0;

	CU_ASSERT_FATAL(script("{\"key\":\"/inputs/g-hb.png\","
	    "\"outcome\":\"hang\"}") == 0);
	test_config(&cfg);
	p = new_prov(&cfg);
	CU_ASSERT_FATAL(p != NULL);
	/* Lost after a few polls of a job that would never end. */
	r.fail_beat_at = 4;
	hooks_init(&h, &r, "");
	t0 = tu_mono_ms();
	CU_ASSERT_EQUAL(tryon(p, "g-hb.png", "tops", &h, &url, &e), -1);
	CU_ASSERT(tu_mono_ms() - t0 < 3000);
	CU_ASSERT_PTR_NULL(url);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "internal");
	CU_ASSERT_EQUAL(e.retryable, 1);
	CU_ASSERT(strstr(e.detail, "heartbeat") != NULL);
	CU_ASSERT_EQUAL(r.beats, 4);
	CU_ASSERT(stat_n("polls", r.ref) >= 2);
	CU_ASSERT(stat_n("polls", r.ref) <= 4);

	/* save_ref failing: no polling at all. */
	memset(&r, 0, sizeof(r));
	r.fail_save = 1;
	hooks_init(&h, &r, "");
	CU_ASSERT_EQUAL(tryon(p, "g-hbsave.png", "tops", &h, &url, &e), -1);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "internal");
	CU_ASSERT_EQUAL(e.retryable, 1);
	CU_ASSERT_EQUAL(r.saves, 1);
	CU_ASSERT_EQUAL(stat_n("polls", r.ref), 0);
	CU_ASSERT_EQUAL(stat_n("submits", path_key("g-hbsave.png", k,
	    sizeof(k))), 1);
	provider_free(p);
}

/* A scripted bad answer gives code/retryable. */
static void
check_bad(struct provider *p, const char *g, const char *field,
    const char *value, const char *code, int retryable)
{
	struct job_error	 e;
	char			 js[256], *url = NULL;

	snprintf(js, sizeof(js), "{\"key\":\"/inputs/%s\",\"%s\":\"%s\"}",
	    g, field, value);
	CU_ASSERT_FATAL(script(js) == 0);
	CU_ASSERT_EQUAL(tryon(p, g, "tops", NULL, &url, &e), -1);
	CU_ASSERT_PTR_NULL(url);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), code);
	CU_ASSERT_EQUAL(e.retryable, retryable);
	assert_clean(&e);
}

static void
test_bad_answers(void)
{
	struct provider_http_config cfg;
	struct provider		*p;
	char			 k[64];

	test_config(&cfg);
	p = new_prov(&cfg);
	CU_ASSERT_FATAL(p != NULL);
	check_bad(p, "g-bj1.png", "submit_answer", "badjson",
	    "provider_error", 1);
	check_bad(p, "g-bj2.png", "poll_answer", "badjson",
	    "provider_error", 1);
	check_bad(p, "g-bj3.png", "submit_answer", "huge",
	    "provider_error", 1);
	check_bad(p, "g-bj4.png", "poll_answer", "huge",
	    "provider_error", 1);
	check_bad(p, "g-bj5.png", "poll_answer", "bad_output",
	    "provider_error", 1);
	check_bad(p, "g-bj6.png", "poll_answer", "unknown_status",
	    "provider_error", 1);
	check_bad(p, "g-bj7.png", "submit_answer", "noid",
	    "photo_nsfw", 0);
	/* Malformed answers are not retried as transport errors. */
	CU_ASSERT_EQUAL(stat_n("submits", path_key("g-bj1.png", k,
	    sizeof(k))), 1);
	provider_free(p);
}

static void
test_wrong_key(void)
{
	struct provider_http_config cfg;
	struct provider		*p;
	struct job_error	 e;
	char			*url = NULL, k[64];

	test_config(&cfg);
	cfg.api_key = "not-the-key";
	p = new_prov(&cfg);
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_EQUAL(tryon(p, "g-key.png", "tops", NULL, &url, &e), -1);
	CU_ASSERT_PTR_NULL(url);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "provider_error");
	CU_ASSERT_EQUAL(e.retryable, 0);
	CU_ASSERT(strstr(e.detail, "401") != NULL);
	CU_ASSERT_PTR_NULL(strstr(e.detail, "not-the-key"));
	assert_clean(&e);
	CU_ASSERT_EQUAL(stat_n("submits", path_key("g-key.png", k,
	    sizeof(k))), 1);
	CU_ASSERT_EQUAL(stat_n("created", k), 0);
	provider_free(p);
}

static void
test_network_error(void)
{
	struct provider_http_config cfg;
	struct provider		*p;
	struct job_error	 e;
	struct sockaddr_in	 sa;
	socklen_t		 sl = sizeof(sa);
	char			 base[64], *url = NULL;
	int			 s;
	int64_t			 t0;

	/* A loopback port nobody listens on. */
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

	test_config(&cfg);
	cfg.base_url = base;
	cfg.max_retries = 2;
	p = new_prov(&cfg);
	CU_ASSERT_FATAL(p != NULL);
	t0 = tu_mono_ms();
	CU_ASSERT_EQUAL(tryon(p, "g-net.png", "tops", NULL, &url, &e), -1);
	CU_ASSERT(tu_mono_ms() - t0 >= 20);	/* it did back off */
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "provider_error");
	CU_ASSERT_EQUAL(e.retryable, 1);
	CU_ASSERT(strstr(e.detail, "2 retries") != NULL);
	assert_clean(&e);
	provider_free(p);
}

static void
test_animate(void)
{
	struct provider_http_config cfg;
	struct provider		*p;
	struct provider_hooks	 h;
	struct job_error	 e;
	struct provider_animate_req rq;
	struct rec		 r = { 0 };
	struct tu_body		 got;
	char			 vbase[96], img[256], *url = NULL, *body;

	test_config(&cfg);
	snprintf(vbase, sizeof(vbase), "%s/video/", emu_base);
	cfg.video_base_url = vbase;
	p = new_prov(&cfg);
	CU_ASSERT_FATAL(p != NULL);
	snprintf(img, sizeof(img), "%s/inputs/anim.png?%s", emu_base, SIG);
	memset(&rq, 0, sizeof(rq));
	rq.job_id = 7;
	rq.image_url = img;
	rq.prompt = "a slow turn";
	hooks_init(&h, &r, "");
	CU_ASSERT_EQUAL(p->animate(p, &rq, &h, &url, &e), 0);
	CU_ASSERT_FATAL(url != NULL);
	CU_ASSERT_EQUAL(r.saves, 1);
	CU_ASSERT_EQUAL(stat_n("paths", "POST /video/v1/animate"), 1);
	CU_ASSERT(stat_n("paths", "GET /video/v1/status/ID") >= 1);
	CU_ASSERT_EQUAL(stat_n("submits", "/inputs/anim.png"), 1);
	body = stat_body("/inputs/anim.png");
	CU_ASSERT(body != NULL && strstr(body, "\"prompt\":\"a slow turn\"")
	    != NULL);
	free(body);
	CU_ASSERT_EQUAL(tu_http(url, NULL, &got), 200);
	CU_ASSERT(got.len > 1000 && memcmp(got.p + 4, "ftyp", 4) == 0);
	free(got.p);
	free(url);
	url = NULL;

	/* Animation failures map like try-on failures. */
	CU_ASSERT_FATAL(script("{\"key\":\"/inputs/anim-nsfw.png\","
	    "\"outcome\":\"fail\",\"error_name\":\"NSFWError\"}") == 0);
	snprintf(img, sizeof(img), "%s/inputs/anim-nsfw.png?%s", emu_base,
	    SIG);
	CU_ASSERT_EQUAL(p->animate(p, &rq, NULL, &url, &e), -1);
	CU_ASSERT_STRING_EQUAL(job_error_name(e.code), "photo_nsfw");
	assert_clean(&e);
	provider_free(p);
}

static void
test_bad_config(void)
{
	struct provider_http_config cfg;
	char			 err[256];

	test_config(&cfg);
	cfg.base_url = "ftp://example.com";
	CU_ASSERT_PTR_NULL(provider_http_new(&cfg, err, sizeof(err)));
	CU_ASSERT(strstr(err, "base_url") != NULL);
	test_config(&cfg);
	cfg.base_url = NULL;
	CU_ASSERT_PTR_NULL(provider_http_new(&cfg, err, sizeof(err)));
	test_config(&cfg);
	cfg.api_key = "";
	CU_ASSERT_PTR_NULL(provider_http_new(&cfg, err, sizeof(err)));
	test_config(&cfg);
	cfg.api_key = "secret\r\nX-Evil: 1";
	CU_ASSERT_PTR_NULL(provider_http_new(&cfg, err, sizeof(err)));
	CU_ASSERT_PTR_NULL(strstr(err, "secret"));
	test_config(&cfg);
	cfg.poll_max_ms = 1;
	CU_ASSERT_PTR_NULL(provider_http_new(&cfg, err, sizeof(err)));
	test_config(&cfg);
	cfg.max_retries = 99;
	CU_ASSERT_PTR_NULL(provider_http_new(&cfg, err, sizeof(err)));
	test_config(&cfg);
	cfg.model_name = "tryon v1.6\"";
	CU_ASSERT_PTR_NULL(provider_http_new(&cfg, err, sizeof(err)));
}

int
main(void)
{
	CU_pSuite	 s;
	unsigned int	 fails;

	signal(SIGPIPE, SIG_IGN);
	tu_node_watchdog(&emu_pid, 120);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (emu_start() == -1) {
		emu_stop();
		return 1;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("provider_http", NULL, NULL);
	if (s == NULL ||
	    CU_add_test(s, "success", test_success) == NULL ||
	    CU_add_test(s, "flat form", test_flat_form) == NULL ||
	    CU_add_test(s, "429 then success", test_429_then_success) ==
	    NULL ||
	    CU_add_test(s, "5xx then success", test_500s_then_success) ==
	    NULL ||
	    CU_add_test(s, "5xx exhausted", test_500s_exhausted) == NULL ||
	    CU_add_test(s, "4xx not retried", test_4xx_not_retried) ==
	    NULL ||
	    CU_add_test(s, "remote failures", test_remote_failures) ==
	    NULL ||
	    CU_add_test(s, "job timeout", test_job_timeout) == NULL ||
	    CU_add_test(s, "resume", test_resume) == NULL ||
	    CU_add_test(s, "resume after failure",
	    test_resume_after_failure) == NULL ||
	    CU_add_test(s, "heartbeat abort", test_heartbeat_abort) ==
	    NULL ||
	    CU_add_test(s, "bad answers", test_bad_answers) == NULL ||
	    CU_add_test(s, "wrong key", test_wrong_key) == NULL ||
	    CU_add_test(s, "network error", test_network_error) == NULL ||
	    CU_add_test(s, "animate", test_animate) == NULL ||
	    CU_add_test(s, "bad config", test_bad_config) == NULL) {
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
