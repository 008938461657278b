/*
 * [worker] agents = yes: at QUEUED contour A's part of a job is done (the
 * references checked, the inputs moderated, the prompt built); what the
 * agent needs of it is stored on the job (jobs.agent_input) and the job
 * is handed over, unheld, for an agent's claim (fcgi/agent_api.c).
 */
#include <json-c/json.h>

#include "jsonv.h"
#include "worker.h"

/* Add a non-empty string under key; 0 or -1. */
static int
add_str(json_object *o, const char *key, const char *s)
{
	if (s[0] == '\0')
		return 0;
	return jsonv_add(o, key, json_object_new_string(s));
}

int
agent_hand_over(struct job_ctx *c)
{
	json_object	*o;
	enum queue_result qr;
	int		 bad;

	o = json_object_new_object();
	if (o == NULL) {
		job_error_set(&c->err, JOB_ERR_INTERNAL,
		    "hand-over: no memory");
		return -1;
	}
	bad = add_str(o, "photo_key", c->photo_key) |
	    add_str(o, "outfit_key", c->outfit_key) |
	    add_str(o, "location_key", c->location_key) |
	    add_str(o, "source_key", c->source_key) |
	    add_str(o, "category", c->category) |
	    add_str(o, "title", c->outfit_title) |
	    add_str(o, "prompt", c->prompt);
	if (bad) {
		json_object_put(o);
		job_error_set(&c->err, JOB_ERR_INTERNAL,
		    "hand-over: no memory");
		return -1;
	}
	qr = queue_hand_over(c->app->db, &c->job, c->worker,
	    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	if (qr == QUEUE_DB) {
		job_error_set(&c->err, JOB_ERR_INTERNAL,
		    "hand-over: the database failed");
		return -1;
	}
	/* QUEUE_LOST: cancelled or taken over meanwhile, not ours. */
	return qr == QUEUE_OK ? 0 : 1;
}
