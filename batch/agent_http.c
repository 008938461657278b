/*
 * The agent's side of the agent API: JSON POSTs with the bearer token
 * over one reused libcurl handle.  Answers are parsed as untrusted
 * (lib/jsonv.c) and bounded in size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "agent.h"
#include "buf.h"
#include "jsonv.h"

#define AGENT_ANSWER_MAX	(1024 * 1024)
#define AGENT_TIMEOUT_S		30

struct agent_api {
	CURL		*curl;
	char		*base;		/* without a trailing slash */
	char		*auth;		/* "Authorization: Bearer ..." */
};

struct agent_api *
agent_api_new(const char *base, const char *token)
{
	struct agent_api *x;
	size_t		 n;

	x = calloc(1, sizeof(*x));
	if (x == NULL)
		return NULL;
	x->base = strdup(base);
	n = strlen("Authorization: Bearer ") + strlen(token) + 1;
	x->auth = malloc(n);
	x->curl = curl_easy_init();
	if (x->base == NULL || x->auth == NULL || x->curl == NULL) {
		agent_api_free(x);
		return NULL;
	}
	snprintf(x->auth, n, "Authorization: Bearer %s", token);
	n = strlen(x->base);
	while (n > 0 && x->base[n - 1] == '/')
		x->base[--n] = '\0';
	return x;
}

void
agent_api_free(struct agent_api *x)
{
	if (x == NULL)
		return;
	if (x->curl != NULL)
		curl_easy_cleanup(x->curl);
	if (x->auth != NULL)
		explicit_bzero(x->auth, strlen(x->auth));
	free(x->auth);
	free(x->base);
	free(x);
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct buf	*b = arg;

	if (b->len + size * n > AGENT_ANSWER_MAX)
		return 0;	/* too big: the transfer fails */
	buf_add(b, p, size * n);
	return b->err ? 0 : size * n;
}

long
agent_api_post(struct agent_api *x, const char *path, json_object *body,
    json_object **out)
{
	struct curl_slist *h = NULL;
	struct buf	 b = { 0 };
	char		 url[1024];
	const char	*text;
	long		 status = 0;

	*out = NULL;
	if ((size_t)snprintf(url, sizeof(url), "%s%s", x->base, path) >=
	    sizeof(url))
		return 0;
	text = body != NULL ? json_object_to_json_string_ext(body,
	    JSON_C_TO_STRING_PLAIN) : "";
	h = curl_slist_append(h, x->auth);
	if (body != NULL)
		h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:");
	curl_easy_reset(x->curl);
	curl_easy_setopt(x->curl, CURLOPT_URL, url);
	curl_easy_setopt(x->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(x->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(x->curl, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(x->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(text));
	curl_easy_setopt(x->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(x->curl, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(x->curl, CURLOPT_TIMEOUT, (long)AGENT_TIMEOUT_S);
	curl_easy_setopt(x->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(x->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(x->curl, CURLOPT_USERAGENT, "primerka-agent/1");
	if (curl_easy_perform(x->curl) == CURLE_OK)
		curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	if (status != 0 && b.len > 0 && !b.err) {
		buf_addc(&b, '\0');
		if (!b.err)
			*out = jsonv_parse_object(b.p, b.len - 1, 16);
	}
	buf_free(&b);
	return status;
}
