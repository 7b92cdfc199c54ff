/* upscale.c - one image through the network, tile by tile.
 *
 * Coordinates are those of the image after the reflect padding (prepad P each side, as the
 * reference programs do). Tile cores partition that padded image; each tile's network input is
 * its core plus a halo of the receptive-field radius R, clipped to the padded image. Clipping
 * puts the tile's edge exactly where the image's edge is, so the layers' own zero padding falls
 * where it would untiled; elsewhere the halo covers every pixel the core depends on. Hence tiled
 * output equals untiled output bit for bit, whatever the tile size or the thread count.
 */
#include "runtime.h"

#include <math.h>
#include <omp.h>
#include <string.h>

typedef struct {
    int n;
    int b[1025]; /* core boundaries in padded coordinates, b[0] = 0, b[n] = padded size */
} axis_plan;

/* The padded axis: the image, `pad` each side, and on the far side up to align - 1 more pixels
 * (filled the same way) so that every layer of the net divides evenly, as the reference
 * programs grow the right/bottom padding of odd-sized tiles. */
static int padded_len(int len, int pad, int align)
{
    return (len + 2 * pad + align - 1) / align * align;
}

/* Splits one padded axis into cores of at most about `tile`. Exact nets get cores of equal
 * size (any split gives the same output); the others get the reference programs' split, cores
 * starting at pad + k tile, since their output depends on where tiles begin. */
static void plan_axis(int len, int pad, int tile, int align, int exact, axis_plan *a)
{
    int plen = padded_len(len, pad, align);
    int n = (len + tile - 1) / tile;
    if (n > 1024)
        n = 1024;
    a->n = 0;
    a->b[0] = 0;
    for (int i = 1; i < n; i++) {
        int b = exact ? (int)((pad + (long)i * len / n) / align * align) : pad + i * tile;
        if (b > a->b[a->n] && b < plen)
            a->b[++a->n] = b;
    }
    a->b[++a->n] = plen;
}

/* Index i of a padded axis of n pixels: mirrored (Real-ESRGAN) or clamped (waifu2x). */
static int border_index(int i, int n, int mode)
{
    if (mode == SR_BORDER_REPLICATE)
        return i < 0 ? 0 : i >= n ? n - 1 : i;
    if (n == 1)
        return 0;
    while (i < 0 || i >= n)
        i = i < 0 ? -i : 2 * (n - 1) - i;
    return i;
}

/* ncnn's conversion: trunc(v * 255 + 0.5), saturated. Clamped in float first, so huge values
 * and NaN (a diverging network) cannot overflow the int conversion. */
static uint8_t to_u8(float v)
{
    float t = v * 255.f + 0.5f;
    if (!(t >= 0.f))
        return 0;
    return t >= 255.f ? 255 : (uint8_t)(int)t;
}

/* Maps (u, v) in a w x h grid seen through transform t (bit 0 mirrors x, bit 1 mirrors y, bit 2
 * transposes) to the untransformed grid; w, h are the transformed grid's dimensions. */
static void untransform(int t, int u, int v, int w, int h, int *x, int *y)
{
    int a = t & 1 ? w - 1 - u : u, b = t & 2 ? h - 1 - v : v;
    *x = t & 4 ? b : a;
    *y = t & 4 ? a : b;
}

/* The network on the tile region [rx0,rx1) x [ry0,ry1) (padded coordinates), seen through
 * transform t, by the threads of the pass sl, each filling and reading its rows. Without acc, *res points
 * at the net's own output; with it, the output is added untransformed into acc (3 x oh x ow;
 * written, not added, for t = 0). */
static sr_status run_region(sr_net *net, const sr__pass *sl, const sr_model *m,
                            const sr_image *in, int rx0, int rx1, int ry0, int ry1, int t,
                            float *acc, const float **res, sr_error *err)
{
    int P = m->prepad, rw = rx1 - rx0, rh = ry1 - ry0;
    int tw = t & 4 ? rh : rw, th = t & 4 ? rw : rh;
    float *x = sr__net_input(net);
    int gray = in->c < 3;
    for (int v = sl->ith; v < th; v += sl->nth)
        for (int u = 0; u < tw; u++) {
            int xx, yy;
            untransform(t, u, v, tw, th, &xx, &yy);
            const uint8_t *px =
                in->data + ((size_t)border_index(ry0 + yy - P, in->h, m->border) * in->w +
                            border_index(rx0 + xx - P, in->w, m->border)) * in->c;
            for (int c = 0; c < 3; c++)
                x[((size_t)c * th + v) * tw + u] = px[gray ? 0 : c] / 255.f;
        }
    /* Where the transformed region starts in the transformed padded image. */
    int pw = padded_len(in->w, P, m->align), ph = padded_len(in->h, P, m->align);
    int ux0 = t & 4 ? ry0 : rx0, ux1 = t & 4 ? ry1 : rx1, un = t & 4 ? ph : pw;
    int vy0 = t & 4 ? rx0 : ry0, vy1 = t & 4 ? rx1 : ry1, vn = t & 4 ? pw : ph;
    const float *o;
    sr__shape os;
    sr_status s = sr__net_forward(net, sl, tw, th, t & 1 ? un - ux1 : ux0,
                                  t & 2 ? vn - vy1 : vy0, &o, &os, err);
    if (s || !acc) {
        *res = o;
        return s;
    }
    int ow = t & 4 ? os.h : os.w, oh = t & 4 ? os.w : os.h;
    size_t opl = (size_t)os.w * os.h;
    for (int v = sl->ith; v < os.h; v += sl->nth)
        for (int u = 0; u < os.w; u++) {
            int X, Y;
            untransform(t, u, v, os.w, os.h, &X, &Y);
            for (int c = 0; c < 3; c++) {
                float val = o[c * opl + (size_t)v * os.w + u];
                float *d = &acc[((size_t)c * oh + Y) * ow + X];
                *d = t ? *d + val : val;
            }
        }
    sr__sync(sl->nth); /* acc is whole; the net's buffers may be overwritten */
    return SR_OK;
}

/* A tile's region: its core [c[0],c[1]) x [c[2],c[3]) (padded coordinates) with the halo each
 * side, clipped to the padded image: r[4] as the core; *osw x *osh: the net's output for it. */
static void tile_region(const sr_model *m, const sr_image *in, const int *c, int *r, int *osw,
                        int *osh)
{
    int R = (m->halo + m->align - 1) / m->align * m->align;
    int pw = padded_len(in->w, m->prepad, m->align), ph = padded_len(in->h, m->prepad, m->align);
    r[0] = c[0] - R > 0 ? c[0] - R : 0, r[1] = c[1] + R < pw ? c[1] + R : pw;
    r[2] = c[2] - R > 0 ? c[2] - R : 0, r[3] = c[3] + R < ph ? c[3] + R : ph;
    /* The net's output starts `shrink` input pixels inside the region it was given. */
    *osw = (r[1] - r[0] - 2 * m->shrink) * m->scale, *osh = (r[3] - r[2] - 2 * m->shrink) * m->scale;
}

/* Runs one tile, core c[4] as tile_region's, by the threads of sl; with tta, the average of the
 * network over the 8 flips and transposes of the tile (summed in a fixed order) in acc, which
 * holds 3 x the tile's output. */
static sr_status run_tile(sr_net *net, const sr__pass *sl, const sr_model *m, const sr_image *in,
                          sr_image *out, const int *c, float *acc, sr_error *err)
{
    int P = m->prepad, S = m->scale, rg[4], osw, osh;
    tile_region(m, in, c, rg, &osw, &osh);
    const float *res = acc;
    sr_status s = SR_OK;
    for (int t = 0; t < (acc ? 8 : 1) && !s; t++)
        s = run_region(net, sl, m, in, rg[0], rg[1], rg[2], rg[3], t, acc, &res, err);
    if (s)
        return s;
    int rx0 = rg[0], ry0 = rg[2], cx0 = c[0], cx1 = c[1], cy0 = c[2], cy1 = c[3];
    int sx0 = (rx0 + m->shrink) * S, sy0 = (ry0 + m->shrink) * S;
    float k = acc ? 1.f / 8 : 1.f;
    /* Paste the core, minus the padding, into the output image. */
    int ox0 = (cx0 > P ? cx0 : P) * S, ox1 = (cx1 < in->w + P ? cx1 : in->w + P) * S;
    int oy0 = (cy0 > P ? cy0 : P) * S, oy1 = (cy1 < in->h + P ? cy1 : in->h + P) * S;
    size_t opl = (size_t)osh * osw;
    int gray = in->c < 3;
    for (int Y = oy0 + sl->ith; Y < oy1; Y += sl->nth) {
        /* the first pasted pixel of this row, in the net's output and in the image */
        const float *r = res + (size_t)(Y - sy0) * osw + (size_t)(ox0 - sx0);
        uint8_t *dp = out->data + ((size_t)(Y - P * S) * out->w + (size_t)(ox0 - P * S)) * out->c;
        for (int x = 0; x < ox1 - ox0; x++, dp += out->c) {
            if (gray) {
                dp[0] = to_u8((r[x] * k + r[opl + x] * k + r[2 * opl + x] * k) / 3.f);
            } else {
                dp[0] = to_u8(r[x] * k);
                dp[1] = to_u8(r[opl + x] * k);
                dp[2] = to_u8(r[2 * opl + x] * k);
            }
        }
    }
    sr__sync(sl->nth); /* pasted: the next tile may overwrite the net's buffers */
    return SR_OK;
}

/* Real-CUGAN on an image larger than one tile: every tile gets the same squeeze-and-excitation
 * statistics, made as realcugan-ncnn-vulkan's default sync-gap mode 3 makes them: the global
 * average pools of 32x32 sample tiles (every third tile of a 32-pixel grid, whole triples
 * only, each with the prepadding around it; with tta, each of its 8 transforms), summed in
 * grid order and divided by their number. *nsamples is 0 when the image is too small on a
 * side for a triple (under 96 pixels), and tiles keep their own statistics. */
#define SE_GRID 32

static sr_status se_statistics(const sr_model *m, sr_net *const *nets, int nnets,
                               const sr_image *in, int tta, float *stats, int *nsamples,
                               sr_error *err)
{
    int P = m->prepad, T = tta ? 8 : 1;
    int xt = (in->w + SE_GRID - 1) / SE_GRID, yt = (in->h + SE_GRID - 1) / SE_GRID;
    int nx = xt >= 3 ? xt / 3 : 0, ny = yt >= 3 ? yt / 3 : 0, n = nx * ny * T;
    size_t len = sr__net_stats_len(nets[0]);
    *nsamples = n;
    if (!n)
        return SR_OK;
    float *all = malloc((size_t)n * len * sizeof(float));
    if (!all)
        return sr__err(err, SR_E_NOMEM, "upscale: out of memory for Real-CUGAN's statistics");
    sr_status s = SR_OK;
    int failed = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nnets) if (nnets > 1)
    for (int k = 0; k < n; k++) {
        sr_net *net = nets[omp_get_thread_num()];
        int cell = k / T, x0 = cell % nx * 3 * SE_GRID, y0 = cell / nx * 3 * SE_GRID;
        const float *res;
        sr_error e;
        /* padded coordinates: the sample's pixels x0 .. x0 + 31 plus P each side */
        const sr__pass alone = {0, 1, sr__net_own(net), SR_STATS_SAVE, all + (size_t)k * len};
        sr_status ks = run_region(net, &alone, m, in, x0, x0 + SE_GRID + 2 * P, y0,
                                  y0 + SE_GRID + 2 * P, k % T, NULL, &res, &e);
        if (ks) {
#pragma omp critical(sr_se_error)
            if (!failed++) {
                s = ks;
                if (err)
                    *err = e;
            }
        }
    }
    for (size_t j = 0; j < len; j++)
        stats[j] = 0.f;
    for (int k = 0; k < n && !s; k++)
        for (size_t j = 0; j < len; j++)
            stats[j] += all[(size_t)k * len + j];
    for (size_t j = 0; j < len; j++)
        stats[j] /= (float)n;
    free(all);
    return s;
}

/* Alpha (or nothing) for the output: bicubic from the input's alpha channel. */
static sr_status upscale_alpha(const sr_image *in, sr_image *out, sr_error *err)
{
    if (in->c != 2 && in->c != 4)
        return SR_OK;
    sr_image a = {0}, big = {0};
    sr_status s = sr_image_alloc(&a, in->w, in->h, 1, err);
    for (size_t i = 0; !s && i < (size_t)in->w * in->h; i++)
        a.data[i] = in->data[i * in->c + in->c - 1];
    if (!s)
        s = sr_image_resize(&a, out->w, out->h, &big, err);
    for (size_t i = 0; !s && i < (size_t)out->w * out->h; i++)
        out->data[i * out->c + out->c - 1] = big.data[i];
    sr_image_free(&a);
    sr_image_free(&big);
    return s;
}

/* The network's output resized to `factor` times the input, when that is not the model's own
 * scale: MATLAB-style bicubic, antialiased when it shrinks (as Upscayl does with other scales). */
static sr_status to_factor(const sr_image *in, int factor, sr_image *out, sr_error *err)
{
    sr_image big = *out, small = {0};
    sr_status s = sr_image_imresize(&big, in->w * factor, in->h * factor, &small, err);
    sr_image_free(&big);
    *out = small;
    return s;
}

/* The tiles of one image run one after another, every thread inside each (tiles_in_turn). */
typedef struct {
    const sr_model *m;
    sr_net *const *nets;
    const sr_upscale_params *p;
    const sr_image *in;
    sr_image *out;
    const axis_plan *ax, *ay;
    float *acc;   /* --tta's sum, in nets[0], big enough for every tile */
    float *stats; /* the whole image's statistics for every tile, or NULL */
    sr_status status; /* the first failure, as thread 0 saw it (all see the same) */
    sr_error err;
} tile_job;

static sr_status tta_buffer(tile_job *j, sr_error *err)
{
    size_t most = 0;
    for (int t = 0; t < j->ax->n * j->ay->n; t++) {
        int c[4] = {j->ax->b[t % j->ax->n], j->ax->b[t % j->ax->n + 1], j->ay->b[t / j->ax->n],
                    j->ay->b[t / j->ax->n + 1]};
        int r[4], osw, osh;
        tile_region(j->m, j->in, c, r, &osw, &osh);
        most = (size_t)3 * osw * osh > most ? (size_t)3 * osw * osh : most;
    }
    j->acc = sr__net_acc(j->nets[0], most);
    return j->acc ? SR_OK : sr__err(err, SR_E_NOMEM, "upscale: out of memory for --tta");
}

/* Thread ith of nth: its slice of every tile, on runner 0's buffers and its own scratch. */
static void tiles_in_turn(tile_job *j, int ith, int nth)
{
    const sr__pass sl = {ith, nth, sr__net_own(j->nets[ith]), j->stats ? SR_STATS_USE : SR_STATS_OWN,
                         j->stats};
    int ntiles = j->ax->n * j->ay->n;
    sr_error e;
    sr_status s = SR_OK;
    for (int t = 0; t < ntiles && !s; t++) {
        int c[4] = {j->ax->b[t % j->ax->n], j->ax->b[t % j->ax->n + 1], j->ay->b[t / j->ax->n],
                    j->ay->b[t / j->ax->n + 1]};
        s = run_tile(j->nets[0], &sl, j->m, j->in, j->out, c, j->acc, &e);
        if (!s && ith == 0 && j->p && j->p->on_tile)
            j->p->on_tile(j->p->tile_ctx, t + 1, ntiles);
    }
    if (ith == 0 && s) {
        j->status = s;
        j->err = e;
    }
}

sr_status sr_upscale_image_with(const sr_model *m, sr_net *const *nets, int nnets,
                                const sr_upscale_params *p, const sr_image *in, sr_image *out,
                                sr_error *err)
{
    memset(out, 0, sizeof *out);
    int tta = p && p->tta, factor = p && p->scale ? p->scale : m->scale;
    if (factor < 1 || factor > 16)
        return sr__err(err, SR_E_INVALID, "upscale: scale %d outside 1..16", factor);
    if (!in->data || in->w < 1 || in->h < 1 || in->c < 1 || in->c > 4 || nnets < 1)
        return sr__err(err, SR_E_INVALID, "upscale: invalid image or runner count");
    int S = m->scale;
    if ((long)in->w * S > 1 << 20 || (long)in->h * S > 1 << 20)
        return sr__err(err, SR_E_LIMIT, "upscale: output of %ldx%ld is too large",
                       (long)in->w * S, (long)in->h * S);
    sr_status s = SR_OK;
    for (int i = 0; i < nnets && !s; i++)
        s = sr__net_bind(nets[i], m, err);
    if (!s)
        s = sr_image_alloc(out, in->w * S, in->h * S, in->c, err);
    if (s)
        return s;
    int tile = sr_net_tile(nets[0]);
    axis_plan ax, ay;
    plan_axis(in->w, m->prepad, tile, m->align, m->exact_tiles, &ax);
    plan_axis(in->h, m->prepad, tile, m->align, m->exact_tiles, &ay);
    int ntiles = ax.n * ay.n;
    int failed = 0;
    float *stats = NULL; /* the whole image's, for every tile's pass; NULL: each tile's own */
    size_t plen = sr__net_stats_len(nets[0]);
    if (m->family == SR_FAMILY_REALCUGAN && ntiles > 1 && plen) {
        int nsamples = 0;
        stats = malloc(plen * sizeof(float));
        s = stats ? se_statistics(m, nets, nnets, in, tta, stats, &nsamples, err)
                  : sr__err(err, SR_E_NOMEM, "upscale: out of memory");
        if (!nsamples) {
            free(stats);
            stats = NULL;
        }
    }
    /* Threads share tiles when there are plenty; otherwise (a small image, a net tiled like
     * its reference program) the tiles go one after another with every thread inside each
     * layer. Smaller tiles would go round too, but each tile recomputes its halo: on a 256x256
     * image a compact net's 128-pixel tiles cost 1.6x the arithmetic of one whole tile. */
    int in_turn = nnets == 1 || ntiles < 2 * nnets || (ntiles % nnets && ntiles < 4 * nnets);
    int tiles_done = 0;
    if (in_turn && !s) {
        tile_job job = {.m = m, .nets = nets, .p = p, .in = in, .out = out, .ax = &ax, .ay = &ay,
                        .stats = stats};
        if (tta)
            s = tta_buffer(&job, err);
        if (!s && nnets == 1)
            tiles_in_turn(&job, 0, 1);
        else if (!s) {
#pragma omp parallel num_threads(nnets)
            tiles_in_turn(&job, omp_get_thread_num(), omp_get_num_threads());
        }
        if (!s && job.status && err)
            *err = job.err;
        s = s ? s : job.status;
    } else if (!s) {
        sr_error terr = {0};
#pragma omp parallel for schedule(dynamic, 1) num_threads(nnets)
        for (int t = 0; t < ntiles; t++) {
            sr_error e;
            sr_net *net = nets[omp_get_thread_num()];
            const sr__pass alone = {0, 1, sr__net_own(net), stats ? SR_STATS_USE : SR_STATS_OWN,
                                    stats};
            int c[4] = {ax.b[t % ax.n], ax.b[t % ax.n + 1], ay.b[t / ax.n], ay.b[t / ax.n + 1]};
            float *acc = NULL;
            if (tta) {
                int r[4], osw, osh;
                tile_region(m, in, c, r, &osw, &osh);
                acc = sr__net_acc(net, (size_t)3 * osw * osh);
            }
            sr_status ts = tta && !acc ? sr__err(&e, SR_E_NOMEM, "upscale: out of memory for --tta")
                                       : run_tile(net, &alone, m, in, out, c, acc, &e);
            if (!ts && p && p->on_tile) {
                int d;
#pragma omp atomic capture
                d = ++tiles_done;
                p->on_tile(p->tile_ctx, d, ntiles);
            }
            if (ts) {
                int first;
#pragma omp atomic capture
                first = failed++;
                if (!first) {
                    terr = e;
                    s = ts;
                }
            }
        }
        if (failed && err)
            *err = terr;
    }
    free(stats);
    if (!s)
        s = upscale_alpha(in, out, err);
    if (!s && factor != S)
        s = to_factor(in, factor, out, err);
    if (!s)
        s = sr_image_copy_icc(out, in, err); /* same colours, same profile */
    if (s)
        sr_image_free(out);
    return s;
}

sr_upscale_params sr_upscale_default_params(void)
{
    return (sr_upscale_params){.tile = 0, .nthreads = 0};
}

sr_status sr_upscale_image(const sr_model *m, const sr_upscale_params *p, const sr_image *in,
                           sr_image *out, sr_error *err)
{
    int n = p->nthreads > 0 ? p->nthreads : omp_get_max_threads();
    sr_net **nets = calloc((size_t)n, sizeof *nets);
    if (!nets)
        return sr__err(err, SR_E_NOMEM, "upscale: out of memory");
    sr_status s = SR_OK;
    for (int i = 0; i < n && !s; i++)
        s = sr_net_create(m, p->tile, &nets[i], err);
    if (!s)
        s = sr_upscale_image_with(m, nets, n, p, in, out, err);
    for (int i = 0; i < n; i++)
        sr_net_free(nets[i]);
    free(nets);
    return s;
}

sr_status sr_upscale_images(const sr_model *m, sr_net *const *nets, int nnets,
                            const sr_upscale_params *p, const sr_image *in, sr_image *out, int n,
                            sr_status *status, sr_error *errs)
{
    sr_upscale_params one = p ? *p : sr_upscale_default_params();
    one.on_tile = NULL; /* images, not tiles, are the unit of progress here */
    /* One image per thread at a time, each thread with its runner; results by index, so the
     * output does not depend on which thread ran which image. */
    if (nnets > 1 && n > 1) {
#pragma omp parallel for schedule(dynamic, 1) num_threads(nnets)
        for (int i = 0; i < n; i++)
            status[i] = sr_upscale_image_with(m, &nets[omp_get_thread_num()], 1, &one, &in[i],
                                              &out[i], &errs[i]);
    } else {
        for (int i = 0; i < n; i++)
            status[i] = sr_upscale_image_with(m, nets, nnets, &one, &in[i], &out[i], &errs[i]);
    }
    for (int i = 0; i < n; i++)
        if (status[i])
            return status[i];
    return SR_OK;
}
