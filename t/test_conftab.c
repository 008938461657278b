/*
 * Tests for lib/conftab.c: the table is whole and consistent, its
 * defaults are values it accepts, the readers and loaders use it, check
 * -config judges by it, and primerka.conf(5) and the example
 * configuration name exactly its keys.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "app.h"
#include "confcheck.h"
#include "config.h"
#include "conftab.h"
#include "providers/remote.h"
#include "qc.h"

#define MAXKEYS	(CONF__MAX + 64)

static const char *
srcdir(void)
{
	const char	*s = getenv("srcdir");

	return s != NULL ? s : ".";
}

static struct config *
parse(const char *text)
{
	char	 err[128];

	return config_parse(text, strlen(text), err, sizeof(err));
}

/* [database] worker_url and admin_url: unset or empty, the url. */
static void
test_conninfo(void)
{
	struct config	*c;

	/* Only the text below: no PRIMERKA_DATABASE_* of the caller's. */
	unsetenv("PRIMERKA_DATABASE_URL");
	unsetenv("PRIMERKA_DATABASE_WORKER_URL");
	unsetenv("PRIMERKA_DATABASE_ADMIN_URL");
	c = parse("[database]\nurl = dbname=api\nworker_url = dbname=w\n"
	    "admin_url =\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(app_conninfo(c, CONF_DATABASE_WORKER_URL),
	    "dbname=w");
	CU_ASSERT_STRING_EQUAL(app_conninfo(c, CONF_DATABASE_ADMIN_URL),
	    "dbname=api");
	CU_ASSERT_STRING_EQUAL(app_conninfo(c, CONF_DATABASE_URL),
	    "dbname=api");
	config_free(c);
	c = parse("[database]\nurl = dbname=api\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(app_conninfo(c, CONF_DATABASE_WORKER_URL),
	    "dbname=api");
	config_free(c);
}

static int
valid_name(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!islower((unsigned char)*s) &&
		    !isdigit((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

static void
test_table_whole(void)
{
	const struct confdef	*d;
	char			 msg[128];
	size_t			 i, j;

	for (i = 0; i < CONF__MAX; i++) {
		d = &confdefs[i];
		/* A designated initializer left out leaves a hole. */
		CU_ASSERT_FATAL(d->section != NULL && d->key != NULL);
		CU_ASSERT(valid_name(d->section));
		CU_ASSERT(valid_name(d->key));
		CU_ASSERT(d->type < CONF_T__MAX);
		CU_ASSERT(d->min <= d->max);
		CU_ASSERT((d->type == CONF_T_ENUM) == (d->choices != NULL));
		CU_ASSERT((d->target == CONF_TGT_NONE) ==
		    (d->store == CONF_S_NONE));
		/* A numeric field is filled from a number. */
		if (d->store != CONF_S_NONE && d->store != CONF_S_STR)
			CU_ASSERT(d->type == CONF_T_INT ||
			    d->type == CONF_T_DOUBLE);
		if (d->def != NULL && conf_check((enum conf_key)i, d->def, msg,
		    sizeof(msg)) != 0) {
			fprintf(stderr, "%s.%s: default %s: %s\n", d->section,
			    d->key, d->def, msg);
			CU_FAIL("a default the table refuses");
		}
		CU_ASSERT_EQUAL(conf_find(d->section, d->key),
		    (enum conf_key)i);
		for (j = i + 1; j < CONF__MAX; j++)
			CU_ASSERT(strcmp(d->section,
			    confdefs[j].section) != 0 ||
			    strcmp(d->key, confdefs[j].key) != 0);
	}
	CU_ASSERT_EQUAL(conf_find("s3", "no_such_key"), CONF__MAX);
	CU_ASSERT_EQUAL(conf_find("nonsense", "url"), CONF__MAX);
	CU_ASSERT(conf_section_known("qc"));
	CU_ASSERT(!conf_section_known("nonsense"));
	/* The bucket keys' defaults are the buckets' names, in order. */
	for (i = 0; i < BUCKET_COUNT; i++)
		CU_ASSERT_STRING_EQUAL(confdefs[CONF_S3_BUCKET_USER_PHOTOS +
		    i].def, app_bucket_names[i]);
}

static void
test_check_types(void)
{
	char	 msg[128];

	CU_ASSERT_EQUAL(conf_check(CONF_WORKER_LEASE, "60", msg,
	    sizeof(msg)), 0);
	CU_ASSERT_EQUAL(conf_check(CONF_WORKER_LEASE, "", msg, sizeof(msg)),
	    0);
	CU_ASSERT_EQUAL(conf_check(CONF_WORKER_LEASE, "0", msg, sizeof(msg)),
	    -1);
	CU_ASSERT_STRING_EQUAL(msg, "not an integer in 1..3600");
	CU_ASSERT_EQUAL(conf_check(CONF_WORKER_LEASE, "6O", msg,
	    sizeof(msg)), -1);
	CU_ASSERT_EQUAL(conf_check(CONF_S3_PATH_STYLE, "maybe", msg,
	    sizeof(msg)), -1);
	CU_ASSERT_EQUAL(conf_check(CONF_S3_PATH_STYLE, "Off", msg,
	    sizeof(msg)), 0);
	CU_ASSERT_EQUAL(conf_check(CONF_QC_NSFW_MAX, "0.5", msg,
	    sizeof(msg)), 0);
	CU_ASSERT_EQUAL(conf_check(CONF_QC_NSFW_MAX, "1.5", msg,
	    sizeof(msg)), -1);
	CU_ASSERT_EQUAL(conf_check(CONF_QC_NSFW_MAX, "nan", msg,
	    sizeof(msg)), -1);
	CU_ASSERT_EQUAL(conf_check(CONF_LOG_REQUESTS, "all", msg,
	    sizeof(msg)), 0);
	CU_ASSERT_EQUAL(conf_check(CONF_LOG_REQUESTS, "al", msg,
	    sizeof(msg)), -1);
	CU_ASSERT_STRING_EQUAL(msg, "one of all|writes|errors");
	CU_ASSERT_EQUAL(conf_check(CONF_LOG_REQUESTS, "", msg, sizeof(msg)),
	    -1);
	/* "" is a choice where the default is "" (not sent). */
	CU_ASSERT_EQUAL(conf_check(CONF_FASHN_MODE, "", msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(conf_check(CONF_S3_ENDPOINT, "ftp://x", msg,
	    sizeof(msg)), -1);
	CU_ASSERT_EQUAL(conf_check(CONF_S3_ENDPOINT, "http://127.0.0.1:1",
	    msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(conf_check(CONF__MAX, "1", msg, sizeof(msg)), -1);
}

static void
test_getters(void)
{
	struct config	*c;
	int64_t		 v;
	int		 b;

	c = parse("[worker]\nlease = 30\npoll_interval = 99999\n"
	    "slot_wait =\n[s3]\npath_style = no\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(conf_get_int(c, CONF_WORKER_LEASE, &v), 0);
	CU_ASSERT_EQUAL(v, 30);
	/* Out of range: -1, and the default. */
	CU_ASSERT_EQUAL(conf_get_int(c, CONF_WORKER_POLL_INTERVAL, &v), -1);
	CU_ASSERT_EQUAL(v, 5);
	CU_ASSERT_EQUAL(conf_get_int(c, CONF_WORKER_SLOT_WAIT, &v), 0);
	CU_ASSERT_EQUAL(v, 600);
	CU_ASSERT_EQUAL(conf_get_int(c, CONF_WORKER_MAX_ATTEMPTS, &v), 0);
	CU_ASSERT_EQUAL(v, 5);
	CU_ASSERT_EQUAL(conf_get_bool(c, CONF_S3_PATH_STYLE, &b), 0);
	CU_ASSERT_EQUAL(b, 0);
	CU_ASSERT_EQUAL(conf_get_bool(c, CONF_TELEGRAM_TEST_ENVIRONMENT, &b),
	    0);
	CU_ASSERT_EQUAL(b, 0);
	CU_ASSERT_STRING_EQUAL(conf_get(c, CONF_S3_REGION), "us-east-1");
	CU_ASSERT_PTR_NULL(conf_get_set(c, CONF_S3_REGION));
	CU_ASSERT_PTR_NULL(conf_get(c, CONF_PROVIDERS_TRYON));
	/* The environment wins over the file, for any key. */
	setenv("PRIMERKA_WORKER_LEASE", "45", 1);
	setenv("PRIMERKA_S3_REGION", "eu-1", 1);
	CU_ASSERT_EQUAL(conf_get_int(c, CONF_WORKER_LEASE, &v), 0);
	CU_ASSERT_EQUAL(v, 45);
	CU_ASSERT_STRING_EQUAL(conf_get(c, CONF_S3_REGION), "eu-1");
	unsetenv("PRIMERKA_WORKER_LEASE");
	unsetenv("PRIMERKA_S3_REGION");
	config_free(c);
}

static void
test_fill(void)
{
	struct config		*c;
	struct qc_config	 q;
	struct remote_config	 r;
	char			 err[256];

	/* struct qc_config: defaults, then the file over them. */
	qc_config_default(&q);
	CU_ASSERT_DOUBLE_EQUAL(q.blur_min, 30.0, 1e-9);
	CU_ASSERT_EQUAL(q.max_bytes, 32u * 1024 * 1024);
	CU_ASSERT_EQUAL(q.max_pixels, 50000000u);
	CU_ASSERT_EQUAL(q.analysis_side, 512);
	c = parse("[qc]\nblur_min = 12.5\nmin_width = 300\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(conf_fill(c, CONF_TGT_QC, NULL, &q, err,
	    sizeof(err)), 0);
	CU_ASSERT_DOUBLE_EQUAL(q.blur_min, 12.5, 1e-9);
	CU_ASSERT_EQUAL(q.min_width, 300);
	CU_ASSERT_EQUAL(q.min_height, 256);
	config_free(c);
	c = parse("[qc]\nnsfw_max = 2\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(conf_fill(c, CONF_TGT_QC, NULL, &q, err,
	    sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "[qc] nsfw_max: not a number in 0..1");
	config_free(c);

	/* A vendor's timing keys: its section only. */
	remote_config_default(&r);
	CU_ASSERT_EQUAL(r.connect_timeout_ms, 10000);
	CU_ASSERT_EQUAL(r.max_retries, 4);
	c = parse("[fal]\nmax_retries = 7\n[fashn]\npoll_min_ms = 20\n"
	    "[replicate]\nretry_max_ms = 0\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(conf_fill(c, CONF_TGT_REMOTE, "fal", &r, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(r.max_retries, 7);
	CU_ASSERT_EQUAL(r.poll_min_ms, 1000);
	CU_ASSERT_EQUAL(conf_fill(c, CONF_TGT_REMOTE, "replicate", &r, err,
	    sizeof(err)), -1);
	CU_ASSERT(strstr(err, "[replicate] retry_max_ms") != NULL);
	config_free(c);
}

/* Write text to a new temporary file; its path into path. */
static int
write_temp(char *path, size_t len, const char *text)
{
	FILE	*f;
	int	 fd;

	snprintf(path, len, "/tmp/test_conftab.XXXXXX");
	fd = mkstemp(path);
	if (fd == -1)
		return -1;
	f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		return -1;
	}
	fputs(text, f);
	return fclose(f);
}

/* confcheck_run()'s report on text, into out; its count. */
static int
check_config(const char *text, char *out, size_t outlen)
{
	char	 path[64];
	FILE	*f;
	size_t	 n;
	int	 bad;

	if (write_temp(path, sizeof(path), text) == -1)
		return -1;
	setenv("PRIMERKA_CONFIG", path, 1);
	f = tmpfile();
	if (f == NULL)
		return -1;
	bad = confcheck_run("test_conftab", CONFCHECK_API, NULL, f);
	rewind(f);
	n = fread(out, 1, outlen - 1, f);
	out[n] = '\0';
	fclose(f);
	unlink(path);
	unsetenv("PRIMERKA_CONFIG");
	return bad;
}

static void
test_check_config(void)
{
	char	 out[4096];
	int	 bad;

	/* Each problem reported with the key's name. */
	bad = check_config("[s3]\nendpoint = http://127.0.0.1:1\n"
	    "endpint = x\naccess_key = replace-me\nsecret_key = s\n"
	    "path_style = maybe\n[worker]\nlease = 0\n[fashn]\n"
	    "mode = fast\n[nonsense]\nkey = 1\n", out, sizeof(out));
	CU_ASSERT(strstr(out, "s3.endpint: unknown key") != NULL);
	CU_ASSERT(strstr(out, "nonsense.key: unknown section") != NULL);
	CU_ASSERT(strstr(out, "s3.path_style: not a boolean") != NULL);
	CU_ASSERT(strstr(out, "worker.lease: not an integer in 1..3600") !=
	    NULL);
	CU_ASSERT(strstr(out, "fashn.mode: one of") != NULL);
	CU_ASSERT(strstr(out, "telegram.bot_token: required") != NULL);
	CU_ASSERT(strstr(out, "s3.access_key: still the example's") != NULL);
	CU_ASSERT(strstr(out, "s3.secret_key") == NULL);
	CU_ASSERT_EQUAL(bad, 7);

}

static void
test_secret_files(void)
{
	struct config	*c;
	char		 dir[64], path[128], conf[64], text[256], err[256];
	FILE		*f;
	int64_t		 v;

	/* KEY_file and a systemd credential, for keys that are no secret. */
	snprintf(dir, sizeof(dir), "/tmp/test_conftab.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/lease", dir);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("1800\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/primerka_retention.orphan_grace",
	    dir);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("77", f);
	fclose(f);
	snprintf(text, sizeof(text), "[worker]\nlease_file = %s/lease\n"
	    "[retention]\norphan_grace = 5\n", dir);
	CU_ASSERT_FATAL(write_temp(conf, sizeof(conf), text) == 0);
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	c = config_load(conf, 0, err, sizeof(err));
	unsetenv("CREDENTIALS_DIRECTORY");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(conf_get_int(c, CONF_WORKER_LEASE, &v), 0);
	CU_ASSERT_EQUAL(v, 1800);
	CU_ASSERT_EQUAL(conf_get_int(c, CONF_RETENTION_ORPHAN_GRACE, &v), 0);
	CU_ASSERT_EQUAL(v, 77);
	config_free(c);
	unlink(conf);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lease", dir);
	unlink(path);
	rmdir(dir);
}

/* Add section.key to the list unless it is there; the count. */
static size_t
add_key(char keys[][2 * 64], size_t n, const char *section,
    const char *key)
{
	char	 k[2 * 64];
	size_t	 i;

	snprintf(k, sizeof(k), "%s.%s", section, key);
	for (i = 0; i < n; i++)
		if (strcmp(keys[i], k) == 0)
			return n;
	if (n < MAXKEYS)
		snprintf(keys[n++], sizeof(keys[0]), "%s", k);
	return n;
}

/*
 * Compare the keys named in a document with the table's (without the
 * legacy ones unless with_legacy); each difference printed.  0 when
 * they are the same.
 */
static int
compare(const char *what, char keys[][2 * 64], size_t n, int with_legacy)
{
	char	 k[2 * 64];
	size_t	 i, j;
	int	 diff = 0;

	for (i = 0; i < CONF__MAX; i++) {
		if (!with_legacy && (confdefs[i].flags & CONF_F_LEGACY))
			continue;
		snprintf(k, sizeof(k), "%s.%s", confdefs[i].section,
		    confdefs[i].key);
		for (j = 0; j < n; j++)
			if (strcmp(keys[j], k) == 0)
				break;
		if (j == n) {
			fprintf(stderr, "%s: no %s\n", what, k);
			diff++;
		}
	}
	for (j = 0; j < n; j++) {
		for (i = 0; i < CONF__MAX; i++) {
			snprintf(k, sizeof(k), "%s.%s", confdefs[i].section,
			    confdefs[i].key);
			if (strcmp(keys[j], k) == 0 && (with_legacy ||
			    !(confdefs[i].flags & CONF_F_LEGACY)))
				break;
		}
		if (i == CONF__MAX) {
			fprintf(stderr, "%s: %s is not in the table\n", what,
			    keys[j]);
			diff++;
		}
	}
	return diff;
}

static FILE *
open_src(const char *name)
{
	char	 path[1024];

	snprintf(path, sizeof(path), "%s/%s", srcdir(), name);
	return fopen(path, "r");
}

/*
 * If s starts with pre then "[name]", the name into out (1), else 0.
 */
static int
bracketed(const char *s, const char *pre, char *out, size_t outlen)
{
	const char	*e;
	size_t		 l = strlen(pre);

	if (strncmp(s, pre, l) != 0 || s[l] != '[')
		return 0;
	s += l + 1;
	e = strchr(s, ']');
	if (e == NULL || e == s || (size_t)(e - s) >= outlen)
		return 0;
	memcpy(out, s, (size_t)(e - s));
	out[e - s] = '\0';
	return 1;
}

/*
 * primerka.conf(5): in SECTIONS AND KEYS, ".Ss \&[name]\&" starts a
 * section, ".\" keys of: a b c" names the sections of the keys that
 * follow (the vendors' shared keys), ".It Ic key" is a key.
 */
static void
test_man_page(void)
{
	static char	 keys[MAXKEYS][2 * 64];
	char		 line[1024], secs[8][64], key[64];
	FILE		*f;
	size_t		 n = 0, nsecs = 0, i, l;
	int		 in = 0;
	char		*p;

	f = open_src("man/primerka.conf.5");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, ".Sh ", 4) == 0) {
			in = strcmp(line, ".Sh SECTIONS AND KEYS") == 0;
			continue;
		}
		if (!in)
			continue;
		if (bracketed(line, ".Ss \\&", secs[0], sizeof(secs[0]))) {
			nsecs = 1;
			continue;
		}
		if (strncmp(line, ".\\\" keys of:", 12) == 0) {
			nsecs = 0;
			p = line + 12;
			for (;;) {
				p += strspn(p, " ");
				l = strcspn(p, " ");
				if (l == 0 || l >= sizeof(secs[0]) ||
				    nsecs == 8)
					break;
				memcpy(secs[nsecs], p, l);
				secs[nsecs++][l] = '\0';
				p += l;
			}
			continue;
		}
		if (strncmp(line, ".It Ic ", 7) != 0)
			continue;
		l = strcspn(line + 7, " ");
		if (l == 0 || l >= sizeof(key))
			continue;
		memcpy(key, line + 7, l);
		key[l] = '\0';
		if (valid_name(key))
			for (i = 0; i < nsecs; i++)
				n = add_key(keys, n, secs[i], key);
	}
	fclose(f);
	CU_ASSERT(n > 100);
	CU_ASSERT_EQUAL(compare("primerka.conf(5)", keys, n, 1), 0);
}

/*
 * etc/primerka.conf.example: "[name]" (or "# [name]") starts a
 * section, "key = value" (or "# key = value") is a key.
 */
static void
test_example(void)
{
	static char	 keys[MAXKEYS][2 * 64];
	char		 line[1024], sec[64] = "", key[64];
	FILE		*f;
	size_t		 n = 0, l;
	char		*p, *eq;

	f = open_src("etc/primerka.conf.example");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		p = line;
		if (*p == '#' || *p == ';')
			p++;
		while (*p == ' ')
			p++;
		if (bracketed(p, "", sec, sizeof(sec)))
			continue;
		eq = strchr(p, '=');
		if (eq == NULL || sec[0] == '\0')
			continue;
		l = (size_t)(eq - p);
		while (l > 0 && p[l - 1] == ' ')
			l--;
		if (l == 0 || l >= sizeof(key))
			continue;
		memcpy(key, p, l);
		key[l] = '\0';
		if (valid_name(key))
			n = add_key(keys, n, sec, key);
	}
	fclose(f);
	CU_ASSERT(n > 100);
	CU_ASSERT_EQUAL(compare("primerka.conf.example", keys, n, 0), 0);
}

int
main(void)
{
	CU_pSuite	 s;
	unsigned	 fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return CU_get_error();
	s = CU_add_suite("conftab", NULL, NULL);
	CU_add_test(s, "the table is whole", test_table_whole);
	CU_add_test(s, "types and bounds", test_check_types);
	CU_add_test(s, "getters", test_getters);
	CU_add_test(s, "loading structs", test_fill);
	CU_add_test(s, "check-config", test_check_config);
	CU_add_test(s, "database URLs: empty is unset", test_conninfo);
	CU_add_test(s, "secrets from files", test_secret_files);
	CU_add_test(s, "primerka.conf(5) has exactly the keys",
	    test_man_page);
	CU_add_test(s, "the example has exactly the keys", test_example);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails == 0 ? 0 : 1;
}
