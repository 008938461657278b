/*
 * Tests for fcgi/auth_cache.c: a header that passed the initData check
 * is the same user again, judged fresh anew at each use; any other bytes
 * are checked in full.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "api.h"

#define TOKEN	"123456789:AAtest-token_for-primerka"
#define DATE	1000000
#define MAX_AGE	60

static struct app	 app;
static struct api_state	*state;
static struct req	 r;

static int
setup(void)
{
	const char	*err = NULL;

	if (auth_config_init(&app.auth, TOKEN, MAX_AGE, 0, NULL, 0,
	    &err) != 0)
		return -1;
	state = calloc(1, sizeof(*state));
	if (state == NULL)
		return -1;
	r.app = &app;
	r.state = state;
	return 0;
}

static int
teardown(void)
{
	size_t	 i;

	for (i = 0; i < API_AUTH_SLOTS; i++)
		free(state->authed[i].header);
	free(state);
	auth_config_clear(&app.auth);
	return 0;
}

/* "tma <initData>" for user id, signed with TOKEN at DATE. */
static void
header(int64_t id, char *out, size_t len)
{
	char	 init[1024];

	CU_ASSERT_FATAL(auth_sign_initdata(TOKEN, id, "Ann", "ru", DATE, init,
	    sizeof(init)) == 0);
	snprintf(out, len, "tma %s", init);
}

/* The entries that hold a header. */
static int
held(void)
{
	int	 i, n = 0;

	for (i = 0; i < API_AUTH_SLOTS; i++)
		n += state->authed[i].header != NULL;
	return n;
}

static void
test_fresh(void)
{
	CU_ASSERT_EQUAL(auth_fresh(&app.auth, DATE, DATE), AUTH_OK);
	CU_ASSERT_EQUAL(auth_fresh(&app.auth, DATE, DATE + MAX_AGE), AUTH_OK);
	CU_ASSERT_EQUAL(auth_fresh(&app.auth, DATE, DATE + MAX_AGE + 1),
	    AUTH_EXPIRED);
	CU_ASSERT_EQUAL(auth_fresh(&app.auth, DATE, DATE - AUTH_CLOCK_SKEW),
	    AUTH_OK);
	CU_ASSERT_EQUAL(auth_fresh(&app.auth, DATE,
	    DATE - AUTH_CLOCK_SKEW - 1), AUTH_EXPIRED);
	CU_ASSERT_EQUAL(auth_fresh(&app.auth, INT64_MIN, DATE), AUTH_EXPIRED);
}

static void
test_cache(void)
{
	char			 h[1200], other[1300];
	struct auth_user	 u;
	size_t			 i;

	header(42, h, sizeof(h));
	CU_ASSERT_EQUAL(api_auth_header(&r, h, DATE + 1), AUTH_OK);
	CU_ASSERT_EQUAL(r.user.id, 42);
	CU_ASSERT_STRING_EQUAL(r.user.first_name, "Ann");
	CU_ASSERT_EQUAL(held(), 1);
	u = r.user;

	/* The same bytes: the user kept, not checked again (a mark put
	 * in the entry comes back). */
	for (i = 0; i < API_AUTH_SLOTS; i++)
		if (state->authed[i].header != NULL)
			snprintf(state->authed[i].user.username,
			    sizeof(state->authed[i].user.username), "marked");
	memset(&r.user, 0, sizeof(r.user));
	CU_ASSERT_EQUAL(api_auth_header(&r, h, DATE + MAX_AGE), AUTH_OK);
	CU_ASSERT_EQUAL(r.user.id, 42);
	CU_ASSERT_STRING_EQUAL(r.user.username, "marked");
	CU_ASSERT_EQUAL(r.user.auth_date, u.auth_date);

	/* Freshness is judged at each use, as the full check would. */
	CU_ASSERT_EQUAL(api_auth_header(&r, h, DATE + MAX_AGE + 1),
	    AUTH_EXPIRED);
	CU_ASSERT_EQUAL(r.user.id, 0);
	CU_ASSERT_EQUAL(auth_check_header(&app.auth, h, DATE + MAX_AGE + 1,
	    &u), AUTH_EXPIRED);
	CU_ASSERT_EQUAL(api_auth_header(&r, h, DATE - AUTH_CLOCK_SKEW - 1),
	    AUTH_EXPIRED);

	/* One byte changed (the hash's last digit): checked in full. */
	snprintf(other, sizeof(other), "%s", h);
	other[strlen(other) - 1] = other[strlen(other) - 1] == '0' ? '1' : '0';
	CU_ASSERT_EQUAL(api_auth_header(&r, other, DATE + 1), AUTH_BAD_HASH);
	CU_ASSERT_EQUAL(r.user.id, 0);
	CU_ASSERT_EQUAL(held(), 1);
	/* A longer header with the same start: checked in full too. */
	snprintf(other, sizeof(other), "%s&x=1", h);
	CU_ASSERT_EQUAL(api_auth_header(&r, other, DATE + 1), AUTH_BAD_HASH);
	CU_ASSERT_EQUAL(held(), 1);

	/* Another user's header is kept beside the first. */
	header(43, other, sizeof(other));
	CU_ASSERT_EQUAL(api_auth_header(&r, other, DATE + 1), AUTH_OK);
	CU_ASSERT_EQUAL(r.user.id, 43);
	CU_ASSERT_EQUAL(api_auth_header(&r, h, DATE + 1), AUTH_OK);
	CU_ASSERT_EQUAL(r.user.id, 42);
}

int
main(void)
{
	CU_pSuite	 s;
	unsigned int	 failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("auth_cache", setup, teardown);
	if (s == NULL ||
	    CU_add_test(s, "auth_fresh", test_fresh) == NULL ||
	    CU_add_test(s, "the header remembered", test_cache) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
