/* kernels.h - convolution: one layer's weights, their packing for a micro-kernel, and the
 * direct, Winograd and bf16 forward passes. A kernel computes the slice of the work it is
 * given and never starts threads. Depends on base. */
#ifndef SR_KERNELS_H
#define SR_KERNELS_H

#include "base/base.h"

/* Activations applied in a convolution's store. */
enum { SR_ACT_NONE = 0, SR_ACT_RELU, SR_ACT_LEAKY, SR_ACT_CLIP, SR_ACT_SIGMOID, SR_ACT_PRELU };

typedef struct sr__conv_kernel sr__conv_kernel;

typedef struct {
    int cin, cout, kw, kh, dw, dh, sw, sh, pl, pr, pt, pb;
    int opr, opb;        /* Deconvolution: extra output columns/rows on the right/bottom */
    int act;
    float act_a, act_b;  /* leaky slope, or clip min/max */
    float *slope;        /* per-output-channel PReLU slopes (SR_ACT_PRELU), owned */
    float *weight;       /* cout x cin x kh x kw, as in the file, owned */
    float *bias;         /* cout, zeros when the file has none, owned */
    float *packed;       /* weight in the micro-kernel's layout, owned */
    int wino;            /* packed holds Winograd F(2x2,3x3) weights (winograd.c) */
    uint32_t *packed_bf16; /* those weights as bf16 pairs (conv_bf16.c), or NULL: fp32 */
    int blk;             /* SR_BLK_*: which side is channel-blocked, 0: neither; if set on a
                          * Winograd layer, packed holds its weights as [16][cin][cout] */
    int wino4;           /* run by F(4x4,3x3) (wino4_blocked.c): packed holds [36][cin][cout] */
    int want_wino4;      /* set before sr__conv_pack (the net's tiles are not exact): a fp32
                          * layer that F(4x4,3x3) takes is packed for it, and no other way */
    const sr__conv_kernel *kern; /* the kernel `packed` was laid out for */
} sr__conv;

/* What a layer's forward pass gets beside its blobs. Kernels never start threads: the runtime
 * runs nth threads (one tile with the whole machine) or one, and each call computes its slice,
 * the work items i with i % nth == ith, meeting the others at sr__sync between phases.
 * Scratch is sized by the *_workspace functions: `ws` is shared by the nth threads of the call
 * (a padded copy of the input that every slice reads), `own` is this thread's alone. */
typedef struct {
    float *ws, *own;
    int ith, nth;
    long ox, oy; /* where the first input's pixel (0, 0) lies in the whole (padded) image, in
                  * that blob's pixels: Winograd blocks sit on even image coordinates */
    int *claim;  /* NULL, or a counter the call's threads share, 0 on entry (sr__claim) */
} sr__run;

/* Thread ith's share of n equal work items: [*lo, *hi), contiguous, sizes differing by at most
 * one. (Interleaving i = ith, ith + nth, ... is balanced only when items cost the same.) */
static inline void sr__share(size_t n, int ith, int nth, size_t *lo, size_t *hi)
{
    *lo = n / (size_t)nth * (size_t)ith + n % (size_t)nth * (size_t)ith / (size_t)nth;
    *hi = n / (size_t)nth * (size_t)(ith + 1) + n % (size_t)nth * (size_t)(ith + 1) / (size_t)nth;
}

/* This thread's next run [lo, hi) of n work items, 0 when none is left (a span starts zeroed).
 * With the call's shared counter, guided: runs of a 2 nth-th of what is left, at least one, so
 * neighbouring items mostly stay on one thread (a row of Winograd blocks shares two input rows
 * with the next) while a thread that a busy machine holds up ends up doing fewer; each item is
 * computed the same way whoever runs it, so no bit moves. Without a counter, once, the
 * thread's contiguous share (sr__share). */
typedef struct {
    int lo, hi, done;
} sr__span;

static inline int sr__claim(const sr__run *rc, int n, sr__span *s)
{
    if (!rc->claim) {
        size_t a, b;
        if (s->done)
            return 0;
        sr__share((size_t)n, rc->ith, rc->nth, &a, &b);
        s->lo = (int)a, s->hi = (int)b, s->done = 1;
        return s->lo < s->hi;
    }
    int cur = __atomic_load_n(rc->claim, __ATOMIC_RELAXED), size;
    do {
        if (cur >= n)
            return 0;
        size = (n - cur) / (2 * rc->nth);
        size = size < 1 ? 1 : size;
    } while (!__atomic_compare_exchange_n(rc->claim, &cur, cur + size, 0, __ATOMIC_RELAXED,
                                          __ATOMIC_RELAXED));
    s->lo = cur, s->hi = cur + size;
    return 1;
}

/* Floats of scratch a call needs: shared by its threads, and per thread. */
typedef struct {
    size_t shared, own;
} sr__ws_need;

sr_status sr__conv_pack(sr__conv *c, sr_error *err);
sr__ws_need sr__conv_workspace(const sr__conv *c, int ow, int oh);
/* The bits of an output pixel depend neither on rc->nth nor on where the tile starts, only on
 * the pixel's input window and (Winograd) on its place in the whole image (rc->ox, oy). */
void sr__conv_forward(const sr__conv *c, const float *in, int w, int h, float *out, int ow, int oh,
                      const sr__run *rc);
/* Transposed convolution (ncnn Deconvolution): every output pixel gathers its taps in the same
 * order wherever it lies, so tiles agree with the whole image. */
void sr__deconv_forward(const sr__conv *c, const float *in, int w, int h, float *out, int ow,
                        int oh, const sr__run *rc);
/* Packs a deconvolution whose kernel equals its stride for the fast path (others: no-op). */
sr_status sr__deconv_pack(sr__conv *c, sr_error *err);
sr__ws_need sr__deconv_workspace(const sr__conv *c, int ow, int oh); /* ow, oh: its output */
/* Frees c->weight (the file's layout) where c's forward pass reads only its packed weights, once
 * the model is planned (every path but a strided convolution that no kernel takes and the
 * dilated transposed one): x4plus's 67 MB are not kept twice. deconv: c is a Deconvolution. */
void sr__conv_drop_weight(sr__conv *c, int deconv);
/* Plain reference convolution, for tests and for shapes the fast kernels do not take. */
void sr__conv_reference(const sr__conv *c, const float *in, int w, int h, float *out, int ow,
                        int oh);

/* Winograd F(2x2,3x3) for 3x3 stride-1 layers (winograd.c): whether c gets it (by shape, or
 * forced by SR_CONV=direct|winograd), its packing, workspace and forward pass. */
int sr__wino_applies(const sr__conv *c);
sr_status sr__wino_pack(sr__conv *c, sr_error *err);
size_t sr__wino_workspace(const sr__conv *c, int ow, int oh); /* per thread */
void sr__wino_forward(const sr__conv *c, const float *in, int w, int h, float *out, int ow,
                      int oh, const sr__run *rc);
/* Switches a Winograd layer packed for the AVX-512 kernel to bf16 products (fp32: back). */
sr_status sr__wino_set_bf16(sr__conv *c, int on, sr_error *err);

/* Channel-blocked activations (blocked.c; the Winograd kernel on them in wino_blocked.c):
 * [C/16][h + 8][w + 8][16], the image at (SR_BLK_PAD, SR_BLK_PAD) in a ring of zeros 4 pixels
 * wide (an F(4x4,3x3) patch reaches that far past the image). A convolution with SR_BLK_IN
 * reads its input so, one with SR_BLK_OUT writes its output so. */
enum { SR_BLK_IN = 1, SR_BLK_OUT = 2 };
/* A layer (model.h's blocked hook) that takes either layout on each side but runs fastest with
 * one layout throughout (element-wise: a mixed call converts pixel by pixel). */
#define SR_BLK_ALIKE 4
#define SR_BLK_PAD 4
/* The blocked paths' micro-kernels (wino_blocked.c, direct_blocked.c, conv_bf16.c), by vectors
 * of 16 output channels held (1 .. 4): the tiles or pixels each takes, the widest first, the
 * narrower ones for the end of a row. */
static const int sr__blk_widths[4][4] = {{16, 4, 2, 1}, {12, 4, 2, 1}, {8, 4, 2, 1}, {6, 4, 2, 1}};
size_t sr__blk_floats(int c, int w, int h); /* a blocked buffer of a c x h x w blob */
/* Where channel k of pixel (x, y) lies in a blocked w x h buffer. */
static inline size_t sr__blk_at(int k, int x, int y, int w, int h)
{
    return (((size_t)(k / 16) * (h + 2 * SR_BLK_PAD) + (size_t)(y + SR_BLK_PAD)) *
                (w + 2 * SR_BLK_PAD) + (size_t)(x + SR_BLK_PAD)) * 16 + (size_t)(k % 16);
}
/* Zeroes rows [r0, r1) of the ring of a blocked buffer (rows counted with the ring, 0 .. h + 7). */
void sr__blk_zero_ring(int c, int w, int h, float *out, int r0, int r1);
/* Whether c can read and write blocked activations (and then runs wino_blocked.c): Winograd
 * (fp32 or bf16 products) on the AVX-512 kernel, 3x3 with "same" or no padding (waifu2x),
 * channels in multiples of 16, an activation other than sigmoid. */
int sr__wino_blockable(const sr__conv *c);
/* Whether c can write its output blocked: the blockable ones, and the banded direct path on the
 * AVX-512 kernels (a 3->64 first layer) with output channels in multiples of 16, no sigmoid. */
int sr__conv_writes_blocked(const sr__conv *c);
/* Whether c can read its input blocked: the blockable Winograd layers, and direct ones that
 * sr__direct_blockable takes. */
int sr__conv_reads_blocked(const sr__conv *c);
/* Sets c->blk (not 0; SR_BLK_IN only where sr__conv_reads_blocked) and, where it reads blocked,
 * repacks its weights for that path, for good. */
sr_status sr__conv_set_blocked(sr__conv *c, int blk, sr_error *err);
#ifdef SR_HAVE_X86_KERNELS
size_t sr__wino_blocked_own(const sr__conv *c, int w); /* per-thread scratch floats */
void sr__wino_blocked_forward(const sr__conv *c, const float *in, int w, int h, float *out,
                              int ow, int oh, const sr__run *rc);
/* The blocked Winograd products: M[t][co] = sum_ci V[t][ci] U[ci][co] for one position of nt
 * tiles, a tile's P positions of V (cin floats each) and of M (cout) one after another. */
void sr__blk_product(const float *V, int cin, const float *U, int cout, float *M, int nt, int P);
/* F(4x4,3x3) (wino4_blocked.c), for an fp32 layer that sr__wino_blockable takes, in a net whose
 * tiles need not be exact (its output depends on where blocks start): packs its weights from
 * c->weight for good and sets wino4 (sr__conv_pack calls it when want_wino4 is set); either side
 * then reads or writes blocked as c->blk says, before or after. Then its scratch and forward
 * pass. */
sr_status sr__conv_set_wino4(sr__conv *c, sr_error *err);
size_t sr__wino4_own(const sr__conv *c, int w); /* per-thread scratch floats; w: output width */
void sr__wino4_forward(const sr__conv *c, const float *in, int w, int h, float *out, int ow,
                       int oh, const sr__run *rc);
/* Direct convolution on blocked input (direct_blocked.c): stride 1, channels in multiples of
 * 16, no side padded by more than the ring; the same sums in the same order as the planar
 * direct kernels, so the same bits. Its packing: weights [cin][kh kw][cout]. */
int sr__direct_blockable(const sr__conv *c);
sr_status sr__direct_blocked_pack(sr__conv *c, sr_error *err);
size_t sr__direct_blocked_own(const sr__conv *c, int ow); /* per-thread scratch floats */
void sr__direct_blocked_forward(const sr__conv *c, const float *in, int w, int h, float *out,
                                int ow, int oh, const sr__run *rc);
/* Layout conversions (blk_convert.c). A planar band of rows [y0, y0 + rows) of c channels (c
 * planes of rows x w) into those rows of a blocked w x h buffer; */
void sr__blk_store_rows(const float *band, int c, int w, int rows, float *out, int h, int y0);
/* one image row of c planar channels (src: its first pixel in channel 0, planes `plane` floats
 * apart) as a row of a blocked buffer (dst: its first image pixel, groups of 16 channels dplane
 * floats apart); */
void sr__blk_row_from_planar(const float *src, size_t plane, int c, int w, float *dst,
                             size_t dplane);
/* image rows y0 .. y0 + n - 1 (those outside the image: zeros) of a planar c x h x w in, as n
 * rows of a blocked buffer with the ring's columns (groups of 16 channels n rows apart): what a
 * row of Winograd blocks reads of a planar input; */
void sr__blk_rows_from_planar(const float *in, int c, int w, int h, int y0, int n, float *out);
#ifdef __AVX512F__
#include <immintrin.h>
/* output row oy's pixels x0 .. x0 + n - 1 (n <= 16; px[j]: pixel x0 + j's 16 channels, group
 * cb), those inside 0 .. ow - 1, into the planes of a planar ow x oh out (px is clobbered). */
void sr__blk_store_planar(__m512 px[16], int n, float *out, int cb, int ow, int oh, int oy,
                          int x0);
#endif
#endif

#ifdef SR_HAVE_X86_KERNELS
/* bf16 pieces (conv_bf16.c): U and V hold channel pairs, one bf16 pair per 32-bit word. */
int sr__bf16_supported(void); /* cpuid: AVX-512F, BW and BF16 */
/* 16 positions of channels a and b (b NULL: zeros), stride floats apart, n tiles: to pairs */
void sr__bf16_pair(const float *a, const float *b, size_t stride, int n, uint32_t *out,
                   size_t ostride);
/* M[co][j] = sum over pairs k of U[co][k] . V[k][j], j < n (a multiple of 16) */
void sr__bf16_product(const uint32_t *U, int npair, int cout, const uint32_t *V, size_t vrow,
                      int n, float *M);
/* One position's fp32 weights as the AVX-512 kernel packs them, to pairs. */
void sr__bf16_pack_position(const float *u, int cin, int cout, uint32_t *out);
/* The blocked path's pieces: n floats (a multiple of 32) to n / 2 pairs of neighbours; one
 * position's [cin][cout] weights to [cin / 2][cout] pairs; and its product, M[t][co] = sum
 * over pairs k of V[t][k] . U[k][co], tiles vs words and ms floats apart, t < nt. */
void sr__bf16_from_fp32(const float *v, size_t n, uint32_t *out);
void sr__bf16_pack_blocked(const float *u, int cin, int cout, uint32_t *out);
void sr__bf16_product_blocked(const uint32_t *V, int npair, size_t vs, const uint32_t *U,
                              int cout, float *M, size_t ms, int nt);
#endif

/* Kernel paths (conv_avx512.c, conv_avx2.c, conv_generic.c share conv_kernel.inc). */
struct sr__conv_kernel {
    const char *name;
    int cob; /* output channels per block */
    int xb;  /* output pixels per block along a row */
    /* output rows [y0, y1) of an ow x oh output */
    void (*run)(const sr__conv *c, const float *pad, int rs, int ph, float *out, int ow, int oh,
                int y0, int y1);
    /* Winograd's pieces (winograd_kernel.inc) */
    void (*wino_in)(const float *const *rows, int x0, int w, int n, float *V, size_t vs);
    void (*wino_mul)(const float *U, int cin, int cout, const float *V, size_t vrow, int n,
                     float *M);
    void (*wino_out)(const sr__conv *c, const float *M, size_t pstride, int n, int nv,
                     float *tmp, float *out, int ow, int oh, int oy0, int ox0);
};
/* The kernel family: SR_KERNEL, else the widest this CPU runs. */
const sr__conv_kernel *sr__conv_kernel_select(void);
/* Sets c->kern for c's shape: the family's kernel, or for a direct convolution the block shape
 * this CPU runs fastest (sr__conv_pack calls it; workspace sizes depend on it). */
void sr__conv_pick(sr__conv *c);
extern const sr__conv_kernel sr__conv_kernel_generic;
#ifdef SR_HAVE_X86_KERNELS
extern const sr__conv_kernel sr__conv_kernel_avx2;
extern const sr__conv_kernel sr__conv_kernel_avx512;
extern const sr__conv_kernel sr__conv_kernel_avx512_6x4;
#endif

#endif
