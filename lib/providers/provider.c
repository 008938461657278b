/*
 * Choosing providers from the configuration, and the router that tries
 * them in order.
 *
 * [providers] tryon = fashn, local and animate = fal name ordered lists;
 * [worker] provider = NAME is the shorthand for both (default local).
 * The router hands a job to the first provider of its list and moves on
 * to the next only when one reports itself unavailable (err.unavailable:
 * 5xx, timeouts, no credits, a refused key) — never after a verdict on
 * the inputs, which the next provider would only repeat (and bill).
 *
 * The remote id a provider saves is stored as "NAME:ID", so that a
 * resumed job polls the provider that holds it and no other.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "conftab.h"
#include "log.h"
#include "provider.h"
#include "util.h"

#define ROUTE_MAX	4	/* providers per list */

struct provider *
provider_by_name(struct app *a, const char *name, char *err, size_t errlen)
{
	if (strcmp(name, "local") == 0) {
		struct provider *p = provider_local_new(a);

		if (p == NULL)
			snprintf(err, errlen, "[provider_local] max_concurrency: "
			    "a number in 0..1000");
		return p;
	}
	if (strcmp(name, "fashn") == 0 || strcmp(name, "http") == 0)
		return provider_fashn_new(a, err, errlen);
	if (strcmp(name, "fal") == 0)
		return provider_fal_new(a, err, errlen);
	if (strcmp(name, "replicate") == 0)
		return provider_replicate_new(a, err, errlen);
	snprintf(err, errlen, "unknown provider '%s' (local, fashn, fal, "
	    "replicate)", name);
	return NULL;
}

struct route {
	struct provider	*all[2 * ROUTE_MAX];	/* owned, each once */
	int		 nall;
	struct provider	*tryon[ROUTE_MAX];
	int		 ntryon;
	struct provider	*animate[ROUTE_MAX];
	int		 nanimate;
	struct provider	*served;	/* the last call's provider */
};

/* The hooks a routed provider sees: its own ref, prefixed when saved. */
struct route_hooks {
	struct provider_hooks		 h;
	const struct provider_hooks	*up;
	const char			*name;
};

static int
route_save_ref(void *arg, const char *ref)
{
	struct route_hooks	*rh = arg;
	char			 buf[256];

	if (rh->up == NULL || rh->up->save_ref == NULL)
		return 0;
	if ((size_t)snprintf(buf, sizeof(buf), "%s:%s", rh->name, ref) >=
	    sizeof(buf))
		return -1;
	return rh->up->save_ref(rh->up->arg, buf);
}

static int
route_heartbeat(void *arg)
{
	struct route_hooks	*rh = arg;

	if (rh->up == NULL || rh->up->heartbeat == NULL)
		return 0;
	return rh->up->heartbeat(rh->up->arg);
}

static void
route_credits(void *arg, const char *provider, const char *ref, double n)
{
	struct route_hooks	*rh = arg;

	if (rh->up != NULL && rh->up->credits != NULL)
		rh->up->credits(rh->up->arg, provider, ref, n);
}

static void
route_alert(void *arg, const char *provider, const char *kind)
{
	struct route_hooks	*rh = arg;

	if (rh->up != NULL && rh->up->alert != NULL)
		rh->up->alert(rh->up->arg, provider, kind);
}

/*
 * The hooks for provider p: the job's saved ref when it is p's ("p:ID"),
 * else none; an unprefixed ref (saved before routing existed) goes to
 * the first provider only.
 */
static void
route_hooks_init(struct route_hooks *rh, const struct provider_hooks *up,
    struct provider *p, int first)
{
	const char	*ref = up != NULL && up->ref != NULL ? up->ref : "";
	size_t		 n = strlen(p->name);

	memset(rh, 0, sizeof(*rh));
	rh->up = up;
	rh->name = p->name;
	rh->h.arg = rh;
	rh->h.heartbeat = route_heartbeat;
	rh->h.save_ref = route_save_ref;
	rh->h.credits = route_credits;
	rh->h.alert = route_alert;
	rh->h.last_error = up != NULL && up->last_error != NULL ?
	    up->last_error : "";
	if (up != NULL) {
		rh->h.park = up->park;
		rh->h.hook_base = up->hook_base;
		rh->h.hook_token = up->hook_token;
	}
	if (strncmp(ref, p->name, n) == 0 && ref[n] == ':')
		rh->h.ref = ref + n + 1;
	else if (first && ref[0] != '\0' && strchr(ref, ':') == NULL)
		rh->h.ref = ref;
	else
		rh->h.ref = "";
}

/* p served the last call: its traits are the router's now. */
static void
route_served(struct provider *rp, struct provider *p)
{
	struct route	*r = rp->ctx;

	r->served = p;
	rp->places_location = p->places_location;
	rp->park_min_ms = p->park_min_ms;
	rp->park_max_ms = p->park_max_ms;
	rp->park_timeout_ms = p->park_timeout_ms;
}

/* Fall through the list while providers are unavailable. */
static int
route_call(struct provider *rp, int animate, const void *rq,
    const struct provider_hooks *hooks, char **url,
    struct job_error *err)
{
	struct route		*r = rp->ctx;
	struct provider		**list = animate ? r->animate : r->tryon;
	int			 n = animate ? r->nanimate : r->ntryon, i, rc;
	struct route_hooks	 rh;

	r->served = NULL;
	/* A job resumed: start at the provider that holds its remote id. */
	for (i = 0; hooks != NULL && hooks->ref != NULL && i < n; i++) {
		size_t k = strlen(list[i]->name);

		if (strncmp(hooks->ref, list[i]->name, k) == 0 &&
		    hooks->ref[k] == ':')
			break;
	}
	if (hooks == NULL || hooks->ref == NULL || i == n)
		i = 0;
	/* A parked job its provider could not finish: the next one. */
	if (hooks != NULL && hooks->unavailable != NULL &&
	    hooks->unavailable[0] != '\0') {
		for (i = 0; i < n; i++)
			if (strcmp(list[i]->name, hooks->unavailable) == 0)
				break;
		if (i + 1 >= n) {
			job_error_set(err, JOB_ERR_PROVIDER_UNAVAILABLE,
			    "%s could not finish the job and no provider "
			    "follows it", hooks->unavailable);
			err->unavailable = 1;
			return -1;
		}
		log_kv(LOG_LVL_WARN, "provider unavailable, trying the next",
		    "provider", list[i]->name, "next", list[i + 1]->name,
		    "error", "provider_timeout", "detail",
		    "could not finish the parked job", (char *)NULL);
		i++;
	}
	for (; i < n; i++) {
		struct provider	*p = list[i];

		route_hooks_init(&rh, hooks, p, i == 0);
		*url = NULL;
		rc = animate ? p->animate(p, rq, &rh.h, url, err) :
		    p->tryon(p, rq, &rh.h, url, err);
		if (rc == 0 || rc == PROVIDER_PARKED) {
			route_served(rp, p);
			return rc;
		}
		if (!err->unavailable || i + 1 >= n || list[i + 1] == NULL)
			return -1;
		log_kv(LOG_LVL_WARN, "provider unavailable, trying the next",
		    "provider", p->name, "next", list[i + 1]->name,
		    "error", job_error_name(err->code), "detail", err->detail,
		    (char *)NULL);
	}
	return -1;
}

static int
route_tryon(struct provider *rp, const struct provider_tryon_req *rq,
    const struct provider_hooks *hooks, char **url,
    struct job_error *err)
{
	return route_call(rp, 0, rq, hooks, url, err);
}

static int
route_animate(struct provider *rp, const struct provider_animate_req *rq,
    const struct provider_hooks *hooks, char **url,
    struct job_error *err)
{
	return route_call(rp, 1, rq, hooks, url, err);
}

/* A parked job: the provider its ref names ("NAME:ID") checks it. */
static int
route_check(struct provider *rp, enum job_kind kind,
    const struct provider_hooks *hooks, char **url, struct job_error *err)
{
	struct route		*r = rp->ctx;
	struct route_hooks	 rh;
	const char		*ref = hooks != NULL && hooks->ref != NULL ?
				    hooks->ref : "";
	size_t			 k;
	int			 i;

	*url = NULL;
	r->served = NULL;
	for (i = 0; i < r->nall; i++) {
		k = strlen(r->all[i]->name);
		if (strncmp(ref, r->all[i]->name, k) == 0 && ref[k] == ':')
			break;
	}
	if (i == r->nall || r->all[i]->check == NULL) {
		job_error_set(err, JOB_ERR_PROVIDER_ERROR,
		    "parked job: no configured provider holds its remote id");
		return -1;
	}
	route_hooks_init(&rh, hooks, r->all[i], 0);
	route_served(rp, r->all[i]);
	return r->all[i]->check(r->all[i], kind, &rh.h, url, err);
}

static void
route_release(struct provider *rp, int64_t job_id)
{
	struct route	*r = rp->ctx;

	if (r->served != NULL && r->served->release != NULL)
		r->served->release(r->served, job_id);
}

static void
route_free(struct provider *rp)
{
	struct route	*r;
	int		 i;

	if (rp == NULL)
		return;
	r = rp->ctx;
	if (r != NULL)
		for (i = 0; i < r->nall; i++)
			provider_free(r->all[i]);
	free(r);
	free(rp);
}

/*
 * Parse a list "a, b" into list (creating each provider once in r->all);
 * 0, or -1 with the section and key at fault in err.
 */
static int
route_list(struct app *a, struct route *r, const char *text,
    const char *where, struct provider **list, int *n, char *err,
    size_t errlen)
{
	char		 buf[256], *p, *name, msg[200];
	struct provider	*pv;
	int		 i;

	if (util_strlcpy(buf, text, sizeof(buf)) >= sizeof(buf)) {
		snprintf(err, errlen, "%s: too long", where);
		return -1;
	}
	p = buf;
	while (p != NULL) {
		name = strsep(&p, ", \t");
		if (name[0] == '\0')
			continue;
		if (*n >= ROUTE_MAX) {
			snprintf(err, errlen, "%s: at most %d providers",
			    where, ROUTE_MAX);
			return -1;
		}
		pv = NULL;
		for (i = 0; i < r->nall; i++)
			if (strcmp(r->all[i]->name, name) == 0 ||
			    (strcmp(name, "http") == 0 &&
			    strcmp(r->all[i]->name, "fashn") == 0))
				pv = r->all[i];
		if (pv == NULL) {
			pv = provider_by_name(a, name, msg, sizeof(msg));
			if (pv == NULL) {
				snprintf(err, errlen, "%s: %s", where, msg);
				return -1;
			}
			r->all[r->nall++] = pv;
		}
		for (i = 0; i < *n; i++)
			if (list[i] == pv) {
				snprintf(err, errlen, "%s: %s is listed twice",
				    where, name);
				return -1;
			}
		list[(*n)++] = pv;
	}
	if (*n == 0) {
		snprintf(err, errlen, "%s: no provider named", where);
		return -1;
	}
	return 0;
}

struct provider *
provider_new(struct app *a, char *err, size_t errlen)
{
	struct provider	*rp;
	struct route	*r;
	const char	*dflt, *t, *an;

	rp = calloc(1, sizeof(*rp));
	r = calloc(1, sizeof(*r));
	if (rp == NULL || r == NULL) {
		free(rp);
		free(r);
		snprintf(err, errlen, "providers: out of memory");
		return NULL;
	}
	rp->name = "route";
	rp->ctx = r;
	rp->tryon = route_tryon;
	rp->animate = route_animate;
	rp->check = route_check;
	rp->release = route_release;
	rp->free = route_free;
	dflt = conf_get(a->cfg, CONF_WORKER_PROVIDER);
	t = conf_get_set(a->cfg, CONF_PROVIDERS_TRYON);
	an = conf_get_set(a->cfg, CONF_PROVIDERS_ANIMATE);
	if (route_list(a, r, t != NULL ? t : dflt, t != NULL ?
	    "[providers] tryon" : "[worker] provider", r->tryon, &r->ntryon,
	    err, errlen) == -1 ||
	    route_list(a, r, an != NULL ? an : dflt, an != NULL ?
	    "[providers] animate" : "[worker] provider", r->animate,
	    &r->nanimate, err, errlen) == -1) {
		route_free(rp);
		return NULL;
	}
	/* Slots (batch/queued.c) follow the first try-on provider. */
	rp->max_concurrency = r->tryon[0]->max_concurrency;
	rp->places_location = r->tryon[0]->places_location;
	rp->slot_name = r->tryon[0]->name;
	return rp;
}

void
provider_free(struct provider *p)
{
	if (p != NULL && p->free != NULL)
		p->free(p);
}

int
provider_check(struct app *a, char *err, size_t errlen)
{
	struct provider	*p;

	p = provider_new(a, err, errlen);
	if (p == NULL)
		return -1;
	provider_free(p);
	return 0;
}
