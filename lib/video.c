/*
 * video: a still image -> a short pan/zoom H.264 MP4, in memory; and
 * MP4 probing / frame decoding from memory.  See video.h.  The check of
 * an MP4's box tables before FFmpeg sees it is video_mp4.c's.
 *
 * Pipeline of video_panzoom_mp4():
 *   1. the output size is fixed (even, <= level 4.0 frame size);
 *   2. the still is shrunk once (area average, image_resize) so that a
 *      frame never samples it more than 1.25 source pixels apart, and
 *      composed over white when it has transparency;
 *   3. for each frame the camera rectangle is computed from an eased
 *      time (cosine ease-in-out): the zoom grows geometrically from 1
 *      to VIDEO_ZOOM_END while the centre moves towards the upper
 *      centre; pixels are sampled bilinearly at 1/1024 pixel
 *      precision (integer arithmetic, so no rounding jitter);
 *   4. RGB -> YUV 4:2:0 with our own integer BT.709 limited-range
 *      matrix; chroma is filtered [1 2 1] horizontally and averaged
 *      vertically, i.e. sited "left" (H.264's default, type 0); the
 *      stream is tagged BT.709 / limited / left to match;
 *   5. libx264 (High, level 4.0, CRF, capped VBV, GOP 2 s) and the MP4
 *      muxer with movflags=+faststart, writing through a custom
 *      AVIOContext into a growable buffer.  Faststart's second pass
 *      re-opens "the file" for reading through AVFormatContext.io_open,
 *      which we answer with a reader over the same buffer.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavformat/avio.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "image.h"
#include "video_mp4.h"
#include "util.h"
#include "video.h"

#define AVIO_BUFSZ	65536
#define OUT_MAX		((size_t)512 * 1024 * 1024)	/* encoded MP4 cap */
#define IN_MAX		((size_t)1 << 31)		/* probed MP4 cap */
#define DEC_MAX_SIDE	8192
#define DEC_MAX_PIXELS	((int64_t)1 << 26)
#define LEVEL_MAX_MBS	8192		/* H.264 level 4.0 MaxFS */
#define OVERSAMPLE	1.25		/* source px per output px, at most */
#define SUBPX_BITS	10
#define SUBPX		(1 << SUBPX_BITS)

/*
 * x264 settings.  A fixed thread count keeps the output identical on
 * every machine (x264 is deterministic for a given thread count unless
 * told otherwise); 2 matches the machines this runs on.
 */
#ifndef X264_PRESET
#define X264_PRESET	"medium"
#endif
#ifndef X264_THREADS
#define X264_THREADS	2
#endif
#define VBV_MAXRATE	10000000	/* bit/s, a cap for CRF */
#define VBV_BUFSIZE	20000000

/* ----------------------------------------------------------- errors */

/* "what: <FFmpeg's text for averr>" into err. */
static void
seterr_av(char *err, size_t errlen, const char *what, int averr)
{
	char	buf[AV_ERROR_MAX_STRING_SIZE];

	if (av_strerror(averr, buf, sizeof(buf)) < 0)
		(void)snprintf(buf, sizeof(buf), "error %d", averr);
	util_seterr(err, errlen, "%s: %s", what, buf);
}

/* ------------------------------------------------- memory I/O */

/* A growable output buffer with a write position (seekable "file"). */
struct membuf {
	unsigned char	*p;
	size_t		 len;	/* high-water mark: the file's size */
	size_t		 cap;
	size_t		 pos;
	size_t		 max;
};

/*
 * A read position over either a membuf that may still grow and move
 * (mb != NULL, faststart's second pass) or fixed caller bytes (p, len).
 */
struct memreader {
	const struct membuf	*mb;
	const unsigned char	*p;
	size_t			 len;
	size_t			 pos;
};

/* AVIOContext write callback: write at pos, growing the buffer. */
static int
mb_write(void *opaque, uint8_t *buf, int n)
{
	struct membuf	*mb = opaque;
	unsigned char	*np;
	size_t		 end, ncap;

	if (n < 0)
		return AVERROR(EINVAL);
	if ((size_t)n > mb->max || mb->pos > mb->max - (size_t)n)
		return AVERROR(EFBIG);
	end = mb->pos + (size_t)n;
	if (end > mb->cap) {
		ncap = mb->cap ? mb->cap : (size_t)1 << 20;
		while (ncap < end)
			ncap = ncap > mb->max / 2 ? mb->max : ncap * 2;
		np = realloc(mb->p, ncap);
		if (np == NULL)
			return AVERROR(ENOMEM);
		mb->p = np;
		mb->cap = ncap;
	}
	if (mb->pos > mb->len)
		memset(mb->p + mb->len, 0, mb->pos - mb->len);
	memcpy(mb->p + mb->pos, buf, (size_t)n);
	mb->pos = end;
	if (end > mb->len)
		mb->len = end;
	return n;
}

/*
 * New position for an AVIOContext seek on a "file" of size len at
 * position pos, bounded by max; AVSEEK_SIZE answers the size.  Returns
 * the new position or a negative AVERROR.
 */
static int64_t
seek_pos(size_t pos, size_t len, size_t max, int64_t off, int whence)
{
	int64_t	base;

	switch (whence & ~AVSEEK_FORCE) {
	case AVSEEK_SIZE:
		return (int64_t)len;
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (int64_t)pos;
		break;
	case SEEK_END:
		base = (int64_t)len;
		break;
	default:
		return AVERROR(EINVAL);
	}
	if (off < -base || off > (int64_t)max - base)
		return AVERROR(EINVAL);
	return base + off;
}

/* AVIOContext seek callback of the writer (may go past the end). */
static int64_t
mb_seek(void *opaque, int64_t off, int whence)
{
	struct membuf	*mb = opaque;
	int64_t		 np;

	np = seek_pos(mb->pos, mb->len, mb->max, off, whence);
	if (np >= 0 && (whence & ~AVSEEK_FORCE) != AVSEEK_SIZE)
		mb->pos = (size_t)np;
	return np;
}

/* The bytes a reader sees now (a growing membuf may have moved). */
static void
mr_view(const struct memreader *r, const unsigned char **p, size_t *len)
{
	if (r->mb != NULL) {
		*p = r->mb->p;
		*len = r->mb->len;
	} else {
		*p = r->p;
		*len = r->len;
	}
}

/* AVIOContext read callback: AVERROR_EOF at the end. */
static int
mr_read(void *opaque, uint8_t *buf, int n)
{
	struct memreader	*r = opaque;
	const unsigned char	*p;
	size_t			 len, k;

	mr_view(r, &p, &len);
	if (n <= 0)
		return n < 0 ? AVERROR(EINVAL) : 0;
	if (r->pos >= len)
		return AVERROR_EOF;
	k = len - r->pos;
	if (k > (size_t)n)
		k = (size_t)n;
	memcpy(buf, p + r->pos, k);
	r->pos += k;
	return (int)k;
}

/* Seeks stay within [0, size]: a reader never points past its data. */
static int64_t
mr_seek(void *opaque, int64_t off, int whence)
{
	struct memreader	*r = opaque;
	const unsigned char	*p;
	size_t			 len;
	int64_t			 np;

	mr_view(r, &p, &len);
	np = seek_pos(r->pos, len, len, off, whence);
	if (np >= 0 && (whence & ~AVSEEK_FORCE) != AVSEEK_SIZE)
		r->pos = (size_t)np;
	return np;
}

/* An AVIOContext over opaque with our own AVIO_BUFSZ buffer, or NULL. */
static AVIOContext *
avio_new(void *opaque, int write,
    int (*rd)(void *, uint8_t *, int), int (*wr)(void *, uint8_t *, int),
    int64_t (*sk)(void *, int64_t, int))
{
	unsigned char	*buf;
	AVIOContext	*pb;

	buf = av_malloc(AVIO_BUFSZ);
	if (buf == NULL)
		return NULL;
	pb = avio_alloc_context(buf, AVIO_BUFSZ, write, opaque, rd, wr, sk);
	if (pb == NULL)
		av_free(buf);
	return pb;
}

/* Free an AVIOContext from avio_new() (not its opaque); NULL is fine. */
static void
avio_free(AVIOContext **pb)
{
	if (*pb == NULL)
		return;
	av_freep(&(*pb)->buffer);
	avio_context_free(pb);
}

/* ------------------------------------------------------- helpers */

/* Is img a usable RGBA image within image.c's hard caps? */
static int
image_ok(const struct image *img)
{
	return img != NULL && img->px != NULL && img->w > 0 && img->h > 0 &&
	    img->w <= IMAGE_HARD_MAX_SIDE && img->h <= IMAGE_HARD_MAX_SIDE &&
	    (uint64_t)img->w * (uint64_t)img->h <= IMAGE_HARD_MAX_PIXELS;
}

/* Does any pixel have alpha below 255? */
static int
has_alpha(const struct image *img)
{
	size_t	i, n = (size_t)img->w * img->h * 4;

	for (i = 3; i < n; i += 4)
		if (img->px[i] != 255)
			return 1;
	return 0;
}

/* Compose img over white in place; alpha becomes 255. */
static void
flatten_white(struct image *img)
{
	size_t		 i, n = (size_t)img->w * img->h * 4;
	unsigned char	*q;
	unsigned	 a, k;

	for (i = 0; i < n; i += 4) {
		q = img->px + i;
		a = q[3];
		if (a == 255)
			continue;
		for (k = 0; k < 3; k++)
			q[k] = (unsigned char)((q[k] * a + 255 * (255 - a) +
			    127) / 255);
		q[3] = 255;
	}
}

/* v limited to [lo, hi]. */
static double
clampd(double v, double lo, double hi)
{
	if (v < lo)
		return lo;
	if (v > hi)
		return hi;
	return v;
}

/* The even integer nearest v, within [VIDEO_MIN_SIDE, VIDEO_MAX_SIDE]. */
static int
even_side(double v)
{
	double	r;

	r = 2.0 * floor(v / 2.0 + 0.5);
	return (int)clampd(r, VIDEO_MIN_SIDE, VIDEO_MAX_SIDE);
}

/* Fill p with the defaults (size derived from the image). */
void
video_params_default(struct video_params *p)
{
	if (p == NULL)
		return;
	memset(p, 0, sizeof(*p));	/* width = height = 0: derive */
	p->fps = VIDEO_DEF_FPS;
	p->seconds = VIDEO_DEF_SECONDS;
	p->crf = VIDEO_DEF_CRF;
}

/*
 * Check p and work out the output size for img (see struct
 * video_params).  Returns 0, or -1 with err filled.
 */
static int
out_size(const struct image *img, const struct video_params *p, int *W,
    int *H, char *err, size_t errlen)
{
	double	a = (double)img->w / img->h;
	int	w = p->width, h = p->height, lng;

	if (p->fps != 24 && p->fps != 25 && p->fps != 30) {
		util_seterr(err, errlen, "fps must be 24, 25 or 30");
		return -1;
	}
	if (!(p->seconds >= VIDEO_MIN_SECONDS &&
	    p->seconds <= VIDEO_MAX_SECONDS)) {
		util_seterr(err, errlen, "seconds must be within %g..%g",
		    VIDEO_MIN_SECONDS, VIDEO_MAX_SECONDS);
		return -1;
	}
	if (p->crf < 1 || p->crf > 51) {
		util_seterr(err, errlen, "crf must be within 1..51");
		return -1;
	}
	if (w < 0 || h < 0 || w > VIDEO_MAX_SIDE + 1 ||
	    h > VIDEO_MAX_SIDE + 1 || (w > 0 && w < VIDEO_MIN_SIDE) ||
	    (h > 0 && h < VIDEO_MIN_SIDE)) {
		util_seterr(err, errlen,
		    "width/height must be 0 or within %d..%d",
		    VIDEO_MIN_SIDE, VIDEO_MAX_SIDE);
		return -1;
	}
	w &= ~1;
	h &= ~1;
	if (w == 0 && h == 0) {
		lng = img->w > img->h ? img->w : img->h;
		if (lng > VIDEO_MAX_LONG_SIDE)
			lng = VIDEO_MAX_LONG_SIDE;
		if (lng < VIDEO_MIN_LONG_SIDE)
			lng = VIDEO_MIN_LONG_SIDE;
		lng &= ~1;	/* down: never enlarge for evenness */
		if (img->w >= img->h) {
			w = even_side(lng);
			h = even_side(lng / a);
		} else {
			h = even_side(lng);
			w = even_side(lng * a);
		}
	} else if (w == 0)
		w = even_side(h * a);
	else if (h == 0)
		h = even_side(w / a);
	if ((int64_t)((w + 15) / 16) * ((h + 15) / 16) > LEVEL_MAX_MBS) {
		util_seterr(err, errlen,
		    "%dx%d is too large for H.264 level 4.0",
		    w, h);
		return -1;
	}
	*W = w;
	*H = h;
	return 0;
}

/* ------------------------------------------------------ the encoder */

/* One layer's camera: its view at zoom 1 and the view centre's path. */
struct cam {
	double		 W0, H0;	/* the zoom 1 view, source pixels */
	double		 cx0, cy0, cx1, cy1;	/* view centre, start/end */
	double		 zend;		/* zoom at the last frame */
};

struct enc {
	int		 W, H, fps, nframes;
	const struct image *src;	/* what frames sample: img or own */
	struct image	 own;		/* shrunk and/or flattened copy */
	struct image	 fg;		/* parallax: the person layer (its
					   alpha the cut-out), else empty */
	struct cam	 cam[2];	/* of src, of fg */
	int32_t		*xo0, *xo1, *xf;	/* per column: offsets, weight */
	int32_t		*yr0, *yr1, *yf;	/* per row: rows, weight */
	unsigned char	*rgb;		/* one frame, W * H * 3 */
	struct membuf	 out;
	AVFormatContext	*oc;
	AVCodecContext	*cc;
	AVStream	*st;
	AVFrame		*fr;
	AVPacket	*pkt;
	AVIOContext	*pb;
};

/*
 * The largest W:H rectangle inside a sw x sh source (the view at zoom
 * 1), in source pixels.
 */
static void
view_size(int sw, int sh, int W, int H, double *W0, double *H0)
{
	if ((double)sw * H > (double)sh * W) {
		*H0 = sh;
		*W0 = (double)sh * W / H;
	} else {
		*W0 = sw;
		*H0 = (double)sw * H / W;
	}
}

/*
 * Prepare e->src: shrink img when frames would sample it sparsely,
 * compose it over white when it has transparency, else borrow it.
 * Sets the first camera's zoom 1 view.  Returns 0 or -1.
 */
static int
enc_source(struct enc *e, const struct image *img, char *err, size_t errlen)
{
	struct cam	*c = &e->cam[0];
	double		 f;
	int		 nw, nh, rc, alpha;

	view_size(img->w, img->h, e->W, e->H, &c->W0, &c->H0);
	f = OVERSAMPLE * e->W / c->W0;
	alpha = has_alpha(img);
	e->src = img;
	if (f < 1.0) {
		nw = (int)clampd(floor(img->w * f + 0.5), 1, img->w);
		nh = (int)clampd(floor(img->h * f + 0.5), 1, img->h);
		rc = image_resize(img, nw, nh, &e->own);
		if (rc != IMAGE_OK) {
			util_seterr(err, errlen,
			    "shrink: %s", image_strerror(rc));
			return -1;
		}
		e->src = &e->own;
		view_size(nw, nh, e->W, e->H, &c->W0, &c->H0);
	} else if (alpha) {
		rc = image_crop(img, 0, 0, img->w, img->h, &e->own);
		if (rc != IMAGE_OK) {
			util_seterr(err, errlen,
			    "copy: %s", image_strerror(rc));
			return -1;
		}
		e->src = &e->own;
	}
	if (alpha)
		flatten_white(&e->own);
	return 0;
}

/*
 * The Ken Burns camera: start a little above the middle, end nearer
 * the upper centre (where faces are), each clamped so its view lies
 * inside the source.  Views shrink as the zoom grows, so every frame's
 * view (a blend of the two) stays inside too.
 */
static void
cam_panzoom(struct cam *c, double sw, double sh)
{
	double	z = VIDEO_ZOOM_END;

	c->zend = z;
	c->cx0 = clampd(sw / 2, c->W0 / 2, sw - c->W0 / 2);
	c->cy0 = clampd(sh * 0.45, c->H0 / 2, sh - c->H0 / 2);
	c->cx1 = clampd(sw / 2, c->W0 / z / 2, sw - c->W0 / z / 2);
	c->cy1 = clampd(sh * 0.40, c->H0 / z / 2, sh - c->H0 / z / 2);
}

/*
 * The parallax cameras, as if the camera moved forward and sideways
 * past a person standing before the location: the background (camera
 * 0) zooms and drifts a little, the nearer person (camera 1) zooms and
 * drifts more, the same way.  side: -1 for a person left of the
 * middle, whose view then drifts left so that they move in towards the
 * middle, +1 otherwise.  Both start from the whole picture.
 */
static void
cam_parallax(struct enc *e, int side)
{
	struct cam	*b = &e->cam[0], *f = &e->cam[1];
	double		 sw = e->src->w, sh = e->src->h, z;

	*f = *b;
	cam_panzoom(b, sw, sh);
	cam_panzoom(f, sw, sh);
	z = b->zend = VIDEO_BG_ZOOM_END;
	b->cx1 = clampd(sw / 2 + side * VIDEO_BG_DRIFT * sw, b->W0 / z / 2,
	    sw - b->W0 / z / 2);
	b->cy1 = clampd(sh * 0.44, b->H0 / z / 2, sh - b->H0 / z / 2);
	z = f->zend = VIDEO_FG_ZOOM_END;
	f->cx1 = clampd(sw / 2 + side * VIDEO_FG_DRIFT * sw, f->W0 / z / 2,
	    sw - f->W0 / z / 2);
	f->cy1 = clampd(sh * 0.40, f->H0 / z / 2, sh - f->H0 / z / 2);
}

/* -1 when the alpha-weighted centre of fg is left of its middle, +1. */
static int
person_side(const struct image *fg)
{
	double	sx = 0, sa = 0;
	size_t	i, n = (size_t)fg->w * fg->h;

	for (i = 0; i < n; i++) {
		sx += (double)(i % (size_t)fg->w) * fg->px[i * 4 + 3];
		sa += fg->px[i * 4 + 3];
	}
	return sa > 0 && sx / sa < fg->w / 2.0 ? -1 : 1;
}

/*
 * e->fg: img (over white where it is transparent) with alpha as its
 * alpha, brought to e->src's size.  0, or -1 with err filled.
 */
static int
enc_person(struct enc *e, const struct image *img, const unsigned char *alpha,
    char *err, size_t errlen)
{
	struct image	 copy;
	size_t		 i, n = (size_t)img->w * img->h;
	int		 rc;

	rc = image_crop(img, 0, 0, img->w, img->h, &copy);
	if (rc != IMAGE_OK) {
		util_seterr(err, errlen, "copy: %s", image_strerror(rc));
		return -1;
	}
	flatten_white(&copy);
	for (i = 0; i < n; i++)
		copy.px[i * 4 + 3] = alpha[i];
	if (copy.w == e->src->w && copy.h == e->src->h) {
		e->fg = copy;
		return 0;
	}
	rc = image_resize(&copy, e->src->w, e->src->h, &e->fg);
	image_free(&copy);
	if (rc != IMAGE_OK) {
		util_seterr(err, errlen, "shrink: %s", image_strerror(rc));
		return -1;
	}
	return 0;
}

/*
 * Sample positions along one axis: n output pixels covering [r0, r0 +
 * extent) of a source axis of length sn.  i0/i1 are the neighbouring
 * source indices times mul (byte offsets for columns), f the weight of
 * i1 in 1/SUBPX.
 */
static void
axis_map(int n, double r0, double extent, int sn, int mul, int32_t *i0,
    int32_t *i1, int32_t *f)
{
	double		 step = extent / n, u;
	long long	 U, umax = (long long)(sn - 1) * SUBPX;
	int		 x, k;

	for (x = 0; x < n; x++) {
		u = r0 + (x + 0.5) * step - 0.5;
		U = llround(u * SUBPX);
		if (U < 0)
			U = 0;
		if (U > umax)
			U = umax;
		k = (int)(U >> SUBPX_BITS);
		i0[x] = k * mul;
		i1[x] = (k < sn - 1 ? k + 1 : k) * mul;
		f[x] = (int32_t)(U & (SUBPX - 1));
	}
}

/*
 * Set e's sample maps for camera c over source s at frame i (of
 * nframes).
 */
static void
enc_view(struct enc *e, const struct cam *c, const struct image *s, int i)
{
	double	 t, k, z, cw, ch, cx, cy;

	t = e->nframes > 1 ? (double)i / (e->nframes - 1) : 0.0;
	k = 0.5 - 0.5 * cos(M_PI * t);			/* ease in-out */
	z = exp(k * log(c->zend));			/* steady zoom rate */
	cw = c->W0 / z;
	ch = c->H0 / z;
	cx = clampd(c->cx0 + (c->cx1 - c->cx0) * k, cw / 2, s->w - cw / 2);
	cy = clampd(c->cy0 + (c->cy1 - c->cy0) * k, ch / 2, s->h - ch / 2);
	axis_map(e->W, cx - cw / 2, cw, s->w, 4, e->xo0, e->xo1, e->xf);
	axis_map(e->H, cy - ch / 2, ch, s->h, 1, e->yr0, e->yr1, e->yf);
}

/*
 * Sample s through e's maps into e->rgb: channels 0..2 replace it, or
 * (over) are laid over it by the bilinear sample of channel 3.
 */
static void
enc_sample(struct enc *e, const struct image *s, int over)
{
	const unsigned char	*r0, *r1, *a, *b, *c, *d;
	unsigned char		*o;
	int			 x, y, n, fx, fy, nc = over ? 4 : 3;
	int32_t			 top, bot, v[4];
	size_t			 stride = (size_t)s->w * 4;

	o = e->rgb;
	for (y = 0; y < e->H; y++) {
		r0 = s->px + (size_t)e->yr0[y] * stride;
		r1 = s->px + (size_t)e->yr1[y] * stride;
		fy = e->yf[y];
		for (x = 0; x < e->W; x++, o += 3) {
			a = r0 + e->xo0[x];
			b = r0 + e->xo1[x];
			c = r1 + e->xo0[x];
			d = r1 + e->xo1[x];
			fx = e->xf[x];
			for (n = 0; n < nc; n++) {
				top = a[n] * (SUBPX - fx) + b[n] * fx;
				bot = c[n] * (SUBPX - fx) + d[n] * fx;
				v[n] = (top * (SUBPX - fy) + bot * fy +
				    (1 << (2 * SUBPX_BITS - 1))) >>
				    (2 * SUBPX_BITS);
			}
			if (!over) {
				for (n = 0; n < 3; n++)
					o[n] = (unsigned char)v[n];
				continue;
			}
			if (v[3] == 0)
				continue;
			for (n = 0; n < 3; n++)
				o[n] = (unsigned char)((v[n] * v[3] + o[n] *
				    (255 - v[3]) + 127) / 255);
		}
	}
}

/* Render frame i (of nframes) into e->rgb: src, then fg over it. */
static void
enc_render(struct enc *e, int i)
{
	enc_view(e, &e->cam[0], e->src, i);
	enc_sample(e, e->src, 0);
	if (e->fg.px == NULL)
		return;
	enc_view(e, &e->cam[1], &e->fg, i);
	enc_sample(e, &e->fg, 1);
}

/* v limited to [lo, hi] as a byte. */
static unsigned char
clamp_u8(int v, int lo, int hi)
{
	return (unsigned char)(v < lo ? lo : v > hi ? hi : v);
}

/*
 * e->rgb -> the YUV420P planes of e->fr.  BT.709, limited range, 16.16
 * fixed point: Y = 16 + 219/255 (.2126 R + .7152 G + .0722 B) etc.
 * Chroma of a 2x2 block: columns 2x-1, 2x, 2x+1 weighted 1, 2, 1 (left
 * siting), rows 2y and 2y+1 averaged.
 */
static void
enc_to_yuv(struct enc *e)
{
	const unsigned char	*p, *q;
	unsigned char		*Y, *U, *V;
	int			 x, y, xl, xr, r, g, b, k;
	size_t			 rs = (size_t)e->W * 3;

	for (y = 0; y < e->H; y++) {
		p = e->rgb + (size_t)y * rs;
		Y = e->fr->data[0] + (size_t)y * e->fr->linesize[0];
		for (x = 0; x < e->W; x++, p += 3)
			Y[x] = clamp_u8(16 + ((11966 * p[0] + 40254 * p[1] +
			    4064 * p[2] + 32768) >> 16), 16, 235);
	}
	for (y = 0; y < e->H / 2; y++) {
		p = e->rgb + (size_t)(2 * y) * rs;
		q = p + rs;
		U = e->fr->data[1] + (size_t)y * e->fr->linesize[1];
		V = e->fr->data[2] + (size_t)y * e->fr->linesize[2];
		for (x = 0; x < e->W / 2; x++) {
			xl = (x > 0 ? 2 * x - 1 : 0) * 3;
			xr = (2 * x + 1) * 3;
			k = 2 * x * 3;
			r = p[xl] + 2 * p[k] + p[xr] +
			    q[xl] + 2 * q[k] + q[xr];
			g = p[xl + 1] + 2 * p[k + 1] + p[xr + 1] +
			    q[xl + 1] + 2 * q[k + 1] + q[xr + 1];
			b = p[xl + 2] + 2 * p[k + 2] + p[xr + 2] +
			    q[xl + 2] + 2 * q[k + 2] + q[xr + 2];
			/* r, g, b are 8 times the mean: shift 16 + 3. */
			U[x] = clamp_u8(128 + ((-6596 * r - 22188 * g +
			    28784 * b + (1 << 18)) >> 19), 16, 240);
			V[x] = clamp_u8(128 + ((28784 * r - 26145 * g -
			    2639 * b + (1 << 18)) >> 19), 16, 240);
		}
	}
}

/*
 * Faststart's second pass opens the output again for reading: answer
 * with a reader over the same (still growing) buffer.  Nothing else
 * may be opened.
 */
static int
mux_io_open(AVFormatContext *s, AVIOContext **pb, const char *url,
    int flags, AVDictionary **opts)
{
	struct enc		*e = s->opaque;
	struct memreader	*r;

	(void)url;
	(void)opts;
	*pb = NULL;
	if (e == NULL || flags != AVIO_FLAG_READ)
		return AVERROR(EPERM);
	r = av_mallocz(sizeof(*r));
	if (r == NULL)
		return AVERROR(ENOMEM);
	r->mb = &e->out;
	*pb = avio_new(r, 0, mr_read, NULL, mr_seek);
	if (*pb == NULL) {
		av_free(r);
		return AVERROR(ENOMEM);
	}
	return 0;
}

/* Close what mux_io_open() opened (never the muxer's own pb). */
static int
mux_io_close2(AVFormatContext *s, AVIOContext *pb)
{
	void	*r;

	if (pb == NULL || pb == s->pb)
		return 0;
	r = pb->opaque;
	avio_free(&pb);
	av_free(r);
	return 0;
}

/* Move every packet the encoder has ready into the muxer. */
static int
enc_drain(struct enc *e, char *err, size_t errlen)
{
	int	ret;

	for (;;) {
		ret = avcodec_receive_packet(e->cc, e->pkt);
		if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
			return 0;
		if (ret < 0) {
			seterr_av(err, errlen, "encode", ret);
			return -1;
		}
		if (e->pkt->duration == 0)
			e->pkt->duration = 1;	/* constant frame rate */
		av_packet_rescale_ts(e->pkt, e->cc->time_base,
		    e->st->time_base);
		e->pkt->stream_index = e->st->index;
		ret = av_interleaved_write_frame(e->oc, e->pkt);
		if (ret < 0) {
			seterr_av(err, errlen, "mux", ret);
			return -1;
		}
	}
}

/* Encoder, stream and muxer (header written).  Returns 0 or -1. */
static int
enc_open(struct enc *e, const struct video_params *p, char *err,
    size_t errlen)
{
	const AVCodec	*codec;
	AVDictionary	*opts = NULL;
	char		 crf[16];
	int		 ret;

	codec = avcodec_find_encoder_by_name("libx264");
	if (codec == NULL)
		codec = avcodec_find_encoder(AV_CODEC_ID_H264);
	if (codec == NULL) {
		util_seterr(err, errlen, "no H.264 encoder in libavcodec");
		return -1;
	}
	ret = avformat_alloc_output_context2(&e->oc, NULL, "mp4", NULL);
	if (ret < 0 || e->oc == NULL) {
		seterr_av(err, errlen, "mp4 muxer", ret < 0 ? ret :
		    AVERROR_MUXER_NOT_FOUND);
		return -1;
	}
	e->st = avformat_new_stream(e->oc, NULL);
	e->cc = avcodec_alloc_context3(codec);
	e->fr = av_frame_alloc();
	e->pkt = av_packet_alloc();
	if (e->st == NULL || e->cc == NULL || e->fr == NULL ||
	    e->pkt == NULL) {
		util_seterr(err, errlen, "out of memory");
		return -1;
	}

	e->cc->width = e->W;
	e->cc->height = e->H;
	e->cc->pix_fmt = AV_PIX_FMT_YUV420P;
	e->cc->time_base = (AVRational){ 1, e->fps };
	e->cc->framerate = (AVRational){ e->fps, 1 };
	e->cc->sample_aspect_ratio = (AVRational){ 1, 1 };
	e->cc->gop_size = 2 * e->fps;
	e->cc->keyint_min = e->fps;
	e->cc->profile = FF_PROFILE_H264_HIGH;
	e->cc->level = 40;
	e->cc->rc_max_rate = VBV_MAXRATE;
	e->cc->rc_buffer_size = VBV_BUFSIZE;
	e->cc->thread_count = X264_THREADS;
	e->cc->color_range = AVCOL_RANGE_MPEG;
	e->cc->colorspace = AVCOL_SPC_BT709;
	e->cc->color_primaries = AVCOL_PRI_BT709;
	e->cc->color_trc = AVCOL_TRC_BT709;
	e->cc->chroma_sample_location = AVCHROMA_LOC_LEFT;
	if (e->oc->oformat->flags & AVFMT_GLOBALHEADER)
		e->cc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;

	/* libx264 options; another H.264 encoder ignores what it lacks. */
	(void)snprintf(crf, sizeof(crf), "%d", p->crf);
	if (av_dict_set(&opts, "preset", X264_PRESET, 0) < 0 ||
	    av_dict_set(&opts, "profile", "high", 0) < 0 ||
	    av_dict_set(&opts, "crf", crf, 0) < 0 ||
	    av_dict_set(&opts, "x264-params", "log=-1", 0) < 0) {
		av_dict_free(&opts);
		util_seterr(err, errlen, "out of memory");
		return -1;
	}
	ret = avcodec_open2(e->cc, codec, &opts);
	av_dict_free(&opts);
	if (ret < 0) {
		seterr_av(err, errlen, codec->name, ret);
		return -1;
	}
	ret = avcodec_parameters_from_context(e->st->codecpar, e->cc);
	if (ret < 0) {
		seterr_av(err, errlen, "stream parameters", ret);
		return -1;
	}
	e->st->time_base = e->cc->time_base;
	e->st->avg_frame_rate = e->cc->framerate;

	e->fr->format = AV_PIX_FMT_YUV420P;
	e->fr->width = e->W;
	e->fr->height = e->H;
	ret = av_frame_get_buffer(e->fr, 0);
	if (ret < 0) {
		seterr_av(err, errlen, "frame", ret);
		return -1;
	}

	e->out.max = OUT_MAX;
	e->pb = avio_new(&e->out, 1, NULL, mb_write, mb_seek);
	if (e->pb == NULL) {
		util_seterr(err, errlen, "out of memory");
		return -1;
	}
	e->oc->pb = e->pb;
	e->oc->flags |= AVFMT_FLAG_CUSTOM_IO | AVFMT_FLAG_BITEXACT;
	e->oc->opaque = e;
	e->oc->io_open = mux_io_open;
	e->oc->io_close2 = mux_io_close2;
	if (av_dict_set(&opts, "movflags", "+faststart", 0) < 0) {
		util_seterr(err, errlen, "out of memory");
		return -1;
	}
	ret = avformat_write_header(e->oc, &opts);
	av_dict_free(&opts);
	if (ret < 0) {
		seterr_av(err, errlen, "mp4 header", ret);
		return -1;
	}
	return 0;
}

/* Free everything e holds; e itself belongs to the caller. */
static void
enc_free(struct enc *e)
{
	avcodec_free_context(&e->cc);
	av_frame_free(&e->fr);
	av_packet_free(&e->pkt);
	avformat_free_context(e->oc);	/* custom pb: not closed here */
	e->oc = NULL;
	avio_free(&e->pb);
	free(e->out.p);
	free(e->xo0);
	free(e->xo1);
	free(e->xf);
	free(e->yr0);
	free(e->yr1);
	free(e->yf);
	free(e->rgb);
	image_free(&e->own);
	image_free(&e->fg);
}

/*
 * The checks every encoding starts with: output pointers cleared, img
 * usable, p or the defaults in *def.  0, or -1 with err filled.
 */
static int
enc_start(const struct image *img, const struct video_params **p,
    struct video_params *def, unsigned char **mp4, size_t *len, char *err,
    size_t errlen)
{
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (mp4 == NULL || len == NULL) {
		util_seterr(err, errlen, "no output pointers");
		return -1;
	}
	*mp4 = NULL;
	*len = 0;
	if (!image_ok(img)) {
		util_seterr(err, errlen, "invalid image");
		return -1;
	}
	if (*p == NULL) {
		video_params_default(def);
		*p = def;
	}
	return 0;
}

/*
 * Encode e's frames (its size, sources and cameras set) as p says.  e
 * is freed either way.  0 with *mp4 (malloc'd) and *len, or -1 with err
 * filled.
 */
static int
enc_run(struct enc *e, const struct video_params *p, unsigned char **mp4,
    size_t *len, char *err, size_t errlen)
{
	unsigned char	*np;
	int		 i, ret;

	e->fps = p->fps;
	e->nframes = (int)floor(p->seconds * p->fps + 0.5);
	e->xo0 = calloc((size_t)e->W, sizeof(*e->xo0));
	e->xo1 = calloc((size_t)e->W, sizeof(*e->xo1));
	e->xf = calloc((size_t)e->W, sizeof(*e->xf));
	e->yr0 = calloc((size_t)e->H, sizeof(*e->yr0));
	e->yr1 = calloc((size_t)e->H, sizeof(*e->yr1));
	e->yf = calloc((size_t)e->H, sizeof(*e->yf));
	e->rgb = malloc((size_t)e->W * e->H * 3);
	if (e->xo0 == NULL || e->xo1 == NULL || e->xf == NULL ||
	    e->yr0 == NULL || e->yr1 == NULL || e->yf == NULL ||
	    e->rgb == NULL) {
		util_seterr(err, errlen, "out of memory");
		goto fail;
	}
	if (enc_open(e, p, err, errlen) != 0)
		goto fail;

	for (i = 0; i < e->nframes; i++) {
		ret = av_frame_make_writable(e->fr);
		if (ret < 0) {
			seterr_av(err, errlen, "frame", ret);
			goto fail;
		}
		enc_render(e, i);
		enc_to_yuv(e);
		e->fr->pts = i;
		ret = avcodec_send_frame(e->cc, e->fr);
		if (ret < 0) {
			seterr_av(err, errlen, "encode", ret);
			goto fail;
		}
		if (enc_drain(e, err, errlen) != 0)
			goto fail;
	}
	ret = avcodec_send_frame(e->cc, NULL);
	if (ret < 0) {
		seterr_av(err, errlen, "encode flush", ret);
		goto fail;
	}
	if (enc_drain(e, err, errlen) != 0)
		goto fail;
	ret = av_write_trailer(e->oc);
	if (ret < 0) {
		seterr_av(err, errlen, "mp4 trailer", ret);
		goto fail;
	}
	avio_flush(e->pb);
	if (e->pb->error < 0) {
		seterr_av(err, errlen, "mp4 write", e->pb->error);
		goto fail;
	}

	/* Hand over the buffer, trimmed to size-> */
	np = realloc(e->out.p, e->out.len > 0 ? e->out.len : 1);
	if (np != NULL)
		e->out.p = np;
	*mp4 = e->out.p;
	*len = e->out.len;
	e->out.p = NULL;
	enc_free(e);
	return 0;
fail:
	if (err != NULL && errlen > 0 && err[0] == '\0')
		util_seterr(err, errlen, "video encoding failed");
	enc_free(e);
	return -1;
}

/* See video.h.  p == NULL means the defaults. */
int
video_panzoom_mp4(const struct image *img, const struct video_params *p,
    unsigned char **mp4, size_t *len, char *err, size_t errlen)
{
	struct enc		 e;
	struct video_params	 def;

	if (enc_start(img, &p, &def, mp4, len, err, errlen) != 0)
		return -1;
	memset(&e, 0, sizeof(e));
	if (out_size(img, p, &e.W, &e.H, err, errlen) != 0)
		return -1;
	if (enc_source(&e, img, err, errlen) != 0) {
		enc_free(&e);
		return -1;
	}
	cam_panzoom(&e.cam[0], e.src->w, e.src->h);
	return enc_run(&e, p, mp4, len, err, errlen);
}

/* See video.h. */
int
video_parallax_mp4(const struct image *img, const struct image *bg,
    const unsigned char *alpha, const struct video_params *p,
    unsigned char **mp4, size_t *len, char *err, size_t errlen)
{
	struct enc		 e;
	struct video_params	 def;

	if (bg == NULL || alpha == NULL)
		return video_panzoom_mp4(img, p, mp4, len, err, errlen);
	if (enc_start(img, &p, &def, mp4, len, err, errlen) != 0)
		return -1;
	if (!image_ok(bg) || bg->w != img->w || bg->h != img->h) {
		util_seterr(err, errlen, "background not of the image's size");
		return -1;
	}
	memset(&e, 0, sizeof(e));
	if (out_size(img, p, &e.W, &e.H, err, errlen) != 0)
		return -1;
	if (enc_source(&e, bg, err, errlen) != 0 ||
	    enc_person(&e, img, alpha, err, errlen) != 0) {
		enc_free(&e);
		return -1;
	}
	cam_parallax(&e, person_side(&e.fg));
	return enc_run(&e, p, mp4, len, err, errlen);
}

/* See video.h. */
int
video_preview(const struct image *img, int max_side, unsigned char **jpeg,
    size_t *len)
{
	struct image	fit;
	int		rc;

	if (jpeg == NULL || len == NULL)
		return -1;
	*jpeg = NULL;
	*len = 0;
	if (!image_ok(img))
		return -1;
	if (max_side <= 0)
		max_side = VIDEO_MAX_LONG_SIDE;
	if (image_fit(img, max_side, &fit) != IMAGE_OK)
		return -1;
	flatten_white(&fit);
	rc = image_encode_jpeg(&fit, 85, jpeg, len);
	image_free(&fit);
	return rc == IMAGE_OK ? 0 : -1;
}

/* ------------------------------------------------------ the demuxer */

struct demux {
	struct memreader	 r;
	AVIOContext		*pb;
	AVFormatContext		*fc;
	int			 vidx;
};

/* A demuxer reads only the bytes it was given: no other I/O. */
static int
deny_io_open(AVFormatContext *s, AVIOContext **pb, const char *url,
    int flags, AVDictionary **opts)
{
	(void)s;
	(void)url;
	(void)flags;
	(void)opts;
	*pb = NULL;
	return AVERROR(EPERM);
}

/* Free what demux_open() set up, even after it failed. */
static void
demux_close(struct demux *d)
{
	avformat_close_input(&d->fc);	/* custom pb: not closed here */
	avio_free(&d->pb);
}

/*
 * Open mp4 bytes with the mov/mp4 demuxer only and find the first video
 * stream.  Returns 0 or -1 with err filled; demux_close() either way.
 */
static int
demux_open(struct demux *d, const unsigned char *mp4, size_t len, char *err,
    size_t errlen)
{
	const AVInputFormat	*ifmt;
	int			 ret;

	memset(d, 0, sizeof(*d));
	d->vidx = -1;
	if (mp4 == NULL || len < 8 || len > IN_MAX) {
		util_seterr(err, errlen, "no data or too large");
		return -1;
	}
	ifmt = av_find_input_format("mp4");
	if (ifmt == NULL) {
		util_seterr(err, errlen, "no mp4 demuxer in libavformat");
		return -1;
	}
	if (video_mp4_check(mp4, len, err, errlen) != 0)
		return -1;
	d->r.p = mp4;
	d->r.len = len;
	d->pb = avio_new(&d->r, 0, mr_read, NULL, mr_seek);
	d->fc = avformat_alloc_context();
	if (d->pb == NULL || d->fc == NULL) {
		util_seterr(err, errlen, "out of memory");
		return -1;
	}
	d->fc->pb = d->pb;
	d->fc->flags |= AVFMT_FLAG_CUSTOM_IO;
	d->fc->io_open = deny_io_open;
	ret = avformat_open_input(&d->fc, NULL, ifmt, NULL);
	if (ret < 0) {		/* fc was freed */
		seterr_av(err, errlen, "not an mp4", ret);
		return -1;
	}
	ret = avformat_find_stream_info(d->fc, NULL);
	if (ret < 0) {
		seterr_av(err, errlen, "stream info", ret);
		return -1;
	}
	d->vidx = av_find_best_stream(d->fc, AVMEDIA_TYPE_VIDEO, -1, -1,
	    NULL, 0);
	if (d->vidx < 0) {
		util_seterr(err, errlen, "no video stream");
		return -1;
	}
	return 0;
}

/* Copy s (NULL means "") into dst, truncated. */
static void
copy_name(char *dst, size_t dstsz, const char *s)
{
	if (s == NULL)
		s = "";
	(void)snprintf(dst, dstsz, "%s", s);
}

/* See video.h. */
int
video_probe_mp4(const unsigned char *mp4, size_t len, struct video_info *out)
{
	struct demux		 d;
	AVStream		*st;
	AVCodecParameters	*par;
	AVPacket		*pkt = NULL;
	unsigned		 i;
	int			 ret;

	if (out == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	out->moov_pos = out->mdat_pos = -1;
	if (demux_open(&d, mp4, len, out->err, sizeof(out->err)) != 0)
		goto fail;
	video_mp4_boxes(mp4, len, &out->moov_pos, &out->mdat_pos);
	out->faststart = out->moov_pos >= 0 &&
	    (out->mdat_pos < 0 || out->moov_pos < out->mdat_pos);

	st = d.fc->streams[d.vidx];
	par = st->codecpar;
	out->width = par->width;
	out->height = par->height;
	copy_name(out->codec, sizeof(out->codec),
	    avcodec_get_name(par->codec_id));
	if (par->format >= 0)
		copy_name(out->pix_fmt, sizeof(out->pix_fmt),
		    av_get_pix_fmt_name((enum AVPixelFormat)par->format));
	copy_name(out->profile, sizeof(out->profile),
	    avcodec_profile_name(par->codec_id, par->profile));
	if (st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0)
		out->fps = av_q2d(st->avg_frame_rate);
	if (st->duration > 0 && st->time_base.num > 0 &&
	    st->time_base.den > 0)
		out->duration = st->duration * av_q2d(st->time_base);
	else if (d.fc->duration > 0)
		out->duration = (double)d.fc->duration / AV_TIME_BASE;
	for (i = 0; i < d.fc->nb_streams; i++)
		if (d.fc->streams[i]->codecpar->codec_type ==
		    AVMEDIA_TYPE_AUDIO)
			out->has_audio = 1;

	pkt = av_packet_alloc();
	if (pkt == NULL) {
		util_seterr(out->err, sizeof(out->err), "out of memory");
		goto fail;
	}
	for (;;) {
		ret = av_read_frame(d.fc, pkt);
		if (ret == AVERROR_EOF)
			break;
		if (ret < 0) {
			seterr_av(out->err, sizeof(out->err),
			    "corrupt or truncated", ret);
			goto fail;
		}
		if (pkt->stream_index == d.vidx) {
			if (pkt->flags & AV_PKT_FLAG_CORRUPT) {
				av_packet_unref(pkt);
				util_seterr(out->err, sizeof(out->err),
				    "corrupt or truncated video packet");
				goto fail;
			}
			out->frames++;
		}
		av_packet_unref(pkt);
	}
	av_packet_free(&pkt);
	demux_close(&d);
	return 0;
fail:
	av_packet_free(&pkt);
	demux_close(&d);
	if (out->err[0] == '\0')
		util_seterr(out->err, sizeof(out->err), "probe failed");
	return -1;
}

/* The swscale matrix for a frame's colour tags (unspecified: BT.601). */
static int
sws_matrix(enum AVColorSpace cs)
{
	switch (cs) {
	case AVCOL_SPC_BT709:
		return SWS_CS_ITU709;
	case AVCOL_SPC_FCC:
		return SWS_CS_FCC;
	case AVCOL_SPC_SMPTE240M:
		return SWS_CS_SMPTE240M;
	case AVCOL_SPC_BT2020_NCL:
	case AVCOL_SPC_BT2020_CL:
		return SWS_CS_BT2020;
	default:
		return SWS_CS_DEFAULT;
	}
}

/* Convert a decoded frame to a new RGBA image.  Returns 0 or -1. */
static int
frame_to_image(const AVFrame *f, struct image *out, char *err,
    size_t errlen)
{
	struct SwsContext	*sws;
	const int		*coef;
	uint8_t			*dst[4] = { NULL };
	int			 dstride[4] = { 0 };
	int			 full, ret;

	ret = image_new(f->width, f->height, out);
	if (ret != IMAGE_OK) {
		util_seterr(err, errlen,
		    "frame image: %s", image_strerror(ret));
		return -1;
	}
	sws = sws_getContext(f->width, f->height, (enum AVPixelFormat)f->format,
	    f->width, f->height, AV_PIX_FMT_RGBA,
	    SWS_BILINEAR | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, NULL, NULL,
	    NULL);
	if (sws == NULL) {
		image_free(out);
		util_seterr(err, errlen, "no conversion from %s to RGBA",
		    av_get_pix_fmt_name((enum AVPixelFormat)f->format));
		return -1;
	}
	coef = sws_getCoefficients(sws_matrix(f->colorspace));
	full = f->color_range == AVCOL_RANGE_JPEG ||
	    f->format == AV_PIX_FMT_YUVJ420P ||
	    f->format == AV_PIX_FMT_YUVJ422P ||
	    f->format == AV_PIX_FMT_YUVJ444P;
	(void)sws_setColorspaceDetails(sws, coef, full,
	    sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
	dst[0] = out->px;
	dstride[0] = out->w * 4;
	ret = sws_scale(sws, (const uint8_t *const *)f->data, f->linesize, 0,
	    f->height, dst, dstride);
	sws_freeContext(sws);
	if (ret != f->height) {
		image_free(out);
		util_seterr(err, errlen, "frame conversion failed");
		return -1;
	}
	return 0;
}

/* See video.h. */
int
video_decode_frame(const unsigned char *mp4, size_t len, int index,
    struct image *out, char *err, size_t errlen)
{
	struct demux		 d;
	const AVCodec		*dec;
	AVCodecContext		*dc = NULL;
	AVCodecParameters	*par;
	AVPacket		*pkt = NULL;
	AVFrame			*fr = NULL;
	int			 n = 0, ret, eof = 0, done = 0;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (out == NULL) {
		util_seterr(err, errlen, "no output image");
		return -1;
	}
	memset(out, 0, sizeof(*out));
	if (index < 0) {
		util_seterr(err, errlen, "negative frame index");
		return -1;
	}
	if (demux_open(&d, mp4, len, err, errlen) != 0)
		goto fail;
	par = d.fc->streams[d.vidx]->codecpar;
	if (par->width <= 0 || par->height <= 0 ||
	    par->width > DEC_MAX_SIDE || par->height > DEC_MAX_SIDE ||
	    (int64_t)par->width * par->height > DEC_MAX_PIXELS) {
		util_seterr(err, errlen, "video size %dx%d out of range",
		    par->width, par->height);
		goto fail;
	}
	dec = avcodec_find_decoder(par->codec_id);
	if (dec == NULL) {
		util_seterr(err, errlen, "no decoder for %s",
		    avcodec_get_name(par->codec_id));
		goto fail;
	}
	dc = avcodec_alloc_context3(dec);
	pkt = av_packet_alloc();
	fr = av_frame_alloc();
	if (dc == NULL || pkt == NULL || fr == NULL) {
		util_seterr(err, errlen, "out of memory");
		goto fail;
	}
	ret = avcodec_parameters_to_context(dc, par);
	if (ret < 0) {
		seterr_av(err, errlen, "decoder parameters", ret);
		goto fail;
	}
	dc->thread_count = 1;
	dc->max_pixels = DEC_MAX_PIXELS;	/* also if the SPS changes */
	ret = avcodec_open2(dc, dec, NULL);
	if (ret < 0) {
		seterr_av(err, errlen, dec->name, ret);
		goto fail;
	}

	while (!done) {
		if (!eof) {
			ret = av_read_frame(d.fc, pkt);
			if (ret == AVERROR_EOF) {
				eof = 1;
				ret = avcodec_send_packet(dc, NULL);
			} else if (ret < 0) {
				seterr_av(err, errlen, "demux", ret);
				goto fail;
			} else if (pkt->stream_index != d.vidx) {
				av_packet_unref(pkt);
				continue;
			} else {
				ret = avcodec_send_packet(dc, pkt);
				av_packet_unref(pkt);
			}
			if (ret < 0 && ret != AVERROR(EAGAIN)) {
				seterr_av(err, errlen, "decode", ret);
				goto fail;
			}
		}
		for (;;) {
			ret = avcodec_receive_frame(dc, fr);
			if (ret == AVERROR(EAGAIN))
				break;
			if (ret == AVERROR_EOF) {
				util_seterr(err, errlen,
				    "frame %d not found: the "
				    "video has %d", index, n);
				goto fail;
			}
			if (ret < 0) {
				seterr_av(err, errlen, "decode", ret);
				goto fail;
			}
			if (n++ == index) {
				if (frame_to_image(fr, out, err, errlen) != 0)
					goto fail;
				done = 1;
				break;
			}
			av_frame_unref(fr);
		}
		if (eof && !done && ret == AVERROR(EAGAIN)) {
			util_seterr(err, errlen, "decoder stalled");
			goto fail;
		}
	}
	av_frame_free(&fr);
	av_packet_free(&pkt);
	avcodec_free_context(&dc);
	demux_close(&d);
	return 0;
fail:
	if (err != NULL && errlen > 0 && err[0] == '\0')
		util_seterr(err, errlen, "decode failed");
	av_frame_free(&fr);
	av_packet_free(&pkt);
	avcodec_free_context(&dc);
	demux_close(&d);
	image_free(out);
	return -1;
}

/* See video.h: process-wide, for main()s. */
void
video_quiet_logs(void)
{
	av_log_set_level(AV_LOG_ERROR);
}
