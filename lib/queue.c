/*
 * The worker's side of the jobs table.  All SQL for it is here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#include "queue.h"

/*
 * The claim: ready, unheld (or with an expired lease) jobs, oldest first,
 * each with a lease and one more attempt (not for a parked job: parking
 * is not a failure); the middle part narrows which, and $4 (an array of
 * ids, or NULL) to those.
 */
#define CLAIM_HEAD \
	"UPDATE jobs j SET locked_by = $1, " \
	"locked_until = now() + make_interval(secs => $2), " \
	"attempts = j.attempts + CASE WHEN c.parked THEN 0 ELSE 1 END, " \
	"parked = false " \
	"FROM (SELECT id, parked FROM jobs WHERE " \
	"job_status_claimable(status) " \
	"AND run_after <= now() AND (locked_until IS NULL OR " \
	"locked_until < now()) AND ($4::bigint[] IS NULL OR " \
	"id = ANY ($4::bigint[])) "
#define CLAIM_TAIL \
	"ORDER BY run_after, id LIMIT $3 " \
	"FOR UPDATE SKIP LOCKED) c WHERE j.id = c.id " \
	"RETURNING j.id, j.kind, j.user_id, j.status, " \
	"coalesce(j.photo_id, 0), coalesce(j.outfit_id, 0), " \
	"coalesce(j.location_id, 0), coalesce(j.source_job_id, 0), " \
	"j.attempts, j.max_attempts, coalesce(j.provider_ref, ''), " \
	"coalesce(j.error_code, ''), " \
	"(SELECT language FROM users u WHERE u.id = j.user_id), " \
	"coalesce((j.params->>'seed')::bigint, 0), c.parked, " \
	"j.park_checks, " \
	"coalesce(extract(epoch FROM now() - j.park_since) * 1000, 0)" \
	"::bigint"

const struct db_stmt queue_statements[] = {
	{ "queue_claim", CLAIM_HEAD "" CLAIM_TAIL, 4 },
	/* [worker] agents = yes: contour A's stages only. */
	{ "queue_claim_own", CLAIM_HEAD "AND agent_input IS NULL " CLAIM_TAIL,
	  4 },
	/* An agent: the jobs handed over at QUEUED (db/021_agents.sql). */
	{ "queue_claim_agent", CLAIM_HEAD "AND agent_input IS NOT NULL AND "
	  "status IN ('QUEUED', 'RUNNING', 'UPLOADING') " CLAIM_TAIL, 4 },
	{ "queue_hand_over",
	  "UPDATE jobs SET status = 'QUEUED', agent_input = $3::jsonb, "
	  "attempts = greatest(attempts - 1, 0), locked_by = NULL, "
	  "locked_until = NULL, run_after = now() "
	  "WHERE id = $1 AND locked_by = $2 AND "
	  "NOT job_status_terminal(status) RETURNING id", 3 },
	/* Parked: let go of the job until its next check (see 019). */
	{ "queue_park",
	  "UPDATE jobs SET parked = true, locked_by = NULL, "
	  "locked_until = NULL, run_after = now() + make_interval(secs => "
	  "$3::double precision / 1000), park_checks = $4, "
	  "park_since = CASE WHEN $4 = 0 THEN now() ELSE park_since END "
	  "WHERE id = $1 AND locked_by = $2 AND "
	  "NOT job_status_terminal(status) RETURNING id", 4 },
	/* -1 when none: greatest() skips a NULL, so it cannot wrap min(). */
	{ "queue_next_parked",
	  "SELECT CASE WHEN min(run_after) IS NULL THEN -1 ELSE "
	  "greatest(0, extract(epoch FROM min(run_after) - now()) * 1000) "
	  "END::bigint FROM jobs WHERE parked AND "
	  "NOT job_status_terminal(status) AND ($1::bigint[] IS NULL OR "
	  "id = ANY ($1::bigint[]))", 1 },
	{ "queue_advance",
	  "UPDATE jobs SET status = $3, "
	  "locked_until = now() + make_interval(secs => $4) "
	  "WHERE id = $1 AND locked_by = $2 AND "
	  "NOT job_status_terminal(status) RETURNING id", 4 },
	{ "queue_heartbeat",
	  "UPDATE jobs SET locked_until = now() + make_interval(secs => $3) "
	  "WHERE id = $1 AND locked_by = $2 AND "
	  "NOT job_status_terminal(status) RETURNING id", 3 },
	{ "queue_provider_ref",
	  "UPDATE jobs SET provider_ref = $3 WHERE id = $1 AND locked_by = $2 "
	  "AND NOT job_status_terminal(status) RETURNING id", 3 },
	{ "queue_retry",
	  "UPDATE jobs SET locked_by = NULL, locked_until = NULL, "
	  "run_after = now() + make_interval(secs => $3), error_code = $4, "
	  "error_message = $5, slot_provider = NULL, slot_wanted = NULL, "
	  "slot_wanted_at = NULL WHERE id = $1 AND locked_by = $2 AND "
	  "NOT job_status_terminal(status) RETURNING id", 5 },
	{ "queue_fail",
	  "UPDATE jobs SET status = 'FAILED', error_code = $3, "
	  "error_message = $4, finished_at = now(), locked_by = NULL, "
	  "locked_until = NULL WHERE id = $1 AND locked_by = $2 AND "
	  "NOT job_status_terminal(status) RETURNING id", 4 },
	{ "queue_rescue",
	  "UPDATE jobs SET locked_by = NULL, locked_until = NULL, "
	  "error_message = 'lease expired: the worker holding the job was "
	  "lost', run_after = now() WHERE NOT job_status_terminal(status) "
	  "AND locked_until < now() RETURNING id, locked_by", 0 },
	{ "queue_complete",
	  "SELECT job_complete($1, $2, $3, $4)", 4 },
	/* Many held jobs in one statement, as a set (db/028). */
	{ "queue_complete_many",
	  "SELECT n, result FROM job_complete_many($1, $2::bigint[], "
	  "$3::text[], $4::text[])", 4 },
	{ NULL, NULL, 0 }
};

static void
id_str(const struct queue_job *j, char *buf, size_t len)
{
	snprintf(buf, len, "%lld", (long long)j->id);
}

/* Run an UPDATE ... RETURNING id: QUEUE_OK if a row changed. */
static enum queue_result
update_held(struct db *db, const char *stmt, int n, const char *const *p)
{
	PGresult	*res;
	int		 rows;

	if (db_run(db, stmt, n, p, PGRES_TUPLES_OK, &res) == -1)
		return QUEUE_DB;
	rows = PQntuples(res);
	PQclear(res);
	return rows == 1 ? QUEUE_OK : QUEUE_LOST;
}

enum queue_result
queue_claim(struct db *db, const char *worker, int lease,
    struct queue_job *j)
{
	int	 n;

	return queue_claim_many(db, worker, lease, j, 1, &n);
}

/* ids as a PostgreSQL array literal into b ("{1,2}"); NULL when none. */
static const char *
id_array(struct buf *b, const int64_t *ids, int n)
{
	char	 id[24];
	int	 i;

	if (ids == NULL)
		return NULL;
	buf_addc(b, '{');
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%s%lld", i > 0 ? "," : "",
		    (long long)ids[i]);
		buf_adds(b, id);
	}
	buf_add(b, "}", 2);
	return b->err ? "{}" : b->p;
}

enum queue_result
queue_claim_many(struct db *db, const char *worker, int lease,
    struct queue_job *jobs, int max, int *nclaimed)
{
	return queue_claim_which(db, QUEUE_CLAIM_ALL, worker, lease, jobs,
	    max, nclaimed);
}

enum queue_result
queue_claim_which(struct db *db, enum queue_claim which, const char *worker,
    int lease, struct queue_job *jobs, int max, int *nclaimed)
{
	return queue_claim_ids(db, which, worker, lease, NULL, 0, jobs, max,
	    nclaimed);
}

static const char *const claim_stmts[QUEUE_CLAIM__MAX] = {
	"queue_claim", "queue_claim_own", "queue_claim_agent"
};

/* The claimed jobs of a claim's result into jobs (at most max). */
static int
claim_parse(PGresult *res, struct queue_job *jobs, int max)
{
	struct queue_job *j;
	int		 k, s, i, n;

	n = PQntuples(res);
	for (i = 0; i < n && i < max; i++) {
		j = &jobs[i];
		memset(j, 0, sizeof(*j));
		j->id = db_get_i64(res, i, 0);
		k = job_kind_parse(PQgetvalue(res, i, 1));
		j->kind = k < 0 ? JOB_KIND_TRYON : (enum job_kind)k;
		j->user_id = db_get_i64(res, i, 2);
		s = job_status_parse(PQgetvalue(res, i, 3));
		j->status = s < 0 ? JOB_RECEIVED : (enum job_status)s;
		j->photo_id = db_get_i64(res, i, 4);
		j->outfit_id = db_get_i64(res, i, 5);
		j->location_id = db_get_i64(res, i, 6);
		j->source_job_id = db_get_i64(res, i, 7);
		j->attempts = (int)db_get_i64(res, i, 8);
		j->max_attempts = (int)db_get_i64(res, i, 9);
		snprintf(j->provider_ref, sizeof(j->provider_ref), "%s",
		    PQgetvalue(res, i, 10));
		snprintf(j->last_error, sizeof(j->last_error), "%s",
		    PQgetvalue(res, i, 11));
		j->lang = lang_parse(PQgetvalue(res, i, 12));
		j->seed = db_get_i64(res, i, 13);
		j->parked = strcmp(PQgetvalue(res, i, 14), "t") == 0;
		j->park_checks = (int)db_get_i64(res, i, 15);
		j->parked_ms = db_get_i64(res, i, 16);
	}
	return i;
}

enum queue_result
queue_claim_ids(struct db *db, enum queue_claim which, const char *worker,
    int lease, const int64_t *ids, int nids, struct queue_job *jobs,
    int max, int *nclaimed)
{
	char		 l[16], m[16];
	const char	*p[4] = { worker, l, m, NULL };
	struct buf	 b = { 0 };
	PGresult	*res;
	int		 rc;

	*nclaimed = 0;
	if ((unsigned)which >= QUEUE_CLAIM__MAX)
		return QUEUE_DB;
	snprintf(l, sizeof(l), "%d", lease);
	snprintf(m, sizeof(m), "%d", max);
	p[3] = id_array(&b, ids, nids);
	rc = db_run(db, claim_stmts[which], 4, p, PGRES_TUPLES_OK, &res);
	buf_free(&b);
	if (rc == -1)
		return QUEUE_DB;
	*nclaimed = claim_parse(res, jobs, max);
	PQclear(res);
	return *nclaimed == 0 ? QUEUE_EMPTY : QUEUE_OK;
}

enum queue_result
queue_advance(struct db *db, const struct queue_job *j, const char *worker,
    enum job_status st, int lease)
{
	char		 id[24], l[16];
	const char	*p[4] = { id, worker, job_status_name(st), l };

	id_str(j, id, sizeof(id));
	snprintf(l, sizeof(l), "%d", lease);
	return update_held(db, "queue_advance", 4, p);
}

enum queue_result
queue_heartbeat(struct db *db, const struct queue_job *j, const char *worker,
    int lease)
{
	char		 id[24], l[16];
	const char	*p[3] = { id, worker, l };

	id_str(j, id, sizeof(id));
	snprintf(l, sizeof(l), "%d", lease);
	return update_held(db, "queue_heartbeat", 3, p);
}

enum queue_result
queue_hand_over(struct db *db, const struct queue_job *j, const char *worker,
    const char *input_json)
{
	char		 id[24];
	const char	*p[3] = { id, worker, input_json };

	id_str(j, id, sizeof(id));
	return update_held(db, "queue_hand_over", 3, p);
}

enum queue_result
queue_set_provider_ref(struct db *db, const struct queue_job *j,
    const char *worker, const char *ref)
{
	char		 id[24];
	const char	*p[3] = { id, worker, ref };

	id_str(j, id, sizeof(id));
	return update_held(db, "queue_provider_ref", 3, p);
}

enum queue_result
queue_park(struct db *db, const struct queue_job *j, const char *worker,
    int64_t delay_ms, int checks)
{
	char		 id[24], d[24], n[16];
	const char	*p[4] = { id, worker, d, n };

	id_str(j, id, sizeof(id));
	snprintf(d, sizeof(d), "%lld", (long long)delay_ms);
	snprintf(n, sizeof(n), "%d", checks);
	return update_held(db, "queue_park", 4, p);
}

int64_t
queue_next_parked(struct db *db, const int64_t *ids, int nids)
{
	PGresult	*res;
	struct buf	 b = { 0 };
	const char	*p[1];
	int64_t		 ms;
	int		 rc;

	p[0] = id_array(&b, ids, nids);
	rc = db_run(db, "queue_next_parked", 1, p, PGRES_TUPLES_OK, &res);
	buf_free(&b);
	if (rc == -1)
		return -1;
	ms = db_get_i64(res, 0, 0);
	PQclear(res);
	return ms;
}

enum queue_result
queue_retry(struct db *db, const struct queue_job *j, const char *worker,
    int delay, enum job_err code, const char *detail)
{
	char		 id[24], d[16];
	const char	*p[5] = { id, worker, d, job_error_name(code), detail };

	id_str(j, id, sizeof(id));
	snprintf(d, sizeof(d), "%d", delay);
	return update_held(db, "queue_retry", 5, p);
}

enum queue_result
queue_fail(struct db *db, const struct queue_job *j, const char *worker,
    enum job_err code, const char *detail)
{
	char		 id[24];
	const char	*p[4] = { id, worker, job_error_name(code), detail };

	id_str(j, id, sizeof(id));
	return update_held(db, "queue_fail", 4, p);
}

/* "completed" and the others of job_complete() as a queue_result. */
static enum queue_result
complete_result(const char *out)
{

	if (strcmp(out, "completed") == 0)
		return QUEUE_OK;
	if (strcmp(out, "insufficient_tokens") == 0)
		return QUEUE_EMPTY;
	return QUEUE_LOST;
}

enum queue_result
queue_complete(struct db *db, const struct queue_job *j, const char *worker,
    const char *result_key, const char *thumb_key)
{
	char		 id[24];
	const char	*p[4] = { id, worker, result_key, thumb_key };
	PGresult	*res;
	enum queue_result rc;

	id_str(j, id, sizeof(id));
	if (db_run(db, "queue_complete", 4, p, PGRES_TUPLES_OK, &res) == -1)
		return QUEUE_DB;
	rc = complete_result(PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

/* Append s to b as one element of a PostgreSQL array literal. */
static void
array_elem(struct buf *b, const char *s)
{

	if (b->len > 1)
		buf_addc(b, ',');
	if (s == NULL) {
		buf_adds(b, "NULL");
		return;
	}
	buf_addc(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			buf_addc(b, '\\');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

/* The parameters of the statement queue_complete_many for n jobs. */
struct complete_args {
	struct buf	 ids, rk, tk;
	const char	*p[4];
};

/* Build them: 0, or -1 out of memory (complete_free() either way). */
static int
complete_build(struct complete_args *c, const struct queue_job *jobs, int n,
    const char *worker, const char *const *result_keys,
    const char *const *thumb_keys)
{
	char		 id[24];
	int		 i;

	memset(c, 0, sizeof(*c));
	buf_addc(&c->ids, '{');
	buf_addc(&c->rk, '{');
	buf_addc(&c->tk, '{');
	for (i = 0; i < n; i++) {
		id_str(&jobs[i], id, sizeof(id));
		if (i > 0)
			buf_addc(&c->ids, ',');
		buf_adds(&c->ids, id);
		array_elem(&c->rk, result_keys[i]);
		array_elem(&c->tk, thumb_keys == NULL ? NULL : thumb_keys[i]);
	}
	buf_add(&c->ids, "}", 2);
	buf_add(&c->rk, "}", 2);
	buf_add(&c->tk, "}", 2);
	if (c->ids.err || c->rk.err || c->tk.err)
		return -1;
	c->p[0] = worker;
	c->p[1] = c->ids.p;
	c->p[2] = c->rk.p;
	c->p[3] = c->tk.p;
	return 0;
}

static void
complete_free(struct complete_args *c)
{
	buf_free(&c->ids);
	buf_free(&c->rk);
	buf_free(&c->tk);
}

/* queue_complete_many's result into out[0..n-1]. */
static void
complete_parse(PGresult *res, int n, enum queue_result *out)
{
	int	 i, k;

	for (i = 0; i < PQntuples(res); i++) {
		k = (int)db_get_i64(res, i, 0) - 1;
		if (k >= 0 && k < n)
			out[k] = complete_result(PQgetvalue(res, i, 1));
	}
}

enum queue_result
queue_complete_many(struct db *db, const struct queue_job *jobs, int n,
    const char *worker, const char *const *result_keys,
    const char *const *thumb_keys, enum queue_result *out)
{
	struct complete_args c;
	PGresult	*res = NULL;
	enum queue_result rc = QUEUE_DB;
	int		 i;

	for (i = 0; i < n; i++)
		out[i] = QUEUE_LOST;
	if (n <= 0)
		return QUEUE_OK;
	if (complete_build(&c, jobs, n, worker, result_keys,
	    thumb_keys) == -1)
		goto fail;
	if (db_run(db, "queue_complete_many", 4, c.p, PGRES_TUPLES_OK,
	    &res) == -1)
		goto fail;
	complete_parse(res, n, out);
	PQclear(res);
	rc = QUEUE_OK;
fail:
	complete_free(&c);
	return rc;
}

enum queue_result
queue_complete_claim(struct db *db, const struct queue_job *jobs, int n,
    const char *worker, const char *const *result_keys,
    const char *const *thumb_keys, enum queue_result *out,
    enum queue_claim which, int lease, struct queue_job *next, int max,
    int *nclaimed)
{
	struct complete_args c;
	struct db_call	 done, claim;
	char		 l[16], m[16];
	const char	*p[4] = { worker, l, m, NULL };
	PGresult	*r1, *r2;
	enum queue_result rc = QUEUE_DB;
	int		 i;

	*nclaimed = 0;
	for (i = 0; i < n; i++)
		out[i] = QUEUE_LOST;
	if (n <= 0 || (unsigned)which >= QUEUE_CLAIM__MAX)
		return QUEUE_DB;
	if (complete_build(&c, jobs, n, worker, result_keys,
	    thumb_keys) == -1)
		goto fail;
	snprintf(l, sizeof(l), "%d", lease);
	snprintf(m, sizeof(m), "%d", max);
	done.name = "queue_complete_many";
	done.nparams = 4;
	done.params = c.p;
	claim.name = claim_stmts[which];
	claim.nparams = 4;
	claim.params = p;
	if (db_run_pair(db, &done, &claim, PGRES_TUPLES_OK, &r1, &r2) == -1)
		goto fail;
	complete_parse(r1, n, out);
	*nclaimed = claim_parse(r2, next, max);
	PQclear(r1);
	PQclear(r2);
	rc = QUEUE_OK;
fail:
	complete_free(&c);
	return rc;
}

int
queue_rescue(struct db *db)
{
	PGresult	*res;
	int		 n;

	if (db_run(db, "queue_rescue", 0, NULL, PGRES_TUPLES_OK, &res) == -1)
		return -1;
	n = PQntuples(res);
	PQclear(res);
	return n;
}

int
queue_backoff(int attempts, int base, int cap, double rnd)
{
	double	 d = base;
	int	 i;

	for (i = 1; i < attempts && d < cap; i++)
		d *= 2;
	if (d > cap)
		d = cap;
	if (rnd < 0)
		rnd = 0;
	if (rnd > 1)
		rnd = 1;
	return (int)(d * (1.0 + 0.25 * rnd));
}
