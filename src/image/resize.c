/* resize.c - separable linear/cubic resampling: the taps shared with the Interp layer, and the
 * bicubic resize of 8-bit images used for alpha channels. */
#include "image.h"

#include <string.h>

/* Source index and fraction for output position d: (d + 0.5) * n / outn - 0.5 computed exactly
 * in integers, so the fraction depends only on the position's phase. */
static void src_pos(int d, int n, int outn, int *idx, float *frac)
{
    long num = (2L * d + 1) * n - outn, den = 2L * outn;
    long q = num >= 0 ? num / den : -((-num + den - 1) / den);
    *idx = (int)q;
    *frac = (float)((double)(num - q * den) / (double)den);
}

/* ncnn's interpolate_cubic, term for term, so results match the reference programs. */
static void cubic_coeffs(float fx, float *k)
{
    const float A = -0.75f;
    float x0 = fx + 1, x1 = fx, x2 = 1 - fx;
    k[0] = A * x0 * x0 * x0 - 5 * A * x0 * x0 + 8 * A * x0 - 4 * A;
    k[1] = (A + 2) * x1 * x1 * x1 - (A + 3) * x1 * x1 + 1;
    k[2] = (A + 2) * x2 * x2 * x2 - (A + 3) * x2 * x2 + 1;
    k[3] = 1.f - k[0] - k[1] - k[2];
}

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void sr__interp_taps(int type, int d, int n, int outn, int *idx, float *wt)
{
    int i;
    float f;
    src_pos(d, n, outn, &i, &f);
    if (type == 2) {
        idx[0] = clampi(i, 0, n - 1);
        idx[1] = clampi(i + 1, 0, n - 1);
        wt[0] = 1.f - f;
        wt[1] = f;
        return;
    }
    cubic_coeffs(f, wt);
    for (int k = 0; k < 4; k++)
        idx[k] = clampi(i - 1 + k, 0, n - 1);
}

sr_status sr_image_resize(const sr_image *src, int w, int h, sr_image *out, sr_error *err)
{
    sr_status s = sr_image_alloc(out, w, h, src->c, err);
    if (s)
        return s;
    int c = src->c;
    size_t rowf = (size_t)w * c;
    float *tmp = malloc((size_t)src->h * rowf * sizeof(float));
    int *ix = malloc((size_t)w * 4 * sizeof(int));
    float *wx = malloc((size_t)w * 4 * sizeof(float));
    if (!tmp || !ix || !wx) {
        free(tmp), free(ix), free(wx);
        sr_image_free(out);
        return sr__err(err, SR_E_NOMEM, "resize: out of memory");
    }
    for (int x = 0; x < w; x++)
        sr__interp_taps(3, x, src->w, w, ix + 4 * x, wx + 4 * x);
    for (int y = 0; y < src->h; y++) {
        const uint8_t *r = src->data + (size_t)y * src->w * c;
        float *t = tmp + (size_t)y * rowf;
        for (int x = 0; x < w; x++)
            for (int k = 0; k < c; k++) {
                const int *i = ix + 4 * x;
                const float *a = wx + 4 * x;
                t[x * c + k] = r[i[0] * c + k] * a[0] + r[i[1] * c + k] * a[1] +
                               r[i[2] * c + k] * a[2] + r[i[3] * c + k] * a[3];
            }
    }
    for (int y = 0; y < h; y++) {
        int iy[4];
        float wy[4];
        sr__interp_taps(3, y, src->h, h, iy, wy);
        uint8_t *d = out->data + (size_t)y * rowf;
        for (size_t x = 0; x < rowf; x++) {
            float v = tmp[iy[0] * rowf + x] * wy[0] + tmp[iy[1] * rowf + x] * wy[1] +
                      tmp[iy[2] * rowf + x] * wy[2] + tmp[iy[3] * rowf + x] * wy[3];
            d[x] = (uint8_t)(v <= 0.f ? 0 : v >= 255.f ? 255 : (int)(v + 0.5f));
        }
    }
    free(tmp), free(ix), free(wx);
    return SR_OK;
}
