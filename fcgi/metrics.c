/*
 * Shared request counters for /metrics.
 */
#include <sys/mman.h>

#include <stdio.h>
#include <string.h>

#include "metrics.h"

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
