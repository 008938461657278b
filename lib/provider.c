/*
 * Choosing a provider from the configuration.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "provider.h"

void
provider_error_set(struct provider_error *e, const char *code, int retryable,
    const char *fmt, ...)
{
	va_list	 ap;

	snprintf(e->code, sizeof(e->code), "%s", code);
	e->retryable = retryable;
	va_start(ap, fmt);
	vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
	va_end(ap);
}

struct provider *
provider_new(struct app *a, char *err, size_t errlen)
{
	const char	*name;

	name = config_get(a->cfg, "worker", "provider", "local");
	if (strcmp(name, "local") == 0)
		return provider_local_new(a);
	snprintf(err, errlen, "[worker] provider: unknown provider '%s'", name);
	return NULL;
}

void
provider_free(struct provider *p)
{
	if (p != NULL && p->free != NULL)
		p->free(p);
}
