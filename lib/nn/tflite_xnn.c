/*
 * Convolutions through Debian's XNNPACK (libxnnpack-dev) when the build
 * has it (-DPRIMERKA_XNNPACK, set by configure): the operator API, one
 * operator per convolution, created on the first run with the tensors'
 * buffers bound once (they never move), run single-threaded.  Measured
 * faster than lib/nn/tflite_kern.c on this project's graphs (README); the own
 * kernels stay the fallback and can be forced per model (tfl_model.own).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "nn/tflite.h"
#include "nn/tflite_xnn.h"

#ifdef PRIMERKA_XNNPACK
#include <xnnpack.h>

int
tfl_xnn_available(void)
{
	static int	 ok = -1;

	if (ok < 0)
		ok = xnn_initialize(NULL) == xnn_status_success;
	return ok;
}

int
tfl_xnn_conv(struct tfl_op *o, const struct tfl_conv *c, int depthwise,
    const float *w, const float *b)
{
	xnn_operator_t	 op = NULL;
	float		 lo = -INFINITY, hi = INFINITY;
	uint32_t	 pb, pr;
	enum xnn_status	 st;

	if (o->xop == NULL) {
		if (c->act != 0)
			lo = 0.0f;
		if (c->act == 3)
			hi = 6.0f;
		pb = (uint32_t)((c->oh - 1) * c->sh + c->kh - c->ih - c->pt);
		pr = (uint32_t)((c->ow - 1) * c->sw + c->kw - c->iw - c->pl);
		if ((c->oh - 1) * c->sh + c->kh - c->ih - c->pt < 0)
			pb = 0;
		if ((c->ow - 1) * c->sw + c->kw - c->iw - c->pl < 0)
			pr = 0;
		if (depthwise)
			st = xnn_create_convolution2d_nhwc_f32((uint32_t)c->pt,
			    pr, pb, (uint32_t)c->pl, (uint32_t)c->kh,
			    (uint32_t)c->kw, (uint32_t)c->sh, (uint32_t)c->sw,
			    1, 1, (uint32_t)c->cout, 1, 1, (size_t)c->cin,
			    (size_t)c->cout, w, b, lo, hi,
			    XNN_FLAG_DEPTHWISE_CONVOLUTION, &op);
		else
			st = xnn_create_convolution2d_nhwc_f32((uint32_t)c->pt,
			    pr, pb, (uint32_t)c->pl, (uint32_t)c->kh,
			    (uint32_t)c->kw, (uint32_t)c->sh, (uint32_t)c->sw,
			    1, 1, 1, (size_t)c->cin, (size_t)c->cout,
			    (size_t)c->cin, (size_t)c->cout, w, b, lo, hi, 0,
			    &op);
		if (st != xnn_status_success)
			return -1;
		if (xnn_setup_convolution2d_nhwc_f32(op, 1, (size_t)c->ih,
		    (size_t)c->iw, c->in, c->out, NULL) != xnn_status_success) {
			xnn_delete_operator(op);
			return -1;
		}
		o->xop = op;
	}
	return xnn_run_operator(o->xop, NULL) == xnn_status_success ? 0 : -1;
}

void
tfl_xnn_free(struct tfl_op *o)
{
	if (o->xop != NULL)
		xnn_delete_operator(o->xop);
	o->xop = NULL;
}

#else /* !PRIMERKA_XNNPACK */

int
tfl_xnn_available(void)
{
	return 0;
}

int
tfl_xnn_conv(struct tfl_op *o, const struct tfl_conv *c, int depthwise,
    const float *w, const float *b)
{
	(void)o;
	(void)c;
	(void)depthwise;
	(void)w;
	(void)b;
	return -1;
}

void
tfl_xnn_free(struct tfl_op *o)
{
	(void)o;
}

#endif /* PRIMERKA_XNNPACK */
