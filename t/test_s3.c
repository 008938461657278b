/*
 * Tests for lib/s3 against a real s3rver (started here on a free loopback
 * port, stopped at the end) and against a scripted fake HTTP server (a
 * thread in this process) for retries, caps and timeouts.
 *
 * s3rver does not verify SigV4 signatures (it only checks the access key
 * and the clock), so signing correctness is proven by test_sigv4; here the
 * presigned URLs of s3_presign_* are also compared byte for byte with
 * botocore's generate_presigned_url() (t/sigv4_botocore.py, "U" lines).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* nftw() flags, strcasestr() */
#endif

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <curl/curl.h>

#include "testfake.h"
#include "testutil.h"
#include "../lib/s3.h"

#define S3RVER_KEY	"S3RVER"	/* s3rver's built-in account */
#define MiB		(1024 * 1024)

/* The s3rver instance shared by the "s3rver" suite. */
struct server {
	pid_t	 pid;
	int	 port;
	char	 dir[64];
	char	 endpoint[64];
	char	 vendpoint[64];	/* virtual-host: http://s3.localhost:port */
};

static struct server srv = { -1, 0, "", "", "" };


/* ---- helpers --------------------------------------------------------- */

static double
now_s(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A loopback port nobody listens on right now. */
static int
free_port(void)
{
	struct sockaddr_in	 sa;
	socklen_t		 len = sizeof(sa);
	int			 fd, port = -1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* Wait until something accepts on 127.0.0.1:port; 0 on success. */
static int
wait_port(int port, double timeout_s)
{
	struct sockaddr_in	 sa;
	double			 end = now_s() + timeout_s;
	int			 fd, ok;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	while (now_s() < end) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd == -1)
			return -1;
		ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
		close(fd);
		if (ok)
			return 0;
		usleep(50 * 1000);
	}
	return -1;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(path);
}

/* Deterministic test bytes (every value 0..255 appears, NULs included). */
static unsigned char *
test_bytes(size_t n, uint32_t seed)
{
	unsigned char	*p;
	size_t		 i;
	uint32_t	 x = seed ? seed : 1;

	p = malloc(n ? n : 1);
	if (p == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)(i < 256 ? i : x >> 24);
	}
	return p;
}

/* A client on endpoint with small, fast retry settings. */
static struct s3_client *
make_client(const char *endpoint, const char *public_endpoint, int path_style,
    int retries)
{
	struct s3_config	 cfg;
	struct s3_error		 err;
	struct s3_client	*c;

	s3_config_init(&cfg);
	cfg.endpoint = endpoint;
	cfg.public_endpoint = public_endpoint;
	cfg.access_key = S3RVER_KEY;
	cfg.secret_key = S3RVER_KEY;
	cfg.path_style = path_style;
	cfg.max_retries = retries;
	cfg.retry_base_ms = 10;
	cfg.retry_max_ms = 100;
	cfg.timeout_ms = 30000;
	c = s3_client_new(&cfg, &err);
	if (c == NULL)
		fprintf(stderr, "s3_client_new: %s: %s\n", err.code,
		    err.message);
	return c;
}

/* ---- plain libcurl, to use presigned URLs as a browser would ---------- */

static size_t
sink(char *p, size_t sz, size_t n, void *arg)
{
	struct { unsigned char *p; size_t len; } *b = arg;
	unsigned char	*np;

	np = realloc(b->p, b->len + sz * n + 1);
	if (np == NULL)
		return 0;
	memcpy(np + b->len, p, sz * n);
	b->p = np;
	b->len += sz * n;
	return sz * n;
}

/* GET or PUT url with a fresh easy handle; returns the HTTP status. */
static long
plain_curl(const char *method, const char *url, const void *data,
    size_t len, const char *ctype, unsigned char **out, size_t *outlen)
{
	struct { unsigned char *p; size_t len; } b = { NULL, 0 };
	struct curl_slist	*h = NULL;
	char			 line[256];
	long			 status = 0;
	CURL			*cu;

	cu = curl_easy_init();
	if (cu == NULL)
		return -1;
	curl_easy_setopt(cu, CURLOPT_URL, url);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(cu, CURLOPT_TIMEOUT, 30L);
	if (strcmp(method, "PUT") == 0) {
		curl_easy_setopt(cu, CURLOPT_CUSTOMREQUEST, "PUT");
		curl_easy_setopt(cu, CURLOPT_POSTFIELDS, data);
		curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
		(void)snprintf(line, sizeof(line), "Content-Type: %s",
		    ctype ? ctype : "");
		h = curl_slist_append(h, line);
		curl_easy_setopt(cu, CURLOPT_HTTPHEADER, h);
	}
	if (curl_easy_perform(cu) == CURLE_OK)
		curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(cu);
	if (out != NULL) {
		*out = b.p;
		*outlen = b.len;
	} else
		free(b.p);
	return status;
}

/* ---- s3rver ---------------------------------------------------------- */

static int
s3rver_start(void)
{
	const char	*srcdir = getenv("srcdir"), *js = getenv("S3RVER_JS");
	char		 jsbuf[4096], portbuf[16];
	int		 n;

	if (srcdir == NULL || *srcdir == '\0')
		srcdir = ".";
	if (js == NULL) {
		n = snprintf(jsbuf, sizeof(jsbuf),
		    "%s/node_modules/s3rver/bin/s3rver.js", srcdir);
		if (n < 0 || (size_t)n >= sizeof(jsbuf))
			return -1;
		js = jsbuf;
	}
	if (access(js, R_OK) == -1) {
		fprintf(stderr, "s3rver not found at %s (npm install?)\n", js);
		return -1;
	}
	(void)snprintf(srv.dir, sizeof(srv.dir), "/tmp/test_s3.XXXXXX");
	if (mkdtemp(srv.dir) == NULL)
		return -1;
	srv.port = free_port();
	if (srv.port <= 0)
		return -1;
	(void)snprintf(portbuf, sizeof(portbuf), "%d", srv.port);
	(void)snprintf(srv.endpoint, sizeof(srv.endpoint),
	    "http://127.0.0.1:%d", srv.port);
	(void)snprintf(srv.vendpoint, sizeof(srv.vendpoint),
	    "http://s3.localhost:%d", srv.port);

	srv.pid = fork();
	if (srv.pid == -1)
		return -1;
	if (srv.pid == 0) {
		/* Own process group (killed as one); die with the test. */
		(void)setsid();
		(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
		n = open("/dev/null", O_RDWR);
		if (n != -1) {
			(void)dup2(n, STDIN_FILENO);
			(void)dup2(n, STDOUT_FILENO);
			close(n);
		}
		execlp("node", "node", js, "--silent", "--address",
		    "127.0.0.1", "--port", portbuf, "--directory", srv.dir,
		    "--service-endpoint", "localhost", (char *)NULL);
		_exit(127);
	}
	if (wait_port(srv.port, 20.0) == -1) {
		fprintf(stderr, "s3rver did not come up on port %d\n",
		    srv.port);
		return -1;
	}
	return 0;
}

static int
s3rver_stop(void)
{
	double	 end;
	int	 st;

	if (srv.pid > 0) {
		(void)kill(-srv.pid, SIGTERM);
		end = now_s() + 5.0;
		while (waitpid(srv.pid, &st, WNOHANG) == 0) {
			if (now_s() > end) {
				(void)kill(-srv.pid, SIGKILL);
				(void)waitpid(srv.pid, &st, 0);
				break;
			}
			usleep(20 * 1000);
		}
		srv.pid = -1;
	}
	if (srv.dir[0] != '\0')
		(void)nftw(srv.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static int
suite_s3rver_init(void)
{
	struct s3_client	*c;
	struct s3_error		 err;
	int			 rc = 0;

	if (s3rver_start() == -1)
		return -1;
	c = make_client(srv.endpoint, NULL, 1, 2);
	if (c == NULL)
		return -1;
	if (s3_create_bucket(c, "user-photos", &err) != S3_OK ||
	    s3_create_bucket(c, "results", &err) != S3_OK) {
		fprintf(stderr, "create bucket: %s %s\n", err.code,
		    err.message);
		rc = -1;
	}
	s3_client_free(c);
	return rc;
}

static int
suite_s3rver_cleanup(void)
{
	return s3rver_stop();
}

/* ---- s3rver tests ---------------------------------------------------- */

static void
test_buckets(void)
{
	struct s3_client	*c;
	struct s3_error		 err;
	struct s3_stats		 st;

	c = make_client(srv.endpoint, NULL, 1, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	/* Creating again is fine; so is asking. */
	CU_ASSERT_EQUAL(s3_create_bucket(c, "user-photos", &err), S3_OK);
	CU_ASSERT_EQUAL(s3_bucket_exists(c, "user-photos", &err), 1);
	CU_ASSERT_EQUAL(s3_bucket_exists(c, "no-such-bucket", &err), 0);
	CU_ASSERT_EQUAL(err.status, 404);
	CU_ASSERT_EQUAL(s3_create_bucket(c, "videos", &err), S3_OK);
	CU_ASSERT_EQUAL(s3_bucket_exists(c, "videos", &err), 1);
	/* Bad names never reach the server. */
	CU_ASSERT_EQUAL(s3_create_bucket(c, "a/b", &err), S3_EINVAL);
	CU_ASSERT_EQUAL(s3_bucket_exists(c, "x", &err), S3_EINVAL);
	s3_client_stats(c, &st);
	CU_ASSERT_EQUAL(st.failures, 0);
	s3_client_free(c);
}

static void
test_roundtrip(void)
{
	struct s3_client	*c;
	struct s3_error		 err;
	unsigned char		*data, *got = NULL;
	size_t			 len = 100 * 1024 + 7, glen = 0, hlen = 0;
	int			 rc;

	c = make_client(srv.endpoint, NULL, 1, 1);
	data = test_bytes(len, 42);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(data);

	rc = s3_put(c, "user-photos", "u/1/photo.bin", data, len,
	    "application/octet-stream", &err);
	CU_ASSERT_EQUAL(rc, S3_OK);
	CU_ASSERT_EQUAL(s3_head(c, "user-photos", "u/1/photo.bin", &hlen,
	    &err), S3_OK);
	CU_ASSERT_EQUAL(hlen, len);
	rc = s3_get(c, "user-photos", "u/1/photo.bin", len, &got, &glen, &err);
	CU_ASSERT_EQUAL(rc, S3_OK);
	CU_ASSERT_EQUAL(glen, len);
	CU_ASSERT(got != NULL && memcmp(got, data, len) == 0);
	free(got);
	got = NULL;

	/* Delete, then it is gone with a proper error. */
	CU_ASSERT_EQUAL(s3_delete(c, "user-photos", "u/1/photo.bin", &err),
	    S3_OK);
	rc = s3_get(c, "user-photos", "u/1/photo.bin", len, &got, &glen, &err);
	CU_ASSERT_EQUAL(rc, S3_ENOTFOUND);
	CU_ASSERT_EQUAL(err.status, 404);
	CU_ASSERT_STRING_EQUAL(err.code, "NoSuchKey");
	CU_ASSERT_EQUAL(err.attempts, 1);	/* 4xx: never retried */
	CU_ASSERT_PTR_NULL(got);
	CU_ASSERT_EQUAL(s3_head(c, "user-photos", "u/1/photo.bin", &hlen,
	    &err), S3_ENOTFOUND);
	CU_ASSERT_STRING_EQUAL(err.code, "NoSuchKey");
	/* Missing bucket. */
	rc = s3_get(c, "no-such-bucket", "k", 10, &got, &glen, &err);
	CU_ASSERT_EQUAL(rc, S3_ENOTFOUND);
	CU_ASSERT_STRING_EQUAL(err.code, "NoSuchBucket");

	free(data);
	s3_client_free(c);
}

static void
test_zero_bytes(void)
{
	struct s3_client	*c;
	struct s3_error		 err;
	unsigned char		*got = NULL;
	size_t			 glen = 99, hlen = 99;

	c = make_client(srv.endpoint, NULL, 1, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(s3_put(c, "results", "empty", NULL, 0, NULL, &err),
	    S3_OK);
	CU_ASSERT_EQUAL(s3_head(c, "results", "empty", &hlen, &err), S3_OK);
	CU_ASSERT_EQUAL(hlen, 0);
	CU_ASSERT_EQUAL(s3_get(c, "results", "empty", 0, &got, &glen, &err),
	    S3_OK);
	CU_ASSERT_EQUAL(glen, 0);
	CU_ASSERT_PTR_NOT_NULL(got);
	free(got);
	s3_client_free(c);
}

/*
 * Keys that need encoding survive the round trip.  (A key with a leading
 * '/' is valid S3, and its URL is checked against botocore, but s3rver's
 * router cannot serve "//", so it is not stored here.)
 */
static void
test_odd_keys(void)
{
	static const char *keys[] = {
		"a b/c+d=e~f.txt", "ü ñ 日本/платье.jpg", "!'()*,;:@&$",
		"percent%20literal", "question?hash#amp&", "deep/a/b/c/d.txt",
		"plus+only", "eq=only", "tilde~", "space  two",
	};
	struct s3_client	*c;
	struct s3_error		 err;
	unsigned char		*got;
	size_t			 i, glen;

	c = make_client(srv.endpoint, NULL, 1, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		got = NULL;
		CU_ASSERT_EQUAL(s3_put(c, "results", keys[i], keys[i],
		    strlen(keys[i]), "text/plain", &err), S3_OK);
		CU_ASSERT_EQUAL(s3_get(c, "results", keys[i], 4096, &got,
		    &glen, &err), S3_OK);
		if (got == NULL || glen != strlen(keys[i]) ||
		    memcmp(got, keys[i], glen) != 0) {
			fprintf(stderr, "\nkey %s: %s %s\n", keys[i], err.code,
			    err.message);
			CU_FAIL("odd key round trip");
		}
		free(got);
	}
	s3_client_free(c);
}

static void
test_multipart(void)
{
	struct s3_client	*c;
	struct s3_error		 err;
	struct s3_stats		 a, b;
	unsigned char		*data, *got = NULL;
	size_t			 len = 20 * 1000 * 1000, glen = 0, hlen = 0;
	int			 rc;

	c = make_client(srv.endpoint, NULL, 1, 1);
	data = test_bytes(len, 7);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	s3_client_stats(c, &a);
	rc = s3_put(c, "results", "big/20mb.bin", data, len, NULL, &err);
	if (rc != S3_OK)
		fprintf(stderr, "\nmultipart: %s %s\n", err.code, err.message);
	CU_ASSERT_EQUAL(rc, S3_OK);
	s3_client_stats(c, &b);
	/* 16 MiB threshold, 8 MiB parts: initiate, 3 parts, complete. */
	CU_ASSERT_EQUAL(b.multipart_uploads - a.multipart_uploads, 1);
	CU_ASSERT_EQUAL(b.requests - a.requests, 5);
	CU_ASSERT(b.bytes_sent - a.bytes_sent >= len);

	CU_ASSERT_EQUAL(s3_head(c, "results", "big/20mb.bin", &hlen, &err),
	    S3_OK);
	CU_ASSERT_EQUAL(hlen, len);
	rc = s3_get(c, "results", "big/20mb.bin", 32 * MiB, &got, &glen, &err);
	CU_ASSERT_EQUAL(rc, S3_OK);
	CU_ASSERT_EQUAL(glen, len);
	CU_ASSERT(got != NULL && glen == len && memcmp(got, data, len) == 0);
	free(got);
	got = NULL;
	/* Just under the threshold: one PUT. */
	s3_client_stats(c, &a);
	CU_ASSERT_EQUAL(s3_put(c, "results", "big/under.bin", data,
	    16 * MiB - 1, NULL, &err), S3_OK);
	s3_client_stats(c, &b);
	CU_ASSERT_EQUAL(b.requests - a.requests, 1);
	CU_ASSERT_EQUAL(b.multipart_uploads, a.multipart_uploads);
	/* The size cap holds for big objects too, before reading them. */
	rc = s3_get(c, "results", "big/20mb.bin", 1 * MiB, &got, &glen, &err);
	CU_ASSERT_EQUAL(rc, S3_ETOOBIG);
	CU_ASSERT_STRING_EQUAL(err.code, "TooLarge");
	CU_ASSERT_PTR_NULL(got);
	free(data);
	s3_client_free(c);
}

static void
test_max_bytes(void)
{
	struct s3_client	*c;
	struct s3_error		 err;
	unsigned char		*data, *got = NULL;
	size_t			 glen = 0;

	c = make_client(srv.endpoint, NULL, 1, 2);
	data = test_bytes(1000, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	CU_ASSERT_EQUAL(s3_put(c, "results", "cap/1000", data, 1000, NULL,
	    &err), S3_OK);
	CU_ASSERT_EQUAL(s3_get(c, "results", "cap/1000", 999, &got, &glen,
	    &err), S3_ETOOBIG);
	CU_ASSERT_EQUAL(err.attempts, 1);
	CU_ASSERT_PTR_NULL(got);
	CU_ASSERT_EQUAL(s3_get(c, "results", "cap/1000", 1000, &got, &glen,
	    &err), S3_OK);
	CU_ASSERT_EQUAL(glen, 1000);
	free(got);
	free(data);
	s3_client_free(c);
}

static void
test_presigned(void)
{
	struct s3_client	*c;
	struct s3_error		 err;
	unsigned char		*data, *got = NULL;
	size_t			 glen = 0, len = 50000;
	char			*url;
	long			 st;

	c = make_client(srv.endpoint, NULL, 1, 1);
	data = test_bytes(len, 11);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	CU_ASSERT_EQUAL(s3_put(c, "results", "r/1 ü.jpg", data, len,
	    "image/jpeg", &err), S3_OK);

	/* Presigned GET through a plain libcurl handle. */
	url = s3_presign_get(c, "results", "r/1 ü.jpg", 300, time(NULL));
	CU_ASSERT_PTR_NOT_NULL_FATAL(url);
	CU_ASSERT(strncmp(url, srv.endpoint, strlen(srv.endpoint)) == 0);
	st = plain_curl("GET", url, NULL, 0, NULL, &got, &glen);
	CU_ASSERT_EQUAL(st, 200);
	CU_ASSERT(glen == len && got != NULL && memcmp(got, data, len) == 0);
	free(got);
	got = NULL;
	/* The same through the client's own fetch helper. */
	CU_ASSERT_EQUAL(s3_fetch_url(c, url, len, &got, &glen, &err), S3_OK);
	CU_ASSERT(glen == len && got != NULL && memcmp(got, data, len) == 0);
	free(got);
	got = NULL;
	CU_ASSERT_EQUAL(s3_fetch_url(c, url, len - 1, &got, &glen, &err),
	    S3_ETOOBIG);
	free(url);

	/* An expired URL is refused by the server. */
	url = s3_presign_get(c, "results", "r/1 ü.jpg", 60, time(NULL) - 3600);
	CU_ASSERT_PTR_NOT_NULL_FATAL(url);
	CU_ASSERT_EQUAL(plain_curl("GET", url, NULL, 0, NULL, NULL, NULL),
	    403);
	CU_ASSERT_EQUAL(s3_fetch_url(c, url, len, &got, &glen, &err),
	    S3_EHTTP);
	CU_ASSERT_EQUAL(err.status, 403);
	CU_ASSERT_EQUAL(err.attempts, 1);
	free(url);

	/* Presigned PUT (content type signed) through plain libcurl. */
	url = s3_presign_put(c, "user-photos", "u/2/in.png", "image/png", 300,
	    time(NULL));
	CU_ASSERT_PTR_NOT_NULL_FATAL(url);
	CU_ASSERT_PTR_NOT_NULL(strstr(url, "X-Amz-SignedHeaders="
	    "content-type%3Bhost"));
	st = plain_curl("PUT", url, data, 1234, "image/png", NULL, NULL);
	CU_ASSERT_EQUAL(st, 200);
	free(url);
	CU_ASSERT_EQUAL(s3_get(c, "user-photos", "u/2/in.png", 4096, &got,
	    &glen, &err), S3_OK);
	CU_ASSERT(glen == 1234 && got != NULL && memcmp(got, data, 1234) ==
	    0);
	free(got);
	got = NULL;

	/* And through s3_put_url, as the worker does. */
	url = s3_presign_put(c, "results", "r/out.mp4", NULL, 300, time(NULL));
	CU_ASSERT_PTR_NOT_NULL_FATAL(url);
	CU_ASSERT_EQUAL(s3_put_url(c, url, data, 777, NULL, &err), S3_OK);
	free(url);
	CU_ASSERT_EQUAL(s3_get(c, "results", "r/out.mp4", 4096, &got, &glen,
	    &err), S3_OK);
	CU_ASSERT(glen == 777 && got != NULL && memcmp(got, data, 777) == 0);
	free(got);

	/* Argument checks. */
	CU_ASSERT_PTR_NULL(s3_presign_get(c, "results", "k", 0, time(NULL)));
	CU_ASSERT_PTR_NULL(s3_presign_get(c, "results", "k", 604801,
	    time(NULL)));
	CU_ASSERT_PTR_NULL(s3_presign_get(c, "results", "", 60, time(NULL)));
	CU_ASSERT_PTR_NULL(s3_presign_put(c, "results", "k", "a\r\nb: c", 60,
	    time(NULL)));
	free(data);
	s3_client_free(c);
}

static void
test_virtual_host_live(void)
{
	struct s3_client	*c;
	struct s3_error		 err;
	unsigned char		*got = NULL;
	size_t			 glen = 0;
	char			 want[128], *url;
	long			 st;

	c = make_client(srv.vendpoint, NULL, 0, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	url = s3_object_url(c, "user-photos", "v/k 1", 0);
	(void)snprintf(want, sizeof(want),
	    "http://user-photos.s3.localhost:%d/v/k%%201", srv.port);
	ASSERT_STR(url, want);
	free(url);
	CU_ASSERT_EQUAL(s3_bucket_exists(c, "user-photos", &err), 1);
	CU_ASSERT_EQUAL(s3_put(c, "user-photos", "v/k 1", "vhost", 5,
	    "text/plain", &err), S3_OK);
	CU_ASSERT_EQUAL(s3_get(c, "user-photos", "v/k 1", 100, &got, &glen,
	    &err), S3_OK);
	CU_ASSERT(glen == 5 && got != NULL && memcmp(got, "vhost", 5) == 0);
	free(got);
	got = NULL;
	url = s3_presign_get(c, "user-photos", "v/k 1", 60, time(NULL));
	CU_ASSERT_PTR_NOT_NULL_FATAL(url);
	CU_ASSERT(strncmp(url, want, strlen(want)) == 0);
	st = plain_curl("GET", url, NULL, 0, NULL, &got, &glen);
	CU_ASSERT_EQUAL(st, 200);
	CU_ASSERT(glen == 5 && got != NULL && memcmp(got, "vhost", 5) == 0);
	free(got);
	free(url);
	s3_client_free(c);
}

/* One easy handle: many requests, few connections. */
static void
test_connection_reuse(void)
{
	struct s3_client	*c;
	struct s3_error		 err;
	struct s3_stats		 a, b;
	size_t			 len;
	int			 i;

	c = make_client(srv.endpoint, NULL, 1, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(s3_put(c, "results", "reuse", "x", 1, NULL, &err),
	    S3_OK);
	s3_client_stats(c, &a);
	for (i = 0; i < 20; i++)
		CU_ASSERT_EQUAL(s3_head(c, "results", "reuse", &len, &err),
		    S3_OK);
	s3_client_stats(c, &b);
	CU_ASSERT_EQUAL(b.requests - a.requests, 20);
	CU_ASSERT(b.connections - a.connections <= 1);
	s3_client_free(c);
}

/* ---- URL building (no server needed) --------------------------------- */

static void
test_url_building(void)
{
	struct s3_config	 cfg;
	struct s3_client	*c;
	struct s3_error		 err;
	char			*u;

	c = make_client("HTTP://S3.Example.COM:80/", "https://cdn.example.com",
	    1, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	u = s3_object_url(c, "bucket", "a b/ü+=.jpg", 0);
	ASSERT_STR(u, "http://s3.example.com/bucket/a%20b/%C3%BC%2B%3D.jpg");
	free(u);
	u = s3_object_url(c, "bucket", NULL, 0);
	ASSERT_STR(u, "http://s3.example.com/bucket");
	free(u);
	u = s3_object_url(c, "bucket", "k", 1);
	ASSERT_STR(u, "https://cdn.example.com/bucket/k");
	free(u);
	/* Presigned URLs go to the public endpoint. */
	u = s3_presign_get(c, "bucket", "k", 60, 1893499200);
	CU_ASSERT_PTR_NOT_NULL(u);
	CU_ASSERT(u != NULL && strncmp(u, "https://cdn.example.com/bucket/k?"
	    "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=S3RVER%2F"
	    "20300101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date="
	    "20300101T120000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&"
	    "X-Amz-Signature=", 203) == 0);
	free(u);
	s3_client_free(c);

	/* Virtual-host style, with the fall-backs to path style. */
	c = make_client("https://storage.yandexcloud.net", NULL, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	u = s3_object_url(c, "user-photos", "k", 0);
	ASSERT_STR(u, "https://user-photos.storage.yandexcloud.net/k");
	free(u);
	u = s3_object_url(c, "user-photos", NULL, 0);
	ASSERT_STR(u, "https://user-photos.storage.yandexcloud.net/");
	free(u);
	u = s3_object_url(c, "my.bucket", "k", 0);	/* dots: path style */
	ASSERT_STR(u, "https://storage.yandexcloud.net/my.bucket/k");
	free(u);
	u = s3_object_url(c, "Upper_Case", "k", 0);	/* not a DNS label */
	ASSERT_STR(u, "https://storage.yandexcloud.net/Upper_Case/k");
	free(u);
	s3_client_free(c);

	c = make_client("http://127.0.0.1:9000/s3/", NULL, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	u = s3_object_url(c, "bucket", "k", 0);		/* IP: path style */
	ASSERT_STR(u, "http://127.0.0.1:9000/s3/bucket/k");
	free(u);
	s3_client_free(c);
	c = make_client("https://[::1]:443", NULL, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	u = s3_object_url(c, "bucket", "k", 0);
	ASSERT_STR(u, "https://[::1]/bucket/k");
	free(u);
	s3_client_free(c);

	/* Bad configurations are refused with a reason. */
	s3_config_init(&cfg);
	cfg.access_key = cfg.secret_key = "k";
	cfg.endpoint = "ftp://x";
	CU_ASSERT_PTR_NULL(s3_client_new(&cfg, &err));
	CU_ASSERT_STRING_EQUAL(err.code, "InvalidConfig");
	cfg.endpoint = "http://user:pw@x";
	CU_ASSERT_PTR_NULL(s3_client_new(&cfg, &err));
	cfg.endpoint = "http://x:99999";
	CU_ASSERT_PTR_NULL(s3_client_new(&cfg, &err));
	cfg.endpoint = "http://x/?a=b";
	CU_ASSERT_PTR_NULL(s3_client_new(&cfg, &err));
	cfg.endpoint = "http://x";
	cfg.part_size = 1024;
	CU_ASSERT_PTR_NULL(s3_client_new(&cfg, &err));
	cfg.part_size = 8 * MiB;
	cfg.region = "us/east";
	CU_ASSERT_PTR_NULL(s3_client_new(&cfg, &err));
	cfg.region = "ru-central1";
	cfg.secret_key = NULL;
	CU_ASSERT_PTR_NULL(s3_client_new(&cfg, &err));
	cfg.secret_key = "k";
	c = s3_client_new(&cfg, &err);
	CU_ASSERT_PTR_NOT_NULL(c);
	s3_client_free(c);
}



/*
 * Redo a "U" line (id access secret region endpoint style time bucket
 * key method expires content_type url) with s3_presign_*; 1 if equal.
 */
static int
compare_client_line(char **f, size_t nf)
{
	struct s3_config	 cfg;
	struct s3_error		 err;
	struct s3_client	*c;
	char			*url, *end;
	long long		 t, exp;
	int			 ok;

	if (nf != 14 || tu_unhex(f[9]) == -1 || tu_unhex(f[12]) == -1)
		return 0;
	errno = 0;
	t = strtoll(f[7], &end, 10);
	if (errno != 0 || *end != '\0' || end == f[7])
		return 0;
	exp = strtoll(f[11], &end, 10);
	if (errno != 0 || *end != '\0' || end == f[11] || exp < 1 ||
	    exp > 604800)
		return 0;
	s3_config_init(&cfg);
	cfg.endpoint = f[5];
	cfg.region = f[4];
	cfg.access_key = f[2];
	cfg.secret_key = f[3];
	cfg.path_style = strcmp(f[6], "path") == 0;
	c = s3_client_new(&cfg, &err);
	if (c == NULL)
		return 0;
	if (strcmp(f[10], "GET") == 0)
		url = s3_presign_get(c, f[8], f[9], (int)exp, (time_t)t);
	else
		url = s3_presign_put(c, f[8], f[9], f[12][0] ? f[12] : NULL,
		    (int)exp, (time_t)t);
	ok = url != NULL && strcmp(url, f[13]) == 0;
	if (!ok)
		fprintf(stderr, "\nU %s:\n  ours     %s\n  botocore %s\n", f[1],
		    url ? url : "(null)", f[13]);
	free(url);
	s3_client_free(c);
	return ok;
}

static void
test_botocore_presign(void)
{
	const char	*srcdir = getenv("srcdir");
	char		 script[4096], *out = NULL, *line, *nl, *t, *f[20];
	char		*argv[3];
	size_t		 nf;
	int		 st, n, compared = 0, matched = 0;

	if (srcdir == NULL || *srcdir == '\0')
		srcdir = ".";
	n = snprintf(script, sizeof(script), "%s/t/sigv4_botocore.py", srcdir);
	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(script));
	argv[0] = "/usr/bin/python3";
	argv[1] = script;
	argv[2] = NULL;
	st = access(argv[0], X_OK) == 0 ? tu_run_capture(argv, &out) : 77;
	if (st == 77) {
		fprintf(stderr, "\nSKIP botocore comparison: no botocore for "
		    "/usr/bin/python3\n");
		CU_ASSERT(getenv("PRIMERKA_REQUIRE_BOTOCORE") == NULL);
		free(out);
		return;
	}
	CU_ASSERT_EQUAL_FATAL(st, 0);
	for (line = out; line != NULL && *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl == NULL)
			break;
		*nl = '\0';
		for (nf = 0; nf < 20; ) {
			f[nf++] = line;
			t = strchr(line, '\t');
			if (t == NULL)
				break;
			*t = '\0';
			line = t + 1;
		}
		if (strcmp(f[0], "U") == 0) {
			compared++;
			matched += compare_client_line(f, nf);
		}
	}
	fprintf(stderr, "\nbotocore: %d/%d client presigned URLs identical\n",
	    matched, compared);
	CU_ASSERT(compared >= 30);
	CU_ASSERT_EQUAL(matched, compared);
	free(out);
}

/* ---- a scripted fake server, for failures s3rver cannot produce ------ */

#define R503 "HTTP/1.1 503 Slow Down\r\nContent-Length: 0\r\n"		\
	"Connection: close\r\n\r\n"
#define R500 "HTTP/1.1 500 Internal Server Error\r\nContent-Type: "	\
	"application/xml\r\nContent-Length: 76\r\nConnection: close\r\n\r\n" \
	"<Error><Code>InternalError</Code><Message>oops</Message></Error>" \
	"\n           "
#define R429 "HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n"	\
	"Connection: close\r\n\r\n"
#define R403 "HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\n" \
	"Content-Length: 78\r\nConnection: close\r\n\r\n"		\
	"<Error><Code>AccessDenied</Code><Message>Access &amp; Denied"	\
	"</Message></Error>"
#define R404 "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"		\
	"Connection: close\r\n\r\n"
#define R200 "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: \"abc\"\r\n"	\
	"Connection: close\r\n\r\nhello"
#define R200BIG "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n"		\
	"Connection: close\r\n\r\nxxxxxxxxxx"
#define R200LIAR "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"		\
	"0123456789abcdef0123456789"

static struct s3_client *
fake_client(const struct tu_fake *fk, int retries, long timeout_ms)
{
	struct s3_config	 cfg;
	char			 ep[64];

	(void)snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", fk->port);
	s3_config_init(&cfg);
	cfg.endpoint = ep;
	cfg.access_key = "AKIDEXAMPLE";
	cfg.secret_key = "secret";
	cfg.max_retries = retries;
	cfg.retry_base_ms = 40;
	cfg.retry_max_ms = 200;
	cfg.timeout_ms = timeout_ms;
	return s3_client_new(&cfg, NULL);
}

static void
test_retry_5xx_then_ok(void)
{
	static const char *const replies[] = { R503, R500, R200 };
	struct tu_fake		 fk;
	struct s3_client	*c;
	struct s3_error		 err;
	struct s3_stats		 st;
	unsigned char		*got = NULL;
	size_t			 glen = 0;
	char			 url[128];
	double			 t0, dt;

	CU_ASSERT_EQUAL_FATAL(tu_fake_start(&fk, replies, 3), 0);
	c = fake_client(&fk, 3, 10000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%d/x?sig=1",
	    fk.port);
	t0 = now_s();
	CU_ASSERT_EQUAL(s3_fetch_url(c, url, 100, &got, &glen, &err), S3_OK);
	dt = now_s() - t0;
	CU_ASSERT(glen == 5 && got != NULL && memcmp(got, "hello", 5) == 0);
	CU_ASSERT_EQUAL(err.attempts, 3);
	/* Two backoffs of at least half of 40 and 80 ms. */
	CU_ASSERT(dt >= 0.055);
	s3_client_stats(c, &st);
	CU_ASSERT_EQUAL(st.retries, 2);
	CU_ASSERT_EQUAL(st.requests, 3);
	CU_ASSERT_EQUAL(st.failures, 0);
	CU_ASSERT_EQUAL(tu_fake_stop(&fk), 3);
	free(got);
	s3_client_free(c);
}

static void
test_retry_signed_put(void)
{
	static const char *const replies[] = { R503, R429, R200 };
	struct tu_fake		 fk;
	struct s3_client	*c;
	struct s3_error		 err;
	unsigned char		*data;

	data = test_bytes(3000, 5);
	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	CU_ASSERT_EQUAL_FATAL(tu_fake_start(&fk, replies, 3), 0);
	c = fake_client(&fk, 3, 10000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(s3_put(c, "bucket", "k", data, 3000, "image/png",
	    &err), S3_OK);
	CU_ASSERT_EQUAL(tu_fake_stop(&fk), 3);
	/* The body went out whole every time. */
	CU_ASSERT_STRING_EQUAL(fk.method[0], "PUT");
	CU_ASSERT_STRING_EQUAL(fk.method[2], "PUT");
	CU_ASSERT_EQUAL(fk.body_len[0], 3000);
	CU_ASSERT_EQUAL(fk.body_len[1], 3000);
	CU_ASSERT_EQUAL(fk.body_len[2], 3000);
	free(data);
	s3_client_free(c);
}

static void
test_retry_gives_up(void)
{
	static const char *const replies[] = { R500 };
	struct tu_fake		 fk;
	struct s3_client	*c;
	struct s3_error		 err;
	unsigned char		*got = NULL;
	size_t			 glen;

	CU_ASSERT_EQUAL_FATAL(tu_fake_start(&fk, replies, 1), 0);
	c = fake_client(&fk, 2, 10000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(s3_get(c, "bucket", "k", 100, &got, &glen, &err),
	    S3_EHTTP);
	CU_ASSERT_EQUAL(err.status, 500);
	CU_ASSERT_STRING_EQUAL(err.code, "InternalError");
	CU_ASSERT_STRING_EQUAL(err.message, "oops");
	CU_ASSERT_EQUAL(err.attempts, 3);
	CU_ASSERT_EQUAL(tu_fake_stop(&fk), 3);
	CU_ASSERT_PTR_NULL(got);
	s3_client_free(c);
}

static void
test_no_retry_on_4xx(void)
{
	static const char *const r403[] = { R403, R200 };
	static const char *const r404[] = { R404, R200 };
	struct tu_fake		 fk;
	struct s3_client	*c;
	struct s3_error		 err;
	size_t			 len;

	CU_ASSERT_EQUAL_FATAL(tu_fake_start(&fk, r403, 2), 0);
	c = fake_client(&fk, 3, 10000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(s3_put(c, "bucket", "k", "x", 1, NULL, &err),
	    S3_EHTTP);
	CU_ASSERT_EQUAL(err.status, 403);
	CU_ASSERT_STRING_EQUAL(err.code, "AccessDenied");
	CU_ASSERT_STRING_EQUAL(err.message, "Access & Denied");
	CU_ASSERT_EQUAL(err.attempts, 1);
	CU_ASSERT_EQUAL(tu_fake_stop(&fk), 1);
	s3_client_free(c);

	CU_ASSERT_EQUAL_FATAL(tu_fake_start(&fk, r404, 2), 0);
	c = fake_client(&fk, 3, 10000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(s3_head(c, "bucket", "k", &len, &err), S3_ENOTFOUND);
	CU_ASSERT_STRING_EQUAL(err.code, "NoSuchKey");
	CU_ASSERT_EQUAL(tu_fake_stop(&fk), 1);
	s3_client_free(c);
}

static void
test_network_errors(void)
{
	static const char *const hang[] = { NULL };
	struct tu_fake		 fk;
	struct s3_client	*c;
	struct s3_config	 cfg;
	struct s3_error		 err;
	unsigned char		*got = NULL;
	size_t			 glen;
	char			 ep[64];
	double			 t0;
	int			 port;

	/* Nobody listening: retried, then a network error. */
	port = free_port();
	CU_ASSERT_FATAL(port > 0);
	(void)snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", port);
	s3_config_init(&cfg);
	cfg.endpoint = ep;
	cfg.access_key = cfg.secret_key = "k";
	cfg.max_retries = 2;
	cfg.retry_base_ms = 5;
	cfg.retry_max_ms = 20;
	c = s3_client_new(&cfg, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(s3_get(c, "bucket", "k", 10, &got, &glen, &err),
	    S3_ENET);
	CU_ASSERT_EQUAL(err.attempts, 3);
	CU_ASSERT_EQUAL(err.status, 0);
	CU_ASSERT_STRING_EQUAL(err.code, "NetworkError");
	CU_ASSERT(err.message[0] != '\0');
	s3_client_free(c);

	/* A server that never answers: the timeout, then a retry. */
	CU_ASSERT_EQUAL_FATAL(tu_fake_start(&fk, hang, 1), 0);
	c = fake_client(&fk, 1, 300);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	t0 = now_s();
	CU_ASSERT_EQUAL(s3_get(c, "bucket", "k", 10, &got, &glen, &err),
	    S3_ENET);
	CU_ASSERT(now_s() - t0 < 3.0);
	CU_ASSERT_EQUAL(err.attempts, 2);
	CU_ASSERT_EQUAL(tu_fake_stop(&fk), 2);
	s3_client_free(c);
}

/* A complete raw HTTP/1.1 answer with body, in buf. */
static const char *
reply(char *buf, size_t size, const char *status, const char *body)
{
	int	 n;

	n = snprintf(buf, size, "HTTP/1.1 %s\r\nContent-Length: %zu\r\n"
	    "ETag: \"etag-%zu\"\r\nConnection: close\r\n\r\n%s", status,
	    strlen(body), strlen(body), body);
	return n > 0 && (size_t)n < size ? buf : NULL;
}

static struct s3_client *
fake_multipart_client(const struct tu_fake *fk)
{
	struct s3_config	 cfg;
	char			 ep[64];

	(void)snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", fk->port);
	s3_config_init(&cfg);
	cfg.endpoint = ep;
	cfg.access_key = "AKIDEXAMPLE";
	cfg.secret_key = "secret";
	cfg.max_retries = 0;
	cfg.multipart_threshold = 1;
	cfg.part_size = 5 * MiB;
	return s3_client_new(&cfg, NULL);
}

/* A part that fails: the upload is aborted, the part's error returned. */
static void
test_multipart_abort(void)
{
	char			 r0[512], r1[512], r2[512];
	const char		*replies[3];
	struct tu_fake		 fk;
	struct s3_client	*c;
	struct s3_error		 err;
	unsigned char		*data;
	size_t			 len = 6 * MiB;

	replies[0] = reply(r0, sizeof(r0), "200 OK",
	    "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
	    "<UploadId>up+id/=1</UploadId></InitiateMultipartUploadResult>");
	replies[1] = reply(r1, sizeof(r1), "403 Forbidden",
	    "<Error><Code>AccessDenied</Code><Message>no</Message></Error>");
	replies[2] = reply(r2, sizeof(r2), "204 No Content", "");
	data = test_bytes(len, 9);
	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	CU_ASSERT_EQUAL_FATAL(tu_fake_start(&fk, replies, 3), 0);
	c = fake_multipart_client(&fk);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(s3_put(c, "bucket", "dir/k 1", data, len, NULL, &err),
	    S3_EHTTP);
	CU_ASSERT_EQUAL(err.status, 403);
	CU_ASSERT_STRING_EQUAL(err.code, "AccessDenied");
	CU_ASSERT_EQUAL(tu_fake_stop(&fk), 3);
	CU_ASSERT_STRING_EQUAL(fk.method[0], "POST");
	ASSERT_STR(fk.target[0], "/bucket/dir/k%201?uploads=");
	CU_ASSERT_STRING_EQUAL(fk.method[1], "PUT");
	ASSERT_STR(fk.target[1],
	    "/bucket/dir/k%201?partNumber=1&uploadId=up%2Bid%2F%3D1");
	CU_ASSERT_EQUAL(fk.body_len[1], 5 * MiB);
	CU_ASSERT_STRING_EQUAL(fk.method[2], "DELETE");
	ASSERT_STR(fk.target[2], "/bucket/dir/k%201?uploadId=up%2Bid%2F%3D1");
	free(data);
	s3_client_free(c);
}

/* S3 can fail a completion inside a 200 answer; that is an error. */
static void
test_multipart_complete_error(void)
{
	char			 r0[512], r1[256], r2[512], r3[256];
	const char		*replies[4];
	struct tu_fake		 fk;
	struct s3_client	*c;
	struct s3_error		 err;

	replies[0] = reply(r0, sizeof(r0), "200 OK",
	    "<InitiateMultipartUploadResult><UploadId>u1</UploadId>"
	    "</InitiateMultipartUploadResult>");
	replies[1] = reply(r1, sizeof(r1), "200 OK", "");
	replies[2] = reply(r2, sizeof(r2), "200 OK",
	    "<?xml version=\"1.0\"?>\n<Error><Code>InternalError</Code>"
	    "<Message>We encountered an internal error.</Message></Error>");
	replies[3] = reply(r3, sizeof(r3), "204 No Content", "");
	CU_ASSERT_EQUAL_FATAL(tu_fake_start(&fk, replies, 4), 0);
	c = fake_multipart_client(&fk);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(s3_put(c, "bucket", "k", "abc", 3, NULL, &err),
	    S3_EHTTP);
	CU_ASSERT_STRING_EQUAL(err.code, "InternalError");
	CU_ASSERT_EQUAL(tu_fake_stop(&fk), 4);
	CU_ASSERT_STRING_EQUAL(fk.method[2], "POST");
	ASSERT_STR(fk.target[2], "/bucket/k?uploadId=u1");
	/* The completion listed the part with the ETag the part got. */
	CU_ASSERT_EQUAL(fk.body_len[2], (long)strlen(
	    "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>"
	    "<ETag>\"etag-0\"</ETag></Part></CompleteMultipartUpload>"));
	CU_ASSERT_STRING_EQUAL(fk.method[3], "DELETE");
	s3_client_free(c);
}

static void
test_size_caps(void)
{
	static const char *const big[] = { R200BIG };
	static const char *const liar[] = { R200LIAR };
	struct tu_fake		 fk;
	struct s3_client	*c;
	struct s3_error		 err;
	unsigned char		*got = NULL;
	size_t			 glen;
	char			 url[128];

	/* Refused on Content-Length, before the body; not retried. */
	CU_ASSERT_EQUAL_FATAL(tu_fake_start(&fk, big, 1), 0);
	c = fake_client(&fk, 3, 10000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%d/r", fk.port);
	CU_ASSERT_EQUAL(s3_fetch_url(c, url, 1000, &got, &glen, &err),
	    S3_ETOOBIG);
	CU_ASSERT_EQUAL(err.attempts, 1);
	CU_ASSERT_EQUAL(tu_fake_stop(&fk), 1);
	CU_ASSERT_PTR_NULL(got);
	s3_client_free(c);

	/* No Content-Length: refused while reading. */
	CU_ASSERT_EQUAL_FATAL(tu_fake_start(&fk, liar, 1), 0);
	c = fake_client(&fk, 3, 10000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%d/r", fk.port);
	CU_ASSERT_EQUAL(s3_fetch_url(c, url, 10, &got, &glen, &err),
	    S3_ETOOBIG);
	CU_ASSERT_EQUAL(tu_fake_stop(&fk), 1);
	s3_client_free(c);

	/* Not a URL we fetch. */
	c = fake_client(&fk, 0, 1000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(s3_fetch_url(c, "file:///etc/passwd", 10, &got, &glen,
	    &err), S3_EINVAL);
	CU_ASSERT_EQUAL(s3_fetch_url(c, "http://x/a b", 10, &got, &glen,
	    &err), S3_EINVAL);
	CU_ASSERT_EQUAL(s3_put_url(c, "gopher://x", "a", 1, NULL, &err),
	    S3_EINVAL);
	s3_client_free(c);
}

int
main(void)
{
	CU_pSuite	 local, live;
	unsigned int	 failed;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 2;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	local = CU_add_suite("s3 (no server)", NULL, NULL);
	live = CU_add_suite("s3 against s3rver", suite_s3rver_init,
	    suite_s3rver_cleanup);
	if (local == NULL || live == NULL ||
	    CU_add_test(local, "URL building and config", test_url_building) ==
	    NULL ||
	    CU_add_test(local, "presigned URLs equal botocore's",
	    test_botocore_presign) == NULL ||
	    CU_add_test(local, "retry 503, 500, then 200",
	    test_retry_5xx_then_ok) == NULL ||
	    CU_add_test(local, "retry a signed PUT (503, 429)",
	    test_retry_signed_put) == NULL ||
	    CU_add_test(local, "retries run out", test_retry_gives_up) ==
	    NULL ||
	    CU_add_test(local, "no retry on 4xx", test_no_retry_on_4xx) ==
	    NULL ||
	    CU_add_test(local, "network errors and timeouts",
	    test_network_errors) == NULL ||
	    CU_add_test(local, "size caps", test_size_caps) == NULL ||
	    CU_add_test(local, "multipart abort on a failed part",
	    test_multipart_abort) == NULL ||
	    CU_add_test(local, "multipart error inside a 200",
	    test_multipart_complete_error) == NULL ||
	    CU_add_test(live, "buckets", test_buckets) == NULL ||
	    CU_add_test(live, "put/head/get/delete", test_roundtrip) == NULL ||
	    CU_add_test(live, "zero bytes", test_zero_bytes) == NULL ||
	    CU_add_test(live, "odd keys", test_odd_keys) == NULL ||
	    CU_add_test(live, "20 MB multipart", test_multipart) == NULL ||
	    CU_add_test(live, "max_bytes", test_max_bytes) == NULL ||
	    CU_add_test(live, "presigned GET/PUT", test_presigned) == NULL ||
	    CU_add_test(live, "virtual-host style", test_virtual_host_live) ==
	    NULL ||
	    CU_add_test(live, "connection reuse", test_connection_reuse) ==
	    NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	/* A suite whose set-up failed (no s3rver) is a failure too. */
	failed += CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	curl_global_cleanup();
	return failed != 0;
}
