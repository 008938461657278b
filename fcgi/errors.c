/*
 * The API error table (fcgi/errors.h); t/test_api_errors.c holds it
 * against docs/openapi.yaml.
 */
#include <string.h>

#include "errors.h"
#include "jobs.h"

const struct api_error_info api_errors[API_ERR__MAX] = {
	[API_ERR_BAD_REQUEST] = { "bad_request", 400,
	    "the request is malformed", -1 },
	[API_ERR_MALFORMED_JSON] = { "malformed_json", 400,
	    "the request body is not valid JSON", -1 },
	[API_ERR_INVALID_FIELD] = { "invalid_field", 400,
	    "a field is invalid", -1 },
	[API_ERR_INVALID_IDEMPOTENCY_KEY] = { "invalid_idempotency_key", 400,
	    "Idempotency-Key must be 1-200 printable characters", -1 },
	[API_ERR_EMPTY_BODY] = { "empty_body", 400,
	    "send the image as the body", -1 },
	[API_ERR_BAD_IMAGE] = { "bad_image", 400,
	    "the image is damaged or truncated", -1 },
	[API_ERR_UNAUTHORIZED] = { "unauthorized", 401,
	    "missing Authorization: tma <initData>", -1 },
	[API_ERR_AUTH_EXPIRED] = { "auth_expired", 401,
	    "initData expired, reopen the app", -1 },
	[API_ERR_INSUFFICIENT_TOKENS] = { "insufficient_tokens", 402, NULL,
	    JOB_ERR_INSUFFICIENT_TOKENS },
	[API_ERR_FORBIDDEN] = { "forbidden", 403,
	    "your role does not allow this", -1 },
	[API_ERR_NOT_FOUND] = { "not_found", 404,
	    "no such endpoint", -1 },
	[API_ERR_PHOTO_NOT_FOUND] = { "photo_not_found", 404,
	    "no such photo", -1 },
	[API_ERR_OUTFIT_NOT_FOUND] = { "outfit_not_found", 404,
	    "no such outfit", -1 },
	[API_ERR_LOCATION_NOT_FOUND] = { "location_not_found", 404,
	    "no such location", -1 },
	[API_ERR_TRYON_NOT_FOUND] = { "tryon_not_found", 404,
	    "no such try-on", -1 },
	[API_ERR_SHOP_NOT_FOUND] = { "shop_not_found", 404,
	    "no such shop", -1 },
	[API_ERR_METHOD_NOT_ALLOWED] = { "method_not_allowed", 405,
	    "this method is not allowed here", -1 },
	[API_ERR_IDEMPOTENCY_CONFLICT] = { "idempotency_conflict", 409,
	    "this Idempotency-Key was used for a different request", -1 },
	[API_ERR_TRYON_NOT_COMPLETED] = { "tryon_not_completed", 409,
	    "only a completed try-on can be animated", -1 },
	[API_ERR_NOT_CANCELLABLE] = { "not_cancellable", 409,
	    "the job is already running or finished", -1 },
	[API_ERR_JOB_RUNNING] = { "job_running", 409,
	    "it is being made right now; delete it when it is done", -1 },
	[API_ERR_LENGTH_REQUIRED] = { "length_required", 411,
	    "a request body with Content-Length is required", -1 },
	[API_ERR_TOO_LARGE] = { "too_large", 413,
	    "the request body is too large", -1 },
	[API_ERR_IMAGE_TOO_LARGE] = { "image_too_large", 413,
	    "the image has too many pixels", -1 },
	[API_ERR_UNSUPPORTED_MEDIA_TYPE] = { "unsupported_media_type", 415,
	    "send a JPEG, PNG or WebP image", -1 },
	[API_ERR_PHOTO_TOO_SMALL] = { "photo_too_small", 422, NULL,
	    JOB_ERR_PHOTO_TOO_SMALL },
	[API_ERR_IMAGE_REJECTED] = { "image_rejected", 422,
	    "the image did not pass the checks", -1 },
	[API_ERR_UNAVAILABLE] = { "unavailable", 503,
	    "out of memory, try again", -1 },
	[API_ERR_STORAGE_UNAVAILABLE] = { "storage_unavailable", 503,
	    "could not store the photo, try again shortly", -1 },
	[API_ERR_PAYMENTS_UNAVAILABLE] = { "payments_unavailable", 503,
	    "buying tokens is not available now", -1 },
	[API_ERR_NOT_COMPLETED] = { "not_completed", 409,
	    "only a finished result can be shared", -1 },
	[API_ERR_QUOTA_EXCEEDED] = { "quota_exceeded", 429,
	    "over your quota, try again later", -1 },
	[API_ERR_LEASE_LOST] = { "lease_lost", 409,
	    "this agent no longer holds the job (its lease expired, or it "
	    "was cancelled or finished)", -1 },
	[API_ERR_OUTPUT_MISSING] = { "output_missing", 409,
	    "an output of the job was not uploaded", -1 },
};

const char *
api_error_name(enum api_err e)
{
	if ((unsigned)e >= API_ERR__MAX)
		e = API_ERR_UNAVAILABLE;
	return api_errors[e].name;
}

int
api_error_status(enum api_err e)
{
	if ((unsigned)e >= API_ERR__MAX)
		e = API_ERR_UNAVAILABLE;
	return api_errors[e].status;
}

const char *
api_error_message(enum api_err e, enum lang l)
{
	const struct api_error_info *ei;

	if ((unsigned)e >= API_ERR__MAX)
		e = API_ERR_UNAVAILABLE;
	ei = &api_errors[e];
	if (ei->message != NULL)
		return ei->message;
	if ((unsigned)l >= LANG__MAX)
		l = LANG_EN;
	return job_errors[ei->job_err].message[l];
}

int
api_error_parse(const char *name)
{
	int	 i;

	if (name == NULL)
		return -1;
	for (i = 0; i < API_ERR__MAX; i++)
		if (strcmp(api_errors[i].name, name) == 0)
			return i;
	return -1;
}
