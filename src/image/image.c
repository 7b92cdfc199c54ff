/* image.c - decoding and encoding. Every stb call in srgan lives in this file, and only the
 * decoders srgan accepts are compiled in (smaller attack surface than a build of every format).
 */
#include "image.h"

#include <string.h>
#include <strings.h>

#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_ONLY_TGA
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
#define STBI_NO_FAILURE_STRINGS_IF_UNUSED
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#define STBI_WRITE_NO_STDIO
/* stb declares static functions it never defines in this configuration; the warning comes at
 * the end of the file, so it stays off for the whole file. */
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#include <stb/stb_image.h>
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

/* Encoded input larger than this is refused before reading (a 16k x 16k RGBA BMP is 1 GiB). */
#define SR_MAX_FILE_BYTES ((size_t)2 << 30)

/* PNG's size straight from IHDR. stb's own header scan refuses images over 1 GiB without saying
 * why; a decompression bomb deserves a message that names its size. */
static int png_size(const uint8_t *b, size_t n, uint64_t *w, uint64_t *h)
{
    static const uint8_t sig[12] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};
    if (n < 24 || memcmp(b, sig, sizeof sig) || memcmp(b + 12, "IHDR", 4))
        return 0;
    *w = (uint64_t)b[16] << 24 | (uint64_t)b[17] << 16 | (uint64_t)b[18] << 8 | b[19];
    *h = (uint64_t)b[20] << 24 | (uint64_t)b[21] << 16 | (uint64_t)b[22] << 8 | b[23];
    return 1;
}

/* Huffman tables, the part of JPEG where the stb_image in Debian 12 (v2.27) trusts its input:
 * a table declaring more than 256 codes makes it write past its code-length array, and a scan
 * that uses a table never defined makes it decode with uninitialised memory. Such files are
 * refused before stb sees them.
 *
 * Checks one DHT segment (len: its declared length, avail: the bytes present; stb reads zeros
 * past the end of a truncated file) and marks the tables it defines in *defined (bit th for DC,
 * 4 + th for AC). Returns 1 for a bad table. */
static int jpeg_bad_dht(const uint8_t *p, size_t len, size_t avail, unsigned *defined)
{
    for (size_t i = 0; i < len;) {
        size_t codes = 0;
        for (size_t k = i + 1; k <= i + 16 && k < avail; k++)
            codes += p[k];
        if (codes > 256)
            return 1;
        unsigned tc = i < avail ? p[i] >> 4 : 0, th = i < avail ? p[i] & 15 : 0;
        if (tc <= 1 && th <= 3)
            *defined |= 1u << (tc * 4 + th);
        i += 17 + codes;
    }
    return 0;
}

/* Whether a scan (SOS segment of len bytes) uses only tables defined so far. DC tables are used
 * by baseline scans and by first DC scans of progressive images, AC tables by baseline scans
 * and every progressive AC scan. */
static int jpeg_bad_sos(const uint8_t *p, size_t len, int progressive, unsigned defined)
{
    if (len < 1 || len < 1 + 2 * (size_t)p[0] + 3)
        return 0; /* malformed: stb reports it */
    int ns = p[0], ss = p[1 + 2 * ns], ah = p[3 + 2 * ns] >> 4;
    int need_dc = !progressive || (ss == 0 && ah == 0), need_ac = !progressive || ss > 0;
    for (int c = 0; c < ns; c++) {
        unsigned td = p[2 + 2 * c] >> 4, ta = p[2 + 2 * c] & 15;
        if ((need_dc && (td > 3 || !(defined >> td & 1))) ||
            (need_ac && (ta > 3 || !(defined >> (4 + ta) & 1))))
            return 1;
    }
    return 0;
}

/* Quantisation tables defined by one DQT segment, as bits 0..3 (stb checks their syntax). */
static unsigned jpeg_dqt_tables(const uint8_t *p, size_t len)
{
    unsigned defined = 0;
    for (size_t i = 0; i < len;) {
        unsigned pq = p[i] >> 4, tq = p[i] & 15;
        if (pq > 1 || tq > 3)
            break;
        defined |= 1u << tq;
        i += 1 + (pq ? 128 : 64);
    }
    return defined;
}

/* Walks a JPEG's marker segments (and skips entropy-coded data between them), noting the EXIF
 * orientation. Returns -1 for a bad Huffman table, a scan using an undefined one, or a scan of a
 * frame whose quantisation tables were never defined (stb would dequantise with uninitialised
 * memory); else the frame's component count (0 if none was found). stb decodes 4-component
 * (CMYK/YCCK) files without their colour profile, which gives wrong colours; the caller refuses
 * those. */
static int jpeg_scan(const uint8_t *b, size_t n, int *orientation)
{
    *orientation = 1;
    size_t i = 0;
    while (i < n && b[i] == 0xFF) /* stb, like the standard, allows fill bytes before SOI */
        i++;
    if (i == 0 || i >= n || b[i] != 0xD8)
        return 0;
    int comps = 0, progressive = 0;
    unsigned defined = 0, quant = 0, quant_used = 0;
    i++;
    while (i + 4 <= n) {
        if (b[i] != 0xFF) { /* entropy-coded data: find the next marker */
            i++;
            continue;
        }
        uint8_t mk = b[i + 1];
        if (mk == 0xFF || mk == 0x00 || (mk >= 0xD0 && mk <= 0xD7) || mk == 0x01) {
            i += mk == 0xFF ? 1 : 2; /* fill byte, stuffed zero, restart marker, TEM */
            continue;
        }
        if (mk == 0xD9) /* end of image */
            break;
        size_t len = (size_t)b[i + 2] << 8 | b[i + 3];
        if (len < 2)
            break;
        const uint8_t *seg = b + i + 4;
        if (mk == 0xC4 && jpeg_bad_dht(seg, len - 2, n - (i + 4), &defined))
            return -1;
        if (i + 2 + len > n)
            break; /* truncated: stb reports it */
        int sof = mk >= 0xC0 && mk <= 0xCF && mk != 0xC4 && mk != 0xC8 && mk != 0xCC;
        if (sof && len >= 8 && !comps) {
            comps = seg[5];
            progressive = mk == 0xC2;
            for (int k = 0; k < comps && 8 + 3 * (size_t)k < len - 2; k++)
                quant_used |= 1u << (seg[8 + 3 * k] & 3);
        }
        if (mk == 0xDB)
            quant |= jpeg_dqt_tables(seg, len - 2);
        if (mk == 0xE1 && *orientation == 1)
            *orientation = sr__exif_orientation(seg, len - 2);
        if (mk == 0xDA && (jpeg_bad_sos(seg, len - 2, progressive, defined) ||
                           (quant_used & ~quant)))
            return -1;
        i += 2 + len;
    }
    return comps;
}

/* Whether every PNG chunk fits in the file. stb 2.27 grows its buffer to a chunk's declared
 * length before reading it, so a 100-byte file declaring a 2 GB IDAT costs 2 GB. */
static sr_status too_many_pixels(const char *path, uint64_t w, uint64_t h, uint64_t max,
                                 sr_error *err)
{
    return sr__err_at(err, SR_E_LIMIT, path, "%llux%llu pixels exceeds the limit of %llu (--max-pixels)", (unsigned long long)w, (unsigned long long)h, (unsigned long long)max);
}

sr_status sr_image_decode(const void *data, size_t len, const char *name, uint64_t max_pixels,
                          sr_image *out, sr_error *err)
{
    memset(out, 0, sizeof *out);
    const uint8_t *buf = data;
    const char *path = name ? name : "image";
    if (len == 0)
        return sr__err_at(err, SR_E_FORMAT, path, "empty file");
    if (len > INT32_MAX)
        return sr__err_at(err, SR_E_LIMIT, path, "file too large");
    if (sr__is_webp(buf, len)) {
        sr_status ws = sr__webp_decode(buf, len, path, max_pixels, out, err);
        if (!ws)
            out->icc = sr__icc_read(buf, len, &out->icc_len);
        return ws;
    }
    /* Header first: the pixel limit is enforced before the decoder allocates anything. */
    uint64_t pw, ph;
    if (png_size(buf, len, &pw, &ph)) {
        if (pw * ph > max_pixels)
            return too_many_pixels(path, pw, ph, max_pixels, err);
        sr_status ps = sr__png_decode(buf, len, path, out, err);
        if (!ps)
            out->icc = sr__icc_read(buf, len, &out->icc_len);
        return ps;
    }
    int orientation;
    int jpeg = jpeg_scan(buf, len, &orientation);
    if (jpeg < 0)
        return sr__err_at(err, SR_E_FORMAT, path, "corrupt JPEG (bad or missing Huffman or "
                       "quantisation table)");
    if (jpeg == 4)
        return sr__err_at(err, SR_E_UNSUPPORTED, path, "CMYK JPEG is not supported (convert it to RGB)");
    int w, h, c;
    if (!stbi_info_from_memory(buf, (int)len, &w, &h, &c))
        return sr__err_at(err, SR_E_FORMAT, path, "not a readable PNG, JPEG, BMP, TGA or WebP (%s)",
                       stbi_failure_reason());
    if ((uint64_t)w * (uint64_t)h > max_pixels)
        return too_many_pixels(path, (uint64_t)w, (uint64_t)h, max_pixels, err);
    uint8_t *px = stbi_load_from_memory(buf, (int)len, &w, &h, &c, 0);
    if (!px)
        return sr__err_at(err, SR_E_FORMAT, path, "corrupt or truncated image (decoder: %s)",
                       stbi_failure_reason());
    out->w = w;
    out->h = h;
    out->c = c;
    out->data = px; /* stb allocates with malloc: sr_image_free's free() matches */
    sr_status s = sr__image_orient(out, orientation, err);
    if (s)
        sr_image_free(out);
    else
        out->icc = sr__icc_read(buf, len, &out->icc_len);
    return s;
}

sr_status sr_image_load(const char *path, uint64_t max_pixels, sr_image *out, sr_error *err)
{
    memset(out, 0, sizeof *out);
    uint8_t *buf;
    size_t len;
    sr_status s = sr__read_file(path, SR_MAX_FILE_BYTES, &buf, &len, err);
    if (!s)
        s = sr_image_decode(buf, len, path, max_pixels, out, err);
    free(buf);
    return s;
}

typedef struct {
    uint8_t *data;
    size_t len, cap;
    int failed;
} membuf;

static void membuf_write(void *ctx, void *data, int size)
{
    membuf *m = ctx;
    if (m->failed || size <= 0)
        return;
    if (m->len + (size_t)size > m->cap) {
        size_t cap = m->cap ? m->cap : 1 << 16;
        while (cap < m->len + (size_t)size)
            cap *= 2;
        uint8_t *p = realloc(m->data, cap);
        if (!p) {
            m->failed = 1;
            return;
        }
        m->data = p;
        m->cap = cap;
    }
    memcpy(m->data + m->len, data, (size_t)size);
    m->len += (size_t)size;
}

sr_status sr__image_write_encoded(const char *path, const sr_image *img, sr_format fmt,
                                  uint8_t *data, size_t len, sr_error *err)
{
    sr_status s = sr__icc_attach(fmt, img->icc, img->icc_len, &data, &len, err);
    if (!s)
        s = sr__write_atomic(path, data, len, err);
    free(data);
    return s;
}

sr_status sr_image_save(const char *path, const sr_image *img, sr_format fmt, int quality,
                        sr_error *err)
{
    membuf mb = {0};
    int ok = 0;
    switch (fmt) {
    case SR_FMT_PNG: {
        sr_status ps = sr__png_encode(img, &mb.data, &mb.len, err);
        if (ps)
            return ps;
        ok = 1;
        break;
    }
    case SR_FMT_JPG:
        ok = stbi_write_jpg_to_func(membuf_write, &mb, img->w, img->h, img->c, img->data,
                                    quality < 1 ? 1 : quality > 100 ? 100 : quality);
        break;
    case SR_FMT_BMP:
        ok = stbi_write_bmp_to_func(membuf_write, &mb, img->w, img->h, img->c, img->data);
        break;
    case SR_FMT_TGA:
        ok = stbi_write_tga_to_func(membuf_write, &mb, img->w, img->h, img->c, img->data);
        break;
    case SR_FMT_WEBP:
    case SR_FMT_WEBP_LOSSLESS: {
        sr_status ws = sr__webp_encode(img, quality, fmt == SR_FMT_WEBP_LOSSLESS, &mb.data,
                                       &mb.len, err);
        if (ws) {
            free(mb.data);
            return ws;
        }
        ok = 1;
        break;
    }
    }
    if (!ok || mb.failed) {
        free(mb.data);
        return sr__err_at(err, mb.failed ? SR_E_NOMEM : SR_E_IO, path, "cannot encode %s",
                          sr_format_ext(fmt));
    }
    return sr__image_write_encoded(path, img, fmt, mb.data, mb.len, err);
}

static const char *const ext_names[] = {"png", "jpg", "bmp", "tga", "webp", "webp-lossless"};

int sr_format_from_name(const char *name, sr_format *out)
{
    for (int i = 0; i < 6; i++)
        if (strcasecmp(name, ext_names[i]) == 0) {
            *out = (sr_format)i;
            return 1;
        }
    if (strcasecmp(name, "jpeg") == 0) {
        *out = SR_FMT_JPG;
        return 1;
    }
    return 0;
}

const char *sr_format_ext(sr_format fmt)
{
    return fmt == SR_FMT_WEBP_LOSSLESS ? "webp" : (unsigned)fmt < 5 ? ext_names[fmt] : "?";
}
