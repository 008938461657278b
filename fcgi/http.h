/*
 * One FastCGI request as the handlers see it, and the response writers.
 *
 * Every answer is JSON.  Errors always have the shape
 * {"error":{"code":"...","message":"..."}} and a 4xx status for anything
 * the client did; 5xx only for our own dependencies being down (503).
 */
#ifndef PRIMERKA_HTTP_H
#define PRIMERKA_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <fcgiapp.h>
#include <json-c/json.h>

#include "auth.h"
#include "errors.h"
#include "lang.h"

struct app;
struct api_state;

struct req {
	FCGX_Request	*fr;
	struct app	*app;
	struct api_state *state;	/* this process's (main.c) */
	const char	*method;
	const char	*path;		/* decoded path, no query */
	const char	*query;		/* raw query string, may be "" */
	const char	*remote_addr;
	char		 request_id[24];
	int		 authed;
	struct auth_user user;
	char		 agent[72];	/* an agent's name (ROUTE_AGENT) */
	enum lang	 lang;
	int		 status;	/* status sent, for logs and metrics */
	int64_t		 path_id;	/* the {id} of the route, if any */
	char		 path_args[2][65]; /* {name} segments of the route */
	size_t		 route;		/* index in the route table */
	struct timespec	 t0;		/* when routing began */
};

/* A request header by its CGI name ("HTTP_AUTHORIZATION"), or NULL. */
const char	*req_param(struct req *, const char *name);

/*
 * Read the whole body, refusing more than max bytes (413) and a missing
 * or malformed CONTENT_LENGTH larger than max.  On success *body is
 * malloc'd (NUL-terminated, caller frees) and 0 is returned; on failure
 * the error response has been sent and -1 is returned.
 */
int		 req_read_body(struct req *, size_t max, unsigned char **body,
		    size_t *len);

/*
 * Read and parse a JSON object body (Content-Type must be JSON).  On
 * failure a 4xx has been sent and NULL is returned.  Caller puts the
 * object.
 */
json_object	*req_read_json(struct req *, size_t max);

/*
 * Query parameter by name into buf, percent-decoded: 0 found, -1 absent,
 * -2 present but not valid UTF-8 text (buf is then "").
 */
int		 req_query(struct req *, const char *name, char *buf,
		    size_t buflen);

/* Send a JSON body with a status; extra_headers may be NULL or lines
 * ending in "\r\n". */
void		 resp_json(struct req *, int status, json_object *body,
		    const char *extra_headers);

/* Send a preformatted body (JSON text). */
void		 resp_raw(struct req *, int status, const char *ctype,
		    const char *body, size_t len, const char *extra_headers);

/*
 * Send the error shape {"error": {"code", "message"}} with the code's
 * HTTP status.  message NULL: the code's own (fcgi/errors.c).
 */
void		 resp_error(struct req *, enum api_err, const char *message);

/* The error shape with extra header lines ("" for none; NULL: a 401
 * gets WWW-Authenticate: tma). */
void		 resp_error_h(struct req *, enum api_err, const char *message,
		    const char *extra_headers);

/* Whether If-None-Match (a list, or "*") matches etag. */
int		 req_etag_matches(struct req *, const char *etag);

/* 304 with an ETag and no body. */
void		 resp_not_modified(struct req *, const char *etag);

const char	*http_status_text(int status);

#endif /* PRIMERKA_HTTP_H */
