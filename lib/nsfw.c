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
 * The graph runtime and its kernels are lib/nn/; this file reads the
 * weights file's header, runs the graph and applies the final softmax.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "nn/nn.h"
#include "nsfw.h"

#define NSFW_MAGIC		"PRKNSFW"
#define NSFW_VERSION		1
#define NSFW_MAX_FILE		(64u * 1024 * 1024)
#define NSFW_MAX_TENSORS	1024
#define NSFW_MAX_OPS		1024
#define NSFW_HDR		80

struct nsfw_model {
	struct nn_graph		 g;
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

/*
 * Select a kernel set.  Returns 0, or -1 when unknown or unsupported.
 */
int
nsfw_set_isa(struct nsfw_model *m, const char *name)
{
	if (m == NULL)
		return -1;
	return nn_kernels_set(&m->g.k, name);
}

const char *
nsfw_isa(const struct nsfw_model *m)
{
	return m != NULL ? m->g.k.name : "?";
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
	struct nn_tensor	*t;

	if (nn_read_file(path, NSFW_MAX_FILE, &buf, &len, &why) != 0)
		goto fail;
	why = "not an nsfw weights file";
	if (len < NSFW_HDR || memcmp(buf, NSFW_MAGIC, 8) != 0)
		goto fail;
	why = "unsupported weights file version";
	if (nn_rd32(buf + 8) != NSFW_VERSION)
		goto fail;
	nt = nn_rd32(buf + 12);
	nl = nn_rd32(buf + 16);
	nf = nn_rd32(buf + 20);
	poff = nn_rd32(buf + 24);
	why = "bad header counts";
	if (nt < 2 || nt > NSFW_MAX_TENSORS || nl < 1 || nl > NSFW_MAX_OPS ||
	    nl != nt - 1)
		goto fail;
	hdr = NSFW_HDR + (size_t)nt * 12 + (size_t)nl * 64;
	why = "bad payload offset or length";
	if (poff < hdr || poff % NN_ALIGN != 0 ||
	    (uint64_t)poff + (uint64_t)nf * 4 != len)
		goto fail;
	why = "weights checksum mismatch";
	if (nn_fnv1a(buf + poff, (size_t)nf * 4) != nn_rd32(buf + 28))
		goto fail;
	why = "unexpected input or class count";
	if (nn_rd32(buf + 32) != NSFW_INPUT_SIDE ||
	    nn_rd32(buf + 36) != NSFW_INPUT_SIDE || nn_rd32(buf + 40) != 3 ||
	    nn_rd32(buf + 44) != NSFW_NCLASSES)
		goto fail;

	why = "out of memory";
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		goto fail;
	m->g.nt = nt;
	m->g.nl = nl;
	m->g.t = calloc(nt, sizeof(*m->g.t));
	m->g.l = calloc(nl, sizeof(*m->g.l));
	recs = calloc((size_t)nl * NN_REC_WORDS, sizeof(*recs));
	if (m->g.t == NULL || m->g.l == NULL || recs == NULL)
		goto fail;
	t = m->g.t;
	why = "bad tensor shape";
	for (i = 0; i < nt; i++) {
		const unsigned char *p = buf + NSFW_HDR + (size_t)i * 12;

		t[i].h = nn_rd32(p);
		t[i].w = nn_rd32(p + 4);
		t[i].c = nn_rd32(p + 8);
		if (t[i].h < 1 || t[i].h > NN_MAX_DIM ||
		    t[i].w < 1 || t[i].w > NN_MAX_DIM ||
		    t[i].c < 1 || t[i].c > NN_MAX_DIM ||
		    nn_tsize(&t[i]) > NN_MAX_TENSOR)
			goto fail;
	}
	if (t[0].h != NSFW_INPUT_SIDE || t[0].w != NSFW_INPUT_SIDE ||
	    t[0].c != 3 || t[nt - 1].h != 1 || t[nt - 1].w != 1 ||
	    t[nt - 1].c != NSFW_NCLASSES)
		goto fail;
	for (i = 0; i < nl; i++) {
		const unsigned char *p = buf + NSFW_HDR + (size_t)nt * 12 +
		    (size_t)i * 64;
		uint32_t	*r = recs + (size_t)i * NN_REC_WORDS;

		for (j = 0; j < NN_REC_WORDS; j++)
			r[j] = nn_rd32(p + j * 4);
		bad = nn_check_op(r, i, t, nt, nf);
		if (bad != NULL) {
			why = bad;
			goto fail;
		}
		nn_layer_set(&m->g.l[i], r);
	}
	why = "the network must end in a softmax";
	if (m->g.l[nl - 1].act != NN_ACT_SOFTMAX)
		goto fail;
	why = "out of memory";
	if (nn_plan_arena(&m->g) != 0 ||
	    nn_load_weights(&m->g, buf + poff, recs) != 0)
		goto fail;
	if (posix_memalign((void **)&m->scratch, NN_ALIGN,
	    (m->g.arena + NSFW_INPUT_FLOATS) * sizeof(float)) != 0) {
		m->scratch = NULL;
		goto fail;
	}
	memset(m->scratch, 0, (m->g.arena + NSFW_INPUT_FLOATS) * sizeof(float));
	nn_kernels_best(&m->g.k);
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
	nn_graph_free(&m->g);
	free(m->scratch);
	free(m);
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
	if (posix_memalign((void **)&p, NN_ALIGN,
	    (m->g.arena + NSFW_INPUT_FLOATS) * sizeof(float)) != 0)
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
 * Run the network with the given arena, then the softmax of its last
 * (5-way dense) layer in double.
 */
static int
run(const struct nsfw_model *m, float *arena, const float *input,
    float probs[NSFW_NCLASSES])
{
	const float	*dst;
	float		 mx;
	double		 sum, e[NSFW_NCLASSES];
	int		 c;

	if (nn_run(&m->g, arena, input) != 0)
		return NSFW_EINVAL;
	/* The last op is the 5-way dense layer; softmax in double. */
	dst = arena + m->g.t[m->g.nt - 1].off;
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
	in = arena + m->g.arena;
	rc = nsfw_preprocess(img, in);
	if (rc == NSFW_OK)
		rc = run(m, arena, in, probs);
	scratch_release(m, arena, owned);
	return rc;
}
