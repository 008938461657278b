/*
 * The contour-B agent's processes (batch/agent.h): claim jobs from the
 * agent API and carry them, up to --agent-jobs at once per process;
 * each held job's life is in agent_job.c.
 *
 * One process carries many jobs: once a vendor accepted a job it is
 * parked in memory (the vendor's id, the next status call's time, the
 * lease, the presigned URLs) and the process claims more.  Each held
 * job gets its turn on every tick (agent_job_tend()).  Nothing is kept
 * on disk: a killed agent's jobs are rescued by contour A, and the next
 * claim resumes each vendor's job by its saved id instead of paying
 * twice.  The API being down is waited out (1 s doubling to 30 s).
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
#include "agent_int.h"
#include "conftab.h"
#include "log.h"
#include "util.h"
#include "worker.h"

#define AGENT_TOKEN_MAX		256
#define AGENT_TICK_MS		1000	/* the longest sleep with jobs held */

volatile sig_atomic_t agent_stopping;

static void
on_term(int sig)
{
	(void)sig;
	agent_stopping = 1;
}

/* Sleep ms milliseconds (a signal cuts it short). */
static void
nap_ms(int64_t ms)
{
	struct timespec	 ts;

	if (ms <= 0 || agent_stopping)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	(void)nanosleep(&ts, NULL);
}

/* Every held job's turn; the ones over are let go. */
static void
agent_tend(struct agent *ag)
{
	struct agent_job **pp = &ag->held, *aj;

	for (aj = *pp; aj != NULL && !agent_stopping; aj = *pp) {
		if (agent_job_tend(ag, aj)) {
			pp = &aj->next;
			continue;
		}
		*pp = aj->next;
		ag->nheld--;
		agent_job_free(ag, aj);
	}
}

/* How long to sleep: to the next due check or URL refresh, a tick at
 * most (leases are renewed on the tick), until claim_at when there is
 * room for more. */
static int64_t
agent_idle_ms(const struct agent *ag, int64_t claim_at)
{
	const struct agent_job *aj;
	int64_t		 now = util_mono_ms(), due = now + AGENT_TICK_MS;

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
		else if (agent_job_start(ag, aj, job)) {
			aj->next = ag->held;
			ag->held = aj;
			ag->nheld++;
		} else
			agent_job_free(ag, aj);
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
	while (!agent_stopping) {
		if (ag.nheld < ag.max && util_mono_ms() >= claim_at) {
			n = agent_claim(&ag, &st);
			if (n == -1) {
				rc = 1;
				break;
			}
			if (n == -2) {
				/* Down, overloaded, or not answering. */
				log_warnx("agent: claim failed (HTTP %ld), "
				    "again in %d s", st, pause);
				claim_at = util_mono_ms() + pause * 1000L;
				if (pause < AGENT_BACKOFF_MAX)
					pause *= 2;
			} else {
				pause = 1;
				/* A job taken: ask again at once. */
				claim_at = util_mono_ms() + (n == 1 ? 0 :
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
		agent_job_free(&ag, aj);
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
			for (i = 0; agent_stopping && i < 64; i++)
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
