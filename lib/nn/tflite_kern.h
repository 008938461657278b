/*
 * Convolution kernels of the network runtime (lib/nn/): plain float32
 * loops written for the compiler to vectorise, chosen per CPU at run time
 * (generic, AVX2+FMA, AVX-512).
 */
#ifndef PRIMERKA_NN_TFLITE_KERN_H
#define PRIMERKA_NN_TFLITE_KERN_H

/*
 * One convolution, NHWC with batch 1.  For tfl_kern_conv w is packed in
 * panels of 16 output channels, [coutp / 16][kh][kw][cin][16], followed
 * by coutp biases (coutp = cout rounded up to 16, zero-filled); for
 * tfl_kern_dw w is [kh][kw][c] (cin == cout) and b the biases or NULL.
 * zero is cin zeros (tfl_kern_conv reads it for taps outside the input);
 * kh * kw is at most TFL_KMAXTAP.
 * pt, pl: leading zero padding; b may be NULL; act 0 none, 1 relu,
 * 3 relu6.  The caller has checked every size.
 */
struct tfl_conv {
	const float	*in;
	int		 ih, iw, cin;
	float		*out;
	int		 oh, ow, cout;
	int		 kh, kw, sh, sw, pt, pl;
	const float	*w;
	const float	*b;
	const float	*zero;
	int		 act;
};

#define TFL_KMAXTAP	49	/* kernels up to 7x7 */

/*
 * An inverted-residual block of 8 channels, as one pass over the image:
 * out = act_add(in + act_pw(pw(act_dw(dw3x3(in))))), the depthwise 3x3
 * with stride 1 and SAME padding, the pointwise 8 -> 8.  dw_w is
 * [3][3][8], pw_w TFLite's [8 out][8 in]; biases may be NULL.
 */
struct tfl_block8 {
	const float	*in;
	float		*out;
	int		 h, w;
	const float	*dw_w, *dw_b, *pw_w, *pw_b;
	int		 dw_act, pw_act, add_act;
};

void	tfl_kern_conv(const struct tfl_conv *c);
void	tfl_kern_dw(const struct tfl_conv *c);

/*
 * A convolution of 8 input channels to one output channel: w is TFLite's
 * layout, [1][kh][kw][8] (c->w, unpacked; c->zero unused).
 */
void	tfl_kern_conv_to1(const struct tfl_conv *c);

/* One struct tfl_block8; returns -1 when out of memory. */
int	tfl_kern_block8(const struct tfl_block8 *k);

#endif /* PRIMERKA_NN_TFLITE_KERN_H */
