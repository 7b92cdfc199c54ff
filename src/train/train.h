/* train.h - the trainer's internals, shared by train_ops.c (per-layer forward and backward),
 * train_net.c (the generator: layout, one sample's pass, export) and train.c (the loop).
 *
 * The generator is SRVGGNet-style: conv 3->C + PReLU, `blocks` x (conv C->C + PReLU),
 * conv C->3*s*s, PixelShuffle(s), plus the bilinear x s upsampled input (ncnn Interp type 2).
 * Every weight lives in one flat float array `theta` (gradients, Adam moments and the EMA copy
 * have the same layout), so optimiser steps and checkpoints are plain loops and writes.
 */
#ifndef SR_TRAIN_H
#define SR_TRAIN_H

#include "quality/quality.h"
#include "runtime/runtime.h"

#define SR_TRAIN_MAX_CONVS 64

typedef struct {
    int scale, channels, blocks;
    int nconv; /* blocks + 2 */
    int cin[SR_TRAIN_MAX_CONVS], cout[SR_TRAIN_MAX_CONVS];
    size_t w_off[SR_TRAIN_MAX_CONVS], b_off[SR_TRAIN_MAX_CONVS];
    size_t a_off[SR_TRAIN_MAX_CONVS]; /* PReLU slopes after conv l, l < nconv - 1 */
    size_t nparam;
} sr__tnet;

enum { SR_LOSS_L1 = 0, SR_LOSS_CHARBONNIER, SR_LOSS_L2 };

sr_status sr__tnet_layout(int scale, int channels, int blocks, sr__tnet *n, sr_error *err);
/* He (fan-in) initialisation for PReLU(0.25), the last convolution scaled by 0.1 so the network
 * starts close to its bilinear skip; biases 0. Deterministic in seed. */
void sr__tnet_init(const sr__tnet *n, uint64_t seed, float *theta);
double sr__tnet_flops_per_pixel(const sr__tnet *n); /* per low-resolution pixel, forward */

/* The convolutions of one step, packed for the inference kernels: forward, and the transposed,
 * flipped weights that give the gradient of the input. Shared read-only by the threads. */
typedef struct {
    sr__conv fwd[SR_TRAIN_MAX_CONVS], bwd[SR_TRAIN_MAX_CONVS];
    float *bwd_weights, *zeros;
} sr__tpacked;

sr_status sr__tpacked_make(const sr__tnet *n, const float *theta, sr__tpacked *pk, sr_error *err);
void sr__tpacked_free(sr__tpacked *pk);

/* Per-thread scratch for one p x p low-resolution sample: every layer's activations. */
typedef struct sr__tctx sr__tctx;
sr__tctx *sr__tctx_create(const sr__tnet *n, int p);
void sr__tctx_free(sr__tctx *c);

/* One sample: lr is 3 x p x p, hr 3 x sp x sp (planar, [0,1]). Returns the loss summed over the
 * sample's outputs; when grad is non-NULL, adds gscale * d(loss)/d(theta) into it. The output
 * (3 x sp x sp) is left in *out when out is non-NULL. */
double sr__tnet_sample(const sr__tnet *n, const sr__tpacked *pk, const float *theta, sr__tctx *c,
                       const float *lr, const float *hr, int loss, float *grad, float gscale,
                       const float **out);

/* ncnn .param text and .bin bytes of the network with weights theta (malloc'd). */
sr_status sr__tnet_export(const sr__tnet *n, const float *theta, char **param, uint8_t **bin,
                          size_t *bin_len, sr_error *err);

/* Growth (Net2Net-style): theta, initialised for n, takes the weights w of a network o with
 * no more channels and blocks, such that n computes exactly o's function: o's weights in the
 * first channels, zero from the new channels into the old ones, and each added block an
 * identity (centre tap 1, PReLU slope 1) placed evenly between o's. The last convolution is
 * kept fresh when the scales differ. */
void sr__tnet_grow(const sr__tnet *o, const float *w, const sr__tnet *n, float *theta);

/* Weights of an exported network (an embedded model's name, NAME.param or NAME.bin) of
 * channels x blocks, or failing that of the one smaller CxB its size fits, with the scale its
 * size implies (in *n); *theta (malloc'd floats in theta's layout) to be freed. */
sr_status sr__tnet_import(const char *name, int channels, int blocks, sr__tnet *n, uint8_t **theta,
                          sr_error *err);

/* ---- training data (train_data.c) ---- */

typedef struct {
    int n, scale, sizes; /* n images: each photo at `sizes` sizes (1, or 4 with multiscale) */
    sr_image *hr, *lr; /* RGB; hr cut to a multiple of scale, lr = sr_image_downscale(hr) */
    double *cum;       /* cumulative weights: crop positions, or 1 per photo (by_photo) */
} sr__tdata;

/* Loads every photo under dir (in parallel); photos smaller than a crop are left out and
 * counted in *small. by_photo: draws pick a photo uniformly, then a crop in it; otherwise every
 * crop position of every photo is equally likely (big photos dominate). multi: each photo also
 * at 3/4, 1/2 and 1/3 of its size, each size an image of its own. */
sr_status sr__tdata_load(const char *dir, int scale, int patch, int by_photo, int multi,
                         sr__tdata *d, int *small, sr_error *err);
void sr__tdata_free(sr__tdata *d);

typedef struct {
    int img, x, y, t; /* low-resolution corner; t: bit 0 mirror x, bit 1 mirror y, 2 transpose */
    uint64_t seed;    /* the crop's degradation draws */
} sr__tcrop;

/* degraded: also draw the crop's degradation seed. */
sr__tcrop sr__tdata_draw(const sr__tdata *d, int patch, int degraded, uint64_t *rng);
/* The crop as planar floats in [0,1]: lr 3 x patch^2 (degraded by deg, may be NULL), hr
 * 3 x (patch scale)^2. */
sr_status sr__tdata_extract(const sr__tdata *d, const sr__tcrop *c, int patch,
                            const sr_degradation *deg, float *lr, float *hr, sr_error *err);

/* ---- layer kernels (train_ops.c) ---- */

/* dw (cout x cin x 3 x 3) and db (cout) += gradients of a 3x3, pad-1 convolution whose input
 * is a (cin x h x w) and whose output gradient is g (cout x h x w). col: 9 cin x hw floats. */
void sr__t_conv_wgrad(const float *a, int cin, int w, int h, const float *g, int cout, float *dw,
                      float *db, float *col);
size_t sr__t_wgrad_scratch(int cin, int w, int h); /* floats of col */
/* dw[r][q] += sum_p g[r][p] col[q][p]: g is rows x n, col is cols rows of stride cs. */
typedef void (*sr__t_dot_fn)(const float *g, int rows, size_t n, const float *col, int cols,
                             size_t cs, float *dw);
void sr__t_dot_generic(const float *g, int rows, size_t n, const float *col, int cols, size_t cs,
                       float *dw);
#ifdef SR_HAVE_X86_KERNELS
void sr__t_dot_avx512(const float *g, int rows, size_t n, const float *col, int cols, size_t cs,
                      float *dw);
void sr__t_dot_avx2(const float *g, int rows, size_t n, const float *col, int cols, size_t cs,
                    float *dw);
#endif
void sr__t_prelu(const float *z, const float *slope, int c, size_t hw, float *a);
/* gz = d/dz and gslope += d/dslope, given ga = d/da. */
void sr__t_prelu_back(const float *z, const float *slope, const float *ga, int c, size_t hw,
                      float *gz, float *gslope);
/* (c s^2) x h x w <-> c x hs x ws, ncnn PixelShuffle mode 0; unshuffle is its transpose. */
void sr__t_shuffle(const float *in, int c, int w, int h, int s, float *out);
void sr__t_unshuffle(const float *in, int c, int w, int h, int s, float *out);
/* out (c x hs x ws) += the bilinear x s upsample of in, as ncnn's Interp (half-pixel, clamped). */
void sr__t_bilinear_add(const float *in, int c, int w, int h, int s, float *out);

#endif
