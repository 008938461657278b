/*
 * The XNNPACK backend of lib/nn/ (lib/nn/xnn.c): convolutions through
 * Debian's libxnnpack when the build has it, nothing otherwise.
 */
#ifndef PRIMERKA_NN_XNN_H
#define PRIMERKA_NN_XNN_H

#include "nn/kern.h"

struct nn_op;

/* Whether XNNPACK is built in and initialised (once). */
int	nn_xnn_available(void);

/*
 * Run one convolution (depthwise when depthwise != 0) through XNNPACK:
 * the operator is created and bound to c's buffers on the first call and
 * kept in o.  w is TFLite's layout ([cout][kh][kw][cin], or [1][kh][kw][c]
 * for depthwise), b the biases or NULL.  Returns 0, or -1 (the caller
 * falls back to its own kernels).
 */
int	nn_xnn_conv(struct nn_op *o, const struct nn_conv *c, int depthwise,
	    const float *w, const float *b);

/* Delete o's XNNPACK operator, if any. */
void	nn_xnn_free(struct nn_op *o);

#endif /* PRIMERKA_NN_XNN_H */
