/* wino_blocked.c - Winograd F(2x2,3x3) on channel-blocked activations (AVX-512F).
 *
 * Between two 3x3 layers that both run by Winograd on the AVX-512 kernel, the activations are
 * stored 16 channels interleaved per pixel, [C/16][h + 4][w + 4][16], the image at (2, 2) in a
 * ring of zeros 2 pixels wide (SR_BLK_PAD): the input transform reads a tile's 4x4 patch of 16
 * channels as 16 aligned loads (no masking, the padding is in the buffer) and the output
 * transform stores 16 channels of a pixel at once, where the planar path (winograd.c) reads and
 * writes one row piece in each of C planes. The products are 6 tiles x 64 output channels per
 * micro-kernel (6 broadcasts and 4 loads per 24 FMAs, against 17 per 16); with bf16 weights
 * (--precision bf16) V is rounded to channel pairs and conv_bf16.c's kernels of the same shape
 * run the products.
 *
 * The arithmetic is winograd.c's to the bit: the same transforms and activation (conv_arith.inc,
 * which both include), and each
 * tile's sums over input channels in order from zero (fma(v, u, acc) = fma(u, v, acc)), so an
 * output is the same whichever layout carried it (tests/test_conv.c) and the pinned hashes hold.
 * Blocks sit on even image coordinates as there, so tiles still equal the whole image.
 *
 * A layer whose input comes planar (the first after a direct convolution) converts the 4 rows
 * each row of blocks reads into its own scratch; one whose output goes to a layer that is not
 * blocked (the net's last 3x3 convolution, read through a PixelShuffle) scatters each pixel's 16
 * channels to their planes.
 */
#include "conv_avx512.h" /* the vector macros conv_arith.inc is written in */
#include "conv_arith.inc"

/* Tiles per work item: about CHUNK (V and M of 64 channels, 128 KB each, stay in L2), rounded
 * up to whole micro-kernels, so a row of blocks has one narrow kernel call at most per output
 * channel group instead of one per item (the 2- and 4-tile kernels took 6% of a 276x276 image). */
#define CHUNK 32
#define CHUNK_MAX (CHUNK + 15)

/* V[t][p][cin] = B^T d B of tiles t < nt, tile t's patch at row y0, column x0 + 2t of the
 * blocked buffer (W pixels a row, plane floats per 16 channels). Tile-major, a tile's 16
 * positions one after another as the output transform reads M: 6% faster than position-major
 * (bench-conv). A tile's first two columns are the previous tile's last two: their vertical
 * pass is reused. */
static void input_tf(const float *in, int cin, int W, size_t plane, int y0, int x0, int nt,
                     float *V)
{
    (void)nt;
    for (int cb = 0; cb < cin / 16; cb++) {
        __m512 x[4][4], h[4]; /* x[a][c]: row a of B^T d, column c of the patch */
        for (int t = 0; t < nt; t++) {
            const float *p = in + cb * plane + ((size_t)y0 * W + x0 + 2 * t) * 16;
            for (int a = 0; t && a < 4; a++)
                x[a][0] = x[a][2], x[a][1] = x[a][3];
            for (int c = t ? 2 : 0; c < 4; c++) {
                __m512 d[4];
                for (int r = 0; r < 4; r++)
                    d[r] = _mm512_load_ps(p + ((size_t)r * W + c) * 16);
                WINO_BT(d[0], d[1], d[2], d[3], h);
                for (int a = 0; a < 4; a++)
                    x[a][c] = h[a];
            }
            float *o = V + (size_t)t * 16 * cin + cb * 16;
            for (int a = 0; a < 4; a++) {
                WINO_BT(x[a][0], x[a][1], x[a][2], x[a][3], h);
                for (int b = 0; b < 4; b++)
                    _mm512_store_ps(o + (size_t)(a * 4 + b) * cin, h[b]);
            }
        }
    }
}

/* M[t][co] = sum_ci V[t][ci] U[ci][co] for one position, NT tiles x NC vectors of 16 output
 * channels; U rows ld floats apart (the layer's cout), a tile's V and M rows P x cin and
 * P x ld apart (its P positions, the others between). */
#define KERN(NT, NC)                                                                               \
    static void kern_##NT##_##NC(const float *v, int cin, const float *u, int ld, float *m, int P)\
    {                                                                                              \
        __m512 acc[NT][NC];                                                                        \
        for (int t = 0; t < NT; t++)                                                               \
            for (int c = 0; c < NC; c++)                                                           \
                acc[t][c] = _mm512_setzero_ps();                                                   \
        for (int ci = 0; ci < cin; ci++) {                                                         \
            __m512 w[NC];                                                                          \
            for (int c = 0; c < NC; c++)                                                           \
                w[c] = _mm512_load_ps(u + (size_t)ci * ld + c * 16);                               \
            for (int t = 0; t < NT; t++) {                                                         \
                __m512 x = _mm512_set1_ps(v[(size_t)t * P * cin + ci]);                            \
                for (int c = 0; c < NC; c++)                                                       \
                    acc[t][c] = _mm512_fmadd_ps(x, w[c], acc[t][c]);                               \
            }                                                                                      \
        }                                                                                          \
        for (int t = 0; t < NT; t++)                                                               \
            for (int c = 0; c < NC; c++)                                                           \
                _mm512_store_ps(m + (size_t)t * P * ld + c * 16, acc[t][c]);                       \
    }
KERN(6, 4) KERN(4, 4) KERN(2, 4) KERN(1, 4)
KERN(8, 3) KERN(4, 3) KERN(2, 3) KERN(1, 3)
KERN(12, 2) KERN(4, 2) KERN(2, 2) KERN(1, 2)
KERN(16, 1) KERN(4, 1) KERN(2, 1) KERN(1, 1)

typedef void (*kern_fn)(const float *, int, const float *, int, float *, int);
static const kern_fn kerns[4][4] = {{kern_16_1, kern_4_1, kern_2_1, kern_1_1},
                                    {kern_12_2, kern_4_2, kern_2_2, kern_1_2},
                                    {kern_8_3, kern_4_3, kern_2_3, kern_1_3},
                                    {kern_6_4, kern_4_4, kern_2_4, kern_1_4}};

void sr__blk_product(const float *V, int cin, const float *U, int cout, float *M, int nt, int P)
{
    for (int co = 0; co < cout;) {
        int nc = (cout - co) / 16 < 4 ? (cout - co) / 16 : 4;
        for (int t = 0, g = 0; t < nt; t += sr__blk_widths[nc - 1][g]) {
            while (t + sr__blk_widths[nc - 1][g] > nt)
                g++;
            kerns[nc - 1][g](V + (size_t)t * P * cin, cin, U + co, cout,
                             M + (size_t)t * P * cout + co, P);
        }
        co += 16 * nc;
    }
}

/* A^T m A of tiles t < nt, plus bias, through the activation: output rows oy0, oy0 + 1 and
 * columns ox0 + 2t, ox0 + 2t + 1, those inside ow x oh stored (blocked, or 8 tiles at a time
 * into the planes of a planar out). */
static void output_tf(const sr__conv *c, const float *M, int nt, float *out, int ow, int oh,
                      int oy0, int ox0)
{
    size_t ms = (size_t)c->cout;
    int W = ow + 2 * SR_BLK_PAD, blocked = c->blk & SR_BLK_OUT;
    size_t bplane = (size_t)(oh + 2 * SR_BLK_PAD) * W * 16;
    for (int cb = 0; cb < c->cout / 16; cb++) {
        act_consts k = act_for(c, cb * 16);
        __m512 px[2][16]; /* planar: two output rows of up to 8 tiles */
        for (int t = 0; t < nt; t++) {
            const float *m = M + (size_t)t * 16 * c->cout + cb * 16;
            __m512 mp[16], y[4];
            for (int p = 0; p < 16; p++)
                mp[p] = _mm512_load_ps(m + p * ms);
            wino_at(mp, k.bias, y);
            if (blocked) {
                for (int q = 0; q < 4; q++) {
                    int oy = oy0 + (q >> 1), ox = ox0 + 2 * t + (q & 1);
                    if (oy < 0 || oy >= oh || ox < 0 || ox >= ow)
                        continue;
                    _mm512_store_ps(out + cb * bplane +
                                        ((size_t)(oy + SR_BLK_PAD) * W + ox + SR_BLK_PAD) * 16,
                                    act_v(c->act, y[q], k.a, k.hi, k.zero));
                }
                continue;
            }
            for (int q = 0; q < 4; q++)
                px[q >> 1][2 * (t % 8) + (q & 1)] = act_v(c->act, y[q], k.a, k.hi, k.zero);
            if (t % 8 == 7 || t == nt - 1)
                for (int r = 0; r < 2; r++)
                    sr__blk_store_planar(px[r], 2 * (t % 8 + 1), out, cb, ow, oh, oy0 + r,
                                         ox0 + 2 * (t - t % 8));
        }
    }
}

size_t sr__wino_blocked_own(const sr__conv *c, int w)
{
    int win = w + 2 - c->pl - c->pr; /* the input's width: a valid layer's is the output's + 2 */
    size_t rows = c->blk & SR_BLK_IN ? 0 : (size_t)4 * (win + 2 * SR_BLK_PAD) * c->cin;
    size_t pairs = c->packed_bf16 ? (size_t)8 * CHUNK_MAX * c->cin : 0; /* V in bf16 */
    return (size_t)16 * CHUNK_MAX * (size_t)(c->cin + c->cout) + rows + pairs;
}

void sr__wino_blocked_forward(const sr__conv *c, const float *in, int w, int h, float *out,
                              int ow, int oh, const sr__run *rc)
{
    size_t r0, r1;
    /* Block (i, j) holds output rows 2i - py + {0, 1}, columns 2j - px + {0, 1}, blocks on even
     * image coordinates as in winograd.c; its 4x4 input patch starts pt rows and pl columns
     * (one each) before its first output: at buffer row 2i - py - pt + SR_BLK_PAD. */
    int px = (int)((rc->ox + 1 - c->pl) & 1), py = (int)((rc->oy + 1 - c->pt) & 1);
    int nbx = (ow + px + 1) / 2, nby = (oh + py + 1) / 2, nch = (nbx + CHUNK - 1) / CHUNK;
    int unit = sr__blk_widths[(c->cout < 64 ? c->cout : 64) / 16 - 1][0];
    int chunk = ((nbx + nch - 1) / nch + unit - 1) / unit * unit;
    nch = (nbx + chunk - 1) / chunk;
    int W = w + 2 * SR_BLK_PAD;
    int planar = !(c->blk & SR_BLK_IN); /* then the row of blocks' 4 rows, blocked, in rows */
    size_t plane = (size_t)(planar ? 4 : h + 2 * SR_BLK_PAD) * W * 16;
    size_t pu = (size_t)c->cin * c->cout;
    float *V = rc->own, *M = V + (size_t)16 * CHUNK_MAX * c->cin;
    float *rows = M + (size_t)16 * CHUNK_MAX * c->cout;
    int npair = c->cin / 2;
    uint32_t *Vb = (uint32_t *)(rows + (planar ? (size_t)4 * (w + 2 * SR_BLK_PAD) * c->cin : 0));
    sr__span rows_of_blocks = {0, 0, 0}; /* claimed whole: a planar input's rows converted once */
    while (sr__claim(rc, nby, &rows_of_blocks))
    for (int item = rows_of_blocks.lo * nch; item < rows_of_blocks.hi * nch; item++) {
        int i = item / nch, j0 = item % nch * chunk, y0 = 2 * i - py - c->pt;
        int nt = nbx - j0 < chunk ? nbx - j0 : chunk;
        if (planar && j0 == 0)
            sr__blk_rows_from_planar(in, c->cin, w, h, y0, 4, rows);
        input_tf(planar ? rows : in, c->cin, W, plane, planar ? 0 : y0 + SR_BLK_PAD,
                 2 * j0 - px - c->pl + SR_BLK_PAD, nt, V);
        if (c->packed_bf16) { /* V rounded to pairs once, then the 16 products */
            sr__bf16_from_fp32(V, (size_t)nt * 16 * c->cin, Vb);
            for (int p = 0; p < 16; p++)
                sr__bf16_product_blocked(Vb + (size_t)p * npair, npair, (size_t)16 * npair,
                                         c->packed_bf16 + p * pu / 2, c->cout,
                                         M + (size_t)p * c->cout, (size_t)16 * c->cout, nt);
        } else
            for (int p = 0; p < 16; p++)
                sr__blk_product(V + (size_t)p * c->cin, c->cin, c->packed + p * pu, c->cout,
                                M + (size_t)p * c->cout, nt, 16);
        output_tf(c, M, nt, out, ow, oh, 2 * i - py, 2 * j0 - px);
    }
    if (c->blk & SR_BLK_OUT) {
        sr__share((size_t)oh + 2 * SR_BLK_PAD, rc->ith, rc->nth, &r0, &r1);
        sr__blk_zero_ring(c->cout, ow, oh, out, (int)r0, (int)r1);
    }
}
