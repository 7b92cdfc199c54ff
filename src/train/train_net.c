/* train_net.c - the trainable generator: its weight layout, initialisation, one sample's
 * forward and backward pass, and export to ncnn's .param/.bin (what srgan and the ncnn-based
 * upscalers load). */
#include "train.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

sr_status sr__tnet_layout(int scale, int channels, int blocks, sr__tnet *n, sr_error *err)
{
    if (scale < 2 || scale > 4 || channels < 4 || channels > 256 || blocks < 0 ||
        blocks > SR_TRAIN_MAX_CONVS - 2)
        return sr__err(err, SR_E_INVALID,
                       "architecture: scale %d, %d channels, %d blocks (want scale 2-4, 4-256 "
                       "channels, 0-%d blocks)",
                       scale, channels, blocks, SR_TRAIN_MAX_CONVS - 2);
    memset(n, 0, sizeof *n);
    n->scale = scale, n->channels = channels, n->blocks = blocks, n->nconv = blocks + 2;
    size_t off = 0;
    for (int l = 0; l < n->nconv; l++) {
        n->cin[l] = l == 0 ? 3 : channels;
        n->cout[l] = l == n->nconv - 1 ? 3 * scale * scale : channels;
        n->w_off[l] = off;
        off += (size_t)n->cout[l] * n->cin[l] * 9;
        n->b_off[l] = off;
        off += n->cout[l];
        if (l < n->nconv - 1) {
            n->a_off[l] = off;
            off += n->cout[l];
        }
    }
    n->nparam = off;
    return SR_OK;
}

double sr__tnet_flops_per_pixel(const sr__tnet *n)
{
    double f = 0;
    for (int l = 0; l < n->nconv; l++)
        f += 2.0 * 9 * n->cin[l] * n->cout[l];
    return f;
}

/* Box-Muller on splitmix64: a normal deviate stream that only depends on the seed. */
static double normal(uint64_t *s)
{
    double u = ((sr__rng_next(s) >> 11) + 0.5) / 9007199254740992.0;
    double v = ((sr__rng_next(s) >> 11) + 0.5) / 9007199254740992.0;
    return sqrt(-2 * log(u)) * cos(2 * 3.14159265358979323846 * v);
}

void sr__tnet_init(const sr__tnet *n, uint64_t seed, float *theta)
{
    uint64_t s = seed;
    memset(theta, 0, n->nparam * sizeof(float));
    for (int l = 0; l < n->nconv; l++) {
        double std = sqrt(2.0 / ((1 + 0.25 * 0.25) * n->cin[l] * 9));
        if (l == n->nconv - 1)
            std *= 0.1;
        size_t nw = (size_t)n->cout[l] * n->cin[l] * 9;
        for (size_t i = 0; i < nw; i++)
            theta[n->w_off[l] + i] = (float)(std * normal(&s));
        if (l < n->nconv - 1)
            for (int c = 0; c < n->cout[l]; c++)
                theta[n->a_off[l] + c] = 0.25f;
    }
}

static void conv_setup(sr__conv *c, int cin, int cout, float *w, float *b)
{
    memset(c, 0, sizeof *c);
    c->cin = cin, c->cout = cout, c->kw = c->kh = 3, c->dw = c->dh = c->sw = c->sh = 1;
    c->pl = c->pr = c->pt = c->pb = 1;
    c->weight = w, c->bias = b;
}

sr_status sr__tpacked_make(const sr__tnet *n, const float *theta, sr__tpacked *pk, sr_error *err)
{
    memset(pk, 0, sizeof *pk);
    size_t nw = 0;
    int cmax = 0;
    for (int l = 0; l < n->nconv; l++) {
        nw += (size_t)n->cout[l] * n->cin[l] * 9;
        cmax = n->cout[l] > cmax ? n->cout[l] : cmax;
    }
    pk->bwd_weights = malloc(nw * sizeof(float));
    pk->zeros = calloc((size_t)cmax, sizeof(float));
    if (!pk->bwd_weights || !pk->zeros) {
        sr__tpacked_free(pk);
        return sr__err(err, SR_E_NOMEM, "training: out of memory");
    }
    float *bw = pk->bwd_weights;
    for (int l = 0; l < n->nconv; l++) {
        int ci = n->cin[l], co = n->cout[l];
        const float *w = theta + n->w_off[l];
        conv_setup(&pk->fwd[l], ci, co, (float *)w, (float *)theta + n->b_off[l]);
        /* d(input) = conv(d(output)) with weights transposed in channels, flipped in space. */
        for (int o = 0; o < co; o++)
            for (int i = 0; i < ci; i++)
                for (int k = 0; k < 9; k++)
                    bw[((size_t)i * co + o) * 9 + 8 - k] = w[((size_t)o * ci + i) * 9 + k];
        conv_setup(&pk->bwd[l], co, ci, bw, pk->zeros);
        bw += (size_t)co * ci * 9;
        sr_status s = sr__conv_pack(&pk->fwd[l], err);
        if (!s)
            s = sr__conv_pack(&pk->bwd[l], err);
        if (s) {
            sr__tpacked_free(pk);
            return s;
        }
    }
    return SR_OK;
}

void sr__tpacked_free(sr__tpacked *pk)
{
    for (int l = 0; l < SR_TRAIN_MAX_CONVS; l++) {
        free(pk->fwd[l].packed);
        free(pk->bwd[l].packed);
    }
    free(pk->bwd_weights);
    free(pk->zeros);
    memset(pk, 0, sizeof *pk);
}

struct sr__tctx {
    int p;
    float *z[SR_TRAIN_MAX_CONVS]; /* conv outputs */
    float *a[SR_TRAIN_MAX_CONVS]; /* a[l] = input of conv l (a[0] unused: the sample itself) */
    float *out, *gout, *gz, *ga, *ws, *col;
    size_t ws_shared; /* ws: the kernels' shared scratch, then (from here) their own */
};

sr__tctx *sr__tctx_create(const sr__tnet *n, int p)
{
    sr__tctx *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->p = p;
    size_t hw = (size_t)p * p, shared = 0, own = 0, col = 0;
    int ok = 1, cmax = 3;
    for (int l = 0; l < n->nconv; l++) {
        ok &= !!(c->z[l] = sr__aligned_alloc((size_t)n->cout[l] * hw * sizeof(float)));
        if (l > 0)
            ok &= !!(c->a[l] = sr__aligned_alloc((size_t)n->cin[l] * hw * sizeof(float)));
        cmax = n->cout[l] > cmax ? n->cout[l] : cmax;
    }
    for (int l = 0; ok && l < n->nconv; l++) {
        sr__conv f, b; /* workspace sizes depend only on shapes and the kernel's blocking */
        conv_setup(&f, n->cin[l], n->cout[l], NULL, NULL);
        conv_setup(&b, n->cout[l], n->cin[l], NULL, NULL);
        sr__conv_pick(&f), sr__conv_pick(&b);
        sr__ws_need a = sr__conv_workspace(&f, p, p), bb = sr__conv_workspace(&b, p, p);
        shared = a.shared > shared ? a.shared : shared;
        shared = bb.shared > shared ? bb.shared : shared;
        own = a.own > own ? a.own : own;
        own = bb.own > own ? bb.own : own;
        size_t cl = sr__t_wgrad_scratch(n->cin[l], p, p);
        col = cl > col ? cl : col;
    }
    size_t so = 3 * hw * n->scale * n->scale;
    c->ws_shared = shared = (shared + 15) / 16 * 16; /* own scratch starts on a cache line */
    ok = ok && (c->out = sr__aligned_alloc(so * sizeof(float))) &&
         (c->gout = sr__aligned_alloc(so * sizeof(float))) &&
         (c->gz = sr__aligned_alloc((size_t)cmax * hw * sizeof(float))) &&
         (c->ga = sr__aligned_alloc((size_t)cmax * hw * sizeof(float))) &&
         (c->ws = sr__aligned_alloc((shared + own + 16) * sizeof(float))) &&
         (c->col = sr__aligned_alloc(col * sizeof(float)));
    if (!ok) {
        sr__tctx_free(c);
        return NULL;
    }
    return c;
}

void sr__tctx_free(sr__tctx *c)
{
    if (!c)
        return;
    for (int l = 0; l < SR_TRAIN_MAX_CONVS; l++) {
        free(c->z[l]);
        free(c->a[l]);
    }
    free(c->out), free(c->gout), free(c->gz), free(c->ga), free(c->ws), free(c->col);
    free(c);
}

/* Loss of one output value against its target, and its derivative. */
static double loss_of(int type, float d, float *grad)
{
    switch (type) {
    case SR_LOSS_CHARBONNIER: {
        const double eps2 = 1e-6;
        double r = sqrt((double)d * d + eps2);
        *grad = (float)(d / r);
        return r;
    }
    case SR_LOSS_L2:
        *grad = d;
        return 0.5 * (double)d * d;
    default:
        *grad = d > 0 ? 1.f : d < 0 ? -1.f : 0.f;
        return fabs((double)d);
    }
}

double sr__tnet_sample(const sr__tnet *n, const sr__tpacked *pk, const float *theta, sr__tctx *c,
                       const float *lr, const float *hr, int loss, float *grad, float gscale,
                       const float **out)
{
    int p = c->p, s = n->scale, L = n->nconv;
    size_t hw = (size_t)p * p, so = 3 * hw * s * s;
    /* one thread per sample; a sample is a whole image: its origin is 0 */
    const sr__run rc = {c->ws, c->ws + c->ws_shared, 0, 1, 0, 0, NULL};
    for (int l = 0; l < L; l++) {
        sr__conv_forward(&pk->fwd[l], l ? c->a[l] : lr, p, p, c->z[l], p, p, &rc);
        if (l < L - 1)
            sr__t_prelu(c->z[l], theta + n->a_off[l], n->cout[l], hw, c->a[l + 1]);
    }
    sr__t_shuffle(c->z[L - 1], 3, p, p, s, c->out);
    sr__t_bilinear_add(lr, 3, p, p, s, c->out);
    if (out)
        *out = c->out;
    double sum = 0;
    for (size_t i = 0; i < so; i++) {
        sum += loss_of(loss, c->out[i] - hr[i], &c->gout[i]);
        c->gout[i] *= gscale;
    }
    if (!grad)
        return sum;
    sr__t_unshuffle(c->gout, 3, p, p, s, c->gz);
    for (int l = L - 1; l >= 0; l--) {
        sr__t_conv_wgrad(l ? c->a[l] : lr, n->cin[l], p, p, c->gz, n->cout[l], grad + n->w_off[l],
                         grad + n->b_off[l], c->col);
        if (l == 0)
            break;
        sr__conv_forward(&pk->bwd[l], c->gz, p, p, c->ga, p, p, &rc);
        sr__t_prelu_back(c->z[l - 1], theta + n->a_off[l - 1], c->ga, n->cout[l - 1], hw, c->gz,
                         grad + n->a_off[l - 1]);
    }
    return sum;
}

/* ---- export ---- */

static int put(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int put(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int k = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
        va_end(ap);
        if (k < 0)
            return -1;
        if ((size_t)k < *cap - *len) {
            *len += (size_t)k;
            return 0;
        }
        size_t nc = *cap * 2 + (size_t)k;
        char *nb = realloc(*buf, nc);
        if (!nb)
            return -1;
        *buf = nb, *cap = nc;
    }
}

sr_status sr__tnet_export(const sr__tnet *n, const float *theta, char **param, uint8_t **bin,
                          size_t *bin_len, sr_error *err)
{
    int L = n->nconv, s = n->scale;
    size_t cap = 4096, len = 0;
    char *t = malloc(cap);
    size_t nfloat = n->nparam, blen = nfloat * sizeof(float) + (size_t)L * 4;
    uint8_t *b = malloc(blen);
    int bad = !t || !b;
    /* Layers: Input, Split, L convolutions, L-1 PReLUs, PixelShuffle, Interp, BinaryOp. The
     * Input is named "srgan": the loader then adds no border (the "srgan" family). */
    bad = bad || put(&t, &len, &cap, "7767517\n%d %d\n", 2 * L + 4, 2 * L + 5);
    bad = bad || put(&t, &len, &cap, "Input srgan 0 1 data\nSplit split 1 2 data in0 in1\n");
    uint8_t *o = b;
    for (int l = 0; !bad && l < L; l++) {
        size_t nw = (size_t)n->cout[l] * n->cin[l] * 9;
        char src[16];
        snprintf(src, sizeof src, l ? "a%d" : "in0", l);
        bad = put(&t, &len, &cap, "Convolution conv%d 1 1 %s z%d 0=%d 1=3 4=1 5=1 6=%zu\n", l,
                  src, l, n->cout[l], nw);
        if (!bad && l < L - 1)
            bad = put(&t, &len, &cap, "PReLU prelu%d 1 1 z%d a%d 0=%d\n", l, l, l + 1,
                      n->cout[l]);
        memset(o, 0, 4); /* fp32 tag for the weights; bias and slopes are untagged */
        o += 4;
        memcpy(o, theta + n->w_off[l], (nw + n->cout[l]) * sizeof(float));
        o += (nw + n->cout[l]) * sizeof(float);
        if (l < L - 1) {
            memcpy(o, theta + n->a_off[l], n->cout[l] * sizeof(float));
            o += n->cout[l] * sizeof(float);
        }
    }
    bad = bad || put(&t, &len, &cap,
                     "PixelShuffle shuffle 1 1 z%d shuffled 0=%d\n"
                     "Interp skip 1 1 in1 skipped 0=2 1=%d.0 2=%d.0\n"
                     "BinaryOp add 2 1 shuffled skipped output 0=0\n",
                     L - 1, s, s, s);
    if (bad) {
        free(t), free(b);
        return sr__err(err, SR_E_NOMEM, "export: out of memory");
    }
    *param = t, *bin = b, *bin_len = (size_t)(o - b);
    return SR_OK;
}

/* ---- growth: a larger network that starts out computing what a smaller one does ---- */

/* Where the smaller network's body layer j (1-based) sits in the larger one: the added layers
 * are spread evenly, one after every blocks/added old ones. */
static int grown_index(const sr__tnet *o, const sr__tnet *n, int j)
{
    int added = n->blocks - o->blocks;
    return j + (o->blocks ? (j - 1) * added / o->blocks : 0);
}

void sr__tnet_grow(const sr__tnet *o, const float *w, const sr__tnet *n, float *theta)
{
    int map[SR_TRAIN_MAX_CONVS]; /* n's layer -> o's, or -1 for an added identity layer */
    for (int l = 0; l < n->nconv; l++)
        map[l] = -1;
    map[0] = 0;
    for (int j = 1; j <= o->blocks; j++)
        map[grown_index(o, n, j)] = j;
    map[n->nconv - 1] = o->scale == n->scale ? o->nconv - 1 : -2; /* -2: keep the fresh init */
    for (int l = 0; l < n->nconv; l++) {
        int k = map[l], ci = n->cin[l], co = n->cout[l];
        float *tw = theta + n->w_off[l], *tb = theta + n->b_off[l];
        float *ta = l < n->nconv - 1 ? theta + n->a_off[l] : NULL;
        if (k == -2)
            continue;
        if (k < 0) { /* identity: the centre tap 1 on the diagonal, a linear PReLU */
            memset(tw, 0, (size_t)co * ci * 9 * sizeof(float));
            for (int c = 0; c < co; c++)
                tw[((size_t)c * ci + c) * 9 + 4] = 1, tb[c] = 0, ta[c] = 1;
            continue;
        }
        int oi = o->cin[k], oo = o->cout[k];
        const float *ow = w + o->w_off[k], *ob = w + o->b_off[k];
        /* Old outputs keep their weights from old inputs and ignore the new ones; the new
         * outputs keep their random weights, so they learn, but nothing reads them yet. */
        for (int c = 0; c < oo; c++) {
            memcpy(tw + (size_t)c * ci * 9, ow + (size_t)c * oi * 9, (size_t)oi * 9 * sizeof(float));
            memset(tw + ((size_t)c * ci + oi) * 9, 0, (size_t)(ci - oi) * 9 * sizeof(float));
            tb[c] = ob[c];
            if (ta)
                ta[c] = w[o->a_off[k] + c];
        }
    }
}

/* ---- import (the inverse of export: warm starts from a model) ---- */

static size_t exported_bytes(int scale, int channels, int blocks)
{
    sr__tnet t;
    if (sr__tnet_layout(scale, channels, blocks, &t, NULL))
        return 0;
    return t.nparam * sizeof(float) + (size_t)t.nconv * 4;
}

sr_status sr__tnet_import(const char *name, int channels, int blocks, sr__tnet *n, uint8_t **theta,
                          sr_error *err)
{
    sr_embedded_model e;
    const uint8_t *bin = NULL;
    uint8_t *file = NULL;
    size_t len = 0;
    sr_status s = SR_OK;
    for (int i = 0; sr_embedded_get(i, &e); i++)
        if (!strcmp(e.name, name))
            bin = e.bin, len = e.bin_len;
    if (!bin) { /* NAME.param or NAME.bin: the .bin beside it */
        size_t k = strlen(name);
        char path[4096];
        if (k > 6 && !strcmp(name + k - 6, ".param"))
            k -= 6;
        else if (k > 4 && !strcmp(name + k - 4, ".bin"))
            k -= 4;
        snprintf(path, sizeof path, "%.*s.bin", (int)k, name);
        s = sr__read_file(path, (size_t)1 << 31, &file, &len, err);
        bin = file;
    }
    /* The scale is the one whose layout has exactly this many bytes: the floats, plus a 4-byte
     * fp32 tag before each convolution's weights. The CxB asked for first; failing that, the
     * one smaller network of that size that could grow into it. */
    int found = 0, fc = channels, fb = blocks, many = 0;
    for (int sc = 2; !s && sc <= 4; sc++)
        if (len == exported_bytes(sc, channels, blocks))
            found = sc;
    for (int c = 4; !s && !found && c <= channels; c++)
        for (int b = 0; b <= blocks; b++)
            for (int sc = 2; sc <= 4; sc++)
                if (len == exported_bytes(sc, c, b))
                    many += !!found, found = sc, fc = c, fb = b;
    if (!s && (!found || many))
        s = sr__err_at(err, SR_E_INVALID, name,
                       "not a srgan-photo network of at most %dx%d (%zu bytes of weights%s)",
                       channels, blocks, len, many ? " fit several" : "");
    if (!s)
        sr__tnet_layout(found, fc, fb, n, NULL);
    float *t = s ? NULL : malloc(n->nparam * sizeof(float));
    if (!s && !t)
        s = sr__err(err, SR_E_NOMEM, "out of memory");
    const uint8_t *o = bin;
    for (int l = 0; !s && l < n->nconv; l++) {
        size_t nw = (size_t)n->cout[l] * n->cin[l] * 9, nb = n->cout[l];
        uint32_t tag;
        memcpy(&tag, o, 4);
        if (tag) {
            s = sr__err_at(err, SR_E_INVALID, name, "convolution %d is not stored as fp32", l);
            break;
        }
        o += 4;
        memcpy(t + n->w_off[l], o, (nw + nb) * sizeof(float)); /* bias follows the weights */
        o += (nw + nb) * sizeof(float);
        if (l < n->nconv - 1) {
            memcpy(t + n->a_off[l], o, nb * sizeof(float));
            o += nb * sizeof(float);
        }
    }
    free(file);
    if (s)
        free(t);
    else
        *theta = (uint8_t *)t;
    return s;
}
