/* layers_unet.c - the layers of the U-Net upscalers (waifu2x cunet, Real-CUGAN): global
 * pooling, InnerProduct, Scale and Crop. Their squeeze-and-excitation blocks (pool -> two
 * InnerProducts -> per-channel scale) make every output pixel depend on the whole tile; see
 * model.c for how such models are tiled. Blobs that have no spatial extent are c x 1 x 1. */
#include "model.h"

#include <limits.h>
#include <math.h>
#include <string.h>

/* ---- Pooling: global average or max only ---- */

sr_status sr__pooling_load(sr__layer *l, const sr__player *pl, const sr__shape *in,
                           const uint8_t **bin, size_t *left, sr_error *err)
{
    (void)in, (void)bin, (void)left;
    int type = sr__pget_int(pl, 0, 0), global = sr__pget_int(pl, 4, 0);
    if (l->n_in != 1 || l->n_out != 1)
        return sr__err(err, SR_E_FORMAT, "line %d: Pooling %s: needs 1 input and 1 output",
                       l->line, l->name);
    if (!global || (type != 0 && type != 1))
        return sr__err(err, SR_E_UNSUPPORTED,
                       "line %d: Pooling %s: only global max or average pooling is supported",
                       l->line, l->name);
    l->iparam[0] = type;
    return SR_OK;
}

int sr__pooling_shape(const sr__layer *l, const sr__shape *in, sr__shape *out)
{
    (void)l;
    out[0] = (sr__shape){in[0].c, 1, 1};
    return 0;
}

void sr__pooling_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,
                         float *const *out, const sr__shape *outs, const sr__run *rc)
{
    (void)outs, (void)rc;
    size_t n = (size_t)ins[0].w * ins[0].h;
    for (int c = 0; c < ins[0].c; c++) {
        const float *x = in[0] + c * n;
        if (l->iparam[0] == 0) {
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

sr_status sr__innerproduct_load(sr__layer *l, const sr__player *pl, const sr__shape *in,
                                const uint8_t **bin, size_t *left, sr_error *err)
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
    l->iparam[0] = nout, l->iparam[1] = act;
    l->fparam[0] = nact > 0 ? ap->arr[0] : 0, l->fparam[1] = nact > 1 ? ap->arr[1] : 0;
    l->ndata = (int)(nin * (size_t)nout) + nout; /* weights [out][in], then biases */
    l->data = calloc((size_t)l->ndata, sizeof(float));
    if (!l->data)
        return sr__err(err, SR_E_NOMEM, "line %d: InnerProduct %s: out of memory", l->line,
                       l->name);
    sr_status s = sr__read_floats(bin, left, nin * (size_t)nout, 1, l->data, l->name, err);
    if (!s && bias)
        s = sr__read_floats(bin, left, (size_t)nout, 0, l->data + nin * (size_t)nout, l->name,
                            err);
    return s;
}

int sr__innerproduct_shape(const sr__layer *l, const sr__shape *in, sr__shape *out)
{
    out[0] = (sr__shape){l->iparam[0], 1, 1};
    return in[0].h == 1 && in[0].w == 1 ? 0 : -1;
}

void sr__innerproduct_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,
                              float *const *out, const sr__shape *outs, const sr__run *rc)
{
    (void)outs, (void)rc;
    int nout = l->iparam[0];
    size_t nin = (size_t)ins[0].c;
    for (int o = 0; o < nout; o++) {
        const float *w = l->data + (size_t)o * nin;
        float v = l->data[nin * nout + o];
        for (size_t i = 0; i < nin; i++)
            v += w[i] * in[0][i];
        switch (l->iparam[1]) {
        case 1: v = v > 0 ? v : 0; break;
        case 2: v = v > 0 ? v : v * l->fparam[0]; break;
        case 3: v = v < l->fparam[0] ? l->fparam[0] : v > l->fparam[1] ? l->fparam[1] : v; break;
        case 4: v = 1.f / (1.f + expf(-v)); break;
        }
        out[0][o] = v;
    }
}

/* ---- Scale: per-channel factors from a second blob (0=-233) or from the weights ---- */

sr_status sr__scale_load(sr__layer *l, const sr__player *pl, const sr__shape *in,
                         const uint8_t **bin, size_t *left, sr_error *err)
{
    int size = sr__pget_int(pl, 0, 0), bias = sr__pget_int(pl, 1, 0);
    int from_blob = size == -233;
    if (l->n_out != 1 || l->n_in != (from_blob ? 2 : 1))
        return sr__err(err, SR_E_FORMAT, "line %d: Scale %s: needs %d inputs and 1 output",
                       l->line, l->name, from_blob ? 2 : 1);
    if ((from_blob && (in[1].c != in[0].c || bias)) || (!from_blob && size != in[0].c))
        return sr__err(err, SR_E_FORMAT, "line %d: Scale %s: %d factors for %d channels",
                       l->line, l->name, from_blob ? in[1].c : size, in[0].c);
    l->iparam[0] = from_blob;
    if (from_blob)
        return SR_OK;
    l->ndata = 2 * in[0].c; /* factors, then biases (zero without 1=1) */
    l->data = calloc((size_t)l->ndata, sizeof(float));
    if (!l->data)
        return sr__err(err, SR_E_NOMEM, "line %d: Scale %s: out of memory", l->line, l->name);
    sr_status s = sr__read_floats(bin, left, (size_t)in[0].c, 0, l->data, l->name, err);
    if (!s && bias)
        s = sr__read_floats(bin, left, (size_t)in[0].c, 0, l->data + in[0].c, l->name, err);
    return s;
}

int sr__scale_shape(const sr__layer *l, const sr__shape *in, sr__shape *out)
{
    out[0] = in[0];
    return !l->iparam[0] || (in[1].h == 1 && in[1].w == 1) ? 0 : -1;
}

void sr__scale_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,
                       float *const *out, const sr__shape *outs, const sr__run *rc)
{
    (void)outs, (void)rc;
    size_t n = (size_t)ins[0].w * ins[0].h;
    for (int c = 0; c < ins[0].c; c++) {
        float k = l->iparam[0] ? in[1][c] : l->data[c], b = l->iparam[0] ? 0 : l->data[ins[0].c + c];
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

sr_status sr__crop_load(sr__layer *l, const sr__player *pl, const sr__shape *in,
                        const uint8_t **bin, size_t *left, sr_error *err)
{
    (void)in, (void)bin, (void)left;
    int *ip = l->iparam;
    if (l->n_out != 1 || l->n_in < 1 || l->n_in > 2)
        return sr__err(err, SR_E_FORMAT, "line %d: Crop %s: needs 1 or 2 inputs and 1 output",
                       l->line, l->name);
    if (sr__pget_int(pl, 2, 0) != 0 || sr__pget_int(pl, 5, 0) != 0)
        return sr__err(err, SR_E_UNSUPPORTED, "line %d: Crop %s: cropping channels", l->line,
                       l->name);
    /* ip: mode, w start, h start, w end, h end */
    ip[1] = sr__pget_int(pl, 0, 0), ip[2] = sr__pget_int(pl, 1, 0);
    if (l->n_in == 2) {
        ip[0] = CROP_TO_REF;
        return SR_OK;
    }
    ip[0] = CROP_ROI;
    int ow = sr__pget_int(pl, 3, 0), oh = sr__pget_int(pl, 4, 0);
    ip[3] = ow == -233 || ow == 0 ? CROP_TO_END : ip[1] + ow;
    ip[4] = oh == -233 || oh == 0 ? CROP_TO_END : ip[2] + oh;
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
        ip[a == 2 ? 1 : 2] = s;
        ip[a == 2 ? 3 : 4] = e >= INT_MAX / 2 ? CROP_TO_END : e;
    }
    return SR_OK;
}

int sr__crop_shape(const sr__layer *l, const sr__shape *in, sr__shape *out)
{
    const int *ip = l->iparam;
    int x0 = ip[1], y0 = ip[2], w, h;
    if (ip[0] == CROP_TO_REF) {
        w = in[1].w, h = in[1].h;
    } else {
        x0 = resolve(ip[1], in[0].w), y0 = resolve(ip[2], in[0].h);
        w = resolve(ip[3], in[0].w) - x0, h = resolve(ip[4], in[0].h) - y0;
    }
    if (x0 < 0 || y0 < 0 || w < 1 || h < 1 || x0 + w > in[0].w || y0 + h > in[0].h)
        return -1;
    out[0] = (sr__shape){in[0].c, h, w};
    return 0;
}

void sr__crop_start(const sr__layer *l, const sr__shape *in, int *x0, int *y0)
{
    *x0 = l->iparam[0] == CROP_TO_REF ? l->iparam[1] : resolve(l->iparam[1], in[0].w);
    *y0 = l->iparam[0] == CROP_TO_REF ? l->iparam[2] : resolve(l->iparam[2], in[0].h);
}

void sr__crop_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,
                      float *const *out, const sr__shape *outs, const sr__run *rc)
{
    (void)rc;
    int x0, y0;
    sr__crop_start(l, ins, &x0, &y0);
    for (int c = 0; c < outs[0].c; c++)
        for (int y = 0; y < outs[0].h; y++)
            memcpy(out[0] + ((size_t)c * outs[0].h + y) * outs[0].w,
                   in[0] + ((size_t)c * ins[0].h + y + y0) * ins[0].w + x0,
                   (size_t)outs[0].w * sizeof(float));
}
