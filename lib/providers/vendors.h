/*
 * How each vendor's adapter reads an answer, apart from the transport
 * that fetched it: the only code that looks inside a vendor's bytes, so
 * fuzz/fuzz_provider.c can feed it anything.  Each takes the final
 * answer of remote_request() (any status, any body), fills c->err on
 * failure and never copies a URL or key into it.
 *
 * *_read_submit(): 0 with the remote id in id (a plain token, shorter
 * than idlen), or -1.  *_read_status(): where job id stands; on
 * REMOTE_DONE *url is the output (malloc'd, http(s)).  fal's status
 * answer only says COMPLETED (REMOTE_DONE, *url untouched): the output
 * comes from fal_read_result() on the result answer.
 */
#ifndef PRIMERKA_PROVIDERS_VENDORS_H
#define PRIMERKA_PROVIDERS_VENDORS_H

#include <stddef.h>

#include "remote.h"

int		 fashn_read_submit(struct remote_call *,
		    const struct remote_resp *, char *id, size_t idlen);
enum remote_state fashn_read_status(struct remote_call *,
		    const struct remote_resp *, const char *id, char **url);

int		 fal_read_submit(struct remote_call *,
		    const struct remote_resp *, char *id, size_t idlen);
enum remote_state fal_read_status(struct remote_call *,
		    const struct remote_resp *);
enum remote_state fal_read_result(struct remote_call *,
		    const struct remote_resp *, int video, const char *id,
		    char **url);

int		 replicate_read_submit(struct remote_call *,
		    const struct remote_resp *, char *id, size_t idlen);
enum remote_state replicate_read_status(struct remote_call *,
		    const struct remote_resp *, const char *id, char **url);

#endif /* PRIMERKA_PROVIDERS_VENDORS_H */
