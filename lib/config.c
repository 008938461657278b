/*
 * INI configuration with PRIMERKA_<SECTION>_<KEY> environment overrides.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"

#define CONFIG_MAX_FILE	(1024 * 1024)
#define CONFIG_MAX_NAME	64

struct config_entry {
	char	*section;
	char	*key;
	char	*value;
};

struct config {
	struct config_entry	*entries;
	size_t			 n;
	size_t			 cap;
};

static char *
trim(char *s)
{
	char	*end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r'))
		end--;
	*end = '\0';
	return s;
}

static int
valid_name(const char *s)
{
	size_t	 n = 0;

	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++, n++) {
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' &&
		    *s != '.')
			return 0;
	}
	return n < CONFIG_MAX_NAME;
}

/* Add or replace section.key; later lines win, as in most INI readers. */
static int
config_set(struct config *c, const char *section, const char *key,
    const char *value)
{
	struct config_entry	*e;
	size_t			 i;
	char			*v;

	for (i = 0; i < c->n; i++) {
		if (strcmp(c->entries[i].section, section) == 0 &&
		    strcmp(c->entries[i].key, key) == 0) {
			v = strdup(value);
			if (v == NULL)
				return -1;
			free(c->entries[i].value);
			c->entries[i].value = v;
			return 0;
		}
	}
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 32;
		e = realloc(c->entries, ncap * sizeof(*e));
		if (e == NULL)
			return -1;
		c->entries = e;
		c->cap = ncap;
	}
	e = &c->entries[c->n];
	e->section = strdup(section);
	e->key = strdup(key);
	e->value = strdup(value);
	if (e->section == NULL || e->key == NULL || e->value == NULL) {
		free(e->section);
		free(e->key);
		free(e->value);
		return -1;
	}
	c->n++;
	return 0;
}

struct config *
config_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct config	*c;
	char		*buf = NULL, *line, *next, *eq, *k, *v;
	char		 section[CONFIG_MAX_NAME] = "";
	size_t		 lineno = 0;

	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (len > CONFIG_MAX_FILE) {
		snprintf(err, errlen, "configuration larger than %d bytes",
		    CONFIG_MAX_FILE);
		goto fail;
	}
	buf = malloc(len + 1);
	if (buf == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(err, errlen, "configuration contains a NUL byte");
		goto fail;
	}

	for (line = buf; line != NULL; line = next) {
		lineno++;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		line = trim(line);
		if (*line == '\0' || *line == '#' || *line == ';')
			continue;
		if (*line == '[') {
			size_t l = strlen(line);
			if (line[l - 1] != ']') {
				snprintf(err, errlen, "line %zu: bad section",
				    lineno);
				goto fail;
			}
			line[l - 1] = '\0';
			k = trim(line + 1);
			if (!valid_name(k)) {
				snprintf(err, errlen,
				    "line %zu: bad section name", lineno);
				goto fail;
			}
			snprintf(section, sizeof(section), "%s", k);
			continue;
		}
		eq = strchr(line, '=');
		if (eq == NULL) {
			snprintf(err, errlen, "line %zu: expected key = value",
			    lineno);
			goto fail;
		}
		*eq = '\0';
		k = trim(line);
		v = eq + 1;
		/* An unquoted value ends at " ;" or " #" (inline comment). */
		if (*trim(v) != '"') {
			char *q;
			for (q = v; *q != '\0'; q++) {
				if ((*q == ';' || *q == '#') && q > v &&
				    (q[-1] == ' ' || q[-1] == '\t')) {
					*q = '\0';
					break;
				}
			}
		}
		v = trim(v);
		if (!valid_name(k) || section[0] == '\0') {
			snprintf(err, errlen, "line %zu: bad key or no section",
			    lineno);
			goto fail;
		}
		/* Optional surrounding double quotes keep spaces. */
		if (v[0] == '"') {
			size_t l = strlen(v);
			if (l >= 2 && v[l - 1] == '"') {
				v[l - 1] = '\0';
				v++;
			}
		}
		if (config_set(c, section, k, v) == -1) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	free(buf);
	return c;
fail:
	free(buf);
	config_free(c);
	return NULL;
}

struct config *
config_load(const char *path, int missing_ok, char *err, size_t errlen)
{
	FILE		*f;
	char		*text = NULL;
	size_t		 len = 0, cap = 0, n;
	struct config	*c;

	f = fopen(path, "r");
	if (f == NULL) {
		if (errno == ENOENT && missing_ok)
			return config_parse("", 0, err, errlen);
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (len + 4096 > cap) {
			char *t = NULL;
			cap = cap ? cap * 2 : 8192;
			if (cap <= CONFIG_MAX_FILE * 2)
				t = realloc(text, cap);
			if (t == NULL) {
				snprintf(err, errlen, "%s: too large", path);
				free(text);
				fclose(f);
				return NULL;
			}
			text = t;
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		free(text);
		fclose(f);
		return NULL;
	}
	fclose(f);
	c = config_parse(text ? text : "", len, err, errlen);
	free(text);
	return c;
}

void
config_free(struct config *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->entries[i].section);
		free(c->entries[i].key);
		free(c->entries[i].value);
	}
	free(c->entries);
	free(c);
}

int
config_env_name(const char *section, const char *key, char *buf,
    size_t buflen)
{
	size_t	 i = 0;
	const char *parts[2] = { section, key };
	const char *p;
	int	 n;

	n = snprintf(buf, buflen, "PRIMERKA_");
	if (n < 0 || (size_t)n >= buflen)
		return -1;
	i = (size_t)n;
	for (n = 0; n < 2; n++) {
		for (p = parts[n]; *p != '\0'; p++) {
			if (i + 2 >= buflen)
				return -1;
			buf[i++] = isalnum((unsigned char)*p) ?
			    (char)toupper((unsigned char)*p) : '_';
		}
		if (n == 0)
			buf[i++] = '_';
	}
	buf[i] = '\0';
	return 0;
}

const char *
config_get(const struct config *c, const char *section, const char *key,
    const char *def)
{
	char		 name[2 * CONFIG_MAX_NAME + 16];
	const char	*env;
	size_t		 i;

	if (config_env_name(section, key, name, sizeof(name)) == 0) {
		env = getenv(name);
		if (env != NULL)
			return env;
	}
	if (c != NULL) {
		for (i = 0; i < c->n; i++)
			if (strcmp(c->entries[i].section, section) == 0 &&
			    strcmp(c->entries[i].key, key) == 0)
				return c->entries[i].value;
	}
	return def;
}

int
config_get_int(const struct config *c, const char *section, const char *key,
    int64_t def, int64_t min, int64_t max, int64_t *out)
{
	const char	*s;
	char		*end;
	long long	 v;

	*out = def;
	s = config_get(c, section, key, NULL);
	if (s == NULL || *s == '\0')
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
config_get_bool(const struct config *c, const char *section, const char *key,
    int def, int *out)
{
	const char	*s;

	*out = def;
	s = config_get(c, section, key, NULL);
	if (s == NULL || *s == '\0')
		return 0;
	if (strcmp(s, "1") == 0 || strcasecmp(s, "yes") == 0 ||
	    strcasecmp(s, "true") == 0 || strcasecmp(s, "on") == 0)
		*out = 1;
	else if (strcmp(s, "0") == 0 || strcasecmp(s, "no") == 0 ||
	    strcasecmp(s, "false") == 0 || strcasecmp(s, "off") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}
