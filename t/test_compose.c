/*
 * test_compose.c: CUnit tests for lib/compose.c, the `local` provider's
 * offline try-on compositor.
 *
 * Synthetic images check the background removal, placement, location
 * canvas, sizes and determinism; the last test runs the real fixtures
 * (portrait + T-shirt mockup + street) and writes the results as PNGs
 * to $TMPDIR (default /tmp) for a human to look at.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "../lib/compose.h"

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

static void
test_tryon_placement_and_size(void)
{
	struct image		 person, outfit, out;
	struct compose_params	 p;

	CU_ASSERT_FATAL(image_new(400, 500, &person) == IMAGE_OK);
	fill(&person, 20, 60, 200);
	CU_ASSERT_FATAL(make_outfit(300, 240, &outfit) == 0);

	CU_ASSERT_EQUAL_FATAL(compose_tryon(&person, &outfit, NULL, NULL,
	    &out), COMPOSE_OK);
	CU_ASSERT_EQUAL(out.w, 400);		/* never enlarged */
	CU_ASSERT_EQUAL(out.h, 500);
	/* head area and corners: the person; torso centre: the garment */
	CU_ASSERT(near(px_at(&out, 200, 60), 20, 60, 200, 0));
	CU_ASSERT(near(px_at(&out, 0, 499), 20, 60, 200, 0));
	CU_ASSERT(near(px_at(&out, 200, 400), 200, 30, 40, 6));
	CU_ASSERT_EQUAL(px_at(&out, 200, 400)[3], 255);
	/* garment width ~ torso_width_pm of 400 = 248 px: edges */
	CU_ASSERT(near(px_at(&out, 200 - 110, 300), 200, 30, 40, 6));
	CU_ASSERT(near(px_at(&out, 200 - 135, 300), 20, 60, 200, 0));
	image_free(&out);

	/* max_side caps the output, aspect kept */
	compose_params_default(&p);
	p.max_side = 250;
	CU_ASSERT_EQUAL(compose_tryon(&person, &outfit, NULL, &p, &out),
	    COMPOSE_OK);
	CU_ASSERT_EQUAL(out.w, 200);
	CU_ASSERT_EQUAL(out.h, 250);
	image_free(&out);
	image_free(&person);
	CU_ASSERT_FATAL(image_new(3000, 2000, &person) == IMAGE_OK);
	fill(&person, 200, 200, 200);
	CU_ASSERT_EQUAL(compose_tryon(&person, &outfit, NULL, NULL, &out),
	    COMPOSE_OK);
	CU_ASSERT_EQUAL(out.w, 1024);
	CU_ASSERT_EQUAL(out.h, 683);
	image_free(&out);

	/* errors leave *out empty */
	CU_ASSERT_EQUAL(compose_tryon(NULL, &outfit, NULL, NULL, &out),
	    COMPOSE_E_INVAL);
	CU_ASSERT_PTR_NULL(out.px);
	fill(&outfit, 90, 90, 90);
	CU_ASSERT_EQUAL(compose_tryon(&person, &outfit, NULL, NULL, &out),
	    COMPOSE_E_NO_GARMENT);
	CU_ASSERT_PTR_NULL(out.px);
	image_free(&person);
	image_free(&outfit);
}

static void
test_tryon_location(void)
{
	struct image	person, outfit, loc, out;
	int		x, y;

	CU_ASSERT_FATAL(image_new(400, 500, &person) == IMAGE_OK);
	fill(&person, 20, 60, 200);
	CU_ASSERT_FATAL(make_outfit(300, 240, &outfit) == 0);
	/* location: wider than the output; left third yellow, rest green */
	CU_ASSERT_FATAL(image_new(900, 300, &loc) == IMAGE_OK);
	fill(&loc, 0, 180, 0);
	for (y = 0; y < 300; y++)
		for (x = 0; x < 300; x++)
			memcpy(loc.px + ((size_t)y * 900 + x) * 4,
			    "\xff\xff\0", 3);
	CU_ASSERT_EQUAL_FATAL(compose_tryon(&person, &outfit, &loc, NULL,
	    &out), COMPOSE_OK);
	CU_ASSERT_EQUAL(out.w, 400);
	CU_ASSERT_EQUAL(out.h, 500);
	/*
	 * Cover scaling crops the centre 240 px of the 900 px width, all
	 * green: the yellow third is cut away.  Corners are location.
	 */
	CU_ASSERT(near(px_at(&out, 0, 0), 0, 180, 0, 0));
	CU_ASSERT(near(px_at(&out, 399, 0), 0, 180, 0, 0));
	CU_ASSERT(near(px_at(&out, 399, 499), 0, 180, 0, 0));
	CU_ASSERT(near(px_at(&out, 0, 250), 0, 180, 0, 0));
	/* the person card stands in the middle, garment on its torso */
	CU_ASSERT(near(px_at(&out, 200, 150), 20, 60, 200, 2));
	CU_ASSERT(near(px_at(&out, 200, 420), 200, 30, 40, 8));
	/* no yellow anywhere */
	for (x = 0; x < 400 * 500; x++)
		if (out.px[x * 4] > 250 && out.px[x * 4 + 1] > 250 &&
		    out.px[x * 4 + 2] < 5)
			break;
	CU_ASSERT_EQUAL(x, 400 * 500);
	/* soft mask: between card and background there are mixtures */
	CU_ASSERT(!near(px_at(&out, 200, 65), 20, 60, 200, 2) &&
	    !near(px_at(&out, 200, 65), 0, 180, 0, 2));
	image_free(&out);
	image_free(&loc);
	image_free(&outfit);
	image_free(&person);
}

/*
 * A hosted provider's result placed in a location (compose_place()): the
 * location around, the result's own pixels on the card, nothing added.
 */
static void
test_place(void)
{
	struct image	person, loc, out, bad = { 0 };

	CU_ASSERT_FATAL(image_new(400, 500, &person) == IMAGE_OK);
	fill(&person, 20, 60, 200);
	CU_ASSERT_FATAL(image_new(600, 300, &loc) == IMAGE_OK);
	fill(&loc, 0, 180, 0);
	CU_ASSERT_EQUAL_FATAL(compose_place(&person, &loc, NULL, &out),
	    COMPOSE_OK);
	CU_ASSERT_EQUAL(out.w, 400);
	CU_ASSERT_EQUAL(out.h, 500);
	CU_ASSERT(near(px_at(&out, 0, 0), 0, 180, 0, 0));
	CU_ASSERT(near(px_at(&out, 399, 499), 0, 180, 0, 0));
	/* the card is the person, undressed by us: no garment red */
	CU_ASSERT(near(px_at(&out, 200, 150), 20, 60, 200, 2));
	CU_ASSERT(near(px_at(&out, 200, 420), 20, 60, 200, 2));
	image_free(&out);
	CU_ASSERT_EQUAL(compose_place(&person, &bad, NULL, &out),
	    COMPOSE_E_INVAL);
	CU_ASSERT_PTR_NULL(out.px);
	image_free(&loc);
	image_free(&person);
}

static void
test_determinism(void)
{
	struct image	 person, outfit, loc, a, b;
	unsigned char	*ea, *eb;
	size_t		 la, lb, i;
	uint32_t	 s = 3;

	CU_ASSERT_FATAL(image_new(333, 444, &person) == IMAGE_OK);
	CU_ASSERT_FATAL(image_new(500, 375, &loc) == IMAGE_OK);
	for (i = 0; i < (size_t)333 * 444 * 4; i++)
		person.px[i] = (i & 3) == 3 ? 255 : (unsigned char)lcg(&s);
	for (i = 0; i < (size_t)500 * 375 * 4; i++)
		loc.px[i] = (i & 3) == 3 ? 255 : (unsigned char)lcg(&s);
	CU_ASSERT_FATAL(make_outfit(257, 199, &outfit) == 0);
	CU_ASSERT_EQUAL_FATAL(compose_tryon(&person, &outfit, &loc, NULL,
	    &a), COMPOSE_OK);
	CU_ASSERT_EQUAL_FATAL(compose_tryon(&person, &outfit, &loc, NULL,
	    &b), COMPOSE_OK);
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

/* The real fixtures, end to end; the PNGs are for human eyes. */
static void
test_real_fixtures(void)
{
	struct image		 person, outfit, loc, out, cut;
	struct compose_box	 box;
	char			 path[1100];

	CU_ASSERT_FATAL(load_image("people_grace_hopper_portrait.jpg",
	    &person) == 0);
	CU_ASSERT_FATAL(load_image("product_tshirt_mockup.png", &outfit) == 0);
	CU_ASSERT_FATAL(load_image("scene_street_town_sharp.jpg", &loc) == 0);

	CU_ASSERT_EQUAL_FATAL(compose_cutout(&outfit, NULL, &cut, &box),
	    COMPOSE_OK);
	/* the purple frame goes, the shirts stay */
	CU_ASSERT_EQUAL(px_at(&cut, 10, 150)[3], 0);
	CU_ASSERT_EQUAL(px_at(&cut, 300, 200)[3], 0);	/* between shirts */
	CU_ASSERT_EQUAL(px_at(&cut, 150, 60)[3], 255);	/* front shirt */
	CU_ASSERT_EQUAL(px_at(&cut, 450, 150)[3], 255);	/* back shirt */
	image_free(&cut);

	CU_ASSERT_EQUAL_FATAL(compose_tryon(&person, &outfit, NULL, NULL,
	    &out), COMPOSE_OK);
	CU_ASSERT(out.w == 512 && out.h == 600);
	CU_ASSERT(memcmp(px_at(&out, 0, 0), px_at(&person, 0, 0), 4) == 0);
	/*
	 * Plain white of the front shirt over the navy uniform: the shirt
	 * mockup (587 px after cutout) is drawn 317 px wide at (97, 312).
	 * The centre column shows the person: the purple divider between
	 * the front and back views is removed.
	 */
	CU_ASSERT(px_at(&person, 140, 420)[0] < 100);
	CU_ASSERT(near(px_at(&out, 140, 420), 245, 237, 237, 15));
	CU_ASSERT(save_png(&out, "primerka_tryon.png", path,
	    sizeof(path)) == 0);
	printf("\n  wrote %s", path);
	image_free(&out);

	CU_ASSERT_EQUAL_FATAL(compose_tryon(&person, &outfit, &loc, NULL,
	    &out), COMPOSE_OK);
	CU_ASSERT(out.w == 512 && out.h == 600);
	/* the street scene 1024x768 cover-cropped to the centre 655 px */
	{
		struct image c, r;

		CU_ASSERT_FATAL(image_crop(&loc, (1024 - 655) / 2, 0, 655, 768,
		    &c) == IMAGE_OK);
		CU_ASSERT_FATAL(image_resize(&c, 512, 600, &r) == IMAGE_OK);
		CU_ASSERT(near(px_at(&out, 0, 0), px_at(&r, 0, 0)[0],
		    px_at(&r, 0, 0)[1], px_at(&r, 0, 0)[2], 2));
		CU_ASSERT(near(px_at(&out, 511, 599), px_at(&r, 511, 599)[0],
		    px_at(&r, 511, 599)[1], px_at(&r, 511, 599)[2], 2));
		image_free(&c);
		image_free(&r);
	}
	CU_ASSERT(save_png(&out, "primerka_tryon_location.png", path,
	    sizeof(path)) == 0);
	printf("\n  wrote %s ", path);
	image_free(&out);
	image_free(&person);
	image_free(&outfit);
	image_free(&loc);
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
	    CU_add_test(s, "placement and size",
	    test_tryon_placement_and_size) == NULL ||
	    CU_add_test(s, "location", test_tryon_location) == NULL ||
	    CU_add_test(s, "place", test_place) == NULL ||
	    CU_add_test(s, "determinism", test_determinism) == NULL ||
	    CU_add_test(s, "thumbnail", test_thumbnail) == NULL ||
	    CU_add_test(s, "real fixtures", test_real_fixtures) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return fails != 0;
}
