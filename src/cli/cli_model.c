/* cli_model.c - which model a command runs: --model NAME (embedded), PATH.param, or a folder of
 * models as the reference programs ship them, picked by --scale and --noise. */
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* File stems to try in a model folder, best first, for a scale and a noise level (-1: none
 * given, 0..3). Names of realcugan-ncnn-vulkan (models-se), waifu2x-ncnn-vulkan (models-cunet,
 * models-upconv_7_*), realesrgan-ncnn-vulkan, and ../shared's renamed copies. */
static int candidates(int scale, int noise, char out[][64])
{
    int n = 0, s = scale ? scale : 2;
    if (noise <= 0)
        snprintf(out[n++], 64, "up%dx-%s", s, noise < 0 ? "conservative" : "no-denoise");
    else
        snprintf(out[n++], 64, "up%dx-denoise%dx", s, noise);
    if (noise < 0) {
        snprintf(out[n++], 64, "scale%d.0x_model", s);
        snprintf(out[n++], 64, "noise0_scale%d.0x_model", s);
        snprintf(out[n++], 64, "upconv_7-scale%dx", s);
        snprintf(out[n++], 64, "cunet-noise0-scale%dx", s);
    } else {
        snprintf(out[n++], 64, "noise%d_scale%d.0x_model", noise, s);
        snprintf(out[n++], 64, "cunet-noise%d-scale%dx", noise, s);
    }
    snprintf(out[n++], 64, "realesr-animevideov3-x%d", s);
    snprintf(out[n++], 64, "realesrgan-x%dplus", s);
    return n;
}

/* realcugan-ncnn-vulkan names its models up2x-*, up3x-*, up4x-*: nets of valid convolutions
 * like waifu2x's, so the library is told the family rather than guessing it from a name. */
static int realcugan_name(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    return !strncmp(b, "up", 2) && b[2] >= '2' && b[2] <= '4' && b[3] == 'x' && b[4] == '-';
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int cli_load_model(const cli_model_opts *o, sr_model **out)
{
    sr_error err;
    sr_status s;
    char path[4096];
    const char *chosen = o->name;
    int scale = o->scale, native = !scale ? 4 : scale > 4 ? 4 : scale < 2 ? 2 : scale;
    *out = NULL;
    if (o->noise >= 0 && !(chosen && is_dir(chosen))) {
        fprintf(stderr, "srgan: --noise picks a model from a folder: give --model a folder\n");
        return SR_EXIT_USAGE;
    }
    if (!chosen) { /* the embedded default for this factor, or x4 / x2 to resize from */
        chosen = sr_embedded_default(o->exact && scale ? scale : native);
        if (!chosen) {
            fprintf(stderr, "srgan: no embedded model for --scale %d\n", scale);
            return SR_EXIT_USAGE;
        }
    } else if (is_dir(chosen)) { /* without --scale, the folder's x4, x2 or x3 model */
        static const int any[] = {4, 2, 3};
        char stems[16][64];
        int found = 0;
        for (int k = 0; k < (scale ? 1 : 3) && !found; k++) {
            int n = candidates(scale ? native : any[k], o->noise, stems);
            for (int i = 0; i < n && !found; i++) {
                snprintf(path, sizeof path, "%s/%s.param", o->name, stems[i]);
                found = access(path, R_OK) == 0;
            }
        }
        if (!found) {
            fprintf(stderr, "srgan: %s: no model for %s%s (names as the reference programs ship "
                    "them, e.g. up2x-conservative.param, noise0_scale2.0x_model.param)\n",
                    o->name, scale ? "this --scale" : "x2, x3 or x4",
                    o->noise >= 0 ? " and --noise" : "");
            return SR_EXIT_USAGE;
        }
        chosen = path;
    }
    size_t n = strlen(chosen);
    sr_model_params mp = sr_model_default_params();
    mp.family = o->family ? o->family : realcugan_name(chosen) ? "realcugan" : NULL;
    mp.precision = o->bf16 ? SR_PRECISION_BF16 : SR_PRECISION_FP32;
    if (n > 6 && strcmp(chosen + n - 6, ".param") == 0)
        s = sr_model_load_files(chosen, NULL, &mp, out, &err);
    else
        s = sr_model_load_embedded(chosen, &mp, out, &err);
    if (s) {
        fprintf(stderr, "srgan: cannot use model: %s\n", err.msg);
        sr_model_free(*out);
        *out = NULL;
        return SR_EXIT_USAGE;
    }
    if (o->exact && scale && sr_model_scale(*out) != scale) {
        fprintf(stderr, "srgan: model %s upscales x%d, not x%d (pick a x%d model)\n",
                sr_model_name(*out), sr_model_scale(*out), scale, scale);
        sr_model_free(*out);
        *out = NULL;
        return SR_EXIT_USAGE;
    }
    return SR_EXIT_OK;
}
