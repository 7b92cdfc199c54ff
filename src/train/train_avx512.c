/* train_avx512.c - the trainer's weight-gradient kernel built for AVX-512 (see train_kernel.inc). */
#include "train.h"

#define SR_TK_NAME sr__t_dot_avx512
#include "train_kernel.inc"
