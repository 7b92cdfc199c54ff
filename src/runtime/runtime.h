/* runtime.h - running a model: the runner (one per thread), tiles, batches. Depends on model. */
#ifndef SR_RUNTIME_H
#define SR_RUNTIME_H

#include "model/model.h"

/* Whole-image statistics (Real-CUGAN's squeeze-and-excitation): SR_STATS_OWN, layers that make
 * statistics (a global average pool) compute them from the tile, as usual; SR_STATS_SAVE also
 * copies them, in layer order, into the pass's stats; SR_STATS_USE takes them from there
 * instead (statistics of the whole image, upscale.c). stats holds sr__net_stats_len floats. */
enum { SR_STATS_OWN = 0, SR_STATS_SAVE, SR_STATS_USE };

/* One thread's part in one pass of the network over a tile: thread ith of nth (0 of 1 alone)
 * with `own` its private scratch (sr__net_own of its own runner), and the statistics mode. */
typedef struct {
    int ith, nth;
    float *own;
    int stats_mode;
    float *stats;
} sr__pass;

/* Runs the network on its input (sr__net_input: 3 x h x w planar, values in [0,1]); (ox, oy):
 * where that input's pixel (0, 0) lies in the whole image. Called by every thread of the pass,
 * inside one parallel region the caller started, with the same arguments but ith and own;
 * each computes its share of every layer and all meet after each layer. All get the same
 * status. *out points into the runner and stays valid until the next call. */
sr_status sr__net_forward(sr_net *n, const sr__pass *ps, int w, int h, long ox, long oy,
                          const float **out, sr__shape *oshape, sr_error *err);
float *sr__net_own(sr_net *n); /* this runner's private scratch, for sr__pass.own */
float *sr__net_input(sr_net *n); /* where the caller writes the 3 x h x w input */
/* Points the runner at m, a model of the same graph as the one it was made for (a denoise blend
 * of it: same buffers, other weights); SR_E_INVALID for another graph. */
sr_status sr__net_bind(sr_net *n, const sr_model *m, sr_error *err);
size_t sr__net_stats_len(const sr_net *n); /* floats of a pass's stats */
/* A buffer of at least `floats` owned by the runner (for averaging outputs); NULL if no memory. */
float *sr__net_acc(sr_net *n, size_t floats);

/* Where a runner keeps each blob (slots.c): n slots of cap[i] floats for the given (largest)
 * shapes; blob b in slot[b], choff[b] channels in (a Concat's inputs inside its output). */
typedef struct {
    int n;
    size_t *cap;
    int *slot, *choff;
} sr__slots;
sr_status sr__plan_slots(const sr_model *m, const sr__shape *shapes, sr__slots *p, sr_error *err);
void sr__slots_free(sr__slots *p);

#endif
