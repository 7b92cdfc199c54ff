/* train_ops.c - the backward passes the trainer needs beyond the inference convolution: the
 * weight gradient of a 3x3 convolution (im2col + a register-blocked dot-product kernel),
 * PReLU, PixelShuffle and the bilinear skip. The input gradient of a convolution is itself a
 * convolution and runs on the inference kernels (train_net.c). */
#include "train.h"

#include <string.h>

size_t sr__t_wgrad_scratch(int cin, int w, int h)
{
    return (size_t)9 * cin * (((size_t)w * h + 15) / 16 * 16);
}

#define SR_TK_NAME sr__t_dot_generic
#include "train_kernel.inc"

/* The instruction set the convolution kernels use (cpuid, or SR_KERNEL). */
static sr__t_dot_fn pick_dot(void)
{
#ifdef SR_HAVE_X86_KERNELS
    const char *k = sr__conv_kernel_select()->name;
    if (!strcmp(k, "avx512"))
        return sr__t_dot_avx512;
    if (!strcmp(k, "avx2"))
        return sr__t_dot_avx2;
#endif
    return sr__t_dot_generic;
}

void sr__t_conv_wgrad(const float *a, int cin, int w, int h, const float *g, int cout, float *dw,
                      float *db, float *col)
{
    size_t n = (size_t)w * h, cs = (n + 15) / 16 * 16;
    /* col[(ci, ky, kx)][y, x] = a[ci][y + ky - 1][x + kx - 1], zero outside the image. */
    for (int ci = 0; ci < cin; ci++)
        for (int k = 0; k < 9; k++) {
            int dy = k / 3 - 1, dx = k % 3 - 1;
            float *dst = col + ((size_t)ci * 9 + k) * cs;
            const float *src = a + (size_t)ci * n;
            for (int y = 0; y < h; y++) {
                float *d = dst + (size_t)y * w;
                int sy = y + dy;
                if (sy < 0 || sy >= h) {
                    memset(d, 0, (size_t)w * sizeof(float));
                    continue;
                }
                int x0 = dx < 0 ? 1 : 0, x1 = dx > 0 ? w - 1 : w;
                if (x0)
                    d[0] = 0;
                if (x1 < w)
                    d[w - 1] = 0;
                memcpy(d + x0, src + (size_t)sy * w + x0 + dx, (size_t)(x1 - x0) * sizeof(float));
            }
            memset(dst + n, 0, (cs - n) * sizeof(float));
        }
    pick_dot()(g, cout, n, col, cin * 9, cs, dw);
    for (int co = 0; co < cout; co++) {
        float s = 0;
        for (size_t p = 0; p < n; p++)
            s += g[(size_t)co * n + p];
        db[co] += s;
    }
}

void sr__t_prelu(const float *z, const float *slope, int c, size_t hw, float *a)
{
    for (int ch = 0; ch < c; ch++)
        for (size_t i = 0; i < hw; i++) {
            float v = z[ch * hw + i];
            a[ch * hw + i] = v > 0 ? v : v * slope[ch];
        }
}

void sr__t_prelu_back(const float *z, const float *slope, const float *ga, int c, size_t hw,
                      float *gz, float *gslope)
{
    for (int ch = 0; ch < c; ch++) {
        float gs = 0;
        for (size_t i = 0; i < hw; i++) {
            float v = z[ch * hw + i], d = ga[ch * hw + i];
            if (v > 0) {
                gz[ch * hw + i] = d;
            } else {
                gz[ch * hw + i] = d * slope[ch];
                gs += d * v;
            }
        }
        gslope[ch] += gs;
    }
}

/* Index of in[(c s + i) s + j][y][x] in the shuffled out[c][y s + i][x s + j]. */
static void shuffle_map(const float *src, int c, int w, int h, int s, float *dst, int forward)
{
    size_t plane = (size_t)w * h, oplane = plane * s * s;
    for (int ch = 0; ch < c; ch++)
        for (int i = 0; i < s; i++)
            for (int j = 0; j < s; j++) {
                size_t ic = ((size_t)ch * s + i) * s + j;
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++) {
                        size_t a = ic * plane + (size_t)y * w + x;
                        size_t b = ch * oplane + ((size_t)y * s + i) * w * s + (size_t)x * s + j;
                        if (forward)
                            dst[b] = src[a];
                        else
                            dst[a] = src[b];
                    }
            }
}

void sr__t_shuffle(const float *in, int c, int w, int h, int s, float *out)
{
    shuffle_map(in, c, w, h, s, out, 1);
}

void sr__t_unshuffle(const float *in, int c, int w, int h, int s, float *out)
{
    shuffle_map(in, c, w, h, s, out, 0);
}

void sr__t_bilinear_add(const float *in, int c, int w, int h, int s, float *out)
{
    int ow = w * s, oh = h * s;
    for (int y = 0; y < oh; y++) {
        int iy[2];
        float wy[2];
        sr__interp_taps(2, y, h, oh, iy, wy);
        for (int x = 0; x < ow; x++) {
            int ix[2];
            float wx[2];
            sr__interp_taps(2, x, w, ow, ix, wx);
            for (int ch = 0; ch < c; ch++) {
                const float *p = in + (size_t)ch * w * h;
                float top = p[iy[0] * w + ix[0]] * wx[0] + p[iy[0] * w + ix[1]] * wx[1];
                float bot = p[iy[1] * w + ix[0]] * wx[0] + p[iy[1] * w + ix[1]] * wx[1];
                out[((size_t)ch * oh + y) * ow + x] += top * wy[0] + bot * wy[1];
            }
        }
    }
}
