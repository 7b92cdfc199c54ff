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

/* ---- layers (layers.c, layers_unet.c) ---- */

enum {
    SR_L_INPUT,
    SR_L_SPLIT,
    SR_L_CONV,
    SR_L_PRELU,
    SR_L_RELU,
    SR_L_PIXELSHUFFLE,
    SR_L_INTERP,
    SR_L_BINARYOP,
    SR_L_ELTWISE,
    SR_L_CONCAT,
    SR_L_DECONV,
    SR_L_POOLING,
    SR_L_INNERPRODUCT,
    SR_L_SCALE,
    SR_L_CROP,
    SR_L_COUNT
};

typedef struct {
    int c, h, w;
} sr__shape;

/* Exact rational number, for blob scales relative to the network input. */
typedef struct {
    long num, den;
} sr__ratio;

typedef struct sr__layer {
    int type;
    char name[SR_NAME_LEN];
    int line;
    int n_in, n_out;
    int in[SR_MAX_IO], out[SR_MAX_IO];
    int iparam[8];     /* type-specific integer parameters, see layers.c */
    float fparam[4];   /* type-specific float parameters */
    float *data;       /* type-specific weights (PReLU slopes, ...), owned */
    int ndata;
    sr__ratio ratio;   /* Interp: exact output/input scale */
    sr__conv conv;     /* SR_L_CONV and SR_L_DECONV */
} sr__layer;

/* Per-type behaviour: the table that adding a layer type extends. */
typedef struct {
    const char *name;
    /* Parses and checks parameters, reads weights from *bin; channels of inputs known. */
    sr_status (*load)(sr__layer *l, const sr__player *pl, const sr__shape *in, const uint8_t **bin,
                      size_t *bin_left, sr_error *err);
    /* Output shapes from input shapes; -1 on an impossible shape. */
    int (*shape)(const sr__layer *l, const sr__shape *in, sr__shape *out);
    /* Workspace floats needed for these input shapes. */
    /* Scratch floats needed for these input shapes: shared by a call's threads, and each one's. */
    sr__ws_need (*workspace)(const sr__layer *l, const sr__shape *in, const sr__shape *out);
    void (*forward)(const sr__layer *l, const float *const *in, const sr__shape *ins,
                    float *const *out, const sr__shape *outs, const sr__run *rc);
    const int *keys; /* the parameter ids this implementation understands, -1 terminated */
    /* 1: forward computes its slice of the work (rc->ith of rc->nth) and every thread of a shared
     * tile calls it; 0: only thread 0 calls it, the others wait at the barrier after the layer. */
    int sliced;
} sr__layer_ops;

const sr__layer_ops *sr__layer_find(const char *type);

/* The U-Net models' layers (layers_unet.c), listed in layers.c's table. */
#define SR__LAYER_FNS(name)                                                                        \
    sr_status sr__##name##_load(sr__layer *l, const sr__player *pl, const sr__shape *in,          \
                                const uint8_t **bin, size_t *left, sr_error *err);                \
    void sr__##name##_forward(const sr__layer *l, const float *const *in, const sr__shape *ins,   \
                              float *const *out, const sr__shape *outs, const sr__run *rc)
SR__LAYER_FNS(pooling);
SR__LAYER_FNS(innerproduct);
SR__LAYER_FNS(scale);
SR__LAYER_FNS(crop);
int sr__pooling_shape(const sr__layer *l, const sr__shape *in, sr__shape *out);
int sr__innerproduct_shape(const sr__layer *l, const sr__shape *in, sr__shape *out);
int sr__crop_shape(const sr__layer *l, const sr__shape *in, sr__shape *out);
int sr__scale_shape(const sr__layer *l, const sr__shape *in, sr__shape *out);
void sr__crop_start(const sr__layer *l, const sr__shape *in, int *x0, int *y0);
const sr__layer_ops *sr__layer_ops_of(int type);

/* ---- weights (weights.c) ---- */

/* Reads n floats; tagged = 1 for ncnn's "type 0" arrays (4-byte fp16/fp32 tag first). */
sr_status sr__read_floats(const uint8_t **bin, size_t *left, size_t n, int tagged, float *dst,
                          const char *what, sr_error *err);
float sr__half_to_float(uint16_t h);

/* ---- models (model.c) ---- */

#define SR_MAX_PARAM_BYTES (16u << 20)      /* a .param text */
#define SR_MAX_BIN_BYTES ((size_t)4 << 30) /* a .bin file */

enum { SR_BORDER_REFLECT = 0, SR_BORDER_REPLICATE };
enum { SR_FAMILY_REALESRGAN = 0, SR_FAMILY_WAIFU2X, SR_FAMILY_REALCUGAN };
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
    int input_blob, output_blob;
    int scale, halo, align, prepad;
    int shrink; /* input pixels each side that valid convolutions consume (0 for padded nets) */
    int border; /* how the prepadding is filled: SR_BORDER_REFLECT or SR_BORDER_REPLICATE */
    int family; /* SR_FAMILY_*: whose pre-processing the model gets */
    sr_precision precision; /* of the Winograd layers (load parameter) */
    int exact_tiles; /* tiled output equals whole-image output (the halo covers the receptive
                      * field); 0 for deep nets whose tiles only overlap by the prepadding */
    size_t weight_bytes;
    sr__twin *twin; /* JPEG-trained twin for sr_model_denoise, or NULL; owned */
};

/* Shapes of every blob for an input of w x h; returns 0, or 1 + the index of the layer that
 * rejects its input shapes. */
int sr__model_shapes(const sr_model *m, int w, int h, sr__shape *shapes);

#endif
