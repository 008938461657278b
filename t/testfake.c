/*
 * The scripted HTTP stand-in of test_s3 and test_ingest (testfake.h).
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testfake.h"

/*
 * Read one request (headers, then Content-Length bytes) into method,
 * target and ctype; its body size, or -1.
 */
static long
fake_read_request(int fd, char *method, size_t msz, char *target,
    size_t tsz, char *ctype, size_t csz)
{
	char		 buf[65536], *hend, *h, *end;
	size_t		 len = 0;
	ssize_t		 n;
	long long	 want = 0, got;

	for (;;) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
		hend = strstr(buf, "\r\n\r\n");
		if (hend != NULL)
			break;
		if (len == sizeof(buf) - 1)
			return -1;
	}
	n = (ssize_t)strcspn(buf, " ");
	(void)snprintf(method, msz, "%.*s", (int)n, buf);
	if (buf[n] == ' ')
		(void)snprintf(target, tsz, "%.*s",
		    (int)strcspn(buf + n + 1, " "), buf + n + 1);
	h = strcasestr(buf, "\r\ncontent-type: ");
	if (h != NULL && h < hend)
		(void)snprintf(ctype, csz, "%.*s",
		    (int)strcspn(h + 16, "\r"), h + 16);
	h = strcasestr(buf, "\r\ncontent-length:");
	if (h != NULL && h < hend) {
		errno = 0;
		want = strtoll(h + 17, &end, 10);
		if (errno != 0 || end == h + 17 || want < 0)
			return -1;
	}
	got = (long long)(len - (size_t)(hend + 4 - buf));
	while (got < want) {
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return -1;
		got += n;
	}
	return (long)want;
}

/* Keep request i's details (under fk->mu). */
static void
fake_record(struct tu_fake *fk, int i, const char *method,
    const char *target, const char *ctype, long blen)
{
	if (i >= TU_FAKE_MAX)
		return;
	(void)snprintf(fk->method[i], sizeof(fk->method[i]), "%s", method);
	(void)snprintf(fk->target[i], sizeof(fk->target[i]), "%s", target);
	(void)snprintf(fk->ctype[i], sizeof(fk->ctype[i]), "%s", ctype);
	fk->body_len[i] = blen;
}

static void *
fake_main(void *arg)
{
	struct tu_fake	*fk = arg;
	struct pollfd	 pfd;
	const char	*reply;
	char		 method[8], target[256], ctype[64];
	long		 blen;
	int		 cfd, i;

	for (;;) {
		pthread_mutex_lock(&fk->mu);
		i = fk->stop;
		pthread_mutex_unlock(&fk->mu);
		if (i)
			break;
		pfd.fd = fk->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		cfd = accept(fk->fd, NULL, NULL);
		if (cfd == -1)
			continue;
		method[0] = target[0] = ctype[0] = '\0';
		blen = fake_read_request(cfd, method, sizeof(method), target,
		    sizeof(target), ctype, sizeof(ctype));
		pthread_mutex_lock(&fk->mu);
		i = fk->served++;
		fake_record(fk, i, method, target, ctype, blen);
		reply = fk->replies[i < fk->nreplies ? i : fk->nreplies - 1];
		pthread_mutex_unlock(&fk->mu);
		if (reply == NULL) {
			/* Hang until the client gives up. */
			pfd.fd = cfd;
			pfd.events = POLLIN;
			(void)poll(&pfd, 1, 5000);
		} else
			(void)write(cfd, reply, strlen(reply));
		close(cfd);
	}
	return NULL;
}

int
tu_fake_start(struct tu_fake *fk, const char *const *replies, int n)
{
	struct sockaddr_in	 sa;
	socklen_t		 len = sizeof(sa);

	memset(fk, 0, sizeof(*fk));
	fk->replies = replies;
	fk->nreplies = n;
	fk->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fk->fd == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fk->fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(fk->fd, 16) == -1 ||
	    getsockname(fk->fd, (struct sockaddr *)&sa, &len) == -1) {
		close(fk->fd);
		return -1;
	}
	fk->port = ntohs(sa.sin_port);
	pthread_mutex_init(&fk->mu, NULL);
	if (pthread_create(&fk->th, NULL, fake_main, fk) != 0) {
		close(fk->fd);
		return -1;
	}
	return 0;
}

void
tu_fake_reset(struct tu_fake *fk, const char *const *replies, int n)
{
	pthread_mutex_lock(&fk->mu);
	fk->served = 0;
	memset(fk->method, 0, sizeof(fk->method));
	memset(fk->target, 0, sizeof(fk->target));
	memset(fk->ctype, 0, sizeof(fk->ctype));
	memset(fk->body_len, 0, sizeof(fk->body_len));
	fk->replies = replies;
	fk->nreplies = n;
	pthread_mutex_unlock(&fk->mu);
}

int
tu_fake_served(struct tu_fake *fk)
{
	int	 n;

	pthread_mutex_lock(&fk->mu);
	n = fk->served;
	pthread_mutex_unlock(&fk->mu);
	return n;
}

int
tu_fake_stop(struct tu_fake *fk)
{
	int	 n;

	pthread_mutex_lock(&fk->mu);
	fk->stop = 1;
	pthread_mutex_unlock(&fk->mu);
	pthread_join(fk->th, NULL);
	close(fk->fd);
	n = fk->served;
	pthread_mutex_destroy(&fk->mu);
	return n;
}
