/* blocked.c - the channel-blocked activation layout's sizes and its ring of zeros, for every
 * layer that reads or writes it (the layout itself is described in kernels.h). Portable C: the
 * kernels that fill these buffers are in wino_blocked.c and conv.c. */
#include "kernels.h"

#include <string.h>

size_t sr__blk_floats(int c, int w, int h)
{
    return (size_t)(c + 15) / 16 * 16 * (size_t)(h + 2 * SR_BLK_PAD) * (size_t)(w + 2 * SR_BLK_PAD);
}

void sr__blk_zero_ring(int c, int w, int h, float *out, int r0, int r1)
{
    int W = w + 2 * SR_BLK_PAD, H = h + 2 * SR_BLK_PAD;
    for (int cb = 0; cb < (c + 15) / 16; cb++)
        for (int r = r0; r < r1; r++) {
            float *o = out + ((size_t)cb * H + r) * W * 16;
            if (r < SR_BLK_PAD || r >= H - SR_BLK_PAD) {
                memset(o, 0, (size_t)W * 16 * sizeof(float));
                continue;
            }
            memset(o, 0, SR_BLK_PAD * 16 * sizeof(float));
            memset(o + (size_t)(W - SR_BLK_PAD) * 16, 0, SR_BLK_PAD * 16 * sizeof(float));
        }
}
