/*
 * The contour-B agent (batch/agent.h): claim, RUNNING (the provider's
 * call), UPLOADING (the result checked and its outputs PUT to presigned
 * URLs), complete; any failure reported as the worker would record it.
 *
 * One process carries many jobs: once a vendor accepted a job it is
 * parked in memory (the vendor's id, the next status call's time, the
 * lease, the presigned URLs) and the process claims more, up to
 * --agent-jobs.  Each held job gets its lease renewed, its presigned
 * URLs refreshed before half their life is gone (the heartbeat with
 * "urls"), one status call when due (the worker's running_poll(), with
 * its growing interval), and is finished on its own.  Nothing is kept
 * on disk: a killed agent's jobs are rescued by contour A.
 *
 * The API being down is waited out: every call is retried with a growing
 * pause (1 s doubling to 30 s).  A job's calls are retried only while
 * its lease can still be alive; past that contour A rescues the job
 * (lib/queue.c) and hands it to the next claim, which resumes the
 * provider's job by its saved id instead of paying twice.
 */
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "conftab.h"
#include "log.h"
#include "outputs.h"
#include "util.h"
#include "wmetrics.h"
#include "worker.h"

#define AGENT_TOKEN_MAX		256
#define AGENT_BACKOFF_MAX	30	/* seconds */
#define AGENT_URLS_TTL		900	/* seconds, when contour A says none */
#define AGENT_TICK_MS		1000	/* the longest sleep with jobs held */

static volatile sig_atomic_t stopping;

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

/* One claimed job on the agent. */
struct agent_job {
	struct agent_api *api;
	struct job_ctx	 c;
	json_object	*urls;		/* the answer c->put_url points into */
	char		 lease[32];
	char		 path[96];	/* "/api/v1/agent/jobs/ID/" */
	int		 lease_s;
	time_t		 alive_until;	/* the lease, as last renewed */
	int64_t		 urls_at;	/* ms: when the URLs were signed */
	int64_t		 urls_ttl;	/* ms: how long they live */
	int64_t		 urls_until;	/* ms: refresh the URLs by then */
	int64_t		 check_at;	/* ms: the next status call */
	int64_t		 parked_at;	/* ms: when the vendor took it */
	struct agent_job *next;
};

/* One agent process: its provider, its API client, the jobs it holds. */
struct agent {
	struct app	*app;
	struct provider	*prov;
	struct agent_api *api;
	struct agent_job *held;
	int		 nheld;
	int		 max;		/* --agent-jobs */
};

/* Sleep s seconds unless SIGTERM comes first. */
static void
nap(int s)
{
	while (s-- > 0 && !stopping)
		sleep(1);
}

/* Milliseconds on the monotonic clock. */
static int64_t
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep ms milliseconds (a signal cuts it short). */
static void
nap_ms(int64_t ms)
{
	struct timespec	 ts;

	if (ms <= 0 || stopping)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	(void)nanosleep(&ts, NULL);
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
		if (stopping || time(NULL) + pause >= aj->alive_until)
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
	aj->urls_at = mono_ms();
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

static void
job_free(struct agent *ag, struct agent_job *aj)
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
	if (rc == 0 && ((mono_ms() - aj->urls_at > aj->urls_ttl / 4 &&
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

/*
 * A claimed job (j: the claim's "job"): RUNNING, the provider's call.
 * 1 when the vendor holds it (parked: keep it), 0 when it is over.
 */
static int
job_start(struct agent *ag, struct agent_job *aj, json_object *j)
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
		aj->parked_at = mono_ms();
		aj->check_at = aj->parked_at +
		    running_park_delay(ag->prov, 0);
		return 1;
	}
	job_finish(ag, aj, rc);
	return 0;
}

/*
 * A held job's turn: its lease renewed (with fresh URLs when due) and,
 * when due, one status call.  1 to keep holding it, 0 when it is over.
 */
static int
job_tend(struct agent *ag, struct agent_job *aj)
{
	struct job_ctx	*c = &aj->c;
	struct provider_hooks hooks;
	int64_t		 now = mono_ms();
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
		aj->check_at = mono_ms() + c->park_ms;
		return 1;
	}
	job_finish(ag, aj, rc);
	return 0;
}

/* Every held job's turn; the ones over are let go. */
static void
agent_tend(struct agent *ag)
{
	struct agent_job **pp = &ag->held, *aj;

	for (aj = *pp; aj != NULL && !stopping; aj = *pp) {
		if (job_tend(ag, aj)) {
			pp = &aj->next;
			continue;
		}
		*pp = aj->next;
		ag->nheld--;
		job_free(ag, aj);
	}
}

/* How long to sleep: to the next due check or URL refresh, a tick at
 * most (leases are renewed on the tick), until claim_at when there is
 * room for more. */
static int64_t
agent_idle_ms(const struct agent *ag, int64_t claim_at)
{
	const struct agent_job *aj;
	int64_t		 now = mono_ms(), due = now + AGENT_TICK_MS;

	if (ag->held == NULL)
		due = claim_at;
	if (ag->nheld < ag->max && claim_at < due)
		due = claim_at;
	for (aj = ag->held; aj != NULL; aj = aj->next) {
		if (aj->check_at < due)
			due = aj->check_at;
		if (aj->urls_until < due)
			due = aj->urls_until;
	}
	return due - now;
}

/* One claim: 1 with a job taken (held or over), 0 with none, -1 with
 * the token refused, -2 with the API not answering (*stp: its status). */
static int
agent_claim(struct agent *ag, long *stp)
{
	struct agent_job *aj;
	json_object	*body, *out = NULL, *job;
	const char	*slots;
	long		 st;
	int		 rc = 0;

	/* Whose provider slots the job takes at contour A. */
	slots = ag->prov->slot_name != NULL ? ag->prov->slot_name :
	    ag->prov->name;
	body = json_object_new_object();
	json_object_object_add(body, "provider", json_object_new_string(slots));
	st = agent_api_post(ag->api, "/api/v1/agent/claim", body, &out);
	json_object_put(body);
	*stp = st;
	if (st == 401 || st == 403) {
		log_errx("agent: the API refused the token (HTTP %ld): "
		    "revoked or wrong", st);
		json_object_put(out);
		return -1;
	}
	if (st != 200 || out == NULL) {
		json_object_put(out);
		return -2;
	}
	if (json_object_object_get_ex(out, "job", &job) && job != NULL &&
	    json_object_is_type(job, json_type_object)) {
		rc = 1;
		aj = calloc(1, sizeof(*aj));
		if (aj == NULL)
			log_warnx("agent: no memory for a job; its lease "
			    "will expire");
		else if (job_start(ag, aj, job)) {
			aj->next = ag->held;
			ag->held = aj;
			ag->nheld++;
		} else
			job_free(ag, aj);
	}
	json_object_put(out);
	return rc;
}

/* One agent process: claim and carry jobs until SIGTERM.  The exit
 * code. */
static int
agent_loop(struct app *a, const char *url, const char *token, int poll,
    int max)
{
	struct agent	 ag;
	struct agent_job *aj;
	char		 err[256];
	int64_t		 claim_at = 0;
	long		 st;
	int		 pause = 1, rc = 0, n;

	memset(&ag, 0, sizeof(ag));
	ag.app = a;
	ag.max = max;
	ag.prov = provider_new(a, err, sizeof(err));
	if (ag.prov == NULL) {
		log_errx("%s", err);
		return 1;
	}
	ag.api = agent_api_new(url, token);
	if (ag.api == NULL) {
		provider_free(ag.prov);
		log_errx("agent: no memory for the API client");
		return 1;
	}
	while (!stopping) {
		if (ag.nheld < ag.max && mono_ms() >= claim_at) {
			n = agent_claim(&ag, &st);
			if (n == -1) {
				rc = 1;
				break;
			}
			if (n == -2) {
				/* Down, overloaded, or not answering. */
				log_warnx("agent: claim failed (HTTP %ld), "
				    "again in %d s", st, pause);
				claim_at = mono_ms() + pause * 1000L;
				if (pause < AGENT_BACKOFF_MAX)
					pause *= 2;
			} else {
				pause = 1;
				/* A job taken: ask again at once. */
				claim_at = mono_ms() + (n == 1 ? 0 :
				    poll * 1000L);
			}
		}
		agent_tend(&ag);
		nap_ms(agent_idle_ms(&ag, claim_at));
	}
	/* Held jobs are let go: their leases expire, contour A rescues
	 * them and the next claim resumes each vendor's job by its id. */
	for (aj = ag.held; aj != NULL; aj = ag.held) {
		ag.held = aj->next;
		job_free(&ag, aj);
	}
	agent_api_free(ag.api);
	provider_free(ag.prov);
	return rc;
}

/*
 * Whether the configured providers include local, which stages its
 * results in our storage: an agent has none, so it needs a hosted one.
 */
static int
uses_local(struct app *a)
{
	const char	*def, *list, *p;
	size_t		 i;

	def = conf_get(a->cfg, CONF_WORKER_PROVIDER);
	for (i = 0; i < 2; i++) {
		list = conf_get(a->cfg, i == 0 ? CONF_PROVIDERS_TRYON :
		    CONF_PROVIDERS_ANIMATE);
		if (list == NULL)
			list = def;
		for (p = strstr(list, "local"); p != NULL;
		    p = strstr(p + 1, "local"))
			if ((p == list || p[-1] == ',' || p[-1] == ' ' ||
			    p[-1] == '\t') && (p[5] == '\0' || p[5] == ',' ||
			    p[5] == ' ' || p[5] == '\t'))
				return 1;
	}
	return 0;
}

/* The token: from file, else PRIMERKA_AGENT_TOKEN.  0 or -1. */
static int
read_token(const char *file, char *tok, size_t len)
{
	const char	*env;
	FILE		*f;
	size_t		 n;

	tok[0] = '\0';
	env = getenv("PRIMERKA_AGENT_TOKEN");
	if (file != NULL) {
		f = fopen(file, "r");
		if (f == NULL) {
			log_errx("agent: %s: %s", file, strerror(errno));
			return -1;
		}
		if (fgets(tok, (int)len, f) == NULL)
			tok[0] = '\0';
		fclose(f);
	} else if (env != NULL)
		util_strlcpy(tok, env, len);
	n = strlen(tok);
	while (n > 0 && (tok[n - 1] == '\n' || tok[n - 1] == '\r' ||
	    tok[n - 1] == ' '))
		tok[--n] = '\0';
	if (n == 0) {
		log_errx("agent: no token (--agent-token-file FILE or "
		    "PRIMERKA_AGENT_TOKEN)");
		return -1;
	}
	return 0;
}

int
agent_main(const char *url, const char *token_file, int n, int jobs)
{
	struct app	 a;
	struct sigaction sa;
	char		 err[256], tok[AGENT_TOKEN_MAX];
	pid_t		 pids[64];
	int64_t		 poll;
	int		 i, status, rc = 0, left = 0;
	pid_t		 pid;

	if (strncmp(url, "http://", 7) != 0 &&
	    strncmp(url, "https://", 8) != 0) {
		fprintf(stderr, "primerka-batch: --agent wants an http(s) "
		    "URL\n");
		return 2;
	}
	if (app_init_flags(&a, "primerka-batch", APP_AGENT, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "primerka-batch: %s\n", err);
		return 1;
	}
	if (uses_local(&a)) {
		log_errx("agent: the local provider needs storage credentials; "
		    "name a hosted one ([worker] provider = fashn, fal or "
		    "replicate, with its keys)");
		app_free(&a);
		return 1;
	}
	if (read_token(token_file, tok, sizeof(tok)) == -1) {
		app_free(&a);
		return 1;
	}
	/* An idle agent asks every 2 s unless [worker] poll_interval says. */
	poll = 2;
	if (conf_get_set(a.cfg, CONF_WORKER_POLL_INTERVAL) != NULL &&
	    conf_get_int(a.cfg, CONF_WORKER_POLL_INTERVAL, &poll) == -1) {
		log_errx("bad [worker] poll_interval");
		app_free(&a);
		return 1;
	}
	/* The results are checked here, before any byte is stored. */
	if (app_load_nsfw(&a, err, sizeof(err)) == -1) {
		log_errx("NSFW model: %s", err);
		app_free(&a);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_info("agent for %s: %d process(es), each holding up to %d "
	    "job(s)", url, n, jobs);
	if (n <= 1) {
		rc = agent_loop(&a, url, tok, (int)poll, jobs);
		explicit_bzero(tok, sizeof(tok));
		app_free(&a);
		return rc;
	}
	memset(pids, 0, sizeof(pids));
	for (i = 0; i < n && i < 64; i++) {
		pid = fork();
		if (pid == -1) {
			log_errx("fork: %s", strerror(errno));
			break;
		}
		if (pid == 0)
			_exit(agent_loop(&a, url, tok, (int)poll, jobs));
		pids[i] = pid;
		left++;
	}
	explicit_bzero(tok, sizeof(tok));
	while (left > 0) {
		pid = wait(&status);
		if (pid == -1 && errno == EINTR) {
			for (i = 0; stopping && i < 64; i++)
				if (pids[i] > 0)
					kill(pids[i], SIGTERM);
			continue;
		}
		if (pid == -1)
			break;
		left--;
		for (i = 0; i < 64; i++)
			if (pids[i] == pid)
				pids[i] = 0;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			/* A refused token or a crash: stop them all, and
			 * let the service manager decide. */
			rc = 1;
			for (i = 0; i < 64; i++)
				if (pids[i] > 0)
					kill(pids[i], SIGTERM);
		}
	}
	app_free(&a);
	return rc;
}
