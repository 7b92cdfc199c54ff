/* test_train.c - the trainer's arithmetic: each layer's backward pass against a plain double
 * reference or central finite differences, the whole generator's gradient against finite
 * differences, and the exported model against the trainer's own forward pass. */
#include "test_common.h"
#include "train/train.h"

#include <math.h>

static uint64_t rng = 12345;

static float frand(void) /* uniform in [-1, 1) */
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((rng >> 40) / 8388608.0 - 1.0);
}

static float *rand_buf(size_t n)
{
    float *v = malloc(n * sizeof(float));
    assert_non_null(v);
    for (size_t i = 0; i < n; i++)
        v[i] = frand();
    return v;
}

/* Shapes chosen to hit every tail: pixels not a multiple of 16, channels not multiples of 4/6. */
static void test_conv_wgrad_matches_reference(void **state)
{
    (void)state;
    static const int shapes[][4] = {{3, 8, 5, 7}, {5, 6, 4, 4}, {4, 12, 16, 9}, {7, 3, 1, 3}};
    for (size_t t = 0; t < sizeof shapes / sizeof shapes[0]; t++) {
        int cin = shapes[t][0], cout = shapes[t][1], w = shapes[t][2], h = shapes[t][3];
        size_t n = (size_t)w * h;
        float *a = rand_buf(cin * n), *g = rand_buf(cout * n);
        float *dw = calloc((size_t)cout * cin * 9, sizeof(float)), *db = calloc(cout, 4);
        float *col = sr__aligned_alloc(sr__t_wgrad_scratch(cin, w, h) * sizeof(float));
        sr__t_conv_wgrad(a, cin, w, h, g, cout, dw, db, col);
        for (int co = 0; co < cout; co++) {
            double sb = 0;
            for (size_t p = 0; p < n; p++)
                sb += g[co * n + p];
            assert_true(fabs(sb - db[co]) < 1e-4);
            for (int ci = 0; ci < cin; ci++)
                for (int k = 0; k < 9; k++) {
                    double s = 0;
                    for (int y = 0; y < h; y++)
                        for (int x = 0; x < w; x++) {
                            int sy = y + k / 3 - 1, sx = x + k % 3 - 1;
                            if (sy >= 0 && sy < h && sx >= 0 && sx < w)
                                s += (double)g[co * n + y * w + x] * a[ci * n + sy * w + sx];
                        }
                    assert_true(fabs(s - dw[(co * cin + ci) * 9 + k]) < 1e-4);
                }
        }
        free(a), free(g), free(dw), free(db), free(col);
    }
}

static void test_prelu_backward(void **state)
{
    (void)state;
    int c = 3;
    size_t hw = 10;
    float *z = rand_buf(c * hw), *ga = rand_buf(c * hw), slope[3] = {0.25f, -0.1f, 0.7f};
    float gz[30], gs[3] = {0}, a1[30], a2[30];
    sr__t_prelu_back(z, slope, ga, c, hw, gz, gs);
    const float eps = 1e-3f;
    for (int ch = 0; ch < c; ch++) { /* d/dslope by central differences of <ga, prelu(z)> */
        float s0 = slope[ch];
        slope[ch] = s0 + eps, sr__t_prelu(z, slope, c, hw, a1);
        slope[ch] = s0 - eps, sr__t_prelu(z, slope, c, hw, a2);
        slope[ch] = s0;
        double fd = 0;
        for (size_t i = 0; i < c * hw; i++)
            fd += ga[i] * (a1[i] - a2[i]) / (2 * eps);
        assert_true(fabs(fd - gs[ch]) < 1e-3);
    }
    for (size_t i = 0; i < c * hw; i++) { /* d/dz: piecewise linear, exact away from 0 */
        float v = z[i], want = ga[i] * (v > 0 ? 1 : slope[i / hw]);
        assert_true(fabs(gz[i] - want) < 1e-6);
    }
    free(z), free(ga);
}

/* unshuffle is the transpose of shuffle: <shuffle(x), y> = <x, unshuffle(y)>; and shuffle puts
 * channel (c s + i) s + j at pixel (y s + i, x s + j), as ncnn's PixelShuffle. */
static void test_shuffle_transpose(void **state)
{
    (void)state;
    int c = 3, w = 4, h = 3, s = 3;
    size_t n = (size_t)c * s * s * w * h;
    float *x = rand_buf(n), *y = rand_buf(n), *sx = malloc(n * 4), *uy = malloc(n * 4);
    sr__t_shuffle(x, c, w, h, s, sx);
    sr__t_unshuffle(y, c, w, h, s, uy);
    double d1 = 0, d2 = 0;
    for (size_t i = 0; i < n; i++)
        d1 += (double)sx[i] * y[i], d2 += (double)x[i] * uy[i];
    assert_true(fabs(d1 - d2) < 1e-4);
    /* channel (1*3 + 2)*3 + 1 = 16, pixel (y=2, x=1) -> out channel 1, row 2*3+2, column 1*3+1 */
    assert_true(sx[(size_t)1 * 9 * w * h + (2 * 3 + 2) * w * 3 + 1 * 3 + 1] == x[16 * w * h + 2 * w + 1]);
    free(x), free(y), free(sx), free(uy);
}

/* The whole generator: the analytic gradient of every parameter against central differences
 * of the loss (L2, smooth), on a tiny net. */
static void test_network_gradient(void **state)
{
    (void)state;
    sr__tnet n;
    assert_int_equal(sr__tnet_layout(2, 4, 1, &n, NULL), SR_OK);
    int p = 5, s = 2;
    float *theta = malloc(n.nparam * sizeof(float)), *grad = calloc(n.nparam, sizeof(float));
    sr__tnet_init(&n, 7, theta);
    for (size_t i = 0; i < n.nparam; i++) /* larger last layer so every path matters */
        theta[i] += 0.05f * frand();
    float *lr = rand_buf(3 * p * p), *hr = rand_buf(3 * p * p * s * s);
    for (int i = 0; i < 3 * p * p; i++)
        lr[i] = 0.5f + 0.5f * lr[i];
    sr__tctx *c = sr__tctx_create(&n, p);
    assert_non_null(c);
    sr__tpacked pk;
    assert_int_equal(sr__tpacked_make(&n, theta, &pk, NULL), SR_OK);
    sr__tnet_sample(&n, &pk, theta, c, lr, hr, SR_LOSS_L2, grad, 1.f, NULL);
    sr__tpacked_free(&pk);
    double gmax = 0, worst = 0;
    for (size_t i = 0; i < n.nparam; i++)
        gmax = fabs(grad[i]) > gmax ? fabs(grad[i]) : gmax;
    /* A step that moves some pre-activation across PReLU's kink has a finite difference that
     * means nothing; such parameters are recognised by one-sided slopes that disagree, and
     * skipped (there must be few). */
    const float eps = 1e-3f;
    int skipped = 0;
    for (size_t i = 0; i < n.nparam; i++) {
        float t0 = theta[i];
        double l[3];
        for (int k = 0; k < 3; k++) {
            theta[i] = t0 + (k == 0 ? eps : k == 1 ? -eps : 0);
            assert_int_equal(sr__tpacked_make(&n, theta, &pk, NULL), SR_OK);
            l[k] = sr__tnet_sample(&n, &pk, theta, c, lr, hr, SR_LOSS_L2, NULL, 1.f, NULL);
            sr__tpacked_free(&pk);
        }
        theta[i] = t0;
        double fd = (l[0] - l[1]) / (2 * eps), e = fabs(fd - grad[i]);
        if (fabs((l[0] - l[2]) - (l[2] - l[1])) / eps > 1e-3 * gmax) {
            skipped++;
            continue;
        }
        worst = e > worst ? e : worst;
    }
    print_message("network gradient: max |analytic - finite difference| = %.2e, max |g| = %.2e, "
                  "%d of %zu parameters at a kink\n", worst, gmax, skipped, n.nparam);
    assert_true(worst < 1e-3 * gmax);
    assert_true(skipped * 50 < (int)n.nparam);
    sr__tctx_free(c);
    free(theta), free(grad), free(lr), free(hr);
}

/* The exported .param/.bin, loaded by the inference loader, computes what the trainer does. */
static void test_export_matches_trainer(void **state)
{
    (void)state;
    sr__tnet n;
    assert_int_equal(sr__tnet_layout(3, 8, 2, &n, NULL), SR_OK);
    int p = 16;
    float *theta = malloc(n.nparam * sizeof(float));
    sr__tnet_init(&n, 3, theta);
    for (size_t i = 0; i < n.nparam; i++)
        theta[i] += 0.02f * frand();
    float *lr = rand_buf(3 * p * p), *hr = calloc(27 * p * p, sizeof(float));
    const float *mine;
    sr__tctx *c = sr__tctx_create(&n, p);
    sr__tpacked pk;
    assert_int_equal(sr__tpacked_make(&n, theta, &pk, NULL), SR_OK);
    sr__tnet_sample(&n, &pk, theta, c, lr, hr, SR_LOSS_L1, NULL, 1.f, &mine);
    char *param;
    uint8_t *bin;
    size_t blen;
    sr_model *m;
    sr_error err;
    assert_int_equal(sr__tnet_export(&n, theta, &param, &bin, &blen, &err), SR_OK);
    sr_status st = sr_model_load_memory(param, strlen(param), bin, blen, "t", NULL, &m, &err);
    if (st) print_message("%s\n%s", err.msg, param);
    assert_int_equal(st, SR_OK);
    assert_int_equal(sr_model_scale(m), 3);
    assert_int_equal(sr_model_halo(m), 4); /* four 3x3 convolutions */
    assert_int_equal(sr_model_prepad(m), 0); /* the "srgan" family: trained without a border */
    sr_net *net;
    st = sr_net_create(m, p, &net, &err);
    if (st) print_message("%s\n", err.msg);
    assert_int_equal(st, SR_OK);
    memcpy(sr__net_input(net), lr, 3 * p * p * sizeof(float));
    const float *theirs;
    sr__shape os;
    const sr__pass alone = {0, 1, sr__net_own(net), SR_STATS_OWN, NULL};
    st = sr__net_forward(net, &alone, p, p, 0, 0, &theirs, &os, &err);
    if (st) print_message("%s\n", err.msg);
    assert_int_equal(st, SR_OK);
    assert_int_equal(os.c, 3);
    assert_int_equal(os.w, 3 * p);
    for (int i = 0; i < 27 * p * p; i++)
        assert_true(fabsf(theirs[i] - mine[i]) < 1e-5f);
    sr_net_free(net);
    sr_model_free(m);
    free(param), free(bin);
    sr__tpacked_free(&pk);
    sr__tctx_free(c);
    free(theta), free(lr), free(hr);
}

/* Growth: a wider, deeper network started from a smaller one computes the same function (up to
 * the order of the sums), yet its new channels have weights to learn with; the smaller one is
 * found from its exported file's size alone. */
static void test_growth_keeps_the_function(void **state)
{
    (void)state;
    sr__tnet o, n;
    assert_int_equal(sr__tnet_layout(2, 8, 2, &o, NULL), SR_OK);
    assert_int_equal(sr__tnet_layout(2, 12, 5, &n, NULL), SR_OK);
    int p = 14;
    float *wo = malloc(o.nparam * sizeof(float)), *wn = malloc(n.nparam * sizeof(float));
    sr__tnet_init(&o, 4, wo);
    for (size_t i = 0; i < o.nparam; i++) /* slopes and biases away from their initial values */
        wo[i] += 0.05f * frand();
    sr__tnet_init(&n, 9, wn);
    sr__tnet_grow(&o, wo, &n, wn);
    float *lr = rand_buf(3 * p * p), *hr = calloc(12 * p * p, sizeof(float)), *first;
    const float *out;
    sr__tpacked pk;
    sr__tctx *co = sr__tctx_create(&o, p), *cn = sr__tctx_create(&n, p);
    assert_int_equal(sr__tpacked_make(&o, wo, &pk, NULL), SR_OK);
    double lo = sr__tnet_sample(&o, &pk, wo, co, lr, hr, SR_LOSS_L1, NULL, 1.f, &out);
    sr__tpacked_free(&pk);
    first = malloc(12 * p * p * sizeof(float));
    memcpy(first, out, 12 * p * p * sizeof(float));
    assert_int_equal(sr__tpacked_make(&n, wn, &pk, NULL), SR_OK);
    double ln = sr__tnet_sample(&n, &pk, wn, cn, lr, hr, SR_LOSS_L1, NULL, 1.f, &out);
    sr__tpacked_free(&pk);
    float worst = 0;
    for (int i = 0; i < 12 * p * p; i++)
        worst = fmaxf(worst, fabsf(out[i] - first[i]));
    print_message("grown 8x2 -> 12x5: max |difference| %.2e, loss %.6f vs %.6f\n", worst, lo, ln);
    assert_true(worst < 1e-5f);
    /* the new channels of the first layer read the input; nothing reads them yet */
    int fresh = 0;
    for (int c = 8; c < 12; c++)
        fresh += wn[n.w_off[0] + (size_t)c * 27] != 0;
    assert_int_equal(fresh, 4);
    assert_true(wn[n.w_off[1] + 10 * 9] == 0); /* layer 1: old output 0 from new input 10 */
    /* layer 2 of 5 grown blocks is an added identity: one after every 8x2's 2/3 blocks */
    assert_true(wn[n.w_off[2] + ((size_t)5 * 12 + 5) * 9 + 4] == 1);
    assert_true(wn[n.a_off[2] + 5] == 1);

    /* from the exported file: the 8x2 found by size, the same weights */
    char *param, path[4200];
    uint8_t *bin, *back;
    size_t blen;
    assert_int_equal(sr__tnet_export(&o, wo, &param, &bin, &blen, NULL), SR_OK);
    char *d = make_temp_dir();
    snprintf(path, sizeof path, "%s/small.bin", d);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bin, 1, blen, f), blen);
    fclose(f);
    sr__tnet got;
    sr_error err;
    assert_int_equal(sr__tnet_import(path, 12, 5, &got, &back, &err), SR_OK);
    assert_int_equal(got.channels, 8);
    assert_int_equal(got.blocks, 2);
    assert_int_equal(got.scale, 2);
    assert_memory_equal(back, wo, o.nparam * sizeof(float));
    free(back);
    assert_int_equal(sr__tnet_import(path, 6, 5, &got, &back, &err), SR_E_INVALID);
    assert_non_null(strstr(err.msg, "not a srgan-photo network of at most 6x5"));
    remove_tree(d);
    free(d), free(param), free(bin);
    sr__tctx_free(co), sr__tctx_free(cn);
    free(wo), free(wn), free(lr), free(hr), free(first);
}

/* ---- the loop, end to end, on generated photos ---- */

static char *dir;

typedef struct {
    double first, last; /* mean loss of the first and last 10 steps */
    int steps, stop_at;
    int first_step, calls; /* the first step reported, and how many were */
    volatile sig_atomic_t stop;
} watch;

static void on_progress(void *ctx, const sr_train_progress *p)
{
    watch *w = ctx;
    if (p->event)
        return;
    if (p->step <= 10)
        w->first += p->loss / 10;
    if (p->step > p->steps - 10)
        w->last += p->loss / 10;
    w->steps = p->step;
    if (!w->calls++)
        w->first_step = p->step;
    if (p->step == w->stop_at)
        w->stop = 1;
}

static sr_train_params tiny(const char *out, watch *w)
{
    static char data[4200];
    snprintf(data, sizeof data, "%s/photos", dir);
    sr_train_params p = sr_train_default_params();
    p.data_dir = data, p.out = out, p.scale = 2, p.channels = 8, p.blocks = 1;
    p.steps = 200, p.batch = 4, p.patch = 12, p.lr = 3e-3, p.seed = 5, p.report_seconds = 0;
    p.on_progress = on_progress, p.ctx = w, p.stop = &w->stop, p.threads = 1;
    return p;
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    uint8_t *b = malloc(*len);
    assert_int_equal(fread(b, 1, *len, f), *len);
    fclose(f);
    return b;
}

static void assert_same_file(const char *a, const char *b)
{
    size_t na, nb;
    uint8_t *x = slurp(a, &na), *y = slurp(b, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(x, y, na);
    free(x), free(y);
}

static int setup_photos(void **state)
{
    (void)state;
    dir = make_temp_dir();
    char path[4200];
    snprintf(path, sizeof path, "%s/photos", dir);
    assert_int_equal(sr__mkdirs(path), 0);
    for (int i = 0; i < 3; i++) {
        sr_image im;
        make_test_image(&im, 48 + 8 * i, 40, 3, 11u + i);
        snprintf(path, sizeof path, "%s/photos/p%d.png", dir, i);
        assert_int_equal(sr_image_save(path, &im, SR_FMT_PNG, 90, NULL), SR_OK);
        sr_image_free(&im);
    }
    return 0;
}

static int teardown_photos(void **state)
{
    (void)state;
    remove_tree(dir);
    free(dir);
    return 0;
}

static void test_training_lowers_the_loss(void **state)
{
    (void)state;
    char out[4200];
    snprintf(out, sizeof out, "%s/a", dir);
    watch w = {0};
    sr_train_params p = tiny(out, &w);
    sr_error err;
    assert_int_equal(sr_train_run(&p, &err), SR_OK);
    assert_int_equal(w.steps, 200);
    print_message("loss: first 10 steps %.5f, last 10 %.5f\n", w.first, w.last);
    assert_true(w.last < 0.9 * w.first); /* deterministic: same seed, same steps */
    char path[4300];
    snprintf(path, sizeof path, "%s.param", out); /* and the export loads */
    sr_model *m;
    assert_int_equal(sr_model_load_files(path, NULL, NULL, &m, &err), SR_OK);
    assert_int_equal(sr_model_scale(m), 2);
    sr_model_free(m);
}

/* Same weights whatever the thread count; a run stopped at step 25 and resumed from its
 * checkpoint ends bit-identical to the uninterrupted one. */
static void test_training_is_reproducible_and_resumes_exactly(void **state)
{
    (void)state;
    char a[4200], b[4200], c[4200], pa[4300], pb[4300], ck[4300];
    snprintf(a, sizeof a, "%s/one", dir);
    snprintf(b, sizeof b, "%s/two", dir);
    snprintf(c, sizeof c, "%s/resumed", dir);
    watch w1 = {0}, w2 = {0}, w3 = {.stop_at = 25}, w4 = {0};
    sr_train_params p1 = tiny(a, &w1), p2 = tiny(b, &w2), p3 = tiny(c, &w3), p4 = tiny(c, &w4);
    p2.threads = 2;
    sr_error err;
    assert_int_equal(sr_train_run(&p1, &err), SR_OK);
    assert_int_equal(sr_train_run(&p2, &err), SR_OK);
    snprintf(pa, sizeof pa, "%s.bin", a);
    snprintf(pb, sizeof pb, "%s.bin", b);
    assert_same_file(pa, pb);
    assert_int_equal(sr_train_run(&p3, &err), SR_OK);
    assert_int_equal(w3.steps, 25);
    snprintf(ck, sizeof ck, "%s.ckpt", c);
    p4.resume = ck;
    assert_int_equal(sr_train_run(&p4, &err), SR_OK);
    assert_int_equal(w4.steps, 200);
    /* it continued where the checkpoint was: a restart from step 0 ends with the same bits */
    assert_int_equal(w4.first_step, 26);
    assert_int_equal(w4.calls, 175);
    snprintf(pb, sizeof pb, "%s.bin", c);
    assert_same_file(pa, pb);
    /* a checkpoint of another architecture is refused with the reason */
    p4.channels = 16;
    assert_int_equal(sr_train_run(&p4, &err), SR_E_INVALID);
    assert_non_null(strstr(err.msg, "checkpoint is x2, 8 channels, 1 blocks"));
    /* --init: an x3 run starts from the x2 body; its first step differs from a fresh x3 start */
    char d[4200], e[4200], pd[4300], pe[4300];
    snprintf(d, sizeof d, "%s/x3init", dir);
    snprintf(e, sizeof e, "%s/x3fresh", dir);
    watch w5 = {0}, w6 = {0};
    sr_train_params p5 = tiny(d, &w5), p6 = tiny(e, &w6);
    p5.scale = p6.scale = 3;
    p5.steps = p6.steps = 1;
    p5.init = ck;
    assert_int_equal(sr_train_run(&p5, &err), SR_OK);
    assert_int_equal(sr_train_run(&p6, &err), SR_OK);
    snprintf(pd, sizeof pd, "%s.bin", d);
    snprintf(pe, sizeof pe, "%s.bin", e);
    size_t nd, ne;
    uint8_t *bd = slurp(pd, &nd), *be = slurp(pe, &ne);
    assert_int_equal(nd, ne);
    assert_true(memcmp(bd, be, nd) != 0);
    free(bd), free(be);
    p5.channels = 4;
    assert_int_equal(sr_train_run(&p5, &err), SR_E_INVALID);
    assert_non_null(strstr(err.msg, "a 8x1 network cannot start a 4x1 one"));
    /* --steps 0 writes the start as it is: from the checkpoint, that run's own model */
    char g[4200], pg[4300];
    snprintf(g, sizeof g, "%s/as_is", dir);
    watch w8 = {0};
    sr_train_params p8 = tiny(g, &w8);
    p8.steps = 0;
    p8.init = ck;
    assert_int_equal(sr_train_run(&p8, &err), SR_OK);
    snprintf(pg, sizeof pg, "%s.bin", g);
    assert_same_file(pa, pg);
}

/* With --degrade: still the same weights for any thread count and across a resume, other
 * weights than a clean run, and a checkpoint that remembers its degradation. --init takes an
 * exported model as well as a checkpoint, with the same result. */
static void test_degraded_training(void **state)
{
    (void)state;
    char a[4200], b[4200], c[4200], clean[4200], pa[4300], pb[4300], ck[4300];
    snprintf(a, sizeof a, "%s/dg1", dir);
    snprintf(b, sizeof b, "%s/dg2", dir);
    snprintf(c, sizeof c, "%s/dgr", dir);
    snprintf(clean, sizeof clean, "%s/clean", dir);
    watch w1 = {0}, w2 = {0}, w3 = {.stop_at = 30}, w4 = {0}, w5 = {0};
    sr_train_params p1 = tiny(a, &w1), p2 = tiny(b, &w2), p3 = tiny(c, &w3), p4 = tiny(c, &w4);
    sr_train_params p5 = tiny(clean, &w5);
    sr_degradation d;
    assert_int_equal(sr_degradation_parse("blur=0.3-1@0.5,noise=0-3@0.5,jpeg=20-90@0.8", &d,
                                          NULL), SR_OK);
    p1.degrade = p2.degrade = p3.degrade = p4.degrade = d;
    p1.steps = p2.steps = p3.steps = p4.steps = p5.steps = 60;
    p2.threads = 2;
    sr_error err;
    assert_int_equal(sr_train_run(&p1, &err), SR_OK);
    assert_int_equal(sr_train_run(&p2, &err), SR_OK);
    assert_int_equal(sr_train_run(&p5, &err), SR_OK);
    snprintf(pa, sizeof pa, "%s.bin", a);
    snprintf(pb, sizeof pb, "%s.bin", b);
    assert_same_file(pa, pb);
    snprintf(pb, sizeof pb, "%s.bin", clean);
    size_t na, nb;
    uint8_t *ba = slurp(pa, &na), *bb = slurp(pb, &nb);
    assert_int_equal(na, nb);
    assert_true(memcmp(ba, bb, na) != 0);
    free(ba), free(bb);
    assert_int_equal(sr_train_run(&p3, &err), SR_OK);
    assert_int_equal(w3.steps, 30);
    snprintf(ck, sizeof ck, "%s.ckpt", c);
    p4.resume = ck;
    assert_int_equal(sr_train_run(&p4, &err), SR_OK);
    snprintf(pb, sizeof pb, "%s.bin", c);
    assert_same_file(pa, pb);
    /* resuming under another degradation is refused, naming both */
    p4.degrade.jpeg.lo = 30;
    assert_int_equal(sr_train_run(&p4, &err), SR_E_INVALID);
    assert_non_null(strstr(err.msg, "multiscale 0, degradation blur=0.3-1@0.5,noise=0-3@0.5,"
                                    "jpeg=20-90@0.8; the options say x2, 8, 1, 0, 1, 0, "
                                    "blur=0.3-1@0.5,noise=0-3@0.5,jpeg=30-90@0.8"));
    /* --init from the checkpoint and from the exported model: the same start, the same run */
    char e[4200], f[4200], pe[4300], pf[4300], param[4300];
    snprintf(e, sizeof e, "%s/from_ckpt", dir);
    snprintf(f, sizeof f, "%s/from_model", dir);
    snprintf(param, sizeof param, "%s.param", a);
    watch w6 = {0}, w7 = {0};
    sr_train_params p6 = tiny(e, &w6), p7 = tiny(f, &w7);
    p6.steps = p7.steps = 3;
    snprintf(ck, sizeof ck, "%s.ckpt", a);
    p6.init = ck;
    p7.init = param;
    assert_int_equal(sr_train_run(&p6, &err), SR_OK);
    assert_int_equal(sr_train_run(&p7, &err), SR_OK);
    snprintf(pe, sizeof pe, "%s.bin", e);
    snprintf(pf, sizeof pf, "%s.bin", f);
    assert_same_file(pe, pf);
    p7.channels = 4;
    assert_int_equal(sr_train_run(&p7, &err), SR_E_INVALID);
    assert_non_null(strstr(err.msg, "not a srgan-photo network of at most 4x1"));
}

/* --multiscale: each photo also at 3/4, 1/2 and 1/3 of its size, cut to a multiple of the
 * scale, each downscaled as the photo is; a photo whose copy has no room for a crop counts as
 * too small. A run with it resumes exactly, and its checkpoint refuses a resume without it. */
static void test_multiscale_data(void **state)
{
    (void)state;
    char photos[4200];
    snprintf(photos, sizeof photos, "%s/photos", dir);
    sr__tdata d;
    int small;
    sr_error err;
    assert_int_equal(sr__tdata_load(photos, 2, 8, 1, 1, &d, &small, &err), SR_OK);
    assert_int_equal(d.n, 12);
    assert_int_equal(d.sizes, 4);
    /* p0 is 48x40: 36x30, 24x20, then 16x13 cut to 16x12; LR 8x6 holds no 8x8 crop */
    const int w[4] = {48, 36, 24, 16}, h[4] = {40, 30, 20, 12};
    for (int k = 0; k < 4; k++) {
        assert_int_equal(d.hr[k].w, w[k]);
        assert_int_equal(d.hr[k].h, h[k]);
        sr_image hr, lr;
        assert_int_equal(sr_image_imresize(&d.hr[0], w[k], h[k], &hr, &err), SR_OK);
        assert_int_equal(sr_image_downscale(&hr, 2, &lr, &err), SR_OK);
        if (k) /* resized from the photo, not from the previous size */
            assert_memory_equal(hr.data, d.hr[k].data, (size_t)w[k] * h[k] * 3);
        assert_memory_equal(lr.data, d.lr[k].data, (size_t)lr.w * lr.h * 3);
        sr_image_free(&hr), sr_image_free(&lr);
    }
    assert_int_equal(small, 3); /* the 1/3 copy of each: 16x12, 18x12, 20x12 */
    assert_true(d.cum[d.n - 1] == 9); /* photo sampling: one per usable image */
    sr__tdata_free(&d);

    char a[4200], c[4200], pa[4300], pc[4300], ck[4300];
    snprintf(a, sizeof a, "%s/ms", dir);
    snprintf(c, sizeof c, "%s/msr", dir);
    watch w1 = {0}, w3 = {.stop_at = 20}, w4 = {0};
    sr_train_params p1 = tiny(a, &w1), p3 = tiny(c, &w3), p4 = tiny(c, &w4);
    p1.multiscale = p3.multiscale = p4.multiscale = 1;
    p1.steps = p3.steps = p4.steps = 40;
    assert_int_equal(sr_train_run(&p1, &err), SR_OK);
    assert_int_equal(sr_train_run(&p3, &err), SR_OK);
    snprintf(ck, sizeof ck, "%s.ckpt", c);
    p4.resume = ck;
    assert_int_equal(sr_train_run(&p4, &err), SR_OK);
    snprintf(pa, sizeof pa, "%s.bin", a);
    snprintf(pc, sizeof pc, "%s.bin", c);
    assert_same_file(pa, pc);
    p4.multiscale = 0;
    assert_int_equal(sr_train_run(&p4, &err), SR_E_INVALID);
    assert_non_null(strstr(err.msg, "multiscale 1, degradation none; the options say x2, 8, 1, 0, "
                                    "1, 0, none"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_wgrad_matches_reference),
        cmocka_unit_test(test_prelu_backward),
        cmocka_unit_test(test_shuffle_transpose),
        cmocka_unit_test(test_network_gradient),
        cmocka_unit_test(test_export_matches_trainer),
        cmocka_unit_test(test_growth_keeps_the_function),
        cmocka_unit_test_setup_teardown(test_training_lowers_the_loss, setup_photos,
                                        teardown_photos),
        cmocka_unit_test_setup_teardown(test_training_is_reproducible_and_resumes_exactly,
                                        setup_photos, teardown_photos),
        cmocka_unit_test_setup_teardown(test_degraded_training, setup_photos, teardown_photos),
        cmocka_unit_test_setup_teardown(test_multiscale_data, setup_photos, teardown_photos),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
