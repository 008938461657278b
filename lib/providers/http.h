/*
 * The `http` provider: a hosted try-on API of the FASHN v1 shape and an
 * image-to-video API of the same submit-and-poll shape, over libcurl.
 * t/provider_emulator.js emulates both for the tests.
 *
 * Try-on, at base_url (e.g. https://api.fashn.ai):
 *
 *   POST {base}/v1/run
 *	Authorization: Bearer {api_key}
 *	Content-Type: application/json
 *	{"model_name": M, "inputs": {"model_image": PHOTO_URL,
 *	    "garment_image": OUTFIT_URL, "category": C, "mode": X}}
 *     or, when model_name is empty, FASHN's older flat form:
 *	{"model_image": PHOTO_URL, "garment_image": OUTFIT_URL,
 *	    "category": C, "mode": X}
 *     "category" is sent only when it is tops, bottoms, one-pieces or auto
 *     (the API's default is auto); "mode" only when configured; "seed"
 *     (an integer) only for a try-on run again with a new seed.  The
 *     location URL and the prompt are not sent: this API has no input
 *     for them.
 *   -> 2xx {"id": ID, "error": null}
 *
 *   GET {base}/v1/status/{ID}
 *	Authorization: Bearer {api_key}
 *   -> 2xx {"id": ID, "status": S, "output": [URL, ...], "error": E}
 *     S is starting | in_queue | processing (keep polling), completed
 *     (output[0] is the result, an http(s) URL) or failed (E is
 *     {"name": NAME, "message": TEXT}, or a bare string NAME).
 *
 * Animation, at video_base_url (default base_url), with video_api_key
 * (default api_key):
 *
 *   POST {vbase}/v1/animate
 *	{"image": IMAGE_URL, "prompt": P, "model_name": VM}
 *     ("prompt" only when non-empty, "model_name" only when configured)
 *   -> 2xx {"id": ID, "error": null}
 *   GET {vbase}/v1/status/{ID}
 *   -> the same statuses as above; output[0] is an mp4 URL.
 *
 * An ID must be 1..200 characters of [A-Za-z0-9._:-].  A failed
 * submission may answer 2xx {"id": null, "error": NAME | {"name"}}.
 *
 * Behaviour:
 *  - Each HTTP request (submit or one poll) is retried on 429 and 5xx
 *    (honouring a Retry-After on 429 or 503, in seconds or as an HTTP
 *    date, as long as the job deadline allows) and network errors, up to
 *    max_retries times, with exponential backoff and equal jitter; never
 *    on another 4xx.  Responses are capped at 1 MB.
 *  - Polling starts at poll_min_ms and doubles up to poll_max_ms; the
 *    whole call (submit, retries, polls) is bounded by job_timeout_ms.
 *  - hooks->ref, when it holds an ID from an earlier attempt, is polled
 *    first; only a 404 for it, or a failed prediction whose failure is
 *    retryable, leads to a new submission (no paying twice).  A new ID is
 *    handed to hooks->save_ref before the first poll.  hooks->heartbeat
 *    is called while waiting (at least every 5 s); -1 from it, or from
 *    save_ref, ends the call with "internal", retryable.
 *  - Error codes (lib/jobs.c): a failed prediction named NSFWError ->
 *    photo_nsfw; ImageLoadError, PoseError, PhotoTypeError,
 *    InputValidationError, ContentModerationError -> provider_rejected
 *    (neither retryable); other names -> provider_error (retryable).
 *    4xx other than 401/403/429 -> provider_rejected (not retryable);
 *    401/403 -> provider_error, not retryable (our key, not the user's
 *    photo); 5xx or network errors after the retries, an unexpected or
 *    oversized or malformed answer, or a non-http(s) output URL ->
 *    provider_error (retryable); job_timeout_ms or a request timing out
 *    on every retry -> provider_timeout (retryable).
 *  - Error details name the stage and HTTP status or curl error; they
 *    never contain the API key or any input or output URL.
 *
 * One provider holds one curl easy handle: use it from one thread.
 */
#ifndef PRIMERKA_PROVIDER_HTTP_H
#define PRIMERKA_PROVIDER_HTTP_H

#include <stddef.h>

#include "provider.h"

struct provider_http_config {
	const char	*base_url;	/* required, http(s), no query */
	const char	*video_base_url; /* NULL or "": base_url */
	const char	*api_key;	/* required */
	const char	*video_api_key;	/* NULL or "": api_key */
	const char	*model_name;	/* NULL or "": the flat request form */
	const char	*mode;		/* NULL or "": not sent */
	const char	*video_model_name; /* NULL or "": not sent */
	long		 connect_timeout_ms;	/* one connection */
	long		 request_timeout_ms;	/* one HTTP request */
	long		 job_timeout_ms;	/* a whole tryon/animate call */
	long		 poll_min_ms;		/* first poll interval */
	long		 poll_max_ms;		/* poll interval cap */
	long		 retry_base_ms;		/* first retry backoff */
	long		 retry_max_ms;		/* retry backoff cap */
	int		 max_retries;		/* per request, 0..20 */
	int		 max_concurrency;	/* 0 = unlimited */
};

/*
 * Fill cfg with the defaults: no URLs or keys, connect 10 s, request
 * 60 s, job 300 s, polls 1 s doubling to 5 s, 4 retries from 500 ms
 * up to 30 s, concurrency 4.
 */
void		 provider_http_config_default(struct provider_http_config *);

/*
 * Build the provider from cfg (the strings are copied; cfg may go
 * away).  NULL with a message in err (never holding the key) when the
 * configuration is invalid or memory or libcurl fail.  Free with
 * provider_free().
 */
struct provider	*provider_http_new(const struct provider_http_config *,
		    char *err, size_t errlen);

#endif /* PRIMERKA_PROVIDER_HTTP_H */
