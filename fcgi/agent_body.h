/*
 * The contour-B agent API's request bodies (fcgi/agent_api.c), read
 * and checked without the database: each reader answers a 400 itself
 * and returns -1, or fills its struct from the body and returns 0.  The
 * strings point into the body object, which the caller keeps.
 */
#ifndef PRIMERKA_AGENT_BODY_H
#define PRIMERKA_AGENT_BODY_H

#include <json-c/json.h>

#include "api.h"

#define AGENT_BODY_MAX	8192	/* bytes of any call's body */
#define AGENT_LEASE_HEX	16	/* the lease id's hex characters */

/* A call after the claim: only the allowed fields (NULL-terminated)
 * and "lease", AGENT_LEASE_HEX lowercase hex digits, into *lease. */
int	agent_call_read(struct req *, json_object *,
	    const char *const *allowed, const char **lease);

/* POST /agent/claim (a body is optional): "provider" fashn, fal or
 * replicate, whose slots the job takes, or NULL. */
int	agent_claim_read(struct req *, json_object *, const char **provider);

/* POST /agent/jobs/{id}/heartbeat: "urls" true when fresh presigned
 * URLs are wanted (false when absent). */
struct agent_heartbeat {
	const char	*lease;
	int		 urls;
};
int	agent_heartbeat_read(struct req *, json_object *,
	    struct agent_heartbeat *);

/* POST /agent/jobs/{id}/stage: "status" RUNNING or UPLOADING, and
 * "provider_ref" (1..255), each or NULL; "credits" {provider, ref,
 * amount 0..1e9} and "alert" {provider, kind}, each or NULL. */
struct agent_stage {
	const char	*lease;
	const char	*status;
	const char	*provider_ref;
	json_object	*credits;
	json_object	*alert;
};
int	agent_stage_read(struct req *, json_object *, struct agent_stage *);

/* POST /agent/jobs/{id}/fail: "code" a job error an agent may report
 * (not cancelled, not insufficient_tokens), "detail" (0..255, "" when
 * absent), "retryable" (false when absent). */
struct agent_fail {
	const char	*lease;
	int		 code;		/* enum job_err */
	const char	*detail;
	int		 retryable;
};
int	agent_fail_read(struct req *, json_object *, struct agent_fail *);

#endif /* PRIMERKA_AGENT_BODY_H */
