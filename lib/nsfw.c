/*
 * NSFW classifier: MobileNetV2 (nsfwjs 4.4.0) inference in C.
 *
 * Layout is NHWC float32 throughout.  Four op kinds cover the network:
 * a general direct convolution (the 3x3 stride-2 stem), a depthwise
 * convolution, a pointwise (1x1) convolution done as a register-blocked
 * GEMM against weights packed in 16-column panels, and global average
 * pooling; dense layers reuse the GEMM with one row.  BatchNorm is folded
 * at conversion; ReLU/ReLU6 and residual adds are fused into the op that
 * produces the tensor.
 *
 * The kernels (lib/nsfw_kern.h) use GCC/clang vector extensions and are
 * compiled three times from one source: 4-float vectors for the baseline
 * ISA, and on x86-64 8 floats with target("avx2,fma") and 16 floats with
 * target("avx512f,fma"); nsfw_load() picks the widest set the CPU runs
 * (__builtin_cpu_supports).  The normal -O2 build stays portable and
 * still uses the wide units where present.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "nsfw.h"

#define NSFW_MAGIC		"PRKNSFW"
#define NSFW_VERSION		1
#define NSFW_MAX_FILE		(64u * 1024 * 1024)
#define NSFW_MAX_TENSORS	1024
#define NSFW_MAX_OPS		1024
#define NSFW_MAX_DIM		4096
#define NSFW_MAX_TENSOR		(1u << 26)	/* floats */
#define NSFW_HDR		80
#define NSFW_NONE		0xffffffffu
#define NSFW_PANEL		16	/* GEMM panel width, floats */
#define NSFW_ALIGN		64

enum nsfw_op {
	OP_CONV = 1,
	OP_DW = 2,
	OP_PW = 3,
	OP_GAP = 4,
	OP_DENSE = 5
};

enum nsfw_act {
	ACT_NONE = 0,
	ACT_RELU = 1,
	ACT_RELU6 = 2,
	ACT_SOFTMAX = 3
};

struct nsfw_tensor {
	uint32_t	 h, w, c;
	size_t		 off;		/* float offset of its arena slot */
};

struct nsfw_layer {
	uint32_t	 op, act, src, dst, add;
	uint32_t	 kh, kw, stride, pt, pl, pb, pr;
	uint32_t	 cin, cout;
	const float	*w;		/* conv/dw: as in the file; pw/dense:
					 * packed panels [cout/16][cin][16] */
	const float	*b;		/* bias; pw/dense: padded to panels */
};

struct nsfw_kernels {
	const char	*name;
	void		(*pw)(const float *, size_t, size_t, const float *,
			    const float *, size_t, float *, const float *, int);
	void		(*dw)(const struct nsfw_layer *,
			    const struct nsfw_tensor *, const float *,
			    const struct nsfw_tensor *, float *, const float *);
	void		(*conv)(const struct nsfw_layer *,
			    const struct nsfw_tensor *, const float *,
			    const struct nsfw_tensor *, float *);
};

struct nsfw_model {
	struct nsfw_tensor	*t;
	uint32_t		 nt;
	struct nsfw_layer	*l;
	uint32_t		 nl;
	float			*weights;	/* owns every w/b pointer */
	size_t			 arena;		/* floats per run */
	struct nsfw_kernels	 k;
	/*
	 * One scratch arena (arena + NSFW_INPUT_FLOATS floats) kept with
	 * the model, pre-faulted, so a run costs no allocation and no page
	 * faults.  A run claims it with an atomic exchange; a concurrent
	 * run that finds it taken allocates its own.  This is the only
	 * thing a run writes in the model.
	 */
	float			*scratch;
	int			 scratch_busy;
};

typedef float vf4 __attribute__((vector_size(16)));
#if defined(__x86_64__) && defined(__GNUC__)
#define NSFW_X86 1
typedef float vf8 __attribute__((vector_size(32)));
typedef float vf16 __attribute__((vector_size(64)));
#endif

/*
 * Activation on a vector, in place.  Comparisons give lane masks; the
 * select is done with bit operations so that C (not only C++) accepts it.
 */
#define VACT(x, act) do {						\
	__typeof__(x)		 z_ = { 0 };				\
	__typeof__(x)		 six_ = z_ + 6.0f;			\
	__typeof__((x) > z_)	 m_;					\
									\
	if ((act) == ACT_RELU || (act) == ACT_RELU6) {			\
		m_ = (x) > z_;						\
		(x) = (__typeof__(x))((__typeof__(m_))(x) & m_);	\
	}								\
	if ((act) == ACT_RELU6) {					\
		m_ = (x) < six_;					\
		(x) = (__typeof__(x))(((__typeof__(m_))(x) & m_) |	\
		    ((__typeof__(m_))six_ & ~m_));			\
	}								\
} while (0)

static inline float
s_act(float x, int act)
{
	if ((act == ACT_RELU || act == ACT_RELU6) && !(x > 0.0f))
		x = 0.0f;
	if (act == ACT_RELU6 && x > 6.0f)
		x = 6.0f;
	return x;
}

/*
 * Three instantiations of lib/nsfw_kern.h.  The baseline one uses 4-float
 * vectors (SSE2 on x86-64, NEON or scalar code elsewhere); the x86 ones
 * are compiled for AVX2+FMA and AVX-512 regardless of -march, and are
 * only called after the CPU check in nsfw_set_isa().
 */
#define K_SFX	generic
#define K_VT	vf4
#define K_MR	2
#define K_ATTR
#include "nsfw_kern.h"
#undef K_SFX
#undef K_VT
#undef K_MR
#undef K_ATTR

#ifdef NSFW_X86
#define K_SFX	avx2
#define K_VT	vf8
#define K_MR	6
#define K_ATTR	__attribute__((target("avx2,fma")))
#include "nsfw_kern.h"
#undef K_SFX
#undef K_VT
#undef K_MR
#undef K_ATTR

#define K_SFX	avx512
#define K_VT	vf16
#define K_MR	12
#define K_ATTR	__attribute__((target("avx512f,fma")))
#include "nsfw_kern.h"
#undef K_SFX
#undef K_VT
#undef K_MR
#undef K_ATTR
#endif

static const struct nsfw_kernels nsfw_kernel_sets[] = {
#ifdef NSFW_X86
	{ "avx512", pw_avx512, dw_avx512, conv_avx512 },
	{ "avx2", pw_avx2, dw_avx2, conv_avx2 },
#endif
	{ "generic", pw_generic, dw_generic, conv_generic },
};
#define NSFW_NSETS (sizeof(nsfw_kernel_sets) / sizeof(nsfw_kernel_sets[0]))

/* Can this CPU run the named kernel set? */
static int
isa_supported(const char *name)
{
	if (strcmp(name, "generic") == 0)
		return 1;
#ifdef NSFW_X86
	__builtin_cpu_init();
	if (strcmp(name, "avx2") == 0)
		return __builtin_cpu_supports("avx2") &&
		    __builtin_cpu_supports("fma");
	if (strcmp(name, "avx512") == 0)
		return __builtin_cpu_supports("avx512f") &&
		    __builtin_cpu_supports("fma");
#endif
	return 0;
}

/*
 * Select a kernel set.  Returns 0, or -1 when unknown or unsupported.
 */
int
nsfw_set_isa(struct nsfw_model *m, const char *name)
{
	size_t	 i;

	if (m == NULL || name == NULL || !isa_supported(name))
		return -1;
	for (i = 0; i < NSFW_NSETS; i++) {
		if (strcmp(nsfw_kernel_sets[i].name, name) == 0) {
			m->k = nsfw_kernel_sets[i];
			return 0;
		}
	}
	return -1;
}

const char *
nsfw_isa(const struct nsfw_model *m)
{
	return m != NULL ? m->k.name : "?";
}

const char *
nsfw_class_name(int c)
{
	static const char *const names[NSFW_NCLASSES] = {
		"Drawing", "Hentai", "Neutral", "Porn", "Sexy"
	};

	if (c < 0 || c >= NSFW_NCLASSES)
		return "?";
	return names[c];
}

static uint32_t
rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static float
rdf(const unsigned char *p)
{
	uint32_t	 u = rd32(p);
	float		 f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

static uint32_t
fnv1a(const unsigned char *p, size_t n)
{
	uint32_t	 h = 0x811c9dc5u;
	size_t		 i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x01000193u;
	}
	return h;
}

/* Read a whole file of at most max bytes.  Caller frees *out. */
static int
read_file(const char *path, size_t max, unsigned char **out, size_t *len,
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

static size_t
tsize(const struct nsfw_tensor *t)
{
	return (size_t)t->h * t->w * t->c;
}

/*
 * Check one op against the tensor table and payload.  Returns NULL when
 * the op is well formed, else a short reason.
 */
static const char *
check_op(const uint32_t *r, uint32_t idx, const struct nsfw_tensor *t,
    uint32_t nt, uint64_t nfloats)
{
	uint32_t		 op = r[0], act = r[1], src = r[2], dst = r[3];
	uint32_t		 add = r[4], kh = r[5], kw = r[6], s = r[7];
	uint32_t		 pt = r[8], pl = r[9], pb = r[10], pr = r[11];
	uint32_t		 cin = r[12], cout = r[13];
	uint64_t		 wn = 0, oh, ow;
	const struct nsfw_tensor *ti, *to;

	if (dst != idx + 1 || dst >= nt || src >= dst)
		return "op tensors out of order";
	ti = &t[src];
	to = &t[dst];
	if (act > ACT_SOFTMAX || (act == ACT_SOFTMAX && op != OP_DENSE))
		return "bad activation";
	if (add != NSFW_NONE && (add >= dst || t[add].h != to->h ||
	    t[add].w != to->w || t[add].c != to->c))
		return "bad residual";
	if (op == OP_CONV || op == OP_DW) {
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
		if (op == OP_DW && cin != cout)
			return "depthwise channels";
		wn = (uint64_t)kh * kw * cin * (op == OP_DW ? 1 : cout);
	} else if (op == OP_PW || op == OP_DENSE) {
		if (kh != 1 || kw != 1 || s != 1 || pt || pl || pb || pr)
			return "bad pointwise geometry";
		if (ti->h != to->h || ti->w != to->w || cin != ti->c ||
		    cout != to->c)
			return "pointwise shape";
		if (op == OP_DENSE && (ti->h != 1 || ti->w != 1))
			return "dense on a spatial tensor";
		wn = (uint64_t)cin * cout;
	} else if (op == OP_GAP) {
		if (to->h != 1 || to->w != 1 || to->c != ti->c ||
		    kh != ti->h || kw != ti->w || act != ACT_NONE)
			return "bad pooling";
		if (r[14] != NSFW_NONE || r[15] != NSFW_NONE)
			return "pooling has weights";
		return NULL;
	} else
		return "unknown op";
	if (r[14] == NSFW_NONE || r[15] == NSFW_NONE ||
	    (uint64_t)r[14] + wn > nfloats || (uint64_t)r[15] + cout > nfloats)
		return "weights out of range";
	return NULL;
}

/*
 * Whether free slot s suits a tensor of need bytes better than slot best
 * (NSFW_NONE: none chosen yet): the smallest slot that fits, else the
 * largest one, to be grown.
 */
static int
slot_better(const size_t *cap, uint32_t best, uint32_t s, size_t need)
{
	if (best == NSFW_NONE)
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
static int
plan_arena(struct nsfw_model *m)
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
		if (m->l[i].add != NSFW_NONE)
			last[m->l[i].add] = i;
	}
	for (i = 0; i < m->nl; i++) {
		uint32_t	 d = m->l[i].dst;
		size_t		 need = tsize(&m->t[d]);

		/* Release slots whose tensor nobody reads from op i on. */
		for (s = 0; s < nslots; s++)
			if (owner[s] != 0 && last[owner[s] - 1] < i)
				owner[s] = 0;
		/* Smallest free slot that fits, else the largest to grow. */
		best = NSFW_NONE;
		for (s = 0; s < nslots; s++) {
			if (owner[s] == 0 && slot_better(cap, best, s, need))
				best = s;
		}
		if (best == NSFW_NONE)
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
static int
load_weights(struct nsfw_model *m, const unsigned char *payload,
    const uint32_t *recs)
{
	size_t		 total = 0, pos = 0, n, i, k, j;
	uint32_t	 li;
	float		*w;

	for (li = 0; li < m->nl; li++) {
		const struct nsfw_layer *L = &m->l[li];
		size_t	 np = ((size_t)L->cout + NSFW_PANEL - 1) / NSFW_PANEL *
			    NSFW_PANEL;

		if (L->op == OP_GAP)
			continue;
		if (L->op == OP_PW || L->op == OP_DENSE)
			n = (size_t)L->cin * np + np;
		else if (L->op == OP_DW)
			n = (size_t)L->kh * L->kw * L->cin + L->cout;
		else
			n = (size_t)L->kh * L->kw * L->cin * L->cout + L->cout;
		total += (n + 15) & ~(size_t)15;
	}
	if (posix_memalign((void **)&m->weights, NSFW_ALIGN,
	    (total ? total : 1) * sizeof(float)) != 0) {
		m->weights = NULL;
		return -1;
	}
	w = m->weights;
	for (li = 0; li < m->nl; li++) {
		struct nsfw_layer *L = &m->l[li];
		const unsigned char *src = payload + (size_t)recs[li * 16 + 14] * 4;
		const unsigned char *bsrc = payload + (size_t)recs[li * 16 + 15] * 4;
		size_t	 np = ((size_t)L->cout + NSFW_PANEL - 1) / NSFW_PANEL *
			    NSFW_PANEL;
		float	*dst = w + pos;

		if (L->op == OP_GAP)
			continue;
		if (L->op == OP_PW || L->op == OP_DENSE) {
			/* panel p, row k, column q: [p][k][16] */
			n = (size_t)L->cin * np;
			memset(dst, 0, (n + np) * sizeof(float));
			for (k = 0; k < L->cin; k++)
				for (j = 0; j < L->cout; j++)
					dst[(j / NSFW_PANEL) * L->cin *
					    NSFW_PANEL + k * NSFW_PANEL +
					    j % NSFW_PANEL] = rdf(src +
					    ((size_t)k * L->cout + j) * 4);
			for (j = 0; j < L->cout; j++)
				dst[n + j] = rdf(bsrc + j * 4);
			L->w = dst;
			L->b = dst + n;
			n += np;
		} else {
			n = (size_t)L->kh * L->kw * L->cin *
			    (L->op == OP_DW ? 1 : L->cout);
			for (i = 0; i < n; i++)
				dst[i] = rdf(src + i * 4);
			for (j = 0; j < L->cout; j++)
				dst[n + j] = rdf(bsrc + j * 4);
			L->w = dst;
			L->b = dst + n;
			n += L->cout;
		}
		pos += (n + 15) & ~(size_t)15;
	}
	return 0;
}

/*
 * Load a weights file.  Every header field is checked before it is used;
 * returns NULL with err set on any inconsistency.
 */
struct nsfw_model *
nsfw_load(const char *path, char *err, size_t errlen)
{
	struct nsfw_model	*m = NULL;
	unsigned char		*buf = NULL;
	uint32_t		*recs = NULL;
	const char		*why = NULL;
	size_t			 len = 0, hdr;
	uint32_t		 nt, nl, nf, poff, i, j;
	const char		*bad;

	if (read_file(path, NSFW_MAX_FILE, &buf, &len, &why) != 0)
		goto fail;
	why = "not an nsfw weights file";
	if (len < NSFW_HDR || memcmp(buf, NSFW_MAGIC, 8) != 0)
		goto fail;
	why = "unsupported weights file version";
	if (rd32(buf + 8) != NSFW_VERSION)
		goto fail;
	nt = rd32(buf + 12);
	nl = rd32(buf + 16);
	nf = rd32(buf + 20);
	poff = rd32(buf + 24);
	why = "bad header counts";
	if (nt < 2 || nt > NSFW_MAX_TENSORS || nl < 1 || nl > NSFW_MAX_OPS ||
	    nl != nt - 1)
		goto fail;
	hdr = NSFW_HDR + (size_t)nt * 12 + (size_t)nl * 64;
	why = "bad payload offset or length";
	if (poff < hdr || poff % NSFW_ALIGN != 0 ||
	    (uint64_t)poff + (uint64_t)nf * 4 != len)
		goto fail;
	why = "weights checksum mismatch";
	if (fnv1a(buf + poff, (size_t)nf * 4) != rd32(buf + 28))
		goto fail;
	why = "unexpected input or class count";
	if (rd32(buf + 32) != NSFW_INPUT_SIDE ||
	    rd32(buf + 36) != NSFW_INPUT_SIDE || rd32(buf + 40) != 3 ||
	    rd32(buf + 44) != NSFW_NCLASSES)
		goto fail;

	why = "out of memory";
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		goto fail;
	m->nt = nt;
	m->nl = nl;
	m->t = calloc(nt, sizeof(*m->t));
	m->l = calloc(nl, sizeof(*m->l));
	recs = calloc((size_t)nl * 16, sizeof(*recs));
	if (m->t == NULL || m->l == NULL || recs == NULL)
		goto fail;
	why = "bad tensor shape";
	for (i = 0; i < nt; i++) {
		const unsigned char *p = buf + NSFW_HDR + (size_t)i * 12;

		m->t[i].h = rd32(p);
		m->t[i].w = rd32(p + 4);
		m->t[i].c = rd32(p + 8);
		if (m->t[i].h < 1 || m->t[i].h > NSFW_MAX_DIM ||
		    m->t[i].w < 1 || m->t[i].w > NSFW_MAX_DIM ||
		    m->t[i].c < 1 || m->t[i].c > NSFW_MAX_DIM ||
		    tsize(&m->t[i]) > NSFW_MAX_TENSOR)
			goto fail;
	}
	if (m->t[0].h != NSFW_INPUT_SIDE || m->t[0].w != NSFW_INPUT_SIDE ||
	    m->t[0].c != 3 || m->t[nt - 1].h != 1 || m->t[nt - 1].w != 1 ||
	    m->t[nt - 1].c != NSFW_NCLASSES)
		goto fail;
	for (i = 0; i < nl; i++) {
		const unsigned char *p = buf + NSFW_HDR + (size_t)nt * 12 +
		    (size_t)i * 64;
		struct nsfw_layer *L = &m->l[i];

		for (j = 0; j < 16; j++)
			recs[i * 16 + j] = rd32(p + j * 4);
		bad = check_op(recs + i * 16, i, m->t, nt, nf);
		if (bad != NULL) {
			why = bad;
			goto fail;
		}
		L->op = recs[i * 16];
		L->act = recs[i * 16 + 1];
		L->src = recs[i * 16 + 2];
		L->dst = recs[i * 16 + 3];
		L->add = recs[i * 16 + 4];
		L->kh = recs[i * 16 + 5];
		L->kw = recs[i * 16 + 6];
		L->stride = recs[i * 16 + 7];
		L->pt = recs[i * 16 + 8];
		L->pl = recs[i * 16 + 9];
		L->pb = recs[i * 16 + 10];
		L->pr = recs[i * 16 + 11];
		L->cin = recs[i * 16 + 12];
		L->cout = recs[i * 16 + 13];
	}
	why = "the network must end in a softmax";
	if (m->l[nl - 1].act != ACT_SOFTMAX)
		goto fail;
	why = "out of memory";
	if (plan_arena(m) != 0 || load_weights(m, buf + poff, recs) != 0)
		goto fail;
	if (posix_memalign((void **)&m->scratch, NSFW_ALIGN,
	    (m->arena + NSFW_INPUT_FLOATS) * sizeof(float)) != 0) {
		m->scratch = NULL;
		goto fail;
	}
	memset(m->scratch, 0, (m->arena + NSFW_INPUT_FLOATS) * sizeof(float));
	/* The first set this CPU supports, widest first. */
	for (i = 0; i < NSFW_NSETS; i++)
		if (nsfw_set_isa(m, nsfw_kernel_sets[i].name) == 0)
			break;
	free(recs);
	free(buf);
	return m;
fail:
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s", path, why);
	free(recs);
	free(buf);
	nsfw_free(m);
	return NULL;
}

void
nsfw_free(struct nsfw_model *m)
{
	if (m == NULL)
		return;
	free(m->weights);
	free(m->scratch);
	free(m->t);
	free(m->l);
	free(m);
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

/*
 * Claim scratch space for one run: the model's own arena when free, else
 * a new one (*owned set; the caller frees it).  Returns NULL when out of
 * memory.  The model is logically const; only scratch_busy changes.
 */
static float *
scratch_claim(const struct nsfw_model *m, int *owned)
{
	struct nsfw_model	*mm = (struct nsfw_model *)m;
	float			*p = NULL;

	*owned = 0;
	if (__atomic_exchange_n(&mm->scratch_busy, 1, __ATOMIC_ACQUIRE) == 0)
		return mm->scratch;
	if (posix_memalign((void **)&p, NSFW_ALIGN,
	    (m->arena + NSFW_INPUT_FLOATS) * sizeof(float)) != 0)
		return NULL;
	*owned = 1;
	return p;
}

static void
scratch_release(const struct nsfw_model *m, float *p, int owned)
{
	struct nsfw_model	*mm = (struct nsfw_model *)m;

	if (owned)
		free(p);
	else
		__atomic_store_n(&mm->scratch_busy, 0, __ATOMIC_RELEASE);
}

/*
 * Run the network with the given arena.  Every tensor lives at its
 * planned offset; the input is read in place.
 */
static int
run(const struct nsfw_model *m, float *arena, const float *input,
    float probs[NSFW_NCLASSES])
{
	const float	*src, *add;
	float		*dst, mx;
	double		 sum, e[NSFW_NCLASSES];
	uint32_t	 i;
	int		 c;

	for (i = 0; i < m->nl; i++) {
		const struct nsfw_layer *L = &m->l[i];
		const struct nsfw_tensor *ti = &m->t[L->src];
		const struct nsfw_tensor *to = &m->t[L->dst];

		src = L->src == 0 ? input : arena + ti->off;
		add = L->add == NSFW_NONE ? NULL :
		    (L->add == 0 ? input : arena + m->t[L->add].off);
		dst = arena + to->off;
		switch (L->op) {
		case OP_CONV:
			m->k.conv(L, ti, src, to, dst);
			if (add != NULL) {
				size_t	 n = tsize(to), j;

				for (j = 0; j < n; j++)
					dst[j] += add[j];
			}
			break;
		case OP_DW:
			m->k.dw(L, ti, src, to, dst, add);
			break;
		case OP_PW:
		case OP_DENSE:
			m->k.pw(src, (size_t)ti->h * ti->w, ti->c, L->w, L->b,
			    to->c, dst, add,
			    L->act == ACT_SOFTMAX ? ACT_NONE : (int)L->act);
			break;
		case OP_GAP:
			gap(src, (size_t)ti->h * ti->w, ti->c, dst);
			break;
		default:
			return NSFW_EINVAL;
		}
	}
	/* The last op is the 5-way dense layer; softmax in double. */
	dst = arena + m->t[m->nt - 1].off;
	mx = dst[0];
	for (c = 1; c < NSFW_NCLASSES; c++)
		if (dst[c] > mx)
			mx = dst[c];
	sum = 0.0;
	for (c = 0; c < NSFW_NCLASSES; c++) {
		e[c] = exp((double)dst[c] - (double)mx);
		sum += e[c];
	}
	for (c = 0; c < NSFW_NCLASSES; c++)
		probs[c] = (float)(e[c] / sum);
	return NSFW_OK;
}

/*
 * Run the network on a 224x224x3 tensor.  No allocation unless another
 * thread is running the same model.  Returns NSFW_OK, NSFW_ENOMEM or
 * NSFW_EINVAL.
 */
int
nsfw_run_tensor(const struct nsfw_model *m, const float *input,
    float probs[NSFW_NCLASSES])
{
	float	*arena;
	int	 owned, rc;

	if (m == NULL || input == NULL || probs == NULL)
		return NSFW_EINVAL;
	arena = scratch_claim(m, &owned);
	if (arena == NULL)
		return NSFW_ENOMEM;
	rc = run(m, arena, input, probs);
	scratch_release(m, arena, owned);
	return rc;
}

/*
 * tf.image.resizeBilinear(img / 255, [224, 224], alignCorners = true) as
 * tfjs's reference kernel computes it: source coordinates and blends in
 * double, the result rounded to float.  RGB only.
 */
int
nsfw_preprocess(const struct image *img, float *out)
{
	const size_t	 S = NSFW_INPUT_SIDE;
	size_t		 W, H, r, c, d;
	double		 ry, rx;

	if (img == NULL || out == NULL || img->px == NULL || img->w < 1 ||
	    img->h < 1)
		return NSFW_EINVAL;
	W = (size_t)img->w;
	H = (size_t)img->h;
	if (W == S && H == S) {
		for (r = 0; r < S * S; r++)
			for (d = 0; d < 3; d++)
				out[r * 3 + d] = (float)img->px[r * 4 + d] /
				    255.0f;
		return NSFW_OK;
	}
	ry = (double)(H - 1) / (double)(S - 1);
	rx = (double)(W - 1) / (double)(S - 1);
	for (r = 0; r < S; r++) {
		double		 fy = ry * (double)r;
		size_t		 y0 = (size_t)floor(fy);
		size_t		 y1 = (size_t)ceil(fy);
		double		 wy = fy - (double)y0;
		const unsigned char *top, *bot;

		if (y1 > H - 1)
			y1 = H - 1;
		top = img->px + y0 * W * 4;
		bot = img->px + y1 * W * 4;
		for (c = 0; c < S; c++) {
			double	 fx = rx * (double)c;
			size_t	 x0 = (size_t)floor(fx);
			size_t	 x1 = (size_t)ceil(fx);
			double	 wx = fx - (double)x0;

			if (x1 > W - 1)
				x1 = W - 1;
			for (d = 0; d < 3; d++) {
				double	 tl = (float)top[x0 * 4 + d] / 255.0f;
				double	 tr = (float)top[x1 * 4 + d] / 255.0f;
				double	 bl = (float)bot[x0 * 4 + d] / 255.0f;
				double	 br = (float)bot[x1 * 4 + d] / 255.0f;
				double	 t = tl + (tr - tl) * wx;
				double	 b = bl + (br - bl) * wx;

				out[(r * S + c) * 3 + d] = (float)(t + (b - t) *
				    wy);
			}
		}
	}
	return NSFW_OK;
}

int
nsfw_classify(const struct nsfw_model *m, const struct image *img,
    float probs[NSFW_NCLASSES])
{
	float	*arena, *in;
	int	 owned, rc;

	if (m == NULL || probs == NULL)
		return NSFW_EINVAL;
	arena = scratch_claim(m, &owned);
	if (arena == NULL)
		return NSFW_ENOMEM;
	/* The input tensor sits after the arena's planned tensors. */
	in = arena + m->arena;
	rc = nsfw_preprocess(img, in);
	if (rc == NSFW_OK)
		rc = run(m, arena, in, probs);
	scratch_release(m, arena, owned);
	return rc;
}
