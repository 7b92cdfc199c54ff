/* conv_avx2.c - the micro-kernel for AVX2 + FMA (built with -mavx2 -mfma). */
#include "kernels.h"

#include <immintrin.h>
#include <math.h>
#include <string.h>

#define KNAME sr__conv_kernel_avx2
#define KERNEL_NAME "avx2"
#define VW 8
#define VT __m256
#define COB 4
#define NX 3
#define VLOAD(p) _mm256_loadu_ps(p)
#define VSET1(x) _mm256_set1_ps(x)
#define VFMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define VMAX(a, b) _mm256_max_ps(a, b)
#define VMIN(a, b) _mm256_min_ps(a, b)
#define VADD(a, b) _mm256_add_ps(a, b)
#define VMUL(a, b) _mm256_mul_ps(a, b)
#define VSUB(a, b) _mm256_sub_ps(a, b)
/* shuffle_ps picks within 128-bit lanes; the 64-bit permute puts the lanes' halves in order */
#define VDEINT(a, b, e, o)                                                                         \
    do {                                                                                           \
        e = _mm256_castpd_ps(_mm256_permute4x64_pd(                                                \
            _mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0))), 0xd8));            \
        o = _mm256_castpd_ps(_mm256_permute4x64_pd(                                                \
            _mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1))), 0xd8));            \
    } while (0)
static inline __m256 load_in(const float *p, int a, int b)
{
    __m256i k = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i m = _mm256_and_si256(_mm256_cmpgt_epi32(k, _mm256_set1_epi32(a - 1)),
                                 _mm256_cmpgt_epi32(_mm256_set1_epi32(b), k));
    return _mm256_maskload_ps(p, m);
}
#define VLOAD_IN(p, a, b) load_in(p, a, b)
#define VINTER(a, b, p)                                                                            \
    do {                                                                                           \
        __m256 u0_ = _mm256_unpacklo_ps(a, b), u1_ = _mm256_unpackhi_ps(a, b);                     \
        _mm256_storeu_ps(p, _mm256_permute2f128_ps(u0_, u1_, 0x20));                               \
        _mm256_storeu_ps((p) + 8, _mm256_permute2f128_ps(u0_, u1_, 0x31));                         \
    } while (0)
#define VSTORE(p, v) _mm256_storeu_ps(p, v)

static inline void store_n(float *p, __m256 v, int n)
{
    __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    _mm256_maskstore_ps(p, _mm256_cmpgt_epi32(_mm256_set1_epi32(n), idx), v);
}
#define VSTORE_N(p, v, n) store_n(p, v, n)

#include "conv_kernel.inc"
