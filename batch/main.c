/*
 * primerka-batch: the worker.
 *
 *   --once       drain what is ready (bounded by --max-jobs and
 *                --max-seconds) and exit; the systemd timer mode.
 *   --follow     stay up, wake on LISTEN/NOTIFY, poll as a fallback.
 *   --concurrency N   run N worker processes.
 *   --batch N    claim up to N ready jobs at once (default 1): for deep
 *                queues of short jobs; each keeps its own lease.
 *   --noop       complete each claimed job at once, without its stages
 *                (bench/queue measures the queue itself with it).
 *
 * SIGTERM lets the current job finish its stage and stop; a job cut off
 * harder than that is rescued when its lease expires.  With --follow the
 * processes are supervised (lib/supervise.c): one that dies is replaced
 * after a crash-loop backoff, and SIGHUP loads the configuration anew and
 * replaces each process once its current job is done (SIGUSR1 to it).
 */
#include <sys/select.h>
#include <sys/wait.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deletes.h"
#include "confcheck.h"
#include "conftab.h"
#include "log.h"
#include "outbox.h"
#include "retention.h"
#include "supervise.h"
#include "wmetrics.h"
#include "util.h"
#include "video.h"
#include "agent.h"
#include "worker.h"

static volatile sig_atomic_t stopping;	/* SIGTERM: stop after the stage */
static volatile sig_atomic_t draining;	/* SIGUSR1: stop after the job */

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

static void
on_drain(int sig)
{
	(void)sig;
	draining = 1;
}

struct opts {
	int	 follow;
	int64_t	 concurrency;
	int64_t	 max_jobs;
	int64_t	 max_seconds;
	int64_t	 lease;
	int64_t	 poll;
	int64_t	 slot_wait;
	int	 pause_at;
	int	 noop;		/* bench/queue: claim and complete, no stages */
	int64_t	 batch;		/* jobs claimed at once (--batch) */
	int	 agents;	/* [worker] agents: QUEUED jobs are agents' */
};

static const struct db_stmt *const batch_tables[] = {
	queue_statements,
	worker_statements,
	running_statements,
	slot_statements,
	photo_statements,
	catalog_statements,
	retention_statements,
	deletes_statements,
	outbox_statements,
	NULL
};

/* Wait for a NOTIFY or ms; returns early on SIGTERM. */
static void
wait_for_work(struct app *a, int64_t ms)
{
	PGconn		*conn = db_conn(a->db);
	PGnotify	*n;
	fd_set		 rfds;
	struct timeval	 tv;
	int		 fd;

	fd = -1;
	if (conn != NULL && PQstatus(conn) == CONNECTION_OK)
		fd = PQsocket(conn);
	if (fd < 0) {
		usleep((useconds_t)(ms > 1000 ? 1000000 : ms * 1000));
		return;
	}
	FD_ZERO(&rfds);
	FD_SET(fd, &rfds);
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	if (select(fd + 1, &rfds, NULL, NULL, &tv) > 0)
		PQconsumeInput(conn);
	for (;;) {
		n = PQnotifies(conn);
		if (n == NULL)
			break;
		PQfreemem(n);
	}
}

/* The most jobs claimed at once (--batch). */
#define BATCH_MAX	256

/* Order jobs by user, then id: each user's jobs debited oldest first. */
static int
by_user(const void *x, const void *y)
{
	const struct queue_job *a = x, *b = y;

	if (a->user_id != b->user_id)
		return a->user_id < b->user_id ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/*
 * --noop: the claimed jobs have no stages, so they finish together: each
 * batch is completed (with its debits) in one transaction, which also
 * claims the next batch while there is one and the run goes on.
 * Returns the number of jobs taken.
 */
static int64_t
noop_drain(struct app *a, const struct opts *o, const char *worker,
    time_t start, int64_t done, struct queue_job *jobs, int n)
{
	const char	*keys[BATCH_MAX];
	enum queue_result out[BATCH_MAX], qr;
	int64_t		 taken = 0;
	int		 i, next, last;

	for (i = 0; i < BATCH_MAX; i++)
		keys[i] = "noop";
	while (n > 0) {
		if (n > BATCH_MAX)
			n = BATCH_MAX;
		qsort(jobs, n, sizeof(*jobs), by_user);
		last = stopping || draining || (!o->follow &&
		    (time(NULL) - start >= o->max_seconds ||
		    (o->max_jobs > 0 && done + taken + n >= o->max_jobs)));
		next = 0;
		wm_busy(n);
		if (last)
			qr = queue_complete_many(a->db, jobs, n, worker, keys,
			    NULL, out);
		else
			qr = queue_complete_claim(a->db, jobs, n, worker, keys,
			    NULL, out, o->agents ? QUEUE_CLAIM_OWN :
			    QUEUE_CLAIM_ALL, (int)o->lease, jobs,
			    (int)o->batch, &next);
		wm_busy(-n);
		taken += n;
		if (qr == QUEUE_DB) {
			log_warnx("completing %d no-op job(s): %s", n,
			    db_error(a->db));
			break;
		}
		n = next;
	}
	return taken;
}

/*
 * --once: the jobs this run parked, so that it waits for them (and only
 * them) to be due again before it exits.  Past PARKED_SET_MAX the rest
 * are left to the next run.
 */
#define PARKED_SET_MAX	256
struct parked_set {
	int64_t	 id[PARKED_SET_MAX];
	int	 n;
};

static void
parked_add(struct parked_set *s, int64_t id)
{
	if (s->n < PARKED_SET_MAX)
		s->id[s->n++] = id;
}

static void
parked_forget(struct parked_set *s, int64_t id)
{
	int	 i;

	for (i = 0; i < s->n; i++)
		if (s->id[i] == id) {
			s->id[i] = s->id[--s->n];
			return;
		}
}

static int
worker_loop(struct app *a, const struct opts *o, int index)
{
	struct provider	*prov;
	struct job_ctx	 c;
	char		 worker[96], host[64], err[256];
	time_t		 start = time(NULL), last_rescue = 0, last_sweep = 0;
	time_t		 last_deletes = 0, last_reconcile = time(NULL);
	time_t		 last_catalog = 0;
	struct retention_counts rc_n;
	struct deletes_counts dc_n;
	int64_t		 reconcile_h = 24, grace = 3600;
	int64_t		 done = 0;
	int		 listening = 0, exitcode = 0, nclaimed, i;
	enum queue_result qr;
	struct queue_job claimed[BATCH_MAX];
	char		*hook_base = NULL;
	const char	*pub;
	int64_t		 due;
	int		 full;
	struct parked_set mine = { { 0 }, 0 };	/* --once: parked here */

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(worker, sizeof(worker), "%s:%ld:%d", host, (long)getpid(),
	    index);
	if (app_open_db_as(a, CONF_DATABASE_WORKER_URL, batch_tables) == -1)
		return 1;
	if (a->nsfw == NULL && app_load_nsfw(a, err, sizeof(err)) == -1) {
		log_errx("NSFW model: %s", err);
		return 1;
	}
	if (a->pose == NULL && app_load_pose(a, err, sizeof(err)) == -1) {
		log_errx("pose models: %s", err);
		return 1;
	}
	if (conf_get_int(a->cfg, CONF_RETENTION_RECONCILE_HOURS,
	    &reconcile_h) == -1 ||
	    conf_get_int(a->cfg, CONF_RETENTION_ORPHAN_GRACE, &grace) == -1) {
		log_errx("bad [retention] reconcile_hours or orphan_grace");
		return 1;
	}
	prov = provider_new(a, err, sizeof(err));
	if (prov == NULL) {
		log_errx("%s", err);
		return 1;
	}
	/* Webhooks: on with [api] public_url, the site's external base. */
	pub = conf_get(a->cfg, CONF_API_PUBLIC_URL);
	if (pub != NULL && pub[0] != '\0') {
		size_t n = strlen(pub);
		while (n > 0 && pub[n - 1] == '/')
			n--;
		hook_base = malloc(n + sizeof("/api/v1/hooks/"));
		if (hook_base != NULL)
			snprintf(hook_base, n + sizeof("/api/v1/hooks/"),
			    "%.*s/api/v1/hooks/", (int)n, pub);
	}
	while (!stopping && !draining) {
		if (o->follow && !listening)
			listening = db_command(a->db, "LISTEN primerka_jobs") == 0;
		/* --once --max-jobs: the jobs it parked count as taken,
		 * until they end here or elsewhere (cancelled, rescued). */
		full = !o->follow && o->max_jobs > 0 &&
		    done + mine.n >= o->max_jobs;
		if (full && mine.n > 0 &&
		    queue_next_parked(a->db, mine.id, mine.n) < 0)
			mine.n = 0;
		if (!o->follow && ((full && mine.n == 0) ||
		    time(NULL) - start >= o->max_seconds))
			break;
		memset(&c, 0, sizeof(c));
		c.app = a;
		c.prov = prov;
		c.worker = worker;
		c.lease = (int)o->lease;
		c.slot = 0;
		c.slot_wait = (int)o->slot_wait;
		c.hook_base = hook_base;
		c.pause_at = o->pause_at;
		c.agents = o->agents;
		if (time(NULL) - last_rescue >= o->poll) {
			int n = queue_rescue(a->db);
			if (n > 0)
				log_warnx("rescued %d job(s) with expired leases", n);
			n = outbox_abandon(a, OUTBOX_SEND_LEASE);
			if (n > 0)
				log_warnx("%d bot message(s) left mid-send by a "
				    "lost worker: not sent again", n);
			last_rescue = time(NULL);
		}
		/*
		 * Before any job, however deep the queue: objects whose rows
		 * are gone (every few seconds), and the NSFW verdicts of
		 * catalogue items, which stay out of the catalogue until
		 * judged.
		 */
		memset(&dc_n, 0, sizeof(dc_n));
		if (time(NULL) - last_deletes >= 5) {
			(void)deletes_sweep(a, 100, &dc_n);
			last_deletes = time(NULL);
		}
		if (time(NULL) != last_catalog) {
			if (catalog_check_pending(a) == 1)
				continue;
			last_catalog = time(NULL);
		}
		qr = queue_claim_ids(a->db, o->agents ? QUEUE_CLAIM_OWN :
		    QUEUE_CLAIM_ALL, worker, (int)o->lease,
		    full ? mine.id : NULL, mine.n, claimed, (int)o->batch,
		    &nclaimed);
		if (qr == QUEUE_OK && o->noop) {
			done += noop_drain(a, o, worker, start, done, claimed,
			    nclaimed);
			continue;
		}
		if (qr == QUEUE_OK) {
			for (i = 0; i < nclaimed; i++) {
				c.job = claimed[i];
				wm_busy(1);
				parked_forget(&mine, claimed[i].id);
				if (pipeline_run(&c) != STAGE_PARKED)
					done++;
				else if (!o->follow)
					parked_add(&mine, claimed[i].id);
				wm_busy(-1);
			}
			continue;
		}
		if (qr == QUEUE_DB) {
			listening = 0;
			if (!o->follow) {
				/* A timer run that could not reach the queue
				 * must not look like a success. */
				log_errx("the job queue is unreachable: %s",
				    db_error(a->db));
				exitcode = 1;
				break;
			}
			sleep(1);
			continue;
		}
		/* Idle: bot messages due again (a retry, or one whose
		 * worker died before sending), then photos and catalogue
		 * images waiting for their verdict, then objects whose rows
		 * are gone. */
		if (outbox_send_one(a, worker, 0) == 1 ||
		    photos_check_pending(a, (int)o->lease) == 1 ||
		    catalog_check_pending(a) == 1 ||
		    deletes_sweep(a, 100, &dc_n) > 0)
			continue;
		/* Idle: the retention sweep, hourly (and at every --once run),
		 * by the first worker process only. */
		if (index == 0 && time(NULL) - last_sweep >= 3600) {
			(void)retention_sweep(a, 100000, &rc_n);
			last_sweep = time(NULL);
		}
		/* Idle: objects no row names, daily by default. */
		if (index == 0 && reconcile_h > 0 &&
		    time(NULL) - last_reconcile >= reconcile_h * 3600) {
			memset(&dc_n, 0, sizeof(dc_n));
			(void)deletes_reconcile(a, grace, &dc_n);
			if (dc_n.orphans > 0)
				log_warnx("reconcile: %lld objects without a "
				    "row, %lld deleted", (long long)dc_n.orphans,
				    (long long)dc_n.deleted);
			last_reconcile = time(NULL);
		}
		/* Parked jobs: the next one's check is due in due ms. */
		if (!o->follow) {
			/* A timer run waits for the jobs it parked, within
			 * its --max-seconds; ended elsewhere, they are
			 * forgotten. */
			due = mine.n == 0 ? -1 :
			    queue_next_parked(a->db, mine.id, mine.n);
			if (due < 0)
				mine.n = 0;
			if (due < 0 ||
			    time(NULL) + due / 1000 - start >= o->max_seconds)
				break;
			/* At most a poll interval: a parked job may end
			 * elsewhere (a cancel) before it is due. */
			wait_for_work(a, due < o->poll * 1000 ? due + 10 :
			    o->poll * 1000);
			continue;
		}
		due = queue_next_parked(a->db, NULL, 0);
		wait_for_work(a, due >= 0 && due < o->poll * 1000 ? due + 10 :
		    o->poll * 1000);
	}
	free(hook_base);
	provider_free(prov);
	log_info("worker %s stopping after %lld jobs", worker, (long long)done);
	return exitcode;
}

/* The [worker] settings a reload may change; -1 with err on a bad one. */
static int
read_opts(struct app *a, struct opts *o, char *err, size_t errlen)
{
	const char	*pa;

	if (conf_get_int(a->cfg, CONF_WORKER_LEASE, &o->lease) == -1 ||
	    conf_get_int(a->cfg, CONF_WORKER_POLL_INTERVAL, &o->poll) == -1 ||
	    conf_get_int(a->cfg, CONF_WORKER_SLOT_WAIT, &o->slot_wait) == -1) {
		snprintf(err, errlen, "bad [worker] lease, poll_interval or "
		    "slot_wait");
		return -1;
	}
	if (conf_get_bool(a->cfg, CONF_WORKER_AGENTS, &o->agents) == -1) {
		snprintf(err, errlen, "bad [worker] agents (yes or no)");
		return -1;
	}
	/* A stage name: the worker stops there (fault tests only). */
	pa = conf_get(a->cfg, CONF_WORKER_PAUSE_AT);
	o->pause_at = -1;
#ifdef PRIMERKA_TEST_HOOKS
	if (pa != NULL)
		o->pause_at = job_status_parse(pa);
#else
	if (pa != NULL)
		log_warnx("[worker] pause_at ignored: a build without "
		    "--enable-test-hooks");
#endif
	return 0;
}

/* What the supervised worker processes share with the parent. */
struct follow {
	struct app	*app;
	struct opts	*o;
};

static void
follow_child(void *arg, int i)
{
	struct follow	*f = arg;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_drain;	/* no SA_RESTART: wakes the wait */
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGHUP, SIG_IGN);	/* the parent's to handle */
	_exit(worker_loop(f->app, f->o, i));
}

/* The metrics file ([worker] metrics_path), every [metrics] cache_ttl
 * seconds: the counters change no faster than a scraper reads them. */
static void
follow_tick(void *arg)
{
	struct follow	*f = arg;
	static time_t	 last;

	if (time(NULL) - last < f->app->metrics_ttl)
		return;
	last = time(NULL);
	(void)wm_write(conf_get(f->app->cfg, CONF_WORKER_METRICS_PATH),
	    (int)f->o->concurrency);
}

/* SIGHUP: the configuration anew; a bad one keeps the old. */
static int
follow_reload(void *arg)
{
	struct follow	*f = arg;
	struct app	 next;
	struct opts	 o = *f->o;
	char		 err[256];

	if (app_init(&next, "primerka-batch", err, sizeof(err)) == -1 ||
	    read_opts(&next, &o, err, sizeof(err)) == -1) {
		log_errx("configuration: %s", err);
		if (next.cfg != NULL)
			app_free(&next);
		return -1;
	}
	app_free(f->app);
	*f->app = next;
	*f->o = o;
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: primerka-batch (--once | --follow) "
	    "[--concurrency N] [--max-jobs N] [--max-seconds N] [--batch N]\n"
	    "       [--noop]\n"
	    "       primerka-batch --agent URL [--agent-token-file FILE] "
	    "[--concurrency N]\n"
	    "           [--agent-jobs N]\n"
	    "       primerka-batch --check-config\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "once", no_argument, NULL, 'o' },
		{ "follow", no_argument, NULL, 'f' },
		{ "concurrency", required_argument, NULL, 'c' },
		{ "max-jobs", required_argument, NULL, 'j' },
		{ "max-seconds", required_argument, NULL, 's' },
		{ "noop", no_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'b' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "agent", required_argument, NULL, 'A' },
		{ "agent-token-file", required_argument, NULL, 'T' },
		{ "agent-jobs", required_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts	 o = { 0, 1, 0, 300, 60, 5, 600, -1, 0, 1, 0 };
	const char	*agent_url = NULL, *agent_token_file = NULL;
	int64_t		 agent_jobs = AGENT_JOBS_DEFAULT;
	struct app	 a;
	char		 err[256];
	int		 ch, mode = 0, i, status, rc = 0;
	struct sigaction sa;
	pid_t		 pid, pids[64];
	int		 forwarded = 0;
	struct supervisor sv;
	struct follow	 fw;

	for (;;) {
		ch = getopt_long(argc, argv, "ofc:j:s:nb:h", longopts, NULL);
		if (ch == -1)
			break;
		switch (ch) {
		case 'o':
			mode = 1;
			break;
		case 'f':
			mode = 2;
			break;
		case 'n':
			o.noop = 1;
			break;
		case 'A':
			agent_url = optarg;
			break;
		case 'T':
			agent_token_file = optarg;
			break;
		case 'J':
			if (util_parse_i64(optarg, 1, AGENT_JOBS_MAX,
			    &agent_jobs) == -1)
				usage();
			break;
		case 'C':
			/* Every problem, by key; the units run it first. */
			return confcheck_run("primerka-batch", CONFCHECK_WORKER,
			    provider_check, stderr) == 0 ? 0 : 1;
		case 'b':
			if (util_parse_i64(optarg, 1, BATCH_MAX,
			    &o.batch) == -1)
				usage();
			break;
		case 'c':
			if (util_parse_i64(optarg, 1, 64, &o.concurrency) == -1)
				usage();
			break;
		case 'j':
			if (util_parse_i64(optarg, 0, INT32_MAX, &o.max_jobs) == -1)
				usage();
			break;
		case 's':
			if (util_parse_i64(optarg, 1, 86400, &o.max_seconds) == -1)
				usage();
			break;
		default:
			usage();
		}
	}
	if (agent_url != NULL) {
		/* Contour B: no database, no storage (batch/agent.c). */
		if (mode != 0)
			usage();
		video_quiet_logs();
		return agent_main(agent_url, agent_token_file,
		    (int)o.concurrency, (int)agent_jobs);
	}
	if (agent_token_file != NULL || mode == 0)
		usage();
	video_quiet_logs();
	o.follow = mode == 2;
	if (app_init(&a, "primerka-batch", err, sizeof(err)) == -1) {
		fprintf(stderr, "primerka-batch: %s\n", err);
		return 1;
	}
	if (read_opts(&a, &o, err, sizeof(err)) == -1) {
		fprintf(stderr, "primerka-batch: %s\n", err);
		return 1;
	}
	if (o.follow) {
		/* Supervised: a dead worker process is replaced, SIGHUP
		 * reloads, systemd hears READY=1 and the watchdog. */
		memset(&sv, 0, sizeof(sv));
		sv.what = "batch worker";
		sv.n = (int)o.concurrency;
		sv.child = follow_child;
		sv.reload = follow_reload;
		sv.tick = follow_tick;
		sv.arg = &fw;
		sv.drain_signal = SIGUSR1;	/* finish the job, then exit */
		fw.app = &a;
		fw.o = &o;
		signal(SIGPIPE, SIG_IGN);
		if (wm_init() == -1)
			log_warnx("metrics: no shared mapping, none written");
		rc = sv_run(&sv);
		app_free(&a);
		return rc;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (o.concurrency == 1) {
		rc = worker_loop(&a, &o, 0);
		app_free(&a);
		return rc;
	}
	/* A failed fork leaves the rest of the slots empty (0). */
	memset(pids, 0, sizeof(pids));
	for (i = 0; i < o.concurrency; i++) {
		pid = fork();
		if (pid == -1) {
			log_errx("fork: %s", strerror(errno));
			break;
		}
		if (pid == 0)
			_exit(worker_loop(&a, &o, i));
		pids[i] = pid;
	}
	for (;;) {
		pid = wait(&status);
		if (pid == -1 && errno != EINTR)
			break;
		if (pid > 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
			rc = 1;
		if (stopping && !forwarded) {
			/* Pass SIGTERM on to our own children only. */
			for (i = 0; i < o.concurrency; i++)
				if (pids[i] > 0)
					kill(pids[i], SIGTERM);
			forwarded = 1;
		}
	}
	app_free(&a);
	return rc;
}
