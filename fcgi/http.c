/*
 * Request parsing and response writing over libfcgi.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "jsonv.h"
#include "util.h"

const char *
req_param(struct req *r, const char *name)
{
	return FCGX_GetParam(name, r->fr->envp);
}

const char *
http_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 402: return "Payment Required";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

int
req_etag_matches(struct req *r, const char *etag)
{
	const char	*inm, *p;
	size_t		 el = strlen(etag), i;

	inm = req_param(r, "HTTP_IF_NONE_MATCH");
	if (inm == NULL)
		return 0;
	/* A list of entity tags, or "*"; weak comparison (W/ ignored). */
	for (p = inm; *p != '\0';) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		for (i = 0; p[i] != '\0' && p[i] != ','; i++)
			;
		while (i > 0 && (p[i - 1] == ' ' || p[i - 1] == '\t'))
			i--;
		{
			const char *e = etag;
			size_t l = el;
			if (strncmp(e, "W/", 2) == 0) {
				e += 2;
				l -= 2;
			}
			if (i == l && strncmp(p, e, l) == 0)
				return 1;
		}
		while (*p != '\0' && *p != ',')
			p++;
	}
	return 0;
}

/*
 * Headers are formatted with snprintf, not FCGX_FPrintF, whose own
 * printf does not know every conversion (%zu among them).
 */
void
resp_raw(struct req *r, int status, const char *ctype, const char *body,
    size_t len, const char *extra_headers)
{
	char	 hdr[1024];
	int	 n;

	r->status = status;
	/* A response with an ETag may be revalidated; others are not
	 * stored at all. */
	n = snprintf(hdr, sizeof(hdr),
	    "Status: %d %s\r\n"
	    "%s%s%s"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: %s\r\n"
	    "X-Request-Id: %s\r\n"
	    "%s\r\n", status, http_status_text(status),
	    len > 0 ? "Content-Type: " : "", len > 0 ? ctype : "",
	    len > 0 ? "\r\n" : "", len,
	    extra_headers != NULL && strstr(extra_headers, "ETag:") != NULL ?
	    "private, no-cache" : "no-store",
	    r->request_id, extra_headers ? extra_headers : "");
	if (n < 0 || (size_t)n >= sizeof(hdr))
		n = snprintf(hdr, sizeof(hdr), "Status: 500 Internal Server "
		    "Error\r\nContent-Length: 0\r\n\r\n");
	FCGX_PutStr(hdr, n, r->fr->out);
	if (len > 0)
		FCGX_PutStr(body, (int)len, r->fr->out);
}

void
resp_json(struct req *r, int status, json_object *body,
    const char *extra_headers)
{
	size_t		 len;
	const char	*s;

	s = json_object_to_json_string_length(body,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	resp_raw(r, status, "application/json; charset=utf-8", s, len,
	    extra_headers);
}

void
resp_error(struct req *r, enum api_err code, const char *message)
{
	resp_error_h(r, code, message, NULL);
}

void
resp_error_h(struct req *r, enum api_err code, const char *message,
    const char *extra_headers)
{
	json_object	*o, *e;
	int		 status = api_error_status(code);

	if (message == NULL)
		message = api_error_message(code, r->lang);
	o = json_object_new_object();
	e = json_object_new_object();
	json_object_object_add(e, "code",
	    json_object_new_string(api_error_name(code)));
	json_object_object_add(e, "message", json_object_new_string(message));
	json_object_object_add(o, "error", e);
	/* A 401 names the initData scheme unless the caller says other. */
	resp_json(r, status, o, status == 401 && extra_headers == NULL ?
	    "WWW-Authenticate: tma\r\n" : extra_headers);
	json_object_put(o);
}

void
resp_not_modified(struct req *r, const char *etag)
{
	char	 hdr[512];
	int	 n;

	r->status = 304;
	n = snprintf(hdr, sizeof(hdr),
	    "Status: 304 Not Modified\r\n"
	    "ETag: %s\r\n"
	    "Cache-Control: private, no-cache\r\n"
	    "X-Request-Id: %s\r\n\r\n", etag, r->request_id);
	if (n > 0 && (size_t)n < sizeof(hdr))
		FCGX_PutStr(hdr, n, r->fr->out);
}

int
req_read_body(struct req *r, size_t max, unsigned char **body, size_t *len)
{
	const char	*cl;
	int64_t		 want;
	unsigned char	*buf;
	int		 n;
	size_t		 got = 0;

	*body = NULL;
	*len = 0;
	cl = req_param(r, "CONTENT_LENGTH");
	if (cl == NULL || *cl == '\0') {
		resp_error(r, API_ERR_LENGTH_REQUIRED, NULL);
		return -1;
	}
	if (util_parse_i64(cl, 0, INT64_MAX, &want) == -1) {
		resp_error(r, API_ERR_BAD_REQUEST, "malformed Content-Length");
		return -1;
	}
	if ((uint64_t)want > max) {
		resp_error(r, API_ERR_TOO_LARGE, NULL);
		return -1;
	}
	buf = malloc((size_t)want + 1);
	if (buf == NULL) {
		resp_error(r, API_ERR_UNAVAILABLE, NULL);
		return -1;
	}
	while (got < (size_t)want) {
		n = FCGX_GetStr((char *)buf + got, (int)((size_t)want - got),
		    r->fr->in);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != (size_t)want) {
		free(buf);
		resp_error(r, API_ERR_BAD_REQUEST, "the request body is truncated");
		return -1;
	}
	buf[got] = '\0';
	*body = buf;
	*len = got;
	return 0;
}

json_object *
req_read_json(struct req *r, size_t max)
{
	const char		*ct;
	unsigned char		*body;
	size_t			 len;
	json_tokener		*tok;
	json_object		*o;
	enum json_tokener_error	 jerr;

	ct = req_param(r, "CONTENT_TYPE");
	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] != '\0' && ct[16] != ';')) {
		resp_error(r, API_ERR_UNSUPPORTED_MEDIA_TYPE,
		    "send the body as application/json");
		return NULL;
	}
	if (req_read_body(r, max, &body, &len) == -1)
		return NULL;
	/* RFC 8259 and valid UTF-8 first: json-c alone is more lenient. */
	if (!jsonv_check((const char *)body, len, 16)) {
		free(body);
		resp_error(r, API_ERR_MALFORMED_JSON, NULL);
		return NULL;
	}
	tok = json_tokener_new_ex(16);
	if (tok == NULL) {
		free(body);
		resp_error(r, API_ERR_UNAVAILABLE, NULL);
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, (const char *)body, (int)len);
	jerr = json_tokener_get_error(tok);
	if (o != NULL && jerr == json_tokener_success &&
	    json_tokener_get_parse_end(tok) != len) {
		/* Trailing bytes after the object. */
		json_object_put(o);
		o = NULL;
		jerr = json_tokener_error_parse_unexpected;
	}
	json_tokener_free(tok);
	free(body);
	if (o == NULL || jerr != json_tokener_success) {
		json_object_put(o);
		resp_error(r, API_ERR_MALFORMED_JSON, NULL);
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		resp_error(r, API_ERR_MALFORMED_JSON,
		    "the request body must be a JSON object");
		return NULL;
	}
	return o;
}

int
req_query(struct req *r, const char *name, char *buf, size_t buflen)
{
	const char	*p = r->query, *amp, *eq;
	size_t		 nlen = strlen(name);

	while (p != NULL && *p != '\0') {
		amp = strchr(p, '&');
		eq = memchr(p, '=', amp ? (size_t)(amp - p) : strlen(p));
		if (eq != NULL && (size_t)(eq - p) == nlen &&
		    memcmp(p, name, nlen) == 0) {
			size_t vlen = amp ? (size_t)(amp - eq - 1) :
			    strlen(eq + 1);
			size_t outlen;
			if (util_pct_decode(eq + 1, vlen, UTIL_PCT_PLUS, buf,
			    buflen, &outlen) != UTIL_OK ||
			    memchr(buf, '\0', outlen) != NULL ||
			    !jsonv_utf8(buf, outlen)) {
				if (buflen > 0)
					buf[0] = '\0';
				return -2;
			}
			return 0;
		}
		p = amp ? amp + 1 : NULL;
	}
	return -1;
}
