/* test_model.c - loading: a small model built here, the embedded models, the shared models, and
 * each kind of corrupt model with its message. */
#include "test_common.h"

#include <math.h>

/* conv 3->4 (3x3, bias) + PReLU, conv 4->12, PixelShuffle 2, plus a nearest 2x of the input. */
static const char *tiny_param =
    "7767517\n8 9\n"
    "Input in 0 1 data\n"
    "Split sp 1 2 data x0 x1\n"
    "Convolution c1 1 1 x0 a 0=4 1=3 4=1 5=1 6=108\n"
    "PReLU p1 1 1 a b 0=4\n"
    "Convolution c2 1 1 b c 0=12 1=3 4=1 5=1 6=432\n"
    "PixelShuffle ps 1 1 c d 0=2\n"
    "Interp up 1 1 x1 e 0=1 1=2.0 2=2.0\n"
    "BinaryOp add 2 1 d e output 0=0\n";

typedef struct {
    uint8_t *p;
    size_t n;
} bytes;

static void put(bytes *b, const void *d, size_t n)
{
    b->p = realloc(b->p, b->n + n);
    memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void put_floats(bytes *b, int n, int tagged, int fp16, unsigned seed)
{
    uint32_t tag = fp16 ? 0x01306B47u : 0;
    if (tagged)
        put(b, &tag, 4);
    for (int i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        float f = ((seed >> 9) / 8388608.f - 0.5f) * 0.25f;
        if (fp16) {
            uint16_t h = (uint16_t)(0x3000 + (seed >> 22)); /* small positive halves */
            put(b, &h, 2);
        } else {
            put(b, &f, 4);
        }
    }
    if (fp16 && tagged && (n & 1)) {
        uint16_t z = 0;
        put(b, &z, 2);
    }
}

static bytes tiny_bin(int fp16)
{
    bytes b = {0};
    put_floats(&b, 108, 1, fp16, 1);
    put_floats(&b, 4, 0, 0, 2);
    put_floats(&b, 4, 0, 0, 3);
    put_floats(&b, 432, 1, fp16, 4);
    put_floats(&b, 12, 0, 0, 5);
    return b;
}

static void test_loads_tiny_model(void **state)
{
    (void)state;
    for (int fp16 = 0; fp16 < 2; fp16++) {
        bytes b = tiny_bin(fp16);
        sr_model *m;
        sr_error e;
        sr_status s = sr_model_load_memory(tiny_param, strlen(tiny_param), b.p, b.n, "tiny", NULL, &m, &e);
        if (s)
            fail_msg("%s", e.msg);
        assert_int_equal(sr_model_scale(m), 2);
        /* two 3x3 convs: radius 2 input pixels; the nearest branch needs less */
        assert_int_equal(sr_model_halo(m), 2);
        assert_int_equal(sr_model_alignment(m), 1);
        /* the PReLU is fused into c1, the add into up, which reads c2's output unshuffled */
        assert_int_equal(m->nlayers, 5);
        assert_int_equal(sr__layer_conv(&m->layers[2])->act, SR_ACT_PRELU);
        assert_int_equal(m->layers[4].n_in, 2);
        assert_int_equal(m->layers[4].in[1], m->layers[3].out[0]);
        assert_int_equal(m->layers[4].out[0], m->output_blob);
        assert_true(sr_model_flops(m, 10, 10) == 2.0 * (108 + 432) * 100);
        sr_model_free(m);
        free(b.p);
    }
}

static void test_half_conversion(void **state)
{
    (void)state;
    assert_true(sr__half_to_float(0x3c00) == 1.f);
    assert_true(sr__half_to_float(0xc000) == -2.f);
    assert_true(sr__half_to_float(0x3555) == 0.333251953125f);
    assert_true(sr__half_to_float(0x0001) == 5.9604644775390625e-8f); /* smallest subnormal */
    assert_true(sr__half_to_float(0x7bff) == 65504.f);
    assert_true(sr__half_to_float(0x7c00) > 1e38f);
    assert_true(sr__half_to_float(0x8000) == 0.f);
}

static void expect_fail(const char *param, const void *bin, size_t n, sr_status want,
                        const char *msg)
{
    sr_model *m = (sr_model *)1;
    sr_error e = {0};
    sr_status s = sr_model_load_memory(param, strlen(param), bin, n, "bad", NULL, &m, &e);
    if (s != want || !strstr(e.msg, msg) || m != NULL)
        fail_msg("status %d (want %d), message '%s', expected '%s'", s, want, e.msg, msg);
}

static char *replace(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    assert_non_null(at);
    char *r = malloc(strlen(s) + strlen(to) + 1);
    memcpy(r, s, (size_t)(at - s));
    strcpy(r + (at - s), to);
    strcat(r, at + strlen(from));
    return r;
}

/* The whole tiny net's floats on a w x h input. */
static float *run_tiny(const char *param, int w, int h, int *nlayers)
{
    bytes b = tiny_bin(0);
    sr_model *m;
    sr_net *net;
    sr_error e;
    sr_status s = sr_model_load_memory(param, strlen(param), b.p, b.n, "tiny", NULL, &m, &e);
    if (!s)
        s = sr_net_create(m, 16, &net, &e);
    if (s)
        fail_msg("%s", e.msg);
    *nlayers = m->nlayers;
    float *x = sr__net_input(net);
    for (int i = 0; i < 3 * w * h; i++)
        x[i] = (float)((i * 37 % 101) / 101.0);
    const float *y;
    sr__shape os;
    const sr__pass alone = {0, 1, sr__net_own(net), SR_STATS_OWN, NULL};
    assert_int_equal(sr__net_forward(net, &alone, w, h, 0, 0, &y, &os, &e), SR_OK);
    assert_int_equal(os.c * os.w * os.h, 12 * w * h);
    float *copy = malloc(12 * (size_t)w * h * sizeof(float));
    memcpy(copy, y, 12 * (size_t)w * h * sizeof(float));
    sr_net_free(net);
    sr_model_free(m);
    free(b.p);
    return copy;
}

/* An add after an Interp folds into it, and the PixelShuffle that made the add's other input
 * is done as the Interp reads it (two passes and two full-size buffers fewer), with the same
 * bits as both run alone: the same graph with the Interp moved up, so that the add follows the
 * PixelShuffle and nothing folds, computes identical floats; nearest and bilinear, both
 * PixelShuffle channel orders. */
static void test_add_folds_into_interp(void **state)
{
    (void)state;
    for (int v = 0; v < 4; v++) {
        char *typed = replace(tiny_param, "0=1 1=2.0", v & 1 ? "0=2 1=2.0" : "0=1 1=2.0");
        char *param = replace(typed, "c d 0=2", v & 2 ? "c d 0=2 1=1" : "c d 0=2");
        const char *up = strstr(param, "Interp"), *ps = strstr(param, "PixelShuffle");
        size_t n_ps = (size_t)(up - ps), n_up = (size_t)(strstr(up, "\n") + 1 - up);
        char *moved = strdup(param); /* the Interp line first, then the PixelShuffle's */
        memcpy(moved + (ps - param), up, n_up);
        memcpy(moved + (ps - param) + n_up, ps, n_ps);
        int nf, nu;
        float *fused = run_tiny(param, 13, 9, &nf), *alone = run_tiny(moved, 13, 9, &nu);
        assert_int_equal(nf, 5);
        assert_int_equal(nu, 7);
        assert_memory_equal(fused, alone, 12 * 13 * 9 * sizeof(float));
        free(fused), free(alone), free(param), free(moved), free(typed);
    }
}

static void test_rejects_corrupt_models(void **state)
{
    (void)state;
    bytes b = tiny_bin(0);
    /* truncated .bin, at every interesting cut */
    expect_fail(tiny_param, b.p, b.n - 1, SR_E_FORMAT, "truncated");
    expect_fail(tiny_param, b.p, 2, SR_E_FORMAT, "truncated at the weights of layer c1");
    expect_fail(tiny_param, b.p, 300, SR_E_FORMAT, "truncated in the weights of layer c1");
    expect_fail(tiny_param, b.p, 0, SR_E_FORMAT, "truncated");
    /* .bin longer than the graph needs */
    bytes longer = {0};
    put(&longer, b.p, b.n);
    put(&longer, "xxxx", 4);
    expect_fail(tiny_param, longer.p, longer.n, SR_E_FORMAT, "4 bytes left over");
    /* unknown storage tag */
    bytes tagged = {0};
    put(&tagged, b.p, b.n);
    uint32_t int8 = 0x000D4B38u;
    memcpy(tagged.p, &int8, 4);
    expect_fail(tiny_param, tagged.p, tagged.n, SR_E_UNSUPPORTED, "tag 0x000d4b38");
    /* one edit of the good graph each, and the message it must produce */
    static const struct {
        const char *from, *to;
        sr_status status;
        const char *msg;
    } edits[] = {
        {"7767517", "7767518", SR_E_FORMAT, "bad magic"},
        {"x1 e", "nowhere e", SR_E_FORMAT, "line 9: layer up: input blob 'nowhere' is not produced"},
        {"6=432", "6=431", SR_E_FORMAT, "line 7: Convolution c2: weight_data_size 431"},
        {"PixelShuffle ps", "Swish ps", SR_E_UNSUPPORTED,
         "line 8: layer ps: type Swish is not supported"},
        {"0=12 1=3", "0=12 7=2 1=3", SR_E_UNSUPPORTED,
         "line 7: layer c2 (Convolution): parameter 7 is not supported"},
        {"0=1 1=2.0", "0=1 6=1 1=2.0", SR_E_UNSUPPORTED, "align_corner"},
        {"4=1 5=1 6=432", "4=0 5=1 6=432", SR_E_FORMAT,
         "line 10: layer add: inputs of incompatible shapes"},
        {"0=4\n", "0=5\n", SR_E_FORMAT, "5 slopes for 4 channels"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        char *p = replace(tiny_param, edits[i].from, edits[i].to);
        expect_fail(p, b.p, b.n, edits[i].status, edits[i].msg);
        free(p);
    }
    free(b.p), free(longer.p), free(tagged.p);
}

static void test_embedded_models(void **state)
{
    (void)state;
    sr_embedded_model e;
    int n = 0, seen[17] = {0};
    for (int i = 0; sr_embedded_get(i, &e); i++, n++) {
        sr_model *m;
        sr_error err;
        assert_int_equal(sr_model_load_embedded(e.name, NULL, &m, &err), SR_OK);
        assert_int_equal(sr_model_scale(m), e.scale);
        assert_string_equal(sr_model_name(m), e.name);
        /* srgan's own: no border (the "srgan" family, from the Input layer's name); Real-ESRGAN's
         * its program's 10 reflected pixels */
        int ours = !strncmp(e.name, "srgan-photo-", 12);
        assert_string_equal(sr_model_family(m), ours ? "srgan" : "realesrgan");
        assert_int_equal(sr_model_prepad(m), ours ? 0 : 10);
        if (!seen[e.scale]++) /* the first of each scale is the default, and it is srgan's own */
            assert_string_equal(sr_embedded_default(e.scale), e.name);
        assert_int_equal(!strncmp(e.name, "srgan-photo-", 12), !strcmp(e.licence, "MIT"));
        sr_model_free(m);
    }
    assert_true(seen[2] && seen[3] && seen[4]);
    assert_true(!strncmp(sr_embedded_default(2), "srgan-photo-x2", 14));
    sr_model *m;
    sr_error err;
    /* a named family overrides the Input layer's name, both ways */
    sr_model_params p = sr_model_default_params();
    p.family = "realesrgan";
    assert_int_equal(sr_model_load_embedded("srgan-photo-x2", &p, &m, &err), SR_OK);
    assert_int_equal(sr_model_prepad(m), 10);
    sr_model_free(m);
    bytes b = tiny_bin(0);
    char *ours = replace(tiny_param, "Input in ", "Input srgan ");
    for (int named = 0; named < 2; named++) {
        p.family = named ? "srgan" : NULL;
        assert_int_equal(sr_model_load_memory(tiny_param, strlen(tiny_param), b.p, b.n, "t", &p,
                                              &m, &err), SR_OK);
        assert_string_equal(sr_model_family(m), named ? "srgan" : "realesrgan");
        sr_model_free(m);
        p.family = NULL;
        assert_int_equal(sr_model_load_memory(ours, strlen(ours), b.p, b.n, "t", &p, &m, &err),
                         SR_OK);
        assert_int_equal(sr_model_prepad(m), 0);
        sr_model_free(m);
    }
    free(ours), free(b.p);
    assert_int_equal(sr_model_load_embedded("nope", NULL, &m, &err), SR_E_INVALID);
    assert_non_null(strstr(err.msg, "nope: no embedded model"));
}

static void test_shared_models(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        int scale;
    } cases[] = {
        {"models/realesrgan/realesr-animevideov3-x2.param", 2},
        {"models/realesrgan/realesr-animevideov3-x3.param", 3},
        {"models/realesrgan/realesr-animevideov3-x4.param", 4},
        {"models/realesrgan/realesrgan-x4fast.param", 4},
        {"models/realesrgan/realesrgan-x4plus.param", 4},
        {"models/realesrgan/realesrgan-x4plus-anime.param", 4},
        {"models/waifu2x/upconv_7-scale2x.param", 2},
        {"models/waifu2x/cunet-noise0-scale2x.param", 2},
        {"models/realcugan/up2x-conservative.param", 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *path = shared_path(cases[i].file);
        sr_model *m;
        sr_error e;
        if (sr_model_load_files(path, NULL, NULL, &m, &e))
            fail_msg("%s", e.msg);
        assert_int_equal(sr_model_scale(m), cases[i].scale);
        sr_model_free(m);
    }
    /* The family is a load parameter: detected from the graph unless named, never guessed from
     * a file name; an unknown one is refused; bf16 only where the CPU has it. */
    {
        const char *cugan = shared_path("models/realcugan/up2x-conservative.param");
        sr_model_params p = sr_model_default_params();
        sr_model *m;
        sr_error e;
        assert_int_equal(sr_model_load_files(cugan, NULL, &p, &m, &e), SR_OK);
        assert_string_equal(sr_model_family(m), "waifu2x");
        assert_int_equal(sr_model_default_tile(m), SR_DEFAULT_TILE);
        sr_model_free(m);
        p.family = "realcugan";
        assert_int_equal(sr_model_load_files(cugan, NULL, &p, &m, &e), SR_OK);
        assert_string_equal(sr_model_family(m), "realcugan");
        assert_int_equal(sr_model_default_tile(m), 400);
        sr_model_free(m);
        p.family = "nope";
        assert_int_equal(sr_model_load_files(cugan, NULL, &p, &m, &e), SR_E_INVALID);
        assert_null(m);
        assert_non_null(strstr(e.msg, "unknown model family 'nope'"));
        p.family = NULL;
        p.precision = SR_PRECISION_BF16;
        sr_status s = sr_model_load_embedded("srgan-photo-x2", &p, &m, &e);
        if (sr_precision_available(SR_PRECISION_BF16)) {
            assert_int_equal(s, SR_OK);
            assert_int_equal(sr_model_precision(m), SR_PRECISION_BF16);
            sr_model_free(m);
        } else {
            assert_int_equal(s, SR_E_UNSUPPORTED);
            assert_non_null(strstr(e.msg, "AVX512_BF16"));
        }
    }
    sr_model *m;
    sr_error e;
    assert_int_equal(sr_model_load_files("/nonexistent/x.param", NULL, NULL, &m, &e), SR_E_IO);
    assert_non_null(strstr(e.msg, "/nonexistent/x.param: No such file"));
    assert_int_equal(sr_model_load_files("/tmp/x.txt", NULL, NULL, &m, &e), SR_E_INVALID);
}

/* Three concatenations of one blob: k1 = [a, b] and k3 = [k1, k2] have their inputs placed in
 * their outputs' buffer (slots.c); k2 = [a, c] would put c where b is, so it copies. The
 * output is the reference convolutions' on [a, b, a, c] either way. */
static const char *concat_param =
    "7767517\n9 12\n"
    "Input in 0 1 data\n"
    "Convolution c0 1 1 data a 0=16 1=3 4=1 5=1 6=432\n"
    "Split s 1 4 a a0 a1 a2 a3\n"
    "Convolution c1 1 1 a0 b 0=16 1=3 4=1 5=1 6=2304\n"
    "Convolution c2 1 1 a1 c 0=16 1=3 4=1 5=1 6=2304\n"
    "Concat k1 2 1 a2 b ab\n"
    "Concat k2 2 1 a3 c ac\n"
    "Concat k3 2 1 ab ac abac\n"
    "Convolution c3 1 1 abac output 0=3 1=3 4=1 5=1 6=1728\n";

static int layer_named(const sr_model *m, const char *name)
{
    for (int i = 0; i < m->nlayers; i++)
        if (!strcmp(m->layers[i].name, name))
            return i;
    fail_msg("no layer %s", name);
    return -1;
}

/* Whether Concat layer i's inputs sit in its output, one after another. */
static int in_place(const sr_model *m, const sr__slots *p, int i)
{
    const sr__layer *l = &m->layers[i];
    int at = p->choff[l->out[0]], same = 1;
    for (int k = 0; k < l->n_in; k++) {
        same &= p->slot[l->in[k]] == p->slot[l->out[0]] && p->choff[l->in[k]] == at;
        at += m->blob_c[l->in[k]];
    }
    return same;
}

/* Layer k (0..3) of the concat model as a planar 3x3 "same" convolution with the weights the
 * test wrote into b (the loaded model keeps only its packed copy). */
static sr__conv concat_layer(const bytes *b, int k)
{
    static const int cin[4] = {3, 16, 16, 64}, cout[4] = {16, 16, 16, 3};
    size_t at = 0;
    for (int j = 0; j < k; j++) /* tag, weights, bias */
        at += 4 + 4 * (size_t)cin[j] * cout[j] * 9 + 4 * (size_t)cout[j];
    sr__conv c = {.cin = cin[k], .cout = cout[k], .kw = 3, .kh = 3, .dw = 1, .dh = 1, .sw = 1,
                  .sh = 1, .pl = 1, .pr = 1, .pt = 1, .pb = 1};
    size_t nw = (size_t)c.cin * c.cout * 9;
    c.weight = malloc(nw * sizeof(float));
    c.bias = malloc((size_t)c.cout * sizeof(float));
    memcpy(c.weight, b->p + at + 4, nw * sizeof(float));
    memcpy(c.bias, b->p + at + 4 + nw * sizeof(float), (size_t)c.cout * sizeof(float));
    return c;
}

/* The .bin of n convolutions: layer k's wn[k] weights (tagged fp32) and bn[k] biases. */
static bytes conv_bin(const int *wn, const int *bn, int n, unsigned seed)
{
    bytes b = {0};
    for (int k = 0; k < n; k++) {
        put_floats(&b, wn[k], 1, 0, seed + (unsigned)k);
        put_floats(&b, bn[k], 0, 0, seed + 10 + (unsigned)k);
    }
    return b;
}

static void test_concat_in_place(void **state)
{
    (void)state;
    const int wn[4] = {432, 2304, 2304, 1728}, bn[4] = {16, 16, 16, 3};
    bytes b = conv_bin(wn, bn, 4, 11);
    sr_model *m = NULL;
    sr_net *net = NULL;
    sr_error e;
    if (sr_model_load_memory(concat_param, strlen(concat_param), b.p, b.n, "cat", NULL, &m, &e) ||
        sr_net_create(m, 16, &net, &e))
        fail_msg("%s", e.msg);
    const int w = 13, h = 9;
    sr__shape *sh = calloc((size_t)m->nblobs, sizeof *sh);
    assert_int_equal(sr__model_shapes(m, w, h, sh), 0);
    sr__slots p;
    assert_int_equal(sr__plan_slots(m, sh, &p, NULL), SR_OK);
    for (int k = 0; k < 4; k++) { /* packed: the file's copy is not kept */
        char name[3] = {'c', (char)('0' + k), 0};
        assert_null(sr__layer_conv(&m->layers[layer_named(m, name)])->weight);
    }
    assert_true(in_place(m, &p, layer_named(m, "k1")));
    assert_false(in_place(m, &p, layer_named(m, "k2")));
    assert_true(in_place(m, &p, layer_named(m, "k3")));
    sr__slots_free(&p);
    /* the pass against the reference convolutions, planar, on [a, b, a, c] */
    float *x = sr__net_input(net);
    fill_random(x, 3 * (size_t)w * h, 5, 0.f, 1.f);
    size_t pl = (size_t)w * h;
    float *a = malloc(16 * pl * sizeof(float)), *cat = malloc(64 * pl * sizeof(float));
    float *ref = malloc(3 * pl * sizeof(float));
    sr__conv c[4];
    for (int k = 0; k < 4; k++)
        c[k] = concat_layer(&b, k);
    sr__conv_reference(&c[0], x, w, h, a, w, h);
    memcpy(cat, a, 16 * pl * sizeof(float));
    memcpy(cat + 32 * pl, a, 16 * pl * sizeof(float));
    sr__conv_reference(&c[1], a, w, h, cat + 16 * pl, w, h);
    sr__conv_reference(&c[2], a, w, h, cat + 48 * pl, w, h);
    sr__conv_reference(&c[3], cat, w, h, ref, w, h);
    for (int k = 0; k < 4; k++)
        free(c[k].weight), free(c[k].bias);
    const float *y;
    sr__shape os;
    const sr__pass alone = {0, 1, sr__net_own(net), SR_STATS_OWN, NULL};
    assert_int_equal(sr__net_forward(net, &alone, w, h, 0, 0, &y, &os, &e), SR_OK);
    for (size_t i = 0; i < 3 * pl; i++)
        if (fabsf(y[i] - ref[i]) > 1e-4f)
            fail_msg("output %zu: %g, the reference %g", i, y[i], ref[i]);
    free(a), free(cat), free(ref), free(sh), free(b.p);
    sr_net_free(net);
    sr_model_free(m);
}

/* A 1x1 and a narrow 3x3 convolution (16 channels: direct, not Winograd) between blocked
 * neighbours read blocked on the avx512 path (direct_blocked.c; the 3x3 writes planar for the
 * 16->3 last one), and the net's output is the planar layout's bit for bit. */
static const char *pointwise_param = "7767517\n5 5\n"
                                     "Input in 0 1 data\n"
                                     "Convolution c0 1 1 data a 0=16 1=3 4=1 5=1 6=432\n"
                                     "Convolution c1 1 1 a b 0=16 1=1 5=1 6=256\n"
                                     "Convolution c2 1 1 b c 0=16 1=3 4=1 5=1 6=2304\n"
                                     "Convolution c3 1 1 c output 0=3 1=3 4=1 5=1 6=432\n";

static void test_direct_between_blocked(void **state)
{
    (void)state;
    const int wn[4] = {432, 256, 2304, 432}, bn[4] = {16, 16, 16, 3};
    bytes b = conv_bin(wn, bn, 4, 31);
    const int w = 21, h = 11;
    float *y[2];
    for (int planar = 0; planar < 2; planar++) {
        sr_model *m = NULL;
        sr_net *net = NULL;
        sr_error e;
        if (planar)
            setenv("SR_LAYOUT", "planar", 1);
        if (sr_model_load_memory(pointwise_param, strlen(pointwise_param), b.p, b.n, "pw", NULL, &m,
                                 &e) ||
            sr_net_create(m, 32, &net, &e))
            fail_msg("%s", e.msg);
        unsetenv("SR_LAYOUT");
        int in = 0, out = 0;
        for (int k = 0; k < 4; k++) {
            char name[3] = {'c', (char)('0' + k), 0};
            const sr__conv *c = sr__layer_conv(&m->layers[layer_named(m, name)]);
            in |= (c->blk & SR_BLK_IN ? 1 : 0) << k, out |= (c->blk & SR_BLK_OUT ? 1 : 0) << k;
        }
        int avx512 = !planar && !strcmp(sr_kernel_path(), "avx512");
        assert_int_equal(in, avx512 ? 0x6 : 0);  /* c1, c2 */
        assert_int_equal(out, avx512 ? 0x3 : 0); /* c0, c1 */
        fill_random(sr__net_input(net), 3 * (size_t)w * h, 7, 0.f, 1.f);
        const float *o;
        sr__shape os;
        const sr__pass alone = {0, 1, sr__net_own(net), SR_STATS_OWN, NULL};
        assert_int_equal(sr__net_forward(net, &alone, w, h, 0, 0, &o, &os, &e), SR_OK);
        y[planar] = malloc(3 * (size_t)w * h * sizeof(float));
        memcpy(y[planar], o, 3 * (size_t)w * h * sizeof(float));
        sr_net_free(net);
        sr_model_free(m);
    }
    assert_memory_equal(y[0], y[1], 3 * (size_t)w * h * sizeof(float));
    free(y[0]), free(y[1]), free(b.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loads_tiny_model),
        cmocka_unit_test(test_concat_in_place),
        cmocka_unit_test(test_direct_between_blocked),
        cmocka_unit_test(test_add_folds_into_interp),   cmocka_unit_test(test_half_conversion),
        cmocka_unit_test(test_rejects_corrupt_models), cmocka_unit_test(test_embedded_models),
        cmocka_unit_test(test_shared_models),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
