/* direct_blocked.c - direct convolution on channel-blocked input (AVX-512F).
 *
 * The planar direct kernels (conv_kernel.inc) hold 6 output channels x 64 pixels of one row
 * and read, for every input channel, three rows of a padded planar copy: a 64-channel layer's
 * 3x3 windows span 64 planes, more than L1 holds, and each block of output channels reads them
 * all again (58-84% of peak on 256x256 64->64, bench-conv). Here a micro-kernel holds up to 64
 * output channels (vectors of 16, as the blocked layout stores a pixel) x 6 pixels, and takes
 * the input channels 16 at a time: each group's weights (16 x 9 x 64 floats, 37 KB) stay in L1
 * while the kernel walks a whole output row, reading the input straight from the blocked buffer
 * (its ring is the padding: no copy). The partial sums of a row wait in the output (blocked) or
 * in a row of scratch (planar output), loaded and stored once per 16 input channels.
 *
 * Every output starts from its bias and adds input channel by channel, each channel's taps in
 * row order, one FMA each: the planar kernels' order, so the bits are theirs (tests/test_conv.c)
 * and a layer's output does not depend on its input's layout.
 */
#include "conv_avx512.h" /* the vector macros conv_arith.inc is written in */
#include "conv_arith.inc"

#include <stdlib.h>

#define MAX_TAPS 25

int sr__direct_blockable(const sr__conv *c)
{
    return (c->kern == &sr__conv_kernel_avx512 || c->kern == &sr__conv_kernel_avx512_6x4) &&
           !c->wino && c->sw == 1 && c->sh == 1 && c->cin % 16 == 0 && c->cout % 16 == 0 &&
           c->kw * c->kh <= MAX_TAPS && c->pl <= SR_BLK_PAD && c->pr <= SR_BLK_PAD &&
           c->pt <= SR_BLK_PAD && c->pb <= SR_BLK_PAD && c->act != SR_ACT_SIGMOID;
}

sr_status sr__direct_blocked_pack(sr__conv *c, sr_error *err)
{
    int taps = c->kw * c->kh;
    float *u = sr__aligned_alloc((size_t)c->cin * taps * c->cout * sizeof(float));
    if (!u)
        return sr__err(err, SR_E_NOMEM, "convolution: out of memory packing weights");
    for (int co = 0; co < c->cout; co++)
        for (int ci = 0; ci < c->cin; ci++)
            for (int k = 0; k < taps; k++)
                u[((size_t)ci * taps + k) * c->cout + co] =
                    c->weight[((size_t)co * c->cin + ci) * taps + k];
    free(c->packed);
    c->packed = u;
    return SR_OK;
}

/* NT pixels x NC vectors of 16 output channels of layer c, 16 input channels. in: the first
 * pixel's window origin in one group's plane (pixels 16 floats apart), toff: the taps' offsets
 * from it; u: the group's weights, rows c->cout floats apart; acc: the sums, vector k of pixel t
 * at k * as + 16 t, started from the bias when first, stored through the activation when last;
 * co: the first output channel. */
typedef struct {
    const sr__conv *c;
    const int *toff;
    int taps, first, last;
    size_t as;
} dk_args;

#define KERN(NT, NC)                                                                               \
    static void dk_##NT##_##NC(const float *in, const float *u, float *acc, const dk_args *a,     \
                               int co)                                                      \
    {                                                                                              \
        const int taps = a->taps, ld = a->c->cout; /* in registers across the loops */            \
        const int *toff = a->toff;                                                                 \
        __m512 s[NT][NC];                                                                          \
        for (int t = 0; t < NT; t++)                                                               \
            for (int c = 0; c < NC; c++)                                                           \
                s[t][c] = a->first ? _mm512_loadu_ps(a->c->bias + co + c * 16)                     \
                                   : _mm512_load_ps(acc + c * a->as + t * 16);                     \
        for (int ci = 0; ci < 16; ci++)                                                            \
            for (int k = 0; k < taps; k++) {                                                       \
                const float *p = in + toff[k] + ci;                                                \
                const float *w = u + ((size_t)ci * taps + k) * ld;                                 \
                __m512 wv[NC];                                                                     \
                for (int c = 0; c < NC; c++)                                                       \
                    wv[c] = _mm512_loadu_ps(w + c * 16);                                           \
                for (int t = 0; t < NT; t++) {                                                     \
                    __m512 x = _mm512_set1_ps(p[t * 16]);                                          \
                    for (int c = 0; c < NC; c++)                                                   \
                        s[t][c] = _mm512_fmadd_ps(wv[c], x, s[t][c]);                              \
                }                                                                                  \
            }                                                                                      \
        const __m512 zero = _mm512_setzero_ps(), hi = _mm512_set1_ps(a->c->act_b);                \
        for (int c = 0; c < NC; c++) {                                                             \
            __m512 sl = a->c->act == SR_ACT_PRELU ? _mm512_loadu_ps(a->c->slope + co + c * 16)    \
                                                  : _mm512_set1_ps(a->c->act_a);                   \
            for (int t = 0; t < NT; t++)                                                           \
                _mm512_store_ps(acc + c * a->as + t * 16,                                          \
                                a->last ? act_v(a->c->act, s[t][c], sl, hi, zero) : s[t][c]);      \
        }                                                                                          \
    }
KERN(6, 4) KERN(4, 4) KERN(2, 4) KERN(1, 4)
KERN(8, 3) KERN(4, 3) KERN(2, 3) KERN(1, 3)
KERN(12, 2) KERN(4, 2) KERN(2, 2) KERN(1, 2)
KERN(16, 1) KERN(4, 1) KERN(2, 1) KERN(1, 1)

typedef void (*dk_fn)(const float *, const float *, float *, const dk_args *, int);
static const dk_fn kerns[4][4] = {{dk_16_1, dk_4_1, dk_2_1, dk_1_1},
                                  {dk_12_2, dk_4_2, dk_2_2, dk_1_2},
                                  {dk_8_3, dk_4_3, dk_2_3, dk_1_3},
                                  {dk_6_4, dk_4_4, dk_2_4, dk_1_4}};

/* A row of ow outputs for one group of 16 input channels: up to 64 output channels at a time,
 * the widest kernel along the row, then narrower ones for what is left. */
static void row_group(const float *in, const float *u, int ow, float *acc, const dk_args *a)
{
    const int cout = a->c->cout;
    for (int co = 0; co < cout;) {
        int nc = (cout - co) / 16 < 4 ? (cout - co) / 16 : 4;
        for (int x = 0, g = 0; x < ow; x += sr__blk_widths[nc - 1][g]) {
            while (x + sr__blk_widths[nc - 1][g] > ow)
                g++;
            kerns[nc - 1][g](in + (size_t)x * 16, u + co, acc + (size_t)co / 16 * a->as + x * 16,
                             a, co);
        }
        co += 16 * nc;
    }
}

size_t sr__direct_blocked_own(const sr__conv *c, int ow)
{
    return c->blk & SR_BLK_OUT ? 0 : (size_t)c->cout * (size_t)((ow + 15) / 16 * 16);
}

void sr__direct_blocked_forward(const sr__conv *c, const float *in, int w, int h, float *out,
                                int ow, int oh, const sr__run *rc)
{
    int W = w + 2 * SR_BLK_PAD, OW = ow + 2 * SR_BLK_PAD, taps = c->kw * c->kh, toff[MAX_TAPS];
    size_t iplane = (size_t)(h + 2 * SR_BLK_PAD) * W * 16;
    size_t oplane = (size_t)(oh + 2 * SR_BLK_PAD) * OW * 16;
    int blocked = c->blk & SR_BLK_OUT, nrow = (ow + 15) / 16 * 16;
    for (int ky = 0; ky < c->kh; ky++)
        for (int kx = 0; kx < c->kw; kx++)
            toff[ky * c->kw + kx] = (ky * c->dh * W + kx * c->dw) * 16;
    dk_args a = {c, toff, taps, 0, 0, blocked ? oplane : (size_t)nrow * 16};
    size_t gw = (size_t)16 * taps * c->cout; /* one group's weights */
    sr__span rows = {0, 0, 0};
    while (sr__claim(rc, oh, &rows))
        for (int oy = rows.lo; oy < rows.hi; oy++) {
            /* the window of output (0, oy): input pixel (-pl, oy - pt), in the ring's frame */
            const float *win =
                in + ((size_t)(oy - c->pt + SR_BLK_PAD) * W + SR_BLK_PAD - c->pl) * 16;
            float *acc =
                blocked ? out + ((size_t)(oy + SR_BLK_PAD) * OW + SR_BLK_PAD) * 16 : rc->own;
            for (int g = 0; g < c->cin / 16; g++) {
                a.first = g == 0, a.last = g == c->cin / 16 - 1;
                row_group(win + g * iplane, c->packed + g * gw, ow, acc, &a);
            }
            if (blocked)
                continue;
            for (int cb = 0; cb < c->cout / 16; cb++)
                for (int x = 0; x < ow; x += 16) {
                    __m512 px[16];
                    for (int j = 0; j < 16 && x + j < ow; j++)
                        px[j] = _mm512_load_ps(acc + (size_t)cb * nrow * 16 + (size_t)(x + j) * 16);
                    sr__blk_store_planar(px, ow - x < 16 ? ow - x : 16, out, cb, ow, oh, oy, x);
                }
        }
    if (blocked) {
        size_t r0, r1;
        sr__share((size_t)oh + 2 * SR_BLK_PAD, rc->ith, rc->nth, &r0, &r1);
        sr__blk_zero_ring(c->cout, ow, oh, out, (int)r0, (int)r1);
    }
}
