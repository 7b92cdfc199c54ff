/* layer_resize.c - the layers that change resolution without weights: PixelShuffle (depth to
 * space) and Interp (nearest, bilinear, bicubic with ncnn's half-pixel convention). Interp's
 * taps depend only on an output position's phase (an exact rational scale), so tiles agree
 * with the whole image. */
#include "model.h"

#include <math.h>

static long floor_div(long a, long b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

/* ---- PixelShuffle ---- */

typedef struct {
    int r;    /* factor */
    int mode; /* 0: PyTorch's channel order (c r r), 1: (r r c) */
} shuffle_p;

/* The input channel that output channel c's pixel at phase (sy, sx) comes from. */
static int shuffle_channel(const shuffle_p *p, int oc, int c, int sy, int sx)
{
    int r = p->r;
    return p->mode == 0 ? (c * r + sy) * r + sx : (sy * r + sx) * oc + c;
}

static sr_status pixelshuffle_load(sr__layer *l, const sr__player *pl, const sr__shape *in,
                                   sr__bin *bin, sr_error *err)
{
    (void)bin;
    int r = sr__pget_int(pl, 0, 1), mode = sr__pget_int(pl, 1, 0);
    if (l->n_in != 1 || l->n_out != 1)
        return sr__err(err, SR_E_FORMAT, "line %d: PixelShuffle %s: needs 1 input and 1 output",
                       l->line, l->name);
    if (r < 1 || r > 16 || (mode != 0 && mode != 1))
        return sr__err(err, SR_E_UNSUPPORTED, "line %d: PixelShuffle %s: factor %d mode %d",
                       l->line, l->name, r, mode);
    if (in[0].c % (r * r))
        return sr__err(err, SR_E_FORMAT, "line %d: PixelShuffle %s: %d channels not divisible by %d",
                       l->line, l->name, in[0].c, r * r);
    shuffle_p *p = l->p = malloc(sizeof *p);
    if (!p)
        return sr__err(err, SR_E_NOMEM, "line %d: PixelShuffle %s: out of memory", l->line, l->name);
    *p = (shuffle_p){r, mode};
    return SR_OK;
}

static int pixelshuffle_shape(const sr__layer *l, const sr__shape *in, sr__shape *out)
{
    int r = ((const shuffle_p *)l->p)->r;
    out[0] = (sr__shape){.c = in[0].c / (r * r), .h = in[0].h * r, .w = in[0].w * r};
    return 0;
}

static void pixelshuffle_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,
                                 float *const *out, const sr__shape *outs, const sr__run *rc)
{
    const shuffle_p *p = l->p;
    int r = p->r;
    size_t y0, y1;
    int oc = outs[0].c, w = ins[0].w, h = ins[0].h, ow = outs[0].w;
    sr__share(h, rc->ith, rc->nth, &y0, &y1); /* this thread's input rows */
    for (int c = 0; c < oc; c++)
        for (int sy = 0; sy < r; sy++)
            for (int sx = 0; sx < r; sx++) {
                const float *src =
                    in[0] + (size_t)shuffle_channel(p, oc, c, sy, sx) * sr__plane(&ins[0]);
                float *dst = out[0] + (size_t)c * sr__plane(&outs[0]);
                for (int y = (int)y0; y < (int)y1; y++) {
                    float *drow = dst + (size_t)(y * r + sy) * ow + sx;
                    const float *srow = src + (size_t)y * w;
                    for (int x = 0; x < w; x++)
                        drow[x * r] = srow[x];
                }
            }
}

/* ---- Interp: nearest, bilinear, bicubic (ncnn's half-pixel convention) ---- */

/* The exact ratio num/den behind a float scale such as 4, 0.5 or 0.75. */
static int ratio_of(float f, sr__ratio *r)
{
    for (long den = 1; den <= 256; den++) {
        double num = floor((double)f * den + 0.5);
        if (num >= 1 && fabs(num / den - f) <= 1e-6 * f) {
            r->num = (long)num;
            r->den = den;
            return 1;
        }
    }
    return 0;
}

typedef struct {
    int type;        /* 1 nearest, 2 bilinear, 3 bicubic */
    sr__ratio ratio; /* output / input size, exact */
    shuffle_p addend; /* r > 1: the addend is read through this PixelShuffle (interp_absorb) */
} interp_p;

static sr_status interp_load(sr__layer *l, const sr__player *pl, const sr__shape *in,
                             sr__bin *bin, sr_error *err)
{
    (void)in, (void)bin;
    sr__ratio ratio;
    int type = sr__pget_int(pl, 0, 0);
    float hs = sr__pget_float(pl, 1, 1.f), ws = sr__pget_float(pl, 2, 1.f);
    if (l->n_in != 1 || l->n_out != 1)
        return sr__err(err, SR_E_FORMAT, "line %d: Interp %s: needs 1 input and 1 output", l->line,
                       l->name);
    if (type < 1 || type > 3)
        return sr__err(err, SR_E_UNSUPPORTED, "line %d: Interp %s: resize type %d", l->line,
                       l->name, type);
    /* Fixed output sizes and corner alignment depend on the whole image, so they cannot be
     * tiled exactly; the models srgan targets use neither. */
    if (sr__pget_int(pl, 3, 0) || sr__pget_int(pl, 4, 0) || sr__pget_int(pl, 5, 0) ||
        sr__pget_int(pl, 6, 0))
        return sr__err(err, SR_E_UNSUPPORTED,
                       "line %d: Interp %s: fixed output size, dynamic size or align_corner",
                       l->line, l->name);
    if (hs != ws || !(ws > 0.f) || !ratio_of(ws, &ratio) || ratio.num > 64 * ratio.den)
        return sr__err(err, SR_E_UNSUPPORTED,
                       "line %d: Interp %s: scales %g x %g (need equal, rational, at most 64)",
                       l->line, l->name, hs, ws);
    interp_p *p = l->p = malloc(sizeof *p);
    if (!p)
        return sr__err(err, SR_E_NOMEM, "line %d: Interp %s: out of memory", l->line, l->name);
    *p = (interp_p){type, ratio, {1, 0}};
    return SR_OK;
}

static int interp_shape(const sr__layer *l, const sr__shape *in, sr__shape *out)
{
    const interp_p *p = l->p;
    long w = in[0].w * p->ratio.num / p->ratio.den, h = in[0].h * p->ratio.num / p->ratio.den;
    if (w < 1 || h < 1 || w > 1 << 20 || h > 1 << 20)
        return -1;
    out[0] = (sr__shape){.c = in[0].c, .h = (int)h, .w = (int)w};
    /* a folded add's other input (SR_LF_ADDEND): the output's shape, once shuffled */
    int r = p->addend.r;
    return l->n_in == 2 && (in[1].c != out[0].c * r * r || (long)in[1].h * r != h ||
                            (long)in[1].w * r != w) ? -1 : 0;
}

/* The PixelShuffle that made the addend, done as the add reads it: its output, a full-size
 * buffer at the end of every Real-ESRGAN-style net, is never written. The sum's bits stay. */
static int interp_absorb(sr__layer *l, int k, const sr__layer *src)
{
    interp_p *p = l->p;
    if (k != 1 || src->ops != &sr__layer_pixelshuffle || p->addend.r != 1)
        return 0;
    p->addend = *(const shuffle_p *)src->p;
    return 1;
}

/* Adds the addend's row y (an oc x oh x ow blob, or one PixelShuffle(r) away from it) to
 * channel c's output row d. */
static void add_row(const interp_p *p, const float *add, const sr__shape *as, int oc, int c,
                    int y, float *d, int ow)
{
    int r = p->addend.r;
    if (r == 1) {
        const float *a = add + ((size_t)c * as->h + y) * ow;
        for (int x = 0; x < ow; x++)
            d[x] += a[x];
        return;
    }
    int sy = y % r, w = as->w;
    for (int sx = 0; sx < r; sx++) {
        int ic = shuffle_channel(&p->addend, oc, c, sy, sx);
        const float *a = add + ((size_t)ic * as->h + y / r) * w;
        for (int x = 0; x < w; x++)
            d[x * r + sx] += a[x];
    }
}

static sr__ws_need interp_workspace(const sr__layer *l, const sr__shape *in, const sr__shape *out)
{
    (void)in;
    const interp_p *p = l->p; /* 4 rows, 4 weights, 4 taps; nearest: 1 tap */
    return (sr__ws_need){0, (size_t)out[0].w * (p->type == 1 ? 1 : 12)};
}

static void interp_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,
                           float *const *out, const sr__shape *outs, const sr__run *rc)
{
    const interp_p *p = l->p;
    int type = p->type, oc = outs[0].c;
    int w = ins[0].w, h = ins[0].h, ow = outs[0].w, oh = outs[0].h;
    size_t y0, y1;
    int nt = type == 2 ? 2 : 4;
    /* a folded add: its sum is (interpolated) + addend, as BinaryOp's a + b bit for bit */
    const float *add = l->n_in == 2 ? in[1] : NULL;
    sr__share(oh, rc->ith, rc->nth, &y0, &y1); /* this thread's output rows */
    float *rows = rc->own, *wx = rc->own + 4 * (size_t)ow;
    int *ix = type == 1 ? (int *)rc->own : (int *)(wx + 4 * (size_t)ow);
    for (int x = 0; x < ow; x++)
        if (type == 1)
            ix[x] = (int)((long)x * w / ow);
        else
            sr__interp_taps(type, x, w, ow, ix + x * nt, wx + x * nt);
    for (int c = 0; c < oc; c++) {
        const float *src = in[0] + (size_t)c * sr__plane(&ins[0]);
        float *dst = out[0] + (size_t)c * sr__plane(&outs[0]);
        if (type == 1) {
            for (int y = (int)y0; y < (int)y1; y++) {
                const float *srow = src + (size_t)((long)y * h / oh) * w;
                float *d = dst + (size_t)y * ow;
                for (int x = 0; x < ow; x++)
                    d[x] = srow[ix[x]];
                if (add)
                    add_row(p, add, &ins[1], oc, c, y, d, ow);
            }
            continue;
        }
        for (int y = (int)y0; y < (int)y1; y++) {
            int iy[4];
            float wy[4];
            sr__interp_taps(type, y, h, oh, iy, wy);
            for (int k = 0; k < nt; k++) {
                const float *s = src + (size_t)iy[k] * w;
                float *r = rows + (size_t)k * ow;
                for (int x = 0; x < ow; x++) {
                    const int *t = ix + x * nt;
                    const float *a = wx + x * nt;
                    r[x] = nt == 2 ? s[t[0]] * a[0] + s[t[1]] * a[1]
                                   : s[t[0]] * a[0] + s[t[1]] * a[1] + s[t[2]] * a[2] +
                                         s[t[3]] * a[3];
                }
            }
            float *d = dst + (size_t)y * ow;
            for (int x = 0; x < ow; x++)
                d[x] = nt == 2 ? rows[x] * wy[0] + rows[ow + x] * wy[1]
                               : rows[x] * wy[0] + rows[ow + x] * wy[1] + rows[2 * ow + x] * wy[2] +
                                     rows[3 * ow + x] * wy[3];
            if (add)
                add_row(p, add, &ins[1], oc, c, y, d, ow);
        }
    }
}

static void pixelshuffle_geometry(const sr__layer *l, sr__ratio *scale, double *radius)
{
    (void)radius;
    scale->num *= ((const shuffle_p *)l->p)->r;
}

static void pixelshuffle_origin(const sr__layer *l, const sr__shape *in, long *o)
{
    (void)in;
    o[0] *= ((const shuffle_p *)l->p)->r, o[1] *= ((const shuffle_p *)l->p)->r;
}

const sr__layer_ops sr__layer_pixelshuffle = {
    .name = "PixelShuffle", .keys = SR__KEYS(0, 1), .flags = SR_LF_SLICED,
    .load = pixelshuffle_load,
    .shape = pixelshuffle_shape, .forward = pixelshuffle_forward,
    .geometry = pixelshuffle_geometry, .origin = pixelshuffle_origin};

/* Each output pixel reads 2 (bilinear) or 4 (bicubic) input pixels around its centre, plus
 * one output pixel of rounding. */
static void interp_geometry(const sr__layer *l, sr__ratio *scale, double *radius)
{
    const interp_p *p = l->p;
    if (!scale->num)
        return; /* no spatial extent */
    double px = (double)scale->den / scale->num;
    scale->num *= p->ratio.num, scale->den *= p->ratio.den;
    *radius += (p->type == 3 ? 2 : 1) * px + (double)scale->den / scale->num;
}

static void interp_origin(const sr__layer *l, const sr__shape *in, long *o)
{
    const interp_p *p = l->p;
    (void)in;
    o[0] = floor_div(o[0] * p->ratio.num, p->ratio.den);
    o[1] = floor_div(o[1] * p->ratio.num, p->ratio.den);
}

const sr__layer_ops sr__layer_interp = {
    .name = "Interp", .keys = SR__KEYS(0, 1, 2, 3, 4, 5, 6), .flags = SR_LF_SLICED | SR_LF_ADDEND,
    .load = interp_load,
    .shape = interp_shape, .forward = interp_forward, .workspace = interp_workspace,
    .geometry = interp_geometry, .origin = interp_origin, .absorb = interp_absorb};
