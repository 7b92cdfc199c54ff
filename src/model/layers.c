/* layers.c - the layer table: every ncnn layer type srgan runs, found by name. Each type is
 * one sr__layer_ops (model.h) defined in its file: layer_basic.c (Input, Split, PReLU, ReLU,
 * BinaryOp, Eltwise, Concat), layer_conv.c (Convolution, Deconvolution), layer_resize.c
 * (PixelShuffle, Interp), layer_unet.c (Pooling, InnerProduct, Scale, Crop). Adding a type:
 * its file (parameters, load, shape, forward, and geometry, origin, flops where it has them),
 * its line below, its test (docs/architecture.md).
 *
 * Forward functions never allocate and never start threads; they write every output value
 * from its inputs in a fixed order, so results do not depend on where a tile starts or on how
 * many threads share it.
 */
#include "model.h"

#include <string.h>

static const sr__layer_ops *const table[] = {
    &sr__layer_input,        &sr__layer_split,   &sr__layer_convolution, &sr__layer_deconvolution,
    &sr__layer_prelu,        &sr__layer_relu,    &sr__layer_pixelshuffle, &sr__layer_interp,
    &sr__layer_binaryop,     &sr__layer_eltwise, &sr__layer_concat,      &sr__layer_pooling,
    &sr__layer_innerproduct, &sr__layer_scale,   &sr__layer_crop,
};

const sr__layer_ops *sr__layer_find(const char *type)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i]->name, type) == 0)
            return table[i];
    return NULL;
}

void sr__layer_free(sr__layer *l)
{
    if (l->ops && l->ops->free)
        l->ops->free(l->p);
    else
        free(l->p);
    l->p = NULL;
}
