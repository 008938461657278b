/*
 * qc_bench: timings for bench/qc (prints figures; not a pass/fail test).
 *
 *   qc_bench MODEL PHOTO OUTDIR [RUNS]
 *
 * Makes a 12-megapixel baseline JPEG by enlarging PHOTO (written to
 * OUTDIR/12mp.jpg), then measures, single-threaded:
 *   - qc_check() on it as a user photo: decode (DCT-scaled) + every check
 *     + NSFW, wall time per call, with the report's own breakdown;
 *   - the same on PHOTO itself (a real, possibly progressive, JPEG);
 *   - nsfw_run_tensor() alone, for every kernel set the CPU supports.
 * The network input tensor goes to OUTDIR/tensor.f32 so that bench/qc
 * can time the tfjs wasm reference on the very same input.
 * Output: "name value" lines, milliseconds unless the name says otherwise.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "image.h"
#include "nsfw.h"
#include "qc.h"

#define TARGET_MP	12.0

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_d(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return v[n / 2];
}

static int
read_all(const char *path, unsigned char **buf, size_t *len)
{
	FILE	*f = fopen(path, "rb");
	long	 n;

	*buf = NULL;
	if (f == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0) {
		fclose(f);
		return -1;
	}
	n = ftell(f);
	if (n < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return -1;
	}
	*buf = malloc((size_t)n + 1);
	if (*buf == NULL || fread(*buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return -1;
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

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

/* Time qc_check() runs times (after one warm-up) and print figures. */
static int
bench_check(const char *name, const struct qc_config *c,
    const struct nsfw_model *m, const unsigned char *buf, size_t len,
    int runs)
{
	struct qc_report	 r;
	double			*t, *d, *k, *n, t0;
	int			 i, rc = 0;

	t = calloc((size_t)runs, sizeof(*t));
	d = calloc((size_t)runs, sizeof(*d));
	k = calloc((size_t)runs, sizeof(*k));
	n = calloc((size_t)runs, sizeof(*n));
	if (t == NULL || d == NULL || k == NULL || n == NULL ||
	    qc_check(c, m, QC_USER_PHOTO, buf, len, &r) != QC_OK) {
		rc = -1;
		goto out;
	}
	for (i = 0; i < runs; i++) {
		t0 = now_ms();
		if (qc_check(c, m, QC_USER_PHOTO, buf, len, &r) != QC_OK) {
			rc = -1;
			goto out;
		}
		t[i] = now_ms() - t0;
		d[i] = r.ms_decode;
		k[i] = r.ms_checks;
		n[i] = r.ms_nsfw;
	}
	printf("%s_verdict %s\n", name, r.accepted ? "accept" : "reject");
	printf("%s_all_ms_median %.2f\n", name, median(t, runs));
	printf("%s_all_ms_min %.2f\n", name, t[0]);
	printf("%s_decode_ms_median %.2f\n", name, median(d, runs));
	printf("%s_checks_ms_median %.2f\n", name, median(k, runs));
	printf("%s_nsfw_ms_median %.2f\n", name, median(n, runs));
out:
	free(t);
	free(d);
	free(k);
	free(n);
	return rc;
}

int
main(int argc, char *argv[])
{
	static const char *const isas[] = { "avx512", "avx2", "generic" };
	struct nsfw_model	*m;
	struct qc_config	 c;
	struct image		 src, big, small;
	unsigned char		*buf, *jpg;
	size_t			 len, jlen;
	char			 err[256], path[1024];
	float			*tensor, p[NSFW_NCLASSES];
	double			*t, t0, scale;
	int			 runs = 15, nruns, i, a, w, h;

	if (argc < 4) {
		fprintf(stderr, "usage: qc_bench MODEL PHOTO OUTDIR [RUNS]\n");
		return 2;
	}
	if (argc > 4) {
		char		*end;
		long long	 v;

		errno = 0;
		v = strtoll(argv[4], &end, 10);
		if (errno != 0 || *end != '\0' || end == argv[4] || v < 3 ||
		    v > 1000) {
			fprintf(stderr, "qc_bench: RUNS must be 3..1000\n");
			return 2;
		}
		runs = (int)v;
	}
	m = nsfw_load(argv[1], err, sizeof(err));
	if (m == NULL) {
		fprintf(stderr, "qc_bench: %s\n", err);
		return 1;
	}
	qc_config_default(&c);
	if (read_all(argv[2], &buf, &len) != 0 ||
	    image_decode(buf, len, NULL, &src) != IMAGE_OK) {
		fprintf(stderr, "qc_bench: cannot decode %s\n", argv[2]);
		return 1;
	}
	/* Enlarge to 12 MP, keeping the aspect ratio. */
	scale = sqrt(TARGET_MP * 1e6 / ((double)src.w * src.h));
	w = (int)(src.w * scale + 0.5);
	h = (int)(src.h * scale + 0.5);
	if (image_resize(&src, w, h, &big) != IMAGE_OK ||
	    image_encode_jpeg(&big, 90, &jpg, &jlen) != IMAGE_OK) {
		fprintf(stderr, "qc_bench: cannot make the 12 MP JPEG\n");
		return 1;
	}
	image_free(&big);
	snprintf(path, sizeof(path), "%s/12mp.jpg", argv[3]);
	if (write_all(path, jpg, jlen) != 0) {
		fprintf(stderr, "qc_bench: cannot write %s\n", path);
		return 1;
	}
	printf("jpeg12_size %dx%d\n", w, h);
	printf("jpeg12_megapixels %.2f\n", (double)w * h / 1e6);
	printf("jpeg12_bytes %zu\n", jlen);
	printf("nsfw_kernels %s\n", nsfw_isa(m));
	if (bench_check("jpeg12", &c, m, jpg, jlen, runs) != 0 ||
	    bench_check("photo", &c, m, buf, len, runs) != 0) {
		fprintf(stderr, "qc_bench: qc_check failed\n");
		return 1;
	}
	printf("photo_size %dx%d\n", src.w, src.h);

	/* The network alone, on the tensor qc_check() would feed it. */
	tensor = malloc(NSFW_INPUT_FLOATS * sizeof(float));
	if (tensor == NULL || image_fit(&src, 512, &small) != IMAGE_OK ||
	    nsfw_preprocess(&small, tensor) != NSFW_OK) {
		fprintf(stderr, "qc_bench: preprocessing failed\n");
		return 1;
	}
	/* Raw floats: little-endian on every host this runs on (x86, arm). */
	snprintf(path, sizeof(path), "%s/tensor.f32", argv[3]);
	if (write_all(path, tensor, NSFW_INPUT_FLOATS * sizeof(float)) != 0)
		return 1;
	nruns = runs * 4;
	t = calloc((size_t)nruns, sizeof(*t));
	if (t == NULL)
		return 1;
	for (a = 0; a < 3; a++) {
		if (nsfw_set_isa(m, isas[a]) != 0)
			continue;
		for (i = 0; i < 3; i++)
			(void)nsfw_run_tensor(m, tensor, p);
		for (i = 0; i < nruns; i++) {
			t0 = now_ms();
			(void)nsfw_run_tensor(m, tensor, p);
			t[i] = now_ms() - t0;
		}
		printf("nsfw_%s_ms_median %.2f\n", isas[a], median(t, nruns));
		printf("nsfw_%s_ms_min %.2f\n", isas[a], t[0]);
	}
	printf("nsfw_probs");
	for (i = 0; i < NSFW_NCLASSES; i++)
		printf(" %s=%.5f", nsfw_class_name(i), p[i]);
	printf("\n");
	free(t);
	free(tensor);
	image_free(&small);
	image_free(&src);
	free(jpg);
	free(buf);
	nsfw_free(m);
	return 0;
}
