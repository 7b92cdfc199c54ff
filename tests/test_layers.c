/* test_layers.c - each non-convolution layer on small known cases, and the resamplers against
 * a direct transcription of ncnn's formulas. */
#include "test_common.h"

#include <math.h>
#include <omp.h>
#include <string.h>

/* A layer as the model loader makes it: TYPE with NIN inputs of shapes ins and the parameters
 * of a .param line ("0=2 1=0"), its weights (fp32, untagged arrays) read from w. */
static sr__layer make(const char *type, int nin, const sr__shape *ins, const char *params,
                      const float *w, size_t nw)
{
    char text[512];
    snprintf(text, sizeof text, "7767517\n%d %d\nInput ia 0 1 a\n%s%s layer %d 1%s out %s\n",
             nin + 1, nin + 1, nin == 2 ? "Input ib 0 1 b\n" : "", type, nin,
             nin == 1 ? " a" : " a b", params);
    sr__param pp;
    sr_error e;
    sr_status s = sr__param_parse(text, strlen(text), &pp, &e);
    if (s)
        fail_msg("%s: %s", text, e.msg);
    sr__layer l = {.ops = sr__layer_find(type), .n_in = nin, .n_out = 1, .line = 3};
    snprintf(l.name, sizeof l.name, "layer");
    assert_non_null(l.ops);
    sr__bin bin = {(const uint8_t *)w, nw * sizeof(float), 0, 0};
    s = l.ops->load(&l, &pp.layers[nin], ins, &bin, &e);
    if (s)
        fail_msg("%s: %s", text, e.msg);
    assert_int_equal(bin.left, 0); /* it read exactly its weights */
    sr__param_free(&pp);
    return l;
}

static void forward(sr__layer *l, const float *const *in, const sr__shape *ins, float *out,
                    sr__shape *os)
{
    const sr__layer_ops *ops = l->ops;
    assert_int_equal(ops->shape(l, ins, os), 0);
    sr__ws_need need = ops->workspace ? ops->workspace(l, ins, os) : (sr__ws_need){0, 0};
    float *ws = calloc(need.shared + 1, sizeof(float)), *own = calloc(need.own + 1, sizeof(float));
    float *outs[1] = {out};
    const sr__run rc = {ws, own, 0, 1, 0, 0, NULL};
    ops->forward(l, in, ins, outs, os, &rc);
    free(ws), free(own);
}

static void test_pixelshuffle(void **state)
{
    (void)state;
    /* 4 channels of 1x2 -> 1 channel of 2x4 (mode 0, as PyTorch) */
    float in[8] = {0, 1, 10, 11, 20, 21, 30, 31}, out[8];
    sr__shape is = {.c = 4, .h = 1, .w = 2}, os;
    sr__layer l = make("PixelShuffle", 1, &is, "0=2", NULL, 0);
    const float *ins[1] = {in};
    forward(&l, ins, &is, out, &os);
    assert_int_equal(os.c, 1), assert_int_equal(os.h, 2), assert_int_equal(os.w, 4);
    const float want[8] = {0, 10, 1, 11, 20, 30, 21, 31};
    assert_memory_equal(out, want, sizeof want);
    /* mode 1: channel (sy*r+sx)*outc + c; with one output channel the order is the same */
    float in2[16], out2[16];
    for (int i = 0; i < 16; i++)
        in2[i] = (float)i; /* 8 channels of 1x2 -> 2 channels of 2x4 */
    sr__shape is2 = {.c = 8, .h = 1, .w = 2};
    sr__layer_free(&l);
    l = make("PixelShuffle", 1, &is2, "0=2 1=1", NULL, 0);
    ins[0] = in2;
    forward(&l, ins, &is2, out2, &os);
    /* output channel 1, row 0, col 1: sy=0, sx=1 -> input channel (0*2+1)*2+1 = 3, x=0 */
    assert_true(out2[8 + 1] == in2[3 * 2 + 0]);
    sr__layer_free(&l);
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
        sr__shape is = {.c = 2, .h = h, .w = w}, os;
        char p[64];
        snprintf(p, sizeof p, "0=3 1=%g 2=%g", scales[s], scales[s]);
        sr__layer l = make("Interp", 1, &is, p, NULL, 0);
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
        sr__layer_free(&l);
    }
}

static void test_interp_nearest_and_bilinear(void **state)
{
    (void)state;
    float in[6] = {1, 2, 3, 4, 5, 6}; /* 2 rows of 3 */
    sr__shape is = {.c = 1, .h = 2, .w = 3}, os;
    const float *ins[1] = {in};
    sr__layer l = make("Interp", 1, &is, "0=1 1=2.0 2=2.0", NULL, 0);
    float out[24];
    forward(&l, ins, &is, out, &os);
    const float want[24] = {1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3,
                            4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6};
    assert_memory_equal(out, want, sizeof want);
    sr__layer_free(&l);
    l = make("Interp", 1, &is, "0=2 1=2.0 2=2.0", NULL, 0);
    forward(&l, ins, &is, out, &os);
    sr__layer_free(&l);
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
    sr__shape s2 = {.c = 2, .h = 2, .w = 2}, sc = {.c = 2, .h = 1, .w = 1}, os;
    float out[16];
    const float *ab[2] = {a, b};
    sr__shape abs_[2] = {s2, s2};
    sr__layer l = make("BinaryOp", 2, abs_, "0=1", NULL, 0); /* sub */
    forward(&l, ab, abs_, out, &os);
    sr__layer_free(&l);
    assert_true(out[0] == 0 && out[1] == -3 && out[4] == 3 && out[7] == -10);
    const float *apc[2] = {a, pc}; /* per-channel broadcast of the second input */
    sr__shape apcs[2] = {s2, sc};
    l = make("BinaryOp", 2, apcs, "0=2", NULL, 0); /* mul */
    forward(&l, apc, apcs, out, &os);
    sr__layer_free(&l);
    assert_true(out[0] == 10 && out[3] == -40 && out[4] == 100 && out[7] == -160);
    const float *pca[2] = {pc, a}; /* and of the first */
    sr__shape pcas[2] = {sc, s2};
    l = make("BinaryOp", 2, pcas, "0=7", NULL, 0); /* rsub: b - a */
    forward(&l, pca, pcas, out, &os);
    sr__layer_free(&l);
    assert_true(out[0] == 1 - 10 && out[4] == 5 - 20);
    l = make("BinaryOp", 1, abs_, "0=0 1=1 2=0.5", NULL, 0); /* add scalar */
    forward(&l, ab, abs_, out, &os);
    sr__layer_free(&l);
    assert_true(out[1] == -1.5f);

    sr__layer e = make("Eltwise", 2, abs_, "0=1 -23301=2,2.0,-1.0", NULL, 0); /* 2a - b */
    forward(&e, ab, abs_, out, &os);
    sr__layer_free(&e);
    assert_true(out[0] == 1 && out[1] == -5 && out[4] == 8);
    e = make("Eltwise", 2, abs_, "0=2", NULL, 0); /* max */
    forward(&e, ab, abs_, out, &os);
    sr__layer_free(&e);
    assert_true(out[0] == 1 && out[1] == 1 && out[7] == 2);

    sr__layer cat = make("Concat", 2, abs_, "", NULL, 0);
    forward(&cat, ab, abs_, out, &os);
    sr__layer_free(&cat);
    assert_int_equal(os.c, 4);
    assert_memory_equal(out, a, sizeof a);
    assert_memory_equal(out + 8, b, sizeof b);

    sr__layer r = make("ReLU", 1, abs_, "0=0.1", NULL, 0);
    forward(&r, ab, abs_, out, &os);
    sr__layer_free(&r);
    assert_true(out[0] == 1 && fabsf(out[1] + 0.2f) < 1e-7f);
    float slopes[2] = {0.5f, 0.25f};
    sr__layer p = make("PReLU", 1, abs_, "0=2", slopes, 2);
    forward(&p, ab, abs_, out, &os);
    sr__layer_free(&p);
    assert_true(out[1] == -1 && out[5] == -1.5f && out[6] == 7);
}

/* The U-Net layers on hand-computed cases. */
/* A planar c x h x w blob in the given layout (kernels.h): a fresh buffer, ring zeroed. */
static float *in_layout(const float *planar, const sr__shape *s)
{
    size_t n = sr__floats(s);
    float *b = calloc(n, sizeof(float));
    for (int c = 0; c < s->c; c++)
        for (int y = 0; y < s->h; y++)
            for (int x = 0; x < s->w; x++)
                b[sr__at(s, c, x, y)] = planar[((size_t)c * s->h + y) * s->w + x];
    return b;
}

/* Concat, Eltwise and the equal-shape BinaryOp with each input and the output planar or
 * channel-blocked, one thread and two: the planar result's bits at every pixel, and a blocked
 * output's ring zeros over a NaN-filled buffer (whatever a runner's slot held). */
static void test_layers_in_either_layout(void **state)
{
    (void)state;
    const int w = 5, h = 3;
    const struct {
        const char *type, *params;
        int c0, c1;
    } cases[] = {
        {"Concat", "0=0", 16, 32},
        {"Concat", "0=0", 3, 13}, /* planar inputs (not whole groups) into a blocked output */
        {"Eltwise", "0=1 -23301=2,2.000000e-01,1.000000e+00", 16, 16},
        {"Eltwise", "0=2", 32, 32},
        {"BinaryOp", "0=0", 16, 16},
        {"BinaryOp", "0=2", 32, 32},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sr__shape ps[2] = {{.c = cases[i].c0, .h = h, .w = w}, {.c = cases[i].c1, .h = h, .w = w}};
        sr__layer l = make(cases[i].type, 2, ps, cases[i].params, NULL, 0);
        assert_int_equal(l.ops->blocked(&l, ps), SR_BLK_IN | SR_BLK_OUT | SR_BLK_ALIKE);
        float *a = malloc(sr__numel(&ps[0]) * sizeof(float));
        float *b = malloc(sr__numel(&ps[1]) * sizeof(float));
        fill_random(a, sr__numel(&ps[0]), 31 + (unsigned)i, -2.f, 2.f);
        fill_random(b, sr__numel(&ps[1]), 37 + (unsigned)i, -2.f, 2.f);
        const float *pin[2] = {a, b};
        sr__shape os;
        assert_int_equal(l.ops->shape(&l, ps, &os), 0);
        float *ref = malloc(sr__numel(&os) * sizeof(float));
        forward(&l, pin, ps, ref, &os);
        for (int mask = 1; mask < 8; mask++) {
            sr__shape s[2] = {ps[0], ps[1]}, o = os;
            s[0].blk = mask & 1 && s[0].c % 16 == 0, s[1].blk = mask & 2 && s[1].c % 16 == 0;
            o.blk = (mask & 4) != 0;
            float *bi[2] = {in_layout(a, &s[0]), in_layout(b, &s[1])};
            const float *bin[2] = {bi[0], bi[1]};
            size_t n = sr__floats(&o);
            float *out = malloc(n * sizeof(float));
            float *outs[1] = {out};
            for (int threads = 1; threads <= 2; threads++) {
                for (size_t j = 0; j < n; j++)
                    out[j] = NAN;
#pragma omp parallel num_threads(threads)
                {
                    const sr__run rc = {NULL, NULL, omp_get_thread_num(), omp_get_num_threads(), 0, 0, NULL};
                    l.ops->forward(&l, bin, s, outs, &o, &rc);
                }
                float *want = in_layout(ref, &o);
                if (memcmp(out, want, n * sizeof(float)))
                    fail_msg("%s %s, layouts %d, %d threads: not the planar result", cases[i].type,
                             cases[i].params, mask, threads);
                free(want);
            }
            free(bi[0]), free(bi[1]), free(out);
        }
        free(a), free(b), free(ref);
        sr__layer_free(&l);
    }
    /* a division would turn the ring's zeros into NaN: planar only */
    sr__shape ps[2] = {{.c = 16, .h = h, .w = w}, {.c = 16, .h = h, .w = w}};
    sr__layer d = make("BinaryOp", 2, ps, "0=3", NULL, 0);
    assert_int_equal(d.ops->blocked(&d, ps), 0);
    sr__layer_free(&d);
}

static void test_unet_layers(void **state)
{
    (void)state;
    float a[8] = {1, -2, 3, -4, 5, -6, 7, -8}, out[8];
    sr__shape s2 = {.c = 2, .h = 2, .w = 2}, os;
    const float *in[2] = {a, NULL};
    sr__layer l = make("Pooling", 1, &s2, "0=1 4=1", NULL, 0); /* global average */
    forward(&l, in, &s2, out, &os);
    assert_int_equal(os.c, 2), assert_int_equal(os.h, 1), assert_int_equal(os.w, 1);
    assert_true(out[0] == -0.5f && out[1] == -0.5f);
    assert_int_equal(l.ops->stats(&l, &s2), 2); /* its output is whole-image statistics */
    sr__layer_free(&l);
    l = make("Pooling", 1, &s2, "0=0 4=1", NULL, 0); /* global max */
    forward(&l, in, &s2, out, &os);
    assert_true(out[0] == 3 && out[1] == 7);
    assert_int_equal(l.ops->stats(&l, &s2), 0);
    sr__layer_free(&l);

    /* InnerProduct 2 -> 1 on a pooled blob: 0.5 x0 - 1 x1 + 0.25, then sigmoid (9=4); its
     * weights are a tagged array (4 zero bytes: fp32), the bias is not */
    float pooled[2] = {2, 1}, ipw[4] = {0, 0.5f, -1, 0.25f};
    sr__shape sp = {.c = 2, .h = 1, .w = 1};
    l = make("InnerProduct", 1, &sp, "0=1 1=1 2=2 9=4", ipw, 4);
    in[0] = pooled;
    forward(&l, in, &sp, out, &os);
    assert_int_equal(os.c, 1);
    assert_true(fabsf(out[0] - 1.f / (1.f + expf(-0.25f))) < 1e-7f);
    sr__layer_free(&l);

    /* Scale by a second blob (0=-233), then by its own factors and biases (0=2 1=1) */
    float k[2] = {10, -1};
    sr__shape ks[2] = {s2, sp};
    in[0] = a, in[1] = k;
    l = make("Scale", 2, ks, "0=-233", NULL, 0);
    forward(&l, in, ks, out, &os);
    assert_true(out[0] == 10 && out[3] == -40 && out[4] == -5 && out[7] == 8);
    sr__layer_free(&l);
    float kb[4] = {2, 3, 1, -1};
    l = make("Scale", 1, &s2, "0=2 1=1", kb, 4);
    forward(&l, in, &s2, out, &os);
    assert_true(out[0] == 3 && out[1] == -3 && out[4] == 14 && out[7] == -25);
    sr__layer_free(&l);

    /* Crop: a window by offset and size (0=1 1=1 3=1 4=1: x 1, y 1, 1x1), and to a second
     * blob's size at an offset */
    l = make("Crop", 1, &s2, "0=1 1=1 3=1 4=1", NULL, 0);
    forward(&l, in, &s2, out, &os);
    assert_int_equal(os.w, 1), assert_int_equal(os.h, 1), assert_int_equal(os.c, 2);
    assert_true(out[0] == -4 && out[1] == -8);
    long o[2] = {10, 20};
    l.ops->origin(&l, &s2, o); /* the window starts one pixel further into the image */
    assert_true(o[0] == 11 && o[1] == 21);
    sr__layer_free(&l);
    sr__shape ref[2] = {s2, {.c = 1, .h = 1, .w = 2}};
    l = make("Crop", 2, ref, "0=0 1=1", NULL, 0);
    forward(&l, in, ref, out, &os);
    assert_int_equal(os.w, 2), assert_int_equal(os.h, 1);
    assert_true(out[0] == 3 && out[1] == -4 && out[2] == 7 && out[3] == -8);
    sr__layer_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pixelshuffle),
        cmocka_unit_test(test_interp_bicubic_matches_ncnn),
        cmocka_unit_test(test_interp_nearest_and_bilinear),
        cmocka_unit_test(test_binary_eltwise_concat_relu),
        cmocka_unit_test(test_layers_in_either_layout),
        cmocka_unit_test(test_unet_layers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
