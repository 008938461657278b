/*
 * Bodies of the lib/nn/ convolution kernels, included once per
 * instruction set by lib/nn/tflite_kern.c after defining K_SFX (name suffix) and
 * K_ATTR (function attributes).  No include guard on purpose.  The vector
 * type is 8 floats; with AVX2 one register, otherwise two SSE registers.
 */
#define K_CAT2(a, b)	a##_##b
#define K_CAT(a, b)	K_CAT2(a, b)
#define K_FN(name)	K_CAT(name, K_SFX)

/*
 * Up to KM output pixels (pointers to each tap's input row, or to a zero
 * row) times one packed panel of 16 output channels starting at co0:
 * acc = bias + sum; wp is the panel ([tap][cin][16], contiguous).
 */
static inline __attribute__((always_inline)) K_ATTR void
K_FN(conv_tile)(const struct tfl_conv *c, const float *const *rows,
    size_t ntap, int mr, int co0, const float *wp, const float *bias,
    float *const *dst)
{
	v8		 acc[KM][KV], w[KV], a;
	size_t		 t;
	int		 r, v, ci, n;

	for (r = 0; r < KM; r++)
		for (v = 0; v < KV; v++)
			memcpy(&acc[r][v], bias + co0 + 8 * v, sizeof(v8));
	for (t = 0; t < ntap; t++) {
		const float	*const *rt = rows + t * KM;

		for (ci = 0; ci < c->cin; ci++, wp += 8 * KV) {
			for (v = 0; v < KV; v++)
				memcpy(&w[v], wp + 8 * v, sizeof(v8));
#pragma GCC unroll 4
			for (r = 0; r < KM; r++) {
				a = -(v8){ 0 } + rt[r][ci];
				for (v = 0; v < KV; v++)
					acc[r][v] += a * w[v];
			}
		}
	}
	n = c->cout - co0 < 8 * KV ? c->cout - co0 : 8 * KV;
	for (r = 0; r < mr; r++) {
		float	 tmp[8 * KV];
		int	 j;

		for (v = 0; v < KV; v++) {
			VACT(acc[r][v], c->act);
			memcpy(tmp + 8 * v, &acc[r][v], sizeof(v8));
		}
		if (n == 8 * KV)
			memcpy(dst[r] + co0, tmp, sizeof(tmp));
		else
			for (j = 0; j < n; j++)
				dst[r][co0 + j] = tmp[j];
	}
}

/*
 * w is packed in panels of 16 output channels: [panel][tap][cin][16],
 * then the biases (coutp).  Panels outermost, so one panel's weights stay
 * in cache while every output pixel goes by.
 */
static K_ATTR void
K_FN(conv)(const struct tfl_conv *c, const float *zero, int coutp,
    const float *bias)
{
	const float	*rows[KMAXTAP * KM];
	float		*dst[KM];
	size_t		 ntap = (size_t)c->kh * c->kw;
	size_t		 psz = ntap * (size_t)c->cin * 8 * KV;
	int		 oy, ox, r, ky, kx, iy, ix, co, mr;

	(void)coutp;
	for (co = 0; co < c->cout; co += 8 * KV)
		for (oy = 0; oy < c->oh; oy++)
			for (ox = 0; ox < c->ow; ox += KM) {
				mr = c->ow - ox < KM ? c->ow - ox : KM;
				for (r = 0; r < KM; r++) {
					/* Rows past the edge redo the last. */
					int	 px = ox + r < c->ow ? ox + r :
					    c->ow - 1;

					dst[r] = c->out + ((size_t)oy * c->ow +
					    px) * c->cout;
					for (ky = 0; ky < c->kh; ky++)
						for (kx = 0; kx < c->kw; kx++) {
							iy = oy * c->sh - c->pt + ky;
							ix = px * c->sw - c->pl + kx;
							rows[(ky * c->kw + kx) * KM +
							    r] = iy < 0 ||
							    iy >= c->ih || ix < 0 ||
							    ix >= c->iw ? zero :
							    c->in + ((size_t)iy *
							    c->iw + ix) * c->cin;
						}
				}
				K_FN(conv_tile)(c, rows, ntap, mr, co,
				    c->w + (size_t)(co / (8 * KV)) * psz, bias,
				    dst);
			}
}

static K_ATTR void
K_FN(dw)(const struct tfl_conv *c)
{
	int		 oy, ox, ky, kx, iy, ix, ch, ci, nc = c->cout;
	const float	*p, *wp;
	float		*q;
	v8		 acc, x, w;

	size_t		 off[KMAXTAP] = { 0 };
	int		 ntap = c->kh * c->kw, t, iy0, ix0;

	for (ky = 0; ky < c->kh; ky++)
		for (kx = 0; kx < c->kw; kx++)
			off[ky * c->kw + kx] = ((size_t)ky * c->iw + kx) * nc;
	for (oy = 0; oy < c->oh; oy++)
		for (ox = 0; ox < c->ow; ox++) {
			q = c->out + ((size_t)oy * c->ow + ox) * nc;
			iy0 = oy * c->sh - c->pt;
			ix0 = ox * c->sw - c->pl;
			if (iy0 >= 0 && ix0 >= 0 && iy0 + c->kh <= c->ih &&
			    ix0 + c->kw <= c->iw && nc % 8 == 0) {
				/* Interior: every tap in the image. */
				p = c->in + ((size_t)iy0 * c->iw + ix0) * nc;
				for (ch = 0; ch < nc; ch += 8) {
					if (c->b != NULL)
						memcpy(&acc, c->b + ch,
						    sizeof(v8));
					else
						acc = (v8){ 0 };
					for (t = 0; t < ntap; t++) {
						memcpy(&x, p + off[t] + ch,
						    sizeof(v8));
						memcpy(&w, c->w + (size_t)t *
						    nc + ch, sizeof(v8));
						acc += x * w;
					}
					VACT(acc, c->act);
					memcpy(q + ch, &acc, sizeof(v8));
				}
				continue;
			}
			for (ch = 0; ch + 8 <= nc; ch += 8) {
				if (c->b != NULL)
					memcpy(&acc, c->b + ch, sizeof(v8));
				else
					acc = (v8){ 0 };
				for (ky = 0; ky < c->kh; ky++) {
					iy = oy * c->sh - c->pt + ky;
					if (iy < 0 || iy >= c->ih)
						continue;
					for (kx = 0; kx < c->kw; kx++) {
						ix = ox * c->sw - c->pl + kx;
						if (ix < 0 || ix >= c->iw)
							continue;
						p = c->in + ((size_t)iy * c->iw +
						    ix) * nc + ch;
						wp = c->w + (size_t)(ky * c->kw +
						    kx) * nc + ch;
						memcpy(&x, p, sizeof(v8));
						memcpy(&w, wp, sizeof(v8));
						acc += x * w;
					}
				}
				VACT(acc, c->act);
				memcpy(q + ch, &acc, sizeof(v8));
			}
			for (ci = ch; ci < nc; ci++) {
				float	 s = c->b != NULL ? c->b[ci] : 0.0f;

				for (ky = 0; ky < c->kh; ky++) {
					iy = oy * c->sh - c->pt + ky;
					if (iy < 0 || iy >= c->ih)
						continue;
					for (kx = 0; kx < c->kw; kx++) {
						ix = ox * c->sw - c->pl + kx;
						if (ix < 0 || ix >= c->iw)
							continue;
						s += c->in[((size_t)iy * c->iw +
						    ix) * nc + ci] * c->w[(size_t)(ky *
						    c->kw + kx) * nc + ci];
					}
				}
				if (c->act != 0)
					s = s > 0 ? s : 0;
				if (c->act == 3)
					s = s < 6 ? s : 6;
				q[ci] = s;
			}
		}
}

static inline __attribute__((always_inline)) K_ATTR float
K_FN(hsum)(const v8 *v)
{
	const v8	 a = *v;

	return ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) +
	    (a[3] + a[7]));
}

static K_ATTR void
K_FN(conv_to1)(const struct tfl_conv *c)
{
	size_t		 off[KMAXTAP] = { 0 };
	int		 ntap = c->kh * c->kw, t, oy, ox, ky, kx, iy, ix;
	int		 iy0, ix0;
	const float	*p;
	float		 s;
	v8		 acc, x, w;

	for (ky = 0; ky < c->kh; ky++)
		for (kx = 0; kx < c->kw; kx++)
			off[ky * c->kw + kx] = ((size_t)ky * c->iw + kx) * 8;
	for (oy = 0; oy < c->oh; oy++)
		for (ox = 0; ox < c->ow; ox++) {
			iy0 = oy * c->sh - c->pt;
			ix0 = ox * c->sw - c->pl;
			acc = (v8){ 0 };
			if (iy0 >= 0 && ix0 >= 0 && iy0 + c->kh <= c->ih &&
			    ix0 + c->kw <= c->iw) {
				p = c->in + ((size_t)iy0 * c->iw + ix0) * 8;
				for (t = 0; t < ntap; t++) {
					memcpy(&x, p + off[t], sizeof(v8));
					memcpy(&w, c->w + (size_t)t * 8,
					    sizeof(v8));
					acc += x * w;
				}
			} else
				for (t = 0; t < ntap; t++) {
					iy = iy0 + t / c->kw;
					ix = ix0 + t % c->kw;
					if (iy < 0 || iy >= c->ih || ix < 0 ||
					    ix >= c->iw)
						continue;
					memcpy(&x, c->in + ((size_t)iy * c->iw +
					    ix) * 8, sizeof(v8));
					memcpy(&w, c->w + (size_t)t * 8,
					    sizeof(v8));
					acc += x * w;
				}
			s = K_FN(hsum)(&acc) + (c->b != NULL ? c->b[0] : 0.0f);
			if (c->act != 0)
				s = s > 0 ? s : 0;
			if (c->act == 3)
				s = s < 6 ? s : 6;
			c->out[(size_t)oy * c->ow + ox] = s;
		}
}

/*
 * struct tfl_block8, row by row: the depthwise row into tmp (rows above
 * and below the image read a zero row), then the pointwise, the residual
 * and the activations in place, written out once.
 */
static K_ATTR void
K_FN(block8)(const struct tfl_block8 *k, float *tmp, const float *zero)
{
	v8		 dw[9], pw[8], db, pb, acc, x, in;
	const float	*r[3];
	size_t		 rn = (size_t)k->w * 8;
	int		 oy, ox, ky, kx, ix, i;

	for (i = 0; i < 9; i++)
		memcpy(&dw[i], k->dw_w + 8 * i, sizeof(v8));
	/* Pointwise weights by input channel: pw[ci][co]. */
	for (i = 0; i < 64; i++)
		pw[i % 8][i / 8] = k->pw_w[i];
	db = pb = (v8){ 0 };
	if (k->dw_b != NULL)
		memcpy(&db, k->dw_b, sizeof(v8));
	if (k->pw_b != NULL)
		memcpy(&pb, k->pw_b, sizeof(v8));
	for (oy = 0; oy < k->h; oy++) {
		for (ky = 0; ky < 3; ky++)
			r[ky] = oy - 1 + ky < 0 || oy - 1 + ky >= k->h ?
			    zero : k->in + (size_t)(oy - 1 + ky) * rn;
		for (ox = 0; ox < k->w; ox++) {
			acc = db;
			if (ox > 0 && ox + 1 < k->w)
				for (ky = 0; ky < 3; ky++)
					for (kx = 0; kx < 3; kx++) {
						memcpy(&x, r[ky] + (size_t)(ox +
						    kx - 1) * 8, sizeof(v8));
						acc += x * dw[ky * 3 + kx];
					}
			else
				for (ky = 0; ky < 3; ky++)
					for (kx = 0; kx < 3; kx++) {
						ix = ox + kx - 1;
						if (ix < 0 || ix >= k->w)
							continue;
						memcpy(&x, r[ky] + (size_t)ix *
						    8, sizeof(v8));
						acc += x * dw[ky * 3 + kx];
					}
			VACT(acc, k->dw_act);
			memcpy(tmp + (size_t)ox * 8, &acc, sizeof(v8));
		}
		for (ox = 0; ox < k->w; ox++) {
			const float	*t = tmp + (size_t)ox * 8;

			acc = pb;
			for (i = 0; i < 8; i++)
				acc += t[i] * pw[i];
			VACT(acc, k->pw_act);
			memcpy(&in, r[1] + (size_t)ox * 8, sizeof(v8));
			acc += in;
			VACT(acc, k->add_act);
			memcpy(k->out + (size_t)oy * rn + (size_t)ox * 8, &acc,
			    sizeof(v8));
		}
	}
}

#undef K_FN
#undef K_CAT
#undef K_CAT2
