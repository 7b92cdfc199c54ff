/* layer_conv.c - the Convolution and Deconvolution layers: their parameters and weights (an
 * sr__conv, which the kernels run), shapes, geometry and packing. The kernels are in
 * src/kernels. */
#include "model.h"

#include <string.h>

/* The parameters both share; `kind` names the layer in messages. In a Deconvolution, 18= and
 * 19= are the extra output padding on the right and bottom rather than a pad value. */
static sr_status conv_params(sr__layer *l, const sr__player *pl, const sr__shape *in,
                             sr__bin *bin, sr_error *err, int deconv)
{
    sr__conv *c = l->p = calloc(1, sizeof *c);
    if (!c)
        return sr__err(err, SR_E_NOMEM, "line %d: layer %s: out of memory", l->line, l->name);
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
    else if (c->sw != c->sh)
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
    sr_status s = sr__read_floats(bin, expect, 1, c->weight, l->name, err);
    if (!s && bias)
        s = sr__read_floats(bin, (size_t)c->cout, 0, c->bias, l->name, err);
    return s;
}

static sr_status conv_load(sr__layer *l, const sr__player *pl, const sr__shape *in, sr__bin *bin,
                           sr_error *err)
{
    return conv_params(l, pl, in, bin, err, 0);
}

static sr_status deconv_load(sr__layer *l, const sr__player *pl, const sr__shape *in,
                             sr__bin *bin, sr_error *err)
{
    return conv_params(l, pl, in, bin, err, 1);
}

static void conv_free(void *p)
{
    sr__conv *c = p;
    if (c)
        free(c->weight), free(c->bias), free(c->slope), free(c->packed), free(c->packed_bf16);
    free(c);
}

/* The full transposed convolution is (w - 1) stride + extent (+ output padding); the padding
 * is then cut from its borders. */
static int deconv_shape(const sr__layer *l, const sr__shape *in, sr__shape *out)
{
    const sr__conv *c = l->p;
    int ew = c->dw * (c->kw - 1) + 1, eh = c->dh * (c->kh - 1) + 1;
    out[0].c = c->cout;
    out[0].w = (in[0].w - 1) * c->sw + ew + c->opr - c->pl - c->pr;
    out[0].h = (in[0].h - 1) * c->sh + eh + c->opb - c->pt - c->pb;
    return out[0].w < 1 || out[0].h < 1 ? -1 : 0;
}

static void deconv_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,
                           float *const *out, const sr__shape *outs, const sr__run *rc)
{
    sr__deconv_forward(l->p, in[0], ins[0].w, ins[0].h, out[0], outs[0].w, outs[0].h,
                       rc);
}

static sr__ws_need deconv_workspace(const sr__layer *l, const sr__shape *in, const sr__shape *out)
{
    (void)in;
    return sr__deconv_workspace(l->p, out[0].w, out[0].h);
}

static int conv_shape(const sr__layer *l, const sr__shape *in, sr__shape *out)
{
    const sr__conv *c = l->p;
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
    return sr__conv_workspace(l->p, out[0].w, out[0].h);
}

static void conv_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,
                         float *const *out, const sr__shape *outs, const sr__run *rc)
{
    sr__conv_forward(l->p, in[0], ins[0].w, ins[0].h, out[0], outs[0].w, outs[0].h, rc);
}

static long floor_div(long a, long b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

/* The receptive field grows by the kernel's reach on either side (in input pixels, rounded up
 * to whole output pixels); the resolution divides by the stride. */
static void conv_geometry(const sr__layer *l, sr__ratio *scale, double *radius)
{
    const sr__conv *c = l->p;
    double px = scale->num ? (double)scale->den / scale->num : 0; /* an input pixel */
    int ew = c->dw * (c->kw - 1) + 1, eh = c->dh * (c->kh - 1) + 1;
    int reach = c->pl;
    int cand[] = {c->pr, c->pt, c->pb, ew - 1 - c->pl, eh - 1 - c->pt};
    for (int k = 0; k < 5; k++)
        reach = cand[k] > reach ? cand[k] : reach;
    *radius += (reach + c->sw - 1) * px;
    scale->den *= c->sw;
}

/* An output pixel gathers input pixels up to (extent + padding) / stride away. */
static void deconv_geometry(const sr__layer *l, sr__ratio *scale, double *radius)
{
    const sr__conv *c = l->p;
    double px = scale->num ? (double)scale->den / scale->num : 0;
    int ew = c->dw * (c->kw - 1) + 1, eh = c->dh * (c->kh - 1) + 1;
    int reach = (ew > eh ? ew : eh) + c->pl + c->pr + c->pt + c->pb;
    *radius += ((reach + c->sw - 1) / c->sw + 1) * px;
    scale->num *= c->sw;
}

static void conv_origin(const sr__layer *l, const sr__shape *in, long *o)
{
    const sr__conv *c = l->p;
    (void)in;
    o[0] = floor_div(o[0] - c->pl, c->sw), o[1] = floor_div(o[1] - c->pt, c->sh);
}

static void deconv_origin(const sr__layer *l, const sr__shape *in, long *o)
{
    const sr__conv *c = l->p;
    (void)in;
    o[0] = o[0] * c->sw - c->pl, o[1] = o[1] * c->sh - c->pt;
}

static double conv_flops(const sr__layer *l, const sr__shape *in, const sr__shape *out)
{
    const sr__conv *c = l->p;
    (void)in;
    return 2.0 * c->cin * c->kh * c->kw * sr__numel(&out[0]);
}

static double deconv_flops(const sr__layer *l, const sr__shape *in, const sr__shape *out)
{
    const sr__conv *c = l->p; /* every input pixel meets every tap */
    (void)out;
    return 2.0 * c->cout * c->kh * c->kw * sr__numel(&in[0]);
}

/* Packs the weights for the kernel this CPU runs; the 3x3 layers that run by Winograd take
 * bf16 products at SR_PRECISION_BF16 (and then never F(4x4,3x3), which is fp32 only). */
static sr_status conv_prepare(sr__layer *l, sr_precision precision, sr_error *err)
{
    sr__conv *c = l->p;
    if (precision == SR_PRECISION_BF16)
        c->want_wino4 = 0;
    sr_status s = sr__conv_pack(c, err);
    if (!s && c->wino && precision == SR_PRECISION_BF16)
        s = sr__wino_set_bf16(c, 1, err);
    return s;
}

static sr_status deconv_prepare(sr__layer *l, sr_precision precision, sr_error *err)
{
    (void)precision;
    return sr__deconv_pack(l->p, err);
}

sr__conv *sr__layer_conv(const sr__layer *l)
{
    return l->ops == &sr__layer_convolution || l->ops == &sr__layer_deconvolution ? l->p : NULL;
}

/* Each side as its kernels can take it. */
static int conv_blocked(const sr__layer *l, const sr__shape *in)
{
    (void)in;
    return (sr__conv_reads_blocked(l->p) ? SR_BLK_IN : 0) |
           (sr__conv_writes_blocked(l->p) ? SR_BLK_OUT : 0);
}

const sr__layer_ops sr__layer_convolution = {
    .name = "Convolution",
    .keys = SR__KEYS(0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19),
    .flags = SR_LF_SLICED,
    .load = conv_load,
    .free = conv_free,
    .shape = conv_shape,
    .forward = conv_forward,
    .workspace = conv_workspace,
    .geometry = conv_geometry,
    .origin = conv_origin,
    .flops = conv_flops,
    .prepare = conv_prepare,
    .blocked = conv_blocked,
};

const sr__layer_ops sr__layer_deconvolution = {
    .name = "Deconvolution",
    .keys = SR__KEYS(0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20, 21),
    .flags = SR_LF_SLICED,
    .load = deconv_load,
    .free = conv_free,
    .shape = deconv_shape,
    .forward = deconv_forward,
    .workspace = deconv_workspace,
    .geometry = deconv_geometry,
    .origin = deconv_origin,
    .flops = deconv_flops,
    .prepare = deconv_prepare,
};
