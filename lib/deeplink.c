/*
 * Deep links (startapp parameters): parse and format.  See deeplink.h.
 */
#include <stdio.h>
#include <string.h>

#include "deeplink.h"

/* Whether c may appear in a startapp parameter. */
static int
allowed(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* A positive decimal id of at most 15 digits (JSON-safe): 0 or -1. */
static int
parse_id(const char *s, size_t n, int64_t *out)
{
	int64_t	 v = 0;
	size_t	 i;

	if (n == 0 || n > 15 || s[0] == '0')
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
deeplink_parse(const char *s, struct deeplink *d)
{
	const char	*p, *end;
	size_t		 len, n, i;
	int64_t		*slot;

	memset(d, 0, sizeof(*d));
	if (s == NULL || s[0] == '\0')
		return 0;
	len = strnlen(s, DEEPLINK_MAX + 1);
	if (len > DEEPLINK_MAX)
		goto bad;
	for (i = 0; i < len; i++)
		if (!allowed(s[i]))
			goto bad;
	if (s[len - 1] == '-')
		goto bad;		/* an empty last part */
	for (p = s; p < s + len; p = end + 1) {
		end = memchr(p, '-', (size_t)(s + len - p));
		if (end == NULL)
			end = s + len;
		n = (size_t)(end - p);
		if (n == 0)
			goto bad;
		slot = NULL;
		switch (p[0]) {
		case 'o':
			slot = &d->outfit_id;
			break;
		case 's':
			slot = &d->shop_id;
			break;
		case 't':
			slot = &d->tryon_id;
			break;
		case 'a':
			slot = &d->animation_id;
			break;
		case 'r':
			if (d->code[0] != '\0' || n - 1 != DEEPLINK_CODE_LEN)
				goto bad;
			for (i = 1; i < n; i++)
				if (!((p[i] >= '0' && p[i] <= '9') ||
				    (p[i] >= 'a' && p[i] <= 'f')))
					goto bad;
			memcpy(d->code, p + 1, DEEPLINK_CODE_LEN);
			d->code[DEEPLINK_CODE_LEN] = '\0';
			break;
		default:
			break;		/* a newer app's part */
		}
		if (slot != NULL && (*slot != 0 ||
		    parse_id(p + 1, n - 1, slot) == -1))
			goto bad;
		if (end == s + len)
			break;
	}
	return 0;
bad:
	memset(d, 0, sizeof(*d));
	return -1;
}

int
deeplink_format(const struct deeplink *d, char *out, size_t outlen)
{
	const int64_t	 ids[4] = { d->outfit_id, d->shop_id, d->tryon_id,
	    d->animation_id };
	const char	 letters[4] = { 'o', 's', 't', 'a' };
	size_t		 o = 0, i;
	int		 w;

	if (outlen == 0)
		return -1;
	out[0] = '\0';
	for (i = 0; i < 4; i++) {
		if (ids[i] <= 0)
			continue;
		w = snprintf(out + o, outlen - o, "%s%c%lld", o ? "-" : "",
		    letters[i], (long long)ids[i]);
		if (w < 0 || (size_t)w >= outlen - o)
			return -1;
		o += (size_t)w;
	}
	if (d->code[0] != '\0') {
		w = snprintf(out + o, outlen - o, "%sr%s", o ? "-" : "",
		    d->code);
		if (w < 0 || (size_t)w >= outlen - o)
			return -1;
	}
	return 0;
}
