/* cli_options.c - the options of the commands that upscale (batch, upscale, resize, video,
 * stream): one parser and one help text, so they mean the same everywhere. */
#include "cli.h"

#include <omp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static int v_format(const cli_opt *o, const char *v, void *dst)
{
    (void)o;
    cli_format *f = dst;
    return v && (f->set = sr_format_from_name(v, &f->fmt));
}

static int v_pixels(const cli_opt *o, const char *v, void *dst)
{
    int mp;
    (void)o;
    if (!cli_int(v, 1, 2000000000, &mp))
        return 0;
    *(uint64_t *)dst = (uint64_t)mp;
    return 1;
}

static int v_shard(const cli_opt *o, const char *v, void *dst)
{
    int *k = dst;
    char tail;
    (void)o;
    return v && sscanf(v, "%d/%d%c", &k[0], &k[1], &tail) == 2 && k[1] >= 1 && k[0] >= 0 &&
           k[0] < k[1];
}

static int v_codec(const cli_opt *o, const char *v, void *dst)
{
    (void)o;
    *(const char **)dst = v;
    return v && *v && strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(v);
}

#define OFF(f) offsetof(cli_options, f)
#define UPSCALE_OPTIONS                                                                            \
    {"--scale", NULL, "N", cli_v_int, OFF(scale), 1, 16, NULL,                                    \
     "output size factor 1-16 (default: the model's, 4 for the embedded\n"                       \
     "default); factors the model lacks resize its output (bicubic)"},                            \
    {"--model", NULL, "NAME|FILE", cli_v_str, OFF(model), 0, 0, NULL,                             \
     "embedded model name (see 'srgan models') or an ncnn .param file"},                          \
    {"--noise", NULL, "N", cli_v_int, OFF(noise), 0, 3, NULL,                                     \
     "with --model FOLDER: the model for denoise level 0-3 (waifu2x,\n"                          \
     "Real-CUGAN; default: the conservative / no-denoise one)"},                                  \
    {"--family", NULL, "NAME", cli_v_str, OFF(family), 0, 0, NULL, CLI_FAMILY_HELP},              \
    {"--threads", NULL, "N", cli_v_int, OFF(threads), 1, 1024, NULL,                              \
     "worker threads (default: all cores, or OMP_NUM_THREADS)"},                                  \
    {"--sequential", NULL, NULL, NULL, OFF(sequential), 0, 0, NULL,                               \
     "one thread, one runner (not with --threads)"},                                              \
    {"--tile", NULL, "PX", cli_v_int, OFF(tile), 16, 8192, NULL,                                  \
     "largest tile side in input pixels (default 256, Real-CUGAN 400;\n"                         \
     "output is identical for any value where the model allows it,\n"                            \
     "memory per thread grows with it)"},                                                         \
    {"--format", NULL, "FMT", v_format, OFF(format), 0, 0, NULL,                                  \
     "png, jpg, bmp, tga, webp (lossy) or webp-lossless (batch default\n"                        \
     "png; upscale: OUT's extension)"},                                                           \
    {"--quality", NULL, "Q", cli_v_int, OFF(quality), 1, 100, NULL,                               \
     "JPEG and lossy WebP quality 1-100 (default 95)"},                                           \
    {"--precision", NULL, "P", cli_v_choice, OFF(bf16), 0, 0, "fp32|bf16",                        \
     "fp32 (default) or bf16: the 3x3 convolutions' multiplies in\n"                             \
     "bfloat16, ~1.5x faster, output within 45 dB PSNR of fp32 (CPUs\n"                          \
     "with AVX512_BF16 only)"},                                                                   \
    {"--denoise", NULL, "auto|S", cli_v_denoise, OFF(denoise), 0, 0, NULL,                        \
     "strength 0-1 of JPEG artefact removal (models with a JPEG twin:\n"                         \
     "the embedded photo models). auto (default): from each JPEG's own\n"                        \
     "quantisation tables (quality 95 -> ~0, 75 -> ~1); other formats 0"},                        \
    {"--tta", NULL, NULL, NULL, OFF(tta), 0, 0, NULL,                                             \
     "average the network over the 8 flips/transposes (8x slower,\n"                             \
     "slightly cleaner; as the reference programs' -x)"},                                         \
    {"--force", NULL, NULL, NULL, OFF(force), 0, 0, NULL,                                         \
     "overwrite existing outputs (default: skip them)"},                                          \
    {"--recursive", NULL, NULL, NULL, OFF(recursive), 0, 0, NULL,                                 \
     "include subfolders, mirrored under OUT_DIR"},                                               \
    {"--max-pixels", NULL, "N", v_pixels, OFF(max_pixels), 0, 0, NULL,                            \
     "refuse inputs with more pixels (default 268435456)"},                                       \
    {"--shard", NULL, "K/N", v_shard, OFF(shard), 0, 0, NULL,                                     \
     "batch only: files K, K+N, K+2N, ... of the sorted list (0 <= K < N)"},                      \
    {"--report", NULL, "FILE.json", cli_v_str, OFF(report), 0, 0, NULL,                           \
     "write a JSON report of the batch"},                                                         \
    {"--quiet", "-q", NULL, NULL, OFF(quiet), 0, 0, NULL,                                         \
     "no progress line (failure lines and the summary stay)"},                                    \
    {"--verbose", "-v", NULL, NULL, OFF(verbose), 0, 0, NULL, "a line per finished file"}

static const cli_opt upscale_opts[] = {UPSCALE_OPTIONS, {0}};
static const cli_opt video_opts[] = {
    UPSCALE_OPTIONS,
    {"--codec", NULL, "NAME", v_codec, OFF(codec), 0, 0, NULL,
     "ffmpeg video encoder (default libx264; e.g. libx265, ffv1)"},
    {"--crf", NULL, "N", cli_v_int, OFF(crf), 0, 63, NULL,
     "quality of libx264/libx265 0-51 (default 18: visually lossless)"},
    {0}};

int cli_parse_options(int argc, char **argv, const char *cmd, const char *args, int npos,
                      cli_options *o)
{
    int video = !strcmp(cmd, "video") || !strcmp(cmd, "stream");
    const cli_cmd c = {cmd, args, NULL, NULL, video ? video_opts : upscale_opts, npos, npos,
                       OFF(pos), OFF(npos)};
    memset(o, 0, sizeof *o);
    o->crf = 18;
    o->quality = 95;
    o->noise = -1;
    o->max_pixels = SR_DEFAULT_MAX_PIXELS;
    o->denoise = SR_DENOISE_AUTO;
    int rc = cli_parse(&c, argc, argv, o);
    if (rc >= 0)
        return rc;
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

int cli_check_denoise(const cli_options *o, const char *cmd, const sr_model *m)
{
    if (o->denoise > 0 && !sr_model_has_denoise(m)) {
        fprintf(stderr, "srgan %s: --denoise %g: model %s has no JPEG-trained twin (the "
                "embedded srgan-photo models have; a file X.param needs X-jpeg.bin beside it)\n",
                cmd, o->denoise, sr_model_name(m));
        return SR_EXIT_USAGE;
    }
    return -1;
}
