/* conv_bf16.c - Winograd's 16 products in bfloat16 (--precision bf16), on CPUs with
 * AVX512_BF16 (built with -mavx512f -mavx512bw -mavx512bf16).
 *
 * VDPBF16PS multiplies pairs of bf16 numbers and adds both products into one fp32 lane: twice
 * the multiply-adds of an fp32 FMA per instruction, in registers of the same width. Only the
 * transformed input V and the transformed weights U are rounded to bf16 (to nearest even);
 * the transforms, every sum and the output stay fp32. Channels are taken in pairs: a 32-bit
 * word holds channel 2k's and channel 2k+1's value (the low half the even one), so one vector
 * load brings 16 tiles' pairs and one 32-bit broadcast an output channel's two weights.
 * Each tile's sum still runs over the channel pairs in order, in whatever lane it falls, so
 * bf16 output is as independent of threads and tiles as fp32 output is.
 */
#include "kernels.h"

#include <immintrin.h>

int sr__bf16_supported(void)
{
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512bf16");
}

/* a[0] b[0] a[1] b[1] ... as bf16: 16 words, each the pair (a[j], b[j]). */
static inline __m512i pair_bf16(__m512 a, __m512 b)
{
    static const short order[32] = {0, 16, 1, 17, 2,  18, 3,  19, 4,  20, 5,  21, 6,  22, 7,  23,
                                    8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
    const __m512i inter = _mm512_loadu_si512(order);
    /* words 0..15 from a, 16..31 from b, then interleaved */
    return _mm512_permutexvar_epi16(inter, (__m512i)_mm512_cvtne2ps_pbh(b, a));
}

void sr__bf16_pair(const float *a, const float *b, size_t stride, int n, uint32_t *out,
                   size_t ostride)
{
    for (int p = 0; p < 16; p++)
        for (int j = 0; j < n; j += 16) {
            __m512 va = _mm512_loadu_ps(a + p * stride + j);
            __m512 vb = b ? _mm512_loadu_ps(b + p * stride + j) : _mm512_setzero_ps();
            _mm512_storeu_si512(out + p * ostride + j, pair_bf16(va, vb));
        }
}

/* 16 output channels x 16 tiles: acc[co] += U pair (co) . V pair, over the channel pairs. */
static inline __attribute__((always_inline)) void
block(const uint32_t *u, int npair, const uint32_t *v, size_t vrow, float *m, int n, int nco)
{
    __m512 acc[16];
    for (int j = 0; j < 16; j++)
        acc[j] = _mm512_setzero_ps();
    for (int k = 0; k < npair; k++, v += vrow, u += 16) {
        __m512bh d = (__m512bh)_mm512_loadu_si512(v);
        for (int j = 0; j < 16; j++)
            acc[j] = _mm512_dpbf16_ps(acc[j], d, (__m512bh)_mm512_set1_epi32((int)u[j]));
    }
    for (int j = 0; j < 16; j++) /* a constant bound keeps acc in registers */
        if (j < nco)
            _mm512_storeu_ps(m + (size_t)j * n, acc[j]);
}

void sr__bf16_product(const uint32_t *U, int npair, int cout, const uint32_t *V, size_t vrow,
                      int n, float *M)
{
    int nb = (cout + 15) / 16;
    for (int j = 0; j < n; j += 16)
        for (int b = 0; b < nb; b++) {
            int nco = cout - b * 16 < 16 ? cout - b * 16 : 16;
            block(U + (size_t)b * npair * 16, npair, V + j, vrow, M + (size_t)b * 16 * n + j, n,
                  nco);
        }
}

void sr__bf16_pack_position(const float *u, int cin, int cout, uint32_t *out)
{
    int nb = (cout + 15) / 16, npair = (cin + 1) / 2;
    for (int b = 0; b < nb; b++)
        for (int k = 0; k < npair; k++) {
            const float *lo = u + ((size_t)b * cin + 2 * k) * 16;
            __m512 hi = 2 * k + 1 < cin ? _mm512_loadu_ps(lo + 16) : _mm512_setzero_ps();
            _mm512_storeu_si512(out + ((size_t)b * npair + k) * 16,
                                pair_bf16(_mm512_loadu_ps(lo), hi));
        }
}
