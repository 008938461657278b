/*
 * Strict JSON syntax and UTF-8 checks (no allocation, bounded depth).
 */
#include <limits.h>
#include <stdint.h>

#include <json-c/json.h>

#include "jsonv.h"

struct jv {
	const unsigned char	*p;
	const unsigned char	*end;
	int			 depth;
	int			 max_depth;
};

/* Length of the UTF-8 sequence at p (1..4), or 0 when invalid. */
static size_t
utf8_seq(const unsigned char *p, const unsigned char *end)
{
	uint32_t	 cp;
	size_t		 n, k;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = p[0] & 0x07;
	} else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (k = 1; k < n; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[k] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

int
jsonv_utf8(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s, *end = p + len;
	size_t			 n;

	while (p < end) {
		n = utf8_seq(p, end);
		if (n == 0)
			return 0;
		p += n;
	}
	return 1;
}

static void
ws(struct jv *v)
{
	while (v->p < v->end && (*v->p == ' ' || *v->p == '\t' ||
	    *v->p == '\n' || *v->p == '\r'))
		v->p++;
}

static int
hex4(struct jv *v, unsigned *out)
{
	unsigned	 x = 0;
	int		 i;

	if (v->end - v->p < 4)
		return 0;
	for (i = 0; i < 4; i++) {
		unsigned char c = v->p[i];
		x <<= 4;
		if (c >= '0' && c <= '9')
			x |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			x |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			x |= (unsigned)(c - 'A' + 10);
		else
			return 0;
	}
	v->p += 4;
	*out = x;
	return 1;
}

static int
string(struct jv *v)
{
	unsigned	 u, lo;
	size_t		 n;

	v->p++;				/* the opening quote */
	while (v->p < v->end) {
		if (*v->p == '"') {
			v->p++;
			return 1;
		}
		if (*v->p < 0x20)
			return 0;
		if (*v->p == '\\') {
			v->p++;
			if (v->p >= v->end)
				return 0;
			switch (*v->p++) {
			case '"': case '\\': case '/': case 'b': case 'f':
			case 'n': case 'r': case 't':
				break;
			case 'u':
				if (!hex4(v, &u))
					return 0;
				if (u >= 0xdc00 && u <= 0xdfff)
					return 0;	/* lone low surrogate */
				if (u >= 0xd800 && u <= 0xdbff) {
					if (v->end - v->p < 2 || v->p[0] != '\\' ||
					    v->p[1] != 'u')
						return 0;
					v->p += 2;
					if (!hex4(v, &lo) || lo < 0xdc00 ||
					    lo > 0xdfff)
						return 0;
				}
				break;
			default:
				return 0;
			}
			continue;
		}
		n = utf8_seq(v->p, v->end);
		if (n == 0)
			return 0;
		v->p += n;
	}
	return 0;
}

static int
digits(struct jv *v)
{
	const unsigned char *s = v->p;

	while (v->p < v->end && *v->p >= '0' && *v->p <= '9')
		v->p++;
	return v->p > s;
}

static int
number(struct jv *v)
{
	if (*v->p == '-')
		v->p++;
	if (v->p >= v->end)
		return 0;
	if (*v->p == '0')
		v->p++;
	else if (!digits(v))
		return 0;
	if (v->p < v->end && *v->p == '.') {
		v->p++;
		if (!digits(v))
			return 0;
	}
	if (v->p < v->end && (*v->p == 'e' || *v->p == 'E')) {
		v->p++;
		if (v->p < v->end && (*v->p == '+' || *v->p == '-'))
			v->p++;
		if (!digits(v))
			return 0;
	}
	return 1;
}

static int
literal(struct jv *v, const char *word)
{
	while (*word != '\0') {
		if (v->p >= v->end || *v->p != (unsigned char)*word)
			return 0;
		v->p++;
		word++;
	}
	return 1;
}

static int value(struct jv *);

static int
container(struct jv *v, unsigned char close, int object)
{
	if (++v->depth > v->max_depth)
		return 0;
	v->p++;
	ws(v);
	if (v->p < v->end && *v->p == close) {
		v->p++;
		v->depth--;
		return 1;
	}
	for (;;) {
		if (object) {
			if (v->p >= v->end || *v->p != '"' || !string(v))
				return 0;
			ws(v);
			if (v->p >= v->end || *v->p != ':')
				return 0;
			v->p++;
		}
		if (!value(v))
			return 0;
		ws(v);
		if (v->p >= v->end)
			return 0;
		if (*v->p == close) {
			v->p++;
			v->depth--;
			return 1;
		}
		if (*v->p != ',')
			return 0;
		v->p++;
		ws(v);
	}
}

static int
value(struct jv *v)
{
	ws(v);
	if (v->p >= v->end)
		return 0;
	switch (*v->p) {
	case '{':
		return container(v, '}', 1);
	case '[':
		return container(v, ']', 0);
	case '"':
		return string(v);
	case 't':
		return literal(v, "true");
	case 'f':
		return literal(v, "false");
	case 'n':
		return literal(v, "null");
	default:
		if (*v->p == '-' || (*v->p >= '0' && *v->p <= '9'))
			return number(v);
		return 0;
	}
}

int
jsonv_check(const char *s, size_t len, int max_depth)
{
	struct jv	 v;

	v.p = (const unsigned char *)s;
	v.end = v.p + len;
	v.depth = 0;
	v.max_depth = max_depth;
	if (!value(&v))
		return 0;
	ws(&v);
	return v.p == v.end;
}

struct json_object *
jsonv_parse_object(const char *s, size_t len, int max_depth)
{
	struct json_tokener	*tok;
	struct json_object	*o;

	if (s == NULL || len == 0 || len > INT_MAX ||
	    !jsonv_check(s, len, max_depth))
		return NULL;
	tok = json_tokener_new_ex(max_depth);
	if (tok == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, s, (int)len);
	if (o != NULL &&
	    (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(o, json_type_object))) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

int
jsonv_add(struct json_object *o, const char *key, struct json_object *v)
{
	if (v == NULL)
		return -1;
	if (json_object_object_add(o, key, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}
