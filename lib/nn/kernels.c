/*
 * The network kernels, compiled once per instruction set from
 * lib/nn/kern.h: 4-float vectors for the baseline ISA, and on x86-64
 * 8 floats with target("avx2,fma") and 16 floats with
 * target("avx512f,fma").  nn_kernels_best() picks the widest set the CPU
 * runs (__builtin_cpu_supports), so the normal -O2 build stays portable
 * and still uses the wide units where present.
 */
#include <stdint.h>
#include <string.h>

#include "nn.h"

typedef float vf4 __attribute__((vector_size(16)));
#if defined(__x86_64__) && defined(__GNUC__)
#define NN_X86 1
typedef float vf8 __attribute__((vector_size(32)));
typedef float vf16 __attribute__((vector_size(64)));
#endif

/*
 * Activation on a vector, in place.  Comparisons give lane masks; the
 * select is done with bit operations so that C (not only C++) accepts it.
 */
#define VACT(x, act) do {						\
	__typeof__(x)		 z_ = { 0 };				\
	__typeof__(x)		 six_ = z_ + 6.0f;			\
	__typeof__((x) > z_)	 m_;					\
									\
	if ((act) == NN_ACT_RELU || (act) == NN_ACT_RELU6) {		\
		m_ = (x) > z_;						\
		(x) = (__typeof__(x))((__typeof__(m_))(x) & m_);	\
	}								\
	if ((act) == NN_ACT_RELU6) {					\
		m_ = (x) < six_;					\
		(x) = (__typeof__(x))(((__typeof__(m_))(x) & m_) |	\
		    ((__typeof__(m_))six_ & ~m_));			\
	}								\
} while (0)

static inline float
s_act(float x, int act)
{
	if ((act == NN_ACT_RELU || act == NN_ACT_RELU6) && !(x > 0.0f))
		x = 0.0f;
	if (act == NN_ACT_RELU6 && x > 6.0f)
		x = 6.0f;
	return x;
}

/*
 * Three instantiations of lib/nn/kern.h.  The baseline one uses 4-float
 * vectors (SSE2 on x86-64, NEON or scalar code elsewhere); the x86 ones
 * are compiled for AVX2+FMA and AVX-512 regardless of -march, and are
 * only called after the CPU check in nn_kernels_set().
 */
#define K_SFX	generic
#define K_NP	1
#define K_DX	4
#define K_CX	1
#define K_VT	vf4
#define K_MR	2
#define K_ATTR
#include "kern.h"
#undef K_SFX
#undef K_VT
#undef K_MR
#undef K_NP
#undef K_DX
#undef K_CX
#undef K_ATTR

#ifdef NN_X86
#define K_SFX	avx2
#define K_NP	1
#define K_DX	4
#define K_CX	2
#define K_VT	vf8
#define K_MR	6
#define K_ATTR	__attribute__((target("avx2,fma")))
#include "kern.h"
#undef K_SFX
#undef K_VT
#undef K_MR
#undef K_NP
#undef K_DX
#undef K_CX
#undef K_ATTR

#define K_SFX	avx512
#define K_NP	2
#define K_DX	8
#define K_CX	4
#define K_VT	vf16
#define K_MR	12
#define K_ATTR	__attribute__((target("avx512f,fma")))
#include "kern.h"
#undef K_SFX
#undef K_VT
#undef K_MR
#undef K_NP
#undef K_DX
#undef K_CX
#undef K_ATTR
#endif

static const struct nn_kernels nn_kernel_sets[] = {
#ifdef NN_X86
	{ "avx512", pw_avx512, dw_avx512, conv_avx512 },
	{ "avx2", pw_avx2, dw_avx2, conv_avx2 },
#endif
	{ "generic", pw_generic, dw_generic, conv_generic },
};
#define NN_NSETS (sizeof(nn_kernel_sets) / sizeof(nn_kernel_sets[0]))

/* Can this CPU run the named kernel set? */
static int
isa_supported(const char *name)
{
	if (strcmp(name, "generic") == 0)
		return 1;
#ifdef NN_X86
	__builtin_cpu_init();
	if (strcmp(name, "avx2") == 0)
		return __builtin_cpu_supports("avx2") &&
		    __builtin_cpu_supports("fma");
	if (strcmp(name, "avx512") == 0)
		return __builtin_cpu_supports("avx512f") &&
		    __builtin_cpu_supports("fma");
#endif
	return 0;
}

int
nn_kernels_set(struct nn_kernels *k, const char *name)
{
	size_t	 i;

	if (k == NULL || name == NULL || !isa_supported(name))
		return -1;
	for (i = 0; i < NN_NSETS; i++) {
		if (strcmp(nn_kernel_sets[i].name, name) == 0) {
			*k = nn_kernel_sets[i];
			return 0;
		}
	}
	return -1;
}

void
nn_kernels_best(struct nn_kernels *k)
{
	size_t	 i;

	/* The first set this CPU supports, widest first. */
	for (i = 0; i < NN_NSETS; i++)
		if (nn_kernels_set(k, nn_kernel_sets[i].name) == 0)
			return;
}
