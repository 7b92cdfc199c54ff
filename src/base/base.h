/* base.h - what every module of the library uses: errors, checked sizes, aligned memory, a
 * clock, the one random generator, files. Depends on the public header only. */
#ifndef SR_BASE_H
#define SR_BASE_H

#include "srgan.h"
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SR_ASSERT(x)                                                                               \
    do {                                                                                           \
        if (!(x)) {                                                                                \
            fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #x);              \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Formats "fmt..." into err (if non-NULL) and returns s, so callers can `return sr__err(...)`. */
sr_status sr__err(sr_error *err, sr_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same for an error about SUBJECT (a path, a model name): sets err->subject and err->reason,
 * and err->msg to "SUBJECT: reason". */
sr_status sr__err_at(sr_error *err, sr_status s, const char *subject, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Overflow-checked size arithmetic: returns 0 and leaves *out untouched on overflow. */
int sr__mul_size(size_t a, size_t b, size_t *out);
int sr__mul3_size(size_t a, size_t b, size_t c, size_t *out);

void *sr__aligned_alloc(size_t bytes); /* 64-byte aligned, zeroed; free with free() */
void sr__put_be32(uint8_t *p, uint32_t v); /* big-endian, as PNG chunks store numbers */
/* The same, not cleared: untouched pages cost no memory, so a buffer only some calls use
 * (a runner's activations) is paid for when first written. */
void *sr__aligned_alloc_lazy(size_t bytes);
/* The nth threads of one parallel region meet here (an OpenMP barrier; nothing when nth is 1).
 * The runtime starts the region; kernels call this between the phases of a sliced call. */
void sr__sync(int nth);
double sr__now(void);                  /* monotonic seconds */
uint64_t sr__rng_next(uint64_t *state); /* splitmix64: the one random generator, seeded */

/* Asks for the cache lines holding floats [p, p + n) ahead of their use (write: to be
 * written). Winograd's transforms walk one row piece in each of 64 channel planes, more
 * streams than the hardware prefetchers follow: asking one channel ahead saved about 2 ms of
 * 29 on a 256x256 64->64 layer (bench-conv, Zen 4). */
static inline void sr__prefetch_span(const float *p, int n, int write)
{
    const char *a = (const char *)((uintptr_t)p & ~(uintptr_t)63), *e = (const char *)(p + n);
    for (; a < e; a += 64)
        if (write)
            __builtin_prefetch(a, 1, 3);
        else
            __builtin_prefetch(a, 0, 3);
}

/* ---- files (fsutil.c) ---- */

/* Reads a whole regular file; refuses files above max_bytes. */
sr_status sr__read_file(const char *path, size_t max_bytes, uint8_t **data, size_t *len,
                        sr_error *err);
/* Writes data to a temporary file beside path, then renames it over path. */
sr_status sr__write_atomic(const char *path, const void *data, size_t len, sr_error *err);
int sr__mkdirs(const char *dir); /* mkdir -p; 0 on success */
char *sr__join(const char *dir, const char *name); /* "dir/name", malloc'd; NULL if no memory */

typedef struct {
    char **v;
    int n, cap;
} sr__strlist;
/* The images (by extension: png, jpg, jpeg, bmp, tga) under root, as paths relative to it,
 * sorted bytewise. Symlinked folders are not followed. */
sr_status sr__list_images(const char *root, int recursive, sr__strlist *out, sr_error *err);
void sr__strlist_free(sr__strlist *l);

#endif
