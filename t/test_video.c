/*
 * Unit tests for lib/video.c: pan/zoom MP4 encoding, probing and frame
 * decoding from memory, checked also with the ffprobe / ffmpeg CLIs.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <libavutil/log.h>

#include "image.h"
#include "testutil.h"
#include "video.h"

#define FIXTURE		"people_grace_hopper_portrait.jpg"

/* The decoded fixture, loaded once by the suite's init. */
struct fixture {
	struct image	 img;
	char		 tmpdir[64];
};

static struct fixture	fx;

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read a whole file; NULL on failure.  Caller frees. */
static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE		*f;
	unsigned char	*buf = NULL;
	long		 n = -1;

	f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0)
		n = ftell(f);
	if (n > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n);
		if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

/*
 * The fixture from $srcdir/t/data, else from shared/fixtures beside the
 * checkout, else from /work/shared/fixtures.
 */
static int
load_fixture(struct image *img)
{
	const char	*srcdir = getenv("srcdir");
	char		 path[1024];
	unsigned char	*buf;
	size_t		 len = 0;
	int		 i, n, rc;

	if (srcdir == NULL)
		srcdir = ".";
	for (i = 0; i < 3; i++) {
		if (i == 0)
			n = snprintf(path, sizeof(path), "%s/t/data/%s",
			    srcdir, FIXTURE);
		else if (i == 1)
			n = snprintf(path, sizeof(path),
			    "%s/../shared/fixtures/%s", srcdir, FIXTURE);
		else
			n = snprintf(path, sizeof(path),
			    "/work/shared/fixtures/%s", FIXTURE);
		if (n < 0 || (size_t)n >= sizeof(path))
			continue;
		buf = slurp(path, &len);
		if (buf == NULL)
			continue;
		rc = image_decode(buf, len, NULL, img);
		free(buf);
		return rc == IMAGE_OK ? 0 : -1;
	}
	return -1;
}

/* A w x h image filled by a deterministic pattern (or one colour). */
static int
make_image(int w, int h, int solid, unsigned char r, unsigned char g,
    unsigned char b, struct image *img)
{
	int		 x, y;
	unsigned char	*p;

	if (image_new(w, h, img) != IMAGE_OK)
		return -1;
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			p = img->px + ((size_t)y * w + x) * 4;
			if (solid) {
				p[0] = r;
				p[1] = g;
				p[2] = b;
			} else {
				p[0] = (unsigned char)(x * 255 / (w > 1 ?
				    w - 1 : 1));
				p[1] = (unsigned char)(y * 255 / (h > 1 ?
				    h - 1 : 1));
				p[2] = (unsigned char)(((x / 8 + y / 8) & 1) ?
				    220 : 30);
			}
			p[3] = 255;
		}
	return 0;
}

/* Mean and standard deviation of BT.709 luma of an RGBA image. */
static void
luma_stats(const struct image *img, double *mean, double *sd)
{
	size_t		 i, n = (size_t)img->w * img->h;
	const unsigned char *p;
	double		 s = 0, ss = 0, y;

	for (i = 0; i < n; i++) {
		p = img->px + i * 4;
		y = 0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2];
		s += y;
		ss += y * y;
	}
	*mean = s / n;
	*sd = sqrt(ss / n - *mean * *mean);
}

/* Mean absolute RGB difference of two images of one size (-1: sizes). */
static double
mean_absdiff(const struct image *a, const struct image *b)
{
	size_t	i, n;
	double	s = 0;

	if (a->w != b->w || a->h != b->h)
		return -1;
	n = (size_t)a->w * a->h * 4;
	for (i = 0; i < n; i++) {
		if (i % 4 == 3)
			continue;
		s += abs((int)a->px[i] - (int)b->px[i]);
	}
	return s / ((double)a->w * a->h * 3);
}

/* Write buf to tmpdir/name; path receives the full name.  0 or -1. */
static int
write_tmp(const char *name, const unsigned char *buf, size_t len, char *path,
    size_t pathsz)
{
	FILE	*f;
	int	 n, ok;

	n = snprintf(path, pathsz, "%s/%s", fx.tmpdir, name);
	if (n < 0 || (size_t)n >= pathsz)
		return -1;
	f = fopen(path, "wb");
	if (f == NULL)
		return -1;
	ok = fwrite(buf, 1, len, f) == len;
	if (fclose(f) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

/* Run cmd, capturing stdout (and stderr if the command redirects). */
static int
run(const char *cmd, char *out, size_t outsz)
{
	FILE	*p;
	size_t	 n = 0, k;

	p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	while (n + 1 < outsz) {
		k = fread(out + n, 1, outsz - 1 - n, p);
		if (k == 0)
			break;
		n += k;
	}
	out[n] = '\0';
	return pclose(p);
}

static void
test_defaults(void)
{
	struct video_params	p;

	memset(&p, 0xff, sizeof(p));
	video_params_default(&p);
	CU_ASSERT_EQUAL(p.width, 0);
	CU_ASSERT_EQUAL(p.height, 0);
	CU_ASSERT(p.fps == 25 || p.fps == 30);
	CU_ASSERT_DOUBLE_EQUAL(p.seconds, 4.0, 1e-9);
	CU_ASSERT_EQUAL(p.crf, 23);
}

/*
 * The fixture at 720x960, 4 s, 30 fps: container and stream facts,
 * frame count, faststart, a decoded first frame that matches the still
 * and a middle frame that is neither blank nor the first one.
 */
static void
test_fixture_720x960(void)
{
	struct video_params	 p;
	struct video_info	 vi;
	struct image		 f0, fm, fl, ref;
	unsigned char		*mp4 = NULL;
	size_t			 len = 0;
	char			 err[256] = "";
	double			 t0, dt, mean, sd, d0m, dml, d0ref;
	int			 rc, mid;

	CU_ASSERT_PTR_NOT_NULL_FATAL(fx.img.px);
	video_params_default(&p);
	p.width = 720;
	p.height = 960;
	p.fps = 30;
	p.seconds = 4;
	t0 = now();
	rc = video_panzoom_mp4(&fx.img, &p, &mp4, &len, err, sizeof(err));
	dt = now() - t0;
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	printf("\n    720x960 4 s 30 fps from %dx%d: %zu bytes in %.2f s ",
	    fx.img.w, fx.img.h, len, dt);

	rc = video_probe_mp4(mp4, len, &vi);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(vi.codec, "h264");
	CU_ASSERT_STRING_EQUAL(vi.pix_fmt, "yuv420p");
	CU_ASSERT_STRING_EQUAL(vi.profile, "High");
	CU_ASSERT_EQUAL(vi.width, 720);
	CU_ASSERT_EQUAL(vi.height, 960);
	CU_ASSERT(vi.duration >= 3.0 && vi.duration <= 5.0);
	CU_ASSERT_DOUBLE_EQUAL(vi.duration, 4.0, 0.04);
	CU_ASSERT_DOUBLE_EQUAL(vi.fps, 30.0, 0.01);
	CU_ASSERT_EQUAL(vi.frames, 120);
	CU_ASSERT_EQUAL(vi.has_audio, 0);
	CU_ASSERT(vi.moov_pos >= 0 && vi.mdat_pos > vi.moov_pos);
	CU_ASSERT_EQUAL(vi.faststart, 1);
	/* Sanity of size: a still with slow motion, well under 4 MB. */
	CU_ASSERT(len > 20000 && len < 4000000);

	mid = 60;
	CU_ASSERT_EQUAL_FATAL(video_decode_frame(mp4, len, 0, &f0, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(video_decode_frame(mp4, len, mid, &fm, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(video_decode_frame(mp4, len, 119, &fl, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(fm.w, 720);
	CU_ASSERT_EQUAL(fm.h, 960);
	luma_stats(&fm, &mean, &sd);
	CU_ASSERT(mean > 20 && mean < 235);
	CU_ASSERT(sd > 20);		/* a portrait, not a flat frame */
	d0m = mean_absdiff(&f0, &fm);
	dml = mean_absdiff(&fm, &fl);
	CU_ASSERT(d0m > 3.0);		/* the camera moved */
	CU_ASSERT(dml > 3.0);		/* and kept moving */

	/*
	 * Frame 0 is the zoom 1 view: the still cropped to 3:4 (512x600 is
	 * wider), centred horizontally; the vertical start is clamped to
	 * the middle.  Compare with our own crop + resize of the still.
	 */
	{
		int	cw = (int)(fx.img.h * 3.0 / 4.0 + 0.5);
		int	ch = fx.img.h;
		struct image	crop;

		if (fx.img.w * 4 < fx.img.h * 3) {
			cw = fx.img.w;
			ch = (int)(fx.img.w * 4.0 / 3.0 + 0.5);
		}
		CU_ASSERT_EQUAL_FATAL(image_crop(&fx.img, (fx.img.w - cw) / 2,
		    (fx.img.h - ch) / 2, cw, ch, &crop), IMAGE_OK);
		CU_ASSERT_EQUAL_FATAL(image_resize(&crop, 720, 960, &ref),
		    IMAGE_OK);
		image_free(&crop);
	}
	d0ref = mean_absdiff(&f0, &ref);
	CU_ASSERT(d0ref >= 0 && d0ref < 6.0);
	printf("(|f0-still| %.2f, |f0-f60| %.2f, |f60-f119| %.2f) ", d0ref,
	    d0m, dml);
	image_free(&ref);
	image_free(&f0);
	image_free(&fm);
	image_free(&fl);

	/* Frame 120 does not exist. */
	CU_ASSERT_EQUAL(video_decode_frame(mp4, len, 120, &f0, err,
	    sizeof(err)), -1);
	CU_ASSERT(err[0] != '\0');
	CU_ASSERT_PTR_NULL(f0.px);
	free(mp4);
}

/*
 * Motion is smooth: the mean difference between consecutive frames
 * has no outliers (no jump, no stuck frame in the middle).  And it goes
 * where it should: the last frame is the view zoomed by VIDEO_ZOOM_END
 * and pushed up against the top edge (towards the face).
 */
static void
test_smooth_motion(void)
{
	struct video_params	 p;
	unsigned char		*mp4 = NULL;
	size_t			 len = 0;
	char			 err[256];
	struct image		 a, b;
	double			 d[4], dmin = 1e9, dmax = 0;
	static const int	 frames[8] = { 30, 31, 45, 46, 60, 61, 75, 76 };
	int			 i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(fx.img.px);
	video_params_default(&p);
	p.width = 360;
	p.height = 480;
	CU_ASSERT_EQUAL_FATAL(video_panzoom_mp4(&fx.img, &p, &mp4, &len, err,
	    sizeof(err)), 0);
	for (i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL_FATAL(video_decode_frame(mp4, len, frames[2 * i],
		    &a, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL_FATAL(video_decode_frame(mp4, len,
		    frames[2 * i + 1], &b, err, sizeof(err)), 0);
		d[i] = mean_absdiff(&a, &b);
		if (d[i] < dmin)
			dmin = d[i];
		if (d[i] > dmax)
			dmax = d[i];
		image_free(&a);
		image_free(&b);
	}
	/* In the middle of an eased move every step changes something. */
	CU_ASSERT(dmin > 0.05);
	CU_ASSERT(dmax < 4 * dmin + 0.5);

	/*
	 * 512x600 into 3:4: the zoom 1 view is 450x600; at the end it is
	 * 450/1.12 x 600/1.12 = 402x536, centred horizontally, top at 0.
	 */
	CU_ASSERT_EQUAL_FATAL(video_decode_frame(mp4, len, 119, &a, err,
	    sizeof(err)), 0);
	{
		struct image	crop, want, first;
		double		d_end, d_start;
		int		cw = (int)(fx.img.h * 0.75 / VIDEO_ZOOM_END + 0.5);
		int		ch = (int)(fx.img.h / VIDEO_ZOOM_END + 0.5);
		int		c1 = (int)(fx.img.h * 0.75 + 0.5);

		CU_ASSERT_EQUAL_FATAL(image_crop(&fx.img, (fx.img.w - cw) / 2,
		    0, cw, ch, &crop), IMAGE_OK);
		CU_ASSERT_EQUAL_FATAL(image_resize(&crop, 360, 480, &want),
		    IMAGE_OK);
		image_free(&crop);
		CU_ASSERT_EQUAL_FATAL(image_crop(&fx.img, (fx.img.w - c1) / 2,
		    0, c1, fx.img.h, &crop), IMAGE_OK);
		CU_ASSERT_EQUAL_FATAL(image_resize(&crop, 360, 480, &first),
		    IMAGE_OK);
		image_free(&crop);
		d_end = mean_absdiff(&a, &want);
		d_start = mean_absdiff(&a, &first);
		printf("(steps %.2f..%.2f, |last-zoomed view| %.2f, "
		    "|last-start view| %.2f) ", dmin, dmax, d_end, d_start);
		CU_ASSERT(d_end >= 0 && d_end < 6.0);
		CU_ASSERT(d_start > 2 * d_end);
		image_free(&want);
		image_free(&first);
	}
	image_free(&a);
	free(mp4);
}

/* Same input, same bytes. */
static void
test_deterministic(void)
{
	struct video_params	 p;
	unsigned char		*a = NULL, *b = NULL;
	size_t			 la = 0, lb = 0;
	char			 err[256];

	CU_ASSERT_PTR_NOT_NULL_FATAL(fx.img.px);
	video_params_default(&p);
	p.width = 320;
	p.height = 400;
	p.seconds = 3;
	CU_ASSERT_EQUAL_FATAL(video_panzoom_mp4(&fx.img, &p, &a, &la, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(video_panzoom_mp4(&fx.img, &p, &b, &lb, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(la, lb);
	CU_ASSERT(la == lb && memcmp(a, b, la) == 0);
	free(a);
	free(b);
}

/* Colours survive the BT.709 round trip (encoder matrix == tags). */
static void
test_colour(void)
{
	static const unsigned char cols[][3] = {
		{ 200, 40, 60 }, { 30, 160, 90 }, { 40, 70, 210 },
		{ 128, 128, 128 }, { 250, 250, 250 }, { 5, 5, 5 },
	};
	struct video_params	 p;
	struct image		 img, f;
	struct video_info	 vi;
	unsigned char		*mp4;
	size_t			 len, i;
	const unsigned char	*px;
	char			 err[256];
	int			 k;

	video_params_default(&p);
	p.width = 64;
	p.height = 64;
	p.seconds = 1;
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(make_image(100, 100, 1, cols[i][0],
		    cols[i][1], cols[i][2], &img), 0);
		CU_ASSERT_EQUAL_FATAL(video_panzoom_mp4(&img, &p, &mp4, &len,
		    err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(video_probe_mp4(mp4, len, &vi), 0);
		CU_ASSERT_EQUAL(vi.frames, 30);
		CU_ASSERT_EQUAL_FATAL(video_decode_frame(mp4, len, 15, &f, err,
		    sizeof(err)), 0);
		px = f.px + ((size_t)32 * f.w + 32) * 4;
		for (k = 0; k < 3; k++)
			CU_ASSERT(abs((int)px[k] - (int)cols[i][k]) <= 4);
		image_free(&f);
		image_free(&img);
		free(mp4);
	}
}

/* Transparent pixels are composed over white. */
static void
test_alpha(void)
{
	struct video_params	 p;
	struct image		 img, f;
	unsigned char		*mp4, *jpg;
	size_t			 len, i, n;
	char			 err[256];

	CU_ASSERT_EQUAL_FATAL(image_new(200, 100, &img), IMAGE_OK);
	n = (size_t)200 * 100 * 4;
	for (i = 0; i < n; i += 4)	/* transparent black */
		img.px[i + 3] = 0;
	video_params_default(&p);
	p.seconds = 1;
	CU_ASSERT_EQUAL_FATAL(video_panzoom_mp4(&img, &p, &mp4, &len, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(video_decode_frame(mp4, len, 0, &f, err,
	    sizeof(err)), 0);
	CU_ASSERT(f.px[((size_t)10 * f.w + 10) * 4] >= 250);
	image_free(&f);
	free(mp4);
	CU_ASSERT_EQUAL_FATAL(video_preview(&img, 64, &jpg, &len), 0);
	CU_ASSERT_EQUAL_FATAL(image_decode(jpg, len, NULL, &f), IMAGE_OK);
	CU_ASSERT(f.px[0] >= 250 && f.px[1] >= 250 && f.px[2] >= 250);
	image_free(&f);
	free(jpg);
	image_free(&img);
}

/* Odd, tiny and extreme stills; derived and odd requested sizes. */
static void
test_odd_sizes(void)
{
	static const struct {
		int	iw, ih, pw, ph, ew, eh;
	} c[] = {
		{ 2, 2, 0, 0, 128, 128 },
		{ 1, 1, 0, 0, 128, 128 },
		{ 3, 5, 0, 0, 76, 128 },
		{ 1001, 3, 0, 0, 1000, 16 },
		{ 7, 4001, 0, 0, 16, 1080 },
		{ 513, 601, 0, 0, 512, 600 },
		{ 2000, 1500, 0, 0, 1080, 810 },
		{ 513, 601, 721, 961, 720, 960 },
		{ 1, 1, 1280, 720, 1280, 720 },
		{ 640, 480, 333, 0, 332, 250 },
		{ 640, 480, 0, 17, 22, 16 },
	};
	struct video_params	 p;
	struct video_info	 vi;
	struct image		 img, f;
	unsigned char		*mp4;
	size_t			 len, i;
	char			 err[256];
	int			 rc;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(make_image(c[i].iw, c[i].ih, 0, 0, 0, 0,
		    &img), 0);
		video_params_default(&p);
		p.width = c[i].pw;
		p.height = c[i].ph;
		p.fps = 25;
		p.seconds = 3;
		err[0] = '\0';
		rc = video_panzoom_mp4(&img, &p, &mp4, &len, err, sizeof(err));
		CU_ASSERT_EQUAL(rc, 0);
		if (rc != 0) {
			printf("\n    case %zu: %s ", i, err);
			image_free(&img);
			continue;
		}
		rc = video_probe_mp4(mp4, len, &vi);
		CU_ASSERT_EQUAL(rc, 0);
		CU_ASSERT_EQUAL(vi.width, c[i].ew);
		CU_ASSERT_EQUAL(vi.height, c[i].eh);
		CU_ASSERT(vi.width % 2 == 0 && vi.height % 2 == 0);
		CU_ASSERT_EQUAL(vi.frames, 75);
		CU_ASSERT_STRING_EQUAL(vi.codec, "h264");
		CU_ASSERT_EQUAL(vi.faststart, 1);
		if (vi.width != c[i].ew || vi.height != c[i].eh)
			printf("\n    case %zu: %dx%d ", i, vi.width, vi.height);
		CU_ASSERT_EQUAL(video_decode_frame(mp4, len, 74, &f, err,
		    sizeof(err)), 0);
		image_free(&f);
		free(mp4);
		image_free(&img);
	}
}

/* Bad arguments fail with a message and no output. */
static void
test_bad_args(void)
{
	struct video_params	 p;
	struct image		 img, bad;
	unsigned char		*mp4 = (unsigned char *)"x";
	size_t			 len = 1;
	char			 err[256];

	CU_ASSERT_EQUAL_FATAL(make_image(32, 32, 0, 0, 0, 0, &img), 0);
	video_params_default(&p);

	err[0] = '\0';
	CU_ASSERT_EQUAL(video_panzoom_mp4(NULL, &p, &mp4, &len, err,
	    sizeof(err)), -1);
	CU_ASSERT_PTR_NULL(mp4);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT(err[0] != '\0');

	bad = img;
	bad.w = 0;
	CU_ASSERT_EQUAL(video_panzoom_mp4(&bad, &p, &mp4, &len, err,
	    sizeof(err)), -1);
	bad = img;
	bad.px = NULL;
	CU_ASSERT_EQUAL(video_panzoom_mp4(&bad, &p, &mp4, &len, err,
	    sizeof(err)), -1);

#define BAD(field, val) do {						\
	video_params_default(&p);					\
	p.field = (val);						\
	err[0] = '\0';							\
	CU_ASSERT_EQUAL(video_panzoom_mp4(&img, &p, &mp4, &len, err,	\
	    sizeof(err)), -1);						\
	CU_ASSERT(err[0] != '\0');					\
	CU_ASSERT_PTR_NULL(mp4);					\
} while (0)
	BAD(fps, 0);
	BAD(fps, 60);
	BAD(seconds, 0.5);
	BAD(seconds, 100);
	BAD(seconds, NAN);
	BAD(crf, 0);
	BAD(crf, 52);
	BAD(width, -2);
	BAD(width, 8);
	BAD(width, 4000);
	BAD(height, 4000);
#undef BAD
	/* Each side allowed, but too many macroblocks for level 4.0. */
	video_params_default(&p);
	p.width = 1920;
	p.height = 1920;
	CU_ASSERT_EQUAL(video_panzoom_mp4(&img, &p, &mp4, &len, err,
	    sizeof(err)), -1);
	CU_ASSERT(strstr(err, "level") != NULL);

	/* NULL params mean the defaults; tiny err buffers are fine. */
	CU_ASSERT_EQUAL(video_panzoom_mp4(&img, NULL, &mp4, &len, NULL, 0),
	    0);
	CU_ASSERT_PTR_NOT_NULL(mp4);
	free(mp4);
	CU_ASSERT_EQUAL(video_panzoom_mp4(NULL, NULL, &mp4, &len, err, 1),
	    -1);
	CU_ASSERT_EQUAL(err[0], '\0');
	CU_ASSERT_EQUAL(video_panzoom_mp4(&img, &p, NULL, &len, err,
	    sizeof(err)), -1);
	image_free(&img);
}

/* Probing hostile bytes never crashes and says why it failed. */
/* A 2 s video of a 96x64 pattern, to take apart.  0 or -1. */
static int
small_mp4(unsigned char **mp4, size_t *len)
{
	struct video_params	 p;
	struct image		 img;
	char			 err[256];
	int			 rc;

	if (make_image(96, 64, 0, 0, 0, 0, &img) != 0)
		return -1;
	video_params_default(&p);
	p.seconds = 2;
	rc = video_panzoom_mp4(&img, &p, mp4, len, err, sizeof(err));
	image_free(&img);
	return rc;
}

static void
test_probe_hostile(void)
{
	struct video_info	 vi;
	struct image		 img;
	unsigned char		*mp4, *junk;
	size_t			 len, i, cut;
	char			 err[256];
	int			 rc, ok = 0, failed = 0;
	unsigned int		 seed = 12345;

	av_log_set_level(AV_LOG_QUIET);	/* FFmpeg complains, loudly */
	CU_ASSERT_EQUAL(video_probe_mp4(NULL, 0, &vi), -1);
	CU_ASSERT(vi.err[0] != '\0');
	CU_ASSERT_EQUAL(video_probe_mp4((const unsigned char *)"hello", 5,
	    &vi), -1);
	CU_ASSERT_EQUAL(video_probe_mp4((const unsigned char *)
	    "\0\0\0\x18" "ftypisom\0\0\0\0isomavc1", 24, &vi), -1);
	CU_ASSERT(vi.err[0] != '\0');
	CU_ASSERT_EQUAL(video_probe_mp4((const unsigned char *)"x", 1, NULL),
	    -1);

	CU_ASSERT_EQUAL_FATAL(small_mp4(&mp4, &len), 0);

	/* Truncated: the moov is complete, the mdat is not. */
	rc = video_probe_mp4(mp4, len / 2, &vi);
	CU_ASSERT(rc == -1 || vi.frames < 60);
	CU_ASSERT_EQUAL(video_decode_frame(mp4, len / 2, 59, &img, err,
	    sizeof(err)), -1);
	/* Truncated inside the moov. */
	CU_ASSERT_EQUAL(video_probe_mp4(mp4, 200, &vi), -1);

	/* Random corruption: any answer but a crash. */
	junk = malloc(len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(junk);
	for (i = 0; i < 40; i++) {
		memcpy(junk, mp4, len);
		for (cut = 0; cut < 8; cut++) {
			seed = seed * 1103515245u + 12345u;
			junk[(seed >> 8) % len] = (unsigned char)(seed >> 3);
		}
		if (video_probe_mp4(junk, len, &vi) == 0)
			ok++;
		else
			failed++;
		if (video_decode_frame(junk, len, 30, &img, err,
		    sizeof(err)) == 0)
			image_free(&img);
	}
	av_log_set_level(AV_LOG_ERROR);
	CU_ASSERT_EQUAL(ok + failed, 40);
	printf("(corrupted copies: %d probed, %d refused) ", ok, failed);
	free(junk);
	free(mp4);
}

/* ---------------------------------------------- hostile sample tables */

/*
 * The payload [*pay, *end) of the first box of type under [off, end),
 * searching the usual containers (independent of lib/video.c's walk).
 */
static int
find_box(const unsigned char *p, size_t off, size_t end, const char *type,
    size_t *pay, size_t *bend)
{
	static const char *const cont[] = { "moov", "trak", "mdia", "minf",
	    "stbl", "moof", "traf", NULL };
	size_t		 size;
	int		 i;

	while (end - off >= 8) {
		size = (size_t)p[off] << 24 | (size_t)p[off + 1] << 16 |
		    (size_t)p[off + 2] << 8 | p[off + 3];
		if (size < 8 || size > end - off)
			return -1;
		if (memcmp(p + off + 4, type, 4) == 0) {
			*pay = off + 8;
			*bend = off + size;
			return 0;
		}
		for (i = 0; cont[i] != NULL; i++)
			if (memcmp(p + off + 4, cont[i], 4) == 0 &&
			    find_box(p, off + 8, off + size, type, pay,
			    bend) == 0)
				return 0;
		off += size;
	}
	return -1;
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/*
 * Probe a copy of mp4 whose 32-bit field at offset at (into type's
 * payload) is v: refused, with a message naming want.
 */
static void
refused_with(const unsigned char *mp4, size_t len, const char *type,
    size_t at, uint32_t v, const char *want)
{
	struct video_info	 vi;
	struct image		 img;
	unsigned char		*c;
	size_t			 pay, end;
	char			 err[256];

	CU_ASSERT_EQUAL_FATAL(find_box(mp4, 0, len, type, &pay, &end), 0);
	CU_ASSERT_FATAL(pay + at + 4 <= end);
	c = malloc(len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	memcpy(c, mp4, len);
	put32(c + pay + at, v);
	CU_ASSERT_EQUAL(video_probe_mp4(c, len, &vi), -1);
	if (strstr(vi.err, want) == NULL)
		printf("\n%s+%zu=%08x: \"%s\" lacks \"%s\"\n", type, at,
		    (unsigned)v, vi.err, want);
	CU_ASSERT_PTR_NOT_NULL(strstr(vi.err, want));
	CU_ASSERT_EQUAL(video_decode_frame(c, len, 0, &img, err,
	    sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	free(c);
}

/* Read $srcdir/fuzz/corpus/mp4/name; NULL when missing. */
static unsigned char *
corpus_mp4(const char *name, size_t *len)
{
	const char	*srcdir = getenv("srcdir");
	char		 path[1024];

	snprintf(path, sizeof(path), "%s/fuzz/corpus/mp4/%s",
	    srcdir != NULL ? srcdir : ".", name);
	return slurp(path, len);
}

/*
 * Sample tables that declare more entries than their boxes hold (the
 * demuxer would allocate for every declared entry before reading one)
 * are refused before FFmpeg sees the file; well-formed files still pass.
 */
static void
test_probe_tables(void)
{
	static const char *const whole[] = { "h264_444_bframes_full.mp4",
	    "h264_aac.mp4", "h264_faststart.mp4", "h264_fragmented.mp4",
	    "h264_moov_end.mp4", "hevc.mp4", "mjpeg.mp4", "mpeg4.mp4",
	    "panzoom_32x32.mp4", NULL };
	struct video_info	 vi;
	unsigned char		*mp4, *c;
	size_t			 len, pay, end;
	int			 i;

	av_log_set_level(AV_LOG_QUIET);
	for (i = 0; whole[i] != NULL; i++) {
		mp4 = corpus_mp4(whole[i], &len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(mp4);
		if (video_probe_mp4(mp4, len, &vi) != 0)
			printf("\n%s: %s\n", whole[i], vi.err);
		CU_ASSERT_EQUAL(video_probe_mp4(mp4, len, &vi), 0);
		CU_ASSERT(vi.frames > 0);
		free(mp4);
	}

	CU_ASSERT_EQUAL_FATAL(small_mp4(&mp4, &len), 0);
	CU_ASSERT_EQUAL(video_probe_mp4(mp4, len, &vi), 0);

	/* Entry counts (after version and flags) far past the box. */
	refused_with(mp4, len, "stco", 4, 0x00ffffff, "'stco'");
	refused_with(mp4, len, "stss", 4, 0x0fffffff, "'stss'");
	refused_with(mp4, len, "stts", 4, 0x00ffffff, "'stts'");
	refused_with(mp4, len, "stsc", 4, 0x00ffffff, "'stsc'");
	refused_with(mp4, len, "stsz", 8, 0x00400000, "'stsz'");
	/* One size for all: nothing to hold, the count itself is capped. */
	CU_ASSERT_EQUAL_FATAL(find_box(mp4, 0, len, "stsz", &pay, &end), 0);
	c = malloc(len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	memcpy(c, mp4, len);
	put32(c + pay + 4, 1);
	put32(c + pay + 8, 0x00500000);
	CU_ASSERT_EQUAL(video_probe_mp4(c, len, &vi), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(vi.err, "more than 4194304 samples"));
	/* A sample-to-chunk run of two billion samples per chunk. */
	memcpy(c, mp4, len);
	CU_ASSERT_EQUAL_FATAL(find_box(mp4, 0, len, "stsc", &pay, &end), 0);
	put32(c + pay + 8 + 4, 0x7fffffff);
	CU_ASSERT_EQUAL(video_probe_mp4(c, len, &vi), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(vi.err, "'stsc'"));
	/* A table hidden in a sample description (the demuxer reads the
	 * boxes after a sample entry's fields): avcC renamed stco. */
	memcpy(c, mp4, len);
	for (pay = 8; pay + 8 <= len && memcmp(c + pay, "avcC", 4) != 0; pay++)
		;
	CU_ASSERT_FATAL(pay + 8 <= len);
	memcpy(c + pay, "stco", 4);
	put32(c + pay + 8, 0x00ffffff);
	CU_ASSERT_EQUAL(video_probe_mp4(c, len, &vi), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(vi.err, "'stco'"));
	/* Compressed movie headers could hide any table. */
	memcpy(c, mp4, len);
	CU_ASSERT_EQUAL_FATAL(find_box(mp4, 0, len, "moov", &pay, &end), 0);
	memcpy(c + pay - 4, "cmov", 4);
	CU_ASSERT_EQUAL(video_probe_mp4(c, len, &vi), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(vi.err, "cmov"));
	free(c);
	free(mp4);

	/* Fragments: a run declaring sixteen million samples. */
	mp4 = corpus_mp4("h264_fragmented.mp4", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mp4);
	refused_with(mp4, len, "trun", 4, 0x00ffffff, "'trun'");
	free(mp4);
	/* What the fuzzer found: a few hundred bytes, gigabytes of index. */
	mp4 = corpus_mp4("oom_trun_samples.mp4", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mp4);
	CU_ASSERT_EQUAL(video_probe_mp4(mp4, len, &vi), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(vi.err, "samples"));
	free(mp4);
	av_log_set_level(AV_LOG_ERROR);
}

static void
test_preview(void)
{
	unsigned char	*jpg = NULL;
	size_t		 len = 0;
	struct image	 img;
	struct image_info ii;

	CU_ASSERT_PTR_NOT_NULL_FATAL(fx.img.px);
	CU_ASSERT_EQUAL_FATAL(video_preview(&fx.img, 300, &jpg, &len), 0);
	CU_ASSERT_EQUAL(image_probe(jpg, len, &ii), IMAGE_OK);
	CU_ASSERT_EQUAL(ii.format, IMAGE_FMT_JPEG);
	CU_ASSERT(ii.out_width <= 300 && ii.out_height <= 300);
	CU_ASSERT(ii.out_width == 300 || ii.out_height == 300);
	CU_ASSERT_EQUAL(image_decode(jpg, len, NULL, &img), IMAGE_OK);
	image_free(&img);
	free(jpg);
	/* max_side <= 0: up to 1080, never enlarged. */
	CU_ASSERT_EQUAL_FATAL(video_preview(&fx.img, 0, &jpg, &len), 0);
	CU_ASSERT_EQUAL(image_probe(jpg, len, &ii), IMAGE_OK);
	CU_ASSERT_EQUAL(ii.out_width, fx.img.w);
	CU_ASSERT_EQUAL(ii.out_height, fx.img.h);
	free(jpg);
	CU_ASSERT_EQUAL(video_preview(NULL, 100, &jpg, &len), -1);
	CU_ASSERT_PTR_NULL(jpg);
}

/*
 * The real tools agree: ffprobe reads an H.264 yuv420p MP4 with the
 * moov first and BT.709 tags; ffmpeg decodes every frame silently.
 */
static void
test_ffprobe(void)
{
	struct video_params	 p;
	unsigned char		*mp4 = NULL;
	size_t			 len = 0;
	char			 err[256], path[256], cmd[1024], out[65536];
	int			 rc, n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(fx.img.px);
	CU_ASSERT_FATAL(fx.tmpdir[0] != '\0');
	video_params_default(&p);
	CU_ASSERT_EQUAL_FATAL(video_panzoom_mp4(&fx.img, &p, &mp4, &len, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(write_tmp("v.mp4", mp4, len, path,
	    sizeof(path)), 0);
	free(mp4);

	n = snprintf(cmd, sizeof(cmd), "ffprobe -v error -show_streams "
	    "-show_format -count_packets -of json '%s' 2>&1", path);
	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(cmd));
	rc = run(cmd, out, sizeof(out));
	CU_ASSERT_EQUAL(rc, 0);
	if (rc != 0)
		printf("\n    ffprobe: %s ", out);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"codec_name\": \"h264\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"pix_fmt\": \"yuv420p\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"profile\": \"High\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"width\": 512"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"height\": 600"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"color_space\": \"bt709\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"color_range\": \"tv\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"level\": 40"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"chroma_location\": \"left\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"nb_read_packets\": \"120\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"duration\": \"4.000000\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"format_name\": \"mov,mp4"));

	/* ffprobe's view of the box order: moov is the second atom. */
	n = snprintf(cmd, sizeof(cmd), "ffprobe -v trace '%s' 2>&1 | "
	    "grep -o \"type:'[a-z]*' parent:'root'\" | head -3 | tr '\\n' ' '",
	    path);
	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(cmd));
	rc = run(cmd, out, sizeof(out));
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "type:'ftyp' parent:'root' "
	    "type:'moov' parent:'root'"));

	n = snprintf(cmd, sizeof(cmd), "ffmpeg -nostdin -v error -i '%s' "
	    "-f null - 2>&1", path);
	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(cmd));
	rc = run(cmd, out, sizeof(out));
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(out, "");
	if (rc != 0 || out[0] != '\0')
		printf("\n    ffmpeg: %s ", out);
	(void)unlink(path);
}

/* Encode time of 4 s clips (720p-class), for the report. */
static void
test_timing(void)
{
	static const int	sz[][2] = { { 720, 960 }, { 1280, 720 },
				    { 1080, 1080 } };
	struct video_params	 p;
	unsigned char		*mp4;
	size_t			 len, i;
	char			 err[256];
	double			 t0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(fx.img.px);
	for (i = 0; i < sizeof(sz) / sizeof(sz[0]); i++) {
		video_params_default(&p);
		p.width = sz[i][0];
		p.height = sz[i][1];
		t0 = now();
		CU_ASSERT_EQUAL_FATAL(video_panzoom_mp4(&fx.img, &p, &mp4,
		    &len, err, sizeof(err)), 0);
		printf("\n    %dx%d 4 s %d fps: %.2f s, %zu bytes ", sz[i][0],
		    sz[i][1], p.fps, now() - t0, len);
		free(mp4);
	}
}

/* A texture of 6 px cells, each a grey level from a hash, tinted. */
static int
cells(int w, int h, unsigned seed, const double tint[3], struct image *img)
{
	unsigned	 v;
	int		 x, y, c;
	unsigned char	*p;

	if (image_new(w, h, img) != IMAGE_OK)
		return -1;
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			v = (unsigned)(x / 6) * 73856093u ^
			    (unsigned)(y / 6) * 19349663u ^ seed * 83492791u;
			v = (v ^ (v >> 13)) * 0x5bd1e995u;
			v = 40 + (v >> 24) % 180;
			p = img->px + ((size_t)y * w + x) * 4;
			for (c = 0; c < 3; c++)
				p[c] = (unsigned char)(v * tint[c]);
			p[3] = 255;
		}
	return 0;
}

/*
 * Parallax: a textured person (an upright ellipse left of the middle)
 * before a textured location.  Between the first frame and the last,
 * the person's blocks move otherwise than the background's motion
 * (fitted to its blocks) would move them there, by well over the
 * matching's pixel: towards the middle and down; in the plain pan and
 * zoom of the same still they do not.  Without a background or alpha
 * the bytes are the plain pan and zoom's.
 */
static void
test_parallax(void)
{
	static const double	 warm[3] = { 1.0, 0.75, 0.6 };
	static const double	 cool[3] = { 0.6, 0.8, 1.0 };
	struct video_params	 p;
	struct image		 img = { 0 }, bg = { 0 }, f0 = { 0 };
	struct tu_parallax	 m, plain;
	unsigned char		*alpha = NULL, *a = NULL, *b = NULL;
	size_t			 la = 0, lb = 0, i;
	double			 ex, ey;
	int			 x, y, W = 640, H = 480;
	char			 err[256];

	CU_ASSERT_FATAL(cells(W, H, 1, cool, &bg) == 0);
	CU_ASSERT_FATAL(cells(W, H, 2, warm, &img) == 0);
	alpha = calloc((size_t)W * H, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(alpha);
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++) {
			i = (size_t)y * W + x;
			ex = (x - 240) / 80.0;
			ey = (y - 250) / 200.0;
			if (ex * ex + ey * ey <= 1.0)
				alpha[i] = 255;
			else
				memcpy(img.px + i * 4, bg.px + i * 4, 4);
		}
	video_params_default(&p);
	p.seconds = 1.0;
	p.fps = 24;
	p.crf = 12;
	CU_ASSERT_EQUAL_FATAL(video_parallax_mp4(&img, &bg, alpha, &p, &a,
	    &la, err, sizeof(err)), 0);
	CU_ASSERT_FATAL(tu_parallax_mp4(a, la, 23, alpha, &f0, &m) == 0);
	fprintf(stderr, "\n    parallax: person %.1f,%.1f px (%d blocks), "
	    "background %.1f,%.1f px (%d), person beyond the "
	    "background's motion %.1f,%.1f px\n", m.fg_dx, m.fg_dy, m.nfg,
	    m.bg_dx, m.bg_dy, m.nbg, m.rx, m.ry);
	CU_ASSERT(m.rx >= 10.0);	/* towards the middle */
	CU_ASSERT(m.ry >= 10.0);	/* down: zoomed in nearer */
	CU_ASSERT(mean_absdiff(&f0, &img) < 4.0);	/* the still */
	image_free(&f0);

	/* The plain pan and zoom moves everything alike. */
	CU_ASSERT_EQUAL_FATAL(video_panzoom_mp4(&img, &p, &b, &lb, err,
	    sizeof(err)), 0);
	CU_ASSERT_FATAL(tu_parallax_mp4(b, lb, 23, alpha, &f0, &plain) == 0);
	fprintf(stderr, "    pan and zoom: person beyond the background's "
	    "motion %.1f,%.1f px\n", plain.rx, plain.ry);
	CU_ASSERT(fabs(plain.rx) < 2.0 && fabs(plain.ry) < 2.0);
	image_free(&f0);
	free(a);
	a = NULL;

	/* No layers: the plain pan and zoom, byte for byte. */
	CU_ASSERT_EQUAL(video_parallax_mp4(&img, NULL, alpha, &p, &a, &la,
	    err, sizeof(err)), 0);
	CU_ASSERT(la == lb && a != NULL && memcmp(a, b, la) == 0);
	free(a);
	a = NULL;
	CU_ASSERT_EQUAL(video_parallax_mp4(&img, &bg, NULL, &p, &a, &la,
	    err, sizeof(err)), 0);
	CU_ASSERT(la == lb && a != NULL && memcmp(a, b, la) == 0);
	free(a);
	a = NULL;

	/* A background of another size is refused. */
	image_free(&bg);
	CU_ASSERT_FATAL(cells(W / 2, H, 1, cool, &bg) == 0);
	CU_ASSERT_EQUAL(video_parallax_mp4(&img, &bg, alpha, &p, &a, &la,
	    err, sizeof(err)), -1);
	CU_ASSERT_PTR_NULL(a);
	free(b);
	free(alpha);
	image_free(&img);
	image_free(&bg);
}

static int
suite_init(void)
{
	char	tmpl[] = "/tmp/test_video.XXXXXX";

	video_quiet_logs();
	if (load_fixture(&fx.img) != 0)
		return -1;
	if (mkdtemp(tmpl) == NULL)
		return -1;
	(void)snprintf(fx.tmpdir, sizeof(fx.tmpdir), "%s", tmpl);
	return 0;
}

static int
suite_clean(void)
{
	image_free(&fx.img);
	if (fx.tmpdir[0] != '\0')
		(void)rmdir(fx.tmpdir);
	return 0;
}

int
main(void)
{
	CU_pSuite	s;
	unsigned	failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("video", suite_init, suite_clean);
	if (s == NULL ||
	    CU_add_test(s, "params defaults", test_defaults) == NULL ||
	    CU_add_test(s, "fixture 720x960", test_fixture_720x960) == NULL ||
	    CU_add_test(s, "smooth motion", test_smooth_motion) == NULL ||
	    CU_add_test(s, "deterministic", test_deterministic) == NULL ||
	    CU_add_test(s, "colour round trip", test_colour) == NULL ||
	    CU_add_test(s, "alpha over white", test_alpha) == NULL ||
	    CU_add_test(s, "odd and tiny sizes", test_odd_sizes) == NULL ||
	    CU_add_test(s, "bad arguments", test_bad_args) == NULL ||
	    CU_add_test(s, "probe hostile input", test_probe_hostile) == NULL ||
	    CU_add_test(s, "probe hostile sample tables",
	    test_probe_tables) == NULL ||
	    CU_add_test(s, "parallax", test_parallax) == NULL ||
	    CU_add_test(s, "preview", test_preview) == NULL ||
	    CU_add_test(s, "ffprobe and ffmpeg", test_ffprobe) == NULL ||
	    CU_add_test(s, "encode timing", test_timing) == NULL) {
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() +
	    CU_get_number_of_tests_failed() +
	    CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed != 0;
}
