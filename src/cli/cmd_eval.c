/* cmd_eval.c - measuring quality: `downscale` (the literature's degradation), `psnr` (two
 * images) and `eval` (a model against bicubic over a folder, as SR papers report it). */
#include "cli.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bad_usage(const char *cmd, const char *what)
{
    fprintf(stderr, "srgan %s: %s (see --help)\n", cmd, what);
    return SR_EXIT_USAGE;
}

/* downscale, psnr and degrade: two positional arguments and a few options */
typedef struct {
    const char *pos[2];
    int npos;
    int scale, shave;
    const char *spec;
    uint64_t seed;
} pair_opts;

#define Q(f) offsetof(pair_opts, f)
static const cli_opt downscale_options[] = {
    {"--scale", "-s", "N", cli_v_int, Q(scale), 1, 16, NULL, "the factor 1-16 (required)"},
    {0}};
static const cli_cmd downscale_cmd = {
    "downscale", "IN OUT --scale N",
    "MATLAB imresize bicubic, antialiased: the SR literature's low-resolution images", NULL,
    downscale_options, 0, 2, Q(pos), Q(npos)};

static const cli_opt psnr_options[] = {
    {"--shave", NULL, "N", cli_v_int, Q(shave), 0, 1 << 20, NULL,
     "border pixels left out (default 0)"},
    {0}};
static const cli_cmd psnr_cmd = {"psnr", "REFERENCE TEST [--shave N]",
                                 "PSNR and SSIM on the BT.601 luma", NULL, psnr_options, 0, 2,
                                 Q(pos), Q(npos)};

static const cli_opt degrade_options[] = {
    {"--degrade", NULL, "SPEC", cli_v_str, Q(spec), 0, 0, NULL,
     "as srgan train's: e.g. jpeg=75, noise=2, blur=0.8, or ranges with\n"
     "probabilities (jpeg=30-95@0.8) drawn from the seed (required)"},
    {"--seed", NULL, "N", cli_v_u64, Q(seed), 0, 0, NULL, "the draws (default 1)"},
    {0}};
static const cli_cmd degrade_cmd = {
    "degrade", "IN OUT --degrade SPEC [--seed N]",
    "applies srgan train's --degrade to one image, as training does to each crop", NULL,
    degrade_options, 0, 2, Q(pos), Q(npos)};

int cmd_downscale(int argc, char **argv)
{
    pair_opts o = {0};
    int rc = cli_parse(&downscale_cmd, argc, argv, &o);
    if (rc >= 0)
        return rc;
    const char *const *pos = o.pos;
    int np = o.npos, scale = o.scale;
    sr_format fmt;
    const char *dot = np == 2 ? strrchr(pos[1], '.') : NULL;
    if (np != 2 || !scale)
        return bad_usage("downscale", "needs IN, OUT and --scale");
    if (!dot || !sr_format_from_name(dot + 1, &fmt))
        return bad_usage("downscale", "OUT needs a .png, .jpg, .bmp or .tga extension");
    sr_image in = {0}, out = {0};
    sr_error err;
    sr_status s = sr_image_load(pos[0], SR_DEFAULT_MAX_PIXELS, &in, &err);
    if (!s)
        s = sr_image_downscale(&in, scale, &out, &err);
    if (!s)
        s = sr_image_save(pos[1], &out, fmt, 95, &err);
    if (s)
        fprintf(stderr, "srgan downscale: %s%s%s\n", strncmp(err.msg, pos[0], strlen(pos[0])) ?
                pos[0] : "", strncmp(err.msg, pos[0], strlen(pos[0])) ? ": " : "", err.msg);
    sr_image_free(&in);
    sr_image_free(&out);
    return s ? SR_EXIT_FAILED : SR_EXIT_OK;
}

int cmd_degrade(int argc, char **argv)
{
    pair_opts o = {.seed = 1};
    int rc = cli_parse(&degrade_cmd, argc, argv, &o);
    if (rc >= 0)
        return rc;
    const char *const *pos = o.pos, *spec = o.spec;
    int np = o.npos;
    uint64_t seed = o.seed;
    sr_format fmt;
    const char *dot = np == 2 ? strrchr(pos[1], '.') : NULL;
    if (np != 2 || !spec)
        return bad_usage("degrade", "needs IN, OUT and --degrade");
    /* Lossless only: a .jpg would be the degraded pixels compressed once more, at another
     * quality than the one drawn (and --denoise auto would read that one). */
    if (!dot || !sr_format_from_name(dot + 1, &fmt) ||
        (fmt != SR_FMT_PNG && fmt != SR_FMT_BMP && fmt != SR_FMT_TGA))
        return bad_usage("degrade", "OUT needs a .png, .bmp or .tga extension (lossless: the "
                                    "degradation's JPEG is already in the pixels)");
    sr_degradation d;
    sr_error err;
    if (sr_degradation_parse(spec, &d, &err))
        return bad_usage("degrade", err.msg);
    sr_image in = {0};
    sr_status s = sr_image_load(pos[0], SR_DEFAULT_MAX_PIXELS, &in, &err);
    if (!s && in.c != 3) {
        fprintf(stderr, "srgan degrade: %s: %d channels; degrade takes RGB\n", pos[0], in.c);
        sr_image_free(&in);
        return SR_EXIT_FAILED;
    }
    if (!s)
        s = sr_image_degrade(&d, seed, &in, &err);
    if (!s)
        s = sr_image_save(pos[1], &in, fmt, 95, &err);
    if (s)
        fprintf(stderr, "srgan degrade: %s\n", err.msg);
    sr_image_free(&in);
    return s ? SR_EXIT_FAILED : SR_EXIT_OK;
}

static void print_db(FILE *f, double v)
{
    if (isinf(v))
        fprintf(f, "inf");
    else
        fprintf(f, "%.4f", v);
}

int cmd_psnr(int argc, char **argv)
{
    pair_opts o = {0};
    int rc = cli_parse(&psnr_cmd, argc, argv, &o);
    if (rc >= 0)
        return rc;
    const char *const *pos = o.pos;
    int np = o.npos, shave = o.shave;
    if (np != 2)
        return bad_usage("psnr", "needs two images");
    sr_image a = {0}, b = {0};
    sr_error err;
    sr_quality q;
    sr_status s = sr_image_load(pos[0], SR_DEFAULT_MAX_PIXELS, &a, &err);
    if (!s)
        s = sr_image_load(pos[1], SR_DEFAULT_MAX_PIXELS, &b, &err);
    if (!s)
        s = sr_image_quality(&a, &b, shave, &q, &err);
    if (s) {
        fprintf(stderr, "srgan psnr: %s\n", err.msg);
    } else {
        printf("PSNR ");
        print_db(stdout, q.psnr);
        printf(" dB  SSIM %.4f\n", q.ssim);
    }
    sr_image_free(&a);
    sr_image_free(&b);
    return s ? SR_EXIT_FAILED : SR_EXIT_OK;
}

typedef struct {
    sr_quality bic, net;
    float denoise; /* the strength the model ran at */
} scores;

static void print_json(const sr_evalset *set, const scores *sc, const scores *mean, int scale,
                       const char *model)
{
    printf("{\"scale\": %d, \"model\": \"%s\", \"shave\": %d, \"images\": [", scale, model, scale);
    int n = sr_evalset_size(set);
    for (int i = 0; i <= n; i++) {
        const scores *q = i < n ? &sc[i] : mean;
        if (i < n)
            printf("%s\n  {\"name\": \"%s\", ", i ? "," : "", sr_evalset_pair(set, i).name);
        else
            printf("],\n \"mean\": {");
        printf("\"bicubic\": {\"psnr\": ");
        print_db(stdout, q->bic.psnr);
        printf(", \"ssim\": %.5f}, \"model\": {\"psnr\": ", q->bic.ssim);
        print_db(stdout, q->net.psnr);
        printf(", \"ssim\": %.5f}, \"gain_db\": %.4f", q->net.ssim, q->net.psnr - q->bic.psnr);
        if (i < n)
            printf(", \"lr_jpeg_quality\": %d, \"denoise\": %.2f", sr_evalset_pair(set, i).lr_quality,
                   q->denoise);
        printf("}");
    }
    printf("}\n");
}

static void print_table(const sr_evalset *set, const scores *sc, const scores *mean, int scale,
                        const char *model, int jpeg)
{
    int dn = 0, n = sr_evalset_size(set); /* dn: the JPEG and denoise columns, when useful */
    for (int i = 0; i < n; i++)
        dn |= sr_evalset_pair(set, i).lr_quality > 0 || sc[i].denoise > 0;
    printf("x%d, %s vs bicubic (imresize), Y PSNR dB / SSIM, %d-pixel border shaved", scale,
           model, scale);
    if (jpeg)
        printf(", low resolution saved as JPEG quality %d", jpeg);
    printf("\n%-52s %9s %7s %9s %7s %7s%s\n", "image", "bicubic", "SSIM", "model", "SSIM", "gain",
           dn ? "  JPEG q  denoise" : "");
    for (int i = 0; i <= n; i++) {
        const scores *q = i < n ? &sc[i] : mean;
        printf("%-52s %9.3f %7.4f %9.3f %7.4f %+7.3f", i < n ? sr_evalset_pair(set, i).name : "mean",
               q->bic.psnr, q->bic.ssim, q->net.psnr, q->net.ssim, q->net.psnr - q->bic.psnr);
        if (dn && i < n)
            printf("  %6d  %7.2f", sr_evalset_pair(set, i).lr_quality, q->denoise);
        printf("\n");
    }
}

typedef struct {
    const char *hr, *lr, *model, *family;
    int scale, crops, json, threads, jpeg;
    float denoise;
} eval_opts;

#define E(f) offsetof(eval_opts, f)
static const cli_opt eval_options[] = {
    {"--hr", NULL, "DIR", cli_v_str, E(hr), 0, 0, NULL, "the high-resolution images (required)"},
    {"--lr", NULL, "DIR", cli_v_str, E(lr), 0, 0, NULL,
     "their low-resolution versions, same relative paths (default: made\n"
     "by imresize)"},
    {"--crops", NULL, NULL, NULL, E(crops), 0, 0, NULL,
     "docs/training.md's validation crops of each image instead"},
    {"--scale", "-s", "N", cli_v_int, E(scale), 2, 16, NULL, "2-16 (required)"},
    {"--model", "-m", "NAME|PATH.param", cli_v_str, E(model), 0, 0, NULL,
     "the model (default: the embedded one for the scale)"},
    {"--family", NULL, "NAME", cli_v_str, E(family), 0, 0, NULL, CLI_FAMILY_HELP},
    {"--jpeg", NULL, "Q", cli_v_int, E(jpeg), 1, 100, NULL,
     "save each low-resolution image as a JPEG at quality Q (libjpeg,\n"
     "4:2:0) and read it back first; bicubic gets the same JPEG"},
    {"--denoise", NULL, "auto|S", cli_v_denoise, E(denoise), 0, 0, NULL,
     "JPEG artefact removal of models with a JPEG twin: auto (default)\n"
     "from each low-resolution JPEG's own tables, or a fixed 0..1"},
    {"--threads", "-j", "N", cli_v_int, E(threads), 1, 1024, NULL, "(default: all cores)"},
    {"--json", NULL, NULL, NULL, E(json), 0, 0, NULL, "JSON instead of the table"},
    {0}};
static const cli_cmd eval_cmd = {"eval", "--hr DIR [--lr DIR | --crops] --scale N [options]",
                                 "a model against bicubic, Y PSNR / SSIM as SR papers report it",
                                 NULL, eval_options, 0, 0, 0, 0};

int cmd_eval(int argc, char **argv)
{
    eval_opts o = {.denoise = SR_DENOISE_AUTO};
    int rc = cli_parse(&eval_cmd, argc, argv, &o);
    if (rc >= 0)
        return rc;
    const char *hr = o.hr, *lr = o.lr, *model = o.model;
    int scale = o.scale, crops = o.crops, json = o.json, threads = o.threads, jpeg = o.jpeg;
    float denoise = o.denoise;
    if (!hr || !scale)
        return bad_usage("eval", "needs --hr and --scale");
    if (lr && crops)
        return bad_usage("eval", "--crops makes its own low-resolution crops: drop --lr");
    if (lr && jpeg)
        return bad_usage("eval", "--jpeg saves the low-resolution images it makes: drop --lr "
                         "(JPEGs under --lr are read as they are)");
    sr_model *m = NULL;
    rc = cli_load_model(&(cli_model_opts){.name = model, .family = o.family, .scale = scale,
                                          .exact = 1, .noise = -1}, &m);
    if (rc)
        return rc;
    if (denoise > 0 && !sr_model_has_denoise(m)) {
        fprintf(stderr, "srgan eval: --denoise: model %s has no JPEG-trained twin\n",
                sr_model_name(m));
        sr_model_free(m);
        return SR_EXIT_USAGE;
    }
    sr_model *blends[21] = {0}; /* one per strength used, made on first use */
    sr_evalset *set = NULL;
    sr_error err;
    sr_status s = sr_evalset_load(hr, lr, scale, crops, jpeg, &set, &err);
    int n = s ? 0 : sr_evalset_size(set);
    scores *sc = s ? NULL : calloc((size_t)n, sizeof *sc), mean = {.denoise = 0};
    if (!s && !sc) {
        s = SR_E_NOMEM;
        snprintf(err.msg, sizeof err.msg, "out of memory");
    }
    sr_upscale_params up = sr_upscale_default_params();
    up.nthreads = threads;
    const char *failed = NULL;
    for (int i = 0; !s && i < n; i++) {
        sr_eval_pair p = sr_evalset_pair(set, i);
        sr_image bic = {0}, net = {0};
        float st = denoise == SR_DENOISE_AUTO ? sr_denoise_strength(p.lr_quality) : denoise;
        int level = sr_model_has_denoise(m) ? (int)lrintf(st * 20) : 0;
        sc[i].denoise = level / 20.f;
        s = sr_image_imresize(p.lr, p.hr->w, p.hr->h, &bic, &err);
        if (!s && level && !blends[level])
            s = sr_model_denoise(m, sc[i].denoise, &blends[level], &err);
        if (!s)
            s = sr_upscale_image(level ? blends[level] : m, &up, p.lr, &net, &err);
        if (!s)
            s = sr_image_quality(p.hr, &bic, scale, &sc[i].bic, &err);
        if (!s)
            s = sr_image_quality(p.hr, &net, scale, &sc[i].net, &err);
        if (s)
            failed = p.name;
        mean.bic.psnr += sc[i].bic.psnr / n, mean.bic.ssim += sc[i].bic.ssim / n;
        mean.net.psnr += sc[i].net.psnr / n, mean.net.ssim += sc[i].net.ssim / n;
        sr_image_free(&bic);
        sr_image_free(&net);
    }
    if (s) {
        fprintf(stderr, "srgan eval: %s%s%s\n", failed ? failed : "", failed ? ": " : "", err.msg);
    } else if (json) {
        print_json(set, sc, &mean, scale, sr_model_name(m));
    } else {
        print_table(set, sc, &mean, scale, sr_model_name(m), jpeg);
    }
    free(sc);
    sr_evalset_free(set);
    for (int i = 0; i < 21; i++)
        sr_model_free(blends[i]);
    sr_model_free(m);
    return s ? SR_EXIT_FAILED : SR_EXIT_OK;
}
