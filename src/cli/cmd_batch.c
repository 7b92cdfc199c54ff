/* cmd_batch.c - `srgan batch IN_DIR OUT_DIR`, `srgan upscale IN OUT` and `srgan resize IN OUT`
 * (bicubic, the baseline): options, then the library's batch engine or single-image path. */
#include "cli.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    cli_options o;
    int rc = cli_parse_options(argc, argv, "batch", "IN_DIR OUT_DIR [options]", 2, &o);
    if (rc >= 0)
        return rc;
    sr_model *m;
    if ((rc = cli_load_model(&(cli_model_opts){o.model, o.family, o.scale, 0, o.noise, o.bf16},
                                    &m)))
        return rc;
    if ((rc = cli_check_denoise(&o, "batch", m)) >= 0) {
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
    p.format = o.format.set ? o.format.fmt : SR_FMT_PNG;
    p.quality = o.quality;
    p.force = o.force;
    p.recursive = o.recursive;
    p.tta = o.tta;
    p.scale = o.scale;
    p.denoise = o.denoise;
    p.max_pixels = o.max_pixels;
    p.shard_index = o.shard[0];
    p.shard_count = o.shard[1];
    p.stop = &cli_stop;
    p.on_file = cli_progress_on_file;
    p.on_progress = cli_progress_on_work;
    p.ctx = &prog;
    sr_batch_result res;
    sr_error err;
    /* The first SIGINT/SIGTERM stops new files from starting; running ones finish and are
     * written whole. A second one ends the process at once, possibly leaving a hidden
     * .NAME.tmp-XXXXXX behind. */
    cli_catch_stop_signals("\nsrgan: stopping after the images in progress (signal again to "
                           "quit at once)\n");
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
        rc = res.stopped ? 128 + cli_stop : res.failed ? SR_EXIT_FAILED : SR_EXIT_OK;
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
    cli_options o;
    int rc = cli_parse_options(argc, argv, cmd, "IN OUT [options]", 2, &o);
    if (rc >= 0)
        return rc;
    rc = SR_EXIT_OK;
    if (!o.format.set) {
        const char *dot = strrchr(o.pos[1], '.');
        if (!dot || !sr_format_from_name(dot + 1, &o.format.fmt)) {
            fprintf(stderr, "srgan %s: %s: unknown output extension (use --format)\n", cmd,
                    o.pos[1]);
            return SR_EXIT_USAGE;
        }
    }
    sr_model *m = NULL;
    if (use_model && (rc = cli_load_model(&(cli_model_opts){o.model, o.family, o.scale, 0, o.noise, o.bf16},
                                    &m)))
        return rc;
    if (m && (rc = cli_check_denoise(&o, cmd, m)) >= 0) {
        sr_model_free(m);
        return rc;
    }
    rc = SR_EXIT_OK;
    int scale = o.scale ? o.scale : m ? sr_model_scale(m) : 4;
    sr_image in = {0}, out = {0};
    sr_error err;
    sr_model *blend = NULL;
    int quality = sr_jpeg_file_quality(o.pos[0]);
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
    double t0 = cli_now();
    sr_status s = sr_image_load(o.pos[0], o.max_pixels, &in, &err);
    if (!s && m && strength > 0)
        s = sr_model_denoise(m, strength, &blend, &err);
    if (!s && m)
        s = sr_upscale_image(blend ? blend : m, &up, &in, &out, &err);
    else if (!s)
        s = sr_image_imresize(&in, in.w * scale, in.h * scale, &out, &err);
    cli_progress_clear(&prog);
    if (!s)
        s = sr_image_save_threads(o.pos[1], &out, o.format.fmt, o.quality, up.nthreads, &err);
    if (s) {
        int named = !strcmp(err.subject, o.pos[0]) || !strcmp(err.subject, o.pos[1]);
        fprintf(stderr, "srgan: %s%s%s\n", named ? "" : o.pos[0], named ? "" : ": ", err.msg);
        rc = SR_EXIT_FAILED;
    } else if (!o.quiet) {
        char dn[64] = "";
        if (m && sr_model_has_denoise(m) && quality)
            snprintf(dn, sizeof dn, ", JPEG quality %d, denoise %.2f", quality, strength);
        else if (m && sr_model_has_denoise(m))
            snprintf(dn, sizeof dn, ", denoise %.2f", strength);
        fprintf(stderr, "srgan: %s -> %s (%dx%d -> %dx%d, %.2f s, %d threads, %s%s)\n", o.pos[0],
                o.pos[1], in.w, in.h, out.w, out.h, cli_now() - t0, m ? o.threads : 1,
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
