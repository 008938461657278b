/*
 * Bodies of the lib/nn/ convolution kernels, included once per
 * instruction set by lib/nn/kern.c after defining K_SFX (name suffix) and
 * K_ATTR (function attributes).  No include guard on purpose.  The vector
 * type is 8 floats; with AVX2 one register, otherwise two SSE registers.
 */
#define K_CAT2(a, b)	a##_##b
#define K_CAT(a, b)	K_CAT2(a, b)
#define K_FN(name)	K_CAT(name, K_SFX)

/*
 * Up to KM output pixels (pointers to each tap's input row, or to a zero
 * row) times KV*8 output channels starting at co0: acc = bias + sum.
 */
static inline __attribute__((always_inline)) K_ATTR void
K_FN(conv_tile)(const struct nn_conv *c, const float *const *rows,
    size_t ntap, int mr, int co0, int coutp, const float *bias,
    float *const *dst)
{
	v8		 acc[KM][KV], w[KV], a;
	const float	*wp;
	size_t		 t;
	int		 r, v, ci, n;

	for (r = 0; r < KM; r++)
		for (v = 0; v < KV; v++)
			memcpy(&acc[r][v], bias + co0 + 8 * v, sizeof(v8));
	for (t = 0; t < ntap; t++) {
		wp = c->w + t * (size_t)c->cin * coutp + co0;
		for (ci = 0; ci < c->cin; ci++, wp += coutp) {
			for (v = 0; v < KV; v++)
				memcpy(&w[v], wp + 8 * v, sizeof(v8));
#pragma GCC unroll 4
			for (r = 0; r < KM; r++) {
				a = (v8){ 0 } + rows[t * KM + r][ci];
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
		for (j = 0; j < n; j++)
			dst[r][co0 + j] = tmp[j];
	}
}

static K_ATTR void
K_FN(conv)(const struct nn_conv *c, const float *zero, int coutp,
    const float *bias)
{
	const float	*rows[KMAXTAP * KM];
	float		*dst[KM];
	size_t		 ntap = (size_t)c->kh * c->kw;
	int		 oy, ox, r, ky, kx, iy, ix, co, mr;

	for (oy = 0; oy < c->oh; oy++)
		for (ox = 0; ox < c->ow; ox += KM) {
			mr = c->ow - ox < KM ? c->ow - ox : KM;
			for (r = 0; r < KM; r++) {
				int	 px = ox + (r < mr ? r : 0);

				dst[r] = c->out + ((size_t)oy * c->ow + px) *
				    c->cout;
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
			for (co = 0; co < c->cout; co += 8 * KV)
				K_FN(conv_tile)(c, rows, ntap, mr, co, coutp,
				    bias, dst);
		}
}

static K_ATTR void
K_FN(dw)(const struct nn_conv *c)
{
	int		 oy, ox, ky, kx, iy, ix, ch, ci, nc = c->cout;
	const float	*p, *wp;
	float		*q;
	v8		 acc, x, w;

	for (oy = 0; oy < c->oh; oy++)
		for (ox = 0; ox < c->ow; ox++) {
			q = c->out + ((size_t)oy * c->ow + ox) * nc;
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

#undef K_FN
#undef K_CAT
#undef K_CAT2
