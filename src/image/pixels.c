/* pixels.c - the image type itself: allocation, freeing, the colour profile it carries. The
 * codecs (image.c, png.c, webp.c, exif.c) build on it. */
#include "image.h"

#include <string.h>

sr_status sr_image_alloc(sr_image *img, int w, int h, int c, sr_error *err)
{
    size_t n;
    memset(img, 0, sizeof *img);
    if (w < 1 || h < 1 || c < 1 || c > 4 || !sr__mul3_size((size_t)w, (size_t)h, (size_t)c, &n))
        return sr__err(err, SR_E_INVALID, "image: bad size %dx%dx%d", w, h, c);
    img->data = malloc(n);
    if (!img->data)
        return sr__err(err, SR_E_NOMEM, "image: out of memory for %dx%dx%d", w, h, c);
    img->w = w;
    img->h = h;
    img->c = c;
    return SR_OK;
}

void sr_image_free(sr_image *img)
{
    if (!img)
        return;
    free(img->data);
    free(img->icc);
    memset(img, 0, sizeof *img);
}

sr_status sr_image_copy_icc(sr_image *dst, const sr_image *src, sr_error *err)
{
    free(dst->icc);
    dst->icc = NULL, dst->icc_len = 0;
    if (!src->icc)
        return SR_OK;
    if (!(dst->icc = malloc(src->icc_len)))
        return sr__err(err, SR_E_NOMEM, "image: out of memory for the colour profile");
    memcpy(dst->icc, src->icc, src->icc_len);
    dst->icc_len = src->icc_len;
    return SR_OK;
}
