/*
 * One PostgreSQL connection with named prepared statements.
 *
 * Each module that talks SQL keeps its statements in one table of
 * struct db_stmt (name, SQL, parameter count); the binary hands the
 * tables it needs to db_open(), which prepares them on every (re)connect.
 * SQL is only ever parameterised, never built from user data.
 */
#ifndef PRIMERKA_DB_H
#define PRIMERKA_DB_H

#include <stdint.h>
#include <libpq-fe.h>

struct db_stmt {
	const char	*name;
	const char	*sql;
	int		 nparams;
};

struct db;

/*
 * Connect with conninfo and prepare every statement of every table in
 * the NULL-terminated list.  A failed connection is not fatal: the
 * handle is returned and db_exec() retries the connection later.
 * Returns NULL only when out of memory.
 */
struct db	*db_open(const char *conninfo,
		    const struct db_stmt *const *tables);
void		 db_close(struct db *);

/* Whether the connection is up (connecting if it is not). */
int		 db_ready(struct db *);

/*
 * Execute a prepared statement.  Reconnects (and re-prepares) first if
 * the connection was lost.  Returns the result (caller PQclear()s), or
 * NULL if the database is unreachable.  A result whose status is an
 * error is returned as is, for the caller to inspect the SQLSTATE.
 */
PGresult	*db_exec(struct db *, const char *name, int nparams,
		    const char *const *params);

/* Like db_exec() but returns 0 when the result has status want, else -1
 * (and clears the result); *out gets the result on success if out. */
int		 db_run(struct db *, const char *name, int nparams,
		    const char *const *params, ExecStatusType want,
		    PGresult **out);

/* One prepared statement of db_run_pair(): its name and parameters. */
struct db_call {
	const char		 *name;
	int			  nparams;
	const char *const	 *params;
};

/*
 * Two prepared statements in one round trip and one transaction (libpq
 * pipeline mode, one sync after both): the second runs only if the
 * first succeeded, and nothing is committed unless both did.  Returns 0
 * with *out1 and *out2 set (caller PQclear()s) when both results have
 * status want, else -1 with nothing set (nothing committed, or the
 * connection lost and the next call reconnects).
 */
int		 db_run_pair(struct db *, const struct db_call *,
		    const struct db_call *, ExecStatusType want,
		    PGresult **out1, PGresult **out2);

/*
 * The connection's socket while it is up, else -1: an idle process polls
 * it to notice the server closing the connection (a restart) before its
 * next statement, and then calls db_idle_input().
 */
int		 db_socket(struct db *);

/* Read what the server sent while idle; a closed connection is then
 * known to be down, and the next statement reconnects first. */
void		 db_idle_input(struct db *);

/* Plain command without parameters (BEGIN, COMMIT, LISTEN ...). 0/-1. */
int		 db_command(struct db *, const char *sql);

/* Last error message of the connection (for logs). */
const char	*db_error(struct db *);

PGconn		*db_conn(struct db *);

/* Field helpers: NULL-safe reads of row r, column c. */
int64_t		 db_get_i64(const PGresult *, int r, int c);
const char	*db_get_str(const PGresult *, int r, int c); /* NULL if SQL NULL */

#endif /* PRIMERKA_DB_H */
