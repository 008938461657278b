/*
 * check-config: names, types and ranges from the configuration table
 * (lib/conftab.c), production requirements, then the same parsing the
 * programs do at start-up (app_init(), provider_new()).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "confcheck.h"
#include "config.h"
#include "conftab.h"

/* Where the shipped units load credentials from. */
#define CONFCHECK_CREDENTIALS	"/etc/primerka/credentials"

/* What the example configuration leaves to be replaced. */
#define PLACEHOLDER "replace-me"

/* Unknown sections and keys, each once. */
static int
check_names(const struct config *cfg, FILE *out)
{
	const char	*sec, *key;
	char		 base[128];
	size_t		 i, l;
	int		 bad = 0;

	for (i = 0; config_entry(cfg, i, &sec, &key) == 0; i++) {
		snprintf(base, sizeof(base), "%s", key);
		l = strlen(base);
		if (l > 5 && strcmp(base + l - 5, "_file") == 0)
			base[l - 5] = '\0';
		if (!conf_section_known(sec)) {
			fprintf(out, "%s.%s: unknown section [%s]\n", sec, key,
			    sec);
			bad++;
		} else if (conf_find(sec, base) == CONF__MAX) {
			fprintf(out, "%s.%s: unknown key\n", sec, key);
			bad++;
		}
	}
	return bad;
}

/* Every value set of the wrong type or out of range, each once. */
static int
check_values(const struct config *cfg, FILE *out)
{
	const char	*v;
	char		 msg[128];
	size_t		 k;
	int		 bad = 0;

	for (k = 0; k < CONF__MAX; k++) {
		v = conf_get_set(cfg, (enum conf_key)k);
		if (v != NULL && conf_check((enum conf_key)k, v, msg,
		    sizeof(msg)) == -1) {
			fprintf(out, "%s.%s: %s\n", confdefs[k].section,
			    confdefs[k].key, msg);
			bad++;
		}
	}
	return bad;
}

/* A setting production cannot do without, and not the placeholder. */
static int
require(const struct config *cfg, enum conf_key k, FILE *out)
{
	const char	*v = conf_get_set(cfg, k);

	if (v == NULL || v[0] == '\0') {
		fprintf(out, "%s.%s: required, not set (no built-in default)\n",
		    confdefs[k].section, confdefs[k].key);
		return 1;
	}
	if (strstr(v, PLACEHOLDER) != NULL) {
		fprintf(out, "%s.%s: still the example's placeholder\n",
		    confdefs[k].section, confdefs[k].key);
		return 1;
	}
	return 0;
}

static int
check_production(const struct config *cfg, unsigned what, FILE *out)
{
	const char	*packs, *model;
	size_t		 k;
	int		 bad = 0;

	for (k = 0; k < CONF__MAX; k++)
		if (confdefs[k].flags & CONF_F_REQUIRED)
			bad += require(cfg, (enum conf_key)k, out);
	/* Payments need the bot's webhook, and it its secret. */
	packs = conf_get(cfg, CONF_PAYMENTS_PACKS);
	if ((what & CONFCHECK_API) && packs[0] != '\0')
		bad += require(cfg, CONF_TELEGRAM_WEBHOOK_SECRET, out);
	model = conf_get(cfg, CONF_QC_MODEL);
	if ((what & CONFCHECK_WORKER) && access(model, R_OK) != 0) {
		fprintf(out, "qc.model: %s: cannot be read\n", model);
		bad++;
	}
	return bad;
}

void
confcheck_credentials(void)
{
	if (getenv("CREDENTIALS_DIRECTORY") == NULL &&
	    access(CONFCHECK_CREDENTIALS, R_OK | X_OK) == 0)
		setenv("CREDENTIALS_DIRECTORY", CONFCHECK_CREDENTIALS, 1);
}

int
confcheck_run(const char *prog, unsigned what, confcheck_worker_fn worker,
    FILE *out)
{
	struct config	*cfg;
	struct app	 a;
	const char	*path = getenv("PRIMERKA_CONFIG");
	char		 err[512];
	int		 bad = 0, typed;

	if (path == NULL)
		path = CONFIG_DEFAULT_PATH;
	confcheck_credentials();
	cfg = config_load(path, 0, err, sizeof(err));
	if (cfg == NULL) {
		fprintf(out, "%s\n", err);
		return 1;
	}
	bad += check_names(cfg, out);
	typed = check_values(cfg, out);
	bad += typed + check_production(cfg, what, out);
	config_free(cfg);
	/* The start-up parsing would stop at the first of those again. */
	if (typed > 0)
		return bad;
	if (app_init(&a, prog, err, sizeof(err)) == -1) {
		fprintf(out, "%s\n", err);
		return bad + 1;
	}
	if ((what & CONFCHECK_WORKER) && worker != NULL &&
	    worker(&a, err, sizeof(err)) == -1) {
		fprintf(out, "%s\n", err);
		bad++;
	}
	app_free(&a);
	return bad;
}
