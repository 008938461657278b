/*
 * The `fashn` provider (alias `http`): FASHN's API exactly as its
 * documentation and official SDK publish it (t/emulators/fashn/ holds
 * the examples and their addresses).
 *
 *   POST {base}/v1/run
 *	Authorization: Bearer {api_key}
 *	{"model_name": "tryon-v1.6", "inputs": {"model_image": PHOTO,
 *	    "garment_image": OUTFIT, "category"?, "mode"?,
 *	    "garment_photo_type"?, "moderation_level"?, "seed"?,
 *	    "output_format"?}}
 *	{"model_name": "tryon-max", "inputs": {"model_image": PHOTO,
 *	    "product_image": OUTFIT, "seed"?, "output_format"?}}
 *	{"model_name": "image-to-video", "inputs": {"image": IMAGE,
 *	    "duration"?, "resolution"?}}
 *   -> 200 {"id": ID, "error": null}
 *   GET {base}/v1/status/{ID}
 *   -> 200 {"id", "status", "output": [URL], "error": {"name",
 *	"message"}} with x-fashn-credits-used once completed
 *
 * base is the [fashn] base_url with or without its trailing /v1 (the
 * docs write https://api.fashn.ai/v1, the SDK the host alone).  Only
 * the inputs a model documents are sent; "category" only when the
 * outfit's is one of tops, bottoms, one-pieces (auto is the default).
 * FASHN has no input for a location or a scene image: the try-on comes
 * back on the photo's own background and the worker places the person
 * in the location afterwards (places_location = 0).
 *
 * Statuses: starting, in_queue, processing (keep polling); completed;
 * failed (mapped below); canceled (provider_error, retryable) and
 * time_out (provider_timeout, unavailable) — both leave the next
 * attempt free to submit again.
 *
 * Errors (lib/jobs.c codes):
 *   API-level, by HTTP status and the "error" name:
 *     429 RateLimitExceeded        backoff and retry (remote.c)
 *     429 ConcurrencyLimitExceeded wait for a slot until the deadline
 *     429 OutOfCredits             provider_unavailable at once, not
 *				    retried; an out_of_credits alert
 *     401, 403                     provider_unavailable, not retried;
 *				    a key_refused alert
 *     404 on submit                provider_unavailable (base_url wrong)
 *     other 4xx                    provider_rejected
 *     5xx                          retried, then provider_unavailable
 *   Runtime (status failed, error.name):
 *     PoseError                    photo_pose
 *     ContentModerationError       photo_nsfw
 *     ImageLoadError               provider_rejected, retryable once:
 *				    the job's next attempt presigns fresh
 *				    input URLs and submits again; a second
 *				    ImageLoadError is final
 *     InputValidationError,
 *     ThirdPartyError              provider_rejected
 *     anything else                provider_error, retryable
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "app.h"
#include "conftab.h"
#include "jsonv.h"
#include "provider.h"
#include "remote.h"
#include "vendors.h"
#include "util.h"

#define FASHN_SECTION	"fashn"
#define FASHN_LEGACY	"provider_http"	/* the section before 2.0 */

struct fashn {
	struct remote	*r;
	char		*auth;
	char		*run_url;	/* {base}/v1/run */
	char		*status_url;	/* {base}/v1/status/ */
	char		 tryon_model[16];
	char		 mode[16];
	char		 photo_type[16];
	char		 moderation[16];
	char		 format[8];
	int64_t		 seed;		/* -1: not sent */
	char		 video_model[24];
	int		 video_duration; /* 0: not sent */
	char		 video_resolution[8];
};

/* One submission's body, for fashn_submit(). */
struct fashn_job {
	struct fashn	*f;
	const char	*body;
	const char	*hook;		/* webhook_url, or NULL */
};

/* Runtime failures that are a verdict on the inputs. */
static const struct {
	const char	*name;
	enum job_err	 code;
} verdicts[] = {
	{ "PoseError", JOB_ERR_PHOTO_POSE },
	{ "ContentModerationError", JOB_ERR_PHOTO_NSFW },
	{ "InputValidationError", JOB_ERR_PROVIDER_REJECTED },
	{ "ThirdPartyError", JOB_ERR_PROVIDER_REJECTED },
};

/*
 * The error name of an answer: "error" as a string, or its "name" (an
 * API-level error's "error" is the name itself).  "" when absent,
 * "(unnamed)" when it is not a plain token (never copied: it might
 * hold a URL).
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
	else if (json_object_is_type(e, json_type_object))
		s = remote_str(e, "name");
	if (s != NULL && remote_is_token(s, REMOTE_MAX_NAME))
		util_strlcpy(buf, s, len);
	else
		util_strlcpy(buf, "(unnamed)", len);
}

static void
resp_error_name(const struct remote_resp *resp, char *buf, size_t len)
{
	struct json_object	*o;

	o = remote_json(resp);
	error_name(o, buf, len);
	json_object_put(o);
}

/* A 429's meaning, by its error name. */
static enum remote_verdict
fashn_classify(const struct remote_resp *resp)
{
	char	 name[REMOTE_MAX_NAME + 1];

	resp_error_name(resp, name, sizeof(name));
	if (strcmp(name, "OutOfCredits") == 0)
		return REMOTE_FINAL;
	if (strcmp(name, "ConcurrencyLimitExceeded") == 0)
		return REMOTE_SLOT;
	return REMOTE_BACKOFF;
}

/* A failed prediction's error name to c->err (and c->resubmit). */
static void
map_failure(struct remote_call *c, const char *name)
{
	const struct provider_hooks	*h = c->hooks;
	size_t				 i;

	c->resubmit = 0;
	for (i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++)
		if (strcmp(name, verdicts[i].name) == 0) {
			job_error_set_final(c->err, verdicts[i].code,
			    "fashn: %s failed: %s", c->what, name);
			return;
		}
	if (strcmp(name, "ImageLoadError") == 0) {
		/* The inputs' presigned URLs may have expired: once. */
		int again = !c->resumed && h != NULL &&
		    h->last_error != NULL &&
		    strcmp(h->last_error, "provider_rejected") == 0;
		job_error_set(c->err, JOB_ERR_PROVIDER_REJECTED,
		    "fashn: %s failed: ImageLoadError%s", c->what, again ?
		    " again with fresh URLs" : "; retrying with fresh URLs");
		c->err->retryable = !again;	/* once, then final */
		c->resubmit = 1;
		return;
	}
	job_error_set(c->err, JOB_ERR_PROVIDER_ERROR,
	    "fashn: %s failed: %s", c->what, name[0] ? name : "(no error)");
	c->resubmit = 1;
}

/* A final non-2xx answer (not a 404 while polling) to c->err. */
static void
map_status(struct remote_call *c, const char *stage,
    const struct remote_resp *resp)
{
	char	 name[REMOTE_MAX_NAME + 1];

	resp_error_name(resp, name, sizeof(name));
	if (resp->status == 429) {
		job_error_set_final(c->err, JOB_ERR_PROVIDER_UNAVAILABLE,
		    "fashn: %s %s: HTTP 429 %s (add credits to the FASHN "
		    "account)", c->what, stage, name);
		remote_unavailable(c->err);
		remote_alert(c, "out_of_credits");
	} else if (resp->status == 401 || resp->status == 403) {
		job_error_set_final(c->err, JOB_ERR_PROVIDER_UNAVAILABLE,
		    "fashn: %s %s: HTTP %ld %s (the API key was refused: "
		    "check [fashn] api_key)", c->what, stage, resp->status,
		    name);
		remote_unavailable(c->err);
		remote_alert(c, "key_refused");
	} else if (resp->status == 404) {
		job_error_set_final(c->err, JOB_ERR_PROVIDER_UNAVAILABLE,
		    "fashn: %s %s: HTTP 404 %s (no such endpoint: check "
		    "[fashn] base_url)", c->what, stage, name);
		remote_unavailable(c->err);
	} else if (resp->status >= 400 && resp->status < 500)
		job_error_set(c->err, JOB_ERR_PROVIDER_REJECTED,
		    "fashn: %s %s: HTTP %ld %s", c->what, stage, resp->status,
		    name);
	else
		job_error_set(c->err, JOB_ERR_PROVIDER_ERROR,
		    "fashn: %s %s: unexpected HTTP %ld", c->what, stage,
		    resp->status);
}

int
fashn_read_submit(struct remote_call *c, const struct remote_resp *resp,
    char *id, size_t idlen)
{
	struct json_object	*o = NULL;
	const char		*s;
	char			 name[REMOTE_MAX_NAME + 1];
	int			 rc = -1;

	if (resp->status < 200 || resp->status > 299) {
		map_status(c, "submit", resp);
		return -1;
	}
	o = remote_json(resp);
	if (o == NULL) {
		job_error_set(c->err, JOB_ERR_PROVIDER_ERROR,
		    "fashn: %s submit: malformed answer", c->what);
		goto done;
	}
	s = remote_str(o, "id");
	if (s == NULL || !remote_is_token(s, REMOTE_MAX_ID) ||
	    strlen(s) >= idlen) {
		error_name(o, name, sizeof(name));
		job_error_set(c->err, JOB_ERR_PROVIDER_ERROR,
		    "fashn: %s submit: no valid id in the answer (%s)",
		    c->what, name[0] ? name : "no error");
		goto done;
	}
	util_strlcpy(id, s, idlen);
	rc = 0;
done:
	json_object_put(o);
	return rc;
}

static int
fashn_submit(struct remote_call *c, void *arg, char *id, size_t idlen)
{
	struct fashn_job	*j = arg;
	char			*url = NULL, *q = NULL;
	int			 rc;

	/* FASHN's webhook: ?webhook_url= on the run request. */
	if (j->hook != NULL) {
		q = remote_escape(j->hook);
		if (q != NULL)
			url = remote_cat(j->f->run_url, "?webhook_url=", q,
			    (char *)NULL);
		if (url == NULL) {
			free(q);
			job_error_set(c->err, JOB_ERR_INTERNAL, "fashn: out "
			    "of memory");
			return -1;
		}
	}
	rc = remote_submit(c, url != NULL ? url : j->f->run_url, j->body,
	    fashn_read_submit, id, idlen);
	free(url);
	free(q);
	return rc;
}

enum remote_state
fashn_read_status(struct remote_call *c, const struct remote_resp *resp,
    const char *id, char **url)
{
	struct json_object	*o = NULL, *out, *u;
	const char		*s;
	char			 name[REMOTE_MAX_NAME + 1];
	enum remote_state	 st = REMOTE_ERROR;

	if (resp->status == 404)
		return REMOTE_NOTFOUND;
	if (resp->status < 200 || resp->status > 299) {
		map_status(c, "poll", resp);
		return REMOTE_ERROR;
	}
	o = remote_json(resp);
	s = remote_str(o, "status");
	if (s == NULL) {
		job_error_set(c->err, JOB_ERR_PROVIDER_ERROR,
		    "fashn: %s poll: malformed answer", c->what);
		goto done;
	}
	if (strcmp(s, "starting") == 0 || strcmp(s, "in_queue") == 0 ||
	    strcmp(s, "processing") == 0)
		st = REMOTE_PENDING;
	else if (strcmp(s, "completed") == 0) {
		u = NULL;
		if (json_object_object_get_ex(o, "output", &out) &&
		    json_object_is_type(out, json_type_array) &&
		    json_object_array_length(out) >= 1)
			u = json_object_array_get_idx(out, 0);
		if (u == NULL || !json_object_is_type(u, json_type_string) ||
		    !remote_is_http_url(json_object_get_string(u))) {
			job_error_set(c->err, JOB_ERR_PROVIDER_ERROR,
			    "fashn: %s: completed without an http(s) output "
			    "URL", c->what);
			goto done;
		}
		*url = strdup(json_object_get_string(u));
		if (*url == NULL) {
			job_error_set(c->err, JOB_ERR_INTERNAL,
			    "fashn: out of memory");
			goto done;
		}
		if (resp->credits[0] != '\0')
			remote_credits(c, id, strtod(resp->credits, NULL));
		st = REMOTE_DONE;
	} else if (strcmp(s, "failed") == 0) {
		error_name(o, name, sizeof(name));
		map_failure(c, name);
		st = REMOTE_FAILED;
	} else if (strcmp(s, "canceled") == 0) {
		job_error_set(c->err, JOB_ERR_PROVIDER_ERROR,
		    "fashn: %s: canceled at FASHN", c->what);
		c->resubmit = 1;
		st = REMOTE_FAILED;
	} else if (strcmp(s, "time_out") == 0) {
		job_error_set(c->err, JOB_ERR_PROVIDER_TIMEOUT,
		    "fashn: %s: timed out at FASHN", c->what);
		remote_unavailable(c->err);
		c->resubmit = 1;
		st = REMOTE_FAILED;
	} else
		job_error_set(c->err, JOB_ERR_PROVIDER_ERROR,
		    "fashn: %s poll: unknown status", c->what);
done:
	json_object_put(o);
	return st;
}

static enum remote_state
fashn_check(struct remote_call *c, void *arg, const char *id, char **url)
{
	struct fashn_job	*j = arg;
	struct remote_resp	 resp = { 0 };
	char			*surl;
	enum remote_state	 st = REMOTE_ERROR;

	surl = remote_cat(j->f->status_url, id, (char *)NULL);
	if (surl == NULL) {
		job_error_set(c->err, JOB_ERR_INTERNAL, "fashn: out of "
		    "memory");
		return REMOTE_ERROR;
	}
	if (remote_request(c, "poll", "GET", surl, NULL, &resp) == 0)
		st = fashn_read_status(c, &resp, id, url);
	free(resp.body);
	free(surl);
	return st;
}

static const struct remote_ops fashn_ops = { fashn_submit, fashn_check };

/* Run body as this call's job; 0 and *url, or -1 and err. */
static int
fashn_run(struct provider *p, const char *what, struct json_object *top,
    const struct provider_hooks *hooks, char **url,
    struct job_error *err)
{
	struct fashn		*f = p->ctx;
	struct remote_call	 c;
	struct fashn_job	 j;
	char			*body, *hook;
	int			 rc;

	remote_call_init(&c, f->r, "fashn", what, hooks, err);
	c.auth = f->auth;
	c.classify = fashn_classify;
	body = top == NULL ? NULL : remote_json_text(top);
	json_object_put(top);
	if (body == NULL) {
		job_error_set(err, JOB_ERR_INTERNAL, "fashn: out of memory");
		return -1;
	}
	j.f = f;
	j.body = body;
	j.hook = hook = remote_hook_url(&c);
	rc = remote_run(&c, &fashn_ops, &j, url);
	free(body);
	free(hook);
	return rc;
}

/* One status call on a parked job (see provider.h). */
static int
fashn_check_job(struct provider *p, enum job_kind kind,
    const struct provider_hooks *hooks, char **url, struct job_error *err)
{
	struct fashn		*f = p->ctx;
	struct remote_call	 c;
	struct fashn_job	 j = { f, NULL, NULL };

	remote_call_init(&c, f->r, "fashn", kind == JOB_KIND_TRYON ?
	    "tryon" : "animate", hooks, err);
	c.auth = f->auth;
	c.classify = fashn_classify;
	return remote_check(&c, &fashn_ops, &j, url);
}

/* {"model_name": model, "inputs": {}}: top and *in, or NULL (ENOMEM). */
static struct json_object *
new_body(const char *model, struct json_object **in)
{
	struct json_object	*top;

	top = json_object_new_object();
	*in = json_object_new_object();
	if (top == NULL || *in == NULL ||
	    remote_add_str(top, "model_name", model) == -1 ||
	    json_object_object_add(top, "inputs", *in) != 0) {
		json_object_put(top);
		json_object_put(*in);
		return NULL;
	}
	return top;
}

/* Add key = val to o when val is not empty; 0 or -1 (ENOMEM). */
static int
add_opt(struct json_object *o, const char *key, const char *val)
{
	return val[0] == '\0' ? 0 : remote_add_str(o, key, val);
}

static int
is_category(const char *s)
{
	return s != NULL && (strcmp(s, "tops") == 0 ||
	    strcmp(s, "bottoms") == 0 || strcmp(s, "one-pieces") == 0);
}

static int
fashn_tryon(struct provider *p, const struct provider_tryon_req *rq,
    const struct provider_hooks *hooks, char **url,
    struct job_error *err)
{
	struct fashn		*f = p->ctx;
	struct json_object	*top, *in;
	int			 max;

	*url = NULL;
	if (!remote_is_http_url(rq->user_photo_url) ||
	    !remote_is_http_url(rq->outfit_url)) {
		job_error_set_final(err, JOB_ERR_INTERNAL,
		    "fashn: tryon: input URLs must be http(s)");
		return -1;
	}
	max = strcmp(f->tryon_model, "tryon-max") == 0;
	top = new_body(f->tryon_model, &in);
	if (top != NULL && (remote_add_str(in, "model_image",
	    rq->user_photo_url) == -1 ||
	    remote_add_str(in, max ? "product_image" : "garment_image",
	    rq->outfit_url) == -1 ||
	    (!max && is_category(rq->category) &&
	    remote_add_str(in, "category", rq->category) == -1) ||
	    (!max && (add_opt(in, "mode", f->mode) == -1 ||
	    add_opt(in, "garment_photo_type", f->photo_type) == -1 ||
	    add_opt(in, "moderation_level", f->moderation) == -1)) ||
	    add_opt(in, "output_format", f->format) == -1 ||
	    ((rq->seed > 0 || f->seed >= 0) && jsonv_add(in, "seed",
	    json_object_new_int64(rq->seed > 0 ? rq->seed % 4294967296LL :
	    f->seed)) == -1))) {
		json_object_put(top);
		top = NULL;
	}
	return fashn_run(p, "tryon", top, hooks, url, err);
}

static int
fashn_animate(struct provider *p, const struct provider_animate_req *rq,
    const struct provider_hooks *hooks, char **url,
    struct job_error *err)
{
	struct fashn		*f = p->ctx;
	struct json_object	*top, *in;

	*url = NULL;
	if (!remote_is_http_url(rq->image_url)) {
		job_error_set_final(err, JOB_ERR_INTERNAL,
		    "fashn: animate: the image URL must be http(s)");
		return -1;
	}
	top = new_body(f->video_model, &in);
	if (top != NULL && (remote_add_str(in, "image", rq->image_url) == -1 ||
	    (f->video_duration > 0 && jsonv_add(in, "duration",
	    json_object_new_int(f->video_duration)) == -1) ||
	    add_opt(in, "resolution", f->video_resolution) == -1)) {
		json_object_put(top);
		top = NULL;
	}
	return fashn_run(p, "animate", top, hooks, url, err);
}

static void
fashn_free(struct provider *p)
{
	struct fashn	*f;

	if (p == NULL)
		return;
	f = p->ctx;
	if (f != NULL) {
		remote_free(f->r);
		util_free_secret(f->auth);
		free(f->run_url);
		free(f->status_url);
		free(f);
	}
	free(p);
}

/*
 * [fashn] key k, else legacy (its [provider_http] name, CONF__MAX for
 * none), else k's default.
 */
static const char *
get(struct app *a, enum conf_key k, enum conf_key legacy)
{
	const char	*v;

	v = conf_get_set(a->cfg, k);
	if (v == NULL && legacy != CONF__MAX)
		v = conf_get_set(a->cfg, legacy);
	return v == NULL ? confdefs[k].def : v;
}

/*
 * [fashn] key k into buf when it is one of its choices (the table's; ""
 * allowed when that is its default, meaning "not sent"); 0, or -1 with
 * a message in err.
 */
static int
choice(struct app *a, enum conf_key k, enum conf_key legacy, char *buf,
    size_t len, char *err, size_t errlen)
{
	const char	*v = get(a, k, legacy);
	char		 msg[128];

	if (conf_check(k, v, msg, sizeof(msg)) == -1 || strlen(v) >= len) {
		snprintf(err, errlen, "[fashn] %s: one of %s%s",
		    confdefs[k].key, confdefs[k].choices,
		    confdefs[k].def[0] == '\0' ? " (or empty: not sent)" : "");
		return -1;
	}
	util_strlcpy(buf, v, len);
	return 0;
}

struct provider *
provider_fashn_new(struct app *a, char *err, size_t errlen)
{
	struct provider		*p;
	struct fashn		*f;
	/* [provider_http], which [fashn] replaced, is still read. */
	static const char *const sections[] = { FASHN_LEGACY, FASHN_SECTION,
	    NULL };
	char			*base = NULL;
	int64_t			 v;

	p = calloc(1, sizeof(*p));
	f = calloc(1, sizeof(*f));
	if (p == NULL || f == NULL) {
		free(p);
		free(f);
		snprintf(err, errlen, "[fashn]: out of memory");
		return NULL;
	}
	p->ctx = f;
	p->name = "fashn";
	p->tryon = fashn_tryon;
	p->animate = fashn_animate;
	p->check = fashn_check_job;
	p->free = fashn_free;
	p->places_location = 0;

	f->r = remote_open(a, p, sections, "fashn", err, errlen);
	if (f->r == NULL)
		goto fail;
	base = remote_base(get(a, CONF_FASHN_BASE_URL,
	    CONF_PROVIDER_HTTP_BASE_URL), "/v1", "[fashn] base_url", err,
	    errlen);
	if (base == NULL)
		goto fail;
	f->run_url = remote_cat(base, "/v1/run", (char *)NULL);
	f->status_url = remote_cat(base, "/v1/status/", (char *)NULL);
	f->auth = remote_auth("Bearer", get(a, CONF_FASHN_API_KEY,
	    CONF_PROVIDER_HTTP_API_KEY),
	    "[fashn] api_key", err, errlen);
	if (f->auth == NULL)
		goto fail;
	if (f->run_url == NULL || f->status_url == NULL) {
		snprintf(err, errlen, "[fashn]: out of memory");
		goto fail;
	}
	if (choice(a, CONF_FASHN_TRYON_MODEL, CONF_PROVIDER_HTTP_MODEL_NAME,
	    f->tryon_model, sizeof(f->tryon_model), err, errlen) == -1 ||
	    choice(a, CONF_FASHN_MODE, CONF_PROVIDER_HTTP_MODE, f->mode,
	    sizeof(f->mode), err, errlen) == -1 ||
	    choice(a, CONF_FASHN_GARMENT_PHOTO_TYPE, CONF__MAX,
	    f->photo_type, sizeof(f->photo_type), err, errlen) == -1 ||
	    choice(a, CONF_FASHN_MODERATION_LEVEL, CONF__MAX, f->moderation,
	    sizeof(f->moderation), err, errlen) == -1 ||
	    choice(a, CONF_FASHN_OUTPUT_FORMAT, CONF__MAX, f->format,
	    sizeof(f->format), err, errlen) == -1 ||
	    choice(a, CONF_FASHN_VIDEO_MODEL, CONF__MAX, f->video_model,
	    sizeof(f->video_model), err, errlen) == -1 ||
	    choice(a, CONF_FASHN_VIDEO_RESOLUTION, CONF__MAX,
	    f->video_resolution, sizeof(f->video_resolution), err,
	    errlen) == -1)
		goto fail;
	if (conf_get_int(a->cfg, CONF_FASHN_SEED, &v) == -1) {
		snprintf(err, errlen, "[fashn] seed: 0..4294967295, or -1 "
		    "for a random one");
		goto fail;
	}
	f->seed = v;
	if (conf_get_int(a->cfg, CONF_FASHN_VIDEO_DURATION, &v) == -1 ||
	    (v != 5 && v != 10)) {
		snprintf(err, errlen, "[fashn] video_duration: 5 or 10");
		goto fail;
	}
	f->video_duration = (int)v;
	free(base);
	return p;
fail:
	free(base);
	fashn_free(p);
	return NULL;
}
