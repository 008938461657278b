/*
 * Tests for lib/jobs.c (the status dictionary, transitions, error codes)
 * and lib/queue.c's backoff; and that the SQL enum in db/001_init.sql
 * spells the same statuses in the same order.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "jobs.h"
#include "queue.h"

static void
test_names(void)
{
	int	 i;

	for (i = 0; i < JOB_STATUS__MAX; i++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(job_status_name((enum job_status)i));
		CU_ASSERT_EQUAL(job_status_parse(job_status_name(
		    (enum job_status)i)), i);
		CU_ASSERT(strlen(job_status_text((enum job_status)i,
		    JOB_KIND_TRYON, LANG_RU)) > 0);
		CU_ASSERT(strlen(job_status_text((enum job_status)i,
		    JOB_KIND_ANIMATION, LANG_EN)) > 0);
	}
	CU_ASSERT_EQUAL(job_status_parse("running"), -1);
	CU_ASSERT_EQUAL(job_status_parse(NULL), -1);
	CU_ASSERT_PTR_NULL(job_status_name(JOB_STATUS__MAX));
	CU_ASSERT_STRING_EQUAL(job_status_text(JOB_COMPLETED, JOB_KIND_TRYON,
	    LANG_RU), "Готово");
	CU_ASSERT_STRING_EQUAL(job_status_text(JOB_COMPLETED, JOB_KIND_TRYON,
	    LANG_EN), "Done");
	CU_ASSERT_EQUAL(job_kind_parse("animation"), JOB_KIND_ANIMATION);
	CU_ASSERT_EQUAL(job_kind_parse("video"), -1);
	CU_ASSERT_EQUAL(lang_parse("ru"), LANG_RU);
	CU_ASSERT_EQUAL(lang_parse("ru-RU"), LANG_RU);
	CU_ASSERT_EQUAL(lang_parse("rus"), LANG_EN);
	CU_ASSERT_EQUAL(lang_parse(NULL), LANG_EN);
}

static void
test_terminal(void)
{
	CU_ASSERT_TRUE(job_status_terminal(JOB_FAILED));
	CU_ASSERT_FALSE(job_status_terminal(JOB_QUEUED));
}

static void
test_errors(void)
{
	const struct job_error_info	*e;
	int				 n = 0;

	for (e = job_errors; e < job_errors + JOB_ERR__MAX; e++, n++) {
		CU_ASSERT(strlen(e->message[LANG_EN]) > 10);
		CU_ASSERT(strlen(e->message[LANG_RU]) > 10);
		CU_ASSERT_PTR_EQUAL(job_error_lookup(e->name), e);
	}
	CU_ASSERT(n >= 10);
	CU_ASSERT_STRING_EQUAL(job_error_lookup("no-such-code")->name,
	    "internal");
	CU_ASSERT_FALSE(job_error_lookup("cancelled")->retryable);
	CU_ASSERT_TRUE(job_error_lookup("storage_error")->retryable);
}

static void
test_backoff(void)
{
	CU_ASSERT_EQUAL(queue_backoff(1, 2, 300, 0), 2);
	CU_ASSERT_EQUAL(queue_backoff(2, 2, 300, 0), 4);
	CU_ASSERT_EQUAL(queue_backoff(4, 2, 300, 0), 16);
	CU_ASSERT_EQUAL(queue_backoff(30, 2, 300, 0), 300);
	CU_ASSERT_EQUAL(queue_backoff(3, 2, 300, 1), 10);
	CU_ASSERT(queue_backoff(3, 2, 300, 0.5) > 8);
}

/* A whole file, NUL-terminated; NULL when unreadable. */
static char *
slurp_abs(const char *path)
{
	char		*buf;
	FILE		*f;
	long		 len;

	f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)len + 1);
	if (buf != NULL && fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* A file under srcdir. */
static char *
slurp(const char *rel)
{
	const char	*srcdir = getenv("srcdir");
	char		 path[1024];

	snprintf(path, sizeof(path), "%s/%s", srcdir ? srcdir : ".", rel);
	return slurp_abs(path);
}

/*
 * docs/openapi.yaml's JobErrorCode enum lists the names of the C table,
 * in order, and nothing else.
 */
static void
test_errors_openapi(void)
{
	char	*buf, *p, *nl, name[64];
	int	 i = 0;

	buf = slurp("docs/openapi.yaml");
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	p = strstr(buf, "\n    JobErrorCode:\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	p = strstr(p, "      enum:\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	p = strchr(p, '\n') + 1;
	while (strncmp(p, "        - ", 10) == 0) {
		p += 10;
		nl = strchr(p, '\n');
		CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
		snprintf(name, sizeof(name), "%.*s", (int)(nl - p), p);
		CU_ASSERT_FATAL(i < JOB_ERR__MAX);
		CU_ASSERT_STRING_EQUAL(name, job_error_name((enum job_err)i));
		i++;
		p = nl + 1;
	}
	CU_ASSERT_EQUAL(i, JOB_ERR__MAX);
	free(buf);
}

/* Check every error_code = '...' literal in buf; returns how many. */
static int
sql_codes(const char *file, const char *buf)
{
	const char	*p, *q;
	char		 name[64];
	int		 n = 0;

	for (p = strstr(buf, "error_code = '"); p != NULL;
	    p = strstr(q, "error_code = '")) {
		p += strlen("error_code = '");
		q = strchr(p, '\'');
		CU_ASSERT_PTR_NOT_NULL_FATAL(q);
		snprintf(name, sizeof(name), "%.*s", (int)(q - p), p);
		if (job_error_parse(name) < 0)
			fprintf(stderr, "%s: unknown error code '%s'\n", file,
			    name);
		CU_ASSERT(job_error_parse(name) >= 0);
		n++;
	}
	return n;
}

/*
 * Every error code that SQL writes as a literal (error_code = '...', in
 * the migrations and in the statements of the C sources) is in the table.
 */
static void
test_errors_sql(void)
{
	static const char *const pats[] = {
		"db/*.sql", "lib/*.c", "fcgi/*.c", "batch/*.c", "admin/*.c"
	};
	const char	*srcdir = getenv("srcdir");
	char		 pat[1024], *buf;
	glob_t		 g;
	size_t		 i, j;
	int		 seen = 0;

	for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		snprintf(pat, sizeof(pat), "%s/%s", srcdir ? srcdir : ".",
		    pats[i]);
		CU_ASSERT_FATAL(glob(pat, 0, NULL, &g) == 0);
		for (j = 0; j < g.gl_pathc; j++) {
			buf = slurp_abs(g.gl_pathv[j]);
			CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
			seen += sql_codes(g.gl_pathv[j], buf);
			free(buf);
		}
		globfree(&g);
	}
	CU_ASSERT(seen >= 2);	/* insufficient_tokens, cancelled */
	CU_ASSERT_EQUAL(job_error_parse("no-such-code"), -1);
}

/* The statuses named in the IN (...) list of SQL function fn, as a mask. */
static unsigned
sql_set(const char *sql, const char *fn)
{
	const char	*p, *q, *end;
	char		 want[64];
	unsigned	 mask = 0;
	int		 i;

	snprintf(want, sizeof(want), "CREATE FUNCTION %s(", fn);
	p = strstr(sql, want);
	if (p != NULL)
		p = strstr(p, " IN (");
	end = p != NULL ? strchr(p, ')') : NULL;
	if (end == NULL)
		return 0;
	for (i = 0; i < JOB_STATUS__MAX; i++) {
		snprintf(want, sizeof(want), "'%s'",
		    job_status_name((enum job_status)i));
		q = strstr(p, want);
		if (q != NULL && q < end)
			mask |= 1u << i;
	}
	return mask;
}

/*
 * The status subsets of C (lib/jobs.c) and SQL (db/008_status_sets.sql)
 * are the same sets, and no statement spells the terminal set again.
 */
static void
test_status_sets(void)
{
	static const char *const srcs[] = {
		"lib/queue.c", "fcgi/health.c", "fcgi/jobs_api.c",
		"batch/validating.c", "lib/retention.c"
	};
	char		*sql, *c;
	unsigned	 term = 0, canc = 0;
	size_t		 k;
	int		 i;

	for (i = 0; i < JOB_STATUS__MAX; i++) {
		if (job_status_terminal((enum job_status)i))
			term |= 1u << i;
		if (job_status_cancellable((enum job_status)i))
			canc |= 1u << i;
		CU_ASSERT_EQUAL(job_status_claimable((enum job_status)i),
		    !job_status_terminal((enum job_status)i));
		/* Nothing is both cancellable and finished. */
		CU_ASSERT_FALSE(job_status_terminal((enum job_status)i) &&
		    job_status_cancellable((enum job_status)i));
	}
	CU_ASSERT_EQUAL(term, (1u << JOB_COMPLETED) | (1u << JOB_FAILED));
	CU_ASSERT_TRUE(job_status_cancellable(JOB_QUEUED));
	CU_ASSERT_FALSE(job_status_cancellable(JOB_RUNNING));
	sql = slurp("db/008_status_sets.sql");
	CU_ASSERT_PTR_NOT_NULL_FATAL(sql);
	CU_ASSERT_EQUAL(sql_set(sql, "job_status_terminal"), term);
	CU_ASSERT_EQUAL(sql_set(sql, "job_status_cancellable"), canc);
	CU_ASSERT_PTR_NOT_NULL(strstr(sql, "NOT job_status_terminal(s)"));
	free(sql);
	for (k = 0; k < sizeof(srcs) / sizeof(srcs[0]); k++) {
		c = slurp(srcs[k]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(c);
		if (strstr(c, "'COMPLETED', 'FAILED'") != NULL)
			fprintf(stderr, "%s spells the terminal set\n",
			    srcs[k]);
		CU_ASSERT_PTR_NULL(strstr(c, "'COMPLETED', 'FAILED'"));
		CU_ASSERT_PTR_NULL(strstr(c, "\"COMPLETED\") "));
		free(c);
	}
}

/* The SQL enum lists the statuses of the C table, in order. */
static void
test_sql_enum(void)
{
	const char	*srcdir = getenv("srcdir");
	char		 path[1024], *buf, *p, *end, want[64];
	FILE		*f;
	long		 len;
	int		 i;

	snprintf(path, sizeof(path), "%s/db/001_init.sql",
	    srcdir ? srcdir : ".");
	f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)len + 1);
	CU_ASSERT_FATAL(fread(buf, 1, (size_t)len, f) == (size_t)len);
	fclose(f);
	p = strstr(buf, "CREATE TYPE job_status AS ENUM (");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	end = strchr(p, ')');
	CU_ASSERT_PTR_NOT_NULL_FATAL(end);
	*end = '\0';
	for (i = 0; i < JOB_STATUS__MAX; i++) {
		snprintf(want, sizeof(want), "'%s'",
		    job_status_name((enum job_status)i));
		p = strstr(p, want);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		p += strlen(want);
	}
	CU_ASSERT_PTR_NULL(strchr(p, '\''));	/* nothing more */
	free(buf);
}

int
main(void)
{
	CU_pSuite	 s;
	unsigned	 failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("jobs", NULL, NULL);
	CU_add_test(s, "names and texts", test_names);
	CU_add_test(s, "terminal statuses", test_terminal);
	CU_add_test(s, "error codes", test_errors);
	CU_add_test(s, "backoff", test_backoff);
	CU_add_test(s, "SQL enum matches", test_sql_enum);
	CU_add_test(s, "error codes match openapi.yaml", test_errors_openapi);
	CU_add_test(s, "error codes written by SQL", test_errors_sql);
	CU_add_test(s, "status subsets in C and SQL", test_status_sets);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
