/*
 * lib/ingest.c: every step of the image ingest (probe, limits, decode,
 * vet, key, store) against images made here and a one-thread S3 stand-in
 * that records the requests it gets and answers each with a set reply.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "app.h"
#include "ingest.h"

#define R200 "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nETag: \"e\"\r\n" \
	"Connection: close\r\n\r\n"
#define R403 "HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\n" \
	"Content-Length: 62\r\nConnection: close\r\n\r\n"		\
	"<Error><Code>AccessDenied</Code><Message>no</Message></Error>\n"

/* The S3 stand-in: one thread, one reply for every request. */
static struct {
	int		 fd, port, stop, served;
	const char	*reply;
	char		 method[8], target[256], ctype[64];
	pthread_t	 th;
	pthread_mutex_t	 mu;
} fk;

/* Read a request's head and body; record its line and Content-Type. */
static void
fake_serve(int cfd)
{
	char	 buf[65536], *h, *ct;
	size_t	 len = 0;
	ssize_t	 n;
	long	 want = 0, got;

	for (;;) {
		n = read(cfd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			return;
		len += (size_t)n;
		buf[len] = '\0';
		h = strstr(buf, "\r\n\r\n");
		if (h != NULL || len == sizeof(buf) - 1)
			break;
	}
	if (h == NULL)
		return;
	pthread_mutex_lock(&fk.mu);
	fk.served++;
	n = (ssize_t)strcspn(buf, " ");
	(void)snprintf(fk.method, sizeof(fk.method), "%.*s", (int)n, buf);
	if (buf[n] == ' ')
		(void)snprintf(fk.target, sizeof(fk.target), "%.*s",
		    (int)strcspn(buf + n + 1, " "), buf + n + 1);
	ct = strcasestr(buf, "\r\ncontent-type: ");
	if (ct != NULL && ct < h)
		(void)snprintf(fk.ctype, sizeof(fk.ctype), "%.*s",
		    (int)strcspn(ct + 16, "\r"), ct + 16);
	ct = strcasestr(buf, "\r\ncontent-length: ");
	if (ct != NULL && ct < h)
		want = strtol(ct + 18, NULL, 10);
	pthread_mutex_unlock(&fk.mu);
	got = (long)(len - (size_t)(h + 4 - buf));
	while (got < want) {
		n = read(cfd, buf, sizeof(buf));
		if (n <= 0)
			break;
		got += n;
	}
	(void)write(cfd, fk.reply, strlen(fk.reply));
}

static void *
fake_main(void *arg)
{
	struct pollfd	 pfd;
	int		 cfd, stop;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&fk.mu);
		stop = fk.stop;
		pthread_mutex_unlock(&fk.mu);
		if (stop)
			return NULL;
		pfd.fd = fk.fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		cfd = accept(fk.fd, NULL, NULL);
		if (cfd == -1)
			continue;
		fake_serve(cfd);
		close(cfd);
	}
}

static int
fake_start(void)
{
	struct sockaddr_in	 sa;
	socklen_t		 len = sizeof(sa);

	fk.fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fk.fd == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fk.fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(fk.fd, 16) == -1 ||
	    getsockname(fk.fd, (struct sockaddr *)&sa, &len) == -1)
		return -1;
	fk.port = ntohs(sa.sin_port);
	fk.reply = R200;
	pthread_mutex_init(&fk.mu, NULL);
	return pthread_create(&fk.th, NULL, fake_main, NULL) == 0 ? 0 : -1;
}

/* Forget what was served; answer the next requests with reply. */
static void
fake_reset(const char *reply)
{
	pthread_mutex_lock(&fk.mu);
	fk.served = 0;
	fk.method[0] = fk.target[0] = fk.ctype[0] = '\0';
	fk.reply = reply;
	pthread_mutex_unlock(&fk.mu);
}

static int
fake_served(void)
{
	int	 n;

	pthread_mutex_lock(&fk.mu);
	n = fk.served;
	pthread_mutex_unlock(&fk.mu);
	return n;
}

static struct s3_client	*s3;
static unsigned char	*png, *jpeg;
static size_t		 pnglen, jpeglen;

/* A w x h gradient, encoded as PNG or JPEG. */
static int
make_image(int w, int h, int as_png, unsigned char **buf, size_t *len)
{
	struct image	 img = { 0 };
	int		 i, rc;

	if (image_new(w, h, &img) != IMAGE_OK)
		return -1;
	for (i = 0; i < w * h * 4; i++)
		img.px[i] = (unsigned char)(i % 4 == 3 ? 255 : (i * 7) % 251);
	rc = as_png ? image_encode_png(&img, buf, len) :
	    image_encode_jpeg(&img, 90, buf, len);
	image_free(&img);
	return rc == IMAGE_OK ? 0 : -1;
}

static int
suite_init(void)
{
	struct s3_config	 cfg;
	char			 ep[64];

	if (fake_start() == -1)
		return -1;
	(void)snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", fk.port);
	s3_config_init(&cfg);
	cfg.endpoint = ep;
	cfg.access_key = "AKIDEXAMPLE";
	cfg.secret_key = "secret";
	cfg.max_retries = 0;
	cfg.timeout_ms = 5000;
	s3 = s3_client_new(&cfg, NULL);
	if (s3 == NULL)
		return -1;
	if (make_image(300, 200, 1, &png, &pnglen) == -1 ||
	    make_image(400, 300, 0, &jpeg, &jpeglen) == -1)
		return -1;
	return 0;
}

static int
suite_cleanup(void)
{
	pthread_mutex_lock(&fk.mu);
	fk.stop = 1;
	pthread_mutex_unlock(&fk.mu);
	pthread_join(fk.th, NULL);
	close(fk.fd);
	s3_client_free(s3);
	free(png);
	free(jpeg);
	return 0;
}

/* A spec storing in bucket "photos" under "u/7/" with 12 random bytes. */
static void
spec_init(struct ingest_spec *spec, const struct image_limits *lim)
{
	ingest_spec_init(spec, s3, "photos", "u/7/", 12);
	spec->lim = lim;
}

static int	 vet_calls, vet_width, vet_answer;

static int
vet(void *arg, const unsigned char *buf, size_t len,
    const struct image_info *info)
{
	CU_ASSERT_PTR_EQUAL(arg, &vet_calls);
	CU_ASSERT_PTR_NOT_NULL(buf);
	CU_ASSERT(len > 0);
	vet_calls++;
	vet_width = info->width;
	return vet_answer;
}

static void
test_stored(void)
{
	struct ingest_spec	 spec;
	struct ingest_result	 in;
	struct image_limits	 lim;
	size_t			 i;

	image_limits_default(&lim);
	spec_init(&spec, &lim);
	fake_reset(R200);
	CU_ASSERT_EQUAL(ingest_image(&spec, png, pnglen, &in), INGEST_OK);
	CU_ASSERT_EQUAL(fake_served(), 1);
	CU_ASSERT_STRING_EQUAL(fk.method, "PUT");
	CU_ASSERT_STRING_EQUAL(fk.ctype, "image/png");
	CU_ASSERT_STRING_EQUAL(in.mime, "image/png");
	CU_ASSERT_EQUAL(in.info.width, 300);
	CU_ASSERT_EQUAL(in.info.height, 200);
	/* u/7/ + 24 hex digits + .png, at /bucket/key */
	CU_ASSERT_EQUAL(strlen(in.key), 4 + 24 + 4);
	CU_ASSERT_EQUAL(strncmp(in.key, "u/7/", 4), 0);
	for (i = 4; i < 28; i++)
		CU_ASSERT(strchr("0123456789abcdef", in.key[i]) != NULL);
	CU_ASSERT_STRING_EQUAL(in.key + 28, ".png");
	CU_ASSERT_EQUAL(strncmp(fk.target, "/photos/", 8), 0);
	CU_ASSERT_STRING_EQUAL(fk.target + 8, in.key);

	/* A JPEG: .jpg; 8 random bytes make 16 hex digits. */
	spec.nrand = 8;
	spec.prefix = "catalog/outfits/3-";
	fake_reset(R200);
	CU_ASSERT_EQUAL(ingest_image(&spec, jpeg, jpeglen, &in), INGEST_OK);
	CU_ASSERT_EQUAL(strlen(in.key), 18 + 16 + 4);
	CU_ASSERT_STRING_EQUAL(in.key + 34, ".jpg");
	CU_ASSERT_STRING_EQUAL(fk.ctype, "image/jpeg");
}

static void
test_not_an_image(void)
{
	struct ingest_spec	 spec;
	struct ingest_result	 in;
	static const unsigned char text[] = "GIF89a, or rather plain text";

	spec_init(&spec, NULL);
	fake_reset(R200);
	CU_ASSERT_EQUAL(ingest_image(&spec, text, sizeof(text) - 1, &in),
	    INGEST_E_FORMAT);
	CU_ASSERT_EQUAL(in.image_err, IMAGE_E_FORMAT);
	CU_ASSERT_STRING_EQUAL(in.key, "");
	CU_ASSERT_EQUAL(fake_served(), 0);
	CU_ASSERT_EQUAL(ingest_image(&spec, png, 20, &in), INGEST_E_FORMAT);
	CU_ASSERT_EQUAL(fake_served(), 0);
}

static void
test_limits(void)
{
	struct ingest_spec	 spec;
	struct ingest_result	 in;
	struct image_limits	 lim;

	image_limits_default(&lim);
	spec_init(&spec, &lim);
	fake_reset(R200);
	lim.max_width = lim.max_height = 299;
	CU_ASSERT_EQUAL(ingest_image(&spec, png, pnglen, &in),
	    INGEST_E_TOO_LARGE);
	CU_ASSERT_EQUAL(in.image_err, IMAGE_E_TOO_LARGE);
	lim.max_width = lim.max_height = 300;
	lim.max_pixels = 300 * 200 - 1;
	CU_ASSERT_EQUAL(ingest_image(&spec, png, pnglen, &in),
	    INGEST_E_TOO_LARGE);
	lim.max_pixels = 300 * 200;
	lim.max_bytes = pnglen - 1;
	CU_ASSERT_EQUAL(ingest_image(&spec, png, pnglen, &in),
	    INGEST_E_TOO_LARGE);
	lim.max_bytes = pnglen;
	lim.min_width = lim.min_height = 201;
	CU_ASSERT_EQUAL(ingest_image(&spec, png, pnglen, &in),
	    INGEST_E_TOO_SMALL);
	CU_ASSERT_EQUAL(in.image_err, IMAGE_E_TOO_SMALL);
	CU_ASSERT_EQUAL(fake_served(), 0);
	/* Exactly at every limit: stored. */
	lim.min_width = lim.min_height = 200;
	CU_ASSERT_EQUAL(ingest_image(&spec, png, pnglen, &in), INGEST_OK);
	CU_ASSERT_EQUAL(fake_served(), 1);
}

static void
test_corrupt(void)
{
	struct ingest_spec	 spec;
	struct ingest_result	 in;
	struct image_limits	 lim;
	size_t			 cut = jpeglen * 2 / 3;

	/* The header is whole, the entropy data cut short. */
	image_limits_default(&lim);
	spec_init(&spec, &lim);
	fake_reset(R200);
	CU_ASSERT_EQUAL(ingest_image(&spec, jpeg, cut, &in), INGEST_E_CORRUPT);
	CU_ASSERT_EQUAL(in.image_err, IMAGE_E_CORRUPT);
	CU_ASSERT_EQUAL(fake_served(), 0);
	/* Without limits there is no decode: the probe's word is enough. */
	spec.lim = NULL;
	CU_ASSERT_EQUAL(ingest_image(&spec, jpeg, cut, &in), INGEST_OK);
	CU_ASSERT_EQUAL(fake_served(), 1);
}

static void
test_vet(void)
{
	struct ingest_spec	 spec;
	struct ingest_result	 in;

	spec_init(&spec, NULL);
	spec.vet = vet;
	spec.vet_arg = &vet_calls;
	fake_reset(R200);
	vet_calls = 0;
	vet_answer = -1;
	CU_ASSERT_EQUAL(ingest_image(&spec, png, pnglen, &in), INGEST_E_VETO);
	CU_ASSERT_EQUAL(vet_calls, 1);
	CU_ASSERT_EQUAL(vet_width, 300);
	CU_ASSERT_STRING_EQUAL(in.key, "");
	CU_ASSERT_EQUAL(fake_served(), 0);
	vet_answer = 0;
	CU_ASSERT_EQUAL(ingest_image(&spec, png, pnglen, &in), INGEST_OK);
	CU_ASSERT_EQUAL(vet_calls, 2);
	CU_ASSERT_EQUAL(fake_served(), 1);
	/* Not called for an image refused before it. */
	CU_ASSERT_EQUAL(ingest_image(&spec, png, 20, &in), INGEST_E_FORMAT);
	CU_ASSERT_EQUAL(vet_calls, 2);
}

static void
test_store_fails(void)
{
	struct ingest_spec	 spec;
	struct ingest_result	 in;

	spec_init(&spec, NULL);
	fake_reset(R403);
	CU_ASSERT_EQUAL(ingest_image(&spec, png, pnglen, &in),
	    INGEST_E_STORE);
	CU_ASSERT_EQUAL(in.s3err.status, 403);
	CU_ASSERT_STRING_EQUAL(in.s3err.code, "AccessDenied");
	CU_ASSERT_STRING_EQUAL(in.key, "");
	/* No key without random bytes to make it. */
	fake_reset(R200);
	spec.nrand = 0;
	CU_ASSERT_EQUAL(ingest_image(&spec, png, pnglen, &in), INGEST_E_KEY);
	spec.nrand = 17;
	CU_ASSERT_EQUAL(ingest_image(&spec, png, pnglen, &in), INGEST_E_KEY);
	CU_ASSERT_EQUAL(fake_served(), 0);
}

static void
test_upload_limits(void)
{
	struct app		 a;
	struct image_limits	 lim;

	memset(&a, 0, sizeof(a));
	a.photo_max_bytes = 1000;
	a.photo_max_pixels = 5000;
	a.photo_max_side = 100;
	a.photo_min_side = 50;
	ingest_upload_limits(&a, &lim);
	CU_ASSERT_EQUAL(lim.max_bytes, 1000);
	CU_ASSERT_EQUAL(lim.max_pixels, 5000);
	CU_ASSERT_EQUAL(lim.max_width, 100);
	CU_ASSERT_EQUAL(lim.max_height, 100);
	CU_ASSERT_EQUAL(lim.min_width, 1);
	CU_ASSERT_EQUAL(lim.min_height, 1);
	CU_ASSERT_STRING_EQUAL(ingest_format_ext(IMAGE_FMT_WEBP), "webp");
	CU_ASSERT_PTR_NULL(ingest_format_ext(IMAGE_FMT_UNKNOWN));
}

int
main(void)
{
	CU_pSuite	 s;
	unsigned int	 fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ingest", suite_init, suite_cleanup);
	CU_add_test(s, "a good image is stored under its key", test_stored);
	CU_add_test(s, "not an image", test_not_an_image);
	CU_add_test(s, "limits from the header", test_limits);
	CU_add_test(s, "a corrupt image is refused", test_corrupt);
	CU_add_test(s, "the vet hook", test_vet);
	CU_add_test(s, "a failed store, a failed key", test_store_fails);
	CU_add_test(s, "upload limits from the configuration",
	    test_upload_limits);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return fails == 0 ? 0 : 1;
}
