/*
 * The contour-B agent API, under /api/v1/agent/, with its own
 * credentials (Authorization: Bearer <agent token>, lib/agents.c):
 *
 *   POST /agent/claim                 a job handed over at QUEUED, with
 *                                     presigned GETs for its inputs and
 *                                     presigned PUTs for its outputs,
 *                                     or {"job": null}
 *   POST /agent/jobs/{id}/heartbeat   {"lease"}: the lease renewed
 *   POST /agent/jobs/{id}/stage       {"lease", "status"?, "provider_ref"?,
 *                                     "credits"?, "alert"?}
 *   POST /agent/jobs/{id}/complete    {"lease"}: each output must exist
 *                                     (HEAD), then COMPLETED and the
 *                                     debit in one transaction, once
 *   POST /agent/jobs/{id}/fail        {"lease", "code", "detail"?,
 *                                     "retryable"?}
 *
 * The job is held as locked_by "agent:NAME:LEASE" (LEASE from the claim),
 * so every call after the claim goes through lib/queue.c's checks that
 * the caller still holds it, exactly as a worker's calls do; a job whose
 * lease expired was rescued, and the late agent gets 409 lease_lost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "agent_body.h"
#include "agents.h"
#include "api.h"
#include "conftab.h"
#include "deletes.h"
#include "log.h"
#include "outputs.h"
#include "queue.h"

#define AGENT_CLAIM_TRIES 4	/* jobs failed for their attempts, then 200 */

const struct db_stmt agent_statements[] = {
	{ "agent_input",
	  "SELECT agent_input::text FROM jobs WHERE id = $1 AND "
	  "locked_by = $2", 2 },
	{ "agent_held",
	  "SELECT kind, user_id, attempts, max_attempts FROM jobs "
	  "WHERE id = $1 AND locked_by = $2 AND "
	  "NOT job_status_terminal(status) AND agent_input IS NOT NULL", 2 },
	/* As the owner (db/027_agents.sql): charges are not the API's. */
	{ "agent_credits",
	  "SELECT agent_record_credits($1, $2, $3, $4)", 4 },
	{ "agent_alert",
	  "SELECT agent_record_alert($1, $2)", 2 },
	{ NULL, NULL, 0 }
};

int
agent_authenticate(struct req *r)
{
	const char	*h;
	int		 rc;

	h = req_param(r, "HTTP_AUTHORIZATION");
	if (h == NULL || strncmp(h, "Bearer ", 7) != 0) {
		resp_error_h(r, API_ERR_UNAUTHORIZED,
		    "missing Authorization: Bearer <agent token>",
		    "WWW-Authenticate: Bearer\r\n");
		return -1;
	}
	rc = agents_lookup(r->app->db, h + 7, r->agent, sizeof(r->agent));
	if (rc == -1) {
		api_db_down(r);
		return -1;
	}
	if (rc == 1) {
		resp_error_h(r, API_ERR_UNAUTHORIZED,
		    "unknown or revoked agent token",
		    "WWW-Authenticate: Bearer error=\"invalid_token\"\r\n");
		return -1;
	}
	return 0;
}

/* [worker] lease: what an agent's lease lasts, as a worker's. */
static int
lease_seconds(struct req *r)
{
	int64_t	 v;

	if (conf_get_int(r->app->cfg, CONF_WORKER_LEASE, &v) == -1)
		v = 60;
	return (int)v;
}

/* "agent:NAME:LEASE" into buf. */
static void
holder(struct req *r, const char *lease, char *buf, size_t len)
{
	snprintf(buf, len, "agent:%s:%s", r->agent, lease);
}

/* The job the path names, as far as the queue calls need it. */
static void
path_job(struct req *r, struct queue_job *j)
{
	memset(j, 0, sizeof(*j));
	j->id = r->path_id;
}

/*
 * The body of a call after the claim with only "lease" (agent_body.c),
 * and the holder's name into who.  0, or -1 after a 4xx.
 */
static int
read_lease_call(struct req *r, char *who, size_t len)
{
	static const char *const fields[] = { "lease", NULL };
	json_object	*b;
	const char	*lease;
	int		 rc;

	b = req_read_json(r, AGENT_BODY_MAX);
	if (b == NULL)
		return -1;
	rc = agent_call_read(r, b, fields, &lease);
	if (rc == 0)
		holder(r, lease, who, len);
	json_object_put(b);
	return rc;
}

/* Answer a queue call's outcome that is not QUEUE_OK. */
static void
queue_answer(struct req *r, enum queue_result qr)
{
	if (qr == QUEUE_DB)
		api_db_down(r);
	else
		resp_error(r, API_ERR_LEASE_LOST, NULL);
}

/* {"ok": true, "lease_seconds": N} */
static void
ok_answer(struct req *r, int lease)
{
	json_object	*o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "lease_seconds", json_object_new_int(lease));
	resp_json(r, 200, o, NULL);
	json_object_put(o);
}

/* A presigned GET of key in bucket b, or JSON null for no key. */
static int
add_get(struct req *r, json_object *to, const char *name, enum bucket b,
    json_object *input, const char *key)
{
	json_object	*v;
	char		*url;

	if (!json_object_object_get_ex(input, key, &v) ||
	    !json_object_is_type(v, json_type_string)) {
		json_object_object_add(to, name, NULL);
		return 0;
	}
	url = s3_presign_get(r->app->s3, r->app->bucket[b],
	    json_object_get_string(v), (int)r->app->input_url_ttl, time(NULL));
	if (url == NULL)
		return -1;
	json_object_object_add(to, name, json_object_new_string(url));
	free(url);
	return 0;
}

/* Copy a string of input under the same name, "" when absent. */
static void
copy_str(json_object *to, json_object *input, const char *name)
{
	json_object	*v;

	json_object_object_add(to, name, json_object_new_string(
	    json_object_object_get_ex(input, name, &v) &&
	    json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : ""));
}

/* The claim's answer for job j, held with lease id lease. */
static json_object *
claim_json(struct req *r, const struct queue_job *j, const char *lease,
    int lease_s, json_object *input)
{
	json_object	*o, *in, *out, *one;
	char		 key[256], *url;
	enum job_output	 k;
	enum bucket	 b = output_bucket(j->kind);

	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(j->id));
	json_object_object_add(o, "kind",
	    json_object_new_string(job_kind_name(j->kind)));
	json_object_object_add(o, "lease", json_object_new_string(lease));
	json_object_object_add(o, "lease_seconds",
	    json_object_new_int(lease_s));
	json_object_object_add(o, "status",
	    json_object_new_string(job_status_name(j->status)));
	json_object_object_add(o, "attempt", json_object_new_int(j->attempts));
	json_object_object_add(o, "max_attempts",
	    json_object_new_int(j->max_attempts));
	json_object_object_add(o, "provider_ref",
	    json_object_new_string(j->provider_ref));
	json_object_object_add(o, "last_error",
	    json_object_new_string(j->last_error));
	json_object_object_add(o, "seed", json_object_new_int64(j->seed));
	copy_str(o, input, "category");
	copy_str(o, input, "prompt");
	copy_str(o, input, "title");
	in = json_object_new_object();
	json_object_object_add(o, "inputs", in);
	if (j->kind == JOB_KIND_TRYON) {
		if (add_get(r, in, "user_photo", BUCKET_USER_PHOTOS, input,
		    "photo_key") == -1 || add_get(r, in, "outfit",
		    BUCKET_OUTFITS, input, "outfit_key") == -1 ||
		    add_get(r, in, "location", BUCKET_LOCATIONS, input,
		    "location_key") == -1)
			goto fail;
	} else if (add_get(r, in, "image", BUCKET_RESULTS, input,
	    "source_key") == -1)
		goto fail;
	out = json_object_new_object();
	json_object_object_add(o, "outputs", out);
	for (k = 0; k < JOB_OUT__MAX; k++) {
		if (output_key(j->kind, j->user_id, j->id, k, key,
		    sizeof(key)) == -1)
			goto fail;
		url = s3_presign_put(r->app->s3, r->app->bucket[b], key,
		    output_type(j->kind, k), (int)r->app->input_url_ttl,
		    time(NULL));
		if (url == NULL)
			goto fail;
		one = json_object_new_object();
		json_object_object_add(one, "url", json_object_new_string(url));
		json_object_object_add(one, "content_type",
		    json_object_new_string(output_type(j->kind, k)));
		json_object_object_add(out, job_output_names[k], one);
		free(url);
	}
	return o;
fail:
	json_object_put(o);
	return NULL;
}

/* The agent_input the worker stored for a held job, parsed, or NULL. */
static json_object *
read_input(struct req *r, const struct queue_job *j, const char *who)
{
	char		 id[24];
	const char	*p[2] = { id, who };
	PGresult	*res;
	json_object	*o = NULL;

	snprintf(id, sizeof(id), "%lld", (long long)j->id);
	if (db_run(r->app->db, "agent_input", 2, p, PGRES_TUPLES_OK,
	    &res) == -1)
		return NULL;
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		o = json_tokener_parse(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (o != NULL && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

void
h_agent_claim(struct req *r)
{
	struct queue_job j;
	unsigned char	 rnd[AGENT_LEASE_HEX / 2];
	char		 lease[AGENT_LEASE_HEX + 1], who[128];
	json_object	*input, *job, *o;
	enum queue_result qr;
	int		 i, n, lease_s = lease_seconds(r);

	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		api_db_down(r);
		return;
	}
	for (i = 0; i < (int)sizeof(rnd); i++)
		snprintf(lease + 2 * i, 3, "%02x", rnd[i]);
	holder(r, lease, who, sizeof(who));
	for (i = 0;; i++) {
		qr = queue_claim_which(r->app->db, QUEUE_CLAIM_AGENT, who,
		    lease_s, &j, 1, &n);
		if (qr == QUEUE_DB) {
			api_db_down(r);
			return;
		}
		if (qr == QUEUE_EMPTY || i == AGENT_CLAIM_TRIES) {
			if (qr == QUEUE_OK)	/* back for the next claim */
				(void)queue_retry(r->app->db, &j, who, 0,
				    JOB_ERR_INTERNAL, "claim gave up");
			o = json_object_new_object();
			json_object_object_add(o, "job", NULL);
			resp_json(r, 200, o, NULL);
			json_object_put(o);
			return;
		}
		if (j.attempts <= j.max_attempts)
			break;
		/* Died in every attempt (agents lost mid-job): give up. */
		(void)queue_fail(r->app->db, &j, who,
		    JOB_ERR_ATTEMPTS_EXHAUSTED, j.last_error);
	}
	input = read_input(r, &j, who);
	job = input == NULL ? NULL : claim_json(r, &j, lease, lease_s, input);
	json_object_put(input);
	if (job == NULL) {
		/* Our failure: the job goes back at once for another try. */
		(void)queue_retry(r->app->db, &j, who, 0, JOB_ERR_INTERNAL,
		    "claim: inputs or presigning failed");
		log_warnx("agent %s: job %lld not handed out (inputs or "
		    "presigning failed)", r->agent, (long long)j.id);
		api_db_down(r);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "job", job);
	resp_json(r, 200, o, NULL);
	json_object_put(o);
}

void
h_agent_heartbeat(struct req *r)
{
	struct queue_job j;
	char		 who[128];
	enum queue_result qr;
	int		 lease_s = lease_seconds(r);

	if (read_lease_call(r, who, sizeof(who)) == -1)
		return;
	path_job(r, &j);
	qr = queue_heartbeat(r->app->db, &j, who, lease_s);
	if (qr != QUEUE_OK)
		queue_answer(r, qr);
	else
		ok_answer(r, lease_s);
}

/* Record what agent_stage_read() checked; best effort, as the worker's. */
static void
stage_record(struct req *r, json_object *cr, json_object *al)
{
	json_object	*v;
	char		 id[24], amount[32];
	const char	*p[4];

	snprintf(id, sizeof(id), "%lld", (long long)r->path_id);
	if (cr != NULL) {
		json_object_object_get_ex(cr, "provider", &v);
		p[0] = json_object_get_string(v);
		json_object_object_get_ex(cr, "ref", &v);
		p[1] = json_object_get_string(v);
		p[2] = id;
		amount[0] = '\0';
		if (json_object_object_get_ex(cr, "amount", &v) && v != NULL)
			snprintf(amount, sizeof(amount), "%.3f",
			    json_object_get_double(v));
		p[3] = amount[0] ? amount : "0";
		(void)db_run(r->app->db, "agent_credits", 4, p,
		    PGRES_TUPLES_OK, NULL);
	}
	if (al != NULL) {
		json_object_object_get_ex(al, "provider", &v);
		p[0] = json_object_get_string(v);
		json_object_object_get_ex(al, "kind", &v);
		p[1] = json_object_get_string(v);
		(void)db_run(r->app->db, "agent_alert", 2, p, PGRES_TUPLES_OK,
		    NULL);
	}
}

void
h_agent_stage(struct req *r)
{
	struct queue_job j;
	struct agent_stage s;
	json_object	*b;
	char		 who[128];
	enum queue_result qr;
	int		 lease_s = lease_seconds(r);

	b = req_read_json(r, AGENT_BODY_MAX);
	if (b == NULL)
		return;
	if (agent_stage_read(r, b, &s) == -1)
		goto done;
	holder(r, s.lease, who, sizeof(who));
	path_job(r, &j);
	if (s.status != NULL)
		qr = queue_advance(r->app->db, &j, who,
		    (enum job_status)job_status_parse(s.status), lease_s);
	else
		qr = queue_heartbeat(r->app->db, &j, who, lease_s);
	if (qr == QUEUE_OK && s.provider_ref != NULL)
		qr = queue_set_provider_ref(r->app->db, &j, who,
		    s.provider_ref);
	if (qr != QUEUE_OK) {
		queue_answer(r, qr);
		goto done;
	}
	stage_record(r, s.credits, s.alert);
	ok_answer(r, lease_s);
done:
	json_object_put(b);
}

/*
 * The held job's kind, user, attempts: QUEUE_OK, QUEUE_LOST when the
 * caller does not hold it, QUEUE_DB.
 */
static enum queue_result
held_job(struct req *r, const char *who, struct queue_job *j)
{
	char		 id[24];
	const char	*p[2] = { id, who };
	PGresult	*res;
	int		 k;

	path_job(r, j);
	snprintf(id, sizeof(id), "%lld", (long long)j->id);
	if (db_run(r->app->db, "agent_held", 2, p, PGRES_TUPLES_OK,
	    &res) == -1)
		return QUEUE_DB;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return QUEUE_LOST;
	}
	k = job_kind_parse(PQgetvalue(res, 0, 0));
	j->kind = k < 0 ? JOB_KIND_TRYON : (enum job_kind)k;
	j->user_id = db_get_i64(res, 0, 1);
	j->attempts = (int)db_get_i64(res, 0, 2);
	j->max_attempts = (int)db_get_i64(res, 0, 3);
	PQclear(res);
	return QUEUE_OK;
}

/* {"status": COMPLETED, FAILED or RETRY, "error_code"?, "retry_in_seconds"?} */
static void
status_answer(struct req *r, const char *st, int code, int retry_in)
{
	json_object	*o = json_object_new_object();

	json_object_object_add(o, "status", json_object_new_string(st));
	if (code >= 0)
		json_object_object_add(o, "error_code", json_object_new_string(
		    job_error_name((enum job_err)code)));
	if (retry_in >= 0)
		json_object_object_add(o, "retry_in_seconds",
		    json_object_new_int(retry_in));
	resp_json(r, 200, o, NULL);
	json_object_put(o);
}

void
h_agent_complete(struct req *r)
{
	struct queue_job j;
	char		 who[128], key[JOB_OUT__MAX][256];
	enum queue_result qr;
	enum job_output	 k;
	enum bucket	 bk;
	struct s3_error	 s3e;
	size_t		 len;
	int		 rc;

	if (read_lease_call(r, who, sizeof(who)) == -1)
		return;
	qr = held_job(r, who, &j);
	if (qr != QUEUE_OK) {
		queue_answer(r, qr);
		return;
	}
	bk = output_bucket(j.kind);
	for (k = 0; k < JOB_OUT__MAX; k++) {
		if (output_key(j.kind, j.user_id, j.id, k, key[k],
		    sizeof(key[k])) == -1) {
			api_db_down(r);
			return;
		}
		/* Nothing is COMPLETED without what it promises to show. */
		rc = s3_head(r->app->s3, r->app->bucket[bk], key[k], &len,
		    &s3e);
		if (rc == S3_ENOTFOUND || (rc == S3_OK && len == 0)) {
			char msg[96];
			snprintf(msg, sizeof(msg), "the %s was not uploaded "
			    "(PUT it to its URL, then complete)",
			    job_output_names[k]);
			resp_error(r, API_ERR_OUTPUT_MISSING, msg);
			return;
		}
		if (rc != S3_OK) {
			resp_error(r, API_ERR_STORAGE_UNAVAILABLE,
			    "storage did not answer, try again shortly");
			return;
		}
	}
	qr = queue_complete(r->app->db, &j, who, key[JOB_OUT_RESULT],
	    key[JOB_OUT_THUMB]);
	if (qr == QUEUE_OK) {
		status_answer(r, "COMPLETED", -1, -1);
		return;
	}
	if (qr == QUEUE_EMPTY) {
		/* FAILED, uncharged: no row will name the objects. */
		for (k = 0; k < JOB_OUT__MAX; k++)
			(void)deletes_object(r->app, bk, key[k]);
		status_answer(r, "FAILED", JOB_ERR_INSUFFICIENT_TOKENS, -1);
		return;
	}
	queue_answer(r, qr);
}

void
h_agent_fail(struct req *r)
{
	struct queue_job j;
	struct agent_fail f;
	json_object	*b;
	char		 who[128], msg[320];
	enum queue_result qr;
	int		 e, delay;

	b = req_read_json(r, AGENT_BODY_MAX);
	if (b == NULL)
		return;
	if (agent_fail_read(r, b, &f) == -1)
		goto done;
	holder(r, f.lease, who, sizeof(who));
	e = f.code;
	qr = held_job(r, who, &j);
	if (qr != QUEUE_OK) {
		queue_answer(r, qr);
		goto done;
	}
	snprintf(msg, sizeof(msg), "agent %s: %s", r->agent, f.detail);
	if (f.retryable && j.attempts < j.max_attempts) {
		delay = queue_backoff(j.attempts, 2, 300,
		    (double)(arc4random() % 1000) / 1000.0);
		qr = queue_retry(r->app->db, &j, who, delay,
		    (enum job_err)e, msg);
		if (qr != QUEUE_OK)
			queue_answer(r, qr);
		else
			status_answer(r, "RETRY", e, delay);
		goto done;
	}
	if (f.retryable &&
	    (e == JOB_ERR_INTERNAL || e == JOB_ERR_STORAGE_ERROR))
		e = JOB_ERR_ATTEMPTS_EXHAUSTED;
	qr = queue_fail(r->app->db, &j, who, (enum job_err)e, msg);
	if (qr != QUEUE_OK)
		queue_answer(r, qr);
	else
		status_answer(r, "FAILED", e, -1);
done:
	json_object_put(b);
}
