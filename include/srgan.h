/* srgan.h - batch super-resolution on the CPU with ncnn-format networks.
 *
 * Usage (error handling shortened):
 *
 *     sr_error err;
 *     sr_model *m = NULL;
 *     sr_model_load_embedded("realesr-animevideov3-x4", NULL, &m, &err); // or _load_files()
 *     sr_image in, out;
 *     sr_image_load("photo.png", SR_DEFAULT_MAX_PIXELS, &in, &err);
 *     sr_upscale_params up = sr_upscale_default_params();
 *     sr_upscale_image(m, &up, &in, &out, &err);                       // tiles, all cores
 *     sr_image_save("photo-x4.png", &out, SR_FMT_PNG, 90, &err);       // atomic: whole or absent
 *     sr_image_free(&in); sr_image_free(&out); sr_model_free(m);
 *
 * A model is loaded once, validated and then immutable: any number of threads may use it at once.
 * A runner (sr_net) is one thread's scratch state: activations and workspace, never the weights.
 * Every function returns an sr_status and, on failure, writes "subject: reason" into a
 * caller-owned sr_error. Nothing in the library prints, exits or keeps global mutable state.
 */
#ifndef SRGAN_H
#define SRGAN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SR_VERSION "0.2.0"

typedef enum {
    SR_OK = 0,
    SR_E_IO,          /* a file could not be read or written */
    SR_E_FORMAT,      /* malformed input: corrupt image, model or parameter */
    SR_E_NOMEM,       /* an allocation failed */
    SR_E_UNSUPPORTED, /* well-formed but not implemented (layer type, pixel format, ...) */
    SR_E_INVALID,     /* bad argument from the caller */
    SR_E_LIMIT,       /* input exceeds a configured limit (pixels, sizes) */
} sr_status;

typedef struct {
    char msg[256];      /* the line to show: "subject: reason", or the reason alone */
    char subject[1024]; /* what it is about (a file, folder or model), or "" */
    char reason[256];   /* what went wrong with it */
} sr_error;

const char *sr_status_str(sr_status s);

/* Which convolution kernels this process runs ("avx512", "avx2", "generic"): chosen from cpuid,
 * overridable with the environment variable SR_KERNEL for testing. */
const char *sr_kernel_path(void);

/* ---- images: 8-bit interleaved, c = 1 (gray), 2 (gray+alpha), 3 (RGB), 4 (RGBA) ---- */

typedef struct {
    int w, h, c;
    uint8_t *data; /* w*h*c bytes, row-major; owned, release with sr_image_free */
    uint8_t *icc;  /* embedded ICC colour profile, or NULL; owned */
    size_t icc_len;
} sr_image;

typedef enum { SR_FMT_PNG = 0, SR_FMT_JPG, SR_FMT_BMP, SR_FMT_TGA, SR_FMT_WEBP, SR_FMT_WEBP_LOSSLESS } sr_format;

#define SR_DEFAULT_MAX_PIXELS (256ull * 1024 * 1024) /* decoded pixels per input image */

/* Decodes PNG, JPEG, BMP, TGA or WebP. Refuses images above max_pixels before allocating them. */
sr_status sr_image_load(const char *path, uint64_t max_pixels, sr_image *out, sr_error *err);
/* The same from memory (not retained); name (may be NULL) prefixes error messages. */
sr_status sr_image_decode(const void *data, size_t len, const char *name, uint64_t max_pixels,
                          sr_image *out, sr_error *err);
sr_status sr_image_alloc(sr_image *img, int w, int h, int c, sr_error *err);
void sr_image_free(sr_image *img); /* accepts a zeroed or already-freed image */
/* Gives dst a copy of src's colour profile (none if src has none). */
sr_status sr_image_copy_icc(sr_image *dst, const sr_image *src, sr_error *err);

/* Encodes to a temporary file beside path and renames it into place: the file at path is either
 * the whole new image or untouched. quality (1..100) applies to JPEG and lossy WebP. */
sr_status sr_image_save(const char *path, const sr_image *img, sr_format fmt, int quality,
                        sr_error *err);
/* The same, PNG filtered and deflated in bands of rows on `threads` threads (the bytes do not
 * depend on it). */
sr_status sr_image_save_threads(const char *path, const sr_image *img, sr_format fmt, int quality,
                                int threads, sr_error *err);
/* "png", "jpg"/"jpeg", "bmp", "tga", "webp" (lossy), "webp-lossless" */
int sr_format_from_name(const char *name, sr_format *out);
const char *sr_format_ext(sr_format fmt); /* the file extension: "png", "jpg", ..., "webp" */

/* Bicubic resize of every channel (Keys cubic, a = -0.75, edges replicated). */
sr_status sr_image_resize(const sr_image *src, int w, int h, sr_image *out, sr_error *err);

/* MATLAB's imresize(src, ..., 'bicubic'), the resize of the SR literature: Keys cubic a = -0.5,
 * antialiased when shrinking, mirrored borders, computed in double and rounded once. */
sr_status sr_image_imresize(const sr_image *src, int w, int h, sr_image *out, sr_error *err);
/* imresize(src, 1/factor): ceil(w/factor) x ceil(h/factor), the training and test degradation. */
sr_status sr_image_downscale(const sr_image *src, int factor, sr_image *out, sr_error *err);

/* Image quality on the luma of ITU-R BT.601 (Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255,
 * gray images as they are), `shave` pixels cut from every border, as the SR literature reports
 * it. SSIM: Wang et al. 2004 with an 11x11 Gaussian window (sigma 1.5) over the valid area. */
typedef struct {
    double psnr; /* dB; INFINITY for identical images */
    double ssim;
} sr_quality;
sr_status sr_image_quality(const sr_image *ref, const sr_image *test, int shave, sr_quality *q,
                           sr_error *err);

/* Evaluation pairs, as `srgan eval` and the trainer's validation measure: every image under
 * hr_dir cut to a multiple of scale (crops = 0) or docs/training.md's validation crops
 * (crops = 1); the low-resolution side read from the same relative path under lr_dir, or made
 * by sr_image_downscale when lr_dir is NULL, and then (jpeg 1..100) saved as a JPEG at that
 * quality and read back, as a user's JPEG reaches the upscaler. Fails on the first bad file. */
typedef struct sr_evalset sr_evalset;
typedef struct {
    const char *name;        /* relative path; "#k" appended for the k-th crop of a photo */
    const sr_image *hr, *lr; /* RGB; lr is hr / scale */
    int lr_quality;          /* sr_jpeg_quality of lr's bytes; 0: not a JPEG */
} sr_eval_pair;
sr_status sr_evalset_load(const char *hr_dir, const char *lr_dir, int scale, int crops, int jpeg,
                          sr_evalset **out, sr_error *err);
int sr_evalset_size(const sr_evalset *set);
sr_eval_pair sr_evalset_pair(const sr_evalset *set, int i); /* 0 <= i < size */
void sr_evalset_free(sr_evalset *set);

/* ---- models ---- */

typedef struct sr_model sr_model;

/* Arithmetic of the layers that run by Winograd (the 3x3 stride-1 convolutions with 16 or more
 * channels: nearly all of the work): SR_PRECISION_FP32 (the default), or SR_PRECISION_BF16,
 * their multiplies in bfloat16 with fp32 sums, about twice the multiply rate. Needs a CPU with
 * AVX512_BF16 (loading fails with SR_E_UNSUPPORTED otherwise); output stays within 45 dB PSNR of
 * fp32 on the reference images (tested). */
typedef enum { SR_PRECISION_FP32 = 0, SR_PRECISION_BF16 } sr_precision;

/* Every choice about a model is made when it is loaded; a loaded model never changes, so it can
 * be shared by any number of runners and threads. */
typedef struct {
    /* Whose pre-processing the model gets: "realesrgan" (reflect 10 pixels), "waifu2x" (clamp),
     * "realcugan" (reflect) or "srgan" (none: the zero padding `srgan train` trains with).
     * NULL: nets of valid convolutions are "waifu2x", nets whose Input layer is named "srgan"
     * (as `srgan train` writes them) "srgan", others "realesrgan"; Real-CUGAN's nets look like
     * waifu2x's, so its callers name the family. */
    const char *family;
    sr_precision precision;
} sr_model_params;
sr_model_params sr_model_default_params(void);

/* The one loader: ncnn .param text and .bin weights, both in memory (not retained). params NULL:
 * sr_model_default_params(). */
sr_status sr_model_load_memory(const char *param, size_t param_len, const void *bin, size_t bin_len,
                               const char *name, const sr_model_params *params, sr_model **out,
                               sr_error *err);
/* Reads PATH.param and its .bin (bin_path NULL: the .param path with .bin instead; then X.param's
 * JPEG twin X-jpeg.bin, if there, is attached: see sr_model_denoise). */
sr_status sr_model_load_files(const char *param_path, const char *bin_path,
                              const sr_model_params *params, sr_model **out, sr_error *err);
/* One of the models compiled into the binary, by name (see sr_embedded_model). */
sr_status sr_model_load_embedded(const char *name, const sr_model_params *params, sr_model **out,
                                 sr_error *err);
void sr_model_free(sr_model *m);

const char *sr_model_name(const sr_model *m);
int sr_model_scale(const sr_model *m);     /* output pixels per input pixel, per axis */
int sr_model_halo(const sr_model *m);      /* tile overlap: the receptive-field radius in input
                                            * pixels, or the prepadding for very deep nets */
int sr_model_exact_tiles(const sr_model *m); /* 1: output independent of the tile size */
int sr_model_alignment(const sr_model *m); /* tile origins are multiples of this */
/* The tile side a runner gets when none is asked for: SR_DEFAULT_TILE, or the reference
 * program's for models whose output depends on the tiling (Real-CUGAN: 400, as
 * realcugan-ncnn-vulkan's CPU path). */
int sr_model_default_tile(const sr_model *m);
int sr_model_prepad(const sr_model *m);    /* padding added around the image, as the family's
                                            * reference program adds it */
const char *sr_model_family(const sr_model *m);
sr_precision sr_model_precision(const sr_model *m);
int sr_precision_available(sr_precision p); /* 1 if this CPU (and SR_KERNEL) can run p */
double sr_model_flops(const sr_model *m, int w, int h); /* multiply-adds x2 for a w x h input */
size_t sr_model_weight_bytes(const sr_model *m);

typedef struct {
    const char *name;    /* e.g. "realesr-animevideov3-x4" */
    int scale;           /* 2, 3 or 4 */
    const char *origin;  /* where the weights come from */
    const char *licence; /* SPDX identifier */
    const char *param;   /* .param text */
    size_t param_len;
    const void *bin; /* .bin bytes */
    size_t bin_len;
    const void *twin_bin; /* weights of its JPEG-trained twin (sr_model_denoise), or NULL */
    size_t twin_bin_len;
} sr_embedded_model;

int sr_embedded_get(int i, sr_embedded_model *out); /* 0 when i is out of range */
/* The embedded model used when the user names none, for a given scale; NULL if none. */
const char *sr_embedded_default(int scale);

/* ---- JPEG inputs: denoising by weight interpolation ---- */

/* 1 when m has a twin fine-tuned on JPEG-degraded inputs: the embedded srgan-photo models, and
 * a model file X.param whose X-jpeg.bin lies beside X.bin (same graph, fp32). */
int sr_model_has_denoise(const sr_model *m);
/* A new model whose weights are m's moved toward its twin's by strength (0: m's own, 1: the
 * twin's), with m's family and precision; the blend is done here, once. SR_E_UNSUPPORTED when
 * m has no twin. Free with sr_model_free. */
sr_status sr_model_denoise(const sr_model *m, float strength, sr_model **out, sr_error *err);
/* The strength for an input saved as a JPEG at this quality (sr_jpeg_quality; 0, not a JPEG:
 * 0), fitted on the validation photos (docs/training.md), in steps of 0.05. */
float sr_denoise_strength(int jpeg_quality);

/* ---- runners and upscaling ---- */

typedef struct sr_net sr_net;

/* A runner for tiles of at most tile x tile input pixels (plus halo). Owns activation buffers and
 * workspace sized once; borrows the model, which must outlive it. One thread at a time. */
sr_status sr_net_create(const sr_model *m, int tile, sr_net **out, sr_error *err);
void sr_net_free(sr_net *n);
size_t sr_net_bytes(const sr_net *n); /* memory the runner owns */
int sr_net_tile(const sr_net *n);

typedef struct {
    int tile;     /* max tile side in input pixels; 0: sr_model_default_tile */
    int nthreads; /* threads for the tiles of this one image; 0: all (OpenMP default) */
    int tta;      /* average the 8 flips/transposes (8x the work), as the reference programs' -x */
    int scale;    /* output size / input size, 1..16; 0: the model's own. Other factors resize
                   * the network's output (sr_image_imresize) */
    /* Called after each tile with the tiles finished so far and the image's total, from the
     * thread that ran it (several threads at once: keep it short and thread-safe); may be NULL. */
    void (*on_tile)(void *ctx, int done, int total);
    void *tile_ctx;
} sr_upscale_params;

#define SR_DEFAULT_TILE 256

sr_upscale_params sr_upscale_default_params(void);

/* Upscales one image by p->scale (default sr_model_scale(m)). RGB goes through the network, alpha
 * through bicubic; gray in, gray out. sr_upscale_image makes p->nthreads runners for the call;
 * sr_upscale_image_with uses nets[0..nnets), one per thread (p's tile and nthreads are then
 * ignored; p may be NULL), made for m or for a model of the same graph (m a sr_model_denoise
 * blend of it: the runners are pointed at m). The result is bit-identical for any thread count
 * and tile size. */
sr_status sr_upscale_image_with(const sr_model *m, sr_net *const *nets, int nnets,
                                const sr_upscale_params *p, const sr_image *in, sr_image *out,
                                sr_error *err);
sr_status sr_upscale_image(const sr_model *m, const sr_upscale_params *p, const sr_image *in,
                           sr_image *out, sr_error *err);
/* n images at once (video frames): image i through one runner, images spread over the
 * nnets runners' threads (with one image, its tiles are). status[i] and errs[i] say how image i
 * went; returns the first failure's status, or SR_OK. out[i] are allocated here (freed by the
 * caller even on failure). Same bits as sr_upscale_image on each image. */
sr_status sr_upscale_images(const sr_model *m, sr_net *const *nets, int nnets,
                            const sr_upscale_params *p, const sr_image *in, sr_image *out, int n,
                            sr_status *status, sr_error *errs);

/* ---- batches ---- */

#define SR_DENOISE_AUTO (-1.f)

/* PENDING: never started because the batch was stopped (sr_batch_params.stop). */
typedef enum { SR_FILE_OK = 0, SR_FILE_FAILED, SR_FILE_SKIPPED, SR_FILE_PENDING } sr_file_status;

typedef struct {
    char *input, *output;  /* paths; owned by the result */
    sr_file_status status;
    char error[256];       /* reason when failed */
    double seconds;        /* decode + upscale + encode */
    int in_w, in_h, out_w, out_h;
    int jpeg_quality;      /* the input's JPEG quality (sr_jpeg_quality), 0: not a JPEG */
    float denoise;         /* the strength it was upscaled with (sr_model_denoise) */
} sr_file_result;

/* Called from worker threads after each file ends (ok or failed; skipped files are decided
 * before the run and reported first). done/failed count finished files so far. Must be
 * thread-safe; keep it short, it runs on the hot path. */
typedef void (*sr_batch_callback)(void *ctx, const sr_file_result *r, int done, int failed,
                                  int total);

typedef struct {
    const char *in_dir, *out_dir;
    int threads;        /* 0: omp_get_max_threads() (honours OMP_NUM_THREADS) */
    int tile;           /* max tile side in input pixels; 0: sr_model_default_tile */
    sr_format format;   /* output format */
    int quality;        /* JPEG quality 1..100 */
    int force;          /* overwrite existing outputs instead of skipping them */
    int recursive;      /* descend into subfolders, mirroring them under out_dir */
    int tta;            /* test-time augmentation, see sr_upscale_params */
    int scale;          /* output factor 1..16, 0: the model's (see sr_upscale_params) */
    float denoise;      /* SR_DENOISE_AUTO (default): each JPEG input gets
                         * sr_denoise_strength(its quality), other inputs 0; or 0..1 for every
                         * file. Only models with a JPEG twin denoise (sr_model_has_denoise);
                         * with others every file runs at 0 */
    uint64_t max_pixels; /* per input image; larger ones fail before decoding */
    int shard_index, shard_count; /* process only files i with i % count == index of the sorted
                                   * list (0 <= index < count); count 0: every file */
    const volatile sig_atomic_t *stop; /* when *stop becomes non-zero (e.g. from a signal
                                        * handler), no new file starts; may be NULL */
    sr_batch_callback on_file; /* may be NULL */
    /* Called as work is done, tiles of the images in progress included: files finished plus the
     * finished fraction of those running (done, fractional) of total files to run. From worker
     * threads, thread-safe, short; may be NULL. */
    void (*on_progress)(void *ctx, double done, int total);
    void *ctx;
} sr_batch_params;

typedef struct {
    sr_file_result *files;
    int nfiles;              /* the files of this shard */
    int ok, failed, skipped, pending;
    int stopped;             /* *stop was set before every file had run */
    double seconds;          /* wall time of the processing loop */
    double in_megapixels;    /* input pixels of the images processed ok, in millions */
    int threads;
} sr_batch_result;

sr_batch_params sr_batch_default_params(void);

/* Lists and checks the inputs (collisions, outputs overwriting inputs) then upscales them all.
 * Returns non-OK only when the batch cannot start (unreadable folder, collisions, no memory);
 * per-file failures are in the result. The result must be freed even on failure. */
sr_status sr_batch_run(const sr_model *m, const sr_batch_params *p, sr_batch_result *res,
                       sr_error *err);
void sr_batch_result_free(sr_batch_result *res);

/* JSON report of a batch, written atomically. */
sr_status sr_batch_write_report(const char *path, const sr_batch_result *res, const sr_model *m,
                                sr_error *err);

/* ---- training (train.c) ---- */

/* Trains the project's generator (see docs/training.md): conv 3->C + PReLU, `blocks` x
 * (conv C->C + PReLU), conv C->3s^2, PixelShuffle, plus the bilinear upsampled input; on random
 * crops of the photos under data_dir, low resolution made with sr_image_downscale. */
struct sr_train_progress;

/* One random degradation step: applied to a training crop with probability p, its strength
 * drawn uniformly from [lo, hi]. */
typedef struct {
    float p, lo, hi;
} sr_degrade_step;

/* What happens to each low-resolution training crop after the bicubic downscale, in this order,
 * as a camera or a web resizer does it: Gaussian blur (sigma in low-resolution pixels), Gaussian
 * noise (sigma in 8-bit levels, per channel), rounding to 8 bits, then a JPEG round trip
 * (quality, libjpeg's IJG tables, 4:2:0 chroma). All p = 0: clean crops. */
typedef struct {
    sr_degrade_step blur, noise, jpeg;
} sr_degradation;

/* Parses "none" or comma-separated steps "jpeg=30-95@0.8,noise=1-4@0.3,blur=0.3-1.2@0.3"
 * (range lo-hi or a single value; @p defaults to 1). */
sr_status sr_degradation_parse(const char *spec, sr_degradation *d, sr_error *err);
/* The canonical spec of d ("none" when clean), as parse reads it back. */
void sr_degradation_format(const sr_degradation *d, char *buf, size_t size);
/* Applies d to img (RGB, 8-bit) in place, as the trainer degrades a crop; the random draws
 * depend only on seed. */
sr_status sr_image_degrade(const sr_degradation *d, uint64_t seed, sr_image *img, sr_error *err);

/* The quality (1-100) an IJG-style encoder was set to when it wrote this JPEG, estimated from
 * the file's own quantisation tables; 0 when data is not a JPEG or has no luma table. */
int sr_jpeg_quality(const void *data, size_t len);
/* The same for a file (its first MiB: the tables precede the image data); 0 if unreadable. */
int sr_jpeg_file_quality(const char *path);

typedef struct {
    const char *data_dir;   /* training photos (searched recursively) */
    const char *val_dir;    /* NULL, or photos scored with TRAINING.md's crops */
    const char *out;        /* writes OUT.param, OUT.bin (EMA weights) and OUT.ckpt */
    const char *resume;     /* NULL, or a checkpoint to continue from */
    const char *init;       /* NULL, or a checkpoint whose weights start a new run (the last
                             * convolution excepted when its scale differs) */
    int scale, channels, blocks;
    int steps, batch, patch; /* patch: low-resolution side of each training crop */
    double lr;              /* peak Adam learning rate (warm-up, then cosine to lr/100) */
    int loss;               /* 0 L1, 1 Charbonnier, 2 L2 */
    int sampling;           /* 1 (default): a photo uniformly, then a crop in it; 0: crops
                             * uniform over all pixels (big photos dominate) */
    int multiscale;         /* 1: each photo also at 3/4, 1/2 and 1/3 of its size */
    sr_degradation degrade; /* applied to every low-resolution crop; zero: clean */
    int val_jpeg;           /* 1..100: validation inputs saved as JPEG at this quality first */
    uint64_t seed;
    int threads;            /* 0: all */
    int val_every;          /* steps between validations (0: only at the end) */
    double ckpt_seconds;    /* time between checkpoints */
    double report_seconds;  /* time between on_progress calls (0: every step) */
    const volatile sig_atomic_t *stop; /* when set, checkpoint and return */
    void (*on_progress)(void *ctx, const struct sr_train_progress *p);
    void *ctx;
} sr_train_params;

typedef struct sr_train_progress {
    int step, steps;
    double loss;            /* mean loss per output value over the last report interval */
    double steps_per_s, gflops; /* training arithmetic (forward + both backward passes) */
    double lr;
    int validated;          /* the fields below are fresh */
    double val_psnr, val_bicubic_psnr, val_ssim, val_bicubic_ssim;
    const char *event;      /* NULL, "checkpoint", "validation", "data", "done", "stopped" */
    const char *detail;
} sr_train_progress;

sr_train_params sr_train_default_params(void);
sr_status sr_train_run(const sr_train_params *p, sr_error *err);

#ifdef __cplusplus
}
#endif
#endif
