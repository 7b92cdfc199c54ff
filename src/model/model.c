/* model.c - loading an ncnn model: validate the graph, read the weights, fuse activations into
 * convolutions, pack weights for the kernels, and derive what tiling needs (scale, receptive
 * field, alignment). After sr_model_load_* returns, the model is never written again.
 */
#include "model.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <math.h>
#include <string.h>

#define SR_REALESRGAN_PREPAD 10 /* realesrgan-ncnn-vulkan's reflect padding, see docs */

/* ---- graph helpers ---- */

static long gcd(long a, long b)
{
    while (b) {
        long t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static sr__ratio reduced(sr__ratio r)
{
    long g = r.num ? gcd(r.num, r.den) : r.den;
    return (sr__ratio){r.num / g, r.den / g};
}

void sr__twin_free(sr__twin *t)
{
    if (t) {
        free(t->param), free(t->bin), free(t->twin);
        free(t);
    }
}

void sr_model_free(sr_model *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->nlayers; i++)
        sr__layer_free(&m->layers[i]);
    free(m->layers);
    free(m->blob_c);
    free(m->blob_scale);
    free(m->blob_blk);
    sr__twin_free(m->twin);
    free(m);
}

static int keys_supported(const sr__layer_ops *ops, const sr__player *pl, int *bad)
{
    for (int k = 0; k < SR_MAX_KEYS; k++) {
        if (!pl->p[k].set)
            continue;
        int ok = 0;
        for (const int *x = ops->keys; *x >= 0; x++)
            ok |= *x == k;
        if (!ok) {
            *bad = k;
            return 0;
        }
    }
    return 1;
}

/* Loads each layer in file order; nom holds every blob's shape for a nominal 96x96 input, so
 * that layers see real shapes when loading (channels, and whether a blob is pooled to 1x1).
 * Sizes are checked properly later (check_sizes). */
static sr_status build_each(sr_model *m, const sr__param *pp, sr__shape *nom, sr__bin *bin,
                            int *ninput, sr_error *err)
{
    for (int i = 0; i < pp->nlayers; i++) {
        const sr__player *pl = &pp->layers[i];
        sr__layer *l = &m->layers[i];
        const sr__layer_ops *ops = sr__layer_find(pl->type);
        if (!ops)
            return sr__err(err, SR_E_UNSUPPORTED, "line %d: layer %s: type %s is not supported",
                           pl->line, pl->name, pl->type);
        int bad;
        if (!keys_supported(ops, pl, &bad))
            return sr__err(err, SR_E_UNSUPPORTED,
                           "line %d: layer %s (%s): parameter %d is not supported", pl->line,
                           pl->name, pl->type, bad);
        l->ops = ops;
        memcpy(l->name, pl->name, sizeof l->name);
        l->line = pl->line;
        l->n_in = pl->n_in;
        l->n_out = pl->n_out;
        memcpy(l->in, pl->in, sizeof l->in);
        memcpy(l->out, pl->out, sizeof l->out);
        *ninput += (ops->flags & SR_LF_INPUT) != 0;
        sr__shape in[SR_MAX_IO], out[SR_MAX_IO];
        for (int k = 0; k < l->n_in; k++)
            in[k] = nom[l->in[k]];
        if (ops->flags & SR_LF_INPUT)
            in[0] = (sr__shape){.c = 3, .h = 96, .w = 96};
        sr_status s = ops->load(l, pl, in, bin, err);
        if (s)
            return s;
        if (ops->shape(l, in, out))
            return sr__err(err, SR_E_FORMAT, "line %d: layer %s: inputs of incompatible shapes",
                           l->line, l->name);
        for (int k = 0; k < l->n_out; k++) {
            m->blob_c[l->out[k]] = out[k].c;
            nom[l->out[k]] = out[k];
        }
    }
    m->weight_bytes = bin->floats * sizeof(float);
    m->weight_tags = bin->tags;
    return SR_OK;
}

/* Builds layers from the parsed graph, reading weights in file order. */
static sr_status build_layers(sr_model *m, const sr__param *pp, const uint8_t *bin, size_t bin_len,
                              sr_error *err)
{
    sr__bin b = {bin, bin_len, 0, 0};
    int ninput = 0;
    sr__shape *nom = calloc((size_t)m->nblobs, sizeof *nom);
    if (!nom)
        return sr__err(err, SR_E_NOMEM, "model: out of memory");
    sr_status s = build_each(m, pp, nom, &b, &ninput, err);
    free(nom);
    if (s)
        return s;
    if (b.left)
        return sr__err(err, SR_E_FORMAT, "bin: %zu bytes left over after the last layer's weights "
                       "(.bin does not match .param)", b.left);
    if (ninput != 1)
        return sr__err(err, SR_E_FORMAT, "param: %d Input layers (need exactly 1)", ninput);
    return SR_OK;
}

/* Channel-blocked activations (kernels.h) wherever both ends can take them: a blob (with the
 * Split outputs that alias it) is stored blocked when its channels are a multiple of 16, the
 * layer that makes it can write it so, every layer that reads it can read it so, and it is not
 * the network's output; an element-wise layer's output only when its inputs are, and a planar
 * Concat's inputs are planar. Convolutions are then told which of their sides is blocked. Between
 * the 3x3 layers this turns Winograd's input and output transforms into whole cache lines, and
 * a dense block's concatenations into copies of whole buffers. SR_LAYOUT=planar keeps every
 * blob planar (the same bits, slower; for comparisons). */
static sr_status plan_layouts(sr_model *m, sr_error *err)
{
    const char *env = getenv("SR_LAYOUT");
    if (env && !strcmp(env, "planar"))
        return SR_OK;
    int *root = malloc((size_t)m->nblobs * sizeof *root);
    sr__shape *sh = calloc((size_t)m->nblobs, sizeof *sh); /* all planar yet: nominal shapes */
    if (!root || !sh) {
        free(root), free(sh);
        return sr__err(err, SR_E_NOMEM, "model: out of memory");
    }
    if (sr__model_shapes(m, 96, 96, sh)) { /* checked at load: cannot happen */
        free(root), free(sh);
        return sr__err(err, SR_E_INVALID, "model: no shapes for a 96x96 input");
    }
    int *can = calloc((size_t)m->nlayers, sizeof *can);
    for (int i = 0; can && i < m->nlayers; i++) {
        const sr__layer *l = &m->layers[i];
        sr__shape in[SR_MAX_IO];
        for (int k = 0; k < l->n_in; k++)
            in[k] = sh[l->in[k]];
        can[i] = l->ops->blocked ? l->ops->blocked(l, in) : 0;
    }
    free(sh);
    if (!can) {
        free(root);
        return sr__err(err, SR_E_NOMEM, "model: out of memory");
    }
    for (int b = 0; b < m->nblobs; b++)
        root[b] = b, m->blob_blk[b] = 0;
    for (int i = 0; i < m->nlayers; i++) { /* layers come in order: a Split's input is rooted */
        const sr__layer *l = &m->layers[i];
        for (int k = 0; k < l->n_out; k++)
            if (l->ops->flags & SR_LF_ALIAS)
                root[l->out[k]] = root[l->in[0]];
            else
                m->blob_blk[l->out[k]] = (can[i] & SR_BLK_OUT) && m->blob_c[l->out[k]] % 16 == 0;
    }
    m->blob_blk[root[m->output_blob]] = 0;
    for (int i = 0; i < m->nlayers; i++)
        for (int k = 0; k < m->layers[i].n_in && !(m->layers[i].ops->flags & SR_LF_ALIAS); k++)
            if (!(can[i] & SR_BLK_IN))
                m->blob_blk[root[m->layers[i].in[k]]] = 0;
    /* Element-wise layers keep one layout where they can: an output is blocked only when all
     * the inputs are (a conversion in the layer costs more than the blocked readers save), and
     * a Concat's inputs take its output's layout, so that they can be placed there (runtime's
     * slots.c) rather than copied: a planar concatenation makes its inputs planar. */
    for (int changed = 1; changed;) {
        changed = 0;
        for (int i = 0; i < m->nlayers; i++) {
            const sr__layer *l = &m->layers[i];
            int *out = &root[l->out[0]], planar_in = 0;
            if (!(can[i] & SR_BLK_ALIKE))
                continue;
            for (int k = 0; k < l->n_in; k++)
                planar_in |= !m->blob_blk[root[l->in[k]]];
            if (planar_in && m->blob_blk[*out])
                m->blob_blk[*out] = 0, changed = 1;
            for (int k = 0; (l->ops->flags & SR_LF_CONCAT) && !m->blob_blk[*out] && k < l->n_in; k++)
                if (m->blob_blk[root[l->in[k]]])
                    m->blob_blk[root[l->in[k]]] = 0, changed = 1;
        }
    }
    for (int b = 0; b < m->nblobs; b++)
        m->blob_blk[b] = m->blob_blk[root[b]];
    free(root), free(can);
    sr_status s = SR_OK;
    for (int i = 0; i < m->nlayers && !s; i++) {
        const sr__layer *l = &m->layers[i];
        sr__conv *c = sr__layer_conv(l);
        if (!c)
            continue;
        int blk = (m->blob_blk[l->in[0]] ? SR_BLK_IN : 0) | (m->blob_blk[l->out[0]] ? SR_BLK_OUT : 0);
        if (blk)
            s = sr__conv_set_blocked(c, blk, err);
    }
    return s;
}

/* Once every convolution is packed and laid out, the file's copy of its weights goes where no
 * kernel reads it. */
static void drop_file_weights(sr_model *m)
{
    for (int i = 0; i < m->nlayers; i++) {
        sr__conv *c = sr__layer_conv(&m->layers[i]);
        if (c)
            sr__conv_drop_weight(c, m->layers[i].ops == &sr__layer_deconvolution);
    }
#ifdef __GLIBC__
    malloc_trim(0); /* the freed arrays lie between packed ones: give their pages back */
#endif
}

/* Folds a layer that is the only consumer of the previous layer's output into that layer's
 * store (its fuse: a PReLU or ReLU after a convolution; an add after an Interp, which saves a
 * full-size buffer and a pass at the end of every Real-ESRGAN-style net), lets a layer take
 * over the producer of an input it alone reads (its absorb: the PixelShuffle whose output that
 * add read, another full-size buffer and pass), then prepares every layer's weights for the
 * kernels at the load's precision and plans the activations' layout. */
static sr_status fuse_and_prepare(sr_model *m, const int *consumers, sr_precision precision,
                                  sr_error *err)
{
    int n = 0;
    for (int i = 0; i < m->nlayers; i++) {
        sr__layer *l = &m->layers[i];
        sr__layer *prev = n ? &m->layers[n - 1] : NULL;
        int reads = prev && (l->in[0] == prev->out[0] ||
                             (l->n_in == 2 && l->in[1] == prev->out[0]));
        /* two inputs: alike in channels and resolution, no broadcasting (scales are reduced
         * fractions, so equal ones are equal field by field) */
        sr__ratio a = m->blob_scale[l->in[0]], b = m->blob_scale[l->in[l->n_in > 1]];
        int alike = l->n_in == 1 || (l->n_in == 2 && m->blob_c[l->in[0]] == m->blob_c[l->in[1]] &&
                                     a.num && a.num == b.num && a.den == b.den);
        int fusable = reads && alike && l->ops->fuse && prev->n_out == 1 &&
                      consumers[prev->out[0]] == 1 && prev->out[0] != m->output_blob;
        if (fusable && l->ops->fuse(l, prev)) {
            prev->out[0] = l->out[0];
            sr__layer_free(l);
            continue;
        }
        if (n != i)
            m->layers[n] = *l;
        n++;
    }
    for (int i = 0; i < n; i++) {
        sr__layer *l = &m->layers[i];
        for (int k = 0; l->ops->absorb && k < l->n_in; k++) {
            int j = i - 1;
            while (j >= 0 && m->layers[j].out[0] != l->in[k])
                j--;
            sr__layer *src = j >= 0 ? &m->layers[j] : NULL;
            if (!src || src->n_in != 1 || src->n_out != 1 || consumers[l->in[k]] != 1 ||
                l->in[k] == m->output_blob || !l->ops->absorb(l, k, src))
                continue;
            l->in[k] = src->in[0];
            sr__layer_free(src);
            memmove(src, src + 1, (size_t)(n - j - 1) * sizeof *src);
            n--, i--, l--;
        }
    }
    m->nlayers = n;
    /* Where tiles cannot be exact anyway, the larger Winograd: its output depends on where a tile
     * starts (wino4_blocked.c). SR_WINO4=0: F(2x2,3x3). */
    const char *w4 = getenv("SR_WINO4");
    int wino4 = !m->exact_tiles && !(w4 && !strcmp(w4, "0"));
    for (int i = 0; i < n; i++) {
        sr__layer *l = &m->layers[i];
        if (l->ops == &sr__layer_convolution)
            ((sr__conv *)l->p)->want_wino4 = wino4;
        sr_status s = l->ops->prepare ? l->ops->prepare(l, precision, err) : SR_OK;
        if (s)
            return s;
    }
    m->precision = precision;
    sr_status s = plan_layouts(m, err);
    if (!s)
        drop_file_weights(m);
    return s;
}

/* Scale of every blob relative to the input, receptive-field radius and tile alignment. */
static sr_status derive_geometry(sr_model *m, sr_error *err)
{
    double *radius = calloc((size_t)m->nblobs, sizeof *radius);
    if (!radius)
        return sr__err(err, SR_E_NOMEM, "model: out of memory");
    long align = 1;
    sr_status s = SR_OK;
    for (int i = 0; i < m->nlayers && !s; i++) {
        const sr__layer *l = &m->layers[i];
        /* Scale num 0 marks a blob with no spatial extent (c x 1 x 1, after global pooling):
         * it combines with a blob of any resolution. */
        sr__ratio sc = {l->n_in ? 0 : 1, 1};
        double r = 0;
        for (int k = 0; k < l->n_in; k++) {
            sr__ratio in = m->blob_scale[l->in[k]];
            if (in.num == 0)
                continue;
            if (sc.num && (in.num != sc.num || in.den != sc.den))
                s = sr__err(err, SR_E_UNSUPPORTED,
                            "line %d: layer %s: inputs at different resolutions", l->line, l->name);
            sc = in;
            r = fmax(r, radius[l->in[k]]);
        }
        if (l->ops->flags & SR_LF_INEXACT)
            m->exact_tiles = 0; /* whole-tile statistics; U-Net crops: tile as the references */
        if (l->ops->geometry) {
            l->ops->geometry(l, &sc, &r);
            sc = reduced(sc);
        }
        if (sc.num > 64 * sc.den || sc.den > 64)
            s = sr__err(err, SR_E_UNSUPPORTED, "line %d: layer %s: resolution out of range",
                        l->line, l->name);
        if (sc.num)
            align = align / gcd(align, sc.den) * sc.den;
        for (int k = 0; k < l->n_out; k++) {
            m->blob_scale[l->out[k]] = sc;
            radius[l->out[k]] = r;
        }
    }
    if (!s) {
        sr__ratio o = m->blob_scale[m->output_blob];
        if (o.den != 1 || o.num < 1 || o.num > 16)
            s = sr__err(err, SR_E_UNSUPPORTED, "model: output scale %ld/%ld (need a whole factor "
                        "1..16)", o.num, o.den);
        m->scale = (int)o.num;
        m->halo = (int)ceil(radius[m->output_blob] - 1e-9);
        /* Deep nets (RRDB: a receptive field of ~350 pixels) would need huge tiles to be exact;
         * they are tiled as the reference programs do (check_sizes). */
        if (m->halo > SR_MAX_EXACT_HALO)
            m->exact_tiles = 0;
        m->align = (int)align;
    }
    free(radius);
    return s;
}

int sr__model_shapes(const sr_model *m, int w, int h, sr__shape *shapes)
{
    for (int i = 0; i < m->nlayers; i++) {
        const sr__layer *l = &m->layers[i];
        sr__shape in[SR_MAX_IO], out[SR_MAX_IO];
        for (int k = 0; k < l->n_in; k++)
            in[k] = shapes[l->in[k]];
        if (l->ops->flags & SR_LF_INPUT)
            in[0] = (sr__shape){.c = 3, .h = h, .w = w};
        if (l->ops->shape(l, in, out))
            return i + 1;
        for (int k = 0; k < l->n_out; k++) {
            shapes[l->out[k]] = out[k];
            shapes[l->out[k]].blk = m->blob_blk[l->out[k]];
        }
    }
    return 0;
}

/* The reference program's pre-processing: Real-ESRGAN reflects 10 pixels; waifu2x clamps and
 * Real-CUGAN reflects exactly what their valid convolutions consume. Tiles that cannot be exact
 * overlap by the prepadding, as in the reference programs. srgan's own nets get none: they
 * were trained on crops whose edges are the convolutions' zero padding, and score higher on the
 * validation crops without the reflected border (x4 +0.791 dB against +0.782), at 0.86 times
 * the arithmetic on a 256x256 photo. */
static void set_family(sr_model *m, int family)
{
    m->family = family;
    m->border = family == SR_FAMILY_WAIFU2X ? SR_BORDER_REPLICATE : SR_BORDER_REFLECT;
    int reflect10 = family == SR_FAMILY_REALESRGAN || (family != SR_FAMILY_SRGAN && !m->shrink);
    m->prepad = reflect10 ? SR_REALESRGAN_PREPAD : 0;
    m->prepad = m->prepad > m->shrink ? m->prepad : m->shrink;
    if (!m->exact_tiles)
        m->halo = m->prepad;
}

/* Tiling needs every blob to be (input size) x (its scale) - (a constant): checked on two trial
 * sizes (blobs without spatial extent excepted). Networks of valid convolutions (waifu2x) lose a border: the output is S w - 2 S d for a
 * whole d, the shrink, which becomes the prepadding (replicated edges, as waifu2x-ncnn-vulkan
 * pads them), so the output is again exactly S w. */
static sr_status check_sizes(sr_model *m, sr_error *err)
{
    sr__shape *sh = malloc((size_t)m->nblobs * 2 * sizeof *sh);
    if (!sh)
        return sr__err(err, SR_E_NOMEM, "model: out of memory");
    sr_status s = SR_OK;
    int w[2] = {m->align * 24, m->align * 37}, h[2] = {m->align * 24, m->align * 29};
    for (int t = 0; t < 2 && !s; t++) {
        int bad = sr__model_shapes(m, w[t], h[t], sh + t * m->nblobs);
        if (bad) {
            const sr__layer *l = &m->layers[bad - 1];
            s = sr__err(err, SR_E_UNSUPPORTED,
                        "line %d: layer %s: inputs of incompatible sizes on a %dx%d input",
                        l->line, l->name, w[t], h[t]);
        }
    }
    for (int i = 0; i < m->nlayers && !s; i++) {
        const sr__layer *l = &m->layers[i];
        for (int k = 0; k < l->n_out && !s; k++) {
            sr__ratio r = m->blob_scale[l->out[k]];
            const sr__shape *a = &sh[l->out[k]], *b = &sh[m->nblobs + l->out[k]];
            if (r.num == 0)
                continue;
            if ((long)a->w * r.den - (long)w[0] * r.num != (long)b->w * r.den - (long)w[1] * r.num ||
                (long)a->h * r.den - (long)h[0] * r.num != (long)b->h * r.den - (long)h[1] * r.num)
                s = sr__err(err, SR_E_UNSUPPORTED,
                            "line %d: layer %s: output size is not the input size times a fixed "
                            "scale minus a fixed border", l->line, l->name);
        }
    }
    if (!s) {
        const sr__shape *o = &sh[m->output_blob];
        long dw = (long)w[0] * m->scale - o->w, dh = (long)h[0] * m->scale - o->h;
        if (dw != dh || dw < 0 || dw % (2 * m->scale))
            s = sr__err(err, SR_E_UNSUPPORTED,
                        "model: the output loses %ld x %ld pixels, not the same whole number of "
                        "input pixels on every side", dw, dh);
        m->shrink = (int)(dw / (2 * m->scale));
        /* Networks of valid convolutions are waifu2x's, unless the caller names Real-CUGAN;
         * `srgan train` names its nets' Input layer "srgan". */
        int ours = 0;
        for (int i = 0; i < m->nlayers; i++)
            ours |= (m->layers[i].ops->flags & SR_LF_INPUT) && !strcmp(m->layers[i].name, "srgan");
        set_family(m, m->shrink ? SR_FAMILY_WAIFU2X : ours ? SR_FAMILY_SRGAN : SR_FAMILY_REALESRGAN);
    }
    free(sh);
    return s;
}

static sr_status find_endpoints(sr_model *m, const sr__param *pp, int *consumers, sr_error *err)
{
    m->input_blob = m->output_blob = -1;
    for (int i = 0; i < pp->nlayers; i++) {
        for (int k = 0; k < pp->layers[i].n_in; k++)
            consumers[pp->layers[i].in[k]]++;
        if (strcmp(pp->layers[i].type, "Input") == 0 && pp->layers[i].n_out == 1)
            m->input_blob = pp->layers[i].out[0];
    }
    int unconsumed = -1, nunconsumed = 0;
    for (int b = 0; b < pp->nblobs; b++) {
        if (strcmp(pp->blobs[b], "output") == 0)
            m->output_blob = b;
        if (!consumers[b]) {
            unconsumed = b;
            nunconsumed++;
        }
    }
    if (m->output_blob < 0 && nunconsumed == 1)
        m->output_blob = unconsumed;
    if (m->input_blob < 0)
        return sr__err(err, SR_E_FORMAT, "param: no Input layer");
    if (m->output_blob < 0)
        return sr__err(err, SR_E_FORMAT, "param: no blob named 'output' and no single unconsumed "
                       "blob to use as the output");
    return SR_OK;
}

static sr_status apply_family(sr_model *m, const sr_model_params *p, sr_error *err);

sr_model_params sr_model_default_params(void)
{
    return (sr_model_params){.family = NULL, .precision = SR_PRECISION_FP32};
}

sr_status sr_model_load_memory(const char *param, size_t param_len, const void *bin, size_t bin_len,
                               const char *name, const sr_model_params *params, sr_model **out,
                               sr_error *err)
{
    *out = NULL;
    if (param_len > SR_MAX_PARAM_BYTES)
        return sr__err(err, SR_E_LIMIT, "param: larger than %u bytes", SR_MAX_PARAM_BYTES);
    sr__param pp;
    sr_status s = sr__param_parse(param, param_len, &pp, err);
    if (s)
        return s;
    sr_model *m = calloc(1, sizeof *m);
    int *consumers = calloc((size_t)pp.nblobs, sizeof *consumers);
    if (m) {
        m->layers = calloc((size_t)pp.nlayers, sizeof *m->layers);
        m->blob_c = calloc((size_t)pp.nblobs, sizeof *m->blob_c);
        m->blob_scale = calloc((size_t)pp.nblobs, sizeof *m->blob_scale);
        m->blob_blk = calloc((size_t)pp.nblobs, sizeof *m->blob_blk);
    }
    if (!m || !consumers || !m->layers || !m->blob_c || !m->blob_scale || !m->blob_blk) {
        s = sr__err(err, SR_E_NOMEM, "model: out of memory");
        goto done;
    }
    snprintf(m->name, sizeof m->name, "%s", name ? name : "model");
    m->nblobs = pp.nblobs;
    m->prepad = SR_REALESRGAN_PREPAD;
    m->exact_tiles = 1;
    s = find_endpoints(m, &pp, consumers, err);
    if (s)
        goto done;
    m->nlayers = pp.nlayers;
    sr_precision prec = params ? params->precision : SR_PRECISION_FP32;
    if (prec != SR_PRECISION_FP32 && !sr_precision_available(prec))
        s = sr__err(err, SR_E_UNSUPPORTED, "bf16 needs a CPU with AVX512_BF16 and the AVX-512 "
                    "kernel");
    if (!s)
        s = build_layers(m, &pp, bin, bin_len, err);
    if (!s) /* first: fusing relies on every blob's resolution, and changes none */
        s = derive_geometry(m, err);
    if (!s)
        s = fuse_and_prepare(m, consumers, prec, err);
    if (!s)
        s = check_sizes(m, err);
    if (!s && params)
        s = apply_family(m, params, err);
done:
    free(consumers);
    sr__param_free(&pp);
    if (s)
        sr_model_free(m);
    else
        *out = m;
    return s;
}

const char *sr_model_name(const sr_model *m) { return m->name; }
int sr_model_scale(const sr_model *m) { return m->scale; }
int sr_model_halo(const sr_model *m) { return m->halo; }

static const char *const family_names[] = {"realesrgan", "waifu2x", "realcugan", "srgan"};

const char *sr_model_family(const sr_model *m)
{
    return family_names[m->family];
}

static sr_status set_family_named(sr_model *m, const char *family, sr_error *err)
{
    int f = -1;
    for (int i = 0; i < (int)(sizeof family_names / sizeof *family_names); i++)
        if (!strcmp(family, family_names[i]))
            f = i;
    if (f < 0)
        return sr__err(err, SR_E_INVALID, "unknown model family '%s' (realesrgan, waifu2x, "
                       "realcugan or srgan)", family);
    set_family(m, f);
    return SR_OK;
}

int sr_precision_available(sr_precision p)
{
    if (p != SR_PRECISION_BF16)
        return p == SR_PRECISION_FP32;
#ifdef SR_HAVE_X86_KERNELS
    return sr__bf16_supported() && sr__conv_kernel_select() == &sr__conv_kernel_avx512;
#else
    return 0;
#endif
}

/* The family, applied before the model is returned (precision was, at packing): nothing
 * changes the model afterwards. */
static sr_status apply_family(sr_model *m, const sr_model_params *p, sr_error *err)
{
    return p->family ? set_family_named(m, p->family, err) : SR_OK;
}

sr_precision sr_model_precision(const sr_model *m) { return m->precision; }
int sr_model_exact_tiles(const sr_model *m) { return m->exact_tiles; }
int sr_model_alignment(const sr_model *m) { return m->align; }
int sr_model_default_tile(const sr_model *m)
{
    return m->family == SR_FAMILY_REALCUGAN ? 400 : SR_DEFAULT_TILE;
}
int sr_model_prepad(const sr_model *m) { return m->prepad; }
size_t sr_model_weight_bytes(const sr_model *m) { return m->weight_bytes; }

double sr_model_flops(const sr_model *m, int w, int h)
{
    sr__shape *sh = malloc((size_t)m->nblobs * sizeof *sh);
    double f = 0;
    if (sh && sr__model_shapes(m, w, h, sh) == 0)
        for (int i = 0; i < m->nlayers; i++) {
            const sr__layer *l = &m->layers[i];
            sr__shape in[SR_MAX_IO], out[SR_MAX_IO];
            for (int k = 0; k < l->n_in; k++)
                in[k] = sh[l->in[k]];
            for (int k = 0; k < l->n_out; k++)
                out[k] = sh[l->out[k]];
            f += l->ops->flops ? l->ops->flops(l, in, out) : 0;
        }
    free(sh);
    return f;
}
