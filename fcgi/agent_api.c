/*
 * The contour-B agent API, under /api/v1/agent/, with its own
 * credentials (Authorization: Bearer <agent token>, lib/agents.c):
 *
 *   POST /agent/claim                 {"provider"?}: a job handed over
 *                                     at QUEUED, with presigned GETs for
 *                                     its inputs and presigned PUTs for
 *                                     its outputs, or {"job": null}
 *   POST /agent/jobs/{id}/heartbeat   {"lease", "urls"?}: the lease
 *                                     renewed; with "urls": true, fresh
 *                                     presigned URLs for the job too
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
 *
 * Provider slots: a claim naming the agent's provider takes one of that
 * provider's [NAME] max_concurrency slots (contour A's configuration)
 * for the job through the worker's slot_acquire() (db/019), so agents
 * and workers share one count, first come first served.  A job refused
 * a slot waits in the provider's line, parked in QUEUED without holding
 * an attempt, and is woken when a slot is given back.  The slot goes
 * back when the agent reports UPLOADING, and whenever the job is retried
 * or ends (db/019's triggers); a rescued job keeps it for the next
 * agent, which resumes the vendor's job.
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
#include "providers/remote.h"
#include "queue.h"

#define AGENT_CLAIM_TRIES 4	/* jobs failed for their attempts, then 200 */
#define AGENT_SLOT_RECHECK 5	/* seconds: a job in a slot's line looks
				   again */

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
	/* A provider slot for a claimed job, as the worker's (db/019). */
	{ "agent_slot_acquire",
	  "SELECT slot_acquire($1, $2, $3, $4, $5)", 5 },
	/* In the slot's line: let go, parked, the claim's attempt given
	 * back ($3: 1 when the claim counted one); woken by a freed slot. */
	{ "agent_slot_wait",
	  "UPDATE jobs SET parked = true, attempts = attempts - $3::int, "
	  "locked_by = NULL, locked_until = NULL, run_after = now() + "
	  "make_interval(secs => $4) WHERE id = $1 AND locked_by = $2 "
	  "RETURNING id", 4 },
	/* The vendor is done with the job (UPLOADING): its slot goes back. */
	{ "agent_slot_release",
	  "UPDATE jobs SET slot_provider = NULL WHERE id = $1 AND "
	  "locked_by = $2 AND slot_provider IS NOT NULL", 2 },
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

/*
 * Fresh presigned URLs for job j into o: "inputs" (GETs) and "outputs"
 * (PUTs), each living [worker] input_url_ttl, and "urls_ttl_seconds".
 * 0 or -1.
 */
static int
add_urls(struct req *r, json_object *o, const struct queue_job *j,
    json_object *input)
{
	json_object	*in, *out, *one;
	char		 key[256], *url;
	enum job_output	 k;
	enum bucket	 b = output_bucket(j->kind);
	int		 ttl = (int)r->app->input_url_ttl;

	json_object_object_add(o, "urls_ttl_seconds", json_object_new_int(ttl));
	in = json_object_new_object();
	json_object_object_add(o, "inputs", in);
	if (j->kind == JOB_KIND_TRYON) {
		if (add_get(r, in, "user_photo", BUCKET_USER_PHOTOS, input,
		    "photo_key") == -1 || add_get(r, in, "outfit",
		    BUCKET_OUTFITS, input, "outfit_key") == -1 ||
		    add_get(r, in, "location", BUCKET_LOCATIONS, input,
		    "location_key") == -1)
			return -1;
	} else if (add_get(r, in, "image", BUCKET_RESULTS, input,
	    "source_key") == -1)
		return -1;
	out = json_object_new_object();
	json_object_object_add(o, "outputs", out);
	for (k = 0; k < JOB_OUT__MAX; k++) {
		if (output_key(j->kind, j->user_id, j->id, k, key,
		    sizeof(key)) == -1)
			return -1;
		url = s3_presign_put(r->app->s3, r->app->bucket[b], key,
		    output_type(j->kind, k), ttl, time(NULL));
		if (url == NULL)
			return -1;
		one = json_object_new_object();
		json_object_object_add(one, "url", json_object_new_string(url));
		json_object_object_add(one, "content_type",
		    json_object_new_string(output_type(j->kind, k)));
		json_object_object_add(out, job_output_names[k], one);
		free(url);
	}
	return 0;
}

/* The claim's answer for job j, held with lease id lease. */
static json_object *
claim_json(struct req *r, const struct queue_job *j, const char *lease,
    int lease_s, json_object *input)
{
	json_object	*o;

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
	if (add_urls(r, o, j, input) == -1) {
		json_object_put(o);
		return NULL;
	}
	return o;
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

/*
 * The claim's optional body {"provider": NAME}: whose slots the agent's
 * provider calls count under, and how many contour A allows ([NAME]
 * max_concurrency here, 0: no limit) into *max.  0, or -1 after a 4xx.
 */
static int
claim_provider(struct req *r, char *name, size_t len, int *max)
{
	struct remote_config cfg;
	json_object	*b;
	const char	*ct, *p = NULL;
	char		 err[256];
	int		 rc = 0;

	name[0] = '\0';
	*max = 0;
	ct = req_param(r, "CONTENT_TYPE");
	if (ct == NULL || ct[0] == '\0')
		return 0;
	b = req_read_json(r, AGENT_BODY_MAX);
	if (b == NULL)
		return -1;
	if (agent_claim_read(r, b, &p) == -1)
		rc = -1;
	else if (p != NULL) {
		remote_config_default(&cfg);
		if (remote_config_read(r->app, p, &cfg, err,
		    sizeof(err)) == -1) {
			log_warnx("agent claim: [%s]: %s", p, err);
			api_db_down(r);
			rc = -1;
		} else {
			snprintf(name, len, "%s", p);
			*max = cfg.max_concurrency;
		}
	}
	json_object_put(b);
	return rc;
}

enum claim_slot { SLOT_OK, SLOT_WAIT, SLOT_TIMEOUT, SLOT_LOST, SLOT_DB };

/*
 * A provider slot for the claimed job j when prov has a limit and the
 * job is at or before the provider's call.  SLOT_WAIT: it is in the
 * provider's line, let go (parked).
 */
static enum claim_slot
claim_slot(struct req *r, const struct queue_job *j, const char *who,
    const char *prov, int max)
{
	PGresult	*res;
	char		 id[24], m[16], w[24], again[24];
	const char	*p[5] = { id, who, prov, m, w }, *v;
	int64_t		 wait;
	enum claim_slot	 cs;

	if (prov[0] == '\0' || max <= 0 ||
	    (j->status != JOB_QUEUED && j->status != JOB_RUNNING))
		return SLOT_OK;
	if (conf_get_int(r->app->cfg, CONF_WORKER_SLOT_WAIT, &wait) == -1)
		wait = 600;
	snprintf(id, sizeof(id), "%lld", (long long)j->id);
	snprintf(m, sizeof(m), "%d", max);
	snprintf(w, sizeof(w), "%lld", (long long)wait);
	if (db_run(r->app->db, "agent_slot_acquire", 5, p, PGRES_TUPLES_OK,
	    &res) == -1)
		return SLOT_DB;
	v = PQgetvalue(res, 0, 0);
	cs = strcmp(v, "acquired") == 0 ? SLOT_OK :
	    strcmp(v, "wait") == 0 ? SLOT_WAIT :
	    strcmp(v, "timeout") == 0 ? SLOT_TIMEOUT : SLOT_LOST;
	PQclear(res);
	if (cs != SLOT_WAIT)
		return cs;
	snprintf(again, sizeof(again), "%lld", (long long)(wait <
	    AGENT_SLOT_RECHECK ? wait : AGENT_SLOT_RECHECK));
	p[2] = j->parked ? "0" : "1";
	p[3] = again;
	if (db_run(r->app->db, "agent_slot_wait", 4, p, PGRES_TUPLES_OK,
	    NULL) == -1)
		return SLOT_DB;
	return SLOT_WAIT;
}

/* {"job": null}: nothing for the agent now. */
static void
no_job(struct req *r)
{
	json_object	*o = json_object_new_object();

	json_object_object_add(o, "job", NULL);
	resp_json(r, 200, o, NULL);
	json_object_put(o);
}

void
h_agent_claim(struct req *r)
{
	struct queue_job j;
	unsigned char	 rnd[AGENT_LEASE_HEX / 2];
	char		 lease[AGENT_LEASE_HEX + 1], who[128], prov[32];
	json_object	*input, *job, *o;
	enum queue_result qr;
	enum claim_slot	 cs;
	int		 i, n, max, lease_s = lease_seconds(r);

	if (claim_provider(r, prov, sizeof(prov), &max) == -1)
		return;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		api_db_down(r);
		return;
	}
	for (i = 0; i < (int)sizeof(rnd); i++)
		snprintf(lease + 2 * i, 3, "%02x", rnd[i]);
	holder(r, lease, who, sizeof(who));
	for (i = 0;; i++) {
		if (i == AGENT_CLAIM_TRIES) {
			no_job(r);
			return;
		}
		qr = queue_claim_which(r->app->db, QUEUE_CLAIM_AGENT, who,
		    lease_s, &j, 1, &n);
		if (qr == QUEUE_DB) {
			api_db_down(r);
			return;
		}
		if (qr == QUEUE_EMPTY) {
			no_job(r);
			return;
		}
		if (j.attempts > j.max_attempts) {
			/* Died in every attempt (agents lost mid-job). */
			(void)queue_fail(r->app->db, &j, who,
			    JOB_ERR_ATTEMPTS_EXHAUSTED, j.last_error);
			continue;
		}
		cs = claim_slot(r, &j, who, prov, max);
		if (cs == SLOT_OK)
			break;
		if (cs == SLOT_DB) {
			(void)queue_retry(r->app->db, &j, who, 0,
			    JOB_ERR_INTERNAL, "claim: the slot failed");
			api_db_down(r);
			return;
		}
		if (cs == SLOT_TIMEOUT)
			(void)queue_fail(r->app->db, &j, who,
			    JOB_ERR_PROVIDER_TIMEOUT,
			    "queued: no provider slot free within "
			    "[worker] slot_wait");
		/* SLOT_WAIT: in the provider's line; SLOT_LOST: gone. */
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

static enum queue_result held_job(struct req *, const char *,
    struct queue_job *);

/* The heartbeat's answer with fresh presigned URLs for the held job. */
static void
urls_answer(struct req *r, const char *who, int lease_s)
{
	struct queue_job j;
	json_object	*input, *o;
	enum queue_result qr;

	qr = held_job(r, who, &j);
	if (qr != QUEUE_OK) {
		queue_answer(r, qr);
		return;
	}
	input = read_input(r, &j, who);
	if (input == NULL) {
		api_db_down(r);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "lease_seconds",
	    json_object_new_int(lease_s));
	if (add_urls(r, o, &j, input) == -1)
		api_db_down(r);
	else
		resp_json(r, 200, o, NULL);
	json_object_put(o);
	json_object_put(input);
}

void
h_agent_heartbeat(struct req *r)
{
	struct queue_job j;
	struct agent_heartbeat hb;
	json_object	*b;
	char		 who[128];
	enum queue_result qr;
	int		 lease_s = lease_seconds(r);

	b = req_read_json(r, AGENT_BODY_MAX);
	if (b == NULL)
		return;
	if (agent_heartbeat_read(r, b, &hb) == -1) {
		json_object_put(b);
		return;
	}
	holder(r, hb.lease, who, sizeof(who));
	json_object_put(b);
	path_job(r, &j);
	qr = queue_heartbeat(r->app->db, &j, who, lease_s);
	if (qr != QUEUE_OK)
		queue_answer(r, qr);
	else if (hb.urls)
		urls_answer(r, who, lease_s);
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

/* The vendor is done with the job: its provider slot goes back (the
 * job's end would give it back anyway). */
static void
slot_give_back(struct req *r, const char *who)
{
	char		 id[24];
	const char	*p[2] = { id, who };

	snprintf(id, sizeof(id), "%lld", (long long)r->path_id);
	if (db_run(r->app->db, "agent_slot_release", 2, p, PGRES_COMMAND_OK,
	    NULL) == -1)
		log_warnx("job %lld: provider slot not given back",
		    (long long)r->path_id);
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
	if (s.status != NULL && strcmp(s.status, "UPLOADING") == 0)
		slot_give_back(r, who);
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
