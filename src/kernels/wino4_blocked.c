/* wino4_blocked.c - Winograd F(4x4,3x3) in the channel-blocked kernels' way (AVX-512F), for the
 * nets whose tiles need not be exact.
 *
 * Each 4x4 block of output comes from its 6x6 input patch: 36 products per input channel where
 * direct convolution needs 144 and F(2x2,3x3) 64 (2.25 per output against 4). It is not used
 * where tiles must give the whole image's bits (winograd.c says why: an output's rounding here
 * depends on its whole 6x6 patch, so a tile would need 3 pixels more halo per layer, 48 on a
 * 16-layer net). Nets that are tiled as the reference programs tile them (a receptive field over
 * SR_MAX_EXACT_HALO: RRDB; U-Net crops: Real-CUGAN) give tile-dependent output whatever the
 * algorithm, and there ncnn itself runs F(4x4,3x3) or larger. The output still does not depend on
 * the thread count: blocks start at the tile's pixel (0, 0) and every work item is computed the
 * same way whoever runs it. fp32 only: with bf16 products (V and U rounded to 8-bit mantissas,
 * then A^T's coefficients up to 8) its error was 1.5x the bound the F(2x2,3x3) bf16 path keeps
 * within 0.4x (tests/test_conv.c), so bf16 layers stay on wino_blocked.c.
 *
 * Layout and flow are wino_blocked.c's (a row of blocks in chunks of tiles; V and M tile-major,
 * a tile's 36 positions one after another; its micro-kernels, sr__blk_product). A patch may
 * reach 4 pixels past the image, which a blocked input's ring (SR_BLK_PAD) holds as zeros; a
 * planar input has each row of blocks' 6 rows converted, ring included, into the thread's
 * scratch, and a planar output gets 4 tiles' pixels at a time scattered to its planes, so every
 * fp32 Winograd layer of such a net runs it, whatever its neighbours' layouts.
 *
 * The transforms (Lavin and Gray 2016, points 0, 1, -1, 2, -2, infinity):
 *   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
 *   G   = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
 *   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
 */
#include "conv_avx512.h" /* the vector macros conv_arith.inc is written in */
#include "conv_arith.inc"

/* Tiles per work item: V and M of a chunk about 1.6 MB (88 tiles at 64->64, 50 at an RRDB's
 * 192->32). Each item reads every position's weights once, and a net of distinct layers (RRDB:
 * 350) finds them in L3 at best: on realesrgan-x4plus (Zen 5, 128x128, 2 threads) chunks of
 * 0.4 MB made the whole run 1.18x slower, while bench-conv, one layer over and over, runs 64->64
 * 5% faster with them. */
static int chunk_for(const sr__conv *c)
{
    int n = 11264 / (c->cin + c->cout);
    return n > 6 ? n : 6;
}
#define CHUNK_PAD 15 /* rounding a chunk up to whole micro-kernels adds at most this */

/* U = G g G^T for every (ci, co), 16 output channels at a time in float (x4plus has 1.9 million
 * 3x3 kernels: a scalar pass in double took half a second of its load). */
sr_status sr__conv_set_wino4(sr__conv *c, sr_error *err)
{
    static const float G[6][3] = {{1.f / 4, 0, 0},           {-1.f / 6, -1.f / 6, -1.f / 6},
                                  {-1.f / 6, 1.f / 6, -1.f / 6}, {1.f / 24, 1.f / 12, 1.f / 6},
                                  {1.f / 24, -1.f / 12, 1.f / 6}, {0, 0, 1}};
    if (!sr__wino_blockable(c) || !c->weight || c->packed_bf16)
        return sr__err(err, SR_E_UNSUPPORTED, "convolution: no F(4x4,3x3) path for this one");
    int cin = c->cin, cout = c->cout;
    size_t pu = (size_t)cin * cout;
    float *u = sr__aligned_alloc_lazy(36 * pu * sizeof(float)); /* all written */
    if (!u)
        return sr__err(err, SR_E_NOMEM, "convolution: out of memory packing weights");
    /* output channel co's taps lie 9 cin floats apart */
    const __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
                                                             12, 13, 14, 15),
                                           _mm512_set1_epi32(9 * cin));
    for (int ci = 0; ci < cin; ci++)
        for (int co = 0; co < cout; co += 16) {
            __m512 g[9], gg[6][3];
            for (int k = 0; k < 9; k++)
                g[k] = _mm512_i32gather_ps(idx, c->weight + ((size_t)co * cin + ci) * 9 + k, 4);
            for (int a = 0; a < 6; a++)
                for (int l = 0; l < 3; l++)
                    gg[a][l] = _mm512_fmadd_ps(
                        _mm512_set1_ps(G[a][0]), g[l],
                        _mm512_fmadd_ps(_mm512_set1_ps(G[a][1]), g[3 + l],
                                        _mm512_mul_ps(_mm512_set1_ps(G[a][2]), g[6 + l])));
            for (int a = 0; a < 6; a++)
                for (int b = 0; b < 6; b++)
                    _mm512_store_ps(
                        u + (size_t)(a * 6 + b) * pu + (size_t)ci * cout + co,
                        _mm512_fmadd_ps(
                            gg[a][0], _mm512_set1_ps(G[b][0]),
                            _mm512_fmadd_ps(gg[a][1], _mm512_set1_ps(G[b][1]),
                                            _mm512_mul_ps(gg[a][2], _mm512_set1_ps(G[b][2])))));
        }
    free(c->packed), free(c->packed_bf16);
    c->packed = u, c->packed_bf16 = NULL;
    c->wino = c->wino4 = 1;
    return SR_OK;
}

/* B^T applied to six samples. */
#define BT6(d, t)                                                                                  \
    do {                                                                                           \
        __m512 s12 = _mm512_add_ps(d[1], d[2]), s34 = _mm512_add_ps(d[3], d[4]);                   \
        __m512 d12 = _mm512_sub_ps(d[1], d[2]), d43 = _mm512_sub_ps(d[4], d[3]);                   \
        __m512 d31 = _mm512_sub_ps(d[3], d[1]), d42 = _mm512_sub_ps(d[4], d[2]);                   \
        t[0] = _mm512_fmadd_ps(_mm512_set1_ps(4), d[0], _mm512_fmadd_ps(five, d[2], d[4]));        \
        t[1] = _mm512_fmadd_ps(_mm512_set1_ps(-4), s12, s34);                                      \
        t[2] = _mm512_fmadd_ps(_mm512_set1_ps(4), d12, d43);                                       \
        t[3] = _mm512_fmadd_ps(_mm512_set1_ps(2), d31, d42);                                       \
        t[4] = _mm512_fmadd_ps(_mm512_set1_ps(-2), d31, d42);                                      \
        t[5] = _mm512_fmadd_ps(_mm512_set1_ps(4), d[1], _mm512_fmadd_ps(five, d[3], d[5]));        \
    } while (0)

/* A^T applied to six sums: four outputs. */
#define AT6(m, y)                                                                                  \
    do {                                                                                           \
        __m512 s12_ = _mm512_add_ps(m[1], m[2]), d12_ = _mm512_sub_ps(m[1], m[2]);                 \
        __m512 s34_ = _mm512_add_ps(m[3], m[4]), d34_ = _mm512_sub_ps(m[3], m[4]);                 \
        y[0] = _mm512_add_ps(_mm512_add_ps(m[0], s12_), s34_);                                     \
        y[1] = _mm512_fmadd_ps(_mm512_set1_ps(2), d34_, d12_);                                     \
        y[2] = _mm512_fmadd_ps(_mm512_set1_ps(4), s34_, s12_);                                     \
        y[3] = _mm512_add_ps(_mm512_fmadd_ps(_mm512_set1_ps(8), d34_, d12_), m[5]);                \
    } while (0)

/* V[t][p][cin] = B^T d B of tiles t < nt, tile t's patch at row y0, column x0 + 4t of the
 * blocked buffer (W pixels a row, plane floats per 16 channels). A tile's first two columns
 * are the previous tile's last two: their vertical pass is reused. */
static void input_tf(const float *in, int cin, int W, size_t plane, int y0, int x0, int nt,
                     float *V)
{
    const __m512 five = _mm512_set1_ps(-5);
    for (int cb = 0; cb < cin / 16; cb++) {
        __m512 x[6][6], h[6]; /* x[a][c]: row a of B^T d, column c of the patch */
        for (int t = 0; t < nt; t++) {
            const float *p = in + cb * plane + ((size_t)y0 * W + x0 + 4 * t) * 16;
            for (int a = 0; t && a < 6; a++)
                x[a][0] = x[a][4], x[a][1] = x[a][5];
            for (int c = t ? 2 : 0; c < 6; c++) {
                __m512 d[6];
                for (int r = 0; r < 6; r++)
                    d[r] = _mm512_load_ps(p + ((size_t)r * W + c) * 16);
                BT6(d, h);
                for (int a = 0; a < 6; a++)
                    x[a][c] = h[a];
            }
            float *o = V + (size_t)t * 36 * cin + cb * 16;
            for (int a = 0; a < 6; a++) {
                BT6(x[a], h);
                for (int b = 0; b < 6; b++)
                    _mm512_store_ps(o + (size_t)(a * 6 + b) * cin, h[b]);
            }
        }
    }
}

/* A^T m A of tiles t < nt, plus bias, through the activation: output rows oy0 .. oy0 + 3 and
 * columns ox0 + 4t .. ox0 + 4t + 3, those inside ow x oh stored (blocked, or 4 tiles at a time
 * into the planes of a planar out). */
static void output_tf(const sr__conv *c, const float *M, int nt, float *out, int ow, int oh,
                      int oy0, int ox0)
{
    size_t ms = (size_t)c->cout;
    int W = ow + 2 * SR_BLK_PAD, blocked = c->blk & SR_BLK_OUT;
    size_t bplane = (size_t)(oh + 2 * SR_BLK_PAD) * W * 16;
    for (int cb = 0; cb < c->cout / 16; cb++) {
        act_consts k = act_for(c, cb * 16);
        __m512 px[4][16]; /* planar: four output rows of up to 4 tiles */
        for (int t = 0; t < nt; t++) {
            const float *m = M + (size_t)t * 36 * ms + cb * 16;
            __m512 s[4][6]; /* s[r][b]: row r of A^T m, column b */
            for (int b = 0; b < 6; b++) {
                __m512 col[6], y[4];
                for (int r = 0; r < 6; r++)
                    col[r] = _mm512_load_ps(m + (size_t)(r * 6 + b) * ms);
                AT6(col, y);
                for (int r = 0; r < 4; r++)
                    s[r][b] = y[r];
            }
            for (int r = 0; r < 4; r++) {
                int oy = oy0 + r;
                if (oy >= oh)
                    break;
                __m512 y[4];
                AT6(s[r], y);
                for (int q = 0; q < 4; q++)
                    y[q] = act_v(c->act, _mm512_add_ps(y[q], k.bias), k.a, k.hi, k.zero);
                if (!blocked) {
                    for (int q = 0; q < 4; q++)
                        px[r][4 * (t % 4) + q] = y[q];
                    if (t % 4 == 3 || t == nt - 1)
                        sr__blk_store_planar(px[r], 4 * (t % 4 + 1), out, cb, ow, oh, oy,
                                             ox0 + 4 * (t - t % 4));
                    continue;
                }
                float *o = out + cb * bplane + ((size_t)(oy + SR_BLK_PAD) * W + SR_BLK_PAD) * 16;
                for (int q = 0; q < 4 && ox0 + 4 * t + q < ow; q++)
                    _mm512_store_ps(o + (size_t)(ox0 + 4 * t + q) * 16, y[q]);
            }
        }
    }
}

size_t sr__wino4_own(const sr__conv *c, int w)
{
    int win = w + 2 - c->pl - c->pr; /* the input's width: a valid layer's is the output's + 2 */
    size_t rows = c->blk & SR_BLK_IN ? 0 : (size_t)6 * (win + 2 * SR_BLK_PAD) * c->cin;
    return (size_t)36 * (size_t)(chunk_for(c) + CHUNK_PAD) * (size_t)(c->cin + c->cout) + rows;
}

void sr__wino4_forward(const sr__conv *c, const float *in, int w, int h, float *out, int ow,
                       int oh, const sr__run *rc)
{
    /* Block (i, j) holds output rows 4i .. 4i + 3 and columns 4j .. 4j + 3; its 6x6 input patch
     * starts pt rows and pl columns before its first output. */
    int nbx = (ow + 3) / 4, nby = (oh + 3) / 4, target = chunk_for(c);
    int nch = (nbx + target - 1) / target;
    int unit = sr__blk_widths[(c->cout < 64 ? c->cout : 64) / 16 - 1][0];
    int chunk = ((nbx + nch - 1) / nch + unit - 1) / unit * unit;
    nch = (nbx + chunk - 1) / chunk;
    int W = w + 2 * SR_BLK_PAD;
    int planar = !(c->blk & SR_BLK_IN); /* then the row of blocks' 6 rows, blocked, in rows */
    size_t plane = (size_t)(planar ? 6 : h + 2 * SR_BLK_PAD) * W * 16;
    size_t pu = (size_t)c->cin * c->cout, ntmax = (size_t)target + CHUNK_PAD;
    float *V = rc->own, *M = V + 36 * ntmax * c->cin, *rows = M + 36 * ntmax * c->cout;
    sr__span rows_of_blocks = {0, 0, 0};
    while (sr__claim(rc, nby, &rows_of_blocks))
        for (int item = rows_of_blocks.lo * nch; item < rows_of_blocks.hi * nch; item++) {
            int i = item / nch, j0 = item % nch * chunk;
            int nt = nbx - j0 < chunk ? nbx - j0 : chunk;
            if (planar && j0 == 0)
                sr__blk_rows_from_planar(in, c->cin, w, h, 4 * i - c->pt, 6, rows);
            input_tf(planar ? rows : in, c->cin, W, plane,
                     planar ? 0 : 4 * i - c->pt + SR_BLK_PAD, 4 * j0 - c->pl + SR_BLK_PAD, nt, V);
            for (int p = 0; p < 36; p++)
                sr__blk_product(V + (size_t)p * c->cin, c->cin, c->packed + p * pu, c->cout,
                                M + (size_t)p * c->cout, nt, 36);
            output_tf(c, M, nt, out, ow, oh, 4 * i, 4 * j0);
        }
    if (c->blk & SR_BLK_OUT) {
        size_t r0, r1;
        sr__share((size_t)oh + 2 * SR_BLK_PAD, rc->ith, rc->nth, &r0, &r1);
        sr__blk_zero_ring(c->cout, ow, oh, out, (int)r0, (int)r1);
    }
}
