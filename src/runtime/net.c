/* net.c - the runner: one thread's activation buffers and workspace for a model, sized once for
 * the largest tile, and the forward pass as a loop over the layer table. Which buffer ("slot")
 * each blob lives in, and where in it, is slots.c's plan.
 */
#include "runtime.h"

#include <string.h>
#include <unistd.h>

struct sr_net {
    const sr_model *m;
    int tile, max_w, max_h;
    sr__slots plan; /* each blob's slot and channel offset, each slot's floats */
    float **slot;
    sr__shape *shapes;
    long *origin; /* per blob: where its pixel (0, 0) lies in the whole image, x then y */
    float *ws, *own; /* scratch shared by the threads of a tile, and this runner's own */
    size_t ws_cap, own_cap, bytes;
    sr_status shape_status; /* of the tile being run, for every thread (sr__net_forward) */
    int *claim;     /* per layer: the counter its threads claim work from, zeroed per tile */
    float *acc;     /* test-time augmentation's sum of outputs; made on first use */
    size_t acc_cap; /* floats */
};

/* Channels of whole-image statistics layer l outputs (ops->stats), 0 for most layers. */
static size_t stats_of(const sr_model *m, const sr__layer *l)
{
    sr__shape in = {.c = m->blob_c[l->in[0]], .h = 1, .w = 1};
    return l->ops->stats ? (size_t)l->ops->stats(l, &in) : 0;
}

size_t sr__net_stats_len(const sr_net *n)
{
    size_t len = 0;
    for (int i = 0; i < n->m->nlayers; i++)
        len += stats_of(n->m, &n->m->layers[i]);
    return len;
}

/* Refuses a runner larger than half the physical memory before allocating it: with Linux's
 * overcommit a huge allocation succeeds and the process is killed later, when it is touched. */
static sr_status check_budget(const sr_net *n, sr_error *err)
{
    double floats = (double)n->ws_cap + (double)n->own_cap + 32;
    for (int i = 0; i < n->plan.n; i++)
        floats += (double)n->plan.cap[i];
    double need = floats * sizeof(float);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    double limit = pages > 0 && page > 0 ? (double)pages * (double)page / 2 : 64.0 * (1 << 30);
    if (need > limit)
        return sr__err(err, SR_E_LIMIT,
                       "runner: %s needs %.1f GiB per thread for %dx%d tiles, more than half of "
                       "this machine's memory (%.1f GiB); use a smaller --tile",
                       sr_model_name(n->m), need / (1 << 30), n->max_w, n->max_h,
                       limit / (1 << 30));
    return SR_OK;
}

sr_status sr_net_create(const sr_model *m, int tile, sr_net **out, sr_error *err)
{
    *out = NULL;
    if (tile <= 0)
        tile = sr_model_default_tile(m);
    if (tile < 16 || tile > 8192)
        return sr__err(err, SR_E_INVALID, "tile size %d outside 16..8192", tile);
    sr_net *n = calloc(1, sizeof *n);
    if (!n)
        return sr__err(err, SR_E_NOMEM, "runner: out of memory");
    n->m = m;
    n->tile = tile;
    /* A tile's region: its core, a halo (or the reflect padding) each side, alignment slack. */
    int margin = m->halo > m->prepad ? m->halo : m->prepad;
    n->max_w = n->max_h = tile + 2 * margin + 2 * m->align;
    n->shapes = malloc((size_t)m->nblobs * sizeof *n->shapes);
    n->origin = malloc((size_t)m->nblobs * 2 * sizeof *n->origin);
    n->claim = calloc((size_t)m->nlayers, sizeof *n->claim);
    sr_status s = SR_OK;
    if (!n->shapes || !n->origin || !n->claim)
        s = sr__err(err, SR_E_NOMEM, "runner: out of memory");
    else if (sr__model_shapes(m, n->max_w, n->max_h, n->shapes))
        s = sr__err(err, SR_E_INVALID, "runner: model cannot run on %dx%d tiles", n->max_w,
                    n->max_h);
    if (!s)
        s = sr__plan_slots(m, n->shapes, &n->plan, err);
    for (int i = 0; !s && i < m->nlayers; i++) {
        const sr__layer *l = &m->layers[i];
        sr__shape in[SR_MAX_IO], o[SR_MAX_IO];
        for (int k = 0; k < l->n_in; k++)
            in[k] = n->shapes[l->in[k]];
        for (int k = 0; k < l->n_out; k++)
            o[k] = n->shapes[l->out[k]];
        sr__ws_need w = l->ops->workspace ? l->ops->workspace(l, in, o) : (sr__ws_need){0, 0};
        n->ws_cap = w.shared > n->ws_cap ? w.shared : n->ws_cap;
        n->own_cap = w.own > n->own_cap ? w.own : n->own_cap;
    }
    if (!s)
        s = check_budget(n, err);
    if (!s) {
        n->slot = calloc((size_t)n->plan.n, sizeof *n->slot);
        if (!n->slot)
            s = sr__err(err, SR_E_NOMEM, "runner: out of memory");
        for (int i = 0; !s && i < n->plan.n; i++) {
            n->slot[i] = sr__aligned_alloc_lazy(n->plan.cap[i] * sizeof(float));
            n->bytes += n->plan.cap[i] * sizeof(float);
            if (!n->slot[i])
                s = sr__err(err, SR_E_NOMEM, "runner: out of memory for %zu MB of activations",
                            n->plan.cap[i] * sizeof(float) >> 20);
        }
    }
    if (!s) {
        n->ws = sr__aligned_alloc_lazy((n->ws_cap + 16) * sizeof(float));
        n->own = sr__aligned_alloc_lazy((n->own_cap + 16) * sizeof(float));
        n->bytes += (n->ws_cap + n->own_cap + 32) * sizeof(float);
        if (!n->ws || !n->own)
            s = sr__err(err, SR_E_NOMEM, "runner: out of memory for the workspace");
    }
    if (s)
        sr_net_free(n);
    else
        *out = n;
    return s;
}

void sr_net_free(sr_net *n)
{
    if (!n)
        return;
    for (int i = 0; n->slot && i < n->plan.n; i++)
        free(n->slot[i]);
    free(n->slot);
    sr__slots_free(&n->plan);
    free(n->shapes);
    free(n->origin);
    free(n->claim);
    free(n->ws);
    free(n->own);
    free(n->acc);
    free(n);
}

float *sr__net_acc(sr_net *n, size_t floats)
{
    if (floats > n->acc_cap) {
        free(n->acc);
        n->acc = malloc(floats * sizeof(float));
        n->acc_cap = n->acc ? floats : 0;
        n->bytes += n->acc ? floats * sizeof(float) : 0;
    }
    return n->acc;
}

sr_status sr__net_bind(sr_net *n, const sr_model *m, sr_error *err)
{
    const sr_model *o = n->m;
    if (m == o)
        return SR_OK;
    int same = m->nlayers == o->nlayers && m->nblobs == o->nblobs && m->scale == o->scale &&
               m->halo == o->halo && m->prepad == o->prepad && m->align == o->align &&
               m->input_blob == o->input_blob && m->output_blob == o->output_blob &&
               !memcmp(m->blob_c, o->blob_c, (size_t)m->nblobs * sizeof *m->blob_c) &&
               !memcmp(m->blob_blk, o->blob_blk, (size_t)m->nblobs); /* layouts */
    for (int i = 0; same && i < m->nlayers; i++) {
        same = m->layers[i].ops == o->layers[i].ops &&
               !memcmp(m->layers[i].in, o->layers[i].in, sizeof m->layers[i].in) &&
               !memcmp(m->layers[i].out, o->layers[i].out, sizeof m->layers[i].out);
    }
    if (!same)
        return sr__err(err, SR_E_INVALID, "runner made for %s cannot run %s (another graph)",
                       o->name, m->name);
    n->m = m;
    return SR_OK;
}

size_t sr_net_bytes(const sr_net *n) { return n->bytes; }
int sr_net_tile(const sr_net *n) { return n->tile; }

float *sr__net_own(sr_net *n)
{
    return n->own;
}

/* Blob b of the tile being run: its slot, plus its channels' offset in this tile's layout. */
static float *blob_at(const sr_net *n, int b)
{
    const sr__shape *s = &n->shapes[b];
    size_t per = s->blk ? (size_t)(s->h + 2 * SR_BLK_PAD) * (s->w + 2 * SR_BLK_PAD)
                        : (size_t)s->h * s->w;
    return n->slot[n->plan.slot[b]] + (size_t)n->plan.choff[b] * per;
}

/* The input is never placed inside a concatenation (slots.c), so it starts its slot; no shape
 * is read: the caller's threads fill it while thread 0 plans the tile's shapes. */
float *sr__net_input(sr_net *n)
{
    return n->slot[n->plan.slot[n->m->input_blob]];
}

/* Thread 0 works out every blob's shape and origin; the others read them after the barrier. */
static void plan_tile(sr_net *n, int w, int h, long ox, long oy)
{
    const sr_model *m = n->m;
    n->shape_status = w < 1 || h < 1 || w > n->max_w || h > n->max_h ||
                      sr__model_shapes(m, w, h, n->shapes);
    memset(n->claim, 0, (size_t)m->nlayers * sizeof *n->claim);
    n->origin[2 * m->input_blob] = ox, n->origin[2 * m->input_blob + 1] = oy;
    for (int i = 0; !n->shape_status && i < m->nlayers; i++) {
        const sr__layer *l = &m->layers[i];
        if (l->n_in == 0)
            continue;
        long at[2] = {n->origin[2 * l->in[0]], n->origin[2 * l->in[0] + 1]};
        if (l->ops->origin)
            l->ops->origin(l, &n->shapes[l->in[0]], at);
        for (int k = 0; k < l->n_out; k++)
            n->origin[2 * l->out[k]] = at[0], n->origin[2 * l->out[k] + 1] = at[1];
    }
}

/* Layer i on this thread's share; stats_at: where its statistics go in the pass's stats, if it
 * makes any (ops->stats). */
static void run_layer(sr_net *n, int i, const sr__pass *ps, size_t stats_at)
{
    const sr__layer *l = &n->m->layers[i];
    long at[2] = {0, 0}; /* the Input layer has no inputs */
    if (l->n_in > 0)
        at[0] = n->origin[2 * l->in[0]], at[1] = n->origin[2 * l->in[0] + 1];
    const sr__run rc = {n->ws, ps->own, ps->ith, ps->nth, at[0], at[1], &n->claim[i]};
    const float *in[SR_MAX_IO];
    float *o[SR_MAX_IO];
    sr__shape ins[SR_MAX_IO], os[SR_MAX_IO];
    for (int k = 0; k < l->n_in; k++) {
        in[k] = blob_at(n, l->in[k]);
        ins[k] = n->shapes[l->in[k]];
    }
    for (int k = 0; k < l->n_out; k++) {
        o[k] = blob_at(n, l->out[k]);
        os[k] = n->shapes[l->out[k]];
    }
    size_t c = ps->stats_mode == SR_STATS_OWN ? 0 : stats_of(n->m, l);
    if (c && ps->stats_mode == SR_STATS_USE)
        memcpy(o[0], ps->stats + stats_at, c * sizeof(float));
    else
        l->ops->forward(l, in, ins, o, os, &rc);
    if (c && ps->stats_mode == SR_STATS_SAVE)
        memcpy(ps->stats + stats_at, o[0], c * sizeof(float));
}

sr_status sr__net_forward(sr_net *n, const sr__pass *ps, int w, int h, long ox, long oy,
                          const float **out, sr__shape *oshape, sr_error *err)
{
    const sr_model *m = n->m;
    if (ps->ith == 0)
        plan_tile(n, w, h, ox, oy);
    sr__sync(ps->nth);
    if (n->shape_status)
        return sr__err(err, SR_E_INVALID, "runner: a %dx%d tile does not fit (max %dx%d)", w, h,
                       n->max_w, n->max_h);
    size_t stats_at = 0; /* where the next layer's statistics go in ps->stats */
    for (int i = 0; i < m->nlayers; i++) {
        const sr__layer *l = &m->layers[i];
        if ((l->ops->flags & SR_LF_SLICED) || ps->ith == 0) /* else thread 0 runs it alone */
            run_layer(n, i, ps, stats_at);
        stats_at += stats_of(m, l);
        sr__sync(ps->nth); /* the layer's outputs are whole before the next layer reads them */
    }
    *out = blob_at(n, m->output_blob);
    *oshape = n->shapes[m->output_blob];
    return SR_OK;
}
