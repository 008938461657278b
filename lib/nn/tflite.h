/*
 * A float32 runner for TensorFlow Lite flatbuffers (.tflite), enough for
 * MediaPipe Pose's detector and landmark graphs.  The file is treated as
 * untrusted: every offset is bounds-checked, every shape validated before
 * anything is allocated, and any operator, type or option outside the
 * supported set is refused at load time with a message.
 */
#ifndef PRIMERKA_NN_TFLITE_H
#define PRIMERKA_NN_TFLITE_H

#include <stddef.h>
#include <stdint.h>

#define TFL_MAXDIM	4

/* The builtin operators the runner knows (TFLite's own numbering). */
enum tfl_opcode {
	TFL_ADD = 0,
	TFL_AVERAGE_POOL_2D = 1,
	TFL_CONCATENATION = 2,
	TFL_CONV_2D = 3,
	TFL_DEPTHWISE_CONV_2D = 4,
	TFL_DEPTH_TO_SPACE = 5,
	TFL_DEQUANTIZE = 6,
	TFL_LOGISTIC = 14,
	TFL_MAX_POOL_2D = 17,
	TFL_MUL = 18,
	TFL_RELU = 19,
	TFL_RELU6 = 21,
	TFL_RESHAPE = 22,
	TFL_RESIZE_BILINEAR = 23,
	TFL_PAD = 34,
	TFL_PRELU = 54,
	TFL_DENSIFY = 124
};

/* Tensor element types as stored (TFLite numbering); only these two. */
enum tfl_type {
	TFL_T_FLOAT32 = 0,
	TFL_T_FLOAT16 = 1,
	TFL_T_INT32 = 2
};

/*
 * One tensor, NHWC after load (shapes of rank < 4 are right-aligned:
 * [n] becomes 1x1x1xn).  data is owned by the model; constants are
 * float32 after load (float16 weights are widened once).
 */
struct tfl_tensor {
	int		 dim[TFL_MAXDIM];	/* n, h, w, c */
	size_t		 n;			/* element count */
	int		 rank;			/* rank as stored */
	int		 is_const;
	int		 type;			/* enum tfl_type as stored */
	float		*data;
	int32_t		*idata;			/* int32 constants (shapes) */
	int		 in_arena;		/* data in tfl_model.arena */
	char		 name[64];
};

struct tfl_op {
	int		 code;			/* enum tfl_opcode */
	int		 in[3];
	int		 nin;
	int		 out;
	int		 pad_same;		/* SAME (1) or VALID (0) */
	int		 sw, sh;		/* strides */
	int		 fw, fh;		/* pool filter */
	int		 act;			/* fused: 0 none 1 relu 3 relu6 */
	int		 axis;			/* concatenation */
	int		 align_corners;
	int		 half_pixel;
	float		*wpack;			/* repacked conv weights */
	int		 xpad[4];		/* folded PAD: t, l, b, r */
	void		*xop;			/* XNNPACK operator, or NULL */
	int		 xfail;			/* XNNPACK refused it */
	int		 blk_pw;		/* block8 head: pointwise op */
	int		 blk_add;		/* block8 head: residual ADD */
};

/* Code of an operator run as part of a fused block8 (lib/nn/tflite.c). */
#define TFL_BLOCK8	(-2)

struct tfl_model {
	struct tfl_tensor	*t;
	int			 nt;
	struct tfl_op		*op;
	int			 nop;
	int			 in[4];
	int			 nin;
	int			 out[8];
	int			 nout;
	int			 own;		/* 1: never use XNNPACK */
	float			*arena;		/* intermediate tensors */
};

/*
 * Parse a .tflite flatbuffer of len bytes at buf into m (zeroed first):
 * tensors, constants (widened to float32), operators and their options.
 * buf is not kept.  Returns 0, or -1 with a message in err (errlen bytes)
 * and m freed.
 */
int	tfl_load(struct tfl_model *m, const void *buf, size_t len,
	    char *err, size_t errlen);

/*
 * Run the graph once: the input tensors' data must hold the input.
 * Output tensors' data hold the results until the next run.  Returns 0,
 * or -1 with a message in err (a shape the kernels cannot do).
 */
int	tfl_run(struct tfl_model *m, char *err, size_t errlen);

/* Free everything m owns and zero it; a zeroed m is a no-op. */
void	tfl_free(struct tfl_model *m);

/* The tensor named name, or NULL. */
struct tfl_tensor *tfl_tensor_by_name(struct tfl_model *m, const char *name);

#endif /* PRIMERKA_NN_TFLITE_H */
