/* winograd.c - 3x3 stride-1 convolutions by Winograd's F(2x2,3x3).
 *
 * Each 2x2 block of output comes from its 4x4 input patch d as A^T [sum_ci U (.) V] A, with
 * V = B^T d B (input transform), U = G g G^T (weights, transformed once at load) and (.) the
 * element-wise product: 16 multiplies per input channel where direct convolution needs 36.
 * The 16 sums over input channels are 16 matrix products (cout x cin) x (cin x tiles), which
 * the direct kernel runs as 1x1 convolutions whose "pixels" are tiles.
 *
 * Why F(2x2,3x3) and not the larger F(4x4,3x3): in F(2x2,3x3) every output's arithmetic reads
 * exactly its own 3x3 input window (B^T's first three rows touch d0..d2 only, A^T's first row
 * sums those three), so its bits depend only on that window and on which of the block's four
 * places it holds. Blocks are laid on even coordinates of the whole image (rc->ox, rc->oy say
 * where this layer's input lies in it), so a pixel gets the same bits in every tile that
 * computes it: tiled output still equals untiled output bit for bit. In F(4x4,3x3) an output's
 * rounding depends on the whole 6x6 patch, and tiles would need 3 pixels more halo per layer;
 * nets whose tiles are not exact anyway run it (wino4_blocked.c).
 *
 * Data flow, per work item (one row of blocks, up to `chunk` tiles of it): for each input
 * channel, its four input rows (read where they lie, masked loads making the zero padding)
 * are transformed into V[16][cin][chunk]; 16 products give M[16][cout][chunk]; the output
 * transform adds the bias, applies the activation and stores two output rows. Work items are
 * independent and their results do not depend on which thread runs them or how many do.
 * Nothing the size of the layer is copied. With bf16 weights (--precision bf16) V is built two
 * channels at a time and stored as bf16 pairs, and the products run in conv_bf16.c.
 */
#include "kernels.h"

#include <string.h>

int sr__wino_applies(const sr__conv *c)
{
    if (!c->kern || c->kw != 3 || c->kh != 3 || c->sw != 1 || c->sh != 1 || c->dw != 1 ||
        c->dh != 1)
        return 0;
    const char *mode = getenv("SR_CONV");
    if (mode && strcmp(mode, "direct") == 0)
        return 0;
    if (mode && strcmp(mode, "winograd") == 0)
        return 1;
    /* With few channels the transforms outweigh the saved multiplies. Measured on Zen 4 at
     * 128x128 (direct / Winograd GFLOP/s): 3->64 86 / 29, 8->16 98 / 76, 16->16 104 / 97,
     * 16->32 107 / 112, 32->32 109 / 130, 64->64 100 / 156. */
    int lo = c->cin < c->cout ? c->cin : c->cout;
    return lo >= 16 && c->cin + c->cout >= 48;
}

/* Floats of one position's packed weights: as sr__conv_pack lays out a 1x1 convolution. */
static size_t pos_floats(const sr__conv *c)
{
    int cob = c->kern->cob, nb = (c->cout + cob - 1) / cob;
    return (size_t)nb * cob * (c->cin + 2);
}

sr_status sr__wino_pack(sr__conv *c, sr_error *err)
{
    static const double G[4][3] = {{1, 0, 0}, {.5, .5, .5}, {.5, -.5, .5}, {0, 0, 1}};
    int cob = c->kern->cob, cin = c->cin;
    size_t per = pos_floats(c);
    free(c->packed), free(c->packed_bf16);
    c->packed_bf16 = NULL;
    c->packed = sr__aligned_alloc(16 * per * sizeof(float)); /* biases and slopes stay 0 */
    if (!c->packed)
        return sr__err(err, SR_E_NOMEM, "convolution: out of memory packing weights");
    c->wino = 1;
    for (int co = 0; co < c->cout; co++)
        for (int ci = 0; ci < cin; ci++) {
            const float *g = c->weight + ((size_t)co * cin + ci) * 9;
            double gg[4][3]; /* G g */
            for (int a = 0; a < 4; a++)
                for (int l = 0; l < 3; l++)
                    gg[a][l] = G[a][0] * g[l] + G[a][1] * g[3 + l] + G[a][2] * g[6 + l];
            for (int a = 0; a < 4; a++)
                for (int b = 0; b < 4; b++) {
                    double u = gg[a][0] * G[b][0] + gg[a][1] * G[b][1] + gg[a][2] * G[b][2];
                    float *dst = c->packed + (size_t)(a * 4 + b) * per;
                    dst[((size_t)(co / cob) * cin + ci) * cob + co % cob] = (float)u;
                }
        }
    return SR_OK;
}

/* Words of one position's bf16 weights: (cout rounded up to 16) x channel pairs. */
static size_t pos_words(const sr__conv *c)
{
    return (size_t)(c->cout + 15) / 16 * 16 * ((c->cin + 1) / 2);
}

sr_status sr__wino_set_bf16(sr__conv *c, int on, sr_error *err)
{
    free(c->packed_bf16);
    c->packed_bf16 = NULL;
    if (!on)
        return SR_OK;
#ifdef SR_HAVE_X86_KERNELS
    if (c->wino && c->kern == &sr__conv_kernel_avx512 && sr__bf16_supported()) {
        size_t words = pos_words(c), per = pos_floats(c);
        c->packed_bf16 = sr__aligned_alloc(16 * words * sizeof(uint32_t));
        if (!c->packed_bf16)
            return sr__err(err, SR_E_NOMEM, "convolution: out of memory packing bf16 weights");
        for (int p = 0; p < 16; p++)
            sr__bf16_pack_position(c->packed + p * per, c->cin, c->cout,
                                   c->packed_bf16 + p * words);
        return SR_OK;
    }
#endif
    return sr__err(err, SR_E_UNSUPPORTED, "bf16 needs a CPU with AVX512_BF16 and the avx512 "
                   "kernels (this one runs %s)", c->kern ? c->kern->name : "none");
}

int sr__wino_blockable(const sr__conv *c)
{
#ifdef SR_HAVE_X86_KERNELS
    return c->wino && c->kern == &sr__conv_kernel_avx512 && c->cin % 16 == 0 &&
           c->cout % 16 == 0 && c->pl == c->pr && c->pt == c->pb && c->pl == c->pt && c->pl <= 1 &&
           c->act != SR_ACT_SIGMOID;
#else
    (void)c;
    return 0;
#endif
}

int sr__conv_writes_blocked(const sr__conv *c)
{
#ifdef SR_HAVE_X86_KERNELS
    if (c->wino)
        return sr__wino_blockable(c);
    return (c->kern == &sr__conv_kernel_avx512 || c->kern == &sr__conv_kernel_avx512_6x4) &&
           c->sw == 1 && c->sh == 1 && c->cout % 16 == 0 && c->act != SR_ACT_SIGMOID;
#else
    (void)c;
    return 0;
#endif
}

int sr__conv_reads_blocked(const sr__conv *c)
{
#ifdef SR_HAVE_X86_KERNELS
    return c->wino ? sr__wino_blockable(c) : sr__direct_blockable(c);
#else
    (void)c;
    return 0;
#endif
}

sr_status sr__conv_set_blocked(sr__conv *c, int blk, sr_error *err)
{
    if (c->blk || !blk || !sr__conv_writes_blocked(c) ||
        (blk & SR_BLK_IN && !sr__conv_reads_blocked(c)))
        return sr__err(err, SR_E_UNSUPPORTED, "convolution: no channel-blocked path for this one");
    if (c->wino4) { /* its forward pass reads and writes either layout, the same packing */
        c->blk = blk;
        return SR_OK;
    }
    if (!c->wino) { /* planar input: the banded path stores its bands blocked, same packing */
        sr_status s = SR_OK;
#ifdef SR_HAVE_X86_KERNELS
        if (blk & SR_BLK_IN)
            s = sr__direct_blocked_pack(c, err);
#endif
        c->blk = s == SR_OK ? blk : 0;
        return s;
    }
    int cin = c->cin, cout = c->cout; /* the AVX-512 kernel's blocks are 16 output channels */
    size_t per = pos_floats(c);
    float *u = sr__aligned_alloc_lazy((size_t)16 * cin * cout * sizeof(float)); /* all written */
    if (!u)
        return sr__err(err, SR_E_NOMEM, "convolution: out of memory packing weights");
    for (int p = 0; p < 16; p++)
        for (int ci = 0; ci < cin; ci++)
            for (int co = 0; co < cout; co++)
                u[((size_t)p * cin + ci) * cout + co] =
                    c->packed[p * per + ((size_t)(co / 16) * cin + ci) * 16 + co % 16];
    free(c->packed);
    c->packed = u;
    c->blk = blk;
#ifdef SR_HAVE_X86_KERNELS
    if (c->packed_bf16) { /* the same values as pairs of input channels, per position */
        size_t words = (size_t)cin / 2 * cout;
        free(c->packed_bf16);
        c->packed_bf16 = sr__aligned_alloc(16 * words * sizeof(uint32_t));
        if (!c->packed_bf16)
            return sr__err(err, SR_E_NOMEM, "convolution: out of memory packing bf16 weights");
        for (int p = 0; p < 16; p++)
            sr__bf16_pack_blocked(u + (size_t)p * cin * cout, cin, cout,
                                  c->packed_bf16 + p * words);
    }
#endif
    return SR_OK;
}

typedef struct {
    int px, py;     /* 1 when output column / row 0 is the second of its block */
    int nbx, nby;   /* blocks across and down */
    int chunk;      /* tiles per work item, a multiple of 16 */
    size_t scratch; /* floats per thread */
} wino_geom;

static int mod2(long v) { return (int)(v & 1); }

/* An output pixel's place in the image is that of its window's centre: a padded layer's
 * output pixel 0 lies where its input's does, so blocks start at column 0 of an untiled
 * image, and a tile's row of blocks wastes nothing when its width is even. */
static void geometry(const sr__conv *c, int ow, int oh, long ox, long oy, wino_geom *g)
{
    g->px = mod2(ox + 1 - c->pl), g->py = mod2(oy + 1 - c->pt);
    g->nbx = (ow + g->px + 1) / 2, g->nby = (oh + g->py + 1) / 2;
    /* Long rows of tiles keep the weights' trips from L2 few; V and M of an item still fit
     * in about 1 MB (bench-conv: 128 tiles beat 64 by 5-10% on 256x256 64->64). */
    int chunk = 16384 / (c->cin + c->cout) / 16 * 16;
    chunk = chunk < 16 ? 16 : chunk > 128 ? 128 : chunk;
    int need = (g->nbx + 15) / 16 * 16;
    g->chunk = chunk < need ? chunk : need;
    /* V (in bf16: pairs, fewer words), M, an output block at an edge, two channels' fp32 V
     * on their way to bf16 */
    g->scratch = 16 * (size_t)(c->cin + c->cout) * g->chunk + 32 + 16 + 32 * (size_t)g->chunk;
}

size_t sr__wino_workspace(const sr__conv *c, int ow, int oh)
{
    wino_geom g;
    geometry(c, ow, oh, c->pl, c->pt, &g); /* the larger case: both phases odd */
    return g.scratch;
}

void sr__wino_forward(const sr__conv *c, const float *in, int w, int h, float *out, int ow,
                      int oh, const sr__run *rc)
{
    const sr__conv_kernel *k = c->kern;
    wino_geom g;
    geometry(c, ow, oh, rc->ox, rc->oy, &g);
    int s = g.px + c->pl, t = g.py + c->pt; /* block (0, 0) starts at input (-s, -t) */
    int nch = (g.nbx + g.chunk - 1) / g.chunk;
    size_t per = pos_floats(c), vs = (size_t)c->cin * g.chunk, ms = (size_t)c->cout * g.chunk;
    size_t bvs = (size_t)(c->cin + 1) / 2 * g.chunk; /* words per position of bf16 V */
    /* A thread's share is whole rows of blocks: a row's last chunk is often short, so dealing
     * items out in turn could give one thread every long chunk. */
    float *V = rc->own;
    size_t row0, row1;
    sr__share(g.nby, rc->ith, rc->nth, &row0, &row1);
    for (int item = (int)row0 * nch; item < (int)row1 * nch; item++) {
        int i = item / nch, j0 = item % nch * g.chunk;
        int nv = g.nbx - j0 < g.chunk ? g.nbx - j0 : g.chunk, n = (nv + 15) / 16 * 16;
        float *M = V + 16 * vs, *tmp = M + 16 * ms;
        int xa = 2 * j0 - s > 0 ? 2 * j0 - s : 0, xb = 2 * j0 - s + 2 * n + 2; /* columns read */
        xb = xb < w ? xb : w;
        for (int ci = 0; ci < c->cin; ci++) {
            const float *rows[4]; /* rows 2i .. 2i+3 of the padded input; NULL: padding */
            for (int r = 0; r < 4; r++) {
                int iy = 2 * i + r - t;
                rows[r] = iy >= 0 && iy < h ? in + ((size_t)ci * h + iy) * w : NULL;
            }
            for (int r = 0; ci + 1 < c->cin && r < 4; r++)
                if (rows[r])
                    sr__prefetch_span(rows[r] + (size_t)h * w + xa, xb - xa, 0);
            if (!c->packed_bf16) {
                k->wino_in(rows, 2 * j0 - s, w, n, V + (size_t)ci * g.chunk, vs);
                continue;
            }
#ifdef SR_HAVE_X86_KERNELS
            /* bf16: the pair's two channels in fp32, then into V as pairs */
            float *two = tmp + 48;
            k->wino_in(rows, 2 * j0 - s, w, n, two + (ci & 1) * 16 * g.chunk, g.chunk);
            if (ci & 1 || ci + 1 == c->cin)
                sr__bf16_pair(two, ci & 1 ? two + 16 * g.chunk : NULL, g.chunk, n,
                              (uint32_t *)V + (size_t)(ci / 2) * g.chunk, bvs);
#endif
        }
        for (int p = 0; p < 16; p++) {
#ifdef SR_HAVE_X86_KERNELS
            if (c->packed_bf16) {
                sr__bf16_product(c->packed_bf16 + p * pos_words(c), (c->cin + 1) / 2, c->cout,
                                 (const uint32_t *)V + p * bvs, g.chunk, n, M + p * ms);
                continue;
            }
#endif
            k->wino_mul(c->packed + p * per, c->cin, c->cout, V + p * vs, g.chunk, n, M + p * ms);
        }
        k->wino_out(c, M, ms, n, nv, tmp, out, ow, oh, 2 * i - g.py, 2 * j0 - g.px);
    }
}
