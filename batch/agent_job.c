/*
 * One job an agent holds (batch/agent_int.h): claimed, RUNNING (the
 * provider's call), parked while the vendor works (one status call when
 * due, the worker's running_poll() with its growing interval), then
 * UPLOADING (the result checked and its outputs PUT to presigned URLs)
 * and complete; any failure reported as the worker would record it.
 * Its lease is renewed once a third of it is gone, and its presigned
 * URLs refreshed (a heartbeat with "urls") once half their life is gone
 * and again before UPLOADING when a quarter is.
 *
 * A job's calls to the API are retried with a growing pause (1 s
 * doubling to 30 s) only while its lease can still be alive; past that
 * contour A rescues the job (lib/queue.c) and hands it to the next
 * claim, which resumes the provider's job by its saved id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent_int.h"
#include "log.h"
#include "outputs.h"
#include "util.h"
#include "wmetrics.h"

#define AGENT_URLS_TTL		900	/* seconds, when contour A says none */

/* Sleep s seconds unless SIGTERM comes first. */
static void
nap(int s)
{
	while (s-- > 0 && !agent_stopping)
		sleep(1);
}

/*
 * POST what to the job's call name: the HTTP status, 0 when the API
 * stayed unreachable for as long as the lease can be alive.  *out as
 * agent_api_post().
 */
static long
job_call(struct agent_job *aj, const char *name, json_object *body,
    json_object **out)
{
	char	 path[128];
	long	 st;
	int	 pause = 1;

	snprintf(path, sizeof(path), "%s%s", aj->path, name);
	json_object_object_add(body, "lease",
	    json_object_new_string(aj->lease));
	for (;;) {
		st = agent_api_post(aj->api, path, body, out);
		if (st != 0 && st < 500 && st != 429) {
			if (st == 200)
				aj->alive_until = time(NULL) + aj->lease_s;
			return st;
		}
		json_object_put(*out);
		*out = NULL;
		if (agent_stopping || time(NULL) + pause >= aj->alive_until)
			return 0;
		nap(pause);
		if (pause < AGENT_BACKOFF_MAX)
			pause *= 2;
	}
}

/* A call whose answer only matters as 200 (held) or not: 0 or -1. */
static int
job_report(struct agent_job *aj, const char *name, json_object *body)
{
	json_object	*out = NULL;
	long		 st;

	st = job_call(aj, name, body, &out);
	json_object_put(out);
	json_object_put(body);
	return st == 200 ? 0 : -1;
}

/* The provider's waits call it often: renewed once a third is gone. */
static int
hook_heartbeat(void *arg)
{
	struct agent_job *aj = arg;

	if (time(NULL) < aj->alive_until - aj->lease_s * 2 / 3)
		return 0;
	return job_report(aj, "heartbeat", json_object_new_object());
}

static int
hook_save_ref(void *arg, const char *ref)
{
	struct agent_job *aj = arg;
	json_object	*b = json_object_new_object();

	/* What the status calls of the parked job name. */
	if (ref != aj->c.job.provider_ref)
		util_strlcpy(aj->c.job.provider_ref, ref,
		    sizeof(aj->c.job.provider_ref));

	json_object_object_add(b, "provider_ref", json_object_new_string(ref));
	return job_report(aj, "stage", b);
}

static void
hook_credits(void *arg, const char *provider, const char *ref, double n)
{
	struct agent_job *aj = arg;
	json_object	*b = json_object_new_object(), *cr;

	cr = json_object_new_object();
	json_object_object_add(cr, "provider",
	    json_object_new_string(provider));
	json_object_object_add(cr, "ref", json_object_new_string(ref));
	json_object_object_add(cr, "amount", json_object_new_double(n));
	json_object_object_add(b, "credits", cr);
	(void)job_report(aj, "stage", b);
}

static void
hook_alert(void *arg, const char *provider, const char *kind)
{
	struct agent_job *aj = arg;
	json_object	*b = json_object_new_object(), *al;

	al = json_object_new_object();
	json_object_object_add(al, "provider",
	    json_object_new_string(provider));
	json_object_object_add(al, "kind", json_object_new_string(kind));
	json_object_object_add(b, "alert", al);
	(void)job_report(aj, "stage", b);
}

/* Move the job to status at contour A: 0, or -1 when it is not ours. */
static int
job_stage(struct agent_job *aj, enum job_status st)
{
	json_object	*b = json_object_new_object();

	json_object_object_add(b, "status",
	    json_object_new_string(job_status_name(st)));
	return job_report(aj, "stage", b);
}

/* Report the job's error (c->err) to contour A. */
static void
job_fail(struct agent_job *aj)
{
	struct job_error *e = &aj->c.err;
	json_object	*b = json_object_new_object();

	if (!e->set)
		job_error_set(e, JOB_ERR_INTERNAL, "no error recorded");
	json_object_object_add(b, "code",
	    json_object_new_string(job_error_name(e->code)));
	json_object_object_add(b, "detail", json_object_new_string(e->detail));
	json_object_object_add(b, "retryable",
	    json_object_new_boolean(e->retryable));
	log_warnx("job %lld: %s: %s", (long long)aj->c.job.id,
	    job_error_name(e->code), e->detail);
	if (job_report(aj, "fail", b) == -1)
		log_warnx("job %lld: the failure was not recorded (%s); "
		    "the lease will expire", (long long)aj->c.job.id,
		    job_error_name(e->code));
}

/* A string field of o, or "" (or NULL when none is NULL). */
static const char *
str_of(json_object *o, const char *name, const char *none)
{
	json_object	*v;

	if (json_object_object_get_ex(o, name, &v) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return none;
}

static int64_t
int_of(json_object *o, const char *name)
{
	json_object	*v;

	if (json_object_object_get_ex(o, name, &v) &&
	    json_object_is_type(v, json_type_int))
		return json_object_get_int64(v);
	return 0;
}

/* A copy of a string field, NULL when absent; -1 when a copy failed. */
static int
dup_of(json_object *o, const char *name, char **out)
{
	const char	*s = str_of(o, name, NULL);

	*out = NULL;
	if (s == NULL)
		return 0;
	*out = strdup(s);
	return *out == NULL ? -1 : 0;
}

/* The X-Amz-Date of a presigned URL ("" when none) into buf: logged so
 * that a refresh can be seen. */
static void
url_date(const char *url, char *buf, size_t len)
{
	const char	*p;
	size_t		 n;

	buf[0] = '\0';
	p = url != NULL ? strstr(url, "X-Amz-Date=") : NULL;
	if (p == NULL)
		return;
	p += strlen("X-Amz-Date=");
	n = strcspn(p, "&");
	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
}

/*
 * The presigned URLs of a claim's or a refresh's answer o ("inputs",
 * "outputs", "urls_ttl_seconds") into the job, replacing the ones it
 * had: 0, or -1 (the job keeps its old ones) when o lacks what the job's
 * kind needs.
 */
static int
job_urls(struct agent *ag, struct agent_job *aj, json_object *o)
{
	struct job_ctx	*c = &aj->c;
	json_object	*in = NULL, *out = NULL, *one;
	const char	*put[JOB_OUT__MAX];
	char		*u[4] = { NULL, NULL, NULL, NULL };
	int64_t		 ttl;
	int		 k, rc = -1;

	if (!json_object_object_get_ex(o, "inputs", &in) ||
	    !json_object_object_get_ex(o, "outputs", &out))
		return -1;
	for (k = 0; k < JOB_OUT__MAX; k++) {
		if (!json_object_object_get_ex(out, job_output_names[k], &one))
			return -1;
		put[k] = str_of(one, "url", NULL);
		if (put[k] == NULL)
			return -1;
	}
	if (dup_of(in, "user_photo", &u[0]) == -1 ||
	    dup_of(in, "outfit", &u[1]) == -1 ||
	    dup_of(in, "location", &u[2]) == -1 ||
	    dup_of(in, "image", &u[3]) == -1)
		goto out;
	if (c->job.kind == JOB_KIND_TRYON ? u[0] == NULL || u[1] == NULL :
	    u[3] == NULL)
		goto out;
	free(c->photo_url);
	free(c->outfit_url);
	free(c->location_url);
	free(c->source_url);
	c->photo_url = u[0];
	c->outfit_url = u[1];
	c->location_url = u[2];
	c->source_url = u[3];
	memset(u, 0, sizeof(u));
	for (k = 0; k < JOB_OUT__MAX; k++)
		c->put_url[k] = put[k];
	json_object_get(o);
	json_object_put(aj->urls);
	aj->urls = o;
	/* Refreshed once half their life is gone. */
	ttl = int_of(o, "urls_ttl_seconds");
	if (ttl <= 0)
		ttl = AGENT_URLS_TTL;
	aj->urls_at = util_mono_ms();
	aj->urls_ttl = ttl * 1000;
	aj->urls_until = aj->urls_at + aj->urls_ttl / 2;
	rc = 0;
out:
	for (k = 0; k < 4; k++)
		free(u[k]);
	return rc;
}

/*
 * The claim's answer into aj: 0, or -1 when it lacks what the job's kind
 * needs (a contour A of another version).
 */
static int
job_parse(struct agent *ag, struct agent_job *aj, json_object *j)
{
	struct job_ctx	*c = &aj->c;
	int		 k;

	c->job.id = int_of(j, "id");
	k = job_kind_parse(str_of(j, "kind", ""));
	c->job.attempts = (int)int_of(j, "attempt");
	c->job.max_attempts = (int)int_of(j, "max_attempts");
	c->job.seed = int_of(j, "seed");
	aj->lease_s = (int)int_of(j, "lease_seconds");
	util_strlcpy(aj->lease, str_of(j, "lease", ""), sizeof(aj->lease));
	util_strlcpy(c->job.provider_ref, str_of(j, "provider_ref", ""),
	    sizeof(c->job.provider_ref));
	util_strlcpy(c->job.last_error, str_of(j, "last_error", ""),
	    sizeof(c->job.last_error));
	util_strlcpy(c->category, str_of(j, "category", ""),
	    sizeof(c->category));
	util_strlcpy(c->prompt, str_of(j, "prompt", ""), sizeof(c->prompt));
	util_strlcpy(c->outfit_title, str_of(j, "title", ""),
	    sizeof(c->outfit_title));
	if (c->job.id <= 0 || k < 0 || aj->lease_s <= 0 ||
	    aj->lease[0] == '\0')
		return -1;
	c->job.kind = (enum job_kind)k;
	if (job_urls(ag, aj, j) == -1)
		return -1;
	snprintf(aj->path, sizeof(aj->path), "/api/v1/agent/jobs/%lld/",
	    (long long)c->job.id);
	aj->alive_until = time(NULL) + aj->lease_s;
	return 0;
}

/* Fresh presigned URLs from contour A (the lease renewed too): 0, or -1
 * when the job is not ours any more. */
static int
job_refresh(struct agent *ag, struct agent_job *aj)
{
	json_object	*b = json_object_new_object(), *out = NULL;
	char		 id[24], date[32];
	long		 st;
	int		 rc = -1;

	json_object_object_add(b, "urls", json_object_new_boolean(1));
	st = job_call(aj, "heartbeat", b, &out);
	json_object_put(b);
	if (st == 200 && out != NULL && job_urls(ag, aj, out) == 0) {
		snprintf(id, sizeof(id), "%lld", (long long)aj->c.job.id);
		url_date(aj->c.put_url[JOB_OUT_RESULT], date, sizeof(date));
		log_kv(LOG_LVL_INFO, "presigned URLs refreshed", "job_id", id,
		    "amz_date", date, (char *)NULL);
		rc = 0;
	} else if (st == 200)
		log_warnx("job %lld: the refreshed URLs were incomplete",
		    (long long)aj->c.job.id);
	json_object_put(out);
	return rc;
}

/* The hooks of a provider call for aj. */
static void
job_hooks(struct agent_job *aj, struct provider_hooks *h)
{
	memset(h, 0, sizeof(*h));
	h->arg = aj;
	h->heartbeat = hook_heartbeat;
	h->save_ref = hook_save_ref;
	h->ref = aj->c.job.provider_ref;
	h->last_error = aj->c.job.last_error;
	h->credits = hook_credits;
	h->alert = hook_alert;
	h->park = 1;
}

void
agent_job_free(struct agent *ag, struct agent_job *aj)
{
	if (ag->prov->release != NULL && aj->c.result_url != NULL)
		ag->prov->release(ag->prov, aj->c.job.id);
	job_ctx_clear(&aj->c);
	json_object_put(aj->urls);
	free(aj);
}

/*
 * The provider is done with the job (rc 0: c->result_url; -1: c->err):
 * UPLOADING (outputs PUT to fresh URLs) and complete, or the failure
 * reported.
 */
static void
job_finish(struct agent *ag, struct agent_job *aj, int rc)
{
	struct job_ctx	*c = &aj->c;
	json_object	*out = NULL, *e = NULL;
	const char	*st;
	long		 status;

	c->place_location = rc == 0 && c->job.kind == JOB_KIND_TRYON &&
	    c->location_url != NULL && !ag->prov->places_location;
	/* UPLOADING takes a while before the PUTs: URLs with most of their
	 * life ahead. */
	if (rc == 0 && ((util_mono_ms() - aj->urls_at > aj->urls_ttl / 4 &&
	    job_refresh(ag, aj) == -1) ||
	    job_stage(aj, JOB_UPLOADING) == -1)) {
		log_warnx("job %lld: lost (cancelled, rescued, or the API is "
		    "unreachable)", (long long)c->job.id);
		return;
	}
	if (rc == 0) {
		wm_busy(1);
		rc = stage_uploading(c);
		wm_busy(-1);
	}
	if (rc == -1) {
		job_fail(aj);
		return;
	}
	status = job_call(aj, "complete", json_object_new_object(), &out);
	st = out != NULL ? str_of(out, "status", "") : "";
	if (status == 200 && strcmp(st, "COMPLETED") == 0)
		log_info("job %lld: completed", (long long)c->job.id);
	else if (status == 409 && out != NULL) {
		json_object_object_get_ex(out, "error", &e);
		if (e != NULL && strcmp(str_of(e, "code", ""),
		    "output_missing") == 0) {
			/* The PUTs answered yet nothing is there: retried. */
			job_error_set(&c->err, JOB_ERR_STORAGE_ERROR,
			    "agent: contour A did not find the outputs");
			job_fail(aj);
		} else
			log_warnx("job %lld: no longer ours at completion",
			    (long long)c->job.id);
	} else
		log_warnx("job %lld: completion not confirmed (HTTP %ld %s)",
		    (long long)c->job.id, status, st);
	json_object_put(out);
}

int
agent_job_start(struct agent *ag, struct agent_job *aj, json_object *j)
{
	struct job_ctx	*c = &aj->c;
	struct provider_hooks hooks;
	char		 id[24], date[32];
	int		 rc;

	aj->api = ag->api;
	c->app = ag->app;
	c->prov = ag->prov;
	c->worker = "agent";
	c->slot = -1;
	c->pause_at = -1;
	if (job_parse(ag, aj, j) == -1) {
		log_warnx("claim answer without what the job needs");
		if (c->job.id > 0 && aj->lease[0] != '\0') {
			job_error_set(&c->err, JOB_ERR_INTERNAL,
			    "agent: the claim's answer was incomplete");
			job_fail(aj);
		}
		return 0;
	}
	snprintf(id, sizeof(id), "%lld", (long long)c->job.id);
	url_date(c->put_url[JOB_OUT_RESULT], date, sizeof(date));
	log_kv(LOG_LVL_INFO, "claimed", "job_id", id, "kind",
	    job_kind_name(c->job.kind), "amz_date", date, (char *)NULL);
	if (job_stage(aj, JOB_RUNNING) == -1) {
		log_warnx("job %lld: lost (cancelled, rescued, or the API is "
		    "unreachable)", (long long)c->job.id);
		return 0;
	}
	job_hooks(aj, &hooks);
	rc = running_call(c, &hooks);
	if (rc == PROVIDER_PARKED) {
		aj->parked_at = util_mono_ms();
		aj->check_at = aj->parked_at +
		    running_park_delay(ag->prov, 0);
		return 1;
	}
	job_finish(ag, aj, rc);
	return 0;
}

int
agent_job_tend(struct agent *ag, struct agent_job *aj)
{
	struct job_ctx	*c = &aj->c;
	struct provider_hooks hooks;
	int64_t		 now = util_mono_ms();
	int		 rc;

	if ((now >= aj->urls_until ? job_refresh(ag, aj) :
	    hook_heartbeat(aj)) == -1) {
		log_warnx("job %lld: lost while parked (cancelled, rescued, "
		    "or the API is unreachable)", (long long)c->job.id);
		return 0;
	}
	if (now < aj->check_at)
		return 1;
	job_hooks(aj, &hooks);
	c->job.parked_ms = now - aj->parked_at;
	rc = running_poll(c, &hooks);
	if (rc == STAGE_PARKED) {
		c->job.park_checks++;
		aj->check_at = util_mono_ms() + c->park_ms;
		return 1;
	}
	job_finish(ag, aj, rc);
	return 0;
}

