/* cmd_train.c - `srgan train`: options, the progress line, and Ctrl-C as "checkpoint and stop". */
#include "cli.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: srgan train --data DIR --scale 2|3|4 --out NAME [options]\n"
    "  --arch CxB            C channels, B body convolutions (default 48x12)\n"
    "  --steps N             optimiser steps in all (default 10000)\n"
    "  --batch B             crops per step (default 16)\n"
    "  --patch PX            low-resolution crop side (default 40)\n"
    "  --lr X                peak learning rate (default 1e-3; warm-up, cosine decay)\n"
    "  --loss l1|charbonnier|l2   pixel loss (default l1)\n"
    "  --sampling photo|area  pick a photo, then a crop in it (default); or crops uniform over\n"
    "                        all pixels, which favours the biggest photos\n"
    "  --degrade SPEC        what each low-resolution crop goes through: none (default), or\n"
    "                        e.g. jpeg=30-95@0.8,noise=0-4@0.3,blur=0.3-1.2@0.3 (blur sigma in\n"
    "                        pixels, noise sigma in levels, JPEG quality; @ the probability)\n"
    "  --val DIR             photos to validate on (TRAINING.md's crops), every --val-every\n"
    "  --val-jpeg Q          validate on those crops saved as JPEG at quality Q\n"
    "  --val-every N         steps between validations (default 1000)\n"
    "  --checkpoint-minutes M  time between checkpoints (default 5)\n"
    "  --resume CKPT         continue from a checkpoint (NAME.ckpt)\n"
    "  --init CKPT|MODEL     start from another run's weights (same CxB, any scale): its\n"
    "                        checkpoint, its .param/.bin or an embedded model's name\n"
    "  --seed S              initialisation and crop order (default 1)\n"
    "  --threads N           (default: all cores)\n"
    "Writes NAME.param + NAME.bin (ncnn; the averaged weights) and NAME.ckpt. Ctrl-C writes a\n"
    "checkpoint and stops; --resume NAME.ckpt continues exactly where it was.\n";

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
        fprintf(stderr, "%sstep %d/%d  loss %.5f  %.2f steps/s  %.0f GFLOP/s  lr %.2e  ETA %d:%02d",
                g->tty ? "\r\033[K" : "", p->step, p->steps, p->loss, p->steps_per_s, p->gflops,
                p->lr, (int)(left / 60), (int)fmod(left, 60));
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

static int parse_arch(const char *s, int *c, int *b)
{
    char x;
    return s && sscanf(s, "%d%c%d", c, &x, b) == 3 && x == 'x';
}

int cmd_train(int argc, char **argv)
{
    sr_train_params p = sr_train_default_params();
    p.scale = 0;
    double minutes = 5;
    for (int i = 1; i < argc; i += 2) { /* every option takes a value */
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int ok = 1;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_text, stdout);
            return SR_EXIT_OK;
        } else if (!v) {
            ok = 0;
        } else if (!strcmp(a, "--data")) {
            p.data_dir = v;
        } else if (!strcmp(a, "--val")) {
            p.val_dir = v;
        } else if (!strcmp(a, "--out")) {
            p.out = v;
        } else if (!strcmp(a, "--resume")) {
            p.resume = v;
        } else if (!strcmp(a, "--init")) {
            p.init = v;
        } else if (!strcmp(a, "--scale") || !strcmp(a, "-s")) {
            ok = cli_int(v, 2, 4, &p.scale);
        } else if (!strcmp(a, "--arch")) {
            ok = parse_arch(v, &p.channels, &p.blocks);
        } else if (!strcmp(a, "--steps")) {
            ok = cli_int(v, 1, 100000000, &p.steps);
        } else if (!strcmp(a, "--batch")) {
            ok = cli_int(v, 1, 1024, &p.batch);
        } else if (!strcmp(a, "--patch")) {
            ok = cli_int(v, 8, 512, &p.patch);
        } else if (!strcmp(a, "--threads") || !strcmp(a, "-j")) {
            ok = cli_int(v, 1, 1024, &p.threads);
        } else if (!strcmp(a, "--val-jpeg")) {
            ok = cli_int(v, 1, 100, &p.val_jpeg);
        } else if (!strcmp(a, "--degrade")) {
            sr_error e;
            if (sr_degradation_parse(v, &p.degrade, &e)) {
                fprintf(stderr, "srgan train: %s\n", e.msg);
                return SR_EXIT_USAGE;
            }
        } else if (!strcmp(a, "--val-every")) {
            ok = cli_int(v, 0, 100000000, &p.val_every);
        } else if (!strcmp(a, "--seed")) {
            char *end;
            p.seed = strtoull(v, &end, 10);
            ok = *v && !*end;
        } else if (!strcmp(a, "--lr")) {
            char *end;
            p.lr = strtod(v, &end);
            ok = *end == 0 && p.lr > 0 && p.lr < 1;
        } else if (!strcmp(a, "--checkpoint-minutes")) {
            char *end;
            minutes = strtod(v, &end);
            ok = *end == 0 && minutes > 0;
        } else if (!strcmp(a, "--sampling")) {
            p.sampling = !strcmp(v, "area") ? 0 : !strcmp(v, "photo") ? 1 : -1;
            ok = p.sampling >= 0;
        } else if (!strcmp(a, "--loss")) {
            p.loss = !strcmp(v, "l1") ? 0 : !strcmp(v, "charbonnier") ? 1 : !strcmp(v, "l2") ? 2 : -1;
            ok = p.loss >= 0;
        } else {
            fprintf(stderr, "srgan train: unknown option %s\n%s", a, usage_text);
            return SR_EXIT_USAGE;
        }
        if (!ok) {
            fprintf(stderr, "srgan train: bad or missing value for %s\n%s", a, usage_text);
            return SR_EXIT_USAGE;
        }
    }
    if (!p.data_dir || !p.out || !p.scale) {
        fprintf(stderr, "srgan train: --data, --scale and --out are required\n%s", usage_text);
        return SR_EXIT_USAGE;
    }
    p.ckpt_seconds = minutes * 60;
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
