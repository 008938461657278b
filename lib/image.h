/*
 * image: decode, probe, resize and encode JPEG / PNG / WebP images.
 *
 * Everything that turns untrusted image bytes into pixels goes through
 * this module.  The format is sniffed from magic bytes only; width,
 * height and EXIF orientation are read from headers (image_probe) and
 * checked against struct image_limits before any pixel memory is
 * allocated, so a tiny file that claims 60000x60000 pixels costs
 * nothing.  Decoded images are RGBA8, row-major, stride w * 4, with the
 * EXIF orientation already applied ("as displayed").
 *
 * Library errors never exit(): libjpeg and libpng are driven through
 * setjmp/longjmp error handlers, libwebp returns status codes.  Nothing
 * here logs; callers get an enum image_err and image_strerror().
 * No global state: every function is reentrant.
 *
 * Supported: baseline/progressive/arithmetic 8-bit JPEG (gray, YCbCr,
 * RGB, and CMYK/YCCK converted naively, Adobe-inverted when marked);
 * every PNG colour type and depth, interlaced, tRNS (16-bit is scaled
 * to 8, gamma/ICC ignored); still WebP, lossy or lossless, with alpha.
 * Rejected with IMAGE_E_FORMAT: 12-bit JPEG, animated WebP, anything
 * else.  Truncated files and damaged entropy data are IMAGE_E_CORRUPT
 * (strict: no grey-filled partial images).  EXIF orientation is read
 * from JPEG APP1, PNG eXIf and WebP EXIF chunks.
 *
 * Typical use for analysis: image_decode_scaled(buf, len, &lim, 512,
 * &img) decodes a 12 MP JPEG in ~20-35 ms (DCT scaling; see the report
 * printed by t/test_image).  image_probe() alone costs microseconds.
 */
#ifndef PRIMERKA_IMAGE_H
#define PRIMERKA_IMAGE_H

#include <stddef.h>
#include <stdint.h>

enum image_format {
	IMAGE_FMT_UNKNOWN = 0,
	IMAGE_FMT_JPEG,
	IMAGE_FMT_PNG,
	IMAGE_FMT_WEBP
};

enum image_err {
	IMAGE_OK = 0,
	IMAGE_E_FORMAT = -1,	/* unknown or unsupported format/feature */
	IMAGE_E_CORRUPT = -2,	/* truncated or corrupt data */
	IMAGE_E_TOO_LARGE = -3,	/* too many bytes, too wide/high/many pixels */
	IMAGE_E_TOO_SMALL = -4,	/* below min_width / min_height */
	IMAGE_E_NOMEM = -5,	/* allocation failed */
	IMAGE_E_INVAL = -6	/* bad argument from the caller */
};

/*
 * Absolute caps, applied whatever the limits say: 65535 px a side (the
 * JPEG maximum) and 2^28 pixels (1 GiB of RGBA).
 */
#define IMAGE_HARD_MAX_SIDE	65535
#define IMAGE_HARD_MAX_PIXELS	((uint64_t)1 << 28)

/* Sane defaults for user uploads (image_limits_default()). */
#define IMAGE_DEF_MAX_BYTES	(32u * 1024 * 1024)
#define IMAGE_DEF_MAX_SIDE	12000
#define IMAGE_DEF_MAX_PIXELS	((uint64_t)50 * 1000 * 1000)

/*
 * Header facts.  width/height are as stored in the file; out_width/
 * out_height are after the EXIF orientation (swapped for 5..8), i.e.
 * what image_decode() returns.
 */
struct image_info {
	enum image_format format;
	int	width;
	int	height;
	int	orientation;	/* EXIF 1..8; 1 when absent or invalid */
	int	out_width;
	int	out_height;
	int	has_alpha;	/* PNG alpha/tRNS, WebP alpha; 0 for JPEG */
	int	animated;	/* WebP animation (decode: IMAGE_E_FORMAT) */
};

/*
 * Limits checked from the header before any pixel allocation.  A field
 * of 0 means "no limit of my own": max_* fall back to the hard caps
 * above, min_* to 1.  Width/height limits apply to the displayed
 * (oriented) size.  A NULL limits pointer means image_limits_default().
 */
struct image_limits {
	size_t		max_bytes;
	int		max_width;
	int		max_height;
	uint64_t	max_pixels;
	int		min_width;
	int		min_height;
};

/*
 * An RGBA8 image: px holds w * h * 4 bytes, stride w * 4, owned by
 * whoever holds the struct and freed with image_free().
 */
struct image {
	int		 w;
	int		 h;
	unsigned char	*px;
};

/* Pass as quality to image_encode_webp() for lossless WebP. */
#define IMAGE_WEBP_LOSSLESS	(-1)

const char	*image_strerror(int err);
const char	*image_format_name(enum image_format fmt);
const char	*image_format_mime(enum image_format fmt);

void		 image_limits_default(struct image_limits *lim);

enum image_format image_sniff(const unsigned char *buf, size_t len);
int		 image_probe(const unsigned char *buf, size_t len,
		    struct image_info *out);
int		 image_check_limits(const struct image_info *info, size_t len,
		    const struct image_limits *lim);

int		 image_decode(const unsigned char *buf, size_t len,
		    const struct image_limits *lim, struct image *out);
int		 image_decode_scaled(const unsigned char *buf, size_t len,
		    const struct image_limits *lim, int max_side,
		    struct image *out);

int		 image_new(int w, int h, struct image *out);
void		 image_free(struct image *img);
int		 image_resize(const struct image *src, int w, int h,
		    struct image *out);
int		 image_fit(const struct image *src, int max_side,
		    struct image *out);
int		 image_crop(const struct image *src, int x, int y, int w, int h,
		    struct image *out);
int		 image_orient(struct image *img, int orientation);

int		 image_encode_jpeg(const struct image *img, int quality,
		    unsigned char **buf, size_t *len);
int		 image_encode_png(const struct image *img,
		    unsigned char **buf, size_t *len);
int		 image_encode_webp(const struct image *img, int quality,
		    unsigned char **buf, size_t *len);

#endif /* PRIMERKA_IMAGE_H */
