/* test_common.h - helpers shared by the cmocka tests. */
#ifndef SR_TEST_COMMON_H
#define SR_TEST_COMMON_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "quality/quality.h"
#include "runtime/runtime.h"

/* Path of a file under ../shared (the folder beside the project). When it is missing the test
 * is skipped, except under CI=true, where a missing ../shared is a failure. */
static inline const char *shared_path(const char *rel)
{
    static _Thread_local char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", SR_SHARED_DIR, rel);
    struct stat st;
    if (stat(buf, &st) != 0) {
        const char *ci = getenv("CI");
        if (ci && !strcmp(ci, "true"))
            fail_msg("missing %s (CI=true requires ../shared)", buf);
        print_message("skipped: %s not found (clone ../shared beside the project)\n", buf);
        skip();
    }
    return buf;
}

/* For test programs that need ../shared throughout: -1 when it is there; otherwise 77 (ctest's
 * "skipped") outside CI, 1 (failed) under CI=true. */
static inline int shared_missing_code(void)
{
    struct stat st;
    if (stat(SR_SHARED_DIR "/models", &st) == 0 && stat(SR_SHARED_DIR "/golden", &st) == 0)
        return -1;
    const char *ci = getenv("CI");
    int in_ci = ci && !strcmp(ci, "true");
    fprintf(stderr, "%s: %s/models or /golden not found%s\n", in_ci ? "FAILED" : "skipped",
            SR_SHARED_DIR, in_ci ? " (CI=true requires ../shared)" : "");
    return in_ci ? 1 : 77;
}

static inline void fill_random(float *v, size_t n, unsigned seed, float lo, float hi)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        v[i] = lo + (hi - lo) * ((seed >> 8) / 16777216.f);
    }
}

/* A deterministic RGB(A)/gray test image with edges and texture. */
static inline void make_test_image(sr_image *im, int w, int h, int c, unsigned seed)
{
    assert_int_equal(sr_image_alloc(im, w, h, c, NULL), SR_OK);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int k = 0; k < c; k++) {
                seed = seed * 1664525u + 1013904223u;
                int v = ((x * 7 + y * 3 + k * 50) % 200) + ((x / 5 + y / 7) % 2) * 40 +
                        (int)((seed >> 28) & 7);
                im->data[((size_t)y * w + x) * c + k] = (uint8_t)(v > 255 ? 255 : v);
            }
}

static inline char *make_temp_dir(void)
{
    char tmpl[] = "/tmp/srgan-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

/* Entries of a folder, hidden ones (srgan's temporaries) included. */
static inline int count_entries(const char *d)
{
    DIR *dd = opendir(d);
    assert_non_null(dd);
    int n = 0;
    for (struct dirent *e; (e = readdir(dd));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(dd);
    return n;
}

static inline void remove_tree(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", dir, dir);
    assert_int_equal(system(cmd), 0);
}

#endif
