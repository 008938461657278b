/*
 * image.c: JPEG (libjpeg-turbo), PNG (libpng 1.6) and WebP (libwebp)
 * probing and decoding.  See image.h.  The resampler and the geometry
 * (resize, fit, crop, orientation) are image_resize.c's, the encoders
 * image_encode.c's.
 *
 * Layout of this file:
 *   - error strings, limits, sniffing
 *   - header parsers (EXIF TIFF IFD0, JPEG markers, PNG chunks, RIFF)
 *   - image_new/free
 *   - per-format decoders and the two decode entry points
 *
 * CMYK/YCCK JPEGs are supported: libjpeg hands out CMYK and we convert
 * naively (no ICC), assuming Adobe's inverted CMYK when an Adobe marker
 * is present, as Photoshop writes it.  12-bit, lossless and animated
 * WebP files are rejected with IMAGE_E_FORMAT.  PNG gamma and ICC
 * profiles are ignored (pixels are taken as sRGB).
 */
#include <limits.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>
#include <webp/decode.h>

#include "image.h"
#include "image_int.h"

/* A progressive JPEG needs ~10 scans; thousands are a CPU bomb. */
#define JPEG_MAX_SCANS	500

/* libpng: biggest single ancillary chunk and how many we keep. */
#define PNG_CHUNK_MALLOC_MAX	(8u * 1024 * 1024)
#define PNG_CHUNK_CACHE_MAX	256

/*
 * Human text for an enum image_err value.  Static strings, never NULL.
 */
const char *
image_strerror(int err)
{
	switch (err) {
	case IMAGE_OK:
		return "ok";
	case IMAGE_E_FORMAT:
		return "unsupported image format";
	case IMAGE_E_CORRUPT:
		return "truncated or corrupt image";
	case IMAGE_E_TOO_LARGE:
		return "image too large";
	case IMAGE_E_TOO_SMALL:
		return "image too small";
	case IMAGE_E_NOMEM:
		return "out of memory";
	case IMAGE_E_INVAL:
		return "invalid argument";
	default:
		return "unknown image error";
	}
}

/*
 * Short lower-case name of a format ("jpeg", "png", "webp", "unknown").
 */
const char *
image_format_name(enum image_format fmt)
{
	switch (fmt) {
	case IMAGE_FMT_JPEG:
		return "jpeg";
	case IMAGE_FMT_PNG:
		return "png";
	case IMAGE_FMT_WEBP:
		return "webp";
	default:
		return "unknown";
	}
}

/*
 * MIME type of a format, "application/octet-stream" when unknown.
 */
const char *
image_format_mime(enum image_format fmt)
{
	switch (fmt) {
	case IMAGE_FMT_JPEG:
		return "image/jpeg";
	case IMAGE_FMT_PNG:
		return "image/png";
	case IMAGE_FMT_WEBP:
		return "image/webp";
	default:
		return "application/octet-stream";
	}
}

/*
 * Fill *lim with the defaults for user uploads: 32 MiB, 12000 px a
 * side, 50 megapixels, at least 1x1.
 */
void
image_limits_default(struct image_limits *lim)
{
	if (lim == NULL)
		return;
	memset(lim, 0, sizeof(*lim));
	lim->max_bytes = IMAGE_DEF_MAX_BYTES;
	lim->max_width = IMAGE_DEF_MAX_SIDE;
	lim->max_height = IMAGE_DEF_MAX_SIDE;
	lim->max_pixels = IMAGE_DEF_MAX_PIXELS;
	lim->min_width = 1;
	lim->min_height = 1;
}

/*
 * Format from magic bytes only.  Returns IMAGE_FMT_UNKNOWN for anything
 * else, including buffers too short to tell.
 */
enum image_format
image_sniff(const unsigned char *buf, size_t len)
{
	static const unsigned char png_sig[8] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'
	};

	if (buf == NULL)
		return IMAGE_FMT_UNKNOWN;
	if (len >= 3 && buf[0] == 0xff && buf[1] == 0xd8 && buf[2] == 0xff)
		return IMAGE_FMT_JPEG;
	if (len >= 8 && memcmp(buf, png_sig, 8) == 0)
		return IMAGE_FMT_PNG;
	if (len >= 12 && memcmp(buf, "RIFF", 4) == 0 &&
	    memcmp(buf + 8, "WEBP", 4) == 0)
		return IMAGE_FMT_WEBP;
	return IMAGE_FMT_UNKNOWN;
}

static uint32_t
rd16(const unsigned char *p, int le)
{
	return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 :
	    (uint32_t)p[0] << 8 | (uint32_t)p[1];
}

static uint32_t
rd32(const unsigned char *p, int le)
{
	return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24 :
	    (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/*
 * Orientation (tag 0x0112) from the IFD0 of a TIFF block ("II*\0" or
 * "MM\0*" header), optionally preceded by "Exif\0\0".  Every offset is
 * checked against n.  Returns 1..8, or 1 when absent or malformed.
 */
static int
exif_orientation(const unsigned char *p, size_t n)
{
	uint32_t	 off, cnt, i, type, count, v;
	const unsigned char *e;
	int		 le;

	if (n >= 6 && memcmp(p, "Exif\0", 5) == 0) {
		p += 6;
		n -= 6;
	}
	if (n < 8)
		return 1;
	if (p[0] == 'I' && p[1] == 'I')
		le = 1;
	else if (p[0] == 'M' && p[1] == 'M')
		le = 0;
	else
		return 1;
	if (rd16(p + 2, le) != 42)
		return 1;
	off = rd32(p + 4, le);
	if (off < 8 || off > n - 2)
		return 1;
	cnt = rd16(p + off, le);
	if (cnt > (n - off - 2) / 12)
		cnt = (uint32_t)((n - off - 2) / 12);
	for (i = 0; i < cnt; i++) {
		e = p + off + 2 + (size_t)i * 12;
		if (rd16(e, le) != 0x0112)
			continue;
		type = rd16(e + 2, le);
		count = rd32(e + 4, le);
		if (count < 1)
			return 1;
		if (type == 3)		/* SHORT, the standard type */
			v = rd16(e + 8, le);
		else if (type == 4)	/* LONG, seen in the wild */
			v = rd32(e + 8, le);
		else
			return 1;
		return (v >= 1 && v <= 8) ? (int)v : 1;
	}
	return 1;
}

static int
is_sof(int m)
{
	return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 &&
	    m != 0xcc;
}

/*
 * Walk JPEG markers from SOI to the first SOFn: dimensions from SOFn,
 * orientation from the first APP1 "Exif" segment before it.
 * Returns IMAGE_OK or IMAGE_E_CORRUPT.
 */
static int
probe_jpeg(const unsigned char *b, size_t len, struct image_info *ii)
{
	size_t		 pos = 2, seg;
	const unsigned char *p;
	int		 m, have_exif = 0;

	ii->orientation = 1;
	for (;;) {
		if (pos >= len || b[pos] != 0xff)
			return IMAGE_E_CORRUPT;
		while (pos < len && b[pos] == 0xff)
			pos++;
		if (pos >= len)
			return IMAGE_E_CORRUPT;
		m = b[pos++];
		if (m == 0x01 || (m >= 0xd0 && m <= 0xd7))
			continue;	/* standalone markers */
		if (m == 0xd8 || m == 0xd9 || m == 0xda)
			return IMAGE_E_CORRUPT;	/* SOI/EOI/SOS before SOF */
		if (len - pos < 2)
			return IMAGE_E_CORRUPT;
		seg = rd16(b + pos, 0);
		if (seg < 2 || seg > len - pos)
			return IMAGE_E_CORRUPT;
		p = b + pos + 2;
		if (m == 0xe1 && !have_exif && seg - 2 >= 6 &&
		    memcmp(p, "Exif\0", 5) == 0) {
			ii->orientation = exif_orientation(p, seg - 2);
			have_exif = 1;
		} else if (is_sof(m)) {
			if (seg - 2 < 6)
				return IMAGE_E_CORRUPT;
			ii->height = (int)rd16(p + 1, 0);
			ii->width = (int)rd16(p + 3, 0);
			if (ii->width == 0 || ii->height == 0 || p[5] == 0)
				return IMAGE_E_CORRUPT;
			return IMAGE_OK;
		}
		pos += seg;
	}
}

/*
 * PNG: IHDR must be the first chunk; then chunks up to IDAT are walked
 * for tRNS (alpha) and eXIf (orientation).  A file cut before IDAT is
 * still probed (decode will report it).  Returns IMAGE_OK or
 * IMAGE_E_CORRUPT.
 */
static int
probe_png(const unsigned char *b, size_t len, struct image_info *ii)
{
	size_t		 pos;
	uint32_t	 w, h, clen;
	int		 depth, ctype, ok;

	if (len < 8 + 8 + 13 + 4 || rd32(b + 8, 0) != 13 ||
	    memcmp(b + 12, "IHDR", 4) != 0)
		return IMAGE_E_CORRUPT;
	w = rd32(b + 16, 0);
	h = rd32(b + 20, 0);
	depth = b[24];
	ctype = b[25];
	if (w == 0 || h == 0 || w > 0x7fffffffu || h > 0x7fffffffu)
		return IMAGE_E_CORRUPT;
	switch (ctype) {
	case 0:
		ok = depth == 1 || depth == 2 || depth == 4 || depth == 8 ||
		    depth == 16;
		break;
	case 3:
		ok = depth == 1 || depth == 2 || depth == 4 || depth == 8;
		break;
	case 2:
	case 4:
	case 6:
		ok = depth == 8 || depth == 16;
		break;
	default:
		ok = 0;
	}
	if (!ok || b[26] != 0 || b[27] != 0 || b[28] > 1)
		return IMAGE_E_CORRUPT;
	/* Dimensions beyond any hard cap are clamped; limits reject them. */
	ii->width = w > INT_MAX ? INT_MAX : (int)w;
	ii->height = h > INT_MAX ? INT_MAX : (int)h;
	ii->has_alpha = ctype == 4 || ctype == 6;
	ii->orientation = 1;

	pos = 8 + 8 + 13 + 4;
	while (len - pos >= 8) {
		clen = rd32(b + pos, 0);
		if (clen > 0x7fffffffu)
			return IMAGE_E_CORRUPT;
		if (memcmp(b + pos + 4, "IDAT", 4) == 0)
			break;
		if (clen > len - pos - 8)
			break;		/* truncated: leave it to decode */
		if (memcmp(b + pos + 4, "tRNS", 4) == 0)
			ii->has_alpha = 1;
		else if (memcmp(b + pos + 4, "eXIf", 4) == 0)
			ii->orientation = exif_orientation(b + pos + 8, clen);
		if (len - pos - 8 - clen < 4)
			break;
		pos += 8 + (size_t)clen + 4;
	}
	return IMAGE_OK;
}

/*
 * WebP: libwebp's header parser for size/alpha/animation, our own RIFF
 * walk for an EXIF chunk.  Returns IMAGE_OK, IMAGE_E_CORRUPT or
 * IMAGE_E_FORMAT.
 */
static int
probe_webp(const unsigned char *b, size_t len, struct image_info *ii)
{
	WebPBitstreamFeatures	 f;
	VP8StatusCode		 st;
	size_t			 pos, end;
	uint32_t		 clen;

	st = WebPGetFeatures(b, len, &f);
	if (st == VP8_STATUS_UNSUPPORTED_FEATURE)
		return IMAGE_E_FORMAT;
	if (st != VP8_STATUS_OK)
		return IMAGE_E_CORRUPT;
	if (f.width <= 0 || f.height <= 0)
		return IMAGE_E_CORRUPT;
	ii->width = f.width;
	ii->height = f.height;
	ii->has_alpha = f.has_alpha != 0;
	ii->animated = f.has_animation != 0;
	ii->orientation = 1;

	end = (size_t)rd32(b + 4, 1);
	end = end > len - 8 ? len : end + 8;
	pos = 12;
	while (end - pos >= 8 && pos < end) {
		clen = rd32(b + pos + 4, 1);
		if (clen > end - pos - 8)
			break;
		if (memcmp(b + pos, "EXIF", 4) == 0) {
			ii->orientation = exif_orientation(b + pos + 8, clen);
			break;
		}
		pos += 8 + (size_t)clen + (clen & 1);
		if (pos > end)
			break;
	}
	return IMAGE_OK;
}

/*
 * Read format, stored size, EXIF orientation and alpha from the
 * headers of buf; no pixel is decoded and nothing is allocated.
 * Returns IMAGE_OK, IMAGE_E_FORMAT (unknown magic, unsupported
 * feature), IMAGE_E_CORRUPT (bad or truncated header) or
 * IMAGE_E_INVAL.  *out is zeroed on error.
 */
int
image_probe(const unsigned char *buf, size_t len, struct image_info *out)
{
	struct image_info	ii;
	int			rc;

	if (out == NULL || (buf == NULL && len > 0))
		return IMAGE_E_INVAL;
	memset(&ii, 0, sizeof(ii));
	memset(out, 0, sizeof(*out));
	ii.format = image_sniff(buf, len);
	switch (ii.format) {
	case IMAGE_FMT_JPEG:
		rc = probe_jpeg(buf, len, &ii);
		break;
	case IMAGE_FMT_PNG:
		rc = probe_png(buf, len, &ii);
		break;
	case IMAGE_FMT_WEBP:
		rc = probe_webp(buf, len, &ii);
		break;
	default:
		return IMAGE_E_FORMAT;
	}
	if (rc != IMAGE_OK)
		return rc;
	if (ii.orientation >= 5) {
		ii.out_width = ii.height;
		ii.out_height = ii.width;
	} else {
		ii.out_width = ii.width;
		ii.out_height = ii.height;
	}
	*out = ii;
	return IMAGE_OK;
}

/*
 * Check probed facts against limits (NULL: defaults) and the hard caps.
 * len is the encoded size.  Returns IMAGE_OK, IMAGE_E_TOO_LARGE,
 * IMAGE_E_TOO_SMALL or IMAGE_E_INVAL.
 */
int
image_check_limits(const struct image_info *info, size_t len,
    const struct image_limits *lim)
{
	struct image_limits	 def;
	uint64_t		 px, maxpx;
	int			 maxw, maxh;

	if (info == NULL)
		return IMAGE_E_INVAL;
	if (lim == NULL) {
		image_limits_default(&def);
		lim = &def;
	}
	if (lim->max_bytes > 0 && len > lim->max_bytes)
		return IMAGE_E_TOO_LARGE;
	maxw = lim->max_width > 0 && lim->max_width < IMAGE_HARD_MAX_SIDE ?
	    lim->max_width : IMAGE_HARD_MAX_SIDE;
	maxh = lim->max_height > 0 && lim->max_height < IMAGE_HARD_MAX_SIDE ?
	    lim->max_height : IMAGE_HARD_MAX_SIDE;
	maxpx = lim->max_pixels > 0 && lim->max_pixels < IMAGE_HARD_MAX_PIXELS ?
	    lim->max_pixels : IMAGE_HARD_MAX_PIXELS;
	if (info->out_width <= 0 || info->out_height <= 0)
		return IMAGE_E_INVAL;
	px = (uint64_t)info->out_width * (uint64_t)info->out_height;
	if (info->out_width > maxw || info->out_height > maxh || px > maxpx)
		return IMAGE_E_TOO_LARGE;
	if (info->out_width < lim->min_width ||
	    info->out_height < lim->min_height)
		return IMAGE_E_TOO_SMALL;
	return IMAGE_OK;
}
/*
 * Allocate a w x h RGBA image, zero-filled (transparent black) into
 * *out.  Returns IMAGE_OK, IMAGE_E_INVAL (size out of range) or
 * IMAGE_E_NOMEM; the caller frees with image_free().
 */
int
image_new(int w, int h, struct image *out)
{
	if (out == NULL)
		return IMAGE_E_INVAL;
	memset(out, 0, sizeof(*out));
	if (w <= 0 || h <= 0 || w > IMAGE_HARD_MAX_SIDE ||
	    h > IMAGE_HARD_MAX_SIDE ||
	    (uint64_t)w * (uint64_t)h > IMAGE_HARD_MAX_PIXELS)
		return IMAGE_E_INVAL;
	out->px = calloc((size_t)w * (size_t)h, 4);
	if (out->px == NULL)
		return IMAGE_E_NOMEM;
	out->w = w;
	out->h = h;
	return IMAGE_OK;
}

/*
 * Free the pixels of img and zero it; NULL and empty images are fine.
 */
void
image_free(struct image *img)
{
	if (img == NULL)
		return;
	free(img->px);
	img->px = NULL;
	img->w = img->h = 0;
}

int
image_valid(const struct image *img)
{
	return img != NULL && img->px != NULL && img->w > 0 && img->h > 0 &&
	    img->w <= IMAGE_HARD_MAX_SIDE && img->h <= IMAGE_HARD_MAX_SIDE;
}

/*
 * Decoded size for a "longer side <= max_side" request, in the stored
 * frame: *tw x *th, never larger than w x h.
 */
static void
scaled_size(int w, int h, int max_side, int *tw, int *th)
{
	*tw = w;
	*th = h;
	if (max_side <= 0 || (w <= max_side && h <= max_side))
		return;
	if (w >= h) {
		*tw = max_side;
		*th = (int)(((int64_t)h * max_side + w / 2) / w);
	} else {
		*th = max_side;
		*tw = (int)(((int64_t)w * max_side + h / 2) / h);
	}
	if (*tw < 1)
		*tw = 1;
	if (*th < 1)
		*th = 1;
}

/* ---------------------------------------------------------------- JPEG */

/*
 * Everything a JPEG decode owns, so that the setjmp function keeps no
 * state in locals and the caller cleans up after a longjmp.
 */
struct jpeg_dec {
	struct jpeg_decompress_struct	 ci;
	struct jpeg_err			 err;
	struct jpeg_source_mgr		 src;
	struct jpeg_progress_mgr	 prog;
	int				 created;
	unsigned char			*rows;	/* scaled path: row batch */
	struct rowscaler		 rs;
	struct image			*out;
};

static int
jpeg_code_err(int code)
{
	switch (code) {
	case JERR_OUT_OF_MEMORY:
		return IMAGE_E_NOMEM;
	case JERR_NOT_COMPILED:
	case JERR_ARITH_NOTIMPL:
	case JERR_BAD_PRECISION:
	case JERR_CONVERSION_NOTIMPL:
	case JERR_CCIR601_NOTIMPL:
	case JERR_FRACT_SAMPLE_NOTIMPL:
		return IMAGE_E_FORMAT;
	case JERR_IMAGE_TOO_BIG:
	case JERR_WIDTH_OVERFLOW:
		return IMAGE_E_TOO_LARGE;
	default:
		return IMAGE_E_CORRUPT;
	}
}

void
image_jpeg_on_error(j_common_ptr c)
{
	struct jpeg_err	*e = (struct jpeg_err *)c->err;

	e->rc = jpeg_code_err(c->err->msg_code);
	longjmp(e->jb, 1);
}

/*
 * Warnings that mean the entropy-coded data is damaged are errors for
 * us (libjpeg would paint grey); harmless ones are ignored.
 */
static void
jpeg_on_message(j_common_ptr c, int level)
{
	struct jpeg_err	*e = (struct jpeg_err *)c->err;

	if (level >= 0)
		return;
	switch (c->err->msg_code) {
	case JWRN_HIT_MARKER:
	case JWRN_HUFF_BAD_CODE:
	case JWRN_ARITH_BAD_CODE:
	case JWRN_MUST_RESYNC:
	case JWRN_NOT_SEQUENTIAL:
	case JWRN_JPEG_EOF:
	case JWRN_BOGUS_PROGRESSION:
		e->rc = IMAGE_E_CORRUPT;
		longjmp(e->jb, 1);
	case JWRN_EXTRANEOUS_DATA:
		/* A few stray bytes before a marker are common; many mean
		 * the entropy-coded data is not what the headers say. */
		if (c->err->msg_parm.i[0] > 256) {
			e->rc = IMAGE_E_CORRUPT;
			longjmp(e->jb, 1);
		}
		c->err->num_warnings++;
		break;
	default:
		c->err->num_warnings++;
	}
}

void
image_jpeg_on_output(j_common_ptr c)
{
	(void)c;		/* lib/ never prints */
}

static void
jpeg_src_init(j_decompress_ptr c)
{
	(void)c;
}

/* All input is in memory: asking for more means the file is cut. */
static boolean
jpeg_src_fill(j_decompress_ptr c)
{
	ERREXIT(c, JERR_INPUT_EOF);
	return FALSE;
}

static void
jpeg_src_skip(j_decompress_ptr c, long n)
{
	struct jpeg_source_mgr	*s = c->src;

	if (n <= 0)
		return;
	if ((unsigned long)n > s->bytes_in_buffer)
		ERREXIT(c, JERR_INPUT_EOF);
	s->next_input_byte += n;
	s->bytes_in_buffer -= (size_t)n;
}

static void
jpeg_src_term(j_decompress_ptr c)
{
	(void)c;
}

static void
jpeg_on_progress(j_common_ptr c)
{
	j_decompress_ptr	d = (j_decompress_ptr)c;

	if (c->is_decompressor && d->input_scan_number > JPEG_MAX_SCANS)
		ERREXIT(c, JERR_BAD_PROGRESSION);
}

/*
 * Naive CMYK -> RGBA in place on n pixels.  Adobe (Photoshop) JPEGs
 * store inverted CMYK.
 */
static void
cmyk_to_rgba(unsigned char *p, size_t n, int inverted)
{
	unsigned int	c, m, y, k;

	for (; n > 0; n--, p += 4) {
		c = p[0];
		m = p[1];
		y = p[2];
		k = p[3];
		if (!inverted) {
			c = 255 - c;
			m = 255 - m;
			y = 255 - y;
			k = 255 - k;
		}
		p[0] = (unsigned char)((c * k + 127) / 255);
		p[1] = (unsigned char)((m * k + 127) / 255);
		p[2] = (unsigned char)((y * k + 127) / 255);
		p[3] = 255;
	}
}

/*
 * Decode into d->out: full size when tw == 0, else DCT-scaled by the
 * smallest M/8 (M in 1, 2, 4, 8) that still covers tw x th, then
 * area-averaged to exactly tw x th.  Width/height must match the probe (w, h).  All allocations
 * hang off d; the caller frees them whatever the result.
 */
static int
jpeg_run(struct jpeg_dec *d, const unsigned char *buf, size_t len,
    int w, int h, int tw, int th)
{
	struct jpeg_decompress_struct *ci = &d->ci;
	JSAMPROW	 rowp[16];
	unsigned char	*base;
	size_t		 stride;
	int		 m, k, n, cmyk, y0;

	ci->err = jpeg_std_error(&d->err.pub);
	d->err.pub.error_exit = image_jpeg_on_error;
	d->err.pub.emit_message = jpeg_on_message;
	d->err.pub.output_message = image_jpeg_on_output;
	d->err.rc = IMAGE_E_CORRUPT;
	if (setjmp(d->err.jb))
		return d->err.rc;
	jpeg_create_decompress(ci);
	d->created = 1;

	d->src.init_source = jpeg_src_init;
	d->src.fill_input_buffer = jpeg_src_fill;
	d->src.skip_input_data = jpeg_src_skip;
	d->src.resync_to_restart = jpeg_resync_to_restart;
	d->src.term_source = jpeg_src_term;
	d->src.next_input_byte = buf;
	d->src.bytes_in_buffer = len;
	ci->src = &d->src;
	d->prog.progress_monitor = jpeg_on_progress;
	ci->progress = &d->prog;

	if (jpeg_read_header(ci, TRUE) != JPEG_HEADER_OK)
		return IMAGE_E_CORRUPT;
	if ((int)ci->image_width != w || (int)ci->image_height != h)
		return IMAGE_E_CORRUPT;
	if (ci->data_precision != 8)
		return IMAGE_E_FORMAT;
	switch (ci->jpeg_color_space) {
	case JCS_GRAYSCALE:
	case JCS_RGB:
	case JCS_YCbCr:
		ci->out_color_space = JCS_EXT_RGBA;
		cmyk = 0;
		break;
	case JCS_CMYK:
	case JCS_YCCK:
		ci->out_color_space = JCS_CMYK;
		cmyk = 1;
		break;
	default:
		return IMAGE_E_FORMAT;
	}
	if (tw > 0) {
		/*
		 * Smallest M/8 whose output still covers the target, among
		 * 1/8, 1/4, 1/2 and 1: libjpeg-turbo has SIMD IDCTs for
		 * those only, and 3/8..7/8 are slower than a full decode.
		 */
		for (m = 1; m < 8; m *= 2)
			if (((int64_t)w * m + 7) / 8 >= tw &&
			    ((int64_t)h * m + 7) / 8 >= th)
				break;
		ci->scale_num = (unsigned int)m;
		ci->scale_denom = 8;
	}
	jpeg_start_decompress(ci);
	if (ci->output_components != 4)
		return IMAGE_E_FORMAT;

	if (tw <= 0) {
		if (image_new((int)ci->output_width, (int)ci->output_height,
		    d->out) != IMAGE_OK)
			return IMAGE_E_NOMEM;
		base = d->out->px;
	} else {
		if (image_new(tw, th, d->out) != IMAGE_OK)
			return IMAGE_E_NOMEM;
		if (rs_init(&d->rs, (int)ci->output_width,
		    (int)ci->output_height, tw, th, 0, d->out->px) != 0)
			return IMAGE_E_NOMEM;
		d->rows = malloc((size_t)ci->output_width * 4 * 16);
		if (d->rows == NULL)
			return IMAGE_E_NOMEM;
		base = d->rows;
	}
	stride = (size_t)ci->output_width * 4;
	while (ci->output_scanline < ci->output_height) {
		y0 = (int)ci->output_scanline;
		n = (int)(ci->output_height - ci->output_scanline);
		if (n > 16)
			n = 16;
		for (k = 0; k < n; k++)
			rowp[k] = base + (size_t)(tw <= 0 ? y0 + k : k) *
			    stride;
		n = (int)jpeg_read_scanlines(ci, rowp, (JDIMENSION)n);
		if (n <= 0)
			return IMAGE_E_CORRUPT;
		for (k = 0; k < n; k++) {
			if (cmyk)
				cmyk_to_rgba(rowp[k], ci->output_width,
				    ci->saw_Adobe_marker);
			if (tw > 0)
				rs_push(&d->rs, rowp[k]);
		}
	}
	jpeg_finish_decompress(ci);
	return IMAGE_OK;
}

static int
decode_jpeg(const unsigned char *buf, size_t len, int w, int h, int tw,
    int th, struct image *out)
{
	struct jpeg_dec	*d;
	int		 rc;

	/* Heap, not stack: jpeg_dec is a few KB and setjmp-sensitive. */
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return IMAGE_E_NOMEM;
	d->out = out;
	rc = jpeg_run(d, buf, len, w, h, tw, th);
	if (d->created)
		jpeg_destroy_decompress(&d->ci);
	rs_free(&d->rs);
	free(d->rows);
	free(d);
	if (rc != IMAGE_OK)
		image_free(out);
	return rc;
}

/* ----------------------------------------------------------------- PNG */

struct png_dec {
	png_structp		 png;
	png_infop		 info;
	const unsigned char	*buf;
	size_t			 len, pos;
	int			 rc;
	png_bytep		*rowp;
	unsigned char		*row;
	struct image		 full;	/* scaled interlaced path */
	struct rowscaler	 rs;
	struct image		*out;
};

static void
png_on_error(png_structp png, png_const_charp msg)
{
	struct png_dec	*d = png_get_error_ptr(png);

	if (msg != NULL && (strstr(msg, "memory") != NULL ||
	    strstr(msg, "Memory") != NULL))
		d->rc = IMAGE_E_NOMEM;
	else
		d->rc = IMAGE_E_CORRUPT;
	png_longjmp(png, 1);
}

void
image_png_on_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static void
png_read_mem(png_structp png, png_bytep data, size_t n)
{
	struct png_dec	*d = png_get_io_ptr(png);

	if (n > d->len - d->pos)
		png_error(png, "truncated");
	memcpy(data, d->buf + d->pos, n);
	d->pos += n;
}

static int
png_run(struct png_dec *d, int w, int h, int tw, int th, int alpha)
{
	png_uint_32	pw, ph;
	int		depth, ctype, ilace, passes, y;

	d->rc = IMAGE_E_CORRUPT;
	d->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, d,
	    png_on_error, image_png_on_warning);
	if (d->png == NULL)
		return IMAGE_E_NOMEM;
	d->info = png_create_info_struct(d->png);
	if (d->info == NULL)
		return IMAGE_E_NOMEM;
	if (setjmp(png_jmpbuf(d->png)))
		return d->rc;
	png_set_read_fn(d->png, d, png_read_mem);
	/* Backstop behind image_check_limits(), which ran already. */
	png_set_user_limits(d->png, IMAGE_HARD_MAX_SIDE, IMAGE_HARD_MAX_SIDE);
	png_set_chunk_malloc_max(d->png, PNG_CHUNK_MALLOC_MAX);
	png_set_chunk_cache_max(d->png, PNG_CHUNK_CACHE_MAX);

	png_read_info(d->png, d->info);
	png_get_IHDR(d->png, d->info, &pw, &ph, &depth, &ctype, &ilace,
	    NULL, NULL);
	if ((int)pw != w || (int)ph != h)
		return IMAGE_E_CORRUPT;
	if (ctype == PNG_COLOR_TYPE_PALETTE)
		png_set_palette_to_rgb(d->png);
	if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8)
		png_set_expand_gray_1_2_4_to_8(d->png);
	if (png_get_valid(d->png, d->info, PNG_INFO_tRNS))
		png_set_tRNS_to_alpha(d->png);
	if (depth == 16)
		png_set_scale_16(d->png);
	if (ctype == PNG_COLOR_TYPE_GRAY || ctype == PNG_COLOR_TYPE_GRAY_ALPHA)
		png_set_gray_to_rgb(d->png);
	png_set_filler(d->png, 0xff, PNG_FILLER_AFTER);
	passes = png_set_interlace_handling(d->png);
	png_read_update_info(d->png, d->info);
	if (png_get_rowbytes(d->png, d->info) != (size_t)w * 4)
		return IMAGE_E_FORMAT;

	if (tw > 0 && passes == 1) {
		/* Stream rows through the scaler: no full-size buffer. */
		if (image_new(tw, th, d->out) != IMAGE_OK)
			return IMAGE_E_NOMEM;
		if (rs_init(&d->rs, w, h, tw, th, alpha, d->out->px) != 0)
			return IMAGE_E_NOMEM;
		d->row = malloc((size_t)w * 4);
		if (d->row == NULL)
			return IMAGE_E_NOMEM;
		for (y = 0; y < h; y++) {
			png_read_row(d->png, d->row, NULL);
			rs_push(&d->rs, d->row);
		}
	} else {
		struct image *dst = tw > 0 ? &d->full : d->out;

		if (image_new(w, h, dst) != IMAGE_OK)
			return IMAGE_E_NOMEM;
		d->rowp = malloc((size_t)h * sizeof(*d->rowp));
		if (d->rowp == NULL)
			return IMAGE_E_NOMEM;
		for (y = 0; y < h; y++)
			d->rowp[y] = dst->px + (size_t)y * w * 4;
		png_read_image(d->png, d->rowp);
		if (tw > 0) {
			if (image_new(tw, th, d->out) != IMAGE_OK)
				return IMAGE_E_NOMEM;
			if (rs_init(&d->rs, w, h, tw, th, alpha,
			    d->out->px) != 0)
				return IMAGE_E_NOMEM;
			for (y = 0; y < h; y++)
				rs_push(&d->rs, d->rowp[y]);
		}
	}
	/* Strict: a file cut after the pixels (no IEND) is still corrupt. */
	png_read_end(d->png, NULL);
	return IMAGE_OK;
}

static int
decode_png(const unsigned char *buf, size_t len, int w, int h, int tw,
    int th, int alpha, struct image *out)
{
	struct png_dec	*d;
	int		 rc;

	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return IMAGE_E_NOMEM;
	d->buf = buf;
	d->len = len;
	d->out = out;
	rc = png_run(d, w, h, tw, th, alpha);
	if (d->png != NULL)
		png_destroy_read_struct(&d->png,
		    d->info != NULL ? &d->info : NULL, NULL);
	rs_free(&d->rs);
	free(d->row);
	free(d->rowp);
	image_free(&d->full);
	free(d);
	if (rc != IMAGE_OK)
		image_free(out);
	return rc;
}

/* ---------------------------------------------------------------- WebP */

static int
webp_status_err(VP8StatusCode st)
{
	switch (st) {
	case VP8_STATUS_OK:
		return IMAGE_OK;
	case VP8_STATUS_OUT_OF_MEMORY:
		return IMAGE_E_NOMEM;
	case VP8_STATUS_UNSUPPORTED_FEATURE:
		return IMAGE_E_FORMAT;
	default:
		return IMAGE_E_CORRUPT;
	}
}

/*
 * Decode straight into our own buffer (allocated after the limits
 * check); when tw > 0 libwebp's own rescaler produces tw x th.
 */
static int
decode_webp(const unsigned char *buf, size_t len, int w, int h, int tw,
    int th, struct image *out)
{
	WebPDecoderConfig	cfg;
	VP8StatusCode		st;
	int			rc, ow, oh;

	if (!WebPInitDecoderConfig(&cfg))
		return IMAGE_E_FORMAT;
	st = WebPGetFeatures(buf, len, &cfg.input);
	if (st != VP8_STATUS_OK)
		return webp_status_err(st);
	if (cfg.input.has_animation)
		return IMAGE_E_FORMAT;
	if (cfg.input.width != w || cfg.input.height != h)
		return IMAGE_E_CORRUPT;
	ow = tw > 0 ? tw : w;
	oh = tw > 0 ? th : h;
	rc = image_new(ow, oh, out);
	if (rc != IMAGE_OK)
		return rc;
	if (tw > 0 && (tw != w || th != h)) {
		cfg.options.use_scaling = 1;
		cfg.options.scaled_width = tw;
		cfg.options.scaled_height = th;
	}
	cfg.output.colorspace = MODE_RGBA;
	cfg.output.is_external_memory = 1;
	cfg.output.u.RGBA.rgba = out->px;
	cfg.output.u.RGBA.stride = ow * 4;
	cfg.output.u.RGBA.size = (size_t)ow * oh * 4;
	st = WebPDecode(buf, len, &cfg);
	WebPFreeDecBuffer(&cfg.output);
	rc = webp_status_err(st);
	if (rc != IMAGE_OK)
		image_free(out);
	return rc;
}

/* -------------------------------------------------------------- decode */

static int
decode_any(const unsigned char *buf, size_t len,
    const struct image_limits *lim, int max_side, struct image *out)
{
	struct image_limits	def;
	struct image_info	ii;
	int			rc, tw = 0, th = 0;

	if (out == NULL)
		return IMAGE_E_INVAL;
	memset(out, 0, sizeof(*out));
	if (buf == NULL && len > 0)
		return IMAGE_E_INVAL;
	if (lim == NULL) {
		image_limits_default(&def);
		lim = &def;
	}
	/* Cheapest check first: do not even parse an oversized body. */
	if (lim->max_bytes > 0 && len > lim->max_bytes)
		return IMAGE_E_TOO_LARGE;
	rc = image_probe(buf, len, &ii);
	if (rc != IMAGE_OK)
		return rc;
	rc = image_check_limits(&ii, len, lim);
	if (rc != IMAGE_OK)
		return rc;
	if (max_side > 0) {
		scaled_size(ii.width, ii.height, max_side, &tw, &th);
		if (tw == ii.width && th == ii.height)
			tw = th = 0;	/* already small enough */
	}
	switch (ii.format) {
	case IMAGE_FMT_JPEG:
		rc = decode_jpeg(buf, len, ii.width, ii.height, tw, th, out);
		break;
	case IMAGE_FMT_PNG:
		rc = decode_png(buf, len, ii.width, ii.height, tw, th,
		    ii.has_alpha, out);
		break;
	case IMAGE_FMT_WEBP:
		rc = decode_webp(buf, len, ii.width, ii.height, tw, th, out);
		break;
	default:
		rc = IMAGE_E_FORMAT;
	}
	if (rc != IMAGE_OK)
		return rc;
	rc = image_orient(out, ii.orientation);
	if (rc != IMAGE_OK)
		image_free(out);
	return rc;
}

/*
 * Decode buf (JPEG, PNG or WebP, sniffed) into a new RGBA image with
 * the EXIF orientation applied.  Limits (NULL: defaults) are checked
 * from the header before any pixel allocation.  Returns IMAGE_OK or an
 * enum image_err; on success the caller frees *out with image_free(),
 * on error *out is empty.
 */
int
image_decode(const unsigned char *buf, size_t len,
    const struct image_limits *lim, struct image *out)
{
	return decode_any(buf, len, lim, 0, out);
}

/*
 * Like image_decode(), but the result's longer side is at most
 * max_side (smaller images are returned at full size, never enlarged).
 * JPEG uses libjpeg-turbo DCT scaling to the smallest M/8 (M = 1, 2,
 * 4, 8) that still covers the target, then area averaging, streamed
 * row by row; PNG is
 * streamed through the same area scaler (interlaced PNGs are decoded
 * full size first); WebP uses libwebp's built-in scaler.  Limits apply
 * to the full-size header values, exactly as for image_decode().
 */
int
image_decode_scaled(const unsigned char *buf, size_t len,
    const struct image_limits *lim, int max_side, struct image *out)
{
	if (max_side <= 0) {
		if (out != NULL)
			memset(out, 0, sizeof(*out));
		return IMAGE_E_INVAL;
	}
	return decode_any(buf, len, lim, max_side, out);
}
