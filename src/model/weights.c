/* weights.c - reading ncnn .bin arrays: fp32, fp16 and the tagged arrays of convolutions. The
 * layer loaders (layer_*.c) read their weights through it. */
#include "model.h"

#include <math.h>
#include <string.h>

float sr__half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 31, man = h & 1023, bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else { /* subnormal: renormalise */
            int e = -1;
            do {
                e++;
                man <<= 1;
            } while (!(man & 1024));
            bits = sign | (uint32_t)(127 - 15 - e) << 23 | (man & 1023) << 13;
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | man << 13;
    } else {
        bits = sign | (exp + 127 - 15) << 23 | man << 13;
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

sr_status sr__read_floats(sr__bin *b, size_t n, int tagged, float *dst, const char *what,
                          sr_error *err)
{
    uint32_t tag = 0;
    if (tagged) {
        if (b->left < 4)
            return sr__err(err, SR_E_FORMAT, "bin: truncated at the weights of layer %s", what);
        memcpy(&tag, b->p, 4);
        b->p += 4;
        b->left -= 4;
        b->tags++;
    }
    if (tag == 0x01306B47u) { /* fp16, padded to 4 bytes */
        size_t bytes = (n * 2 + 3) / 4 * 4;
        if (b->left < bytes)
            return sr__err(err, SR_E_FORMAT, "bin: truncated in the fp16 weights of layer %s "
                           "(%zu bytes needed, %zu left)", what, bytes, b->left);
        for (size_t i = 0; i < n; i++) {
            uint16_t h;
            memcpy(&h, b->p + 2 * i, 2);
            if ((h & 0x7C00) == 0x7C00)
                return sr__err(err, SR_E_FORMAT, "bin: layer %s: non-finite weight", what);
            dst[i] = sr__half_to_float(h);
        }
        b->p += bytes;
        b->left -= bytes;
        b->floats += n;
        return SR_OK;
    }
    if (tag != 0)
        return sr__err(err, SR_E_UNSUPPORTED,
                       "bin: layer %s: weight storage tag 0x%08x (only fp32 and fp16 are supported)",
                       what, tag);
    if (n > b->left / 4)
        return sr__err(err, SR_E_FORMAT, "bin: truncated in the weights of layer %s "
                       "(%zu bytes needed, %zu left)", what, n * 4, b->left);
    memcpy(dst, b->p, n * 4);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(dst[i]))
            return sr__err(err, SR_E_FORMAT, "bin: layer %s: non-finite weight", what);
    b->p += n * 4;
    b->left -= n * 4;
    b->floats += n;
    return SR_OK;
}
