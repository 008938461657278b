/*
 * A scripted HTTP stand-in for the CUnit suites that talk to S3 (test_s3,
 * test_ingest): failures and replies a real server cannot be made to
 * give, and a record of the requests it got.
 */
#ifndef PRIMERKA_TESTFAKE_H
#define PRIMERKA_TESTFAKE_H

#include <pthread.h>

#define TU_FAKE_MAX	16	/* requests whose details are kept */

struct tu_fake {
	int			 fd;
	int			 port;
	pthread_t		 th;
	pthread_mutex_t		 mu;
	const char *const	*replies;	/* raw responses; NULL: hang */
	int			 nreplies;
	int			 served;
	int			 stop;
	char			 method[TU_FAKE_MAX][8];
	char			 target[TU_FAKE_MAX][256];
	char			 ctype[TU_FAKE_MAX][64];
	long			 body_len[TU_FAKE_MAX];
};

/*
 * Listen on a free loopback port (fk->port) and serve from a thread: the
 * n-th request (its head, then Content-Length bytes) is answered with
 * replies[n] (the last one again past n), or hangs up to 5 s on NULL,
 * then the connection is closed.  The first TU_FAKE_MAX requests' method,
 * target, Content-Type and body size are kept.  0 or -1.
 */
int	 tu_fake_start(struct tu_fake *, const char *const *replies, int n);

/* Forget what was served; answer the next requests from replies. */
void	 tu_fake_reset(struct tu_fake *, const char *const *replies, int n);

/* The number of requests served so far. */
int	 tu_fake_served(struct tu_fake *);

/* Stop the stand-in; the number of requests it served. */
int	 tu_fake_stop(struct tu_fake *);

#endif /* PRIMERKA_TESTFAKE_H */
