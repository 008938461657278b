/*
 * The objects a finished job leaves in storage: its result and a
 * thumbnail (a try-on: JPEG and WebP in the results bucket; an
 * animation: MP4 and a JPEG preview in the videos bucket).  The worker
 * writes them with its own keys; for an agent (contour B) contour A
 * presigns PUTs to the same keys and checks them before COMPLETED.
 */
#ifndef PRIMERKA_OUTPUTS_H
#define PRIMERKA_OUTPUTS_H

#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "jobs.h"

enum job_output {
	JOB_OUT_RESULT = 0,
	JOB_OUT_THUMB,
	JOB_OUT__MAX
};

/* "result", "thumb": the names the agent API uses. */
extern const char *const job_output_names[JOB_OUT__MAX];

/* The bucket of a kind's outputs. */
enum bucket	 output_bucket(enum job_kind);

/* The Content-Type output o of a kind is stored with. */
const char	*output_type(enum job_kind, enum job_output o);

/*
 * The object key of output o of job_id of user_id into buf: 0, or -1
 * when it does not fit.
 */
int		 output_key(enum job_kind, int64_t user_id, int64_t job_id,
		    enum job_output o, char *buf, size_t len);

#endif /* PRIMERKA_OUTPUTS_H */
