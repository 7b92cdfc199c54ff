/* train_data.c - training pairs: the photos held in memory at full resolution with their
 * downscaled versions (optionally each photo also at 3/4, 1/2 and 1/3 of its size), crops drawn
 * uniformly over all of them or photo by photo, flips and transposes applied to both sides
 * alike. The low-resolution side is made exactly as `srgan downscale` (and the evaluation) make
 * it, rounded to 8 bits, so training sees what users and the metrics feed in. */
#include "train.h"

#include <omp.h>
#include <stdio.h>
#include <string.h>

/* Real-ESRGAN's DF2K_multiscale: the same photos at smaller sizes give textures and edges at
 * more scales than 127 photos hold, where x3 and x4, which see few low-resolution pixels per
 * photo, fit the training photos more than new ones. */
static const double multiscale[] = {1, 0.75, 0.5, 1.0 / 3};
#define MULTISCALE_N (int)(sizeof multiscale / sizeof *multiscale)

/* hr[k] and lr[k] for k > 0 made from hr[0]: hr[0] resized by multiscale[k] (rounded down to a
 * multiple of scale, so the aspect ratio moves by under scale pixels), then downscaled. */
static sr_status scaled_pair(const sr_image *hr0, int scale, int k, sr_image *hr, sr_image *lr,
                             sr_error *err)
{
    int w = (int)(hr0->w * multiscale[k]) / scale * scale;
    int h = (int)(hr0->h * multiscale[k]) / scale * scale;
    if (w < scale || h < scale) /* left with no crop; counted as too small */
        w = h = scale;
    sr_status s = sr_image_imresize(hr0, w, h, hr, err);
    return s ? s : sr_image_downscale(hr, scale, lr, err);
}

sr_status sr__tdata_load(const char *dir, int scale, int patch, int by_photo, int multi,
                         sr__tdata *d, int *small, sr_error *err)
{
    memset(d, 0, sizeof *d);
    d->scale = scale;
    *small = 0;
    sr__strlist files;
    sr_status s = sr__list_images(dir, 1, &files, err);
    if (s)
        return s;
    if (files.n == 0) {
        sr__strlist_free(&files);
        return sr__err_at(err, SR_E_INVALID, dir, "no training images");
    }
    int K = multi ? MULTISCALE_N : 1; /* images per photo: photo i is image i * K + k */
    size_t n = (size_t)files.n * (size_t)K;
    sr_image *hr = calloc(n, sizeof *hr), *lr = calloc(n, sizeof *lr);
    sr_status *st = calloc((size_t)files.n, sizeof *st); /* per photo */
    sr_error *errs = calloc((size_t)files.n, sizeof *errs);
    d->hr = hr, d->lr = lr, d->cum = calloc(n, sizeof(double));
    if (!hr || !lr || !st || !errs || !d->cum) {
        s = sr__err(err, SR_E_NOMEM, "out of memory");
    } else {
        d->n = (int)n, d->sizes = K;
#pragma omp parallel for schedule(dynamic, 1)
        for (int i = 0; i < files.n; i++) {
            char *path = sr__join(dir, files.v[i]);
            int j = i * K;
            st[i] = path ? sr__photo_pair_load(path, scale, &hr[j], &lr[j], &errs[i])
                         : sr__err(&errs[i], SR_E_NOMEM, "out of memory");
            free(path);
            for (int k = 1; k < K && !st[i]; k++)
                st[i] = scaled_pair(&hr[j], scale, k, &hr[j + k], &lr[j + k], &errs[i]);
        }
        for (int i = 0; i < files.n && !s; i++)
            if (st[i])
                s = sr__err(err, st[i], "%s", errs[i].msg);
    }
    double total = 0;
    for (int i = 0; !s && i < d->n; i++) {
        double crops = (double)(lr[i].w - patch + 1) * (lr[i].h - patch + 1);
        if (lr[i].w < patch || lr[i].h < patch) {
            crops = 0;
            ++*small;
        }
        if (by_photo && crops > 0)
            crops = 1;
        d->cum[i] = total += crops;
    }
    if (!s && total == 0)
        s = sr__err_at(err, SR_E_INVALID, dir, "every image is smaller than a %dx%d crop",
                    patch * scale, patch * scale);
    free(st);
    free(errs);
    sr__strlist_free(&files);
    if (s)
        sr__tdata_free(d);
    return s;
}

void sr__tdata_free(sr__tdata *d)
{
    for (int i = 0; i < d->n; i++) {
        sr_image_free(&d->hr[i]);
        sr_image_free(&d->lr[i]);
    }
    free(d->hr), free(d->lr), free(d->cum);
    memset(d, 0, sizeof *d);
}

static double uniform(uint64_t *rng)
{
    return (sr__rng_next(rng) >> 11) / 9007199254740992.0;
}

sr__tcrop sr__tdata_draw(const sr__tdata *d, int patch, int degraded, uint64_t *rng)
{
    double u = uniform(rng) * d->cum[d->n - 1];
    int lo = 0, hi = d->n - 1;
    while (lo < hi) { /* first image whose cumulative count exceeds u */
        int mid = (lo + hi) / 2;
        if (d->cum[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    const sr_image *lr = &d->lr[lo];
    sr__tcrop c = {lo, 0, 0, 0, 0};
    c.x = (int)(sr__rng_next(rng) % (uint64_t)(lr->w - patch + 1));
    c.y = (int)(sr__rng_next(rng) % (uint64_t)(lr->h - patch + 1));
    c.t = (int)(sr__rng_next(rng) & 7);
    if (degraded) /* only then, so clean runs draw the crops they always drew */
        c.seed = sr__rng_next(rng);
    return c;
}

/* dst (q x q interleaved RGB) = the q x q window at (x0, y0) of img, transformed by t. */
static void cut(const sr_image *img, int x0, int y0, int q, int t, uint8_t *dst)
{
    for (int v = 0; v < q; v++)
        for (int u = 0; u < q; u++) {
            int a = t & 1 ? q - 1 - u : u, b = t & 2 ? q - 1 - v : v;
            int sx = t & 4 ? b : a, sy = t & 4 ? a : b;
            memcpy(dst + ((size_t)v * q + u) * 3, img->data + ((size_t)(y0 + sy) * img->w + x0 + sx) * 3, 3);
        }
}

/* planar floats in [0,1], as the upscaler feeds the network */
static void to_planar(const uint8_t *src, size_t n, float *dst)
{
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 3; k++)
            dst[(size_t)k * n + i] = src[i * 3 + k] / 255.f;
}

sr_status sr__tdata_extract(const sr__tdata *d, const sr__tcrop *c, int patch,
                            const sr_degradation *deg, float *lr, float *hr, sr_error *err)
{
    int s = d->scale, q = patch * s;
    sr_image a = {0}, b = {0};
    sr_status st = sr_image_alloc(&a, patch, patch, 3, err);
    if (!st)
        st = sr_image_alloc(&b, q, q, 3, err);
    if (!st) {
        cut(&d->lr[c->img], c->x, c->y, patch, c->t, a.data);
        cut(&d->hr[c->img], c->x * s, c->y * s, q, c->t, b.data);
        if (deg && sr__degradation_active(deg))
            st = sr_image_degrade(deg, c->seed, &a, err);
        to_planar(a.data, (size_t)patch * patch, lr);
        to_planar(b.data, (size_t)q * q, hr);
    }
    sr_image_free(&a);
    sr_image_free(&b);
    return st;
}
