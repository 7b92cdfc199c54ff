/* imresize.c - MATLAB's imresize(img, scale, 'bicubic'): the degradation the SR literature makes
 * its low-resolution images with, so `srgan downscale`, training pairs and the bicubic baseline
 * of `srgan eval` are all comparable with published figures.
 *
 * Keys cubic with a = -0.5; when shrinking by `scale` < 1 the kernel is stretched by 1/scale
 * (antialiasing); borders are mirrored (symmetric, edge pixel repeated); the axis with the
 * smaller scale goes first; everything is double and rounded to 8 bits once at the end.
 */
#include "image.h"

#include <math.h>

static double cubic(double x)
{
    double a = fabs(x), a2 = a * a, a3 = a2 * a;
    if (a <= 1)
        return 1.5 * a3 - 2.5 * a2 + 1;
    if (a <= 2)
        return -0.5 * a3 + 2.5 * a2 - 4 * a + 2;
    return 0;
}

/* Mirror index i (any integer) into [0, n): ... 1 0 | 0 1 .. n-1 | n-1 n-2 ... */
static int mirror(long i, int n)
{
    long period = 2L * n;
    long m = ((i % period) + period) % period;
    return (int)(m < n ? m : period - 1 - m);
}

/* Taps of one axis: out_len rows of `taps` (index, weight) pairs, weights summing to 1. */
typedef struct {
    int taps;
    int *idx;
    double *wt;
} axis_taps;

static int make_taps(int in_len, int out_len, double scale, axis_taps *t)
{
    double width = 4, ks = 1;
    if (scale < 1) {
        width = 4 / scale;
        ks = scale;
    }
    t->taps = (int)ceil(width) + 2;
    t->idx = malloc((size_t)out_len * t->taps * sizeof(int));
    t->wt = malloc((size_t)out_len * t->taps * sizeof(double));
    if (!t->idx || !t->wt)
        return 0;
    for (int x = 0; x < out_len; x++) {
        /* Output pixel x (0-based) is centred on input coordinate u (1-based, as MATLAB). */
        double u = (x + 1) / scale + 0.5 * (1 - 1 / scale);
        double left = floor(u - width / 2), sum = 0;
        int *ix = t->idx + (size_t)x * t->taps;
        double *w = t->wt + (size_t)x * t->taps;
        for (int k = 0; k < t->taps; k++) {
            w[k] = ks * cubic(ks * (u - (left + k)));
            sum += w[k];
            ix[k] = mirror((long)left + k - 1, in_len);
        }
        for (int k = 0; k < t->taps; k++)
            w[k] /= sum;
    }
    return 1;
}

static void free_taps(axis_taps *t)
{
    free(t->idx);
    free(t->wt);
}

/* dst[o] = sum_k wt * src[idx]: `n` lines of `c` interleaved channels; the resized axis has
 * stride `along` (in samples) and the lines stride `across`, in both src and dst. */
static void resample(const double *src, double *dst, const axis_taps *t, int out_len, int n,
                     size_t s_along, size_t s_across, size_t d_along, size_t d_across, int c)
{
    for (int line = 0; line < n; line++)
        for (int o = 0; o < out_len; o++) {
            const int *ix = t->idx + (size_t)o * t->taps;
            const double *w = t->wt + (size_t)o * t->taps;
            for (int ch = 0; ch < c; ch++) {
                double acc = 0;
                for (int k = 0; k < t->taps; k++)
                    acc += w[k] * src[line * s_across + ix[k] * s_along + ch];
                dst[line * d_across + o * d_along + ch] = acc;
            }
        }
}

/* sx, sy: the scale MATLAB is given, which for sizes that do not divide is not w / src->w. */
static sr_status imresize(const sr_image *src, int w, int h, double sx, double sy, sr_image *out,
                          sr_error *err)
{
    if (w < 1 || h < 1 || !src->data)
        return sr__err(err, SR_E_INVALID, "imresize: bad size %dx%d", w, h);
    int c = src->c;
    axis_taps tx = {0}, ty = {0};
    size_t n0 = (size_t)src->w * src->h * c;
    /* Intermediate: the first axis resized, the other not yet. */
    int rows_first = sy <= sx;
    size_t n1 = rows_first ? (size_t)src->w * h * c : (size_t)w * src->h * c;
    double *a = malloc(n0 * sizeof(double)), *b = malloc(n1 * sizeof(double));
    double *d = malloc((size_t)w * h * c * sizeof(double));
    sr_status s = SR_OK;
    if (!a || !b || !d || !make_taps(src->w, w, sx, &tx) || !make_taps(src->h, h, sy, &ty) ||
        sr_image_alloc(out, w, h, c, NULL)) {
        s = sr__err(err, SR_E_NOMEM, "imresize: out of memory for %dx%d", w, h);
        goto done;
    }
    for (size_t i = 0; i < n0; i++)
        a[i] = src->data[i];
    size_t rc = (size_t)c;
    if (rows_first) {
        resample(a, b, &ty, h, src->w, (size_t)src->w * rc, rc, (size_t)src->w * rc, rc, c);
        resample(b, d, &tx, w, h, rc, (size_t)src->w * rc, rc, (size_t)w * rc, c);
    } else {
        resample(a, b, &tx, w, src->h, rc, (size_t)src->w * rc, rc, (size_t)w * rc, c);
        resample(b, d, &ty, h, w, (size_t)w * rc, rc, (size_t)w * rc, rc, c);
    }
    for (size_t i = 0; i < (size_t)w * h * c; i++) {
        double v = d[i] < 0 ? -floor(-d[i] + 0.5) : floor(d[i] + 0.5); /* half away from 0 */
        out->data[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
    if (!s)
        s = sr_image_copy_icc(out, src, err);
    if (s)
        sr_image_free(out);
done:
    free(a), free(b), free(d);
    free_taps(&tx), free_taps(&ty);
    return s;
}

sr_status sr_image_imresize(const sr_image *src, int w, int h, sr_image *out, sr_error *err)
{
    return imresize(src, w, h, (double)w / src->w, (double)h / src->h, out, err);
}

sr_status sr_image_downscale(const sr_image *src, int factor, sr_image *out, sr_error *err)
{
    if (factor < 1)
        return sr__err(err, SR_E_INVALID, "downscale: bad factor %d", factor);
    return imresize(src, (src->w + factor - 1) / factor, (src->h + factor - 1) / factor,
                    1.0 / factor, 1.0 / factor, out, err);
}
