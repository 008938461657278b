/*
 * Tests for lib/jsonv.c: the strict JSON syntax and UTF-8 checks that
 * run before json-c sees a request body.
 */
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <json-c/json.h>

#include "jsonv.h"

static int
ok(const char *s)
{
	return jsonv_check(s, strlen(s), 16);
}

static void
test_valid(void)
{
	const char *good[] = {
		"{}", "[]", "0", "-0", "1.5e-3", "\"x\"", "true", "null",
		" { \"a\" : [1, 2, {\"b\": null}], \"c\": \"\\u00e9\\n\" } ",
		"{\"k\": \"Примерка\"}", "{\"e\": \"\\ud83d\\ude00\"}",
		"[1E+2, -3.25, 0.0]", "\"\xf0\x9f\x98\x80\"",
	};
	size_t	 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CU_ASSERT_TRUE(ok(good[i]));
}

static void
test_invalid(void)
{
	const char *bad[] = {
		"", " ", "{", "}", "[1,]", "{\"a\":1,}", "{'a': 1}",
		"{\"a\": NaN}", "[Infinity]", "[-Infinity]", "[1.]", "[.5]",
		"[01]", "[+1]", "[1e]", "\"a\tb\"", "\"a\nb\"", "\"\\x41\"",
		"\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
		"{} {}", "{}x", "[tru]", "nul", "{\"a\" 1}", "{1: 2}",
		"\"\xc0\xae\"", "\"\xe0\x80\xaf\"", "\"\xed\xa0\x80\"",
		"\"\xf4\x90\x80\x80\"", "\"\xf5\x80\x80\x80\"", "\"\xc3\"",
		"\"unterminated",
	};
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ok(bad[i]))
			fprintf(stderr, "accepted: %s\n", bad[i]);
		CU_ASSERT_FALSE(ok(bad[i]));
	}
	/* A NUL byte inside is not JSON either. */
	CU_ASSERT_FALSE(jsonv_check("\"a\0b\"", 5, 16));
}

static void
test_depth(void)
{
	char	 deep[64];
	int	 i;

	for (i = 0; i < 16; i++)
		deep[i] = '[';
	for (i = 16; i < 32; i++)
		deep[i] = ']';
	CU_ASSERT_TRUE(jsonv_check(deep, 32, 16));
	CU_ASSERT_FALSE(jsonv_check(deep, 32, 15));
	CU_ASSERT_FALSE(jsonv_check(deep, 31, 16));
}

static void
test_utf8(void)
{
	CU_ASSERT_TRUE(jsonv_utf8("abc", 3));
	CU_ASSERT_TRUE(jsonv_utf8("Grüße", strlen("Grüße")));
	CU_ASSERT_FALSE(jsonv_utf8("\xc0\xae", 2));
	CU_ASSERT_FALSE(jsonv_utf8("\xed\xa0\x80", 3));
	CU_ASSERT_FALSE(jsonv_utf8("a\xff", 2));
	CU_ASSERT_FALSE(jsonv_utf8("\xe2\x82", 2));
}

/* jsonv_parse_object: one object, strict, nothing after it. */
static void
test_parse_object(void)
{
	static const char *const bad[] = {
		"[1]", "\"s\"", "1", "{\"a\":1} x", "{\"a\":1}{}", "{\"a\":",
		"{\"a\":\"\xff\"}", "",
		/* json-c's strict mode alone takes these. */
		"{'a':1}", "{\"a\":'b'}", "{\"a\":NaN}", "{\"a\":-Infinity}",
		"{\"a\":\"\x01\"}", "{\"a\":\"\\ud800\"}",
		"{\"a\":\"\xc0\xaf\"}", NULL
	};
	struct json_object	*o, *v;
	size_t			 i;

	o = jsonv_parse_object("{\"a\":[1,{\"b\":true}]}", 20, 8);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT(json_object_object_get_ex(o, "a", &v));
	CU_ASSERT_EQUAL(json_object_array_length(v), 2);
	json_object_put(o);
	for (i = 0; bad[i] != NULL; i++)
		CU_ASSERT_PTR_NULL(jsonv_parse_object(bad[i], strlen(bad[i]), 8));
	/* Depth: three levels pass at 3, not at 2. */
	o = jsonv_parse_object("{\"a\":{\"b\":{}}}", 14, 3);
	CU_ASSERT_PTR_NOT_NULL(o);
	json_object_put(o);
	CU_ASSERT_PTR_NULL(jsonv_parse_object("{\"a\":{\"b\":{}}}", 14, 2));
	CU_ASSERT_PTR_NULL(jsonv_parse_object(NULL, 0, 8));
}

int
main(void)
{
	CU_pSuite	 s;
	unsigned	 failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("jsonv", NULL, NULL);
	CU_add_test(s, "valid JSON", test_valid);
	CU_add_test(s, "invalid JSON", test_invalid);
	CU_add_test(s, "depth limit", test_depth);
	CU_add_test(s, "UTF-8", test_utf8);
	CU_add_test(s, "parse an object", test_parse_object);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
