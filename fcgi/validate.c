/*
 * JSON field validators: every user-supplied field is checked here
 * before a handler or the database sees it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "validate.h"

static int
field(json_object *o, const char *name, json_object **v)
{
	if (!json_object_object_get_ex(o, name, v) || *v == NULL)
		return 0;
	return 1;
}

static int
bad(struct req *r, const char *name, const char *what)
{
	char	 msg[160];

	snprintf(msg, sizeof(msg), "%s %s", name, what);
	resp_error(r, API_ERR_INVALID_FIELD, msg);
	return -1;
}

static int
absent(struct req *r, const char *name, int required)
{
	return required ? bad(r, name, "is required") : 0;
}

int
v_int(struct req *r, json_object *o, const char *name, int required,
    int64_t min, int64_t max, int64_t *out)
{
	json_object	*v;
	char		 msg[96];

	if (!field(o, name, &v))
		return absent(r, name, required);
	if (!json_object_is_type(v, json_type_int))
		return bad(r, name, "must be an integer");
	errno = 0;
	*out = json_object_get_int64(v);
	if (errno != 0 || *out < min || *out > max ||
	    *out == INT64_MAX || *out == INT64_MIN) {
		snprintf(msg, sizeof(msg), "must be between %lld and %lld",
		    (long long)min, (long long)max);
		return bad(r, name, msg);
	}
	return 1;
}

int
v_id(struct req *r, json_object *o, const char *name, int required,
    int64_t *out)
{
	return v_int(r, o, name, required, 1, INT64_MAX - 1, out);
}

int
v_str(struct req *r, json_object *o, const char *name, int required,
    size_t min, size_t max, const char **out)
{
	json_object		*v;
	const unsigned char	*s;
	size_t			 i, len, chars = 0;
	char			 msg[96];

	if (!field(o, name, &v))
		return absent(r, name, required);
	if (!json_object_is_type(v, json_type_string))
		return bad(r, name, "must be a string");
	s = (const unsigned char *)json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	for (i = 0; i < len; i++) {
		if (s[i] < 0x20 && s[i] != '\n' && s[i] != '\t')
			return bad(r, name, "must not contain control characters");
		if ((s[i] & 0xc0) != 0x80)
			chars++;
	}
	if (chars < min || chars > max) {
		snprintf(msg, sizeof(msg), "must be %zu to %zu characters",
		    min, max);
		return bad(r, name, msg);
	}
	*out = (const char *)s;
	return 1;
}

int
v_enum(struct req *r, json_object *o, const char *name, int required,
    const char *const *choices, const char **out)
{
	const char	*s;
	int		 rc;

	rc = v_str(r, o, name, required, 1, 64, &s);
	if (rc != 1)
		return rc;
	for (; *choices != NULL; choices++) {
		if (strcmp(*choices, s) == 0) {
			*out = *choices;
			return 1;
		}
	}
	return bad(r, name, "has an unknown value");
}

int
v_url(struct req *r, json_object *o, const char *name, int required,
    const char **out)
{
	const char	*s;
	size_t		 i;
	int		 rc;

	rc = v_str(r, o, name, required, 8, 2000, &s);
	if (rc != 1)
		return rc;
	if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
		return bad(r, name, "must be an http(s) URL");
	for (i = 0; s[i] != '\0'; i++)
		if (isspace((unsigned char)s[i]) || s[i] == '"' || s[i] == '<' ||
		    s[i] == '>')
			return bad(r, name, "must be an http(s) URL");
	*out = s;
	return 1;
}

int
v_tags(struct req *r, json_object *o, const char *name, int required,
    size_t maxn, char *buf, size_t buflen)
{
	json_object	*v, *t;
	size_t		 i, n, off = 0, l, k;
	const char	*s;

	buf[0] = '\0';
	if (!field(o, name, &v))
		return absent(r, name, required);
	if (!json_object_is_type(v, json_type_array))
		return bad(r, name, "must be an array of tags");
	n = json_object_array_length(v);
	if (n > maxn)
		return bad(r, name, "has too many tags");
	for (i = 0; i < n; i++) {
		t = json_object_array_get_idx(v, i);
		if (!json_object_is_type(t, json_type_string))
			return bad(r, name, "must be an array of strings");
		s = json_object_get_string(t);
		l = (size_t)json_object_get_string_len(t);
		if (l < 1 || l > 40)
			return bad(r, name, "must be 1 to 40 characters each");
		for (k = 0; k < l; k++)
			if (!islower((unsigned char)s[k]) &&
			    !isdigit((unsigned char)s[k]) && s[k] != '-')
				return bad(r, name, "must use a-z, 0-9 and - only");
		if (off + l + 2 > buflen)
			return bad(r, name, "is too long");
		if (off > 0)
			buf[off++] = ',';
		memcpy(buf + off, s, l);
		off += l;
		buf[off] = '\0';
	}
	return 1;
}

int
v_only(struct req *r, json_object *o, const char *const *allowed)
{
	const char *const	*a;
	char			 msg[160];

	json_object_object_foreach(o, key, val) {
		(void)val;
		for (a = allowed; *a != NULL; a++)
			if (strcmp(*a, key) == 0)
				break;
		if (*a == NULL) {
			/* At most 64 bytes of the name, cut between characters. */
			size_t n = strlen(key);
			if (n > 64) {
				n = 64;
				while (n > 0 && ((unsigned char)key[n] & 0xc0) == 0x80)
					n--;
			}
			snprintf(msg, sizeof(msg), "unknown field: %.*s", (int)n,
			    key);
			resp_error(r, API_ERR_INVALID_FIELD, msg);
			return -1;
		}
	}
	return 0;
}

int
v_is_date(const char *s)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	int	 i, y, m, d;

	for (i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return 0;
		} else if (!isdigit((unsigned char)s[i]))
			return 0;
	}
	if (s[10] != '\0')
		return 0;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 2000 || y > 2999 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1])
		return 0;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) ||
	    y % 400 == 0))
		return 0;
	return 1;
}
