/*
 * Worker metrics in a MAP_SHARED mapping, updated with atomic builtins.
 */
#include <sys/mman.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "wmetrics.h"

static const char *const wm_outcome_names[WM_OUTCOME__MAX] = {
	"COMPLETED", "FAILED", "RETRY"
};

struct wm {
	uint64_t	 outcome[WM_OUTCOME__MAX];
	uint64_t	 stage_n[JOB_STATUS__MAX];
	uint64_t	 stage_usec[JOB_STATUS__MAX];
	int64_t		 busy;
	uint64_t	 errors[JOB_ERR__MAX];
};

static struct wm	*wm;

int
wm_init(void)
{
	void	*p;

	p = mmap(NULL, sizeof(*wm), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	memset(p, 0, sizeof(*wm));
	wm = p;
	return 0;
}

void
wm_stage(enum job_status st, uint64_t usec)
{
	if (wm == NULL || st < 0 || st >= JOB_STATUS__MAX)
		return;
	__atomic_add_fetch(&wm->stage_n[st], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&wm->stage_usec[st], usec, __ATOMIC_RELAXED);
}

void
wm_outcome(enum wm_outcome o, int code)
{
	if (wm == NULL || o < 0 || o >= WM_OUTCOME__MAX)
		return;
	__atomic_add_fetch(&wm->outcome[o], 1, __ATOMIC_RELAXED);
	if (code >= 0 && code < JOB_ERR__MAX)
		__atomic_add_fetch(&wm->errors[code], 1, __ATOMIC_RELAXED);
}

void
wm_busy(int delta)
{
	if (wm != NULL)
		__atomic_add_fetch(&wm->busy, delta, __ATOMIC_RELAXED);
}

int
wm_write(const char *path, int processes)
{
	char		 tmp[4096];
	FILE		*f;
	uint64_t	 n;
	int		 i;

	if (wm == NULL || path == NULL || path[0] == '\0')
		return 0;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%ld", path,
	    (long)getpid()) >= sizeof(tmp))
		return -1;
	f = fopen(tmp, "w");
	if (f == NULL) {
		log_warnx("metrics file %s: cannot write", tmp);
		return -1;
	}
	fprintf(f, "# HELP primerka_worker_processes Worker processes the "
	    "supervisor keeps.\n# TYPE primerka_worker_processes gauge\n"
	    "primerka_worker_processes %d\n", processes);
	fprintf(f, "# HELP primerka_worker_slots_busy Worker processes "
	    "running a job now.\n# TYPE primerka_worker_slots_busy gauge\n"
	    "primerka_worker_slots_busy %lld\n",
	    (long long)__atomic_load_n(&wm->busy, __ATOMIC_RELAXED));
	fprintf(f, "# HELP primerka_worker_jobs_finished_total Jobs this "
	    "worker ended, by outcome (RETRY: a retryable error).\n"
	    "# TYPE primerka_worker_jobs_finished_total counter\n");
	for (i = 0; i < WM_OUTCOME__MAX; i++)
		fprintf(f, "primerka_worker_jobs_finished_total{status=\"%s\"} "
		    "%llu\n", wm_outcome_names[i], (unsigned long long)
		    __atomic_load_n(&wm->outcome[i], __ATOMIC_RELAXED));
	fprintf(f, "# HELP primerka_worker_stage_seconds Time spent in each "
	    "stage.\n# TYPE primerka_worker_stage_seconds summary\n");
	for (i = 0; i < JOB_STATUS__MAX; i++) {
		n = __atomic_load_n(&wm->stage_n[i], __ATOMIC_RELAXED);
		if (n == 0)
			continue;
		fprintf(f, "primerka_worker_stage_seconds_sum{stage=\"%s\"} "
		    "%.6f\nprimerka_worker_stage_seconds_count{stage=\"%s\"} "
		    "%llu\n", job_status_name((enum job_status)i),
		    (double)__atomic_load_n(&wm->stage_usec[i],
		    __ATOMIC_RELAXED) / 1e6,
		    job_status_name((enum job_status)i), (unsigned long long)n);
	}
	fprintf(f, "# HELP primerka_worker_errors_total Job errors by code "
	    "(retried or final).\n# TYPE primerka_worker_errors_total counter\n");
	for (i = 0; i < JOB_ERR__MAX; i++) {
		n = __atomic_load_n(&wm->errors[i], __ATOMIC_RELAXED);
		if (n > 0)
			fprintf(f, "primerka_worker_errors_total{code=\"%s\"} "
			    "%llu\n", job_error_name((enum job_err)i),
			    (unsigned long long)n);
	}
	fprintf(f, "# HELP primerka_worker_provider_errors_total Provider "
	    "errors by code.\n"
	    "# TYPE primerka_worker_provider_errors_total counter\n");
	for (i = 0; i < JOB_ERR__MAX; i++) {
		n = __atomic_load_n(&wm->errors[i], __ATOMIC_RELAXED);
		if (n > 0 && strncmp(job_error_name((enum job_err)i),
		    "provider_", 9) == 0)
			fprintf(f, "primerka_worker_provider_errors_total"
			    "{code=\"%s\"} %llu\n",
			    job_error_name((enum job_err)i),
			    (unsigned long long)n);
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		log_warnx("metrics file %s: cannot write", path);
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}
