/* test_layers.c - each non-convolution layer on small known cases, and the resamplers against
 * a direct transcription of ncnn's formulas. */
#include "test_common.h"

#include <math.h>

static void forward(sr__layer *l, const float *const *in, const sr__shape *ins, float *out,
                    sr__shape *os)
{
    const sr__layer_ops *ops = sr__layer_ops_of(l->type);
    assert_int_equal(ops->shape(l, ins, os), 0);
    sr__ws_need need = ops->workspace(l, ins, os);
    float *ws = calloc(need.shared + 1, sizeof(float)), *own = calloc(need.own + 1, sizeof(float));
    float *outs[1] = {out};
    const sr__run rc = {ws, own, 0, 1, 0, 0};
    ops->forward(l, in, ins, outs, os, &rc);
    free(ws), free(own);
}

static void test_pixelshuffle(void **state)
{
    (void)state;
    /* 4 channels of 1x2 -> 1 channel of 2x4 (mode 0, as PyTorch) */
    float in[8] = {0, 1, 10, 11, 20, 21, 30, 31}, out[8];
    sr__shape is = {4, 1, 2}, os;
    sr__layer l = {.type = SR_L_PIXELSHUFFLE, .n_in = 1, .n_out = 1, .iparam = {2, 0}};
    const float *ins[1] = {in};
    forward(&l, ins, &is, out, &os);
    assert_int_equal(os.c, 1), assert_int_equal(os.h, 2), assert_int_equal(os.w, 4);
    const float want[8] = {0, 10, 1, 11, 20, 30, 21, 31};
    assert_memory_equal(out, want, sizeof want);
    /* mode 1: channel (sy*r+sx)*outc + c; with one output channel the order is the same */
    float in2[16], out2[16];
    for (int i = 0; i < 16; i++)
        in2[i] = (float)i; /* 8 channels of 1x2 -> 2 channels of 2x4 */
    sr__shape is2 = {8, 1, 2};
    l.iparam[1] = 1;
    ins[0] = in2;
    forward(&l, ins, &is2, out2, &os);
    /* output channel 1, row 0, col 1: sy=0, sx=1 -> input channel (0*2+1)*2+1 = 3, x=0 */
    assert_true(out2[8 + 1] == in2[3 * 2 + 0]);
}

/* ncnn's Interp coefficients, transcribed from its source (float position, folded edges). */
static void ncnn_cubic_row(int w, int outw, int *xofs, float *alpha)
{
    double scale = (double)w / outw;
    for (int dx = 0; dx < outw; dx++) {
        float fx = (float)((dx + 0.5) * scale - 0.5);
        int sx = (int)floor(fx);
        fx -= sx;
        const float A = -0.75f;
        float f0 = fx + 1, f1 = fx, f2 = 1 - fx;
        float *a = alpha + dx * 4;
        a[0] = A * f0 * f0 * f0 - 5 * A * f0 * f0 + 8 * A * f0 - 4 * A;
        a[1] = (A + 2) * f1 * f1 * f1 - (A + 3) * f1 * f1 + 1;
        a[2] = (A + 2) * f2 * f2 * f2 - (A + 3) * f2 * f2 + 1;
        a[3] = 1.f - a[0] - a[1] - a[2];
        xofs[dx] = sx;
    }
}

static float tap(const float *row, int w, int i)
{
    return row[i < 0 ? 0 : i >= w ? w - 1 : i];
}

static void test_interp_bicubic_matches_ncnn(void **state)
{
    (void)state;
    const float scales[] = {0.5f, 0.75f, 2.f, 4.f};
    for (int s = 0; s < 4; s++) {
        int w = 24, h = 20;
        float *in = malloc((size_t)2 * w * h * sizeof(float));
        fill_random(in, (size_t)2 * w * h, 3 + s, 0.f, 1.f);
        sr__layer l = {.type = SR_L_INTERP, .n_in = 1, .n_out = 1, .iparam = {3}};
        l.ratio.num = (long)(scales[s] * 4), l.ratio.den = 4;
        sr__shape is = {2, h, w}, os;
        int ow = (int)(w * scales[s]), oh = (int)(h * scales[s]);
        float *out = malloc((size_t)2 * ow * oh * sizeof(float));
        const float *ins[1] = {in};
        forward(&l, ins, &is, out, &os);
        assert_int_equal(os.w, ow), assert_int_equal(os.h, oh);
        int *xo = malloc(ow * sizeof(int)), *yo = malloc(oh * sizeof(int));
        float *xa = malloc(ow * 4 * sizeof(float)), *ya = malloc(oh * 4 * sizeof(float));
        ncnn_cubic_row(w, ow, xo, xa);
        ncnn_cubic_row(h, oh, yo, ya);
        double worst = 0;
        for (int c = 0; c < 2; c++)
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++) {
                    double v = 0;
                    for (int j = 0; j < 4; j++) {
                        const float *row = in + ((size_t)c * h + (yo[y] - 1 + j < 0 ? 0 : yo[y] - 1 + j >= h ? h - 1 : yo[y] - 1 + j)) * w;
                        double hv = 0;
                        for (int i = 0; i < 4; i++)
                            hv += xa[x * 4 + i] * tap(row, w, xo[x] - 1 + i);
                        v += ya[y * 4 + j] * hv;
                    }
                    worst = fmax(worst, fabs(v - out[((size_t)c * oh + y) * ow + x]));
                }
        /* ncnn rounds the phase to float; srgan computes it exactly: a few ulp of [0,1]. */
        if (worst > 1e-5)
            fail_msg("scale %g: max difference %g from ncnn's formula", scales[s], worst);
        free(in), free(out), free(xo), free(yo), free(xa), free(ya);
    }
}

static void test_interp_nearest_and_bilinear(void **state)
{
    (void)state;
    float in[6] = {1, 2, 3, 4, 5, 6}; /* 2 rows of 3 */
    sr__shape is = {1, 2, 3}, os;
    const float *ins[1] = {in};
    sr__layer l = {.type = SR_L_INTERP, .n_in = 1, .n_out = 1, .iparam = {1}, .ratio = {2, 1}};
    float out[24];
    forward(&l, ins, &is, out, &os);
    const float want[24] = {1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3,
                            4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6};
    assert_memory_equal(out, want, sizeof want);
    l.iparam[0] = 2;
    forward(&l, ins, &is, out, &os);
    /* half-pixel bilinear: output x=1 samples 0.25 between columns 0 and 1 -> 1.25 on row 0;
     * output y=0 clamps to row 0, y=1 samples row 0.25 -> 1.25 + 0.75 */
    assert_true(fabsf(out[0] - 1.f) < 1e-6f);
    assert_true(fabsf(out[1] - 1.25f) < 1e-6f);
    assert_true(fabsf(out[5] - 3.f) < 1e-6f);
    assert_true(fabsf(out[6 + 1] - 2.f) < 1e-6f);
}

static void test_binary_eltwise_concat_relu(void **state)
{
    (void)state;
    float a[8] = {1, -2, 3, -4, 5, -6, 7, -8}, b[8] = {1, 1, 1, 1, 2, 2, 2, 2}, pc[2] = {10, 20};
    sr__shape s2 = {2, 2, 2}, sc = {2, 1, 1}, os;
    float out[16];
    sr__layer l = {.type = SR_L_BINARYOP, .n_in = 2, .n_out = 1, .iparam = {1 /* sub */}};
    const float *ab[2] = {a, b};
    sr__shape abs_[2] = {s2, s2};
    forward(&l, ab, abs_, out, &os);
    assert_true(out[0] == 0 && out[1] == -3 && out[4] == 3 && out[7] == -10);
    const float *apc[2] = {a, pc}; /* per-channel broadcast of the second input */
    sr__shape apcs[2] = {s2, sc};
    l.iparam[0] = 2; /* mul */
    forward(&l, apc, apcs, out, &os);
    assert_true(out[0] == 10 && out[3] == -40 && out[4] == 100 && out[7] == -160);
    const float *pca[2] = {pc, a}; /* and of the first */
    sr__shape pcas[2] = {sc, s2};
    l.iparam[0] = 7; /* rsub: b - a */
    forward(&l, pca, pcas, out, &os);
    assert_true(out[0] == 1 - 10 && out[4] == 5 - 20);
    l.iparam[0] = 0, l.iparam[1] = 1, l.n_in = 1, l.fparam[0] = 0.5f; /* add scalar */
    forward(&l, ab, abs_, out, &os);
    assert_true(out[1] == -1.5f);

    float co[2] = {2, -1};
    sr__layer e = {.type = SR_L_ELTWISE, .n_in = 2, .n_out = 1, .iparam = {1}, .data = co, .ndata = 2};
    forward(&e, ab, abs_, out, &os);
    assert_true(out[0] == 1 && out[1] == -5 && out[4] == 8);
    e.iparam[0] = 2, e.ndata = 0;
    forward(&e, ab, abs_, out, &os);
    assert_true(out[0] == 1 && out[1] == 1 && out[7] == 2);

    sr__layer cat = {.type = SR_L_CONCAT, .n_in = 2, .n_out = 1};
    forward(&cat, ab, abs_, out, &os);
    assert_int_equal(os.c, 4);
    assert_memory_equal(out, a, sizeof a);
    assert_memory_equal(out + 8, b, sizeof b);

    sr__layer r = {.type = SR_L_RELU, .n_in = 1, .n_out = 1, .fparam = {0.1f}};
    forward(&r, ab, abs_, out, &os);
    assert_true(out[0] == 1 && fabsf(out[1] + 0.2f) < 1e-7f);
    float slopes[2] = {0.5f, 0.25f};
    sr__layer p = {.type = SR_L_PRELU, .n_in = 1, .n_out = 1, .data = slopes, .ndata = 2};
    forward(&p, ab, abs_, out, &os);
    assert_true(out[1] == -1 && out[5] == -1.5f && out[6] == 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pixelshuffle),
        cmocka_unit_test(test_interp_bicubic_matches_ncnn),
        cmocka_unit_test(test_interp_nearest_and_bilinear),
        cmocka_unit_test(test_binary_eltwise_concat_relu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
