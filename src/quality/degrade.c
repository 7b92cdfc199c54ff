/* degrade.c - the degradations a training crop goes through after the bicubic downscale, so the
 * networks learn the photos people have (blurred by a resizer, noisy from a sensor, saved as a
 * JPEG) and not only clean lab downscales. Deterministic in a per-crop seed. */
#include "quality.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    size_t off;
    float max; /* largest strength accepted */
} steps[] = {
    {"blur", offsetof(sr_degradation, blur), 4},
    {"noise", offsetof(sr_degradation, noise), 64},
    {"jpeg", offsetof(sr_degradation, jpeg), 100},
};
#define NSTEPS (sizeof steps / sizeof steps[0])

static sr_degrade_step *step_of(sr_degradation *d, size_t i)
{
    return (sr_degrade_step *)((char *)d + steps[i].off);
}

/* "lo-hi@p", "v@p", "lo-hi" or "v" */
static int parse_step(const char *v, float max, int whole, sr_degrade_step *st)
{
    char *end;
    double lo = strtod(v, &end), hi = lo, p = 1;
    if (end == v)
        return 0;
    if (*end == '-') {
        const char *h = end + 1;
        hi = strtod(h, &end);
        if (end == h)
            return 0;
    }
    if (*end == '@') {
        const char *q = end + 1;
        p = strtod(q, &end);
        if (end == q)
            return 0;
    }
    if (*end || !(lo >= 0 && hi >= lo && hi <= max && p > 0 && p <= 1))
        return 0;
    if (whole && (lo < 1 || lo != floor(lo) || hi != floor(hi)))
        return 0;
    st->lo = (float)lo, st->hi = (float)hi, st->p = (float)p;
    return 1;
}

sr_status sr_degradation_parse(const char *spec, sr_degradation *d, sr_error *err)
{
    memset(d, 0, sizeof *d);
    if (!strcmp(spec, "none"))
        return SR_OK;
    char buf[256];
    if (snprintf(buf, sizeof buf, "%s", spec) >= (int)sizeof buf)
        return sr__err(err, SR_E_INVALID, "degradation spec too long");
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        size_t i = 0;
        if (eq)
            *eq = 0;
        while (i < NSTEPS && strcmp(tok, steps[i].name))
            i++;
        if (!eq || i == NSTEPS || step_of(d, i)->p > 0 ||
            !parse_step(eq + 1, steps[i].max, !strcmp(tok, "jpeg"), step_of(d, i)))
            return sr__err(err, SR_E_INVALID,
                           "degradation '%s%s%s': want blur=SIGMA, noise=LEVELS or jpeg=QUALITY "
                           "(a value or LO-HI, then optionally @PROBABILITY), each once",
                           tok, eq ? "=" : "", eq ? eq + 1 : "");
    }
    return SR_OK;
}

void sr_degradation_format(const sr_degradation *d, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = 0;
    for (size_t i = 0; i < NSTEPS; i++) {
        const sr_degrade_step *st = step_of((sr_degradation *)d, i);
        if (!(st->p > 0) || n >= size)
            continue;
        n += (size_t)snprintf(buf + n, size - n, "%s%s=%g", n ? "," : "", steps[i].name, st->lo);
        if (n < size && st->hi != st->lo)
            n += (size_t)snprintf(buf + n, size - n, "-%g", st->hi);
        if (n < size && st->p < 1)
            n += (size_t)snprintf(buf + n, size - n, "@%g", st->p);
    }
    if (!n)
        snprintf(buf, size, "none");
}

int sr__degradation_active(const sr_degradation *d)
{
    return d->blur.p > 0 || d->noise.p > 0 || d->jpeg.p > 0;
}

static double uniform(uint64_t *rng)
{
    return (sr__rng_next(rng) >> 11) / 9007199254740992.0;
}

static double normal(uint64_t *rng)
{
    double u = (uniform(rng) * 9007199254740992.0 + 0.5) / 9007199254740992.0, v = uniform(rng);
    return sqrt(-2 * log(u)) * cos(2 * 3.14159265358979323846 * v);
}

/* Does the step fire on this crop, and how strongly? Draws the same numbers whether or not it
 * fires, so one step's probability does not shift the others' draws. */
static int fires(const sr_degrade_step *st, uint64_t *rng, double *strength)
{
    double u = uniform(rng), t = uniform(rng);
    *strength = st->lo + (st->hi - st->lo) * t;
    return st->p > 0 && u < st->p;
}

/* Separable Gaussian of sigma over an interleaved RGB float image, edges clamped. */
static void blur(float *px, int w, int h, double sigma, float *tmp)
{
    int r = (int)ceil(3 * sigma);
    r = r < 1 ? 1 : r > 12 ? 12 : r;
    float k[25];
    double sum = 0;
    for (int i = -r; i <= r; i++)
        sum += k[i + r] = (float)exp(-0.5 * i * i / (sigma * sigma));
    for (int i = 0; i <= 2 * r; i++)
        k[i] = (float)(k[i] / sum);
    for (int pass = 0; pass < 2; pass++) { /* rows into tmp, then columns back into px */
        const float *src = pass ? tmp : px;
        float *dst = pass ? px : tmp;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++) {
                    float acc = 0;
                    for (int i = -r; i <= r; i++) {
                        int sx = pass ? x : x + i, sy = pass ? y + i : y;
                        sx = sx < 0 ? 0 : sx >= w ? w - 1 : sx;
                        sy = sy < 0 ? 0 : sy >= h ? h - 1 : sy;
                        acc += k[i + r] * src[((size_t)sy * w + sx) * 3 + c];
                    }
                    dst[((size_t)y * w + x) * 3 + c] = acc;
                }
    }
}

sr_status sr_image_degrade(const sr_degradation *d, uint64_t seed, sr_image *img, sr_error *err)
{
    uint64_t rng = seed;
    double sigma, level, quality;
    int do_blur = fires(&d->blur, &rng, &sigma), do_noise = fires(&d->noise, &rng, &level);
    int do_jpeg = fires(&d->jpeg, &rng, &quality);
    size_t n = (size_t)img->w * img->h * 3;
    if ((do_blur && sigma > 0) || (do_noise && level > 0)) {
        float *f = malloc(2 * n * sizeof *f);
        if (!f)
            return sr__err(err, SR_E_NOMEM, "degradation: out of memory");
        for (size_t i = 0; i < n; i++)
            f[i] = img->data[i];
        if (do_blur && sigma > 0)
            blur(f, img->w, img->h, sigma, f + n);
        for (size_t i = 0; i < n; i++) {
            float v = f[i] + (do_noise ? (float)(level * normal(&rng)) : 0.f);
            img->data[i] = (uint8_t)(v <= 0 ? 0 : v >= 255 ? 255 : lrintf(v));
        }
        free(f);
    }
    if (!do_jpeg)
        return SR_OK;
    /* every whole quality in [lo, hi] equally likely */
    int q = (int)floor(d->jpeg.lo + (quality - d->jpeg.lo) / (d->jpeg.hi - d->jpeg.lo + 1e-9) *
                                        (d->jpeg.hi - d->jpeg.lo + 1));
    return sr__jpeg_roundtrip(img, q > d->jpeg.hi ? (int)d->jpeg.hi : q, NULL, err);
}
