/* bench/wino_blocked.c - the channel-blocked Winograd layer of issue #17, measured before it is
 * built into the runner: F(2x2,3x3) on activations stored 16 channels interleaved per pixel,
 * [C/16][h+2][w+2][16] with the zero border in the buffer, against srgan's own Winograd on the
 * planar layout, same weights and input, alternately in one process.
 *
 * What the blocked layout changes (winograd.c has today's):
 *  - input transform: a tile's 4x4 patch of 16 channels is 16 aligned vector loads, B^T d B in
 *    registers, 16 stores; no deinterleaving and no masked loads (the border is in the buffer),
 *    each load a whole cache line instead of one piece of a row in each of 64 planes;
 *  - products: M[p][tile][co] = V[p][tile][:] U[p][:][co], 6 tiles x 64 output channels per
 *    micro-kernel (24 accumulators; 6 broadcasts and 4 loads per 24 FMAs, against 17 per 16);
 *  - output transform: A^T m A across 16 output channels at once, bias and PReLU as vectors,
 *    stored straight into the next layer's bordered blocked input.
 * The sums run over input channels in order from zero in every tile, so a pixel's bits depend on
 * its 3x3 window and its place in the 2x2 block only, as today. Never part of CI.
 *
 *   bench-wino-blocked [CHANNELS [SIZE [ROUNDS]]]    (default 64 256 5)
 */
#include "model/model.h"

#include <immintrin.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define CHUNK 32 /* tiles per work item: V and M of 64 channels 128 KB each, U 256 KB */
#define AVX512 __attribute__((target("avx512f,fma")))

typedef struct {
    int cin, cout;
    float *U; /* [16][cin][cout] */
    const float *bias, *slope;
} blayer;

static void pack(blayer *L, const float *w)
{
    static const double G[4][3] = {{1, 0, 0}, {.5, .5, .5}, {.5, -.5, .5}, {0, 0, 1}};
    L->U = sr__aligned_alloc(sizeof(float) * 16 * L->cin * L->cout);
    for (int co = 0; co < L->cout; co++)
        for (int ci = 0; ci < L->cin; ci++) {
            const float *g = w + ((size_t)co * L->cin + ci) * 9;
            double gg[4][3];
            for (int a = 0; a < 4; a++)
                for (int l = 0; l < 3; l++)
                    gg[a][l] = G[a][0] * g[l] + G[a][1] * g[3 + l] + G[a][2] * g[6 + l];
            for (int a = 0; a < 4; a++)
                for (int b = 0; b < 4; b++)
                    L->U[((size_t)(a * 4 + b) * L->cin + ci) * L->cout + co] =
                        (float)(gg[a][0] * G[b][0] + gg[a][1] * G[b][1] + gg[a][2] * G[b][2]);
        }
}

#define BT(d0, d1, d2, d3, t)                                                                      \
    do {                                                                                           \
        t[0] = _mm512_sub_ps(d0, d2);                                                              \
        t[1] = _mm512_add_ps(d1, d2);                                                              \
        t[2] = _mm512_sub_ps(d2, d1);                                                              \
        t[3] = _mm512_sub_ps(d1, d3);                                                              \
    } while (0)

/* V[p][t][cin] for tiles t < nt of block row i from tile j0 (bordered input, row W2 pixels) */
AVX512 static void input_tf(const float *in, int cin, int W2, size_t plane, int i, int j0, int nt,
                            float *V)
{
    size_t vs = (size_t)nt * cin;
    for (int cb = 0; cb < cin / 16; cb++) {
        __m512 x[4][4], h[4]; /* x[a][c]: row a of B^T d, column c of the patch */
        for (int t = 0; t < nt; t++) {
            const float *p = in + cb * plane + ((size_t)2 * i * W2 + 2 * (j0 + t)) * 16;
            for (int a = 0; t && a < 4; a++) /* a tile's first two columns: the last tile's last two */
                x[a][0] = x[a][2], x[a][1] = x[a][3];
            for (int c = t ? 2 : 0; c < 4; c++) {
                __m512 d[4];
                for (int r = 0; r < 4; r++)
                    d[r] = _mm512_load_ps(p + ((size_t)r * W2 + c) * 16);
                BT(d[0], d[1], d[2], d[3], h);
                for (int a = 0; a < 4; a++)
                    x[a][c] = h[a];
            }
            float *o = V + (size_t)t * cin + cb * 16;
            for (int a = 0; a < 4; a++) {
                BT(x[a][0], x[a][1], x[a][2], x[a][3], h);
                for (int b = 0; b < 4; b++)
                    _mm512_store_ps(o + (a * 4 + b) * vs, h[b]);
            }
        }
    }
}

/* M[t][co] = sum_ci V[t][ci] U[ci][co] for NT tiles x NC vectors of output channels */
#define KERN(NT, NC)                                                                               \
    AVX512 static void kern_##NT##_##NC(const float *v, int cin, const float *u, int cout,        \
                                        float *m)                                                  \
    {                                                                                              \
        __m512 acc[NT][NC];                                                                        \
        for (int t = 0; t < NT; t++)                                                               \
            for (int c = 0; c < NC; c++)                                                           \
                acc[t][c] = _mm512_setzero_ps();                                                   \
        for (int ci = 0; ci < cin; ci++) {                                                         \
            __m512 w[NC];                                                                          \
            for (int c = 0; c < NC; c++)                                                           \
                w[c] = _mm512_load_ps(u + (size_t)ci * cout + c * 16);                             \
            for (int t = 0; t < NT; t++) {                                                         \
                __m512 x = _mm512_set1_ps(v[(size_t)t * cin + ci]);                                \
                for (int c = 0; c < NC; c++)                                                       \
                    acc[t][c] = _mm512_fmadd_ps(x, w[c], acc[t][c]);                               \
            }                                                                                      \
        }                                                                                          \
        for (int t = 0; t < NT; t++)                                                               \
            for (int c = 0; c < NC; c++)                                                           \
                _mm512_store_ps(m + (size_t)t * cout + c * 16, acc[t][c]);                         \
    }
KERN(6, 4)
KERN(4, 4)
KERN(2, 4)
KERN(1, 4)
KERN(8, 3)
KERN(4, 3)
KERN(2, 3)
KERN(1, 3)
typedef void (*kern_fn)(const float *, int, const float *, int, float *);

/* One position's product: 64 output channels at a time (48 for the photo nets), tiles in
 * groups of the widest kernel that fits. */
static void product(const float *V, int cin, const float *U, int cout, float *M, int nt)
{
    static const kern_fn k4[] = {kern_6_4, kern_4_4, kern_2_4, kern_1_4};
    static const kern_fn k3[] = {kern_8_3, kern_4_3, kern_2_3, kern_1_3};
    static const int n4[] = {6, 4, 2, 1}, n3[] = {8, 4, 2, 1};
    for (int co = 0; co < cout;) {
        int wide = cout - co >= 64;
        const kern_fn *k = wide ? k4 : k3;
        const int *nk = wide ? n4 : n3;
        for (int t = 0, g = 0; t < nt;) {
            while (t + nk[g] > nt)
                g++;
            k[g](V + (size_t)t * cin, cin, U + co, cout, M + (size_t)t * cout + co);
            t += nk[g];
        }
        co += wide ? 64 : 48;
    }
}

AVX512 static void output_tf(const blayer *L, const float *M, int nt, float *out, int W2,
                             size_t plane, int i, int j0)
{
    size_t ms = (size_t)nt * L->cout;
    for (int cb = 0; cb < L->cout / 16; cb++) {
        __m512 bias = _mm512_loadu_ps(L->bias + cb * 16), sl = _mm512_loadu_ps(L->slope + cb * 16);
        float *base = out + cb * plane + ((size_t)(2 * i + 1) * W2 + 1) * 16;
        for (int t = 0; t < nt; t++) {
            const float *m = M + (size_t)t * L->cout + cb * 16;
            __m512 s0[4], s1[4], y[4];
            for (int b = 0; b < 4; b++) {
                __m512 m1 = _mm512_load_ps(m + (4 + b) * ms), m2 = _mm512_load_ps(m + (8 + b) * ms);
                s0[b] = _mm512_add_ps(_mm512_add_ps(_mm512_load_ps(m + b * ms), m1), m2);
                s1[b] = _mm512_sub_ps(_mm512_sub_ps(m1, m2), _mm512_load_ps(m + (12 + b) * ms));
            }
            y[0] = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s0[0], s0[1]), s0[2]), bias);
            y[1] = _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(s0[1], s0[2]), s0[3]), bias);
            y[2] = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s1[0], s1[1]), s1[2]), bias);
            y[3] = _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(s1[1], s1[2]), s1[3]), bias);
            float *o = base + (size_t)2 * (j0 + t) * 16;
            for (int q = 0; q < 4; q++) {
                __mmask16 neg = _mm512_cmp_ps_mask(y[q], _mm512_setzero_ps(), _CMP_LT_OQ);
                y[q] = _mm512_mask_mul_ps(y[q], neg, y[q], sl);
                _mm512_store_ps(o + ((size_t)(q >> 1) * W2 + (q & 1)) * 16, y[q]);
            }
        }
    }
}

/* The layer on a w x h image (even sides), bordered blocked in and out. */
static void blocked_forward(const blayer *L, const float *in, float *out, int w, int h, float *V)
{
    int W2 = w + 2, nbx = w / 2;
    size_t plane = (size_t)(h + 2) * W2 * 16;
    float *M = V + (size_t)16 * CHUNK * L->cin;
    for (int i = 0; i < h / 2; i++)
        for (int j0 = 0; j0 < nbx; j0 += CHUNK) {
            int nt = nbx - j0 < CHUNK ? nbx - j0 : CHUNK;
            input_tf(in, L->cin, W2, plane, i, j0, nt, V);
            for (int p = 0; p < 16; p++)
                product(V + (size_t)p * nt * L->cin, L->cin, L->U + (size_t)p * L->cin * L->cout,
                        L->cout, M + (size_t)p * nt * L->cout, nt);
            output_tf(L, M, nt, out, W2, plane, i, j0);
        }
}

static void fill(float *v, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        v[i] = ((seed >> 9) / 8388608.f - 0.5f) * 0.2f;
    }
}

int main(int argc, char **argv)
{
    int C = argc > 1 ? atoi(argv[1]) : 64, n = argc > 2 ? atoi(argv[2]) : 256;
    int rounds = argc > 3 ? atoi(argv[3]) : 5;
    if (!__builtin_cpu_supports("avx512f")) {
        printf("bench-wino-blocked: this CPU has no AVX-512; nothing to measure\n");
        return 0;
    }
    if (C % 16 || C < 48 || (C % 64 && C % 64 != 48) || n % 2 || n < 16 || rounds < 1) {
        fprintf(stderr, "usage: bench-wino-blocked [CHANNELS (a multiple of 16 that is 48 or more "
                        "and 0 or 48 mod 64) [SIZE (even) [ROUNDS]]]\n");
        return 2;
    }
    sr__conv c = {.cin = C, .cout = C, .kw = 3, .kh = 3, .dw = 1, .dh = 1, .sw = 1, .sh = 1,
                  .pl = 1, .pr = 1, .pt = 1, .pb = 1, .act = SR_ACT_PRELU};
    size_t nw = (size_t)C * C * 9, npx = (size_t)n * n, W2 = (size_t)n + 2;
    c.weight = malloc(nw * sizeof(float));
    c.bias = malloc(C * sizeof(float));
    c.slope = malloc(C * sizeof(float));
    fill(c.weight, nw, 7), fill(c.bias, (size_t)C, 8);
    for (int i = 0; i < C; i++)
        c.slope[i] = 0.25f;
    setenv("SR_CONV", "winograd", 1);
    if (sr__conv_pack(&c, NULL))
        return 1;
    blayer L = {C, C, NULL, c.bias, c.slope};
    pack(&L, c.weight);

    float *in = sr__aligned_alloc(C * npx * sizeof(float)), *out = sr__aligned_alloc(C * npx * 4);
    size_t bsz = (size_t)C * W2 * W2;
    float *bin = sr__aligned_alloc(bsz * 4), *bout = sr__aligned_alloc(bsz * 4);
    fill(in, C * npx, 3);
    memset(bin, 0, bsz * 4), memset(bout, 0, bsz * 4);
    for (int ch = 0; ch < C; ch++) /* the same input, blocked with its border */
        for (size_t y = 0; y < (size_t)n; y++)
            for (size_t x = 0; x < (size_t)n; x++)
                bin[((ch / 16) * W2 * W2 + (y + 1) * W2 + x + 1) * 16 + ch % 16] =
                    in[ch * npx + y * n + x];
    sr__ws_need need = sr__conv_workspace(&c, n, n);
    float *ws = sr__aligned_alloc((need.shared + 16) * 4), *own = sr__aligned_alloc((need.own + 16) * 4);
    float *V = sr__aligned_alloc((size_t)16 * CHUNK * 2 * C * 4);
    const sr__run rc = {ws, own, 0, 1, 0, 0};

    double flop = 2.0 * nw * npx, best[2] = {1e30, 1e30};
    int reps = (int)(1e10 / flop) + 2;
    for (int r = 0; r < rounds; r++)
        for (int who = 0; who < 2; who++)
            for (int k = 0; k < reps; k++) {
                double t0 = sr__now();
                if (who)
                    blocked_forward(&L, bin, bout, n, n, V);
                else
                    sr__conv_forward(&c, in, n, n, out, n, n, &rc);
                double t = sr__now() - t0;
                best[who] = t < best[who] ? t : best[who];
            }
    double maxd = 0; /* the two agree to rounding: same transforms, other summation blocks */
    for (int ch = 0; ch < C; ch++)
        for (size_t y = 0; y < (size_t)n; y++)
            for (size_t x = 0; x < (size_t)n; x++) {
                double d = fabs(out[ch * npx + y * n + x] -
                                bout[((ch / 16) * W2 * W2 + (y + 1) * W2 + x + 1) * 16 + ch % 16]);
                maxd = d > maxd ? d : maxd;
            }
    printf("3x3 %d->%d %dx%d, 1 thread, best of %d x %d, direct-equivalent GFLOP/s:\n", C, C, n, n,
           rounds, reps);
    printf("  srgan Winograd (planar, %-6s) %7.1f\n", c.kern->name, flop / best[0] / 1e9);
    printf("  blocked Winograd                %7.1f   (%.2fx; largest difference %.1e)\n",
           flop / best[1] / 1e9, best[0] / best[1], maxd);
    free(c.weight), free(c.bias), free(c.slope), free(c.packed), free(L.U);
    free(in), free(out), free(bin), free(bout), free(ws), free(own), free(V);
    return maxd < 1e-4 ? 0 : 1;
}
