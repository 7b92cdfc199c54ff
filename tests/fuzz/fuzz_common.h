/* fuzz_common.h - what the fuzz targets share: a model that loaded is also run on a small image,
 * so a graph that passes validation but breaks the runner is found too. */
#ifndef SR_FUZZ_COMMON_H
#define SR_FUZZ_COMMON_H

#include "srgan.h"

#include <stdint.h>
#include <string.h>

static void fuzz_run_model(sr_model *m)
{
    /* keep each input fast: skip graphs that would take long to run on a 9x7 image */
    if (sr_model_flops(m, 9 + 2 * sr_model_prepad(m), 7 + 2 * sr_model_prepad(m)) > 2e8)
        return;
    sr_image in, out;
    sr_error e;
    if (sr_image_alloc(&in, 9, 7, 3, &e))
        return;
    for (int i = 0; i < 9 * 7 * 3; i++)
        in.data[i] = (uint8_t)(i * 37);
    sr_upscale_params p = {.tile = 16, .nthreads = 1};
    if (sr_upscale_image(m, &p, &in, &out, &e) == SR_OK)
        sr_image_free(&out);
    sr_image_free(&in);
}

#endif
