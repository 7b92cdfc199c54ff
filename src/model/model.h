/* model.h - the model: .param parsing, the layer table, weights, the loaded graph and its
 * geometry, the JPEG twin. Depends on kernels, image and base. */
#ifndef SR_MODEL_H
#define SR_MODEL_H

#include "image/image.h"
#include "kernels/kernels.h"

/* ---- .param parsing (param.c) ---- */

#define SR_MAX_KEYS 32 /* ncnn parameter ids 0..31 */
#define SR_MAX_IO 8    /* inputs or outputs of one layer */
#define SR_NAME_LEN 64

typedef struct {
    int set;     /* 1 when present in the file */
    int is_arr;  /* an array value (negative key -23300-k) */
    int is_flt;  /* scalar written with '.', 'e' or 'E' */
    int i;
    float f;
    int n;       /* array length */
    float *arr;  /* array values, owned */
} sr__pval;

typedef struct {
    char type[SR_NAME_LEN], name[SR_NAME_LEN];
    int line; /* 1-based line in the .param text */
    int n_in, n_out;
    int in[SR_MAX_IO], out[SR_MAX_IO]; /* blob indices */
    sr__pval p[SR_MAX_KEYS];
} sr__player;

typedef struct {
    sr__player *layers;
    int nlayers, cap; /* cap: allocated layers (partially parsed ones hold arrays too) */
    char (*blobs)[SR_NAME_LEN];
    int nblobs;
} sr__param;

sr_status sr__param_parse(const char *text, size_t len, sr__param *out, sr_error *err);
void sr__param_free(sr__param *p);
int sr__pget_int(const sr__player *l, int key, int def);
float sr__pget_float(const sr__player *l, int key, float def);

/* ---- weights (weights.c) ---- */

/* A .bin being read, layer by layer, and what has been read from it. */
typedef struct {
    const uint8_t *p;
    size_t left;   /* bytes */
    size_t floats; /* floats read so far */
    int tags;      /* tagged arrays read so far (each has a 4-byte fp16/fp32 tag) */
} sr__bin;

/* Reads n floats; tagged = 1 for ncnn's "type 0" arrays (4-byte fp16/fp32 tag first). */
sr_status sr__read_floats(sr__bin *bin, size_t n, int tagged, float *dst, const char *what,
                          sr_error *err);
float sr__half_to_float(uint16_t h);

/* ---- layers (layers.c: the table; layer_*.c: the types) ---- */

typedef struct {
    int c, h, w;
    int blk; /* stored channel-blocked (kernels.h), as the model planned it; 0: planar */
} sr__shape;

static inline size_t sr__plane(const sr__shape *s) { return (size_t)s->h * s->w; }
static inline size_t sr__numel(const sr__shape *s) { return (size_t)s->c * s->h * s->w; }
/* Floats of the blob's buffer in its layout (a blocked one has its ring). */
static inline size_t sr__floats(const sr__shape *s)
{
    return s->blk ? sr__blk_floats(s->c, s->w, s->h) : sr__numel(s);
}
/* Where channel k of pixel (x, y) lies in the blob's buffer. */
static inline size_t sr__at(const sr__shape *s, int k, int x, int y)
{
    return s->blk ? sr__blk_at(k, x, y, s->w, s->h) : ((size_t)k * s->h + y) * s->w + x;
}

/* Exact rational number, for blob scales relative to the network input. */
typedef struct {
    long num, den;
} sr__ratio;

typedef struct sr__layer_ops sr__layer_ops;

typedef struct sr__layer {
    const sr__layer_ops *ops; /* its type */
    char name[SR_NAME_LEN];
    int line;
    int n_in, n_out;
    int in[SR_MAX_IO], out[SR_MAX_IO];
    void *p; /* the type's own parameters and weights (defined in its file); owned */
} sr__layer;

enum {
    SR_LF_INPUT = 1,   /* the network's input: its shape is the tile's, the runner fills it */
    SR_LF_ALIAS = 2,   /* its outputs are its input (Split): no buffer, no work */
    SR_LF_SLICED = 4,  /* forward computes its slice (rc->ith of rc->nth) and every thread of a
                        * shared tile calls it; otherwise thread 0 runs it alone */
    SR_LF_INEXACT = 8, /* its output depends on the whole tile (global statistics, U-Net crops):
                        * tiles cannot equal the whole image (sr_model_exact_tiles) */
    SR_LF_ADDEND = 16, /* a BinaryOp add after it may fold in: a second input, of the output's
                        * shape and resolution, that forward adds to each result */
    SR_LF_CONCAT = 32, /* its output is its inputs one after another (channels, in the output's
                        * layout): the runner may place them there, and forward then copies
                        * nothing (runtime/slots.c) */
};

/* Everything srgan knows about one ncnn layer type, in one place: adding a type is a file that
 * defines one of these (and its parameter struct) plus its line in layers.c's table. */
struct sr__layer_ops {
    const char *name; /* the ncnn type */
    const int *keys;  /* the parameter ids it understands, -1 terminated */
    int flags;        /* SR_LF_* */
    /* Parses and checks parameters into l->p and reads its weights; input shapes known (for a
     * nominal 96x96 network input). */
    sr_status (*load)(sr__layer *l, const sr__player *pl, const sr__shape *in, sr__bin *bin,
                      sr_error *err);
    void (*free)(void *p); /* l->p; NULL: free() */
    /* Output shapes from input shapes; -1 on an impossible shape. */
    int (*shape)(const sr__layer *l, const sr__shape *in, sr__shape *out);
    void (*forward)(const sr__layer *l, const float *const *in, const sr__shape *ins,
                    float *const *out, const sr__shape *outs, const sr__run *rc);
    /* The rest may be NULL. Scratch floats for these shapes (shared by a call's threads, and
     * each one's own); none if NULL. */
    sr__ws_need (*workspace)(const sr__layer *l, const sr__shape *in, const sr__shape *out);
    /* Geometry: the output's resolution relative to the network input (*scale, from the
     * input's; num 0: no spatial extent) and its receptive-field radius in network-input pixels
     * (*radius, from the input's). NULL: both unchanged. */
    void (*geometry)(const sr__layer *l, sr__ratio *scale, double *radius);
    /* Where the output's pixel (0, 0) lies in the whole image, from where the first input's
     * does (o: x then y, in each blob's own pixels; updated). NULL: the same place. */
    void (*origin)(const sr__layer *l, const sr__shape *in, long *o);
    double (*flops)(const sr__layer *l, const sr__shape *in, const sr__shape *out); /* NULL: 0 */
    /* After loading and fusing: weights packed for the kernels, at the load's precision. */
    sr_status (*prepare)(sr__layer *l, sr_precision precision, sr_error *err);
    /* Folds l, the only consumer of prev's output (an activation, or an add of it and an
     * earlier blob), into prev's store; 1 if done (l->p may have been moved). NULL: never. */
    int (*fuse)(sr__layer *l, sr__layer *prev);
    /* Takes over src, the layer whose output is l's input k and is read by l alone: l reads
     * src's input instead and does src's work as it reads (an Interp's addend that a
     * PixelShuffle made); 1 if done, and src is dropped. NULL: never. */
    int (*absorb)(sr__layer *l, int k, const sr__layer *src);
    /* Channels of whole-image statistics its output holds (a global average pool: Real-CUGAN's
     * squeeze-and-excitation, which a pass may save or replace); NULL or 0: none. */
    int (*stats)(const sr__layer *l, const sr__shape *in);
    /* Which of its sides can be channel-blocked (SR_BLK_IN: every input, SR_BLK_OUT: its
     * output), for these input shapes, after prepare; NULL or 0: planar only (plan_layouts). */
    int (*blocked)(const sr__layer *l, const sr__shape *in);
};

#define SR__KEYS(...) ((const int[]){__VA_ARGS__, -1})

const sr__layer_ops *sr__layer_find(const char *type); /* by ncnn type name; NULL: unknown */
void sr__layer_free(sr__layer *l);
/* The convolution of a Convolution or Deconvolution layer, else NULL. */
sr__conv *sr__layer_conv(const sr__layer *l);

extern const sr__layer_ops sr__layer_input, sr__layer_split, sr__layer_convolution,
    sr__layer_deconvolution, sr__layer_prelu, sr__layer_relu, sr__layer_pixelshuffle,
    sr__layer_interp, sr__layer_binaryop, sr__layer_eltwise, sr__layer_concat, sr__layer_pooling,
    sr__layer_innerproduct, sr__layer_scale, sr__layer_crop;

/* ---- models (model.c) ---- */

#define SR_MAX_PARAM_BYTES (16u << 20)      /* a .param text */
#define SR_MAX_BIN_BYTES ((size_t)4 << 30) /* a .bin file */

enum { SR_BORDER_REFLECT = 0, SR_BORDER_REPLICATE };
enum { SR_FAMILY_REALESRGAN = 0, SR_FAMILY_WAIFU2X, SR_FAMILY_REALCUGAN, SR_FAMILY_SRGAN };
#define SR_MAX_EXACT_HALO 64 /* larger receptive fields tile like the reference programs */

/* A JPEG-trained twin: the clean model's .param and fp32 weights and the twin's, kept for the
 * blends sr_model_denoise makes (denoise.c); owned by the model. */
typedef struct sr__twin {
    char *param;
    uint8_t *bin, *twin; /* both bin_len bytes, fp32 throughout */
    size_t param_len, bin_len;
} sr__twin;
void sr__twin_free(sr__twin *t); /* model.c */
/* Gives m a JPEG-trained twin: the same .param with weights twin (copied), checked to be the
 * same fp32 layout as bin (m's own weights, copied too). what names them in errors. */
sr_status sr__model_attach_twin(sr_model *m, const char *param, size_t param_len, const void *bin,
                                size_t bin_len, const void *twin, size_t twin_len,
                                const char *what, sr_error *err);

struct sr_model {
    char name[128];
    sr__layer *layers;
    int nlayers;
    int nblobs;
    int *blob_c;          /* channels of each blob */
    sr__ratio *blob_scale; /* spatial size of each blob relative to the input */
    unsigned char *blob_blk; /* 1: the blob is stored channel-blocked (plan_layouts) */
    int input_blob, output_blob;
    int scale, halo, align, prepad;
    int shrink; /* input pixels each side that valid convolutions consume (0 for padded nets) */
    int border; /* how the prepadding is filled: SR_BORDER_REFLECT or SR_BORDER_REPLICATE */
    int family; /* SR_FAMILY_*: whose pre-processing the model gets */
    sr_precision precision; /* of the Winograd layers (load parameter) */
    int exact_tiles; /* tiled output equals whole-image output (the halo covers the receptive
                      * field); 0 for deep nets whose tiles only overlap by the prepadding */
    size_t weight_bytes; /* of the floats read from the .bin (fp16 ones counted as fp32) */
    int weight_tags;     /* tagged arrays in the .bin (4 bytes each) */
    sr__twin *twin; /* JPEG-trained twin for sr_model_denoise, or NULL; owned */
};

/* Shapes of every blob for an input of w x h; returns 0, or 1 + the index of the layer that
 * rejects its input shapes. */
int sr__model_shapes(const sr_model *m, int w, int h, sr__shape *shapes);

#endif
