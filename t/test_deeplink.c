/*
 * Unit tests for lib/deeplink.c.
 */
#include <string.h>

#include <CUnit/Basic.h>

#include "deeplink.h"

static void
test_parse(void)
{
	struct deeplink	 d;

	CU_ASSERT_EQUAL(deeplink_parse("o12-s3-r0123456789abcdef", &d), 0);
	CU_ASSERT_EQUAL(d.outfit_id, 12);
	CU_ASSERT_EQUAL(d.shop_id, 3);
	CU_ASSERT_STRING_EQUAL(d.code, "0123456789abcdef");
	CU_ASSERT_EQUAL(d.tryon_id, 0);
	CU_ASSERT_EQUAL(deeplink_parse("t17", &d), 0);
	CU_ASSERT_EQUAL(d.tryon_id, 17);
	CU_ASSERT_EQUAL(deeplink_parse("a5", &d), 0);
	CU_ASSERT_EQUAL(d.animation_id, 5);
	/* Empty links, and a newer app's parts, are fine. */
	CU_ASSERT_EQUAL(deeplink_parse("", &d), 0);
	CU_ASSERT_EQUAL(deeplink_parse(NULL, &d), 0);
	CU_ASSERT_EQUAL(deeplink_parse("o1-xfuture_part", &d), 0);
	CU_ASSERT_EQUAL(d.outfit_id, 1);
}

static void
test_parse_bad(void)
{
	static const char *const bad[] = {
		"o", "o0", "o01", "oX", "o1-o2", "o1--s2", "-o1", "o1-",
		"r0123", "r0123456789ABCDEF", "r0123456789abcdeg",
		"r0123456789abcdef-r0123456789abcdef", "o1 s2", "o1.s2",
		"o1234567890123456", "o1%20", NULL
	};
	struct deeplink	 d;
	char		 longp[600];
	size_t		 i;

	for (i = 0; bad[i] != NULL; i++) {
		CU_ASSERT_EQUAL(deeplink_parse(bad[i], &d), -1);
		CU_ASSERT_EQUAL(d.outfit_id, 0);
		CU_ASSERT_EQUAL(d.code[0], '\0');
	}
	memset(longp, 'x', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	CU_ASSERT_EQUAL(deeplink_parse(longp, &d), -1);
}

static void
test_format(void)
{
	struct deeplink	 d, e;
	char		 out[DEEPLINK_MAX + 1], small[6];

	memset(&d, 0, sizeof(d));
	d.outfit_id = 12;
	d.shop_id = 3;
	memcpy(d.code, "0123456789abcdef", DEEPLINK_CODE_LEN + 1);
	CU_ASSERT_EQUAL(deeplink_format(&d, out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "o12-s3-r0123456789abcdef");
	CU_ASSERT_EQUAL(deeplink_parse(out, &e), 0);
	CU_ASSERT_EQUAL(memcmp(&d, &e, sizeof(d)), 0);
	CU_ASSERT_EQUAL(deeplink_format(&d, small, sizeof(small)), -1);
	memset(&d, 0, sizeof(d));
	d.tryon_id = 9;
	CU_ASSERT_EQUAL(deeplink_format(&d, out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "t9");
}

int
main(void)
{
	CU_pSuite	 s;
	unsigned int	 failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("deeplink", NULL, NULL);
	if (s == NULL ||
	    CU_add_test(s, "parse", test_parse) == NULL ||
	    CU_add_test(s, "malformed links", test_parse_bad) == NULL ||
	    CU_add_test(s, "format", test_format) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
