/* jpeg.c - JPEG as a degradation and as evidence: encoding to memory the way cameras, phones and
 * websites write JPEGs (libjpeg-turbo: IJG tables scaled by quality, 4:2:0 chroma, as libjpeg's
 * cjpeg and PIL write by default), and estimating the quality a file was written at from its own
 * quantisation tables (DQT), which is what `--denoise auto` maps to a strength. */
#include "image.h"

#include <jpeglib.h>
#include <setjmp.h>
#include <string.h>

/* ITU T.81 Annex K tables, natural (row-major) order, as libjpeg's jcparam.c scales them. */
static const uint8_t std_luma[64] = {
    16, 11, 10, 16, 24,  40,  51,  61,  12, 12, 14, 19, 26,  58,  60,  55,
    14, 13, 16, 24, 40,  57,  69,  56,  14, 17, 22, 29, 51,  87,  80,  62,
    18, 22, 37, 56, 68,  109, 103, 77,  24, 35, 55, 64, 81,  104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99};
static const uint8_t std_chroma[64] = {
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99,
    99, 99, 47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99};
/* DQT segments store entries in zigzag order: zigzag[k] is the natural index of entry k. */
static const uint8_t zigzag[64] = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,  12, 19, 26, 33, 40, 48,
    41, 34, 27, 20, 13, 6,  7,  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23,
    30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};

/* libjpeg's jpeg_quality_scaling + jpeg_add_quant_table: entries capped at 255 for baseline
 * (8-bit) tables, at 32767 for 16-bit ones. */
static int scaled_entry(int base, int quality, int wide)
{
    long scale = quality < 50 ? 5000 / quality : 200 - 2 * quality;
    long v = (base * scale + 50) / 100, max = wide ? 32767 : 255;
    return (int)(v < 1 ? 1 : v > max ? max : v);
}

/* Reads the first two quantisation tables (ids 0 and 1) of a JPEG stream, natural order, and
 * whether each was 16-bit. Returns a bit mask of the ids found. Hostile input only ever makes it return fewer tables:
 * every length is checked against what is left, entries of 0 are read as 1 (a decoder would
 * reject them; here they only weigh in an estimate), 16-bit tables are accepted. */
static unsigned read_dqt(const uint8_t *b, size_t n, int tab[2][64], int wide[2])
{
    unsigned found = 0;
    if (n < 4 || b[0] != 0xFF || b[1] != 0xD8)
        return 0;
    size_t i = 2;
    while (i + 4 <= n) {
        if (b[i] != 0xFF)
            return found;
        uint8_t m = b[i + 1];
        if (m == 0xFF) { /* fill byte */
            i++;
            continue;
        }
        if (m == 0xD9 || m == 0xDA) /* tables come before the first scan */
            return found;
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
            i += 2;
            continue;
        }
        size_t len = (size_t)b[i + 2] << 8 | b[i + 3];
        if (len < 2 || i + 2 + len > n)
            return found;
        if (m == 0xDB) {
            size_t p = i + 4, end = i + 2 + len;
            while (p < end) {
                int pq = b[p] >> 4, tq = b[p] & 15;
                size_t need = 1 + 64 * (size_t)(pq ? 2 : 1);
                if (pq > 1 || p + need > end)
                    break;
                for (int k = 0; k < 64 && tq < 2; k++) {
                    int v = pq ? b[p + 1 + 2 * k] << 8 | b[p + 2 + 2 * k] : b[p + 1 + k];
                    tab[tq][zigzag[k]] = v ? v : 1;
                }
                if (tq < 2)
                    found |= 1u << tq, wide[tq] = pq;
                p += need;
            }
        }
        i += 2 + len;
    }
    return found;
}

int sr_jpeg_quality(const void *data, size_t len)
{
    int tab[2][64], wide[2] = {0, 0};
    unsigned found = read_dqt(data, len, tab, wide);
    if (!(found & 1))
        return 0;
    /* The IJG quality whose scaled tables are nearest (sum of absolute differences over the
     * luma table and, when present, the chroma table): exact for files written by libjpeg,
     * PIL, ImageMagick and most web encoders, the equivalent quality for camera tables. Ties
     * (qualities 98-100 differ only in a few entries) go to the higher quality. */
    int best = 0;
    long best_d = -1;
    for (int q = 100; q >= 1; q--) {
        long d = 0;
        for (int k = 0; k < 64; k++) {
            d += labs((long)tab[0][k] - scaled_entry(std_luma[k], q, wide[0]));
            if (found & 2)
                d += labs((long)tab[1][k] - scaled_entry(std_chroma[k], q, wide[1]));
        }
        if (best_d < 0 || d < best_d)
            best_d = d, best = q;
    }
    return best;
}

int sr_jpeg_file_quality(const char *path)
{
    /* The tables precede the first scan: the head of the file is enough, whatever its size
     * (EXIF and ICC segments before them are at most 64 KiB each). */
    uint8_t *buf = malloc(1 << 20);
    FILE *f = buf ? fopen(path, "rb") : NULL;
    size_t n = f ? fread(buf, 1, 1 << 20, f) : 0;
    if (f)
        fclose(f);
    int q = n ? sr_jpeg_quality(buf, n) : 0;
    free(buf);
    return q;
}

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
} jerr;

static void on_error(j_common_ptr c)
{
    longjmp(((jerr *)c->err)->jump, 1);
}

sr_status sr__jpeg_encode(const uint8_t *rgb, int w, int h, int quality, uint8_t **out,
                          size_t *out_len, sr_error *err)
{
    struct jpeg_compress_struct c;
    jerr je;
    unsigned char *buf = NULL;
    unsigned long blen = 0;
    c.err = jpeg_std_error(&je.pub);
    je.pub.error_exit = on_error;
    if (setjmp(je.jump)) {
        jpeg_destroy_compress(&c);
        free(buf);
        return sr__err(err, SR_E_NOMEM, "JPEG encoder failed on a %dx%d image", w, h);
    }
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, &buf, &blen);
    c.image_width = (JDIMENSION)w, c.image_height = (JDIMENSION)h;
    c.input_components = 3, c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c); /* YCbCr, 2x2 luma sampling = 4:2:0, Huffman tables of Annex K */
    jpeg_set_quality(&c, quality, TRUE);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = (JSAMPROW)(rgb + (size_t)c.next_scanline * w * 3);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    *out = buf, *out_len = blen;
    return SR_OK;
}

sr_status sr__jpeg_roundtrip(sr_image *img, int quality, int *estimate, sr_error *err)
{
    if (img->c != 3)
        return sr__err(err, SR_E_INVALID, "JPEG round trip: %d channels, want RGB", img->c);
    uint8_t *jpg;
    size_t n;
    sr_status s = sr__jpeg_encode(img->data, img->w, img->h, quality, &jpg, &n, err);
    if (s)
        return s;
    if (estimate)
        *estimate = sr_jpeg_quality(jpg, n);
    sr_image dec = {0};
    s = sr_image_decode(jpg, n, "JPEG round trip", SR_DEFAULT_MAX_PIXELS, &dec, err);
    free(jpg);
    if (!s && (dec.w != img->w || dec.h != img->h || dec.c != 3))
        s = sr__err(err, SR_E_FORMAT, "JPEG round trip changed the image's shape");
    if (!s)
        memcpy(img->data, dec.data, (size_t)img->w * img->h * 3);
    sr_image_free(&dec);
    return s;
}
