/*
 * Validators for JSON request fields.  Each returns 1 when the field is
 * present and valid, 0 when absent (or null) and optional, and -1 after
 * sending a 400 naming the field.
 */
#ifndef PRIMERKA_VALIDATE_H
#define PRIMERKA_VALIDATE_H

#include <stdint.h>
#include <json-c/json.h>

#include "http.h"

int	 v_id(struct req *, json_object *, const char *name, int required,
	    int64_t *out);
int	 v_int(struct req *, json_object *, const char *name, int required,
	    int64_t min, int64_t max, int64_t *out);
/* A string of min..max characters (UTF-8 code points), no control
 * characters; *out points into the JSON object. */
int	 v_str(struct req *, json_object *, const char *name, int required,
	    size_t min, size_t max, const char **out);
/* One of the NULL-terminated choices. */
int	 v_enum(struct req *, json_object *, const char *name, int required,
	    const char *const *choices, const char **out);
/* An http(s) URL of at most 2000 bytes. */
int	 v_url(struct req *, json_object *, const char *name, int required,
	    const char **out);
/* An array of at most maxn tags [a-z0-9-]{1,40}, joined with ',' into
 * buf. */
int	 v_tags(struct req *, json_object *, const char *name, int required,
	    size_t maxn, char *buf, size_t buflen);
/* Reject fields other than the NULL-terminated allowed names. */
int	 v_only(struct req *, json_object *, const char *const *allowed);

/* Whether s is a calendar date YYYY-MM-DD. */
int	 v_is_date(const char *s);

#endif /* PRIMERKA_VALIDATE_H */
