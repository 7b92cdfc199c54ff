/* layer_unet.c - the layers of the U-Net upscalers (waifu2x cunet, Real-CUGAN): global
 * pooling, InnerProduct, Scale and Crop. Their squeeze-and-excitation blocks (pool -> two
 * InnerProducts -> per-channel scale) make every output pixel depend on the whole tile
 * (SR_LF_INEXACT: such models are tiled as their reference programs tile them). Blobs that have no spatial extent are c x 1 x 1. */
#include "model.h"

#include <limits.h>
#include <math.h>
#include <string.h>

/* ---- Pooling: global average or max only ---- */

typedef struct {
    int type; /* 0 max, 1 average */
} pooling_p;

static sr_status pooling_load(sr__layer *l, const sr__player *pl, const sr__shape *in,
                              sr__bin *bin, sr_error *err)
{
    (void)in, (void)bin;
    int type = sr__pget_int(pl, 0, 0), global = sr__pget_int(pl, 4, 0);
    if (l->n_in != 1 || l->n_out != 1)
        return sr__err(err, SR_E_FORMAT, "line %d: Pooling %s: needs 1 input and 1 output",
                       l->line, l->name);
    if (!global || (type != 0 && type != 1))
        return sr__err(err, SR_E_UNSUPPORTED,
                       "line %d: Pooling %s: only global max or average pooling is supported",
                       l->line, l->name);
    pooling_p *p = l->p = malloc(sizeof *p);
    if (!p)
        return sr__err(err, SR_E_NOMEM, "line %d: Pooling %s: out of memory", l->line, l->name);
    p->type = type;
    return SR_OK;
}

static int pooling_shape(const sr__layer *l, const sr__shape *in, sr__shape *out)
{
    (void)l;
    out[0] = (sr__shape){.c = in[0].c, .h = 1, .w = 1};
    return 0;
}

static void pooling_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,
                         float *const *out, const sr__shape *outs, const sr__run *rc)
{
    (void)outs, (void)rc;
    size_t n = (size_t)ins[0].w * ins[0].h;
    for (int c = 0; c < ins[0].c; c++) {
        const float *x = in[0] + c * n;
        if (((const pooling_p *)l->p)->type == 0) {
            float m = x[0];
            for (size_t i = 1; i < n; i++)
                m = x[i] > m ? x[i] : m;
            out[0][c] = m;
        } else {
            double s = 0; /* a tile has up to ~10^6 values: sum in double */
            for (size_t i = 0; i < n; i++)
                s += x[i];
            out[0][c] = (float)(s / (double)n);
        }
    }
}

/* ---- InnerProduct: a fully connected layer on a flattened blob, with its activation ---- */

typedef struct {
    int nout, act; /* act: ncnn's activation type 0-4 */
    float a, b;    /* its parameters */
    float w[];     /* nout x nin weights, then nout biases */
} innerproduct_p;

static sr_status innerproduct_load(sr__layer *l, const sr__player *pl, const sr__shape *in,
                                   sr__bin *bin, sr_error *err)
{
    int nout = sr__pget_int(pl, 0, 0), bias = sr__pget_int(pl, 1, 0);
    int wsize = sr__pget_int(pl, 2, 0), act = sr__pget_int(pl, 9, 0);
    size_t nin = (size_t)in[0].c; /* of a pooled c x 1 x 1 blob (checked by the shape) */
    if (l->n_in != 1 || l->n_out != 1)
        return sr__err(err, SR_E_FORMAT, "line %d: InnerProduct %s: needs 1 input and 1 output",
                       l->line, l->name);
    if (nout < 1 || nout > 65536 || (size_t)wsize != nin * (size_t)nout)
        return sr__err(err, SR_E_FORMAT,
                       "line %d: InnerProduct %s: weight_data_size %d, but %d outputs x %d inputs",
                       l->line, l->name, wsize, nout, in[0].c);
    if (sr__pget_int(pl, 8, 0) != 0)
        return sr__err(err, SR_E_UNSUPPORTED, "line %d: InnerProduct %s: int8 quantisation",
                       l->line, l->name);
    const sr__pval *ap = &pl->p[10];
    int nact = ap->set && ap->is_arr ? ap->n : 0;
    if (act < 0 || act > 4 || (act == 2 && nact < 1) || (act == 3 && nact < 2))
        return sr__err(err, SR_E_UNSUPPORTED, "line %d: InnerProduct %s: activation %d",
                       l->line, l->name, act);
    innerproduct_p *p = l->p = calloc(1, sizeof *p + (nin + 1) * (size_t)nout * sizeof(float));
    if (!p)
        return sr__err(err, SR_E_NOMEM, "line %d: InnerProduct %s: out of memory", l->line,
                       l->name);
    p->nout = nout, p->act = act;
    p->a = nact > 0 ? ap->arr[0] : 0, p->b = nact > 1 ? ap->arr[1] : 0;
    sr_status s = sr__read_floats(bin, nin * (size_t)nout, 1, p->w, l->name, err);
    if (!s && bias)
        s = sr__read_floats(bin, (size_t)nout, 0, p->w + nin * (size_t)nout, l->name, err);
    return s;
}

static int innerproduct_shape(const sr__layer *l, const sr__shape *in, sr__shape *out)
{
    out[0] = (sr__shape){.c = ((const innerproduct_p *)l->p)->nout, .h = 1, .w = 1};
    return in[0].h == 1 && in[0].w == 1 ? 0 : -1;
}

static void innerproduct_forward(const sr__layer *l, const float *const *in,
                                 const sr__shape *ins, float *const *out, const sr__shape *outs,
                                 const sr__run *rc)
{
    (void)outs, (void)rc;
    const innerproduct_p *p = l->p;
    int nout = p->nout;
    size_t nin = (size_t)ins[0].c;
    for (int o = 0; o < nout; o++) {
        const float *w = p->w + (size_t)o * nin;
        float v = p->w[nin * nout + o];
        for (size_t i = 0; i < nin; i++)
            v += w[i] * in[0][i];
        switch (p->act) {
        case 1: v = v > 0 ? v : 0; break;
        case 2: v = v > 0 ? v : v * p->a; break;
        case 3: v = v < p->a ? p->a : v > p->b ? p->b : v; break;
        case 4: v = 1.f / (1.f + expf(-v)); break;
        }
        out[0][o] = v;
    }
}

/* ---- Scale: per-channel factors from a second blob (0=-233) or from the weights ---- */

typedef struct {
    int from_blob; /* factors from the second input, no bias */
    float k[];     /* else: c factors, then c biases (zero without 1=1) */
} scale_p;

static sr_status scale_load(sr__layer *l, const sr__player *pl, const sr__shape *in, sr__bin *bin,
                            sr_error *err)
{
    int size = sr__pget_int(pl, 0, 0), bias = sr__pget_int(pl, 1, 0);
    int from_blob = size == -233;
    if (l->n_out != 1 || l->n_in != (from_blob ? 2 : 1))
        return sr__err(err, SR_E_FORMAT, "line %d: Scale %s: needs %d inputs and 1 output",
                       l->line, l->name, from_blob ? 2 : 1);
    if ((from_blob && (in[1].c != in[0].c || bias)) || (!from_blob && size != in[0].c))
        return sr__err(err, SR_E_FORMAT, "line %d: Scale %s: %d factors for %d channels",
                       l->line, l->name, from_blob ? in[1].c : size, in[0].c);
    scale_p *p = l->p = calloc(1, sizeof *p + (from_blob ? 0 : 2 * (size_t)in[0].c) * sizeof(float));
    if (!p)
        return sr__err(err, SR_E_NOMEM, "line %d: Scale %s: out of memory", l->line, l->name);
    p->from_blob = from_blob;
    if (from_blob)
        return SR_OK;
    sr_status s = sr__read_floats(bin, (size_t)in[0].c, 0, p->k, l->name, err);
    if (!s && bias)
        s = sr__read_floats(bin, (size_t)in[0].c, 0, p->k + in[0].c, l->name, err);
    return s;
}

static int scale_shape(const sr__layer *l, const sr__shape *in, sr__shape *out)
{
    out[0] = in[0];
    return !((const scale_p *)l->p)->from_blob || (in[1].h == 1 && in[1].w == 1) ? 0 : -1;
}

static void scale_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,
                       float *const *out, const sr__shape *outs, const sr__run *rc)
{
    (void)outs, (void)rc;
    size_t n = (size_t)ins[0].w * ins[0].h;
    for (int c = 0; c < ins[0].c; c++) {
        const scale_p *p = l->p;
        float k = p->from_blob ? in[1][c] : p->k[c], b = p->from_blob ? 0 : p->k[ins[0].c + c];
        const float *x = in[0] + c * n;
        float *y = out[0] + c * n;
        for (size_t i = 0; i < n; i++)
            y[i] = x[i] * k + b;
    }
}

/* ---- Crop: to a second blob's size at an offset, or by start/end along h and w ---- */

enum { CROP_TO_REF = 0, CROP_ROI };
#define CROP_TO_END INT_MIN

/* An ncnn start/end position: negative counts from the end. */
static int resolve(int v, int n)
{
    return v == CROP_TO_END ? n : v < 0 ? v + n : v;
}

typedef struct {
    int mode;   /* CROP_TO_REF: the second input's size at (x0, y0); CROP_ROI: [x0, x1) x [y0, y1) */
    int x0, y0; /* ncnn positions: negative from the end */
    int x1, y1; /* CROP_TO_END: to the end */
} crop_p;

static sr_status crop_load(sr__layer *l, const sr__player *pl, const sr__shape *in, sr__bin *bin,
                           sr_error *err)
{
    (void)in, (void)bin;
    if (l->n_out != 1 || l->n_in < 1 || l->n_in > 2)
        return sr__err(err, SR_E_FORMAT, "line %d: Crop %s: needs 1 or 2 inputs and 1 output",
                       l->line, l->name);
    if (sr__pget_int(pl, 2, 0) != 0 || sr__pget_int(pl, 5, 0) != 0)
        return sr__err(err, SR_E_UNSUPPORTED, "line %d: Crop %s: cropping channels", l->line,
                       l->name);
    crop_p *p = l->p = malloc(sizeof *p);
    if (!p)
        return sr__err(err, SR_E_NOMEM, "line %d: Crop %s: out of memory", l->line, l->name);
    p->x0 = sr__pget_int(pl, 0, 0), p->y0 = sr__pget_int(pl, 1, 0);
    if (l->n_in == 2) {
        p->mode = CROP_TO_REF;
        return SR_OK;
    }
    p->mode = CROP_ROI;
    int ow = sr__pget_int(pl, 3, 0), oh = sr__pget_int(pl, 4, 0);
    p->x1 = ow == -233 || ow == 0 ? CROP_TO_END : p->x0 + ow;
    p->y1 = oh == -233 || oh == 0 ? CROP_TO_END : p->y0 + oh;
    const sr__pval *st = &pl->p[9], *en = &pl->p[10], *ax = &pl->p[11];
    if (!st->set && !en->set)
        return SR_OK;
    int n = st->set ? st->n : 0;
    if (!st->is_arr || !en->is_arr || en->n != n || (ax->set && (!ax->is_arr || ax->n != n)))
        return sr__err(err, SR_E_FORMAT, "line %d: Crop %s: starts, ends and axes disagree",
                       l->line, l->name);
    for (int k = 0; k < n; k++) {
        int a = ax->set ? (int)ax->arr[k] : k; /* of (c, h, w); negative from the end */
        a = a < 0 ? a + 3 : a;
        if (a != 1 && a != 2)
            return sr__err(err, SR_E_UNSUPPORTED,
                           "line %d: Crop %s: only height and width can be cropped", l->line,
                           l->name);
        int s = (int)st->arr[k], e = (int)en->arr[k];
        *(a == 2 ? &p->x0 : &p->y0) = s;
        *(a == 2 ? &p->x1 : &p->y1) = e >= INT_MAX / 2 ? CROP_TO_END : e;
    }
    return SR_OK;
}

static int crop_shape(const sr__layer *l, const sr__shape *in, sr__shape *out)
{
    const crop_p *p = l->p;
    int x0 = p->x0, y0 = p->y0, w, h;
    if (p->mode == CROP_TO_REF) {
        w = in[1].w, h = in[1].h;
    } else {
        x0 = resolve(p->x0, in[0].w), y0 = resolve(p->y0, in[0].h);
        w = resolve(p->x1, in[0].w) - x0, h = resolve(p->y1, in[0].h) - y0;
    }
    if (x0 < 0 || y0 < 0 || w < 1 || h < 1 || x0 + w > in[0].w || y0 + h > in[0].h)
        return -1;
    out[0] = (sr__shape){.c = in[0].c, .h = h, .w = w};
    return 0;
}

static void crop_start(const sr__layer *l, const sr__shape *in, int *x0, int *y0)
{
    const crop_p *p = l->p;
    *x0 = p->mode == CROP_TO_REF ? p->x0 : resolve(p->x0, in[0].w);
    *y0 = p->mode == CROP_TO_REF ? p->y0 : resolve(p->y0, in[0].h);
}

static void crop_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,
                      float *const *out, const sr__shape *outs, const sr__run *rc)
{
    (void)rc;
    int x0, y0;
    crop_start(l, ins, &x0, &y0);
    for (int c = 0; c < outs[0].c; c++)
        for (int y = 0; y < outs[0].h; y++)
            memcpy(out[0] + ((size_t)c * outs[0].h + y) * outs[0].w,
                   in[0] + ((size_t)c * ins[0].h + y + y0) * ins[0].w + x0,
                   (size_t)outs[0].w * sizeof(float));
}

static void crop_origin(const sr__layer *l, const sr__shape *in, long *o)
{
    int x0, y0;
    crop_start(l, in, &x0, &y0);
    o[0] += x0, o[1] += y0;
}

/* The outputs of global pooling and what is computed from them have no spatial extent. */
static void no_extent(const sr__layer *l, sr__ratio *scale, double *radius)
{
    (void)l, (void)radius;
    *scale = (sr__ratio){0, 1};
}

static void origin_zero(const sr__layer *l, const sr__shape *in, long *o)
{
    (void)l, (void)in;
    o[0] = o[1] = 0;
}

/* A global average pool's output is the "squeeze" statistics of Real-CUGAN's SE blocks. */
static int pooling_stats(const sr__layer *l, const sr__shape *in)
{
    return ((const pooling_p *)l->p)->type == 1 ? in[0].c : 0;
}

const sr__layer_ops sr__layer_pooling = {
    .name = "Pooling", .keys = SR__KEYS(0, 1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15),
    .flags = SR_LF_INEXACT, .load = pooling_load, .shape = pooling_shape,
    .forward = pooling_forward, .geometry = no_extent, .origin = origin_zero,
    .stats = pooling_stats};

const sr__layer_ops sr__layer_innerproduct = {
    .name = "InnerProduct", .keys = SR__KEYS(0, 1, 2, 8, 9, 10), .load = innerproduct_load,
    .shape = innerproduct_shape, .forward = innerproduct_forward, .origin = origin_zero};

const sr__layer_ops sr__layer_scale = {.name = "Scale", .keys = SR__KEYS(0, 1),
                                       .load = scale_load, .shape = scale_shape,
                                       .forward = scale_forward};

const sr__layer_ops sr__layer_crop = {
    .name = "Crop", .keys = SR__KEYS(0, 1, 2, 3, 4, 5, 9, 10, 11), .flags = SR_LF_INEXACT,
    .load = crop_load, .shape = crop_shape, .forward = crop_forward, .origin = crop_origin};
