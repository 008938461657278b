/*
 * libFuzzer target for the INI parser (lib/config.c) and the readers of
 * the configuration table (lib/conftab.c).
 *
 * Each input is a configuration file: config_parse() on it (with a
 * roomy and a tiny error buffer), then config_get(), config_get_int()
 * and config_get_bool() on every key of the table and on the first
 * section.key the input itself names, and the table's typed readers and
 * struct loaders.  PRIMERKA_* environment variables are removed first so
 * that the file alone answers.
 *
 * Checked: a parse either succeeds or explains itself; values never hold
 * a newline; the integer and boolean readers return 0 or -1 and leave
 * the default on -1; the first "[section]" / "key =" pair of an accepted
 * file can be looked up; conf_check() and the typed readers agree, and a
 * value they accept is within the table's bounds.
 *
 * fuzz-sources: lib/config.c lib/conftab.c lib/util.c
 * fuzz-pkgs: libcrypto libpq json-c
 * fuzz-corpus: fuzz/corpus/config
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "conftab.h"
#include "providers/remote.h"
#include "qc.h"

/* A broken promise: say where, then abort (libFuzzer saves the input). */
#define FUZZ_FAIL()	fuzz_fail(__LINE__)

extern char	**environ;

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void __attribute__((noreturn))
fuzz_fail(int line)
{
	fprintf(stderr, "fuzz_config.c:%d: invariant broken\n", line);
	abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	 name[256];
	size_t	 n;
	int	 again = 1;

	(void)argc;
	(void)argv;
	/* Overrides would hide the file: drop every PRIMERKA_ variable. */
	while (again) {
		char **e;
		again = 0;
		for (e = environ; e != NULL && *e != NULL; e++) {
			if (strncmp(*e, "PRIMERKA_", 9) != 0)
				continue;
			n = strcspn(*e, "=");
			if (n >= sizeof(name))
				continue;
			memcpy(name, *e, n);
			name[n] = '\0';
			unsetenv(name);
			again = 1;
			break;
		}
	}
	return 0;
}

/* Names no table has. */
static const struct {
	const char	*section, *key;
} keys[] = {
	{ "a", "b" }, { "", "" }
};

/* The table's readers of key k agree with conf_check() on its value. */
static void
typed(const struct config *c, enum conf_key k)
{
	const struct confdef	*d = &confdefs[k];
	const char		*v = conf_get_set(c, k);
	char			 msg[128];
	int64_t			 i;
	int			 b, ok, rc;

	ok = v == NULL || conf_check(k, v, msg, sizeof(msg)) == 0;
	if (!ok && (msg[0] == '\0' || strlen(msg) >= sizeof(msg)))
		FUZZ_FAIL();
	if (d->type == CONF_T_INT) {
		rc = conf_get_int(c, k, &i);
		if ((rc == 0) != ok || i < d->min || i > d->max)
			FUZZ_FAIL();
	} else if (d->type == CONF_T_BOOL) {
		rc = conf_get_bool(c, k, &b);
		if ((rc == 0) != ok || (b != 0 && b != 1))
			FUZZ_FAIL();
	}
	if (conf_get(c, k) != (v != NULL ? v : d->def))
		FUZZ_FAIL();
}

/* The struct loaders: 0, or -1 naming a section in err. */
static void
loaders(const struct config *c)
{
	struct qc_config	 q;
	struct remote_config	 r;
	char			 err[256];

	memset(&q, 0, sizeof(q));
	conf_fill_defaults(CONF_TGT_QC, NULL, &q);
	if (conf_fill(c, CONF_TGT_QC, NULL, &q, err, sizeof(err)) == -1 &&
	    strncmp(err, "[qc] ", 5) != 0)
		FUZZ_FAIL();
	memset(&r, 0, sizeof(r));
	conf_fill_defaults(CONF_TGT_REMOTE, NULL, &r);
	if (conf_fill(c, CONF_TGT_REMOTE, "fal", &r, err, sizeof(err)) == -1 &&
	    strncmp(err, "[fal] ", 6) != 0)
		FUZZ_FAIL();
	if (r.max_retries < 0 || r.max_retries > 20 || r.poll_min_ms < 1)
		FUZZ_FAIL();
}

/* Look one key up every way and check the answers agree. */
static void
lookup(const struct config *c, const char *section, const char *key,
    int must_exist)
{
	const char	*v, *d = "default";
	int64_t		 i;
	int		 b, rc;

	v = config_get(c, section, key, d);
	if (v == NULL || (must_exist && v == d))
		FUZZ_FAIL();
	if (v != d && strchr(v, '\n') != NULL)
		FUZZ_FAIL();
	rc = config_get_int(c, section, key, 7, -5, INT64_C(1) << 40, &i);
	if ((rc != 0 && rc != -1) || (rc == -1 && i != 7) ||
	    (rc == 0 && i != 7 && (i < -5 || i > INT64_C(1) << 40)))
		FUZZ_FAIL();
	if (v == d && (rc != 0 || i != 7))
		FUZZ_FAIL();
	rc = config_get_bool(c, section, key, 2, &b);
	if ((rc != 0 && rc != -1) || (rc == -1 && b != 2) ||
	    (rc == 0 && b != 0 && b != 1 && b != 2))
		FUZZ_FAIL();
}

/* Trim spaces and tabs (and a trailing '\r') off s[0..*n) in place. */
static const char *
trim(const char *s, size_t *n)
{
	while (*n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		(*n)--;
	}
	while (*n > 0 && (s[*n - 1] == ' ' || s[*n - 1] == '\t' ||
	    s[*n - 1] == '\r'))
		(*n)--;
	return s;
}

/*
 * The first "[section]" line of text and the first "key =" line after it
 * (before any other section), into sec and key.  Returns 1 when found.
 */
static int
first_pair(const char *text, size_t len, char *sec, char *key, size_t sz)
{
	const char	*p = text, *end = text + len, *nl, *s, *eq;
	size_t		 n;
	int		 have_sec = 0;

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		n = (size_t)(nl - p);
		s = trim(p, &n);
		if (n == 0 || s[0] == '#' || s[0] == ';')
			continue;
		if (s[0] == '[') {
			if (have_sec)
				return 0;
			if (n < 2 || s[n - 1] != ']')
				return 0;
			n -= 2;
			s = trim(s + 1, &n);
			if (n >= sz)
				return 0;
			memcpy(sec, s, n);
			sec[n] = '\0';
			have_sec = 1;
			continue;
		}
		if (!have_sec)
			return 0;
		eq = memchr(s, '=', n);
		if (eq == NULL)
			return 0;
		n = (size_t)(eq - s);
		s = trim(s, &n);
		if (n >= sz)
			return 0;
		memcpy(key, s, n);
		key[n] = '\0';
		return 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*c, *c2;
	char		 err[256], tiny[8], sec[128], key[128];
	size_t		 i;

	err[0] = '\0';
	c = config_parse((const char *)data, size, err, sizeof(err));
	if (c == NULL && (err[0] == '\0' || strlen(err) >= sizeof(err)))
		FUZZ_FAIL();
	/* Same verdict with a tiny error buffer (truncated message). */
	c2 = config_parse((const char *)data, size, tiny, sizeof(tiny));
	if ((c == NULL) != (c2 == NULL) || (c2 == NULL &&
	    strlen(tiny) >= sizeof(tiny)))
		FUZZ_FAIL();
	config_free(c2);
	if (c == NULL)
		return 0;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		lookup(c, keys[i].section, keys[i].key, 0);
	for (i = 0; i < CONF__MAX; i++) {
		lookup(c, confdefs[i].section, confdefs[i].key, 0);
		typed(c, (enum conf_key)i);
	}
	loaders(c);
	if (first_pair((const char *)data, size, sec, key, sizeof(sec)))
		lookup(c, sec, key, 1);
	config_free(c);
	return 0;
}
