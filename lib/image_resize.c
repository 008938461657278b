/*
 * The resampler (struct rowscaler): area average when shrinking,
 * bilinear when enlarging, fixed-point so results are bit-exact on every
 * build; fed one source row at a time so the scaled decoders (image.c)
 * never hold the full-size image.  And the geometry on top of it:
 * image_resize(), image_fit(), image_crop(), image_orient().  See
 * image.h.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "image_int.h"

static void
axis_free(struct rs_axis *a)
{
	free(a->start);
	free(a->n);
	free(a->w);
	a->start = NULL;
	a->n = NULL;
	a->w = NULL;
	a->maxn = 0;
}

/*
 * Build the weights of one axis.  Returns 0 or IMAGE_E_NOMEM.
 */
static int
axis_init(struct rs_axis *a, int src, int dst)
{
	int64_t	 lo, hi, ov, num, den, i0, frac;
	int	 o, k, first, last, best;
	int32_t	*w, sum;

	memset(a, 0, sizeof(*a));
	a->maxn = dst <= src ? src / dst + 2 : 2;
	a->start = calloc((size_t)dst, sizeof(int));
	a->n = calloc((size_t)dst, sizeof(int));
	a->w = calloc((size_t)dst * (size_t)a->maxn, sizeof(int32_t));
	if (a->start == NULL || a->n == NULL || a->w == NULL) {
		axis_free(a);
		return IMAGE_E_NOMEM;
	}
	for (o = 0; o < dst; o++) {
		w = a->w + (size_t)o * a->maxn;
		if (dst <= src) {
			/* Output o covers [o*src, (o+1)*src) in 1/dst units. */
			lo = (int64_t)o * src;
			hi = lo + src;
			first = (int)(lo / dst);
			last = (int)((hi - 1) / dst);
			a->start[o] = first;
			a->n[o] = last - first + 1;
			sum = 0;
			best = 0;
			for (k = 0; k < a->n[o]; k++) {
				ov = ((int64_t)(first + k + 1) * dst < hi ?
				    (int64_t)(first + k + 1) * dst : hi) -
				    ((int64_t)(first + k) * dst > lo ?
				    (int64_t)(first + k) * dst : lo);
				w[k] = (int32_t)((ov * RS_ONE + src / 2) / src);
				sum += w[k];
				if (w[k] > w[best])
					best = k;
			}
			w[best] += RS_ONE - sum;
		} else {
			/* Centre of output o in source pixel coordinates. */
			num = (int64_t)(2 * o + 1) * src - dst;
			den = 2 * (int64_t)dst;
			if (num <= 0) {
				a->start[o] = 0;
				a->n[o] = 1;
				w[0] = RS_ONE;
				continue;
			}
			i0 = num / den;
			frac = (num % den) * RS_ONE / den;
			if (i0 >= src - 1) {
				a->start[o] = src - 1;
				a->n[o] = 1;
				w[0] = RS_ONE;
				continue;
			}
			a->start[o] = (int)i0;
			a->n[o] = 2;
			w[0] = (int32_t)(RS_ONE - frac);
			w[1] = (int32_t)frac;
		}
	}
	return 0;
}

void
rs_free(struct rowscaler *rs)
{
	axis_free(&rs->h);
	axis_free(&rs->v);
	free(rs->ring);
	free(rs->rows);
	rs->ring = NULL;
	rs->rows = NULL;
}

/*
 * Prepare to scale sw x sh RGBA rows into dst (dw x dh, owned by the
 * caller).  Returns 0 or IMAGE_E_NOMEM; rs_free() in every case.
 */
int
rs_init(struct rowscaler *rs, int sw, int sh, int dw, int dh, int premul,
    unsigned char *dst)
{
	memset(rs, 0, sizeof(*rs));
	rs->sw = sw;
	rs->sh = sh;
	rs->dw = dw;
	rs->dh = dh;
	rs->premul = premul;
	rs->dst = dst;
	if (axis_init(&rs->h, sw, dw) != 0 || axis_init(&rs->v, sh, dh) != 0)
		return IMAGE_E_NOMEM;
	rs->ring = calloc((size_t)rs->v.maxn * (size_t)dw * 4,
	    sizeof(uint32_t));
	rs->rows = calloc((size_t)rs->v.maxn, sizeof(*rs->rows));
	if (rs->ring == NULL || rs->rows == NULL)
		return IMAGE_E_NOMEM;
	return 0;
}

/* Horizontal pass of one source row into sums of RS_WBITS precision. */
static void
rs_hpass(const struct rowscaler *rs, const unsigned char *row, uint32_t *o)
{
	const struct rs_axis	*a = &rs->h;
	const unsigned char	*s;
	const int32_t		*w;
	uint32_t		 r, g, b, al, wk;
	int			 x, k;

	for (x = 0; x < rs->dw; x++, o += 4) {
		s = row + (size_t)a->start[x] * 4;
		w = a->w + (size_t)x * a->maxn;
		r = g = b = al = 0;
		if (rs->premul) {
			for (k = 0; k < a->n[x]; k++, s += 4) {
				wk = (uint32_t)w[k] * s[3];
				r += wk * s[0];
				g += wk * s[1];
				b += wk * s[2];
				al += wk;
			}
		} else {
			for (k = 0; k < a->n[x]; k++, s += 4) {
				wk = (uint32_t)w[k];
				r += wk * s[0];
				g += wk * s[1];
				b += wk * s[2];
				al += wk * s[3];
			}
		}
		o[0] = r;
		o[1] = g;
		o[2] = b;
		o[3] = al;
	}
}

/* Vertical pass: output row oy from the ring. */
static void
rs_vpass(struct rowscaler *rs, int oy)
{
	const struct rs_axis	*a = &rs->v;
	const int32_t		*w = a->w + (size_t)oy * a->maxn;
	const uint32_t		**rows = rs->rows, *src;
	unsigned char		*d = rs->dst + (size_t)oy * rs->dw * 4;
	uint64_t		 acc[4], wk;
	size_t			 row4 = (size_t)rs->dw * 4;
	int			 x, k, c, n = a->n[oy];

	for (k = 0; k < n; k++)
		rows[k] = rs->ring +
		    (size_t)((a->start[oy] + k) % a->maxn) * row4;
	for (x = 0; x < rs->dw; x++) {
		acc[0] = acc[1] = acc[2] = acc[3] = 0;
		for (k = 0; k < n; k++) {
			src = rows[k] + (size_t)x * 4;
			wk = (uint64_t)w[k];
			acc[0] += wk * src[0];
			acc[1] += wk * src[1];
			acc[2] += wk * src[2];
			acc[3] += wk * src[3];
		}
		if (rs->premul) {
			/* acc[c] ~ c*a << 28, acc[3] ~ a << 28 */
			for (c = 0; c < 3; c++) {
				uint64_t v = acc[3] == 0 ? 0 :
				    (acc[c] + acc[3] / 2) / acc[3];
				d[c] = (unsigned char)(v > 255 ? 255 : v);
			}
			acc[3] = (acc[3] + ((uint64_t)1 << 27)) >> 28;
			d[3] = (unsigned char)(acc[3] > 255 ? 255 : acc[3]);
		} else {
			for (c = 0; c < 4; c++) {
				uint64_t v = (acc[c] + ((uint64_t)1 << 27)) >>
				    28;
				d[c] = (unsigned char)(v > 255 ? 255 : v);
			}
		}
		d += 4;
	}
}

/*
 * Feed the next source row (sw * 4 bytes RGBA); emits every output row
 * whose last source row this is.
 */
void
rs_push(struct rowscaler *rs, const unsigned char *row)
{
	int	y = rs->y++;

	if (rs->oy >= rs->dh || y < rs->v.start[rs->oy])
		return;		/* no output needs this row */
	rs_hpass(rs, row, rs->ring +
	    (size_t)(y % rs->v.maxn) * (size_t)rs->dw * 4);
	while (rs->oy < rs->dh &&
	    rs->v.start[rs->oy] + rs->v.n[rs->oy] - 1 <= y) {
		rs_vpass(rs, rs->oy);
		rs->oy++;
	}
}

int
image_has_alpha(const struct image *img)
{
	size_t	i, n = (size_t)img->w * img->h * 4;

	for (i = 3; i < n; i += 4)
		if (img->px[i] != 255)
			return 1;
	return 0;
}

/*
 * Resample src into a new w x h image (area average when shrinking,
 * bilinear when enlarging, per axis; alpha-weighted when src has
 * transparency so transparent pixels do not bleed colour).  Results are
 * bit-exact across builds.  Returns IMAGE_OK, IMAGE_E_INVAL or
 * IMAGE_E_NOMEM; on success the caller frees *out.
 */
int
image_resize(const struct image *src, int w, int h, struct image *out)
{
	struct rowscaler	 rs;
	int			 rc, y;

	if (out == NULL)
		return IMAGE_E_INVAL;
	memset(out, 0, sizeof(*out));
	if (!image_valid(src))
		return IMAGE_E_INVAL;
	rc = image_new(w, h, out);
	if (rc != IMAGE_OK)
		return rc;
	if (w == src->w && h == src->h) {
		memcpy(out->px, src->px, (size_t)w * h * 4);
		return IMAGE_OK;
	}
	rc = rs_init(&rs, src->w, src->h, w, h, image_has_alpha(src), out->px);
	if (rc == IMAGE_OK) {
		for (y = 0; y < src->h; y++)
			rs_push(&rs, src->px + (size_t)y * src->w * 4);
	}
	rs_free(&rs);
	if (rc != IMAGE_OK)
		image_free(out);
	return rc;
}

/*
 * Fit src into max_side x max_side keeping the aspect ratio (area
 * average); never enlarges: a copy when it already fits.  Returns
 * IMAGE_OK, IMAGE_E_INVAL or IMAGE_E_NOMEM; the caller frees *out.
 */
int
image_fit(const struct image *src, int max_side, struct image *out)
{
	int	w, h;

	if (out == NULL)
		return IMAGE_E_INVAL;
	memset(out, 0, sizeof(*out));
	if (!image_valid(src) || max_side <= 0)
		return IMAGE_E_INVAL;
	w = src->w;
	h = src->h;
	if (w > max_side || h > max_side) {
		if (w >= h) {
			h = (int)(((int64_t)h * max_side + w / 2) / w);
			w = max_side;
		} else {
			w = (int)(((int64_t)w * max_side + h / 2) / h);
			h = max_side;
		}
		if (w < 1)
			w = 1;
		if (h < 1)
			h = 1;
	}
	return image_resize(src, w, h, out);
}

/*
 * Copy the w x h rectangle at (x, y) of src into a new image.  The
 * rectangle must lie inside src.  Returns IMAGE_OK, IMAGE_E_INVAL or
 * IMAGE_E_NOMEM; the caller frees *out.
 */
int
image_crop(const struct image *src, int x, int y, int w, int h,
    struct image *out)
{
	int	rc, r;

	if (out == NULL)
		return IMAGE_E_INVAL;
	memset(out, 0, sizeof(*out));
	if (!image_valid(src) || x < 0 || y < 0 || w <= 0 || h <= 0 ||
	    x > src->w - w || y > src->h - h)
		return IMAGE_E_INVAL;
	rc = image_new(w, h, out);
	if (rc != IMAGE_OK)
		return rc;
	for (r = 0; r < h; r++)
		memcpy(out->px + (size_t)r * w * 4,
		    src->px + ((size_t)(y + r) * src->w + x) * 4,
		    (size_t)w * 4);
	return IMAGE_OK;
}

/*
 * Apply EXIF orientation o (1..8) to img in place: afterwards img is as
 * displayed (w and h swapped for 5..8).  1 and out-of-range values are
 * no-ops.  Returns IMAGE_OK, IMAGE_E_INVAL or IMAGE_E_NOMEM (img is
 * unchanged on error).
 */
int
image_orient(struct image *img, int o)
{
	unsigned char	*dst, *d;
	const unsigned char *s;
	int		 sw, sh, dw, dh, ox, oy, bx, by, ix, iy, ex, ey;

	if (!image_valid(img))
		return IMAGE_E_INVAL;
	if (o < 2 || o > 8)
		return IMAGE_OK;
	sw = img->w;
	sh = img->h;
	dw = o >= 5 ? sh : sw;
	dh = o >= 5 ? sw : sh;
	dst = malloc((size_t)sw * sh * 4);
	if (dst == NULL)
		return IMAGE_E_NOMEM;
	/* 32x32 tiles keep the transposing cases cache-friendly. */
	for (by = 0; by < dh; by += 32) {
		ey = by + 32 < dh ? by + 32 : dh;
		for (bx = 0; bx < dw; bx += 32) {
			ex = bx + 32 < dw ? bx + 32 : dw;
			for (oy = by; oy < ey; oy++) {
				d = dst + ((size_t)oy * dw + bx) * 4;
				for (ox = bx; ox < ex; ox++, d += 4) {
					switch (o) {
					case 2:
						ix = sw - 1 - ox;
						iy = oy;
						break;
					case 3:
						ix = sw - 1 - ox;
						iy = sh - 1 - oy;
						break;
					case 4:
						ix = ox;
						iy = sh - 1 - oy;
						break;
					case 5:
						ix = oy;
						iy = ox;
						break;
					case 6:
						ix = oy;
						iy = sh - 1 - ox;
						break;
					case 7:
						ix = sw - 1 - oy;
						iy = sh - 1 - ox;
						break;
					default: /* 8 */
						ix = sw - 1 - oy;
						iy = ox;
						break;
					}
					s = img->px +
					    ((size_t)iy * sw + ix) * 4;
					memcpy(d, s, 4);
				}
			}
		}
	}
	free(img->px);
	img->px = dst;
	img->w = dw;
	img->h = dh;
	return IMAGE_OK;
}
