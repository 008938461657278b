/*
 * Request metrics shared by every process of the prefork pool: counters
 * and latency histograms in one anonymous shared mapping made by the
 * parent before it forks, updated with atomic adds.
 */
#ifndef PRIMERKA_METRICS_H
#define PRIMERKA_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* Map the counters for nroutes routes (plus one for "no route").
 * 0, or -1 when the mapping fails (metrics are then off). */
int	 metrics_init(size_t nroutes);

/* Count one request of route (nroutes for none) with its status. */
void	 metrics_observe(size_t route, int status, uint64_t usec);

/*
 * Append the Prometheus text of the request metrics to buf at *off.
 * route_label(i) names route i ("GET /api/v1/tryons/{id}").
 */
void	 metrics_write(char *buf, size_t len, size_t *off,
	    const char *(*route_label)(size_t, char *, size_t));

/*
 * The gauges that query tables, computed at most once per ttl seconds
 * for every process of the pool together: fill(arg, gbuf, glen, &goff)
 * appends their text when the shared copy is older than ttl (and no
 * other process is refreshing it), every other scrape gets the copy.
 * Appends the text and primerka_metrics_gauge_refreshes_total (how many
 * times fill ran) to buf at *off.
 */
void	 metrics_gauges(char *buf, size_t len, size_t *off, int64_t ttl,
	    void (*fill)(void *, char *, size_t, size_t *), void *arg);

#endif /* PRIMERKA_METRICS_H */
