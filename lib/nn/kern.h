/*
 * Network kernels, written once for any vector width.  Private to
 * lib/nn/kernels.c, which includes this file once per instruction set
 * after defining:
 *
 *   K_SFX   name suffix (generic, avx2, avx512)
 *   K_VT    vector type (vector_size 16, 32 or 64 floats)
 *   K_MR    GEMM tile rows (accumulators = K_MR * 16 / lanes)
 *   K_ATTR  function attributes (target("...") or nothing)
 *
 * No include guard on purpose.  Each inclusion defines pw_<sfx>,
 * dw_<sfx> and conv_<sfx>, matching the pointers in struct nn_kernels.
 * Loads and stores go through memcpy: no alignment is assumed and the
 * compiler emits plain unaligned vector moves.
 */

#define K_CAT2(a, b)	a##_##b
#define K_CAT(a, b)	K_CAT2(a, b)
#define K_FN(name)	K_CAT(name, K_SFX)
#define K_VL		((int)(sizeof(K_VT) / sizeof(float)))
#define K_NV		(NN_PANEL / K_VL)
/*
 * Broadcast a float: -0.0 + x is x for every x (0.0 + x is not, for
 * x = -0.0), so the compiler emits a bare broadcast, no add.
 */
#define K_BCAST(x)	(-(K_VT){ 0 } + (x))

/*
 * One GEMM tile: mr rows of a (row stride K) times one packed panel
 * (K x 16), plus bias, activation and residual; ncols <= 16 columns of out
 * (row stride N) are written.  mr is a constant at each call site, so once
 * inlined and unrolled the accumulators stay in registers.
 */
static inline __attribute__((always_inline)) K_ATTR void
K_FN(pw_tile)(const float *restrict a, size_t K, const float *restrict wp,
    const float *restrict bp, float *restrict out, size_t N,
    const float *restrict add, size_t ncols, int act, const int mr)
{
	K_VT		 acc[K_MR][K_NV], w[K_NV], av, t;
	size_t		 k;
	int		 r, v;
	unsigned	 j;

#pragma GCC unroll 16
	for (r = 0; r < mr; r++)
#pragma GCC unroll 4
		for (v = 0; v < K_NV; v++)
			memcpy(&acc[r][v], bp + v * K_VL, sizeof(K_VT));
	for (k = 0; k < K; k++) {
#pragma GCC unroll 4
		for (v = 0; v < K_NV; v++)
			memcpy(&w[v], wp + k * NN_PANEL + v * K_VL,
			    sizeof(K_VT));
#pragma GCC unroll 16
		for (r = 0; r < mr; r++) {
			av = K_BCAST(a[(size_t)r * K + k]);
#pragma GCC unroll 4
			for (v = 0; v < K_NV; v++)
				acc[r][v] += av * w[v];
		}
	}
#pragma GCC unroll 16
	for (r = 0; r < mr; r++) {
		float		*o = out + (size_t)r * N;
		const float	*ad = add != NULL ? add + (size_t)r * N : NULL;

#pragma GCC unroll 4
		for (v = 0; v < K_NV; v++)
			VACT(acc[r][v], act);
		if (ncols == NN_PANEL) {
#pragma GCC unroll 4
			for (v = 0; v < K_NV; v++) {
				if (ad != NULL) {
					memcpy(&t, ad + v * K_VL, sizeof(t));
					acc[r][v] += t;
				}
				memcpy(o + v * K_VL, &acc[r][v], sizeof(K_VT));
			}
		} else {
			float	 tmp[NN_PANEL];

			memcpy(tmp, acc[r], sizeof(tmp));
			for (j = 0; j < ncols; j++)
				o[j] = tmp[j] + (ad != NULL ? ad[j] : 0.0f);
		}
	}
}

/*
 * out[P][N] = act(a[P][K] . W[K][N] + b) (+ add[P][N]), W packed as
 * 16-column panels [N/16][K][16] and b padded to whole panels.
 */
static K_ATTR void
K_FN(pw)(const float *a, size_t P, size_t K, const float *wpack,
    const float *bpack, size_t N, float *out, const float *add, int act)
{
	size_t	 p, j, ncols;

	for (j = 0; j < N; j += NN_PANEL) {
		const float	*wp = wpack + j * K;
		const float	*bp = bpack + j;

		ncols = N - j < NN_PANEL ? N - j : NN_PANEL;
		for (p = 0; p + K_MR <= P; p += K_MR)
			K_FN(pw_tile)(a + p * K, K, wp, bp, out + p * N + j, N,
			    add != NULL ? add + p * N + j : NULL, ncols, act,
			    K_MR);
		for (; p < P; p++)
			K_FN(pw_tile)(a + p * K, K, wp, bp, out + p * N + j, N,
			    add != NULL ? add + p * N + j : NULL, ncols, act,
			    1);
	}
}

/*
 * Depthwise convolution, any kernel size, stride and padding; weights
 * [kh][kw][c].  For 3x3 on rows whose taps are all inside the image, the
 * nine weight vectors of a channel group stay in registers while x runs
 * over the interior columns; everything else takes the checked path.
 */
static K_ATTR void
K_FN(dw)(const struct nn_layer *L, const struct nn_tensor *ti,
    const float *in, const struct nn_tensor *to, float *out,
    const float *add)
{
	const size_t	 C = ti->c, IW = ti->w, IH = ti->h;
	const size_t	 OW = to->w, OH = to->h, S = L->stride;
	const size_t	 KH = L->kh, KW = L->kw;
	size_t		 y, x, c, ky, kx, x0, x1, ix;
	long		 iy0, ix0, iy, jx;
	int		 fast, i;
	K_VT		 s, t, u, kv[9], bias;

	/* Output columns whose taps all lie inside the image. */
	x0 = (L->pl + S - 1) / S;
	x1 = (IW + L->pl >= KW) ? (IW + L->pl - KW) / S + 1 : 0;
	if (x1 > OW)
		x1 = OW;
	if (x0 > x1)
		x0 = x1;

	for (y = 0; y < OH; y++) {
		iy0 = (long)(y * S) - (long)L->pt;
		fast = KH == 3 && KW == 3 && iy0 >= 0 &&
		    iy0 + 3 <= (long)IH;
		for (c = 0; c + K_VL <= C; c += K_VL) {
			memcpy(&bias, L->b + c, sizeof(bias));
			if (fast) {
				const float	*r0 = in + (size_t)iy0 * IW * C + c;

				for (i = 0; i < 9; i++)
					memcpy(&kv[i], L->w + (size_t)i * C + c,
					    sizeof(K_VT));
				for (x = x0; x < x1; x++) {
					const float *p = r0 + (x * S - L->pl) * C;

					s = bias;
#pragma GCC unroll 3
					for (ky = 0; ky < 3; ky++) {
#pragma GCC unroll 3
						for (kx = 0; kx < 3; kx++) {
							memcpy(&t, p + (ky * IW +
							    kx) * C, sizeof(t));
							s += t * kv[ky * 3 + kx];
						}
					}
					VACT(s, L->act);
					if (add != NULL) {
						memcpy(&u, add + (y * OW + x) *
						    C + c, sizeof(u));
						s += u;
					}
					memcpy(out + (y * OW + x) * C + c, &s,
					    sizeof(s));
				}
			}
			for (x = 0; x < OW; x++) {
				if (fast && x >= x0 && x < x1)
					continue;	/* done above */
				s = bias;
				ix0 = (long)(x * S) - (long)L->pl;
				for (ky = 0; ky < KH; ky++) {
					iy = iy0 + (long)ky;
					if (iy < 0 || iy >= (long)IH)
						continue;
					for (kx = 0; kx < KW; kx++) {
						jx = ix0 + (long)kx;
						if (jx < 0 || jx >= (long)IW)
							continue;
						ix = (size_t)iy * IW + (size_t)jx;
						memcpy(&t, in + ix * C + c,
						    sizeof(t));
						memcpy(&u, L->w + (ky * KW + kx) *
						    C + c, sizeof(u));
						s += t * u;
					}
				}
				VACT(s, L->act);
				if (add != NULL) {
					memcpy(&u, add + (y * OW + x) * C + c,
					    sizeof(u));
					s += u;
				}
				memcpy(out + (y * OW + x) * C + c, &s, sizeof(s));
			}
		}
		/* Channels beyond the last whole vector. */
		for (; c < C; c++) {
			for (x = 0; x < OW; x++) {
				float	 sc = L->b[c];

				ix0 = (long)(x * S) - (long)L->pl;
				for (ky = 0; ky < KH; ky++) {
					iy = iy0 + (long)ky;
					if (iy < 0 || iy >= (long)IH)
						continue;
					for (kx = 0; kx < KW; kx++) {
						jx = ix0 + (long)kx;
						if (jx < 0 || jx >= (long)IW)
							continue;
						ix = (size_t)iy * IW + (size_t)jx;
						sc += in[ix * C + c] *
						    L->w[(ky * KW + kx) * C + c];
					}
				}
				sc = s_act(sc, L->act);
				if (add != NULL)
					sc += add[(y * OW + x) * C + c];
				out[(y * OW + x) * C + c] = sc;
			}
		}
	}
}

/*
 * One output pixel of the general convolution for the K_CW channels at
 * co: accumulate every in-bounds tap.  Inlined with a constant count so
 * the accumulators are registers.
 */
#define K_CW	32
static inline __attribute__((always_inline)) K_ATTR void
K_FN(conv_px)(const struct nn_layer *L, const float *in, size_t IW,
    size_t IH, size_t CI, size_t CO, long iy0, long ix0, size_t co, float *o)
{
	K_VT		 acc[K_CW / K_VL], av, t;
	const float	*ip, *wp;
	size_t		 ky, kx, ci;
	long		 iy, jx;
	int		 j;

#pragma GCC unroll 8
	for (j = 0; j < K_CW / K_VL; j++)
		memcpy(&acc[j], L->b + co + (size_t)j * K_VL, sizeof(K_VT));
	for (ky = 0; ky < L->kh; ky++) {
		iy = iy0 + (long)ky;
		if (iy < 0 || iy >= (long)IH)
			continue;
		for (kx = 0; kx < L->kw; kx++) {
			jx = ix0 + (long)kx;
			if (jx < 0 || jx >= (long)IW)
				continue;
			ip = in + ((size_t)iy * IW + (size_t)jx) * CI;
			wp = L->w + (ky * L->kw + kx) * CI * CO + co;
			for (ci = 0; ci < CI; ci++) {
				av = K_BCAST(ip[ci]);
#pragma GCC unroll 8
				for (j = 0; j < K_CW / K_VL; j++) {
					memcpy(&t, wp + ci * CO +
					    (size_t)j * K_VL, sizeof(t));
					acc[j] += av * t;
				}
			}
		}
	}
#pragma GCC unroll 8
	for (j = 0; j < K_CW / K_VL; j++) {
		VACT(acc[j], L->act);
		memcpy(o + co + (size_t)j * K_VL, &acc[j], sizeof(K_VT));
	}
}

/*
 * General direct convolution (the network's stem: 3x3, stride 2, three
 * input channels), weights [kh][kw][cin][cout]: 32 output channels at a
 * time in registers, a scalar loop for what is left.
 */
static K_ATTR void
K_FN(conv)(const struct nn_layer *L, const struct nn_tensor *ti,
    const float *in, const struct nn_tensor *to, float *out)
{
	const size_t	 CI = ti->c, CO = to->c, IW = ti->w, IH = ti->h;
	const size_t	 S = L->stride, KW = L->kw;
	size_t		 y, x, c, ky, kx, ci, ix;
	long		 iy0, ix0, iy, jx;
	float		*o, sc;

	for (y = 0; y < to->h; y++) {
		for (x = 0; x < to->w; x++) {
			iy0 = (long)(y * S) - (long)L->pt;
			ix0 = (long)(x * S) - (long)L->pl;
			o = out + (y * to->w + x) * CO;
			for (c = 0; c + K_CW <= CO; c += K_CW)
				K_FN(conv_px)(L, in, IW, IH, CI, CO, iy0, ix0,
				    c, o);
			for (; c < CO; c++) {
				sc = L->b[c];
				for (ky = 0; ky < L->kh; ky++) {
					iy = iy0 + (long)ky;
					if (iy < 0 || iy >= (long)IH)
						continue;
					for (kx = 0; kx < KW; kx++) {
						jx = ix0 + (long)kx;
						if (jx < 0 || jx >= (long)IW)
							continue;
						ix = (size_t)iy * IW + (size_t)jx;
						for (ci = 0; ci < CI; ci++)
							sc += in[ix * CI + ci] *
							    L->w[((ky * KW + kx) *
							    CI + ci) * CO + c];
					}
				}
				o[c] = s_act(sc, L->act);
			}
		}
	}
}
#undef K_CW

#undef K_CAT2
#undef K_CAT
#undef K_FN
#undef K_VL
#undef K_NV
#undef K_BCAST
