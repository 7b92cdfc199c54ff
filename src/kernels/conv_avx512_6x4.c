/* conv_avx512_6x4.c - the AVX-512F micro-kernel of 6 output channels x 4 vectors of 16 pixels,
 * for direct convolutions on Intel cores (sr__conv_pick). Each tap loads 4 pixel vectors and 6
 * weights for 24 FMAs, where 16 x 1 loads 17 values for 16: on a core with two FMA pipes
 * (Xeon, family 6 model 207) that pays, on Zen 4's one it did not (conv_avx512.c). Same sums
 * in the same order as every other shape, so the same bits. */
#define KNAME sr__conv_kernel_avx512_6x4
#define KERNEL_NAME "avx512-6x4"
#define COB 6
#define NX 4
#include "conv_avx512.h"
#include "conv_kernel.inc"
