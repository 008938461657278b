/*
 * libFuzzer target for the contour-B agent API's request bodies without
 * FastCGI or a database: fcgi/agent_body.c, the readers the handlers of
 * fcgi/agent_api.c call, over the body as fcgi/http.c req_read_json()
 * parses it (the same strict json-c parse as fuzz_json_request.c).
 *
 * Each input is one body, handed to every call's reader in turn:
 *
 *   complete              agent_call_read() with only "lease"
 *   claim                 agent_claim_read()
 *   heartbeat             agent_heartbeat_read()
 *   stage                 agent_stage_read()
 *   fail                  agent_fail_read()
 *
 * Checked: a reader returns -1 exactly when it sent one 400, and 0 with
 * nothing sent; on 0 the lease is 16 lowercase hex digits, the body has
 * no field a call does not take, "status" is RUNNING or UPLOADING,
 * provider_ref 1..255 characters, "credits" and "alert" objects with
 * their fields checked (amount a number 0..1e9, kind one of the two),
 * "provider" one of the three vendors or NULL, "urls" the body's boolean,
 * "code" a job error an agent may report and "retryable" the body's
 * boolean.  Responses go to link-time shims of resp_error(), as in
 * fuzz_json_request.c.
 *
 * fuzz-sources: fcgi/agent_body.c fcgi/validate.c fcgi/errors.c
 * fuzz-sources: lib/jobs.c lib/jsonv.c
 * fuzz-pkgs: json-c libpq
 * fuzz-includes: fcgi
 * fuzz-corpus: fuzz/corpus/agent_body
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "agent_body.h"
#include "api.h"
#include "jobs.h"
#include "jsonv.h"

#define FUZZ_FAIL()	fuzz_fail(__LINE__)

struct fuzz_req {
	struct req	 r;		/* first member */
	struct app	 app;
	int		 nsent;
	int		 status;
};

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void __attribute__((noreturn))
fuzz_fail(int line)
{
	fprintf(stderr, "fuzz_agent_body.c:%d: invariant broken\n", line);
	abort();
}

/* ------------------------------------------------ link-time shims */

void
resp_error(struct req *r, enum api_err code, const char *message)
{
	struct fuzz_req	*fr = (struct fuzz_req *)(void *)r;
	int		 status = api_error_status(code);

	if (message == NULL)
		message = api_error_message(code, LANG_EN);
	if ((unsigned)code >= API_ERR__MAX || message == NULL ||
	    strlen(message) > 200 || status < 400 || status > 499)
		FUZZ_FAIL();
	fr->nsent++;
	fr->status = status;
}

/* As fcgi/http.c req_read_json(): a strict object, nothing after it. */
static json_object *
parse(const char *body, size_t len)
{
	json_tokener	*tok;
	json_object	*o;
	int		 ok;

	if (!jsonv_check(body, len, 16))
		return NULL;
	tok = json_tokener_new_ex(16);
	if (tok == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, body, (int)len);
	ok = o != NULL &&
	    json_tokener_get_error(tok) == json_tokener_success &&
	    json_tokener_get_parse_end(tok) == len &&
	    json_object_is_type(o, json_type_object);
	json_tokener_free(tok);
	if (!ok) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* ------------------------------------------------ the checks */

static void
before(struct fuzz_req *fr)
{
	fr->nsent = 0;
	fr->status = 0;
}

/* -1 with exactly one 400, or 0 with nothing sent. */
static int
after(struct fuzz_req *fr, int rc)
{
	if (rc != 0 && rc != -1)
		FUZZ_FAIL();
	if (rc == -1 ? (fr->nsent != 1 || fr->status != 400) : fr->nsent != 0)
		FUZZ_FAIL();
	return rc;
}

static int
in_list(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/* Only fields of allowed in o. */
static void
only(json_object *o, const char *const *allowed)
{
	json_object_object_foreach(o, k, v) {
		(void)v;
		if (!in_list(k, allowed))
			FUZZ_FAIL();
	}
}

static void
lease_ok(const char *l)
{
	if (l == NULL || strlen(l) != AGENT_LEASE_HEX ||
	    strspn(l, "0123456789abcdef") != AGENT_LEASE_HEX)
		FUZZ_FAIL();
}

/* A string field of o of 1..max bytes at most (characters <= bytes). */
static void
str_ok(json_object *o, const char *name, size_t max, int required)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, name, &v) || v == NULL) {
		if (required)
			FUZZ_FAIL();
		return;
	}
	if (!json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) < 1 ||
	    strlen(json_object_get_string(v)) !=
	    (size_t)json_object_get_string_len(v) ||
	    (size_t)json_object_get_string_len(v) > 4 * max)
		FUZZ_FAIL();
}

static void
c_lease(struct fuzz_req *fr, json_object *b)
{
	static const char *const fields[] = { "lease", NULL };
	const char	*lease = NULL;

	before(fr);
	if (after(fr, agent_call_read(&fr->r, b, fields, &lease)) == -1)
		return;
	lease_ok(lease);
	only(b, fields);
}

static void
c_claim(struct fuzz_req *fr, json_object *b)
{
	static const char *const fields[] = { "provider", NULL };
	static const char *const names[] = { "fashn", "fal", "replicate",
	    NULL };
	const char	*p = NULL;

	before(fr);
	if (after(fr, agent_claim_read(&fr->r, b, &p)) == -1)
		return;
	only(b, fields);
	if (p != NULL && !in_list(p, names))
		FUZZ_FAIL();
}

static void
c_heartbeat(struct fuzz_req *fr, json_object *b)
{
	static const char *const fields[] = { "lease", "urls", NULL };
	struct agent_heartbeat h;
	json_object	*v;

	before(fr);
	if (after(fr, agent_heartbeat_read(&fr->r, b, &h)) == -1)
		return;
	lease_ok(h.lease);
	only(b, fields);
	if (json_object_object_get_ex(b, "urls", &v) && v != NULL ?
	    h.urls != json_object_get_boolean(v) : h.urls != 0)
		FUZZ_FAIL();
}

static void
c_stage(struct fuzz_req *fr, json_object *b)
{
	static const char *const fields[] = { "lease", "status",
	    "provider_ref", "credits", "alert", NULL };
	static const char *const statuses[] = { "RUNNING", "UPLOADING", NULL };
	static const char *const cfields[] = { "provider", "ref", "amount",
	    NULL };
	static const char *const afields[] = { "provider", "kind", NULL };
	static const char *const kinds[] = { "out_of_credits", "key_refused",
	    NULL };
	struct agent_stage s;
	json_object	*v;
	double		 d;

	before(fr);
	if (after(fr, agent_stage_read(&fr->r, b, &s)) == -1)
		return;
	lease_ok(s.lease);
	only(b, fields);
	if (s.status != NULL && !in_list(s.status, statuses))
		FUZZ_FAIL();
	if (s.status != NULL && job_status_parse(s.status) < 0)
		FUZZ_FAIL();
	if (s.provider_ref != NULL && (s.provider_ref[0] == '\0' ||
	    strlen(s.provider_ref) > 4 * 255))
		FUZZ_FAIL();
	if (s.credits != NULL) {
		if (!json_object_is_type(s.credits, json_type_object))
			FUZZ_FAIL();
		only(s.credits, cfields);
		str_ok(s.credits, "provider", 32, 1);
		str_ok(s.credits, "ref", 255, 1);
		if (json_object_object_get_ex(s.credits, "amount", &v) &&
		    v != NULL) {
			d = json_object_get_double(v);
			if (!(d >= 0 && d <= 1e9))
				FUZZ_FAIL();
		}
	}
	if (s.alert != NULL) {
		if (!json_object_is_type(s.alert, json_type_object))
			FUZZ_FAIL();
		only(s.alert, afields);
		str_ok(s.alert, "provider", 32, 1);
		if (!json_object_object_get_ex(s.alert, "kind", &v) ||
		    !in_list(json_object_get_string(v), kinds))
			FUZZ_FAIL();
	}
}

static void
c_fail(struct fuzz_req *fr, json_object *b)
{
	static const char *const fields[] = { "lease", "code", "detail",
	    "retryable", NULL };
	struct agent_fail f;
	json_object	*v;

	before(fr);
	if (after(fr, agent_fail_read(&fr->r, b, &f)) == -1)
		return;
	lease_ok(f.lease);
	only(b, fields);
	if (f.code < 0 || f.code >= JOB_ERR__MAX ||
	    f.code == JOB_ERR_CANCELLED ||
	    f.code == JOB_ERR_INSUFFICIENT_TOKENS)
		FUZZ_FAIL();
	if (!json_object_object_get_ex(b, "code", &v) ||
	    job_error_parse(json_object_get_string(v)) != f.code)
		FUZZ_FAIL();
	if (f.detail == NULL || strlen(f.detail) > 4 * 255)
		FUZZ_FAIL();
	if (json_object_object_get_ex(b, "retryable", &v) && v != NULL ?
	    f.retryable != json_object_get_boolean(v) : f.retryable != 0)
		FUZZ_FAIL();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_req	 fr;
	json_object	*b;
	char		*body;

	if (size > AGENT_BODY_MAX)
		return 0;	/* req_read_json() answers 413 first */
	body = malloc(size + 1);
	if (body == NULL)
		return 0;
	memcpy(body, data, size);
	body[size] = '\0';
	memset(&fr, 0, sizeof(fr));
	fr.r.app = &fr.app;
	b = parse(body, size);
	if (b != NULL) {
		c_lease(&fr, b);
		c_claim(&fr, b);
		c_heartbeat(&fr, b);
		c_stage(&fr, b);
		c_fail(&fr, b);
		json_object_put(b);
	}
	free(body);
	return 0;
}
