/*
 * The `replicate` provider: Replicate's predictions API as its HTTP
 * reference publishes it (t/emulators/replicate/ holds the examples).
 *
 *   POST {base}/v1/predictions {"version": V, "input": {...}}
 *	for a model given as owner/name:VERSION, or
 *   POST {base}/v1/models/{owner}/{name}/predictions {"input": {...}}
 *	for an official model given as owner/name
 *	Authorization: Bearer {api_token}; Prefer: wait=N when
 *	[replicate] wait_seconds is set; Cancel-After: D when
 *	[replicate] cancel_after is set
 *   -> 201 (or 200) the prediction {"id", "status", "output", "error",
 *	"metrics": {"predict_time"}, ...}
 *   GET {base}/v1/predictions/{id} -> the prediction
 *
 * Statuses: starting, processing (keep polling); succeeded (output: a
 * URL, or a list whose first item is one); failed; canceled (by
 * Cancel-After: provider_timeout, unavailable).
 *
 * Models differ in their input names, so they come from configuration:
 * input_map maps primerka's fields (photo, garment, description,
 * category for a try-on; image, prompt for a video) to the model's
 * (IDM-VTON: human_img, garm_img, garment_des, category), and
 * category_values maps the outfit's category to the model's values
 * (tops=upper_body, ...).  A field not in the map is not sent.
 *
 * Errors: 401, 403 -> provider_unavailable, key_refused alert; 402 (no
 * credit) -> provider_unavailable, out_of_credits alert; 404 (no such
 * model) -> provider_unavailable; 422 and other 4xx ->
 * provider_rejected; 429 and 5xx retried (remote.c).  A failed
 * prediction's error is free text: one that mentions NSFW ->
 * photo_nsfw, one about loading or downloading an image ->
 * provider_rejected retried once with fresh URLs, anything else ->
 * provider_error (retryable).  Credits: the prediction's predict_time
 * in seconds (what Replicate bills by).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "app.h"
#include "conftab.h"
#include "jsonv.h"
#include "provider.h"
#include "remote.h"
#include "vendors.h"
#include "util.h"

#define REP_SECTION	"replicate"
#define REP_MAX_MAP	8

/* One field mapping: ours = theirs. */
struct rep_pair {
	char	 ours[24];
	char	 theirs[64];
};

struct rep_map {
	struct rep_pair	 p[REP_MAX_MAP];
	int		 n;
};

/* One model: where to create predictions and with what. */
struct rep_model {
	char		*create_url;
	char		*version;	/* NULL: an official model by name */
	struct rep_map	 inputs;
};

struct replicate {
	struct remote	*r;
	char		*auth;
	char		*get_url;	/* {base}/v1/predictions/ */
	char		 prefer[32];	/* "Prefer: wait=N" or "" */
	char		 cancel_after[48]; /* "Cancel-After: D" or "" */
	struct rep_model tryon;
	struct rep_model video;
	struct rep_map	 categories;
};

struct rep_job {
	struct replicate *f;
	struct rep_model *m;
	const char	 *body;
};

/* The model's name for ours, or NULL when not mapped. */
static const char *
map_get(const struct rep_map *m, const char *ours)
{
	int	 i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->p[i].ours, ours) == 0)
			return m->p[i].theirs;
	return NULL;
}

/*
 * Parse "a=b, c=d" into m; 0, or -1 (a message in err) on a pair that
 * is not two plain names.
 */
static int
map_parse(const char *s, const char *key, struct rep_map *m, char *err,
    size_t errlen)
{
	char	 buf[512], *p, *pair, *eq;

	memset(m, 0, sizeof(*m));
	if (util_strlcpy(buf, s, sizeof(buf)) >= sizeof(buf))
		goto bad;
	for (p = buf; p != NULL; ) {
		pair = p;
		p = strchr(p, ',');
		if (p != NULL)
			*p++ = '\0';
		while (*pair == ' ' || *pair == '\t')
			pair++;
		eq = strchr(pair, '=');
		if (*pair == '\0' && p == NULL)
			break;
		if (eq == NULL || m->n >= REP_MAX_MAP)
			goto bad;
		*eq++ = '\0';
		while (*eq == ' ' || *eq == '\t')
			eq++;
		eq[strcspn(eq, " \t")] = '\0';
		pair[strcspn(pair, " \t")] = '\0';
		if (!remote_is_token(pair, sizeof(m->p[0].ours) - 1) ||
		    !remote_is_token(eq, sizeof(m->p[0].theirs) - 1))
			goto bad;
		util_strlcpy(m->p[m->n].ours, pair, sizeof(m->p[0].ours));
		util_strlcpy(m->p[m->n].theirs, eq, sizeof(m->p[0].theirs));
		m->n++;
	}
	return 0;
bad:
	snprintf(err, errlen, "[replicate] %s: pairs such as "
	    "photo=human_img, garment=garm_img (at most %d)", key,
	    REP_MAX_MAP);
	return -1;
}

/* A final non-2xx answer to c->err. */
static void
map_status(struct remote_call *c, const char *stage,
    const struct remote_resp *resp)
{
	if (resp->status == 402) {
		job_error_set_final(c->err, JOB_ERR_PROVIDER_UNAVAILABLE,
		    "replicate: %s %s: HTTP 402, insufficient credit (add "
		    "credit to the Replicate account)", c->what, stage);
		remote_unavailable(c->err);
		remote_alert(c, "out_of_credits");
	} else if (resp->status == 401 || resp->status == 403) {
		job_error_set_final(c->err, JOB_ERR_PROVIDER_UNAVAILABLE,
		    "replicate: %s %s: HTTP %ld (the token was refused: check "
		    "[replicate] api_token)", c->what, stage, resp->status);
		remote_unavailable(c->err);
		remote_alert(c, "key_refused");
	} else if (resp->status == 404) {
		job_error_set_final(c->err, JOB_ERR_PROVIDER_UNAVAILABLE,
		    "replicate: %s %s: HTTP 404 (no such model or prediction: "
		    "check the model name)", c->what, stage);
		remote_unavailable(c->err);
	} else if (resp->status >= 400 && resp->status < 500)
		job_error_set(c->err, JOB_ERR_PROVIDER_REJECTED,
		    "replicate: %s %s: HTTP %ld (check the model and "
		    "input_map)", c->what, stage, resp->status);
	else
		job_error_set(c->err, JOB_ERR_PROVIDER_ERROR,
		    "replicate: %s %s: unexpected HTTP %ld", c->what, stage,
		    resp->status);
}

/* A failed prediction's free-text error to c->err. */
static void
map_failure(struct remote_call *c, const char *text)
{
	const struct provider_hooks	*h = c->hooks;
	int				 again;

	c->resubmit = 0;
	if (text == NULL)
		text = "";
	if (strcasestr(text, "nsfw") != NULL) {
		job_error_set(c->err, JOB_ERR_PHOTO_NSFW,
		    "replicate: %s failed: NSFW", c->what);
		return;
	}
	if ((strcasestr(text, "load") != NULL ||
	    strcasestr(text, "download") != NULL) &&
	    strcasestr(text, "image") != NULL) {
		again = !c->resumed && h != NULL && h->last_error != NULL &&
		    strcmp(h->last_error, "provider_rejected") == 0;
		job_error_set(c->err, JOB_ERR_PROVIDER_REJECTED,
		    "replicate: %s failed: image not loaded%s", c->what,
		    again ? " again with fresh URLs" :
		    "; retrying with fresh URLs");
		c->err->retryable = !again;	/* once, then final */
		c->resubmit = 1;
		return;
	}
	job_error_set(c->err, JOB_ERR_PROVIDER_ERROR,
	    "replicate: %s failed in the model", c->what);
	c->resubmit = 1;
}

int
replicate_read_submit(struct remote_call *c, const struct remote_resp *resp,
    char *id, size_t idlen)
{
	if (resp->status < 200 || resp->status > 299) {
		map_status(c, "submit", resp);
		return -1;
	}
	return remote_read_id(c, resp, "id", id, idlen);
}

static int
rep_submit(struct remote_call *c, void *arg, char *id, size_t idlen)
{
	struct rep_job		*j = arg;

	return remote_submit(c, j->m->create_url, j->body,
	    replicate_read_submit, id, idlen);
}

/* The first output URL of a succeeded prediction, or NULL. */
static const char *
output_url(struct json_object *o)
{
	struct json_object	*out, *e;

	if (!json_object_object_get_ex(o, "output", &out))
		return NULL;
	if (json_object_is_type(out, json_type_string))
		return json_object_get_string(out);
	if (!json_object_is_type(out, json_type_array) ||
	    json_object_array_length(out) < 1)
		return NULL;
	e = json_object_array_get_idx(out, 0);
	return json_object_is_type(e, json_type_string) ?
	    json_object_get_string(e) : NULL;
}

enum remote_state
replicate_read_status(struct remote_call *c, const struct remote_resp *resp,
    const char *id, char **url)
{
	struct json_object	*o, *m, *t;
	const char		*s, *u;
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
		    "replicate: %s poll: malformed answer", c->what);
	else if (strcmp(s, "starting") == 0 || strcmp(s, "processing") == 0)
		st = REMOTE_PENDING;
	else if (strcmp(s, "succeeded") == 0) {
		u = output_url(o);
		if (u == NULL || !remote_is_http_url(u))
			job_error_set(c->err, JOB_ERR_PROVIDER_ERROR,
			    "replicate: %s: succeeded without an http(s) "
			    "output URL", c->what);
		else
			*url = strdup(u);
		if (u != NULL && remote_is_http_url(u) && *url == NULL)
			job_error_set(c->err, JOB_ERR_INTERNAL,
			    "replicate: out of memory");
		else if (*url != NULL) {
			if (json_object_object_get_ex(o, "metrics", &m) &&
			    json_object_object_get_ex(m, "predict_time", &t) &&
			    (json_object_is_type(t, json_type_double) ||
			    json_object_is_type(t, json_type_int)) &&
			    json_object_get_double(t) > 0 &&
			    json_object_get_double(t) < 1e9)
				remote_credits(c, id,
				    json_object_get_double(t));
			st = REMOTE_DONE;
		}
	} else if (strcmp(s, "failed") == 0) {
		map_failure(c, remote_str(o, "error"));
		st = REMOTE_FAILED;
	} else if (strcmp(s, "canceled") == 0 || strcmp(s, "aborted") == 0) {
		job_error_set(c->err, JOB_ERR_PROVIDER_TIMEOUT,
		    "replicate: %s: %s at Replicate (Cancel-After)", c->what,
		    s);
		remote_unavailable(c->err);
		c->resubmit = 1;
		st = REMOTE_FAILED;
	} else
		job_error_set(c->err, JOB_ERR_PROVIDER_ERROR,
		    "replicate: %s poll: unknown status", c->what);
	json_object_put(o);
	return st;
}

static enum remote_state
rep_check(struct remote_call *c, void *arg, const char *id, char **url)
{
	struct rep_job		*j = arg;
	struct remote_resp	 resp = { 0 };
	char			*gurl;
	enum remote_state	 st = REMOTE_ERROR;

	gurl = remote_cat(j->f->get_url, id, (char *)NULL);
	if (gurl == NULL) {
		job_error_set(c->err, JOB_ERR_INTERNAL,
		    "replicate: out of memory");
		return REMOTE_ERROR;
	}
	if (remote_request(c, "poll", "GET", gurl, NULL, &resp) == 0)
		st = replicate_read_status(c, &resp, id, url);
	free(resp.body);
	free(gurl);
	return st;
}

static const struct remote_ops rep_ops = { rep_submit, rep_check };

/* Add the model's name for ours = val to in, when mapped. */
static int
add_mapped(struct json_object *in, const struct rep_map *m, const char *ours,
    const char *val)
{
	const char	*k = map_get(m, ours);

	if (k == NULL || val == NULL || val[0] == '\0')
		return 0;
	return remote_add_str(in, k, val);
}

/* "webhook_events_filter": ["completed"]; 0 or -1 (ENOMEM). */
static int
hook_filter(struct json_object *top)
{
	struct json_object	*a;

	a = json_object_new_array();
	if (a == NULL || json_object_array_add(a,
	    json_object_new_string("completed")) != 0 ||
	    json_object_object_add(top, "webhook_events_filter", a) != 0) {
		json_object_put(a);
		return -1;
	}
	return 0;
}

static int
rep_run(struct provider *p, const char *what, struct rep_model *m,
    struct json_object *in, const struct provider_hooks *hooks, char **url,
    struct job_error *err)
{
	struct replicate	*f = p->ctx;
	struct remote_call	 c;
	struct rep_job		 j;
	struct json_object	*top;
	char			*body = NULL, *hook;
	int			 rc;

	remote_call_init(&c, f->r, "replicate", what, hooks, err);
	c.auth = f->auth;
	/* A parked job does not wait in the request either. */
	c.extra[0] = f->prefer[0] && (hooks == NULL || !hooks->park) ?
	    f->prefer : NULL;
	c.extra[1] = f->cancel_after[0] ? f->cancel_after : NULL;
	top = json_object_new_object();
	hook = remote_hook_url(&c);
	if (top != NULL && in != NULL &&
	    (m->version == NULL || remote_add_str(top, "version",
	    m->version) == 0) && json_object_object_add(top, "input",
	    in) == 0) {
		in = NULL;
		/* Replicate's webhook: called once the prediction ends. */
		if (hook == NULL || (remote_add_str(top, "webhook",
		    hook) == 0 && hook_filter(top) == 0))
			body = remote_json_text(top);
	}
	free(hook);
	json_object_put(in);
	json_object_put(top);
	if (body == NULL) {
		job_error_set(err, JOB_ERR_INTERNAL,
		    "replicate: out of memory");
		return -1;
	}
	j.f = f;
	j.m = m;
	j.body = body;
	rc = remote_run(&c, &rep_ops, &j, url);
	free(body);
	return rc;
}

/* One status call on a parked job (see provider.h). */
static int
rep_check_job(struct provider *p, enum job_kind kind,
    const struct provider_hooks *hooks, char **url, struct job_error *err)
{
	struct replicate	*f = p->ctx;
	struct remote_call	 c;
	struct rep_job		 j;

	remote_call_init(&c, f->r, "replicate", kind == JOB_KIND_TRYON ?
	    "tryon" : "animate", hooks, err);
	c.auth = f->auth;
	j.f = f;
	j.m = kind == JOB_KIND_TRYON ? &f->tryon : &f->video;
	j.body = NULL;
	return remote_check(&c, &rep_ops, &j, url);
}

static int
rep_tryon(struct provider *p, const struct provider_tryon_req *rq,
    const struct provider_hooks *hooks, char **url,
    struct job_error *err)
{
	struct replicate	*f = p->ctx;
	struct json_object	*in;
	const char		*cat = NULL;

	*url = NULL;
	if (!remote_is_http_url(rq->user_photo_url) ||
	    !remote_is_http_url(rq->outfit_url)) {
		job_error_set_final(err, JOB_ERR_INTERNAL,
		    "replicate: tryon: input URLs must be http(s)");
		return -1;
	}
	if (rq->category != NULL)
		cat = map_get(&f->categories, rq->category);
	in = json_object_new_object();
	if (in != NULL && (add_mapped(in, &f->tryon.inputs, "photo",
	    rq->user_photo_url) == -1 ||
	    add_mapped(in, &f->tryon.inputs, "garment", rq->outfit_url) == -1 ||
	    add_mapped(in, &f->tryon.inputs, "description",
	    rq->description != NULL && rq->description[0] != '\0' ?
	    rq->description : "a garment") == -1 ||
	    add_mapped(in, &f->tryon.inputs, "category", cat) == -1)) {
		json_object_put(in);
		in = NULL;
	}
	return rep_run(p, "tryon", &f->tryon, in, hooks, url, err);
}

static int
rep_animate(struct provider *p, const struct provider_animate_req *rq,
    const struct provider_hooks *hooks, char **url,
    struct job_error *err)
{
	struct replicate	*f = p->ctx;
	struct json_object	*in;

	*url = NULL;
	if (!remote_is_http_url(rq->image_url)) {
		job_error_set_final(err, JOB_ERR_INTERNAL,
		    "replicate: animate: the image URL must be http(s)");
		return -1;
	}
	in = json_object_new_object();
	if (in != NULL && (add_mapped(in, &f->video.inputs, "image",
	    rq->image_url) == -1 ||
	    add_mapped(in, &f->video.inputs, "prompt", rq->prompt != NULL &&
	    rq->prompt[0] != '\0' ? rq->prompt :
	    "The person stands naturally, a gentle camera move.") == -1)) {
		json_object_put(in);
		in = NULL;
	}
	return rep_run(p, "animate", &f->video, in, hooks, url, err);
}

static void
model_clear(struct rep_model *m)
{
	free(m->create_url);
	free(m->version);
}

static void
rep_free(struct provider *p)
{
	struct replicate	*f;

	if (p == NULL)
		return;
	f = p->ctx;
	if (f != NULL) {
		remote_free(f->r);
		util_free_secret(f->auth);
		free(f->get_url);
		model_clear(&f->tryon);
		model_clear(&f->video);
		free(f);
	}
	free(p);
}

/*
 * [replicate] key (owner/name or owner/name:version) and its input map
 * into m; 0, or -1 with a message in err.
 */
static int
model_read(struct app *a, const char *base, enum conf_key k,
    enum conf_key mapk, struct rep_model *m, char *err, size_t errlen)
{
	const char	*v, *colon, *s;
	char		 name[160];
	int		 slashes = 0;

	v = conf_get(a->cfg, k);
	colon = strchr(v, ':');
	if (util_strlcpy(name, v, sizeof(name)) >= sizeof(name))
		goto bad;
	if (colon != NULL)
		name[colon - v] = '\0';
	for (s = name; *s != '\0'; s++)
		if (*s == '/')
			slashes++;
		else if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '-' || *s == '_' || *s == '.' ||
		    (*s >= 'A' && *s <= 'Z')))
			goto bad;
	if (slashes != 1 || name[0] == '/' || s[-1] == '/' ||
	    (colon != NULL && !remote_is_token(colon + 1, 128)))
		goto bad;
	if (colon != NULL) {
		m->version = strdup(colon + 1);
		m->create_url = remote_cat(base, "/v1/predictions",
		    (char *)NULL);
	} else
		m->create_url = remote_cat(base, "/v1/models/", name,
		    "/predictions", (char *)NULL);
	if (m->create_url == NULL || (colon != NULL && m->version == NULL)) {
		snprintf(err, errlen, "[replicate]: out of memory");
		return -1;
	}
	return map_parse(conf_get(a->cfg, mapk), confdefs[mapk].key,
	    &m->inputs, err, errlen);
bad:
	snprintf(err, errlen, "[replicate] %s: owner/name or "
	    "owner/name:version", confdefs[k].key);
	return -1;
}

struct provider *
provider_replicate_new(struct app *a, char *err, size_t errlen)
{
	struct provider		*p;
	struct replicate	*f;
	static const char *const sections[] = { REP_SECTION, NULL };
	const char		*ca;
	char			*base = NULL;
	int64_t			 w;

	p = calloc(1, sizeof(*p));
	f = calloc(1, sizeof(*f));
	if (p == NULL || f == NULL) {
		free(p);
		free(f);
		snprintf(err, errlen, "[replicate]: out of memory");
		return NULL;
	}
	p->ctx = f;
	p->name = "replicate";
	p->tryon = rep_tryon;
	p->animate = rep_animate;
	p->check = rep_check_job;
	p->free = rep_free;
	f->r = remote_open(a, p, sections, "replicate", err, errlen);
	if (f->r == NULL)
		goto fail;
	base = remote_base(conf_get(a->cfg, CONF_REPLICATE_BASE_URL), "/v1",
	    "[replicate] base_url", err, errlen);
	if (base == NULL)
		goto fail;
	f->get_url = remote_cat(base, "/v1/predictions/", (char *)NULL);
	if (f->get_url == NULL) {
		snprintf(err, errlen, "[replicate]: out of memory");
		goto fail;
	}
	f->auth = remote_auth("Bearer", conf_get(a->cfg,
	    CONF_REPLICATE_API_TOKEN), "[replicate] api_token", err, errlen);
	if (f->auth == NULL)
		goto fail;
	if (model_read(a, base, CONF_REPLICATE_TRYON_MODEL,
	    CONF_REPLICATE_INPUT_MAP, &f->tryon, err, errlen) == -1 ||
	    model_read(a, base, CONF_REPLICATE_VIDEO_MODEL,
	    CONF_REPLICATE_VIDEO_INPUT_MAP, &f->video, err, errlen) == -1 ||
	    map_parse(conf_get(a->cfg, CONF_REPLICATE_CATEGORY_VALUES),
	    confdefs[CONF_REPLICATE_CATEGORY_VALUES].key, &f->categories,
	    err, errlen) == -1)
		goto fail;
	if (conf_get_int(a->cfg, CONF_REPLICATE_WAIT_SECONDS, &w) == -1) {
		snprintf(err, errlen, "[replicate] wait_seconds: 0 (off) to 60");
		goto fail;
	}
	if (w > 0)
		snprintf(f->prefer, sizeof(f->prefer), "Prefer: wait=%d",
		    (int)w);
	ca = conf_get(a->cfg, CONF_REPLICATE_CANCEL_AFTER);
	if (ca[0] != '\0') {
		size_t n = strspn(ca, "0123456789hms");
		if (n != strlen(ca) || n > 16 || ca[0] < '0' || ca[0] > '9') {
			snprintf(err, errlen, "[replicate] cancel_after: a "
			    "duration such as 90s or 10m");
			goto fail;
		}
		snprintf(f->cancel_after, sizeof(f->cancel_after),
		    "Cancel-After: %s", ca);
	}
	free(base);
	return p;
fail:
	free(base);
	rep_free(p);
	return NULL;
}
