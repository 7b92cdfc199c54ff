/* png_read.c - the PNG reader, on the system zlib (the one deflate implementation linked; png.c
 * writes with it too). Every PNG a browser shows: bit depths 1-16, gray, RGB, palette, with
 * alpha or a tRNS key, interlaced or not. Pixels come out 8-bit as stb_image gave them: 16-bit
 * samples keep their high byte, gray below 8 bits is scaled to 0-255, a palette becomes RGB
 * (RGBA with tRNS), and a tRNS key adds an alpha channel. The caller has checked the size
 * against its pixel limit (from IHDR) before anything is allocated. CRCs are not checked (as
 * stb did): a damaged ancillary chunk should not cost the image. */
#include "image.h"

#include <string.h>
#include <zlib.h>

typedef struct {
    uint32_t w, h;
    int depth, ctype, interlace;
    int n;            /* samples per pixel in the file */
    int out_c;        /* channels of the decoded image */
    uint8_t pal[256][4];
    int npal;
    int has_key;      /* tRNS on gray or RGB: this sample value (at file depth) is transparent */
    uint16_t key[3];
} png_info;

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static sr_status bad(sr_error *err, const char *path, const char *why)
{
    return sr__err_at(err, SR_E_FORMAT, path, "corrupt or truncated image (a PNG %s)", why);
}

static sr_status read_ihdr(const uint8_t *d, uint32_t len, png_info *pi, const char *path,
                           sr_error *err)
{
    static const int samples[7] = {1, 0, 3, 1, 2, 0, 4};
    if (len != 13)
        return bad(err, path, "IHDR of the wrong length");
    pi->w = be32(d), pi->h = be32(d + 4);
    pi->depth = d[8], pi->ctype = d[9], pi->interlace = d[12];
    int ok = pi->w >= 1 && pi->h >= 1 && pi->w < (1u << 24) && pi->h < (1u << 24) && d[10] == 0 &&
             d[11] == 0 && pi->interlace <= 1 && pi->ctype <= 6 && samples[pi->ctype];
    int dp = pi->depth;
    if (ok && pi->ctype == 0)
        ok = dp == 1 || dp == 2 || dp == 4 || dp == 8 || dp == 16;
    else if (ok && pi->ctype == 3)
        ok = dp == 1 || dp == 2 || dp == 4 || dp == 8;
    else if (ok)
        ok = dp == 8 || dp == 16;
    if (!ok)
        return sr__err_at(err, SR_E_FORMAT, path, "not a readable PNG, JPEG, BMP, TGA or WebP "
                          "(PNG header: %ux%u, depth %d, colour type %d)", pi->w, pi->h, dp,
                          pi->ctype);
    pi->n = samples[pi->ctype];
    return SR_OK;
}

/* Bytes of one filtered row of a (sub)image w pixels wide, filter byte excluded. */
static size_t row_bytes(const png_info *pi, uint32_t w)
{
    return ((size_t)w * pi->n * pi->depth + 7) / 8;
}

static int paeth(int a, int b, int c)
{
    int p = a + b - c, pa = p > a ? p - a : a - p, pb = p > b ? p - b : b - p;
    int pc = p > c ? p - c : c - p;
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Undoes row filters in place: rows of 1 + rb bytes, prev the row above (NULL for the first). */
static int unfilter(uint8_t *row, const uint8_t *prev, size_t rb, size_t bpp)
{
    uint8_t *x = row + 1;
    const uint8_t *up = prev ? prev + 1 : NULL;
    switch (row[0]) {
    case 0: break;
    case 1:
        for (size_t i = bpp; i < rb; i++)
            x[i] = (uint8_t)(x[i] + x[i - bpp]);
        break;
    case 2:
        for (size_t i = 0; up && i < rb; i++)
            x[i] = (uint8_t)(x[i] + up[i]);
        break;
    case 3:
        for (size_t i = 0; i < rb; i++)
            x[i] = (uint8_t)(x[i] + (((i >= bpp ? x[i - bpp] : 0) + (up ? up[i] : 0)) >> 1));
        break;
    case 4:
        for (size_t i = 0; i < rb; i++)
            x[i] = (uint8_t)(x[i] + paeth(i >= bpp ? x[i - bpp] : 0, up ? up[i] : 0,
                                          i >= bpp && up ? up[i - bpp] : 0));
        break;
    default: return 0;
    }
    return 1;
}

/* Sample k of a row at the file's depth (up to 16 bits). */
static unsigned sample(const uint8_t *x, size_t k, int depth)
{
    if (depth == 8)
        return x[k];
    if (depth == 16)
        return (unsigned)x[2 * k] << 8 | x[2 * k + 1];
    size_t bit = k * (size_t)depth;
    return (x[bit / 8] >> (8 - depth - bit % 8)) & ((1u << depth) - 1);
}

/* One unfiltered row of w pixels into 8-bit output pixels, the first at dst, step apart. */
static void convert_row(const png_info *pi, const uint8_t *x, uint32_t w, uint8_t *dst,
                        size_t step)
{
    static const uint8_t scale[17] = {0, 255, 85, 0, 17, 0, 0, 0, 1};
    int n = pi->n, d = pi->depth;
    for (uint32_t i = 0; i < w; i++, dst += step) {
        if (pi->ctype == 3) {
            unsigned v = sample(x, i, d);
            memcpy(dst, pi->pal[v], (size_t)pi->out_c); /* out of range: black, opaque */
            continue;
        }
        int key = pi->has_key;
        for (int c = 0; c < n; c++) {
            unsigned v = sample(x, (size_t)i * n + c, d);
            key = key && v == pi->key[c]; /* has_key: gray or RGB, c < 3 */
            dst[c] = (uint8_t)(d == 16 ? v >> 8 : v * scale[d]);
        }
        if (pi->has_key)
            dst[n] = key ? 0 : 255;
    }
}

/* The seven Adam7 passes: first column and row, column and row steps. */
static const uint8_t adam7[7][4] = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4},
                                    {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};

/* Unfilters and converts the inflated data (exactly the size it must be) into img. */
static sr_status unpack(const png_info *pi, uint8_t *raw, sr_image *img, const char *path,
                        sr_error *err)
{
    size_t bpp = ((size_t)pi->n * pi->depth + 7) / 8, c = (size_t)pi->out_c;
    int passes = pi->interlace ? 7 : 1;
    for (int p = 0; p < passes; p++) {
        uint32_t x0 = pi->interlace ? adam7[p][0] : 0, y0 = pi->interlace ? adam7[p][1] : 0;
        uint32_t dx = pi->interlace ? adam7[p][2] : 1, dy = pi->interlace ? adam7[p][3] : 1;
        if (x0 >= pi->w || y0 >= pi->h)
            continue; /* an empty pass has no rows, not even filter bytes */
        uint32_t pw = (pi->w - x0 + dx - 1) / dx, ph = (pi->h - y0 + dy - 1) / dy;
        size_t rb = row_bytes(pi, pw);
        for (uint32_t y = 0; y < ph; y++, raw += 1 + rb) {
            if (!unfilter(raw, y ? raw - 1 - rb : NULL, rb, bpp))
                return bad(err, path, "row with an unknown filter");
            uint8_t *dst = img->data + (((size_t)(y0 + y * dy)) * pi->w + x0) * c;
            convert_row(pi, raw + 1, pw, dst, dx * c);
        }
    }
    return SR_OK;
}

/* Bytes the inflated image data must have. */
static size_t raw_size(const png_info *pi)
{
    if (!pi->interlace)
        return (size_t)pi->h * (1 + row_bytes(pi, pi->w));
    size_t n = 0;
    for (int p = 0; p < 7; p++) {
        if (adam7[p][0] >= pi->w || adam7[p][1] >= pi->h)
            continue;
        uint32_t pw = (pi->w - adam7[p][0] + adam7[p][2] - 1) / adam7[p][2];
        uint32_t ph = (pi->h - adam7[p][1] + adam7[p][3] - 1) / adam7[p][3];
        n += (size_t)ph * (1 + row_bytes(pi, pw));
    }
    return n;
}

static sr_status read_trns(const uint8_t *d, uint32_t len, png_info *pi, const char *path,
                           sr_error *err)
{
    if (pi->ctype == 3) {
        if (!pi->npal || len > (uint32_t)pi->npal)
            return bad(err, path, "tRNS before PLTE or longer than it");
        for (uint32_t i = 0; i < len; i++)
            pi->pal[i][3] = d[i];
        pi->out_c = 4;
    } else if (pi->ctype == 0 || pi->ctype == 2) {
        if (len != 2u * pi->n)
            return bad(err, path, "tRNS of the wrong length");
        for (int c = 0; c < pi->n; c++) /* at the file's depth: 16 bits, or the low bits */
            pi->key[c] = (uint16_t)((d[2 * c] << 8 | d[2 * c + 1]) &
                                    (pi->depth == 16 ? 0xffff : (1u << pi->depth) - 1));
        pi->has_key = 1;
        pi->out_c = pi->n + 1;
    } /* colour types with alpha ignore tRNS, as stb did */
    return SR_OK;
}

/* Whether every chunk's declared length fits in the file, up to IEND: checked before anything
 * is decoded, so a damaged length is named as such, whatever the data before it. */
static int chunks_fit(const uint8_t *b, size_t n)
{
    for (size_t i = 8; i + 8 <= n;) {
        size_t len = be32(b + i);
        if (len > n - i - 8 || n - i - 8 - len < 4)
            return 0;
        if (!memcmp(b + i + 4, "IEND", 4))
            return 1;
        i += 12 + len;
    }
    return 1; /* ends on a chunk boundary without IEND: reported as truncated below */
}

/* Walks the chunks after the signature: IHDR, PLTE, tRNS, the IDATs (inflated as they come),
 * IEND; other ancillary chunks are skipped, unknown critical ones refused. */
sr_status sr__png_decode(const uint8_t *buf, size_t len, const char *path, sr_image *out,
                         sr_error *err)
{
    png_info pi = {0};
    z_stream z = {0};
    uint8_t *raw = NULL;
    size_t need = 0;
    int seen_ihdr = 0, zok = 0, ended = 0;
    sr_status s = SR_OK;
    memset(out, 0, sizeof *out);
    if (!chunks_fit(buf, len))
        return bad(err, path, "chunk is longer than the file");
    for (size_t i = 8; !s && !ended; ) {
        if (len - i < 12) {
            s = bad(err, path, "file that ends before IEND");
            break;
        }
        uint32_t n = be32(buf + i);
        const uint8_t *type = buf + i + 4, *d = buf + i + 8;
        if (n > len - i - 12) {
            s = bad(err, path, "chunk is longer than the file");
            break;
        }
        i += 12 + (size_t)n;
        if (!seen_ihdr && memcmp(type, "IHDR", 4)) {
            s = bad(err, path, "file that does not start with IHDR");
        } else if (!memcmp(type, "IHDR", 4)) {
            s = seen_ihdr ? bad(err, path, "file with two IHDR chunks") : read_ihdr(d, n, &pi, path, err);
            seen_ihdr = 1;
            pi.out_c = pi.ctype == 3 ? 3 : pi.n;
            for (int k = 0; k < 256; k++)
                pi.pal[k][3] = 255;
        } else if (!memcmp(type, "PLTE", 4)) {
            if (n % 3 || n / 3 > 256 || n == 0 || raw)
                s = bad(err, path, "PLTE that is not 1-256 colours, or after IDAT");
            for (uint32_t k = 0; !s && k < n / 3; k++)
                memcpy(pi.pal[k], d + 3 * k, 3);
            pi.npal = (int)(n / 3);
        } else if (!memcmp(type, "tRNS", 4)) {
            s = raw ? bad(err, path, "tRNS after the image data") : read_trns(d, n, &pi, path, err);
        } else if (!memcmp(type, "IDAT", 4)) {
            if (!raw) { /* the first: everything the image needs is known now */
                if (pi.ctype == 3 && !pi.npal) {
                    s = bad(err, path, "palette image without PLTE");
                    break;
                }
                need = raw_size(&pi);
                if (need > UINT32_MAX) {
                    s = sr__err_at(err, SR_E_LIMIT, path, "PNG data over 4 GiB");
                    break;
                }
                raw = malloc(need ? need : 1);
                if (!raw || inflateInit(&z) != Z_OK) {
                    s = sr__err_at(err, SR_E_NOMEM, path, "out of memory for the PNG data");
                    break;
                }
                zok = 1;
                z.next_out = raw;
                z.avail_out = (uInt)need;
            }
            z.next_in = (Bytef *)d;
            z.avail_in = n;
            /* Until the image is whole; compressed data beyond that is ignored (as stb and
             * libpng do: some writers pad the stream). */
            while (!s && z.avail_in && z.avail_out) {
                int r = inflate(&z, Z_NO_FLUSH);
                if (r == Z_STREAM_END)
                    break;
                if (r != Z_OK)
                    s = bad(err, path, "stream with damaged compressed data");
            }
        } else if (!memcmp(type, "IEND", 4)) {
            ended = 1;
        } else if (!(type[0] & 0x20)) {
            s = bad(err, path, "chunk of an unknown critical type");
        }
    }
    if (!s && (!raw || z.total_out != need))
        s = bad(err, path, raw ? "stream with less image data than its size needs" : "file with no image data");
    if (!s)
        s = sr_image_alloc(out, (int)pi.w, (int)pi.h, pi.out_c, err);
    if (!s)
        s = unpack(&pi, raw, out, path, err);
    if (zok)
        inflateEnd(&z);
    free(raw);
    if (s)
        sr_image_free(out);
    return s;
}
