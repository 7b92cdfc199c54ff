/* zlib.c - deflate for the chunks srgan reads and writes itself (iCCP colour profiles), with the
 * system's zlib: the same library png.c compresses with, so one implementation is linked. */
#include "image.h"

#include <zlib.h>

uint8_t *sr__zlib_inflate(const uint8_t *z, size_t n, size_t max_out, size_t *out_len)
{
    *out_len = 0;
    z_stream s = {0};
    if (n > UINT32_MAX || inflateInit(&s) != Z_OK)
        return NULL;
    size_t cap = n * 4 < max_out ? n * 4 + 64 : max_out;
    uint8_t *o = malloc(cap ? cap : 1);
    s.next_in = (Bytef *)z;
    s.avail_in = (uInt)n;
    int rc = Z_OK;
    while (o && rc == Z_OK) {
        if (s.total_out == cap) { /* full: grow, up to max_out (a bomb stops there) */
            size_t ncap = cap * 2 < max_out ? cap * 2 : max_out;
            uint8_t *p = ncap > cap ? realloc(o, ncap) : NULL;
            if (!p) {
                free(o);
                o = NULL;
                break;
            }
            o = p, cap = ncap;
        }
        s.next_out = o + s.total_out;
        s.avail_out = (uInt)(cap - s.total_out < UINT32_MAX ? cap - s.total_out : UINT32_MAX);
        rc = inflate(&s, Z_NO_FLUSH);
    }
    if (o && (rc != Z_STREAM_END || s.total_out == 0)) {
        free(o);
        o = NULL;
    }
    *out_len = o ? s.total_out : 0;
    inflateEnd(&s);
    return o;
}

uint8_t *sr__zlib_deflate(const uint8_t *data, size_t n, size_t *out_len)
{
    *out_len = 0;
    if (n > UINT32_MAX)
        return NULL;
    uLongf len = compressBound((uLong)n);
    uint8_t *o = malloc(len);
    if (o && compress2(o, &len, data, (uLong)n, 8) != Z_OK) {
        free(o);
        return NULL;
    }
    *out_len = o ? len : 0;
    return o;
}
