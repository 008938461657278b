/*
 * test_compose.c: CUnit tests for lib/compose.c, the `local` provider's
 * offline try-on compositor.
 *
 * Synthetic images check the background removal, sizes and errors.
 * The person fixtures, with MediaPipe's reference landmarks and masks
 * (t/data/pose_*.json and *_mask.png, made by t/pose_mp_ref.js), check
 * where each category's garment lands: the share of changed pixels
 * inside the body region and the share of the body's core covered; a
 * pose moved sideways must fail that check.  Results are written as
 * PNGs to $TMPDIR (default /tmp) for a human to look at.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include <json-c/json.h>

#include "../lib/compose.h"
#include "../lib/pose.h"
#include "../lib/video.h"
#include "testutil.h"

static const char *
srcdir(void)
{
	const char	*s = getenv("srcdir");

	return s != NULL && *s != '\0' ? s : ".";
}

/* Decode $srcdir/t/data/name into *im; 0 or -1. */
static int
load_image(const char *name, struct image *im)
{
	char		 path[1024];
	FILE		*f;
	unsigned char	*b;
	long		 n;
	int		 r, rc = -1;

	memset(im, 0, sizeof(*im));
	r = snprintf(path, sizeof(path), "%s/t/data/%s", srcdir(), name);
	if (r < 0 || (size_t)r >= sizeof(path))
		return -1;
	f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
	if (n > 0 && fseek(f, 0, SEEK_SET) == 0) {
		b = malloc((size_t)n);
		if (b != NULL && fread(b, 1, (size_t)n, f) == (size_t)n &&
		    image_decode(b, (size_t)n, NULL, im) == IMAGE_OK)
			rc = 0;
		free(b);
	}
	fclose(f);
	return rc;
}

/* Write im as PNG to $TMPDIR/name; returns 0 or -1. */
static int
save_png(const struct image *im, const char *name, char *path, size_t plen)
{
	const char	*tmp = getenv("TMPDIR");
	unsigned char	*b;
	size_t		 len;
	FILE		*f;
	int		 r, rc = -1;

	r = snprintf(path, plen, "%s/%s", tmp != NULL && *tmp != '\0' ?
	    tmp : "/tmp", name);
	if (r < 0 || (size_t)r >= plen)
		return -1;
	if (image_encode_png(im, &b, &len) != IMAGE_OK)
		return -1;
	f = fopen(path, "wb");
	if (f != NULL) {
		if (fwrite(b, 1, len, f) == len)
			rc = 0;
		if (fclose(f) != 0)
			rc = -1;
	}
	free(b);
	return rc;
}

static uint32_t
lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static void
fill(struct image *im, int r, int g, int b)
{
	size_t	i, n = (size_t)im->w * im->h;

	for (i = 0; i < n; i++) {
		im->px[i * 4] = (unsigned char)r;
		im->px[i * 4 + 1] = (unsigned char)g;
		im->px[i * 4 + 2] = (unsigned char)b;
		im->px[i * 4 + 3] = 255;
	}
}

static const unsigned char *
px_at(const struct image *im, int x, int y)
{
	return im->px + ((size_t)y * im->w + x) * 4;
}

static int
near(const unsigned char *p, int r, int g, int b, int tol)
{
	return abs(p[0] - r) <= tol && abs(p[1] - g) <= tol &&
	    abs(p[2] - b) <= tol;
}

/*
 * Synthetic outfit: a red "shirt" (a rectangle with two sleeves and a
 * neck notch) on a light grey backdrop with +-4 noise and a vertical
 * gradient, as a product photo on a paper sweep would look.
 */
static int
make_outfit(int w, int h, struct image *im)
{
	uint32_t	s = 99;
	int		x, y, n, inside;

	if (image_new(w, h, im) != IMAGE_OK)
		return -1;
	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			unsigned char *p = im->px + ((size_t)y * w + x) * 4;

			inside = (x >= w * 3 / 10 && x < w * 7 / 10 &&
			    y >= h / 5 && y < h * 9 / 10) ||
			    (x >= w / 10 && x < w * 9 / 10 && y >= h / 5 &&
			    y < h * 2 / 5);
			if (abs(x - w / 2) < w / 12 && y < h / 4)
				inside = 0;	/* neck */
			n = (int)(lcg(&s) % 9) - 4;
			if (inside) {
				p[0] = (unsigned char)(200 + n);
				p[1] = (unsigned char)(30 + n);
				p[2] = (unsigned char)(40 + n);
			} else {
				p[0] = p[1] = p[2] =
				    (unsigned char)(215 + y * 20 / h + n);
			}
			p[3] = 255;
		}
	}
	return 0;
}

static void
test_cutout_synthetic(void)
{
	struct image		 o, cut;
	struct compose_box	 box;
	int			 rc;

	CU_ASSERT_FATAL(make_outfit(300, 240, &o) == 0);
	rc = compose_cutout(&o, NULL, &cut, &box);
	CU_ASSERT_EQUAL_FATAL(rc, COMPOSE_OK);
	CU_ASSERT_EQUAL(cut.w, 300);
	CU_ASSERT_EQUAL(cut.h, 240);
	/* corners are background, the body and a sleeve are garment */
	CU_ASSERT_EQUAL(px_at(&cut, 0, 0)[3], 0);
	CU_ASSERT_EQUAL(px_at(&cut, 299, 0)[3], 0);
	CU_ASSERT_EQUAL(px_at(&cut, 0, 239)[3], 0);
	CU_ASSERT_EQUAL(px_at(&cut, 299, 239)[3], 0);
	CU_ASSERT_EQUAL(px_at(&cut, 150, 150)[3], 255);
	CU_ASSERT_EQUAL(px_at(&cut, 45, 70)[3], 255);
	/* the neck notch and the gap under a sleeve are background */
	CU_ASSERT_EQUAL(px_at(&cut, 150, 52)[3], 0);
	CU_ASSERT_EQUAL(px_at(&cut, 45, 150)[3], 0);
	/* feathered edge: partial alpha just inside the boundary */
	CU_ASSERT(px_at(&cut, 90, 150)[3] > 0 &&
	    px_at(&cut, 90, 150)[3] < 255);
	CU_ASSERT(px_at(&cut, 94, 150)[3] == 255);
	/* colours untouched */
	CU_ASSERT(near(px_at(&cut, 150, 150), 200, 30, 40, 4));
	/* bounding box = the shirt: x 30..269, y 48..215 */
	CU_ASSERT(abs(box.x - 30) <= 1 && abs(box.y - 48) <= 1);
	CU_ASSERT(abs(box.w - 240) <= 2 && abs(box.h - 168) <= 2);
	image_free(&cut);

	/* max_side shrinks the working image */
	{
		struct compose_params p;

		compose_params_default(&p);
		p.max_side = 150;
		CU_ASSERT_EQUAL(compose_cutout(&o, &p, &cut, &box),
		    COMPOSE_OK);
		CU_ASSERT(cut.w == 150 && cut.h == 120);
		CU_ASSERT_EQUAL(px_at(&cut, 0, 0)[3], 0);
		CU_ASSERT_EQUAL(px_at(&cut, 75, 75)[3], 255);
		image_free(&cut);
	}
	image_free(&o);
}

/*
 * A cut-out PNG: transparent margin, then a rim of "paper" white, then
 * a textured purple frame, then a smooth white shirt (the layout of
 * the ImageMagick T-shirt mockup fixture).
 */
static void
test_cutout_textured_frame(void)
{
	struct image		 o, cut;
	struct compose_box	 box;
	uint32_t		 s = 5;
	int			 x, y, d;

	CU_ASSERT_FATAL(image_new(200, 160, &o) == IMAGE_OK);
	for (y = 0; y < 160; y++) {
		for (x = 0; x < 200; x++) {
			unsigned char *p = o.px + ((size_t)y * 200 + x) * 4;
			int v = (int)(lcg(&s) % 120);

			d = x < y ? x : y;
			d = d < 199 - x ? d : 199 - x;
			d = d < 159 - y ? d : 159 - y;
			if (d < 4) {
				p[3] = 0;
			} else if (d < 7) {
				p[0] = 245;
				p[1] = 240;
				p[2] = 248;
				p[3] = 255;
			} else if (d < 30) {
				/* purple texture with light specks */
				p[0] = (unsigned char)(70 + v);
				p[1] = (unsigned char)(30 + v);
				p[2] = (unsigned char)(110 + v);
				if (v > 110)
					p[0] = p[1] = p[2] = 240;
				p[3] = 255;
			} else {
				p[0] = 250;
				p[1] = 246;
				p[2] = 240;
				p[3] = 255;
			}
		}
	}
	CU_ASSERT_EQUAL_FATAL(compose_cutout(&o, NULL, &cut, &box),
	    COMPOSE_OK);
	CU_ASSERT_EQUAL(px_at(&cut, 15, 80)[3], 0);	/* frame */
	CU_ASSERT_EQUAL(px_at(&cut, 100, 15)[3], 0);
	CU_ASSERT_EQUAL(px_at(&cut, 100, 80)[3], 255);	/* shirt */
	CU_ASSERT(box.x >= 28 && box.x <= 34 && box.w >= 132 && box.w <= 142);
	image_free(&cut);
	image_free(&o);
}

static void
test_cutout_errors(void)
{
	struct image		 o, cut;
	struct compose_box	 box;

	CU_ASSERT_FATAL(image_new(64, 48, &o) == IMAGE_OK);
	fill(&o, 120, 130, 140);
	CU_ASSERT_EQUAL(compose_cutout(&o, NULL, &cut, &box),
	    COMPOSE_E_NO_GARMENT);
	CU_ASSERT_PTR_NULL(cut.px);
	/* fully transparent: nothing either */
	memset(o.px, 0, (size_t)64 * 48 * 4);
	CU_ASSERT_EQUAL(compose_cutout(&o, NULL, &cut, &box),
	    COMPOSE_E_NO_GARMENT);
	CU_ASSERT_EQUAL(compose_cutout(NULL, NULL, &cut, &box),
	    COMPOSE_E_INVAL);
	CU_ASSERT_EQUAL(compose_cutout(&o, NULL, NULL, &box),
	    COMPOSE_E_INVAL);
	o.w = 0;
	CU_ASSERT_EQUAL(compose_cutout(&o, NULL, &cut, &box),
	    COMPOSE_E_INVAL);
	o.w = 64;
	image_free(&o);
	CU_ASSERT_PTR_NOT_NULL(compose_strerror(COMPOSE_E_NO_GARMENT));
	CU_ASSERT_STRING_NOT_EQUAL(compose_strerror(COMPOSE_E_NOMEM),
	    compose_strerror(COMPOSE_E_INVAL));
}


/*
 * A pose from the committed MediaPipe reference: t/data/pose_NAME.json
 * (landmarks in source pixels, t/pose_mp_ref.js) and its mask PNG.
 * Returns 0 or -1; on 0 the caller frees with pose_free_test().
 */
static int
load_pose(const char *name, struct pose_person *pp)
{
	char			 path[1024];
	struct json_object	*o, *lm, *p;
	struct image		 m;
	size_t			 i, n;
	int			 k, r;

	memset(pp, 0, sizeof(*pp));
	r = snprintf(path, sizeof(path), "%s/t/data/pose_%s.json", srcdir(),
	    name);
	if (r < 0 || (size_t)r >= sizeof(path))
		return -1;
	o = json_object_from_file(path);
	if (o == NULL)
		return -1;
	if (!json_object_object_get_ex(o, "landmarks", &lm) ||
	    json_object_array_length(lm) != POSE_LM__MAX) {
		json_object_put(o);
		return -1;
	}
	for (k = 0; k < POSE_LM__MAX; k++) {
		p = json_object_array_get_idx(lm, (size_t)k);
		pp->lm[k].x = (float)json_object_get_double(
		    json_object_array_get_idx(p, 0));
		pp->lm[k].y = (float)json_object_get_double(
		    json_object_array_get_idx(p, 1));
		pp->lm[k].z = (float)json_object_get_double(
		    json_object_array_get_idx(p, 2));
		pp->lm[k].visibility = (float)json_object_get_double(
		    json_object_array_get_idx(p, 3));
		pp->lm[k].presence = pp->lm[k].visibility;
	}
	json_object_put(o);
	pp->score = 1;
	r = snprintf(path, sizeof(path), "pose_%s_mask.png", name);
	if (r < 0 || (size_t)r >= sizeof(path) || load_image(path, &m) != 0)
		return -1;
	n = (size_t)m.w * m.h;
	pp->mask = malloc(n);
	if (pp->mask == NULL) {
		image_free(&m);
		return -1;
	}
	for (i = 0; i < n; i++)
		pp->mask[i] = m.px[i * 4];
	pp->mask_w = m.w;
	pp->mask_h = m.h;
	image_free(&m);
	return 0;
}

static void
pose_free_test(struct pose_person *pp)
{
	free(pp->mask);
	memset(pp, 0, sizeof(*pp));
}

/* The whole pose (landmarks and mask) moved by dx, dy pixels. */
static void
pose_shift(struct pose_person *pp, int dx, int dy)
{
	unsigned char	*m;
	int		 x, y, k, sx, sy;

	for (k = 0; k < POSE_LM__MAX; k++) {
		pp->lm[k].x += (float)dx;
		pp->lm[k].y += (float)dy;
	}
	m = calloc((size_t)pp->mask_w * pp->mask_h, 1);
	if (m == NULL)
		return;
	for (y = 0; y < pp->mask_h; y++)
		for (x = 0; x < pp->mask_w; x++) {
			sx = x - dx;
			sy = y - dy;
			if (sx >= 0 && sx < pp->mask_w && sy >= 0 &&
			    sy < pp->mask_h)
				m[(size_t)y * pp->mask_w + x] =
				    pp->mask[(size_t)sy * pp->mask_w + sx];
		}
	free(pp->mask);
	pp->mask = m;
}

/*
 * The check of a try-on's placement against the reference pose (not
 * the one it was made with): of the pixels the try-on changed, the
 * share inside the category's body region (the reference mask, grown by
 * a few pixels, within the category's band of the body); and the share
 * of the category's core (torso quad for tops, thighs for bottoms, both
 * for one-pieces, inside the mask) that it changed.
 */
struct placement {
	double	inside;		/* changed pixels inside the body region */
	double	covered;	/* core pixels changed */
	double	hands;		/* hand pixels changed (-1: none seen) */
	long	changed;
};

/* Distance of (x, y) to the segment a-b. */
static double
seg_dist(double x, double y, double ax, double ay, double bx, double by)
{
	double	vx = bx - ax, vy = by - ay, l2 = vx * vx + vy * vy, t;

	t = l2 > 0 ? ((x - ax) * vx + (y - ay) * vy) / l2 : 0;
	t = t < 0 ? 0 : t > 1 ? 1 : t;
	return hypot(ax + t * vx - x, ay + t * vy - y);
}

/* The reference mask at w x h, grown by r pixels (1 = person). */
static unsigned char *
grown_mask(const struct pose_person *ref, int w, int h, int r)
{
	unsigned char	*m, *g;
	int		 x, y, i, j;

	m = calloc((size_t)w * h, 1);
	g = calloc((size_t)w * h, 1);
	if (m == NULL || g == NULL) {
		free(m);
		free(g);
		return NULL;
	}
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			m[(size_t)y * w + x] = ref->mask[(size_t)(y *
			    ref->mask_h / h) * ref->mask_w + x * ref->mask_w /
			    w] >= 128;
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			if (!m[(size_t)y * w + x])
				continue;
			for (j = y - r; j <= y + r; j++)
				for (i = x - r; i <= x + r; i++)
					if (i >= 0 && j >= 0 && i < w && j < h)
						g[(size_t)j * w + i] = 1;
		}
	free(m);
	return g;
}

static void
measure(const struct image *before, const struct image *after,
    const struct pose_person *ref, enum compose_cat cat, struct placement *pm)
{
	const struct pose_point	*l = ref->lm;
	double	 sx = (double)after->w / ref->mask_w;
	double	 smx, smy, hmy, ky, tor, top, bot, sw, d;
	long	 in = 0, core = 0, cov = 0;
	int	 x, y, changed, incore, side;
	unsigned char	*body, *mask;
	const unsigned char *a, *b;

	memset(pm, 0, sizeof(*pm));
	smx = (l[POSE_LEFT_SHOULDER].x + l[POSE_RIGHT_SHOULDER].x) / 2 * sx;
	smy = (l[POSE_LEFT_SHOULDER].y + l[POSE_RIGHT_SHOULDER].y) / 2 * sx;
	hmy = (l[POSE_LEFT_HIP].y + l[POSE_RIGHT_HIP].y) / 2 * sx;
	ky = (l[POSE_LEFT_KNEE].y + l[POSE_RIGHT_KNEE].y) / 2 * sx;
	tor = hmy - smy;
	sw = fabs(l[POSE_LEFT_SHOULDER].x - l[POSE_RIGHT_SHOULDER].x) * sx;
	if (sw < 0.55 * tor)
		sw = 0.55 * tor;
	top = cat == COMPOSE_CAT_BOTTOMS ? hmy - 0.45 * tor : smy - 0.35 * sw;
	bot = cat == COMPOSE_CAT_TOPS ? hmy + 0.7 * tor : after->h;
	body = grown_mask(ref, after->w, after->h, (int)(0.1 * sw) + 2);
	mask = grown_mask(ref, after->w, after->h, 0);
	CU_ASSERT_FATAL(body != NULL && mask != NULL);
	for (y = 0; y < after->h; y++) {
		for (x = 0; x < after->w; x++) {
			a = px_at(before, x, y);
			b = px_at(after, x, y);
			changed = abs(a[0] - b[0]) + abs(a[1] - b[1]) +
			    abs(a[2] - b[2]) > 40;
			incore = 0;
			if (mask[(size_t)y * after->w + x]) {
				/* the torso's middle, for tops and dresses */
				if (cat != COMPOSE_CAT_BOTTOMS &&
				    y > smy + 0.15 * tor &&
				    y < hmy - 0.05 * tor &&
				    fabs(x - smx) < 0.3 * sw)
					incore = 1;
				/* the thighs, for bottoms and dresses */
				for (side = 0; side < 2 &&
				    cat != COMPOSE_CAT_TOPS; side++) {
					d = seg_dist(x, y,
					    l[POSE_LEFT_HIP + side].x * sx,
					    l[POSE_LEFT_HIP + side].y * sx,
					    l[POSE_LEFT_KNEE + side].x * sx,
					    l[POSE_LEFT_KNEE + side].y * sx);
					if (d < 0.12 * sw &&
					    y > hmy + 0.1 * tor &&
					    y < ky - 0.1 * tor)
						incore = 1;
				}
			}
			if (incore) {
				core++;
				cov += changed;
			}
			if (!changed)
				continue;
			pm->changed++;
			if (y >= top && y <= bot &&
			    body[(size_t)y * after->w + x])
				in++;
		}
	}
	free(body);
	free(mask);
	pm->inside = pm->changed > 0 ? (double)in / pm->changed : 0;
	pm->covered = core > 0 ? (double)cov / core : 0;
}

/*
 * Of the person's pixels on the visible hands (around the wrist-index
 * segment, a fifth of the hand-to-hand scale wide), the share the
 * try-on changed; -1 when no hand is visible.  Hands stay in front.
 */
static double
hands_changed(const struct image *before, const struct image *after,
    const struct pose_person *ref)
{
	const struct pose_point	*l = ref->lm;
	double	 sx = (double)after->w / ref->mask_w, r, d;
	long	 n = 0, ch = 0;
	int	 x, y, side, w, iw;
	const unsigned char *a, *b;

	r = 0.04 * hypot(l[POSE_LEFT_SHOULDER].x - l[POSE_RIGHT_SHOULDER].x,
	    l[POSE_LEFT_SHOULDER].y - l[POSE_RIGHT_SHOULDER].y) * sx + 1;
	for (side = 0; side < 2; side++) {
		w = POSE_LEFT_WRIST + side;
		iw = POSE_LEFT_INDEX + side;
		if (l[w].visibility < 0.5)
			continue;
		for (y = 0; y < after->h; y++)
			for (x = 0; x < after->w; x++) {
				d = seg_dist(x, y, l[w].x * sx, l[w].y * sx,
				    l[iw].x * sx, l[iw].y * sx);
				if (d > r || ref->mask[(size_t)(y / sx) *
				    ref->mask_w + (size_t)(x / sx)] < 128)
					continue;
				a = px_at(before, x, y);
				b = px_at(after, x, y);
				n++;
				ch += abs(a[0] - b[0]) + abs(a[1] - b[1]) +
				    abs(a[2] - b[2]) > 40;
			}
	}
	return n > 0 ? (double)ch / n : -1;
}

/* Placement thresholds: a try-on below either is misplaced. */
#define MIN_INSIDE	0.95
#define MIN_COVERED	0.80
#define MAX_HANDS	0.10	/* hands are in front of bottoms, dresses */

struct dress_case {
	const char	*person;	/* t/data/NAME.EXT and pose_NAME */
	const char	*ext;
	const char	*garment;
	enum compose_cat cat;
};

static const struct dress_case cases[] = {
	{ "people_grace_hopper_portrait", "jpg", "garment_tshirt_red.png",
	  COMPOSE_CAT_TOPS },
	{ "people_grace_hopper_portrait", "jpg", "garment_jacket.png",
	  COMPOSE_CAT_TOPS },
	{ "people_astronaut_portrait", "png", "garment_tshirt_red.png",
	  COMPOSE_CAT_TOPS },
	{ "people_interior_pool_hall", "jpg", "garment_jacket.png",
	  COMPOSE_CAT_TOPS },
	{ "people_fullbody_outdoor", "jpg", "garment_tshirt_red.png",
	  COMPOSE_CAT_TOPS },
	{ "people_fullbody_outdoor", "jpg", "garment_white_pants.png",
	  COMPOSE_CAT_BOTTOMS },
	{ "people_fullbody_outdoor", "jpg", "garment_dress_wine.png",
	  COMPOSE_CAT_ONE_PIECES },
	{ "people_astronaut_portrait", "png", "garment_jacket.png",
	  COMPOSE_CAT_TOPS },
};

/* Dress case c with pose pp; 0 and the measure against ref, or -1. */
static int
dress_case(const struct dress_case *c, const struct pose_person *pp,
    const struct pose_person *ref, struct placement *pm, const char *save)
{
	struct image	person, outfit, out;
	char		name[256], path[1100];
	int		rc;

	snprintf(name, sizeof(name), "%s.%s", c->person, c->ext);
	if (load_image(name, &person) != 0 ||
	    load_image(c->garment, &outfit) != 0)
		return -1;
	rc = compose_dress(&person, pp, &outfit, c->cat, NULL, &out);
	if (rc != COMPOSE_OK)
		printf("\n    %s with %s: %s", c->person, c->garment,
		    compose_strerror(rc));
	CU_ASSERT_EQUAL(rc, COMPOSE_OK);
	if (rc == COMPOSE_OK) {
		/* the photo's framing, never enlarged */
		CU_ASSERT(out.w == person.w && out.h == person.h);
		measure(&person, &out, ref, c->cat, pm);
		pm->hands = hands_changed(&person, &out, ref);
		if (save != NULL && save_png(&out, save, path,
		    sizeof(path)) == 0)
			printf("\n    wrote %s", path);
		image_free(&out);
	}
	image_free(&person);
	image_free(&outfit);
	return rc == COMPOSE_OK ? 0 : -1;
}

/*
 * Every category on the person fixtures, with the MediaPipe reference
 * pose: the garment's changed pixels inside the body region and
 * covering its core.  Prints the figures (README quotes them).
 */
static void
test_dress_fixtures(void)
{
	struct pose_person	pp;
	struct placement	pm;
	char			save[256];
	size_t			i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_FATAL(load_pose(cases[i].person, &pp) == 0);
		snprintf(save, sizeof(save), "primerka_dress_%zu.png", i);
		if (dress_case(&cases[i], &pp, &pp, &pm, save) == 0) {
			printf("\n    %-30s %-24s %-10s inside %.3f covered "
			    "%.3f hands %.3f (%ld px changed)",
			    cases[i].person, cases[i].garment,
			    compose_cat_names[cases[i].cat], pm.inside,
			    pm.covered, pm.hands, pm.changed);
			CU_ASSERT(pm.inside >= MIN_INSIDE);
			CU_ASSERT(pm.covered >= MIN_COVERED);
			/* below the torso's top, hands stay in front */
			if (cases[i].cat != COMPOSE_CAT_TOPS)
				CU_ASSERT(pm.hands < MAX_HANDS);
		} else
			CU_FAIL("dress case failed");
		pose_free_test(&pp);
	}
	printf("\n  ");
}

/*
 * The check can fail: a pose moved (as a detector that found the wrong
 * place would give: a quarter of the frame up for the portrait, sideways
 * for the full body) puts the garment off the body, and the measure
 * against the true pose says so, for every category.
 */
static void
test_dress_shifted_fails(void)
{
	static const size_t	pick[] = { 0, 5, 6 };
	struct pose_person	pp, ref;
	struct placement	pm;
	size_t			i;

	for (i = 0; i < sizeof(pick) / sizeof(pick[0]); i++) {
		const struct dress_case *c = &cases[pick[i]];

		CU_ASSERT_FATAL(load_pose(c->person, &pp) == 0);
		CU_ASSERT_FATAL(load_pose(c->person, &ref) == 0);
		/* a portrait's body fills the frame's width: move it up */
		if (c->cat == COMPOSE_CAT_TOPS)
			pose_shift(&pp, 0, -ref.mask_h / 4);
		else
			pose_shift(&pp, ref.mask_w / 4, 0);
		CU_ASSERT_FATAL(dress_case(c, &pp, &ref, &pm, NULL) == 0);
		printf("\n    shifted %-22s %-10s inside %.3f covered %.3f",
		    c->person, compose_cat_names[c->cat], pm.inside,
		    pm.covered);
		CU_ASSERT(pm.inside < MIN_INSIDE || pm.covered < MIN_COVERED);
		pose_free_test(&pp);
		pose_free_test(&ref);
	}
	printf("\n  ");
}

/* Mean of a channel over pixels where sel says so. */
static double
mean_where(const struct image *im, const unsigned char *sel, int want, int c)
{
	double	s = 0;
	long	n = 0;
	size_t	i;

	for (i = 0; i < (size_t)im->w * im->h; i++)
		if (sel[i] == want) {
			s += im->px[i * 4 + c];
			n++;
		}
	return n > 0 ? s / n : 0;
}

/*
 * The person on a location: the frame keeps the photo's size; away
 * from the person it is the location (cover-scaled), on the person it
 * is the person, whose light moved toward the location's.
 */
static void
test_place_person(void)
{
	struct image		 person, loc, out, cov, crop;
	struct pose_person	 pp;
	unsigned char		*near_body, *in_body;
	double			 before, after, target, photo;
	size_t			 i, n;
	long			 far = 0, same = 0;
	int			 cw;
	char			 path[1100];

	CU_ASSERT_FATAL(load_image("people_fullbody_outdoor.jpg", &person) ==
	    0);
	CU_ASSERT_FATAL(load_image("scene_interior_living_room.jpg", &loc) ==
	    0);
	CU_ASSERT_FATAL(load_pose("people_fullbody_outdoor", &pp) == 0);
	CU_ASSERT_EQUAL_FATAL(compose_place_person(&person, &pp, &loc, NULL,
	    &out), COMPOSE_OK);
	CU_ASSERT(out.w == person.w && out.h == person.h);
	/* the location, cover-scaled: a 2560x3837 portrait to 640x424 */
	cw = 2560;
	CU_ASSERT_FATAL(image_crop(&loc, 0, (3837 - 1696) / 2, cw, 1696,
	    &crop) == IMAGE_OK);
	CU_ASSERT_FATAL(image_resize(&crop, 640, 424, &cov) == IMAGE_OK);
	near_body = grown_mask(&pp, out.w, out.h, 12);
	in_body = grown_mask(&pp, out.w, out.h, 0);
	CU_ASSERT_FATAL(near_body != NULL && in_body != NULL);
	n = (size_t)out.w * out.h;
	for (i = 0; i < n; i++) {
		if (near_body[i] || i / out.w > 380)
			continue;	/* the feet's shadow may darken */
		far++;
		same += abs(out.px[i * 4] - cov.px[i * 4]) <= 2 &&
		    abs(out.px[i * 4 + 1] - cov.px[i * 4 + 1]) <= 2 &&
		    abs(out.px[i * 4 + 2] - cov.px[i * 4 + 2]) <= 2;
	}
	printf("\n    location kept away from the person: %.4f", (double)same /
	    far);
	CU_ASSERT((double)same / far > 0.995);
	/*
	 * On the person: their own picture, its light moved the way the
	 * location's mean differs from the photo's.
	 */
	memset(near_body, 0, n);
	before = mean_where(&person, in_body, 1, 0) +
	    mean_where(&person, in_body, 1, 1) +
	    mean_where(&person, in_body, 1, 2);
	after = mean_where(&out, in_body, 1, 0) + mean_where(&out, in_body, 1,
	    1) + mean_where(&out, in_body, 1, 2);
	photo = mean_where(&person, near_body, 0, 0) + mean_where(&person,
	    near_body, 0, 1) + mean_where(&person, near_body, 0, 2);
	target = mean_where(&cov, near_body, 0, 0) + mean_where(&cov,
	    near_body, 0, 1) + mean_where(&cov, near_body, 0, 2);
	printf("\n    photo %.1f, location %.1f: person %.1f -> %.1f\n  ",
	    photo / 3, target / 3, before / 3, after / 3);
	CU_ASSERT((after - before) * (target - photo) > 0);
	CU_ASSERT(fabs(after - before) > 3 * 3);
	CU_ASSERT(save_png(&out, "primerka_place.png", path,
	    sizeof(path)) == 0);
	free(near_body);
	free(in_body);
	image_free(&cov);
	image_free(&crop);
	image_free(&out);
	image_free(&loc);
	image_free(&person);
	pose_free_test(&pp);
}

/*
 * A placed try-on taken apart (compose_layers()) and animated in depth
 * (video_parallax_mp4()): the background is the result wherever the
 * person is not and the location behind them; between the first and
 * the last frame the person's blocks move otherwise than the
 * background's motion would move them there.
 */
static void
test_layers_parallax(void)
{
	struct image		 person, loc, out, bg, f0;
	struct pose_person	 pp;
	struct video_params	 vp;
	struct tu_parallax	 m;
	unsigned char		*alpha, *mp4 = NULL;
	size_t			 i, n, len = 0;
	long			 kept = 0, behind = 0, cover = 0;
	double			 gone = 0;
	char			 err[256], path[1100];

	video_quiet_logs();
	CU_ASSERT_FATAL(load_image("people_interior_pool_hall.jpg", &person) ==
	    0);
	CU_ASSERT_FATAL(load_image("scene_street_town_sharp.jpg", &loc) == 0);
	CU_ASSERT_FATAL(load_pose("people_interior_pool_hall", &pp) == 0);
	CU_ASSERT_EQUAL_FATAL(compose_place_person(&person, &pp, &loc, NULL,
	    &out), COMPOSE_OK);
	CU_ASSERT_EQUAL(compose_layers(NULL, &pp, &loc, &bg, &alpha),
	    COMPOSE_E_INVAL);
	CU_ASSERT_EQUAL(compose_layers(&out, NULL, &loc, &bg, &alpha),
	    COMPOSE_E_INVAL);
	CU_ASSERT_EQUAL_FATAL(compose_layers(&out, &pp, &loc, &bg, &alpha),
	    COMPOSE_OK);
	CU_ASSERT_FATAL(bg.w == out.w && bg.h == out.h);
	n = (size_t)out.w * out.h;
	for (i = 0; i < n; i++) {
		if (alpha[i] == 0) {
			kept += memcmp(bg.px + i * 4, out.px + i * 4, 4) == 0;
			continue;
		}
		cover++;
		if (alpha[i] < 255)
			continue;
		behind++;
		gone += abs(bg.px[i * 4] - out.px[i * 4]) +
		    abs(bg.px[i * 4 + 1] - out.px[i * 4 + 1]) +
		    abs(bg.px[i * 4 + 2] - out.px[i * 4 + 2]);
	}
	gone /= 3.0 * (behind > 0 ? behind : 1);
	printf("\n    person layer %.1f%% of the frame; behind them the "
	    "background differs by %.1f", 100.0 * cover / n, gone);
	CU_ASSERT_EQUAL(kept, (long)n - cover);
	CU_ASSERT(cover > (long)n / 20);
	CU_ASSERT(gone > 20.0);

	video_params_default(&vp);
	vp.seconds = 1.0;
	vp.fps = 24;
	vp.crf = 12;
	CU_ASSERT_EQUAL_FATAL(video_parallax_mp4(&out, &bg, alpha, &vp, &mp4,
	    &len, err, sizeof(err)), 0);
	CU_ASSERT_FATAL(tu_parallax_mp4(mp4, len, 23, alpha, &f0, &m) == 0);
	printf("\n    %dx%d: person %.1f,%.1f px (%d blocks), background "
	    "%.1f,%.1f px (%d), person beyond the background's motion "
	    "%.1f,%.1f px\n  ", f0.w, f0.h, m.fg_dx, m.fg_dy, m.nfg, m.bg_dx,
	    m.bg_dy, m.nbg, m.rx, m.ry);
	CU_ASSERT(hypot(m.rx, m.ry) >= 10.0);
	image_free(&f0);
	CU_ASSERT(video_decode_frame(mp4, len, 23, &f0, err,
	    sizeof(err)) == 0 && save_png(&f0, "primerka_parallax_last.png",
	    path, sizeof(path)) == 0);
	image_free(&f0);
	free(mp4);
	free(alpha);
	image_free(&bg);
	image_free(&out);
	image_free(&loc);
	image_free(&person);
	pose_free_test(&pp);
}

/* Same inputs, same bytes (and same JPEG). */
static void
test_determinism(void)
{
	struct image		 person, outfit, loc, a, b;
	struct pose_person	 pp;
	unsigned char		*ea, *eb;
	size_t			 la, lb;

	CU_ASSERT_FATAL(load_image("people_interior_pool_hall.jpg", &person) ==
	    0);
	CU_ASSERT_FATAL(load_image("garment_jacket.png", &outfit) == 0);
	CU_ASSERT_FATAL(load_image("scene_street_town_sharp.jpg", &loc) == 0);
	CU_ASSERT_FATAL(load_pose("people_interior_pool_hall", &pp) == 0);
	CU_ASSERT_EQUAL_FATAL(compose_tryon(&person, &pp, &outfit,
	    COMPOSE_CAT_TOPS, &loc, NULL, &a), COMPOSE_OK);
	CU_ASSERT_EQUAL_FATAL(compose_tryon(&person, &pp, &outfit,
	    COMPOSE_CAT_TOPS, &loc, NULL, &b), COMPOSE_OK);
	CU_ASSERT(a.w == person.w && a.h == person.h);
	CU_ASSERT(a.w == b.w && a.h == b.h &&
	    memcmp(a.px, b.px, (size_t)a.w * a.h * 4) == 0);
	CU_ASSERT_FATAL(image_encode_jpeg(&a, 90, &ea, &la) == IMAGE_OK);
	CU_ASSERT_FATAL(image_encode_jpeg(&b, 90, &eb, &lb) == IMAGE_OK);
	CU_ASSERT(la == lb && memcmp(ea, eb, la) == 0);
	free(ea);
	free(eb);
	image_free(&a);
	image_free(&b);
	image_free(&person);
	image_free(&outfit);
	image_free(&loc);
	pose_free_test(&pp);
}

/*
 * Without a pose: the nominal guess (a centred half-body portrait)
 * dresses the middle of the frame; sizes and max_side; errors.
 */
static void
test_tryon_nominal_and_errors(void)
{
	struct image		 person, outfit, out, loc;
	struct compose_params	 p;
	struct pose_person	 pp;
	int			 k;

	CU_ASSERT_FATAL(image_new(400, 500, &person) == IMAGE_OK);
	fill(&person, 20, 60, 200);
	CU_ASSERT_FATAL(make_outfit(300, 240, &outfit) == 0);
	CU_ASSERT_EQUAL_FATAL(compose_tryon(&person, NULL, &outfit,
	    COMPOSE_CAT_TOPS, NULL, NULL, &out), COMPOSE_OK);
	CU_ASSERT(out.w == 400 && out.h == 500);
	CU_ASSERT(near(px_at(&out, 200, 40), 20, 60, 200, 0));	/* head */
	CU_ASSERT(near(px_at(&out, 0, 499), 20, 60, 200, 0));	/* corner */
	/* the torso's middle is the garment's red (shaded: flat photo) */
	CU_ASSERT(near(px_at(&out, 200, 330), 200, 30, 40, 40));
	image_free(&out);

	/* on a location too: the frame is the photo's, its corner the place */
	CU_ASSERT_FATAL(image_new(600, 300, &loc) == IMAGE_OK);
	fill(&loc, 0, 180, 0);
	CU_ASSERT_EQUAL_FATAL(compose_tryon(&person, NULL, &outfit,
	    COMPOSE_CAT_TOPS, &loc, NULL, &out), COMPOSE_OK);
	CU_ASSERT(out.w == 400 && out.h == 500);
	CU_ASSERT(near(px_at(&out, 0, 0), 0, 180, 0, 0));
	CU_ASSERT(near(px_at(&out, 399, 0), 0, 180, 0, 0));
	CU_ASSERT(!near(px_at(&out, 200, 330), 0, 180, 0, 30));
	image_free(&out);
	image_free(&loc);

	compose_params_default(&p);
	p.max_side = 250;
	k = compose_tryon(&person, NULL, &outfit, COMPOSE_CAT_ONE_PIECES,
	    NULL, &p, &out);
	CU_ASSERT_EQUAL(k, COMPOSE_OK);
	CU_ASSERT(out.w == 200 && out.h == 250);
	image_free(&out);

	/* errors leave *out empty */
	CU_ASSERT_EQUAL(compose_tryon(NULL, NULL, &outfit, COMPOSE_CAT_TOPS,
	    NULL, NULL, &out), COMPOSE_E_INVAL);
	CU_ASSERT_PTR_NULL(out.px);
	CU_ASSERT_EQUAL(compose_tryon(&person, NULL, &outfit,
	    COMPOSE_CAT__MAX, NULL, NULL, &out), COMPOSE_E_INVAL);
	CU_ASSERT_EQUAL(compose_dress(&person, NULL, &outfit,
	    COMPOSE_CAT_TOPS, NULL, &out), COMPOSE_E_INVAL);
	CU_ASSERT_EQUAL(compose_place_person(&person, NULL, &outfit, NULL,
	    &out), COMPOSE_E_INVAL);
	/* a degenerate pose: every landmark on one point */
	memset(&pp, 0, sizeof(pp));
	for (k = 0; k < POSE_LM__MAX; k++) {
		pp.lm[k].x = 100;
		pp.lm[k].y = 100;
	}
	CU_ASSERT_EQUAL(compose_dress(&person, &pp, &outfit, COMPOSE_CAT_TOPS,
	    NULL, &out), COMPOSE_E_NO_BODY);
	CU_ASSERT_PTR_NULL(out.px);
	pp.lm[0].x = 1.0f / 0.0f;
	CU_ASSERT_EQUAL(compose_dress(&person, &pp, &outfit, COMPOSE_CAT_TOPS,
	    NULL, &out), COMPOSE_E_NO_BODY);
	fill(&outfit, 90, 90, 90);
	CU_ASSERT_EQUAL(compose_tryon(&person, NULL, &outfit,
	    COMPOSE_CAT_TOPS, NULL, NULL, &out), COMPOSE_E_NO_GARMENT);
	CU_ASSERT_PTR_NULL(out.px);
	CU_ASSERT_EQUAL(compose_cat_parse("one-pieces"),
	    COMPOSE_CAT_ONE_PIECES);
	CU_ASSERT_EQUAL(compose_cat_parse("hats"), -1);
	CU_ASSERT_EQUAL(compose_cat_parse(NULL), -1);
	image_free(&person);
	image_free(&outfit);
}

/*
 * Nonsense poses (landmarks anywhere up to 1e5 px away, any visibility,
 * masks of any size) never crash or hang: each try-on succeeds with the
 * photo's size or says COMPOSE_E_NO_BODY.
 */
static void
test_random_poses(void)
{
	struct image		 person, outfit, loc, out;
	struct pose_person	 pp;
	uint32_t		 s = 11;
	int			 it, k, rc, ok = 0;
	float			 sc;

	CU_ASSERT_FATAL(image_new(160, 200, &person) == IMAGE_OK);
	CU_ASSERT_FATAL(image_new(90, 70, &loc) == IMAGE_OK);
	fill(&person, 120, 110, 100);
	fill(&loc, 60, 70, 80);
	CU_ASSERT_FATAL(make_outfit(120, 100, &outfit) == 0);
	for (it = 0; it < 300; it++) {
		memset(&pp, 0, sizeof(pp));
		sc = it % 3 == 0 ? 1e5f : it % 3 == 1 ? 300.0f : 30.0f;
		for (k = 0; k < POSE_LM__MAX; k++) {
			pp.lm[k].x = sc * ((float)(lcg(&s) % 20001) / 10000 - 1);
			pp.lm[k].y = sc * ((float)(lcg(&s) % 20001) / 10000 - 1);
			pp.lm[k].visibility = (float)(lcg(&s) % 101) / 100;
		}
		if (it % 5 == 0) {
			pp.mask_w = 1 + it % 37;
			pp.mask_h = 1 + it % 23;
			pp.mask = malloc((size_t)pp.mask_w * pp.mask_h);
			CU_ASSERT_FATAL(pp.mask != NULL);
			memset(pp.mask, it & 255, (size_t)pp.mask_w * pp.mask_h);
		}
		rc = compose_tryon(&person, &pp, &outfit, (enum compose_cat)(it %
		    COMPOSE_CAT__MAX), it % 2 ? &loc : NULL, NULL, &out);
		CU_ASSERT(rc == COMPOSE_OK || rc == COMPOSE_E_NO_BODY);
		if (rc == COMPOSE_OK) {
			CU_ASSERT(out.w == 160 && out.h == 200);
			ok++;
			image_free(&out);
		} else
			CU_ASSERT_PTR_NULL(out.px);
		free(pp.mask);
	}
	CU_ASSERT(ok > 0);
	image_free(&person);
	image_free(&outfit);
	image_free(&loc);
}

static void
test_thumbnail(void)
{
	struct image	img, t;
	int		i;

	CU_ASSERT_FATAL(image_new(800, 600, &img) == IMAGE_OK);
	fill(&img, 10, 20, 30);
	for (i = 0; i < 800 * 600; i++)
		if (i % 800 < 400)
			img.px[i * 4 + 3] = 0;	/* left half transparent */
	CU_ASSERT_EQUAL(compose_thumbnail(&img, 200, &t), COMPOSE_OK);
	CU_ASSERT(t.w == 200 && t.h == 150);
	CU_ASSERT(near(px_at(&t, 10, 75), 255, 255, 255, 0));	/* white */
	CU_ASSERT(near(px_at(&t, 190, 75), 10, 20, 30, 0));
	CU_ASSERT_EQUAL(px_at(&t, 10, 75)[3], 255);
	image_free(&t);
	CU_ASSERT_EQUAL(compose_thumbnail(&img, 0, &t), COMPOSE_E_INVAL);
	CU_ASSERT_EQUAL(compose_thumbnail(NULL, 10, &t), COMPOSE_E_INVAL);
	image_free(&img);
}

/* The T-shirt mockup's cutout: the purple frame goes, the shirts stay. */
static void
test_cutout_mockup(void)
{
	struct image		 outfit, cut;
	struct compose_box	 box;

	CU_ASSERT_FATAL(load_image("product_tshirt_mockup.png", &outfit) == 0);
	CU_ASSERT_EQUAL_FATAL(compose_cutout(&outfit, NULL, &cut, &box),
	    COMPOSE_OK);
	CU_ASSERT_EQUAL(px_at(&cut, 10, 150)[3], 0);
	CU_ASSERT_EQUAL(px_at(&cut, 300, 200)[3], 0);	/* between shirts */
	CU_ASSERT_EQUAL(px_at(&cut, 150, 60)[3], 255);	/* front shirt */
	CU_ASSERT_EQUAL(px_at(&cut, 450, 150)[3], 255);	/* back shirt */
	image_free(&cut);
	image_free(&outfit);
}

int
main(void)
{
	CU_pSuite	s;
	unsigned int	fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("compose", NULL, NULL);
	if (s == NULL ||
	    CU_add_test(s, "cutout synthetic", test_cutout_synthetic) ==
	    NULL ||
	    CU_add_test(s, "cutout textured frame",
	    test_cutout_textured_frame) == NULL ||
	    CU_add_test(s, "cutout errors", test_cutout_errors) == NULL ||
	    CU_add_test(s, "cutout mockup", test_cutout_mockup) == NULL ||
	    CU_add_test(s, "dress fixtures", test_dress_fixtures) == NULL ||
	    CU_add_test(s, "shifted pose fails the check",
	    test_dress_shifted_fails) == NULL ||
	    CU_add_test(s, "place person", test_place_person) == NULL ||
	    CU_add_test(s, "layers and parallax",
	    test_layers_parallax) == NULL ||
	    CU_add_test(s, "nominal pose and errors",
	    test_tryon_nominal_and_errors) == NULL ||
	    CU_add_test(s, "determinism", test_determinism) == NULL ||
	    CU_add_test(s, "random poses", test_random_poses) == NULL ||
	    CU_add_test(s, "thumbnail", test_thumbnail) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return fails != 0;
}
