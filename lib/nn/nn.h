/*
 * The network runtime: a small NHWC float32 graph of convolutions,
 * depthwise and pointwise convolutions, global average pooling and dense
 * layers, with ReLU/ReLU6 and residual adds fused into the op that
 * produces a tensor.  A model file format (lib/nsfw.c's, a pose model's)
 * reads its header, then hands the runtime its tensor shapes and one
 * 16-word record per op; the runtime checks every record, plans one
 * scratch arena, packs the weights and runs the graph with the widest
 * kernel set the CPU supports (lib/nn/kernels.c, from lib/nn/kern.h).
 *
 * An op record, 16 little-endian uint32 words: op, act, src, dst, add,
 * kh, kw, stride, pad top, left, bottom, right, cin, cout, weights offset,
 * bias offset (offsets in floats into the payload; NN_NONE when absent).
 * Tensor 0 is the input; op i writes tensor i + 1.
 */
#ifndef PRIMERKA_NN_H
#define PRIMERKA_NN_H

#include <stddef.h>
#include <stdint.h>

#define NN_NONE		0xffffffffu	/* no tensor, no weights */
#define NN_PANEL	16		/* GEMM panel width, floats */
#define NN_ALIGN	64		/* alignment of weights and arenas */
#define NN_REC_WORDS	16		/* words in one op record */
#define NN_MAX_DIM	4096
#define NN_MAX_TENSOR	(1u << 26)	/* floats */

enum nn_op {
	NN_OP_CONV = 1,
	NN_OP_DW = 2,
	NN_OP_PW = 3,
	NN_OP_GAP = 4,
	NN_OP_DENSE = 5
};

enum nn_act {
	NN_ACT_NONE = 0,
	NN_ACT_RELU = 1,
	NN_ACT_RELU6 = 2,
	NN_ACT_SOFTMAX = 3	/* last dense layer only; applied by the caller */
};

struct nn_tensor {
	uint32_t	 h, w, c;
	size_t		 off;		/* float offset of its arena slot */
};

struct nn_layer {
	uint32_t	 op, act, src, dst, add;
	uint32_t	 kh, kw, stride, pt, pl, pb, pr;
	uint32_t	 cin, cout;
	const float	*w;		/* conv/dw: as in the file; pw/dense:
					 * packed panels [cout/16][cin][16] */
	const float	*b;		/* bias; pw/dense: padded to panels */
};

/* One kernel set, compiled for one instruction set. */
struct nn_kernels {
	const char	*name;
	void		(*pw)(const float *, size_t, size_t, const float *,
			    const float *, size_t, float *, const float *, int);
	void		(*dw)(const struct nn_layer *,
			    const struct nn_tensor *, const float *,
			    const struct nn_tensor *, float *, const float *);
	void		(*conv)(const struct nn_layer *,
			    const struct nn_tensor *, const float *,
			    const struct nn_tensor *, float *);
};

/* A loaded graph.  t and l are calloc'ed by the caller; see nn_graph_free. */
struct nn_graph {
	struct nn_tensor	*t;
	uint32_t		 nt;
	struct nn_layer		*l;
	uint32_t		 nl;
	float			*weights;	/* owns every w/b pointer */
	size_t			 arena;		/* floats per run */
	struct nn_kernels	 k;
};

/* Little-endian uint32 and float32 at p. */
uint32_t	 nn_rd32(const unsigned char *p);
float		 nn_rdf(const unsigned char *p);

/* FNV-1a (32-bit) over n bytes: the payload checksum of model files. */
uint32_t	 nn_fnv1a(const unsigned char *p, size_t n);

/*
 * Read a whole file of at most max bytes into *out (caller frees) and its
 * size into *len.  Returns 0, or -1 with a short reason in *why.
 */
int		 nn_read_file(const char *path, size_t max, unsigned char **out,
		    size_t *len, const char **why);

/* Floats in a tensor (h * w * c). */
size_t		 nn_tsize(const struct nn_tensor *);

/*
 * Check op record r (NN_REC_WORDS words), op number idx, against the
 * tensor table t[nt] and a payload of nfloats floats.  Returns NULL when
 * it is well formed, else a short reason.
 */
const char	*nn_check_op(const uint32_t *r, uint32_t idx,
		    const struct nn_tensor *t, uint32_t nt, uint64_t nfloats);

/* Fill layer L from a record that nn_check_op() accepted. */
void		 nn_layer_set(struct nn_layer *L, const uint32_t *r);

/*
 * Plan g's arena: every tensor but the input gets an offset; slots are
 * reused once their last reader has run.  Sets g->arena.  Returns 0, or
 * -1 when out of memory.
 */
int		 nn_plan_arena(struct nn_graph *g);

/*
 * Copy the payload's weights into g->weights (aligned), packing pointwise
 * and dense weights into NN_PANEL-column panels; recs are the records the
 * layers came from.  Returns 0, or -1 when out of memory.
 */
int		 nn_load_weights(struct nn_graph *g, const unsigned char *payload,
		    const uint32_t *recs);

/*
 * Run every layer of g with the given arena (g->arena floats); tensor 0 is
 * read from input in place.  The last tensor is left at its arena offset,
 * before any softmax.  Returns 0, or -1 on an op the runtime does not know.
 */
int		 nn_run(const struct nn_graph *g, float *arena,
		    const float *input);

/*
 * Select kernel set name ("avx512", "avx2", "generic") into *k.  Returns
 * 0, or -1 when unknown or not supported by this CPU.
 */
int		 nn_kernels_set(struct nn_kernels *k, const char *name);

/* Select the widest kernel set this CPU supports into *k. */
void		 nn_kernels_best(struct nn_kernels *k);

/* Free what g owns (t, l, weights) and zero it; g itself is not freed. */
void		 nn_graph_free(struct nn_graph *g);

#endif /* PRIMERKA_NN_H */
