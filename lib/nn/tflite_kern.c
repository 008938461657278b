/*
 * Convolution kernels of the network runtime, one body (kern_body.h)
 * compiled for the portable baseline and for AVX2+FMA; the widest the CPU
 * runs is picked once (__builtin_cpu_supports).
 */
#include <stdlib.h>
#include <string.h>

#include "nn/tflite_kern.h"

typedef float v8 __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));

/* relu (1) or relu6 (3) on a vector, by masks (no branches per lane). */
#define VACT(x, act) do {						\
	if ((act) != 0)							\
		(x) = (v8)((v8i)(x) & ((x) > (v8){ 0 }));		\
	if ((act) == 3)							\
		(x) = (v8)(((v8i)(x) & ((x) < ((v8){ 0 } + 6.0f))) |	\
		    ((v8i)((v8){ 0 } + 6.0f) & ~((x) < ((v8){ 0 } + 6.0f)))); \
} while (0)

#define KM	4	/* output pixels per tile */
#define KV	2	/* 8-float vectors of output channels per tile */
#define KMAXTAP	TFL_KMAXTAP

#define K_SFX	generic
#define K_ATTR
#include "nn/tflite_kern_body.h"
#undef K_SFX
#undef K_ATTR

#if defined(__x86_64__)
#define K_SFX	avx2
#define K_ATTR	__attribute__((target("avx2,fma")))
#include "nn/tflite_kern_body.h"
#undef K_SFX
#undef K_ATTR
#endif

static int
use_avx2(void)
{
#if defined(__x86_64__)
	static int	 have = -1;

	if (have < 0) {
		__builtin_cpu_init();
		have = __builtin_cpu_supports("avx2") &&
		    __builtin_cpu_supports("fma");
	}
	return have;
#else
	return 0;
#endif
}

void
tfl_kern_conv(const struct tfl_conv *c)
{
	/* Weights come padded to a multiple of 16 output channels. */
	int		 coutp = (c->cout + 15) / 16 * 16;
	const float	*bias = c->w + (size_t)c->kh * c->kw * c->cin * coutp;

#if defined(__x86_64__)
	if (use_avx2())
		conv_avx2(c, c->zero, coutp, bias);
	else
#endif
		conv_generic(c, c->zero, coutp, bias);
}

void
tfl_kern_dw(const struct tfl_conv *c)
{
#if defined(__x86_64__)
	if (use_avx2()) {
		dw_avx2(c);
		return;
	}
#endif
	dw_generic(c);
}

void
tfl_kern_conv_to1(const struct tfl_conv *c)
{
#if defined(__x86_64__)
	if (use_avx2()) {
		conv_to1_avx2(c);
		return;
	}
#endif
	conv_to1_generic(c);
}

int
tfl_kern_block8(const struct tfl_block8 *k)
{
	float	*tmp;

	/* One row of the depthwise, then a zero row (outside the image). */
	tmp = calloc((size_t)k->w * 8 * 2, sizeof(float));
	if (tmp == NULL)
		return -1;
#if defined(__x86_64__)
	if (use_avx2())
		block8_avx2(k, tmp, tmp + (size_t)k->w * 8);
	else
#endif
		block8_generic(k, tmp, tmp + (size_t)k->w * 8);
	free(tmp);
	return 0;
}
