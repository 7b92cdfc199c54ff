/* metrics.c - PSNR and SSIM on the BT.601 luma with a shaved border: the way SR papers and
 * BasicSR report quality, so `srgan eval` figures compare with theirs. */
#include "quality.h"

#include <math.h>
#include <string.h>

#define WIN 11 /* SSIM window: 11 x 11 Gaussian, sigma 1.5, valid area only */

/* Luma of the image inside the shaved border, as doubles in [0, 255] (not rounded). */
static void luma(const sr_image *img, int shave, int w, int h, double *y)
{
    for (int r = 0; r < h; r++)
        for (int x = 0; x < w; x++) {
            const uint8_t *p = img->data + ((size_t)(r + shave) * img->w + x + shave) * img->c;
            y[(size_t)r * w + x] =
                img->c >= 3 ? 16.0 + (65.481 * p[0] + 128.553 * p[1] + 24.966 * p[2]) / 255.0
                            : p[0];
        }
}

/* Valid-area separable Gaussian blur of src (w x h) into dst ((w-10) x (h-10)); tmp is w x h. */
static void blur(const double *src, int w, int h, const double *g, double *tmp, double *dst)
{
    int ow = w - WIN + 1, oh = h - WIN + 1;
    for (int r = 0; r < h; r++)
        for (int x = 0; x < ow; x++) {
            double a = 0;
            for (int k = 0; k < WIN; k++)
                a += g[k] * src[(size_t)r * w + x + k];
            tmp[(size_t)r * ow + x] = a;
        }
    for (int r = 0; r < oh; r++)
        for (int x = 0; x < ow; x++) {
            double a = 0;
            for (int k = 0; k < WIN; k++)
                a += g[k] * tmp[(size_t)(r + k) * ow + x];
            dst[(size_t)r * ow + x] = a;
        }
}

static double ssim(const double *a, const double *b, int w, int h, double *buf)
{
    double g[WIN], gs = 0;
    for (int k = 0; k < WIN; k++)
        gs += g[k] = exp(-(k - WIN / 2) * (k - WIN / 2) / (2 * 1.5 * 1.5));
    for (int k = 0; k < WIN; k++)
        g[k] /= gs;
    size_t n = (size_t)w * h, m = (size_t)(w - WIN + 1) * (h - WIN + 1);
    double *prod = buf, *tmp = prod + n, *mu[5];
    for (int i = 0; i < 5; i++)
        mu[i] = tmp + n + i * m;
    blur(a, w, h, g, tmp, mu[0]);
    blur(b, w, h, g, tmp, mu[1]);
    for (int i = 0; i < 3; i++) {
        const double *u = i == 1 ? b : a, *v = i == 0 ? a : b; /* aa, bb, ab */
        for (size_t j = 0; j < n; j++)
            prod[j] = u[j] * v[j];
        blur(prod, w, h, g, tmp, mu[2 + i]);
    }
    const double c1 = (0.01 * 255) * (0.01 * 255), c2 = (0.03 * 255) * (0.03 * 255);
    double sum = 0;
    for (size_t j = 0; j < m; j++) {
        double ma = mu[0][j], mb = mu[1][j];
        double va = mu[2][j] - ma * ma, vb = mu[3][j] - mb * mb, cov = mu[4][j] - ma * mb;
        sum += (2 * ma * mb + c1) * (2 * cov + c2) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
    }
    return sum / (double)m;
}

sr_status sr_image_quality(const sr_image *ref, const sr_image *test, int shave, sr_quality *q,
                           sr_error *err)
{
    if (ref->w != test->w || ref->h != test->h)
        return sr__err(err, SR_E_INVALID, "images differ in size: %dx%d and %dx%d", ref->w,
                       ref->h, test->w, test->h);
    if ((ref->c >= 3) != (test->c >= 3))
        return sr__err(err, SR_E_INVALID, "one image is gray and the other colour");
    int w = ref->w - 2 * shave, h = ref->h - 2 * shave;
    if (shave < 0 || w < WIN || h < WIN)
        return sr__err(err, SR_E_INVALID,
                       "%dx%d is too small to score with a %d-pixel border (needs %d x %d inside)",
                       ref->w, ref->h, shave, WIN, WIN);
    size_t n = (size_t)w * h;
    double *a = malloc(n * sizeof(double) * 9);
    if (!a)
        return sr__err(err, SR_E_NOMEM, "quality: out of memory");
    double *b = a + n;
    luma(ref, shave, w, h, a);
    luma(test, shave, w, h, b);
    double se = 0;
    for (size_t j = 0; j < n; j++)
        se += (a[j] - b[j]) * (a[j] - b[j]);
    q->psnr = se == 0 ? INFINITY : 10 * log10(255.0 * 255.0 / (se / (double)n));
    q->ssim = ssim(a, b, w, h, b + n);
    free(a);
    return SR_OK;
}
