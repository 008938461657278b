/*
 * Tests for fcgi/errors.c, the API error table: every code it sends is
 * in docs/openapi.yaml's ApiErrorCode, every ApiErrorCode is sent by it
 * or by nginx (nginx/snippets/primerka-api.conf), and the messages it
 * borrows from lib/jobs.c are the job errors' own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "errors.h"
#include "jobs.h"

/* A file under srcdir, NUL-terminated; NULL when unreadable. */
static char *
slurp(const char *rel)
{
	const char	*srcdir = getenv("srcdir");
	char		 path[1024], *buf;
	FILE		*f;
	long		 len;

	snprintf(path, sizeof(path), "%s/%s", srcdir ? srcdir : ".", rel);
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

static void
test_table(void)
{
	int	 i;

	for (i = 0; i < API_ERR__MAX; i++) {
		CU_ASSERT_EQUAL(api_error_parse(api_error_name(i)), i);
		CU_ASSERT(api_error_status(i) >= 400 &&
		    api_error_status(i) <= 599);
		CU_ASSERT(strlen(api_error_message(i, LANG_EN)) > 5);
		CU_ASSERT(strlen(api_error_message(i, LANG_RU)) > 5);
	}
	CU_ASSERT_EQUAL(api_error_parse("no-such-code"), -1);
	CU_ASSERT_EQUAL(api_error_status(API_ERR_NOT_FOUND), 404);
	CU_ASSERT_EQUAL(api_error_status(API_ERR_INSUFFICIENT_TOKENS), 402);
	CU_ASSERT_STRING_EQUAL(api_error_message(API_ERR_INSUFFICIENT_TOKENS,
	    LANG_RU), job_errors[JOB_ERR_INSUFFICIENT_TOKENS].message[LANG_RU]);
	CU_ASSERT_STRING_EQUAL(api_error_message(API_ERR_PHOTO_TOO_SMALL,
	    LANG_EN), job_errors[JOB_ERR_PHOTO_TOO_SMALL].message[LANG_EN]);
}

/* ApiErrorCode in openapi.yaml == the table's names + nginx's own. */
static void
test_openapi(void)
{
	char	*doc, *ngx, *p, *nl, name[64], quoted[80];
	int	 seen[API_ERR__MAX] = { 0 }, i, n = 0, k;

	doc = slurp("docs/openapi.yaml");
	ngx = slurp("nginx/snippets/primerka-api.conf");
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ngx);
	p = strstr(doc, "\n    ApiErrorCode:\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	p = strstr(p, "      enum:\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	p = strchr(p, '\n') + 1;
	while (strncmp(p, "        - ", 10) == 0) {
		p += 10;
		nl = strchr(p, '\n');
		CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
		snprintf(name, sizeof(name), "%.*s", (int)(nl - p), p);
		k = api_error_parse(name);
		if (k >= 0)
			seen[k] = 1;
		else {
			snprintf(quoted, sizeof(quoted), "\"code\":\"%s\"",
			    name);
			if (strstr(ngx, quoted) == NULL)
				fprintf(stderr, "ApiErrorCode %s: sent by "
				    "nobody\n", name);
			CU_ASSERT_PTR_NOT_NULL(strstr(ngx, quoted));
		}
		n++;
		p = nl + 1;
	}
	CU_ASSERT(n >= API_ERR__MAX);
	for (i = 0; i < API_ERR__MAX; i++) {
		if (!seen[i])
			fprintf(stderr, "%s: not in ApiErrorCode\n",
			    api_error_name(i));
		CU_ASSERT(seen[i]);
	}
	free(doc);
	free(ngx);
}

int
main(void)
{
	CU_pSuite	 s;
	unsigned	 failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("api errors", NULL, NULL);
	CU_add_test(s, "table", test_table);
	CU_add_test(s, "against openapi.yaml and nginx", test_openapi);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
