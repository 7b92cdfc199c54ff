/* bench/conv.c - this machine's FP32 FMA peak, and the convolution kernels' GFLOP/s on the shapes
 * of the shipped models, as % of that peak. 1 thread and all threads (each thread runs its own
 * convolution: the way the batch uses them). Each shape runs direct, by Winograd, and by
 * Winograd with bf16 products where the CPU has AVX512_BF16 ("wino-bf16"), and by Winograd and
 * direct on channel-blocked activations where the avx512 kernel runs ("wino-blk", "direct-blk",
 * "wino-blk-bf16"; wino_blocked.c, direct_blocked.c: what srgan runs between two such layers),
 * and by F(4x4,3x3) ("wino4-blk", wino4_blocked.c: what nets whose tiles are not exact run);
 * Winograd's
 * GFLOP/s are direct-equivalent (the direct FLOP count over its time), so above 100% of peak
 * means faster than any direct kernel can be. "auto" marks the path srgan picks for the shape.
 * Never part of CI: timings are not assertions.
 *
 *   bench-conv [--quick] [FILTER...]   (FILTER: shapes whose "shape tile" contains it, e.g.
 *                                      "body 64->64 256x256")
 */
#include "model/model.h"

#include <immintrin.h>
#include <omp.h>
#include <string.h>

#define PEAK_ITERS 20000000L

/* 12 independent FMA chains: enough to cover latency x throughput on current x86 cores. */
#define PEAK_BODY(T, SET1, FMA, ADD, RED)                                                          \
    T a[12];                                                                                       \
    T m = SET1(0.999999f), c = SET1(1e-7f);                                                        \
    for (int i = 0; i < 12; i++)                                                                   \
        a[i] = SET1((float)i);                                                                     \
    for (long it = 0; it < iters; it++)                                                            \
        for (int i = 0; i < 12; i++)                                                               \
            a[i] = FMA(a[i], m, c);                                                                \
    for (int i = 1; i < 12; i++)                                                                   \
        a[0] = ADD(a[0], a[i]);                                                                    \
    return RED(a[0]);

__attribute__((target("avx512f,fma"))) static float peak_avx512(long iters)
{
    PEAK_BODY(__m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps, _mm512_reduce_add_ps)
}

__attribute__((target("avx2,fma"))) static float first8(__m256 v)
{
    return _mm256_cvtss_f32(v);
}

__attribute__((target("avx2,fma"))) static float peak_avx2(long iters)
{
    PEAK_BODY(__m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps, first8)
}

/* GFLOP/s of `threads` threads each running fn; FLOP = 2 * lanes * 12 * iters per thread. */
static double measure_peak(int lanes, int threads, float (*fn)(long))
{
    volatile float sink = 0;
    double t0 = sr__now();
#pragma omp parallel num_threads(threads)
    {
        float r = fn(PEAK_ITERS);
#pragma omp atomic
        sink += r;
    }
    double t = sr__now() - t0;
    (void)sink;
    return 2.0 * lanes * 12 * PEAK_ITERS * threads / t / 1e9;
}

static void fill(float *v, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        v[i] = ((seed >> 9) / 8388608.f - 0.5f) * 0.2f;
    }
}

typedef struct {
    const char *what;
    int cin, cout, k, size;
    int inexact; /* a layer of a net whose tiles are not exact (RRDB): srgan runs F(4x4,3x3) */
} shape;

int main(int argc, char **argv)
{
    int quick = argc > 1 && !strcmp(argv[1], "--quick");
    char **filter = argv + 1 + quick;
    int nfilter = argc - 1 - quick;
    int nt = omp_get_max_threads();
    const char *path = sr_kernel_path();
    int have512 = __builtin_cpu_supports("avx512f"), have2 = __builtin_cpu_supports("avx2") &&
                                                             __builtin_cpu_supports("fma");
    double p512[2] = {0, 0}, p2[2] = {0, 0};
    printf("FP32 FMA peak (12 independent chains per thread):\n");
    int tcounts[2] = {1, nt};
    for (int i = 0; i < 2; i++) {
        if (have512)
            p512[i] = measure_peak(16, tcounts[i], peak_avx512);
        if (have2)
            p2[i] = measure_peak(8, tcounts[i], peak_avx2);
        printf("  %d thread(s): AVX-512 %7.1f GFLOP/s   AVX2 %7.1f GFLOP/s\n", tcounts[i],
               p512[i], p2[i]);
    }
    double peak[2];
    for (int i = 0; i < 2; i++)
        peak[i] = !strcmp(path, "avx512") ? p512[i] : !strcmp(path, "avx2") ? p2[i] : p2[i];
    printf("\nconvolution kernels: %s (percentages against the %s peak above)\n\n", path,
           !strcmp(path, "avx512") ? "AVX-512" : "AVX2");
    shape shapes[] = {
        {"first conv 3->64", 3, 64, 3, 64, 0},      {"first conv 3->64", 3, 64, 3, 256, 0},
        {"body 64->64", 64, 64, 3, 64, 0},          {"body 64->64", 64, 64, 3, 256, 0},
        {"last conv 64->48", 64, 48, 3, 64, 0},     {"last conv 64->48", 64, 48, 3, 256, 0},
        {"RRDB 64->32", 64, 32, 3, 64, 1},          {"RRDB concat 160->32", 160, 32, 3, 64, 1},
        {"RRDB concat 192->64", 192, 64, 3, 64, 1},
    };
    int nshapes = quick && !nfilter ? 4 : (int)(sizeof shapes / sizeof shapes[0]);
    printf("(* = the path srgan picks for the shape)\n");
    printf("%-22s %9s %8s %-13s %11s %7s %11s %7s\n", "shape", "tile", "MFLOP", "path",
           "1T GFLOP/s", "% peak", "NT GFLOP/s", "% peak");
    int bf16 = sr_precision_available(SR_PRECISION_BF16);
    /* Per shape: 0 direct with the kernel srgan picks, 1 direct with the other AVX-512 block
     * shape (16x1 or 6x4, conv_avx512*.c), 2 Winograd, 3 Winograd with bf16 products, 4 Winograd
     * on channel-blocked input and output, 5 direct on them (direct_blocked.c), 6 Winograd on
     * them with bf16 products, 7 F(4x4,3x3) on them (wino4_blocked.c: nets whose tiles are not
     * exact). */
    const char *fam = sr__conv_kernel_select()->name;
    int two512 = !strcmp(fam, "avx512") && !getenv("SR_KERNEL");
    for (int s = 0; s < 8 * nshapes; s++) {
        const shape *sh = &shapes[s / 8];
        int m = s % 8, blocked = m >= 4, half = m == 3 || m == 6, wino4 = m == 7;
        char label[64];
        snprintf(label, sizeof label, "%s %dx%d", sh->what, sh->size, sh->size);
        int wanted = !nfilter;
        for (int f = 0; f < nfilter; f++)
            wanted |= strstr(label, filter[f]) != NULL;
        if (!wanted || (m == 1 && !two512) || (half && !bf16))
            continue;
        sr__conv c = {.cin = sh->cin, .cout = sh->cout, .kw = sh->k, .kh = sh->k, .dw = 1, .dh = 1,
                      .sw = 1, .sh = 1, .pl = sh->k / 2, .pr = sh->k / 2, .pt = sh->k / 2,
                      .pb = sh->k / 2, .act = SR_ACT_PRELU};
        size_t nw = (size_t)c.cout * c.cin * c.kh * c.kw;
        c.weight = malloc(nw * sizeof(float));
        c.bias = calloc((size_t)c.cout, sizeof(float));
        c.slope = calloc((size_t)c.cout, sizeof(float));
        fill(c.weight, nw, 7);
        unsetenv("SR_CONV");
        c.kern = sr__conv_kernel_select();
        int wino = sr__wino_applies(&c), chosen = m < 3 && (m >= 2) == wino && m != 1;
        if (blocked) /* what srgan runs between two blockable layers */
            chosen = m != 6 && (wino ? (sh->inexact ? wino4 : m == 4) : m == 5);
        setenv("SR_CONV", m == 5 || m < 2 ? "direct" : "winograd", 1);
        if (m == 1) { /* the shape sr__conv_pick passes over on this CPU */
            sr__conv_pick(&c);
            setenv("SR_KERNEL", c.kern == &sr__conv_kernel_avx512 ? "avx512-6x4" : "avx512", 1);
        }
        int bad = sr__conv_pack(&c, NULL) || (half && sr__wino_set_bf16(&c, 1, NULL));
        unsetenv("SR_KERNEL");
        if (!bad && blocked && !sr__conv_reads_blocked(&c)) {
            free(c.weight), free(c.bias), free(c.slope), free(c.packed);
            continue;
        }
        if (!bad && blocked)
            bad = sr__conv_set_blocked(&c, SR_BLK_IN | SR_BLK_OUT, NULL) ||
                  (wino4 && sr__conv_set_wino4(&c, NULL));
        else if (!bad && (m == 0 || m == 2) && sr__conv_reads_blocked(&c))
            chosen = 0; /* srgan runs it blocked where its neighbours are too */
        if (bad) {
            fprintf(stderr, "pack failed\n");
            return 1;
        }
        char path[32];
        snprintf(path, sizeof path, "%s%s",
                 m < 2    ? "direct "
                 : m == 2 ? "wino"
                 : m == 3 ? "wino-bf16"
                 : m == 4 ? "wino-blk"
                 : m == 5 ? "direct-blk"
                 : m == 6 ? "wino-blk-bf16"
                          : "wino4-blk",
                 m < 2 ? (c.kern->cob == 16 ? "16x1" : c.kern->cob == 6 ? "6x4" : c.kern->name)
                       : "");
        if (chosen)
            strcat(path, "*");
        int n = sh->size;
        double flop = 2.0 * nw * n * n;
        double gf[2];
        for (int ti = 0; ti < 2; ti++) {
            int T = tcounts[ti];
            double best = 1e30;
            int reps = quick ? 3 : (int)(2e10 / flop) + 3;
#pragma omp parallel num_threads(T)
            {
                size_t nin = blocked ? sr__blk_floats(c.cin, n, n) : (size_t)c.cin * n * n;
                size_t nout = blocked ? sr__blk_floats(c.cout, n, n) : (size_t)c.cout * n * n;
                float *in = sr__aligned_alloc(nin * sizeof(float));
                float *out = sr__aligned_alloc(nout * sizeof(float));
                sr__ws_need need = sr__conv_workspace(&c, n, n);
                float *ws = sr__aligned_alloc((need.shared + 16) * sizeof(float));
                float *own = sr__aligned_alloc((need.own + 16) * sizeof(float));
                fill(in, nin, 3 + omp_get_thread_num()); /* blocked: the ring too, as speed goes */
                const sr__run rc = {ws, own, 0, 1, 0, 0, NULL}; /* each thread a whole layer */
                for (int r = 0; r < reps; r++) {
#pragma omp barrier
                    double t0 = sr__now();
                    sr__conv_forward(&c, in, n, n, out, n, n, &rc);
#pragma omp barrier
                    double t = sr__now() - t0;
#pragma omp master
                    best = t < best ? t : best;
                }
                free(in), free(out), free(ws), free(own);
            }
            gf[ti] = flop * T / best / 1e9;
        }
        printf("%-22s %4dx%-4d %8.1f %-13s %11.1f %6.1f%% %11.1f %6.1f%%\n", sh->what, n, n,
               flop / 1e6, path, gf[0], 100 * gf[0] / peak[0], gf[1], 100 * gf[1] / peak[1]);
        free(c.weight), free(c.bias), free(c.slope), free(c.packed), free(c.packed_bf16);
    }
    return 0;
}
