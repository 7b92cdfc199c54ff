/* evalset.c - the pairs `srgan eval` and `srgan train --val` score on: high-resolution photos (or
 * crops of them) and their low-resolution versions, made by imresize or read from a folder. */
#include "quality.h"

#include <stdio.h>
#include <string.h>

/* The crops of a w x h photo in TRAINING.md's rule: the centre square of side
 * S = min(384, w, h) rounded down to a multiple of 4 and then of scale; when the short side is at
 * least 1000, also the squares centred at (w/4, h/4) and (3w/4, 3h/4), clamped inside. */
static int val_crops(int w, int h, int scale, int rect[3][4])
{
    int s = w < h ? w : h;
    s = (s < 384 ? s : 384) / 4 * 4;
    s = s / scale * scale;
    int n = 0;
    static const int at[3][2] = {{2, 4}, {1, 4}, {3, 4}}; /* centre as a fraction num/den */
    for (int i = 0; i < ((w < h ? w : h) >= 1000 ? 3 : 1); i++) {
        int cx = (int)((long)w * at[i][0] / at[i][1]), cy = (int)((long)h * at[i][0] / at[i][1]);
        int x = cx - s / 2, y = cy - s / 2;
        x = x < 0 ? 0 : x > w - s ? w - s : x;
        y = y < 0 ? 0 : y > h - s ? h - s : y;
        rect[n][0] = x, rect[n][1] = y, rect[n][2] = rect[n][3] = s;
        n++;
    }
    return n;
}

static sr_status crop(const sr_image *src, const int r[4], sr_image *out, sr_error *err)
{
    sr_status s = sr_image_alloc(out, r[2], r[3], src->c, err);
    for (int y = 0; !s && y < r[3]; y++)
        memcpy(out->data + (size_t)y * r[2] * src->c,
               src->data + ((size_t)(r[1] + y) * src->w + r[0]) * src->c, (size_t)r[2] * src->c);
    return s;
}

/* Drops alpha (scores are on colour) and turns gray into RGB so every pair has 3 channels. */
static sr_status to_rgb(sr_image *img, sr_error *err)
{
    if (img->c == 3)
        return SR_OK;
    sr_image o = {0};
    sr_status s = sr_image_alloc(&o, img->w, img->h, 3, err);
    if (s)
        return s;
    for (size_t i = 0; i < (size_t)img->w * img->h; i++)
        for (int k = 0; k < 3; k++)
            o.data[i * 3 + k] = img->data[i * img->c + (img->c >= 3 ? k : 0)];
    sr_image_free(img);
    *img = o;
    return SR_OK;
}

sr_status sr__photo_pair_load(const char *path, int scale, sr_image *hr, sr_image *lr,
                              sr_error *err)
{
    sr_image img = {0};
    sr_status s = sr_image_load(path, SR_DEFAULT_MAX_PIXELS, &img, err);
    if (!s)
        s = to_rgb(&img, err);
    int r[4] = {0, 0, img.w / scale * scale, img.h / scale * scale};
    if (!s && (r[2] < scale || r[3] < scale))
        s = sr__err_at(err, SR_E_INVALID, path, "%dx%d is too small for x%d", img.w, img.h,
                    scale);
    if (!s)
        s = crop(&img, r, hr, err);
    if (!s)
        s = sr_image_downscale(hr, scale, lr, err);
    sr_image_free(&img);
    return s;
}

static sr_status add_pair(sr__evalset *set, const char *name, sr_image *hr, const char *lr_path,
                          int scale, int jpeg, sr_error *err)
{
    sr__eval_pair *p = realloc(set->p, (size_t)(set->n + 1) * sizeof *p);
    if (!p)
        return sr__err(err, SR_E_NOMEM, "out of memory");
    set->p = p;
    p += set->n;
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->hr = *hr;
    memset(hr, 0, sizeof *hr);
    set->n++;
    sr_status s = lr_path ? sr_image_load(lr_path, SR_DEFAULT_MAX_PIXELS, &p->lr, err)
                          : sr_image_downscale(&p->hr, scale, &p->lr, err);
    if (!s)
        s = to_rgb(&p->lr, err);
    if (!s && lr_path)
        p->lr_quality = sr_jpeg_file_quality(lr_path);
    else if (!s && jpeg)
        s = sr__jpeg_roundtrip(&p->lr, jpeg, &p->lr_quality, err);
    if (!s && (p->lr.w * scale != p->hr.w || p->lr.h * scale != p->hr.h))
        s = sr__err_at(err, SR_E_INVALID, lr_path ? lr_path : name,
                       "low-resolution image is %dx%d, not %dx%d / %d", p->lr.w, p->lr.h, p->hr.w, p->hr.h, scale);
    return s;
}

sr_status sr__evalset_load(const char *hr_dir, const char *lr_dir, int scale, int crops,
                           int jpeg, sr__evalset *set, sr_error *err)
{
    memset(set, 0, sizeof *set);
    sr__strlist files;
    sr_status s = sr__list_images(hr_dir, 1, &files, err);
    if (!s && files.n == 0)
        s = sr__err_at(err, SR_E_INVALID, hr_dir, "no images");
    for (int i = 0; !s && i < files.n; i++) {
        char *path = sr__join(hr_dir, files.v[i]), *lr = lr_dir ? sr__join(lr_dir, files.v[i]) : 0;
        sr_image img = {0};
        if (!path || (lr_dir && !lr))
            s = sr__err(err, SR_E_NOMEM, "out of memory");
        if (!s)
            s = sr_image_load(path, SR_DEFAULT_MAX_PIXELS, &img, err);
        if (!s)
            s = to_rgb(&img, err);
        int rect[3][4], n = 1;
        if (!s && crops) {
            n = val_crops(img.w, img.h, scale, rect);
        } else if (!s) { /* the whole image, cut to a multiple of the scale */
            rect[0][0] = rect[0][1] = 0;
            rect[0][2] = img.w / scale * scale, rect[0][3] = img.h / scale * scale;
        }
        if (!s && (rect[0][2] < scale || rect[0][3] < scale))
            s = sr__err_at(err, SR_E_INVALID, path, "%dx%d is too small for x%d", img.w, img.h,
                        scale);
        for (int k = 0; !s && k < n; k++) {
            sr_image hr = {0};
            char name[sizeof set->p->name];
            snprintf(name, sizeof name, n > 1 ? "%s#%d" : "%s", files.v[i], k);
            s = crop(&img, rect[k], &hr, err);
            if (!s)
                s = add_pair(set, name, &hr, lr, scale, jpeg, err);
            sr_image_free(&hr);
        }
        sr_image_free(&img);
        free(path);
        free(lr);
    }
    sr__strlist_free(&files);
    if (s)
        sr__evalset_free(set);
    return s;
}

void sr__evalset_free(sr__evalset *set)
{
    for (int i = 0; i < set->n; i++) {
        sr_image_free(&set->p[i].hr);
        sr_image_free(&set->p[i].lr);
    }
    free(set->p);
    memset(set, 0, sizeof *set);
}

sr_status sr_evalset_load(const char *hr_dir, const char *lr_dir, int scale, int crops, int jpeg,
                          sr_evalset **out, sr_error *err)
{
    *out = malloc(sizeof **out);
    if (!*out)
        return sr__err(err, SR_E_NOMEM, "out of memory");
    sr_status s = sr__evalset_load(hr_dir, lr_dir, scale, crops, jpeg, *out, err);
    if (s) {
        free(*out);
        *out = NULL;
    }
    return s;
}

int sr_evalset_size(const sr_evalset *set)
{
    return set->n;
}

sr_eval_pair sr_evalset_pair(const sr_evalset *set, int i)
{
    const sr__eval_pair *p = &set->p[i];
    return (sr_eval_pair){p->name, &p->hr, &p->lr, p->lr_quality};
}

void sr_evalset_free(sr_evalset *set)
{
    if (set) {
        sr__evalset_free(set);
        free(set);
    }
}
