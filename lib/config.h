/*
 * primerka configuration: an INI file plus environment overrides.
 *
 * The file is PRIMERKA_CONFIG (default /etc/primerka/primerka.conf).  Every
 * key may be overridden by the environment as PRIMERKA_<SECTION>_<KEY>,
 * upper-cased, with every character that is not a letter or digit turned
 * into '_' (e.g. [telegram] bot_token -> PRIMERKA_TELEGRAM_BOT_TOKEN).
 *
 * This is the storage; the keys themselves (types, bounds, defaults) are
 * in the configuration table, and code reads them through it by enum
 * (conftab.h): config_get*() are for conftab.c and the tests.
 *
 * The loaded configuration is one of the two pieces of process-wide state
 * (the other is the logger): it is loaded once at start-up and read-only
 * afterwards.
 */
#ifndef PRIMERKA_CONFIG_H
#define PRIMERKA_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_DEFAULT_PATH "/etc/primerka/primerka.conf"

struct config;

/*
 * Parse INI text.  Sections are "[name]", entries "key = value"; '#' and
 * ';' start comment lines.  Returns a new config (free with config_free())
 * or NULL with a message in err naming the line at fault.
 */
struct config	*config_parse(const char *text, size_t len, char *err, size_t errlen);

/*
 * Load the file at path; a missing file is not an error when
 * missing_ok is set (the result is then empty and the environment alone
 * configures the process).  Secrets may come from files: "key_file =
 * PATH" sets key from the file's contents (trailing newlines dropped; a
 * relative PATH is in $CREDENTIALS_DIRECTORY), and every file
 * "primerka_SECTION.KEY" (systemd's LoadCredential=primerka:DIR) or
 * "SECTION.KEY" in $CREDENTIALS_DIRECTORY sets SECTION.KEY.  Returns NULL with err
 * filled (naming the key) on failure, e.g. an unreadable file or both
 * key and key_file given.
 */
struct config	*config_load(const char *path, int missing_ok, char *err, size_t errlen);

void		 config_free(struct config *);

/*
 * Look up section.key: the environment override first, then the file,
 * then def.  The returned string is owned by the config (or the
 * environment, or is def) and stays valid while the config lives.
 */
const char	*config_get(const struct config *, const char *section,
		    const char *key, const char *def);

/*
 * Integer lookup within [min, max].  A value that is present but not a
 * number in range makes the call return -1 (and leave *out at def), so a
 * typo in the config file is reported rather than silently ignored.
 */
int		 config_get_int(const struct config *, const char *section,
		    const char *key, int64_t def, int64_t min, int64_t max,
		    int64_t *out);

/* Boolean lookup: 1/0, yes/no, true/false, on/off. -1 on other text. */
int		 config_get_bool(const struct config *, const char *section,
		    const char *key, int def, int *out);

/*
 * The i-th entry of the file (0-based), as written there: sets *section
 * and *key and returns 0, or -1 past the last one.
 */
int		 config_entry(const struct config *, size_t i,
		    const char **section, const char **key);

/* Write the environment variable name for section.key into buf. */
int		 config_env_name(const char *section, const char *key, char *buf,
		    size_t buflen);

#endif /* PRIMERKA_CONFIG_H */
