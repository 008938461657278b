/*
 * Tests for lib/nsfw.c: the C MobileNetV2 against the tfjs reference.
 *
 * The weights come from scripts/nsfw-convert: $NSFW_MODEL, default
 * "$srcdir/models/nsfw_mobilenet_v2.bin".  A missing model is a failure,
 * not a skip (scripts/test runs the converter first).  The reference is
 * t/nsfw_ref.js run by node ($NODE, default "node") with the tfjs wasm
 * backend from the local node_modules.
 *
 * Equivalence: the same 224x224x3 float tensors (synthetic and fixture
 * photos) go through tfjs and through every kernel set this CPU can run;
 * the five probabilities must agree within 1e-3.  A second pass feeds raw
 * RGB of other sizes so nsfwjs's own preprocessing (resizeBilinear with
 * alignCorners) is compared with nsfw_classify() too.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <json-c/json.h>

#include "testutil.h"
#include "image.h"
#include "nsfw.h"

#define TOL		1e-3
#define MAX_INPUTS	16

static const char	*srcdir = ".";
static char		 modelpath[1024];
static char		 tmpdir[] = "/tmp/test_nsfw.XXXXXX";
static struct nsfw_model *model;

static const char *const isas[] = { "avx512", "avx2", "generic" };

/* Fixture photos (decoded, then preprocessed as nsfwjs does). */
static const char *const photos[] = {
	"people_astronaut_portrait.png",
	"people_interior_pool_hall.jpg",
	"people_fullbody_outdoor.jpg",
	"scene_street_town_sharp.jpg",
	"scene_interior_living_room.jpg",
	"product_coffee_cup.png",
};
#define NPHOTOS	(sizeof(photos) / sizeof(photos[0]))


static int
write_all(const char *path, const void *buf, size_t len)
{
	FILE	*f = fopen(path, "wb");
	int	 rc = 0;

	if (f == NULL)
		return -1;
	if (fwrite(buf, 1, len, f) != len)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

/* Float tensor to a little-endian file, whatever the host order. */
static int
write_tensor(const char *path, const float *t)
{
	unsigned char	*b = malloc(NSFW_INPUT_FLOATS * 4);
	uint32_t	 u;
	size_t		 i;
	int		 rc;

	if (b == NULL)
		return -1;
	for (i = 0; i < NSFW_INPUT_FLOATS; i++) {
		memcpy(&u, &t[i], 4);
		b[i * 4] = u & 0xff;
		b[i * 4 + 1] = (u >> 8) & 0xff;
		b[i * 4 + 2] = (u >> 16) & 0xff;
		b[i * 4 + 3] = u >> 24;
	}
	rc = write_all(path, b, NSFW_INPUT_FLOATS * 4);
	free(b);
	return rc;
}



/* Decode a fixture (longer side <= side), or fail the test. */
static int
load_photo(const char *name, int side, struct image *img)
{
	unsigned char	*buf;
	size_t		 len;
	int		 rc;

	if (tu_read_file(tu_fixture(srcdir, name), &buf, &len) != 0) {
		fprintf(stderr, "cannot read fixture %s\n", tu_fixture(srcdir, name));
		return -1;
	}
	rc = image_decode_scaled(buf, len, NULL, side, img);
	free(buf);
	return rc == IMAGE_OK ? 0 : -1;
}

/* Parse the reference's JSON into probs[n][5]; returns count or -1. */
static int
parse_ref(const char *text, float probs[][NSFW_NCLASSES], int max)
{
	json_object	*o, *res, *it, *p;
	int		 i, k, n;

	o = json_tokener_parse(text);
	if (o == NULL)
		return -1;
	if (!json_object_object_get_ex(o, "results", &res) ||
	    !json_object_is_type(res, json_type_array)) {
		json_object_put(o);
		return -1;
	}
	n = (int)json_object_array_length(res);
	if (n > max)
		n = max;
	for (i = 0; i < n; i++) {
		it = json_object_array_get_idx(res, (size_t)i);
		if (!json_object_object_get_ex(it, "probs", &p) ||
		    json_object_array_length(p) != NSFW_NCLASSES) {
			json_object_put(o);
			return -1;
		}
		for (k = 0; k < NSFW_NCLASSES; k++)
			probs[i][k] = (float)json_object_get_double(
			    json_object_array_get_idx(p, (size_t)k));
	}
	json_object_put(o);
	return n;
}

static double
max_diff(const float *a, const float *b)
{
	double	 d = 0;
	int	 k;

	for (k = 0; k < NSFW_NCLASSES; k++)
		if (fabs((double)a[k] - b[k]) > d)
			d = fabs((double)a[k] - b[k]);
	return d;
}

static void
test_load_errors(void)
{
	char		 err[256], p[1100];
	unsigned char	*buf;
	size_t		 len;
	struct nsfw_model *m;

	m = nsfw_load("/nonexistent/model.bin", err, sizeof(err));
	CU_ASSERT_PTR_NULL(m);
	CU_ASSERT(strlen(err) > 0);

	CU_ASSERT_FATAL(tu_read_file(modelpath, &buf, &len) == 0);
	CU_ASSERT_FATAL(len > 4096);
	/* Truncated. */
	snprintf(p, sizeof(p), "%s/trunc.bin", tmpdir);
	CU_ASSERT_FATAL(write_all(p, buf, len - 100) == 0);
	m = nsfw_load(p, err, sizeof(err));
	CU_ASSERT_PTR_NULL(m);
	/* One weight byte flipped: the checksum catches it. */
	buf[len - 7] ^= 0x40;
	snprintf(p, sizeof(p), "%s/flip.bin", tmpdir);
	CU_ASSERT_FATAL(write_all(p, buf, len) == 0);
	m = nsfw_load(p, err, sizeof(err));
	CU_ASSERT_PTR_NULL(m);
	CU_ASSERT(strstr(err, "checksum") != NULL);
	buf[len - 7] ^= 0x40;
	/* A layer table that lies about a shape. */
	buf[80 + 12 + 8] ^= 0x01;	/* tensor 1 channels */
	snprintf(p, sizeof(p), "%s/shape.bin", tmpdir);
	CU_ASSERT_FATAL(write_all(p, buf, len) == 0);
	m = nsfw_load(p, err, sizeof(err));
	CU_ASSERT_PTR_NULL(m);
	buf[80 + 12 + 8] ^= 0x01;
	/* Wrong magic. */
	buf[0] = 'X';
	snprintf(p, sizeof(p), "%s/magic.bin", tmpdir);
	CU_ASSERT_FATAL(write_all(p, buf, len) == 0);
	m = nsfw_load(p, err, sizeof(err));
	CU_ASSERT_PTR_NULL(m);
	free(buf);
}

static void
test_basic(void)
{
	float		*in = malloc(NSFW_INPUT_FLOATS * sizeof(float));
	float		 p[NSFW_NCLASSES], sum = 0;
	struct image	 tiny = { 0, 0, NULL };
	int		 k;

	CU_ASSERT_FATAL(in != NULL);
	for (k = 0; k < NSFW_INPUT_FLOATS; k++)
		in[k] = 0.5f;
	CU_ASSERT_EQUAL(nsfw_run_tensor(model, in, p), NSFW_OK);
	for (k = 0; k < NSFW_NCLASSES; k++) {
		CU_ASSERT(p[k] >= 0.0f && p[k] <= 1.0f);
		sum += p[k];
	}
	CU_ASSERT(fabsf(sum - 1.0f) < 1e-5f);
	CU_ASSERT_EQUAL(nsfw_run_tensor(NULL, in, p), NSFW_EINVAL);
	CU_ASSERT_EQUAL(nsfw_run_tensor(model, NULL, p), NSFW_EINVAL);
	CU_ASSERT_EQUAL(nsfw_classify(model, &tiny, p), NSFW_EINVAL);
	CU_ASSERT_STRING_EQUAL(nsfw_class_name(NSFW_PORN), "Porn");
	CU_ASSERT_STRING_EQUAL(nsfw_class_name(7), "?");
	CU_ASSERT_EQUAL(nsfw_set_isa(model, "no-such-isa"), -1);
	free(in);
}

struct thr {
	const float	*in;
	float		 p[NSFW_NCLASSES];
	int		 rc;
};

static void *
thr_run(void *arg)
{
	struct thr	*t = arg;
	int		 i;

	for (i = 0; i < 6 && t->rc == NSFW_OK; i++)
		t->rc = nsfw_run_tensor(model, t->in, t->p);
	return NULL;
}

/* Two threads share one model (one claims the cached arena). */
static void
test_threads(void)
{
	float		*in = malloc(NSFW_INPUT_FLOATS * sizeof(float));
	float		 want[NSFW_NCLASSES];
	struct thr	 t[3];
	pthread_t	 id[3];
	int		 i;

	CU_ASSERT_FATAL(in != NULL);
	for (i = 0; i < NSFW_INPUT_FLOATS; i++)
		in[i] = (float)((i * 7919) % 256) / 255.0f;
	CU_ASSERT_FATAL(nsfw_run_tensor(model, in, want) == NSFW_OK);
	for (i = 0; i < 3; i++) {
		t[i].in = in;
		t[i].rc = NSFW_OK;
		CU_ASSERT_FATAL(pthread_create(&id[i], NULL, thr_run, &t[i]) ==
		    0);
	}
	for (i = 0; i < 3; i++) {
		pthread_join(id[i], NULL);
		CU_ASSERT_EQUAL(t[i].rc, NSFW_OK);
		CU_ASSERT(memcmp(t[i].p, want, sizeof(want)) == 0);
	}
	free(in);
}

/* Build the inputs, run tfjs once, compare with every kernel set. */
static void
test_equivalence(void)
{
	float		*t[MAX_INPUTS];
	float		 ref[MAX_INPUTS][NSFW_NCLASSES], c[NSFW_NCLASSES];
	char		*argv[MAX_INPUTS + 8], path[MAX_INPUTS][1100];
	char		 script[1100], *out = NULL;
	const char	*node = getenv("NODE");
	struct image	 img;
	uint32_t	 seed = 12345;
	int		 n = 0, i, a, k, tested = 0, rc;
	size_t		 j;
	double		 d, worst = 0;

	/* Synthetic: mid grey, then a deterministic pseudo-random field. */
	for (i = 0; i < 2; i++) {
		t[n] = malloc(NSFW_INPUT_FLOATS * sizeof(float));
		CU_ASSERT_FATAL(t[n] != NULL);
		for (j = 0; j < NSFW_INPUT_FLOATS; j++) {
			seed = seed * 1103515245u + 12345u;
			t[n][j] = i == 0 ? 0.5f :
			    (float)((seed >> 8) & 0xffff) / 65535.0f;
		}
		n++;
	}
	for (j = 0; j < NPHOTOS; j++) {
		CU_ASSERT_FATAL(load_photo(photos[j], 1024, &img) == 0);
		t[n] = malloc(NSFW_INPUT_FLOATS * sizeof(float));
		CU_ASSERT_FATAL(t[n] != NULL);
		CU_ASSERT_FATAL(nsfw_preprocess(&img, t[n]) == NSFW_OK);
		image_free(&img);
		n++;
	}
	snprintf(script, sizeof(script), "%s/t/nsfw_ref.js", srcdir);
	argv[0] = (char *)(node != NULL ? node : "node");
	argv[1] = script;
	argv[2] = "--backend";
	argv[3] = "wasm";
	for (i = 0; i < n; i++) {
		snprintf(path[i], sizeof(path[i]), "%s/in%d.f32", tmpdir, i);
		CU_ASSERT_FATAL(write_tensor(path[i], t[i]) == 0);
		argv[4 + i] = path[i];
	}
	argv[4 + n] = NULL;
	rc = tu_run_capture(argv, &out);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL_FATAL(parse_ref(out, ref, MAX_INPUTS), n);
	free(out);

	for (a = 0; a < (int)(sizeof(isas) / sizeof(isas[0])); a++) {
		if (nsfw_set_isa(model, isas[a]) != 0)
			continue;
		tested++;
		for (i = 0; i < n; i++) {
			CU_ASSERT_EQUAL(nsfw_run_tensor(model, t[i], c), NSFW_OK);
			d = max_diff(c, ref[i]);
			if (d > worst)
				worst = d;
			if (d > TOL) {
				fprintf(stderr, "\n%s input %d:", isas[a], i);
				for (k = 0; k < NSFW_NCLASSES; k++)
					fprintf(stderr, " %s C %.6f tfjs %.6f",
					    nsfw_class_name(k), c[k],
					    ref[i][k]);
			}
			CU_ASSERT(d <= TOL);
		}
	}
	CU_ASSERT(tested >= 1);
	CU_ASSERT(nsfw_set_isa(model, "generic") == 0);
	fprintf(stderr, "\n  %d inputs x %d kernel sets, max |C - tfjs| = "
	    "%.2e ", n, tested, worst);
	/* The photos must not all look alike to the network. */
	d = 0;
	for (i = 2; i < n; i++)
		for (k = 2; k < n; k++)
			if (max_diff(ref[i], ref[k]) > d)
				d = max_diff(ref[i], ref[k]);
	CU_ASSERT(d > 0.1);
	for (i = 0; i < n; i++)
		free(t[i]);
	/* Back to the fastest set for the rest. */
	for (a = 0; a < (int)(sizeof(isas) / sizeof(isas[0])); a++)
		if (nsfw_set_isa(model, isas[a]) == 0)
			break;
}

/*
 * nsfw_classify() (our resize) against NSFWJS.infer() (tfjs resize) on
 * raw RGB of sizes that are not 224.
 */
static void
test_preprocess(void)
{
	static const struct {
		const char	*name;
		int		 side;
	} cases[] = {
		{ "people_fullbody_outdoor.jpg", 300 },
		{ "scene_street_town_sharp.jpg", 500 },
		{ "people_astronaut_portrait.png", 150 },
	};
	const int	 nc = (int)(sizeof(cases) / sizeof(cases[0]));
	struct image	 img[3];
	float		 ref[3][NSFW_NCLASSES], c[NSFW_NCLASSES];
	char		*argv[32], path[3][1100], wh[3][2][16], script[1100];
	char		*out = NULL;
	const char	*node = getenv("NODE");
	unsigned char	*rgb;
	size_t		 j, npx;
	int		 i, ac = 0, rc;

	snprintf(script, sizeof(script), "%s/t/nsfw_ref.js", srcdir);
	argv[ac++] = (char *)(node != NULL ? node : "node");
	argv[ac++] = script;
	for (i = 0; i < nc; i++) {
		CU_ASSERT_FATAL(load_photo(cases[i].name, cases[i].side,
		    &img[i]) == 0);
		npx = (size_t)img[i].w * img[i].h;
		rgb = malloc(npx * 3);
		CU_ASSERT_FATAL(rgb != NULL);
		for (j = 0; j < npx; j++)
			memcpy(rgb + j * 3, img[i].px + j * 4, 3);
		snprintf(path[i], sizeof(path[i]), "%s/rgb%d.raw", tmpdir, i);
		CU_ASSERT_FATAL(write_all(path[i], rgb, npx * 3) == 0);
		free(rgb);
		snprintf(wh[i][0], sizeof(wh[i][0]), "%d", img[i].w);
		snprintf(wh[i][1], sizeof(wh[i][1]), "%d", img[i].h);
		argv[ac++] = "--rgb";
		argv[ac++] = wh[i][0];
		argv[ac++] = wh[i][1];
		argv[ac++] = path[i];
	}
	argv[ac] = NULL;
	rc = tu_run_capture(argv, &out);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL_FATAL(parse_ref(out, ref, 3), nc);
	free(out);
	for (i = 0; i < nc; i++) {
		CU_ASSERT_EQUAL(nsfw_classify(model, &img[i], c), NSFW_OK);
		CU_ASSERT(max_diff(c, ref[i]) <= TOL);
		image_free(&img[i]);
	}
}

static int
suite_init(void)
{
	char		 err[256];
	const char	*env = getenv("NSFW_MODEL");

	if (env != NULL && *env != '\0')
		snprintf(modelpath, sizeof(modelpath), "%s", env);
	else
		snprintf(modelpath, sizeof(modelpath),
		    "%s/models/nsfw_mobilenet_v2.bin", srcdir);
	model = nsfw_load(modelpath, err, sizeof(err));
	if (model == NULL) {
		fprintf(stderr, "test_nsfw: %s\n(run scripts/nsfw-convert "
		    "first, or set NSFW_MODEL)\n", err);
		return -1;
	}
	if (mkdtemp(tmpdir) == NULL) {
		nsfw_free(model);
		return -1;
	}
	fprintf(stderr, "test_nsfw: model %s, kernels %s\n", modelpath,
	    nsfw_isa(model));
	return 0;
}

/* Remove the files this suite wrote, then its directory. */
static int
suite_clean(void)
{
	DIR		*d;
	struct dirent	*e;
	char		 p[1100];

	nsfw_free(model);
	d = opendir(tmpdir);
	if (d == NULL)
		return -1;
	for (;;) {
		e = readdir(d);
		if (e == NULL)
			break;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", tmpdir, e->d_name);
		(void)unlink(p);
	}
	closedir(d);
	return rmdir(tmpdir) == 0 ? 0 : -1;
}

int
main(void)
{
	CU_pSuite	 s;
	unsigned	 fails;
	const char	*e = getenv("srcdir");

	if (e != NULL && *e != '\0')
		srcdir = e;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("nsfw", suite_init, suite_clean);
	if (s == NULL ||
	    CU_add_test(s, "weights file validation", test_load_errors) ==
	    NULL ||
	    CU_add_test(s, "probabilities and arguments", test_basic) == NULL ||
	    CU_add_test(s, "one model, three threads", test_threads) == NULL ||
	    CU_add_test(s, "C network == tfjs within 1e-3", test_equivalence) ==
	    NULL ||
	    CU_add_test(s, "nsfw_classify == NSFWJS.infer", test_preprocess) ==
	    NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	/* A suite whose init failed (no model) counts as failed. */
	if (CU_get_number_of_suites_failed() > 0)
		fails++;
	CU_cleanup_registry();
	return fails > 0 ? 1 : 0;
}
