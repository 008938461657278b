/*
 * Small byte and string helpers: percent coding, base64url, hex,
 * constant-time comparison, strlcpy, strict integer parsing, ISO 8601
 * times and freeing secrets.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

static const char hexdigits_lc[] = "0123456789abcdef";
static const char hexdigits_uc[] = "0123456789ABCDEF";
static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Value of one hex digit, or -1. */
static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Value of one base64url character, or -1. */
static int
b64url_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * Percent-decoding; dst may alias src because j <= i at every step and
 * each input byte is read before the output byte at the same or a lower
 * index is written.
 */
int
util_pct_decode(const char *src, size_t srclen, int flags, char *dst,
    size_t dstsz, size_t *dstlen)
{
	size_t	 i, j = 0;
	int	 hi, lo;
	char	 c;

	if (dstsz == 0)
		return UTIL_ERANGE;
	for (i = 0; i < srclen; i++) {
		c = src[i];
		if (c == '%') {
			if (srclen - i < 3)
				return UTIL_EINVAL;
			hi = hexval((unsigned char)src[i + 1]);
			lo = hexval((unsigned char)src[i + 2]);
			if (hi < 0 || lo < 0)
				return UTIL_EINVAL;
			c = (char)((hi << 4) | lo);
			i += 2;
		} else if (c == '+' && (flags & UTIL_PCT_PLUS))
			c = ' ';
		if (j + 1 >= dstsz)
			return UTIL_ERANGE;
		dst[j++] = c;
	}
	dst[j] = '\0';
	if (dstlen != NULL)
		*dstlen = j;
	return UTIL_OK;
}

int
util_pct_encode(const char *src, size_t srclen, char *dst, size_t dstsz,
    size_t *dstlen)
{
	size_t		 i, j = 0;
	unsigned char	 c;

	if (dstsz == 0)
		return UTIL_ERANGE;
	for (i = 0; i < srclen; i++) {
		c = (unsigned char)src[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			if (dstsz - j < 2)
				return UTIL_ERANGE;
			dst[j++] = (char)c;
		} else {
			if (dstsz - j < 4)
				return UTIL_ERANGE;
			dst[j++] = '%';
			dst[j++] = hexdigits_uc[c >> 4];
			dst[j++] = hexdigits_uc[c & 0x0f];
		}
	}
	dst[j] = '\0';
	if (dstlen != NULL)
		*dstlen = j;
	return UTIL_OK;
}

int
util_b64url_decode(const char *src, size_t srclen, uint8_t *dst,
    size_t dstsz, size_t *dstlen)
{
	size_t		 i, j = 0, rem, need, npad = 0;
	uint32_t	 acc = 0;
	int		 v, nacc = 0;

	/* Optional padding: only as a full last quantum. */
	while (npad < srclen && src[srclen - 1 - npad] == '=')
		npad++;
	if (npad > 0) {
		if (npad > 2 || srclen % 4 != 0)
			return UTIL_EINVAL;
		srclen -= npad;
		if ((srclen % 4) + npad != 4)
			return UTIL_EINVAL;
	}
	rem = srclen % 4;
	if (rem == 1)
		return UTIL_EINVAL;
	need = srclen / 4 * 3 + (rem == 0 ? 0 : rem - 1);
	if (need > dstsz)
		return UTIL_ERANGE;

	for (i = 0; i < srclen; i++) {
		v = b64url_val((unsigned char)src[i]);
		if (v < 0)
			return UTIL_EINVAL;
		acc = (acc << 6) | (uint32_t)v;
		if (++nacc == 4) {
			dst[j++] = (uint8_t)(acc >> 16);
			dst[j++] = (uint8_t)(acc >> 8);
			dst[j++] = (uint8_t)acc;
			acc = 0;
			nacc = 0;
		}
	}
	if (nacc == 2) {
		if (acc & 0x0f)
			return UTIL_EINVAL;	/* non-canonical */
		dst[j++] = (uint8_t)(acc >> 4);
	} else if (nacc == 3) {
		if (acc & 0x03)
			return UTIL_EINVAL;	/* non-canonical */
		dst[j++] = (uint8_t)(acc >> 10);
		dst[j++] = (uint8_t)(acc >> 2);
	}
	if (dstlen != NULL)
		*dstlen = j;
	return UTIL_OK;
}

int
util_b64url_encode(const uint8_t *src, size_t srclen, char *dst,
    size_t dstsz, size_t *dstlen)
{
	size_t		 i, j = 0, need;
	uint32_t	 acc;

	need = srclen / 3 * 4 + (srclen % 3 == 0 ? 0 : srclen % 3 + 1);
	if (srclen / 3 > (SIZE_MAX - 8) / 4 || need + 1 > dstsz)
		return UTIL_ERANGE;
	for (i = 0; i + 3 <= srclen; i += 3) {
		acc = ((uint32_t)src[i] << 16) | ((uint32_t)src[i + 1] << 8) |
		    src[i + 2];
		dst[j++] = b64url_alphabet[(acc >> 18) & 0x3f];
		dst[j++] = b64url_alphabet[(acc >> 12) & 0x3f];
		dst[j++] = b64url_alphabet[(acc >> 6) & 0x3f];
		dst[j++] = b64url_alphabet[acc & 0x3f];
	}
	if (srclen - i == 1) {
		acc = (uint32_t)src[i] << 16;
		dst[j++] = b64url_alphabet[(acc >> 18) & 0x3f];
		dst[j++] = b64url_alphabet[(acc >> 12) & 0x3f];
	} else if (srclen - i == 2) {
		acc = ((uint32_t)src[i] << 16) | ((uint32_t)src[i + 1] << 8);
		dst[j++] = b64url_alphabet[(acc >> 18) & 0x3f];
		dst[j++] = b64url_alphabet[(acc >> 12) & 0x3f];
		dst[j++] = b64url_alphabet[(acc >> 6) & 0x3f];
	}
	dst[j] = '\0';
	if (dstlen != NULL)
		*dstlen = j;
	return UTIL_OK;
}

int
util_hex_encode(const uint8_t *src, size_t srclen, char *dst, size_t dstsz)
{
	size_t	 i;

	if (srclen > (SIZE_MAX - 1) / 2 || dstsz < srclen * 2 + 1)
		return UTIL_ERANGE;
	for (i = 0; i < srclen; i++) {
		dst[2 * i] = hexdigits_lc[src[i] >> 4];
		dst[2 * i + 1] = hexdigits_lc[src[i] & 0x0f];
	}
	dst[2 * srclen] = '\0';
	return UTIL_OK;
}

int
util_hex_decode(const char *src, size_t srclen, uint8_t *dst, size_t dstsz,
    size_t *dstlen)
{
	size_t	 i;
	int	 hi, lo;

	if (srclen % 2 != 0)
		return UTIL_EINVAL;
	if (srclen / 2 > dstsz)
		return UTIL_ERANGE;
	for (i = 0; i < srclen / 2; i++) {
		hi = hexval((unsigned char)src[2 * i]);
		lo = hexval((unsigned char)src[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return UTIL_EINVAL;
		dst[i] = (uint8_t)((hi << 4) | lo);
	}
	if (dstlen != NULL)
		*dstlen = srclen / 2;
	return UTIL_OK;
}

/*
 * The volatile accumulator keeps the compiler from turning the loop into
 * an early-exit memcmp().
 */
int
util_ct_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char	*pa = a, *pb = b;
	volatile unsigned char		 diff = 0;
	size_t				 i;

	for (i = 0; i < n; i++)
		diff |= pa[i] ^ pb[i];
	return diff == 0;
}

size_t
util_strlcpy(char *dst, const char *src, size_t dstsz)
{
	size_t	 len = strlen(src);

	if (dstsz > 0) {
		size_t n = len < dstsz - 1 ? len : dstsz - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

int
util_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char		*end;
	long long	 v;
	const char	*p = s;

	if (s == NULL)
		goto einval;
	if (*p == '-' || *p == '+')
		p++;
	/* strtoll would skip white space and accept a bare sign. */
	if (*p < '0' || *p > '9')
		goto einval;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		goto einval;
	if (errno == ERANGE || v < min || v > max) {
		errno = ERANGE;
		return -1;
	}
	if (errno != 0)
		goto einval;
	*out = (int64_t)v;
	return 0;
einval:
	errno = EINVAL;
	return -1;
}

void
util_free_secret(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

void
util_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Length of the valid 2- or 3-byte UTF-8 sequence at s, else 0. */
static size_t
utf8_letter(const unsigned char *s)
{
	if (s[0] >= 0xc2 && s[0] <= 0xdf && (s[1] & 0xc0) == 0x80)
		return 2;
	if (s[0] >= 0xe0 && s[0] <= 0xef && (s[1] & 0xc0) == 0x80 &&
	    (s[2] & 0xc0) == 0x80) {
		/* Not overlong, not a surrogate. */
		if ((s[0] == 0xe0 && s[1] < 0xa0) ||
		    (s[0] == 0xed && s[1] >= 0xa0))
			return 0;
		/* U+2000..U+206F (spaces, quotes, marks) and U+FFF0.. out. */
		if ((s[0] == 0xe2 && s[1] == 0x80) || (s[0] == 0xe2 &&
		    s[1] == 0x81) || (s[0] == 0xef && s[1] == 0xbf))
			return 0;
		return 3;
	}
	return 0;
}

size_t
util_prompt_text(char *dst, size_t dstlen, const char *src, size_t maxchars)
{
	const unsigned char	*s = (const unsigned char *)src;
	size_t			 o = 0, chars = 0, n;
	int			 space = 1;	/* no leading space */

	if (dstlen == 0)
		return 0;
	while (s != NULL && *s != '\0' && chars < maxchars) {
		if (*s < 0x80) {
			if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' &&
			    *s <= 'Z') || (*s >= '0' && *s <= '9') ||
			    strchr(".,-'%/+&", *s) != NULL) {
				if (o + 1 >= dstlen)
					break;
				dst[o++] = (char)*s;
				chars++;
				space = 0;
			} else if (!space) {
				if (o + 1 >= dstlen)
					break;
				dst[o++] = ' ';
				chars++;
				space = 1;
			}
			s++;
			continue;
		}
		n = utf8_letter(s);
		if (n == 0) {
			/* Skip the whole (invalid or unwanted) sequence. */
			s++;
			while ((*s & 0xc0) == 0x80)
				s++;
			if (!space && o + 1 < dstlen) {
				dst[o++] = ' ';
				chars++;
				space = 1;
			}
			continue;
		}
		if (o + n >= dstlen)
			break;
		memcpy(dst + o, s, n);
		o += n;
		s += n;
		chars++;
		space = 0;
	}
	while (o > 0 && dst[o - 1] == ' ') {
		o--;
		chars--;
	}
	dst[o] = '\0';
	return chars;
}

int64_t
util_mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
util_iso_ms(int64_t us, char *dst, size_t dstsz)
{
	int64_t		 s, frac;
	time_t		 t;
	struct tm	 tm;
	int		 n;

	/* Floor division: the fraction of a time before 1970 counts up. */
	s = us / 1000000;
	frac = us % 1000000;
	if (frac < 0) {
		frac += 1000000;
		s--;
	}
	t = (time_t)s;
	if (gmtime_r(&t, &tm) == NULL)
		return UTIL_ERANGE;
	n = snprintf(dst, dstsz, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(frac / 1000));
	if (n < 0 || (size_t)n >= dstsz)
		return UTIL_ERANGE;
	return UTIL_OK;
}
