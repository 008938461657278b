/*
 * QUEUED: wait for a provider slot (batch/slots.c), at most [worker]
 * slot_wait seconds; past that the job fails with provider_timeout,
 * uncharged.
 */
#include "worker.h"

int
stage_queued(struct job_ctx *c)
{
	return slot_acquire(c);
}
