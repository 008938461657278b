/*
 * INI configuration with PRIMERKA_<SECTION>_<KEY> environment overrides.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "util.h"

#define CONFIG_MAX_FILE	(1024 * 1024)
#define CONFIG_MAX_NAME	64
#define CONFIG_MAX_SECRET	(64 * 1024)
#define CONFIG_FILE_SUFFIX	"_file"
#define CONFIG_CRED_PREFIX	"primerka_"

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

/*
 * Read a secret file into a new string, without its trailing newlines.
 * NULL with err filled (naming what) on failure.
 */
static char *
read_secret(const char *path, const char *what, char *err, size_t errlen)
{
	FILE	*f;
	char	*buf;
	size_t	 n;

	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s: %s", what, path,
		    strerror(errno));
		return NULL;
	}
	buf = malloc(CONFIG_MAX_SECRET + 1);
	if (buf == NULL) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n = fread(buf, 1, CONFIG_MAX_SECRET + 1, f);
	if (ferror(f) || n > CONFIG_MAX_SECRET || memchr(buf, '\0', n)) {
		snprintf(err, errlen, "%s: %s: unreadable, larger than %d "
		    "bytes or binary", what, path, CONFIG_MAX_SECRET);
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	return buf;
}

/* Whether the file itself sets section.key (the environment aside). */
static int
config_has(const struct config *c, const char *section, const char *key)
{
	size_t	 i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->entries[i].section, section) == 0 &&
		    strcmp(c->entries[i].key, key) == 0)
			return 1;
	return 0;
}

/* Set section.key from the file at path (see config_resolve_files()). */
static int
set_from_file(struct config *c, const char *section, const char *key,
    const char *path, char *err, size_t errlen)
{
	char	 what[2 * CONFIG_MAX_NAME + 2];
	char	*v;
	int	 rc;

	snprintf(what, sizeof(what), "%s.%s", section, key);
	v = read_secret(path, what, err, errlen);
	if (v == NULL)
		return -1;
	rc = config_set(c, section, key, v);
	util_free_secret(v);
	if (rc == -1)
		snprintf(err, errlen, "out of memory");
	return rc;
}

/*
 * Each "key_file = PATH" entry sets "key" from the file at PATH (a
 * relative PATH is taken in $CREDENTIALS_DIRECTORY when it is set);
 * giving both key and key_file is an error.  Then every file named
 * "primerka_SECTION.KEY" (systemd's LoadCredential=primerka:DIR) or
 * "SECTION.KEY" in $CREDENTIALS_DIRECTORY sets SECTION.KEY.
 */
static int
config_resolve_files(struct config *c, char *err, size_t errlen)
{
	const char	*creds = getenv("CREDENTIALS_DIRECTORY");
	char		 key[CONFIG_MAX_NAME], path[4096], sec[CONFIG_MAX_NAME];
	size_t		 i, n, kl, sl = strlen(CONFIG_FILE_SUFFIX);
	DIR		*d;
	struct dirent	*de;
	const char	*dot, *name;

	n = c->n;
	for (i = 0; i < n; i++) {
		kl = strlen(c->entries[i].key);
		if (kl <= sl || strcmp(c->entries[i].key + kl - sl,
		    CONFIG_FILE_SUFFIX) != 0)
			continue;
		snprintf(key, sizeof(key), "%.*s", (int)(kl - sl),
		    c->entries[i].key);
		snprintf(sec, sizeof(sec), "%s", c->entries[i].section);
		if (config_has(c, sec, key)) {
			snprintf(err, errlen, "%s.%s: both %s and %s%s are set",
			    sec, key, key, key, CONFIG_FILE_SUFFIX);
			return -1;
		}
		if (c->entries[i].value[0] != '/' && creds != NULL)
			snprintf(path, sizeof(path), "%s/%s", creds,
			    c->entries[i].value);
		else
			snprintf(path, sizeof(path), "%s", c->entries[i].value);
		if (set_from_file(c, sec, key, path, err, errlen) == -1)
			return -1;
	}
	if (creds == NULL)
		return 0;
	d = opendir(creds);
	if (d == NULL) {
		snprintf(err, errlen, "CREDENTIALS_DIRECTORY %s: %s", creds,
		    strerror(errno));
		return -1;
	}
	for (;;) {
		de = readdir(d);
		if (de == NULL)
			break;
		/* systemd names them ID_FILE: "primerka_telegram.bot_token";
		 * the directory the admin fills has them without the ID. */
		name = de->d_name;
		if (strncmp(name, CONFIG_CRED_PREFIX,
		    strlen(CONFIG_CRED_PREFIX)) == 0)
			name += strlen(CONFIG_CRED_PREFIX);
		if (name[0] == '.')
			continue;
		dot = strchr(name, '.');
		if (dot == NULL || dot == name || (size_t)(dot - name) >=
		    sizeof(sec) || strlen(dot + 1) >= sizeof(key))
			continue;
		snprintf(sec, sizeof(sec), "%.*s", (int)(dot - name), name);
		snprintf(key, sizeof(key), "%s", dot + 1);
		if (!valid_name(sec) || !valid_name(key))
			continue;
		snprintf(path, sizeof(path), "%s/%s", creds, de->d_name);
		if (set_from_file(c, sec, key, path, err, errlen) == -1) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
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
		if (errno == ENOENT && missing_ok) {
			c = config_parse("", 0, err, errlen);
			if (c != NULL &&
			    config_resolve_files(c, err, errlen) == -1) {
				config_free(c);
				return NULL;
			}
			return c;
		}
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
	util_free_secret(text);
	if (c != NULL && config_resolve_files(c, err, errlen) == -1) {
		config_free(c);
		return NULL;
	}
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
config_entry(const struct config *c, size_t i, const char **section,
    const char **key)
{
	if (c == NULL || i >= c->n)
		return -1;
	*section = c->entries[i].section;
	*key = c->entries[i].key;
	return 0;
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
