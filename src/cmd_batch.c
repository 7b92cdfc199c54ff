/* cmd_batch.c - `srgan batch IN_DIR OUT_DIR`, `srgan upscale IN OUT` and `srgan resize IN OUT`
 * (bicubic, the baseline): options, then the library's batch engine or single-image path. */
#include "cli.h"
#include "internal.h"

#include <omp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    const char *pos[2];
    int npos;
    const char *model, *report, *family;
    int scale, threads, sequential, tile, quality, force, recursive, quiet, verbose, tta, noise;
    int bf16;
    float denoise; /* SR_DENOISE_AUTO or 0..1 */
    int format_set, shard_index, shard_count;
    sr_format format;
    uint64_t max_pixels;
} options;

static const char *const option_help =
    "  --scale N            output size factor 1-16 (default: the model's, 4 for the embedded\n"
    "                       default); factors the model lacks resize its output (bicubic)\n"
    "  --model NAME|FILE    embedded model name (see 'srgan models') or an ncnn .param file\n"
    "  --noise N            with --model FOLDER: the model for denoise level 0-3 (waifu2x,\n"
    "                       Real-CUGAN; default: the conservative / no-denoise one)\n"
    "  --family NAME        pre-processing of realesrgan, waifu2x or realcugan (default:\n"
    "                       detected from the model)\n"
    "  --threads N          worker threads (default: all cores, or OMP_NUM_THREADS)\n"
    "  --sequential         one thread, one runner (not with --threads)\n"
    "  --tile PX            largest tile side in input pixels (default 256, Real-CUGAN 400;\n"
    "                       output is identical for any value where the model allows it,\n"
    "                       memory per thread grows with it)\n"
    "  --format FMT         png, jpg, bmp, tga, webp (lossy) or webp-lossless (batch default\n"
    "                       png; upscale: OUT's extension)\n"
    "  --quality Q          JPEG and lossy WebP quality 1-100 (default 95)\n"
    "  --precision P        fp32 (default) or bf16: the 3x3 convolutions' multiplies in\n"
    "                       bfloat16, ~1.5x faster, output within 45 dB PSNR of fp32 (CPUs\n"
    "                       with AVX512_BF16 only)\n"
    "  --denoise auto|S     strength 0-1 of JPEG artefact removal (models with a JPEG twin:\n"
    "                       the embedded photo models). auto (default): from each JPEG's own\n"
    "                       quantisation tables (quality 95 -> ~0, 75 -> ~1); other formats 0\n"
    "  --tta                average the network over the 8 flips/transposes (8x slower,\n"
    "                       slightly cleaner; as the reference programs' -x)\n"
    "  --force              overwrite existing outputs (default: skip them)\n"
    "  --recursive          include subfolders, mirrored under OUT_DIR\n"
    "  --max-pixels N       refuse inputs with more pixels (default 268435456)\n"
    "  --shard K/N          batch only: files K, K+N, K+2N, ... of the sorted list (0 <= K < N)\n"
    "  --report FILE.json   write a JSON report of the batch\n"
    "  -q, --quiet          no progress line (failure lines and the summary stay)\n"
    "  -v, --verbose        a line per finished file\n";

/* Returns -1 to continue, or an exit code. */
static int parse(int argc, char **argv, const char *cmd, const char *args, options *o)
{
    memset(o, 0, sizeof *o);
    o->quality = 95;
    o->noise = -1;
    o->tile = 0;
    o->max_pixels = SR_DEFAULT_MAX_PIXELS;
    o->denoise = SR_DENOISE_AUTO;
    int only_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int ok = 1, takes = 0;
        if (only_pos || a[0] != '-' || !a[1]) {
            if (o->npos == 2) {
                fprintf(stderr, "srgan %s: unexpected argument '%s'\n", cmd, a);
                return SR_EXIT_USAGE;
            }
            o->pos[o->npos++] = a;
            continue;
        }
        if (!strcmp(a, "--")) {
            only_pos = 1;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("usage: srgan %s %s\n\noptions:\n%s", cmd, args, option_help);
            return SR_EXIT_OK;
        } else if (!strcmp(a, "--scale")) {
            takes = 1, ok = cli_int(v, 1, 16, &o->scale);
        } else if (!strcmp(a, "--model")) {
            takes = 1, ok = v != NULL, o->model = v;
        } else if (!strcmp(a, "--family")) {
            takes = 1, ok = v != NULL, o->family = v;
        } else if (!strcmp(a, "--noise")) {
            takes = 1, ok = cli_int(v, 0, 3, &o->noise);
        } else if (!strcmp(a, "--threads")) {
            takes = 1, ok = cli_int(v, 1, 1024, &o->threads);
        } else if (!strcmp(a, "--sequential")) {
            o->sequential = 1;
        } else if (!strcmp(a, "--tile")) {
            takes = 1, ok = cli_int(v, 16, 8192, &o->tile);
        } else if (!strcmp(a, "--format")) {
            takes = 1, ok = v && sr_format_from_name(v, &o->format), o->format_set = 1;
        } else if (!strcmp(a, "--quality")) {
            takes = 1, ok = cli_int(v, 1, 100, &o->quality);
        } else if (!strcmp(a, "--max-pixels")) {
            int mp;
            takes = 1, ok = cli_int(v, 1, 2000000000, &mp), o->max_pixels = (uint64_t)mp;
        } else if (!strcmp(a, "--shard")) {
            char tail;
            takes = 1;
            ok = v && sscanf(v, "%d/%d%c", &o->shard_index, &o->shard_count, &tail) == 2 &&
                 o->shard_count >= 1 && o->shard_index >= 0 && o->shard_index < o->shard_count;
        } else if (!strcmp(a, "--report")) {
            takes = 1, ok = v != NULL, o->report = v;
        } else if (!strcmp(a, "--force")) {
            o->force = 1;
        } else if (!strcmp(a, "--precision")) {
            takes = 1, ok = v && (!strcmp(v, "fp32") || !strcmp(v, "bf16"));
            o->bf16 = ok && !strcmp(v, "bf16");
        } else if (!strcmp(a, "--denoise")) {
            takes = 1, ok = cli_denoise(v, &o->denoise);
        } else if (!strcmp(a, "--tta")) {
            o->tta = 1;
        } else if (!strcmp(a, "--recursive")) {
            o->recursive = 1;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            o->quiet = 1;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            o->verbose = 1;
        } else {
            fprintf(stderr, "srgan %s: unknown option '%s' (see --help)\n", cmd, a);
            return SR_EXIT_USAGE;
        }
        if (!ok) {
            fprintf(stderr, "srgan %s: bad or missing value for %s\n", cmd, a);
            return SR_EXIT_USAGE;
        }
        i += takes;
    }
    if (o->npos != 2) {
        fprintf(stderr, "usage: srgan %s %s (see --help)\n", cmd, args);
        return SR_EXIT_USAGE;
    }
    if (o->sequential && o->threads) {
        fprintf(stderr, "srgan %s: --threads and --sequential exclude each other\n", cmd);
        return SR_EXIT_USAGE;
    }
    if (o->sequential)
        o->threads = 1;
    if (!o->threads)
        o->threads = omp_get_max_threads();
    return -1;
}

/* A fixed --denoise needs a model that can: say so instead of ignoring it. */
static int check_denoise(const options *o, const char *cmd, const sr_model *m)
{
    if (o->denoise > 0 && !sr_model_has_denoise(m)) {
        fprintf(stderr, "srgan %s: --denoise %g: model %s has no JPEG-trained twin (the "
                "embedded srgan-photo models have; a file X.param needs X-jpeg.bin beside it)\n",
                cmd, o->denoise, sr_model_name(m));
        return SR_EXIT_USAGE;
    }
    return -1;
}

/* The one piece of state a signal handler may touch. The first SIGINT/SIGTERM stops new files
 * from starting; running ones finish and are written whole. A second one ends the process at
 * once (the default action), possibly leaving a hidden .NAME.tmp-XXXXXX behind. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    static const char msg[] = "\nsrgan: stopping after the images in progress "
                              "(signal again to quit at once)\n";
    stop_signal = sig;
    signal(sig, SIG_DFL);
    ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)w;
}

static void catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* When files got different strengths, one line says which: a reader of the summary should not
 * have to open the report to learn that the batch was not treated alike. */
static void print_denoise_summary(const sr_batch_result *r)
{
    float lo = 2, hi = -1;
    int n = 0, jpegs = 0;
    for (int i = 0; i < r->nfiles; i++) {
        const sr_file_result *f = &r->files[i];
        if (f->status != SR_FILE_OK && f->status != SR_FILE_FAILED)
            continue;
        n++;
        jpegs += f->jpeg_quality > 0;
        lo = f->denoise < lo ? f->denoise : lo;
        hi = f->denoise > hi ? f->denoise : hi;
    }
    if (n && hi > lo)
        fprintf(stderr, "srgan: denoise strengths differ across files: %.2f to %.2f (%d of %d "
                "inputs are JPEGs; per file in --report)\n", lo, hi, jpegs, n);
}

int cmd_batch(int argc, char **argv)
{
    options o;
    int rc = parse(argc, argv, "batch", "IN_DIR OUT_DIR [options]", &o);
    if (rc >= 0)
        return rc;
    sr_model *m;
    if ((rc = cli_load_model(&(cli_model_opts){o.model, o.family, o.scale, 0, o.noise, o.bf16},
                                    &m)))
        return rc;
    if ((rc = check_denoise(&o, "batch", m)) >= 0) {
        sr_model_free(m);
        return rc;
    }
    cli_progress prog;
    cli_progress_init(&prog, o.quiet, o.verbose);
    sr_batch_params p = sr_batch_default_params();
    p.in_dir = o.pos[0];
    p.out_dir = o.pos[1];
    p.threads = o.threads;
    p.tile = o.tile;
    p.format = o.format_set ? o.format : SR_FMT_PNG;
    p.quality = o.quality;
    p.force = o.force;
    p.recursive = o.recursive;
    p.tta = o.tta;
    p.scale = o.scale;
    p.denoise = o.denoise;
    p.max_pixels = o.max_pixels;
    p.shard_index = o.shard_index;
    p.shard_count = o.shard_count;
    p.stop = &stop_signal;
    p.on_file = cli_progress_on_file;
    p.on_progress = cli_progress_on_work;
    p.ctx = &prog;
    sr_batch_result res;
    sr_error err;
    catch_stop_signals();
    sr_status s = sr_batch_run(m, &p, &res, &err);
    cli_progress_clear(&prog);
    if (s) {
        fprintf(stderr, "srgan: %s\n", err.msg);
        rc = s == SR_E_INVALID ? SR_EXIT_USAGE : SR_EXIT_FAILED;
    } else {
        double sec = res.seconds > 0 ? res.seconds : 1e-9;
        char pending[64] = "";
        if (res.pending)
            snprintf(pending, sizeof pending, ", %d not started", res.pending);
        fprintf(stderr,
                "srgan: %d ok, %d failed, %d skipped%s of %d in %.2f s (%.2f images/s, %.3f "
                "MP/s in, %d threads, %s)%s\n",
                res.ok, res.failed, res.skipped, pending, res.nfiles, res.seconds,
                (res.ok + res.failed) / sec, res.in_megapixels / sec, res.threads,
                sr_model_name(m), res.stopped ? ": interrupted, run again to finish" : "");
        print_denoise_summary(&res);
        rc = res.stopped ? 128 + stop_signal : res.failed ? SR_EXIT_FAILED : SR_EXIT_OK;
        if (o.report && sr_batch_write_report(o.report, &res, m, &err)) {
            fprintf(stderr, "srgan: cannot write the report: %s\n", err.msg);
            rc = rc ? rc : SR_EXIT_FAILED;
        }
    }
    sr_batch_result_free(&res);
    sr_model_free(m);
    return rc;
}

/* One image through the network (model != NULL) or through plain bicubic (the baseline). */
static int single_image(int argc, char **argv, const char *cmd, int use_model)
{
    options o;
    int rc = parse(argc, argv, cmd, "IN OUT [options]", &o);
    if (rc >= 0)
        return rc;
    rc = SR_EXIT_OK;
    if (!o.format_set) {
        const char *dot = strrchr(o.pos[1], '.');
        if (!dot || !sr_format_from_name(dot + 1, &o.format)) {
            fprintf(stderr, "srgan %s: %s: unknown output extension (use --format)\n", cmd,
                    o.pos[1]);
            return SR_EXIT_USAGE;
        }
    }
    sr_model *m = NULL;
    if (use_model && (rc = cli_load_model(&(cli_model_opts){o.model, o.family, o.scale, 0, o.noise, o.bf16},
                                    &m)))
        return rc;
    if (m && (rc = check_denoise(&o, cmd, m)) >= 0) {
        sr_model_free(m);
        return rc;
    }
    rc = SR_EXIT_OK;
    int scale = o.scale ? o.scale : m ? sr_model_scale(m) : 4;
    sr_image in = {0}, out = {0};
    sr_error err;
    sr_model *blend = NULL;
    int quality = sr__jpeg_file_quality(o.pos[0]);
    float strength = o.denoise == SR_DENOISE_AUTO ? sr_denoise_strength(quality) : o.denoise;
    if (m && !sr_model_has_denoise(m))
        strength = 0;
    sr_upscale_params up = sr_upscale_default_params();
    up.tile = o.tile;
    up.nthreads = o.threads;
    up.tta = o.tta;
    up.scale = o.scale;
    cli_progress prog;
    cli_progress_init(&prog, o.quiet, 0);
    up.on_tile = cli_progress_on_tile;
    up.tile_ctx = &prog;
    double t0 = sr__now();
    sr_status s = sr_image_load(o.pos[0], o.max_pixels, &in, &err);
    if (!s && m && strength > 0)
        s = sr_model_denoise(m, strength, &blend, &err);
    if (!s && m)
        s = sr_upscale_image(blend ? blend : m, &up, &in, &out, &err);
    else if (!s)
        s = sr_image_imresize(&in, in.w * scale, in.h * scale, &out, &err);
    cli_progress_clear(&prog);
    if (!s)
        s = sr__image_save(o.pos[1], &out, o.format, o.quality, up.nthreads, &err);
    if (s) {
        size_t n = strlen(o.pos[0]);
        int named = !strncmp(err.msg, o.pos[0], n) || !strncmp(err.msg, o.pos[1], strlen(o.pos[1]));
        fprintf(stderr, "srgan: %s%s%s\n", named ? "" : o.pos[0], named ? "" : ": ", err.msg);
        rc = SR_EXIT_FAILED;
    } else if (!o.quiet) {
        char dn[64] = "";
        if (m && sr_model_has_denoise(m) && quality)
            snprintf(dn, sizeof dn, ", JPEG quality %d, denoise %.2f", quality, strength);
        else if (m && sr_model_has_denoise(m))
            snprintf(dn, sizeof dn, ", denoise %.2f", strength);
        fprintf(stderr, "srgan: %s -> %s (%dx%d -> %dx%d, %.2f s, %d threads, %s%s)\n", o.pos[0],
                o.pos[1], in.w, in.h, out.w, out.h, sr__now() - t0, m ? o.threads : 1,
                m ? sr_model_name(m) : "bicubic", dn);
    }
    sr_model_free(blend);
    sr_image_free(&in);
    sr_image_free(&out);
    sr_model_free(m);
    return rc;
}

int cmd_upscale(int argc, char **argv)
{
    return single_image(argc, argv, "upscale", 1);
}

int cmd_resize(int argc, char **argv)
{
    return single_image(argc, argv, "resize", 0);
}
