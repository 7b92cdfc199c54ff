/* main.c - the srgan program: a table of commands. Only this file decides exit codes and prints
 * usage; the commands live in cmd_*.c. */
#include "cli.h"

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmd_models(int argc, char **argv);
static int cmd_version(int argc, char **argv);

typedef struct {
    const char *name, *args, *help;
    int (*run)(int argc, char **argv);
} command;

static const command commands[] = {
    {"batch", "IN_DIR OUT_DIR [options]", "upscale every image in a folder", cmd_batch},
    {"upscale", "IN OUT [options]", "upscale one image", cmd_upscale},
    {"video", "IN OUT [options]", "upscale a video with ffmpeg, audio and subtitles copied",
     cmd_video},
    {"stream", "[options] < IN.y4m > OUT.y4m", "upscale YUV4MPEG2 frames from stdin to stdout",
     cmd_stream},
    {"resize", "IN OUT [--scale N]", "bicubic upscale of one image (the baseline)", cmd_resize},
    {"downscale", "IN OUT --scale N", "MATLAB-style bicubic downscale (test pairs)",
     cmd_downscale},
    {"degrade", "IN OUT --degrade SPEC [--seed N]",
     "what training does to a low-resolution crop (blur, noise, JPEG)", cmd_degrade},
    {"psnr", "REFERENCE TEST [--shave N]", "PSNR and SSIM of two images (luma)", cmd_psnr},
    {"eval", "--hr DIR [--lr DIR | --crops] --scale N [options]",
     "a model against bicubic on a folder of photos", cmd_eval},
    {"train", "--data DIR --scale N --out NAME [options]",
     "train a photo model of srgan's own architecture", cmd_train},
    {"models", "[--names]", "list the embedded models", cmd_models},
    {"parallel-benchmark", "[options]", "measure thread scaling of the batch path", cmd_bench},
    {"version", "", "print the version and the convolution kernel in use", cmd_version},
};
#define NCOMMANDS (int)(sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: srgan COMMAND [ARGS]\n\ncommands:\n");
    for (int i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-19s %s\n  %-19s   %s %s\n", commands[i].name, commands[i].help, "",
                commands[i].name, commands[i].args);
    fprintf(f, "\n'srgan COMMAND --help' lists a command's options; see docs/cli.md.\n");
}


static const cli_opt models_options[] = {
    {"--names", NULL, NULL, NULL, 0, 0, 0, NULL, "only the names, one per line (shell completion)"},
    {0}};
static const cli_cmd models_cmd = {"models", "[--names]", "the models built into srgan", NULL,
                                   models_options, 0, 0, 0, 0};

static int cmd_models(int argc, char **argv)
{
    int names_only = 0;
    int rc = cli_parse(&models_cmd, argc, argv, &names_only);
    if (rc >= 0)
        return rc;
    sr_embedded_model e;
    for (int i = 0; names_only && sr_embedded_get(i, &e); i++)
        printf("%s\n", e.name);
    if (names_only)
        return SR_EXIT_OK;
    printf("%-26s %-5s %-9s %-13s %s\n", "name", "scale", "size", "licence", "origin");
    for (int i = 0; sr_embedded_get(i, &e); i++)
        printf("%-26s x%-4d %6.2f MB %-13s %s%s%s\n", e.name, e.scale,
               (e.bin_len + e.param_len + e.twin_bin_len) / 1e6, e.licence, e.origin,
               e.twin_bin ? " [JPEG twin: --denoise]" : "",
               !strcmp(sr_embedded_default(e.scale), e.name) ? " [default]" : "");
    printf("\nsrgan-photo-* are srgan's own photo models (the defaults); the realesr-animevideov3\n"
           "x2 and x3 variants share the x4 weights and end with a bicubic downscale, as\n"
           "Real-ESRGAN ships them. ncnn models of Real-ESRGAN (compact and RRDB), waifu2x and\n"
           "Real-CUGAN run from their files: srgan batch in/ out/ --model path/to/NAME.param\n"
           "(NAME.bin beside it).\n");
    return SR_EXIT_OK;
}

static const cli_opt no_options[] = {{0}};
static const cli_cmd version_cmd = {"version", "", "the version and the convolution kernels",
                                    NULL, no_options, 0, 0, 0, 0};

static int cmd_version(int argc, char **argv)
{
    int rc = cli_parse(&version_cmd, argc, argv, NULL);
    if (rc >= 0)
        return rc;
    printf("srgan %s (convolution kernels: %s%s)\n", SR_VERSION, sr_kernel_path(),
           sr_precision_available(SR_PRECISION_BF16) ? ", --precision bf16 available" : "");
    return SR_EXIT_OK;
}

int main(int argc, char **argv)
{
    /* Past a file-size limit (ulimit -f) a write should fail with EFBIG and be reported for that
     * one file, not kill the whole batch. */
    signal(SIGXFSZ, SIG_IGN);
#ifdef __GLIBC__
    /* Keep freed memory for the next image instead of handing it back: by default glibc serves
     * buffers over 128 KB (an image, its PNG) with fresh mappings or trims the heap under them,
     * so every image touched new pages: 1,270 page faults per 256x256 photo at x4 in a batch,
     * none after the first image with these (and 14,000 instead of 34,000 for 16 photos). */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
    if (argc < 2) {
        usage(stderr);
        return SR_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return SR_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
        return cmd_version(argc - 1, argv + 1);
    for (int i = 0; i < NCOMMANDS; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "srgan: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return SR_EXIT_USAGE;
}
