/*
 * A parent process that keeps N children running (the API's prefork
 * pool, the worker's processes): it forks them, replaces one that dies
 * after a crash-loop backoff, logs each death, reloads on SIGHUP by
 * replacing every child gracefully, pings systemd's watchdog, and on
 * SIGTERM passes the signal on and waits for the children.
 */
#ifndef PRIMERKA_SUPERVISE_H
#define PRIMERKA_SUPERVISE_H

#include <sys/types.h>

#include <time.h>

#define SV_MAX_CHILDREN	256
#define SV_BACKOFF_MAX	30	/* seconds between restarts, at most */
#define SV_HEALTHY_AFTER 10	/* a child that lived this long was healthy */

struct sv_slot {
	pid_t	 pid;		/* 0: not running */
	time_t	 started;
	time_t	 next_start;	/* when it may be started again */
	int	 quick_exits;	/* consecutive deaths younger than healthy */
};

struct supervisor {
	const char	*what;		/* "api worker", "batch worker" */
	int		 n;
	struct sv_slot	 slot[SV_MAX_CHILDREN];
	/* Run in a new child for slot i; must not return. */
	void		(*child)(void *arg, int i);
	/* On SIGHUP, in the parent: reload the configuration; 0 to
	 * replace the children, -1 to keep them (the new one is bad). */
	int		(*reload)(void *arg);
	/* In the parent, about once a second (may be NULL). */
	void		(*tick)(void *arg);
	void		*arg;
	int		 drain_signal;	/* sent to children on reload */
};

/*
 * Seconds to wait before restarting a slot whose child exited at now
 * with the wait(2) status; logs the death and the backoff (doubling
 * from 1 s up to SV_BACKOFF_MAX while the child keeps dying young,
 * back to 0 once one has lived SV_HEALTHY_AFTER seconds).
 */
unsigned	 sv_exited(struct supervisor *, struct sv_slot *, int status,
		    time_t now);

/*
 * Run the supervisor until SIGTERM or SIGINT (installs its handlers for
 * those, SIGHUP and SIGALRM; the children get the default ones back).
 * Tells systemd READY=1 once the children are started, RELOADING=1 and
 * READY=1 around a reload, STOPPING=1 at the end, and pings the watchdog
 * when it is on.  Returns 0, or 1 if any child exited with an error.
 */
int		 sv_run(struct supervisor *);

#endif /* PRIMERKA_SUPERVISE_H */
