/*
 * The worker's metrics: counters in one shared mapping that every worker
 * process of a supervisor updates, written by the parent as a Prometheus
 * text file ([worker] metrics_path) that the API appends to /metrics and
 * node_exporter's textfile collector can read as well.
 */
#ifndef PRIMERKA_WMETRICS_H
#define PRIMERKA_WMETRICS_H

#include <stdint.h>

#include "jobs.h"

/* Map the counters (before forking the workers).  0, or -1: then every
 * other call does nothing. */
int	wm_init(void);

/* A job spent usec in a stage (its status). */
void	wm_stage(enum job_status, uint64_t usec);

/* How a job's attempt ended: RETRY is a retryable error. */
enum wm_outcome { WM_COMPLETED, WM_FAILED, WM_RETRY, WM_OUTCOME__MAX };

/* A job's attempt ended, with its error (an enum job_err, or -1 for
 * none).  Codes named "provider_..." also count as provider errors. */
void	wm_outcome(enum wm_outcome, int code);

/* A worker process starts (+1) or ends (-1) a job: slots in use. */
void	wm_busy(int delta);

/* Write the counters to path atomically (a temporary file, renamed).
 * 0 or -1 (logged). */
int	wm_write(const char *path, int processes);

#endif /* PRIMERKA_WMETRICS_H */
