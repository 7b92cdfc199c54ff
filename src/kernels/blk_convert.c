/* blk_convert.c - conversions between the planar and the channel-blocked layouts (AVX-512F), for
 * the kernels that read or write blocked activations (wino_blocked.c, direct_blocked.c, the
 * banded direct path in conv.c). The layout is described in kernels.h. */
#include "kernels.h"

#include <immintrin.h>
#include <string.h>

/* Channel k's offset within its group of 16 planes, for gathers and scatters. */
static __m512i plane_index(size_t plane)
{
    return _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1,
                                               0),
                              _mm512_set1_epi32((int)plane));
}

void sr__blk_row_from_planar(const float *src, size_t plane, int c, int w, float *dst,
                             size_t dplane)
{
    const __m512i idx = plane_index(plane);
    for (int cb = 0; cb < c / 16; cb++)
        for (int x = 0; x < w; x++)
            _mm512_store_ps(dst + cb * dplane + (size_t)x * 16,
                            _mm512_i32gather_ps(idx, src + (size_t)cb * 16 * plane + x, 4));
}

void sr__blk_rows_from_planar(const float *in, int c, int w, int h, int y0, int n, float *out)
{
    int W = w + 2 * SR_BLK_PAD;
    size_t dplane = (size_t)n * W * 16;
    for (int r = 0; r < n; r++) {
        int y = y0 + r;
        for (int cb = 0; cb < c / 16; cb++) {
            float *o = out + cb * dplane + (size_t)r * W * 16;
            if (y < 0 || y >= h)
                memset(o, 0, (size_t)W * 16 * sizeof(float));
            else {
                memset(o, 0, SR_BLK_PAD * 16 * sizeof(float));
                memset(o + (size_t)(W - SR_BLK_PAD) * 16, 0, SR_BLK_PAD * 16 * sizeof(float));
            }
        }
        if (y >= 0 && y < h)
            sr__blk_row_from_planar(in + (size_t)y * w, (size_t)w * h, c, w,
                                    out + ((size_t)r * W + SR_BLK_PAD) * 16, dplane);
    }
}

void sr__blk_store_rows(const float *band, int c, int w, int rows, float *out, int h, int y0)
{
    int W = w + 2 * SR_BLK_PAD;
    size_t dplane = (size_t)(h + 2 * SR_BLK_PAD) * W * 16;
    for (int r = 0; r < rows; r++)
        sr__blk_row_from_planar(band + (size_t)r * w, (size_t)rows * w, c, w,
                       out + ((size_t)(y0 + r + SR_BLK_PAD) * W + SR_BLK_PAD) * 16, dplane);
}

/* r[j] (pixel j's 16 channels) to r[k] (channel k's 16 pixels): unpacks within 128-bit lanes,
 * then lane shuffles. */
static void transpose16(__m512 r[16])
{
    __m512 t[16], u[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int g = 0; g < 4; g++) /* u[4g + m], lane L: rows 4g .. 4g + 3 at column 4L + m */
        for (int h = 0; h < 2; h++) {
            __m512d a = _mm512_castps_pd(t[4 * g + h]), b = _mm512_castps_pd(t[4 * g + 2 + h]);
            u[4 * g + 2 * h] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
            u[4 * g + 2 * h + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
        }
    for (int m = 0; m < 4; m++) {
        __m512 x0 = _mm512_shuffle_f32x4(u[m], u[4 + m], 0x88);
        __m512 x1 = _mm512_shuffle_f32x4(u[m], u[4 + m], 0xDD);
        __m512 y0 = _mm512_shuffle_f32x4(u[8 + m], u[12 + m], 0x88);
        __m512 y1 = _mm512_shuffle_f32x4(u[8 + m], u[12 + m], 0xDD);
        r[m] = _mm512_shuffle_f32x4(x0, y0, 0x88);
        r[4 + m] = _mm512_shuffle_f32x4(x1, y1, 0x88);
        r[8 + m] = _mm512_shuffle_f32x4(x0, y0, 0xDD);
        r[12 + m] = _mm512_shuffle_f32x4(x1, y1, 0xDD);
    }
}

/* Transposed in registers, then one masked store per channel: a scatter per pixel cost more
 * than the blocked input saved, on Real-CUGAN. */
void sr__blk_store_planar(__m512 px[16], int n, float *out, int cb, int ow, int oh, int oy, int x0)
{
    int lo = x0 < 0 ? -x0 : 0, hi = ow - x0 < n ? ow - x0 : n;
    if (oy < 0 || oy >= oh || hi <= lo)
        return;
    for (int j = n; j < 16; j++)
        px[j] = _mm512_setzero_ps();
    transpose16(px);
    __mmask16 mk = (__mmask16)(((1u << hi) - 1) & ~((1u << lo) - 1));
    size_t plane = (size_t)ow * oh;
    for (int k = 0; k < 16; k++) {
        float *row = out + (size_t)(cb * 16 + k) * plane + (size_t)oy * ow;
        if (x0 < 0) /* column -1 (an odd phase) is never stored: start at 0, one lane on */
            _mm512_mask_storeu_ps(row, (__mmask16)(mk >> 1),
                                  _mm512_castsi512_ps(_mm512_alignr_epi32(
                                      _mm512_setzero_si512(), _mm512_castps_si512(px[k]), 1)));
        else
            _mm512_mask_storeu_ps(row + x0, mk, px[k]);
    }
}
