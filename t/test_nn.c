/*
 * Tests for lib/nn/'s own fast paths: the fused 8-channel residual
 * block and the 8 -> 1 convolution (lib/nn/tflite_kern.c) against plain
 * loops written from their definitions, on random data with every edge
 * (borders, strides, padding, activations); and the memory plan of
 * lib/nn/tflite.c on the real pose graphs ($POSE_MODELS, default
 * "$srcdir/models", from scripts/pose-convert; missing is a failure):
 * no operator's output may share memory with one of its inputs, and the
 * plan must be smaller than a buffer per tensor.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "nn/tflite.h"
#include "nn/tflite_kern.h"

static uint32_t	 rng = 12345;

static float
frand(void)
{
	rng = rng * 1664525u + 1013904223u;
	return (float)(rng >> 8) / (float)(1u << 24) * 2.0f - 1.0f;
}

static void
fill(float *p, size_t n, float scale)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		p[i] = frand() * scale;
}

static float
act(float v, int a)
{
	if (a != 0 && v < 0.0f)
		v = 0.0f;
	if (a == 3 && v > 6.0f)
		v = 6.0f;
	return v;
}

/* The block by its definition: three full passes. */
/* The depthwise 3x3 (SAME) of the block at pixel (y, x), channel c. */
static float
ref_dw(const struct tfl_block8 *k, int y, int x, int c)
{
	float	 s = k->dw_b != NULL ? k->dw_b[c] : 0.0f;
	int	 t, iy, ix;

	for (t = 0; t < 9; t++) {
		iy = y + t / 3 - 1;
		ix = x + t % 3 - 1;
		if (iy >= 0 && ix >= 0 && iy < k->h && ix < k->w)
			s += k->in[((size_t)iy * k->w + ix) * 8 + c] *
			    k->dw_w[t * 8 + c];
	}
	return act(s, k->dw_act);
}

/* The block by its definition: three full passes. */
static void
ref_block8(const struct tfl_block8 *k, float *out)
{
	float	*d, s;
	size_t	 px;
	int	 y, x, c, o;

	d = calloc((size_t)k->h * k->w * 8, sizeof(float));
	CU_ASSERT_FATAL(d != NULL);
	for (y = 0; y < k->h; y++)
		for (x = 0; x < k->w; x++)
			for (c = 0; c < 8; c++)
				d[((size_t)y * k->w + x) * 8 + c] =
				    ref_dw(k, y, x, c);
	for (px = 0; px < (size_t)k->h * k->w * 8; px += 8)
		for (o = 0; o < 8; o++) {
			s = k->pw_b != NULL ? k->pw_b[o] : 0.0f;
			for (c = 0; c < 8; c++)
				s += d[px + c] * k->pw_w[o * 8 + c];
			s = act(s, k->pw_act) + k->in[px + o];
			out[px + o] = act(s, k->add_act);
		}
	free(d);
}

static float
maxdiff(const float *a, const float *b, size_t n)
{
	float	 m = 0.0f;
	size_t	 i;

	for (i = 0; i < n; i++)
		if (fabsf(a[i] - b[i]) > m)
			m = fabsf(a[i] - b[i]);
	return m;
}

static void
test_block8(void)
{
	static const int	 sizes[][2] = {
		{ 1, 1 }, { 1, 5 }, { 4, 1 }, { 2, 2 }, { 7, 9 }, { 16, 13 }
	};
	float			 dw_w[72], dw_b[8], pw_w[64], pw_b[8];
	struct tfl_block8	 k;
	float			*in, *out, *ref;
	size_t			 n, si;
	int			 a;

	fill(dw_w, 72, 1.0f);
	fill(dw_b, 8, 1.0f);
	fill(pw_w, 64, 1.0f);
	fill(pw_b, 8, 1.0f);
	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
		for (a = 0; a < 4; a++) {
			k.h = sizes[si][0];
			k.w = sizes[si][1];
			n = (size_t)k.h * k.w * 8;
			in = malloc(n * sizeof(float));
			out = malloc(n * sizeof(float));
			ref = malloc(n * sizeof(float));
			CU_ASSERT_FATAL(in != NULL && out != NULL &&
			    ref != NULL);
			fill(in, n, 4.0f);
			k.in = in;
			k.out = out;
			k.dw_w = dw_w;
			k.pw_w = pw_w;
			/* Biases present or not, each activation. */
			k.dw_b = a & 1 ? dw_b : NULL;
			k.pw_b = a & 2 ? pw_b : NULL;
			k.dw_act = a == 0 ? 0 : 3;
			k.pw_act = a == 1 ? 1 : 0;
			k.add_act = a == 2 ? 0 : 3;
			CU_ASSERT_EQUAL(tfl_kern_block8(&k), 0);
			ref_block8(&k, ref);
			CU_ASSERT(maxdiff(out, ref, n) < 1e-4f);
			free(in);
			free(out);
			free(ref);
		}
}

/* The 8 -> 1 convolution at output pixel (oy, ox), by its definition. */
static float
ref_to1(const struct tfl_conv *c, int oy, int ox)
{
	float	 s = c->b != NULL ? c->b[0] : 0.0f;
	int	 t, ch, iy, ix;

	for (t = 0; t < c->kh * c->kw; t++) {
		iy = oy * c->sh - c->pt + t / c->kw;
		ix = ox * c->sw - c->pl + t % c->kw;
		if (iy < 0 || ix < 0 || iy >= c->ih || ix >= c->iw)
			continue;
		for (ch = 0; ch < 8; ch++)
			s += c->in[((size_t)iy * c->iw + ix) * 8 + ch] *
			    c->w[t * 8 + ch];
	}
	return act(s, c->act);
}

static void
test_conv_to1(void)
{
	static const int	 cases[][6] = {
		/* ih, iw, k, stride, pad (SAME-like), act */
		{ 9, 11, 3, 1, 1, 0 }, { 9, 11, 3, 2, 1, 1 },
		{ 5, 4, 1, 1, 0, 3 }, { 6, 6, 5, 1, 2, 0 },
		{ 3, 3, 3, 1, 0, 0 }, { 1, 1, 3, 1, 1, 3 }
	};
	struct tfl_conv		 c;
	float			*in, *out, w[5 * 5 * 8], b;
	size_t			 ci;
	int			 oy, ox, bad;

	for (ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++) {
		memset(&c, 0, sizeof(c));
		c.ih = cases[ci][0];
		c.iw = cases[ci][1];
		c.kh = c.kw = cases[ci][2];
		c.sh = c.sw = cases[ci][3];
		c.pt = c.pl = cases[ci][4];
		c.act = cases[ci][5];
		c.cin = 8;
		c.cout = 1;
		c.oh = (c.ih + 2 * c.pt - c.kh) / c.sh + 1;
		c.ow = (c.iw + 2 * c.pl - c.kw) / c.sw + 1;
		in = malloc((size_t)c.ih * c.iw * 8 * sizeof(float));
		out = malloc((size_t)c.oh * c.ow * sizeof(float));
		CU_ASSERT_FATAL(in != NULL && out != NULL);
		fill(in, (size_t)c.ih * c.iw * 8, 3.0f);
		fill(w, (size_t)c.kh * c.kw * 8, 1.0f);
		b = frand();
		c.in = in;
		c.out = out;
		c.w = w;
		c.b = ci % 2 ? &b : NULL;
		tfl_kern_conv_to1(&c);
		bad = 0;
		for (oy = 0; oy < c.oh; oy++)
			for (ox = 0; ox < c.ow; ox++)
				if (fabsf(ref_to1(&c, oy, ox) -
				    out[oy * c.ow + ox]) > 1e-4f)
					bad++;
		CU_ASSERT_EQUAL(bad, 0);
		free(in);
		free(out);
	}
}

static int
read_model(const char *file, struct tfl_model *m)
{
	const char	*dir = getenv("POSE_MODELS");
	const char	*src = getenv("srcdir");
	char		 path[4096], err[256] = "unreadable";
	unsigned char	*buf = NULL;
	FILE		*f;
	long		 n;
	int		 rc = -1;

	if (dir != NULL)
		snprintf(path, sizeof(path), "%s/%s", dir, file);
	else
		snprintf(path, sizeof(path), "%s/models/%s",
		    src != NULL ? src : ".", file);
	f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "%s: missing (scripts/pose-convert)\n", path);
		return -1;
	}
	n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
	if (n > 0 && fseek(f, 0, SEEK_SET) == 0)
		buf = malloc((size_t)n);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n)
		rc = tfl_load(m, buf, (size_t)n, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "%s: %s\n", path, err);
	free(buf);
	fclose(f);
	return rc;
}

/* Whether tensors a and b share memory. */
static int
shares(const struct tfl_tensor *a, const struct tfl_tensor *b)
{
	return a->data != NULL && b->data != NULL && a->n > 0 && b->n > 0 &&
	    a->data < b->data + b->n && b->data < a->data + a->n;
}

static void
test_plan(void)
{
	static const char	*files[] = {
		"pose_detection.tflite", "pose_landmark_full.tflite"
	};
	struct tfl_model	 m;
	const struct tfl_op	*o;
	size_t			 fi, planned, total;
	int			 i, k, t, blocks, clash;

	for (fi = 0; fi < 2; fi++) {
		CU_ASSERT_FATAL(read_model(files[fi], &m) == 0);
		CU_ASSERT(m.arena != NULL);
		planned = total = 0;
		for (t = 0; t < m.nt; t++)
			if (m.t[t].in_arena) {
				planned++;
				total += m.t[t].n;
			}
		CU_ASSERT(planned > 10);
		clash = blocks = 0;
		for (i = 0; i < m.nop; i++) {
			o = &m.op[i];
			if (o->code < 0)
				continue;
			t = o->out;
			if (o->code == TFL_DEPTHWISE_CONV_2D &&
			    o->blk_add > 0) {
				t = m.op[o->blk_add].out;
				blocks++;
			}
			for (k = 0; k < o->nin; k++)
				if (o->in[k] >= 0 && o->in[k] != t &&
				    shares(&m.t[t], &m.t[o->in[k]]))
					clash++;
		}
		CU_ASSERT_EQUAL(clash, 0);
		/* The landmark graph's segmentation head: four blocks. */
		CU_ASSERT_EQUAL(blocks, fi == 1 ? 4 : 0);
		/* The arena is at most half of a buffer per tensor. */
		for (t = 0; t < m.nt; t++)
			if (m.t[t].in_arena && m.t[t].data + m.t[t].n >
			    m.arena + total / 2)
				CU_FAIL("arena larger than half the tensors");
		tfl_free(&m);
	}
}

int
main(void)
{
	CU_pSuite	 s;
	unsigned int	 fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("nn", NULL, NULL);
	if (s == NULL ||
	    CU_add_test(s, "fused 8-channel block == three passes",
	    test_block8) == NULL ||
	    CU_add_test(s, "8 -> 1 convolution == plain loops",
	    test_conv_to1) == NULL ||
	    CU_add_test(s, "memory plan: no output over its inputs",
	    test_plan) == NULL) {
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return fails > 0;
}
