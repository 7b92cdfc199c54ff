/* batch.c - a folder of images: list, check, then fan out over threads.
 *
 * Threads: with at least as many images as threads, one OpenMP loop hands out whole images
 * (schedule(dynamic,1)), each thread with its own runner. With fewer images than threads (one
 * big photo), images go one at a time and the threads share each image's tiles instead. Only
 * one of the two parallel regions is ever active.
 */
#include "runtime.h"

#include <errno.h>
#include <math.h>
#include <omp.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static char *output_path(const char *out_dir, const char *rel, sr_format fmt)
{
    const char *dot = strrchr(rel, '.');
    size_t stem = dot ? (size_t)(dot - rel) : strlen(rel);
    char *name = malloc(stem + 8);
    if (!name)
        return NULL;
    memcpy(name, rel, stem);
    snprintf(name + stem, 8, ".%s", sr_format_ext(fmt));
    char *p = sr__join(out_dir, name);
    free(name);
    return p;
}

typedef struct {
    const char *path;
    int idx;
} named;

static int cmp_named(const void *a, const void *b)
{
    const named *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    return c ? c : x->idx - y->idx;
}

typedef struct {
    dev_t dev;
    ino_t ino;
    int idx;
} file_id;

static int cmp_id(const void *a, const void *b)
{
    const file_id *x = a, *y = b;
    if (x->dev != y->dev)
        return x->dev < y->dev ? -1 : 1;
    return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* Two inputs mapping to one output, or an output that is an existing input, stop the batch. */
static sr_status check_collisions(const sr_batch_result *r, sr_error *err)
{
    named *v = malloc((size_t)r->nfiles * sizeof *v + 1);
    if (!v)
        return sr__err(err, SR_E_NOMEM, "out of memory");
    for (int i = 0; i < r->nfiles; i++)
        v[i] = (named){r->files[i].output, i};
    qsort(v, (size_t)r->nfiles, sizeof *v, cmp_named);
    sr_status s = SR_OK;
    for (int i = 1; i < r->nfiles && !s; i++)
        if (strcmp(v[i].path, v[i - 1].path) == 0)
            s = sr__err(err, SR_E_INVALID, "%s and %s would both be written to %s",
                        r->files[v[i - 1].idx].input, r->files[v[i].idx].input, v[i].path);
    free(v);
    /* Inputs by (device, inode), so each existing output is one binary search, not a scan. */
    file_id *ids = malloc((size_t)r->nfiles * sizeof *ids + 1);
    if (!ids)
        return s ? s : sr__err(err, SR_E_NOMEM, "out of memory");
    int nids = 0;
    struct stat st;
    for (int i = 0; i < r->nfiles && !s; i++)
        if (stat(r->files[i].input, &st) == 0)
            ids[nids++] = (file_id){st.st_dev, st.st_ino, i};
    qsort(ids, (size_t)nids, sizeof *ids, cmp_id);
    for (int i = 0; i < r->nfiles && !s; i++) {
        if (stat(r->files[i].output, &st) != 0)
            continue;
        file_id key = {st.st_dev, st.st_ino, 0};
        const file_id *hit = bsearch(&key, ids, (size_t)nids, sizeof *ids, cmp_id);
        if (hit)
            s = sr__err_at(err, SR_E_INVALID, r->files[i].output, "output would overwrite the input %s", r->files[hit->idx].input);
    }
    free(ids);
    return s;
}

static sr_status mkdir_parent(const char *path, sr_error *err)
{
    char buf[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        return SR_OK;
    size_t n = (size_t)(slash - path);
    if (n == 0 || n >= sizeof buf)
        return n == 0 ? SR_OK : sr__err_at(err, SR_E_INVALID, path, "path too long");
    memcpy(buf, path, n);
    buf[n] = 0;
    if (sr__mkdirs(buf))
        return sr__err_at(err, SR_E_IO, buf, "cannot create folder: %s", strerror(errno));
    return SR_OK;
}

/* Progress within the files in flight: each thread owns its slot (the permille of its current
 * image's tiles done); any thread may read them all to report. */
typedef struct {
    const sr_batch_params *p;
    int *permille; /* one per thread */
    int nslots;
    int *done;     /* files finished */
    int total;
} work;

typedef struct {
    work *w;
    int slot;
} tile_ctx;

static void report_work(work *w)
{
    if (!w->p->on_progress)
        return;
    double d = __atomic_load_n(w->done, __ATOMIC_RELAXED);
    for (int i = 0; i < w->nslots; i++)
        d += __atomic_load_n(&w->permille[i], __ATOMIC_RELAXED) / 1000.0;
    w->p->on_progress(w->p->ctx, d, w->total);
}

static void on_tile(void *ctx, int done, int total)
{
    tile_ctx *t = ctx;
    __atomic_store_n(&t->w->permille[t->slot], (int)(1000.0 * done / total), __ATOMIC_RELAXED);
    report_work(t->w);
}

static void process_file(const sr_model *m, sr_net *const *nets, int nnets,
                         const sr_batch_params *p, sr_file_result *f, tile_ctx *tc)
{
    double t0 = sr__now();
    sr_image in = {0}, out = {0};
    sr_error e;
    sr_status s = sr_image_load(f->input, p->max_pixels, &in, &e);
    if (!s) {
        f->in_w = in.w;
        f->in_h = in.h;
        sr_upscale_params up = {.tta = p->tta, .scale = p->scale, .on_tile = on_tile,
                                .tile_ctx = tc};
        s = sr_upscale_image_with(m, nets, nnets, &up, &in, &out, &e);
    }
    if (!s) {
        f->out_w = out.w;
        f->out_h = out.h;
        s = mkdir_parent(f->output, &e);
    }
    if (!s)
        s = sr_image_save_threads(f->output, &out, p->format, p->quality, nnets, &e);
    sr_image_free(&in);
    sr_image_free(&out);
    f->seconds = sr__now() - t0;
    f->status = s ? SR_FILE_FAILED : SR_FILE_OK;
    __atomic_store_n(&tc->w->permille[tc->slot], 0, __ATOMIC_RELAXED); /* counted as done next */
    if (s) {
        /* Every failure line names the input file, whichever stage failed: the reason alone
         * when the error is about the input itself. */
        snprintf(f->error, sizeof f->error, "%s", strcmp(e.subject, f->input) ? e.msg : e.reason);
    }
}

static void keep_shard(sr_batch_result *r, int index, int count)
{
    int k = 0;
    for (int i = 0; i < r->nfiles; i++) {
        if (i % count == index) {
            r->files[k++] = r->files[i];
        } else {
            free(r->files[i].input);
            free(r->files[i].output);
        }
    }
    r->nfiles = k;
}

#define LEVELS 21 /* denoise strengths 0, 0.05, ..., 1 */

/* Each file's strength, from its JPEG quality or the fixed one, and the blends those need:
 * made here, before any image is upscaled, once each, then shared read-only by the threads. */
static sr_status plan_denoise(const sr_model *m, const sr_batch_params *p, sr_batch_result *res,
                              const int *todo, int ntodo, sr_model *blends[LEVELS], sr_error *err)
{
    int twin = sr_model_has_denoise(m);
    if (p->denoise != SR_DENOISE_AUTO && !(p->denoise >= 0 && p->denoise <= 1))
        return sr__err(err, SR_E_INVALID, "denoise strength %g: want 0 to 1", p->denoise);
    sr_status s = SR_OK;
    for (int k = 0; k < ntodo && !s; k++) {
        sr_file_result *f = &res->files[todo[k]];
        f->jpeg_quality = sr_jpeg_file_quality(f->input);
        float st = p->denoise == SR_DENOISE_AUTO ? sr_denoise_strength(f->jpeg_quality) : p->denoise;
        int level = twin ? (int)lrintf(st * (LEVELS - 1)) : 0;
        f->denoise = (float)level / (LEVELS - 1);
        if (level && !blends[level])
            s = sr_model_denoise(m, f->denoise, &blends[level], err);
    }
    return s;
}

static const sr_model *model_for(const sr_model *m, sr_model *const blends[LEVELS],
                                 const sr_file_result *f)
{
    int level = (int)lrintf(f->denoise * (LEVELS - 1));
    return level ? blends[level] : m;
}

static int stop_requested(const sr_batch_params *p)
{
    return p->stop && *p->stop;
}

sr_batch_params sr_batch_default_params(void)
{
    return (sr_batch_params){.threads = 0,
                             .tile = 0,
                             .format = SR_FMT_PNG,
                             .quality = 95,
                             .denoise = SR_DENOISE_AUTO,
                             .max_pixels = SR_DEFAULT_MAX_PIXELS};
}

static sr_status prepare(const sr_batch_params *p, sr_batch_result *res, sr_error *err)
{
    sr__strlist rel = {0};
    sr_status s = sr__list_images(p->in_dir, p->recursive, &rel, err);
    if (!s) {
        res->files = calloc((size_t)rel.n + 1, sizeof *res->files);
        if (!res->files)
            s = sr__err(err, SR_E_NOMEM, "out of memory");
    }
    for (int i = 0; !s && i < rel.n; i++) {
        sr_file_result *f = &res->files[i];
        f->input = sr__join(p->in_dir, rel.v[i]);
        f->output = output_path(p->out_dir, rel.v[i], p->format);
        res->nfiles = i + 1;
        if (!f->input || !f->output)
            s = sr__err(err, SR_E_NOMEM, "out of memory");
    }
    sr__strlist_free(&rel);
    if (!s)
        s = check_collisions(res, err); /* over every file, so all shards agree */
    if (!s && p->shard_count > 0)
        keep_shard(res, p->shard_index, p->shard_count);
    return s;
}

sr_status sr_batch_run(const sr_model *m, const sr_batch_params *p, sr_batch_result *res,
                       sr_error *err)
{
    memset(res, 0, sizeof *res);
    int T = p->threads > 0 ? p->threads : omp_get_max_threads();
    res->threads = T;
    if (p->shard_count < 0 || (p->shard_count > 0 && (p->shard_index < 0 ||
                                                      p->shard_index >= p->shard_count)))
        return sr__err(err, SR_E_INVALID, "shard %d/%d: need 0 <= K < N", p->shard_index,
                       p->shard_count);
    sr_status s = prepare(p, res, err);
    if (s)
        return s;
    int *todo = malloc(((size_t)res->nfiles + 1) * sizeof *todo), ntodo = 0;
    if (!todo)
        return sr__err(err, SR_E_NOMEM, "out of memory");
    for (int i = 0; i < res->nfiles; i++) {
        struct stat st;
        if (!p->force && stat(res->files[i].output, &st) == 0) {
            res->files[i].status = SR_FILE_SKIPPED;
        } else {
            res->files[i].status = SR_FILE_PENDING;
            todo[ntodo++] = i;
        }
    }
    if (ntodo > 0 && sr__mkdirs(p->out_dir) != 0) {
        free(todo);
        return sr__err_at(err, SR_E_IO, p->out_dir, "cannot create the output folder: %s",
                       strerror(errno));
    }
    /* Nothing could be written: say so once instead of failing every file. */
    if (ntodo > 0 && access(p->out_dir, W_OK | X_OK) != 0) {
        free(todo);
        return sr__err_at(err, SR_E_IO, p->out_dir, "output folder is not writable: %s",
                       strerror(errno));
    }
    sr_model *blends[LEVELS] = {0};
    s = plan_denoise(m, p, res, todo, ntodo, blends, err);
    /* Runners: one per thread that will ever run at once, created before any image is read;
     * every blend has m's graph, so the same runners serve them all. */
    int nnets = ntodo > 0 ? T : 0;
    sr_net **nets = s ? NULL : calloc((size_t)nnets + 1, sizeof *nets);
    if (!s && !nets)
        s = sr__err(err, SR_E_NOMEM, "out of memory");
    for (int i = 0; !s && i < nnets; i++)
        s = sr_net_create(m, p->tile, &nets[i], err);
    int done = 0, failed = 0;
    int *permille = s ? NULL : calloc((size_t)T, sizeof *permille);
    if (!s && !permille)
        s = sr__err(err, SR_E_NOMEM, "out of memory");
    work w = {p, permille, T, &done, ntodo};
    double t0 = sr__now();
    if (!s && ntodo >= T && T > 1) {
#pragma omp parallel for schedule(dynamic, 1) num_threads(T)
        for (int k = 0; k < ntodo; k++) {
            if (stop_requested(p))
                continue; /* OpenMP loops cannot break; the rest stay pending */
            sr_file_result *f = &res->files[todo[k]];
            tile_ctx tc = {&w, omp_get_thread_num()};
            process_file(model_for(m, blends, f), &nets[tc.slot], 1, p, f, &tc);
            int d, fl = 0;
#pragma omp atomic capture
            d = ++done;
            if (f->status == SR_FILE_FAILED) {
#pragma omp atomic capture
                fl = ++failed;
            } else {
#pragma omp atomic read
                fl = failed;
            }
            if (p->on_file)
                p->on_file(p->ctx, f, d, fl, ntodo);
            report_work(&w);
        }
    } else if (!s) {
        for (int k = 0; k < ntodo && !stop_requested(p); k++) {
            sr_file_result *f = &res->files[todo[k]];
            tile_ctx tc = {&w, 0};
            process_file(model_for(m, blends, f), nets, nnets, p, f, &tc);
            __atomic_store_n(&done, done + 1, __ATOMIC_RELAXED);
            failed += f->status == SR_FILE_FAILED;
            if (p->on_file)
                p->on_file(p->ctx, f, done, failed, ntodo);
            report_work(&w);
        }
    }
    res->seconds = sr__now() - t0;
    for (int i = 0; nets && i < nnets; i++)
        sr_net_free(nets[i]);
    free(nets);
    free(todo);
    free(permille);
    for (int i = 0; i < LEVELS; i++)
        sr_model_free(blends[i]);
    for (int i = 0; i < res->nfiles; i++) {
        const sr_file_result *f = &res->files[i];
        res->ok += f->status == SR_FILE_OK;
        res->failed += f->status == SR_FILE_FAILED;
        res->skipped += f->status == SR_FILE_SKIPPED;
        res->pending += f->status == SR_FILE_PENDING;
        res->stopped |= f->status == SR_FILE_PENDING && stop_requested(p);
        if (f->status == SR_FILE_OK)
            res->in_megapixels += (double)f->in_w * f->in_h / 1e6;
    }
    return s;
}

void sr_batch_result_free(sr_batch_result *res)
{
    if (!res)
        return;
    for (int i = 0; res->files && i < res->nfiles; i++) {
        free(res->files[i].input);
        free(res->files[i].output);
    }
    free(res->files);
    memset(res, 0, sizeof *res);
}
