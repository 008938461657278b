/*
 * pose_dump: run lib/pose.c on image files and print what it finds, for
 * the parity test against MediaPipe's wasm solution (t/test_pose.sh) and
 * for bench/pose.
 *
 *   t/pose_dump [-o] [-m MASKDIR] [-r RUNS] MODELDIR FILE...
 *
 * One JSON object per line and file: {"file", "w", "h", "ms_median",
 * "ms_min", "cpu_ms_median" (this thread's CPU time), "persons": [{"score", "box"}], "landmarks": [[x, y, z,
 * visibility, presence] x 33] or null, "mask": path or null}.  With -m
 * the main person's mask is written to MASKDIR/<index>.mask (w*h bytes).
 * -r RUNS times pose_detect() RUNS times per file (single thread).
 * -o runs lib/nn/'s own kernels even when the build has XNNPACK.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "image.h"
#include "pose.h"

static double
now_ms(clockid_t id)
{
	struct timespec	 ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_d(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE		*f;
	unsigned char	*b;
	long		 n;

	f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
	b = n > 0 && fseek(f, 0, SEEK_SET) == 0 ? malloc((size_t)n) : NULL;
	if (b == NULL) {
		fclose(f);
		return NULL;
	}
	if (fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return b;
}

int
main(int argc, char *argv[])
{
	struct pose_model	*pm;
	struct pose_person	*ps = NULL;
	struct image		 img;
	const char		*maskdir = NULL;
	char			 err[256], mpath[4096];
	unsigned char		*buf;
	size_t			 len;
	double			*ms, *cpu, t, tc;
	int			 c, runs = 1, i, r, n = 0, k, rc = 0, own = 0;

	for (;;) {
		c = getopt(argc, argv, "m:or:");
		if (c == -1)
			break;
		if (c == 'r')
			runs = (int)strtol(optarg, NULL, 10);
		if (c == 'm')
			maskdir = optarg;
		else if (c == 'o')
			own = 1;
		else if (c != 'r' || runs < 1 || runs > 1000) {
			fprintf(stderr, "usage: pose_dump [-o] [-m MASKDIR] "
			    "[-r RUNS] MODELDIR FILE...\n");
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: pose_dump [-o] [-m MASKDIR] "
		    "[-r RUNS] MODELDIR FILE...\n");
		return 2;
	}
	pm = pose_load(argv[optind], err, sizeof(err));
	if (pm == NULL) {
		fprintf(stderr, "pose_dump: %s\n", err);
		return 1;
	}
	pose_model_own_kernels(pm, own);
	ms = calloc((size_t)runs, sizeof(double));
	cpu = calloc((size_t)runs, sizeof(double));
	if (ms == NULL || cpu == NULL) {
		rc = 1;
		goto out;
	}
	for (i = optind + 1; i < argc; i++) {
		buf = slurp(argv[i], &len);
		if (buf == NULL || image_decode(buf, len, NULL, &img) != 0) {
			fprintf(stderr, "pose_dump: %s: cannot decode\n",
			    argv[i]);
			free(buf);
			rc = 1;
			continue;
		}
		free(buf);
		for (r = 0; r < runs; r++) {
			pose_persons_free(ps, n);
			t = now_ms(CLOCK_MONOTONIC);
			tc = now_ms(CLOCK_THREAD_CPUTIME_ID);
			if (pose_detect(pm, &img, &ps, &n, err,
			    sizeof(err)) < 0) {
				fprintf(stderr, "pose_dump: %s: %s\n", argv[i],
				    err);
				image_free(&img);
				rc = 1;
				goto out;
			}
			ms[r] = now_ms(CLOCK_MONOTONIC) - t;
			cpu[r] = now_ms(CLOCK_THREAD_CPUTIME_ID) - tc;
		}
		qsort(ms, (size_t)runs, sizeof(double), cmp_d);
		qsort(cpu, (size_t)runs, sizeof(double), cmp_d);
		printf("{\"file\":\"%s\",\"w\":%d,\"h\":%d,\"ms_median\":%.3f,"
		    "\"ms_min\":%.3f,\"cpu_ms_median\":%.3f,\"persons\":[",
		    argv[i], img.w, img.h, ms[runs / 2], ms[0], cpu[runs / 2]);
		for (k = 0; k < n; k++)
			printf("%s{\"score\":%.5f,\"box\":[%.2f,%.2f,%.2f,%.2f]}",
			    k ? "," : "", ps[k].score, ps[k].box[0],
			    ps[k].box[1], ps[k].box[2], ps[k].box[3]);
		printf("],\"landmarks\":");
		if (n > 0 && pose_person_has_landmarks(&ps[0])) {
			for (k = 0; k < POSE_LM__MAX; k++)
				printf("%c[%.3f,%.3f,%.3f,%.5f,%.5f]",
				    k ? ',' : '[', ps[0].lm[k].x, ps[0].lm[k].y,
				    ps[0].lm[k].z, ps[0].lm[k].visibility,
				    ps[0].lm[k].presence);
			printf("]");
		} else
			printf("null");
		if (maskdir != NULL && n > 0 && ps[0].mask != NULL) {
			FILE	*f;

			snprintf(mpath, sizeof(mpath), "%s/%d.mask", maskdir,
			    i - optind - 1);
			f = fopen(mpath, "wb");
			if (f == NULL ||
			    fwrite(ps[0].mask, 1, (size_t)img.w * img.h, f) !=
			    (size_t)img.w * img.h) {
				fprintf(stderr, "pose_dump: %s: write\n", mpath);
				if (f != NULL)
					fclose(f);
				pose_persons_free(ps, n);
				image_free(&img);
				rc = 1;
				goto out;
			}
			fclose(f);
			printf(",\"mask\":\"%s\"}\n", mpath);
		} else
			printf(",\"mask\":null}\n");
		pose_persons_free(ps, n);
		ps = NULL;
		n = 0;
		image_free(&img);
	}
out:
	free(ms);
	free(cpu);
	pose_model_free(pm);
	return rc;
}
