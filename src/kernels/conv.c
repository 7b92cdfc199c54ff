/* conv.c - convolution: weight packing, the zero-padded input copy, kernel dispatch, and the
 * plain reference the fast kernels are tested against.
 */
#include "kernels.h"

#include <math.h>
#include <string.h>
#ifdef SR_HAVE_X86_KERNELS
#include <cpuid.h>
#endif

static const sr__conv_kernel *kernel_by_name(const char *name)
{
    if (strcmp(name, "generic") == 0)
        return &sr__conv_kernel_generic;
#ifdef SR_HAVE_X86_KERNELS
    if (strcmp(name, "avx2") == 0 && __builtin_cpu_supports("avx2") &&
        __builtin_cpu_supports("fma"))
        return &sr__conv_kernel_avx2;
    if (strcmp(name, "avx512") == 0 && __builtin_cpu_supports("avx512f"))
        return &sr__conv_kernel_avx512;
    if (strcmp(name, "avx512-6x4") == 0 && __builtin_cpu_supports("avx512f"))
        return &sr__conv_kernel_avx512_6x4;
#endif
    return NULL;
}

const sr__conv_kernel *sr__conv_kernel_select(void)
{
    const char *force = getenv("SR_KERNEL");
    const sr__conv_kernel *k = force ? kernel_by_name(force) : NULL;
    if (k)
        return k;
    static const char *const best_first[] = {"avx512", "avx2", "generic"};
    for (int i = 0; i < 3; i++)
        if ((k = kernel_by_name(best_first[i])))
            return k;
    return &sr__conv_kernel_generic;
}

const char *sr_kernel_path(void)
{
    return sr__conv_kernel_select()->name;
}

#ifdef SR_HAVE_X86_KERNELS
/* Whether the core has two 512-bit FMA pipes as far as the kernels can tell: Intel's AVX-512
 * cores, and AMD's from Zen 5 (family 1Ah) on; Zen 4 (19h) splits a 512-bit FMA over its one. */
static int two_fma512_pipes(void)
{
    unsigned a, b, c, d;
    if (__builtin_cpu_is("intel"))
        return 1;
    if (!__builtin_cpu_is("amd") || !__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    unsigned family = (a >> 8) & 15;
    return (family == 15 ? family + ((a >> 20) & 255) : family) >= 0x1A;
}
#endif

void sr__conv_pick(sr__conv *c)
{
    c->kern = sr__conv_kernel_select();
#ifdef SR_HAVE_X86_KERNELS
    /* Direct convolution on a core with two FMA pipes: the 6 x 4 shape, which loads fewer values
     * per FMA. bench-conv, 64->64: on a Xeon family 6 model 207, 256x256, best of 4 runs each,
     * 6 x 4 at 147 GFLOP/s against 101 for 16 x 1 (peak 174); on a Zen 5 (EPYC, family 1Ah
     * model 2) 89% of peak against 76% at 256x256, 96% against 82% at 64x64, and ahead on the
     * 3->64 and 64->48 shapes too. On Zen 4 16 x 1 was the fastest of six shapes. SR_KERNEL
     * overrides both. */
    if (!getenv("SR_KERNEL") && c->kern == &sr__conv_kernel_avx512 && !sr__wino_applies(c) &&
        two_fma512_pipes())
        c->kern = &sr__conv_kernel_avx512_6x4;
#endif
}

/* packed = [block][ci][ky][kx][cob] weights, then nb*cob biases, then nb*cob PReLU slopes, with
 * zeros for the output channels past cout in the last block. */
sr_status sr__conv_pack(sr__conv *c, sr_error *err)
{
    sr__conv_pick(c);
    const sr__conv_kernel *k = c->kern;
    c->wino = 0;
    if (sr__wino_applies(c)) {
#ifdef SR_HAVE_X86_KERNELS
        c->wino = 1; /* what sr__wino_blockable asks */
        if (c->want_wino4 && sr__wino_blockable(c)) /* straight to F(4x4,3x3)'s packing */
            return sr__conv_set_wino4(c, err);
#endif
        return sr__wino_pack(c, err);
    }
    int cob = k->cob, nb = (c->cout + cob - 1) / cob;
    size_t taps = (size_t)c->cin * c->kh * c->kw;
    size_t n = (size_t)nb * cob * (taps + 2);
    free(c->packed);
    c->packed = sr__aligned_alloc(n * sizeof(float));
    if (!c->packed)
        return sr__err(err, SR_E_NOMEM, "convolution: out of memory packing weights");
    float *bias = c->packed + (size_t)nb * taps * cob, *slope = bias + (size_t)nb * cob;
    for (int co = 0; co < c->cout; co++) {
        int b = co / cob, j = co % cob;
        for (size_t t = 0; t < taps; t++)
            c->packed[((size_t)b * taps + t) * cob + j] = c->weight[(size_t)co * taps + t];
        bias[co] = c->bias[co];
        slope[co] = c->slope ? c->slope[co] : 0.f;
    }
    return SR_OK;
}

/* Geometry of the padded copy: ph rows of rs floats per input channel. */
static void pad_geometry(const sr__conv *c, int ow, int oh, int *rs, int *ph)
{
    int xb = c->kern ? c->kern->xb : 1;
    int ew = c->dw * (c->kw - 1) + 1, eh = c->dh * (c->kh - 1) + 1;
    int w1 = ((ow + xb - 1) / xb) * xb + ew - 1; /* every vector load of stride 1 in bounds */
    int w2 = (ow - 1) * c->sw + ew;
    int w = w1 > w2 ? w1 : w2;
    *rs = (w + 15) / 16 * 16;
    *ph = (oh - 1) * c->sh + eh;
}

/* A convolution whose kernel is as big as its stride (the U-Nets' 2x2 stride-2 downsampling)
 * is a 1x1 convolution of the input cut into kh x kw phases (space-to-depth): cin kh kw planes,
 * plane (ci, ky, kx) holding the input pixels at (oy sh + ky, ox sw + kx). The packed weights
 * are already in that order, so the fast 1x1 kernel runs it. */
static int is_s2d(const sr__conv *c)
{
    return c->kern && (c->sw > 1 || c->sh > 1) && c->kw == c->sw && c->kh == c->sh &&
           c->dw == 1 && c->dh == 1;
}

/* The 1x1 convolution that computes c from its space-to-depth input (c as a 1x1 when c is a
 * deconvolution packed by sr__deconv_pack). */
static sr__conv pointwise_view(const sr__conv *c, int cin, int cout)
{
    sr__conv v = *c;
    v.cin = cin, v.cout = cout;
    v.kw = v.kh = v.dw = v.dh = v.sw = v.sh = 1;
    v.pl = v.pr = v.pt = v.pb = v.opr = v.opb = 0;
    return v;
}

/* The stride-1 kernel path copies its input band by band, into a zero-padded buffer per thread:
 * a band's cin planes of DIRECT_BAND + eh - 1 rows stay in L2 while the kernel reads them
 * (64 channels, 256 wide: 0.7 MB), where one copy of the whole layer (17 MB at 256x256) has
 * left the caches before the kernel gets to most of it. */
#ifndef DIRECT_BAND
#define DIRECT_BAND 8
#endif

static int banded(const sr__conv *c)
{
    return c->kern && c->sw == 1 && c->sh == 1;
}

static int band_rows(const sr__conv *c)
{
    return DIRECT_BAND + c->dh * (c->kh - 1);
}

void sr__conv_drop_weight(sr__conv *c, int deconv)
{
    int reads = deconv ? !c->kern
                       : !c->packed || (!c->wino && !c->blk && !is_s2d(c) && !banded(c));
    if (!reads) {
        free(c->weight);
        c->weight = NULL;
    }
}

/* Winograd and the banded direct path keep their scratch per thread (a band's padded rows, a
 * row of blocks' transforms); the others pad the whole input once, shared by the threads. */
sr__ws_need sr__conv_workspace(const sr__conv *c, int ow, int oh)
{
    int rs, ph;
#ifdef SR_HAVE_X86_KERNELS
    if (c->wino4)
        return (sr__ws_need){0, sr__wino4_own(c, ow)};
    if (c->blk && c->wino)
        return (sr__ws_need){0, sr__wino_blocked_own(c, ow)};
    if (c->blk & SR_BLK_IN)
        return (sr__ws_need){0, sr__direct_blocked_own(c, ow)};
#endif
    if (c->packed ? c->wino : sr__wino_applies(c))
        return (sr__ws_need){0, sr__wino_workspace(c, ow, oh)};
    if (is_s2d(c)) {
        sr__conv v = pointwise_view(c, c->cin * c->kh * c->kw, c->cout);
        pad_geometry(&v, ow, oh, &rs, &ph);
        return (sr__ws_need){(size_t)v.cin * ph * rs, 0};
    }
    pad_geometry(c, ow, oh, &rs, &ph);
    if (banded(c)) /* a band's padded input, and its output where that is stored blocked */
        return (sr__ws_need){0, (size_t)c->cin * band_rows(c) * rs +
                                    (c->blk ? (size_t)c->cout * DIRECT_BAND * ow : 0)};
    return (sr__ws_need){(size_t)c->cin * ph * rs, 0};
}

static void apply_act(const sr__conv *c, int co, float *v, size_t n)
{
    float a = c->act == SR_ACT_PRELU ? c->slope[co] : c->act_a;
    for (size_t i = 0; i < n; i++) {
        float x = v[i];
        switch (c->act) {
        case SR_ACT_RELU: x = x > 0.f ? x : 0.f; break;
        case SR_ACT_LEAKY: case SR_ACT_PRELU: x = (x > 0.f ? x : 0.f) + a * (x < 0.f ? x : 0.f); break;
        case SR_ACT_CLIP: x = x < c->act_a ? c->act_a : x > c->act_b ? c->act_b : x; break;
        case SR_ACT_SIGMOID: x = 1.f / (1.f + expf(-x)); break;
        }
        v[i] = x;
    }
}

/* Strided convolution straight from the padded copy; same summation order as the kernels. */
static void conv_strided(const sr__conv *c, const float *pad, int rs, int ph, float *out, int ow,
                         int oh, int ith, int nth)
{
    size_t taps = (size_t)c->cin * c->kh * c->kw;
    for (int co = ith; co < c->cout; co += nth) {
        const float *w0 = c->weight + (size_t)co * taps;
        float *o = out + (size_t)co * oh * ow;
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++) {
                float acc = c->bias[co];
                const float *w = w0;
                for (int ci = 0; ci < c->cin; ci++)
                    for (int ky = 0; ky < c->kh; ky++) {
                        const float *row =
                            pad + ((size_t)ci * ph + oy * c->sh + ky * c->dh) * rs + ox * c->sw;
                        for (int kx = 0; kx < c->kw; kx++)
                            acc = *w++ * row[kx * c->dw] + acc;
                    }
                o[(size_t)oy * ow + ox] = acc;
            }
        apply_act(c, co, o, (size_t)oh * ow);
    }
}

/* Rows per work item when several threads share one convolution: a few items per thread, so a
 * thread slowed by a neighbour on the machine does not hold the others up. */
static int row_band(int oh, int nt)
{
    int b = oh / (4 * nt);
    return b > 1 ? b : 1;
}

/* The fast kernel over this thread's bands of output rows. */
static void run_rows(const sr__conv *c, const float *pad, int rs, int ph, float *out, int ow,
                     int oh, int ith, int nth)
{
    int band = row_band(oh, nth), nband = (oh + band - 1) / band;
    for (int i = ith; i < nband; i += nth)
        c->kern->run(c, pad, rs, ph, out, ow, oh, i * band,
                     (i + 1) * band < oh ? (i + 1) * band : oh);
}

/* Sigmoid is applied after the whole output is stored (the kernels' stores take the others). */
static void sigmoid_planes(const sr__conv *c, float *out, int ow, int oh, int ith, int nth)
{
    if (c->act != SR_ACT_SIGMOID)
        return;
    sr__sync(nth); /* every thread's rows of every channel are stored */
    for (int co = ith; co < c->cout; co += nth)
        apply_act(c, co, out + (size_t)co * oh * ow, (size_t)oh * ow);
}

static void conv_s2d(const sr__conv *c, const float *in, int w, int h, float *out, int ow, int oh,
                     const sr__run *rc)
{
    sr__conv v = pointwise_view(c, c->cin * c->kh * c->kw, c->cout);
    int rs, ph;
    float *ws = rc->ws;
    pad_geometry(&v, ow, oh, &rs, &ph);
    for (int p = rc->ith; p < v.cin; p += rc->nth) {
        int ci = p / (c->kh * c->kw), ky = p / c->kw % c->kh, kx = p % c->kw;
        const float *src = in + (size_t)ci * h * w;
        for (int oy = 0; oy < ph; oy++) {
            float *row = ws + ((size_t)p * ph + oy) * rs;
            int y = oy * c->sh + ky - c->pt;
            for (int ox = 0; ox < rs; ox++) {
                int x = ox * c->sw + kx - c->pl;
                row[ox] = ox < ow && y >= 0 && y < h && x >= 0 && x < w
                              ? src[(size_t)y * w + x] : 0.f;
            }
        }
    }
    sr__sync(rc->nth); /* the copy is whole */
    run_rows(&v, ws, rs, ph, out, ow, oh, rc->ith, rc->nth);
    sigmoid_planes(c, out, ow, oh, rc->ith, rc->nth);
}

/* One row of a zero-padded copy: pl zeros, cw floats of src, zeros up to rs. */
static void pad_row(float *row, const float *src, int pl, int cw, int rs)
{
    memset(row, 0, (size_t)pl * sizeof(float));
    memcpy(row + pl, src, (size_t)cw * sizeof(float));
    memset(row + pl + cw, 0, (size_t)(rs - pl - cw) * sizeof(float));
}

/* Output rows [y0, y1) of a stride-1 convolution on the direct kernels: the band's input rows,
 * zero-padded, copied into pad (cin x (band + kh - 1) rows of pad_geometry's stride; bands of at
 * most `band` rows), then the kernel
 * into out, whose planes are ow x plane_rows (the whole output's, or the band's own). */
static void direct_band(const sr__conv *c, const float *in, int w, int h, int ow, int y0, int y1,
                        int band, float *pad, float *out, int plane_rows)
{
    int rs, ph, bph = band + c->dh * (c->kh - 1), rows = y1 - y0 + bph - band;
    pad_geometry(c, ow, y1 - y0, &rs, &ph);
    int cw = w < rs - c->pl ? w : rs - c->pl;
    for (int ci = 0; ci < c->cin; ci++)
        for (int r = 0; r < rows; r++) {
            float *row = pad + ((size_t)ci * bph + r) * rs;
            int iy = y0 + r - c->pt;
            if (iy < 0 || iy >= h) {
                memset(row, 0, (size_t)rs * sizeof(float));
                continue;
            }
            pad_row(row, in + ((size_t)ci * h + iy) * w, c->pl, cw, rs);
        }
    c->kern->run(c, pad, rs, bph, out, ow, plane_rows, 0, y1 - y0);
}

void sr__conv_forward(const sr__conv *c, const float *in, int w, int h, float *out, int ow, int oh,
                      const sr__run *rc)
{
#ifdef SR_HAVE_X86_KERNELS
    if (c->wino4) {
        sr__wino4_forward(c, in, w, h, out, ow, oh, rc);
        return;
    }
    if (c->blk && c->wino) {
        sr__wino_blocked_forward(c, in, w, h, out, ow, oh, rc);
        return;
    }
    if (c->blk & SR_BLK_IN) {
        sr__direct_blocked_forward(c, in, w, h, out, ow, oh, rc);
        return;
    }
#endif
    if (c->wino) {
        sr__wino_forward(c, in, w, h, out, ow, oh, rc);
        return;
    }
    if (is_s2d(c)) {
        conv_s2d(c, in, w, h, out, ow, oh, rc);
        return;
    }
    int rs, ph;
    pad_geometry(c, ow, oh, &rs, &ph);
    /* Zero-padded copies: borders are real zeros, so edge pixels run the same code as the rest.
     * Only the border is cleared: on large tiles a full memset costs as much as the copy. */
    int cw = w < rs - c->pl ? w : rs - c->pl;
    if (banded(c)) {
        int bph = band_rows(c), nband = (oh + DIRECT_BAND - 1) / DIRECT_BAND;
        float *pad = rc->own;
        for (int i = rc->ith; i < nband; i += rc->nth) {
            int y0 = i * DIRECT_BAND, y1 = y0 + DIRECT_BAND < oh ? y0 + DIRECT_BAND : oh;
            if (!c->blk) {
                direct_band(c, in, w, h, ow, y0, y1, DIRECT_BAND, pad, out + (size_t)y0 * ow, oh);
                continue;
            }
#ifdef SR_HAVE_X86_KERNELS /* the band, computed as above, then transposed to 16 per pixel */
            float *band = pad + (size_t)c->cin * bph * rs;
            direct_band(c, in, w, h, ow, y0, y1, DIRECT_BAND, pad, band, y1 - y0);
            sr__blk_store_rows(band, c->cout, ow, y1 - y0, out, oh, y0);
#endif
        }
        if (c->blk) { /* this thread's share of the ring: rows none of the bands writes */
            size_t r0, r1;
            sr__share((size_t)oh + 2 * SR_BLK_PAD, rc->ith, rc->nth, &r0, &r1);
            sr__blk_zero_ring(c->cout, ow, oh, out, (int)r0, (int)r1);
            return;
        }
        sigmoid_planes(c, out, ow, oh, rc->ith, rc->nth);
        return;
    }
    int chh = h < ph - c->pt ? h : ph - c->pt;
    for (int ci = rc->ith; ci < c->cin; ci += rc->nth) {
        float *plane = rc->ws + (size_t)ci * ph * rs;
        memset(plane, 0, (size_t)c->pt * rs * sizeof(float));
        for (int y = 0; y < chh; y++) {
            float *row = plane + (size_t)(y + c->pt) * rs;
            pad_row(row, in + ((size_t)ci * h + y) * w, c->pl, cw, rs);
        }
        memset(plane + (size_t)(chh + c->pt) * rs, 0,
               (size_t)(ph - chh - c->pt) * rs * sizeof(float));
    }
    sr__sync(rc->nth); /* the padded copy is whole */
    conv_strided(c, rc->ws, rs, ph, out, ow, oh, rc->ith, rc->nth);
}

/* A transposed convolution of stride s as a convolution: output row oy, with oy + pt = s Q + r,
 * takes input rows Q - j through taps ky = r + s j, so each phase r of the output is a
 * convolution of the input with ceil(kh / s) rows of taps. One convolution to cout sh sw
 * channels (channel (co, ry, rx)) computes every phase, and the phases are interleaved into the
 * output: the fast direct kernels instead of a scatter of every input pixel (waifu2x's and
 * Real-CUGAN's 4x4 stride-2 last layers: 2x2 convolutions; the U-Nets' 2x2 stride-2 upsampling:
 * 1x1). For kernels up to twice the stride, no dilation. */
typedef struct {
    sr__conv v;   /* the convolution (weights, bias and slopes not set) */
    int qy0, qx0; /* Q of its output row and column 0 */
    int mh, mw;   /* its output rows and columns */
} phases;

static int has_phases(const sr__conv *c)
{
    return c->dw == 1 && c->dh == 1 && c->kh <= 2 * c->sh && c->kw <= 2 * c->sw &&
           c->pt / c->sh <= (c->kh + c->sh - 1) / c->sh - 1 &&
           c->pl / c->sw <= (c->kw + c->sw - 1) / c->sw - 1;
}

static phases phase_view(const sr__conv *c, int ow, int oh)
{
    phases g;
    g.v = pointwise_view(c, c->cin, c->cout * c->sh * c->sw);
    g.v.kh = (c->kh + c->sh - 1) / c->sh, g.v.kw = (c->kw + c->sw - 1) / c->sw;
    g.qy0 = c->pt / c->sh, g.qx0 = c->pl / c->sw;
    /* output row m reads input rows Q - kh' + 1 .. Q, Q = qy0 + m: padding above and left */
    g.v.pt = g.v.kh - 1 - g.qy0, g.v.pl = g.v.kw - 1 - g.qx0;
    g.v.pb = g.v.pt, g.v.pr = g.v.pl; /* rows and columns past the input read zeros anyway */
    g.mh = (oh - 1 + c->pt) / c->sh - g.qy0 + 1, g.mw = (ow - 1 + c->pl) / c->sw - g.qx0 + 1;
    return g;
}

sr_status sr__deconv_pack(sr__conv *c, sr_error *err)
{
    if (!has_phases(c) || (c->sw == 1 && c->sh == 1))
        return SR_OK;
    phases g = phase_view(c, 1, 1);
    sr__conv v = g.v;
    int kh = c->kh, kw = c->kw, taps = v.kh * v.kw, n = v.cout;
    v.weight = calloc((size_t)n * c->cin * taps, sizeof(float));
    v.bias = malloc((size_t)n * sizeof(float));
    v.slope = c->slope ? malloc((size_t)n * sizeof(float)) : NULL;
    v.packed = NULL;
    sr_status s = !v.weight || !v.bias || (c->slope && !v.slope)
                      ? sr__err(err, SR_E_NOMEM, "deconvolution: out of memory packing weights")
                      : SR_OK;
    /* channel (co, ry, rx), tap (a, b) = the file's tap (ry + sh (kh' - 1 - a), rx + ...), or 0
     * where that lies outside the kernel; the file is cout x cin x kh x kw */
    for (int q = 0; !s && q < n; q++) {
        int co = q / (c->sh * c->sw), ry = q / c->sw % c->sh, rx = q % c->sw;
        for (int ci = 0; ci < c->cin; ci++)
            for (int a = 0; a < v.kh; a++)
                for (int b = 0; b < v.kw; b++) {
                    int ky = ry + c->sh * (v.kh - 1 - a), kx = rx + c->sw * (v.kw - 1 - b);
                    if (ky < kh && kx < kw)
                        v.weight[((size_t)q * c->cin + ci) * taps + a * v.kw + b] =
                            c->weight[(((size_t)co * c->cin + ci) * kh + ky) * kw + kx];
                }
        v.bias[q] = c->bias[co];
        if (v.slope)
            v.slope[q] = c->slope[co];
    }
    if (!s)
        s = sr__conv_pack(&v, err);
    if (!s) {
        free(c->packed);
        c->packed = v.packed, c->kern = v.kern;
    }
    free(v.weight), free(v.bias), free(v.slope);
    return s;
}

/* Rows of phases per band: a band's input copy of at most PHASE_COPY floats, 512 KB (waifu2x's
 * 256 channels: one row; a shared copy of its whole input cost 75 MB, bands of 8 rows 2.5 MB
 * per thread). */
#define PHASE_COPY ((size_t)128 << 10)

static int phase_band(const phases *g, int rs)
{
    int fit = (int)(PHASE_COPY / ((size_t)g->v.cin * rs)) - (g->v.kh - 1);
    return fit < 1 ? 1 : fit > DIRECT_BAND ? DIRECT_BAND : fit;
}

/* Per thread: a band's padded input rows and its phases' rows. The runner sizes scratch once,
 * at its largest tile, so this must not shrink as the tile grows, and the band's rows do
 * (phase_band): it gives a bound that only grows with the width. The copy is at most
 * PHASE_COPY floats, or kh' rows when one is more; the phases' rows hold at most as many pixels
 * as the copy's rows do, and at most DIRECT_BAND rows. (Sized exactly, Real-CUGAN's 128-channel
 * upsampling needed more at 262 wide than at 410, and wrote past its scratch on the 16 x 1
 * kernel.) */
sr__ws_need sr__deconv_workspace(const sr__conv *c, int ow, int oh)
{
    if (!c->kern)
        return (sr__ws_need){0, 0};
    phases g = phase_view(c, ow, oh);
    g.v.kern = c->kern, g.v.packed = c->packed;
    int rs, ph;
    pad_geometry(&g.v, g.mw, 1, &rs, &ph);
    size_t copy = (size_t)g.v.cin * g.v.kh * rs, px = PHASE_COPY / (size_t)g.v.cin;
    size_t row = (size_t)g.mw;
    px = px > row ? px : row;
    px = px < DIRECT_BAND * row ? px : DIRECT_BAND * row;
    return (sr__ws_need){0, (copy > PHASE_COPY ? copy : PHASE_COPY) + (size_t)g.v.cout * px};
}

/* Band by band: the phases' rows [m0, m1), then the output rows they make, interleaved (each
 * output row comes from one phase row, so bands never share one). */
static void deconv_phases(const sr__conv *c, const float *in, int w, int h, float *out, int ow,
                          int oh, const sr__run *rc)
{
    phases g = phase_view(c, ow, oh);
    g.v.kern = c->kern, g.v.packed = c->packed;
    int rs, ph;
    pad_geometry(&g.v, g.mw, 1, &rs, &ph);
    int nb = phase_band(&g, rs), nband = (g.mh + nb - 1) / nb;
    float *pad = rc->own, *band = pad + (size_t)g.v.cin * (nb + g.v.kh - 1) * rs;
    for (int i = rc->ith; i < nband; i += rc->nth) {
        int m0 = i * nb, m1 = m0 + nb < g.mh ? m0 + nb : g.mh;
        size_t bpl = (size_t)(m1 - m0) * g.mw;
        direct_band(&g.v, in, w, h, g.mw, m0, m1, nb, pad, band, m1 - m0);
        for (int q = 0; c->act == SR_ACT_SIGMOID && q < g.v.cout; q++)
            apply_act(c, q / (c->sh * c->sw), band + q * bpl, bpl);
        for (int co = 0; co < c->cout; co++)
            for (int m = m0; m < m1; m++)
                for (int ry = 0; ry < c->sh; ry++) {
                    int oy = (g.qy0 + m) * c->sh + ry - c->pt;
                    if (oy < 0 || oy >= oh)
                        continue;
                    float *d = out + ((size_t)co * oh + oy) * ow;
                    for (int ox = 0; ox < ow; ox++) {
                        int qx = (ox + c->pl) / c->sw - g.qx0, rx = (ox + c->pl) % c->sw;
                        d[ox] = band[((size_t)(co * c->sh + ry) * c->sw + rx) * bpl +
                                     (size_t)(m - m0) * g.mw + qx];
                    }
                }
    }
}

void sr__deconv_forward(const sr__conv *c, const float *in, int w, int h, float *out, int ow,
                        int oh, const sr__run *rc)
{
    if (c->kern) {
        deconv_phases(c, in, w, h, out, ow, oh, rc);
        return;
    }
    size_t taps = (size_t)c->kh * c->kw, opl = (size_t)ow * oh;
    /* Work items: one output channel's band of rows (the last layers have 3 channels). */
    int band = row_band(oh, rc->nth), nband = (oh + band - 1) / band;
    for (int item = rc->ith; item < c->cout * nband; item += rc->nth) {
        int co = item / nband, ya = item % nband * band, yb = ya + band < oh ? ya + band : oh;
        float *o = out + co * opl;
        for (size_t i = (size_t)ya * ow; i < (size_t)yb * ow; i++)
            o[i] = c->bias[co];
        for (int ci = 0; ci < c->cin; ci++) {
            const float *src = in + (size_t)ci * w * h;
            const float *wt = c->weight + ((size_t)co * c->cin + ci) * taps;
            /* Input pixel (ix, iy) lands on output (ix sw + kx dw - pl, iy sh + ky dh - pt). */
            for (int ky = 0; ky < c->kh; ky++)
                for (int kx = 0; kx < c->kw; kx++) {
                    float wv = wt[ky * c->kw + kx];
                    int ox0 = kx * c->dw - c->pl, oy0 = ky * c->dh - c->pt;
                    int ix0 = ox0 < 0 ? (-ox0 + c->sw - 1) / c->sw : 0;
                    int ix1 = ow - 1 - ox0 < 0 ? 0 : (ow - 1 - ox0) / c->sw + 1;
                    ix1 = ix1 < w ? ix1 : w;
                    for (int iy = 0; iy < h; iy++) {
                        int oy = iy * c->sh + oy0;
                        if (oy < ya || oy >= yb)
                            continue;
                        const float *s = src + (size_t)iy * w;
                        float *d = o + (size_t)oy * ow + ox0;
                        for (int ix = ix0; ix < ix1; ix++)
                            d[ix * c->sw] += s[ix] * wv;
                    }
                }
        }
        apply_act(c, co, o + (size_t)ya * ow, (size_t)(yb - ya) * ow);
    }
}

void sr__conv_reference(const sr__conv *c, const float *in, int w, int h, float *out, int ow,
                        int oh)
{
    for (int co = 0; co < c->cout; co++)
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++) {
                double acc = c->bias[co];
                for (int ci = 0; ci < c->cin; ci++)
                    for (int ky = 0; ky < c->kh; ky++)
                        for (int kx = 0; kx < c->kw; kx++) {
                            int y = oy * c->sh + ky * c->dh - c->pt;
                            int x = ox * c->sw + kx * c->dw - c->pl;
                            if (y < 0 || y >= h || x < 0 || x >= w)
                                continue;
                            acc += (double)c->weight[(((size_t)co * c->cin + ci) * c->kh + ky) *
                                                         c->kw + kx] *
                                   in[((size_t)ci * h + y) * w + x];
                        }
                float v = (float)acc;
                apply_act(c, co, &v, 1);
                out[((size_t)co * oh + oy) * ow + ox] = v;
            }
}
