/* quality.h - measuring and making training data: degradations and evaluation pairs (metrics
 * and imresize are public). Depends on image and base. */
#ifndef SR_QUALITY_H
#define SR_QUALITY_H

#include "image/image.h"

/* ---- degradations (degrade.c) ---- */

/* Whether d changes anything (a JPEG range, noise or blur). */
int sr__degradation_active(const sr_degradation *d);

/* ---- evaluation pairs (evalset.c) ---- */

typedef struct {
    char name[256]; /* relative path, "#k" appended for the k-th crop of a photo */
    sr_image hr, lr; /* RGB; lr is hr / scale */
    int lr_quality;  /* the JPEG quality the low-resolution side was saved at, estimated from its
                      * bytes (sr_jpeg_quality); 0: not a JPEG */
} sr__eval_pair;

struct sr_evalset {
    sr__eval_pair *p;
    int n;
};
typedef struct sr_evalset sr__evalset;

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

#endif
