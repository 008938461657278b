/*
 * The encoders: JPEG (libjpeg-turbo), PNG (libpng 1.6) and WebP
 * (libwebp), each into a malloc'd buffer.  See image.h.
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>
#include <webp/encode.h>

#include "image.h"
#include "image_int.h"

/* ------------------------------------------------------------- encoders */

struct growbuf {
	unsigned char	*p;
	size_t		 len, cap;
};

/* Make room for n more bytes.  Returns 0 or -1. */
static int
growbuf_reserve(struct growbuf *g, size_t n)
{
	unsigned char	*np;
	size_t		 ncap;

	if (n <= g->cap - g->len)
		return 0;
	ncap = g->cap ? g->cap : 65536;
	while (ncap - g->len < n) {
		if (ncap > SIZE_MAX / 2)
			return -1;
		ncap *= 2;
	}
	np = realloc(g->p, ncap);
	if (np == NULL)
		return -1;
	g->p = np;
	g->cap = ncap;
	return 0;
}

struct jpeg_enc {
	struct jpeg_compress_struct	 ci;
	struct jpeg_err			 err;
	struct jpeg_destination_mgr	 dst;
	struct growbuf			 gb;
	int				 created;
};

static void
jpeg_dst_init(j_compress_ptr c)
{
	struct jpeg_enc	*e = (struct jpeg_enc *)c;	/* ci is first */

	if (growbuf_reserve(&e->gb, 65536) != 0)
		ERREXIT1(c, JERR_OUT_OF_MEMORY, 0);
	c->dest->next_output_byte = e->gb.p;
	c->dest->free_in_buffer = e->gb.cap;
}

static boolean
jpeg_dst_empty(j_compress_ptr c)
{
	struct jpeg_enc	*e = (struct jpeg_enc *)c;

	/* libjpeg hands back a completely full buffer here. */
	e->gb.len = e->gb.cap;
	if (growbuf_reserve(&e->gb, e->gb.cap) != 0)
		ERREXIT1(c, JERR_OUT_OF_MEMORY, 0);
	c->dest->next_output_byte = e->gb.p + e->gb.len;
	c->dest->free_in_buffer = e->gb.cap - e->gb.len;
	return TRUE;
}

static void
jpeg_dst_term(j_compress_ptr c)
{
	struct jpeg_enc	*e = (struct jpeg_enc *)c;

	e->gb.len = e->gb.cap - c->dest->free_in_buffer;
}

static int
jpeg_enc_run(struct jpeg_enc *e, const struct image *img, int quality)
{
	JSAMPROW	row;

	e->ci.err = jpeg_std_error(&e->err.pub);
	e->err.pub.error_exit = image_jpeg_on_error;
	e->err.pub.output_message = image_jpeg_on_output;
	e->err.rc = IMAGE_E_NOMEM;
	if (setjmp(e->err.jb))
		return e->err.rc == IMAGE_E_NOMEM ? IMAGE_E_NOMEM :
		    IMAGE_E_INVAL;
	jpeg_create_compress(&e->ci);
	e->created = 1;
	e->dst.init_destination = jpeg_dst_init;
	e->dst.empty_output_buffer = jpeg_dst_empty;
	e->dst.term_destination = jpeg_dst_term;
	e->ci.dest = &e->dst;
	e->ci.image_width = (JDIMENSION)img->w;
	e->ci.image_height = (JDIMENSION)img->h;
	e->ci.input_components = 4;
	e->ci.in_color_space = JCS_EXT_RGBA;
	jpeg_set_defaults(&e->ci);
	jpeg_set_quality(&e->ci, quality, TRUE);
	e->ci.optimize_coding = TRUE;
	jpeg_start_compress(&e->ci, TRUE);
	while (e->ci.next_scanline < e->ci.image_height) {
		row = img->px + (size_t)e->ci.next_scanline * img->w * 4;
		jpeg_write_scanlines(&e->ci, &row, 1);
	}
	jpeg_finish_compress(&e->ci);
	return IMAGE_OK;
}

/*
 * Encode img as a baseline JPEG (quality 1..100, 4:2:0, optimised
 * Huffman tables).  Alpha is ignored: flatten first if it matters.
 * On IMAGE_OK *buf is malloc'd (caller frees) and *len its size;
 * otherwise IMAGE_E_INVAL or IMAGE_E_NOMEM and *buf is NULL.
 */
int
image_encode_jpeg(const struct image *img, int quality, unsigned char **buf,
    size_t *len)
{
	struct jpeg_enc	*e;
	int		 rc;

	if (buf == NULL || len == NULL)
		return IMAGE_E_INVAL;
	*buf = NULL;
	*len = 0;
	if (!image_valid(img) || quality < 1 || quality > 100)
		return IMAGE_E_INVAL;
	/* ci must stay the first member: the callbacks cast back. */
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return IMAGE_E_NOMEM;
	rc = jpeg_enc_run(e, img, quality);
	if (e->created)
		jpeg_destroy_compress(&e->ci);
	if (rc == IMAGE_OK) {
		*buf = e->gb.p;
		*len = e->gb.len;
	} else
		free(e->gb.p);
	free(e);
	return rc;
}

struct png_enc {
	png_structp	png;
	png_infop	info;
	struct growbuf	gb;
	int		rc;
	int		opaque;
};

static void
png_enc_on_error(png_structp png, png_const_charp msg)
{
	struct png_enc	*e = png_get_error_ptr(png);

	(void)msg;
	e->rc = IMAGE_E_NOMEM;
	png_longjmp(png, 1);
}

static void
png_write_mem(png_structp png, png_bytep data, size_t n)
{
	struct png_enc	*e = png_get_io_ptr(png);

	if (growbuf_reserve(&e->gb, n) != 0)
		png_error(png, "out of memory");
	memcpy(e->gb.p + e->gb.len, data, n);
	e->gb.len += n;
}

static void
png_flush_mem(png_structp png)
{
	(void)png;
}

static int
png_enc_run(struct png_enc *e, const struct image *img)
{
	int	y;

	e->rc = IMAGE_E_NOMEM;
	e->opaque = !image_has_alpha(img);
	e->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, e,
	    png_enc_on_error, image_png_on_warning);
	if (e->png == NULL)
		return IMAGE_E_NOMEM;
	e->info = png_create_info_struct(e->png);
	if (e->info == NULL)
		return IMAGE_E_NOMEM;
	if (setjmp(png_jmpbuf(e->png)))
		return e->rc;
	png_set_write_fn(e->png, e, png_write_mem, png_flush_mem);
	png_set_compression_level(e->png, 6);
	png_set_IHDR(e->png, e->info, (png_uint_32)img->w, (png_uint_32)img->h,
	    8, e->opaque ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_RGBA,
	    PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	    PNG_FILTER_TYPE_DEFAULT);
	png_write_info(e->png, e->info);
	if (e->opaque)
		png_set_filler(e->png, 0, PNG_FILLER_AFTER);	/* strip A */
	for (y = 0; y < img->h; y++)
		png_write_row(e->png, img->px + (size_t)y * img->w * 4);
	png_write_end(e->png, NULL);
	return IMAGE_OK;
}

/*
 * Encode img as a non-interlaced 8-bit PNG (RGB when fully opaque,
 * else RGBA; zlib level 6).  On IMAGE_OK *buf is malloc'd (caller
 * frees); otherwise IMAGE_E_INVAL or IMAGE_E_NOMEM and *buf is NULL.
 */
int
image_encode_png(const struct image *img, unsigned char **buf, size_t *len)
{
	struct png_enc	*e;
	int		 rc;

	if (buf == NULL || len == NULL)
		return IMAGE_E_INVAL;
	*buf = NULL;
	*len = 0;
	if (!image_valid(img))
		return IMAGE_E_INVAL;
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return IMAGE_E_NOMEM;
	rc = png_enc_run(e, img);
	if (e->png != NULL)
		png_destroy_write_struct(&e->png,
		    e->info != NULL ? &e->info : NULL);
	if (rc == IMAGE_OK) {
		*buf = e->gb.p;
		*len = e->gb.len;
	} else
		free(e->gb.p);
	free(e);
	return rc;
}

/*
 * Encode img as WebP: lossy with quality 0..100 (alpha kept), or
 * lossless with IMAGE_WEBP_LOSSLESS (exact RGB under transparency).
 * On IMAGE_OK *buf is malloc'd (caller frees with free()); otherwise
 * IMAGE_E_INVAL or IMAGE_E_NOMEM and *buf is NULL.
 */
int
image_encode_webp(const struct image *img, int quality, unsigned char **buf,
    size_t *len)
{
	WebPConfig		cfg;
	WebPPicture		pic;
	WebPMemoryWriter	wr;
	int			rc = IMAGE_E_NOMEM;

	if (buf == NULL || len == NULL)
		return IMAGE_E_INVAL;
	*buf = NULL;
	*len = 0;
	if (!image_valid(img) || img->w > WEBP_MAX_DIMENSION ||
	    img->h > WEBP_MAX_DIMENSION ||
	    (quality != IMAGE_WEBP_LOSSLESS && (quality < 0 || quality > 100)))
		return IMAGE_E_INVAL;
	if (!WebPConfigInit(&cfg) || !WebPPictureInit(&pic))
		return IMAGE_E_INVAL;
	if (quality == IMAGE_WEBP_LOSSLESS) {
		if (!WebPConfigLosslessPreset(&cfg, 6))
			return IMAGE_E_INVAL;
		cfg.exact = 1;
	} else {
		if (!WebPConfigPreset(&cfg, WEBP_PRESET_DEFAULT,
		    (float)quality))
			return IMAGE_E_INVAL;
		cfg.method = 4;
	}
	if (!WebPValidateConfig(&cfg))
		return IMAGE_E_INVAL;
	pic.use_argb = cfg.lossless;
	pic.width = img->w;
	pic.height = img->h;
	WebPMemoryWriterInit(&wr);
	pic.writer = WebPMemoryWrite;
	pic.custom_ptr = &wr;
	if (!WebPPictureImportRGBA(&pic, img->px, img->w * 4))
		goto fail;
	if (!WebPEncode(&cfg, &pic)) {
		rc = pic.error_code == VP8_ENC_ERROR_OUT_OF_MEMORY ?
		    IMAGE_E_NOMEM : IMAGE_E_INVAL;
		goto fail;
	}
	/* Our own malloc'd copy so the caller's free() is always right. */
	*buf = malloc(wr.size);
	if (*buf == NULL)
		goto fail;
	memcpy(*buf, wr.mem, wr.size);
	*len = wr.size;
	rc = IMAGE_OK;
fail:
	WebPPictureFree(&pic);
	WebPMemoryWriterClear(&wr);
	return rc;
}
