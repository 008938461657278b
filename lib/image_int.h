/*
 * What the image files share inside lib/ (image.c decodes, image_resize.c
 * resamples, image_encode.c encodes); not for use outside them.
 */
#ifndef PRIMERKA_IMAGE_INT_H
#define PRIMERKA_IMAGE_INT_H

#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>

#include <jpeglib.h>
#include <png.h>

#include "image.h"

/* Fixed-point weight precision of the resampler. */
#define RS_WBITS	14
#define RS_ONE		(1 << RS_WBITS)

/*
 * Resampler.  One axis maps src samples to dst samples with, per output
 * sample, a run of n source samples from start and fixed-point weights
 * summing to RS_ONE.  Shrinking uses exact box (area) coverage, growing
 * uses bilinear interpolation between pixel centres.
 */
struct rs_axis {
	int	*start;
	int	*n;
	int32_t	*w;		/* maxn weights per output sample */
	int	 maxn;
};

struct rowscaler {
	int		 sw, sh, dw, dh;
	int		 premul;	/* weight colour by alpha */
	struct rs_axis	 h, v;
	uint32_t	*ring;		/* v.maxn rows of dw * 4 sums */
	const uint32_t	**rows;		/* v.maxn row pointers, scratch */
	int		 y;		/* next source row to push */
	int		 oy;		/* next output row to produce */
	unsigned char	*dst;		/* dh rows of dw * 4 bytes */
};

/*
 * Prepare to scale sw x sh RGBA rows into dst (dw x dh, owned by the
 * caller), colour weighted by alpha when premul.  Returns 0 or
 * IMAGE_E_NOMEM; rs_free() in every case.
 */
int	 rs_init(struct rowscaler *rs, int sw, int sh, int dw, int dh,
	    int premul, unsigned char *dst);

/*
 * Feed the next source row (sw * 4 bytes RGBA); emits every output row
 * whose last source row this is.
 */
void	 rs_push(struct rowscaler *rs, const unsigned char *row);

/* Free what rs_init() allocated (not dst). */
void	 rs_free(struct rowscaler *rs);

/* Whether any pixel has alpha below 255. */
int	 image_has_alpha(const struct image *img);

/* Whether img has pixels and a size within the hard caps. */
int	 image_valid(const struct image *img);

/* libjpeg's error manager with our way out: longjmp to jb with rc. */
struct jpeg_err {
	struct jpeg_error_mgr	pub;
	jmp_buf			jb;
	int			rc;	/* image_err for the longjmp */
};

/* libjpeg's error_exit: rc from the message code, then the longjmp. */
void	 image_jpeg_on_error(j_common_ptr c);

/* libjpeg's output_message, and libpng's warning handler: silence (lib/
 * never prints). */
void	 image_jpeg_on_output(j_common_ptr c);
void	 image_png_on_warning(png_structp png, png_const_charp msg);

#endif /* PRIMERKA_IMAGE_INT_H */
