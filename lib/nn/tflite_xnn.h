/*
 * The XNNPACK backend of lib/nn/ (lib/nn/tflite_xnn.c): convolutions through
 * Debian's libxnnpack when the build has it, nothing otherwise.
 */
#ifndef PRIMERKA_NN_TFLITE_XNN_H
#define PRIMERKA_NN_TFLITE_XNN_H

#include "nn/tflite_kern.h"

struct tfl_op;

/* Whether XNNPACK is built in and initialised (once). */
int	tfl_xnn_available(void);

/*
 * Run one convolution (depthwise when depthwise != 0) through XNNPACK:
 * the operator is created and bound to c's buffers on the first call and
 * kept in o.  w is TFLite's layout ([cout][kh][kw][cin], or [1][kh][kw][c]
 * for depthwise), b the biases or NULL.  Returns 0, or -1 (the caller
 * falls back to its own kernels).
 */
int	tfl_xnn_conv(struct tfl_op *o, const struct tfl_conv *c, int depthwise,
	    const float *w, const float *b);

/* Delete o's XNNPACK operator, if any. */
void	tfl_xnn_free(struct tfl_op *o);

#endif /* PRIMERKA_NN_TFLITE_XNN_H */
