/* test_batch.c - the batch engine: exact accounting with bad files mixed in, skip and force,
 * collision checks, recursive mirroring, the per-file callback and the JSON report. */
#include "test_common.h"

#include <dirent.h>
#include <unistd.h>

static sr_model *model;
static char *root;

static int setup(void **state)
{
    (void)state;
    sr_error e;
    if (sr_model_load_embedded("realesr-animevideov3-x2", NULL, &model, &e))
        return -1;
    root = make_temp_dir();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sr_model_free(model);
    remove_tree(root);
    free(root);
    return 0;
}

static char *sub(const char *name)
{
    char *p = malloc(4096);
    snprintf(p, 4096, "%s/%s", root, name);
    return p;
}

static void put_image(const char *dir, const char *name, int w, int h, int c, sr_format f)
{
    char p[8192];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    sr_image im;
    sr_error e;
    make_test_image(&im, w, h, c, (unsigned)w * 31 + (unsigned)h);
    assert_int_equal(sr_image_save(p, &im, f, 95, &e), SR_OK);
    sr_image_free(&im);
}

static void put_bytes(const char *dir, const char *name, const void *data, size_t n)
{
    char p[8192];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

static const sr_file_result *find(const sr_batch_result *r, const char *base)
{
    for (int i = 0; i < r->nfiles; i++) {
        const char *s = strrchr(r->files[i].input, '/');
        if (strcmp(s ? s + 1 : r->files[i].input, base) == 0)
            return &r->files[i];
    }
    fail_msg("%s not in the result", base);
    return NULL;
}

typedef struct {
    int calls, max_done, last_failed, total;
} counter;

static void on_file(void *ctx, const sr_file_result *f, int done, int failed, int total)
{
    (void)f;
    counter *c = ctx;
#pragma omp critical
    {
        c->calls++;
        c->max_done = done > c->max_done ? done : c->max_done;
        c->last_failed = failed > c->last_failed ? failed : c->last_failed;
        c->total = total;
    }
}

static sr_batch_result run(const char *in, const char *out, int threads, int force,
                           counter *cb)
{
    sr_batch_params p = sr_batch_default_params();
    p.in_dir = in, p.out_dir = out, p.threads = threads, p.force = force;
    p.on_file = cb ? on_file : NULL, p.ctx = cb;
    sr_batch_result r;
    sr_error e;
    if (sr_batch_run(model, &p, &r, &e))
        fail_msg("batch: %s", e.msg);
    return r;
}

static void test_accounting_with_bad_files(void **state)
{
    (void)state;
    char *in = sub("mixed"), *out = sub("mixed-out");
    assert_int_equal(mkdir(in, 0755), 0);
    put_image(in, "a.png", 20, 12, 3, SR_FMT_PNG);
    put_image(in, "b.jpg", 17, 9, 3, SR_FMT_JPG);
    put_image(in, "c.png", 8, 8, 4, SR_FMT_PNG);
    put_image(in, "d.bmp", 9, 7, 3, SR_FMT_BMP);
    put_bytes(in, "zero.png", "", 0);
    put_bytes(in, "x.png", "hello\n", 6);
    put_bytes(in, "notes.txt", "ignored: not an image extension\n", 32);
    uint8_t trunc[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D',
                       'R', 0, 0, 0, 16, 0, 0, 0, 16, 8, 2, 0, 0, 0, 0x90, 0x91, 0x68, 0x36};
    put_bytes(in, "trunc.png", trunc, sizeof trunc);

    counter cb = {0};
    sr_batch_result r = run(in, out, 2, 0, &cb);
    assert_int_equal(r.nfiles, 7); /* notes.txt is not an input */
    assert_int_equal(r.ok, 4), assert_int_equal(r.failed, 3), assert_int_equal(r.skipped, 0);
    assert_int_equal(r.threads, 2);
    assert_int_equal(cb.calls, 7), assert_int_equal(cb.max_done, 7);
    assert_int_equal(cb.last_failed, 3), assert_int_equal(cb.total, 7);
    assert_string_equal(find(&r, "zero.png")->error, "empty file");
    assert_non_null(strstr(find(&r, "x.png")->error, "not a readable PNG"));
    assert_non_null(strstr(find(&r, "trunc.png")->error, "corrupt or truncated"));
    const sr_file_result *b = find(&r, "b.jpg");
    assert_int_equal(b->status, SR_FILE_OK);
    assert_int_equal(b->out_w, 34), assert_int_equal(b->out_h, 18);
    assert_non_null(strstr(b->output, "mixed-out/b.png"));
    assert_true(r.in_megapixels > 0);
    /* the four outputs and nothing else: no temporaries, nothing for the failures */
    assert_int_equal(count_entries(out), 4);
    sr_image im;
    sr_error e;
    assert_int_equal(sr_image_load(find(&r, "c.png")->output, SR_DEFAULT_MAX_PIXELS, &im, &e),
                     SR_OK);
    assert_int_equal(im.w, 16), assert_int_equal(im.c, 4);
    sr_image_free(&im);

    /* the JSON report carries totals and every file */
    char *rep = sub("report.json");
    assert_int_equal(sr_batch_write_report(rep, &r, model, &e), SR_OK);
    uint8_t *txt;
    size_t len;
    assert_int_equal(sr__read_file(rep, 1 << 20, &txt, &len, &e), SR_OK);
    txt = realloc(txt, len + 1);
    txt[len] = 0;
    const char *keys[] = {"\"model\": \"realesr-animevideov3-x2\"", "\"scale\": 2",
                          "\"num_threads\": 2", "\"ok\": 4", "\"failed\": 3", "\"skipped\": 0",
                          "\"processing_time_seconds\"", "\"images_per_second\"",
                          "\"megapixels_per_second\"", "\"error\": \"empty file\"",
                          "\"input_width\": 17, \"input_height\": 9, \"output_width\": 34"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!strstr((char *)txt, keys[i]))
            fail_msg("report lacks %s:\n%s", keys[i], txt);
    free(txt), free(rep);
    sr_batch_result_free(&r);

    /* again: the outputs exist and are skipped, the failures are tried (and fail) again */
    r = run(in, out, 1, 0, NULL);
    assert_int_equal(r.ok, 0), assert_int_equal(r.failed, 3), assert_int_equal(r.skipped, 4);
    sr_batch_result_free(&r);
    /* --force redoes everything */
    r = run(in, out, 2, 1, NULL);
    assert_int_equal(r.ok, 4), assert_int_equal(r.failed, 3), assert_int_equal(r.skipped, 0);
    sr_batch_result_free(&r);
    free(in), free(out);
}

static void test_thread_counts_give_identical_files(void **state)
{
    (void)state;
    char *in = sub("det"), *o1 = sub("det1"), *o2 = sub("det2");
    assert_int_equal(mkdir(in, 0755), 0);
    for (int i = 0; i < 5; i++) {
        char name[16];
        snprintf(name, sizeof name, "%d.png", i);
        put_image(in, name, 13 + i * 5, 11 + i, 3, SR_FMT_PNG);
    }
    sr_batch_result r1 = run(in, o1, 1, 0, NULL), r2 = run(in, o2, 2, 0, NULL);
    assert_int_equal(r1.ok, 5), assert_int_equal(r2.ok, 5);
    for (int i = 0; i < 5; i++) {
        uint8_t *a, *b;
        size_t na, nb;
        sr_error e;
        assert_int_equal(sr__read_file(r1.files[i].output, 1 << 24, &a, &na, &e), SR_OK);
        assert_int_equal(sr__read_file(r2.files[i].output, 1 << 24, &b, &nb, &e), SR_OK);
        assert_int_equal(na, nb);
        assert_memory_equal(a, b, na);
        free(a), free(b);
    }
    sr_batch_result_free(&r1), sr_batch_result_free(&r2);
    free(in), free(o1), free(o2);
}

static void test_collisions_stop_the_batch(void **state)
{
    (void)state;
    char *in = sub("coll"), *out = sub("coll-out");
    assert_int_equal(mkdir(in, 0755), 0);
    put_image(in, "a.png", 8, 8, 3, SR_FMT_PNG);
    put_image(in, "a.jpg", 8, 8, 3, SR_FMT_JPG);
    sr_batch_params p = sr_batch_default_params();
    p.in_dir = in, p.out_dir = out;
    sr_batch_result r;
    sr_error e;
    assert_int_equal(sr_batch_run(model, &p, &r, &e), SR_E_INVALID);
    assert_non_null(strstr(e.msg, "a.jpg and "));
    assert_non_null(strstr(e.msg, "a.png would both be written to "));
    assert_int_equal(r.ok + r.failed, 0);
    sr_batch_result_free(&r);
    /* writing PNGs into the input folder would replace a.png */
    char *in2 = sub("same");
    assert_int_equal(mkdir(in2, 0755), 0);
    put_image(in2, "a.png", 8, 8, 3, SR_FMT_PNG);
    p.in_dir = in2, p.out_dir = in2;
    assert_int_equal(sr_batch_run(model, &p, &r, &e), SR_E_INVALID);
    assert_non_null(strstr(e.msg, "output would overwrite the input"));
    sr_batch_result_free(&r);
    /* a missing input folder is reported with its name */
    p.in_dir = "/nonexistent/srgan-in";
    assert_int_equal(sr_batch_run(model, &p, &r, &e), SR_E_IO);
    assert_string_equal(e.msg, "/nonexistent/srgan-in: No such file or directory");
    sr_batch_result_free(&r);
    free(in), free(out), free(in2);
}

static void test_recursive_mirrors_folders(void **state)
{
    (void)state;
    char *in = sub("tree"), *out = sub("tree-out");
    char deep[4200];
    assert_int_equal(mkdir(in, 0755), 0);
    snprintf(deep, sizeof deep, "%s/s1", in);
    assert_int_equal(mkdir(deep, 0755), 0);
    put_image(in, "top.png", 8, 6, 3, SR_FMT_PNG);
    put_image(deep, "low.tga", 6, 8, 3, SR_FMT_TGA);
    /* a symlink loop is not followed */
    char link[4300];
    snprintf(link, sizeof link, "%s/loop", deep);
    assert_int_equal(symlink("..", link), 0);
    sr_batch_result r = run(in, out, 2, 0, NULL);
    assert_int_equal(r.nfiles, 1); /* without --recursive only the top folder */
    sr_batch_result_free(&r);
    sr_batch_params p = sr_batch_default_params();
    p.in_dir = in, p.out_dir = out, p.recursive = 1, p.format = SR_FMT_JPG;
    sr_error e;
    assert_int_equal(sr_batch_run(model, &p, &r, &e), SR_OK);
    assert_int_equal(r.nfiles, 2), assert_int_equal(r.ok, 2);
    char want[4200];
    snprintf(want, sizeof want, "%s/s1/low.jpg", out);
    assert_string_equal(find(&r, "low.tga")->output, want);
    struct stat st;
    assert_int_equal(stat(want, &st), 0);
    sr_batch_result_free(&r);
    free(in), free(out);
}

static void remove_later_file(void *ctx, const sr_file_result *f, int done, int failed, int total)
{
    (void)f, (void)failed, (void)total;
    if (done == 1)
        assert_int_equal(unlink((const char *)ctx), 0);
}

/* A file that disappears after the listing fails alone; the batch goes on. */
static void test_file_disappearing_mid_run(void **state)
{
    (void)state;
    char *in = sub("vanish"), *out = sub("vanish-out");
    assert_int_equal(mkdir(in, 0755), 0);
    put_image(in, "a.png", 8, 8, 3, SR_FMT_PNG);
    put_image(in, "b.png", 9, 8, 3, SR_FMT_PNG);
    put_image(in, "c.png", 10, 8, 3, SR_FMT_PNG);
    char victim[4200];
    snprintf(victim, sizeof victim, "%s/c.png", in);
    sr_batch_params p = sr_batch_default_params();
    p.in_dir = in, p.out_dir = out, p.threads = 1;
    p.on_file = remove_later_file, p.ctx = victim;
    sr_batch_result r;
    sr_error e;
    assert_int_equal(sr_batch_run(model, &p, &r, &e), SR_OK);
    assert_int_equal(r.ok, 2), assert_int_equal(r.failed, 1);
    assert_string_equal(find(&r, "c.png")->error, "No such file or directory");
    sr_batch_result_free(&r);
    free(in), free(out);
}

static volatile sig_atomic_t stop_flag;

static void stop_after_two(void *ctx, const sr_file_result *f, int done, int failed, int total)
{
    (void)ctx, (void)f, (void)failed, (void)total;
    if (done == 2)
        stop_flag = 1;
}

/* Shards partition the sorted list; a stop request leaves the rest pending for the next run. */
static void test_shards_and_stop(void **state)
{
    (void)state;
    char *in = sub("shard"), *out = sub("shard-out");
    assert_int_equal(mkdir(in, 0755), 0);
    for (int i = 0; i < 7; i++) {
        char name[16];
        snprintf(name, sizeof name, "%d.png", i);
        put_image(in, name, 6 + i, 6, 3, SR_FMT_PNG);
    }
    sr_batch_params p = sr_batch_default_params();
    p.in_dir = in, p.out_dir = out, p.threads = 2;
    int seen[7] = {0};
    for (int k = 0; k < 3; k++) {
        p.shard_index = k, p.shard_count = 3;
        sr_batch_result r;
        sr_error e;
        assert_int_equal(sr_batch_run(model, &p, &r, &e), SR_OK);
        assert_int_equal(r.nfiles, k == 0 ? 3 : 2);
        assert_int_equal(r.ok, r.nfiles);
        for (int i = 0; i < r.nfiles; i++)
            seen[strrchr(r.files[i].input, '/')[1] - '0']++;
        sr_batch_result_free(&r);
    }
    for (int i = 0; i < 7; i++)
        assert_int_equal(seen[i], 1);
    sr_batch_result r;
    sr_error e;
    p.shard_index = 3;
    assert_int_equal(sr_batch_run(model, &p, &r, &e), SR_E_INVALID);
    assert_string_equal(e.msg, "shard 3/3: need 0 <= K < N");
    sr_batch_result_free(&r);

    /* stop after two files, one thread: two done, five pending; the next run finishes them */
    char *out2 = sub("stop-out");
    p.shard_count = 0, p.threads = 1, p.out_dir = out2;
    p.stop = &stop_flag, p.on_file = stop_after_two;
    assert_int_equal(sr_batch_run(model, &p, &r, &e), SR_OK);
    assert_int_equal(r.ok, 2), assert_int_equal(r.pending, 5), assert_true(r.stopped);
    sr_batch_result_free(&r);
    stop_flag = 0;
    p.on_file = NULL;
    assert_int_equal(sr_batch_run(model, &p, &r, &e), SR_OK);
    assert_int_equal(r.ok, 5), assert_int_equal(r.skipped, 2), assert_false(r.stopped);
    sr_batch_result_free(&r);
    free(in), free(out), free(out2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accounting_with_bad_files),
        cmocka_unit_test(test_thread_counts_give_identical_files),
        cmocka_unit_test(test_collisions_stop_the_batch),
        cmocka_unit_test(test_recursive_mirrors_folders),
        cmocka_unit_test(test_file_disappearing_mid_run),
        cmocka_unit_test(test_shards_and_stop),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
