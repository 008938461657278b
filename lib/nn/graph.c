/*
 * The network runtime's graph: op records checked against the tensor
 * table, one scratch arena planned for all tensors, weights packed for
 * the GEMM kernels, and the layer loop.  The kernels themselves are in
 * lib/nn/kernels.c; the file formats that feed this are their models'.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"

uint32_t
nn_rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

float
nn_rdf(const unsigned char *p)
{
	uint32_t	 u = nn_rd32(p);
	float		 f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

uint32_t
nn_fnv1a(const unsigned char *p, size_t n)
{
	uint32_t	 h = 0x811c9dc5u;
	size_t		 i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x01000193u;
	}
	return h;
}

int
nn_read_file(const char *path, size_t max, unsigned char **out, size_t *len,
    const char **why)
{
	FILE		*f;
	unsigned char	*buf = NULL;
	long		 sz;

	*out = NULL;
	f = fopen(path, "rb");
	if (f == NULL) {
		*why = strerror(errno);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0) {
		*why = "cannot seek";
		goto fail;
	}
	sz = ftell(f);
	if (sz < 0 || (unsigned long)sz > max) {
		*why = "bad file size";
		goto fail;
	}
	if (fseek(f, 0, SEEK_SET) != 0) {
		*why = "cannot seek";
		goto fail;
	}
	buf = malloc(sz > 0 ? (size_t)sz : 1);
	if (buf == NULL) {
		*why = "out of memory";
		goto fail;
	}
	if (fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
		*why = "short read";
		goto fail;
	}
	fclose(f);
	*out = buf;
	*len = (size_t)sz;
	return 0;
fail:
	free(buf);
	fclose(f);
	return -1;
}

size_t
nn_tsize(const struct nn_tensor *t)
{
	return (size_t)t->h * t->w * t->c;
}

const char *
nn_check_op(const uint32_t *r, uint32_t idx, const struct nn_tensor *t,
    uint32_t nt, uint64_t nfloats)
{
	uint32_t		 op = r[0], act = r[1], src = r[2], dst = r[3];
	uint32_t		 add = r[4], kh = r[5], kw = r[6], s = r[7];
	uint32_t		 pt = r[8], pl = r[9], pb = r[10], pr = r[11];
	uint32_t		 cin = r[12], cout = r[13];
	uint64_t		 wn = 0, oh, ow;
	const struct nn_tensor *ti, *to;

	if (dst != idx + 1 || dst >= nt || src >= dst)
		return "op tensors out of order";
	ti = &t[src];
	to = &t[dst];
	if (act > NN_ACT_SOFTMAX || (act == NN_ACT_SOFTMAX && op != NN_OP_DENSE))
		return "bad activation";
	if (add != NN_NONE && (add >= dst || t[add].h != to->h ||
	    t[add].w != to->w || t[add].c != to->c))
		return "bad residual";
	if (op == NN_OP_CONV || op == NN_OP_DW) {
		if (kh < 1 || kh > 7 || kw < 1 || kw > 7 || s < 1 || s > 4 ||
		    pt >= kh || pb >= kh || pl >= kw || pr >= kw)
			return "bad convolution geometry";
		if ((uint64_t)ti->h + pt + pb < kh ||
		    (uint64_t)ti->w + pl + pr < kw)
			return "kernel larger than input";
		oh = ((uint64_t)ti->h + pt + pb - kh) / s + 1;
		ow = ((uint64_t)ti->w + pl + pr - kw) / s + 1;
		if (oh != to->h || ow != to->w)
			return "convolution output shape";
		if (cin != ti->c || cout != to->c)
			return "convolution channels";
		if (op == NN_OP_DW && cin != cout)
			return "depthwise channels";
		wn = (uint64_t)kh * kw * cin * (op == NN_OP_DW ? 1 : cout);
	} else if (op == NN_OP_PW || op == NN_OP_DENSE) {
		if (kh != 1 || kw != 1 || s != 1 || pt || pl || pb || pr)
			return "bad pointwise geometry";
		if (ti->h != to->h || ti->w != to->w || cin != ti->c ||
		    cout != to->c)
			return "pointwise shape";
		if (op == NN_OP_DENSE && (ti->h != 1 || ti->w != 1))
			return "dense on a spatial tensor";
		wn = (uint64_t)cin * cout;
	} else if (op == NN_OP_GAP) {
		if (to->h != 1 || to->w != 1 || to->c != ti->c ||
		    kh != ti->h || kw != ti->w || act != NN_ACT_NONE)
			return "bad pooling";
		if (r[14] != NN_NONE || r[15] != NN_NONE)
			return "pooling has weights";
		return NULL;
	} else
		return "unknown op";
	if (r[14] == NN_NONE || r[15] == NN_NONE ||
	    (uint64_t)r[14] + wn > nfloats || (uint64_t)r[15] + cout > nfloats)
		return "weights out of range";
	return NULL;
}

void
nn_layer_set(struct nn_layer *L, const uint32_t *r)
{
	L->op = r[0];
	L->act = r[1];
	L->src = r[2];
	L->dst = r[3];
	L->add = r[4];
	L->kh = r[5];
	L->kw = r[6];
	L->stride = r[7];
	L->pt = r[8];
	L->pl = r[9];
	L->pb = r[10];
	L->pr = r[11];
	L->cin = r[12];
	L->cout = r[13];
}

/*
 * Whether free slot s suits a tensor of need bytes better than slot best
 * (NN_NONE: none chosen yet): the smallest slot that fits, else the
 * largest one, to be grown.
 */
static int
slot_better(const size_t *cap, uint32_t best, uint32_t s, size_t need)
{
	if (best == NN_NONE)
		return 1;
	if (cap[s] >= need)
		return cap[best] < need || cap[s] < cap[best];
	return cap[best] < need && cap[s] > cap[best];
}

/*
 * Give every tensor (except the input, read in place) an offset in one
 * arena.  Slots are reused once a tensor's last reader has run; an op's
 * output never shares a slot with its own inputs.
 */
int
nn_plan_arena(struct nn_graph *m)
{
	uint32_t	*last = NULL, *owner = NULL;
	size_t		*cap = NULL, off;
	uint32_t	 nslots = 0, i, s, best;
	int		 rc = -1;

	last = calloc(m->nt, sizeof(*last));
	owner = calloc(m->nt, sizeof(*owner));	/* slot -> tensor + 1 */
	cap = calloc(m->nt, sizeof(*cap));
	if (last == NULL || owner == NULL || cap == NULL)
		goto fail;
	for (i = 0; i < m->nl; i++) {
		last[m->l[i].src] = i;
		if (m->l[i].add != NN_NONE)
			last[m->l[i].add] = i;
	}
	for (i = 0; i < m->nl; i++) {
		uint32_t	 d = m->l[i].dst;
		size_t		 need = nn_tsize(&m->t[d]);

		/* Release slots whose tensor nobody reads from op i on. */
		for (s = 0; s < nslots; s++)
			if (owner[s] != 0 && last[owner[s] - 1] < i)
				owner[s] = 0;
		/* Smallest free slot that fits, else the largest to grow. */
		best = NN_NONE;
		for (s = 0; s < nslots; s++) {
			if (owner[s] == 0 && slot_better(cap, best, s, need))
				best = s;
		}
		if (best == NN_NONE)
			best = nslots++;
		if (cap[best] < need)
			cap[best] = need;
		owner[best] = d + 1;
		m->t[d].off = best;	/* slot index for now */
	}
	off = 0;
	for (s = 0; s < nslots; s++) {
		size_t	 c = (cap[s] + 15) & ~(size_t)15;

		cap[s] = off;
		off += c;
	}
	for (i = 1; i < m->nt; i++)
		m->t[i].off = cap[m->t[i].off];
	m->arena = off;
	rc = 0;
fail:
	free(last);
	free(owner);
	free(cap);
	return rc;
}

/*
 * Copy the payload into aligned memory, repacking pointwise and dense
 * weights into 16-column panels (zero padded) with matching biases.
 */
int
nn_load_weights(struct nn_graph *m, const unsigned char *payload,
    const uint32_t *recs)
{
	size_t		 total = 0, pos = 0, n, i, k, j;
	uint32_t	 li;
	float		*w;

	for (li = 0; li < m->nl; li++) {
		const struct nn_layer *L = &m->l[li];
		size_t	 np = ((size_t)L->cout + NN_PANEL - 1) / NN_PANEL *
			    NN_PANEL;

		if (L->op == NN_OP_GAP)
			continue;
		if (L->op == NN_OP_PW || L->op == NN_OP_DENSE)
			n = (size_t)L->cin * np + np;
		else if (L->op == NN_OP_DW)
			n = (size_t)L->kh * L->kw * L->cin + L->cout;
		else
			n = (size_t)L->kh * L->kw * L->cin * L->cout + L->cout;
		total += (n + 15) & ~(size_t)15;
	}
	if (posix_memalign((void **)&m->weights, NN_ALIGN,
	    (total ? total : 1) * sizeof(float)) != 0) {
		m->weights = NULL;
		return -1;
	}
	w = m->weights;
	for (li = 0; li < m->nl; li++) {
		struct nn_layer *L = &m->l[li];
		const unsigned char *src = payload + (size_t)recs[li * 16 + 14] * 4;
		const unsigned char *bsrc = payload + (size_t)recs[li * 16 + 15] * 4;
		size_t	 np = ((size_t)L->cout + NN_PANEL - 1) / NN_PANEL *
			    NN_PANEL;
		float	*dst = w + pos;

		if (L->op == NN_OP_GAP)
			continue;
		if (L->op == NN_OP_PW || L->op == NN_OP_DENSE) {
			/* panel p, row k, column q: [p][k][16] */
			n = (size_t)L->cin * np;
			memset(dst, 0, (n + np) * sizeof(float));
			for (k = 0; k < L->cin; k++)
				for (j = 0; j < L->cout; j++)
					dst[(j / NN_PANEL) * L->cin *
					    NN_PANEL + k * NN_PANEL +
					    j % NN_PANEL] = nn_rdf(src +
					    ((size_t)k * L->cout + j) * 4);
			for (j = 0; j < L->cout; j++)
				dst[n + j] = nn_rdf(bsrc + j * 4);
			L->w = dst;
			L->b = dst + n;
			n += np;
		} else {
			n = (size_t)L->kh * L->kw * L->cin *
			    (L->op == NN_OP_DW ? 1 : L->cout);
			for (i = 0; i < n; i++)
				dst[i] = nn_rdf(src + i * 4);
			for (j = 0; j < L->cout; j++)
				dst[n + j] = nn_rdf(bsrc + j * 4);
			L->w = dst;
			L->b = dst + n;
			n += L->cout;
		}
		pos += (n + 15) & ~(size_t)15;
	}
	return 0;
}

/* Global average pooling over h*w pixels of c channels. */
static void
gap(const float *in, size_t hw, size_t c, float *out)
{
	size_t	 p, j;

	for (j = 0; j < c; j++)
		out[j] = 0.0f;
	for (p = 0; p < hw; p++)
		for (j = 0; j < c; j++)
			out[j] += in[p * c + j];
	for (j = 0; j < c; j++)
		out[j] /= (float)hw;
}

/* Every tensor lives at its planned offset; the input is read in place. */
int
nn_run(const struct nn_graph *m, float *arena, const float *input)
{
	const float	*src, *add;
	float		*dst;
	uint32_t	 i;

	if (m == NULL || arena == NULL || input == NULL)
		return -1;
	for (i = 0; i < m->nl; i++) {
		const struct nn_layer *L = &m->l[i];
		const struct nn_tensor *ti = &m->t[L->src];
		const struct nn_tensor *to = &m->t[L->dst];

		src = L->src == 0 ? input : arena + ti->off;
		add = L->add == NN_NONE ? NULL :
		    (L->add == 0 ? input : arena + m->t[L->add].off);
		dst = arena + to->off;
		switch (L->op) {
		case NN_OP_CONV:
			m->k.conv(L, ti, src, to, dst);
			if (add != NULL) {
				size_t	 n = nn_tsize(to), j;

				for (j = 0; j < n; j++)
					dst[j] += add[j];
			}
			break;
		case NN_OP_DW:
			m->k.dw(L, ti, src, to, dst, add);
			break;
		case NN_OP_PW:
		case NN_OP_DENSE:
			m->k.pw(src, (size_t)ti->h * ti->w, ti->c, L->w, L->b,
			    to->c, dst, add,
			    L->act == NN_ACT_SOFTMAX ? NN_ACT_NONE : (int)L->act);
			break;
		case NN_OP_GAP:
			gap(src, (size_t)ti->h * ti->w, ti->c, dst);
			break;
		default:
			return -1;
		}
	}
	return 0;
}

void
nn_graph_free(struct nn_graph *g)
{
	if (g == NULL)
		return;
	free(g->weights);
	free(g->t);
	free(g->l);
	memset(g, 0, sizeof(*g));
}
