/* test_upscale.c - the tiled runner: tiled equals untiled bit for bit at any tile size and
 * thread count, channels (gray, gray+alpha, RGB, RGBA), and memory bounded by the tile. */
#include "test_common.h"

#include <math.h>

static sr_model *load(const char *name)
{
    sr_model *m;
    sr_error e;
    if (sr_model_load_embedded(name, NULL, &m, &e))
        fail_msg("%s", e.msg);
    return m;
}

static void upscale(const sr_model *m, const sr_image *in, int tile, int threads, sr_image *out)
{
    sr_upscale_params p = {.tile = tile, .nthreads = threads};
    sr_error e;
    if (sr_upscale_image(m, &p, in, out, &e))
        fail_msg("%s", e.msg);
}

static void test_tiled_equals_untiled(void **state)
{
    (void)state;
    const char *models[] = {"realesr-animevideov3-x2", "realesr-animevideov3-x3",
                            "realesr-animevideov3-x4"};
    for (int k = 0; k < 3; k++) {
        sr_model *m = load(models[k]);
        sr_image in, ref;
        make_test_image(&in, 45, 31, 3, 7);
        upscale(m, &in, 256, 1, &ref);
        assert_int_equal(ref.w, 45 * sr_model_scale(m));
        assert_int_equal(ref.h, 31 * sr_model_scale(m));
        const int tiles[] = {16, 23, 40};
        for (int t = 0; t < 3; t++)
            for (int threads = 1; threads <= 2; threads++) {
                sr_image out;
                upscale(m, &in, tiles[t], threads, &out);
                if (memcmp(out.data, ref.data, (size_t)ref.w * ref.h * 3) != 0)
                    fail_msg("%s: tile %d with %d threads differs from untiled", models[k],
                             tiles[t], threads);
                sr_image_free(&out);
            }
        sr_image_free(&in);
        sr_image_free(&ref);
        sr_model_free(m);
    }
}

/* Which convolutions the load gave the channel-blocked layout: layers with SR_BLK_IN, _OUT. */
static void count_blocked(const sr_model *m, int *in, int *out)
{
    *in = *out = 0;
    for (int i = 0; i < m->nlayers; i++) {
        const sr__conv *c = sr__layer_conv(&m->layers[i]);
        *in += c && c->blk & SR_BLK_IN, *out += c && c->blk & SR_BLK_OUT;
    }
}

/* Model k blocked and planar (SR_LAYOUT=planar), each given its expected count of blocked
 * convolution inputs and outputs on the avx512 kernel path (none elsewhere), on in at the given
 * tiles, 1 and 2 threads: the same bits. */
static void blocked_as(const char *name, const char *path, sr_precision prec, int want_in,
                       int want_out, const sr_image *in, const int *tiles, int ntiles)
{
    sr_model *pm, *bm;
    sr_model_params mp = sr_model_default_params();
    mp.precision = prec;
    sr_error e;
    setenv("SR_LAYOUT", "planar", 1);
    if (path ? sr_model_load_files(path, NULL, &mp, &pm, &e) : sr_model_load_embedded(name, &mp, &pm, &e))
        fail_msg("%s", e.msg);
    unsetenv("SR_LAYOUT");
    if (path ? sr_model_load_files(path, NULL, &mp, &bm, &e) : sr_model_load_embedded(name, &mp, &bm, &e))
        fail_msg("%s", e.msg);
    int bi, bo, pi, po;
    count_blocked(bm, &bi, &bo);
    count_blocked(pm, &pi, &po);
    assert_int_equal(pi + po, 0);
    if (strcmp(sr_kernel_path(), "avx512") != 0) {
        assert_int_equal(bi + bo, 0);
        print_message("no blocked layout on the %s kernel path: compared planar alone\n",
                      sr_kernel_path());
    } else {
        assert_int_equal(bo, want_out);
        assert_int_equal(bi, want_in);
    }
    for (int t = 0; t < ntiles; t++) {
        sr_image ref, out;
        upscale(pm, in, tiles[t], 1, &ref);
        for (int threads = 1; threads <= 2; threads++) {
            upscale(bm, in, tiles[t], threads, &out);
            if (memcmp(out.data, ref.data, (size_t)ref.w * ref.h * 3) != 0)
                fail_msg("%s: blocked, tile %d, %d threads: not the planar bits", name, tiles[t],
                         threads);
            sr_image_free(&out);
        }
        sr_image_free(&ref);
    }
    sr_model_free(pm), sr_model_free(bm);
}

/* Where the CPU runs the avx512 kernel, the compact nets pass their activations
 * channel-blocked from the first convolution (direct, 3->64, storing its bands blocked) to the
 * last (which writes planar for the PixelShuffle); the images are the planar layout's bit for
 * bit, tiled or not, on 1 and 2 threads, with bf16 products too where the CPU has them. */
static void blocked_equals_planar(const char *name, const char *path, int want_in, int want_out,
                                  const sr_image *in, const int *tiles, int ntiles)
{
    blocked_as(name, path, SR_PRECISION_FP32, want_in, want_out, in, tiles, ntiles);
}

static void test_blocked_equals_planar(void **state)
{
    (void)state;
    sr_image in;
    make_test_image(&in, 45, 31, 3, 11);
    const int tiles[] = {256, 23};
    /* animevideov3: 17 convolutions write blocked (the first, direct, and 16 body layers), the
     * 16 after the first read it; the photo x2: its last convolution, 48->12, has none, so 12
     * and 11 */
    blocked_equals_planar("realesr-animevideov3-x4", NULL, 17, 17, &in, tiles, 2);
    blocked_equals_planar("srgan-photo-x2", NULL, 12, 12, &in, tiles, 2);
    if (sr_precision_available(SR_PRECISION_BF16)) /* bf16 products: blocked the same */
        blocked_as("realesr-animevideov3-x4", NULL, SR_PRECISION_BF16, 17, 17, &in, tiles, 2);
    else
        print_message("no bf16 on this CPU: blocked bf16 not compared\n");
    sr_image_free(&in);
}

/* The other families, from ../shared: an RRDB net (Real-ESRGAN's x4plus-anime, 6 blocks: dense
 * blocks of Concat and the residual Eltwise sums blocked too; of its 96 convolutions the last,
 * 64->3, has no blocked path and those after each nearest upsampling read planar, and the
 * trunk's final add reads blocked and writes planar for the upsampler), waifu2x's upconv_7
 * (valid convolutions: blocked from the first, 3->16, to the one before the deconvolution) and
 * cunet (U-Net crops, pools and squeeze-and-excitation stay planar between its blocked runs). */
static void test_families_blocked_equals_planar(void **state)
{
    (void)state;
    static const struct {
        const char *name, *rel;
        int in, out;
    } nets[] = {
        {"realesrgan-x4plus-anime", "models/realesrgan/realesrgan-x4plus-anime.param", 92, 93},
        {"upconv_7-scale2x", "models/waifu2x/upconv_7-scale2x.param", 5, 5},
        {"cunet-noise0-scale2x", "models/waifu2x/cunet-noise0-scale2x.param", 6, 6},
    };
    enum { NNETS = sizeof nets / sizeof nets[0] };
    char paths[NNETS][4096];
    for (size_t k = 0; k < NNETS; k++) /* first: without ../shared the test skips here, owning nothing */
        snprintf(paths[k], sizeof paths[k], "%s", shared_path(nets[k].rel));
    sr_image in;
    make_test_image(&in, 19, 12, 3, 5); /* tiles of 16: two across, one down */
    const int tiles[] = {256, 16};
    setenv("SR_WINO4", "0", 1); /* F(4x4,3x3) has bits of its own: test_wino4_nets */
    for (size_t k = 0; k < NNETS; k++)
        blocked_equals_planar(nets[k].name, paths[k], nets[k].in, nets[k].out, &in, tiles, 2);
    unsetenv("SR_WINO4");
    sr_image_free(&in);
}

/* F(4x4,3x3) (wino4_blocked.c) runs the fp32 Winograd layers of nets whose tiles are not exact,
 * and only there: 94 of x4plus-anime's 96 convolutions (not the first, 3->64, nor the last,
 * 64->3), whichever layout their neighbours take; none of animevideov3's. Its output is the same
 * on 1 and 2 threads and within one level of the F(2x2,3x3) output (measured: at most 1, in a
 * few pixels), tiled or not. */
static void test_wino4_nets(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s",
             shared_path("models/realesrgan/realesrgan-x4plus-anime.param"));
    sr_model_params mp = sr_model_default_params();
    sr_model *m4, *m2, *exact;
    sr_error e;
    setenv("SR_WINO4", "0", 1);
    if (sr_model_load_files(path, NULL, &mp, &m2, &e))
        fail_msg("%s", e.msg);
    unsetenv("SR_WINO4");
    if (sr_model_load_files(path, NULL, &mp, &m4, &e))
        fail_msg("%s", e.msg);
    exact = load("realesr-animevideov3-x4");
    int n4 = 0, nexact = 0;
    for (int i = 0; i < m4->nlayers; i++) {
        const sr__conv *c = sr__layer_conv(&m4->layers[i]);
        n4 += c && c->wino4;
    }
    for (int i = 0; i < exact->nlayers; i++) {
        const sr__conv *c = sr__layer_conv(&exact->layers[i]);
        nexact += c && c->wino4;
    }
    assert_int_equal(nexact, 0);
    if (strcmp(sr_kernel_path(), "avx512") != 0)
        assert_int_equal(n4, 0);
    else
        assert_int_equal(n4, 94);
    sr_image in;
    make_test_image(&in, 19, 12, 3, 5);
    const int tiles[] = {256, 16};
    for (int t = 0; t < 2; t++) {
        sr_image ref, one, two;
        upscale(m2, &in, tiles[t], 1, &ref);
        upscale(m4, &in, tiles[t], 1, &one);
        upscale(m4, &in, tiles[t], 2, &two);
        size_t n = (size_t)ref.w * ref.h * 3;
        if (memcmp(one.data, two.data, n))
            fail_msg("x4plus-anime, tile %d: F(4x4,3x3) differs between 1 and 2 threads", tiles[t]);
        int worst = 0;
        for (size_t j = 0; j < n; j++)
            worst = abs(one.data[j] - ref.data[j]) > worst ? abs(one.data[j] - ref.data[j]) : worst;
        if (getenv("SR_TEST_VERBOSE"))
            print_message("tile %d: F(4x4,3x3) vs F(2x2,3x3) at most %d levels\n", tiles[t], worst);
        if (worst > 1)
            fail_msg("x4plus-anime, tile %d: F(4x4,3x3) %d levels from F(2x2,3x3)", tiles[t],
                     worst);
        sr_image_free(&ref), sr_image_free(&one), sr_image_free(&two);
    }
    sr_image_free(&in);
    sr_model_free(m4), sr_model_free(m2), sr_model_free(exact);
}

static void test_channels(void **state)
{
    (void)state;
    sr_model *m = load("realesr-animevideov3-x2");
    sr_image rgba, rgb, out_rgba, out_rgb;
    make_test_image(&rgba, 20, 14, 4, 3);
    assert_int_equal(sr_image_alloc(&rgb, 20, 14, 3, NULL), SR_OK);
    sr_image alpha;
    assert_int_equal(sr_image_alloc(&alpha, 20, 14, 1, NULL), SR_OK);
    for (int i = 0; i < 20 * 14; i++) {
        memcpy(rgb.data + i * 3, rgba.data + i * 4, 3);
        alpha.data[i] = rgba.data[i * 4 + 3];
    }
    upscale(m, &rgba, 0, 1, &out_rgba);
    upscale(m, &rgb, 0, 1, &out_rgb);
    assert_int_equal(out_rgba.c, 4);
    sr_image big_alpha;
    assert_int_equal(sr_image_resize(&alpha, 40, 28, &big_alpha, NULL), SR_OK);
    for (int i = 0; i < 40 * 28; i++) {
        assert_memory_equal(out_rgba.data + i * 4, out_rgb.data + i * 3, 3); /* RGB: the net */
        assert_int_equal(out_rgba.data[i * 4 + 3], big_alpha.data[i]);    /* alpha: bicubic */
    }
    /* gray in, gray out: the value is the mean of the network's RGB for the replicated gray */
    sr_image gray, out_gray;
    make_test_image(&gray, 20, 14, 1, 5);
    upscale(m, &gray, 0, 2, &out_gray);
    assert_int_equal(out_gray.c, 1);
    assert_int_equal(out_gray.w, 40);
    sr_image g3, out_g3;
    assert_int_equal(sr_image_alloc(&g3, 20, 14, 3, NULL), SR_OK);
    for (int i = 0; i < 20 * 14; i++)
        memset(g3.data + i * 3, gray.data[i], 3);
    upscale(m, &g3, 0, 1, &out_g3);
    for (int i = 0; i < 40 * 28; i++) { /* the mean of floats against the mean of rounded bytes */
        const uint8_t *p = out_g3.data + i * 3;
        double mean = (p[0] + p[1] + p[2]) / 3.0;
        if (fabs(out_gray.data[i] - mean) > 1.0)
            fail_msg("gray pixel %d: %d, the RGB net gives %d %d %d", i, out_gray.data[i], p[0],
                     p[1], p[2]);
    }
    /* gray + alpha: the gray exactly as gray alone, alpha by bicubic */
    sr_image ga, out_ga, a2, big_a2;
    make_test_image(&ga, 20, 14, 2, 5);
    assert_int_equal(sr_image_alloc(&a2, 20, 14, 1, NULL), SR_OK);
    for (int i = 0; i < 20 * 14; i++)
        gray.data[i] = ga.data[i * 2], a2.data[i] = ga.data[i * 2 + 1];
    sr_image_free(&out_gray);
    upscale(m, &gray, 0, 1, &out_gray);
    upscale(m, &ga, 0, 1, &out_ga);
    assert_int_equal(out_ga.c, 2);
    assert_int_equal(sr_image_resize(&a2, 40, 28, &big_a2, NULL), SR_OK);
    for (int i = 0; i < 40 * 28; i++) {
        assert_int_equal(out_ga.data[i * 2], out_gray.data[i]);
        assert_int_equal(out_ga.data[i * 2 + 1], big_a2.data[i]);
    }
    sr_image_free(&g3), sr_image_free(&out_g3), sr_image_free(&a2), sr_image_free(&big_a2);
    sr_image_free(&rgba), sr_image_free(&rgb), sr_image_free(&alpha), sr_image_free(&big_alpha);
    sr_image_free(&out_rgba), sr_image_free(&out_rgb), sr_image_free(&gray);
    sr_image_free(&out_gray), sr_image_free(&ga), sr_image_free(&out_ga);
    sr_model_free(m);
}

static void test_runner_memory_follows_tile(void **state)
{
    (void)state;
    sr_model *m = load("realesr-animevideov3-x4");
    sr_net *small, *big;
    sr_error e;
    assert_int_equal(sr_net_create(m, 64, &small, &e), SR_OK);
    assert_int_equal(sr_net_create(m, 256, &big, &e), SR_OK);
    /* three 64-channel buffers of (tile + 2*halo + 2)^2 floats dominate */
    size_t side = 256 + 2 * 18 + 2;
    assert_true(sr_net_bytes(big) < 5 * 64 * side * side * sizeof(float));
    assert_true(sr_net_bytes(small) * 5 < sr_net_bytes(big));
    sr_net *tiny = NULL;
    assert_int_not_equal(sr_net_create(m, 4, &tiny, &e), SR_OK);
    assert_null(tiny);
    assert_non_null(strstr(e.msg, "tile size 4"));
    sr_net_free(small);
    sr_net_free(big);
    sr_model_free(m);
}

/* A runner that would need more than half the machine's memory is refused before allocating:
 * realesrgan-x4plus (23 RRDB blocks of 64-channel convolutions) on 8192-pixel tiles needs
 * hundreds of GiB. */
static void test_absurd_runner_refused(void **state)
{
    (void)state;
    sr_model *m;
    sr_error e;
    if (sr_model_load_files(shared_path("models/realesrgan/realesrgan-x4plus.param"), NULL, NULL, &m,
                            &e))
        fail_msg("%s", e.msg);
    sr_net *n = NULL;
    assert_int_equal(sr_net_create(m, 8192, &n, &e), SR_E_LIMIT);
    assert_null(n);
    assert_non_null(strstr(e.msg, "GiB per thread for 8214x8214 tiles"));
    assert_non_null(strstr(e.msg, "use a smaller --tile"));
    sr_model_free(m);
}

static void upscale_tta(const sr_model *m, const sr_image *in, int tile, int threads,
                        sr_image *out)
{
    sr_upscale_params p = {.tile = tile, .nthreads = threads, .tta = 1};
    sr_error e;
    if (sr_upscale_image(m, &p, in, out, &e))
        fail_msg("%s", e.msg);
}

/* --tta: the same bytes for any tile size and thread count; equivariant to a mirror of the input
 * (up to the order of the 8-term sum: at most 1 level); and not the plain output. */
static void test_tta(void **state)
{
    (void)state;
    sr_model *m = load("realesr-animevideov3-x2");
    sr_image in, ref, out, plain, mir, mout;
    make_test_image(&in, 37, 26, 3, 5);
    in.icc_len = 3;
    in.icc = (uint8_t *)strdup("icc");
    upscale_tta(m, &in, 256, 1, &ref);
    assert_int_equal(ref.icc_len, 3); /* the output keeps the input's colour profile */
    assert_memory_equal(ref.icc, "icc", 3);
    upscale_tta(m, &in, 20, 2, &out);
    assert_memory_equal(out.data, ref.data, (size_t)ref.w * ref.h * 3);
    upscale(m, &in, 256, 1, &plain);
    assert_true(memcmp(plain.data, ref.data, (size_t)ref.w * ref.h * 3) != 0);
    assert_int_equal(sr_image_alloc(&mir, in.w, in.h, 3, NULL), SR_OK);
    for (int y = 0; y < in.h; y++)
        for (int x = 0; x < in.w; x++)
            memcpy(mir.data + ((size_t)y * in.w + x) * 3,
                   in.data + ((size_t)y * in.w + in.w - 1 - x) * 3, 3);
    upscale_tta(m, &mir, 256, 1, &mout);
    int worst = 0;
    for (int y = 0; y < ref.h; y++)
        for (int x = 0; x < ref.w; x++)
            for (int c = 0; c < 3; c++) {
                int d = abs(mout.data[((size_t)y * ref.w + ref.w - 1 - x) * 3 + c] -
                            ref.data[((size_t)y * ref.w + x) * 3 + c]);
                worst = d > worst ? d : worst;
            }
    assert_true(worst <= 1);
    sr_image_free(&in), sr_image_free(&ref), sr_image_free(&out), sr_image_free(&plain);
    sr_image_free(&mir), sr_image_free(&mout);
    sr_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiled_equals_untiled),
        cmocka_unit_test(test_blocked_equals_planar),
        cmocka_unit_test(test_families_blocked_equals_planar),
        cmocka_unit_test(test_wino4_nets),
        cmocka_unit_test(test_channels),
        cmocka_unit_test(test_tta),
        cmocka_unit_test(test_runner_memory_follows_tile),
        cmocka_unit_test(test_absurd_runner_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
