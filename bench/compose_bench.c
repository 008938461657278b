/*
 * compose_bench.c: times the offline try-on (bench/compose runs it).
 *
 *   compose_bench DATADIR RUNS
 *
 * Prints "name ms_median" lines: compose_dress() for each category on a
 * person fixture with its reference pose, and compose_place_person().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "compose.h"
#include "image.h"
#include "pose.h"

static const char *dir;

static int
load(const char *name, struct image *im)
{
	char		 path[1024];
	unsigned char	*b = NULL;
	long		 n;
	FILE		*f;
	int		 rc = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
	if (n > 0 && fseek(f, 0, SEEK_SET) == 0)
		b = malloc((size_t)n);
	if (b != NULL && fread(b, 1, (size_t)n, f) == (size_t)n &&
	    image_decode(b, (size_t)n, NULL, im) == IMAGE_OK)
		rc = 0;
	free(b);
	fclose(f);
	return rc;
}

static int
load_pose(const char *name, struct pose_person *pp)
{
	char			 path[1024];
	struct json_object	*o, *lm, *p;
	struct image		 m;
	size_t			 i;
	int			 k;

	memset(pp, 0, sizeof(*pp));
	snprintf(path, sizeof(path), "%s/pose_%s.json", dir, name);
	o = json_object_from_file(path);
	if (o == NULL || !json_object_object_get_ex(o, "landmarks", &lm))
		return -1;
	for (k = 0; k < POSE_LM__MAX; k++) {
		p = json_object_array_get_idx(lm, (size_t)k);
		pp->lm[k].x = (float)json_object_get_double(
		    json_object_array_get_idx(p, 0));
		pp->lm[k].y = (float)json_object_get_double(
		    json_object_array_get_idx(p, 1));
		pp->lm[k].visibility = (float)json_object_get_double(
		    json_object_array_get_idx(p, 3));
	}
	json_object_put(o);
	snprintf(path, sizeof(path), "pose_%s_mask.png", name);
	if (load(path, &m) != 0)
		return -1;
	pp->mask = malloc((size_t)m.w * m.h);
	if (pp->mask == NULL)
		return -1;
	for (i = 0; i < (size_t)m.w * m.h; i++)
		pp->mask[i] = m.px[i * 4];
	pp->mask_w = m.w;
	pp->mask_h = m.h;
	image_free(&m);
	return 0;
}

static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	static const struct {
		const char	*person, *file, *garment;
		enum compose_cat cat;
	} c[] = {
		{ "people_interior_pool_hall", "people_interior_pool_hall.jpg",
		  "garment_jacket.png", COMPOSE_CAT_TOPS },
		{ "people_grace_hopper_portrait",
		  "people_grace_hopper_portrait.jpg", "garment_tshirt_red.png",
		  COMPOSE_CAT_TOPS },
		{ "people_fullbody_outdoor", "people_fullbody_outdoor.jpg",
		  "garment_white_pants.png", COMPOSE_CAT_BOTTOMS },
		{ "people_fullbody_outdoor", "people_fullbody_outdoor.jpg",
		  "garment_dress_wine.png", COMPOSE_CAT_ONE_PIECES },
	};
	struct image		 person, outfit, loc, out;
	struct pose_person	 pp;
	double			 t[64];
	size_t			 i;
	int			 r, runs;

	if (argc != 3)
		return 2;
	dir = argv[1];
	runs = atoi(argv[2]);
	if (runs < 1 || runs > 64)
		runs = 7;
	if (load("scene_street_town_sharp.jpg", &loc) != 0)
		return 1;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		if (load(c[i].file, &person) != 0 ||
		    load(c[i].garment, &outfit) != 0 ||
		    load_pose(c[i].person, &pp) != 0)
			return 1;
		for (r = 0; r < runs; r++) {
			t[r] = now_ms();
			if (compose_dress(&person, &pp, &outfit, c[i].cat, NULL,
			    &out) != COMPOSE_OK)
				return 1;
			t[r] = now_ms() - t[r];
			image_free(&out);
		}
		qsort(t, (size_t)runs, sizeof(t[0]), cmp);
		printf("dress_%s_%dx%d_%s_ms_median %.1f\n",
		    compose_cat_names[c[i].cat], person.w, person.h,
		    c[i].garment, t[runs / 2]);
		if (i == 0) {
			for (r = 0; r < runs; r++) {
				t[r] = now_ms();
				if (compose_place_person(&person, &pp, &loc,
				    NULL, &out) != COMPOSE_OK)
					return 1;
				t[r] = now_ms() - t[r];
				image_free(&out);
			}
			qsort(t, (size_t)runs, sizeof(t[0]), cmp);
			printf("place_person_%dx%d_ms_median %.1f\n", person.w,
			    person.h, t[runs / 2]);
		}
		free(pp.mask);
		image_free(&person);
		image_free(&outfit);
	}
	image_free(&loc);
	return 0;
}
