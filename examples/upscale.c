/* upscale.c - one photo through libsrgan, as a C program uses it: the embedded x4 photo model,
 * JPEG artefacts removed by the strength the file's own tables call for, all cores.
 *
 *     cc upscale.c $(pkg-config --cflags --libs srgan) -o upscale
 *     ./upscale photo.jpg photo-x4.png
 */
#include <srgan.h>

#include <stdio.h>
#include <stdlib.h>

static int fail(const char *what, const sr_error *err)
{
    fprintf(stderr, "upscale: %s: %s\n", what, err->msg);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: upscale IN OUT.png\n");
        return 2;
    }
    sr_error err;
    sr_model *m = NULL, *blend = NULL;
    sr_image in = {0}, out = {0};
    if (sr_model_load_embedded(sr_embedded_default(4), NULL, &m, &err))
        return fail("model", &err);
    if (sr_image_load(argv[1], SR_DEFAULT_MAX_PIXELS, &in, &err))
        return fail(argv[1], &err);

    /* A JPEG's quality, from its quantisation tables (0 for other files), and the strength of
     * artefact removal it calls for, when the model has a JPEG-trained twin. */
    FILE *f = fopen(argv[1], "rb");
    static unsigned char head[1 << 16];
    size_t n = f ? fread(head, 1, sizeof head, f) : 0;
    if (f)
        fclose(f);
    float strength = sr_model_has_denoise(m) ? sr_denoise_strength(sr_jpeg_quality(head, n)) : 0;
    if (strength > 0 && sr_model_denoise(m, strength, &blend, &err))
        return fail("denoise", &err);

    sr_upscale_params up = sr_upscale_default_params(); /* tiles over every core */
    if (sr_upscale_image(blend ? blend : m, &up, &in, &out, &err) ||
        sr_image_save(argv[2], &out, SR_FMT_PNG, 0, &err))
        return fail(argv[2], &err);
    printf("%s: %dx%d -> %s: %dx%d (denoise %.2f)\n", argv[1], in.w, in.h, argv[2], out.w, out.h,
           strength);
    sr_image_free(&in);
    sr_image_free(&out);
    sr_model_free(blend);
    sr_model_free(m);
    return 0;
}
