/*
 * Tests for lib/config.c: INI parsing, environment overrides, typed reads.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "app.h"
#include "config.h"

static void
test_parse_basic(void)
{
	const char	*text = "# comment\n[s3]\nendpoint = http://x:1\n"
	    "; another\n[telegram]\n  bot_token=abc:def  \nname = \"a b \"\n"
	    "[auth]\nmax_age = 86400 ; seconds\nurl = a#b  # a comment\n"
	    "q = \"x ; y\"\n";
	char		 err[128];
	struct config	*c;

	c = config_parse(text, strlen(text), err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(config_get(c, "s3", "endpoint", NULL),
	    "http://x:1");
	CU_ASSERT_STRING_EQUAL(config_get(c, "telegram", "bot_token", NULL),
	    "abc:def");
	CU_ASSERT_STRING_EQUAL(config_get(c, "telegram", "name", NULL), "a b ");
	CU_ASSERT_PTR_NULL(config_get(c, "s3", "missing", NULL));
	CU_ASSERT_STRING_EQUAL(config_get(c, "auth", "max_age", NULL), "86400");
	CU_ASSERT_STRING_EQUAL(config_get(c, "auth", "url", NULL), "a#b");
	CU_ASSERT_STRING_EQUAL(config_get(c, "auth", "q", NULL), "x ; y");
	CU_ASSERT_STRING_EQUAL(config_get(c, "s3", "missing", "d"), "d");
	config_free(c);
}

static void
test_parse_errors(void)
{
	const char	*bad[] = { "key = v\n", "[s3\nk=v\n", "[s3]\nnovalue\n",
	    "[s 3]\nk=v\n", "[s3]\nk y = v\n" };
	char		 err[128];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CU_ASSERT_PTR_NULL(config_parse(bad[i], strlen(bad[i]), err,
		    sizeof(err)));
		CU_ASSERT(strstr(err, "line") != NULL);
	}
	CU_ASSERT_PTR_NULL(config_parse("[a]\nk=v\0x", 10, err, sizeof(err)));
}

static void
test_env_override(void)
{
	const char	*text = "[telegram]\nbot_token = file\n[auth]\nmax_age=5\n";
	char		 err[128], name[64];
	struct config	*c;
	int64_t		 v;
	int		 b;

	c = config_parse(text, strlen(text), err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(config_env_name("telegram", "bot_token", name,
	    sizeof(name)), 0);
	CU_ASSERT_STRING_EQUAL(name, "PRIMERKA_TELEGRAM_BOT_TOKEN");
	CU_ASSERT_EQUAL(config_env_name("s3", "bucket-prefix", name,
	    sizeof(name)), 0);
	CU_ASSERT_STRING_EQUAL(name, "PRIMERKA_S3_BUCKET_PREFIX");
	setenv("PRIMERKA_TELEGRAM_BOT_TOKEN", "env", 1);
	CU_ASSERT_STRING_EQUAL(config_get(c, "telegram", "bot_token", NULL),
	    "env");
	unsetenv("PRIMERKA_TELEGRAM_BOT_TOKEN");
	CU_ASSERT_STRING_EQUAL(config_get(c, "telegram", "bot_token", NULL),
	    "file");

	CU_ASSERT_EQUAL(config_get_int(c, "auth", "max_age", 9, 0, 100, &v), 0);
	CU_ASSERT_EQUAL(v, 5);
	setenv("PRIMERKA_AUTH_MAX_AGE", "0", 1);
	CU_ASSERT_EQUAL(config_get_int(c, "auth", "max_age", 9, 0, 100, &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	setenv("PRIMERKA_AUTH_MAX_AGE", "12x", 1);
	CU_ASSERT_EQUAL(config_get_int(c, "auth", "max_age", 9, 0, 100, &v), -1);
	CU_ASSERT_EQUAL(v, 9);
	setenv("PRIMERKA_AUTH_MAX_AGE", "101", 1);
	CU_ASSERT_EQUAL(config_get_int(c, "auth", "max_age", 9, 0, 100, &v), -1);
	unsetenv("PRIMERKA_AUTH_MAX_AGE");
	CU_ASSERT_EQUAL(config_get_int(c, "auth", "none", 7, 0, 100, &v), 0);
	CU_ASSERT_EQUAL(v, 7);

	setenv("PRIMERKA_S3_PATH_STYLE", "no", 1);
	CU_ASSERT_EQUAL(config_get_bool(c, "s3", "path_style", 1, &b), 0);
	CU_ASSERT_EQUAL(b, 0);
	setenv("PRIMERKA_S3_PATH_STYLE", "maybe", 1);
	CU_ASSERT_EQUAL(config_get_bool(c, "s3", "path_style", 1, &b), -1);
	unsetenv("PRIMERKA_S3_PATH_STYLE");
	config_free(c);
}

static void
test_packs(void)
{
	struct app_pack	 p[APP_MAX_PACKS];
	int		 n = -1;

	CU_ASSERT_EQUAL(app_parse_packs("", p, &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(app_parse_packs("  ", p, &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(app_parse_packs("100:50, 300 : 135,1000:400", p, &n),
	    0);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_EQUAL(p[0].tokens, 100);
	CU_ASSERT_EQUAL(p[0].stars, 50);
	CU_ASSERT_EQUAL(p[1].tokens, 300);
	CU_ASSERT_EQUAL(p[1].stars, 135);
	CU_ASSERT_EQUAL(p[2].tokens, 1000);
	CU_ASSERT_EQUAL(p[2].stars, 400);
	CU_ASSERT_EQUAL(app_parse_packs("1000000000:1", p, &n), 0);
	CU_ASSERT_EQUAL(n, 1);
	/* Malformed: each leaves no packs. */
	CU_ASSERT_EQUAL(app_parse_packs("100", p, &n), -1);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(app_parse_packs("100:", p, &n), -1);
	CU_ASSERT_EQUAL(app_parse_packs(":5", p, &n), -1);
	CU_ASSERT_EQUAL(app_parse_packs("0:5", p, &n), -1);
	CU_ASSERT_EQUAL(app_parse_packs("5:0", p, &n), -1);
	CU_ASSERT_EQUAL(app_parse_packs("-5:10", p, &n), -1);
	CU_ASSERT_EQUAL(app_parse_packs("1000000001:1", p, &n), -1);
	CU_ASSERT_EQUAL(app_parse_packs("99999999999999999999:1", p, &n), -1);
	CU_ASSERT_EQUAL(app_parse_packs("10:5;20:8", p, &n), -1);
	CU_ASSERT_EQUAL(app_parse_packs("10:5,,20:8", p, &n), -1);
	CU_ASSERT_EQUAL(app_parse_packs("1:1,2:2,3:3,4:4,5:5,6:6,7:7,8:8,9:9",
	    p, &n), -1);
	CU_ASSERT_EQUAL(n, 0);
}

/* Write text to dir/name; returns the path in a static buffer. */
static const char *
write_file(const char *dir, const char *name, const char *text)
{
	static char	 path[512];
	FILE		*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void
test_secret_files(void)
{
	char		 dir[] = "/tmp/primerka-cfg-XXXXXX", conf[600];
	char		 creds[600], text[1024], err[256];
	struct config	*c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(creds, sizeof(creds), "%s/creds", dir);
	CU_ASSERT_FATAL(mkdir(creds, 0700) == 0);
	write_file(dir, "token", "123:abc\n\n");
	write_file(creds, "primerka_s3.secret_key", "s3cret\n");
	write_file(creds, "db", "pw\n");
	write_file(creds, "unrelated", "x");
	snprintf(text, sizeof(text), "[telegram]\nbot_token_file = %s/token\n"
	    "[s3]\nsecret_key = in-the-file\n[database]\npassword_file = db\n",
	    dir);
	snprintf(conf, sizeof(conf), "%s", write_file(dir, "a.conf", text));

	/* Absolute key_file; credentials win over the file's own value. */
	setenv("CREDENTIALS_DIRECTORY", creds, 1);
	c = config_load(conf, 0, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(config_get(c, "telegram", "bot_token", ""),
	    "123:abc");
	CU_ASSERT_STRING_EQUAL(config_get(c, "s3", "secret_key", ""), "s3cret");
	CU_ASSERT_STRING_EQUAL(config_get(c, "database", "password", ""), "pw");
	config_free(c);

	/* Without the directory the relative file is not found: the error
	 * names the key. */
	unsetenv("CREDENTIALS_DIRECTORY");
	err[0] = '\0';
	CU_ASSERT_PTR_NULL(config_load(conf, 0, err, sizeof(err)));
	CU_ASSERT(strstr(err, "database.password") != NULL);

	/* Both key and key_file: refused, by name. */
	snprintf(text, sizeof(text), "[telegram]\nbot_token = x\n"
	    "bot_token_file = %s/token\n", dir);
	snprintf(conf, sizeof(conf), "%s", write_file(dir, "b.conf", text));
	err[0] = '\0';
	CU_ASSERT_PTR_NULL(config_load(conf, 0, err, sizeof(err)));
	CU_ASSERT(strstr(err, "telegram.bot_token") != NULL);

	snprintf(text, sizeof(text), "rm -rf '%s'", dir);
	CU_ASSERT(system(text) == 0);
}

static void
test_load_missing(void)
{
	char		 err[128];
	struct config	*c;

	c = config_load("/nonexistent/primerka.conf", 1, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL(c);
	config_free(c);
	CU_ASSERT_PTR_NULL(config_load("/nonexistent/primerka.conf", 0, err,
	    sizeof(err)));
}

int
main(void)
{
	CU_pSuite	 s;
	unsigned	 failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("config", NULL, NULL);
	CU_add_test(s, "parse", test_parse_basic);
	CU_add_test(s, "parse errors", test_parse_errors);
	CU_add_test(s, "environment overrides", test_env_override);
	CU_add_test(s, "missing file", test_load_missing);
	CU_add_test(s, "secrets from files and credentials", test_secret_files);
	CU_add_test(s, "payment packs", test_packs);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
