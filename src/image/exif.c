/* exif.c - the EXIF orientation of JPEG photos: phones store the sensor's pixels as they were
 * read and a tag saying how to turn them; srgan applies it on reading, so a portrait photo comes
 * out upright (and its upscale too), as every image viewer shows it. */
#include "image.h"

#include <string.h>

static unsigned rd16(const uint8_t *p, int be)
{
    return be ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0];
}

static uint32_t rd32(const uint8_t *p, int be)
{
    return be ? (uint32_t)rd16(p, 1) << 16 | rd16(p + 2, 1)
              : (uint32_t)rd16(p + 2, 0) << 16 | rd16(p, 0);
}

int sr__exif_orientation(const uint8_t *seg, size_t len)
{
    /* "Exif\0\0", then a TIFF header: byte order, 42, offset of the first directory */
    if (len < 14 || memcmp(seg, "Exif\0\0", 6) != 0)
        return 1;
    const uint8_t *t = seg + 6;
    size_t n = len - 6;
    int be = t[0] == 'M' && t[1] == 'M';
    if (!be && !(t[0] == 'I' && t[1] == 'I'))
        return 1;
    if (rd16(t + 2, be) != 42)
        return 1;
    uint32_t ifd = rd32(t + 4, be);
    if (ifd > n - 2 || ifd < 8)
        return 1;
    unsigned count = rd16(t + ifd, be);
    for (unsigned i = 0; i < count; i++) {
        size_t e = ifd + 2 + (size_t)i * 12;
        if (e + 12 > n)
            break;
        if (rd16(t + e, be) == 0x0112 && rd16(t + e + 2, be) == 3 /* SHORT */) {
            unsigned o = rd16(t + e + 8, be);
            return o >= 1 && o <= 8 ? (int)o : 1;
        }
    }
    return 1;
}

sr_status sr__image_orient(sr_image *img, int orientation, sr_error *err)
{
    if (orientation <= 1 || orientation > 8)
        return SR_OK;
    const int W = img->w, H = img->h, c = img->c;
    int swap = orientation >= 5; /* 5..8 exchange width and height */
    sr_image out;
    sr_status s = sr_image_alloc(&out, swap ? H : W, swap ? W : H, c, err);
    if (s)
        return s;
    for (int y = 0; y < out.h; y++)
        for (int x = 0; x < out.w; x++) {
            int sx, sy;
            switch (orientation) {
            case 2: sx = W - 1 - x, sy = y; break;         /* mirrored */
            case 3: sx = W - 1 - x, sy = H - 1 - y; break; /* upside down */
            case 4: sx = x, sy = H - 1 - y; break;         /* mirrored, upside down */
            case 5: sx = y, sy = x; break;                 /* transposed */
            case 6: sx = y, sy = H - 1 - x; break;         /* turn 90 degrees clockwise */
            case 7: sx = W - 1 - y, sy = H - 1 - x; break; /* transversed */
            default: sx = W - 1 - y, sy = x; break;        /* 8: turn 90 counter-clockwise */
            }
            memcpy(out.data + ((size_t)y * out.w + x) * c, img->data + ((size_t)sy * W + sx) * c,
                   (size_t)c);
        }
    sr_image_free(img);
    *img = out;
    return SR_OK;
}
