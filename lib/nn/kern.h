/*
 * Network kernels, written once for any vector width.  Private to
 * lib/nn/kernels.c, which includes this file once per instruction set
 * after defining:
 *
 *   K_SFX   name suffix (generic, avx2, avx512)
 *   K_VT    vector type (vector_size 16, 32 or 64 floats)
 *   K_MR    GEMM tile rows (accumulators = K_MR * K_NP * 16 / lanes)
 *   K_NP    GEMM tile width in 16-column panels (1 or 2)
 *   K_DX    depthwise outputs computed side by side
 *   K_CX    stem convolution pixels computed side by side
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
/* Bytes of packed pointwise weights one column block may span (L2). */
#define K_PW_BLOCK	(256 * 1024)

/*
 * One GEMM tile: mr rows of a (row stride K) times np packed panels
 * (K x 16 each, ps floats apart), plus bias, activation and residual;
 * ncols <= np * 16 columns of out (row stride N) are written.  mr and np
 * are constants at each call site, so once inlined and unrolled the
 * accumulators stay in registers.  Each output is bias + the products in
 * k order, whatever the tile shape.
 */
static inline __attribute__((always_inline)) K_ATTR void
K_FN(pw_tile)(const float *restrict a, size_t K, const float *restrict wp,
    size_t ps, const float *restrict bp, float *restrict out, size_t N,
    const float *restrict add, size_t ncols, int act, const int mr,
    const int np)
{
	K_VT		 acc[K_MR][K_NP * K_NV], w[K_NP * K_NV], av, t;
	size_t		 k;
	int		 r, v, q;
	unsigned	 j;

#pragma GCC unroll 16
	for (r = 0; r < mr; r++)
#pragma GCC unroll 8
		for (v = 0; v < np * K_NV; v++)
			memcpy(&acc[r][v], bp + v * K_VL, sizeof(K_VT));
	for (k = 0; k < K; k++) {
#pragma GCC unroll 2
		for (q = 0; q < np; q++)
#pragma GCC unroll 4
			for (v = 0; v < K_NV; v++)
				memcpy(&w[q * K_NV + v], wp + q * ps +
				    k * NN_PANEL + v * K_VL, sizeof(K_VT));
#pragma GCC unroll 16
		for (r = 0; r < mr; r++) {
			av = K_BCAST(a[(size_t)r * K + k]);
#pragma GCC unroll 8
			for (v = 0; v < np * K_NV; v++)
				acc[r][v] += av * w[v];
		}
	}
#pragma GCC unroll 16
	for (r = 0; r < mr; r++) {
		float		*o = out + (size_t)r * N;
		const float	*ad = add != NULL ? add + (size_t)r * N : NULL;

#pragma GCC unroll 8
		for (v = 0; v < np * K_NV; v++)
			VACT(acc[r][v], act);
		if (ncols == (size_t)np * NN_PANEL) {
#pragma GCC unroll 8
			for (v = 0; v < np * K_NV; v++) {
				if (ad != NULL) {
					memcpy(&t, ad + v * K_VL, sizeof(t));
					acc[r][v] += t;
				}
				memcpy(o + v * K_VL, &acc[r][v], sizeof(K_VT));
			}
		} else {
			float	 tmp[K_NP * NN_PANEL];

			memcpy(tmp, acc[r], (size_t)np * NN_PANEL *
			    sizeof(float));
			for (j = 0; j < ncols; j++)
				o[j] = tmp[j] + (ad != NULL ? ad[j] : 0.0f);
		}
	}
}

/*
 * mr rows of the output, columns jb to je: K_NP panels at a time, one
 * panel for what is left.
 */
static inline __attribute__((always_inline)) K_ATTR void
K_FN(pw_rows)(const float *a, size_t K, const float *wpack,
    const float *bpack, size_t N, float *out, const float *add, int act,
    size_t jb, size_t je, const int mr)
{
	const size_t	 ps = K * NN_PANEL;
	size_t		 j;

	for (j = jb; j + K_NP * NN_PANEL <= je; j += K_NP * NN_PANEL)
		K_FN(pw_tile)(a, K, wpack + j * K, ps, bpack + j, out + j, N,
		    add != NULL ? add + j : NULL, K_NP * NN_PANEL, act, mr,
		    K_NP);
	for (; j < je; j += NN_PANEL)
		K_FN(pw_tile)(a, K, wpack + j * K, ps, bpack + j, out + j, N,
		    add != NULL ? add + j : NULL,
		    je - j < NN_PANEL ? je - j : NN_PANEL, act, mr, 1);
}

/*
 * out[P][N] = act(a[P][K] . W[K][N] + b) (+ add[P][N]), W packed as
 * 16-column panels [N/16][K][16] and b padded to whole panels.  The
 * columns go in blocks whose panels fit in K_PW_BLOCK bytes; within a
 * block each tile of rows runs over every panel, so a row of a stays in
 * L1 and each output row is written whole while it is in cache.
 */
static K_ATTR void
K_FN(pw)(const float *a, size_t P, size_t K, const float *wpack,
    const float *bpack, size_t N, float *out, const float *add, int act)
{
	size_t	 p, jb, je, blk;

	blk = K_PW_BLOCK / (K * NN_PANEL * sizeof(float));
	blk = blk < K_NP ? K_NP : blk / K_NP * K_NP;
	for (jb = 0; jb < N; jb = je) {
		je = N - jb < blk * NN_PANEL ? N : jb + blk * NN_PANEL;
		for (p = 0; p + K_MR <= P; p += K_MR)
			K_FN(pw_rows)(a + p * K, K, wpack, bpack, N, out + p * N,
			    add != NULL ? add + p * N : NULL, act, jb, je, K_MR);
#if K_MR > 4
		for (; p + 4 <= P; p += 4)
			K_FN(pw_rows)(a + p * K, K, wpack, bpack, N, out + p * N,
			    add != NULL ? add + p * N : NULL, act, jb, je, 4);
#endif
		for (; p < P; p++)
			K_FN(pw_rows)(a + p * K, K, wpack, bpack, N, out + p * N,
			    add != NULL ? add + p * N : NULL, act, jb, je, 1);
	}
}

/*
 * nx (<= K_DX) neighbouring outputs of a 3x3 depthwise convolution with
 * stride S, for the K_VL channels at p's channel, every tap inside the
 * image: p points at the first tap of the first output (rows rs floats
 * apart, pixels C), w and b at the channel's weights and bias.  Each
 * input column is loaded once and fed to every output that reads it; the
 * outputs' sums are independent chains, each bias + the taps in row
 * order.  nx and S are constants at each call site.
 */
static inline __attribute__((always_inline)) K_ATTR void
K_FN(dw3_px)(const float *restrict p, size_t rs, const float *restrict w,
    size_t C, const float *restrict b, float *restrict o,
    const float *restrict ad, int act, const int nx, const int S)
{
	K_VT		 kv[9], s[K_DX], t;
	const float	*q;
	int		 i, ky, kx, m;

#pragma GCC unroll 9
	for (i = 0; i < 9; i++)
		memcpy(&kv[i], w + (size_t)i * C, sizeof(K_VT));
#pragma GCC unroll 8
	for (i = 0; i < nx; i++)
		memcpy(&s[i], b, sizeof(K_VT));
#pragma GCC unroll 3
	for (ky = 0; ky < 3; ky++) {
		q = p + (size_t)ky * rs;
#pragma GCC unroll 24
		for (m = 0; m < (nx - 1) * S + 3; m++) {
			memcpy(&t, q + (size_t)m * C, sizeof(t));
#pragma GCC unroll 8
			for (i = 0; i < nx; i++) {
				kx = m - i * S;
				if (kx >= 0 && kx < 3)
					s[i] += t * kv[ky * 3 + kx];
			}
		}
	}
#pragma GCC unroll 8
	for (i = 0; i < nx; i++) {
		VACT(s[i], act);
		if (ad != NULL) {
			memcpy(&t, ad + (size_t)i * C, sizeof(t));
			s[i] += t;
		}
		memcpy(o + (size_t)i * C, &s[i], sizeof(K_VT));
	}
}

/*
 * Output row y's interior columns x0..x1 of a 3x3 depthwise convolution
 * (every tap inside the image, r0 the first tap row), K_DX outputs at a
 * time over every whole channel vector.  S is a constant at each call
 * site.
 */
static inline __attribute__((always_inline)) K_ATTR void
K_FN(dw3_row)(const struct nn_layer *L, const float *r0, size_t IW,
    size_t C, float *out, const float *add, size_t x0, size_t x1,
    const int S)
{
	size_t		 x, c, ix;
	const float	*p, *ad;
	float		*o;

	for (x = x0; x < x1; x += K_DX) {
		p = r0 + (x * S - L->pl) * C;
		o = out + x * C;
		ad = add != NULL ? add + x * C : NULL;
		for (c = 0; c + K_VL <= C; c += K_VL) {
			if (x + K_DX <= x1) {
				K_FN(dw3_px)(p + c, IW * C, L->w + c, C,
				    L->b + c, o + c, ad != NULL ? ad + c : NULL,
				    (int)L->act, K_DX, S);
				continue;
			}
			ix = 0;
#if K_DX > 4
			if (x + 4 <= x1) {
				K_FN(dw3_px)(p + c, IW * C, L->w + c, C,
				    L->b + c, o + c, ad != NULL ? ad + c : NULL,
				    (int)L->act, 4, S);
				ix = 4;
			}
#endif
			for (; x + ix < x1; ix++)
				K_FN(dw3_px)(p + c + ix * S * C, IW * C,
				    L->w + c, C, L->b + c, o + c + ix * C,
				    ad != NULL ? ad + c + ix * C : NULL,
				    (int)L->act, 1, S);
		}
	}
}

/*
 * One output vector of a depthwise convolution, any geometry, taps
 * outside the image skipped: K_VL channels at c, output pixel (y, x).
 */
static inline K_ATTR void
K_FN(dw_px)(const struct nn_layer *L, const struct nn_tensor *ti,
    const float *in, const struct nn_tensor *to, float *out,
    const float *add, size_t y, size_t x, size_t c)
{
	const size_t	 C = ti->c, IW = ti->w, IH = ti->h, OW = to->w;
	long		 iy0, ix0, iy, jx;
	size_t		 ky, kx, ix;
	K_VT		 s, t, u;

	memcpy(&s, L->b + c, sizeof(s));
	iy0 = (long)(y * L->stride) - (long)L->pt;
	ix0 = (long)(x * L->stride) - (long)L->pl;
	for (ky = 0; ky < L->kh; ky++) {
		iy = iy0 + (long)ky;
		if (iy < 0 || iy >= (long)IH)
			continue;
		for (kx = 0; kx < L->kw; kx++) {
			jx = ix0 + (long)kx;
			if (jx < 0 || jx >= (long)IW)
				continue;
			ix = (size_t)iy * IW + (size_t)jx;
			memcpy(&t, in + ix * C + c, sizeof(t));
			memcpy(&u, L->w + (ky * L->kw + kx) * C + c, sizeof(u));
			s += t * u;
		}
	}
	VACT(s, L->act);
	if (add != NULL) {
		memcpy(&u, add + (y * OW + x) * C + c, sizeof(u));
		s += u;
	}
	memcpy(out + (y * OW + x) * C + c, &s, sizeof(s));
}

/*
 * Depthwise convolution, any kernel size, stride and padding; weights
 * [kh][kw][c].  For 3x3 with stride 1 or 2 on rows whose taps are all
 * inside the image, the interior columns go K_DX outputs at a time
 * (dw3_row); the other pixels take the checked path (dw_px).
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
	int		 fast;

	/* Output columns whose taps all lie inside the image. */
	x0 = (L->pl + S - 1) / S;
	x1 = (IW + L->pl >= KW) ? (IW + L->pl - KW) / S + 1 : 0;
	if (x1 > OW)
		x1 = OW;
	if (x0 > x1)
		x0 = x1;

	for (y = 0; y < OH; y++) {
		iy0 = (long)(y * S) - (long)L->pt;
		fast = KH == 3 && KW == 3 && (S == 1 || S == 2) &&
		    iy0 >= 0 && iy0 + 3 <= (long)IH;
		if (fast) {
			const float	*r0 = in + (size_t)iy0 * IW * C;
			float		*o = out + y * OW * C;
			const float	*ad = add != NULL ? add + y * OW * C :
					    NULL;

			if (S == 1)
				K_FN(dw3_row)(L, r0, IW, C, o, ad, x0, x1, 1);
			else
				K_FN(dw3_row)(L, r0, IW, C, o, ad, x0, x1, 2);
		}
		for (x = 0; x < OW; x++) {
			if (fast && x == x0 && x1 > x0)
				x = x1;		/* done above */
			if (x >= OW)
				break;
			for (c = 0; c + K_VL <= C; c += K_VL)
				K_FN(dw_px)(L, ti, in, to, out, add, y, x, c);
		}
		/* Channels beyond the last whole vector. */
		for (c = C / K_VL * K_VL; c < C; c++) {
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
 * nx (<= K_CX) neighbouring output pixels of the general convolution for
 * the K_CW channels at co, every tap inside the image: ip points at the
 * first tap of the first pixel, xs floats between the pixels' taps.
 * Each output is bias + the taps in (ky, kx, ci) order, as conv_px sums
 * them; the pixels' sums are independent chains.
 */
static inline __attribute__((always_inline)) K_ATTR void
K_FN(conv_blk)(const struct nn_layer *L, const float *restrict ip,
    size_t IW, size_t CI, size_t CO, size_t xs, size_t co,
    float *restrict o, const int nx)
{
	K_VT		 acc[K_CX][K_CW / K_VL], w[K_CW / K_VL], av;
	const float	*wp, *rp;
	size_t		 ky, kx, ci;
	int		 i, j;

#pragma GCC unroll 8
	for (i = 0; i < nx; i++)
#pragma GCC unroll 8
		for (j = 0; j < K_CW / K_VL; j++)
			memcpy(&acc[i][j], L->b + co + (size_t)j * K_VL,
			    sizeof(K_VT));
	for (ky = 0; ky < L->kh; ky++) {
		for (kx = 0; kx < L->kw; kx++) {
			rp = ip + (ky * IW + kx) * CI;
			wp = L->w + (ky * L->kw + kx) * CI * CO + co;
			for (ci = 0; ci < CI; ci++) {
#pragma GCC unroll 8
				for (j = 0; j < K_CW / K_VL; j++)
					memcpy(&w[j], wp + ci * CO +
					    (size_t)j * K_VL, sizeof(K_VT));
#pragma GCC unroll 8
				for (i = 0; i < nx; i++) {
					av = K_BCAST(rp[(size_t)i * xs + ci]);
#pragma GCC unroll 8
					for (j = 0; j < K_CW / K_VL; j++)
						acc[i][j] += av * w[j];
				}
			}
		}
	}
#pragma GCC unroll 8
	for (i = 0; i < nx; i++)
#pragma GCC unroll 8
		for (j = 0; j < K_CW / K_VL; j++) {
			VACT(acc[i][j], L->act);
			memcpy(o + (size_t)i * CO + co + (size_t)j * K_VL,
			    &acc[i][j], sizeof(K_VT));
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
	size_t		 y, x, c, ky, kx, ci, ix, x0, x1, nx;
	long		 iy0, ix0, iy, jx;
	float		*o, sc;
	int		 fast;

	/* Output columns whose taps all lie inside the image. */
	x0 = (L->pl + S - 1) / S;
	x1 = (IW + L->pl >= KW) ? (IW + L->pl - KW) / S + 1 : 0;
	if (x1 > to->w)
		x1 = to->w;
	if (x0 > x1)
		x0 = x1;
	for (y = 0; y < to->h; y++) {
		iy0 = (long)(y * S) - (long)L->pt;
		fast = CO % K_CW == 0 && iy0 >= 0 &&
		    iy0 + (long)L->kh <= (long)IH;
		/* Interior pixels, K_CX at a time, 32 channels at a time. */
		for (x = x0; fast && x < x1; x += nx) {
			const float *ip = in + ((size_t)iy0 * IW + x * S -
			    L->pl) * CI;

			o = out + (y * to->w + x) * CO;
			nx = x1 - x < K_CX ? 1 : K_CX;
			for (c = 0; c < CO; c += K_CW) {
				if (nx == K_CX)
					K_FN(conv_blk)(L, ip, IW, CI, CO, S * CI,
					    c, o, K_CX);
				else
					K_FN(conv_blk)(L, ip, IW, CI, CO, S * CI,
					    c, o, 1);
			}
		}
		for (x = 0; x < to->w; x++) {
			if (fast && x >= x0 && x < x1)
				continue;	/* done above */
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
#undef K_PW_BLOCK
