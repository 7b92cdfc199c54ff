/* test_jpeg.c - JPEG as a degradation and as evidence: the quality estimate from DQT tables
 * (including hostile segments), the encoder against libjpeg's own cjpeg, the degradation spec
 * and its determinism, the quality -> strength mapping, and denoise blends of a model pair. */
#include "test_common.h"
#include "train/train.h"

#include <math.h>

static void encode(int w, int h, int q, uint8_t **jpg, size_t *n)
{
    sr_image im = {0};
    make_test_image(&im, w, h, 3, 7);
    assert_int_equal(sr__jpeg_encode(im.data, w, h, q, jpg, n, NULL), SR_OK);
    sr_image_free(&im);
}

/* Every quality libjpeg writes is read back exactly from its tables. */
static void test_quality_estimate(void **st)
{
    (void)st;
    for (int q = 1; q <= 100; q++) {
        uint8_t *jpg;
        size_t n;
        encode(40, 24, q, &jpg, &n);
        assert_int_equal(sr_jpeg_quality(jpg, n), q);
        free(jpg);
    }
}

/* A JPEG made of SOI, the given segment bytes, then EOI. */
static size_t with_segment(uint8_t *buf, const uint8_t *seg, size_t n)
{
    buf[0] = 0xFF, buf[1] = 0xD8;
    memcpy(buf + 2, seg, n);
    buf[2 + n] = 0xFF, buf[3 + n] = 0xD9;
    return n + 4;
}

static size_t dqt(uint8_t *seg, int ntables, int pq, const int *ids, int value)
{
    size_t len = 2 + (size_t)ntables * (1 + 64 * (pq ? 2 : 1));
    seg[0] = 0xFF, seg[1] = 0xDB, seg[2] = (uint8_t)(len >> 8), seg[3] = (uint8_t)len;
    uint8_t *p = seg + 4;
    for (int t = 0; t < ntables; t++) {
        *p++ = (uint8_t)(pq << 4 | ids[t]);
        for (int k = 0; k < 64; k++) {
            if (pq)
                *p++ = 0;
            *p++ = (uint8_t)value;
        }
    }
    return len + 2;
}

static void test_quality_hostile(void **st)
{
    (void)st;
    uint8_t seg[2048], buf[4096];
    /* not a JPEG, empty, SOI alone, no tables before the scan: 0 */
    assert_int_equal(sr_jpeg_quality("\x89PNG\r\n\x1a\n", 8), 0);
    assert_int_equal(sr_jpeg_quality(buf, 0), 0);
    assert_int_equal(sr_jpeg_quality("\xFF\xD8", 2), 0);
    uint8_t sos[] = {0xFF, 0xDA, 0x00, 0x02};
    assert_int_equal(sr_jpeg_quality(buf, with_segment(buf, sos, sizeof sos)), 0);
    /* a table of ones is quality 100, in 8 or 16 bits alike */
    int ids[6] = {0, 1, 2, 3, 5, 0};
    assert_int_equal(sr_jpeg_quality(buf, with_segment(buf, seg, dqt(seg, 1, 0, ids, 1))), 100);
    assert_int_equal(sr_jpeg_quality(buf, with_segment(buf, seg, dqt(seg, 1, 1, ids, 1))), 100);
    /* zero entries (invalid for a decoder) count as 1; 255s are the lowest quality */
    assert_int_equal(sr_jpeg_quality(buf, with_segment(buf, seg, dqt(seg, 1, 0, ids, 0))), 100);
    assert_int_equal(sr_jpeg_quality(buf, with_segment(buf, seg, dqt(seg, 2, 0, ids, 255))), 1);
    /* six tables in one segment, ids 2 to 5 among them, and id 0 again at the end: the last
     * table 0 read wins, the others are ignored */
    int ids6[6] = {0, 2, 3, 5, 4, 0};
    size_t n = dqt(seg, 6, 0, ids6, 255);
    for (int k = 0; k < 64; k++)
        seg[4 + 5 * 65 + 1 + k] = 1;
    assert_int_equal(sr_jpeg_quality(buf, with_segment(buf, seg, n)), 100);
    /* lengths that run past the data, a length under 2, a precision of 2: nothing read */
    n = dqt(seg, 1, 0, ids, 1);
    seg[3] = 0xFF;
    assert_int_equal(sr_jpeg_quality(buf, with_segment(buf, seg, n)), 0);
    seg[2] = 0, seg[3] = 1;
    assert_int_equal(sr_jpeg_quality(buf, with_segment(buf, seg, n)), 0);
    n = dqt(seg, 1, 0, ids, 1);
    seg[4] = 0x20;
    assert_int_equal(sr_jpeg_quality(buf, with_segment(buf, seg, n)), 0);
    /* truncated in the middle of a real file's tables: no read past the end */
    uint8_t *jpg;
    size_t len;
    encode(16, 16, 80, &jpg, &len);
    for (size_t cut = 0; cut < 200 && cut < len; cut++)
        (void)sr_jpeg_quality(jpg, cut);
    free(jpg);
}

/* The bytes are what libjpeg's own command-line encoder writes at that quality with baseline
 * (8-bit) tables, as PIL and ImageMagick write them too: jpeg_set_quality, 4:2:0. */
static void test_encoder_matches_cjpeg(void **st)
{
    (void)st;
    if (system("command -v cjpeg >/dev/null 2>&1") != 0) {
        const char *ci = getenv("CI");
        if (ci && !strcmp(ci, "true"))
            fail_msg("cjpeg (libjpeg-turbo-progs) missing under CI=true");
        print_message("skipped: cjpeg not installed (libjpeg-turbo-progs)\n");
        skip();
    }
    char *dir = make_temp_dir(), ppm[4200], cmd[9000], out[4200];
    sr_image im = {0};
    make_test_image(&im, 45, 37, 3, 3); /* odd sizes: partial 16x16 blocks */
    snprintf(ppm, sizeof ppm, "%s/in.ppm", dir);
    snprintf(out, sizeof out, "%s/out.jpg", dir);
    FILE *f = fopen(ppm, "wb");
    assert_non_null(f);
    fprintf(f, "P6\n45 37\n255\n");
    fwrite(im.data, 1, (size_t)45 * 37 * 3, f);
    fclose(f);
    static const int qs[] = {10, 30, 50, 75, 90, 95, 100};
    for (int i = 0; i < 7; i++) {
        snprintf(cmd, sizeof cmd, "cjpeg -baseline -quality %d '%s' > '%s'", qs[i], ppm, out);
        assert_int_equal(system(cmd), 0);
        uint8_t *ref, *jpg;
        size_t nref, n;
        assert_int_equal(sr__read_file(out, 1 << 20, &ref, &nref, NULL), SR_OK);
        assert_int_equal(sr__jpeg_encode(im.data, 45, 37, qs[i], &jpg, &n, NULL), SR_OK);
        assert_int_equal(n, nref);
        assert_memory_equal(jpg, ref, n);
        free(ref), free(jpg);
    }
    sr_image_free(&im);
    remove_tree(dir);
    free(dir);
}

/* Without -baseline, cjpeg keeps entries over 255 in 16-bit tables: still read exactly. */
static void test_quality_16bit_tables(void **st)
{
    (void)st;
    if (system("command -v cjpeg >/dev/null 2>&1") != 0)
        skip(); /* said by the test above */
    char *dir = make_temp_dir(), cmd[9000], out[4200];
    snprintf(out, sizeof out, "%s/q.jpg", dir);
    for (int q = 1; q <= 30; q += 3) {
        snprintf(cmd, sizeof cmd, "printf 'P6\n8 8\n255\n%%0192d' 0 | cjpeg -quality %d > '%s' "
                 "2>/dev/null", q, out);
        assert_int_equal(system(cmd), 0);
        uint8_t *b;
        size_t n;
        assert_int_equal(sr__read_file(out, 1 << 20, &b, &n, NULL), SR_OK);
        assert_int_equal(sr_jpeg_quality(b, n), q);
        free(b);
    }
    remove_tree(dir);
    free(dir);
}

static void test_degradation_spec(void **st)
{
    (void)st;
    sr_degradation d;
    sr_error err;
    char buf[128];
    assert_int_equal(sr_degradation_parse("none", &d, &err), SR_OK);
    assert_int_equal(sr__degradation_active(&d), 0);
    sr_degradation_format(&d, buf, sizeof buf);
    assert_string_equal(buf, "none");
    assert_int_equal(sr_degradation_parse("noise=1-4@0.3,jpeg=30-95@0.8,blur=0.5", &d, &err),
                     SR_OK);
    assert_true(d.jpeg.p == 0.8f && d.jpeg.lo == 30 && d.jpeg.hi == 95);
    assert_true(d.noise.p == 0.3f && d.noise.lo == 1 && d.noise.hi == 4);
    assert_true(d.blur.p == 1 && d.blur.lo == 0.5f && d.blur.hi == 0.5f);
    sr_degradation_format(&d, buf, sizeof buf); /* canonical order: blur, noise, jpeg */
    assert_string_equal(buf, "blur=0.5,noise=1-4@0.3,jpeg=30-95@0.8");
    static const char *const bad[] = {"jpeg", "jpeg=", "jpeg=0", "jpeg=50.5", "jpeg=95-30",
                                      "jpeg=101", "jpeg=50@0", "jpeg=50@1.5", "noise=-1",
                                      "sharpen=1", "jpeg=50,jpeg=60", "blur=9", "jpeg=50x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err.msg[0] = 0;
        assert_int_equal(sr_degradation_parse(bad[i], &d, &err), SR_E_INVALID);
        assert_non_null(strstr(err.msg, "want blur=SIGMA, noise=LEVELS or jpeg=QUALITY"));
    }
}

static int same_image(const sr_image *a, const sr_image *b)
{
    return !memcmp(a->data, b->data, (size_t)a->w * a->h * a->c);
}

/* Same seed, same crop; a fixed JPEG quality is exactly the round trip at that quality; the
 * seed decides the quality drawn and whether a step fires. */
static void test_degrade(void **st)
{
    (void)st;
    sr_degradation d;
    sr_image a = {0}, b = {0}, ref = {0};
    make_test_image(&a, 40, 40, 3, 1);
    make_test_image(&b, 40, 40, 3, 1);
    make_test_image(&ref, 40, 40, 3, 1);
    assert_int_equal(sr_degradation_parse("jpeg=60", &d, NULL), SR_OK);
    assert_int_equal(sr_image_degrade(&d, 5, &a, NULL), SR_OK);
    assert_int_equal(sr__jpeg_roundtrip(&ref, 60, NULL, NULL), SR_OK);
    assert_true(same_image(&a, &ref));
    assert_int_equal(sr_degradation_parse("blur=0.3-1.5,noise=1-5,jpeg=20-90", &d, NULL), SR_OK);
    sr_image_free(&a);
    make_test_image(&a, 40, 40, 3, 1);
    assert_int_equal(sr_image_degrade(&d, 11, &a, NULL), SR_OK);
    assert_int_equal(sr_image_degrade(&d, 11, &b, NULL), SR_OK);
    assert_true(same_image(&a, &b));
    sr_image_free(&b);
    make_test_image(&b, 40, 40, 3, 1);
    assert_int_equal(sr_image_degrade(&d, 12, &b, NULL), SR_OK);
    assert_false(same_image(&a, &b));
    /* @p: over many seeds the step fires about p of the time */
    assert_int_equal(sr_degradation_parse("noise=8@0.25", &d, NULL), SR_OK);
    int fired = 0;
    for (int s = 0; s < 400; s++) {
        sr_image_free(&a), sr_image_free(&ref);
        make_test_image(&a, 8, 8, 3, 1);
        make_test_image(&ref, 8, 8, 3, 1);
        assert_int_equal(sr_image_degrade(&d, (uint64_t)s, &a, NULL), SR_OK);
        fired += !same_image(&a, &ref);
    }
    assert_in_range(fired, 70, 130);
    sr_image_free(&a), sr_image_free(&b), sr_image_free(&ref);
}

static void test_strength_mapping(void **st)
{
    (void)st;
    assert_true(sr_denoise_strength(0) == 0);
    float prev = 2;
    for (int q = 1; q <= 100; q++) {
        float s = sr_denoise_strength(q);
        assert_true(s >= 0 && s <= 1 && s <= prev);
        assert_true(fabsf(s * 20 - roundf(s * 20)) < 1e-5f); /* steps of 0.05 */
        prev = s;
    }
    /* the fitted knots (docs/training.md), and linear between them */
    assert_true(sr_denoise_strength(30) == 1 && sr_denoise_strength(85) == 1);
    assert_true(fabsf(sr_denoise_strength(90) - 0.9f) < 1e-6f);
    assert_true(fabsf(sr_denoise_strength(93) - 0.65f) < 1e-6f); /* 0.9 - 3/5 x 0.4 = 0.66 */
    assert_true(fabsf(sr_denoise_strength(100) - 0.4f) < 1e-6f);
}

/* Two exports of one small network with different weights, as a clean model and its twin. */
static void write_pair(const char *dir, int twin_ok)
{
    sr__tnet n;
    assert_int_equal(sr__tnet_layout(2, 8, 1, &n, NULL), SR_OK);
    float *ta = malloc(n.nparam * sizeof(float)), *tb = malloc(n.nparam * sizeof(float));
    sr__tnet_init(&n, 1, ta);
    sr__tnet_init(&n, 2, tb);
    char *param;
    uint8_t *bin;
    size_t blen;
    char path[4200];
    for (int k = 0; k < 2; k++) {
        assert_int_equal(sr__tnet_export(&n, k ? tb : ta, &param, &bin, &blen, NULL), SR_OK);
        snprintf(path, sizeof path, "%s/m%s.bin", dir, k ? "-jpeg" : "");
        assert_int_equal(sr__write_atomic(path, bin, k && !twin_ok ? blen - 4 : blen, NULL), SR_OK);
        snprintf(path, sizeof path, "%s/m.param", dir);
        assert_int_equal(sr__write_atomic(path, param, strlen(param), NULL), SR_OK);
        free(param), free(bin);
    }
    free(ta), free(tb);
}

static void upscale(const sr_model *m, const sr_image *in, sr_image *out)
{
    sr_upscale_params up = sr_upscale_default_params();
    up.nthreads = 1;
    assert_int_equal(sr_upscale_image(m, &up, in, out, NULL), SR_OK);
}

static void test_denoise_blend(void **st)
{
    (void)st;
    char *dir = make_temp_dir(), path[4200];
    write_pair(dir, 1);
    snprintf(path, sizeof path, "%s/m.param", dir);
    sr_model *m, *b0, *b1, *bh, *twin;
    sr_error err;
    assert_int_equal(sr_model_load_files(path, NULL, NULL, &m, &err), SR_OK);
    assert_true(sr_model_has_denoise(m));
    char tp[4200];
    snprintf(tp, sizeof tp, "%s/m-jpeg.bin", dir);
    assert_int_equal(sr_model_load_files(path, tp, NULL, &twin, &err), SR_OK);
    assert_false(sr_model_has_denoise(twin)); /* an explicit .bin has no twin */
    assert_int_equal(sr_model_denoise(m, 0, &b0, &err), SR_OK);
    assert_int_equal(sr_model_denoise(m, 1, &b1, &err), SR_OK);
    assert_int_equal(sr_model_denoise(m, 0.5f, &bh, &err), SR_OK);
    assert_false(sr_model_has_denoise(bh));
    sr_image in = {0}, o[5] = {{0}};
    make_test_image(&in, 21, 17, 3, 4);
    upscale(m, &in, &o[0]);
    upscale(b0, &in, &o[1]);
    upscale(twin, &in, &o[2]);
    upscale(b1, &in, &o[3]);
    upscale(bh, &in, &o[4]);
    assert_true(same_image(&o[0], &o[1])); /* strength 0: the clean net, bit for bit */
    assert_true(same_image(&o[2], &o[3])); /* strength 1: the twin, bit for bit */
    assert_false(same_image(&o[4], &o[0]));
    assert_false(same_image(&o[4], &o[2]));
    /* runners made for m run its blends (same graph), and give the same bits */
    sr_net *net;
    sr_image r = {0};
    assert_int_equal(sr_net_create(m, 0, &net, NULL), SR_OK);
    assert_int_equal(sr_upscale_image_with(bh, &net, 1, NULL, &in, &r, NULL), SR_OK);
    assert_true(same_image(&r, &o[4]));
    sr_net_free(net);
    sr_image_free(&r);
    sr_model_free(bh);
    /* errors: out of range, no twin, a twin of another size */
    assert_int_equal(sr_model_denoise(m, 1.5f, &bh, &err), SR_E_INVALID);
    assert_int_equal(sr_model_denoise(twin, 0.5f, &bh, &err), SR_E_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "no JPEG-trained twin"));
    write_pair(dir, 0);
    sr_model *bad = NULL;
    assert_int_equal(sr_model_load_files(path, NULL, NULL, &bad, &err), SR_E_FORMAT);
    assert_null(bad);
    assert_non_null(strstr(err.msg, "m-jpeg.bin: the JPEG twin's weights do not match"));
    for (int i = 0; i < 5; i++)
        sr_image_free(&o[i]);
    sr_image_free(&in);
    sr_model_free(m), sr_model_free(b0), sr_model_free(b1), sr_model_free(twin);
    remove_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quality_estimate),   cmocka_unit_test(test_quality_hostile),
        cmocka_unit_test(test_encoder_matches_cjpeg), cmocka_unit_test(test_quality_16bit_tables),
        cmocka_unit_test(test_degradation_spec),
        cmocka_unit_test(test_degrade),            cmocka_unit_test(test_strength_mapping),
        cmocka_unit_test(test_denoise_blend),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
