/* train.c - the training loop: Adam with warm-up and cosine decay, an exponential moving
 * average of the weights (what gets exported), checkpoints, validation, progress.
 *
 * Reproducible: the crops of a step are drawn serially from one seeded generator; each sample's
 * gradient goes to its own slot and the slots are summed in sample order, so a run gives the
 * same weights for any thread count. A checkpoint holds everything that evolves (weights, both
 * Adam moments, the average, the generator state, the step), so resuming continues exactly.
 */
#include "train.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

#define CKPT_MAGIC "SRGANCK2" /* 1 had no degradation: read as clean */

sr_train_params sr_train_default_params(void)
{
    return (sr_train_params){.scale = 4, .channels = 48, .blocks = 12, .steps = 10000,
                             .batch = 16, .patch = 40, .lr = 1e-3, .loss = SR_LOSS_L1, .sampling = 1,
                             .seed = 1, .val_every = 1000, .ckpt_seconds = 300,
                             .report_seconds = 2};
}

typedef struct {
    char magic[8];
    int32_t scale, channels, blocks, loss, step;
    int32_t sampling;
    uint64_t rng, nparam;
    sr_degradation degrade; /* version 2 on */
    int32_t multiscale;     /* 0 in checkpoints written before it existed */
} ckpt_header;
#define CKPT1_SIZE offsetof(ckpt_header, degrade)

typedef struct {
    const sr_train_params *p;
    sr__tnet net;
    float *theta, *m, *v, *ema; /* nparam each, one allocation */
    int step;
    uint64_t rng;
} state;

static sr_status save_ckpt(const state *st, const char *path, sr_error *err)
{
    size_t np = st->net.nparam, len = sizeof(ckpt_header) + 4 * np * sizeof(float);
    uint8_t *buf = malloc(len);
    if (!buf)
        return sr__err(err, SR_E_NOMEM, "checkpoint: out of memory");
    ckpt_header h = {CKPT_MAGIC, st->net.scale, st->net.channels, st->net.blocks, st->p->loss,
                     st->step, st->p->sampling, st->rng, np, st->p->degrade, !!st->p->multiscale};
    memcpy(buf, &h, sizeof h);
    memcpy(buf + sizeof h, st->theta, 4 * np * sizeof(float));
    sr_status s = sr__write_atomic(path, buf, len, err);
    free(buf);
    return s;
}

static sr_status alloc_state(state *st, sr_error *err)
{
    st->theta = sr__aligned_alloc(4 * st->net.nparam * sizeof(float));
    if (!st->theta)
        return sr__err(err, SR_E_NOMEM, "training: out of memory");
    st->m = st->theta + st->net.nparam;
    st->v = st->m + st->net.nparam;
    st->ema = st->v + st->net.nparam;
    return SR_OK;
}

/* Reads a checkpoint: header, the layout it describes, and a size that matches it. *theta
 * points into *buf, which holds the whole file (theta, m, v, ema follow the header) and is freed
 * by the caller. */
static sr_status read_ckpt(const char *path, uint8_t **buf, ckpt_header *h, sr__tnet *net,
                           const float **theta, sr_error *err)
{
    size_t len, hs = sizeof *h;
    sr_status s = sr__read_file(path, (size_t)1 << 31, buf, &len, err);
    if (s)
        return s;
    memset(h, 0, sizeof *h);
    if (len >= CKPT1_SIZE && !memcmp(*buf, "SRGANCK1", 8))
        hs = CKPT1_SIZE;
    else if (len < hs || memcmp(*buf, CKPT_MAGIC, 8))
        s = sr__err_at(err, SR_E_FORMAT, path, "not an srgan checkpoint");
    if (!s) {
        memcpy(h, *buf, hs);
        s = sr__tnet_layout(h->scale, h->channels, h->blocks, net, err);
        if (!s && (h->nparam != net->nparam || h->step < 0 ||
                   len != hs + 4 * net->nparam * sizeof(float)))
            s = sr__err_at(err, SR_E_FORMAT, path, "truncated or inconsistent checkpoint");
    }
    if (s) {
        free(*buf);
        *buf = NULL;
    } else {
        *theta = (const float *)(*buf + hs);
    }
    return s;
}

static sr_status load_ckpt(state *st, const char *path, sr_error *err)
{
    uint8_t *buf;
    ckpt_header h;
    const float *saved;
    sr_status s = read_ckpt(path, &buf, &h, &st->net, &saved, err);
    if (s)
        return s;
    char dh[128], dp[128];
    sr_degradation_format(&h.degrade, dh, sizeof dh);
    sr_degradation_format(&st->p->degrade, dp, sizeof dp);
    if (h.scale != st->p->scale || h.channels != st->p->channels ||
        h.blocks != st->p->blocks || h.loss != st->p->loss || h.sampling != st->p->sampling ||
        h.multiscale != !!st->p->multiscale || strcmp(dh, dp))
        s = sr__err(err, SR_E_INVALID,
                    "%s: checkpoint is x%d, %d channels, %d blocks, loss %d, sampling %d, "
                    "multiscale %d, degradation %s; the options say x%d, %d, %d, %d, %d, %d, %s",
                    path, h.scale, h.channels, h.blocks, h.loss, h.sampling, h.multiscale, dh,
                    st->p->scale, st->p->channels, st->p->blocks, st->p->loss, st->p->sampling,
                    !!st->p->multiscale, dp);
    if (!s)
        s = alloc_state(st, err);
    if (!s) {
        memcpy(st->theta, saved, 4 * st->net.nparam * sizeof(float));
        st->step = h.step;
        st->rng = h.rng;
    }
    free(buf);
    return s;
}

/* Warm start: the averaged weights of another run (any scale), from its checkpoint or from the
 * model it exported (a .param path, its .bin beside it, or an embedded model's name); all but
 * the last convolution when the scales differ (EDSR's trick: x3/x4 start from a trained x2).
 * A smaller network grows into this one (sr__tnet_grow), so a wider or deeper run starts from
 * a trained one's function instead of from noise. */
static sr_status warm_start(state *st, const char *path, sr_error *err)
{
    uint8_t *buf = NULL;
    ckpt_header h;
    sr__tnet other;
    const float *w = NULL, *ckw;
    size_t len = strlen(path);
    sr_status s;
    if (len > 5 && !strcmp(path + len - 5, ".ckpt")) {
        s = read_ckpt(path, &buf, &h, &other, &ckw, err);
        if (!s)
            w = ckw + 3 * other.nparam; /* the average */
    } else {
        s = sr__tnet_import(path, st->net.channels, st->net.blocks, &other, &buf, err);
        w = (const float *)buf;
    }
    if (s)
        return s;
    if (other.channels > st->net.channels || other.blocks > st->net.blocks)
        s = sr__err_at(err, SR_E_INVALID, path, "a %dx%d network cannot start a %dx%d one",
                    other.channels, other.blocks, st->net.channels, st->net.blocks);
    if (!s)
        sr__tnet_grow(&other, w, &st->net, st->theta);
    free(buf);
    return s;
}

static double learning_rate(const sr_train_params *p, int step)
{
    int warm = p->steps / 20 < 500 ? p->steps / 20 : 500;
    if (step < warm)
        return p->lr * (step + 1) / warm;
    double t = (double)(step - warm) / (p->steps - warm > 0 ? p->steps - warm : 1);
    t = t > 1 ? 1 : t;
    return p->lr * (0.01 + 0.99 * 0.5 * (1 + cos(3.14159265358979323846 * t)));
}

static void adam(state *st, const float *g, double lr)
{
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    int t = st->step + 1;
    double c1 = 1 - pow(b1, t), c2 = 1 - pow(b2, t);
    float ed = (float)fmin(0.999, (1.0 + st->step) / (10.0 + st->step));
    size_t n = st->net.nparam;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        float m = st->m[i] = (float)(b1 * st->m[i] + (1 - b1) * g[i]);
        float v = st->v[i] = (float)(b2 * st->v[i] + (1 - b2) * (double)g[i] * g[i]);
        st->theta[i] -= (float)(lr * (m / c1) / (sqrt(v / c2) + eps));
        st->ema[i] = ed * st->ema[i] + (1 - ed) * st->theta[i];
    }
}

/* Mean PSNR/SSIM of the EMA weights over the validation set, through the inference path. */
static sr_status validate(const state *st, const sr__evalset *val, int threads,
                          sr_train_progress *pr, sr_error *err)
{
    char *param;
    uint8_t *bin;
    size_t blen;
    sr_model *m = NULL;
    sr_status s = sr__tnet_export(&st->net, st->ema, &param, &bin, &blen, err);
    if (s)
        return s;
    s = sr_model_load_memory(param, strlen(param), bin, blen, "training", NULL, &m, err);
    free(param), free(bin);
    sr_upscale_params up = sr_upscale_default_params();
    up.nthreads = threads;
    double psnr = 0, ssim = 0;
    for (int i = 0; !s && i < val->n; i++) {
        sr_image out = {0};
        sr_quality q;
        s = sr_upscale_image(m, &up, &val->p[i].lr, &out, err);
        if (!s)
            s = sr_image_quality(&val->p[i].hr, &out, st->net.scale, &q, err);
        psnr += q.psnr / val->n, ssim += q.ssim / val->n;
        sr_image_free(&out);
    }
    sr_model_free(m);
    pr->val_psnr = psnr, pr->val_ssim = ssim, pr->validated = 1;
    return s;
}

static sr_status bicubic_scores(const sr__evalset *val, int scale, sr_train_progress *pr,
                                sr_error *err)
{
    sr_status s = SR_OK;
    for (int i = 0; !s && i < val->n; i++) {
        sr_image b = {0};
        sr_quality q;
        s = sr_image_imresize(&val->p[i].lr, val->p[i].hr.w, val->p[i].hr.h, &b, err);
        if (!s)
            s = sr_image_quality(&val->p[i].hr, &b, scale, &q, err);
        pr->val_bicubic_psnr += q.psnr / val->n, pr->val_bicubic_ssim += q.ssim / val->n;
        sr_image_free(&b);
    }
    return s;
}

static sr_status write_model(const state *st, const char *out, sr_error *err)
{
    char *param, path[4096];
    uint8_t *bin;
    size_t blen;
    sr_status s = sr__tnet_export(&st->net, st->ema, &param, &bin, &blen, err);
    if (s)
        return s;
    snprintf(path, sizeof path, "%s.bin", out);
    s = sr__write_atomic(path, bin, blen, err);
    snprintf(path, sizeof path, "%s.param", out);
    if (!s)
        s = sr__write_atomic(path, param, strlen(param), err);
    free(param), free(bin);
    return s;
}

static void report(const sr_train_params *p, sr_train_progress *pr, const char *event,
                   const char *detail)
{
    pr->event = event, pr->detail = detail;
    if (p->on_progress)
        p->on_progress(p->ctx, pr);
    pr->event = pr->detail = NULL;
    pr->validated = 0;
}

/* What every step uses: one forward/backward context per thread, a gradient per crop (and
 * their sum), the crops' pixels, each crop's status. */
typedef struct {
    int T, B, P;
    sr__tctx **ctx;
    float *grads, *gsum, *samples;
    sr_status *sst;
    sr_error *serr;
} workers;

static sr_status workers_make(workers *w, const sr__tnet *net, int T, int B, int P, int S,
                              sr_error *err)
{
    size_t np = net->nparam, lrn = (size_t)3 * P * P, hrn = lrn * S * S;
    *w = (workers){.T = T, .B = B, .P = P};
    w->ctx = calloc((size_t)T, sizeof *w->ctx);
    w->grads = sr__aligned_alloc((size_t)(B + 1) * np * sizeof(float));
    w->samples = malloc((size_t)B * (lrn + hrn) * sizeof(float));
    w->sst = calloc((size_t)B, sizeof *w->sst);
    w->serr = calloc((size_t)B, sizeof *w->serr);
    int ok = w->ctx && w->grads && w->samples && w->sst && w->serr;
    for (int t = 0; ok && t < T; t++)
        ok = (w->ctx[t] = sr__tctx_create(net, P)) != NULL;
    if (w->grads)
        w->gsum = w->grads + (size_t)B * np;
    return ok ? SR_OK : sr__err(err, SR_E_NOMEM, "training: out of memory for %d threads", T);
}

static void workers_free(workers *w)
{
    for (int t = 0; w->ctx && t < w->T; t++)
        sr__tctx_free(w->ctx[t]);
    free(w->ctx), free(w->grads), free(w->samples), free(w->sst), free(w->serr);
}

/* One optimiser step: B crops drawn in order, each crop's gradient on some thread (into its own
 * slot, so the sum below is in a fixed order whatever thread ran it), summed, Adam. *loss: the
 * mean loss per output value. */
static sr_status train_step(state *st, const sr__tdata *data, workers *w, double lr,
                            double *loss, sr_error *err)
{
    const sr_train_params *p = st->p;
    int B = w->B, P = w->P, degraded = sr__degradation_active(&p->degrade);
    size_t np = st->net.nparam, lrn = (size_t)3 * P * P, hrn = lrn * st->net.scale * st->net.scale;
    sr__tcrop crops[1024];
    for (int i = 0; i < B; i++)
        crops[i] = sr__tdata_draw(data, P, degraded, &st->rng);
    sr__tpacked pk = {0};
    sr_status s = sr__tpacked_make(&st->net, st->theta, &pk, err);
    if (s)
        return s;
    double losses[1024];
    memset(w->grads, 0, (size_t)B * np * sizeof(float));
    float gscale = 1.f / (float)(B * hrn);
#pragma omp parallel for schedule(dynamic, 1) num_threads(w->T)
    for (int i = 0; i < B; i++) {
        float *lrb = w->samples + (size_t)i * (lrn + hrn), *hrb = lrb + lrn;
        w->sst[i] = sr__tdata_extract(data, &crops[i], P, &p->degrade, lrb, hrb, &w->serr[i]);
        losses[i] = w->sst[i] ? 0
                              : sr__tnet_sample(&st->net, &pk, st->theta,
                                                w->ctx[omp_get_thread_num()], lrb, hrb, p->loss,
                                                w->grads + (size_t)i * np, gscale, NULL);
    }
    sr__tpacked_free(&pk);
    for (int i = 0; i < B; i++)
        if (w->sst[i])
            return sr__err(err, w->sst[i], "%s", w->serr[i].msg);
#pragma omp parallel for schedule(static) num_threads(w->T)
    for (size_t j = 0; j < np; j++) {
        float g = 0;
        for (int i = 0; i < B; i++)
            g += w->grads[(size_t)i * np + j];
        w->gsum[j] = g;
    }
    adam(st, w->gsum, lr);
    st->step++;
    *loss = 0;
    for (int i = 0; i < B; i++)
        *loss += losses[i] / (double)(B * hrn);
    return SR_OK;
}

sr_status sr_train_run(const sr_train_params *p, sr_error *err)
{
    state st = {.p = p};
    sr__tdata data = {0};
    sr__evalset val = {0};
    sr_train_progress pr = {0};
    workers wk = {0};
    int T = p->threads > 0 ? p->threads : omp_get_max_threads(), B = p->batch, P = p->patch;
    int S = p->scale, small = 0;
    char ckpt[4096], msg[256];
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", p->out);
    if (B < 1 || B > 1024 || P < 8 || P > 512 || p->steps < 0 || !(p->lr > 0))
        return sr__err(err, SR_E_INVALID, "training: bad batch %d, patch %d, steps %d or lr %g",
                       B, P, p->steps, p->lr);
    sr_status s = p->resume ? load_ckpt(&st, p->resume, err)
                            : sr__tnet_layout(S, p->channels, p->blocks, &st.net, err);
    if (!s && !p->resume && !(s = alloc_state(&st, err))) {
        sr__tnet_init(&st.net, p->seed, st.theta);
        if (p->init)
            s = warm_start(&st, p->init, err);
        memcpy(st.ema, st.theta, st.net.nparam * sizeof(float));
        st.rng = p->seed ^ 0x5eed5eed5eed5eedull;
    }
    if (!s)
        s = sr__tdata_load(p->data_dir, S, P, p->sampling, p->multiscale, &data, &small, err);
    if (!s) {
        char deg[128], sizes[48] = "";
        sr_degradation_format(&p->degrade, deg, sizeof deg);
        if (data.sizes > 1)
            snprintf(sizes, sizeof sizes, " at %d sizes: %d images", data.sizes, data.n);
        int n = snprintf(msg, sizeof msg, "%d photos%s (%d too small for a crop), %zu parameters, "
                         "%.3f MFLOP per low-resolution pixel, degradation %s",
                         data.n / data.sizes, sizes, small, st.net.nparam,
                         sr__tnet_flops_per_pixel(&st.net) / 1e6, deg);
        if (p->resume && n > 0 && (size_t)n < sizeof msg)
            snprintf(msg + n, sizeof msg - (size_t)n, "; resuming at step %d", st.step);
        report(p, &pr, "data", msg);
    }
    if (!s && p->val_dir && !(s = sr__evalset_load(p->val_dir, NULL, S, 1, p->val_jpeg, &val, err)))
        s = bicubic_scores(&val, S, &pr, err);
    if (!s)
        s = workers_make(&wk, &st.net, T, B, P, S, err);
    double per_step = 3 * sr__tnet_flops_per_pixel(&st.net) * P * P * B; /* fwd + 2 bwd */
    double t_report = sr__now(), t_ckpt = t_report, loss_acc = 0, lr = 0;
    int steps_acc = 0, ran = 0;
    while (!s && st.step < p->steps && !(p->stop && *p->stop)) {
        double loss = 0;
        lr = learning_rate(p, st.step);
        s = train_step(&st, &data, &wk, lr, &loss, err);
        if (s)
            break;
        loss_acc += loss;
        steps_acc++, ran++;
        double now = sr__now();
        int validate_now = val.n && p->val_every > 0 && st.step % p->val_every == 0;
        if (now - t_report >= p->report_seconds || validate_now || st.step == p->steps) {
            pr.step = st.step, pr.steps = p->steps, pr.lr = lr;
            pr.loss = loss_acc / steps_acc;
            pr.steps_per_s = steps_acc / (now - t_report);
            pr.gflops = pr.steps_per_s * per_step / 1e9;
            if (validate_now)
                s = validate(&st, &val, T, &pr, err);
            report(p, &pr, validate_now ? "validation" : NULL, NULL);
            t_report = sr__now(), loss_acc = 0, steps_acc = 0;
        }
        if (!s && now - t_ckpt >= p->ckpt_seconds) {
            s = save_ckpt(&st, ckpt, err);
            t_ckpt = now;
            report(p, &pr, "checkpoint", ckpt);
        }
    }
    if (!s && wk.ctx) {
        int stopped = st.step < p->steps;
        s = save_ckpt(&st, ckpt, err);
        if (!s)
            s = write_model(&st, p->out, err);
        /* the loop validated this step if it ran one and the step is a multiple of val_every */
        if (!s && val.n && (!ran || p->val_every <= 0 || st.step % p->val_every))
            s = validate(&st, &val, T, &pr, err);
        pr.step = st.step, pr.steps = p->steps;
        if (steps_acc) { /* the steps since the last report (all of them if there was none) */
            double el = sr__now() - t_report;
            pr.loss = loss_acc / steps_acc, pr.lr = lr;
            pr.steps_per_s = el > 0 ? steps_acc / el : 0;
            pr.gflops = pr.steps_per_s * per_step / 1e9;
        }
        if (!s)
            report(p, &pr, stopped ? "stopped" : "done", ckpt);
    }
    workers_free(&wk);
    free(st.theta);
    sr__tdata_free(&data);
    sr__evalset_free(&val);
    return s;
}
