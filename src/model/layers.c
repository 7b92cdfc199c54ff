/* layers.c - the layer table: every ncnn layer type srgan runs, its parameters, shapes and
 * forward pass. Adding a layer type means adding one entry to `table` below and, for a layer
 * that moves pixels (a stride, a crop, an upsampling), its case in net.c's layer_origin.
 *
 * Blobs are planar float (c x h x w). Forward functions never allocate and never thread; they
 * write every output value from its inputs in a fixed order, so results do not depend on where a
 * tile starts (upscale.c lays the tiles out).
 */
#include "model.h"

#include <math.h>
#include <string.h>

/* ---- shared helpers ---- */

#define KEYS(...) ((const int[]){__VA_ARGS__, -1})

static size_t plane(const sr__shape *s)
{
    return (size_t)s->h * s->w;
}

static size_t numel(const sr__shape *s)
{
    return (size_t)s->c * s->h * s->w;
}

static sr__ws_need no_workspace(const sr__layer *l, const sr__shape *in, const sr__shape *out)
{
    (void)l, (void)in, (void)out;
    return (sr__ws_need){0, 0};
}

static int same_shape(const sr__layer *l, const sr__shape *in, sr__shape *out)
{
    for (int k = 0; k < l->n_out; k++)
        out[k] = in[0];
    return 0;
}

/* ---- Input: the network's entry; the runner writes the blob directly ---- */

static sr_status input_load(sr__layer *l, const sr__player *pl, const sr__shape *in,
                            const uint8_t **bin, size_t *left, sr_error *err)
{
    (void)in, (void)bin, (void)left;
    int c = sr__pget_int(pl, 2, 3);
    if (l->n_in != 0 || l->n_out != 1)
        return sr__err(err, SR_E_FORMAT, "line %d: Input %s: needs 0 inputs and 1 output", l->line,
                       l->name);
    if (c != 3)
        return sr__err(err, SR_E_UNSUPPORTED, "line %d: Input %s: %d channels (only RGB, 3)",
                       l->line, l->name, c);
    l->iparam[0] = c;
    return SR_OK;
}

static int input_shape(const sr__layer *l, const sr__shape *in, sr__shape *out)
{
    (void)l;
    out[0] = in[0]; /* the runner passes the tile's shape as the "input" of Input */
    return 0;
}

static void nop_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,
                        float *const *out, const sr__shape *outs, const sr__run *rc)
{
    (void)l, (void)in, (void)ins, (void)out, (void)outs, (void)rc;
}

/* ---- Split: outputs alias the input (the runner maps them to one buffer) ---- */

static sr_status split_load(sr__layer *l, const sr__player *pl, const sr__shape *in,
                            const uint8_t **bin, size_t *left, sr_error *err)
{
    (void)pl, (void)in, (void)bin, (void)left;
    if (l->n_in != 1 || l->n_out < 1)
        return sr__err(err, SR_E_FORMAT, "line %d: Split %s: needs 1 input", l->line, l->name);
    return SR_OK;
}

/* ---- Convolution and Deconvolution (kernels in conv.c) ---- */

/* The parameters both share; `kind` names the layer in messages. In a Deconvolution, 18= and
 * 19= are the extra output padding on the right and bottom rather than a pad value. */
static sr_status conv_params(sr__layer *l, const sr__player *pl, const sr__shape *in,
                             const uint8_t **bin, size_t *left, sr_error *err, int deconv)
{
    sr__conv *c = &l->conv;
    const char *kind = deconv ? "Deconvolution" : "Convolution";
    if (l->n_in != 1 || l->n_out != 1)
        return sr__err(err, SR_E_FORMAT, "line %d: %s %s: needs 1 input and 1 output", l->line,
                       kind, l->name);
    c->cin = in[0].c;
    c->cout = sr__pget_int(pl, 0, 0);
    c->kw = sr__pget_int(pl, 1, 0);
    c->kh = sr__pget_int(pl, 11, c->kw);
    c->dw = sr__pget_int(pl, 2, 1);
    c->dh = sr__pget_int(pl, 12, c->dw);
    c->sw = sr__pget_int(pl, 3, 1);
    c->sh = sr__pget_int(pl, 13, c->sw);
    c->pl = sr__pget_int(pl, 4, 0);
    c->pr = sr__pget_int(pl, 15, c->pl);
    c->pt = sr__pget_int(pl, 14, c->pl);
    c->pb = sr__pget_int(pl, 16, c->pt);
    int bias = sr__pget_int(pl, 5, 0);
    int wsize = sr__pget_int(pl, 6, 0);
    const char *what = NULL;
    if (c->cout < 1 || c->cout > 4096)
        what = "num_output (0=) outside 1..4096";
    else if (c->kw < 1 || c->kh < 1 || c->kw > 31 || c->kh > 31)
        what = "kernel size (1=, 11=) outside 1..31";
    else if (c->dw < 1 || c->dh < 1 || c->dw > 16 || c->dh > 16)
        what = "dilation (2=, 12=) outside 1..16";
    else if (!deconv && (c->sw < 1 || c->sh < 1 || c->sw > 2 || c->sh > 2))
        what = "stride (3=, 13=) other than 1 or 2";
    else if (deconv && (c->sw < 1 || c->sh < 1 || c->sw > 16 || c->sh > 16))
        what = "stride (3=, 13=) outside 1..16";
    else if (c->pl < 0 || c->pr < 0 || c->pt < 0 || c->pb < 0 || c->pl > 64 || c->pr > 64 ||
             c->pt > 64 || c->pb > 64)
        what = "padding (4=, 14=, 15=, 16=) outside 0..64 (SAME padding -233/-234 is not supported)";
    else if (bias != 0 && bias != 1)
        what = "bias_term (5=) not 0 or 1";
    else if (!deconv && sr__pget_float(pl, 18, 0.f) != 0.f)
        what = "non-zero pad_value (18=)";
    else if (deconv && (sr__pget_int(pl, 18, 0) < 0 || sr__pget_int(pl, 19, 0) < 0 ||
                        sr__pget_int(pl, 18, 0) > 64 || sr__pget_int(pl, 19, 0) > 64))
        what = "output padding (18=, 19=) outside 0..64";
    else if (deconv && (sr__pget_int(pl, 20, 0) != 0 || sr__pget_int(pl, 21, 0) != 0))
        what = "a fixed output size (20=, 21=)";
    else if (deconv && c->sw != c->sh)
        what = "unequal strides";
    else if (sr__pget_int(pl, 8, 0) != 0)
        what = "int8 quantisation (8=)";
    else if (!deconv && sr__pget_int(pl, 19, 0) != 0)
        what = "dynamic weights (19=)";
    else if (sr__pget_int(pl, 7, 1) != 1)
        what = "groups (7=)";
    if (what)
        return sr__err(err, SR_E_UNSUPPORTED, "line %d: %s %s: %s", l->line, kind, l->name, what);
    if (deconv)
        c->opr = sr__pget_int(pl, 18, 0), c->opb = sr__pget_int(pl, 19, c->opr);
    size_t expect = (size_t)c->cout * c->cin * c->kh * c->kw;
    if ((size_t)wsize != expect)
        return sr__err(err, SR_E_FORMAT,
                       "line %d: %s %s: weight_data_size %d, but %d outputs x %d inputs "
                       "x %dx%d kernel = %zu",
                       l->line, kind, l->name, wsize, c->cout, c->cin, c->kh, c->kw, expect);
    c->act = sr__pget_int(pl, 9, 0);
    const sr__pval *ap = &pl->p[10];
    int nact = ap->set && ap->is_arr ? ap->n : 0;
    switch (c->act) {
    case SR_ACT_NONE: case SR_ACT_RELU: case SR_ACT_SIGMOID: break;
    case SR_ACT_LEAKY:
        if (nact < 1)
            return sr__err(err, SR_E_FORMAT, "line %d: %s %s: leaky ReLU needs a slope",
                           l->line, kind, l->name);
        c->act_a = ap->arr[0];
        break;
    case SR_ACT_CLIP:
        if (nact < 2)
            return sr__err(err, SR_E_FORMAT, "line %d: %s %s: clip needs min and max",
                           l->line, kind, l->name);
        c->act_a = ap->arr[0];
        c->act_b = ap->arr[1];
        break;
    default:
        return sr__err(err, SR_E_UNSUPPORTED, "line %d: %s %s: activation type %d", l->line,
                       kind, l->name, c->act);
    }
    c->weight = malloc(expect * sizeof(float));
    c->bias = calloc((size_t)c->cout, sizeof(float));
    if (!c->weight || !c->bias)
        return sr__err(err, SR_E_NOMEM, "line %d: %s %s: out of memory", l->line, kind,
                       l->name);
    sr_status s = sr__read_floats(bin, left, expect, 1, c->weight, l->name, err);
    if (!s && bias)
        s = sr__read_floats(bin, left, (size_t)c->cout, 0, c->bias, l->name, err);
    return s;
}

static sr_status conv_load(sr__layer *l, const sr__player *pl, const sr__shape *in,
                           const uint8_t **bin, size_t *left, sr_error *err)
{
    return conv_params(l, pl, in, bin, left, err, 0);
}

static sr_status deconv_load(sr__layer *l, const sr__player *pl, const sr__shape *in,
                             const uint8_t **bin, size_t *left, sr_error *err)
{
    return conv_params(l, pl, in, bin, left, err, 1);
}

/* The full transposed convolution is (w - 1) stride + extent (+ output padding); the padding
 * is then cut from its borders. */
static int deconv_shape(const sr__layer *l, const sr__shape *in, sr__shape *out)
{
    const sr__conv *c = &l->conv;
    int ew = c->dw * (c->kw - 1) + 1, eh = c->dh * (c->kh - 1) + 1;
    out[0].c = c->cout;
    out[0].w = (in[0].w - 1) * c->sw + ew + c->opr - c->pl - c->pr;
    out[0].h = (in[0].h - 1) * c->sh + eh + c->opb - c->pt - c->pb;
    return out[0].w < 1 || out[0].h < 1 ? -1 : 0;
}

static void deconv_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,
                           float *const *out, const sr__shape *outs, const sr__run *rc)
{
    sr__deconv_forward(&l->conv, in[0], ins[0].w, ins[0].h, out[0], outs[0].w, outs[0].h,
                       rc);
}

static sr__ws_need deconv_workspace(const sr__layer *l, const sr__shape *in, const sr__shape *out)
{
    (void)out;
    return sr__deconv_workspace(&l->conv, in[0].w, in[0].h);
}

static int conv_shape(const sr__layer *l, const sr__shape *in, sr__shape *out)
{
    const sr__conv *c = &l->conv;
    int ew = c->dw * (c->kw - 1) + 1, eh = c->dh * (c->kh - 1) + 1;
    int pw = in[0].w + c->pl + c->pr, ph = in[0].h + c->pt + c->pb;
    if (pw < ew || ph < eh)
        return -1;
    out[0].c = c->cout;
    out[0].w = (pw - ew) / c->sw + 1;
    out[0].h = (ph - eh) / c->sh + 1;
    return 0;
}

static sr__ws_need conv_workspace(const sr__layer *l, const sr__shape *in, const sr__shape *out)
{
    (void)in;
    return sr__conv_workspace(&l->conv, out[0].w, out[0].h);
}

static void conv_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,
                         float *const *out, const sr__shape *outs, const sr__run *rc)
{
    sr__conv_forward(&l->conv, in[0], ins[0].w, ins[0].h, out[0], outs[0].w, outs[0].h, rc);
}

/* ---- PReLU and ReLU ---- */

static sr_status prelu_load(sr__layer *l, const sr__player *pl, const sr__shape *in,
                            const uint8_t **bin, size_t *left, sr_error *err)
{
    int n = sr__pget_int(pl, 0, 0);
    if (l->n_in != 1 || l->n_out != 1)
        return sr__err(err, SR_E_FORMAT, "line %d: PReLU %s: needs 1 input and 1 output", l->line,
                       l->name);
    if (n != 1 && n != in[0].c)
        return sr__err(err, SR_E_FORMAT, "line %d: PReLU %s: %d slopes for %d channels", l->line,
                       l->name, n, in[0].c);
    l->data = malloc((size_t)in[0].c * sizeof(float));
    if (!l->data)
        return sr__err(err, SR_E_NOMEM, "line %d: PReLU %s: out of memory", l->line, l->name);
    l->ndata = in[0].c;
    sr_status s = sr__read_floats(bin, left, (size_t)n, 0, l->data, l->name, err);
    for (int i = 1; !s && n == 1 && i < in[0].c; i++)
        l->data[i] = l->data[0];
    return s;
}

static void prelu_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,
                          float *const *out, const sr__shape *outs, const sr__run *rc)
{
    (void)outs, (void)rc;
    size_t n = plane(&ins[0]);
    for (int c = 0; c < ins[0].c; c++) {
        const float *x = in[0] + c * n;
        float *y = out[0] + c * n;
        float a = l->data[c];
        for (size_t i = 0; i < n; i++)
            y[i] = x[i] > 0.f ? x[i] : x[i] * a;
    }
}

static sr_status relu_load(sr__layer *l, const sr__player *pl, const sr__shape *in,
                           const uint8_t **bin, size_t *left, sr_error *err)
{
    (void)in, (void)bin, (void)left;
    if (l->n_in != 1 || l->n_out != 1)
        return sr__err(err, SR_E_FORMAT, "line %d: ReLU %s: needs 1 input and 1 output", l->line,
                       l->name);
    l->fparam[0] = sr__pget_float(pl, 0, 0.f);
    return SR_OK;
}

static void relu_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,
                         float *const *out, const sr__shape *outs, const sr__run *rc)
{
    (void)outs, (void)rc;
    size_t n = numel(&ins[0]);
    float a = l->fparam[0];
    for (size_t i = 0; i < n; i++)
        out[0][i] = in[0][i] > 0.f ? in[0][i] : in[0][i] * a;
}

/* ---- PixelShuffle ---- */

static sr_status pixelshuffle_load(sr__layer *l, const sr__player *pl, const sr__shape *in,
                                   const uint8_t **bin, size_t *left, sr_error *err)
{
    (void)bin, (void)left;
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
    l->iparam[0] = r;
    l->iparam[1] = mode;
    return SR_OK;
}

static int pixelshuffle_shape(const sr__layer *l, const sr__shape *in, sr__shape *out)
{
    int r = l->iparam[0];
    out[0] = (sr__shape){in[0].c / (r * r), in[0].h * r, in[0].w * r};
    return 0;
}

static void pixelshuffle_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,
                                 float *const *out, const sr__shape *outs, const sr__run *rc)
{
    (void)rc;
    int r = l->iparam[0], mode = l->iparam[1];
    int oc = outs[0].c, w = ins[0].w, h = ins[0].h, ow = outs[0].w;
    for (int c = 0; c < oc; c++)
        for (int sy = 0; sy < r; sy++)
            for (int sx = 0; sx < r; sx++) {
                int ic = mode == 0 ? c * r * r + sy * r + sx : (sy * r + sx) * oc + c;
                const float *src = in[0] + (size_t)ic * plane(&ins[0]);
                float *dst = out[0] + (size_t)c * plane(&outs[0]);
                for (int y = 0; y < h; y++) {
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

static sr_status interp_load(sr__layer *l, const sr__player *pl, const sr__shape *in,
                             const uint8_t **bin, size_t *left, sr_error *err)
{
    (void)in, (void)bin, (void)left;
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
    if (hs != ws || !(ws > 0.f) || !ratio_of(ws, &l->ratio) || l->ratio.num > 64 * l->ratio.den)
        return sr__err(err, SR_E_UNSUPPORTED,
                       "line %d: Interp %s: scales %g x %g (need equal, rational, at most 64)",
                       l->line, l->name, hs, ws);
    l->iparam[0] = type;
    return SR_OK;
}

static int interp_shape(const sr__layer *l, const sr__shape *in, sr__shape *out)
{
    long w = in[0].w * l->ratio.num / l->ratio.den, h = in[0].h * l->ratio.num / l->ratio.den;
    if (w < 1 || h < 1 || w > 1 << 20 || h > 1 << 20)
        return -1;
    out[0] = (sr__shape){in[0].c, (int)h, (int)w};
    return 0;
}

static sr__ws_need interp_workspace(const sr__layer *l, const sr__shape *in, const sr__shape *out)
{
    (void)in;
    return (sr__ws_need){0, l->iparam[0] == 1 ? 0 : (size_t)out[0].w * 12}; /* 4 rows, weights, taps */
}

static void interp_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,
                           float *const *out, const sr__shape *outs, const sr__run *rc)
{
    int type = l->iparam[0];
    int w = ins[0].w, h = ins[0].h, ow = outs[0].w, oh = outs[0].h;
    int nt = type == 2 ? 2 : 4;
    for (int c = 0; c < ins[0].c; c++) {
        const float *src = in[0] + (size_t)c * plane(&ins[0]);
        float *dst = out[0] + (size_t)c * plane(&outs[0]);
        if (type == 1) {
            for (int y = 0; y < oh; y++) {
                const float *srow = src + (size_t)((long)y * h / oh) * w;
                for (int x = 0; x < ow; x++)
                    dst[(size_t)y * ow + x] = srow[(long)x * w / ow];
            }
            continue;
        }
        float *rows = rc->own, *wx = rc->own + 4 * (size_t)ow;
        int *ix = (int *)(wx + 4 * (size_t)ow);
        for (int x = 0; x < ow; x++)
            sr__interp_taps(type, x, w, ow, ix + x * nt, wx + x * nt);
        for (int y = 0; y < oh; y++) {
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
        }
    }
}

/* ---- BinaryOp, Eltwise, Concat ---- */

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MAX, OP_MIN, OP_POW, OP_RSUB, OP_RDIV };

static float binop(int op, float a, float b)
{
    switch (op) {
    case OP_ADD: return a + b;
    case OP_SUB: return a - b;
    case OP_MUL: return a * b;
    case OP_DIV: return a / b;
    case OP_MAX: return a > b ? a : b;
    case OP_MIN: return a < b ? a : b;
    case OP_RSUB: return b - a;
    case OP_RDIV: return b / a;
    }
    return a;
}

static sr_status binaryop_load(sr__layer *l, const sr__player *pl, const sr__shape *in,
                               const uint8_t **bin, size_t *left, sr_error *err)
{
    (void)bin, (void)left;
    int op = sr__pget_int(pl, 0, 0), scalar = sr__pget_int(pl, 1, 0);
    if (op < 0 || op > OP_RDIV || op == OP_POW)
        return sr__err(err, SR_E_UNSUPPORTED, "line %d: BinaryOp %s: operation %d", l->line,
                       l->name, op);
    if (l->n_out != 1 || l->n_in != (scalar ? 1 : 2))
        return sr__err(err, SR_E_FORMAT, "line %d: BinaryOp %s: needs %d inputs and 1 output",
                       l->line, l->name, scalar ? 1 : 2);
    if (!scalar && in[0].c != in[1].c && in[0].c != 1 && in[1].c != 1)
        return sr__err(err, SR_E_FORMAT, "line %d: BinaryOp %s: %d and %d channels do not broadcast",
                       l->line, l->name, in[0].c, in[1].c);
    l->iparam[0] = op;
    l->iparam[1] = scalar;
    l->fparam[0] = sr__pget_float(pl, 2, 0.f);
    return SR_OK;
}

/* ncnn's broadcasting for these networks: equal shapes, or one side a per-channel (c x 1 x 1)
 * or single (1 x 1 x 1) value. */
static int binaryop_shape(const sr__layer *l, const sr__shape *in, sr__shape *out)
{
    if (l->iparam[1] || (in[0].c == in[1].c && in[0].h == in[1].h && in[0].w == in[1].w)) {
        out[0] = in[0];
        return 0;
    }
    for (int k = 0; k < 2; k++) {
        const sr__shape *big = &in[k], *small = &in[1 - k];
        if (small->h == 1 && small->w == 1 && (small->c == big->c || small->c == 1)) {
            out[0] = *big;
            return 0;
        }
    }
    return -1;
}

static void binaryop_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,
                             float *const *out, const sr__shape *outs, const sr__run *rc)
{
    (void)rc;
    int op = l->iparam[0];
    size_t n = plane(&outs[0]);
    for (int c = 0; c < outs[0].c; c++) {
        float *y = out[0] + (size_t)c * n;
        const float *a = in[0] + (plane(&ins[0]) == 1 ? (size_t)(ins[0].c == 1 ? 0 : c)
                                                      : (size_t)c * n);
        size_t sa = plane(&ins[0]) == 1 ? 0 : 1;
        if (l->iparam[1]) {
            for (size_t i = 0; i < n; i++)
                y[i] = binop(op, a[i], l->fparam[0]);
            continue;
        }
        const float *b = in[1] + (plane(&ins[1]) == 1 ? (size_t)(ins[1].c == 1 ? 0 : c)
                                                      : (size_t)c * n);
        size_t sb = plane(&ins[1]) == 1 ? 0 : 1;
        for (size_t i = 0; i < n; i++)
            y[i] = binop(op, a[i * sa], b[i * sb]);
    }
}

static sr_status eltwise_load(sr__layer *l, const sr__player *pl, const sr__shape *in,
                              const uint8_t **bin, size_t *left, sr_error *err)
{
    (void)bin, (void)left;
    int op = sr__pget_int(pl, 0, 1);
    const sr__pval *co = &pl->p[1];
    if (op < 0 || op > 2)
        return sr__err(err, SR_E_UNSUPPORTED, "line %d: Eltwise %s: operation %d", l->line,
                       l->name, op);
    if (l->n_in < 2 || l->n_in > SR_MAX_IO || l->n_out != 1)
        return sr__err(err, SR_E_FORMAT, "line %d: Eltwise %s: needs 2 or more inputs, 1 output",
                       l->line, l->name);
    for (int k = 1; k < l->n_in; k++)
        if (in[k].c != in[0].c)
            return sr__err(err, SR_E_FORMAT, "line %d: Eltwise %s: channel counts differ", l->line,
                           l->name);
    if (co->set && (!co->is_arr || (co->n != 0 && co->n != l->n_in)))
        return sr__err(err, SR_E_FORMAT, "line %d: Eltwise %s: %d coefficients for %d inputs",
                       l->line, l->name, co->n, l->n_in);
    l->iparam[0] = op;
    l->ndata = co->set ? co->n : 0;
    if (l->ndata) {
        l->data = malloc((size_t)l->ndata * sizeof(float));
        if (!l->data)
            return sr__err(err, SR_E_NOMEM, "line %d: out of memory", l->line);
        memcpy(l->data, co->arr, (size_t)l->ndata * sizeof(float));
    }
    return SR_OK;
}

static int equal_inputs_shape(const sr__layer *l, const sr__shape *in, sr__shape *out)
{
    for (int k = 1; k < l->n_in; k++)
        if (in[k].h != in[0].h || in[k].w != in[0].w)
            return -1;
    out[0] = in[0];
    return 0;
}

static void eltwise_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,
                            float *const *out, const sr__shape *outs, const sr__run *rc)
{
    (void)ins, (void)rc;
    size_t n = numel(&outs[0]);
    int op = l->iparam[0];
    for (size_t i = 0; i < n; i++) {
        float acc = l->ndata && op == 1 ? in[0][i] * l->data[0] : in[0][i];
        for (int k = 1; k < l->n_in; k++) {
            float v = in[k][i];
            if (op == 0)
                acc *= v;
            else if (op == 1)
                acc += l->ndata ? v * l->data[k] : v;
            else
                acc = acc > v ? acc : v;
        }
        out[0][i] = acc;
    }
}

static sr_status concat_load(sr__layer *l, const sr__player *pl, const sr__shape *in,
                             const uint8_t **bin, size_t *left, sr_error *err)
{
    (void)in, (void)bin, (void)left;
    if (sr__pget_int(pl, 0, 0) != 0)
        return sr__err(err, SR_E_UNSUPPORTED, "line %d: Concat %s: axis %d (only channels, 0)",
                       l->line, l->name, sr__pget_int(pl, 0, 0));
    if (l->n_in < 1 || l->n_out != 1)
        return sr__err(err, SR_E_FORMAT, "line %d: Concat %s: needs inputs and 1 output", l->line,
                       l->name);
    return SR_OK;
}

static int concat_shape(const sr__layer *l, const sr__shape *in, sr__shape *out)
{
    if (equal_inputs_shape(l, in, out))
        return -1;
    for (int k = 1; k < l->n_in; k++)
        out[0].c += in[k].c;
    return 0;
}

static void concat_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,
                           float *const *out, const sr__shape *outs, const sr__run *rc)
{
    (void)outs, (void)rc;
    float *y = out[0];
    for (int k = 0; k < l->n_in; k++) {
        memcpy(y, in[k], numel(&ins[k]) * sizeof(float));
        y += numel(&ins[k]);
    }
}

/* ---- the table ---- */

static const sr__layer_ops table[SR_L_COUNT] = {
    [SR_L_INPUT] = {"Input", input_load, input_shape, no_workspace, nop_forward, KEYS(0, 1, 2)},
    [SR_L_SPLIT] = {"Split", split_load, same_shape, no_workspace, nop_forward, KEYS(-1)},
    [SR_L_CONV] = {"Convolution", conv_load, conv_shape, conv_workspace, conv_forward,
                   KEYS(0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19), 1},
    [SR_L_DECONV] = {"Deconvolution", deconv_load, deconv_shape, deconv_workspace, deconv_forward,
                     KEYS(0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20, 21), 1},
    [SR_L_POOLING] = {"Pooling", sr__pooling_load, sr__pooling_shape, no_workspace,
                      sr__pooling_forward, KEYS(0, 1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15)},
    [SR_L_INNERPRODUCT] = {"InnerProduct", sr__innerproduct_load, sr__innerproduct_shape,
                           no_workspace, sr__innerproduct_forward, KEYS(0, 1, 2, 8, 9, 10)},
    [SR_L_SCALE] = {"Scale", sr__scale_load, sr__scale_shape, no_workspace, sr__scale_forward,
                    KEYS(0, 1)},
    [SR_L_CROP] = {"Crop", sr__crop_load, sr__crop_shape, no_workspace, sr__crop_forward,
                   KEYS(0, 1, 2, 3, 4, 5, 9, 10, 11)},
    [SR_L_PRELU] = {"PReLU", prelu_load, same_shape, no_workspace, prelu_forward, KEYS(0)},
    [SR_L_RELU] = {"ReLU", relu_load, same_shape, no_workspace, relu_forward, KEYS(0)},
    [SR_L_PIXELSHUFFLE] = {"PixelShuffle", pixelshuffle_load, pixelshuffle_shape, no_workspace,
                           pixelshuffle_forward, KEYS(0, 1)},
    [SR_L_INTERP] = {"Interp", interp_load, interp_shape, interp_workspace, interp_forward,
                     KEYS(0, 1, 2, 3, 4, 5, 6)},
    [SR_L_BINARYOP] = {"BinaryOp", binaryop_load, binaryop_shape, no_workspace, binaryop_forward,
                       KEYS(0, 1, 2)},
    [SR_L_ELTWISE] = {"Eltwise", eltwise_load, equal_inputs_shape, no_workspace, eltwise_forward,
                      KEYS(0, 1)},
    [SR_L_CONCAT] = {"Concat", concat_load, concat_shape, no_workspace, concat_forward, KEYS(0)},
};

const sr__layer_ops *sr__layer_find(const char *type)
{
    for (int i = 0; i < SR_L_COUNT; i++)
        if (strcmp(table[i].name, type) == 0)
            return &table[i];
    return NULL;
}

const sr__layer_ops *sr__layer_ops_of(int type)
{
    return type >= 0 && type < SR_L_COUNT ? &table[type] : NULL;
}
