/* cli_options.c - the options of the commands that upscale (batch, upscale, resize, video,
 * stream): one parser and one help text, so they mean the same everywhere. */
#include "cli.h"

#include <omp.h>
#include <stdio.h>
#include <string.h>

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

static const char *const video_help =
    "  --codec NAME         ffmpeg video encoder (default libx264; e.g. libx265, ffv1)\n"
    "  --crf N              quality of libx264/libx265 0-51 (default 18: visually lossless)\n";

int cli_parse_options(int argc, char **argv, const char *cmd, const char *args, int npos,
                      cli_options *o)
{
    int video = !strcmp(cmd, "video") || !strcmp(cmd, "stream");
    memset(o, 0, sizeof *o);
    o->crf = 18;
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
            if (o->npos == npos) {
                fprintf(stderr, "srgan %s: unexpected argument '%s'\n", cmd, a);
                return SR_EXIT_USAGE;
            }
            o->pos[o->npos++] = a;
            continue;
        }
        if (!strcmp(a, "--")) {
            only_pos = 1;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("usage: srgan %s %s\n\noptions:\n%s%s", cmd, args, option_help,
                   video ? video_help : "");
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
        } else if (video && !strcmp(a, "--codec")) {
            takes = 1, ok = v && *v && strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(v);
            o->codec = v;
        } else if (video && !strcmp(a, "--crf")) {
            takes = 1, ok = cli_int(v, 0, 63, &o->crf);
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
    if (o->npos != npos) {
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
