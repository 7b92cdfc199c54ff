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

/* The channel-blocked Winograd path (wino_blocked.c) with bf16 products: V rows of consecutive
 * channels become pairs as they lie (channel 2k low, as above), U is [pair][cout] words, and
 * the micro-kernels hold NT tiles x NC vectors of 16 output channels as there; each sum runs
 * over the pairs in order from zero, VDPBF16PS taking the same two products per lane as the
 * planar path's, so the bits are the planar bf16 path's. */
void sr__bf16_from_fp32(const float *v, size_t n, uint32_t *out)
{
    for (size_t i = 0; i < n; i += 32)
        _mm512_storeu_si512(out + i / 2, (__m512i)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(v + i + 16),
                                                                       _mm512_loadu_ps(v + i)));
}

void sr__bf16_pack_blocked(const float *u, int cin, int cout, uint32_t *out)
{
    for (int k = 0; k < cin / 2; k++)
        for (int co = 0; co < cout; co += 16)
            _mm512_storeu_si512(out + (size_t)k * cout + co,
                                pair_bf16(_mm512_loadu_ps(u + (size_t)2 * k * cout + co),
                                          _mm512_loadu_ps(u + (size_t)(2 * k + 1) * cout + co)));
}

#define BKERN(NT, NC)                                                                              \
    static void bk_##NT##_##NC(const uint32_t *v, int npair, size_t vs, const uint32_t *u,        \
                               int ld, float *m, size_t ms)                                        \
    {                                                                                              \
        __m512 acc[NT][NC];                                                                        \
        for (int t = 0; t < NT; t++)                                                               \
            for (int c = 0; c < NC; c++)                                                           \
                acc[t][c] = _mm512_setzero_ps();                                                   \
        for (int k = 0; k < npair; k++) {                                                          \
            __m512bh w[NC];                                                                        \
            for (int c = 0; c < NC; c++)                                                           \
                w[c] = (__m512bh)_mm512_loadu_si512(u + (size_t)k * ld + c * 16);                  \
            for (int t = 0; t < NT; t++) {                                                         \
                __m512bh x = (__m512bh)_mm512_set1_epi32((int)v[(size_t)t * vs + k]);              \
                for (int c = 0; c < NC; c++)                                                       \
                    acc[t][c] = _mm512_dpbf16_ps(acc[t][c], w[c], x);                              \
            }                                                                                      \
        }                                                                                          \
        for (int t = 0; t < NT; t++)                                                               \
            for (int c = 0; c < NC; c++)                                                           \
                _mm512_storeu_ps(m + (size_t)t * ms + c * 16, acc[t][c]);                          \
    }
BKERN(6, 4) BKERN(4, 4) BKERN(2, 4) BKERN(1, 4)
BKERN(8, 3) BKERN(4, 3) BKERN(2, 3) BKERN(1, 3)
BKERN(12, 2) BKERN(4, 2) BKERN(2, 2) BKERN(1, 2)
BKERN(16, 1) BKERN(4, 1) BKERN(2, 1) BKERN(1, 1)

typedef void (*bk_fn)(const uint32_t *, int, size_t, const uint32_t *, int, float *, size_t);
static const bk_fn bkerns[4][4] = {{bk_16_1, bk_4_1, bk_2_1, bk_1_1},
                                   {bk_12_2, bk_4_2, bk_2_2, bk_1_2},
                                   {bk_8_3, bk_4_3, bk_2_3, bk_1_3},
                                   {bk_6_4, bk_4_4, bk_2_4, bk_1_4}};

void sr__bf16_product_blocked(const uint32_t *V, int npair, size_t vs, const uint32_t *U,
                              int cout, float *M, size_t ms, int nt)
{
    for (int co = 0; co < cout;) {
        int nc = (cout - co) / 16 < 4 ? (cout - co) / 16 : 4;
        for (int t = 0, g = 0; t < nt; t += sr__blk_widths[nc - 1][g]) {
            while (t + sr__blk_widths[nc - 1][g] > nt)
                g++;
            bkerns[nc - 1][g](V + (size_t)t * vs, npair, vs, U + co, cout, M + (size_t)t * ms + co,
                              ms);
        }
        co += 16 * nc;
    }
}
