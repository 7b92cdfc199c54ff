/* conv_avx512.h - conv_kernel.inc's vector macros for AVX-512F, shared by the AVX-512 kernel
 * shapes (conv_avx512.c, conv_avx512_6x4.c); each defines KNAME, KERNEL_NAME, COB and NX,
 * includes this, then conv_kernel.inc. Built with -mavx512f -mfma. */
#include "kernels.h"

#include <immintrin.h>
#include <math.h>
#include <string.h>

#define VW 16
#define VT __m512
#define VLOAD(p) _mm512_loadu_ps(p)
#define VSET1(x) _mm512_set1_ps(x)
#define VFMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define VMAX(a, b) _mm512_max_ps(a, b)
#define VMIN(a, b) _mm512_min_ps(a, b)
#define VADD(a, b) _mm512_add_ps(a, b)
#define VMUL(a, b) _mm512_mul_ps(a, b)
#define VSUB(a, b) _mm512_sub_ps(a, b)
#define VDEINT(a, b, e, o)                                                                         \
    do {                                                                                           \
        e = _mm512_permutex2var_ps(a, _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, \
                                                        24, 26, 28, 30), b);                       \
        o = _mm512_permutex2var_ps(a, _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, \
                                                        25, 27, 29, 31), b);                       \
    } while (0)
static inline __m512 load_in(const float *p, int a, int b)
{
    a = a < 0 ? 0 : a, b = b > 16 ? 16 : b;
    __mmask16 m = b > a ? (__mmask16)(((1u << b) - 1u) & ~((1u << a) - 1u)) : 0;
    return _mm512_maskz_loadu_ps(m, p);
}
#define VLOAD_IN(p, a, b) load_in(p, a, b)
#define VINTER(a, b, p)                                                                            \
    do {                                                                                           \
        _mm512_storeu_ps(p, _mm512_permutex2var_ps(a, _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3,   \
                                                   19, 4, 20, 5, 21, 6, 22, 7, 23), b));           \
        _mm512_storeu_ps((p) + 16, _mm512_permutex2var_ps(a, _mm512_setr_epi32(8, 24, 9, 25, 10,   \
                                                          26, 11, 27, 12, 28, 13, 29, 14, 30, 15,  \
                                                          31), b));                                \
    } while (0)
#define VSTORE(p, v) _mm512_storeu_ps(p, v)
#define VSTORE_N(p, v, n) _mm512_mask_storeu_ps(p, (__mmask16)((1u << (n)) - 1u), v)
