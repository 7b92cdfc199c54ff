/* conv_avx512.c - the AVX-512F micro-kernel of 16 output channels x 16 pixels: the Winograd
 * products everywhere, and direct convolutions on CPUs other than Intel's (sr__conv_pick). */
#define KNAME sr__conv_kernel_avx512
#define KERNEL_NAME "avx512"
/* 16 output channels x one vector of 16 pixels: 16 accumulators, each tap one pixel load and
 * 16 weight broadcasts. Measured against 8 x 3 (the AVX2 shape), 4 x 6, 6 x 4, 12 x 2 and
 * 24 x 1 on Zen 4 (bench-conv): the fastest on every shape, 85-86% of peak on a 256x256 64->64
 * layer against 80-82% for 8 x 3, and twice as fast on the 3-channel first layer. */
#define COB 16
#define NX 1

#include "conv_avx512.h"
#include "conv_kernel.inc"
