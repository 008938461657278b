/*
 * The API's error codes, spelled once: an enum with a parallel table of
 * the machine name (ApiErrorCode in docs/openapi.yaml), the HTTP status
 * it is always sent with, and a default message.  nginx answers a few
 * more codes itself (rate_limited, uri_too_long, not_implemented,
 * bad_http_version: nginx/snippets/primerka-api.conf).
 */
#ifndef PRIMERKA_ERRORS_H
#define PRIMERKA_ERRORS_H

#include "lang.h"

enum api_err {
	API_ERR_BAD_REQUEST = 0,
	API_ERR_MALFORMED_JSON,
	API_ERR_INVALID_FIELD,
	API_ERR_INVALID_IDEMPOTENCY_KEY,
	API_ERR_EMPTY_BODY,
	API_ERR_BAD_IMAGE,
	API_ERR_UNAUTHORIZED,
	API_ERR_AUTH_EXPIRED,
	API_ERR_INSUFFICIENT_TOKENS,
	API_ERR_FORBIDDEN,
	API_ERR_NOT_FOUND,
	API_ERR_PHOTO_NOT_FOUND,
	API_ERR_OUTFIT_NOT_FOUND,
	API_ERR_LOCATION_NOT_FOUND,
	API_ERR_TRYON_NOT_FOUND,
	API_ERR_SHOP_NOT_FOUND,
	API_ERR_METHOD_NOT_ALLOWED,
	API_ERR_IDEMPOTENCY_CONFLICT,
	API_ERR_TRYON_NOT_COMPLETED,
	API_ERR_NOT_CANCELLABLE,
	API_ERR_JOB_RUNNING,
	API_ERR_LENGTH_REQUIRED,
	API_ERR_TOO_LARGE,
	API_ERR_IMAGE_TOO_LARGE,
	API_ERR_UNSUPPORTED_MEDIA_TYPE,
	API_ERR_PHOTO_TOO_SMALL,
	API_ERR_IMAGE_REJECTED,
	API_ERR_UNAVAILABLE,
	API_ERR_STORAGE_UNAVAILABLE,
	API_ERR_PAYMENTS_UNAVAILABLE,
	API_ERR_NOT_COMPLETED,
	API_ERR_QUOTA_EXCEEDED,
	API_ERR_LEASE_LOST,
	API_ERR_OUTPUT_MISSING,
	API_ERR__MAX
};

struct api_error_info {
	const char	*name;
	int		 status;	/* HTTP status */
	const char	*message;	/* default; NULL: the job error's */
	int		 job_err;	/* enum job_err whose message in the
					 * user's language is used, or -1 */
};

/* The table, indexed by enum api_err. */
extern const struct api_error_info api_errors[API_ERR__MAX];

/* The machine name ("not_found"); "unavailable" out of range. */
const char	*api_error_name(enum api_err);

/* The HTTP status the code is sent with; 503 out of range. */
int		 api_error_status(enum api_err);

/*
 * The message for code in language l: the table's default, or the
 * message of the job error the code stands for.
 */
const char	*api_error_message(enum api_err, enum lang l);

/* Parse a machine name; -1 when unknown. */
int		 api_error_parse(const char *name);

#endif /* PRIMERKA_ERRORS_H */
