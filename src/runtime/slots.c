/* slots.c - where each blob of a runner lives: a buffer ("slot") and a channel offset in it.
 *
 * Blobs share slots by liveness: a slot is reused once the last reader of what it holds has
 * run, and Split outputs alias their input. For the compact Real-ESRGAN nets this needs three
 * full-size slots however deep the network is.
 *
 * Concatenations cost no copy: a Concat's output is its inputs one after another along
 * channels, in either layout (planar planes, or blocked groups of 16 with their rings), so each
 * input is placed at its offset inside the output's buffer, and the layer finds them already
 * there. Blobs tied so form a region, one slot: an RRDB dense block's four concatenations are
 * prefixes of one 192-channel buffer that the block's input and its convolutions' outputs fill
 * in turn. A placement is not made (that Concat copies, as before) when an input is the
 * network's input or output, the layouts differ, or it would make two blobs that are written
 * separately overlap (one blob in two concatenations at different offsets).
 */
#include "runtime.h"

#include <string.h>

static int root_of(const int *alias, int b)
{
    while (alias[b] >= 0)
        b = alias[b];
    return b;
}

/* The region of blob b and b's channel offset in it: a forest, up[b] == b at a region's root,
 * off[b] channels from b's parent. */
static int region_of(const int *up, const int *off, int b, int *at)
{
    int o = 0;
    for (; up[b] != b; b = up[b])
        o += off[b];
    *at = o;
    return b;
}

/* Whether the separately written blobs of region g (those not made by a placed Concat) have
 * disjoint channel ranges; list: scratch for nblobs ints. */
static int disjoint(const sr_model *m, const int *alias, const int *up, const int *off,
                    const unsigned char *placed, int g, int *list)
{
    int n = 0, o;
    for (int b = 0; b < m->nblobs; b++)
        if (alias[b] < 0 && !placed[b] && region_of(up, off, b, &o) == g)
            list[n++] = b;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            int oi, oj;
            region_of(up, off, list[i], &oi);
            region_of(up, off, list[j], &oj);
            if (oi < oj + m->blob_c[list[j]] && oj < oi + m->blob_c[list[i]])
                return 0;
        }
    return 1;
}

/* Ties the inputs of Concat l into its output's region, or leaves everything as it was. */
static void place_concat(const sr_model *m, const int *alias, int *up, int *off,
                         unsigned char *placed, int *save, const sr__layer *l)
{
    int nb = m->nblobs, c = root_of(alias, l->out[0]);
    int in_root = root_of(alias, m->input_blob), out_root = root_of(alias, m->output_blob);
    if (c == out_root)
        return;
    memcpy(save, up, (size_t)nb * sizeof *up); /* save: 3 x nblobs ints */
    memcpy(save + nb, off, (size_t)nb * sizeof *off);
    int ok = 1, at = 0;
    for (int k = 0; ok && k < l->n_in; k++) {
        int r = root_of(alias, l->in[k]), orr, oc;
        ok = r != in_root && r != out_root && r != c && m->blob_blk[r] == m->blob_blk[c];
        int gr = region_of(up, off, r, &orr), gc = region_of(up, off, c, &oc);
        if (ok && gr == gc)
            ok = orr == oc + at; /* already there (a prefix of an earlier concatenation) */
        else if (ok)
            up[gr] = gc, off[gr] = oc + at - orr;
        at += m->blob_c[r];
    }
    placed[c] = 1;
    int oc;
    if (ok && disjoint(m, alias, up, off, placed, region_of(up, off, c, &oc), save + 2 * nb))
        return;
    placed[c] = 0;
    memcpy(up, save, (size_t)nb * sizeof *up);
    memcpy(off, save + nb, (size_t)nb * sizeof *off);
}

/* Floats of a region of ch channels shaped as s. */
static size_t region_floats(const sr__shape *s, int ch)
{
    return s->blk ? sr__blk_floats(ch, s->w, s->h) : (size_t)ch * s->h * s->w;
}

sr_status sr__plan_slots(const sr_model *m, const sr__shape *shapes, sr__slots *p, sr_error *err)
{
    int nb = m->nblobs;
    memset(p, 0, sizeof *p);
    int *alias = malloc((size_t)nb * sizeof *alias), *last = malloc((size_t)nb * sizeof *last);
    int *up = malloc((size_t)nb * sizeof *up), *off = calloc((size_t)nb, sizeof *off);
    int *save = malloc((size_t)nb * 3 * sizeof *save), *busy = calloc((size_t)nb, sizeof *busy);
    int *gslot = malloc((size_t)nb * sizeof *gslot), *gch = calloc((size_t)nb, sizeof *gch);
    int *gmin = malloc((size_t)nb * sizeof *gmin), *glast = malloc((size_t)nb * sizeof *glast);
    unsigned char *placed = calloc((size_t)nb, 1);
    p->cap = calloc((size_t)nb, sizeof *p->cap);
    p->slot = malloc((size_t)nb * sizeof *p->slot);
    p->choff = calloc((size_t)nb, sizeof *p->choff);
    sr_status s = SR_OK;
    if (!alias || !last || !up || !off || !save || !busy || !gslot || !gch || !gmin || !glast ||
        !placed || !p->cap || !p->slot || !p->choff) {
        s = sr__err(err, SR_E_NOMEM, "runner: out of memory");
        goto done;
    }
    for (int b = 0; b < nb; b++)
        alias[b] = -1, last[b] = -1, up[b] = b, gslot[b] = -1, gmin[b] = 0, glast[b] = -1;
    for (int i = 0; i < m->nlayers; i++) {
        const sr__layer *l = &m->layers[i];
        if (l->ops->flags & SR_LF_ALIAS)
            for (int k = 0; k < l->n_out; k++)
                alias[l->out[k]] = l->in[0];
        for (int k = 0; k < l->n_in; k++)
            last[root_of(alias, l->in[k])] = i;
        for (int k = 0; k < l->n_out; k++) /* a blob nobody reads lives while it is made */
            if (last[root_of(alias, l->out[k])] < i)
                last[root_of(alias, l->out[k])] = i;
    }
    last[root_of(alias, m->output_blob)] = m->nlayers; /* the caller reads it after the pass */
    for (int i = 0; i < m->nlayers; i++)
        if (m->layers[i].ops->flags & SR_LF_CONCAT)
            place_concat(m, alias, up, off, placed, save, &m->layers[i]);
    /* Each region: its extent in channels (offsets may start below zero until shifted) and the
     * last layer that uses any of it. */
    for (int pass = 0; pass < 2; pass++)
        for (int b = 0; b < nb; b++) {
            int o, g = region_of(up, off, b, &o);
            if (alias[b] >= 0)
                continue;
            if (pass == 0) {
                gmin[g] = o < gmin[g] ? o : gmin[g];
                glast[g] = last[b] > glast[g] ? last[b] : glast[g];
            } else {
                p->choff[b] = o - gmin[g];
                gch[g] = p->choff[b] + m->blob_c[b] > gch[g] ? p->choff[b] + m->blob_c[b] : gch[g];
            }
        }
    for (int i = 0; i < m->nlayers; i++) {
        const sr__layer *l = &m->layers[i];
        for (int k = 0; k < l->n_out; k++) {
            int b = l->out[k], o, g = region_of(up, off, b, &o);
            if (alias[b] >= 0 || gslot[g] >= 0)
                continue;
            int sl = 0;
            while (busy[sl])
                sl++;
            busy[sl] = 1;
            gslot[g] = sl;
            size_t need = region_floats(&shapes[b], gch[g]);
            p->cap[sl] = need > p->cap[sl] ? need : p->cap[sl];
            p->n = sl + 1 > p->n ? sl + 1 : p->n;
        }
        /* Release the regions whose last use was this layer (after its outputs took theirs:
         * no layer writes over what it reads). */
        for (int k = 0; k < l->n_in + l->n_out; k++) {
            int o, g = region_of(up, off, root_of(alias, k < l->n_in ? l->in[k] : l->out[k - l->n_in]), &o);
            if (glast[g] <= i && gslot[g] >= 0)
                busy[gslot[g]] = 0;
        }
    }
    for (int b = 0; b < nb; b++) {
        int r = root_of(alias, b), o;
        p->slot[b] = gslot[region_of(up, off, r, &o)];
        p->choff[b] = p->choff[r];
    }
done:
    free(alias), free(last), free(up), free(off), free(save), free(busy);
    free(gslot), free(gch), free(gmin), free(glast), free(placed);
    if (s)
        sr__slots_free(p);
    return s;
}

void sr__slots_free(sr__slots *p)
{
    free(p->cap), free(p->slot), free(p->choff);
    memset(p, 0, sizeof *p);
}
