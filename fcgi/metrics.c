/*
 * Shared request counters for /metrics.
 */
#include <sys/mman.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "metrics.h"
#include "util.h"

#define STATUS_CLASSES	5	/* 1xx..5xx */
static const double bucket_ms[] = { 1, 2.5, 5, 10, 25, 50, 100, 250, 500,
    1000, 2500 };
#define NBUCKETS	(sizeof(bucket_ms) / sizeof(bucket_ms[0]))

struct route_metrics {
	uint64_t	 count[STATUS_CLASSES];
	uint64_t	 hist[NBUCKETS];	/* not cumulative */
	uint64_t	 total;
	uint64_t	 sum_us;
};

static struct route_metrics	*shm;
static size_t			 nslots;

/*
 * The table gauges' text, shared by the pool.  seq is odd while the
 * text is rewritten (readers retry or fall back); busy_ms is taken by
 * the one process that refreshes it (and taken over after BUSY_MS, in
 * case that process died meanwhile).
 */
#define BUSY_MS		60000
#define GAUGES_LEN	(64 * 1024)
struct gauges {
	uint64_t	 seq;
	uint64_t	 refreshes;
	int64_t		 at_ms;		/* CLOCK_MONOTONIC; 0: never */
	int64_t		 busy_ms;	/* 0: free */
	size_t		 len;
	char		 text[GAUGES_LEN];
};
static struct gauges		*gshm;

int
metrics_init(size_t nroutes)
{
	void	*p;

	nslots = nroutes + 1;
	p = mmap(NULL, nslots * sizeof(*shm), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		shm = NULL;
		return -1;
	}
	shm = p;
	p = mmap(NULL, sizeof(*gshm), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		gshm = NULL;
		return -1;
	}
	gshm = p;
	return 0;
}

void
metrics_observe(size_t route, int status, uint64_t usec)
{
	struct route_metrics	*m;
	size_t			 b;
	int			 cls = status / 100 - 1;

	if (shm == NULL)
		return;
	if (route >= nslots)
		route = nslots - 1;
	if (cls < 0 || cls >= STATUS_CLASSES)
		cls = STATUS_CLASSES - 1;
	m = &shm[route];
	__atomic_fetch_add(&m->count[cls], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->total, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->sum_us, usec, __ATOMIC_RELAXED);
	for (b = 0; b < NBUCKETS; b++)
		if ((double)usec <= bucket_ms[b] * 1000.0)
			break;
	if (b < NBUCKETS)
		__atomic_fetch_add(&m->hist[b], 1, __ATOMIC_RELAXED);
}

#define PUT(...) do {							\
	int w_ = snprintf(buf + *off, len - *off, __VA_ARGS__);		\
	if (w_ > 0 && (size_t)w_ < len - *off)				\
		*off += (size_t)w_;					\
} while (0)

void
metrics_write(char *buf, size_t len, size_t *off,
    const char *(*route_label)(size_t, char *, size_t))
{
	size_t		 i, b;
	int		 c;
	uint64_t	 cum, v;
	char		 label[128];

	if (shm == NULL)
		return;
	PUT("# HELP primerka_http_requests_total API requests by route and "
	    "status class.\n# TYPE primerka_http_requests_total counter\n");
	for (i = 0; i < nslots; i++) {
		route_label(i, label, sizeof(label));
		for (c = 0; c < STATUS_CLASSES; c++) {
			v = __atomic_load_n(&shm[i].count[c], __ATOMIC_RELAXED);
			if (v != 0)
				PUT("primerka_http_requests_total{route=\"%s\","
				    "code=\"%dxx\"} %llu\n", label, c + 1,
				    (unsigned long long)v);
		}
	}
	PUT("# HELP primerka_http_request_duration_seconds API request "
	    "latency.\n# TYPE primerka_http_request_duration_seconds "
	    "histogram\n");
	for (i = 0; i < nslots; i++) {
		if (__atomic_load_n(&shm[i].total, __ATOMIC_RELAXED) == 0)
			continue;
		route_label(i, label, sizeof(label));
		cum = 0;
		for (b = 0; b < NBUCKETS; b++) {
			cum += __atomic_load_n(&shm[i].hist[b],
			    __ATOMIC_RELAXED);
			PUT("primerka_http_request_duration_seconds_bucket{"
			    "route=\"%s\",le=\"%g\"} %llu\n", label,
			    bucket_ms[b] / 1000.0, (unsigned long long)cum);
		}
		v = __atomic_load_n(&shm[i].total, __ATOMIC_RELAXED);
		PUT("primerka_http_request_duration_seconds_bucket{route=\"%s\","
		    "le=\"+Inf\"} %llu\n", label, (unsigned long long)v);
		PUT("primerka_http_request_duration_seconds_sum{route=\"%s\"} "
		    "%.6f\n", label, (double)__atomic_load_n(&shm[i].sum_us,
		    __ATOMIC_RELAXED) / 1e6);
		PUT("primerka_http_request_duration_seconds_count{route=\"%s\"} "
		    "%llu\n", label, (unsigned long long)v);
	}
}

/* Copy the shared text to buf at *off: 0, or -1 (none yet, or torn). */
static int
gauges_copy(char *buf, size_t len, size_t *off)
{
	uint64_t	 s1, s2;
	size_t		 n;
	int		 try;

	for (try = 0; try < 3; try++) {
		s1 = __atomic_load_n(&gshm->seq, __ATOMIC_ACQUIRE);
		if (s1 == 0 || (s1 & 1) != 0)
			continue;
		n = __atomic_load_n(&gshm->len, __ATOMIC_RELAXED);
		if (n > len - *off)
			return -1;
		memcpy(buf + *off, gshm->text, n);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&gshm->seq, __ATOMIC_RELAXED);
		if (s1 == s2) {
			*off += n;
			return 0;
		}
	}
	return -1;
}

/* Run fill into the shared text (the caller holds busy_ms). */
static void
gauges_refresh(void (*fill)(void *, char *, size_t, size_t *), void *arg,
    char *tmp, size_t tmplen)
{
	size_t	 n = 0;

	fill(arg, tmp, tmplen, &n);
	__atomic_add_fetch(&gshm->seq, 1, __ATOMIC_ACQ_REL);
	memcpy(gshm->text, tmp, n);
	__atomic_store_n(&gshm->len, n, __ATOMIC_RELAXED);
	__atomic_add_fetch(&gshm->seq, 1, __ATOMIC_RELEASE);
	__atomic_add_fetch(&gshm->refreshes, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&gshm->at_ms, util_mono_ms(), __ATOMIC_RELEASE);
}

void
metrics_gauges(char *buf, size_t len, size_t *off, int64_t ttl,
    void (*fill)(void *, char *, size_t, size_t *), void *arg)
{
	static char	 tmp[GAUGES_LEN];
	int64_t		 at, now, busy;

	if (gshm == NULL) {
		fill(arg, buf, len, off);
		return;
	}
	now = util_mono_ms();
	at = __atomic_load_n(&gshm->at_ms, __ATOMIC_ACQUIRE);
	busy = __atomic_load_n(&gshm->busy_ms, __ATOMIC_ACQUIRE);
	if ((at == 0 || now - at >= ttl * 1000) &&
	    (busy == 0 || now - busy > BUSY_MS) &&
	    __atomic_compare_exchange_n(&gshm->busy_ms, &busy, now, 0,
	    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
		/* Another process may have refreshed it meanwhile. */
		at = __atomic_load_n(&gshm->at_ms, __ATOMIC_ACQUIRE);
		if (at == 0 || util_mono_ms() - at >= ttl * 1000)
			gauges_refresh(fill, arg, tmp, sizeof(tmp));
		__atomic_store_n(&gshm->busy_ms, 0, __ATOMIC_RELEASE);
	}
	/* Nothing shared yet (the first scrape while another refreshes):
	 * this scrape computes its own. */
	if (gauges_copy(buf, len, off) == -1)
		fill(arg, buf, len, off);
	PUT("# HELP primerka_metrics_gauge_refreshes_total Times the table "
	    "gauges were computed ([metrics] cache_ttl apart at most).\n"
	    "# TYPE primerka_metrics_gauge_refreshes_total counter\n"
	    "primerka_metrics_gauge_refreshes_total %llu\n",
	    (unsigned long long)__atomic_load_n(&gshm->refreshes,
	    __ATOMIC_RELAXED));
}
