/*
 * The agent's insides, shared by its process (agent.c) and its jobs
 * (agent_job.c).
 */
#ifndef PRIMERKA_AGENT_INT_H
#define PRIMERKA_AGENT_INT_H

#include <signal.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

#include "agent.h"
#include "worker.h"

#define AGENT_BACKOFF_MAX	30	/* seconds: the longest pause between
				   tries of a call to the API */

/* One claimed job on the agent. */
struct agent_job {
	struct agent_api *api;
	struct job_ctx	 c;
	json_object	*urls;		/* the answer c->put_url points into */
	char		 lease[32];
	char		 path[96];	/* "/api/v1/agent/jobs/ID/" */
	int		 lease_s;
	time_t		 alive_until;	/* the lease, as last renewed */
	int64_t		 urls_at;	/* ms: when the URLs were signed */
	int64_t		 urls_ttl;	/* ms: how long they live */
	int64_t		 urls_until;	/* ms: refresh the URLs by then */
	int64_t		 check_at;	/* ms: the next status call */
	int64_t		 parked_at;	/* ms: when the vendor took it */
	struct agent_job *next;
};

/* One agent process: its provider, its API client, the jobs it holds. */
struct agent {
	struct app	*app;
	struct provider	*prov;
	struct agent_api *api;
	struct agent_job *held;
	int		 nheld;
	int		 max;		/* --agent-jobs */
};

/* Set by SIGTERM: every wait ends early. */
extern volatile sig_atomic_t agent_stopping;

/*
 * A claimed job (j: the claim's "job") into aj (zeroed): RUNNING, the
 * provider's call.  1 when the vendor holds it (parked: keep it), 0 when
 * it is over (finished, failed or lost; free it).
 */
int	agent_job_start(struct agent *, struct agent_job *aj, json_object *j);

/*
 * A held job's turn: its lease renewed (with fresh URLs when due) and,
 * when due, one status call.  1 to keep holding it, 0 when it is over.
 */
int	agent_job_tend(struct agent *, struct agent_job *aj);

/* Let go of a job and free it. */
void	agent_job_free(struct agent *, struct agent_job *aj);

#endif /* PRIMERKA_AGENT_INT_H */
