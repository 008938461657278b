/*
 * check-config: the configuration judged as the services would use it,
 * every problem reported with the key's name (primerka-admin
 * check-config, primerka.fcgi --check-config, primerka-batch
 * --check-config; the units run it before they start).
 */
#ifndef PRIMERKA_CONFCHECK_H
#define PRIMERKA_CONFCHECK_H

#include <stdio.h>

#define CONFCHECK_API		0x1	/* what primerka.fcgi needs */
#define CONFCHECK_WORKER	0x2	/* what primerka-batch needs */

struct app;

/*
 * Build, then free, what the worker builds from a loaded configuration
 * (its providers: provider_check()).  Returns 0, or -1 with the key at
 * fault in err.  A pointer, so that primerka.fcgi, which checks only the
 * API, does not link the providers (and FFmpeg through them).
 */
typedef int	(*confcheck_worker_fn)(struct app *, char *err, size_t errlen);

/*
 * Check the configuration at $PRIMERKA_CONFIG (or the default path) for
 * the programs in what: unknown sections and keys, values of the wrong
 * type or out of range, required production settings missing or left at
 * the example's placeholders, secrets files that cannot be read, the
 * worker's model, and with CONFCHECK_WORKER its providers, built by
 * worker (which must then not be NULL).  Writes one "section.key:
 * problem" line a problem to out; returns the number of problems (0: good
 * to start).
 */
int	confcheck_run(const char *prog, unsigned what,
	    confcheck_worker_fn worker, FILE *out);

/*
 * Run by hand outside a unit, by a user who may read the units'
 * credentials directory (/etc/primerka/credentials, root's): set
 * CREDENTIALS_DIRECTORY to it, so that the secrets the units load count
 * as well.  Nothing when CREDENTIALS_DIRECTORY is set or it is not
 * readable.
 */
void	confcheck_credentials(void);

#endif /* PRIMERKA_CONFCHECK_H */
