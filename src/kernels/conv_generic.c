/* conv_generic.c - the micro-kernel in plain C, for CPUs without AVX2 and for portable builds.
 * Multiply and add stay separate (the build uses -ffp-contract=off), so this path's results
 * are reproducible on any compiler that honours IEEE single precision. */
#include "kernels.h"

#include <math.h>
#include <string.h>

#define KNAME sr__conv_kernel_generic
#define KERNEL_NAME "generic"
#define VW 1
#define VT float
#define COB 4
#define NX 8
#define VLOAD(p) (*(p))
#define VSET1(x) (x)
#define VFMA(a, b, c) ((a) * (b) + (c))
#define VMAX(a, b) ((a) > (b) ? (a) : (b))
#define VMIN(a, b) ((a) < (b) ? (a) : (b))
#define VADD(a, b) ((a) + (b))
#define VMUL(a, b) ((a) * (b))
#define VSUB(a, b) ((a) - (b))
#define VDEINT(a, b, e, o) ((e) = (a), (o) = (b))
#define VLOAD_IN(p, a, b) ((a) <= 0 && (b) > 0 ? *(p) : 0.f)
#define VINTER(a, b, p) ((p)[0] = (a), (p)[1] = (b))
#define VSTORE(p, v) (*(p) = (v))
#define VSTORE_N(p, v, n) (*(p) = (v))

#include "conv_kernel.inc"
