/* fuzz_image.c - libFuzzer target for image decoding (PNG, JPEG, BMP, TGA through stb, with
 * srgan's header checks in front), with a pixel limit low enough to keep each input fast, and
 * for the JPEG quality estimate's table reader (hostile DQT segments). */
#include "srgan.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sr_image im;
    sr_error e;
    (void)sr_jpeg_quality(data, size);
    if (sr_image_decode(data, size, "fuzz", 1 << 20, &im, &e) == SR_OK)
        sr_image_free(&im);
    return 0;
}
