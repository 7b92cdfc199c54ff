/* test_quality.c - the measuring tools: imresize against MATLAB's numbers (computed with the
 * numpy reference ../shared/data/imresize.py), and PSNR/SSIM against a BasicSR-style numpy
 * implementation, on small generated images. */
#include "test_common.h"

#include <math.h>

/* The same generated pattern the numpy side used: byte i = (37 i + 13 ((i*i) mod 11) + seed). */
static sr_image pattern(int w, int h, int c, int seed)
{
    sr_image img = {0};
    assert_int_equal(sr_image_alloc(&img, w, h, c, NULL), SR_OK);
    for (long i = 0; i < (long)w * h * c; i++)
        img.data[i] = (uint8_t)((i * 37 + (i * i) % 11 * 13 + seed) & 255);
    return img;
}

static const uint8_t down2[] = {78,  79,  118, 112, 115, 146, 179, 136, 130, 196, 68,  76,
                                112, 123, 78,  119, 156, 106, 126, 167, 81,  195, 121, 67,
                                126, 184, 172, 109, 159, 164, 75,  82,  110, 79,  35,  65};

static void test_downscale_matches_matlab(void **state)
{
    (void)state;
    sr_image a = pattern(7, 5, 3, 0), d = {0};
    assert_int_equal(sr_image_downscale(&a, 2, &d, NULL), SR_OK);
    assert_int_equal(d.w, 4); /* ceil(7 / 2), as MATLAB */
    assert_int_equal(d.h, 3);
    assert_memory_equal(d.data, down2, sizeof down2);
    sr_image_free(&a);
    sr_image_free(&d);
}

static void test_upscale_matches_matlab(void **state)
{
    (void)state;
    /* First and last rows of imresize(down2, [9 12]). */
    static const uint8_t first[] = {70,  70,  119, 74,  74,  122, 82,  84,  131, 95,  98,  143,
                                    111, 110, 150, 135, 122, 150, 164, 133, 145, 185, 133, 135,
                                    194, 113, 117, 196, 84,  94,  196, 62,  77,  197, 54,  71};
    static const uint8_t last[] = {130, 194, 184, 128, 191, 182, 123, 185, 181, 117, 175, 178,
                                   108, 159, 170, 95,  133, 154, 80,  101, 133, 69,  73,  113,
                                   66,  52,  95,  66,  36,  77,  66,  25,  65,  66,  20,  59};
    sr_image d = {.w = 4, .h = 3, .c = 3, .data = (uint8_t *)down2}, u = {0};
    assert_int_equal(sr_image_imresize(&d, 12, 9, &u, NULL), SR_OK);
    assert_memory_equal(u.data, first, sizeof first);
    assert_memory_equal(u.data + 8 * 36, last, sizeof last);
    sr_image_free(&u);
}

static void test_resize_identity_and_errors(void **state)
{
    (void)state;
    sr_image a = pattern(9, 6, 1, 3), b = {0};
    sr_error err;
    assert_int_equal(sr_image_downscale(&a, 1, &b, NULL), SR_OK);
    assert_memory_equal(a.data, b.data, 54);
    sr_image_free(&b);
    assert_int_equal(sr_image_downscale(&a, 0, &b, &err), SR_E_INVALID);
    assert_string_equal(err.msg, "downscale: bad factor 0");
    sr_image_free(&a);
}

static void test_quality_matches_basicsr(void **state)
{
    (void)state;
    sr_image p = pattern(24, 20, 3, 5), q = pattern(24, 20, 3, 5);
    for (int i = 0; i < 24 * 20 * 3; i++) {
        int v = p.data[i] + i % 7 - 3;
        q.data[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
    sr_quality r;
    assert_int_equal(sr_image_quality(&p, &q, 2, &r, NULL), SR_OK);
    assert_true(fabs(r.psnr - 46.0464986112) < 1e-8);
    assert_true(fabs(r.ssim - 0.9996627052) < 1e-8);
    assert_int_equal(sr_image_quality(&p, &p, 2, &r, NULL), SR_OK);
    assert_true(isinf(r.psnr) && r.psnr > 0);
    assert_true(fabs(r.ssim - 1) < 1e-12);
    sr_image_free(&p);
    sr_image_free(&q);
}

static void test_quality_gray_and_errors(void **state)
{
    (void)state;
    sr_image a = pattern(16, 16, 1, 0), b = pattern(16, 16, 1, 0), c = pattern(15, 16, 1, 0);
    for (int i = 0; i < 256; i++)
        b.data[i] = a.data[i] == 255 ? 254 : a.data[i] + 1; /* every pixel off by one */
    sr_quality r;
    sr_error err;
    assert_int_equal(sr_image_quality(&a, &b, 0, &r, NULL), SR_OK);
    assert_true(fabs(r.psnr - 10 * log10(255.0 * 255.0)) < 1e-9); /* MSE 1 */
    assert_int_equal(sr_image_quality(&a, &c, 0, &r, &err), SR_E_INVALID);
    assert_string_equal(err.msg, "images differ in size: 16x16 and 15x16");
    assert_int_equal(sr_image_quality(&a, &b, 3, &r, &err), SR_E_INVALID);
    assert_string_equal(err.msg,
                        "16x16 is too small to score with a 3-pixel border (needs 11 x 11 inside)");
    sr_image_free(&a);
    sr_image_free(&b);
    sr_image_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_downscale_matches_matlab),
        cmocka_unit_test(test_upscale_matches_matlab),
        cmocka_unit_test(test_resize_identity_and_errors),
        cmocka_unit_test(test_quality_matches_basicsr),
        cmocka_unit_test(test_quality_gray_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
