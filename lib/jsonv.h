/*
 * A strict RFC 8259 syntax check for untrusted JSON, run before json-c
 * parses it: json-c's "strict" mode still takes single quotes, NaN,
 * Infinity, raw control characters in strings and overlong UTF-8, and the
 * database refuses what is not valid UTF-8.
 */
#ifndef PRIMERKA_JSONV_H
#define PRIMERKA_JSONV_H

#include <stddef.h>

/*
 * 1 when s[0..len) is exactly one JSON value (surrounding white space
 * allowed) nested at most max_depth deep, with strings of valid UTF-8
 * (no overlongs, surrogates or code points past U+10FFFF), no control
 * characters, valid escapes (\u surrogates in pairs); else 0.
 */
int	 jsonv_check(const char *s, size_t len, int max_depth);

/* 1 when s[0..len) is valid UTF-8 in the same strict sense. */
int	 jsonv_utf8(const char *s, size_t len);

struct json_object;

/*
 * Parse s[0..len) (a NUL must follow it): jsonv_check() first, then
 * json-c in strict mode, at most max_depth deep: one JSON object and
 * nothing after it.  For answers from services we call (a provider, the
 * Bot API), held to the same syntax as requests.  The object (caller
 * puts) or NULL.
 */
struct json_object *jsonv_parse_object(const char *s, size_t len,
	    int max_depth);

/*
 * Add v under key to o, for building JSON: v is owned (NULL means its
 * allocation failed) and released when it cannot be added.  0 or -1.
 */
int	 jsonv_add(struct json_object *o, const char *key,
	    struct json_object *v);

#endif /* PRIMERKA_JSONV_H */
