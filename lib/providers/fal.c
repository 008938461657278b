/*
 * The `fal` provider: fal.ai's queue API as its documentation publishes
 * it (t/emulators/fal/ holds the examples and their addresses).
 *
 *   POST {base}/{model}			the model's input (JSON)
 *	Authorization: Key {api_key}
 *   -> 200 {"request_id", "status_url", "response_url", "cancel_url",
 *	"queue_position"}
 *   GET {base}/{owner}/{app}/requests/{id}/status
 *   -> {"status": IN_QUEUE (queue_position) | IN_PROGRESS | COMPLETED}
 *   GET {base}/{owner}/{app}/requests/{id}	the output, or the error
 *
 * {owner}/{app} is the model id without its subpath (fal-ai/fashn for
 * fal-ai/fashn/tryon/v1.6), as fal's queue expects.  The URLs are built
 * here from base and the request id, never taken from an answer, so the
 * key only ever goes to base_url.
 *
 * Try-on models take {"model_image", "garment_image", "category"?} (the
 * FASHN models on fal, e.g. fal-ai/fashn/tryon/v1.6) and answer
 * {"images": [{"url"}]}; video models take {"image_url", "prompt",
 * "duration"?} and answer {"video": {"url"}}.  No location input: the
 * worker places the person afterwards.
 *
 * Errors: 401 key_refused and 403 (an exhausted balance: out_of_credits,
 * else key_refused) -> provider_unavailable, alerted, not retried; 404
 * on submit (no such model) -> provider_unavailable; 422 on submit ->
 * provider_rejected; 429 and 5xx retried (remote.c).  A request that
 * failed reports COMPLETED and its result answers the model's error:
 * 422 content_policy_violation -> photo_nsfw, image_load_error or
 * file_download_error -> provider_rejected retried once with fresh URLs
 * (as FASHN's ImageLoadError), other 422 types -> provider_rejected, 5xx
 * request errors -> provider_unavailable (retryable).  Credits: fal bills
 * in money, not credits; each completed request is recorded as 1.
 */
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

#define FAL_SECTION	"fal"

struct fal {
	struct remote	*r;
	char		*auth;
	char		*base;
	char		*tryon_model;
	char		*video_model;
	char		 video_duration[4];
};

/* One call: its model and body. */
struct fal_job {
	struct fal	*f;
	const char	*model;
	const char	*body;
	int		 video;
	char		*hook;		/* fal_webhook, or NULL */
};

/* "{base}/{owner}/{app}/requests/{id}{tail}", malloc'd, or NULL. */
static char *
request_url(struct fal_job *j, const char *id, const char *tail)
{
	const char	*m = j->model, *slash;
	char		*app, *u;
	size_t		 n;

	slash = strchr(m, '/');
	n = slash == NULL ? strlen(m) : (size_t)(slash - m) + 1 +
	    strcspn(slash + 1, "/");
	app = strndup(m, n);
	if (app == NULL)
		return NULL;
	u = remote_cat(j->f->base, "/", app, "/requests/", id, tail,
	    (char *)NULL);
	free(app);
	return u;
}

/* The first error's type of a 422 {"detail": [{"type"}]}, or "". */
static void
detail_type(const struct remote_resp *resp, char *buf, size_t len)
{
	struct json_object	*o, *d, *e;
	const char		*s = NULL;

	buf[0] = '\0';
	o = remote_json(resp);
	if (o != NULL && json_object_object_get_ex(o, "detail", &d) &&
	    json_object_is_type(d, json_type_array) &&
	    json_object_array_length(d) > 0) {
		e = json_object_array_get_idx(d, 0);
		s = remote_str(e, "type");
	} else if (o != NULL)
		s = remote_str(o, "error_type");
	if (s != NULL && remote_is_token(s, REMOTE_MAX_NAME))
		util_strlcpy(buf, s, len);
	json_object_put(o);
}

/* A final non-2xx answer to submit or status to c->err. */
static void
map_status(struct remote_call *c, const char *stage,
    const struct remote_resp *resp)
{
	const char	*b = resp->body == NULL ? "" : resp->body;

	if (resp->status == 403 && strstr(b, "balance") != NULL) {
		job_error_set_final(c->err, JOB_ERR_PROVIDER_UNAVAILABLE,
		    "fal: %s %s: HTTP 403, the balance is exhausted (top up "
		    "the fal account)", c->what, stage);
		remote_unavailable(c->err);
		remote_alert(c, "out_of_credits");
	} else if (resp->status == 401 || resp->status == 403) {
		job_error_set_final(c->err, JOB_ERR_PROVIDER_UNAVAILABLE,
		    "fal: %s %s: HTTP %ld (the key was refused: check [fal] "
		    "api_key)", c->what, stage, resp->status);
		remote_unavailable(c->err);
		remote_alert(c, "key_refused");
	} else if (resp->status == 404) {
		job_error_set_final(c->err, JOB_ERR_PROVIDER_UNAVAILABLE,
		    "fal: %s %s: HTTP 404 (no such model or request: check "
		    "[fal] base_url and the model)", c->what, stage);
		remote_unavailable(c->err);
	} else if (resp->status >= 400 && resp->status < 500)
		job_error_set(c->err, JOB_ERR_PROVIDER_REJECTED,
		    "fal: %s %s: HTTP %ld", c->what, stage, resp->status);
	else
		job_error_set(c->err, JOB_ERR_PROVIDER_ERROR,
		    "fal: %s %s: unexpected HTTP %ld", c->what, stage,
		    resp->status);
}

/* A failed request's result answer to c->err (and c->resubmit). */
static void
map_result_error(struct remote_call *c, const struct remote_resp *resp)
{
	const struct provider_hooks	*h = c->hooks;
	char				 type[REMOTE_MAX_NAME + 1];

	detail_type(resp, type, sizeof(type));
	c->resubmit = 0;
	if (resp->status == 422 &&
	    strcmp(type, "content_policy_violation") == 0)
		job_error_set(c->err, JOB_ERR_PHOTO_NSFW,
		    "fal: %s failed: %s", c->what, type);
	else if (resp->status == 422 &&
	    (strcmp(type, "image_load_error") == 0 ||
	    strcmp(type, "file_download_error") == 0)) {
		int again = !c->resumed && h != NULL &&
		    h->last_error != NULL &&
		    strcmp(h->last_error, "provider_rejected") == 0;
		job_error_set(c->err, JOB_ERR_PROVIDER_REJECTED,
		    "fal: %s failed: %s%s", c->what, type, again ?
		    " again with fresh URLs" : "; retrying with fresh URLs");
		c->err->retryable = !again;	/* once, then final */
		c->resubmit = 1;
	} else if (resp->status >= 400 && resp->status < 500 &&
	    resp->status != 499)
		job_error_set(c->err, JOB_ERR_PROVIDER_REJECTED,
		    "fal: %s failed: HTTP %ld %s", c->what, resp->status,
		    type[0] ? type : "(no type)");
	else {
		job_error_set(c->err, JOB_ERR_PROVIDER_UNAVAILABLE,
		    "fal: %s failed: HTTP %ld %s", c->what, resp->status,
		    type[0] ? type : "(no type)");
		remote_unavailable(c->err);
		c->resubmit = 1;
	}
}

int
fal_read_submit(struct remote_call *c, const struct remote_resp *resp,
    char *id, size_t idlen)
{
	if (resp->status < 200 || resp->status > 299) {
		map_status(c, "submit", resp);
		return -1;
	}
	return remote_read_id(c, resp, "request_id", id, idlen);
}

static int
fal_submit(struct remote_call *c, void *arg, char *id, size_t idlen)
{
	struct fal_job		*j = arg;
	char			*url;
	int			 rc;

	/* fal's webhook: ?fal_webhook= on the queue submission. */
	if (j->hook != NULL) {
		char *q = remote_escape(j->hook);
		url = q == NULL ? NULL : remote_cat(j->f->base, "/", j->model,
		    "?fal_webhook=", q, (char *)NULL);
		free(q);
	} else
		url = remote_cat(j->f->base, "/", j->model, (char *)NULL);
	if (url == NULL) {
		job_error_set(c->err, JOB_ERR_INTERNAL, "fal: out of memory");
		return -1;
	}
	rc = remote_submit(c, url, j->body, fal_read_submit, id, idlen);
	free(url);
	return rc;
}

/* The output URL of a result: images[0].url or video.url; NULL if none. */
static const char *
output_url(struct json_object *o, int video)
{
	struct json_object	*v, *e;

	if (o == NULL)
		return NULL;
	if (video)
		return json_object_object_get_ex(o, "video", &v) ?
		    remote_str(v, "url") : NULL;
	if (!json_object_object_get_ex(o, "images", &v) ||
	    !json_object_is_type(v, json_type_array) ||
	    json_object_array_length(v) < 1)
		return NULL;
	e = json_object_array_get_idx(v, 0);
	return remote_str(e, "url");
}

enum remote_state
fal_read_result(struct remote_call *c, const struct remote_resp *resp,
    int video, const char *id, char **url)
{
	struct json_object	*o;
	const char		*s;
	enum remote_state	 st = REMOTE_ERROR;

	if (resp->status < 200 || resp->status > 299) {
		map_result_error(c, resp);
		return REMOTE_FAILED;
	}
	o = remote_json(resp);
	s = output_url(o, video);
	if (s == NULL || !remote_is_http_url(s))
		job_error_set(c->err, JOB_ERR_PROVIDER_ERROR,
		    "fal: %s: completed without an http(s) output URL",
		    c->what);
	else {
		*url = strdup(s);
		if (*url == NULL)
			job_error_set(c->err, JOB_ERR_INTERNAL,
			    "fal: out of memory");
		else {
			remote_credits(c, id, 1);
			st = REMOTE_DONE;
		}
	}
	json_object_put(o);
	return st;
}

/* Fetch the result of a COMPLETED request. */
static enum remote_state
fetch_result(struct remote_call *c, struct fal_job *j, const char *id,
    char **url)
{
	struct remote_resp	 resp = { 0 };
	char			*rurl;
	enum remote_state	 st = REMOTE_ERROR;

	rurl = request_url(j, id, "");
	if (rurl == NULL) {
		job_error_set(c->err, JOB_ERR_INTERNAL, "fal: out of memory");
		return REMOTE_ERROR;
	}
	if (remote_request(c, "result", "GET", rurl, NULL, &resp) == 0)
		st = fal_read_result(c, &resp, j->video, id, url);
	else if (c->err->unavailable)
		c->resubmit = 1;
	free(resp.body);
	free(rurl);
	return st;
}

enum remote_state
fal_read_status(struct remote_call *c, const struct remote_resp *resp)
{
	struct json_object	*o;
	const char		*s;
	enum remote_state	 st = REMOTE_ERROR;

	if (resp->status == 404)
		return REMOTE_NOTFOUND;
	if (resp->status < 200 || resp->status > 299) {
		map_status(c, "poll", resp);
		return REMOTE_ERROR;
	}
	o = remote_json(resp);
	s = remote_str(o, "status");
	if (s == NULL)
		job_error_set(c->err, JOB_ERR_PROVIDER_ERROR,
		    "fal: %s poll: malformed answer", c->what);
	else if (strcmp(s, "IN_QUEUE") == 0 || strcmp(s, "IN_PROGRESS") == 0)
		st = REMOTE_PENDING;
	else if (strcmp(s, "COMPLETED") == 0)
		st = REMOTE_DONE;
	else
		job_error_set(c->err, JOB_ERR_PROVIDER_ERROR,
		    "fal: %s poll: unknown status", c->what);
	json_object_put(o);
	return st;
}

static enum remote_state
fal_check(struct remote_call *c, void *arg, const char *id, char **url)
{
	struct fal_job		*j = arg;
	struct remote_resp	 resp = { 0 };
	char			*surl;
	enum remote_state	 st = REMOTE_ERROR;

	surl = request_url(j, id, "/status");
	if (surl == NULL) {
		job_error_set(c->err, JOB_ERR_INTERNAL, "fal: out of memory");
		return REMOTE_ERROR;
	}
	if (remote_request(c, "poll", "GET", surl, NULL, &resp) == 0)
		st = fal_read_status(c, &resp);
	free(resp.body);
	free(surl);
	if (st == REMOTE_DONE)
		st = fetch_result(c, j, id, url);
	return st;
}

static const struct remote_ops fal_ops = { fal_submit, fal_check };

static int
fal_run(struct provider *p, const char *what, const char *model, int video,
    struct json_object *in, const struct provider_hooks *hooks, char **url,
    struct job_error *err)
{
	struct fal		*f = p->ctx;
	struct remote_call	 c;
	struct fal_job		 j;
	char			*body;
	int			 rc;

	remote_call_init(&c, f->r, "fal", what, hooks, err);
	c.auth = f->auth;
	body = in == NULL ? NULL : remote_json_text(in);
	json_object_put(in);
	if (body == NULL) {
		job_error_set(err, JOB_ERR_INTERNAL, "fal: out of memory");
		return -1;
	}
	j.f = f;
	j.model = model;
	j.body = body;
	j.video = video;
	j.hook = remote_hook_url(&c);
	rc = remote_run(&c, &fal_ops, &j, url);
	free(j.hook);
	free(body);
	return rc;
}

/* One status call on a parked job (see provider.h). */
static int
fal_check_job(struct provider *p, enum job_kind kind,
    const struct provider_hooks *hooks, char **url, struct job_error *err)
{
	struct fal		*f = p->ctx;
	struct remote_call	 c;
	struct fal_job		 j;

	remote_call_init(&c, f->r, "fal", kind == JOB_KIND_TRYON ? "tryon" :
	    "animate", hooks, err);
	c.auth = f->auth;
	memset(&j, 0, sizeof(j));
	j.f = f;
	j.video = kind != JOB_KIND_TRYON;
	j.model = j.video ? f->video_model : f->tryon_model;
	return remote_check(&c, &fal_ops, &j, url);
}

static int
fal_tryon(struct provider *p, const struct provider_tryon_req *rq,
    const struct provider_hooks *hooks, char **url,
    struct job_error *err)
{
	struct fal		*f = p->ctx;
	struct json_object	*in;
	const char		*cat = rq->category;

	*url = NULL;
	if (!remote_is_http_url(rq->user_photo_url) ||
	    !remote_is_http_url(rq->outfit_url)) {
		job_error_set_final(err, JOB_ERR_INTERNAL,
		    "fal: tryon: input URLs must be http(s)");
		return -1;
	}
	in = json_object_new_object();
	if (in != NULL && (remote_add_str(in, "model_image",
	    rq->user_photo_url) == -1 ||
	    remote_add_str(in, "garment_image", rq->outfit_url) == -1 ||
	    (cat != NULL && (strcmp(cat, "tops") == 0 ||
	    strcmp(cat, "bottoms") == 0 || strcmp(cat, "one-pieces") == 0) &&
	    remote_add_str(in, "category", cat) == -1))) {
		json_object_put(in);
		in = NULL;
	}
	return fal_run(p, "tryon", f->tryon_model, 0, in, hooks, url, err);
}

static int
fal_animate(struct provider *p, const struct provider_animate_req *rq,
    const struct provider_hooks *hooks, char **url,
    struct job_error *err)
{
	struct fal		*f = p->ctx;
	struct json_object	*in;
	const char		*prompt;

	*url = NULL;
	if (!remote_is_http_url(rq->image_url)) {
		job_error_set_final(err, JOB_ERR_INTERNAL,
		    "fal: animate: the image URL must be http(s)");
		return -1;
	}
	prompt = rq->prompt != NULL && rq->prompt[0] != '\0' ? rq->prompt :
	    "The person stands naturally, a gentle camera move.";
	in = json_object_new_object();
	if (in != NULL && (remote_add_str(in, "image_url",
	    rq->image_url) == -1 ||
	    remote_add_str(in, "prompt", prompt) == -1 ||
	    (f->video_duration[0] != '\0' && remote_add_str(in, "duration",
	    f->video_duration) == -1))) {
		json_object_put(in);
		in = NULL;
	}
	return fal_run(p, "animate", f->video_model, 1, in, hooks, url, err);
}

static void
fal_free(struct provider *p)
{
	struct fal	*f;

	if (p == NULL)
		return;
	f = p->ctx;
	if (f != NULL) {
		remote_free(f->r);
		util_free_secret(f->auth);
		free(f->base);
		free(f->tryon_model);
		free(f->video_model);
		free(f);
	}
	free(p);
}

/*
 * A model id: owner/app[/subpath...] of [A-Za-z0-9._-] segments.  A
 * strdup of it, or NULL with a message in err.
 */
static char *
model_id(struct app *a, enum conf_key k, char *err, size_t errlen)
{
	const char	*v, *s;
	int		 segs = 1, prev_slash = 1;

	v = conf_get(a->cfg, k);
	for (s = v; *s != '\0'; s++) {
		if (prev_slash && *s == '.')
			break;		/* no "." or ".." segments */
		if (*s == '/') {
			if (prev_slash)
				break;
			segs++;
			prev_slash = 1;
			continue;
		}
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' ||
		    *s == '-'))
			break;
		prev_slash = 0;
	}
	if (*s != '\0' || prev_slash || segs < 2 || s - v > 200) {
		snprintf(err, errlen, "[fal] %s: a model id such as %s",
		    confdefs[k].key, confdefs[k].def);
		return NULL;
	}
	return strdup(v);
}

struct provider *
provider_fal_new(struct app *a, char *err, size_t errlen)
{
	struct provider		*p;
	struct fal		*f;
	static const char *const sections[] = { FAL_SECTION, NULL };
	const char		*d;

	p = calloc(1, sizeof(*p));
	f = calloc(1, sizeof(*f));
	if (p == NULL || f == NULL) {
		free(p);
		free(f);
		snprintf(err, errlen, "[fal]: out of memory");
		return NULL;
	}
	p->ctx = f;
	p->name = "fal";
	p->tryon = fal_tryon;
	p->animate = fal_animate;
	p->check = fal_check_job;
	p->free = fal_free;
	f->r = remote_open(a, p, sections, "fal", err, errlen);
	if (f->r == NULL)
		goto fail;
	f->base = remote_base(conf_get(a->cfg, CONF_FAL_BASE_URL), NULL,
	    "[fal] base_url", err, errlen);
	if (f->base == NULL)
		goto fail;
	f->auth = remote_auth("Key", conf_get(a->cfg, CONF_FAL_API_KEY),
	    "[fal] api_key", err, errlen);
	if (f->auth == NULL)
		goto fail;
	f->tryon_model = model_id(a, CONF_FAL_TRYON_MODEL, err, errlen);
	if (f->tryon_model == NULL)
		goto fail;
	f->video_model = model_id(a, CONF_FAL_VIDEO_MODEL, err, errlen);
	if (f->video_model == NULL)
		goto fail;
	d = conf_get(a->cfg, CONF_FAL_VIDEO_DURATION);
	if (strcmp(d, "5") != 0 && strcmp(d, "10") != 0 && d[0] != '\0') {
		snprintf(err, errlen, "[fal] video_duration: 5 or 10 (or "
		    "empty: not sent)");
		goto fail;
	}
	util_strlcpy(f->video_duration, d, sizeof(f->video_duration));
	return p;
fail:
	fal_free(p);
	return NULL;
}
