/*
 * Choosing a provider from the configuration.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "provider.h"
#include "http.h"

struct strkey {
	const char	*key;
	size_t		 off;
};

struct numkey {
	const char	*key;
	int64_t		 min, max;
	size_t		 off;
	int		 is_int;	/* int rather than long */
};

#define HOFF(f) offsetof(struct provider_http_config, f)

/* [provider_http] keys onto struct provider_http_config. */
static struct provider *
provider_http_from_config(struct app *a, char *err, size_t errlen)
{
	static const struct strkey strs[] = {
		{ "base_url", HOFF(base_url) },
		{ "video_base_url", HOFF(video_base_url) },
		{ "api_key", HOFF(api_key) },
		{ "video_api_key", HOFF(video_api_key) },
		{ "model_name", HOFF(model_name) },
		{ "mode", HOFF(mode) },
		{ "video_model_name", HOFF(video_model_name) },
		{ NULL, 0 }
	};
	static const struct numkey nums[] = {
		{ "connect_timeout_ms", 1, 3600000, HOFF(connect_timeout_ms), 0 },
		{ "request_timeout_ms", 1, 3600000, HOFF(request_timeout_ms), 0 },
		{ "job_timeout_ms", 1, 86400000, HOFF(job_timeout_ms), 0 },
		{ "poll_min_ms", 1, 600000, HOFF(poll_min_ms), 0 },
		{ "poll_max_ms", 1, 600000, HOFF(poll_max_ms), 0 },
		{ "retry_base_ms", 1, 600000, HOFF(retry_base_ms), 0 },
		{ "retry_max_ms", 1, 3600000, HOFF(retry_max_ms), 0 },
		{ "max_retries", 0, 20, HOFF(max_retries), 1 },
		{ "max_concurrency", 0, 1000, HOFF(max_concurrency), 1 },
		{ NULL, 0, 0, 0, 0 }
	};
	struct provider_http_config	 hc;
	const struct strkey		*s;
	const struct numkey		*n;
	const char			*v;
	int64_t				 iv;

	provider_http_config_default(&hc);
	for (s = strs; s->key != NULL; s++) {
		v = config_get(a->cfg, "provider_http", s->key, NULL);
		if (v != NULL)
			*(const char **)(void *)((char *)&hc + s->off) = v;
	}
	for (n = nums; n->key != NULL; n++) {
		if (config_get(a->cfg, "provider_http", n->key, NULL) == NULL)
			continue;
		if (config_get_int(a->cfg, "provider_http", n->key, 0, n->min,
		    n->max, &iv) == -1) {
			snprintf(err, errlen, "[provider_http] %s: a number in "
			    "%lld..%lld", n->key, (long long)n->min,
			    (long long)n->max);
			return NULL;
		}
		if (n->is_int)
			*(int *)(void *)((char *)&hc + n->off) = (int)iv;
		else
			*(long *)(void *)((char *)&hc + n->off) = (long)iv;
	}
	return provider_http_new(&hc, err, errlen);
}

struct provider *
provider_new(struct app *a, char *err, size_t errlen)
{
	const char	*name;
	struct provider	*p;

	name = config_get(a->cfg, "worker", "provider", "local");
	if (strcmp(name, "local") == 0) {
		p = provider_local_new(a);
		if (p == NULL)
			snprintf(err, errlen, "[provider_local] max_concurrency: "
			    "a number in 0..1000");
		return p;
	}
	if (strcmp(name, "http") == 0)
		return provider_http_from_config(a, err, errlen);
	snprintf(err, errlen, "[worker] provider: unknown provider '%s'", name);
	return NULL;
}

void
provider_free(struct provider *p)
{
	if (p != NULL && p->free != NULL)
		p->free(p);
}
