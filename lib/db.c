/*
 * PostgreSQL connection with named prepared statements and reconnect.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"

struct db {
	char			 *conninfo;
	PGconn			 *conn;
	const struct db_stmt *const *tables;
	int			  prepared;
};

/* Prepare every statement; 0 on success, -1 (connection dropped) else. */
static int
db_prepare_all(struct db *db)
{
	const struct db_stmt *const *t;
	const struct db_stmt	*s;
	PGresult		*res;

	for (t = db->tables; t != NULL && *t != NULL; t++) {
		for (s = *t; s->name != NULL; s++) {
			res = PQprepare(db->conn, s->name, s->sql, s->nparams,
			    NULL);
			if (PQresultStatus(res) != PGRES_COMMAND_OK) {
				log_errx("db: prepare %s: %s", s->name,
				    PQerrorMessage(db->conn));
				PQclear(res);
				return -1;
			}
			PQclear(res);
		}
	}
	db->prepared = 1;
	return 0;
}

static int
db_connect(struct db *db)
{
	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK &&
	    db->prepared)
		return 0;
	if (db->conn != NULL)
		PQfinish(db->conn);
	db->prepared = 0;
	db->conn = PQconnectdb(db->conninfo);
	if (db->conn == NULL)
		return -1;
	if (PQstatus(db->conn) != CONNECTION_OK) {
		log_warnx("db: connect: %s", PQerrorMessage(db->conn));
		return -1;
	}
	if (db_prepare_all(db) == -1)
		return -1;
	return 0;
}

struct db *
db_open(const char *conninfo, const struct db_stmt *const *tables)
{
	struct db	*db;

	db = calloc(1, sizeof(*db));
	if (db == NULL)
		return NULL;
	db->conninfo = strdup(conninfo);
	if (db->conninfo == NULL) {
		free(db);
		return NULL;
	}
	db->tables = tables;
	(void)db_connect(db);
	return db;
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	if (db->conn != NULL)
		PQfinish(db->conn);
	free(db->conninfo);
	free(db);
}

int
db_ready(struct db *db)
{
	return db_connect(db) == 0;
}

PGresult *
db_exec(struct db *db, const char *name, int nparams,
    const char *const *params)
{
	PGresult	*res;

	if (db_connect(db) == -1)
		return NULL;
	res = PQexecPrepared(db->conn, name, nparams, params, NULL, NULL, 0);
	if (res == NULL || (PQresultStatus(res) == PGRES_FATAL_ERROR &&
	    PQstatus(db->conn) != CONNECTION_OK)) {
		/*
		 * The connection broke during the call.  We do not know
		 * whether the statement ran, so we do not repeat it; the
		 * caller reports the failure and the next call reconnects.
		 */
		log_warnx("db: %s: connection lost: %s", name,
		    PQerrorMessage(db->conn));
		PQclear(res);
		db->prepared = 0;
		return NULL;
	}
	return res;
}

int
db_socket(struct db *db)
{
	if (db == NULL || db->conn == NULL ||
	    PQstatus(db->conn) != CONNECTION_OK)
		return -1;
	return PQsocket(db->conn);
}

void
db_idle_input(struct db *db)
{
	PGnotify	*n;

	if (db == NULL || db->conn == NULL)
		return;
	if (PQconsumeInput(db->conn) == 0 ||
	    PQstatus(db->conn) != CONNECTION_OK) {
		log_warnx("db: connection closed while idle: %s",
		    PQerrorMessage(db->conn));
		db->prepared = 0;
		return;
	}
	for (n = PQnotifies(db->conn); n != NULL; n = PQnotifies(db->conn))
		PQfreemem(n);
}

int
db_run(struct db *db, const char *name, int nparams,
    const char *const *params, ExecStatusType want, PGresult **out)
{
	PGresult	*res;

	if (out != NULL)
		*out = NULL;
	res = db_exec(db, name, nparams, params);
	if (res == NULL)
		return -1;
	if (PQresultStatus(res) != want) {
		log_warnx("db: %s: %s", name, PQresultErrorMessage(res));
		PQclear(res);
		return -1;
	}
	if (out != NULL)
		*out = res;
	else
		PQclear(res);
	return 0;
}

/* The next result of a pipeline and the NULL after it; NULL if lost. */
static PGresult *
pipeline_result(PGconn *conn)
{
	PGresult	*res, *end;

	res = PQgetResult(conn);
	if (res == NULL)
		return NULL;
	end = PQgetResult(conn);
	if (end != NULL) {
		PQclear(end);
		PQclear(res);
		return NULL;
	}
	return res;
}

int
db_run_pair(struct db *db, const struct db_call *c1,
    const struct db_call *c2, ExecStatusType want, PGresult **out1,
    PGresult **out2)
{
	PGresult	*r1 = NULL, *r2 = NULL, *sync = NULL;
	int		 rc = -1;

	*out1 = *out2 = NULL;
	if (db_connect(db) == -1)
		return -1;
	if (PQenterPipelineMode(db->conn) != 1)
		return -1;
	if (PQsendQueryPrepared(db->conn, c1->name, c1->nparams,
	    c1->params, NULL, NULL, 0) == 1 &&
	    PQsendQueryPrepared(db->conn, c2->name, c2->nparams,
	    c2->params, NULL, NULL, 0) == 1 &&
	    PQpipelineSync(db->conn) == 1) {
		r1 = pipeline_result(db->conn);
		r2 = r1 == NULL ? NULL : pipeline_result(db->conn);
		sync = r2 == NULL ? NULL : PQgetResult(db->conn);
	}
	if (sync == NULL || PQresultStatus(sync) != PGRES_PIPELINE_SYNC ||
	    PQexitPipelineMode(db->conn) != 1) {
		log_warnx("db: %s, %s: connection lost: %s", c1->name,
		    c2->name, PQerrorMessage(db->conn));
		db->prepared = 0;
		goto fail;
	}
	if (PQresultStatus(r1) != want || PQresultStatus(r2) != want) {
		log_warnx("db: %s, %s: %s", c1->name, c2->name,
		    PQresultStatus(r1) != want ? PQresultErrorMessage(r1) :
		    PQresultErrorMessage(r2));
		goto fail;
	}
	*out1 = r1;
	*out2 = r2;
	r1 = r2 = NULL;
	rc = 0;
fail:
	PQclear(sync);
	PQclear(r1);
	PQclear(r2);
	return rc;
}

int
db_command(struct db *db, const char *sql)
{
	PGresult	*res;
	int		 rc;

	if (db_connect(db) == -1)
		return -1;
	res = PQexec(db->conn, sql);
	rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
	if (rc == -1) {
		log_warnx("db: %s: %s", sql, PQerrorMessage(db->conn));
		if (PQstatus(db->conn) != CONNECTION_OK)
			db->prepared = 0;
	}
	PQclear(res);
	return rc;
}

const char *
db_error(struct db *db)
{
	return db->conn ? PQerrorMessage(db->conn) : "no connection";
}

PGconn *
db_conn(struct db *db)
{
	return db->conn;
}

int64_t
db_get_i64(const PGresult *res, int r, int c)
{
	const char	*s;
	char		*end;
	long long	 v;

	if (PQgetisnull(res, r, c))
		return 0;
	s = PQgetvalue(res, r, c);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s)
		return 0;
	return v;
}

const char *
db_get_str(const PGresult *res, int r, int c)
{
	if (PQgetisnull(res, r, c))
		return NULL;
	return PQgetvalue(res, r, c);
}
