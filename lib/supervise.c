/*
 * The prefork supervisor shared by primerka.fcgi and primerka-batch.
 */
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sdnotify.h"
#include "supervise.h"

static volatile sig_atomic_t	sv_stopping, sv_reload;

static void
sv_on_term(int sig)
{
	(void)sig;
	sv_stopping = 1;
}

static void
sv_on_hup(int sig)
{
	(void)sig;
	sv_reload = 1;
}

static void
sv_on_alarm(int sig)
{
	(void)sig;	/* only interrupts waitpid(2) */
}

unsigned
sv_exited(struct supervisor *sv, struct sv_slot *s, int status, time_t now)
{
	char		 how[48];
	unsigned	 delay = 0;
	int		 i;

	if (WIFSIGNALED(status))
		snprintf(how, sizeof(how), "killed by signal %d",
		    WTERMSIG(status));
	else
		snprintf(how, sizeof(how), "exit status %d",
		    WEXITSTATUS(status));
	if (now - s->started < SV_HEALTHY_AFTER) {
		s->quick_exits++;
		delay = 1;
		for (i = 1; i < s->quick_exits && delay < SV_BACKOFF_MAX; i++)
			delay *= 2;
		if (delay > SV_BACKOFF_MAX)
			delay = SV_BACKOFF_MAX;
	} else
		s->quick_exits = 0;
	if (s->quick_exits > 1)
		log_errx("%s %ld died (%s) after %lld s, %d times in a row: "
		    "crash loop, restarting in %u s", sv->what, (long)s->pid,
		    how, (long long)(now - s->started), s->quick_exits, delay);
	else
		log_warnx("%s %ld died (%s) after %lld s, restarting in %u s",
		    sv->what, (long)s->pid, how,
		    (long long)(now - s->started), delay);
	return delay;
}

static void
sv_start_due(struct supervisor *sv, time_t now)
{
	struct sigaction sa;
	struct sv_slot	*s;
	pid_t		 pid;
	int		 i;

	for (i = 0; i < sv->n && !sv_stopping; i++) {
		s = &sv->slot[i];
		if (s->pid != 0 || now < s->next_start)
			continue;
		pid = fork();
		if (pid == -1) {
			log_errx("fork: %s", strerror(errno));
			s->next_start = now + 1;
			continue;
		}
		if (pid == 0) {
			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = SIG_DFL;
			sigaction(SIGHUP, &sa, NULL);
			sigaction(SIGALRM, &sa, NULL);
			sigaction(SIGTERM, &sa, NULL);
			sigaction(SIGINT, &sa, NULL);
			sv->child(sv->arg, i);
			_exit(0);
		}
		s->pid = pid;
		s->started = now;
	}
}

/* Replace every child: the new ones start with the new configuration
 * while the old ones finish what they are doing. */
static void
sv_do_reload(struct supervisor *sv)
{
	int	 i;

	(void)sd_notify_send("RELOADING=1");
	log_info("SIGHUP: reloading the configuration");
	if (sv->reload != NULL && sv->reload(sv->arg) == -1) {
		log_errx("reload refused: the running configuration stays");
		(void)sd_notify_send("READY=1");
		return;
	}
	for (i = 0; i < sv->n; i++) {
		if (sv->slot[i].pid > 0)
			kill(sv->slot[i].pid, sv->drain_signal);
		/* A graceful exit is not a crash. */
		sv->slot[i].quick_exits = 0;
		sv->slot[i].started = 0;
	}
	(void)sd_notify_send("READY=1");
}

int
sv_run(struct supervisor *sv)
{
	struct sigaction sa;
	struct itimerval it;
	struct sv_slot	*s;
	uint64_t	 wd;
	time_t		 now, last_wd = 0;
	pid_t		 pid;
	int		 i, status, rc = 0, ready = 0, left;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sv_on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = sv_on_hup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = sv_on_alarm;	/* no SA_RESTART: wakes waitpid */
	sigaction(SIGALRM, &sa, NULL);
	memset(&it, 0, sizeof(it));
	it.it_interval.tv_sec = 1;
	it.it_value.tv_sec = 1;
	setitimer(ITIMER_REAL, &it, NULL);
	wd = sd_notify_watchdog_usec();

	while (!sv_stopping) {
		now = time(NULL);
		sv_start_due(sv, now);
		if (!ready) {
			(void)sd_notify_send("READY=1");
			ready = 1;
		}
		if (sv_reload) {
			sv_reload = 0;
			sv_do_reload(sv);
		}
		if (sv->tick != NULL)
			sv->tick(sv->arg);
		if (wd != 0 && (uint64_t)(now - last_wd) * 1000000 >= wd) {
			(void)sd_notify_send("WATCHDOG=1");
			last_wd = now;
		}
		pid = waitpid(-1, &status, 0);
		if (pid == -1) {
			if (errno == ECHILD)
				pause();	/* all in backoff: the next tick */
			continue;
		}
		for (i = 0; i < sv->n; i++) {
			s = &sv->slot[i];
			if (s->pid != pid)
				continue;
			if (!sv_stopping && s->started != 0)
				s->next_start = time(NULL) +
				    sv_exited(sv, s, status, time(NULL));
			else
				s->next_start = 0;
			if (WIFSIGNALED(status) || WEXITSTATUS(status) != 0)
				rc = 1;
			s->pid = 0;
		}
	}
	(void)sd_notify_send("STOPPING=1");
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	for (i = 0; i < sv->n; i++)
		if (sv->slot[i].pid > 0)
			kill(sv->slot[i].pid, SIGTERM);
	for (;;) {
		pid = waitpid(-1, &status, 0);
		if (pid == -1 && errno == EINTR)
			continue;
		if (pid == -1)
			break;
		left = 0;
		for (i = 0; i < sv->n; i++) {
			if (sv->slot[i].pid == pid)
				sv->slot[i].pid = 0;
			left += sv->slot[i].pid != 0;
		}
		if (WIFSIGNALED(status) || WEXITSTATUS(status) != 0)
			rc = 1;
		if (left == 0)
			break;
	}
	return rc;
}
