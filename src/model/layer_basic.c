/* layer_basic.c - the layers that move no pixels: Input, Split, PReLU, ReLU, BinaryOp, Eltwise
 * and Concat. Blobs are planar float (c x h x w); each output value is written from its inputs
 * in a fixed order, so results do not depend on where a tile starts. */
#include "model.h"

#include <string.h>

static sr_status needs_1_to_1(const sr__layer *l, const char *type, sr_error *err)
{
    if (l->n_in != 1 || l->n_out != 1)
        return sr__err(err, SR_E_FORMAT, "line %d: %s %s: needs 1 input and 1 output", l->line,
                       type, l->name);
    return SR_OK;
}

static int same_shape(const sr__layer *l, const sr__shape *in, sr__shape *out)
{
    for (int k = 0; k < l->n_out; k++)
        out[k] = in[0];
    return 0;
}

static void nop_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,
                        float *const *out, const sr__shape *outs, const sr__run *rc)
{
    (void)l, (void)in, (void)ins, (void)out, (void)outs, (void)rc;
}

/* ---- Input: the network's entry; the runner writes the blob directly ---- */

static sr_status input_load(sr__layer *l, const sr__player *pl, const sr__shape *in, sr__bin *bin,
                            sr_error *err)
{
    (void)in, (void)bin;
    int c = sr__pget_int(pl, 2, 3);
    if (l->n_in != 0 || l->n_out != 1)
        return sr__err(err, SR_E_FORMAT, "line %d: Input %s: needs 0 inputs and 1 output", l->line,
                       l->name);
    if (c != 3)
        return sr__err(err, SR_E_UNSUPPORTED, "line %d: Input %s: %d channels (only RGB, 3)",
                       l->line, l->name, c);
    return SR_OK;
}

const sr__layer_ops sr__layer_input = {
    .name = "Input", .keys = SR__KEYS(0, 1, 2), .flags = SR_LF_INPUT, .load = input_load,
    .shape = same_shape, /* the runner passes the tile's shape as the "input" of Input */
    .forward = nop_forward};

/* ---- Split: outputs alias the input (the runner maps them to one buffer) ---- */

static sr_status split_load(sr__layer *l, const sr__player *pl, const sr__shape *in, sr__bin *bin,
                            sr_error *err)
{
    (void)pl, (void)in, (void)bin;
    if (l->n_in != 1 || l->n_out < 1)
        return sr__err(err, SR_E_FORMAT, "line %d: Split %s: needs 1 input", l->line, l->name);
    return SR_OK;
}

const sr__layer_ops sr__layer_split = {.name = "Split", .keys = SR__KEYS(-1),
                                       .flags = SR_LF_ALIAS, .load = split_load,
                                       .shape = same_shape, .forward = nop_forward};

/* ---- PReLU and ReLU: folded into the convolution before them where they can be ---- */

typedef struct {
    int n;         /* channels */
    float slope[]; /* one per channel (a single slope in the file is repeated) */
} prelu_p;

static sr_status prelu_load(sr__layer *l, const sr__player *pl, const sr__shape *in, sr__bin *bin,
                            sr_error *err)
{
    int n = sr__pget_int(pl, 0, 0);
    sr_status s = needs_1_to_1(l, "PReLU", err);
    if (s)
        return s;
    if (n != 1 && n != in[0].c)
        return sr__err(err, SR_E_FORMAT, "line %d: PReLU %s: %d slopes for %d channels", l->line,
                       l->name, n, in[0].c);
    prelu_p *p = l->p = malloc(sizeof *p + (size_t)in[0].c * sizeof(float));
    if (!p)
        return sr__err(err, SR_E_NOMEM, "line %d: PReLU %s: out of memory", l->line, l->name);
    p->n = in[0].c;
    s = sr__read_floats(bin, (size_t)n, 0, p->slope, l->name, err);
    for (int i = 1; !s && n == 1 && i < in[0].c; i++)
        p->slope[i] = p->slope[0];
    return s;
}

static void prelu_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,
                          float *const *out, const sr__shape *outs, const sr__run *rc)
{
    (void)outs;
    const prelu_p *p = l->p;
    size_t n = sr__plane(&ins[0]);
    size_t lo, hi; /* this thread's part of every plane */
    sr__share(n, rc->ith, rc->nth, &lo, &hi);
    for (int c = 0; c < ins[0].c; c++) {
        const float *x = in[0] + c * n;
        float *y = out[0] + c * n;
        for (size_t i = lo; i < hi; i++)
            y[i] = x[i] > 0.f ? x[i] : x[i] * p->slope[c];
    }
}

/* A convolution without its own activation takes the PReLU into its store. */
static int prelu_fuse(sr__layer *l, sr__layer *prev)
{
    sr__conv *c = prev->ops == &sr__layer_convolution ? prev->p : NULL;
    const prelu_p *p = l->p;
    if (!c || c->act != SR_ACT_NONE || !(c->slope = malloc((size_t)p->n * sizeof(float))))
        return 0;
    memcpy(c->slope, p->slope, (size_t)p->n * sizeof(float));
    c->act = SR_ACT_PRELU;
    return 1;
}

const sr__layer_ops sr__layer_prelu = {.name = "PReLU", .keys = SR__KEYS(0),
                                       .flags = SR_LF_SLICED, .load = prelu_load,
                                       .shape = same_shape, .forward = prelu_forward,
                                       .fuse = prelu_fuse};

typedef struct {
    float slope; /* of the negative side: 0 for a plain ReLU */
} relu_p;

static sr_status relu_load(sr__layer *l, const sr__player *pl, const sr__shape *in, sr__bin *bin,
                           sr_error *err)
{
    (void)in, (void)bin;
    sr_status s = needs_1_to_1(l, "ReLU", err);
    relu_p *p = s ? NULL : (l->p = malloc(sizeof *p));
    if (!s && !p)
        return sr__err(err, SR_E_NOMEM, "line %d: ReLU %s: out of memory", l->line, l->name);
    if (p)
        p->slope = sr__pget_float(pl, 0, 0.f);
    return s;
}

static void relu_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,
                         float *const *out, const sr__shape *outs, const sr__run *rc)
{
    (void)outs;
    size_t lo, hi;
    sr__share(sr__numel(&ins[0]), rc->ith, rc->nth, &lo, &hi);
    float a = ((const relu_p *)l->p)->slope;
    for (size_t i = lo; i < hi; i++)
        out[0][i] = in[0][i] > 0.f ? in[0][i] : in[0][i] * a;
}

static int relu_fuse(sr__layer *l, sr__layer *prev)
{
    sr__conv *c = prev->ops == &sr__layer_convolution ? prev->p : NULL;
    if (!c || c->act != SR_ACT_NONE)
        return 0;
    c->act_a = ((const relu_p *)l->p)->slope;
    c->act = c->act_a == 0.f ? SR_ACT_RELU : SR_ACT_LEAKY;
    return 1;
}

const sr__layer_ops sr__layer_relu = {.name = "ReLU", .keys = SR__KEYS(0),
                                      .flags = SR_LF_SLICED, .load = relu_load,
                                      .shape = same_shape, .forward = relu_forward,
                                      .fuse = relu_fuse};

/* Whether every input is stored as the output is (then buffers line up value for value). */
static int same_layout(const sr__layer *l, const sr__shape *ins, const sr__shape *outs)
{
    int same = 1;
    for (int k = 0; k < l->n_in; k++)
        same &= ins[k].blk == outs[0].blk;
    return same;
}

/* A blocked output's ring, this thread's share of its rows (no other write touches them). */
static void ring_share(const sr__shape *o, float *out, const sr__run *rc)
{
    size_t r0, r1;
    if (!o->blk)
        return;
    sr__share((size_t)o->h + 2 * SR_BLK_PAD, rc->ith, rc->nth, &r0, &r1);
    sr__blk_zero_ring(o->c, o->w, o->h, out, (int)r0, (int)r1);
}

/* Both sides in any layout (kernels.h), best alike: Eltwise, Concat and the equal-shape
 * BinaryOp. */
static int any_layout(const sr__layer *l, const sr__shape *in)
{
    (void)l, (void)in;
    return SR_BLK_IN | SR_BLK_OUT | SR_BLK_ALIKE;
}

/* ---- BinaryOp ---- */

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MAX, OP_MIN, OP_POW, OP_RSUB, OP_RDIV };

typedef struct {
    int op;     /* OP_* (ncnn's numbering) */
    int scalar; /* 1: with the constant b, one input */
    float b;
} binaryop_p;

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
                               sr__bin *bin, sr_error *err)
{
    (void)bin;
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
    binaryop_p *p = l->p = malloc(sizeof *p);
    if (!p)
        return sr__err(err, SR_E_NOMEM, "line %d: BinaryOp %s: out of memory", l->line, l->name);
    *p = (binaryop_p){op, scalar, sr__pget_float(pl, 2, 0.f)};
    return SR_OK;
}

/* ncnn's broadcasting for these networks: equal shapes, or one side a per-channel (c x 1 x 1)
 * or single (1 x 1 x 1) value. */
static int binaryop_shape(const sr__layer *l, const sr__shape *in, sr__shape *out)
{
    const binaryop_p *p = l->p;
    if (p->scalar || (in[0].c == in[1].c && in[0].h == in[1].h && in[0].w == in[1].w)) {
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

/* Equal shapes, an operation that keeps zeros zero: a blocked ring stays a ring. */
static int binaryop_blocked(const sr__layer *l, const sr__shape *in)
{
    const binaryop_p *p = l->p;
    int keeps = p->op == OP_ADD || p->op == OP_SUB || p->op == OP_MUL || p->op == OP_MAX ||
                p->op == OP_MIN || p->op == OP_RSUB;
    return keeps && !p->scalar && in[0].c == in[1].c && in[0].h == in[1].h && in[0].w == in[1].w
               ? SR_BLK_IN | SR_BLK_OUT | SR_BLK_ALIKE
               : 0;
}

static void binaryop_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,
                             float *const *out, const sr__shape *outs, const sr__run *rc)
{
    const binaryop_p *p = l->p;
    size_t n = sr__plane(&outs[0]);
    size_t lo, hi; /* this thread's part of every plane */
    if (ins[0].blk || (!p->scalar && ins[1].blk) || outs[0].blk) { /* equal shapes (planned) */
        if (same_layout(l, ins, outs)) {
            sr__share(sr__floats(&outs[0]), rc->ith, rc->nth, &lo, &hi);
            for (size_t i = lo; i < hi; i++)
                out[0][i] = binop(p->op, in[0][i], in[1][i]);
            return;
        }
        sr__share((size_t)outs[0].c * outs[0].h, rc->ith, rc->nth, &lo, &hi);
        for (size_t r = lo; r < hi; r++) {
            int c = (int)(r / (size_t)outs[0].h), y = (int)(r % (size_t)outs[0].h);
            for (int x = 0; x < outs[0].w; x++)
                out[0][sr__at(&outs[0], c, x, y)] =
                    binop(p->op, in[0][sr__at(&ins[0], c, x, y)], in[1][sr__at(&ins[1], c, x, y)]);
        }
        ring_share(&outs[0], out[0], rc);
        return;
    }
    sr__share(n, rc->ith, rc->nth, &lo, &hi);
    for (int c = 0; c < outs[0].c; c++) {
        float *y = out[0] + (size_t)c * n;
        const float *a = in[0] + (sr__plane(&ins[0]) == 1 ? (size_t)(ins[0].c == 1 ? 0 : c)
                                                          : (size_t)c * n);
        size_t sa = sr__plane(&ins[0]) == 1 ? 0 : 1;
        if (p->scalar) {
            for (size_t i = lo; i < hi; i++)
                y[i] = binop(p->op, a[i], p->b);
            continue;
        }
        const float *b = in[1] + (sr__plane(&ins[1]) == 1 ? (size_t)(ins[1].c == 1 ? 0 : c)
                                                          : (size_t)c * n);
        size_t sb = sr__plane(&ins[1]) == 1 ? 0 : 1;
        for (size_t i = lo; i < hi; i++)
            y[i] = binop(p->op, a[i * sa], b[i * sb]);
    }
}

/* An add of two blobs, one of them the output of the layer just before (an Interp: the
 * upsampled input that Real-ESRGAN's compact nets add to their pixel-shuffled output), becomes
 * that layer's addend. a + b == b + a exactly, so the bits stay. Shapes are checked at run
 * time by the layer's shape (broadcasting adds do not fold). */
static int binaryop_fuse(sr__layer *l, sr__layer *prev)
{
    const binaryop_p *p = l->p;
    if (p->op != OP_ADD || p->scalar || !(prev->ops->flags & SR_LF_ADDEND) || prev->n_in != 1)
        return 0;
    prev->in[prev->n_in++] = l->in[0] == prev->out[0] ? l->in[1] : l->in[0];
    return 1;
}

const sr__layer_ops sr__layer_binaryop = {.name = "BinaryOp", .keys = SR__KEYS(0, 1, 2),
                                          .flags = SR_LF_SLICED,
                                          .load = binaryop_load, .shape = binaryop_shape,
                                          .forward = binaryop_forward, .fuse = binaryop_fuse,
                                          .blocked = binaryop_blocked};

/* ---- Eltwise: product, (weighted) sum or maximum of equal-shaped inputs ---- */

typedef struct {
    int op;       /* 0 product, 1 sum, 2 max */
    int ncoef;    /* 0, or one coefficient per input (sum) */
    float coef[];
} eltwise_p;

static sr_status eltwise_load(sr__layer *l, const sr__player *pl, const sr__shape *in,
                              sr__bin *bin, sr_error *err)
{
    (void)bin;
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
    int n = co->set ? co->n : 0;
    eltwise_p *p = l->p = malloc(sizeof *p + (size_t)n * sizeof(float));
    if (!p)
        return sr__err(err, SR_E_NOMEM, "line %d: out of memory", l->line);
    p->op = op, p->ncoef = n;
    if (n)
        memcpy(p->coef, co->arr, (size_t)n * sizeof(float));
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

/* One output value from the inputs' values at[k] (their offsets in each input's layout). */
static float eltwise_at(const eltwise_p *p, int n, const float *const *in, const size_t *at)
{
    float acc = p->ncoef && p->op == 1 ? in[0][at[0]] * p->coef[0] : in[0][at[0]];
    for (int k = 1; k < n; k++) {
        float v = in[k][at[k]];
        if (p->op == 0)
            acc *= v;
        else if (p->op == 1)
            acc += p->ncoef ? v * p->coef[k] : v;
        else
            acc = acc > v ? acc : v;
    }
    return acc;
}

/* Inputs and output in one layout: the buffers walked as flat arrays (a blocked ring stays zero:
 * sums, products and maxima of zeros). Otherwise (a blocked residual read into a planar
 * upsampler) pixel by pixel, each in its own layout. */
static void eltwise_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,
                            float *const *out, const sr__shape *outs, const sr__run *rc)
{
    const eltwise_p *p = l->p;
    const sr__shape *o = &outs[0];
    size_t lo, hi, at[SR_MAX_IO];
    if (same_layout(l, ins, outs)) {
        sr__share(sr__floats(o), rc->ith, rc->nth, &lo, &hi);
        if (p->op == 1) { /* a sum (RRDB's residuals): input by input, loops that vectorise; a
                           * missing coefficient is 1, and x * 1 == x, so the bits are the same */
            float *y = out[0];
            float c0 = p->ncoef ? p->coef[0] : 1.f;
            for (size_t i = lo; i < hi; i++)
                y[i] = in[0][i] * c0;
            for (int k = 1; k < l->n_in; k++) {
                const float *x = in[k];
                float ck = p->ncoef ? p->coef[k] : 1.f;
                for (size_t i = lo; i < hi; i++)
                    y[i] = y[i] + x[i] * ck;
            }
            return;
        }
        for (size_t i = lo; i < hi; i++) {
            for (int k = 0; k < l->n_in; k++)
                at[k] = i;
            out[0][i] = eltwise_at(p, l->n_in, in, at);
        }
        return;
    }
    sr__share((size_t)o->c * o->h, rc->ith, rc->nth, &lo, &hi);
    for (size_t r = lo; r < hi; r++) {
        int c = (int)(r / (size_t)o->h), y = (int)(r % (size_t)o->h);
        for (int x = 0; x < o->w; x++) {
            for (int k = 0; k < l->n_in; k++)
                at[k] = sr__at(&ins[k], c, x, y);
            out[0][sr__at(o, c, x, y)] = eltwise_at(p, l->n_in, in, at);
        }
    }
    ring_share(o, out[0], rc);
}

const sr__layer_ops sr__layer_eltwise = {.name = "Eltwise", .keys = SR__KEYS(0, 1),
                                         .flags = SR_LF_SLICED,
                                         .load = eltwise_load, .shape = equal_inputs_shape,
                                         .forward = eltwise_forward, .blocked = any_layout};

/* ---- Concat: along channels ---- */

static sr_status concat_load(sr__layer *l, const sr__player *pl, const sr__shape *in, sr__bin *bin,
                             sr_error *err)
{
    (void)in, (void)bin;
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

/* In one layout, each input's buffer is a run of the output's (blocked ones are whole groups of
 * 16 channels, ring included); otherwise row by row, each side in its own layout. */
static void concat_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,
                           float *const *out, const sr__shape *outs, const sr__run *rc)
{
    const sr__shape *o = &outs[0];
    size_t lo, hi;
    if (same_layout(l, ins, outs)) {
        float *y = out[0];
        for (int k = 0; k < l->n_in; k++) {
            sr__share(sr__floats(&ins[k]), rc->ith, rc->nth, &lo, &hi);
            if (in[k] != y) /* else the runner placed it there (slots.c) */
                memcpy(y + lo, in[k] + lo, (hi - lo) * sizeof(float));
            y += sr__floats(&ins[k]);
        }
        return;
    }
    sr__share((size_t)o->c * o->h, rc->ith, rc->nth, &lo, &hi);
    for (size_t r = lo; r < hi; r++) {
        int c = (int)(r / (size_t)o->h), y = (int)(r % (size_t)o->h), k = 0, ck = c;
        while (ck >= ins[k].c)
            ck -= ins[k].c, k++;
        for (int x = 0; x < o->w; x++)
            out[0][sr__at(o, c, x, y)] = in[k][sr__at(&ins[k], ck, x, y)];
    }
    ring_share(o, out[0], rc);
}

const sr__layer_ops sr__layer_concat = {.name = "Concat", .keys = SR__KEYS(0),
                                        .flags = SR_LF_SLICED | SR_LF_CONCAT,
                                        .load = concat_load, .shape = concat_shape,
                                        .forward = concat_forward, .blocked = any_layout};
