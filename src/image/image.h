/* image.h - what the image codecs share below include/srgan.h: EXIF orientation, colour
 * profiles, zlib, WebP, PNG, JPEG encoding, resampling taps. Depends on base. */
#ifndef SR_IMAGE_H
#define SR_IMAGE_H

#include "base/base.h"

/* ---- EXIF orientation (exif.c) ---- */

/* The orientation tag (1..8, 1 = as stored) of a JPEG APP1 segment's payload; 1 if absent. */
int sr__exif_orientation(const uint8_t *seg, size_t len);
/* Turns/mirrors img in place so that it shows as orientation says it should. */
sr_status sr__image_orient(sr_image *img, int orientation, sr_error *err);

/* ---- colour profiles (icc.c) and zlib (zlib.c) ---- */

/* The ICC profile embedded in an encoded PNG, JPEG or WebP (malloc'd), or NULL. */
uint8_t *sr__icc_read(const uint8_t *buf, size_t len, size_t *n);
/* Rewrites encoded image bytes (*data, malloc'd) with the profile embedded. */
sr_status sr__icc_attach(sr_format fmt, const uint8_t *icc, size_t n, uint8_t **data, size_t *len,
                         sr_error *err);
uint8_t *sr__zlib_inflate(const uint8_t *z, size_t n, size_t max_out, size_t *out_len);
uint8_t *sr__zlib_deflate(const uint8_t *data, size_t n, size_t *out_len);

/* ---- WebP (webp.c) and PNG (png.c) ---- */

int sr__is_webp(const uint8_t *buf, size_t len);
sr_status sr__webp_decode(const uint8_t *buf, size_t len, const char *path, uint64_t max_pixels,
                          sr_image *out, sr_error *err);
/* PNG (png.c): 8-bit gray, gray+alpha, RGB or RGBA to malloc'd bytes. Rows are filtered and
 * deflated in bands; the bytes depend on the image size only. sr__png_encode does it all on
 * one thread. For several: sr__png_begin plans the bands for nth threads, each thread ith calls
 * sr__png_bands (its bands, inside a region the runtime started), then sr__png_finish
 * assembles the file and frees the job (out NULL: only frees it). */
typedef struct sr__png_job sr__png_job;
/* Decodes a PNG (png_read.c; buf starts with the signature and IHDR, whose size the caller has
 * checked) to 8-bit pixels. */
sr_status sr__png_decode(const uint8_t *buf, size_t len, const char *path, sr_image *out,
                         sr_error *err);
sr_status sr__png_encode(const sr_image *img, uint8_t **out, size_t *out_len, sr_error *err);
sr_status sr__png_begin(const sr_image *img, int nth, sr__png_job **job, sr_error *err);
void sr__png_bands(sr__png_job *job, int ith, int nth);
sr_status sr__png_finish(sr__png_job *job, uint8_t **out, size_t *out_len, sr_error *err);
/* Writes encoded bytes (malloc'd; taken) of img as fmt to path: img's colour profile embedded,
 * a temporary file renamed into place (image.c). */
sr_status sr__image_write_encoded(const char *path, const sr_image *img, sr_format fmt,
                                  uint8_t *data, size_t len, sr_error *err);

/* Encodes to malloc'd bytes: lossy at quality 1..100, or lossless. */
sr_status sr__webp_encode(const sr_image *img, int quality, int lossless, uint8_t **data,
                          size_t *len, sr_error *err);

/* ---- JPEG encoding (jpeg.c) ---- */

/* libjpeg-turbo at quality 1..100 with 4:2:0 chroma, into a malloc'd buffer. */
sr_status sr__jpeg_encode(const uint8_t *rgb, int w, int h, int quality, uint8_t **out,
                          size_t *out_len, sr_error *err);
/* img (RGB) replaced by what a decoder (srgan's own) reads back from that JPEG; *estimate
 * (may be NULL): sr_jpeg_quality of the bytes written. */
sr_status sr__jpeg_roundtrip(sr_image *img, int quality, int *estimate, sr_error *err);

/* ---- resampling (resize.c) ---- */

/* Taps of a 1-D resize from n to outn samples at output position d (ncnn's half-pixel mapping,
 * edges replicated): type 2 linear (2 taps), 3 Keys cubic a=-0.75 (4 taps). Exact integer
 * phase, so the weights depend only on d's phase, not on where a tile starts. (resize.c) */
void sr__interp_taps(int type, int d, int n, int outn, int *idx, float *wt);

#endif
