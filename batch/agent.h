/*
 * primerka-batch --agent URL: the contour-B agent.  It claims jobs that
 * contour A handed over at QUEUED from the agent API (fcgi/agent_api.c),
 * calls the provider with the presigned GETs it was given, makes the
 * outputs (the UPLOADING stage) and PUTs them to the presigned PUTs,
 * then reports COMPLETED.  No database, no storage credentials, nothing
 * kept on disk: an empty configuration with a hosted provider's keys is
 * enough.
 */
#ifndef PRIMERKA_AGENT_H
#define PRIMERKA_AGENT_H

#include <stddef.h>

#include <json-c/json.h>

/* --agent-jobs: the jobs one agent process holds at once. */
#define AGENT_JOBS_DEFAULT	200
#define AGENT_JOBS_MAX		10000

/* One connection to the agent API (agent_http.c). */
struct agent_api;

/*
 * A client of the API at base (e.g. https://a.example/), authenticated
 * with token (copied).  NULL on failure.
 */
struct agent_api *agent_api_new(const char *base, const char *token);
void		 agent_api_free(struct agent_api *);

/*
 * POST body (NULL: none) to path under base: the HTTP status (0 when no
 * answer came: network, timeout) and, for a JSON object answer, *out
 * (caller puts; NULL otherwise).
 */
long		 agent_api_post(struct agent_api *, const char *path,
		    json_object *body, json_object **out);

/*
 * Run the agent with n processes, each carrying up to jobs jobs at once
 * (parked while their vendor works), until SIGTERM: 0, or 1 on a bad
 * setup or a refused token (agent.c).
 */
int		 agent_main(const char *url, const char *token_file, int n,
		    int jobs);

#endif /* PRIMERKA_AGENT_H */
