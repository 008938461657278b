/*
 * The contour-B agent (batch/agent.h): claim, RUNNING (the provider's
 * call), UPLOADING (the result checked and its outputs PUT to presigned
 * URLs), complete; any failure reported as the worker would record it.
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
	char		 lease[32];
	char		 path[96];	/* "/api/v1/agent/jobs/ID/" */
	int		 lease_s;
	time_t		 alive_until;	/* the lease, as last renewed */
};

/* Sleep s seconds unless SIGTERM comes first. */
static void
nap(int s)
{
	while (s-- > 0 && !stopping)
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

/*
 * The claim's answer into aj: 0, or -1 when it lacks what the job's kind
 * needs (a contour A of another version).
 */
static int
job_parse(struct agent_job *aj, json_object *j)
{
	struct job_ctx	*c = &aj->c;
	json_object	*in = NULL, *out = NULL, *one;
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
	    aj->lease[0] == '\0' ||
	    !json_object_object_get_ex(j, "inputs", &in) ||
	    !json_object_object_get_ex(j, "outputs", &out))
		return -1;
	c->job.kind = (enum job_kind)k;
	if (dup_of(in, "user_photo", &c->photo_url) == -1 ||
	    dup_of(in, "outfit", &c->outfit_url) == -1 ||
	    dup_of(in, "location", &c->location_url) == -1 ||
	    dup_of(in, "image", &c->source_url) == -1)
		return -1;
	if (c->job.kind == JOB_KIND_TRYON ? c->photo_url == NULL ||
	    c->outfit_url == NULL : c->source_url == NULL)
		return -1;
	for (k = 0; k < JOB_OUT__MAX; k++) {
		if (!json_object_object_get_ex(out, job_output_names[k], &one))
			return -1;
		c->put_url[k] = str_of(one, "url", NULL);
		if (c->put_url[k] == NULL)
			return -1;
	}
	snprintf(aj->path, sizeof(aj->path), "/api/v1/agent/jobs/%lld/",
	    (long long)c->job.id);
	aj->alive_until = time(NULL) + aj->lease_s;
	return 0;
}

/* Run one claimed job (j: the claim's "job") to its report. */
static void
job_run(struct app *a, struct provider *prov, struct agent_api *api,
    json_object *j)
{
	struct agent_job aj;
	struct job_ctx	*c = &aj.c;
	struct provider_hooks hooks;
	json_object	*out = NULL;
	const char	*st;
	long		 status;
	int		 rc;

	memset(&aj, 0, sizeof(aj));
	aj.api = api;
	c->app = a;
	c->prov = prov;
	c->worker = "agent";
	c->slot = -1;
	c->pause_at = -1;
	if (job_parse(&aj, j) == -1) {
		log_warnx("claim answer without what the job needs");
		if (c->job.id > 0 && aj.lease[0] != '\0') {
			job_error_set(&c->err, JOB_ERR_INTERNAL,
			    "agent: the claim's answer was incomplete");
			job_fail(&aj);
		}
		goto out;
	}
	log_info("job %lld: claimed (%s, attempt %d)", (long long)c->job.id,
	    job_kind_name(c->job.kind), c->job.attempts);
	if (job_stage(&aj, JOB_RUNNING) == -1)
		goto lost;
	memset(&hooks, 0, sizeof(hooks));
	hooks.arg = &aj;
	hooks.heartbeat = hook_heartbeat;
	hooks.save_ref = hook_save_ref;
	hooks.ref = c->job.provider_ref;
	hooks.last_error = c->job.last_error;
	hooks.credits = hook_credits;
	hooks.alert = hook_alert;
	wm_busy(1);
	rc = running_call(c, &hooks);
	c->place_location = rc == 0 && c->job.kind == JOB_KIND_TRYON &&
	    c->location_url != NULL && !prov->places_location;
	if (rc == 0 && job_stage(&aj, JOB_UPLOADING) == -1) {
		wm_busy(-1);
		goto lost;
	}
	if (rc == 0)
		rc = stage_uploading(c);
	wm_busy(-1);
	if (rc == -1) {
		job_fail(&aj);
		goto out;
	}
	status = job_call(&aj, "complete", json_object_new_object(), &out);
	st = out != NULL ? str_of(out, "status", "") : "";
	if (status == 200 && strcmp(st, "COMPLETED") == 0)
		log_info("job %lld: completed", (long long)c->job.id);
	else if (status == 409 && out != NULL) {
		json_object *e = NULL;
		json_object_object_get_ex(out, "error", &e);
		if (e != NULL && strcmp(str_of(e, "code", ""),
		    "output_missing") == 0) {
			/* The PUTs answered yet nothing is there: retried. */
			job_error_set(&c->err, JOB_ERR_STORAGE_ERROR,
			    "agent: contour A did not find the outputs");
			job_fail(&aj);
		} else
			log_warnx("job %lld: no longer ours at completion",
			    (long long)c->job.id);
	} else
		log_warnx("job %lld: completion not confirmed (HTTP %ld %s)",
		    (long long)c->job.id, status, st);
	goto out;
lost:
	log_warnx("job %lld: lost (cancelled, rescued, or the API is "
	    "unreachable)", (long long)c->job.id);
out:
	json_object_put(out);
	if (prov->release != NULL && c->result_url != NULL)
		prov->release(prov, c->job.id);
	job_ctx_clear(c);
}

/* One agent process: claim and run jobs until SIGTERM.  The exit code. */
static int
agent_loop(struct app *a, const char *url, const char *token, int poll)
{
	struct agent_api *api;
	struct provider	*prov;
	json_object	*out, *job;
	char		 err[256];
	long		 st;
	int		 pause = 1, rc = 0;

	prov = provider_new(a, err, sizeof(err));
	if (prov == NULL) {
		log_errx("%s", err);
		return 1;
	}
	api = agent_api_new(url, token);
	if (api == NULL) {
		provider_free(prov);
		log_errx("agent: no memory for the API client");
		return 1;
	}
	while (!stopping) {
		st = agent_api_post(api, "/api/v1/agent/claim", NULL, &out);
		if (st == 401 || st == 403) {
			log_errx("agent: the API refused the token (HTTP %ld): "
			    "revoked or wrong", st);
			json_object_put(out);
			rc = 1;
			break;
		}
		if (st != 200 || out == NULL) {
			/* Down, overloaded, or not answering: wait it out. */
			json_object_put(out);
			log_warnx("agent: claim failed (HTTP %ld), again in "
			    "%d s", st, pause);
			nap(pause);
			if (pause < AGENT_BACKOFF_MAX)
				pause *= 2;
			continue;
		}
		pause = 1;
		if (json_object_object_get_ex(out, "job", &job) &&
		    job != NULL && json_object_is_type(job, json_type_object))
			job_run(a, prov, api, job);
		else
			nap(poll);
		json_object_put(out);
	}
	agent_api_free(api);
	provider_free(prov);
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
agent_main(const char *url, const char *token_file, int n)
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
	log_info("agent for %s: %d process(es)", url, n);
	if (n <= 1) {
		rc = agent_loop(&a, url, tok, (int)poll);
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
			_exit(agent_loop(&a, url, tok, (int)poll));
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
