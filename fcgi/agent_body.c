/*
 * The contour-B agent API's request bodies: see agent_body.h.  Nothing
 * here touches the database, so fuzz/fuzz_agent_body.c runs it as is.
 */
#include <stdio.h>
#include <string.h>

#include "agent_body.h"
#include "jobs.h"
#include "validate.h"

int
agent_call_read(struct req *r, json_object *b, const char *const *allowed,
    const char **lease)
{
	const char	*l;
	size_t		 i;

	if (v_only(r, b, allowed) == -1 ||
	    v_str(r, b, "lease", 1, AGENT_LEASE_HEX, AGENT_LEASE_HEX,
	    &l) == -1)
		return -1;
	for (i = 0; i < AGENT_LEASE_HEX; i++)
		if (!((l[i] >= '0' && l[i] <= '9') ||
		    (l[i] >= 'a' && l[i] <= 'f'))) {
			resp_error(r, API_ERR_INVALID_FIELD,
			    "lease: the id the claim answered");
			return -1;
		}
	*lease = l;
	return 0;
}

int
agent_claim_read(struct req *r, json_object *b, const char **provider)
{
	static const char *const fields[] = { "provider", NULL };

	*provider = NULL;
	if (v_only(r, b, fields) == -1 ||
	    v_enum(r, b, "provider", 0, job_vendors, provider) == -1)
		return -1;
	return 0;
}

int
agent_heartbeat_read(struct req *r, json_object *b,
    struct agent_heartbeat *h)
{
	static const char *const fields[] = { "lease", "urls", NULL };
	json_object	*v;

	memset(h, 0, sizeof(*h));
	if (agent_call_read(r, b, fields, &h->lease) == -1)
		return -1;
	if (json_object_object_get_ex(b, "urls", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_boolean)) {
			resp_error(r, API_ERR_INVALID_FIELD,
			    "urls: true or false");
			return -1;
		}
		h->urls = json_object_get_boolean(v);
	}
	return 0;
}

/* A JSON number 0..1e9 under name of o: 0 (absent too) or -1 (400). */
static int
v_amount(struct req *r, json_object *o, const char *name)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, name, &v) || v == NULL)
		return 0;
	if ((!json_object_is_type(v, json_type_double) &&
	    !json_object_is_type(v, json_type_int)) ||
	    !(json_object_get_double(v) >= 0 &&
	    json_object_get_double(v) <= 1e9)) {
		resp_error(r, API_ERR_INVALID_FIELD,
		    "credits.amount: a number 0..1e9");
		return -1;
	}
	return 0;
}

/* The object under name of b, checked by its fields, into *out (NULL
 * when absent or null); 0 or -1 after a 400. */
static int
sub_object(struct req *r, json_object *b, const char *name,
    const char *const *fields, json_object **out)
{
	char	 msg[64];

	*out = NULL;
	if (!json_object_object_get_ex(b, name, out) || *out == NULL)
		return 0;
	if (!json_object_is_type(*out, json_type_object)) {
		snprintf(msg, sizeof(msg), "%s: an object", name);
		resp_error(r, API_ERR_INVALID_FIELD, msg);
		return -1;
	}
	return v_only(r, *out, fields);
}

int
agent_stage_read(struct req *r, json_object *b, struct agent_stage *s)
{
	static const char *const fields[] = { "lease", "status",
	    "provider_ref", "credits", "alert", NULL };
	static const char *const statuses[] = { "RUNNING", "UPLOADING", NULL };
	static const char *const cfields[] = { "provider", "ref", "amount",
	    NULL };
	static const char *const afields[] = { "provider", "kind", NULL };
	static const char *const kinds[] = { "out_of_credits", "key_refused",
	    NULL };
	const char	*v;

	memset(s, 0, sizeof(*s));
	if (agent_call_read(r, b, fields, &s->lease) == -1 ||
	    v_enum(r, b, "status", 0, statuses, &s->status) == -1 ||
	    v_str(r, b, "provider_ref", 0, 1, 255, &s->provider_ref) == -1 ||
	    sub_object(r, b, "credits", cfields, &s->credits) == -1)
		return -1;
	if (s->credits != NULL &&
	    (v_str(r, s->credits, "provider", 1, 1, 32, &v) == -1 ||
	    v_str(r, s->credits, "ref", 1, 1, 255, &v) == -1 ||
	    v_amount(r, s->credits, "amount") == -1))
		return -1;
	if (sub_object(r, b, "alert", afields, &s->alert) == -1)
		return -1;
	if (s->alert != NULL &&
	    (v_str(r, s->alert, "provider", 1, 1, 32, &v) == -1 ||
	    v_enum(r, s->alert, "kind", 1, kinds, &v) == -1))
		return -1;
	return 0;
}

int
agent_fail_read(struct req *r, json_object *b, struct agent_fail *f)
{
	static const char *const fields[] = { "lease", "code", "detail",
	    "retryable", NULL };
	json_object	*v;
	const char	*code;

	memset(f, 0, sizeof(*f));
	f->detail = "";
	if (agent_call_read(r, b, fields, &f->lease) == -1 ||
	    v_str(r, b, "code", 1, 1, 64, &code) == -1 ||
	    v_str(r, b, "detail", 0, 0, 255, &f->detail) == -1)
		return -1;
	if (f->detail == NULL)
		f->detail = "";
	f->code = job_error_parse(code);
	if (f->code < 0 || f->code == JOB_ERR_CANCELLED ||
	    f->code == JOB_ERR_INSUFFICIENT_TOKENS) {
		resp_error(r, API_ERR_INVALID_FIELD,
		    "code: a job error code an agent may report");
		return -1;
	}
	if (json_object_object_get_ex(b, "retryable", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_boolean)) {
			resp_error(r, API_ERR_INVALID_FIELD,
			    "retryable: true or false");
			return -1;
		}
		f->retryable = json_object_get_boolean(v);
	}
	return 0;
}
