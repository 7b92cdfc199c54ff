/* cmd_train.c - `srgan train`: options, the progress line, and Ctrl-C as "checkpoint and stop". */
#include "cli.h"

#include <math.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    sr_train_params p;
    double minutes; /* between checkpoints */
} train_opts;

static int v_arch(const cli_opt *o, const char *v, void *dst)
{
    int *cb = dst; /* channels, then blocks */
    char x, tail;
    (void)o;
    return v && sscanf(v, "%d%c%d%c", &cb[0], &x, &cb[1], &tail) == 3 && x == 'x' && cb[0] >= 1 &&
           cb[1] >= 0;
}

static int v_degrade(const cli_opt *o, const char *v, void *dst)
{
    sr_error e;
    (void)o;
    if (v && sr_degradation_parse(v, dst, &e) == SR_OK)
        return 1;
    if (v)
        fprintf(stderr, "srgan train: %s\n", e.msg);
    return 0;
}

#define P(f) offsetof(train_opts, p.f)
static const cli_opt train_options[] = {
    {"--data", NULL, "DIR", cli_v_str, P(data_dir), 0, 0, NULL,
     "training photos (searched recursively)"},
    {"--scale", "-s", "N", cli_v_int, P(scale), 2, 4, NULL, "2, 3 or 4"},
    {"--out", NULL, "NAME", cli_v_str, P(out), 0, 0, NULL,
     "writes NAME.param + NAME.bin (ncnn; the averaged weights) and NAME.ckpt"},
    {"--arch", NULL, "CxB", v_arch, P(channels), 0, 0, NULL,
     "C channels, B body convolutions (default 48x12)"},
    {"--steps", NULL, "N", cli_v_int, P(steps), 0, 100000000, NULL,
     "optimiser steps in all (default 10000); 0: write the\n"
     "initial network (e.g. one grown by --init) as it is"},
    {"--batch", NULL, "B", cli_v_int, P(batch), 1, 1024, NULL, "crops per step (default 16)"},
    {"--patch", NULL, "PX", cli_v_int, P(patch), 8, 512, NULL,
     "low-resolution crop side (default 40)"},
    {"--lr", NULL, "X", cli_v_double, P(lr), 0, 1, NULL,
     "peak learning rate (default 1e-3; warm-up, cosine decay)"},
    {"--loss", NULL, "l1|charbonnier|l2", cli_v_choice, P(loss), 0, 0, "l1|charbonnier|l2",
     "pixel loss (default l1)"},
    {"--sampling", NULL, "area|photo", cli_v_choice, P(sampling), 0, 0, "area|photo",
     "photo (default): pick a photo, then a crop in it; area: crops\n"
     "uniform over all pixels, which favours the biggest photos"},
    {"--multiscale", NULL, NULL, NULL, P(multiscale), 0, 0, NULL,
     "each photo also at 3/4, 1/2 and 1/3 of its size (MATLAB bicubic),\n"
     "an image of its own: textures at more scales (Real-ESRGAN's DF2K\n"
     "multiscale)"},
    {"--degrade", NULL, "SPEC", v_degrade, P(degrade), 0, 0, NULL,
     "what each low-resolution crop goes through: none (default), or\n"
     "e.g. jpeg=30-95@0.8,noise=0-4@0.3,blur=0.3-1.2@0.3 (blur sigma in\n"
     "pixels, noise sigma in levels, JPEG quality; @ the probability)"},
    {"--val", NULL, "DIR", cli_v_str, P(val_dir), 0, 0, NULL,
     "photos to validate on (TRAINING.md's crops), every --val-every"},
    {"--val-jpeg", NULL, "Q", cli_v_int, P(val_jpeg), 1, 100, NULL,
     "validate on those crops saved as JPEG at quality Q"},
    {"--val-every", NULL, "N", cli_v_int, P(val_every), 0, 100000000, NULL,
     "steps between validations (default 1000)"},
    {"--checkpoint-minutes", NULL, "M", cli_v_double, offsetof(train_opts, minutes), 0, 1e9, NULL,
     "time between checkpoints (default 5)"},
    {"--resume", NULL, "CKPT", cli_v_str, P(resume), 0, 0, NULL,
     "continue from a checkpoint (NAME.ckpt)"},
    {"--init", NULL, "CKPT|MODEL", cli_v_str, P(init), 0, 0, NULL,
     "start from another run's weights (any scale; a smaller CxB\n"
     "grows into --arch): its checkpoint, its .param/.bin or an\n"
     "embedded model's name"},
    {"--seed", NULL, "S", cli_v_u64, P(seed), 0, 0, NULL,
     "initialisation and crop order (default 1)"},
    {"--threads", "-j", "N", cli_v_int, P(threads), 1, 1024, NULL, "(default: all cores)"},
    {0}};

static const cli_cmd train_cmd = {
    "train", "--data DIR --scale 2|3|4 --out NAME [options]", NULL,
    "Ctrl-C writes a checkpoint and stops; --resume NAME.ckpt continues exactly where it was.\n",
    train_options, 0, 0, 0, 0};

typedef struct {
    int tty;
    double t0, last_line;
} progress;

static void on_progress(void *ctx, const sr_train_progress *p)
{
    progress *g = ctx;
    if (p->event && !strcmp(p->event, "data")) {
        fprintf(stderr, "srgan train: %s\n", p->detail);
        return;
    }
    double now = cli_now();
    if (p->event || p->validated || g->tty || now - g->last_line >= 30) {
        double left = p->steps_per_s > 0 ? (p->steps - p->step) / p->steps_per_s : 0;
        fprintf(stderr, "%sstep %d/%d", g->tty ? "\r\033[K" : "", p->step, p->steps);
        if (p->steps_per_s > 0) /* else no step ran in this process (--steps 0): no figures */
            fprintf(stderr, "  loss %.5f  %.2f steps/s  %.0f GFLOP/s  lr %.2e  ETA %d:%02d",
                    p->loss, p->steps_per_s, p->gflops, p->lr, (int)(left / 60),
                    (int)fmod(left, 60));
        if (p->validated)
            fprintf(stderr, "  val %.3f dB (bicubic %.3f, %+.3f) SSIM %.4f (%.4f)", p->val_psnr,
                    p->val_bicubic_psnr, p->val_psnr - p->val_bicubic_psnr, p->val_ssim,
                    p->val_bicubic_ssim);
        if (p->event && strcmp(p->event, "validation"))
            fprintf(stderr, "  [%s %s]", p->event, p->detail ? p->detail : "");
        if (!g->tty || p->validated || p->event)
            fprintf(stderr, "\n");
        g->last_line = now;
    }
}

int cmd_train(int argc, char **argv)
{
    train_opts o = {sr_train_default_params(), 5};
    o.p.scale = 0;
    int rc = cli_parse(&train_cmd, argc, argv, &o);
    if (rc >= 0)
        return rc;
    sr_train_params p = o.p;
    if (!p.data_dir || !p.out || !p.scale) {
        fprintf(stderr, "srgan train: --data, --scale and --out are required (see --help)\n");
        return SR_EXIT_USAGE;
    }
    p.ckpt_seconds = o.minutes * 60;
    progress g = {isatty(STDERR_FILENO), cli_now(), 0};
    p.on_progress = on_progress;
    p.ctx = &g;
    p.stop = &cli_stop;
    cli_catch_stop_signals("\nsrgan train: saving a checkpoint (signal again to quit at once)\n");
    sr_error err;
    sr_status s = sr_train_run(&p, &err);
    if (s) {
        fprintf(stderr, "srgan train: %s\n", err.msg);
        return s == SR_E_INVALID ? SR_EXIT_USAGE : SR_EXIT_FAILED;
    }
    fprintf(stderr, "srgan train: wrote %s.param, %s.bin and %s.ckpt in %.1f min\n", p.out, p.out,
            p.out, (cli_now() - g.t0) / 60);
    return cli_stop ? 128 + cli_stop : SR_EXIT_OK;
}
