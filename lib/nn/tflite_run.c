/*
 * The float32 executor for a loaded TFLite graph (lib/nn/tflite.c):
 * operators run in file order, each checked against its tensors' shapes
 * before it touches memory.  Convolutions go through lib/nn/tflite_kern.c.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/tflite.h"
#include "nn/tflite_kern.h"
#include "nn/tflite_xnn.h"

/* Depthwise convolutions this narrow run on the own kernel (measured). */
#define TFL_DW_OWN_MAXC	8

/* XNNPACK for this operator unless the model or the operator opted out. */
static int
use_xnn(const struct tfl_model *m, const struct tfl_op *o)
{
	return !m->own && !o->xfail && tfl_xnn_available();
}

#define T(m, i)		(&(m)->t[(i)])
#define H(t)		((t)->dim[1])
#define W(t)		((t)->dim[2])
#define C(t)		((t)->dim[3])

static int
run_fail(char *err, size_t errlen, const struct tfl_op *o, const char *what)
{
	snprintf(err, errlen, "tflite: operator %d: %s", o->code, what);
	return -1;
}

/* TFLite's padding arithmetic for one axis; returns the leading pad. */
static int
pad_before(int in, int out, int k, int s, int same)
{
	int	 total;

	if (!same)
		return 0;
	total = (out - 1) * s + k - in;
	return total > 0 ? total / 2 : 0;
}

static int
out_size(int in, int k, int s, int same)
{
	return same ? (in + s - 1) / s : (in - k) / s + 1;
}

/*
 * Shape checks shared by conv, depthwise and pooling; the input's size
 * includes a folded PAD (o->xpad, VALID operators only).
 */
static int
check_window(const struct tfl_tensor *x, const struct tfl_tensor *y, int kh,
    int kw, const struct tfl_op *o)
{
	int	 ih = H(x) + o->xpad[0] + o->xpad[2];
	int	 iw = W(x) + o->xpad[1] + o->xpad[3];

	if (x->dim[0] != 1 || y->dim[0] != 1)
		return -1;
	if (kh < 1 || kw < 1 || (!o->pad_same && (ih < kh || iw < kw)))
		return -1;
	if (out_size(ih, kh, o->sh, o->pad_same) != H(y) ||
	    out_size(iw, kw, o->sw, o->pad_same) != W(y))
		return -1;
	return 0;
}

/*
 * Repack conv weights from TFLite's [cout][kh][kw][cin] into panels of 16
 * output channels, [coutp / 16][kh * kw][cin][16], followed by coutp
 * biases, coutp being cout rounded up to 16 with zeros, then cin zeros
 * (the kernels' row for taps outside the input).
 */
static int
conv_prepare(struct tfl_model *m, struct tfl_op *o, const float *b)
{
	const struct tfl_tensor	*w = T(m, o->in[1]);
	size_t			 co, k, ci, nk, cin, cout, coutp;

	if (o->wpack != NULL)
		return 0;
	cout = (size_t)w->dim[0];
	coutp = (cout + 15) / 16 * 16;
	nk = (size_t)w->dim[1] * (size_t)w->dim[2];
	cin = (size_t)w->dim[3];
	if (nk > TFL_KMAXTAP)
		return -1;
	o->wpack = calloc(nk * cin * coutp + coutp + cin, sizeof(float));
	if (o->wpack == NULL)
		return -1;
	for (co = 0; co < cout; co++) {
		for (k = 0; k < nk; k++)
			for (ci = 0; ci < cin; ci++)
				o->wpack[((co / 16 * nk + k) * cin + ci) * 16 +
				    co % 16] = w->data[(co * nk + k) * cin + ci];
		if (b != NULL)
			o->wpack[nk * cin * coutp + co] = b[co];
	}
	return 0;
}

static const float *
bias_of(struct tfl_model *m, const struct tfl_op *o, size_t n)
{
	const struct tfl_tensor	*b;

	if (o->nin < 3 || o->in[2] < 0)
		return NULL;
	b = T(m, o->in[2]);
	if (!b->is_const || b->n != n)
		return (const float *)-1;
	return b->data;
}

static int
op_conv(struct tfl_model *m, struct tfl_op *o, char *err, size_t errlen)
{
	struct tfl_tensor	*x = T(m, o->in[0]), *w = T(m, o->in[1]);
	struct tfl_tensor	*y = T(m, o->out);
	const float		*b;
	struct tfl_conv		 c;

	if (!w->is_const || w->dim[3] != C(x) || w->dim[0] != C(y) ||
	    w->dim[1] * w->dim[2] > TFL_KMAXTAP ||
	    check_window(x, y, w->dim[1], w->dim[2], o) < 0)
		return run_fail(err, errlen, o, "conv shapes");
	b = bias_of(m, o, (size_t)C(y));
	if (b == (const float *)-1)
		return run_fail(err, errlen, o, "conv bias");
	c.in = x->data;
	c.ih = H(x);
	c.iw = W(x);
	c.cin = C(x);
	c.out = y->data;
	c.oh = H(y);
	c.ow = W(y);
	c.cout = C(y);
	c.kh = w->dim[1];
	c.kw = w->dim[2];
	c.sh = o->sh;
	c.sw = o->sw;
	c.pt = pad_before(H(x), H(y), c.kh, c.sh, o->pad_same) + o->xpad[0];
	c.pl = pad_before(W(x), W(y), c.kw, c.sw, o->pad_same) + o->xpad[1];
	c.b = b;
	c.act = o->act;
	/* Eight channels into one (the mask's logits): a kernel of its own. */
	if (c.cin == 8 && c.cout == 1) {
		c.w = w->data;
		tfl_kern_conv_to1(&c);
		return 0;
	}
	if (use_xnn(m, o)) {
		if (tfl_xnn_conv(o, &c, 0, w->data, b) == 0)
			return 0;
		o->xfail = 1;
	}
	if (conv_prepare(m, o, b) < 0)
		return run_fail(err, errlen, o, "conv weights");
	c.w = o->wpack;
	/* The zero row lives after the weights and the biases. */
	c.zero = o->wpack + (size_t)c.kh * c.kw * c.cin *
	    (((size_t)c.cout + 15) / 16 * 16) + ((size_t)c.cout + 15) / 16 * 16;
	tfl_kern_conv(&c);
	return 0;
}

/* A fused block8 (lib/nn/tflite.c's fuse_blocks), o its depthwise. */
static int
op_block8(struct tfl_model *m, struct tfl_op *o, char *err, size_t errlen)
{
	const struct tfl_op	*p = &m->op[o->blk_pw];
	const struct tfl_op	*a = &m->op[o->blk_add];
	struct tfl_tensor	*x = T(m, o->in[0]), *y = T(m, a->out);
	struct tfl_block8	 k;

	if (x->dim[0] != 1 || C(x) != 8 || y->n != x->n || C(y) != 8)
		return run_fail(err, errlen, o, "block8 shapes");
	k.in = x->data;
	k.out = y->data;
	k.h = H(x);
	k.w = W(x);
	k.dw_w = T(m, o->in[1])->data;
	k.dw_b = bias_of(m, o, 8);
	k.pw_w = T(m, p->in[1])->data;
	k.pw_b = bias_of(m, p, 8);
	if (k.dw_b == (const float *)-1 || k.pw_b == (const float *)-1)
		return run_fail(err, errlen, o, "block8 bias");
	k.dw_act = o->act;
	k.pw_act = p->act;
	k.add_act = a->act;
	if (tfl_kern_block8(&k) < 0)
		return run_fail(err, errlen, o, "out of memory");
	return 0;
}

static int
op_dw(struct tfl_model *m, struct tfl_op *o, char *err, size_t errlen)
{
	struct tfl_tensor	*x = T(m, o->in[0]), *w = T(m, o->in[1]);
	struct tfl_tensor	*y = T(m, o->out);
	const float		*b;
	struct tfl_conv		 c;

	if (!w->is_const || w->dim[0] != 1 || w->dim[3] != C(x) ||
	    C(y) != C(x) || w->dim[1] * w->dim[2] > TFL_KMAXTAP ||
	    check_window(x, y, w->dim[1], w->dim[2], o) < 0)
		return run_fail(err, errlen, o, "depthwise shapes");
	b = bias_of(m, o, (size_t)C(y));
	if (b == (const float *)-1)
		return run_fail(err, errlen, o, "depthwise bias");
	c.in = x->data;
	c.ih = H(x);
	c.iw = W(x);
	c.cin = C(x);
	c.out = y->data;
	c.oh = H(y);
	c.ow = W(y);
	c.cout = C(y);
	c.kh = w->dim[1];
	c.kw = w->dim[2];
	c.sh = o->sh;
	c.sw = o->sw;
	c.pt = pad_before(H(x), H(y), c.kh, c.sh, o->pad_same) + o->xpad[0];
	c.pl = pad_before(W(x), W(y), c.kw, c.sw, o->pad_same) + o->xpad[1];
	c.w = w->data;
	c.b = b;
	c.act = o->act;
	/*
	 * A few channels over a large image (the segmentation head's eight):
	 * the own kernel is the faster, XNNPACK's cost is per pixel there.
	 */
	if (use_xnn(m, o) && c.cin > TFL_DW_OWN_MAXC) {
		if (tfl_xnn_conv(o, &c, 1, w->data, b) == 0)
			return 0;
		o->xfail = 1;
	}
	tfl_kern_dw(&c);
	return 0;
}

static float
act1(float v, int act)
{
	if (act == 1)
		return v > 0.0f ? v : 0.0f;
	if (act == 3)
		return v < 0.0f ? 0.0f : v > 6.0f ? 6.0f : v;
	return v;
}

static int
op_pool(struct tfl_model *m, struct tfl_op *o, char *err, size_t errlen)
{
	struct tfl_tensor	*x = T(m, o->in[0]), *y = T(m, o->out);
	int			 oy, ox, ky, kx, iy, ix, c, pt, pl, n;
	int			 ch = C(x);
	float			*acc;

	if (C(y) != ch || check_window(x, y, o->fh, o->fw, o) < 0)
		return run_fail(err, errlen, o, "pool shapes");
	pt = pad_before(H(x), H(y), o->fh, o->sh, o->pad_same);
	pl = pad_before(W(x), W(y), o->fw, o->sw, o->pad_same);
	for (oy = 0; oy < H(y); oy++)
		for (ox = 0; ox < W(y); ox++) {
			acc = y->data + ((size_t)oy * W(y) + ox) * ch;
			n = 0;
			for (ky = 0; ky < o->fh; ky++) {
				iy = oy * o->sh - pt + ky;
				if (iy < 0 || iy >= H(x))
					continue;
				for (kx = 0; kx < o->fw; kx++) {
					const float	*p;

					ix = ox * o->sw - pl + kx;
					if (ix < 0 || ix >= W(x))
						continue;
					p = x->data + ((size_t)iy * W(x) +
					    ix) * ch;
					for (c = 0; c < ch; c++) {
						if (n == 0)
							acc[c] = p[c];
						else if (o->code ==
						    TFL_MAX_POOL_2D)
							acc[c] = p[c] > acc[c] ?
							    p[c] : acc[c];
						else
							acc[c] += p[c];
					}
					n++;
				}
			}
			for (c = 0; c < ch; c++) {
				if (n == 0)
					acc[c] = 0.0f;
				else if (o->code == TFL_AVERAGE_POOL_2D)
					acc[c] /= (float)n;
				acc[c] = act1(acc[c], o->act);
			}
		}
	return 0;
}

/*
 * The elementwise loops are written four elements a step: GCC -O2 turns
 * such a step into one SIMD instruction (SLP), which it does not do for
 * a plain loop of unknown length.  The results are the same, element
 * for element.
 */
static void
vadd(float *restrict y, const float *restrict a, const float *restrict b,
    size_t n)
{
	size_t	 i;

	for (i = 0; i + 4 <= n; i += 4) {
		y[i] = a[i] + b[i];
		y[i + 1] = a[i + 1] + b[i + 1];
		y[i + 2] = a[i + 2] + b[i + 2];
		y[i + 3] = a[i + 3] + b[i + 3];
	}
	for (; i < n; i++)
		y[i] = a[i] + b[i];
}

/* y = a op b, b one value per channel (the last axis, nc long). */
static void
vchan(float *restrict y, const float *restrict a, const float *restrict b,
    size_t n, size_t nc, int mul)
{
	size_t	 p, c;

	for (p = 0; p + nc <= n; p += nc) {
		if (mul)
			for (c = 0; c < nc; c++)
				y[p + c] = a[p + c] * b[c];
		else
			for (c = 0; c < nc; c++)
				y[p + c] = a[p + c] + b[c];
	}
}

static float
relu1(float v)
{
	return v > 0.0f ? v : 0.0f;
}

static float
relu6(float v)
{
	return v < 0.0f ? 0.0f : v > 6.0f ? 6.0f : v;
}

/* A fused activation over a whole tensor. */
static void
vact(float *y, size_t n, int act)
{
	size_t	 i;

	if (act == 1) {
		for (i = 0; i + 4 <= n; i += 4) {
			y[i] = relu1(y[i]);
			y[i + 1] = relu1(y[i + 1]);
			y[i + 2] = relu1(y[i + 2]);
			y[i + 3] = relu1(y[i + 3]);
		}
		for (; i < n; i++)
			y[i] = relu1(y[i]);
	} else if (act == 3) {
		for (i = 0; i + 4 <= n; i += 4) {
			y[i] = relu6(y[i]);
			y[i + 1] = relu6(y[i + 1]);
			y[i + 2] = relu6(y[i + 2]);
			y[i + 3] = relu6(y[i + 3]);
		}
		for (; i < n; i++)
			y[i] = relu6(y[i]);
	}
}

/* ADD and MUL: same shape, or b a per-channel vector or a scalar. */
static int
op_binary(struct tfl_model *m, struct tfl_op *o, char *err, size_t errlen)
{
	struct tfl_tensor	*a = T(m, o->in[0]), *b, *y = T(m, o->out);
	size_t			 i, nb;

	if (o->nin != 2)
		return run_fail(err, errlen, o, "binary needs two inputs");
	b = T(m, o->in[1]);
	if (b->n > a->n) {
		struct tfl_tensor *t = a;

		a = b;
		b = t;
	}
	nb = b->n;
	if (y->n != a->n || (nb != a->n && nb != 1 &&
	    (nb != (size_t)C(a) || b->dim[3] != C(a))))
		return run_fail(err, errlen, o, "binary shapes");
	if (nb == 0)
		return 0;	/* both empty: nothing to compute */
	if (nb == a->n && o->code == TFL_ADD)
		vadd(y->data, a->data, b->data, a->n);
	else if (nb == (size_t)C(a) && nb > 1)
		vchan(y->data, a->data, b->data, a->n, nb, o->code != TFL_ADD);
	else if (o->code == TFL_ADD)
		for (i = 0; i < a->n; i++)
			y->data[i] = a->data[i] + b->data[i % nb];
	else
		for (i = 0; i < a->n; i++)
			y->data[i] = a->data[i] * b->data[i % nb];
	vact(y->data, y->n, o->act);
	return 0;
}

/* PReLU with one slope per channel (the last axis, nc long). */
static void
vprelu(float *restrict y, const float *restrict x, const float *restrict al,
    size_t n, size_t nc)
{
	size_t	 p, c;

	for (p = 0; p + nc <= n; p += nc)
		for (c = 0; c < nc; c++)
			y[p + c] = x[p + c] >= 0.0f ? x[p + c] :
			    x[p + c] * al[c];
}

static int
op_prelu(struct tfl_model *m, struct tfl_op *o, char *err, size_t errlen)
{
	struct tfl_tensor	*x = T(m, o->in[0]), *al, *y = T(m, o->out);
	size_t			 i, na;

	if (o->nin != 2)
		return run_fail(err, errlen, o, "prelu needs alpha");
	al = T(m, o->in[1]);
	na = al->n;
	if (y->n != x->n || (na != x->n && na != (size_t)C(x) && na != 1))
		return run_fail(err, errlen, o, "prelu shapes");
	if (na == (size_t)C(x) && na > 1)
		vprelu(y->data, x->data, al->data, x->n, na);
	else
		for (i = 0; i < x->n; i++) {
			float	 v = x->data[i];

			y->data[i] = v >= 0.0f ? v : v * al->data[i % na];
		}
	return 0;
}

static int
op_unary(struct tfl_model *m, struct tfl_op *o, char *err, size_t errlen)
{
	struct tfl_tensor	*x = T(m, o->in[0]), *y = T(m, o->out);
	size_t			 i;

	if (y->n != x->n)
		return run_fail(err, errlen, o, "unary shapes");
	switch (o->code) {
	case TFL_LOGISTIC:
		for (i = 0; i < x->n; i++)
			y->data[i] = 1.0f / (1.0f + expf(-x->data[i]));
		break;
	case TFL_RELU:
		for (i = 0; i < x->n; i++)
			y->data[i] = act1(x->data[i], 1);
		break;
	case TFL_RELU6:
		for (i = 0; i < x->n; i++)
			y->data[i] = act1(x->data[i], 3);
		break;
	default:	/* RESHAPE: same elements, new shape */
		memmove(y->data, x->data, x->n * sizeof(float));
		break;
	}
	return 0;
}

static int
op_pad(struct tfl_model *m, struct tfl_op *o, char *err, size_t errlen)
{
	struct tfl_tensor	*x = T(m, o->in[0]), *p, *y = T(m, o->out);
	int			 i, before[TFL_MAXDIM], yy, xx;
	size_t			 row;

	if (o->nin != 2)
		return run_fail(err, errlen, o, "pad needs paddings");
	p = T(m, o->in[1]);
	if (!p->is_const || p->idata == NULL || p->n != 2 * TFL_MAXDIM)
		return run_fail(err, errlen, o, "pad paddings");
	for (i = 0; i < TFL_MAXDIM; i++) {
		before[i] = p->idata[2 * i];
		if (before[i] < 0 || p->idata[2 * i + 1] < 0 ||
		    (int64_t)x->dim[i] + before[i] + p->idata[2 * i + 1] !=
		    y->dim[i])
			return run_fail(err, errlen, o, "pad shapes");
	}
	if (before[0] != 0 || x->dim[0] != 1)
		return run_fail(err, errlen, o, "pad of the batch");
	memset(y->data, 0, y->n * sizeof(float));
	row = (size_t)C(x) * sizeof(float);
	for (yy = 0; yy < H(x); yy++)
		for (xx = 0; xx < W(x); xx++)
			memcpy(y->data + (((size_t)(yy + before[1]) * W(y) +
			    xx + before[2]) * C(y) + before[3]),
			    x->data + ((size_t)yy * W(x) + xx) * C(x), row);
	return 0;
}

static int
op_concat(struct tfl_model *m, struct tfl_op *o, char *err, size_t errlen)
{
	struct tfl_tensor	*y = T(m, o->out), *x;
	int			 axis = o->axis, i, d;
	size_t			 outer = 1, inner, off = 0, r, sum = 0;

	if (axis < 0)
		axis += TFL_MAXDIM;
	else
		axis += TFL_MAXDIM - y->rank;
	if (axis < 0 || axis >= TFL_MAXDIM)
		return run_fail(err, errlen, o, "concat axis");
	for (d = 0; d < axis; d++)
		outer *= (size_t)y->dim[d];
	for (i = 0; i < o->nin; i++) {
		x = T(m, o->in[i]);
		for (d = 0; d < TFL_MAXDIM; d++)
			if (d != axis && x->dim[d] != y->dim[d])
				return run_fail(err, errlen, o,
				    "concat shapes");
		sum += (size_t)x->dim[axis];
	}
	if (sum != (size_t)y->dim[axis] || sum == 0 || outer == 0)
		return run_fail(err, errlen, o, "concat sizes");
	inner = y->n / outer / (size_t)y->dim[axis];
	for (i = 0; i < o->nin; i++) {
		size_t	 chunk;

		x = T(m, o->in[i]);
		chunk = (size_t)x->dim[axis] * inner;
		for (r = 0; r < outer; r++)
			memcpy(y->data + r * (y->n / outer) + off,
			    x->data + r * chunk, chunk * sizeof(float));
		off += chunk;
	}
	return 0;
}

/*
 * RESIZE_BILINEAR's source position along one axis: the two neighbours
 * and the second one's weight, for each of out positions.
 */
static void
resize_axis(const struct tfl_op *o, int in, int out, int *i0, int *i1,
    float *f)
{
	float	 s, pos;
	int	 k, a, b;

	if (o->align_corners)
		s = out > 1 ? (float)(in - 1) / (out - 1) : 0.0f;
	else
		s = (float)in / out;
	for (k = 0; k < out; k++) {
		pos = o->half_pixel ? (k + 0.5f) * s - 0.5f : k * s;
		a = (int)floorf(pos);
		f[k] = pos - (float)a;
		b = (int)ceilf(pos);
		i0[k] = a < 0 ? 0 : a;
		i1[k] = b > in - 1 ? in - 1 : b;
	}
}

/* One source row interpolated along x into dst (wo * ch floats). */
static void
resize_row(const float *row, const int *x0, const int *x1, const float *fx,
    int wo, int ch, float *restrict dst)
{
	const float	*a, *b;
	float		 f;
	int		 ox, c;

	for (ox = 0; ox < wo; ox++, dst += ch) {
		a = row + (size_t)x0[ox] * ch;
		b = row + (size_t)x1[ox] * ch;
		f = fx[ox];
		for (c = 0; c + 4 <= ch; c += 4) {
			dst[c] = a[c] + f * (b[c] - a[c]);
			dst[c + 1] = a[c + 1] + f * (b[c + 1] - a[c + 1]);
			dst[c + 2] = a[c + 2] + f * (b[c + 2] - a[c + 2]);
			dst[c + 3] = a[c + 3] + f * (b[c + 3] - a[c + 3]);
		}
		for (; c < ch; c++)
			dst[c] = a[c] + f * (b[c] - a[c]);
	}
}

/* q = a + f * (b - a) over n floats. */
static void
vlerp(float *restrict q, const float *a, const float *b, float f, size_t n)
{
	size_t	 i;

	for (i = 0; i + 4 <= n; i += 4) {
		q[i] = a[i] + f * (b[i] - a[i]);
		q[i + 1] = a[i + 1] + f * (b[i + 1] - a[i + 1]);
		q[i + 2] = a[i + 2] + f * (b[i + 2] - a[i + 2]);
		q[i + 3] = a[i + 3] + f * (b[i + 3] - a[i + 3]);
	}
	for (; i < n; i++)
		q[i] = a[i] + f * (b[i] - a[i]);
}

/*
 * Separable: each source row needed is interpolated along x once (two
 * rows kept), then each output row is a blend of two such rows.
 */
static int
op_resize(struct tfl_model *m, struct tfl_op *o, char *err, size_t errlen)
{
	struct tfl_tensor	*x = T(m, o->in[0]), *y = T(m, o->out);
	int			*xi, *yi, oy, ch = C(x), have[2] = { -1, -1 };
	int			 k, s;
	float			*fx, *fy, *row[2];
	size_t			 rn;

	if (C(y) != ch || x->dim[0] != 1 || y->dim[0] != 1 || H(x) < 1 ||
	    W(x) < 1)
		return run_fail(err, errlen, o, "resize shapes");
	rn = (size_t)W(y) * ch;
	xi = malloc(((size_t)W(y) + H(y)) * 2 * sizeof(int));
	fx = malloc(((size_t)W(y) + H(y)) * sizeof(float));
	row[0] = malloc(rn * 2 * sizeof(float));
	if (xi == NULL || fx == NULL || row[0] == NULL) {
		free(xi);
		free(fx);
		free(row[0]);
		return run_fail(err, errlen, o, "out of memory");
	}
	row[1] = row[0] + rn;
	yi = xi + 2 * (size_t)W(y);
	fy = fx + W(y);
	resize_axis(o, W(x), W(y), xi, xi + W(y), fx);
	resize_axis(o, H(x), H(y), yi, yi + H(y), fy);
	for (oy = 0; oy < H(y); oy++) {
		for (k = 0; k < 2; k++) {
			s = k == 0 ? yi[oy] : yi[H(y) + oy];
			if (have[0] == s || have[1] == s)
				continue;
			/* Replace the row the other neighbour does not use. */
			if (have[0] == yi[oy] || have[0] == yi[H(y) + oy]) {
				have[1] = s;
				resize_row(x->data + (size_t)s * W(x) * ch,
				    xi, xi + W(y), fx, W(y), ch, row[1]);
			} else {
				have[0] = s;
				resize_row(x->data + (size_t)s * W(x) * ch,
				    xi, xi + W(y), fx, W(y), ch, row[0]);
			}
		}
		vlerp(y->data + (size_t)oy * rn,
		    row[have[0] == yi[oy] ? 0 : 1],
		    row[have[0] == yi[H(y) + oy] ? 0 : 1], fy[oy], rn);
	}
	free(xi);
	free(fx);
	free(row[0]);
	return 0;
}

/* TFLite DEPTH_TO_SPACE (DCR order); the block size follows the shapes. */
static int
op_d2s(struct tfl_model *m, struct tfl_op *o, char *err, size_t errlen)
{
	struct tfl_tensor	*x = T(m, o->in[0]), *y = T(m, o->out);
	int			 bs, yy, xx, i, j, co = C(y);

	if (H(x) < 1 || H(y) % H(x) != 0)
		return run_fail(err, errlen, o, "depth_to_space shapes");
	bs = H(y) / H(x);
	if (W(y) != W(x) * bs || C(x) != co * bs * bs || x->dim[0] != 1)
		return run_fail(err, errlen, o, "depth_to_space shapes");
	for (yy = 0; yy < H(x); yy++)
		for (xx = 0; xx < W(x); xx++)
			for (i = 0; i < bs; i++)
				for (j = 0; j < bs; j++)
					memcpy(y->data + (((size_t)yy * bs +
					    i) * W(y) + (size_t)xx * bs + j) *
					    co, x->data + ((size_t)yy * W(x) +
					    xx) * C(x) + (size_t)(i * bs + j) *
					    co, (size_t)co * sizeof(float));
	return 0;
}

int
tfl_run(struct tfl_model *m, char *err, size_t errlen)
{
	struct tfl_op	*o;
	int		 i, rc;

	for (i = 0; i < m->nop; i++) {
		o = &m->op[i];
		switch (o->code) {
		case -1:
		case TFL_BLOCK8:
			rc = 0;
			break;
		case TFL_CONV_2D:
			rc = op_conv(m, o, err, errlen);
			break;
		case TFL_DEPTHWISE_CONV_2D:
			rc = o->blk_add > 0 ? op_block8(m, o, err, errlen) :
			    op_dw(m, o, err, errlen);
			break;
		case TFL_MAX_POOL_2D:
		case TFL_AVERAGE_POOL_2D:
			rc = op_pool(m, o, err, errlen);
			break;
		case TFL_ADD:
		case TFL_MUL:
			rc = op_binary(m, o, err, errlen);
			break;
		case TFL_PRELU:
			rc = op_prelu(m, o, err, errlen);
			break;
		case TFL_PAD:
			rc = op_pad(m, o, err, errlen);
			break;
		case TFL_CONCATENATION:
			rc = op_concat(m, o, err, errlen);
			break;
		case TFL_RESIZE_BILINEAR:
			rc = op_resize(m, o, err, errlen);
			break;
		case TFL_DEPTH_TO_SPACE:
			rc = op_d2s(m, o, err, errlen);
			break;
		default:
			rc = op_unary(m, o, err, errlen);
			break;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}
