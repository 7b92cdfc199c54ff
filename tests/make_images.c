/* make_images.c - writes deterministic test images for the CLI tests, so they need no image
 * tools on the machine: make_images DIR NAME:WxHxC... (format from NAME's extension). */
#include "srgan.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: make_images DIR NAME:WxHxC...\n");
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        char name[1024], path[4096];
        int w, h, c;
        const char *colon = strrchr(argv[i], ':');
        if (!colon || colon - argv[i] >= (long)sizeof name ||
            sscanf(colon + 1, "%dx%dx%d", &w, &h, &c) != 3) {
            fprintf(stderr, "make_images: bad spec '%s'\n", argv[i]);
            return 2;
        }
        memcpy(name, argv[i], (size_t)(colon - argv[i]));
        name[colon - argv[i]] = 0;
        const char *dot = strrchr(name, '.');
        sr_format f;
        if (!dot || !sr_format_from_name(dot + 1, &f)) {
            fprintf(stderr, "make_images: %s: unknown extension\n", name);
            return 2;
        }
        sr_image im;
        sr_error e;
        if (sr_image_alloc(&im, w, h, c, &e)) {
            fprintf(stderr, "make_images: %s\n", e.msg);
            return 1;
        }
        /* smooth gradients, a few hard edges and a checker: something for the net to do */
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int k = 0; k < c; k++) {
                    int v = (x * 255 / (w > 1 ? w - 1 : 1) + y * 3 + k * 60) % 256;
                    if (((x / 6) + (y / 6)) % 2 && k < 3)
                        v = 255 - v;
                    im.data[((size_t)y * w + x) * c + k] = (unsigned char)v;
                }
        snprintf(path, sizeof path, "%s/%s", argv[1], name);
        if (sr_image_save(path, &im, f, 90, &e)) {
            fprintf(stderr, "make_images: %s\n", e.msg);
            return 1;
        }
        sr_image_free(&im);
    }
    return 0;
}
