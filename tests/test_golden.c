/* test_golden.c - end to end against the reference programs' outputs in ../shared/golden.
 *
 * Tolerances come from ../shared/golden/README.md and from measurement: an exact fp32 evaluation
 * of these graphs (srgan, and the independent PyTorch cross-check srvgg_ref.py) differs from
 * realesrgan-ncnn-vulkan's fp16-storage output by at most 2 levels for realesr-animevideov3 and 4
 * for realesrgan-x4fast (34 convolutions), mean below 0.15. srgan copies the reflect prepadding,
 * so the whole image is compared, borders included. Measured (AVX-512, any tile and thread count):
 *   in64   animevideov3-x2 0.0864/2  -x4 0.0795/2  x4fast 0.0964/4
 *   in96x80 animevideov3-x2 0.0971/2  -x4 0.0917/2  x4fast 0.1341/4   (mean abs / max, levels)
 * waifu2x upconv_7 (valid convolutions + Deconvolution, replicated prepadding 7; reference on
 * ncnn's CPU path, fp32): in64 0.0001/1, in96x80 0.0000/1. realesrgan-x4plus (RRDB, in64 only):
 * 0.1109/3; its tiles overlap by the prepadding, as the reference's do. realesr-animevideov3-x3
 * (the x4 net and a bicubic 0.75 Interp; reference in tests/data): 0.0855/2. realesrgan-x4plus-anime
 * (RRDB, 6 blocks; reference in tests/data, made like the others): 0.1187/8, 99.9% of values
 * within one level, the few beyond at two sharp edges where the reference's fp16 storage
 * rounds differently (srgan's direct and Winograd paths agree there). waifu2x cunet (U-Net with
 * squeeze-excitation blocks, replicated prepadding 18) and Real-CUGAN up2x (the same with
 * reflected prepadding 18), one tile each as in the references: max 1 level.
 */
#include "test_common.h"

#include <math.h>

typedef struct {
    const char *model; /* path under ../shared/models without .param */
    int max_abs;
    int in64_only; /* the reference exists for in64 only (x4plus: 33 MB, slow) */
    int in_repo;   /* the reference is in tests/data, not ../shared/golden */
} golden_model;

static const golden_model models[] = {
    {"realesrgan/realesr-animevideov3-x2", 2, 0, 0},
    {"realesrgan/realesr-animevideov3-x3", 2, 1, 1},
    {"realesrgan/realesr-animevideov3-x4", 2, 0, 0},
    {"realesrgan/realesrgan-x4fast", 4, 0, 0},
    {"waifu2x/upconv_7-scale2x", 1, 0, 0},
    {"realesrgan/realesrgan-x4plus", 4, 1, 0},
    {"realesrgan/realesrgan-x4plus-anime", 8, 1, 1},
    {"waifu2x/cunet-noise0-scale2x", 1, 0, 0},
    {"realcugan/up2x-conservative", 1, 0, 0},
};
static const char *const inputs[] = {"in64", "in96x80"};

/* Real-CUGAN's family is named by the caller, as the command line does from its file names. */
static sr_status load_shared_precision(const char *path, sr_precision prec, sr_model **m,
                                       sr_error *e)
{
    sr_model_params p = sr_model_default_params();
    p.family = strstr(path, "/up2x-") ? "realcugan" : NULL;
    p.precision = prec;
    return sr_model_load_files(path, NULL, &p, m, e);
}

static sr_status load_shared_model(const char *path, sr_model **m, sr_error *e)
{
    return load_shared_precision(path, SR_PRECISION_FP32, m, e);
}
/* Mean difference allowed against the reference: Real-ESRGAN's references come from a GPU-style
 * float path (measured 0.08-0.134); waifu2x's and Real-CUGAN's agree to a few values in 50,000
 * (measured at most 0.0001). */
static double mean_limit(const char *model)
{
    return strncmp(model, "realesrgan/", 11) == 0 ? 0.15 : 0.001;
}

static void compare(const char *model, int max_abs, int in_repo, const char *input, int tile,
                    int threads)
{
    char rel[256], param[4096];
    snprintf(rel, sizeof rel, "models/%s.param", model);
    snprintf(param, sizeof param, "%s", shared_path(rel));
    sr_model *m;
    sr_error e;
    if (load_shared_model(param, &m, &e))
        fail_msg("%s", e.msg);
    sr_image in, want, got;
    snprintf(rel, sizeof rel, "golden/%s.png", input);
    assert_int_equal(sr_image_load(shared_path(rel), SR_DEFAULT_MAX_PIXELS, &in, &e), SR_OK);
    const char *stem = strrchr(model, '/') + 1;
    char ref[4096];
    snprintf(rel, sizeof rel, "golden/%s-%s.png", input, stem);
    if (in_repo)
        snprintf(ref, sizeof ref, "%s/%s-%s.png", SR_TEST_DATA, input, stem);
    else
        snprintf(ref, sizeof ref, "%s", shared_path(rel));
    assert_int_equal(sr_image_load(ref, SR_DEFAULT_MAX_PIXELS, &want, &e), SR_OK);
    sr_upscale_params p = {.tile = tile, .nthreads = threads};
    if (sr_upscale_image(m, &p, &in, &got, &e))
        fail_msg("%s", e.msg);
    assert_int_equal(got.w, want.w), assert_int_equal(got.h, want.h);
    assert_int_equal(got.c, 3), assert_int_equal(want.c, 3);
    size_t n = (size_t)got.w * got.h * 3;
    long sum = 0;
    int worst = 0;
    for (size_t i = 0; i < n; i++) {
        int d = abs(got.data[i] - want.data[i]);
        sum += d;
        worst = d > worst ? d : worst;
    }
    double mean = (double)sum / (double)n;
    print_message("%s %s tile %d threads %d: mean %.4f max %d\n", input, model, tile, threads,
                  mean, worst);
    if (worst > max_abs || mean > mean_limit(model))
        fail_msg("%s on %s: mean %.4f max %d, allowed mean %.3f max %d", model, input, mean, worst,
                 mean_limit(model), max_abs);
    sr_image_free(&in), sr_image_free(&want), sr_image_free(&got);
    sr_model_free(m);
}

static void test_whole_image(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof models / sizeof models[0]; k++)
        for (int i = 0; i < (models[k].in64_only ? 1 : 2); i++)
            compare(models[k].model, models[k].max_abs, models[k].in_repo, inputs[i], 0, 1);
}

/* The same agreement when the image is cut into tiles much smaller than itself (nets whose
 * tiles are exact). */
static void test_small_tiles(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof models / sizeof models[0]; k++) {
        char rel[256];
        snprintf(rel, sizeof rel, "models/%s.param", models[k].model);
        sr_model *m;
        sr_error e;
        if (load_shared_model(shared_path(rel), &m, &e))
            fail_msg("%s", e.msg);
        if (!models[k].in64_only && sr_model_exact_tiles(m)) {
            compare(models[k].model, models[k].max_abs, 0, "in96x80", 24, 2);
            /* and bit for bit the untiled output, not only as close to the reference */
            sr_image in, whole, tiled;
            assert_int_equal(sr_image_load(shared_path("golden/in96x80.png"),
                                           SR_DEFAULT_MAX_PIXELS, &in, &e), SR_OK);
            sr_upscale_params p1 = {.tile = 0, .nthreads = 1}, p2 = {.tile = 24, .nthreads = 2};
            assert_int_equal(sr_upscale_image(m, &p1, &in, &whole, &e), SR_OK);
            assert_int_equal(sr_upscale_image(m, &p2, &in, &tiled, &e), SR_OK);
            assert_memory_equal(whole.data, tiled.data, (size_t)whole.w * whole.h * 3);
            sr_image_free(&in), sr_image_free(&whole), sr_image_free(&tiled);
        }
        sr_model_free(m);
    }
}

/* Nets whose output depends on the tiling (whole-tile statistics) still give the same bytes for
 * any thread count: the tiles are laid out from --tile alone. */
static void test_tile_dependent_nets_ignore_threads(void **state)
{
    (void)state;
    const char *files[] = {"models/waifu2x/cunet-noise0-scale2x.param",
                           "models/realcugan/up2x-conservative.param"};
    for (int k = 0; k < 2; k++) {
        sr_model *m;
        sr_error e;
        if (load_shared_model(shared_path(files[k]), &m, &e))
            fail_msg("%s", e.msg);
        assert_int_equal(sr_model_exact_tiles(m), 0);
        sr_image in, a, b;
        assert_int_equal(sr_image_load(shared_path("golden/in96x80.png"), SR_DEFAULT_MAX_PIXELS,
                                       &in, &e), SR_OK);
        sr_upscale_params p1 = {.tile = 40, .nthreads = 1}, p2 = {.tile = 40, .nthreads = 2};
        assert_int_equal(sr_upscale_image(m, &p1, &in, &a, &e), SR_OK);
        assert_int_equal(sr_upscale_image(m, &p2, &in, &b, &e), SR_OK);
        assert_memory_equal(a.data, b.data, (size_t)a.w * a.h * 3);
        sr_image_free(&in), sr_image_free(&a), sr_image_free(&b);
        sr_model_free(m);
    }
}

/* Real-CUGAN on an image larger than one tile (400 pixels, realcugan-ncnn-vulkan's CPU default)
 * gives every tile the squeeze-and-excitation statistics of the whole image, sampled as the
 * reference's default sync-gap mode 3 does. The input is in96x80 mirrored out to 480x160 with
 * its right half inverted, so its two tiles' own statistics differ from the image's; the
 * references are two crops of realcugan-ncnn-vulkan's output, one in each tile (made as
 * tests/data/README.md says). Measured: 0 and 2 values of 18432 off by one level; with each
 * tile's own statistics (the previous behaviour) or one whole-image tile, up to 36 levels. */
static void test_realcugan_shares_statistics(void **state)
{
    (void)state;
    sr_model *m;
    sr_error e;
    if (load_shared_model(shared_path("models/realcugan/up2x-conservative.param"), &m, &e))
        fail_msg("%s", e.msg);
    sr_image src, in, out;
    assert_int_equal(
        sr_image_load(shared_path("golden/in96x80.png"), SR_DEFAULT_MAX_PIXELS, &src, &e), SR_OK);
    assert_int_equal(src.w, 96), assert_int_equal(src.h, 80), assert_int_equal(src.c, 3);
    assert_int_equal(sr_image_alloc(&in, 480, 160, 3, &e), SR_OK);
    for (int y = 0; y < in.h; y++)
        for (int x = 0; x < in.w; x++) {
            int mx = x % 192, my = y % 160;
            mx = mx < 96 ? mx : 191 - mx, my = my < 80 ? my : 159 - my;
            for (int c = 0; c < 3; c++) {
                uint8_t v = src.data[((size_t)my * 96 + mx) * 3 + c];
                in.data[((size_t)y * in.w + x) * 3 + c] = x >= 240 ? 255 - v : v;
            }
        }
    sr_upscale_params p = {.tile = 0, .nthreads = 2};
    assert_int_equal(sr_upscale_image(m, &p, &in, &out, &e), SR_OK);
    static const struct { const char *file; int x, y; } crops[] = {
        {"realcugan-sync-300-96.png", 300, 96}, {"realcugan-sync-850-200.png", 850, 200}};
    for (int k = 0; k < 2; k++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", SR_TEST_DATA, crops[k].file);
        sr_image want;
        assert_int_equal(sr_image_load(path, SR_DEFAULT_MAX_PIXELS, &want, &e), SR_OK);
        int worst = 0, off = 0;
        for (int y = 0; y < want.h; y++)
            for (int x = 0; x < want.w * 3; x++) {
                int d = abs(want.data[(size_t)y * want.w * 3 + x] -
                            out.data[((size_t)(crops[k].y + y) * out.w + crops[k].x) * 3 + x]);
                worst = d > worst ? d : worst;
                off += d > 0;
            }
        print_message("Real-CUGAN, 480x160 in two tiles, crop %d: %d values off, max %d\n", k,
                      off, worst);
        if (worst > 1)
            fail_msg("Real-CUGAN crop at (%d,%d): off by up to %d levels", crops[k].x,
                     crops[k].y, worst);
        sr_image_free(&want);
    }
    sr_image_free(&src), sr_image_free(&in), sr_image_free(&out);
    sr_model_free(m);
}

/* The embedded default is the same network as the shared file: the outputs are identical. */
static void test_embedded_matches_file(void **state)
{
    (void)state;
    sr_model *a, *b;
    sr_error e;
    assert_int_equal(sr_model_load_embedded("realesr-animevideov3-x4", NULL, &a, &e), SR_OK);
    if (load_shared_model(shared_path("models/realesrgan/realesr-animevideov3-x4.param"),
                            &b, &e))
        fail_msg("%s", e.msg);
    sr_image in, oa, ob;
    assert_int_equal(
        sr_image_load(shared_path("golden/in64.png"), SR_DEFAULT_MAX_PIXELS, &in, &e), SR_OK);
    sr_upscale_params p = {.tile = 0, .nthreads = 2};
    assert_int_equal(sr_upscale_image(a, &p, &in, &oa, &e), SR_OK);
    assert_int_equal(sr_upscale_image(b, &p, &in, &ob, &e), SR_OK);
    assert_memory_equal(oa.data, ob.data, (size_t)oa.w * oa.h * 3);
    sr_image_free(&in), sr_image_free(&oa), sr_image_free(&ob);
    sr_model_free(a), sr_model_free(b);
}

/* The embedded defaults clearly beat bicubic on the two golden photos (never trained on): the
 * literature's measurement (MATLAB bicubic downscale, Y PSNR with the border shaved). Measured:
 * +1.230 (x2), +1.233 (x3), +0.989 dB (x4); the floors leave 0.15 dB for a retrained model. */
static void test_defaults_beat_bicubic(void **state)
{
    (void)state;
    static const char *const photos[] = {"golden/in64.png", "golden/in96x80.png"};
    for (int s = 2; s <= 4; s++) {
        sr_model *m;
        sr_error e;
        assert_int_equal(sr_model_load_embedded(sr_embedded_default(s), NULL, &m, &e), SR_OK);
        double gain = 0;
        for (int i = 0; i < 2; i++) {
            sr_image full, hr, lr, big, bic;
            sr_quality qm, qb;
            assert_int_equal(
                sr_image_load(shared_path(photos[i]), SR_DEFAULT_MAX_PIXELS, &full, &e), SR_OK);
            /* cut to a multiple of the scale, as `srgan eval` does */
            assert_int_equal(sr_image_alloc(&hr, full.w / s * s, full.h / s * s, full.c, &e), SR_OK);
            for (int y = 0; y < hr.h; y++)
                memcpy(hr.data + (size_t)y * hr.w * hr.c, full.data + (size_t)y * full.w * full.c,
                       (size_t)hr.w * hr.c);
            sr_image_free(&full);
            assert_int_equal(sr_image_downscale(&hr, s, &lr, &e), SR_OK);
            sr_upscale_params p = {.tile = 0, .nthreads = 2};
            assert_int_equal(sr_upscale_image(m, &p, &lr, &big, &e), SR_OK);
            assert_int_equal(sr_image_imresize(&lr, hr.w, hr.h, &bic, &e), SR_OK);
            assert_int_equal(sr_image_quality(&hr, &big, s, &qm, &e), SR_OK);
            assert_int_equal(sr_image_quality(&hr, &bic, s, &qb, &e), SR_OK);
            gain += (qm.psnr - qb.psnr) / 2;
            sr_image_free(&hr), sr_image_free(&lr), sr_image_free(&big), sr_image_free(&bic);
        }
        print_message("x%d default %s: %+.3f dB over bicubic\n", s, sr_embedded_default(s), gain);
        static const double floor_db[] = {0, 0, 1.08, 1.08, 0.84};
        if (gain < floor_db[s])
            fail_msg("x%d default gains only %.3f dB over bicubic (floor %.2f)", s, gain,
                     floor_db[s]);
        sr_model_free(m);
    }
}

/* PSNR over every byte of two same-sized RGB images. */
static double rgb_psnr(const sr_image *a, const sr_image *b)
{
    size_t n = (size_t)a->w * a->h * a->c;
    double se = 0;
    for (size_t i = 0; i < n; i++)
        se += (double)(a->data[i] - b->data[i]) * (a->data[i] - b->data[i]);
    return se == 0 ? INFINITY : 10 * log10(255.0 * 255.0 * (double)n / se);
}

/* --precision bf16 stays within 48 dB PSNR (RGB) of fp32 on every golden model and the embedded
 * photo default (measured on in64, Zen 4: 50.5 dB for waifu2x upconv_7 to 65.1 dB for
 * srgan-photo-x4; 2.5 dB of margin), differs from it (the bf16 path ran), and keeps fp32's
 * guarantees: tiles and threads do not change a byte. */
static void test_bf16_close_to_fp32(void **state)
{
    (void)state;
    sr_error e;
    if (!sr_precision_available(SR_PRECISION_BF16)) {
        print_message("skipped: this CPU (or SR_KERNEL) has no AVX512_BF16 path\n");
        skip();
    }
    sr_model_params bf = sr_model_default_params();
    bf.precision = SR_PRECISION_BF16;
    sr_image in;
    assert_int_equal(sr_image_load(shared_path("golden/in64.png"), SR_DEFAULT_MAX_PIXELS, &in, &e),
                     SR_OK);
    for (size_t k = 0; k <= sizeof models / sizeof models[0]; k++) {
        char rel[256];
        sr_model *m, *m16;
        const char *name = k < sizeof models / sizeof models[0] ? models[k].model : NULL;
        if (name) {
            snprintf(rel, sizeof rel, "models/%s.param", name);
            if (load_shared_model(shared_path(rel), &m, &e) ||
                load_shared_precision(shared_path(rel), SR_PRECISION_BF16, &m16, &e))
                fail_msg("%s", e.msg);
        } else {
            name = "srgan-photo-x4 (embedded)";
            assert_int_equal(sr_model_load_embedded("srgan-photo-x4", NULL, &m, &e), SR_OK);
            assert_int_equal(sr_model_load_embedded("srgan-photo-x4", &bf, &m16, &e), SR_OK);
        }
        assert_int_equal(sr_model_precision(m16), SR_PRECISION_BF16);
        sr_image f32, b16, tiled;
        sr_upscale_params p = {.tile = 0, .nthreads = 2};
        assert_int_equal(sr_upscale_image(m, &p, &in, &f32, &e), SR_OK);
        assert_int_equal(sr_upscale_image(m16, &p, &in, &b16, &e), SR_OK);
        double psnr = rgb_psnr(&f32, &b16);
        print_message("bf16 against fp32, %s: %.1f dB\n", name, psnr);
        if (psnr < 48)
            fail_msg("%s: bf16 output only %.1f dB from fp32 (bound 48)", name, psnr);
        if (isinf(psnr))
            fail_msg("%s: bf16 output equals fp32's: the bf16 path did not run", name);
        if (sr_model_exact_tiles(m16)) {
            sr_upscale_params pt = {.tile = 24, .nthreads = 1};
            assert_int_equal(sr_upscale_image(m16, &pt, &in, &tiled, &e), SR_OK);
            assert_memory_equal(tiled.data, b16.data, (size_t)b16.w * b16.h * 3);
            sr_image_free(&tiled);
        }
        sr_image_free(&f32), sr_image_free(&b16);
        sr_model_free(m), sr_model_free(m16);
    }
    sr_image_free(&in);
}

int main(void)
{
    int missing = shared_missing_code();
    if (missing >= 0)
        return missing;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_image),
        cmocka_unit_test(test_small_tiles),
        cmocka_unit_test(test_tile_dependent_nets_ignore_threads),
        cmocka_unit_test(test_realcugan_shares_statistics),
        cmocka_unit_test(test_embedded_matches_file),
        cmocka_unit_test(test_defaults_beat_bicubic),
        cmocka_unit_test(test_bf16_close_to_fp32),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
