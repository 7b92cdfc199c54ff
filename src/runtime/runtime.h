/* runtime.h - running a model: the runner (one per thread), tiles, batches. Depends on model. */
#ifndef SR_RUNTIME_H
#define SR_RUNTIME_H

#include "model/model.h"

/* Which of the threads sharing a tile this is: thread ith of nth (0 of 1 alone), with `own` its
 * private scratch (sr__net_own of its own runner). */
typedef struct {
    int ith, nth;
    float *own;
} sr__slice;

/* Runs the network on its input (sr__net_input: 3 x h x w planar, values in [0,1]); (ox, oy):
 * where that input's pixel (0, 0) lies in the whole image. Called by every thread of the slice,
 * inside one parallel region the caller started, with the same arguments but `sl`; each
 * computes its share of every layer and all meet after each layer. All get the same status.
 * *out points into the runner and stays valid until the next call. */
sr_status sr__net_forward(sr_net *n, const sr__slice *sl, int w, int h, long ox, long oy,
                          const float **out, sr__shape *oshape, sr_error *err);
float *sr__net_own(sr_net *n); /* this runner's private scratch, for sr__slice.own */
float *sr__net_input(sr_net *n); /* where the caller writes the 3 x h x w input */
/* Points the runner at m, a model of the same graph as the one it was made for (a denoise blend
 * of it: same buffers, other weights); SR_E_INVALID for another graph. */
sr_status sr__net_bind(sr_net *n, const sr_model *m, sr_error *err);
/* Global average pools (the squeeze of squeeze-and-excitation blocks): SR_POOL_OWN computes
 * them from the tile, as usual; SR_POOL_SAVE also copies them, in layer order, into buf;
 * SR_POOL_USE takes them from buf instead (statistics of the whole image, upscale.c).
 * buf holds sr__net_pool_len floats and must outlive the passes that use it. */
enum { SR_POOL_OWN = 0, SR_POOL_SAVE, SR_POOL_USE };
size_t sr__net_pool_len(const sr_net *n);
void sr__net_pool_mode(sr_net *n, int mode, float *buf);
/* A buffer of at least `floats` owned by the runner (for averaging outputs); NULL if no memory. */
float *sr__net_acc(sr_net *n, size_t floats);

#endif
