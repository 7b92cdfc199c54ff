/* test_image.c - decode/encode round trips, every error path with its message, the pixel limit
 * checked before decoding, atomic saves, and the bicubic resize. */
#include "test_common.h"

#include <omp.h>

#include <dirent.h>
#include <unistd.h>

/* stb_image's PNG decoder, as an independent reference for srgan's own (png_read.c). */
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_ONLY_PNG
#define STBI_NO_STDIO
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

static char *dir;

static int setup(void **state)
{
    (void)state;
    dir = make_temp_dir();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    remove_tree(dir);
    free(dir);
    return 0;
}

static const char *path_in(const char *name)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", dir, name);
    return buf;
}

static void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

static void expect_load_error(const char *path, sr_status want, const char *msg)
{
    sr_image im;
    sr_error e = {0};
    sr_status s = sr_image_load(path, SR_DEFAULT_MAX_PIXELS, &im, &e);
    if (s != want || !strstr(e.msg, msg) || !strstr(e.msg, path))
        fail_msg("%s: status %d '%s', expected %d with '%s'", path, s, e.msg, want, msg);
    /* the file is a field of the error, not only text in the line */
    assert_string_equal(e.subject, path);
    assert_non_null(strstr(e.reason, msg));
    assert_null(strstr(e.reason, path));
    assert_null(im.data);
}

static void test_lossless_round_trips(void **state)
{
    (void)state;
    const struct {
        sr_format fmt;
        int c;
    } cases[] = {{SR_FMT_PNG, 1}, {SR_FMT_PNG, 2}, {SR_FMT_PNG, 3}, {SR_FMT_PNG, 4},
                 {SR_FMT_BMP, 3}, {SR_FMT_TGA, 3}, {SR_FMT_TGA, 4},
                 {SR_FMT_WEBP_LOSSLESS, 3}, {SR_FMT_WEBP_LOSSLESS, 4}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sr_image a, b;
        sr_error e;
        make_test_image(&a, 37, 23, cases[i].c, (unsigned)i);
        char name[32];
        snprintf(name, sizeof name, "rt%zu.%s", i, sr_format_ext(cases[i].fmt));
        const char *p = path_in(name);
        assert_int_equal(sr_image_save(p, &a, cases[i].fmt, 90, &e), SR_OK);
        assert_int_equal(sr_image_load(p, SR_DEFAULT_MAX_PIXELS, &b, &e), SR_OK);
        assert_int_equal(b.w, 37), assert_int_equal(b.h, 23), assert_int_equal(b.c, cases[i].c);
        assert_memory_equal(a.data, b.data, (size_t)37 * 23 * cases[i].c);
        sr_image_free(&a), sr_image_free(&b);
    }
}

/* srgan's PNG writer: every channel count, one pixel to several deflate bands (256 KB of
 * rows), the same bytes for any thread count, and the pixels back exactly through stb's
 * decoder. Photo-like content (smooth plus noise) so every row filter gets chosen somewhere. */
static void test_png_writer(void **state)
{
    (void)state;
    const int sizes[][2] = {{1, 1}, {2, 5}, {33, 17}, {700, 610}};
    for (int k = 0; k < 4; k++)
        for (int c = 1; c <= 4; c++) {
            int w = sizes[k][0], h = sizes[k][1];
            sr_image a, b;
            sr_error e;
            assert_int_equal(sr_image_alloc(&a, w, h, c, &e), SR_OK);
            unsigned r = 12345u + (unsigned)(k * 4 + c);
            for (size_t i = 0; i < (size_t)w * h * c; i++) {
                r = r * 1103515245u + 12345u;
                size_t x = i / c % w, y = i / c / w;
                a.data[i] = (uint8_t)(x * 3 + y * 2 + (y % 7 == 3 ? (r >> 16) % 64 : 0));
            }
            uint8_t *one, *three;
            size_t n1, n3;
            assert_int_equal(sr__png_encode(&a, &one, &n1, &e), SR_OK);
            sr__png_job *job; /* three threads, as sr_image_save_threads runs them */
            assert_int_equal(sr__png_begin(&a, 3, &job, &e), SR_OK);
#pragma omp parallel num_threads(3)
            sr__png_bands(job, omp_get_thread_num(), omp_get_num_threads());
            assert_int_equal(sr__png_finish(job, &three, &n3, &e), SR_OK);
            assert_int_equal(n1, n3);
            assert_memory_equal(one, three, n1);
            assert_int_equal(sr_image_decode(one, n1, "t.png", SR_DEFAULT_MAX_PIXELS, &b, &e),
                             SR_OK);
            assert_int_equal(b.w, w), assert_int_equal(b.h, h), assert_int_equal(b.c, c);
            assert_memory_equal(a.data, b.data, (size_t)w * h * c);
            free(one), free(three);
            sr_image_free(&a), sr_image_free(&b);
        }
}

static void test_jpeg_round_trip_is_close(void **state)
{
    (void)state;
    sr_image a, b;
    sr_error e;
    /* a smooth gradient: JPEG at quality 95 should stay within a few levels on average */
    assert_int_equal(sr_image_alloc(&a, 64, 48, 3, &e), SR_OK);
    for (int i = 0; i < 64 * 48 * 3; i++)
        a.data[i] = (uint8_t)((i / 3 % 64) * 3 + (i / 192) * 2 + (i % 3) * 10);
    const char *p = path_in("q.jpg");
    assert_int_equal(sr_image_save(p, &a, SR_FMT_JPG, 95, &e), SR_OK);
    assert_int_equal(sr_image_load(p, SR_DEFAULT_MAX_PIXELS, &b, &e), SR_OK);
    assert_int_equal(b.c, 3);
    double sum = 0;
    for (int i = 0; i < 64 * 48 * 3; i++)
        sum += abs(a.data[i] - b.data[i]);
    assert_true(sum / (64 * 48 * 3) < 2.0);
    sr_image_free(&a), sr_image_free(&b);
}

static void test_load_errors(void **state)
{
    (void)state;
    expect_load_error(path_in("missing.png"), SR_E_IO, "No such file or directory");
    write_bytes(path_in("zero.png"), "", 0);
    expect_load_error(path_in("zero.png"), SR_E_FORMAT, "empty file");
    const char text[] = "this is not an image\n";
    write_bytes(path_in("text.png"), text, sizeof text - 1);
    expect_load_error(path_in("text.png"), SR_E_FORMAT, "not a readable PNG, JPEG, BMP, TGA or WebP");
    /* a PNG cut after its header: the header is valid, the pixels are not there */
    sr_image a;
    sr_error e;
    make_test_image(&a, 40, 40, 3, 1);
    assert_int_equal(sr_image_save(path_in("full.png"), &a, SR_FMT_PNG, 0, &e), SR_OK);
    sr_image_free(&a);
    uint8_t *buf;
    size_t len;
    assert_int_equal(sr__read_file(path_in("full.png"), 1 << 20, &buf, &len, &e), SR_OK);
    write_bytes(path_in("trunc.png"), buf, len / 2);
    free(buf);
    expect_load_error(path_in("trunc.png"), SR_E_FORMAT, "corrupt or truncated image");
    mkdir(path_in("adir.png"), 0755);
    expect_load_error(path_in("adir.png"), SR_E_IO, "is a directory");
}

static void test_pixel_limit_before_decoding(void **state)
{
    (void)state;
    /* A PNG header that declares 100000 x 100000 pixels and holds none: refused from the
     * header alone, so the decoder never allocates the 30 GB it would need. */
    static const uint8_t bomb[] = {
        0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
        0, 0x01, 0x86, 0xa0, 0, 0x01, 0x86, 0xa0, 8, 2, 0, 0, 0, 0x0c, 0x8f, 0x5c, 0x65};
    write_bytes(path_in("bomb.png"), bomb, sizeof bomb);
    expect_load_error(path_in("bomb.png"), SR_E_LIMIT,
                      "100000x100000 pixels exceeds the limit of 268435456 (--max-pixels)");
    /* the limit is inclusive and configurable */
    sr_image a, b;
    sr_error e;
    make_test_image(&a, 10, 10, 3, 2);
    assert_int_equal(sr_image_save(path_in("ten.png"), &a, SR_FMT_PNG, 0, &e), SR_OK);
    assert_int_equal(sr_image_load(path_in("ten.png"), 100, &b, &e), SR_OK);
    sr_image_free(&b);
    assert_int_equal(sr_image_load(path_in("ten.png"), 99, &b, &e), SR_E_LIMIT);
    sr_image_free(&a);
}

static void test_save_is_atomic(void **state)
{
    (void)state;
    sr_image a;
    sr_error e;
    make_test_image(&a, 8, 8, 3, 3);
    /* missing folder: reported, nothing created */
    assert_int_equal(sr_image_save(path_in("nodir/x.png"), &a, SR_FMT_PNG, 0, &e), SR_E_IO);
    assert_non_null(strstr(e.msg, "cannot create a temporary file"));
    /* the destination is a folder: the rename fails and the temporary is removed */
    char sub[4096];
    snprintf(sub, sizeof sub, "%s", path_in("sub"));
    assert_int_equal(mkdir(sub, 0755), 0);
    char target[4200];
    snprintf(target, sizeof target, "%s/busy.png", sub);
    assert_int_equal(mkdir(target, 0755), 0);
    assert_int_equal(sr_image_save(target, &a, SR_FMT_PNG, 0, &e), SR_E_IO);
    assert_non_null(strstr(e.msg, "busy.png"));
    assert_int_equal(count_entries(sub), 1); /* only busy.png itself */
    /* success replaces an existing file whole */
    snprintf(target, sizeof target, "%s/ok.png", sub);
    write_bytes(target, "old", 3);
    assert_int_equal(sr_image_save(target, &a, SR_FMT_PNG, 0, &e), SR_OK);
    sr_image b;
    assert_int_equal(sr_image_load(target, SR_DEFAULT_MAX_PIXELS, &b, &e), SR_OK);
    assert_memory_equal(a.data, b.data, 8 * 8 * 3);
    assert_int_equal(count_entries(sub), 2);
    sr_image_free(&a), sr_image_free(&b);
}

static sr_image load_fixture(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", SR_TEST_DATA, name);
    sr_image im;
    sr_error e;
    if (sr_image_load(path, SR_DEFAULT_MAX_PIXELS, &im, &e))
        fail_msg("%s", e.msg);
    return im;
}

#define PX(im, x, y) ((im).data + ((size_t)(y) * (im).w + (x)) * (im).c)

static void test_odd_formats(void **state)
{
    (void)state;
    /* 16-bit PNG: reduced to 8 bits */
    sr_image g = load_fixture("g16.png");
    assert_int_equal(g.c, 3);
    assert_memory_equal(PX(g, 0, 0), ((uint8_t[]){255, 0, 0}), 3);
    assert_memory_equal(PX(g, 5, 15), ((uint8_t[]){0, 0, 255}), 3);
    sr_image_free(&g);
    /* palette PNG with tRNS: expanded to RGBA, transparency kept */
    sr_image p = load_fixture("palette.png");
    assert_int_equal(p.c, 4);
    assert_int_equal(PX(p, 0, 0)[3], 0);
    assert_int_equal(PX(p, 7, 9)[3], 0);
    assert_int_equal(PX(p, 8, 0)[3], 255);
    assert_int_equal(PX(p, 23, 15)[3], 255);
    sr_image_free(&p);
    /* progressive JPEG: the same picture as its baseline encoding, within JPEG's error */
    sr_image a = load_fixture("baseline.jpg"), b = load_fixture("progressive.jpg");
    assert_int_equal(a.w, b.w), assert_int_equal(a.h, b.h), assert_int_equal(b.c, 3);
    long sum = 0;
    for (size_t i = 0; i < (size_t)a.w * a.h * 3; i++)
        sum += abs(a.data[i] - b.data[i]);
    assert_true((double)sum / (a.w * a.h * 3) < 3.0);
    sr_image_free(&a), sr_image_free(&b);
    /* a Huffman table declaring more than 256 codes (found by fuzz_image): stb 2.27 would write
     * past its table; srgan refuses the file first */
    expect_load_error(SR_TEST_DATA "/bad-huffman.jpg", SR_E_FORMAT,
                      "corrupt JPEG (bad or missing Huffman");
    /* a progressive scan using a Huffman table that was never defined (found by fuzz_image):
     * stb 2.27 would decode with uninitialised memory */
    expect_load_error(SR_TEST_DATA "/undefined-huffman.jpg", SR_E_FORMAT,
                      "corrupt JPEG (bad or missing Huffman");
    /* no quantisation table: stb 2.27 would dequantise with uninitialised memory */
    expect_load_error(SR_TEST_DATA "/no-quant-table.jpg", SR_E_FORMAT,
                      "quantisation table)");
    /* a 120-byte PNG whose IDAT declares ~1 GB (found by fuzz_image): refused from the chunk
     * lengths, before stb 2.27 grows its buffer to the declared size */
    expect_load_error(SR_TEST_DATA "/huge-chunk.png", SR_E_FORMAT,
                      "a PNG chunk is longer than the file");
    /* CMYK JPEG: refused by name, not decoded into wrong colours */
    expect_load_error(SR_TEST_DATA "/cmyk.jpg", SR_E_UNSUPPORTED, "CMYK JPEG is not supported");
}

/* EXIF orientation is applied on reading. The fixtures are a 32x8 JPEG, red left half and
 * blue right half, with an orientation tag in big-endian (6: turn clockwise) and little-endian
 * (8: turn counter-clockwise) TIFF. */
static void test_exif_orientation(void **state)
{
    (void)state;
    sr_image a = load_fixture("orient6-mm.jpg"), b = load_fixture("orient8-ii.jpg");
    assert_int_equal(a.w, 8), assert_int_equal(a.h, 32);
    assert_int_equal(b.w, 8), assert_int_equal(b.h, 32);
    /* turned clockwise, the left (red) edge is on top; counter-clockwise, the right (blue) one */
    assert_true(PX(a, 4, 2)[0] > 200 && PX(a, 4, 2)[2] < 60);
    assert_true(PX(a, 4, 29)[2] > 200 && PX(a, 4, 29)[0] < 60);
    assert_true(PX(b, 4, 2)[2] > 200 && PX(b, 4, 2)[0] < 60);
    assert_true(PX(b, 4, 29)[0] > 200 && PX(b, 4, 29)[2] < 60);
    sr_image_free(&a), sr_image_free(&b);
    /* every orientation against the transform it names, on a small exact image */
    sr_image im;
    sr_error e;
    assert_int_equal(sr_image_alloc(&im, 3, 2, 1, &e), SR_OK);
    static const uint8_t src[6] = {1, 2, 3, 4, 5, 6}; /* rows: 1 2 3 / 4 5 6 */
    static const uint8_t want[9][6] = {
        {0}, {1, 2, 3, 4, 5, 6}, {3, 2, 1, 6, 5, 4}, {6, 5, 4, 3, 2, 1}, {4, 5, 6, 1, 2, 3},
        {1, 4, 2, 5, 3, 6}, {4, 1, 5, 2, 6, 3}, {6, 3, 5, 2, 4, 1}, {3, 6, 2, 5, 1, 4}};
    for (int o = 1; o <= 8; o++) {
        memcpy(im.data, src, 6);
        im.w = 3, im.h = 2;
        assert_int_equal(sr__image_orient(&im, o, &e), SR_OK);
        assert_int_equal(im.w, o >= 5 ? 2 : 3);
        if (memcmp(im.data, want[o], 6) != 0)
            fail_msg("orientation %d: got %d %d %d %d %d %d", o, im.data[0], im.data[1],
                     im.data[2], im.data[3], im.data[4], im.data[5]);
    }
    sr_image_free(&im);
}

static void test_resize(void **state)
{
    (void)state;
    sr_image a, b, c;
    sr_error e;
    make_test_image(&a, 19, 13, 4, 4);
    /* same size: every tap lands on a sample, so the image comes back unchanged */
    assert_int_equal(sr_image_resize(&a, 19, 13, &b, &e), SR_OK);
    assert_memory_equal(a.data, b.data, (size_t)19 * 13 * 4);
    sr_image_free(&b);
    /* a flat image stays flat at any size */
    memset(a.data, 77, (size_t)19 * 13 * 4);
    assert_int_equal(sr_image_resize(&a, 57, 26, &c, &e), SR_OK);
    for (size_t i = 0; i < (size_t)57 * 26 * 4; i++)
        assert_int_equal(c.data[i], 77);
    sr_image_free(&a), sr_image_free(&c);
}

static void test_format_names(void **state)
{
    (void)state;
    sr_format f;
    assert_true(sr_format_from_name("png", &f) && f == SR_FMT_PNG);
    assert_true(sr_format_from_name("JPEG", &f) && f == SR_FMT_JPG);
    assert_true(sr_format_from_name("jpg", &f) && f == SR_FMT_JPG);
    assert_true(sr_format_from_name("tga", &f) && f == SR_FMT_TGA);
    assert_true(sr_format_from_name("webp", &f) && f == SR_FMT_WEBP);
    assert_true(sr_format_from_name("webp-lossless", &f) && f == SR_FMT_WEBP_LOSSLESS);
    assert_false(sr_format_from_name("gif", &f));
    assert_string_equal(sr_format_ext(SR_FMT_BMP), "bmp");
    assert_string_equal(sr_format_ext(SR_FMT_WEBP_LOSSLESS), "webp");
}

/* WebP: gray is widened to RGB (WebP has no gray), gray+alpha to RGBA; lossy is close; a
 * damaged file and an image over the pixel limit fail with their reasons. */
static void test_webp(void **state)
{
    (void)state;
    sr_image g, ga, b, c;
    sr_error e;
    make_test_image(&g, 21, 17, 1, 4);
    make_test_image(&ga, 21, 17, 2, 5);
    assert_int_equal(sr_image_save(path_in("g.webp"), &g, SR_FMT_WEBP_LOSSLESS, 90, &e), SR_OK);
    assert_int_equal(sr_image_load(path_in("g.webp"), SR_DEFAULT_MAX_PIXELS, &b, &e), SR_OK);
    assert_int_equal(b.c, 3);
    for (int i = 0; i < 21 * 17; i++)
        assert_true(b.data[i * 3] == g.data[i] && b.data[i * 3 + 2] == g.data[i]);
    sr_image_free(&b);
    assert_int_equal(sr_image_save(path_in("ga.webp"), &ga, SR_FMT_WEBP_LOSSLESS, 90, &e), SR_OK);
    assert_int_equal(sr_image_load(path_in("ga.webp"), SR_DEFAULT_MAX_PIXELS, &b, &e), SR_OK);
    assert_int_equal(b.c, 4);
    for (int i = 0; i < 21 * 17; i++)
        assert_true(b.data[i * 4 + 1] == ga.data[i * 2] && b.data[i * 4 + 3] == ga.data[i * 2 + 1]);
    sr_image_free(&b);
    make_test_image(&c, 64, 48, 3, 6);
    assert_int_equal(sr_image_save(path_in("c.webp"), &c, SR_FMT_WEBP, 95, &e), SR_OK);
    assert_int_equal(sr_image_load(path_in("c.webp"), SR_DEFAULT_MAX_PIXELS, &b, &e), SR_OK);
    sr_quality q;
    assert_int_equal(sr_image_quality(&c, &b, 0, &q, &e), SR_OK);
    assert_true(q.psnr > 30);
    sr_image_free(&b);
    assert_int_equal(sr_image_load(path_in("c.webp"), 100, &b, &e), SR_E_LIMIT);
    assert_non_null(strstr(e.msg, "64x48 is more than the 100-pixel limit"));
    assert_int_equal(truncate(path_in("c.webp"), 60), 0);
    assert_int_equal(sr_image_load(path_in("c.webp"), SR_DEFAULT_MAX_PIXELS, &b, &e), SR_E_FORMAT);
    assert_non_null(strstr(e.msg, "c.webp: "));
    assert_non_null(strstr(e.msg, "WebP"));
    sr_image_free(&g), sr_image_free(&ga), sr_image_free(&c);
}

/* A colour profile survives decode -> upscale/resize -> encode in PNG (iCCP), JPEG (APP2, split
 * over segments when large) and WebP (ICCP); BMP and TGA drop it. The profile bytes are opaque
 * to srgan, so made-up bytes do; that ImageMagick reads what srgan writes was checked by hand
 * (docs/cli.md). */
static void test_icc_profile_is_carried(void **state)
{
    (void)state;
    const size_t sizes[] = {300, 150000}; /* 150 KB: three APP2 segments in a JPEG */
    const sr_format fmts[] = {SR_FMT_PNG, SR_FMT_JPG, SR_FMT_WEBP, SR_FMT_WEBP_LOSSLESS};
    for (int k = 0; k < 2; k++)
        for (int f = 0; f < 4; f++) {
            sr_image a, b, c;
            sr_error e;
            make_test_image(&a, 19, 13, 3, 2);
            a.icc_len = sizes[k];
            a.icc = malloc(a.icc_len);
            for (size_t i = 0; i < a.icc_len; i++)
                a.icc[i] = (uint8_t)(i * 7 + i / 251);
            char name[32];
            snprintf(name, sizeof name, "icc%d%d.%s", k, f, sr_format_ext(fmts[f]));
            assert_int_equal(sr_image_save(path_in(name), &a, fmts[f], 90, &e), SR_OK);
            assert_int_equal(sr_image_load(path_in(name), SR_DEFAULT_MAX_PIXELS, &b, &e), SR_OK);
            assert_int_equal(b.icc_len, a.icc_len);
            assert_memory_equal(b.icc, a.icc, a.icc_len);
            assert_int_equal(sr_image_imresize(&b, 38, 26, &c, &e), SR_OK);
            assert_int_equal(c.icc_len, a.icc_len);
            sr_image_free(&a), sr_image_free(&b), sr_image_free(&c);
        }
    sr_image a, b;
    make_test_image(&a, 8, 8, 3, 1);
    a.icc_len = 64;
    a.icc = calloc(64, 1);
    assert_int_equal(sr_image_save(path_in("icc.bmp"), &a, SR_FMT_BMP, 90, NULL), SR_OK);
    assert_int_equal(sr_image_load(path_in("icc.bmp"), SR_DEFAULT_MAX_PIXELS, &b, NULL), SR_OK);
    assert_null(b.icc);
    sr_image_free(&a), sr_image_free(&b);
}

/* Every PNG colour type, bit depth, palette and tRNS case, every row filter, interlaced and not
 * (tests/data/png/make.py): srgan's reader gives exactly the pixels stb_image gives. */
static void test_png_reader_matches_stb(void **state)
{
    (void)state;
    DIR *d = opendir(SR_TEST_DATA "/png");
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 4 || strcmp(e->d_name + len - 4, ".png"))
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/png/%s", SR_TEST_DATA, e->d_name);
        sr_image a;
        sr_error err;
        if (sr_image_load(path, SR_DEFAULT_MAX_PIXELS, &a, &err))
            fail_msg("%s", err.msg);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        uint8_t buf[8192];
        size_t got = fread(buf, 1, sizeof buf, f);
        fclose(f);
        int w = 0, h = 0, c = 0;
        uint8_t *b = stbi_load_from_memory(buf, (int)got, &w, &h, &c, 0);
        assert_non_null(b);
        if (a.w != w || a.h != h || a.c != c)
            fail_msg("%s: %dx%dx%d, stb %dx%dx%d", e->d_name, a.w, a.h, a.c, w, h, c);
        if (memcmp(a.data, b, (size_t)w * h * c))
            fail_msg("%s: pixels differ from stb's", e->d_name);
        stbi_image_free(b);
        sr_image_free(&a);
        n++;
    }
    closedir(d);
    assert_true(n >= 40);
}

/* Damaged PNGs are refused with their reason: a row filter that does not exist, image data
 * short of the size, a palette image without a palette, an unknown critical chunk. */
static void test_png_reader_refuses(void **state)
{
    (void)state;
    FILE *f = fopen(SR_TEST_DATA "/png/rgb8.png", "rb");
    assert_non_null(f);
    uint8_t good[4096];
    size_t n = fread(good, 1, sizeof good, f);
    fclose(f);
    sr_image img;
    sr_error err;
    /* the IDAT chunks start after the 33 bytes of signature and IHDR: cut the file inside them */
    assert_int_equal(sr_image_decode(good, 60, "cut.png", SR_DEFAULT_MAX_PIXELS, &img, &err),
                     SR_E_FORMAT);
    assert_non_null(strstr(err.msg, "cut.png: corrupt or truncated image (a PNG"));
    uint8_t bad[4096];
    memcpy(bad, good, n);
    memcpy(bad + 37, "ABCD", 4); /* the first IDAT renamed: an unknown critical chunk */
    assert_int_equal(sr_image_decode(bad, n, "x.png", SR_DEFAULT_MAX_PIXELS, &img, &err),
                     SR_E_FORMAT);
    assert_non_null(strstr(err.msg, "chunk of an unknown critical type"));
    memcpy(bad, good, n);
    bad[25] = 3; /* colour type 3 (palette) with no PLTE */
    assert_int_equal(sr_image_decode(bad, n, "x.png", SR_DEFAULT_MAX_PIXELS, &img, &err),
                     SR_E_FORMAT);
    assert_non_null(strstr(err.msg, "palette image without PLTE"));
    memcpy(bad, good, n);
    bad[24] = 5; /* bit depth 5 */
    assert_int_equal(sr_image_decode(bad, n, "x.png", SR_DEFAULT_MAX_PIXELS, &img, &err),
                     SR_E_FORMAT);
    assert_non_null(strstr(err.msg, "depth 5, colour type 2"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lossless_round_trips),
        cmocka_unit_test(test_png_writer),
        cmocka_unit_test(test_jpeg_round_trip_is_close),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_pixel_limit_before_decoding),
        cmocka_unit_test(test_odd_formats),
        cmocka_unit_test(test_png_reader_matches_stb),
        cmocka_unit_test(test_png_reader_refuses),
        cmocka_unit_test(test_exif_orientation),
        cmocka_unit_test(test_save_is_atomic),
        cmocka_unit_test(test_resize),
        cmocka_unit_test(test_format_names),
        cmocka_unit_test(test_webp),
        cmocka_unit_test(test_icc_profile_is_carried),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
