/* bench/onednn.c - the anchor for bench-conv: oneDNN's own direct 3x3 convolution (Debian's
 * libdnnl-dev; a benchmark reference only, srgan never links it) on the body shape of the
 * shipped models, fp32 and bf16, in whatever blocked layout oneDNN prefers (format "any":
 * reorders are outside the timing, as bench-conv's packing is).
 *
 *   cc -O2 bench/onednn.c -ldnnl -o onednn && OMP_NUM_THREADS=1 ./onednn [SIZE] [C]
 *
 * Prints the implementation oneDNN chose and its best GFLOP/s (2 x multiply-adds, as
 * bench-conv counts them). bench/onednn.sh runs it beside bench-conv, alternately.
 */
#include <dnnl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(call)                                                                                \
    do {                                                                                           \
        dnnl_status_t st_ = (call);                                                                \
        if (st_ != dnnl_success) {                                                                 \
            fprintf(stderr, "onednn: %s failed (%d)\n", #call, (int)st_);                          \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Small finite values in whatever the layout is: f32 0.01 .. 0.02, bf16 about the same. */
static dnnl_memory_t make(dnnl_engine_t eng, const dnnl_memory_desc_t *md, dnnl_data_type_t dt)
{
    dnnl_memory_t m;
    void *p;
    CHECK(dnnl_memory_create(&m, md, eng, DNNL_MEMORY_ALLOCATE));
    CHECK(dnnl_memory_get_data_handle(m, &p));
    size_t n = dnnl_memory_desc_get_size(md);
    if (dt == dnnl_bf16)
        for (size_t i = 0; i < n / 2; i++)
            ((uint16_t *)p)[i] = (uint16_t)(0x3c24 + (i * 37 % 64)); /* 0.01 .. 0.019 */
    else
        for (size_t i = 0; i < n / 4; i++)
            ((float *)p)[i] = 0.01f + (float)(i * 37 % 64) / 6400.f;
    return m;
}

static void run(dnnl_engine_t eng, dnnl_stream_t st, int size, int c, dnnl_data_type_t dt)
{
    dnnl_memory_desc_t src, wei, bia, dst;
    dnnl_dims_t sd = {1, c, size, size}, wd = {c, c, 3, 3}, bd = {c};
    dnnl_dims_t stride = {1, 1}, pad = {1, 1};
    CHECK(dnnl_memory_desc_init_by_tag(&src, 4, sd, dt, dnnl_format_tag_any));
    CHECK(dnnl_memory_desc_init_by_tag(&wei, 4, wd, dt, dnnl_format_tag_any));
    CHECK(dnnl_memory_desc_init_by_tag(&bia, 1, bd, dnnl_f32, dnnl_x));
    CHECK(dnnl_memory_desc_init_by_tag(&dst, 4, sd, dt, dnnl_format_tag_any));
    dnnl_convolution_desc_t cd;
    CHECK(dnnl_convolution_forward_desc_init(&cd, dnnl_forward_inference,
                                             dnnl_convolution_direct, &src, &wei, &bia, &dst,
                                             stride, pad, pad));
    dnnl_primitive_desc_t pd;
    if (dnnl_primitive_desc_create(&pd, &cd, NULL, eng, NULL) != dnnl_success) {
        printf("onednn %-4s %dx%d: no implementation on this CPU\n",
               dt == dnnl_bf16 ? "bf16" : "fp32", size, size);
        return;
    }
    const char *impl = "?";
    CHECK(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl));
    dnnl_memory_t m[4] = {
        make(eng, dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0), dt),
        make(eng, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0), dt),
        make(eng, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 1), dnnl_f32),
        make(eng, dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0), dt)};
    dnnl_primitive_t conv;
    CHECK(dnnl_primitive_create(&conv, pd));
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, m[0]},
                               {DNNL_ARG_WEIGHTS, m[1]},
                               {DNNL_ARG_BIAS, m[2]},
                               {DNNL_ARG_DST, m[3]}};
    double flop = 2.0 * c * c * 9 * size * size, best = 1e30;
    int reps = (int)(2e10 / flop) + 3; /* as bench-conv: about 20 GFLOP, at least 3 */
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        CHECK(dnnl_primitive_execute(conv, st, 4, args));
        CHECK(dnnl_stream_wait(st));
        double t = now() - t0;
        best = t < best ? t : best;
    }
    printf("onednn %-4s %dx%d %d->%d direct: %7.1f GFLOP/s (%s)\n",
           dt == dnnl_bf16 ? "bf16" : "fp32", size, size, c, c, flop / best / 1e9, impl);
    dnnl_primitive_destroy(conv);
    for (int i = 0; i < 4; i++)
        dnnl_memory_destroy(m[i]);
    dnnl_primitive_desc_destroy(pd);
}

int main(int argc, char **argv)
{
    int size = argc > 1 ? atoi(argv[1]) : 256, c = argc > 2 ? atoi(argv[2]) : 64;
    if (size < 8 || c < 1) {
        fprintf(stderr, "usage: onednn [SIZE >= 8] [CHANNELS]\n");
        return 2;
    }
    dnnl_engine_t eng;
    dnnl_stream_t st;
    CHECK(dnnl_engine_create(&eng, dnnl_cpu, 0));
    CHECK(dnnl_stream_create(&st, eng, dnnl_stream_default_flags));
    run(eng, st, size, c, dnnl_f32);
    run(eng, st, size, c, dnnl_bf16);
    dnnl_stream_destroy(st);
    dnnl_engine_destroy(eng);
    return 0;
}
