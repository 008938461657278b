/*
 * primerka.fcgi: the API as a pool of prefork FastCGI processes.
 *
 * The listening socket is fd 0 (spawn-fcgi, systemd socket activation)
 * or a unix socket this program creates with --listen.  The parent only
 * supervises (lib/supervise.c): it forks --workers children, restarts any
 * that die (with a crash-loop backoff), passes SIGTERM on, and on SIGHUP
 * loads the configuration anew and replaces the children one request at
 * a time (each finishes the one it serves; the listening socket queues
 * the rest).  Each child keeps one PostgreSQL connection.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "api.h"
#include "confcheck.h"
#include "conftab.h"
#include "log.h"
#include "metrics.h"
#include "supervise.h"
#include "util.h"

#define MAX_WORKERS SV_MAX_CHILDREN

static volatile sig_atomic_t	stopping;
static volatile sig_atomic_t	in_request;

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
	if (!in_request)
		_exit(0);
}

/*
 * SIGUSR1, from the supervisor on a reload: finish the request being read
 * or served, accept no other.  FCGX_ShutdownPending() makes an accept(2)
 * that this signal interrupts give up instead of starting again.
 */
static void
on_drain(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
}

/* What the pool's children need: the application and the socket. */
struct pool {
	struct app	*app;
	int		 fd;
};

static int
listen_unix(const char *path, int backlog)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_errx("socket path too long: %s", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd == -1) {
		log_errx("socket: %s", strerror(errno));
		return -1;
	}
	(void)unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, 0660) == -1 || listen(fd, backlog) == -1) {
		log_errx("%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Connections one child holds at once.  nginx keeps idle FastCGI
 * connections open (fastcgi_keep_conn, upstream keepalive) and starts a
 * new one whenever none of them is idle, so a child must serve several:
 * it waits on all of them and on the listening socket, and serves each
 * request on whichever connection it arrives.  None is ever closed to
 * make room (nginx may be writing a request on it): a full child stops
 * accepting, and the pool as a whole (CONN_SLOTS x [api] workers) holds
 * more connections than nginx's worker_connections allow it to open.
 */
#define CONN_SLOTS 256

/*
 * Read the next request on c (kept or new) into r and answer it, unless
 * it is one that api_many() answers together with others that came in
 * the same wake-up: 0 answered, 1 waiting, -1 if none came.
 */
static int
begin_one(struct app *app, struct api_state *state, FCGX_Request *c,
    struct req *r, unsigned long *seq)
{
	static char	 pid[10];

	if (pid[0] == '\0')
		snprintf(pid, sizeof(pid), "%lx",
		    (unsigned long)getpid() & 0xffffffUL);
	/* Nonblocking listening socket: -EAGAIN when another child took
	 * the connection or a kept one was closed by nginx. */
	if (FCGX_Accept_r(c) < 0)
		return -1;
	in_request = 1;
	memset(r, 0, sizeof(*r));
	r->fr = c;
	r->app = app;
	r->state = state;
	snprintf(r->request_id, sizeof(r->request_id), "%s-%lx", pid,
	    ++*seq & 0xffffffffUL);
	return api_begin(r, 1);
}

/* Count and log the answered request r and finish its connection. */
static void
finish_one(struct req *r)
{
	char	 drain[4096];

	api_done(r);
	/* A kept connection must be at the next request's first record:
	 * read what the handler left of the body. */
	while (FCGX_GetStr(drain, sizeof(drain), r->fr->in) > 0)
		;
	FCGX_Finish_r(r->fr);
}

static void
child_loop(struct app *app, int fd)
{
	FCGX_Request	*conn;
	struct req	*reqs, *waiting[CONN_SLOTS];
	struct pollfd	 pfd[CONN_SLOTS + 2];
	int		 slot[CONN_SLOTS + 2];
	unsigned long	 seq = 0;
	struct sigaction sa;
	struct api_state *state;
	size_t		 nw, w;
	int		 i, n, k, fresh;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_drain;	/* no SA_RESTART: interrupts accept */
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (app_open_db(app, api_statements) == -1) {
		log_errx("out of memory opening the database");
		_exit(1);
	}
	state = calloc(1, sizeof(*state));
	conn = calloc(CONN_SLOTS, sizeof(*conn));
	reqs = calloc(CONN_SLOTS, sizeof(*reqs));
	if (state == NULL || conn == NULL || reqs == NULL) {
		log_errx("out of memory");
		_exit(1);
	}
	for (i = 0; i < CONN_SLOTS; i++) {
		if (FCGX_InitRequest(&conn[i], fd, 0) != 0) {
			log_errx("FCGX_InitRequest failed");
			_exit(1);
		}
	}
	while (!stopping) {
		/* The held connections, the listening socket for a new
		 * one into a free slot, and the database connection. */
		n = 0;
		fresh = -1;
		for (i = 0; i < CONN_SLOTS; i++) {
			if (conn[i].ipcFd < 0) {
				if (fresh == -1)
					fresh = i;
				continue;
			}
			pfd[n].fd = conn[i].ipcFd;
			pfd[n].events = POLLIN;
			slot[n++] = i;
		}
		/* A full child leaves new connections to the others. */
		pfd[n].fd = fresh == -1 ? -1 : fd;
		pfd[n].events = POLLIN;
		slot[n++] = -1;
		/* The database connection, so that a server restart is
		 * noticed while idle, not by the next request. */
		pfd[n].fd = db_socket(app->db);
		pfd[n].events = POLLIN;
		slot[n++] = -2;
		if (poll(pfd, n, -1) == -1) {
			if (errno == EINTR)
				continue;
			log_errx("poll: %s", strerror(errno));
			break;
		}
		/*
		 * Every request that is there: most are answered at once;
		 * status polls wait for the others (api_many: one database
		 * round trip for all of them).
		 */
		nw = 0;
		for (k = 0; k < n && !stopping; k++) {
			if (pfd[k].revents == 0)
				continue;
			i = slot[k];
			if (i == -2) {
				db_idle_input(app->db);
				continue;
			}
			if (i == -1)
				i = fresh;
			switch (begin_one(app, state, &conn[i], &reqs[i],
			    &seq)) {
			case 1:
				waiting[nw++] = &reqs[i];
				break;
			case 0:
				finish_one(&reqs[i]);
				break;
			default:
				break;
			}
		}
		if (nw > 0) {
			api_many(waiting, nw);
			for (w = 0; w < nw; w++)
				finish_one(waiting[w]);
		}
		in_request = 0;
	}
	db_close(app->db);
	_exit(0);
}

static void
pool_child(void *arg, int i)
{
	struct pool	*p = arg;

	(void)i;
	signal(SIGHUP, SIG_IGN);	/* the parent's to handle */
	child_loop(p->app, p->fd);
}

/* SIGHUP: load the configuration anew; a bad one keeps the old. */
static int
pool_reload(void *arg)
{
	struct pool	*p = arg;
	struct app	 next;
	char		 err[256];

	if (app_init(&next, "primerka.fcgi", err, sizeof(err)) == -1) {
		log_errx("configuration: %s", err);
		if (next.cfg != NULL)
			app_free(&next);
		return -1;
	}
	app_free(p->app);
	*p->app = next;
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: primerka.fcgi [--listen PATH] [--workers N] "
	    "[--pidfile PATH]\n"
	    "       primerka.fcgi --check-config\n"
	    "  without --listen the FastCGI socket is fd 0\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "workers", required_argument, NULL, 'w' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct app	 app;
	char		 err[256];
	const char	*listen_path = NULL, *pidfile = NULL;
	int64_t		 nworkers = 0, v;
	int		 ch, fd = 0;
	struct supervisor sv;
	struct pool	 pool;

	for (;;) {
		ch = getopt_long(argc, argv, "l:w:p:h", longopts, NULL);
		if (ch == -1)
			break;
		switch (ch) {
		case 'l':
			listen_path = optarg;
			break;
		case 'w':
			if (util_parse_i64(optarg, 1, MAX_WORKERS, &nworkers) == -1)
				usage();
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'C':
			/* Every problem, by key; the unit runs it first. */
			return confcheck_run("primerka.fcgi", CONFCHECK_API,
			    NULL, stderr) == 0 ? 0 : 1;
		default:
			usage();
		}
	}
	if (app_init(&app, "primerka.fcgi", err, sizeof(err)) == -1) {
		fprintf(stderr, "primerka.fcgi: %s\n", err);
		return 1;
	}
	if (nworkers == 0) {
		if (conf_get_int(app.cfg, CONF_API_WORKERS, &v) == -1) {
			fprintf(stderr, "primerka.fcgi: [api] workers: not a "
			    "number in 1..%d\n", MAX_WORKERS);
			return 1;
		}
		nworkers = v;
	}
	if (listen_path != NULL) {
		fd = listen_unix(listen_path, 1024);
		if (fd == -1)
			return 1;
	}
	if (pidfile != NULL) {
		FILE *f = fopen(pidfile, "w");
		if (f == NULL) {
			log_errx("%s: %s", pidfile, strerror(errno));
			return 1;
		}
		fprintf(f, "%ld\n", (long)getpid());
		fclose(f);
	}
	if (metrics_init(api_route_count()) == -1)
		log_warnx("metrics: no shared mapping, /metrics shows none");
	if (FCGX_Init() != 0) {
		log_errx("FCGX_Init failed");
		return 1;
	}
	/* The children poll it and race to accept: none may block. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1) {
		log_errx("listening socket: %s", strerror(errno));
		return 1;
	}

	memset(&sv, 0, sizeof(sv));
	sv.what = "api worker";
	sv.n = (int)nworkers;
	sv.child = pool_child;
	sv.reload = pool_reload;
	sv.arg = &pool;
	sv.drain_signal = SIGUSR1;	/* finish the request, then exit */
	pool.app = &app;
	pool.fd = fd;
	signal(SIGPIPE, SIG_IGN);
	log_info("starting %lld workers", (long long)nworkers);
	(void)sv_run(&sv);
	if (listen_path != NULL)
		(void)unlink(listen_path);
	if (pidfile != NULL)
		(void)unlink(pidfile);
	log_info("stopped");
	app_free(&app);
	return 0;
}
