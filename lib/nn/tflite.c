/*
 * The .tflite flatbuffer reader: model -> struct tfl_model.  Every read
 * goes through fb_*() helpers that check the offset against the buffer
 * length, so a corrupt or hostile file fails with a message instead of
 * reading out of bounds.  Layout per TFLite's schema.fbs (field numbers
 * in the comments).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/tflite.h"
#include "nn/tflite_xnn.h"

#define TFL_MAX_TENSORS	4096
#define TFL_MAX_OPS	4096
#define TFL_MAX_ELEMS	(64u * 1024 * 1024)	/* per tensor */
#define TFL_MAX_TOTAL	(96u * 1024 * 1024)	/* all tensors together */

struct fb {
	const uint8_t	*b;
	size_t		 len;
	char		*err;
	size_t		 errlen;
};

static int
fb_fail(struct fb *f, const char *what)
{
	snprintf(f->err, f->errlen, "tflite: %s", what);
	return -1;
}

/* A little-endian u32 at off, or -1 (as int64) when out of bounds. */
static int64_t
fb_u32(const struct fb *f, size_t off)
{
	uint32_t	 v;

	if (off > f->len || f->len - off < 4)
		return -1;
	v = (uint32_t)f->b[off] | (uint32_t)f->b[off + 1] << 8 |
	    (uint32_t)f->b[off + 2] << 16 | (uint32_t)f->b[off + 3] << 24;
	return v;
}

static int64_t
fb_u16(const struct fb *f, size_t off)
{
	if (off > f->len || f->len - off < 2)
		return -1;
	return (uint16_t)(f->b[off] | f->b[off + 1] << 8);
}

/*
 * Position of field number id of the table at tab, or 0 when the field is
 * absent, or -1 when the table or its vtable is out of bounds.
 */
static int64_t
fb_field(const struct fb *f, size_t tab, int id)
{
	int64_t		 so, vt, vlen, tlen, fo;

	so = fb_u32(f, tab);
	if (so < 0)
		return -1;
	vt = (int64_t)tab - (int32_t)(uint32_t)so;
	if (vt < 0)
		return -1;
	vlen = fb_u16(f, (size_t)vt);
	tlen = fb_u16(f, (size_t)vt + 2);
	if (vlen < 4 || tlen < 0 || (size_t)vt + (size_t)vlen > f->len)
		return -1;
	if (4 + 2 * id + 2 > vlen)
		return 0;
	fo = fb_u16(f, (size_t)vt + 4 + 2 * id);
	if (fo == 0)
		return 0;
	if (fo + 4 > tlen && fo >= tlen)
		return -1;
	if ((size_t)tab + (size_t)fo >= f->len)
		return -1;
	return (int64_t)tab + fo;
}

/* Follow the uoffset at pos; -1 when out of bounds. */
static int64_t
fb_deref(const struct fb *f, int64_t pos)
{
	int64_t		 o;

	o = pos < 0 ? -1 : fb_u32(f, (size_t)pos);
	if (o < 0)
		return -1;
	if ((uint64_t)pos + (uint64_t)o >= f->len)
		return -1;
	return pos + o;
}

/*
 * The vector in field id of table tab: sets *n and returns the position of
 * its first element (elem bytes each, all in bounds); 0 with *n = 0 when
 * absent; -1 when corrupt.
 */
static int64_t
fb_vec(const struct fb *f, size_t tab, int id, size_t elem, uint32_t *n)
{
	int64_t		 p, v, cnt;

	*n = 0;
	p = fb_field(f, tab, id);
	if (p <= 0)
		return p;
	v = fb_deref(f, p);
	cnt = v < 0 ? -1 : fb_u32(f, (size_t)v);
	if (cnt < 0)
		return -1;
	if ((uint64_t)cnt * elem > f->len - (size_t)v - 4)
		return -1;
	*n = (uint32_t)cnt;
	return v + 4;
}

/* The table at index i of a vector of tables starting at v. */
static int64_t
fb_vtab(const struct fb *f, int64_t v, uint32_t i)
{
	return fb_deref(f, v + 4 * (int64_t)i);
}

/* Scalar fields with a default when absent; -1 on corruption via *bad. */
static int64_t
fb_int(const struct fb *f, size_t tab, int id, int size, int64_t def,
    int *bad)
{
	int64_t		 p, v;

	p = fb_field(f, tab, id);
	if (p < 0) {
		*bad = 1;
		return def;
	}
	if (p == 0)
		return def;
	if ((size_t)p + (size_t)size > f->len) {
		*bad = 1;
		return def;
	}
	if (size == 1)
		return (int8_t)f->b[p];
	v = fb_u32(f, (size_t)p);
	return (int32_t)(uint32_t)v;
}

static float
half_to_float(uint16_t h)
{
	uint32_t	 s = (uint32_t)(h & 0x8000) << 16;
	uint32_t	 e = (h >> 10) & 0x1f, m = h & 0x3ff, u;
	float		 r;

	if (e == 0) {
		/* Zero or subnormal: m * 2^-24. */
		r = (float)m * (1.0f / 16777216.0f);
		return s ? -r : r;
	}
	if (e == 31)
		u = s | 0x7f800000u | (m << 13);
	else
		u = s | ((e + 112) << 23) | (m << 13);
	memcpy(&r, &u, sizeof(r));
	return r;
}

/* Element i of the stored constant at dv (float16 or float32). */
static float
const_at(const struct fb *f, size_t dv, size_t esz, size_t i)
{
	uint32_t	 u;
	float		 r;

	if (esz == 2)
		return half_to_float((uint16_t)fb_u16(f, dv + 2 * i));
	u = (uint32_t)fb_u32(f, dv + 4 * i);
	memcpy(&r, &u, sizeof(r));
	return r;
}

#define SP_MAXLV	8

/* One level of a sparse tensor's storage (TFLite DimensionMetadata). */
struct sp_level {
	int		 csr;		/* 0 dense, 1 compressed */
	int		 size;		/* dense size */
	int64_t		 seg, idx;	/* CSR arrays (positions) */
	int		 segw, idxw;	/* their element width: 1, 2, 4 */
	uint32_t	 nseg, nidx;
};

struct sp_state {
	const struct fb	*f;
	struct sp_level	 lv[SP_MAXLV];
	int		 nlv, rank;
	int		 order[SP_MAXLV];
	int		 bmap[SP_MAXLV];
	int		 bsize[SP_MAXLV];
	int		 idx[SP_MAXLV];
	struct tfl_tensor *t;
	size_t		 dv, esz, src, nsrc;
	int		 bad;
};

static int64_t
sp_arr(const struct fb *f, int64_t p, int w, uint32_t i)
{
	if (w == 1)
		return p + i < (int64_t)f->len ? f->b[p + i] : -1;
	if (w == 2)
		return fb_u16(f, (size_t)p + 2 * i);
	return fb_u32(f, (size_t)p + 4 * (size_t)i);
}

/* Walk the storage levels as TFLite's FormatConverter does. */
static void
sp_walk(struct sp_state *s, int level, int64_t prev)
{
	struct sp_level	*l;
	int64_t		 a, b, j, x;
	int		 i, k, o[TFL_MAXDIM], d;
	size_t		 flat;

	if (s->bad)
		return;
	if (level == s->nlv) {
		memset(o, 0, sizeof(o));
		for (i = 0; i < s->rank; i++)
			o[s->order[i]] = s->idx[i];
		for (; i < s->nlv; i++) {
			k = s->order[i] - s->rank;
			d = s->bmap[k];
			o[d] = o[d] * s->bsize[k] + s->idx[i];
		}
		flat = 0;
		for (i = 0; i < s->rank; i++) {
			d = s->t->dim[TFL_MAXDIM - s->rank + i];
			if (o[i] < 0 || o[i] >= d) {
				s->bad = 1;
				return;
			}
			flat = flat * (size_t)d + (size_t)o[i];
		}
		if (s->src >= s->nsrc) {
			s->bad = 1;
			return;
		}
		s->t->data[flat] = const_at(s->f, s->dv, s->esz, s->src++);
		return;
	}
	l = &s->lv[level];
	if (!l->csr) {
		for (i = 0; i < l->size && !s->bad; i++) {
			s->idx[level] = i;
			sp_walk(s, level + 1, prev * l->size + i);
		}
		return;
	}
	if (prev < 0 || (uint64_t)prev + 1 >= l->nseg) {
		s->bad = 1;
		return;
	}
	a = sp_arr(s->f, l->seg, l->segw, (uint32_t)prev);
	b = sp_arr(s->f, l->seg, l->segw, (uint32_t)prev + 1);
	if (a < 0 || b < 0 || a > b || (uint64_t)b > l->nidx) {
		s->bad = 1;
		return;
	}
	for (j = a; j < b && !s->bad; j++) {
		/* The leaf checks the index against the dense shape. */
		x = sp_arr(s->f, l->idx, l->idxw, (uint32_t)j);
		if (x < 0 || x > 65535) {
			s->bad = 1;
			return;
		}
		s->idx[level] = (int)x;
		sp_walk(s, level + 1, j);
	}
}

/* One CSR array (a SparseIndexVector union member) of a level. */
static int
sp_vector(const struct fb *f, int64_t dm, int tid, int vid, int64_t *pos,
    int *w, uint32_t *n)
{
	int		 bad = 0;
	int64_t		 ty, p;

	ty = fb_int(f, (size_t)dm, tid, 1, 0, &bad) & 0xff;
	if (bad || ty < 1 || ty > 3)
		return -1;
	*w = ty == 1 ? 4 : ty == 2 ? 2 : 1;
	p = fb_field(f, (size_t)dm, vid);
	if (p <= 0)
		return -1;
	p = fb_deref(f, p);
	if (p < 0)
		return -1;
	*pos = fb_vec(f, (size_t)p, 0, (size_t)*w, n);
	return *pos <= 0 ? -1 : 0;
}

/*
 * Expand a sparse constant (TFLite SparsityParameters at sp) into t's
 * dense float32 data.  Every index is checked against the dense shape and
 * the stored value count.
 */
static int
densify(struct fb *f, size_t sp, struct tfl_tensor *t, uint32_t rank,
    size_t dv, uint32_t dlen, size_t esz)
{
	struct sp_state	 s;
	int64_t		 ov, bv, mv, dm;
	uint32_t	 no, nb, nm, i;
	int		 bad = 0, seen = 0;

	memset(&s, 0, sizeof(s));
	s.f = f;
	s.t = t;
	s.rank = (int)rank;
	s.dv = dv;
	s.esz = esz;
	s.nsrc = dlen / esz;
	ov = fb_vec(f, sp, 0, 4, &no);
	bv = fb_vec(f, sp, 1, 4, &nb);
	mv = fb_vec(f, sp, 2, 4, &nm);
	if (ov < 0 || bv < 0 || mv < 0)
		return fb_fail(f, "sparsity vectors out of bounds");
	if (no != rank + nb || nm != no || no > SP_MAXLV || rank == 0)
		return fb_fail(f, "sparsity levels inconsistent");
	s.nlv = (int)no;
	for (i = 0; i < no; i++) {
		s.order[i] = (int32_t)(uint32_t)fb_u32(f, (size_t)ov + 4 * i);
		if (s.order[i] < 0 || s.order[i] >= (int)no ||
		    (seen & (1 << s.order[i])) ||
		    (i < rank && s.order[i] >= (int)rank))
			return fb_fail(f, "bad sparse traversal order");
		seen |= 1 << s.order[i];
	}
	for (i = 0; i < nb; i++) {
		s.bmap[i] = (int32_t)(uint32_t)fb_u32(f, (size_t)bv + 4 * i);
		if (s.bmap[i] < 0 || s.bmap[i] >= (int)rank)
			return fb_fail(f, "bad sparse block map");
	}
	for (i = 0; i < no; i++) {
		struct sp_level	*l = &s.lv[i];

		dm = fb_vtab(f, mv, i);
		if (dm < 0)
			return fb_fail(f, "dimension metadata out of bounds");
		l->csr = fb_int(f, (size_t)dm, 0, 1, 0, &bad) != 0;
		l->size = (int)fb_int(f, (size_t)dm, 1, 4, 0, &bad);
		if (l->csr && (sp_vector(f, dm, 2, 3, &l->seg, &l->segw,
		    &l->nseg) < 0 || sp_vector(f, dm, 4, 5, &l->idx,
		    &l->idxw, &l->nidx) < 0))
			return fb_fail(f, "bad sparse index arrays");
		if (bad)
			return fb_fail(f, "dimension metadata out of bounds");
		if (l->size < 0 || l->size > 65536 ||
		    (!l->csr && l->size < 1))
			return fb_fail(f, "bad sparse dimension size");
		if (s.order[i] >= (int)rank)
			s.bsize[s.order[i] - (int)rank] = l->size;
	}
	for (i = 0; i < nb; i++)
		if (s.bsize[i] < 1)
			return fb_fail(f, "bad sparse block size");
	t->data = calloc(t->n, sizeof(float));
	if (t->data == NULL)
		return fb_fail(f, "out of memory");
	sp_walk(&s, 0, 0);
	if (s.bad || s.src != s.nsrc)
		return fb_fail(f, "sparse constant inconsistent");
	return 0;
}

static int
load_tensor(struct fb *f, struct tfl_model *m, int64_t tab, int64_t bufs,
    uint32_t nbufs, struct tfl_tensor *t)
{
	int64_t		 sv, bi, bt, dv, np, sp;
	uint32_t	 rank, i, dlen;
	int		 bad = 0, type;
	size_t		 n = 1, esz;
	int32_t		 d;

	(void)m;
	if (tab < 0)
		return fb_fail(f, "tensor table out of bounds");
	sv = fb_vec(f, (size_t)tab, 0, 4, &rank);
	if (sv < 0)
		return fb_fail(f, "tensor shape out of bounds");
	if (rank > TFL_MAXDIM)
		return fb_fail(f, "tensor of rank > 4");
	for (i = 0; i < TFL_MAXDIM; i++)
		t->dim[i] = 1;
	for (i = 0; i < rank; i++) {
		d = (int32_t)(uint32_t)fb_u32(f, (size_t)sv + 4 * i);
		if (d < 1 || d > 65536)
			return fb_fail(f, "tensor dimension out of range");
		t->dim[TFL_MAXDIM - rank + i] = d;
		n *= (size_t)d;
		if (n > TFL_MAX_ELEMS)
			return fb_fail(f, "tensor too large");
	}
	t->n = n;
	t->rank = (int)rank;
	type = (int)fb_int(f, (size_t)tab, 1, 1, 0, &bad);
	bi = fb_int(f, (size_t)tab, 2, 4, 0, &bad);
	np = fb_field(f, (size_t)tab, 3);
	if (np > 0)
		np = fb_deref(f, np);
	if (np > 0) {
		int64_t		 sl = fb_u32(f, (size_t)np);

		if (sl < 0 || (uint64_t)sl > f->len - (size_t)np - 4)
			return fb_fail(f, "tensor name out of bounds");
		if (sl >= (int64_t)sizeof(t->name))
			sl = sizeof(t->name) - 1;
		memcpy(t->name, f->b + np + 4, (size_t)sl);
		t->name[sl] = '\0';
	}
	sp = fb_field(f, (size_t)tab, 6);
	if (sp > 0)
		sp = fb_deref(f, sp);
	if (sp < 0)
		return fb_fail(f, "sparsity out of bounds");
	if (bad)
		return fb_fail(f, "tensor fields out of bounds");
	if (type != TFL_T_FLOAT32 && type != TFL_T_FLOAT16 &&
	    type != TFL_T_INT32)
		return fb_fail(f, "tensor type not float32/float16/int32");
	t->type = type;
	if (bi < 0 || (uint64_t)bi >= nbufs)
		return fb_fail(f, "tensor buffer index out of range");
	bt = fb_vtab(f, bufs, (uint32_t)bi);
	if (bt < 0)
		return fb_fail(f, "buffer table out of bounds");
	dv = fb_vec(f, (size_t)bt, 0, 1, &dlen);
	if (dv < 0)
		return fb_fail(f, "buffer data out of bounds");
	if (dlen == 0) {
		/* float16 activations only come out of DENSIFY (folded). */
		if (type == TFL_T_INT32)
			return fb_fail(f, "int32 activation tensor");
		t->data = calloc(n, sizeof(float));
		if (t->data == NULL)
			return fb_fail(f, "out of memory");
		return 0;
	}
	esz = type == TFL_T_FLOAT16 ? 2 : 4;
	if (sp > 0) {
		if (type == TFL_T_INT32)
			return fb_fail(f, "sparse int32 constant");
		t->is_const = 1;
		return densify(f, (size_t)sp, t, rank, (size_t)dv, dlen, esz);
	}
	if ((size_t)dlen != n * esz)
		return fb_fail(f, "constant size does not match its shape");
	t->is_const = 1;
	if (type == TFL_T_INT32) {
		t->idata = malloc(n * sizeof(int32_t));
		if (t->idata == NULL)
			return fb_fail(f, "out of memory");
		for (i = 0; i < n; i++)
			t->idata[i] = (int32_t)(uint32_t)fb_u32(f,
			    (size_t)dv + 4 * i);
		return 0;
	}
	t->data = malloc(n * sizeof(float));
	if (t->data == NULL)
		return fb_fail(f, "out of memory");
	for (i = 0; i < n; i++) {
		if (type == TFL_T_FLOAT16)
			t->data[i] = half_to_float((uint16_t)fb_u16(f,
			    (size_t)dv + 2 * i));
		else {
			uint32_t u = (uint32_t)fb_u32(f, (size_t)dv + 4 * i);

			memcpy(&t->data[i], &u, sizeof(float));
		}
	}
	return 0;
}

/* Read the index vector in field id of tab into out (at most max). */
static int
load_idx(struct fb *f, int64_t tab, int id, int *out, int max, int nt,
    int *cnt)
{
	int64_t		 v;
	uint32_t	 n, i;
	int32_t		 x;

	v = fb_vec(f, (size_t)tab, id, 4, &n);
	if (v < 0)
		return fb_fail(f, "index vector out of bounds");
	if (n > (uint32_t)max)
		return fb_fail(f, "too many operator inputs/outputs");
	for (i = 0; i < n; i++) {
		x = (int32_t)(uint32_t)fb_u32(f, (size_t)v + 4 * i);
		if (x < -1 || x >= nt)
			return fb_fail(f, "tensor index out of range");
		out[i] = x;
	}
	*cnt = (int)n;
	return 0;
}

/* Options table of op (field 4), checked to be of union type want. */
static int64_t
op_options(struct fb *f, int64_t tab, int want, int *bad)
{
	int64_t		 ty, p;

	ty = fb_int(f, (size_t)tab, 3, 1, 0, bad);
	if ((ty & 0xff) != want)
		return 0;
	p = fb_field(f, (size_t)tab, 4);
	if (p <= 0)
		return 0;
	p = fb_deref(f, p);
	if (p < 0)
		*bad = 1;
	return p < 0 ? 0 : p;
}

static int
check_act(struct fb *f, int act)
{
	if (act != 0 && act != 1 && act != 3)
		return fb_fail(f, "fused activation not none/relu/relu6");
	return 0;
}

static int
load_op(struct fb *f, struct tfl_model *m, int64_t tab, const int *codes,
    uint32_t ncodes, struct tfl_op *o)
{
	int64_t		 oi, opt;
	int		 bad = 0, nout, outs[2], i;

	if (tab < 0)
		return fb_fail(f, "operator table out of bounds");
	oi = fb_int(f, (size_t)tab, 0, 4, 0, &bad);
	if (bad || oi < 0 || (uint64_t)oi >= ncodes)
		return fb_fail(f, "operator code index out of range");
	o->code = codes[oi];
	if (load_idx(f, tab, 1, o->in, 3, m->nt, &o->nin) < 0 ||
	    load_idx(f, tab, 2, outs, 2, m->nt, &nout) < 0)
		return -1;
	if (nout != 1 || outs[0] < 0 || o->nin < 1 || o->in[0] < 0)
		return fb_fail(f, "operator needs one input and one output");
	for (i = 1; i < o->nin; i++)
		if (o->in[i] < 0 && o->code != TFL_CONV_2D &&
		    o->code != TFL_DEPTHWISE_CONV_2D)
			return fb_fail(f, "optional input on this operator");
	o->out = outs[0];
	if ((o->code == TFL_CONV_2D || o->code == TFL_DEPTHWISE_CONV_2D) &&
	    (o->nin < 2 || o->in[1] < 0))
		return fb_fail(f, "convolution without weights");
	if (m->t[o->out].is_const)
		return fb_fail(f, "operator writes a constant");
	o->sw = o->sh = 1;
	switch (o->code) {
	case TFL_CONV_2D:
		opt = op_options(f, tab, 1, &bad);
		if (opt == 0 || o->nin < 2)
			return fb_fail(f, "conv without options/weights");
		o->pad_same = fb_int(f, (size_t)opt, 0, 1, 0, &bad) == 0;
		o->sw = (int)fb_int(f, (size_t)opt, 1, 4, 1, &bad);
		o->sh = (int)fb_int(f, (size_t)opt, 2, 4, 1, &bad);
		o->act = (int)fb_int(f, (size_t)opt, 3, 1, 0, &bad);
		if (fb_int(f, (size_t)opt, 4, 4, 1, &bad) != 1 ||
		    fb_int(f, (size_t)opt, 5, 4, 1, &bad) != 1)
			return fb_fail(f, "dilated conv");
		break;
	case TFL_DEPTHWISE_CONV_2D:
		opt = op_options(f, tab, 2, &bad);
		if (opt == 0 || o->nin < 2)
			return fb_fail(f, "depthwise without options/weights");
		o->pad_same = fb_int(f, (size_t)opt, 0, 1, 0, &bad) == 0;
		o->sw = (int)fb_int(f, (size_t)opt, 1, 4, 1, &bad);
		o->sh = (int)fb_int(f, (size_t)opt, 2, 4, 1, &bad);
		if (fb_int(f, (size_t)opt, 3, 4, 1, &bad) != 1)
			return fb_fail(f, "depth multiplier != 1");
		o->act = (int)fb_int(f, (size_t)opt, 4, 1, 0, &bad);
		if (fb_int(f, (size_t)opt, 5, 4, 1, &bad) != 1 ||
		    fb_int(f, (size_t)opt, 6, 4, 1, &bad) != 1)
			return fb_fail(f, "dilated depthwise conv");
		break;
	case TFL_AVERAGE_POOL_2D:
	case TFL_MAX_POOL_2D:
		opt = op_options(f, tab, 5, &bad);
		if (opt == 0)
			return fb_fail(f, "pool without options");
		o->pad_same = fb_int(f, (size_t)opt, 0, 1, 0, &bad) == 0;
		o->sw = (int)fb_int(f, (size_t)opt, 1, 4, 1, &bad);
		o->sh = (int)fb_int(f, (size_t)opt, 2, 4, 1, &bad);
		o->fw = (int)fb_int(f, (size_t)opt, 3, 4, 1, &bad);
		o->fh = (int)fb_int(f, (size_t)opt, 4, 4, 1, &bad);
		o->act = (int)fb_int(f, (size_t)opt, 5, 1, 0, &bad);
		if (o->fw < 1 || o->fh < 1 || o->fw > 64 || o->fh > 64)
			return fb_fail(f, "pool filter size out of range");
		break;
	case TFL_ADD:
		opt = op_options(f, tab, 11, &bad);
		if (opt != 0)
			o->act = (int)fb_int(f, (size_t)opt, 0, 1, 0, &bad);
		break;
	case TFL_MUL:
		opt = op_options(f, tab, 21, &bad);
		if (opt != 0)
			o->act = (int)fb_int(f, (size_t)opt, 0, 1, 0, &bad);
		break;
	case TFL_CONCATENATION:
		opt = op_options(f, tab, 10, &bad);
		if (opt == 0)
			return fb_fail(f, "concatenation without options");
		o->axis = (int)fb_int(f, (size_t)opt, 0, 4, 0, &bad);
		o->act = (int)fb_int(f, (size_t)opt, 1, 1, 0, &bad);
		break;
	case TFL_RESIZE_BILINEAR:
		opt = op_options(f, tab, 15, &bad);
		if (opt != 0) {
			o->align_corners = fb_int(f, (size_t)opt, 2, 1, 0,
			    &bad) != 0;
			o->half_pixel = fb_int(f, (size_t)opt, 3, 1, 0,
			    &bad) != 0;
		}
		break;
	case TFL_DEQUANTIZE:
	case TFL_DENSIFY:
	case TFL_DEPTH_TO_SPACE:
	case TFL_LOGISTIC:
	case TFL_RELU:
	case TFL_RELU6:
	case TFL_RESHAPE:
	case TFL_PAD:
	case TFL_PRELU:
		break;
	default:
		snprintf(f->err, f->errlen, "tflite: unsupported operator %d",
		    o->code);
		return -1;
	}
	if (bad)
		return fb_fail(f, "operator options out of bounds");
	if (o->sw < 1 || o->sh < 1 || o->sw > 8 || o->sh > 8)
		return fb_fail(f, "stride out of range");
	return check_act(f, o->act);
}

/*
 * DENSIFY and DEQUANTIZE of constants are done once here: the output
 * becomes a constant holding the input's float32 data, and the operator
 * is dropped (code -1).  Any other operator must then read float32
 * tensors only.
 */
static int
fold_constants(struct fb *f, struct tfl_model *m)
{
	struct tfl_op		*o;
	struct tfl_tensor	*a, *b;
	int			 i, j;

	for (i = 0; i < m->nop; i++) {
		o = &m->op[i];
		if (o->code != TFL_DENSIFY && o->code != TFL_DEQUANTIZE)
			continue;
		a = &m->t[o->in[0]];
		b = &m->t[o->out];
		if (!a->is_const || a->data == NULL || a->n != b->n)
			return fb_fail(f, "dequantize of a non-constant");
		memcpy(b->data, a->data, a->n * sizeof(float));
		b->is_const = 1;
		b->type = TFL_T_FLOAT32;
		o->code = -1;
	}
	for (i = 0; i < m->nop; i++) {
		o = &m->op[i];
		if (o->code < 0)
			continue;
		for (j = 0; j < o->nin; j++) {
			if (o->in[j] < 0)
				continue;
			a = &m->t[o->in[j]];
			if (a->type == TFL_T_FLOAT16 ||
			    (a->type == TFL_T_INT32 && j == 0))
				return fb_fail(f, "operator input not float32");
		}
		if (m->t[o->out].type != TFL_T_FLOAT32)
			return fb_fail(f, "operator output not float32");
	}
	return 0;
}

/*
 * A zero PAD of height and width only, read only by VALID convolutions,
 * becomes those convolutions' own padding (the kernels treat what lies
 * outside the input as zero) and is dropped.
 */
static void
fold_pads(struct tfl_model *m)
{
	struct tfl_op		*o, *u;
	const struct tfl_tensor	*p;
	int			 i, j, k, users, ok;

	for (i = 0; i < m->nop; i++) {
		o = &m->op[i];
		if (o->code != TFL_PAD || o->nin != 2)
			continue;
		p = &m->t[o->in[1]];
		if (!p->is_const || p->idata == NULL || p->n != 8 ||
		    p->idata[0] || p->idata[1] || p->idata[6] || p->idata[7])
			continue;
		for (k = 2; k < 6; k++)
			if (p->idata[k] < 0 || p->idata[k] > 8)
				break;
		if (k < 6)
			continue;
		users = 0;
		ok = 1;
		for (j = 0; j < m->nop; j++) {
			u = &m->op[j];
			for (k = 0; k < u->nin; k++)
				if (u->in[k] == o->out) {
					users++;
					if (k != 0 || u->pad_same ||
					    (u->code != TFL_CONV_2D &&
					    u->code != TFL_DEPTHWISE_CONV_2D) ||
					    u->xpad[0] || u->xpad[1] ||
					    u->xpad[2] || u->xpad[3])
						ok = 0;
				}
		}
		for (k = 0; k < m->nout; k++)
			if (m->out[k] == o->out)
				ok = 0;
		if (!ok || users == 0)
			continue;
		for (j = 0; j < m->nop; j++) {
			u = &m->op[j];
			if (u->code < 0 || u->in[0] != o->out)
				continue;
			u->in[0] = o->in[0];
			u->xpad[0] = p->idata[2];
			u->xpad[1] = p->idata[4];
			u->xpad[2] = p->idata[3];
			u->xpad[3] = p->idata[5];
		}
		o->code = -1;
	}
}

/* The one live operator reading tensor t, or -1 (none, several, output). */
static int
sole_user(const struct tfl_model *m, int t)
{
	int	 j, k, user = -1;

	for (k = 0; k < m->nout; k++)
		if (m->out[k] == t)
			return -1;
	for (j = 0; j < m->nop; j++) {
		if (m->op[j].code < 0)
			continue;
		for (k = 0; k < m->op[j].nin; k++)
			if (m->op[j].in[k] == t) {
				if (user >= 0 && user != j)
					return -1;
				user = j;
			}
	}
	return user;
}

static int
const_shape(const struct tfl_model *m, int t, int n, int h, int w, int c)
{
	const struct tfl_tensor	*x = &m->t[t];

	return x->is_const && x->data != NULL && x->dim[0] == n &&
	    x->dim[1] == h && x->dim[2] == w && x->dim[3] == c;
}

/* A bias operand: absent, or n constants. */
static int
bias_ok(const struct tfl_model *m, const struct tfl_op *o, size_t n)
{
	return o->nin < 3 || o->in[2] < 0 ||
	    (m->t[o->in[2]].is_const && m->t[o->in[2]].n == n);
}

/*
 * Inverted-residual blocks of 8 channels (the segmentation head's):
 * DEPTHWISE 3x3 (stride 1, SAME) -> CONV 1x1 8 -> 8 -> ADD with the
 * block's input, each intermediate read by the next operator only,
 * become one operator (the depthwise's, which then writes the ADD's
 * output; tflite_kern.c's block8), the two others marked TFL_BLOCK8.
 */
static void
fuse_blocks(struct tfl_model *m)
{
	struct tfl_op		*d, *p, *a;
	const struct tfl_tensor	*x;
	int			 i, j, k;

	for (i = 0; i < m->nop; i++) {
		d = &m->op[i];
		if (d->code != TFL_DEPTHWISE_CONV_2D || d->nin < 2)
			continue;
		x = &m->t[d->in[0]];
		if (x->dim[0] != 1 || x->dim[3] != 8 || d->sh != 1 ||
		    d->sw != 1 || !d->pad_same || d->xpad[0] || d->xpad[1] ||
		    d->xpad[2] || d->xpad[3] ||
		    !const_shape(m, d->in[1], 1, 3, 3, 8) ||
		    !bias_ok(m, d, 8) ||
		    m->t[d->out].n != x->n)
			continue;
		j = sole_user(m, d->out);
		if (j <= i)
			continue;
		p = &m->op[j];
		if (p->code != TFL_CONV_2D || p->nin < 2 ||
		    p->in[0] != d->out ||
		    p->sh != 1 || p->sw != 1 || p->xpad[0] || p->xpad[1] ||
		    p->xpad[2] || p->xpad[3] ||
		    !const_shape(m, p->in[1], 8, 1, 1, 8) ||
		    !bias_ok(m, p, 8) ||
		    m->t[p->out].n != x->n)
			continue;
		k = sole_user(m, p->out);
		if (k <= j)
			continue;
		a = &m->op[k];
		if (a->code != TFL_ADD || a->nin != 2 ||
		    !((a->in[0] == d->in[0] && a->in[1] == p->out) ||
		    (a->in[1] == d->in[0] && a->in[0] == p->out)) ||
		    m->t[a->out].n != x->n || m->t[a->out].dim[3] != 8)
			continue;
		d->blk_pw = j;
		d->blk_add = k;		/* > 0: the head of a block */
		p->code = TFL_BLOCK8;
		a->code = TFL_BLOCK8;
	}
}

/* The tensor an operator writes (a fused block's: its ADD's), or -1. */
static int
op_writes(const struct tfl_model *m, const struct tfl_op *o)
{
	if (o->code < 0)
		return -1;
	if (o->code == TFL_DEPTHWISE_CONV_2D && o->blk_add > 0)
		return m->op[o->blk_add].out;
	return o->out;
}

/* Whether tensor t is one the arena may hold: computed, not in or out. */
static int
plannable(const struct tfl_model *m, int t)
{
	int	 k;

	if (m->t[t].is_const || m->t[t].n == 0)
		return 0;
	for (k = 0; k < m->nin; k++)
		if (m->in[k] == t)
			return 0;
	for (k = 0; k < m->nout; k++)
		if (m->out[k] == t)
			return 0;
	return 1;
}

/* Whether planned tensors a and b are alive at the same operator. */
static int
overlap(const int *def, const int *last, int a, int b)
{
	return def[a] >= 0 && def[b] >= 0 && def[a] <= last[b] &&
	    def[b] <= last[a];
}

/* An arena range [lo, hi) taken by a tensor. */
struct span {
	size_t		 lo, hi;
};

static int
by_lo(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/*
 * Memory planning: each intermediate tensor lives from the operator
 * that writes it to the last that reads it; they share one arena, each
 * placed at the lowest offset (64-byte aligned) clear of the tensors
 * placed before it whose lives overlap its own -- so an operator's
 * output never lies over its inputs.  The working set stays small
 * enough to remain in cache from one operator to the next.  On failure
 * (memory) the tensors keep their own buffers.
 */
static void
plan_memory(struct tfl_model *m)
{
	int		*def, *last, i, k, t, u, nl;
	size_t		*off, *sz, end = 0, pos;
	struct span	*l;
	const struct tfl_op *o;

	def = malloc((size_t)m->nt * 2 * sizeof(int));
	off = malloc((size_t)m->nt * 2 * sizeof(size_t));
	l = malloc((size_t)m->nt * sizeof(*l));
	if (def == NULL || off == NULL || l == NULL)
		goto out;
	last = def + m->nt;
	sz = off + m->nt;
	for (t = 0; t < m->nt; t++) {
		def[t] = last[t] = -1;
		sz[t] = (m->t[t].n + 15) / 16 * 16 * sizeof(float);
	}
	for (i = 0; i < m->nop; i++) {
		o = &m->op[i];
		t = op_writes(m, o);
		if (t < 0)
			continue;
		if (plannable(m, t)) {
			if (def[t] >= 0)
				goto out;	/* written twice */
			def[t] = last[t] = i;
		}
		for (k = 0; k < o->nin; k++)
			if (o->in[k] >= 0)
				last[o->in[k]] = i;
	}
	for (t = 0; t < m->nt; t++) {
		if (def[t] < 0)
			continue;
		if (last[t] < def[t])
			last[t] = def[t];
		nl = 0;
		for (u = 0; u < t; u++)
			if (overlap(def, last, u, t)) {
				l[nl].lo = off[u];
				l[nl++].hi = off[u] + sz[u];
			}
		qsort(l, (size_t)nl, sizeof(*l), by_lo);
		pos = 0;
		for (u = 0; u < nl && l[u].lo < pos + sz[t]; u++)
			pos = l[u].hi > pos ? l[u].hi : pos;
		off[t] = pos;
		end = pos + sz[t] > end ? pos + sz[t] : end;
	}
	if (end == 0 || posix_memalign((void **)&m->arena, 64, end) != 0) {
		m->arena = NULL;
		goto out;
	}
	memset(m->arena, 0, end);
	for (t = 0; t < m->nt; t++) {
		if (def[t] < 0)
			continue;
		free(m->t[t].data);
		m->t[t].data = m->arena + off[t] / sizeof(float);
		m->t[t].in_arena = 1;
	}
out:
	free(def);
	free(off);
	free(l);
}

int
tfl_load(struct tfl_model *m, const void *buf, size_t len, char *err,
    size_t errlen)
{
	struct fb	 f = { buf, len, err, errlen };
	int64_t		 root, codes_v, subs, sg, bufs, tens, ops, ct;
	uint32_t	 ncodes, nsub, nbufs, ntens, nops, i;
	int		*codes = NULL, bad = 0;
	int64_t		 dep, bc;
	size_t		 total = 0;

	memset(m, 0, sizeof(*m));
	if (len < 8 || len > 0x7fffffff) {
		fb_fail(&f, "file too short or too large");
		goto fail;
	}
	if (memcmp((const uint8_t *)buf + 4, "TFL3", 4) != 0) {
		fb_fail(&f, "not a TFLite flatbuffer (no TFL3 identifier)");
		goto fail;
	}
	root = fb_deref(&f, 0);
	if (root < 0) {
		fb_fail(&f, "root table out of bounds");
		goto fail;
	}
	codes_v = fb_vec(&f, (size_t)root, 1, 4, &ncodes);
	subs = fb_vec(&f, (size_t)root, 2, 4, &nsub);
	bufs = fb_vec(&f, (size_t)root, 4, 4, &nbufs);
	if (codes_v < 0 || subs < 0 || bufs < 0) {
		fb_fail(&f, "model vectors out of bounds");
		goto fail;
	}
	if (nsub != 1 || ncodes == 0 || ncodes > 256) {
		fb_fail(&f, "expected one subgraph and 1..256 operator codes");
		goto fail;
	}
	codes = calloc(ncodes, sizeof(*codes));
	if (codes == NULL) {
		fb_fail(&f, "out of memory");
		goto fail;
	}
	for (i = 0; i < ncodes; i++) {
		ct = fb_vtab(&f, codes_v, i);
		if (ct < 0) {
			fb_fail(&f, "operator code out of bounds");
			goto fail;
		}
		dep = fb_int(&f, (size_t)ct, 0, 1, 0, &bad);
		bc = fb_int(&f, (size_t)ct, 3, 4, 0, &bad);
		codes[i] = (int)(bc > dep ? bc : dep);
		if (fb_field(&f, (size_t)ct, 1) != 0 && codes[i] == 32) {
			fb_fail(&f, "custom operators are not supported");
			goto fail;
		}
	}
	sg = bad ? -1 : fb_vtab(&f, subs, 0);
	if (sg < 0) {
		fb_fail(&f, "subgraph out of bounds");
		goto fail;
	}
	tens = fb_vec(&f, (size_t)sg, 0, 4, &ntens);
	ops = fb_vec(&f, (size_t)sg, 3, 4, &nops);
	if (tens < 0 || ops < 0) {
		fb_fail(&f, "subgraph vectors out of bounds");
		goto fail;
	}
	if (ntens == 0 || ntens > TFL_MAX_TENSORS || nops == 0 ||
	    nops > TFL_MAX_OPS) {
		fb_fail(&f, "tensor or operator count out of range");
		goto fail;
	}
	m->t = calloc(ntens, sizeof(*m->t));
	m->op = calloc(nops, sizeof(*m->op));
	if (m->t == NULL || m->op == NULL) {
		fb_fail(&f, "out of memory");
		goto fail;
	}
	m->nt = (int)ntens;
	for (i = 0; i < ntens; i++) {
		if (load_tensor(&f, m, fb_vtab(&f, tens, i), bufs, nbufs,
		    &m->t[i]) < 0)
			goto fail;
		total += m->t[i].n;
		if (total > TFL_MAX_TOTAL) {
			fb_fail(&f, "tensors too large in total");
			goto fail;
		}
	}
	m->nop = (int)nops;
	for (i = 0; i < nops; i++)
		if (load_op(&f, m, fb_vtab(&f, ops, i), codes, ncodes,
		    &m->op[i]) < 0)
			goto fail;
	if (load_idx(&f, sg, 1, m->in, 4, m->nt, &m->nin) < 0 ||
	    load_idx(&f, sg, 2, m->out, 8, m->nt, &m->nout) < 0)
		goto fail;
	for (i = 0; i < (uint32_t)m->nin; i++)
		if (m->in[i] < 0 || m->t[m->in[i]].is_const) {
			fb_fail(&f, "bad graph input");
			goto fail;
		}
	for (i = 0; i < (uint32_t)m->nout; i++)
		if (m->out[i] < 0) {
			fb_fail(&f, "bad graph output");
			goto fail;
		}
	if (fold_constants(&f, m) < 0)
		goto fail;
	fold_pads(m);
	fuse_blocks(m);
	plan_memory(m);
	free(codes);
	return 0;
fail:
	free(codes);
	tfl_free(m);
	return -1;
}

void
tfl_free(struct tfl_model *m)
{
	int	 i;

	if (m == NULL)
		return;
	for (i = 0; m->t != NULL && i < m->nt; i++) {
		if (!m->t[i].in_arena)
			free(m->t[i].data);
		free(m->t[i].idata);
	}
	free(m->arena);
	for (i = 0; m->op != NULL && i < m->nop; i++) {
		free(m->op[i].wpack);
		tfl_xnn_free(&m->op[i]);
	}
	free(m->t);
	free(m->op);
	memset(m, 0, sizeof(*m));
}

struct tfl_tensor *
tfl_tensor_by_name(struct tfl_model *m, const char *name)
{
	int	 i;

	for (i = 0; i < m->nt; i++)
		if (strcmp(m->t[i].name, name) == 0)
			return &m->t[i];
	return NULL;
}
