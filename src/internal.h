/* internal.h - what the modules of srgan share and the public header does not show. */
#ifndef SR_INTERNAL_H
#define SR_INTERNAL_H

#include "srgan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define SR_ASSERT(x)                                                                               \
    do {                                                                                           \
        if (!(x)) {                                                                                \
            fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #x);              \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Formats "fmt..." into err (if non-NULL) and returns s, so callers can `return sr__err(...)`. */
sr_status sr__err(sr_error *err, sr_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same for an error about SUBJECT (a path, a model name): sets err->subject and err->reason,
 * and err->msg to "SUBJECT: reason". */
sr_status sr__err_at(sr_error *err, sr_status s, const char *subject, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Overflow-checked size arithmetic: returns 0 and leaves *out untouched on overflow. */
int sr__mul_size(size_t a, size_t b, size_t *out);
int sr__mul3_size(size_t a, size_t b, size_t c, size_t *out);

void *sr__aligned_alloc(size_t bytes); /* 64-byte aligned, zeroed; free with free() */
void sr__put_be32(uint8_t *p, uint32_t v); /* big-endian, as PNG chunks store numbers */
/* The same, not cleared: untouched pages cost no memory, so a buffer only some calls use
 * (a runner's activations) is paid for when first written. */
void *sr__aligned_alloc_lazy(size_t bytes);
double sr__now(void);                  /* monotonic seconds */
uint64_t sr__rng_next(uint64_t *state); /* splitmix64: the one random generator, seeded */

/* Asks for the cache lines holding floats [p, p + n) ahead of their use (write: to be
 * written). Winograd's transforms walk one row piece in each of 64 channel planes, more
 * streams than the hardware prefetchers follow: asking one channel ahead saved about 2 ms of
 * 29 on a 256x256 64->64 layer (bench-conv, Zen 4). */
static inline void sr__prefetch_span(const float *p, int n, int write)
{
    const char *a = (const char *)((uintptr_t)p & ~(uintptr_t)63), *e = (const char *)(p + n);
    for (; a < e; a += 64)
        if (write)
            __builtin_prefetch(a, 1, 3);
        else
            __builtin_prefetch(a, 0, 3);
}

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

/* ---- layers (layers.c, conv.c) ---- */

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

/* Activations applied in a convolution's store. */
enum { SR_ACT_NONE = 0, SR_ACT_RELU, SR_ACT_LEAKY, SR_ACT_CLIP, SR_ACT_SIGMOID, SR_ACT_PRELU };

typedef struct sr__conv_kernel sr__conv_kernel;

typedef struct {
    int cin, cout, kw, kh, dw, dh, sw, sh, pl, pr, pt, pb;
    int opr, opb;        /* Deconvolution: extra output columns/rows on the right/bottom */
    int act;
    float act_a, act_b;  /* leaky slope, or clip min/max */
    float *slope;        /* per-output-channel PReLU slopes (SR_ACT_PRELU), owned */
    float *weight;       /* cout x cin x kh x kw, as in the file, owned */
    float *bias;         /* cout, zeros when the file has none, owned */
    float *packed;       /* weight in the micro-kernel's layout, owned */
    int wino;            /* packed holds Winograd F(2x2,3x3) weights (winograd.c) */
    uint32_t *packed_bf16; /* those weights as bf16 pairs (conv_bf16.c), or NULL: fp32 */
    const sr__conv_kernel *kern; /* the kernel `packed` was laid out for */
} sr__conv;

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

/* What a layer's forward pass gets beside its blobs: the runner's workspace, how many threads
 * may share the layer's work (more than 1 only when one tile has the whole machine), and
 * where the tile lies. */
typedef struct {
    float *ws;
    int threads;
    long ox, oy; /* where the first input's pixel (0, 0) lies in the whole (padded) image, in
                  * that blob's pixels: Winograd blocks sit on even image coordinates */
} sr__run;

/* Per-type behaviour: the table that adding a layer type extends. */
typedef struct {
    const char *name;
    /* Parses and checks parameters, reads weights from *bin; channels of inputs known. */
    sr_status (*load)(sr__layer *l, const sr__player *pl, const sr__shape *in, const uint8_t **bin,
                      size_t *bin_left, sr_error *err);
    /* Output shapes from input shapes; -1 on an impossible shape. */
    int (*shape)(const sr__layer *l, const sr__shape *in, sr__shape *out);
    /* Workspace floats needed for these input shapes. */
    size_t (*workspace)(const sr__layer *l, const sr__shape *in, const sr__shape *out);
    void (*forward)(const sr__layer *l, const float *const *in, const sr__shape *ins,
                    float *const *out, const sr__shape *outs, const sr__run *rc);
    const int *keys; /* the parameter ids this implementation understands, -1 terminated */
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

/* Reads n floats; tagged = 1 for ncnn's "type 0" arrays (4-byte fp16/fp32 tag first). */
sr_status sr__read_floats(const uint8_t **bin, size_t *left, size_t n, int tagged, float *dst,
                          const char *what, sr_error *err);
float sr__half_to_float(uint16_t h);

/* Taps of a 1-D resize from n to outn samples at output position d (ncnn's half-pixel mapping,
 * edges replicated): type 2 linear (2 taps), 3 Keys cubic a=-0.75 (4 taps). Exact integer
 * phase, so the weights depend only on d's phase, not on where a tile starts. (resize.c) */
void sr__interp_taps(int type, int d, int n, int outn, int *idx, float *wt);

/* ---- EXIF orientation (exif.c) ---- */

/* The orientation tag (1..8, 1 = as stored) of a JPEG APP1 segment's payload; 1 if absent. */
int sr__exif_orientation(const uint8_t *seg, size_t len);
/* Turns/mirrors img in place so that it shows as orientation says it should. */
sr_status sr__image_orient(sr_image *img, int orientation, sr_error *err);

/* ---- convolution (conv.c) ---- */

sr_status sr__conv_pack(sr__conv *c, sr_error *err);
size_t sr__conv_workspace(const sr__conv *c, int ow, int oh);
/* rc->threads: how many may split this call's rows or channels (1 inside a parallel tile
 * loop); the bits of an output pixel depend neither on it nor on where the tile starts, only
 * on the pixel's input window and (Winograd) on its place in the whole image (rc->ox, oy). */
void sr__conv_forward(const sr__conv *c, const float *in, int w, int h, float *out, int ow, int oh,
                      const sr__run *rc);
/* Transposed convolution (ncnn Deconvolution): every output pixel gathers its taps in the same
 * order wherever it lies, so tiles agree with the whole image. */
void sr__deconv_forward(const sr__conv *c, const float *in, int w, int h, float *out, int ow,
                        int oh, float *ws, int threads);
/* Packs a deconvolution whose kernel equals its stride for the fast path (others: no-op). */
sr_status sr__deconv_pack(sr__conv *c, sr_error *err);
size_t sr__deconv_workspace(const sr__conv *c, int w, int h); /* w, h: its input */
/* Plain reference convolution, for tests and for shapes the fast kernels do not take. */
void sr__conv_reference(const sr__conv *c, const float *in, int w, int h, float *out, int ow,
                        int oh);

/* Winograd F(2x2,3x3) for 3x3 stride-1 layers (winograd.c): whether c gets it (by shape, or
 * forced by SR_CONV=direct|winograd), its packing, workspace and forward pass. */
int sr__wino_applies(const sr__conv *c);
sr_status sr__wino_pack(sr__conv *c, sr_error *err);
size_t sr__wino_workspace(const sr__conv *c, int ow, int oh);
void sr__wino_forward(const sr__conv *c, const float *in, int w, int h, float *out, int ow,
                      int oh, const sr__run *rc);
/* Switches a Winograd layer packed for the AVX-512 kernel to bf16 products (fp32: back). */
sr_status sr__wino_set_bf16(sr__conv *c, int on, sr_error *err);

#ifdef SR_HAVE_X86_KERNELS
/* bf16 pieces (conv_bf16.c): U and V hold channel pairs, one bf16 pair per 32-bit word. */
int sr__bf16_supported(void); /* cpuid: AVX-512F, BW and BF16 */
/* 16 positions of channels a and b (b NULL: zeros), stride floats apart, n tiles: to pairs */
void sr__bf16_pair(const float *a, const float *b, size_t stride, int n, uint32_t *out,
                   size_t ostride);
/* M[co][j] = sum over pairs k of U[co][k] . V[k][j], j < n (a multiple of 16) */
void sr__bf16_product(const uint32_t *U, int npair, int cout, const uint32_t *V, size_t vrow,
                      int n, float *M);
/* One position's fp32 weights as the AVX-512 kernel packs them, to pairs. */
void sr__bf16_pack_position(const float *u, int cin, int cout, uint32_t *out);
#endif

/* Kernel paths (conv_avx512.c, conv_avx2.c, conv_generic.c share conv_kernel.inc). */
struct sr__conv_kernel {
    const char *name;
    int cob; /* output channels per block */
    int xb;  /* output pixels per block along a row */
    /* output rows [y0, y1) of an ow x oh output */
    void (*run)(const sr__conv *c, const float *pad, int rs, int ph, float *out, int ow, int oh,
                int y0, int y1);
    /* Winograd's pieces (winograd_kernel.inc) */
    void (*wino_in)(const float *const *rows, int x0, int w, int n, float *V, size_t vs);
    void (*wino_mul)(const float *U, int cin, int cout, const float *V, size_t vrow, int n,
                     float *M);
    void (*wino_out)(const sr__conv *c, const float *M, size_t pstride, int n, int nv,
                     float *tmp, float *out, int ow, int oh, int oy0, int ox0);
};
const sr__conv_kernel *sr__conv_kernel_select(void);
extern const sr__conv_kernel sr__conv_kernel_generic;
#ifdef SR_HAVE_X86_KERNELS
extern const sr__conv_kernel sr__conv_kernel_avx2;
extern const sr__conv_kernel sr__conv_kernel_avx512;
#endif

/* ---- models (model.c) ---- */

enum { SR_BORDER_REFLECT = 0, SR_BORDER_REPLICATE };
enum { SR_FAMILY_REALESRGAN = 0, SR_FAMILY_WAIFU2X, SR_FAMILY_REALCUGAN };
#define SR_MAX_EXACT_HALO 64 /* larger receptive fields tile like the reference programs */

typedef struct sr__twin sr__twin;
void sr__twin_free(sr__twin *t);
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

/* ---- runner (net.c) ---- */

/* Runs the network on in (3 x h x w planar, values in [0,1]) with `threads` sharing each
 * layer; (ox, oy): where in's pixel (0, 0) lies in the whole image. *out points into the
 * runner and stays valid until the next call. */
sr_status sr__net_forward(sr_net *n, int w, int h, long ox, long oy, int threads,
                          const float **out, sr__shape *oshape, sr_error *err);
float *sr__net_input(sr_net *n); /* where the caller writes the 3 x h x w input */
/* Points the runner at m, a model of the same graph as the one it was made for (a denoise blend
 * of it: same buffers, other weights); SR_E_INVALID for another graph. */
sr_status sr__net_bind(sr_net *n, const sr_model *m, sr_error *err);
/* Global average pools (the squeeze of squeeze-and-excitation blocks): SR_POOL_OWN computes
 * them from the tile, as usual; SR_POOL_SAVE also copies them, in layer order, into buf;
 * SR_POOL_USE takes them from buf instead (statistics of the whole image, upscale.c).
 * buf holds sr__net_pool_len floats and must outlive the passes that use it. */
enum { SR_POOL_OWN = 0, SR_POOL_SAVE, SR_POOL_USE };
size_t sr__net_pool_len(const sr_net *n);
void sr__net_pool_mode(sr_net *n, int mode, float *buf);
/* A buffer of at least `floats` owned by the runner (for averaging outputs); NULL if no memory. */
float *sr__net_acc(sr_net *n, size_t floats);

/* ---- colour profiles (icc.c) and zlib (image.c, from stb) ---- */

/* The ICC profile embedded in an encoded PNG, JPEG or WebP (malloc'd), or NULL. */
uint8_t *sr__icc_read(const uint8_t *buf, size_t len, size_t *n);
/* Rewrites encoded image bytes (*data, malloc'd) with the profile embedded. */
sr_status sr__icc_attach(sr_format fmt, const uint8_t *icc, size_t n, uint8_t **data, size_t *len,
                         sr_error *err);
uint8_t *sr__zlib_inflate(const uint8_t *z, size_t n, size_t max_out, size_t *out_len);
uint8_t *sr__zlib_deflate(const uint8_t *data, size_t n, size_t *out_len);

/* ---- WebP (webp.c) ---- */

int sr__is_webp(const uint8_t *buf, size_t len);
sr_status sr__webp_decode(const uint8_t *buf, size_t len, const char *path, uint64_t max_pixels,
                          sr_image *out, sr_error *err);
/* PNG (png.c): 8-bit gray, gray+alpha, RGB or RGBA to malloc'd bytes; `threads` filter and
 * deflate bands of rows (the bytes do not depend on it). */
sr_status sr__png_encode(const sr_image *img, int threads, uint8_t **out, size_t *out_len,
                         sr_error *err);

/* Encodes to malloc'd bytes: lossy at quality 1..100, or lossless. */
sr_status sr__webp_encode(const sr_image *img, int quality, int lossless, uint8_t **data,
                          size_t *len, sr_error *err);

/* ---- JPEG encoding (jpeg.c) and degradations (degrade.c) ---- */

/* libjpeg-turbo at quality 1..100 with 4:2:0 chroma, into a malloc'd buffer. */
sr_status sr__jpeg_encode(const uint8_t *rgb, int w, int h, int quality, uint8_t **out,
                          size_t *out_len, sr_error *err);
/* img (RGB) replaced by what a decoder (srgan's own) reads back from that JPEG; *estimate
 * (may be NULL): sr_jpeg_quality of the bytes written. */
sr_status sr__jpeg_roundtrip(sr_image *img, int quality, int *estimate, sr_error *err);
/* sr_jpeg_quality of the file at path (its head only); 0 for other files or on a read error. */
int sr__degradation_active(const sr_degradation *d);
/* Applies d to img (RGB, 8-bit) in place; the random draws depend only on seed. */
sr_status sr__degrade(const sr_degradation *d, uint64_t seed, sr_image *img, sr_error *err);

/* ---- evaluation pairs (evalset.c) ---- */

typedef struct {
    char name[256]; /* relative path, "#k" appended for the k-th crop of a photo */
    sr_image hr, lr; /* RGB; lr is hr / scale */
    int lr_quality;  /* the JPEG quality the low-resolution side was saved at, estimated from its
                      * bytes (sr_jpeg_quality); 0: not a JPEG */
} sr__eval_pair;

typedef struct {
    sr__eval_pair *p;
    int n;
} sr__evalset;

/* Every image under hr_dir as a pair: cut to a multiple of scale (crops = 0) or TRAINING.md's
 * validation crops (crops = 1); the low-resolution side read from the same relative path under
 * lr_dir, or made with sr_image_downscale when lr_dir is NULL. Fails on the first bad file. */
/* jpeg 1..100: each low-resolution image made is saved as a JPEG at that quality and read
 * back, as a user's JPEG reaches the upscaler; 0: kept as is. */
sr_status sr__evalset_load(const char *hr_dir, const char *lr_dir, int scale, int crops,
                           int jpeg, sr__evalset *set, sr_error *err);
void sr__evalset_free(sr__evalset *set);
/* The one photo-pair loader of eval and train: PATH as RGB (alpha dropped, gray repeated), cut
 * at the top left to a multiple of scale (hr), and its imresize downscale (lr). */
sr_status sr__photo_pair_load(const char *path, int scale, sr_image *hr, sr_image *lr,
                              sr_error *err);

/* ---- files (fsutil.c) ---- */

/* Reads a whole regular file; refuses files above max_bytes. */
sr_status sr__read_file(const char *path, size_t max_bytes, uint8_t **data, size_t *len,
                        sr_error *err);
/* Writes data to a temporary file beside path, then renames it over path. */
sr_status sr__write_atomic(const char *path, const void *data, size_t len, sr_error *err);
int sr__mkdirs(const char *dir); /* mkdir -p; 0 on success */
char *sr__join(const char *dir, const char *name); /* "dir/name", malloc'd; NULL if no memory */

typedef struct {
    char **v;
    int n, cap;
} sr__strlist;
/* The images (by extension: png, jpg, jpeg, bmp, tga) under root, as paths relative to it,
 * sorted bytewise. Symlinked folders are not followed. */
sr_status sr__list_images(const char *root, int recursive, sr__strlist *out, sr_error *err);
void sr__strlist_free(sr__strlist *l);

#endif
