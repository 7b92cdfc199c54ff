/* train_avx2.c - the trainer's weight-gradient kernel built for AVX2 + FMA (see train_kernel.inc). */
#include "train.h"

#define SR_TK_NAME sr__t_dot_avx2
#include "train_kernel.inc"
