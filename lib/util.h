/*
 * Small byte and string helpers shared by the lib/ modules: percent
 * coding, base64url, hex, constant-time comparison, bounded copying,
 * strict integer parsing and ISO 8601 times.
 *
 * None of them allocates, logs or keeps state.  Every output buffer is
 * given with its size and nothing is written past it; string outputs are
 * always NUL-terminated when the call succeeds.  Errors are the negative
 * UTIL_E* values below.
 */
#ifndef PRIMERKA_UTIL_H
#define PRIMERKA_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define UTIL_OK		 0
#define UTIL_EINVAL	-1	/* malformed input */
#define UTIL_ERANGE	-2	/* value out of range / output buffer too small */

/* Flags for util_pct_decode(). */
#define UTIL_PCT_PLUS	0x01	/* '+' decodes to ' ' (form / query strings) */

/*
 * Percent-decode srclen bytes of src into dst (dstsz bytes, including
 * room for the terminating NUL).  "%XX" takes either hex case; a '%' not
 * followed by two hex digits is UTIL_EINVAL.  With UTIL_PCT_PLUS, '+'
 * becomes a space.  Other bytes are copied as they are.  The output may
 * contain NUL bytes (from "%00"): use *dstlen, not strlen().
 * dst may be exactly src (in-place decoding): the output is never longer
 * than the input.  Returns UTIL_OK, UTIL_EINVAL or UTIL_ERANGE (dst too
 * small); *dstlen (may be NULL) gets the decoded length.
 */
int	 util_pct_decode(const char *src, size_t srclen, int flags, char *dst,
	    size_t dstsz, size_t *dstlen);

/*
 * Percent-encode srclen bytes: the RFC 3986 unreserved characters
 * (A-Z a-z 0-9 - . _ ~) are kept, every other byte becomes "%XX" with
 * upper-case hex (spaces become "%20", as encodeURIComponent does).
 * Returns UTIL_OK or UTIL_ERANGE (dst too small); *dstlen may be NULL.
 */
int	 util_pct_encode(const char *src, size_t srclen, char *dst,
	    size_t dstsz, size_t *dstlen);

/*
 * Decode base64url (RFC 4648 §5: '-' and '_' instead of '+' and '/').
 * Padding is optional but, when present, must complete the last quantum.
 * Non-canonical input is UTIL_EINVAL: a length of 4n+1, characters
 * outside the alphabet (including whitespace and standard-base64 '+' '/'),
 * and non-zero unused bits in the last character, so each byte string
 * has exactly one accepted unpadded encoding.  Returns UTIL_OK,
 * UTIL_EINVAL or UTIL_ERANGE (dst too small).
 */
int	 util_b64url_decode(const char *src, size_t srclen, uint8_t *dst,
	    size_t dstsz, size_t *dstlen);

/*
 * Encode as unpadded base64url, NUL-terminated.  Needs
 * 4 * ceil(srclen / 3) + 1 bytes at most.  Returns UTIL_OK or UTIL_ERANGE.
 */
int	 util_b64url_encode(const uint8_t *src, size_t srclen, char *dst,
	    size_t dstsz, size_t *dstlen);

/*
 * Lower-case hex encoding, NUL-terminated: needs 2 * srclen + 1 bytes.
 * Returns UTIL_OK or UTIL_ERANGE.
 */
int	 util_hex_encode(const uint8_t *src, size_t srclen, char *dst,
	    size_t dstsz);

/*
 * Hex decoding (either case).  An odd length or a non-hex character is
 * UTIL_EINVAL; dst too small is UTIL_ERANGE.  *dstlen may be NULL.
 */
int	 util_hex_decode(const char *src, size_t srclen, uint8_t *dst,
	    size_t dstsz, size_t *dstlen);

/*
 * Compare n bytes in time that depends on n only, not on the contents
 * (for MACs and other secrets).  Returns 1 when equal, 0 otherwise.
 */
int	 util_ct_equal(const void *a, const void *b, size_t n);

/*
 * Copy the string src into dst (dstsz bytes), always NUL-terminating when
 * dstsz > 0, like BSD strlcpy().  Returns strlen(src): a result >= dstsz
 * means the copy was truncated.
 */
size_t	 util_strlcpy(char *dst, const char *src, size_t dstsz);

/*
 * Format a message into err (errlen bytes, truncated to fit); a NULL err
 * or errlen 0 is allowed.  For the short reasons library calls give back.
 */
void	 util_seterr(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Wipe a string that held a secret (a token, a key), then free it; NULL
 * is allowed. */
void	 util_free_secret(char *s);

/*
 * Parse the whole of s as a base-10 integer within [min, max] (strtoll
 * with every check).  An optional leading '-' or '+' is accepted.
 * Returns 0, or -1 on any failure with errno set: EINVAL for NULL, an
 * empty string, leading or trailing white space or any other stray
 * character; ERANGE for overflow or a value outside [min, max].  *out is
 * written only on success.  (Unlike the helpers above, the result is just
 * 0 / -1, so "== -1" catches every failure.)
 */
int	 util_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);

/*
 * A time given in microseconds since 1970-01-01 UTC written as
 * "YYYY-MM-DDTHH:MM:SS.mmmZ" (milliseconds truncated, as PostgreSQL's
 * to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') writes
 * them) into dst (dstsz bytes).  Returns UTIL_OK, or UTIL_ERANGE when
 * the time is out of gmtime's range or dst is too small.
 */
int	 util_iso_ms(int64_t us, char *dst, size_t dstsz);

/* Milliseconds on the monotonic clock (for deadlines and intervals, never
 * for a time of day). */
int64_t	 util_mono_ms(void);

/*
 * Staff-written text made fit for a provider prompt: letters and digits
 * of any script (valid UTF-8 of 2-3 bytes), spaces and . , - ' % / + &
 * kept; quotes, brackets, colons, newlines, control characters, emoji
 * and invalid bytes become one space; runs of spaces collapse; at most
 * maxchars characters (cut at a character, trailing space trimmed).  dst
 * (dstlen > 0 bytes) is always NUL-terminated.  Returns the characters
 * written.
 */
size_t	 util_prompt_text(char *dst, size_t dstlen, const char *src,
	    size_t maxchars);

#endif /* PRIMERKA_UTIL_H */
