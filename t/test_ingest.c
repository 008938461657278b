/*
 * lib/ingest.c: every step of the image ingest (probe, limits, decode,
 * vet, key, store) against images made here and a one-thread S3 stand-in
 * that records the requests it gets and answers each with a set reply.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "app.h"
#include "ingest.h"
#include "testfake.h"

#define R200 "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nETag: \"e\"\r\n" \
	"Connection: close\r\n\r\n"
#define R403 "HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\n" \
	"Content-Length: 62\r\nConnection: close\r\n\r\n"		\
	"<Error><Code>AccessDenied</Code><Message>no</Message></Error>\n"

/* The S3 stand-in (t/testfake.c), one reply for every request. */
static struct tu_fake	 fk;
static const char *const r200[] = { R200 }, *const r403[] = { R403 };

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

	if (tu_fake_start(&fk, r200, 1) == -1)
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
	(void)tu_fake_stop(&fk);
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
	tu_fake_reset(&fk, r200, 1);
	CU_ASSERT_EQUAL(ingest_image(&spec, png, pnglen, &in), INGEST_OK);
	CU_ASSERT_EQUAL(tu_fake_served(&fk), 1);
	CU_ASSERT_STRING_EQUAL(fk.method[0], "PUT");
	CU_ASSERT_STRING_EQUAL(fk.ctype[0], "image/png");
	CU_ASSERT_STRING_EQUAL(in.mime, "image/png");
	CU_ASSERT_EQUAL(in.info.width, 300);
	CU_ASSERT_EQUAL(in.info.height, 200);
	/* u/7/ + 24 hex digits + .png, at /bucket/key */
	CU_ASSERT_EQUAL(strlen(in.key), 4 + 24 + 4);
	CU_ASSERT_EQUAL(strncmp(in.key, "u/7/", 4), 0);
	for (i = 4; i < 28; i++)
		CU_ASSERT(strchr("0123456789abcdef", in.key[i]) != NULL);
	CU_ASSERT_STRING_EQUAL(in.key + 28, ".png");
	CU_ASSERT_EQUAL(strncmp(fk.target[0], "/photos/", 8), 0);
	CU_ASSERT_STRING_EQUAL(fk.target[0] + 8, in.key);

	/* A JPEG: .jpg; 8 random bytes make 16 hex digits. */
	spec.nrand = 8;
	spec.prefix = "catalog/outfits/3-";
	tu_fake_reset(&fk, r200, 1);
	CU_ASSERT_EQUAL(ingest_image(&spec, jpeg, jpeglen, &in), INGEST_OK);
	CU_ASSERT_EQUAL(strlen(in.key), 18 + 16 + 4);
	CU_ASSERT_STRING_EQUAL(in.key + 34, ".jpg");
	CU_ASSERT_STRING_EQUAL(fk.ctype[0], "image/jpeg");
}

static void
test_not_an_image(void)
{
	struct ingest_spec	 spec;
	struct ingest_result	 in;
	static const unsigned char text[] = "GIF89a, or rather plain text";

	spec_init(&spec, NULL);
	tu_fake_reset(&fk, r200, 1);
	CU_ASSERT_EQUAL(ingest_image(&spec, text, sizeof(text) - 1, &in),
	    INGEST_E_FORMAT);
	CU_ASSERT_EQUAL(in.image_err, IMAGE_E_FORMAT);
	CU_ASSERT_STRING_EQUAL(in.key, "");
	CU_ASSERT_EQUAL(tu_fake_served(&fk), 0);
	CU_ASSERT_EQUAL(ingest_image(&spec, png, 20, &in), INGEST_E_FORMAT);
	CU_ASSERT_EQUAL(tu_fake_served(&fk), 0);
}

static void
test_limits(void)
{
	struct ingest_spec	 spec;
	struct ingest_result	 in;
	struct image_limits	 lim;

	image_limits_default(&lim);
	spec_init(&spec, &lim);
	tu_fake_reset(&fk, r200, 1);
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
	CU_ASSERT_EQUAL(tu_fake_served(&fk), 0);
	/* Exactly at every limit: stored. */
	lim.min_width = lim.min_height = 200;
	CU_ASSERT_EQUAL(ingest_image(&spec, png, pnglen, &in), INGEST_OK);
	CU_ASSERT_EQUAL(tu_fake_served(&fk), 1);
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
	tu_fake_reset(&fk, r200, 1);
	CU_ASSERT_EQUAL(ingest_image(&spec, jpeg, cut, &in), INGEST_E_CORRUPT);
	CU_ASSERT_EQUAL(in.image_err, IMAGE_E_CORRUPT);
	CU_ASSERT_EQUAL(tu_fake_served(&fk), 0);
	/* Without limits there is no decode: the probe's word is enough. */
	spec.lim = NULL;
	CU_ASSERT_EQUAL(ingest_image(&spec, jpeg, cut, &in), INGEST_OK);
	CU_ASSERT_EQUAL(tu_fake_served(&fk), 1);
}

static void
test_vet(void)
{
	struct ingest_spec	 spec;
	struct ingest_result	 in;

	spec_init(&spec, NULL);
	spec.vet = vet;
	spec.vet_arg = &vet_calls;
	tu_fake_reset(&fk, r200, 1);
	vet_calls = 0;
	vet_answer = -1;
	CU_ASSERT_EQUAL(ingest_image(&spec, png, pnglen, &in), INGEST_E_VETO);
	CU_ASSERT_EQUAL(vet_calls, 1);
	CU_ASSERT_EQUAL(vet_width, 300);
	CU_ASSERT_STRING_EQUAL(in.key, "");
	CU_ASSERT_EQUAL(tu_fake_served(&fk), 0);
	vet_answer = 0;
	CU_ASSERT_EQUAL(ingest_image(&spec, png, pnglen, &in), INGEST_OK);
	CU_ASSERT_EQUAL(vet_calls, 2);
	CU_ASSERT_EQUAL(tu_fake_served(&fk), 1);
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
	tu_fake_reset(&fk, r403, 1);
	CU_ASSERT_EQUAL(ingest_image(&spec, png, pnglen, &in),
	    INGEST_E_STORE);
	CU_ASSERT_EQUAL(in.s3err.status, 403);
	CU_ASSERT_STRING_EQUAL(in.s3err.code, "AccessDenied");
	CU_ASSERT_STRING_EQUAL(in.key, "");
	/* No key without random bytes to make it. */
	tu_fake_reset(&fk, r200, 1);
	spec.nrand = 0;
	CU_ASSERT_EQUAL(ingest_image(&spec, png, pnglen, &in), INGEST_E_KEY);
	spec.nrand = 17;
	CU_ASSERT_EQUAL(ingest_image(&spec, png, pnglen, &in), INGEST_E_KEY);
	CU_ASSERT_EQUAL(tu_fake_served(&fk), 0);
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
