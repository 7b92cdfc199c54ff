/* test_conv.c - every convolution kernel path against the plain double-precision reference,
 * the same bits whatever the number of threads sharing a layer, and the property tiling relies
 * on: a pixel's value does not depend on its place in the row. */
#include "test_common.h"

#include <omp.h>

#include <math.h>

typedef struct {
    int cin, cout, k, dil, stride, pl, pr, pt, pb, act, w, h;
} conv_case;

static const conv_case cases[] = {
    {3, 64, 3, 1, 1, 1, 1, 1, 1, SR_ACT_PRELU, 37, 11},
    {64, 64, 3, 1, 1, 1, 1, 1, 1, SR_ACT_PRELU, 50, 9},
    {64, 48, 3, 1, 1, 1, 1, 1, 1, SR_ACT_NONE, 17, 5},
    {5, 7, 1, 1, 1, 0, 0, 0, 0, SR_ACT_RELU, 33, 4},
    {6, 9, 5, 1, 1, 2, 2, 2, 2, SR_ACT_LEAKY, 21, 8},
    {4, 10, 3, 2, 1, 2, 2, 2, 2, SR_ACT_CLIP, 19, 7},
    {4, 5, 3, 1, 1, 0, 2, 1, 0, SR_ACT_SIGMOID, 23, 6},
    {8, 16, 3, 1, 2, 1, 1, 1, 1, SR_ACT_NONE, 31, 13},
    {32, 32, 3, 1, 1, 0, 0, 0, 0, SR_ACT_LEAKY, 64, 3},
    {160, 32, 3, 1, 1, 1, 1, 1, 1, SR_ACT_LEAKY, 49, 4},
    {64, 64, 2, 1, 2, 0, 0, 0, 0, SR_ACT_LEAKY, 70, 12}, /* U-Net 2x2 stride 2: space-to-depth */
    {5, 6, 3, 1, 3, 1, 2, 2, 0, SR_ACT_SIGMOID, 29, 14},
};

/* 3x3 stride-1 cases for the blocked Winograd paths: partial blocks at both edges, every
 * activation, "same" and valid padding (waifu2x), 192 input channels (an RRDB's dense layers). */
static const conv_case wino_cases[] = {
    {64, 64, 3, 1, 1, 1, 1, 1, 1, SR_ACT_PRELU, 50, 9},
    {64, 48, 3, 1, 1, 1, 1, 1, 1, SR_ACT_NONE, 17, 5},
    {16, 32, 3, 1, 1, 1, 1, 1, 1, SR_ACT_RELU, 13, 7},
    {48, 48, 3, 1, 1, 1, 1, 1, 1, SR_ACT_LEAKY, 71, 4},
    {32, 16, 3, 1, 1, 1, 1, 1, 1, SR_ACT_CLIP, 9, 6},
    {192, 32, 3, 1, 1, 1, 1, 1, 1, SR_ACT_LEAKY, 11, 10},
    {32, 64, 3, 1, 1, 0, 0, 0, 0, SR_ACT_LEAKY, 23, 12}, /* valid: 21 x 10 out */
    {16, 16, 3, 1, 1, 0, 0, 0, 0, SR_ACT_NONE, 6, 5},
};
#define NWINO_CASES (sizeof wino_cases / sizeof wino_cases[0])

static void setup_conv(sr__conv *c, const conv_case *t, unsigned seed)
{
    *c = (sr__conv){.cin = t->cin, .cout = t->cout, .kw = t->k, .kh = t->k, .dw = t->dil,
                    .dh = t->dil, .sw = t->stride, .sh = t->stride, .pl = t->pl, .pr = t->pr,
                    .pt = t->pt, .pb = t->pb, .act = t->act, .act_a = 0.2f, .act_b = 0.3f};
    if (t->act == SR_ACT_CLIP)
        c->act_a = -0.1f;
    size_t nw = (size_t)c->cout * c->cin * c->kh * c->kw;
    c->weight = malloc(nw * sizeof(float));
    c->bias = malloc((size_t)c->cout * sizeof(float));
    c->slope = malloc((size_t)c->cout * sizeof(float));
    fill_random(c->weight, nw, seed, -0.2f, 0.2f);
    fill_random(c->bias, (size_t)c->cout, seed + 1, -0.5f, 0.5f);
    fill_random(c->slope, (size_t)c->cout, seed + 2, 0.f, 0.5f);
}

static void free_conv(sr__conv *c)
{
    free(c->weight), free(c->bias), free(c->slope), free(c->packed), free(c->packed_bf16);
}

static void out_size(const sr__conv *c, int w, int h, int *ow, int *oh)
{
    *ow = (w + c->pl + c->pr - (c->dw * (c->kw - 1) + 1)) / c->sw + 1;
    *oh = (h + c->pt + c->pb - (c->dh * (c->kh - 1) + 1)) / c->sh + 1;
}

/* in's pixel (0, 0) lies at (ox, oy) of the whole image (where Winograd blocks start) */
static void run_at(const sr__conv *c, const float *in, int w, int h, float *out, int ow, int oh,
                   int threads, long ox, long oy)
{
    sr__ws_need need = sr__conv_workspace(c, ow, oh);
    size_t per = need.own + 16;
    float *ws = sr__aligned_alloc((need.shared + 16) * sizeof(float));
    float *own = sr__aligned_alloc(per * (size_t)threads * sizeof(float));
    int claim = 0; /* a shared work counter, as the runner gives the blocked kernel */
    /* as the runtime runs a shared tile: one region, each thread its slice and its scratch */
#pragma omp parallel num_threads(threads)
    {
        int ith = omp_get_thread_num(), nth = omp_get_num_threads();
        const sr__run rc = {ws, own + per * (size_t)ith, ith, nth, ox, oy, &claim};
        sr__conv_forward(c, in, w, h, out, ow, oh, &rc);
    }
    free(ws), free(own);
}

static void run_deconv(const sr__conv *c, const float *in, int w, int h, float *out, int ow,
                       int oh, int threads)
{
    sr__ws_need need = sr__deconv_workspace(c, ow, oh);
    size_t per = need.own + 16;
    float *ws = sr__aligned_alloc((need.shared + 16) * sizeof(float));
    float *own = sr__aligned_alloc(per * (size_t)threads * sizeof(float));
#pragma omp parallel num_threads(threads)
    {
        int ith = omp_get_thread_num();
        const sr__run rc = {ws, own + per * (size_t)ith, ith, omp_get_num_threads(), 0, 0, NULL};
        sr__deconv_forward(c, in, w, h, out, ow, oh, &rc);
    }
    free(ws), free(own);
}

static void run(const sr__conv *c, const float *in, int w, int h, float *out, int ow, int oh,
                int threads)
{
    run_at(c, in, w, h, out, ow, oh, threads, 0, 0);
}

static void check_path(const char *path)
{
    setenv("SR_KERNEL", path, 1);
    if (strcmp(sr__conv_kernel_select()->name, path) != 0) {
        print_message("skipped: kernel path %s not available on this CPU\n", path);
        unsetenv("SR_KERNEL");
        skip();
    }
    /* every case direct, then every 3x3 stride-1 case by Winograd (forced even where the
     * automatic choice would not take it) */
    for (size_t i = 0; i < 2 * (sizeof cases / sizeof cases[0]); i++) {
        const conv_case *t = &cases[i / 2];
        int wino = i % 2;
        setenv("SR_CONV", wino ? "winograd" : "direct", 1);
        sr__conv c;
        setup_conv(&c, t, 11 + (unsigned)i);
        assert_int_equal(sr__conv_pack(&c, NULL), SR_OK);
        if (c.wino != wino) {
            assert_true(wino && (t->k != 3 || t->stride != 1 || t->dil != 1));
            free_conv(&c);
            continue;
        }
        int ow, oh;
        out_size(&c, t->w, t->h, &ow, &oh);
        size_t nin = (size_t)t->cin * t->w * t->h, nout = (size_t)t->cout * ow * oh;
        float *in = malloc(nin * sizeof(float)), *out = malloc(nout * sizeof(float)),
              *ref = malloc(nout * sizeof(float)), *par = malloc(nout * sizeof(float));
        fill_random(in, nin, 100 + (unsigned)i, -1.f, 1.f);
        run(&c, in, t->w, t->h, out, ow, oh, 1);
        run(&c, in, t->w, t->h, par, ow, oh, 3); /* rows or channels split three ways */
        assert_memory_equal(par, out, nout * sizeof(float));
        sr__conv_reference(&c, in, t->w, t->h, ref, ow, oh);
        /* fp32 accumulation of cin*k*k terms of size <= 0.2 against a double reference; the
         * same bound for Winograd, whose sums are shorter (cin terms, then 9): its measured
         * error is 0.3-1x direct's on these cases (SR_TEST_VERBOSE=1 prints them) */
        double tol = 1e-6 * (t->cin * t->k * t->k) + 1e-6, worst = 0;
        for (size_t j = 0; j < nout; j++)
            worst = fmax(worst, fabs((double)out[j] - ref[j]));
        if (worst > tol)
            fail_msg("%s%s case %zu: max error %g > %g", path, wino ? " winograd" : "", i / 2,
                     worst, tol);
        if (getenv("SR_TEST_VERBOSE"))
            print_message("%s%s case %zu: max error %g\n", path, wino ? " winograd" : "", i / 2,
                          worst);
        free(in), free(out), free(ref), free(par);
        free_conv(&c);
    }
    unsetenv("SR_CONV");
    unsetenv("SR_KERNEL");
}

static void test_generic_matches_reference(void **s) { (void)s; check_path("generic"); }
static void test_avx2_matches_reference(void **s) { (void)s; check_path("avx2"); }
static void test_avx512_matches_reference(void **s) { (void)s; check_path("avx512"); }
static void test_avx512_6x4_matches_reference(void **s) { (void)s; check_path("avx512-6x4"); }

/* Both AVX-512 block shapes sum each output in the same order with the same instructions, so
 * the one sr__conv_pick takes for a CPU changes speed, never bits: every case, direct and
 * Winograd. (The portable and AVX2 kernels round differently: FMA or not.) */
static void test_block_shapes_agree(void **s)
{
    (void)s;
    const char *paths[] = {"avx512", "avx512-6x4"};
    setenv("SR_KERNEL", "avx512", 1);
    if (strcmp(sr__conv_kernel_select()->name, "avx512") != 0) {
        unsetenv("SR_KERNEL");
        print_message("skipped: this CPU has no AVX-512\n");
        skip();
    }
    for (size_t i = 0; i < 2 * (sizeof cases / sizeof cases[0]); i++) {
        const conv_case *t = &cases[i / 2];
        setenv("SR_CONV", i % 2 ? "winograd" : "direct", 1);
        float *first = NULL, *in = NULL;
        size_t nout = 0;
        for (int k = 0; k < 2; k++) {
            setenv("SR_KERNEL", paths[k], 1);
            sr__conv c;
            setup_conv(&c, t, 11 + (unsigned)i);
            assert_int_equal(sr__conv_pack(&c, NULL), SR_OK);
            assert_string_equal(c.kern->name, paths[k]);
            int ow, oh;
            out_size(&c, t->w, t->h, &ow, &oh);
            size_t nin = (size_t)t->cin * t->w * t->h;
            nout = (size_t)t->cout * ow * oh;
            if (!in) {
                in = malloc(nin * sizeof(float));
                fill_random(in, nin, 100 + (unsigned)i, -1.f, 1.f);
            }
            float *out = malloc(nout * sizeof(float));
            run(&c, in, t->w, t->h, out, ow, oh, 2);
            if (first) {
                if (memcmp(first, out, nout * sizeof(float)))
                    fail_msg("case %zu%s: %s differs from avx512", i / 2,
                             i % 2 ? " winograd" : "", paths[k]);
                free(out);
            } else {
                first = out;
            }
            free_conv(&c);
        }
        free(first), free(in);
    }
    unsetenv("SR_CONV");
    unsetenv("SR_KERNEL");
}

/* Output pixels far enough from a cut must be bit-identical whether computed in a large input
 * or in a small window of it starting elsewhere (told where it starts): vector lanes, tails,
 * offsets and, for Winograd, the block a pixel falls in must not change a value. Both paths,
 * the window moved by odd and even amounts across and down. */
static void position_invariance(const char *mode, int bf16)
{
    setenv("SR_CONV", mode, 1);
    const conv_case t = {16, 24, 3, 1, 1, 1, 1, 1, 1, SR_ACT_PRELU, 83, 13};
    sr__conv c;
    setup_conv(&c, &t, 5);
    assert_int_equal(sr__conv_pack(&c, NULL), SR_OK);
    assert_int_equal(c.wino, strcmp(mode, "winograd") == 0);
    if (bf16)
        assert_int_equal(sr__wino_set_bf16(&c, 1, NULL), SR_OK);
    size_t nin = (size_t)t.cin * t.w * t.h;
    float *in = malloc(nin * sizeof(float));
    fill_random(in, nin, 9, -1.f, 1.f);
    float *full = malloc((size_t)t.cout * t.w * t.h * sizeof(float));
    run(&c, in, t.w, t.h, full, t.w, t.h, 1);
    for (int x0 = 1; x0 < 20; x0 += 3) {
        int y0 = x0 % 4, sw = 29 + x0, sh = t.h - y0 - (x0 & 1);
        float *sub = malloc((size_t)t.cin * sw * sh * sizeof(float));
        float *so = malloc((size_t)t.cout * sw * sh * sizeof(float));
        for (int ci = 0; ci < t.cin; ci++)
            for (int y = 0; y < sh; y++)
                memcpy(sub + ((size_t)ci * sh + y) * sw,
                       in + ((size_t)ci * t.h + y + y0) * t.w + x0, (size_t)sw * sizeof(float));
        run_at(&c, sub, sw, sh, so, sw, sh, 1, x0, y0);
        for (int co = 0; co < t.cout; co++)
            for (int y = 1; y < sh - 1; y++)
                for (int x = 1; x < sw - 1; x++) {
                    float a = so[((size_t)co * sh + y) * sw + x];
                    float b = full[((size_t)co * t.h + y + y0) * t.w + x + x0];
                    if (memcmp(&a, &b, sizeof a) != 0)
                        fail_msg("%s%s, offset (%d,%d), channel %d, (%d,%d): %.9g != %.9g", mode,
                                 bf16 ? " bf16" : "", x0, y0, co, x, y, a, b);
                }
        free(sub), free(so);
    }
    free(in), free(full);
    free_conv(&c);
    unsetenv("SR_CONV");
}

static void test_position_invariance(void **state)
{
    (void)state;
    position_invariance("direct", 0);
    position_invariance("winograd", 0);
}

static int bf16_available(void)
{
#ifdef SR_HAVE_X86_KERNELS
    if (sr__bf16_supported() && !strcmp(sr__conv_kernel_select()->name, "avx512"))
        return 1;
#endif
    print_message("skipped: this CPU has no AVX512_BF16 (or SR_KERNEL is not avx512)\n");
    return 0;
}

/* Each output's sum of |w x| over its window: the reference on |w| and |x|, bias and activation
 * off (the scale of a fast path's rounding error). */
static void abs_sums(const sr__conv *c, const float *in, int w, int h, float *mag, int ow, int oh)
{
    size_t nw = (size_t)c->cout * c->cin * c->kh * c->kw, nin = (size_t)c->cin * w * h;
    float *aw = malloc(nw * sizeof(float)), *ain = malloc(nin * sizeof(float));
    float *zero = calloc((size_t)c->cout, sizeof(float));
    for (size_t j = 0; j < nw; j++)
        aw[j] = fabsf(c->weight[j]);
    for (size_t j = 0; j < nin; j++)
        ain[j] = fabsf(in[j]);
    sr__conv a = *c;
    a.weight = aw, a.bias = zero, a.act = SR_ACT_NONE;
    sr__conv_reference(&a, ain, w, h, mag, ow, oh);
    free(aw), free(ain), free(zero);
}

/* bf16 products: every 3x3 stride-1 case against the double reference, within the rounding of
 * V and U to 8-bit mantissas (relative 2^-9 each, then the transforms' sums of up to 4 and 9
 * terms): the bound is 2^-6 times the sum of |w x| over the window. Measured: 0.04-0.4 of it
 * (the 3-channel case the most); a swapped pair or a lost channel is off by about the value
 * itself, 64x the bound. Threads and place in the image still do not change a bit. */
static void test_bf16_products(void **state)
{
    (void)state;
    if (!bf16_available())
        skip();
    setenv("SR_CONV", "winograd", 1);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const conv_case *t = &cases[i];
        sr__conv c;
        setup_conv(&c, t, 40 + (unsigned)i);
        assert_int_equal(sr__conv_pack(&c, NULL), SR_OK);
        if (!c.wino) {
            free_conv(&c);
            continue;
        }
        assert_int_equal(sr__wino_set_bf16(&c, 1, NULL), SR_OK);
        int ow, oh;
        out_size(&c, t->w, t->h, &ow, &oh);
        size_t nin = (size_t)t->cin * t->w * t->h, nout = (size_t)t->cout * ow * oh;
        float *in = malloc(nin * sizeof(float)), *out = malloc(nout * sizeof(float)),
              *ref = malloc(nout * sizeof(float)), *par = malloc(nout * sizeof(float));
        fill_random(in, nin, 200 + (unsigned)i, -1.f, 1.f);
        run(&c, in, t->w, t->h, out, ow, oh, 1);
        run(&c, in, t->w, t->h, par, ow, oh, 3);
        assert_memory_equal(par, out, nout * sizeof(float));
        float *mag = malloc(nout * sizeof(float));
        abs_sums(&c, in, t->w, t->h, mag, ow, oh);
        sr__conv_reference(&c, in, t->w, t->h, ref, ow, oh);
        double worst = 0; /* error over bound */
        for (size_t j = 0; j < nout; j++)
            worst = fmax(worst, fabs((double)out[j] - ref[j]) / (mag[j] / 64.0 + 1e-6));
        if (worst > 1)
            fail_msg("bf16 case %zu: error %.3g x the bound", i, worst);
        if (getenv("SR_TEST_VERBOSE"))
            print_message("bf16 case %zu: error %.3g x the bound\n", i, worst);
        free(mag), free(in), free(out), free(ref), free(par);
        free_conv(&c);
    }
    unsetenv("SR_CONV");
    position_invariance("winograd", 1);
}

/* A c x h x w planar blob in the channel-blocked layout, ring zeroed (kernels.h), and back. */
static float *to_blocked(const float *in, int c, int w, int h)
{
    int W = w + 2 * SR_BLK_PAD, H = h + 2 * SR_BLK_PAD;
    float *b = sr__aligned_alloc(sr__blk_floats(c, w, h) * sizeof(float));
    memset(b, 0, sr__blk_floats(c, w, h) * sizeof(float));
    for (int ch = 0; ch < c; ch++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                b[(((size_t)(ch / 16) * H + y + SR_BLK_PAD) * W + x + SR_BLK_PAD) * 16 + ch % 16] =
                    in[((size_t)ch * h + y) * w + x];
    return b;
}

/* b's image into planar out; 1 if its ring is all zeros */
static int from_blocked(const float *b, int c, int w, int h, float *out)
{
    int W = w + 2 * SR_BLK_PAD, H = h + 2 * SR_BLK_PAD, ring_zero = 1;
    for (int ch = 0; ch < c; ch++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                float v = b[(((size_t)(ch / 16) * H + y) * W + x) * 16 + ch % 16];
                int iy = y - SR_BLK_PAD, ix = x - SR_BLK_PAD;
                if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                    out[((size_t)ch * h + iy) * w + ix] = v;
                else
                    ring_zero &= v == 0.f;
            }
    return ring_zero;
}

/* The channel-blocked Winograd path (wino_blocked.c) gives the planar Winograd path's bits,
 * reading and writing either layout, with "same" and valid padding, at every phase of the block
 * grid, on 1 and 3 threads, with fp32 and (where the CPU has it) bf16 products; a blocked
 * output's ring is zeros whatever the buffer held. */
static void blocked_layout(int bf16)
{
    const conv_case *bc = wino_cases;
    setenv("SR_CONV", "winograd", 1);
    for (size_t i = 0; i < NWINO_CASES; i++) {
        const conv_case *t = &bc[i];
        sr__conv c;
        setup_conv(&c, t, 70 + (unsigned)i);
        assert_int_equal(sr__conv_pack(&c, NULL), SR_OK);
        assert_int_equal(sr__wino_set_bf16(&c, bf16, NULL), SR_OK);
        if (!sr__wino_blockable(&c)) {
            free_conv(&c);
            unsetenv("SR_CONV");
            print_message("skipped: the blocked path needs the avx512 kernel\n");
            skip();
        }
        int w = t->w, h = t->h, ow = w + t->pl + t->pr - 2, oh = h + t->pt + t->pb - 2;
        size_t nin = (size_t)t->cin * w * h, nout = (size_t)t->cout * ow * oh;
        float *in = malloc(nin * sizeof(float)), *ref = malloc(nout * sizeof(float));
        float *got = malloc(nout * sizeof(float));
        fill_random(in, nin, 300 + (unsigned)i, -1.f, 1.f);
        float *bin = to_blocked(in, t->cin, w, h);
        for (int blk = 1; blk <= 3; blk++) {
            sr__conv b;
            setup_conv(&b, t, 70 + (unsigned)i);
            assert_int_equal(sr__conv_pack(&b, NULL), SR_OK);
            assert_int_equal(sr__wino_set_bf16(&b, bf16, NULL), SR_OK);
            assert_int_equal(sr__conv_set_blocked(&b, blk, NULL), SR_OK);
            size_t bsz = sr__blk_floats(t->cout, ow, oh);
            float *bout = sr__aligned_alloc(bsz * sizeof(float));
            for (int phase = 0; phase < 4; phase++)
                for (int threads = 1; threads <= 3; threads += 2) {
                    long ox = phase & 1, oy = phase >> 1;
                    run_at(&c, in, w, h, ref, ow, oh, 1, ox, oy);
                    for (size_t j = 0; j < bsz; j++) /* whatever a slot held before */
                        bout[j] = NAN;
                    run_at(&b, blk & SR_BLK_IN ? bin : in, w, h, blk & SR_BLK_OUT ? bout : got, ow,
                           oh, threads, ox, oy);
                    if (blk & SR_BLK_OUT && !from_blocked(bout, t->cout, ow, oh, got))
                        fail_msg("case %zu, blk %d: the ring is not zeros", i, blk);
                    if (memcmp(got, ref, nout * sizeof(float)))
                        fail_msg("case %zu, blk %d, phase %d, %d threads%s: not the planar bits",
                                 i, blk, phase, threads, bf16 ? ", bf16" : "");
                }
            free(bout);
            free_conv(&b);
        }
        free(in), free(ref), free(got), free(bin);
        free_conv(&c);
    }
    unsetenv("SR_CONV");
}

static void test_blocked_layout(void **state)
{
    (void)state;
    blocked_layout(0);
    if (bf16_available())
        blocked_layout(1);
}

/* Case t on the direct path with c->blk = blk (its input blocked where SR_BLK_IN, its output
 * where SR_BLK_OUT) against the planar direct kernels: the same bits on 1 and 3 threads, and a
 * blocked output's ring zeros whatever the buffer held. */
static void direct_blocked_case(const conv_case *t, unsigned seed, int blk)
{
    sr__conv c, b;
    setup_conv(&c, t, seed);
    setup_conv(&b, t, seed);
    assert_int_equal(sr__conv_pack(&c, NULL), SR_OK);
    assert_int_equal(sr__conv_pack(&b, NULL), SR_OK);
    assert_int_equal(sr__conv_set_blocked(&b, blk, NULL), SR_OK);
    int w = t->w, h = t->h, ow, oh;
    out_size(&c, w, h, &ow, &oh);
    size_t nin = (size_t)t->cin * w * h, nout = (size_t)t->cout * ow * oh;
    size_t bsz = sr__blk_floats(t->cout, ow, oh);
    float *in = malloc(nin * sizeof(float)), *ref = malloc(nout * sizeof(float));
    float *got = malloc(nout * sizeof(float)), *bout = sr__aligned_alloc(bsz * sizeof(float));
    fill_random(in, nin, seed + 400, -1.f, 1.f);
    float *bin = blk & SR_BLK_IN ? to_blocked(in, t->cin, w, h) : NULL;
    run_at(&c, in, w, h, ref, ow, oh, 1, 0, 0);
    for (int threads = 1; threads <= 3; threads += 2) {
        for (size_t j = 0; j < bsz; j++)
            bout[j] = NAN;
        memset(got, 0, nout * sizeof(float));
        run_at(&b, bin ? bin : in, w, h, blk & SR_BLK_OUT ? bout : got, ow, oh, threads, 0, 0);
        if (blk & SR_BLK_OUT && !from_blocked(bout, t->cout, ow, oh, got))
            fail_msg("%d->%d, blk %d: the ring is not zeros", t->cin, t->cout, blk);
        if (memcmp(got, ref, nout * sizeof(float)))
            fail_msg("%d->%d %dx%d, blk %d, %d threads: not the planar bits", t->cin, t->cout,
                     t->k, t->k, blk, threads);
    }
    free(in), free(ref), free(got), free(bout), free(bin);
    free_conv(&c), free_conv(&b);
}

/* Whether the blocked layout is there (the avx512 kernels); else the test is skipped. */
static void need_blocked(void)
{
    sr__conv c;
    setup_conv(&c, &cases[1], 1);
    int ok = sr__conv_pack(&c, NULL) == SR_OK && sr__conv_writes_blocked(&c);
    free_conv(&c);
    if (!ok) {
        unsetenv("SR_CONV");
        print_message("skipped: the blocked layout needs the avx512 kernels\n");
        skip();
    }
}

/* F(4x4,3x3) (wino4_blocked.c) against the double reference: within a bound of 2^-17 times each
 * output's sum of |w x| over its window (measured: 0.04-0.22 of it; a transform with one
 * coefficient wrong is off by about the value, 10^4 x the bound); the same bits on 1 and 3
 * threads, wherever the tile lies in the image (blocks start at the tile's pixel 0) and whichever
 * side is blocked or planar; a blocked output's ring zeros. Shapes with partial blocks at both
 * edges, valid padding, 192 input channels (an RRDB's dense layers). */
static void test_wino4(void **state)
{
    (void)state;
    need_blocked();
    const conv_case *wc = wino_cases;
    setenv("SR_CONV", "winograd", 1);
    for (size_t i = 0; i < NWINO_CASES; i++) {
        const conv_case *t = &wc[i];
        sr__conv r;
        setup_conv(&r, t, 90 + (unsigned)i);
        int w = t->w, h = t->h, ow = w + t->pl + t->pr - 2, oh = h + t->pt + t->pb - 2;
        size_t nin = (size_t)t->cin * w * h, nout = (size_t)t->cout * ow * oh;
        size_t bsz = sr__blk_floats(t->cout, ow, oh);
        float *in = malloc(nin * sizeof(float)), *ref = malloc(nout * sizeof(float));
        float *got = malloc(nout * sizeof(float)), *first = malloc(nout * sizeof(float));
        float *mag = malloc(nout * sizeof(float));
        float *bout = sr__aligned_alloc(bsz * sizeof(float));
        fill_random(in, nin, 500 + (unsigned)i, -1.f, 1.f);
        float *bin = to_blocked(in, t->cin, w, h);
        sr__conv_reference(&r, in, w, h, ref, ow, oh);
        abs_sums(&r, in, w, h, mag, ow, oh);
        double worst = 0, bound = 1.0 / 131072;
        for (int blk = 0; blk <= 3; blk++) {
            sr__conv c;
            setup_conv(&c, t, 90 + (unsigned)i);
            assert_int_equal(sr__conv_pack(&c, NULL), SR_OK);
            if (blk)
                assert_int_equal(sr__conv_set_blocked(&c, blk, NULL), SR_OK);
            assert_int_equal(sr__conv_set_wino4(&c, NULL), SR_OK);
            for (int run = 0; run < 4; run++) {
                for (size_t j = 0; j < bsz; j++) /* whatever a slot held before */
                    bout[j] = NAN;
                run_at(&c, blk & SR_BLK_IN ? bin : in, w, h, blk & SR_BLK_OUT ? bout : got, ow, oh,
                       run & 1 ? 3 : 1, run * 5, run * 3);
                if (blk & SR_BLK_OUT && !from_blocked(bout, t->cout, ow, oh, got))
                    fail_msg("case %zu, blk %d: the ring is not zeros", i, blk);
                if (blk == 0 && run == 0)
                    memcpy(first, got, nout * sizeof(float));
                else if (memcmp(got, first, nout * sizeof(float)))
                    fail_msg("case %zu, blk %d: run %d (%d threads) changed bits", i, blk, run,
                             run & 1 ? 3 : 1);
            }
            free_conv(&c);
        }
        for (size_t j = 0; j < nout; j++)
            worst = fmax(worst, fabs((double)got[j] - ref[j]) / (mag[j] * bound + 1e-7));
        if (worst > 1)
            fail_msg("case %zu: error %.3g x the bound", i, worst);
        if (getenv("SR_TEST_VERBOSE"))
            print_message("wino4 case %zu: error %.3g x the bound\n", i, worst);
        free(in), free(ref), free(got), free(first), free(mag), free(bout), free(bin);
        free_conv(&r);
    }
    if (bf16_available()) { /* fp32 only: bf16 layers keep F(2x2,3x3) */
        sr__conv c;
        setup_conv(&c, &wc[0], 1);
        assert_int_equal(sr__conv_pack(&c, NULL), SR_OK);
        assert_int_equal(sr__wino_set_bf16(&c, 1, NULL), SR_OK);
        assert_int_equal(sr__conv_set_blocked(&c, SR_BLK_IN | SR_BLK_OUT, NULL), SR_OK);
        assert_int_equal(sr__conv_set_wino4(&c, NULL), SR_E_UNSUPPORTED);
        free_conv(&c);
    }
    unsetenv("SR_CONV");
}


/* The direct path with a blocked output (a 3->64 first layer feeding blocked Winograd layers)
 * stores the planar direct path's bits; a 3-channel input cannot be blocked, nor can a
 * sigmoid's output. */
static void test_direct_blocked_output(void **state)
{
    (void)state;
    static const conv_case dc[] = {
        {3, 64, 3, 1, 1, 1, 1, 1, 1, SR_ACT_PRELU, 37, 19},
        {3, 48, 3, 1, 1, 1, 1, 1, 1, SR_ACT_NONE, 8, 5},
        {16, 32, 3, 1, 1, 1, 1, 1, 1, SR_ACT_LEAKY, 21, 10},
        {3, 16, 5, 1, 1, 2, 2, 2, 2, SR_ACT_RELU, 17, 12},
    };
    setenv("SR_CONV", "direct", 1);
    need_blocked();
    for (size_t i = 0; i < sizeof dc / sizeof dc[0]; i++) {
        if (dc[i].cin % 16) { /* 16 input channels: test_direct_blocked_input */
            sr__conv b;
            setup_conv(&b, &dc[i], 1);
            assert_int_equal(sr__conv_pack(&b, NULL), SR_OK);
            assert_int_not_equal(sr__conv_set_blocked(&b, SR_BLK_IN | SR_BLK_OUT, NULL), SR_OK);
            free_conv(&b);
        }
        direct_blocked_case(&dc[i], 90 + (unsigned)i, SR_BLK_OUT);
    }
    sr__conv sg;
    setup_conv(&sg, &dc[0], 1);
    sg.act = SR_ACT_SIGMOID;
    assert_int_equal(sr__conv_pack(&sg, NULL), SR_OK);
    assert_false(sr__conv_writes_blocked(&sg));
    free_conv(&sg);
    unsetenv("SR_CONV");
}

/* The direct path on a blocked input (direct_blocked.c) gives the planar direct kernels' bits,
 * writing either layout, for every micro-kernel width and output-channel group (80 = 64 + 16),
 * 1x1 to 5x5, dilated, valid and lopsided padding; shapes it cannot take are refused. */
static void test_direct_blocked_input(void **state)
{
    (void)state;
    static const conv_case dc[] = {
        {64, 64, 3, 1, 1, 1, 1, 1, 1, SR_ACT_PRELU, 50, 9},
        {16, 32, 3, 1, 1, 1, 1, 1, 1, SR_ACT_LEAKY, 21, 10},
        {32, 48, 3, 1, 1, 0, 0, 0, 0, SR_ACT_LEAKY, 23, 12},
        {16, 16, 1, 1, 1, 0, 0, 0, 0, SR_ACT_RELU, 33, 4},
        {16, 80, 5, 1, 1, 2, 2, 2, 2, SR_ACT_CLIP, 19, 7},
        {32, 16, 3, 2, 1, 2, 2, 2, 2, SR_ACT_NONE, 19, 7},
        {160, 32, 3, 1, 1, 1, 1, 1, 1, SR_ACT_LEAKY, 49, 4},
        {48, 64, 3, 1, 1, 0, 2, 1, 0, SR_ACT_PRELU, 23, 6},
    };
    setenv("SR_CONV", "direct", 1);
    need_blocked();
    for (size_t i = 0; i < sizeof dc / sizeof dc[0]; i++)
        for (int blk = SR_BLK_IN; blk <= (SR_BLK_IN | SR_BLK_OUT); blk += SR_BLK_OUT)
            direct_blocked_case(&dc[i], 110 + (unsigned)i, blk);
    static const conv_case no[] = {
        {64, 64, 3, 1, 2, 1, 1, 1, 1, SR_ACT_NONE, 8, 8}, /* stride 2 */
        {24, 32, 3, 1, 1, 1, 1, 1, 1, SR_ACT_NONE, 8, 8}, /* 24 input channels */
        {16, 24, 3, 1, 1, 1, 1, 1, 1, SR_ACT_NONE, 8, 8}, /* 24 output channels */
        {16, 16, 7, 1, 1, 3, 3, 3, 3, SR_ACT_NONE, 8, 8}, /* padded past the ring */
        {16, 16, 3, 1, 1, 1, 1, 1, 1, SR_ACT_SIGMOID, 8, 8},
    };
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        sr__conv b;
        setup_conv(&b, &no[i], 1);
        assert_int_equal(sr__conv_pack(&b, NULL), SR_OK);
        if (sr__conv_reads_blocked(&b) ||
            sr__conv_set_blocked(&b, SR_BLK_IN | SR_BLK_OUT, NULL) == SR_OK)
            fail_msg("refused case %zu: taken", i);
        free_conv(&b);
    }
    unsetenv("SR_CONV");
}

/* ncnn's Deconvolution, as its reference implementation defines it: scatter every input pixel
 * times the kernel into the full (w - 1) s + extent (+ output padding) output, then cut the
 * padding from its borders. */
static void deconv_reference(const sr__conv *c, const float *in, int w, int h, float *out, int ow,
                             int oh)
{
    int ew = c->dw * (c->kw - 1) + 1, eh = c->dh * (c->kh - 1) + 1;
    int fw = (w - 1) * c->sw + ew + c->opr, fh = (h - 1) * c->sh + eh + c->opb;
    double *full = calloc((size_t)c->cout * fw * fh, sizeof(double));
    for (int co = 0; co < c->cout; co++)
        for (int ci = 0; ci < c->cin; ci++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    for (int ky = 0; ky < c->kh; ky++)
                        for (int kx = 0; kx < c->kw; kx++)
                            full[((size_t)co * fh + y * c->sh + ky * c->dh) * fw + x * c->sw +
                                 kx * c->dw] +=
                                (double)in[((size_t)ci * h + y) * w + x] *
                                c->weight[(((size_t)co * c->cin + ci) * c->kh + ky) * c->kw + kx];
    for (int co = 0; co < c->cout; co++)
        for (int y = 0; y < oh; y++)
            for (int x = 0; x < ow; x++) {
                double v = c->bias[co] + full[((size_t)co * fh + y + c->pt) * fw + x + c->pl];
                out[((size_t)co * oh + y) * ow + x] = (float)(v > 0 ? v : 0.1 * v);
            }
    free(full);
}

static void test_deconvolution(void **state)
{
    (void)state;
    /* waifu2x upconv_7's last layer (k4 s2 p3), a k3 s3 one with output padding, a dilated one
     * (the only one left to the scatter), the U-Nets' k2 s2 and a k3 s3 (1x1 convolutions of
     * the phases), k4 s2 p1 and k5 s3 p2 (2x2 ones) */
    static const int cases[][9] = {/* cin cout k s pad opad dil w h */
                                   {5, 3, 4, 2, 3, 0, 1, 9, 7},
                                   {2, 4, 3, 3, 1, 1, 1, 5, 4},
                                   {3, 2, 2, 2, 0, 0, 2, 6, 6},
                                   {37, 19, 2, 2, 0, 0, 1, 21, 6},
                                   {4, 3, 3, 3, 0, 0, 1, 5, 7},
                                   {19, 5, 4, 2, 1, 0, 1, 13, 8},
                                   {6, 4, 5, 3, 2, 1, 1, 7, 9}};
    for (int t = 0; t < 7; t++) {
        const int *k = cases[t];
        sr__conv c = {.cin = k[0], .cout = k[1], .kw = k[2], .kh = k[2], .sw = k[3], .sh = k[3],
                      .pl = k[4], .pr = k[4], .pt = k[4], .pb = k[4], .opr = k[5], .opb = k[5],
                      .dw = k[6], .dh = k[6], .act = SR_ACT_LEAKY, .act_a = 0.1f};
        size_t nw = (size_t)c.cout * c.cin * c.kw * c.kh;
        c.weight = malloc(nw * sizeof(float));
        c.bias = malloc((size_t)c.cout * sizeof(float));
        fill_random(c.weight, nw, 5u + t, -1, 1);
        fill_random(c.bias, (size_t)c.cout, 9u + t, -1, 1);
        int w = k[7], h = k[8], ew = c.dw * (c.kw - 1) + 1;
        int ow = (w - 1) * c.sw + ew + c.opr - 2 * c.pl, oh = (h - 1) * c.sh + ew + c.opb - 2 * c.pt;
        float *in = malloc((size_t)c.cin * w * h * sizeof(float));
        float *got = malloc((size_t)c.cout * ow * oh * sizeof(float));
        float *want = malloc((size_t)c.cout * ow * oh * sizeof(float));
        fill_random(in, (size_t)c.cin * w * h, 1u + t, -1, 1);
        assert_int_equal(sr__deconv_pack(&c, NULL), SR_OK);
        assert_int_equal(c.kern != NULL, t != 2); /* convolutions of the phases but dilated */
        run_deconv(&c, in, w, h, want, ow, oh, 3);
        run_deconv(&c, in, w, h, got, ow, oh, 1);
        assert_memory_equal(got, want, (size_t)c.cout * ow * oh * sizeof(float));
        deconv_reference(&c, in, w, h, want, ow, oh);
        for (size_t i = 0; i < (size_t)c.cout * ow * oh; i++)
            if (fabsf(got[i] - want[i]) > 1e-5f * c.cin)
                fail_msg("case %d: value %zu is %g, want %g", t, i, got[i], want[i]);
        free(c.weight), free(c.bias), free(c.packed), free(in), free(got), free(want);
    }
}

/* The runner sizes each thread's scratch once, for its largest tile, so a deconvolution's
 * scratch must never be larger for a narrower tile (it was: Real-CUGAN's 128-channel 2x2
 * upsampling at 262 wide against 410, a write past the scratch on the 16 x 1 kernel). Every
 * kernel path, the U-Nets' and the last layers' shapes, every width up to 1,000. */
static void test_deconv_workspace_grows(void **state)
{
    (void)state;
    static const char *paths[] = {"generic", "avx2", "avx512", "avx512-6x4"};
    static const int shapes[][4] = {/* cin cout k pad, stride 2 */
                                    {128, 128, 2, 0}, {64, 64, 2, 0}, {64, 3, 4, 3}, {256, 3, 4, 3},
                                    {64, 3, 4, 1}};
    for (int p = 0; p < 4; p++) {
        setenv("SR_KERNEL", paths[p], 1);
        if (strcmp(sr__conv_kernel_select()->name, paths[p]) != 0)
            continue;
        for (int i = 0; i < 5; i++) {
            const int *k = shapes[i];
            sr__conv c = {.cin = k[0], .cout = k[1], .kw = k[2], .kh = k[2], .sw = 2, .sh = 2,
                          .pl = k[3], .pr = k[3], .pt = k[3], .pb = k[3], .dw = 1, .dh = 1};
            size_t nw = (size_t)c.cout * c.cin * c.kw * c.kh;
            c.weight = calloc(nw, sizeof(float));
            c.bias = calloc((size_t)c.cout, sizeof(float));
            assert_int_equal(sr__deconv_pack(&c, NULL), SR_OK);
            assert_non_null(c.kern);
            size_t last = 0;
            for (int ow = 8; ow <= 1000; ow++) {
                size_t need = sr__deconv_workspace(&c, ow, 64).own;
                if (need < last)
                    fail_msg("%s, shape %d: %zu floats at %d wide, %zu narrower", paths[p], i,
                             need, ow, last);
                last = need;
            }
            free(c.weight), free(c.bias), free(c.packed);
        }
    }
    unsetenv("SR_KERNEL");
}

/* After packing, the file's weights go where no kernel reads them, and stay where one does (a
 * 3x3 stride-2 convolution reads them straight from `weight`; a dilated transposed one scatters
 * them); what is left still computes the reference's output. */
static void test_drop_weight(void **state)
{
    (void)state;
    const conv_case *plain = &cases[1], *strided = &cases[7]; /* 64->64; 8->16 stride 2 */
    sr__conv c;
    setup_conv(&c, plain, 3);
    assert_int_equal(sr__conv_pack(&c, NULL), SR_OK);
    sr__conv_drop_weight(&c, 0);
    assert_null(c.weight);
    float *in = malloc((size_t)64 * 50 * 9 * sizeof(float));
    float *out = malloc((size_t)64 * 50 * 9 * sizeof(float));
    fill_random(in, (size_t)64 * 50 * 9, 4, -1.f, 1.f);
    run(&c, in, 50, 9, out, 50, 9, 2); /* packed only: no read of the freed copy */
    free_conv(&c);
    setup_conv(&c, strided, 3);
    setenv("SR_CONV", "direct", 1);
    assert_int_equal(sr__conv_pack(&c, NULL), SR_OK);
    unsetenv("SR_CONV");
    sr__conv_drop_weight(&c, 0);
    assert_non_null(c.weight);
    free_conv(&c);
    sr__conv d = {.cin = 3, .cout = 2, .kw = 2, .kh = 2, .sw = 2, .sh = 2, .dw = 2, .dh = 2};
    d.weight = calloc(3 * 2 * 4, sizeof(float));
    d.bias = calloc(2, sizeof(float));
    assert_int_equal(sr__deconv_pack(&d, NULL), SR_OK);
    sr__conv_drop_weight(&d, 1);
    assert_non_null(d.weight);
    free(d.weight), free(d.bias), free(d.packed);
    free(in), free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generic_matches_reference),
        cmocka_unit_test(test_avx2_matches_reference),
        cmocka_unit_test(test_avx512_matches_reference),
        cmocka_unit_test(test_avx512_6x4_matches_reference),
        cmocka_unit_test(test_block_shapes_agree),
        cmocka_unit_test(test_position_invariance),
        cmocka_unit_test(test_bf16_products),
        cmocka_unit_test(test_blocked_layout),
        cmocka_unit_test(test_wino4),
        cmocka_unit_test(test_direct_blocked_output),
        cmocka_unit_test(test_direct_blocked_input),
        cmocka_unit_test(test_deconvolution),
        cmocka_unit_test(test_deconv_workspace_grows),
        cmocka_unit_test(test_drop_weight),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
