/*
 * Tests for lib/qc.c: verdicts on the shared fixture photos, generated
 * images (uniform, noisy, dark, bright, blurred, tiny, huge headers,
 * outfit compositions), truncated and corrupt files of each format,
 * configuration parsing, reason texts and the JSON report.
 *
 * Fixtures: $PRIMERKA_FIXTURES, else $srcdir/t/data/fixtures, else
 * $srcdir/../shared/fixtures.  The NSFW model ($NSFW_MODEL, default
 * $srcdir/models/nsfw_mobilenet_v2.bin) is required: the fixture verdicts
 * include the NSFW check, so a missing model fails the suite.  So are the
 * pose models ($srcdir/models, scripts/pose-convert): the person checks.
 */
#include <math.h>
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
#include "qc.h"

static const char	*srcdir = ".";
static struct nsfw_model *model;
static struct pose_model *pose;
static struct qc_config	 cfg;

/* ------------------------------------------------------------ helpers */



/* qc_check() on a fixture file; fails the test if it cannot run. */
static int
check_file(const char *name, enum qc_kind kind, struct qc_report *r)
{
	unsigned char	*buf;
	size_t		 len;
	int		 rc;

	if (tu_read_file(tu_fixture(srcdir, name), &buf, &len) != 0) {
		fprintf(stderr, "cannot read %s\n", tu_fixture(srcdir, name));
		return -1;
	}
	rc = qc_check(&cfg, model, kind, buf, len, r);
	free(buf);
	return rc;
}

enum enc { ENC_PNG, ENC_JPEG, ENC_WEBP };

/* Encode img and run qc_check() on the bytes. */
static int
check_image(const struct image *img, enum enc enc, enum qc_kind kind,
    const struct qc_config *c, struct qc_report *r)
{
	unsigned char	*buf = NULL;
	size_t		 len = 0;
	int		 rc;

	if (enc == ENC_PNG)
		rc = image_encode_png(img, &buf, &len);
	else if (enc == ENC_JPEG)
		rc = image_encode_jpeg(img, 92, &buf, &len);
	else
		rc = image_encode_webp(img, 90, &buf, &len);
	if (rc != IMAGE_OK)
		return -100;
	rc = qc_check(c, NULL, kind, buf, len, r);
	free(buf);
	return rc;
}

static uint32_t
rnd(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

/* w x h image, every pixel base +- amp (per channel noise). */
static void
fill_noise(struct image *img, int r, int g, int b, int amp, uint32_t seed)
{
	size_t	 i, n = (size_t)img->w * img->h;
	int	 c, v, base[3] = { r, g, b };

	for (i = 0; i < n; i++) {
		for (c = 0; c < 3; c++) {
			v = base[c];
			if (amp > 0)
				v += (int)(rnd(&seed) % (2u * amp + 1)) - amp;
			img->px[i * 4 + c] = (unsigned char)(v < 0 ? 0 :
			    v > 255 ? 255 : v);
		}
		img->px[i * 4 + 3] = 255;
	}
}

/*
 * A sharp "photo-like" texture: 16x16 blocks of random grey levels in
 * [lo, hi] (crisp edges, unlike per-pixel noise, which the blur measure
 * smooths away as it should).
 */
static void
fill_blocks(struct image *img, int lo, int hi, uint32_t seed)
{
	int		 x, y, c, v, bw = (img->w + 15) / 16;
	int		*lev;

	lev = malloc(sizeof(*lev) * (size_t)bw * ((img->h + 15) / 16));
	CU_ASSERT_FATAL(lev != NULL);
	for (y = 0; y < (img->h + 15) / 16; y++)
		for (x = 0; x < bw; x++)
			lev[y * bw + x] = lo + (int)(rnd(&seed) %
			    (uint32_t)(hi - lo + 1));
	for (y = 0; y < img->h; y++)
		for (x = 0; x < img->w; x++) {
			v = lev[(y / 16) * bw + x / 16];
			for (c = 0; c < 3; c++)
				img->px[((size_t)y * img->w + x) * 4 + c] =
				    (unsigned char)v;
			img->px[((size_t)y * img->w + x) * 4 + 3] = 255;
		}
	free(lev);
}

static void
fill_rect(struct image *img, int x0, int y0, int x1, int y1, int r, int g,
    int b, int amp, uint32_t seed)
{
	int	 x, y, c, v, base[3] = { r, g, b };

	for (y = y0; y < y1 && y < img->h; y++)
		for (x = x0; x < x1 && x < img->w; x++)
			for (c = 0; c < 3; c++) {
				v = base[c] + (amp > 0 ? (int)(rnd(&seed) %
				    (2u * amp + 1)) - amp : 0);
				img->px[((size_t)y * img->w + x) * 4 + c] =
				    (unsigned char)(v < 0 ? 0 : v > 255 ?
				    255 : v);
			}
}

/* Separable box blur of radius rad, applied three times (~Gaussian). */
static void
box_blur(struct image *img, int rad)
{
	unsigned char	*tmp = malloc((size_t)img->w * img->h * 4);
	int		 pass, x, y, c, k, n, s;

	CU_ASSERT_FATAL(tmp != NULL);
	for (pass = 0; pass < 6; pass++) {
		int	 horiz = pass % 2 == 0;

		memcpy(tmp, img->px, (size_t)img->w * img->h * 4);
		for (y = 0; y < img->h; y++)
			for (x = 0; x < img->w; x++)
				for (c = 0; c < 3; c++) {
					s = 0;
					n = 0;
					for (k = -rad; k <= rad; k++) {
						int xx = horiz ? x + k : x;
						int yy = horiz ? y : y + k;

						if (xx < 0 || yy < 0 ||
						    xx >= img->w || yy >= img->h)
							continue;
						s += tmp[((size_t)yy * img->w +
						    xx) * 4 + c];
						n++;
					}
					img->px[((size_t)y * img->w + x) * 4 +
					    c] = (unsigned char)((s + n / 2) / n);
				}
	}
	free(tmp);
}

/* Exactly these reasons (in enum order), nothing else. */
static int
reasons_are(const struct qc_report *r, const enum qc_reason *want, int n)
{
	int	 i;

	if (r->nreasons != n)
		return 0;
	for (i = 0; i < n; i++)
		if (r->reasons[i] != want[i])
			return 0;
	return 1;
}

static void
print_reasons(const char *what, const struct qc_report *r)
{
	int	 i;

	fprintf(stderr, "\n  %s: %s", what, r->accepted ? "accept" :
	    "reject");
	for (i = 0; i < r->nreasons; i++)
		fprintf(stderr, " %s", qc_reason_code(r->reasons[i]));
}

/* --------------------------------------------------------- fixtures */

static const struct {
	const char	*file;
	enum qc_kind	 kind;
	int		 nreasons;
	enum qc_reason	 reasons[3];
} verdicts[] = {
	/* Every ordinary photo passes as a user photo (NSFW included). */
	{ "people_astronaut_portrait.png", QC_USER_PHOTO, 0, { 0 } },
	{ "people_grace_hopper_portrait.jpg", QC_USER_PHOTO, 0, { 0 } },
	{ "people_fullbody_outdoor.jpg", QC_USER_PHOTO, 0, { 0 } },
	{ "people_interior_pool_hall.jpg", QC_USER_PHOTO, 0, { 0 } },
	{ "scene_interior_living_room.jpg", QC_USER_PHOTO, 0, { 0 } },
	{ "scene_street_town_sharp.jpg", QC_USER_PHOTO, 0, { 0 } },
	{ "product_coffee_cup.png", QC_USER_PHOTO, 0, { 0 } },
	{ "product_fig_bowl_plain_bg.jpg", QC_USER_PHOTO, 0, { 0 } },
	{ "product_tshirt_mockup.png", QC_USER_PHOTO, 0, { 0 } },
	{ "blur_sharp_texture_brick.png", QC_USER_PHOTO, 0, { 0 } },
	{ "blur_street_town_blurred.jpg", QC_USER_PHOTO, 1,
	    { QC_R_BLURRY } },
	/* Outfits: plain backgrounds pass, a table top or texture not. */
	{ "product_fig_bowl_plain_bg.jpg", QC_OUTFIT, 0, { 0 } },
	{ "product_tshirt_mockup.png", QC_OUTFIT, 0, { 0 } },
	{ "product_coffee_cup.png", QC_OUTFIT, 1, { QC_R_BAD_BACKGROUND } },
	{ "blur_sharp_texture_brick.png", QC_OUTFIT, 1,
	    { QC_R_BAD_BACKGROUND } },
	{ "blur_street_town_blurred.jpg", QC_OUTFIT, 2,
	    { QC_R_BLURRY, QC_R_BAD_BACKGROUND } },
	/* Locations. */
	{ "scene_street_town_sharp.jpg", QC_LOCATION, 0, { 0 } },
	{ "scene_interior_living_room.jpg", QC_LOCATION, 0, { 0 } },
	{ "people_fullbody_outdoor.jpg", QC_LOCATION, 0, { 0 } },
	{ "blur_street_town_blurred.jpg", QC_LOCATION, 1, { QC_R_BLURRY } },
};

static void
test_fixture_verdicts(void)
{
	struct qc_report	 r;
	size_t			 i;
	int			 ok;

	for (i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(check_file(verdicts[i].file,
		    verdicts[i].kind, &r), QC_OK);
		ok = reasons_are(&r, verdicts[i].reasons,
		    verdicts[i].nreasons);
		if (!ok) {
			print_reasons(verdicts[i].file, &r);
			fprintf(stderr, " (as %s)", qc_kind_name(
			    verdicts[i].kind));
		}
		CU_ASSERT(ok);
		CU_ASSERT_EQUAL(r.accepted, verdicts[i].nreasons == 0);
		CU_ASSERT(r.decoded);
		CU_ASSERT(r.nsfw_done);
		CU_ASSERT_EQUAL(r.comp_done, verdicts[i].kind == QC_OUTFIT);
		CU_ASSERT_EQUAL(r.tags_done, verdicts[i].kind == QC_LOCATION);
	}
}

/* The sharp/blurred pair, and the smooth-but-sharp living room. */
static void
test_blur_pair(void)
{
	struct qc_report	 sharp, blurred, room;

	CU_ASSERT_EQUAL_FATAL(check_file("scene_street_town_sharp.jpg",
	    QC_USER_PHOTO, &sharp), QC_OK);
	CU_ASSERT_EQUAL_FATAL(check_file("blur_street_town_blurred.jpg",
	    QC_USER_PHOTO, &blurred), QC_OK);
	CU_ASSERT_EQUAL_FATAL(check_file("scene_interior_living_room.jpg",
	    QC_USER_PHOTO, &room), QC_OK);
	fprintf(stderr, "\n  blur: sharp street %.1f, blurred street %.1f, "
	    "living room %.1f, threshold %.1f ", sharp.blur_score,
	    blurred.blur_score, room.blur_score, cfg.blur_min);
	CU_ASSERT(sharp.blur_score > cfg.blur_min);
	CU_ASSERT(blurred.blur_score < cfg.blur_min);
	CU_ASSERT(sharp.blur_score > 10 * blurred.blur_score);
	/* Smooth but sharp: well clear of the threshold. */
	CU_ASSERT(room.blur_score > 3 * cfg.blur_min);
	CU_ASSERT(!qc_has_reason(&room, QC_R_BLURRY));
	/* The whole-image variance alone would be much lower there. */
	CU_ASSERT(room.lap_var < room.blur_score);
	/* Same scene, same statistics apart from sharpness. */
	CU_ASSERT(fabs(sharp.luma_mean - blurred.luma_mean) < 25);
}

/* -------------------------------------------------------- generated */

static void
test_generated_blank_exposure(void)
{
	struct image		 img;
	struct qc_report	 r;

	CU_ASSERT_FATAL(image_new(640, 480, &img) == IMAGE_OK);
	/* Uniform grey: blank (and nothing else). */
	fill_noise(&img, 128, 128, 128, 0, 1);
	CU_ASSERT_EQUAL_FATAL(check_image(&img, ENC_PNG, QC_USER_PHOTO, &cfg,
	    &r), QC_OK);
	CU_ASSERT(r.stddev < 0.5);
	CU_ASSERT(qc_has_reason(&r, QC_R_BLANK) && r.nreasons == 1);
	/* Uniform black and white are blank too, not "dark"/"bright". */
	fill_noise(&img, 0, 0, 0, 0, 1);
	CU_ASSERT_EQUAL(check_image(&img, ENC_JPEG, QC_USER_PHOTO, &cfg, &r),
	    QC_OK);
	CU_ASSERT(qc_has_reason(&r, QC_R_BLANK) && r.nreasons == 1);
	fill_noise(&img, 255, 255, 255, 0, 1);
	CU_ASSERT_EQUAL(check_image(&img, ENC_WEBP, QC_USER_PHOTO, &cfg, &r),
	    QC_OK);
	CU_ASSERT(qc_has_reason(&r, QC_R_BLANK) && r.nreasons == 1);
	/* Near-uniform: +-3 sensor noise is still blank. */
	fill_noise(&img, 90, 140, 200, 3, 7);
	CU_ASSERT_EQUAL(check_image(&img, ENC_PNG, QC_USER_PHOTO, &cfg, &r),
	    QC_OK);
	CU_ASSERT(qc_has_reason(&r, QC_R_BLANK));
	/* Two colours: not blank. */
	fill_noise(&img, 200, 30, 30, 0, 1);
	fill_rect(&img, 320, 0, 640, 480, 30, 30, 200, 0, 1);
	CU_ASSERT_EQUAL(check_image(&img, ENC_PNG, QC_USER_PHOTO, &cfg, &r),
	    QC_OK);
	CU_ASSERT(!qc_has_reason(&r, QC_R_BLANK));
	/* Dark texture: too dark, not blank, not blurry. */
	fill_blocks(&img, 0, 42, 3);
	CU_ASSERT_EQUAL(check_image(&img, ENC_PNG, QC_USER_PHOTO, &cfg, &r),
	    QC_OK);
	CU_ASSERT(r.luma_p95 < cfg.dark_max_p95);
	CU_ASSERT(qc_has_reason(&r, QC_R_TOO_DARK));
	CU_ASSERT(!qc_has_reason(&r, QC_R_BLANK));
	CU_ASSERT(!qc_has_reason(&r, QC_R_TOO_BRIGHT));
	/* Washed-out texture: too bright. */
	fill_blocks(&img, 222, 255, 5);
	CU_ASSERT_EQUAL(check_image(&img, ENC_PNG, QC_USER_PHOTO, &cfg, &r),
	    QC_OK);
	CU_ASSERT(r.luma_p5 > cfg.bright_min_p5);
	CU_ASSERT(qc_has_reason(&r, QC_R_TOO_BRIGHT));
	CU_ASSERT(!qc_has_reason(&r, QC_R_BLANK));
	CU_ASSERT(!qc_has_reason(&r, QC_R_TOO_DARK));
	/* Full-range texture: fine. */
	fill_blocks(&img, 0, 255, 9);
	CU_ASSERT_EQUAL(check_image(&img, ENC_PNG, QC_USER_PHOTO, &cfg, &r),
	    QC_OK);
	CU_ASSERT(r.accepted);
	image_free(&img);
}

static void
test_generated_size(void)
{
	struct image		 img;
	struct qc_report	 r;
	struct qc_config	 c = cfg;

	/* Tiny, but otherwise a fine picture. */
	CU_ASSERT_FATAL(image_new(100, 80, &img) == IMAGE_OK);
	fill_blocks(&img, 0, 255, 11);
	CU_ASSERT_EQUAL(check_image(&img, ENC_PNG, QC_USER_PHOTO, &cfg, &r),
	    QC_OK);
	CU_ASSERT(qc_has_reason(&r, QC_R_TOO_SMALL));
	CU_ASSERT(!r.accepted && r.decoded);
	CU_ASSERT_EQUAL(r.width, 100);
	CU_ASSERT_EQUAL(r.height, 80);
	image_free(&img);
	/* Over the pixel limit: rejected from the header, never decoded. */
	CU_ASSERT_FATAL(image_new(1200, 1000, &img) == IMAGE_OK);
	fill_noise(&img, 128, 128, 128, 100, 13);
	c.max_pixels = 1000000;
	CU_ASSERT_EQUAL(check_image(&img, ENC_JPEG, QC_USER_PHOTO, &c, &r),
	    QC_OK);
	CU_ASSERT(qc_has_reason(&r, QC_R_TOO_LARGE));
	CU_ASSERT(!r.decoded);
	CU_ASSERT(r.ms_decode == 0);
	c = cfg;
	c.max_width = 1000;
	CU_ASSERT_EQUAL(check_image(&img, ENC_WEBP, QC_USER_PHOTO, &c, &r),
	    QC_OK);
	CU_ASSERT(qc_has_reason(&r, QC_R_TOO_LARGE) && !r.decoded);
	c = cfg;
	c.max_bytes = 1000;
	CU_ASSERT_EQUAL(check_image(&img, ENC_PNG, QC_USER_PHOTO, &c, &r),
	    QC_OK);
	CU_ASSERT(qc_has_reason(&r, QC_R_TOO_LARGE) && !r.decoded);
	image_free(&img);
}

static uint32_t
crc32_png(const unsigned char *p, size_t n)
{
	uint32_t	 c = 0xffffffffu;
	size_t		 i;
	int		 k;

	for (i = 0; i < n; i++) {
		c ^= p[i];
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return c ^ 0xffffffffu;
}

static void
be32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* Tiny files whose headers claim gigapixels: too_large, not decoded. */
static void
test_huge_headers(void)
{
	unsigned char		 png[64], jpg[64], webp[64];
	struct qc_report	 r;
	size_t			 n;

	/* PNG: signature, IHDR 100000 x 100000 RGBA, IEND. */
	memcpy(png, "\x89PNG\r\n\x1a\n", 8);
	be32(png + 8, 13);
	memcpy(png + 12, "IHDR", 4);
	be32(png + 16, 100000);
	be32(png + 20, 100000);
	memcpy(png + 24, "\x08\x06\x00\x00\x00", 5);
	be32(png + 29, crc32_png(png + 12, 17));
	be32(png + 33, 0);
	memcpy(png + 37, "IEND", 4);
	be32(png + 41, crc32_png(png + 37, 4));
	n = 45;
	CU_ASSERT_EQUAL(qc_check(&cfg, model, QC_USER_PHOTO, png, n, &r),
	    QC_OK);
	CU_ASSERT_STRING_EQUAL(r.format, "png");
	CU_ASSERT_EQUAL(r.width, 100000);
	CU_ASSERT(qc_has_reason(&r, QC_R_TOO_LARGE) && !r.decoded);

	/* JPEG: SOI, SOF0 60000 x 60000 x 3, EOI. */
	n = 0;
	memcpy(jpg, "\xff\xd8\xff\xc0\x00\x11\x08\xea\x60\xea\x60\x03"
	    "\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9", 23);
	n = 23;
	CU_ASSERT_EQUAL(qc_check(&cfg, model, QC_USER_PHOTO, jpg, n, &r),
	    QC_OK);
	CU_ASSERT(qc_has_reason(&r, QC_R_TOO_LARGE) && !r.decoded);
	CU_ASSERT_EQUAL(r.height, 60000);

	/* WebP: RIFF/WEBP with a VP8X canvas of 16384 x 16384. */
	memcpy(webp, "RIFF", 4);
	webp[4] = 22;
	webp[5] = webp[6] = webp[7] = 0;
	memcpy(webp + 8, "WEBPVP8X", 8);
	webp[16] = 10;
	webp[17] = webp[18] = webp[19] = 0;
	memset(webp + 20, 0, 4);
	webp[24] = 0xff;
	webp[25] = 0x3f;
	webp[26] = 0x00;
	webp[27] = 0xff;
	webp[28] = 0x3f;
	webp[29] = 0x00;
	n = 30;
	CU_ASSERT_EQUAL(qc_check(&cfg, model, QC_USER_PHOTO, webp, n, &r),
	    QC_OK);
	CU_ASSERT(!r.accepted && !r.decoded);
	CU_ASSERT(qc_has_reason(&r, QC_R_TOO_LARGE) ||
	    qc_has_reason(&r, QC_R_CORRUPT));
}

/*
 * The blur score is measured at a fixed analysis size, so the same scene
 * uploaded at different resolutions scores alike; a blurred copy fails.
 */
static void
test_generated_blur(void)
{
	static const int	 widths[] = { 1600, 1000, 700 };
	struct image		 img, small;
	struct qc_report	 r0, r1;
	unsigned char		*buf;
	size_t			 len, i;

	CU_ASSERT_FATAL(tu_read_file(tu_fixture(srcdir, "scene_interior_living_room.jpg"),
	    &buf, &len) == 0);
	CU_ASSERT_FATAL(qc_check(&cfg, NULL, QC_USER_PHOTO, buf, len, &r0) ==
	    QC_OK);
	CU_ASSERT_FATAL(image_decode(buf, len, NULL, &img) == IMAGE_OK);
	free(buf);
	fprintf(stderr, "\n  living room blur at %dx%d: %.1f", r0.width,
	    r0.height, r0.blur_score);
	for (i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		CU_ASSERT_FATAL(image_resize(&img, widths[i],
		    (int)((long)img.h * widths[i] / img.w), &small) ==
		    IMAGE_OK);
		CU_ASSERT_EQUAL(check_image(&small, ENC_JPEG, QC_USER_PHOTO,
		    &cfg, &r1), QC_OK);
		fprintf(stderr, ", at %dx%d: %.1f", r1.width, r1.height,
		    r1.blur_score);
		CU_ASSERT(r1.blur_score > 0.75 * r0.blur_score &&
		    r1.blur_score < 1.33 * r0.blur_score);
		CU_ASSERT_EQUAL(r1.analysis_h, r0.analysis_h);
		CU_ASSERT(r1.accepted);
		image_free(&small);
	}
	image_free(&img);

	/* Blurred (sigma ~4.5 px at 1024): rejected as blurry. */
	CU_ASSERT_FATAL(tu_read_file(tu_fixture(srcdir, "scene_street_town_sharp.jpg"),
	    &buf, &len) == 0);
	CU_ASSERT_FATAL(image_decode(buf, len, NULL, &img) == IMAGE_OK);
	free(buf);
	CU_ASSERT_EQUAL(check_image(&img, ENC_PNG, QC_USER_PHOTO, &cfg, &r0),
	    QC_OK);
	CU_ASSERT(r0.accepted);
	box_blur(&img, 4);
	CU_ASSERT_EQUAL(check_image(&img, ENC_PNG, QC_USER_PHOTO, &cfg, &r1),
	    QC_OK);
	fprintf(stderr, "; street %.1f, box-blurred %.1f ", r0.blur_score,
	    r1.blur_score);
	CU_ASSERT(qc_has_reason(&r1, QC_R_BLURRY));
	CU_ASSERT(r1.blur_score < r0.blur_score / 10);
	image_free(&img);
}

/* Outfit compositions drawn on a plain backdrop. */
static void
test_generated_outfits(void)
{
	struct image		 img;
	struct qc_report	 r;

	CU_ASSERT_FATAL(image_new(600, 800, &img) == IMAGE_OK);
	/* A navy garment in the middle of a white backdrop: fine. */
	fill_noise(&img, 250, 250, 250, 2, 1);
	fill_rect(&img, 150, 150, 450, 650, 30, 40, 110, 12, 2);
	CU_ASSERT_EQUAL(check_image(&img, ENC_JPEG, QC_OUTFIT, &cfg, &r),
	    QC_OK);
	CU_ASSERT(r.accepted);
	CU_ASSERT(r.comp_done);
	CU_ASSERT(fabs(r.fill - 0.3125) < 0.03);
	CU_ASSERT(fabs(r.bbox[0] - 0.25) < 0.02 && fabs(r.bbox[2] - 0.75) <
	    0.02);
	CU_ASSERT(r.edge_max < 0.01);
	/* With a soft shadow of the backdrop colour: still fine. */
	fill_rect(&img, 450, 200, 520, 700, 170, 170, 170, 2, 3);
	CU_ASSERT_EQUAL(check_image(&img, ENC_JPEG, QC_OUTFIT, &cfg, &r),
	    QC_OK);
	CU_ASSERT(r.accepted);
	CU_ASSERT(r.fill < 0.36);	/* the shadow is not the item */
	/* Cut off by the right edge. */
	fill_noise(&img, 250, 250, 250, 2, 1);
	fill_rect(&img, 250, 150, 600, 650, 30, 40, 110, 12, 2);
	CU_ASSERT_EQUAL(check_image(&img, ENC_PNG, QC_OUTFIT, &cfg, &r),
	    QC_OK);
	CU_ASSERT(qc_has_reason(&r, QC_R_GARMENT_CUT_OFF) && r.nreasons == 1);
	CU_ASSERT(r.edge[1] > 0.5);
	/* Too small in the frame. */
	fill_noise(&img, 250, 250, 250, 2, 1);
	fill_rect(&img, 270, 360, 330, 440, 30, 40, 110, 12, 2);
	CU_ASSERT_EQUAL(check_image(&img, ENC_PNG, QC_OUTFIT, &cfg, &r),
	    QC_OK);
	CU_ASSERT(qc_has_reason(&r, QC_R_GARMENT_TOO_SMALL) &&
	    r.nreasons == 1);
	/* A busy backdrop: bad background. */
	fill_noise(&img, 128, 128, 128, 120, 5);
	fill_rect(&img, 150, 150, 450, 650, 30, 40, 110, 12, 2);
	CU_ASSERT_EQUAL(check_image(&img, ENC_PNG, QC_OUTFIT, &cfg, &r),
	    QC_OK);
	CU_ASSERT(qc_has_reason(&r, QC_R_BAD_BACKGROUND));
	/* The same checks do not run for user photos. */
	CU_ASSERT_EQUAL(check_image(&img, ENC_PNG, QC_USER_PHOTO, &cfg, &r),
	    QC_OK);
	CU_ASSERT(!r.comp_done && r.accepted);
	image_free(&img);
}

/* Truncated and corrupt files of each format: clean rejections. */
static void
test_corrupt(void)
{
	struct image		 img;
	struct qc_report	 r;
	unsigned char		*buf, *cp;
	size_t			 len, cut;
	int			 e, k, rc, pos;
	uint32_t		 seed = 99;

	CU_ASSERT_FATAL(image_new(320, 300, &img) == IMAGE_OK);
	fill_blocks(&img, 0, 255, 21);
	for (e = ENC_PNG; e <= ENC_WEBP; e++) {
		if (e == ENC_PNG)
			rc = image_encode_png(&img, &buf, &len);
		else if (e == ENC_JPEG)
			rc = image_encode_jpeg(&img, 90, &buf, &len);
		else
			rc = image_encode_webp(&img, 80, &buf, &len);
		CU_ASSERT_FATAL(rc == IMAGE_OK);
		/* The intact file passes. */
		CU_ASSERT_EQUAL(qc_check(&cfg, NULL, QC_USER_PHOTO, buf, len,
		    &r), QC_OK);
		CU_ASSERT(r.accepted);
		/* Every truncation is rejected as corrupt or unknown. */
		for (k = 0; k < 40; k++) {
			cut = k < 20 ? (size_t)k : len * (size_t)(k - 19) / 21;
			rc = qc_check(&cfg, NULL, QC_USER_PHOTO, buf, cut, &r);
			CU_ASSERT_EQUAL(rc, QC_OK);
			CU_ASSERT(!r.accepted);
			CU_ASSERT(qc_has_reason(&r, QC_R_CORRUPT) ||
			    qc_has_reason(&r, QC_R_UNSUPPORTED_FORMAT));
			CU_ASSERT(!r.decoded);
		}
		/* Random byte damage: never a crash, always a report. */
		cp = malloc(len);
		CU_ASSERT_FATAL(cp != NULL);
		for (k = 0; k < 60; k++) {
			memcpy(cp, buf, len);
			pos = (int)(rnd(&seed) % len);
			cp[pos] ^= (unsigned char)(1 + rnd(&seed) % 255);
			rc = qc_check(&cfg, NULL, QC_OUTFIT, cp, len, &r);
			CU_ASSERT_EQUAL(rc, QC_OK);
			CU_ASSERT(r.nreasons > 0 || r.accepted);
		}
		/* Damage in the header: corrupt, not accepted. */
		memcpy(cp, buf, len);
		if (e == ENC_PNG)
			cp[20] ^= 0xff;	/* IHDR width, CRC now wrong */
		else if (e == ENC_JPEG)
			memset(cp + len / 2, 0xff, 64);
		else
			memset(cp + 20, 0xee, 12);
		rc = qc_check(&cfg, NULL, QC_USER_PHOTO, cp, len, &r);
		CU_ASSERT_EQUAL(rc, QC_OK);
		CU_ASSERT(!r.accepted);
		free(cp);
		free(buf);
	}
	/* Not an image at all. */
	CU_ASSERT_EQUAL(qc_check(&cfg, NULL, QC_USER_PHOTO,
	    (const unsigned char *)"GIF89a\x01\x00\x01\x00", 10, &r), QC_OK);
	CU_ASSERT(qc_has_reason(&r, QC_R_UNSUPPORTED_FORMAT) && r.nreasons == 1);
	CU_ASSERT_EQUAL(qc_check(&cfg, NULL, QC_USER_PHOTO, NULL, 0, &r),
	    QC_OK);
	CU_ASSERT(!r.accepted);
	CU_ASSERT_EQUAL(qc_check(NULL, NULL, QC_USER_PHOTO, NULL, 0, &r),
	    QC_EINVAL);
	image_free(&img);
}

/* -------------------------------------------------- locations, NSFW */

static void
test_location_tags(void)
{
	struct qc_report	 r;
	int			 i, sky = 0, grey = 0;

	CU_ASSERT_EQUAL_FATAL(check_file("scene_street_town_sharp.jpg",
	    QC_LOCATION, &r), QC_OK);
	CU_ASSERT(r.tags_done);
	for (i = 0; i < r.ntags; i++) {
		sky |= strcmp(r.tags[i], "sky") == 0;
		grey |= strcmp(r.tags[i], "grey") == 0;
	}
	CU_ASSERT(sky && grey);
	CU_ASSERT_STRING_EQUAL(r.time_of_day, "day");
	CU_ASSERT(strstr(r.description[LANG_EN], "sky") != NULL);
	CU_ASSERT(strstr(r.description[LANG_RU], "небом") != NULL);
	CU_ASSERT(r.ncolours >= 1 && r.colours[0].share >= 0.08);

	CU_ASSERT_EQUAL_FATAL(check_file("scene_interior_living_room.jpg",
	    QC_LOCATION, &r), QC_OK);
	for (i = 0, sky = 0; i < r.ntags; i++)
		sky |= strcmp(r.tags[i], "sky") == 0;
	CU_ASSERT(!sky);
	CU_ASSERT(r.warmth > 20);
	CU_ASSERT_STRING_EQUAL(r.time_of_day, "unknown");
	CU_ASSERT(strstr(r.description[LANG_EN], "warm") != NULL);
	CU_ASSERT_STRING_EQUAL(r.colours[0].name, "brown");
}

static void
test_nsfw_policy(void)
{
	struct qc_report	 r;
	struct qc_config	 c = cfg;
	unsigned char		*buf;
	size_t			 len;

	CU_ASSERT_FATAL(tu_read_file(tu_fixture(srcdir, "people_interior_pool_hall.jpg"),
	    &buf, &len) == 0);
	CU_ASSERT_EQUAL(qc_check(&cfg, model, QC_USER_PHOTO, buf, len, &r),
	    QC_OK);
	CU_ASSERT(r.nsfw_done && r.accepted);
	CU_ASSERT(fabsf(r.nsfw[0] + r.nsfw[1] + r.nsfw[2] + r.nsfw[3] +
	    r.nsfw[4] - 1.0f) < 1e-4f);
	/* Bounds below the scores reject, each with its own reason. */
	c.sexy_max = r.nsfw[NSFW_SEXY] * 0.5;
	CU_ASSERT_EQUAL(qc_check(&c, model, QC_USER_PHOTO, buf, len, &r),
	    QC_OK);
	CU_ASSERT(qc_has_reason(&r, QC_R_NSFW_SUGGESTIVE) && r.nreasons == 1);
	/* The catalogue has a bound of its own: a location judged by it. */
	CU_ASSERT_EQUAL(qc_check(&c, model, QC_LOCATION, buf, len, &r),
	    QC_OK);
	CU_ASSERT(!qc_has_reason(&r, QC_R_NSFW_SUGGESTIVE));
	c.catalog_sexy_max = c.sexy_max;
	CU_ASSERT_EQUAL(qc_check(&c, model, QC_LOCATION, buf, len, &r),
	    QC_OK);
	CU_ASSERT(qc_has_reason(&r, QC_R_NSFW_SUGGESTIVE));
	c = cfg;
	c.catalog_sexy_max = 0;
	CU_ASSERT_EQUAL(qc_check(&c, model, QC_USER_PHOTO, buf, len, &r),
	    QC_OK);
	CU_ASSERT(r.accepted);
	CU_ASSERT_EQUAL(qc_config_set(&c, "catalog_sexy_max", "0.97"), 0);
	CU_ASSERT_EQUAL(c.catalog_sexy_max, 0.97);
	CU_ASSERT_EQUAL(qc_config_set(&c, "catalog_sexy_max", "1.01"), -1);
	c = cfg;
	c.nsfw_max = (r.nsfw[NSFW_PORN] + r.nsfw[NSFW_HENTAI]) * 0.5;
	CU_ASSERT_EQUAL(qc_check(&c, model, QC_USER_PHOTO, buf, len, &r),
	    QC_OK);
	CU_ASSERT(qc_has_reason(&r, QC_R_NSFW) && r.nreasons == 1);
	/* No model: skipped and said so. */
	CU_ASSERT_EQUAL(qc_check(&cfg, NULL, QC_USER_PHOTO, buf, len, &r),
	    QC_OK);
	CU_ASSERT(!r.nsfw_done && r.accepted);
	free(buf);
}

/* ----------------------------------------------- config, texts, JSON */

static void
test_config(void)
{
	struct qc_config	 c;
	size_t			 i;

	qc_config_default(&c);
	CU_ASSERT_EQUAL(qc_config_set(&c, "blur_min", "123.5"), 0);
	CU_ASSERT_DOUBLE_EQUAL(c.blur_min, 123.5, 1e-9);
	CU_ASSERT_EQUAL(qc_config_set(&c, "min_width", "640"), 0);
	CU_ASSERT_EQUAL(c.min_width, 640);
	CU_ASSERT_EQUAL(qc_config_set(&c, "max_pixels", "20000000"), 0);
	CU_ASSERT_EQUAL(c.max_pixels, 20000000u);
	CU_ASSERT_EQUAL(qc_config_set(&c, "max_bytes", "1048576"), 0);
	CU_ASSERT_EQUAL(c.max_bytes, 1048576u);
	/* Bad keys and values leave the config alone. */
	CU_ASSERT_EQUAL(qc_config_set(&c, "blur_min", "12x"), -1);
	CU_ASSERT_EQUAL(qc_config_set(&c, "blur_min", ""), -1);
	CU_ASSERT_EQUAL(qc_config_set(&c, "blur_min", "nan"), -1);
	CU_ASSERT_EQUAL(qc_config_set(&c, "nsfw_max", "1.5"), -1);
	CU_ASSERT_EQUAL(qc_config_set(&c, "min_width", "-3"), -1);
	CU_ASSERT_EQUAL(qc_config_set(&c, "min_width", "99999999999999999999"),
	    -1);
	CU_ASSERT_EQUAL(qc_config_set(&c, "no_such_key", "1"), -1);
	CU_ASSERT_DOUBLE_EQUAL(c.blur_min, 123.5, 1e-9);
	CU_ASSERT_EQUAL(c.min_width, 640);
	/* Every listed key is settable. */
	for (i = 0; qc_config_key(i) != NULL; i++)
		CU_ASSERT(qc_config_set(&c, qc_config_key(i), "1") == 0 ||
		    qc_config_set(&c, qc_config_key(i), "256") == 0);
	CU_ASSERT(i >= 17);
}

static void
test_texts(void)
{
	int		 i;
	enum qc_kind	 k;

	for (i = 0; i < QC_R_COUNT; i++) {
		const char	*en = qc_reason_message(i, lang_parse("en"));
		const char	*ru = qc_reason_message(i, lang_parse("ru"));

		CU_ASSERT(strlen(qc_reason_code(i)) > 0);
		CU_ASSERT(strcmp(qc_reason_code(i), "unknown") != 0);
		CU_ASSERT(strlen(en) > 20 && strlen(ru) > 20);
		CU_ASSERT(strcmp(en, ru) != 0);
		/* Cyrillic is there (UTF-8 lead bytes 0xd0/0xd1). */
		CU_ASSERT(strchr(ru, '\xd0') != NULL);
	}
	CU_ASSERT_STRING_EQUAL(qc_reason_code(QC_R_BLURRY), "blurry");
	CU_ASSERT(strstr(qc_reason_message(QC_R_BLURRY, lang_parse("ru")), "размыт") !=
	    NULL);
	CU_ASSERT_STRING_EQUAL(qc_reason_message(QC_R_BLANK, lang_parse("de")),
	    qc_reason_message(QC_R_BLANK, lang_parse("en")));
	CU_ASSERT_STRING_EQUAL(qc_reason_code(QC_R_COUNT), "unknown");
	CU_ASSERT(qc_kind_parse("outfit", &k) == 0 && k == QC_OUTFIT);
	CU_ASSERT(qc_kind_parse("shoe", &k) == -1);
}

static void
test_json(void)
{
	struct qc_report	 r;
	json_object		*o, *back, *v, *reasons, *first, *msg;
	const char		*s;

	CU_ASSERT_EQUAL_FATAL(check_file("blur_street_town_blurred.jpg",
	    QC_LOCATION, &r), QC_OK);
	o = qc_report_to_json(&r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	s = json_object_to_json_string(o);
	back = json_tokener_parse(s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	CU_ASSERT(json_object_object_get_ex(back, "verdict", &v));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(v), "reject");
	CU_ASSERT(json_object_object_get_ex(back, "reasons", &reasons));
	CU_ASSERT_EQUAL(json_object_array_length(reasons), 1);
	first = json_object_array_get_idx(reasons, 0);
	CU_ASSERT(json_object_object_get_ex(first, "code", &v));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(v), "blurry");
	CU_ASSERT(json_object_object_get_ex(first, "message", &msg));
	CU_ASSERT(json_object_object_get_ex(msg, "ru", &v));
	CU_ASSERT(strstr(json_object_get_string(v), "размыт") != NULL);
	CU_ASSERT(json_object_object_get_ex(back, "scores", &v));
	CU_ASSERT(json_object_object_get_ex(v, "blur", &msg));
	CU_ASSERT(fabs(json_object_get_double(msg) - r.blur_score) < 0.01);
	CU_ASSERT(json_object_object_get_ex(back, "tags", &v));
	CU_ASSERT(json_object_object_get_ex(back, "description", &v));
	CU_ASSERT(json_object_object_get_ex(back, "nsfw", &v));
	CU_ASSERT(json_object_object_get_ex(v, "Neutral", &msg));
	json_object_put(back);
	json_object_put(o);
	/* A report for an undecodable file is small but valid. */
	CU_ASSERT_EQUAL(qc_check(&cfg, NULL, QC_OUTFIT,
	    (const unsigned char *)"junk", 4, &r), QC_OK);
	o = qc_report_to_json(&r);
	CU_ASSERT_PTR_NOT_NULL(o);
	CU_ASSERT(!json_object_object_get_ex(o, "scores", &v));
	json_object_put(o);
}

/* ------------------------------------------------------------ people */

/* qc_check_people() on a fixture file or on an image (as PNG). */
static int
people_file(const char *name, struct qc_report *r)
{
	unsigned char	*buf;
	size_t		 len;
	int		 rc;

	if (tu_read_file(tu_fixture(srcdir, name), &buf, &len) != 0)
		return -1;
	rc = qc_check_people(&cfg, NULL, pose, QC_USER_PHOTO, buf, len, r);
	free(buf);
	return rc;
}

static int
people_image(const struct image *img, struct qc_report *r)
{
	unsigned char	*buf = NULL;
	size_t		 len = 0;
	int		 rc;

	if (image_encode_png(img, &buf, &len) != IMAGE_OK)
		return -100;
	rc = qc_check_people(&cfg, NULL, pose, QC_USER_PHOTO, buf, len, r);
	free(buf);
	return rc;
}

static int
person_reason(const struct qc_report *r)
{
	return qc_has_reason(r, QC_R_NO_PERSON) ||
	    qc_has_reason(r, QC_R_SEVERAL_PEOPLE) ||
	    qc_has_reason(r, QC_R_PERSON_TOO_SMALL);
}

static void
test_people_fixtures(void)
{
	static const char *const ok[] = { "people_fullbody_outdoor.jpg",
	    "people_astronaut_portrait.png",
	    "people_grace_hopper_portrait.jpg",	/* cut at the waist */
	    "people_interior_pool_hall.jpg" };	/* a second man behind */
	static const char *const none[] = { "scene_interior_living_room.jpg",
	    "product_coffee_cup.png", "product_fig_bowl_plain_bg.jpg" };
	struct qc_report	 r;
	json_object		*o, *p, *v;
	size_t			 i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CU_ASSERT_FATAL(people_file(ok[i], &r) == QC_OK);
		CU_ASSERT(r.person_done);
		CU_ASSERT(r.npersons >= 1);
		CU_ASSERT(r.landmarks_done);
		if (person_reason(&r))
			fprintf(stderr, "%s: unexpected person verdict\n",
			    ok[i]);
		CU_ASSERT(!person_reason(&r));
	}
	for (i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		CU_ASSERT_FATAL(people_file(none[i], &r) == QC_OK);
		CU_ASSERT(r.person_done);
		CU_ASSERT_EQUAL(r.npersons, 0);
		CU_ASSERT(qc_has_reason(&r, QC_R_NO_PERSON));
		CU_ASSERT(!r.accepted);
	}
	/* The full-body photo: its hips between its shoulders and ankles. */
	CU_ASSERT_FATAL(people_file("people_fullbody_outdoor.jpg", &r) ==
	    QC_OK);
	CU_ASSERT(r.landmarks[POSE_LEFT_SHOULDER][1] <
	    r.landmarks[POSE_LEFT_HIP][1]);
	CU_ASSERT(r.landmarks[POSE_LEFT_HIP][1] <
	    r.landmarks[POSE_LEFT_ANKLE][1]);
	CU_ASSERT(r.person_size > cfg.person_min_size);
	/* The report carries the landmarks. */
	o = qc_report_to_json(&r);
	CU_ASSERT_FATAL(o != NULL);
	CU_ASSERT_FATAL(json_object_object_get_ex(o, "people", &p));
	CU_ASSERT(json_object_object_get_ex(p, "count", &v) &&
	    json_object_get_int(v) == r.npersons);
	CU_ASSERT(json_object_object_get_ex(p, "landmarks", &v) &&
	    json_object_array_length(v) == POSE_LM__MAX);
	json_object_put(o);
	/* Without a pose model nothing is judged. */
	CU_ASSERT_FATAL(check_file("scene_interior_living_room.jpg",
	    QC_USER_PHOTO, &r) == QC_OK);
	CU_ASSERT(!r.person_done);
	CU_ASSERT(!qc_has_reason(&r, QC_R_NO_PERSON));
}

/*
 * Two copies of the full-body photo's person (its middle third) side by
 * side: nobody dominates.  The whole photo in the corner of a frame 1.5
 * times its size, the rest noise: too small.  (The detector finds people by
 * their faces at 224x224 for the whole frame: much smaller and it finds
 * nobody.)
 */
static void
test_people_generated(void)
{
	struct image		 src, img;
	struct qc_report	 r;
	unsigned char		*buf;
	size_t			 len, row;
	uint32_t		 seed = 7;
	int			 y, k, third;

	CU_ASSERT_FATAL(tu_read_file(tu_fixture(srcdir,
	    "people_fullbody_outdoor.jpg"), &buf, &len) == 0);
	CU_ASSERT_FATAL(image_decode(buf, len, NULL, &src) == IMAGE_OK);
	free(buf);
	row = (size_t)src.w * 4;

	third = src.w / 3;
	CU_ASSERT_FATAL(image_new(third * 2, src.h, &img) == IMAGE_OK);
	for (y = 0; y < src.h; y++)
		for (k = 0; k < 2; k++)
			memcpy(img.px + ((size_t)y * img.w + (size_t)k *
			    third) * 4, src.px + ((size_t)y * src.w +
			    third) * 4, (size_t)third * 4);
	CU_ASSERT_FATAL(people_image(&img, &r) == QC_OK);
	CU_ASSERT(r.npersons >= 2);
	CU_ASSERT(r.person_dominance < cfg.person_dominance);
	CU_ASSERT(qc_has_reason(&r, QC_R_SEVERAL_PEOPLE));
	image_free(&img);

	CU_ASSERT_FATAL(image_new(src.w * 3 / 2, src.h * 3 / 2, &img) ==
	    IMAGE_OK);
	for (len = 0; len < (size_t)img.w * img.h * 4; len++)
		img.px[len] = len % 4 == 3 ? 255 :
		    (unsigned char)(100 + rnd(&seed) % 60);
	for (y = 0; y < src.h; y++)
		memcpy(img.px + (size_t)y * img.w * 4, src.px +
		    (size_t)y * row, row);
	CU_ASSERT_FATAL(people_image(&img, &r) == QC_OK);
	CU_ASSERT(r.npersons >= 1);
	CU_ASSERT(r.person_size < cfg.person_min_size);
	CU_ASSERT(qc_has_reason(&r, QC_R_PERSON_TOO_SMALL));
	image_free(&img);
	image_free(&src);
}

/* The pose qc_check_people_keep() stores for a fixture, and its size. */
static int
kept_file(const char *name, struct pose_stored *ps, int *w, int *h)
{
	struct qc_report	 r;
	unsigned char		*buf;
	size_t			 len;
	int			 rc;

	if (tu_read_file(tu_fixture(srcdir, name), &buf, &len) != 0)
		return -1;
	rc = qc_check_people_keep(&cfg, NULL, pose, QC_USER_PHOTO, buf, len,
	    &r, ps);
	free(buf);
	*w = r.width;
	*h = r.height;
	return rc;
}

/*
 * The per-outfit checks on the fixtures' stored poses: the full-body
 * photo suits every category; the pool-hall man cropped above the knees
 * suits tops only (body_cut_off for bottoms and one-pieces); the
 * astronaut and Grace Hopper, cut at or above the hips, suit none.
 */
static void
test_fit_fixtures(void)
{
	static const struct {
		const char	*file;
		enum qc_reason	 want[COMPOSE_CAT__MAX];
	} f[] = {
		{ "people_fullbody_outdoor.jpg",
		    { QC_R_COUNT, QC_R_COUNT, QC_R_COUNT } },
		{ "people_waist_up_pool_hall.jpg",
		    { QC_R_COUNT, QC_R_BODY_CUT_OFF, QC_R_BODY_CUT_OFF } },
		{ "people_interior_pool_hall.jpg",
		    { QC_R_COUNT, QC_R_COUNT, QC_R_COUNT } },
		{ "people_astronaut_portrait.png", { QC_R_BODY_CUT_OFF,
		    QC_R_BODY_CUT_OFF, QC_R_BODY_CUT_OFF } },
		{ "people_grace_hopper_portrait.jpg", { QC_R_BODY_CUT_OFF,
		    QC_R_BODY_CUT_OFF, QC_R_BODY_CUT_OFF } },
	};
	struct pose_stored	 ps;
	size_t			 i;
	int			 c, w, h;
	enum qc_reason		 got;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		CU_ASSERT_FATAL(kept_file(f[i].file, &ps, &w, &h) == QC_OK);
		CU_ASSERT_FATAL(ps.done);
		CU_ASSERT(ps.mask_png != NULL && ps.mask_len > 0);
		for (c = 0; c < COMPOSE_CAT__MAX; c++) {
			got = qc_check_fit(&cfg, &ps, w, h, c);
			if (got != f[i].want[c])
				fprintf(stderr, "%s, %s: got %s\n", f[i].file,
				    compose_cat_names[c], qc_reason_code(got));
			CU_ASSERT_EQUAL(got, f[i].want[c]);
		}
		pose_stored_free(&ps);
	}
	/* Nothing stored: nothing to judge by. */
	memset(&ps, 0, sizeof(ps));
	CU_ASSERT_EQUAL(qc_check_fit(&cfg, &ps, 100, 100, COMPOSE_CAT_TOPS),
	    QC_R_COUNT);
	CU_ASSERT_STRING_EQUAL(qc_reason_code(QC_R_BODY_CUT_OFF),
	    "body_cut_off");
	CU_ASSERT_STRING_EQUAL(qc_reason_code(QC_R_POSE_UNSUITABLE),
	    "pose_unsuitable");
}

/*
 * pose_unsuitable on the full-body pose made to lie down (turned a
 * quarter about the image's centre, in a square frame) and turned away
 * (shoulders and hips swapped across the body's axis, the face unseen);
 * a face seen over the swapped shoulders is only looking aside.
 */
static void
test_fit_pose(void)
{
	struct pose_stored	 ps, t;
	int			 w, h, k;
	float			 cx;

	CU_ASSERT_FATAL(kept_file("people_fullbody_outdoor.jpg", &ps, &w,
	    &h) == QC_OK);
	CU_ASSERT_FATAL(ps.done);
	t = ps;
	for (k = 0; k < POSE_LM__MAX; k++) {
		t.lm[k][0] = 1.0f - ps.lm[k][1];
		t.lm[k][1] = ps.lm[k][0];
	}
	CU_ASSERT_EQUAL(qc_check_fit(&cfg, &t, 1000, 1000, COMPOSE_CAT_TOPS),
	    QC_R_POSE_UNSUITABLE);
	CU_ASSERT_EQUAL(qc_check_fit(&cfg, &ps, 1000, 1000, COMPOSE_CAT_TOPS),
	    QC_R_COUNT);
	t = ps;
	cx = (ps.lm[POSE_LEFT_HIP][0] + ps.lm[POSE_RIGHT_HIP][0]) / 2;
	for (k = POSE_LEFT_SHOULDER; k <= POSE_RIGHT_HIP; k++)
		if (k <= POSE_RIGHT_SHOULDER || k >= POSE_LEFT_HIP)
			t.lm[k][0] = cx + (k % 2 == 1 ? -1 : 1) *
			    0.15f * (float)h / (float)w;
	t.lm[POSE_NOSE][3] = t.lm[POSE_LEFT_EYE][3] =
	    t.lm[POSE_RIGHT_EYE][3] = 0.1f;
	CU_ASSERT_EQUAL(qc_check_fit(&cfg, &t, w, h, COMPOSE_CAT_TOPS),
	    QC_R_POSE_UNSUITABLE);
	t.lm[POSE_NOSE][3] = 0.9f;
	CU_ASSERT_EQUAL(qc_check_fit(&cfg, &t, w, h, COMPOSE_CAT_TOPS),
	    QC_R_COUNT);
	pose_stored_free(&ps);
}

/*
 * A fixture's verdict for a top once its pixels are turned a quarter
 * (dir 1 clockwise, -1 counter-clockwise, 0 upright): the person's pose
 * as qc_check_people_keep() stores it, judged by qc_check_fit().
 * *found: whether a person was stored, *tilt the angle (degrees) of
 * their shoulders-to-hips line from the vertical.  QC_R_COUNT is
 * "suits".
 */
static enum qc_reason
fit_turned(const char *name, int dir, int *found, double *tilt)
{
	struct image		 img, t;
	struct pose_stored	 ps;
	struct qc_report	 r;
	unsigned char		*buf, *png = NULL;
	size_t			 len, plen = 0;
	enum qc_reason		 got = QC_R_COUNT;
	int			 x, y, sx, sy;

	*found = 0;
	*tilt = 0;
	if (tu_read_file(tu_fixture(srcdir, name), &buf, &len) != 0)
		return got;
	if (image_decode(buf, len, NULL, &img) != IMAGE_OK) {
		free(buf);
		return got;
	}
	free(buf);
	if (image_new(dir == 0 ? img.w : img.h, dir == 0 ? img.h : img.w,
	    &t) != IMAGE_OK) {
		image_free(&img);
		return got;
	}
	for (y = 0; y < t.h; y++)
		for (x = 0; x < t.w; x++) {
			sx = dir == 0 ? x : dir > 0 ? y : img.w - 1 - y;
			sy = dir == 0 ? y : dir > 0 ? img.h - 1 - x : x;
			memcpy(t.px + ((size_t)y * t.w + x) * 4,
			    img.px + ((size_t)sy * img.w + sx) * 4, 4);
		}
	image_free(&img);
	if (image_encode_png(&t, &png, &plen) == IMAGE_OK &&
	    qc_check_people_keep(&cfg, NULL, pose, QC_USER_PHOTO, png, plen,
	    &r, &ps) == QC_OK) {
		*found = ps.done;
		*tilt = fabs(atan2((ps.lm[POSE_LEFT_HIP][0] +
		    ps.lm[POSE_RIGHT_HIP][0] - ps.lm[POSE_LEFT_SHOULDER][0] -
		    ps.lm[POSE_RIGHT_SHOULDER][0]) * r.width,
		    (ps.lm[POSE_LEFT_HIP][1] + ps.lm[POSE_RIGHT_HIP][1] -
		    ps.lm[POSE_LEFT_SHOULDER][1] -
		    ps.lm[POSE_RIGHT_SHOULDER][1]) * r.height)) * 180 / M_PI;
		got = qc_check_fit(&cfg, &ps, r.width, r.height,
		    COMPOSE_CAT_TOPS);
		pose_stored_free(&ps);
	}
	free(png);
	image_free(&t);
	return got;
}

/*
 * pose_unsuitable on real photos of people lying down: the full-body
 * and the pool-hall fixtures turned a quarter either way are found
 * (the detector follows the body's own axis) and refused for a top;
 * upright they suit it.
 */
static void
test_fit_lying(void)
{
	static const char *const names[] = { "people_fullbody_outdoor.jpg",
	    "people_interior_pool_hall.jpg" };
	static const int	 dirs[] = { 0, 1, -1 };
	size_t			 i, k;
	enum qc_reason		 got;
	double			 tilt;
	int			 found;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		for (k = 0; k < sizeof(dirs) / sizeof(dirs[0]); k++) {
			got = fit_turned(names[i], dirs[k], &found, &tilt);
			printf("\n    %s turned %+d: torso %.0f deg, %s",
			    names[i], dirs[k], tilt,
			    found ? got == QC_R_COUNT ? "suits a top" :
			    qc_reason_code(got) : "nobody found");
			CU_ASSERT(found);
			CU_ASSERT_EQUAL(got, dirs[k] == 0 ? QC_R_COUNT :
			    QC_R_POSE_UNSUITABLE);
		}
	printf("\n  ");
}

/*
 * Back to the camera on a real photo: a woman seen from behind, whose
 * face the landmark network still "sees" (visibility about 0.9) on the
 * back of her head, mirrored like her shoulders.  With
 * pose_back_mirrored she is refused for every category; so is the
 * full-body fixture, a three-quarter view from behind with its face
 * mirrored too; people facing the camera are not.  The default (off)
 * takes the mirrored face for a face: printed, not asserted.
 */
static void
test_fit_back(void)
{
	static const struct {
		const char	*file;
		enum qc_reason	 want;
	} f[] = {
		{ "people_back_view_beach.jpg", QC_R_POSE_UNSUITABLE },
		{ "people_fullbody_outdoor.jpg", QC_R_POSE_UNSUITABLE },
		{ "people_interior_pool_hall.jpg", QC_R_COUNT },
		{ "people_waist_up_pool_hall.jpg", QC_R_COUNT },
	};
	struct qc_config	 c = cfg;
	struct pose_stored	 ps;
	size_t			 i;
	enum qc_reason		 got, dflt;
	int			 w, h, k;

	c.pose_back_mirrored = 1;
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		CU_ASSERT_FATAL(kept_file(f[i].file, &ps, &w, &h) == QC_OK);
		CU_ASSERT_FATAL(ps.done);
		dflt = qc_check_fit(&cfg, &ps, w, h, COMPOSE_CAT_TOPS);
		for (k = 0; k < COMPOSE_CAT__MAX; k++) {
			got = qc_check_fit(&c, &ps, w, h, k);
			if (k == COMPOSE_CAT_TOPS)
				printf("\n    %s: face %.2f, a top %s "
				    "(by default %s)", f[i].file,
				    ps.lm[POSE_NOSE][3], got == QC_R_COUNT ?
				    "suits" : qc_reason_code(got),
				    dflt == QC_R_COUNT ? "suits" :
				    qc_reason_code(dflt));
			/* The pool-hall crop has no knees: tops only. */
			if (f[i].want == QC_R_COUNT && k != COMPOSE_CAT_TOPS)
				continue;
			CU_ASSERT_EQUAL(got, f[i].want);
		}
		pose_stored_free(&ps);
	}
	printf("\n  ");
}

/*
 * The stored form: the landmarks through their SQL text and back, the
 * mask through its PNG, and the person rebuilt at another size.
 */
static void
test_pose_stored(void)
{
	struct pose_stored	 ps, back;
	struct pose_person	 pp;
	char			 text[POSE_STORE_TEXT_MAX];
	int			 w, h, k, on = 0;
	size_t			 i;

	CU_ASSERT_FATAL(kept_file("people_fullbody_outdoor.jpg", &ps, &w,
	    &h) == QC_OK);
	CU_ASSERT_FATAL(ps.done);
	CU_ASSERT(pose_stored_lm_text(&ps, text, sizeof(text)) == 0);
	CU_ASSERT(pose_stored_lm_text(&ps, text, 40) == -1);
	CU_ASSERT(pose_stored_lm_text(&ps, text, sizeof(text)) == 0);
	memset(&back, 0, sizeof(back));
	CU_ASSERT_FATAL(pose_stored_lm_parse(&back, text) == 0);
	for (k = 0; k < POSE_LM__MAX; k++)
		CU_ASSERT(fabsf(back.lm[k][0] - ps.lm[k][0]) < 1e-4f &&
		    fabsf(back.lm[k][1] - ps.lm[k][1]) < 1e-4f &&
		    fabsf(back.lm[k][3] - ps.lm[k][3]) < 1e-4f);
	CU_ASSERT(pose_stored_lm_parse(&back, "{1,2,3}") == -1);
	CU_ASSERT(!back.done);
	CU_ASSERT(pose_stored_lm_parse(&back, "") == -1);
	fprintf(stderr, "stored mask: %zu bytes of PNG, landmarks %zu "
	    "bytes of text\n", ps.mask_len, strlen(text));
	CU_ASSERT(ps.mask_len < 16 * 1024);
	CU_ASSERT_FATAL(pose_stored_person(&ps, &pp) == 0);
	CU_ASSERT(pose_person_has_landmarks(&pp));
	CU_ASSERT(pp.mask_w == POSE_STORE_MASK_SIDE &&
	    pp.mask_h < POSE_STORE_MASK_SIDE);
	CU_ASSERT(abs(pp.mask_h - POSE_STORE_MASK_SIDE * h / w) <= 1);
	CU_ASSERT(fabsf(pp.lm[POSE_LEFT_HIP].x - ps.lm[POSE_LEFT_HIP][0] *
	    pp.mask_w) < 0.01f);
	/* The person covers some of the frame, not all of it. */
	for (i = 0; i < (size_t)pp.mask_w * pp.mask_h; i++)
		on += pp.mask[i] >= 128;
	CU_ASSERT(on > pp.mask_w * pp.mask_h / 50 &&
	    on < pp.mask_w * pp.mask_h / 2);
	pose_person_free(&pp);
	back.mask_png = NULL;
	CU_ASSERT(pose_stored_person(&back, &pp) == -1);
	pose_stored_free(&ps);
}

/*
 * A hosted provider's result placed on a location (compose_place_found()):
 * the person the networks find in it is cut out by their mask.  On a
 * plain green location, the pixels left unlike it (the person) must
 * match the pose mask of the result (IoU); the nominal guess that stood
 * in before does not.
 */
static double
placed_iou(struct pose_model *pm, const struct image *person,
    const struct pose_person *ref, int *found)
{
	struct image	 loc, out;
	size_t		 i, inter = 0, uni = 0;
	int		 a, b, x, y, mx, my;

	if (image_new(person->w, person->h, &loc) != IMAGE_OK)
		return -1;
	for (i = 0; i < (size_t)loc.w * loc.h; i++) {
		loc.px[4 * i] = 20;
		loc.px[4 * i + 1] = 200;
		loc.px[4 * i + 2] = 40;
		loc.px[4 * i + 3] = 255;
	}
	if (compose_place_found(pm, person, &loc, NULL, &out, found) !=
	    COMPOSE_OK) {
		image_free(&loc);
		return -1;
	}
	for (y = 0; y < out.h; y++)
		for (x = 0; x < out.w; x++) {
			i = ((size_t)y * out.w + x) * 4;
			a = abs(out.px[i] - 20) + abs(out.px[i + 1] - 200) +
			    abs(out.px[i + 2] - 40) > 60;
			mx = x * ref->mask_w / out.w;
			my = y * ref->mask_h / out.h;
			b = ref->mask[(size_t)my * ref->mask_w + mx] >= 128;
			inter += a && b;
			uni += a || b;
		}
	image_free(&loc);
	image_free(&out);
	return uni > 0 ? (double)inter / uni : 0.0;
}

static void
test_place_found(void)
{
	struct image		 img;
	struct pose_person	*ps = NULL;
	unsigned char		*buf;
	size_t			 len;
	char			 err[128];
	double			 found_iou, guess_iou;
	int			 n = 0, found = -1;

	CU_ASSERT_FATAL(tu_read_file(tu_fixture(srcdir,
	    "people_interior_pool_hall.jpg"), &buf, &len) == 0);
	CU_ASSERT_FATAL(image_decode(buf, len, NULL, &img) == IMAGE_OK);
	free(buf);
	CU_ASSERT_FATAL(pose_detect(pose, &img, &ps, &n, err,
	    sizeof(err)) == 0);
	CU_ASSERT_FATAL(n > 0 && pose_person_has_landmarks(&ps[0]));
	found_iou = placed_iou(pose, &img, &ps[0], &found);
	CU_ASSERT(found == 1);
	guess_iou = placed_iou(NULL, &img, &ps[0], &found);
	CU_ASSERT(found == 0);
	fprintf(stderr, "placed person vs its mask: IoU %.3f found, %.3f "
	    "guessed\n", found_iou, guess_iou);
	CU_ASSERT(found_iou >= 0.8);
	CU_ASSERT(found_iou > guess_iou + 0.2);
	pose_persons_free(ps, n);
	image_free(&img);
}

/* Pixels of a and b (same size) that differ by more than 40 in sum. */
static unsigned char *
changed(const struct image *a, const struct image *b)
{
	unsigned char	*m;
	size_t		 i, n = (size_t)a->w * a->h;

	if (a->w != b->w || a->h != b->h)
		return NULL;
	m = calloc(n, 1);
	if (m == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		m[i] = abs(a->px[4 * i] - b->px[4 * i]) +
		    abs(a->px[4 * i + 1] - b->px[4 * i + 1]) +
		    abs(a->px[4 * i + 2] - b->px[4 * i + 2]) > 40;
	return m;
}

/*
 * The offline try-on on the pose stored with a photo's verdict dresses
 * the person as it does on the pose found afresh: a garment drawn over a
 * good part of the photo, in nearly the same pixels.
 */
static void
test_tryon_stored(void)
{
	struct pose_stored	 ps;
	struct pose_person	 stored, *found = NULL;
	struct image		 person, outfit, a, b, plain;
	unsigned char		*buf, *ma, *mb;
	size_t			 len, i, n, na = 0, nb = 0, both = 0, any = 0;
	char			 err[128];
	int			 nf = 0, w, h;

	CU_ASSERT_FATAL(kept_file("people_interior_pool_hall.jpg", &ps, &w,
	    &h) == QC_OK);
	CU_ASSERT_FATAL(pose_stored_person(&ps, &stored) == 0);
	CU_ASSERT_FATAL(tu_read_file(tu_fixture(srcdir,
	    "people_interior_pool_hall.jpg"), &buf, &len) == 0);
	CU_ASSERT_FATAL(image_decode(buf, len, NULL, &person) == IMAGE_OK);
	free(buf);
	CU_ASSERT_FATAL(tu_read_file(tu_fixture(srcdir, "garment_jacket.png"),
	    &buf, &len) == 0);
	CU_ASSERT_FATAL(image_decode(buf, len, NULL, &outfit) == IMAGE_OK);
	free(buf);
	CU_ASSERT_FATAL(pose_detect(pose, &person, &found, &nf, err,
	    sizeof(err)) == 0 && nf > 0);
	CU_ASSERT_FATAL(compose_tryon(&person, &stored, &outfit,
	    COMPOSE_CAT_TOPS, NULL, NULL, &a) == COMPOSE_OK);
	CU_ASSERT_FATAL(compose_tryon(&person, &found[0], &outfit,
	    COMPOSE_CAT_TOPS, NULL, NULL, &b) == COMPOSE_OK);
	CU_ASSERT_FATAL(image_fit(&person, a.w > a.h ? a.w : a.h, &plain) ==
	    IMAGE_OK);
	ma = changed(&a, &plain);
	mb = changed(&b, &plain);
	CU_ASSERT_FATAL(ma != NULL && mb != NULL);
	n = (size_t)a.w * a.h;
	for (i = 0; i < n; i++) {
		na += ma[i];
		nb += mb[i];
		both += ma[i] && mb[i];
		any += ma[i] || mb[i];
	}
	fprintf(stderr, "dressed from the stored pose: %.3f of the photo, "
	    "afresh %.3f, overlap (IoU) %.3f\n", (double)na / n,
	    (double)nb / n, any ? (double)both / any : 0.0);
	CU_ASSERT((double)na / n > 0.05);
	CU_ASSERT(any > 0 && (double)both / any > 0.8);
	free(ma);
	free(mb);
	image_free(&a);
	image_free(&b);
	image_free(&plain);
	image_free(&person);
	image_free(&outfit);
	pose_person_free(&stored);
	pose_persons_free(found, nf);
	pose_stored_free(&ps);
}

static int
suite_init(void)
{
	char		 err[256], path[1024];
	const char	*env = getenv("NSFW_MODEL");

	qc_config_default(&cfg);
	if (env != NULL && *env != '\0')
		snprintf(path, sizeof(path), "%s", env);
	else
		snprintf(path, sizeof(path), "%s/models/nsfw_mobilenet_v2.bin",
		    srcdir);
	model = nsfw_load(path, err, sizeof(err));
	if (model == NULL) {
		fprintf(stderr, "test_qc: %s (run scripts/nsfw-convert)\n",
		    err);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/models", srcdir);
	pose = pose_load(path, err, sizeof(err));
	if (pose == NULL) {
		fprintf(stderr, "test_qc: %s (run scripts/pose-convert)\n",
		    err);
		return -1;
	}
	return 0;
}

static int
suite_clean(void)
{
	nsfw_free(model);
	pose_model_free(pose);
	return 0;
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
	s = CU_add_suite("qc", suite_init, suite_clean);
	if (s == NULL ||
	    CU_add_test(s, "fixture verdicts", test_fixture_verdicts) == NULL ||
	    CU_add_test(s, "sharp/blurred pair, smooth room", test_blur_pair) ==
	    NULL ||
	    CU_add_test(s, "generated: blank, exposure",
	    test_generated_blank_exposure) == NULL ||
	    CU_add_test(s, "generated: tiny, over limits", test_generated_size) ==
	    NULL ||
	    CU_add_test(s, "huge headers", test_huge_headers) == NULL ||
	    CU_add_test(s, "generated: blur, resolution", test_generated_blur) ==
	    NULL ||
	    CU_add_test(s, "generated: outfits", test_generated_outfits) ==
	    NULL ||
	    CU_add_test(s, "truncated and corrupt files", test_corrupt) ==
	    NULL ||
	    CU_add_test(s, "location tags", test_location_tags) == NULL ||
	    CU_add_test(s, "nsfw policy", test_nsfw_policy) == NULL ||
	    CU_add_test(s, "config", test_config) == NULL ||
	    CU_add_test(s, "reason texts", test_texts) == NULL ||
	    CU_add_test(s, "json", test_json) == NULL ||
	    CU_add_test(s, "people: fixtures", test_people_fixtures) ==
	    NULL ||
	    CU_add_test(s, "people: a group, a small person",
	    test_people_generated) == NULL ||
	    CU_add_test(s, "fit: fixtures and categories", test_fit_fixtures) ==
	    NULL ||
	    CU_add_test(s, "fit: real photos lying down",
	    test_fit_lying) == NULL ||
	    CU_add_test(s, "fit: a real photo from behind",
	    test_fit_back) == NULL ||
	    CU_add_test(s, "fit: lying down, turned away", test_fit_pose) ==
	    NULL ||
	    CU_add_test(s, "pose: the stored form", test_pose_stored) == NULL ||
	    CU_add_test(s, "try-on on the stored pose", test_tryon_stored) ==
	    NULL ||
	    CU_add_test(s, "place: a found person on a location",
	    test_place_found) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed() +
	    CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return fails > 0 ? 1 : 0;
}
