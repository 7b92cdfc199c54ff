/* webp.c - WebP in and out through libwebp: what the reference upscalers write by default, and
 * about a third of PNG's size for photos at visually lossless quality. */
#include "image.h"

#include <string.h>
#include <webp/decode.h>
#include <webp/encode.h>

int sr__is_webp(const uint8_t *buf, size_t len)
{
    return len >= 12 && !memcmp(buf, "RIFF", 4) && !memcmp(buf + 8, "WEBP", 4);
}

sr_status sr__webp_decode(const uint8_t *buf, size_t len, const char *path, uint64_t max_pixels,
                          sr_image *out, sr_error *err)
{
    WebPBitstreamFeatures f;
    if (WebPGetFeatures(buf, len, &f) != VP8_STATUS_OK)
        return sr__err_at(err, SR_E_FORMAT, path, "not a readable WebP");
    if (f.has_animation)
        return sr__err_at(err, SR_E_UNSUPPORTED, path, "animated WebP is not supported");
    if ((uint64_t)f.width * (uint64_t)f.height > max_pixels)
        return sr__err_at(err, SR_E_LIMIT, path, "%dx%d is more than the %llu-pixel limit",
                       f.width, f.height, (unsigned long long)max_pixels);
    int c = f.has_alpha ? 4 : 3;
    sr_status s = sr_image_alloc(out, f.width, f.height, c, err);
    if (s)
        return s;
    size_t stride = (size_t)f.width * c, size = stride * f.height;
    uint8_t *ok = c == 4 ? WebPDecodeRGBAInto(buf, len, out->data, size, (int)stride)
                         : WebPDecodeRGBInto(buf, len, out->data, size, (int)stride);
    if (!ok) {
        sr_image_free(out);
        return sr__err_at(err, SR_E_FORMAT, path, "corrupt or truncated WebP");
    }
    return SR_OK;
}

sr_status sr__webp_encode(const sr_image *img, int quality, int lossless, uint8_t **data,
                          size_t *len, sr_error *err)
{
    /* WebP holds RGB or RGBA: gray is widened (and decodes as RGB). */
    const sr_image *src = img;
    sr_image wide = {0};
    if (img->c < 3) {
        int c = img->c == 2 ? 4 : 3;
        sr_status s = sr_image_alloc(&wide, img->w, img->h, c, err);
        if (s)
            return s;
        for (size_t i = 0; i < (size_t)img->w * img->h; i++) {
            memset(wide.data + i * c, img->data[i * img->c], 3);
            if (c == 4)
                wide.data[i * 4 + 3] = img->data[i * 2 + 1];
        }
        src = &wide;
    }
    uint8_t *o = NULL;
    int stride = src->w * src->c;
    float q = (float)(quality < 1 ? 1 : quality > 100 ? 100 : quality);
    size_t n = lossless ? (src->c == 4 ? WebPEncodeLosslessRGBA(src->data, src->w, src->h, stride, &o)
                                       : WebPEncodeLosslessRGB(src->data, src->w, src->h, stride, &o))
                        : (src->c == 4 ? WebPEncodeRGBA(src->data, src->w, src->h, stride, q, &o)
                                       : WebPEncodeRGB(src->data, src->w, src->h, stride, q, &o));
    sr_image_free(&wide);
    if (!n) {
        WebPFree(o);
        return sr__err(err, SR_E_IO, "WebP encoding failed (%dx%d; WebP allows 16383 at most)",
                       img->w, img->h);
    }
    /* Hand back malloc'd memory, so the caller frees it like every other encoder's output. */
    *data = malloc(n);
    if (*data)
        memcpy(*data, o, n);
    WebPFree(o);
    if (!*data)
        return sr__err(err, SR_E_NOMEM, "WebP: out of memory");
    *len = n;
    return SR_OK;
}
