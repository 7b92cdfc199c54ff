/* icc.c - the embedded ICC colour profile, carried from input to output: read from a PNG iCCP
 * chunk, JPEG APP2 ICC_PROFILE segments or a WebP ICCP chunk, and written into the encoded
 * output the same ways. Without it a wide-gamut photo (Display P3, Adobe RGB) comes out with
 * washed-out colours, the most common complaint about the reference upscalers. */
#include "image.h"

#include <string.h>
#include <webp/demux.h>
#include <webp/mux.h>
#include <zlib.h>

#define ICC_MAX ((size_t)16 << 20) /* profiles are KBs; refuse absurd ones */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint8_t *png_icc(const uint8_t *b, size_t len, size_t *n)
{
    for (size_t i = 8; i + 12 <= len;) {
        size_t clen = be32(b + i);
        if (clen > len - i - 12)
            return NULL;
        const uint8_t *d = b + i + 8;
        if (!memcmp(b + i + 4, "IDAT", 4))
            return NULL; /* iCCP must come before the image data */
        if (!memcmp(b + i + 4, "iCCP", 4)) {
            const uint8_t *z = memchr(d, 0, clen < 80 ? clen : 80); /* profile name, NUL */
            if (!z || (size_t)(z - d) + 2 > clen || z[1] != 0)  /* compression method 0 */
                return NULL;
            return sr__zlib_inflate(z + 2, clen - (size_t)(z + 2 - d), ICC_MAX, n);
        }
        i += clen + 12;
    }
    return NULL;
}

/* APP2 "ICC_PROFILE\0" seq count data..., seq 1..count, joined in order. */
static uint8_t *jpeg_icc(const uint8_t *b, size_t len, size_t *n)
{
    const uint8_t *part[256] = {0};
    size_t plen[256] = {0}, total = 0;
    int count = 0;
    for (size_t i = 2; i + 4 <= len && b[i] == 0xFF;) {
        int mk = b[i + 1];
        if (mk == 0xDA || mk == 0xD9)
            break;
        if (mk == 0xFF || mk == 0x01 || (mk >= 0xD0 && mk <= 0xD7)) {
            i += mk == 0xFF ? 1 : 2;
            continue;
        }
        size_t sl = (size_t)b[i + 2] << 8 | b[i + 3];
        if (sl < 2 || sl > len - i - 2)
            break;
        const uint8_t *s = b + i + 4;
        if (mk == 0xE2 && sl >= 16 && !memcmp(s, "ICC_PROFILE", 12) && s[12] >= 1 &&
            s[12] <= s[13] && !part[s[12]]) {
            count = s[13];
            part[s[12]] = s + 14;
            plen[s[12]] = sl - 16;
            total += sl - 16;
        }
        i += sl + 2;
    }
    for (int k = 1; k <= count; k++)
        if (!part[k])
            return NULL;
    uint8_t *icc = count && total <= ICC_MAX ? malloc(total) : NULL;
    for (int k = 1, o = 0; icc && k <= count; o += (int)plen[k], k++)
        memcpy(icc + o, part[k], plen[k]);
    *n = total;
    return icc;
}

static uint8_t *webp_icc(const uint8_t *b, size_t len, size_t *n)
{
    WebPData wd = {b, len};
    WebPDemuxer *dm = WebPDemux(&wd);
    WebPChunkIterator it;
    uint8_t *icc = NULL;
    if (dm && WebPDemuxGetChunk(dm, "ICCP", 1, &it)) {
        if (it.chunk.size <= ICC_MAX && (icc = malloc(it.chunk.size)))
            memcpy(icc, it.chunk.bytes, *n = it.chunk.size);
        WebPDemuxReleaseChunkIterator(&it);
    }
    WebPDemuxDelete(dm);
    return icc;
}

uint8_t *sr__icc_read(const uint8_t *buf, size_t len, size_t *n)
{
    *n = 0;
    uint8_t *icc = NULL;
    if (len > 8 && !memcmp(buf, "\x89PNG\r\n\x1a\n", 8))
        icc = png_icc(buf, len, n);
    else if (len > 4 && buf[0] == 0xFF && buf[1] == 0xD8)
        icc = jpeg_icc(buf, len, n);
    else if (sr__is_webp(buf, len))
        icc = webp_icc(buf, len, n);
    if (!icc || !*n) {
        free(icc);
        *n = 0;
        return NULL;
    }
    return icc;
}

/* out = data[0, at) + ins + data[at, len) */
static uint8_t *splice(const uint8_t *data, size_t len, size_t at, const uint8_t *ins, size_t n)
{
    uint8_t *o = malloc(len + n);
    if (o) {
        memcpy(o, data, at);
        memcpy(o + at, ins, n);
        memcpy(o + at + n, data + at, len - at);
    }
    return o;
}

static uint8_t *png_with(const uint8_t *d, size_t len, const uint8_t *icc, size_t n, size_t *olen)
{
    size_t zn;
    uint8_t *z = sr__zlib_deflate(icc, n, &zn);
    static const char name[] = "ICC Profile";
    size_t body = sizeof name + 1 + zn; /* name, its NUL, method 0, stream */
    uint8_t *chunk = z ? malloc(body + 12) : NULL, *o = NULL;
    if (chunk && len >= 33) {
        sr__put_be32(chunk, (uint32_t)body);
        memcpy(chunk + 4, "iCCP", 4);
        memcpy(chunk + 8, name, sizeof name);
        chunk[8 + sizeof name] = 0;
        memcpy(chunk + 9 + sizeof name, z, zn);
        sr__put_be32(chunk + 8 + body,
                     (uint32_t)crc32(crc32(0, NULL, 0), chunk + 4, (uInt)(body + 4)));
        o = splice(d, len, 33, chunk, body + 12); /* after the signature and IHDR */
        *olen = len + body + 12;
    }
    free(z), free(chunk);
    return o;
}

static uint8_t *jpeg_with(const uint8_t *d, size_t len, const uint8_t *icc, size_t n, size_t *olen)
{
    const size_t per = 65519; /* a segment holds 65535 bytes minus length, tag and numbering */
    size_t count = (n + per - 1) / per, at = 2;
    if (count > 255 || len < 4)
        return NULL;
    if (d[2] == 0xFF && d[3] == 0xE0 && len >= 6) /* keep JFIF's APP0 first */
        at = 4 + ((size_t)d[4] << 8 | d[5]);
    uint8_t *seg = malloc(n + count * 18), *s = seg;
    if (!seg || at > len) {
        free(seg);
        return NULL;
    }
    for (size_t k = 0; k < count; k++) {
        size_t m = k + 1 < count ? per : n - k * per;
        s[0] = 0xFF, s[1] = 0xE2, s[2] = (uint8_t)((m + 16) >> 8), s[3] = (uint8_t)(m + 16);
        memcpy(s + 4, "ICC_PROFILE", 12);
        s[16] = (uint8_t)(k + 1), s[17] = (uint8_t)count;
        memcpy(s + 18, icc + k * per, m);
        s += 18 + m;
    }
    uint8_t *o = splice(d, len, at, seg, (size_t)(s - seg));
    *olen = len + (size_t)(s - seg);
    free(seg);
    return o;
}

static uint8_t *webp_with(const uint8_t *d, size_t len, const uint8_t *icc, size_t n, size_t *olen)
{
    WebPData in = {d, len}, prof = {icc, n}, out = {0};
    WebPMux *mux = WebPMuxCreate(&in, 0);
    uint8_t *o = NULL;
    if (mux && WebPMuxSetChunk(mux, "ICCP", &prof, 0) == WEBP_MUX_OK &&
        WebPMuxAssemble(mux, &out) == WEBP_MUX_OK && (o = malloc(out.size))) {
        memcpy(o, out.bytes, out.size);
        *olen = out.size;
    }
    WebPDataClear(&out);
    WebPMuxDelete(mux);
    return o;
}

sr_status sr__icc_attach(sr_format fmt, const uint8_t *icc, size_t n, uint8_t **data, size_t *len,
                         sr_error *err)
{
    if (!icc || !n || fmt == SR_FMT_BMP || fmt == SR_FMT_TGA)
        return SR_OK; /* BMP and TGA as written here have no place for a profile */
    size_t olen = 0;
    uint8_t *o = fmt == SR_FMT_PNG   ? png_with(*data, *len, icc, n, &olen)
                 : fmt == SR_FMT_JPG ? jpeg_with(*data, *len, icc, n, &olen)
                                     : webp_with(*data, *len, icc, n, &olen);
    if (!o)
        return sr__err(err, SR_E_NOMEM, "cannot embed the %zu-byte colour profile", n);
    free(*data);
    *data = o;
    *len = olen;
    return SR_OK;
}
