/* denoise.c - JPEG-aware upscaling by weight interpolation, as Real-ESRGAN's -dn does it: a
 * clean photo network and a twin fine-tuned from it on JPEG-degraded crops (same graph, same
 * lineage, so their weights can be mixed) give one network per strength,
 *     w = (1 - strength) w_clean + strength w_twin   (exactly either net at 0 and 1),
 * blended once per model and strength, never per pixel. The strength for a file comes from the
 * quality it was saved at (sr_jpeg_quality), through a mapping fitted on the validation crops. */
#include "model.h"

#include <math.h>
#include <string.h>

/* Word-by-word mixing is only the same as mixing the weights when every array is stored as
 * fp32 (tags and floats alike are 4-byte words; equal tags stay equal): true when the file
 * holds exactly the model's floats, 4 bytes each, plus its tags. */
static int all_fp32(const sr_model *m, size_t bin_len)
{
    return bin_len == m->weight_bytes + 4 * (size_t)m->weight_tags;
}

sr_status sr__model_attach_twin(sr_model *m, const char *param, size_t param_len, const void *bin,
                                size_t bin_len, const void *twin, size_t twin_len,
                                const char *what, sr_error *err)
{
    sr_model *check = NULL;
    sr_error e2;
    if (twin_len != bin_len || !all_fp32(m, bin_len))
        return sr__err_at(err, SR_E_FORMAT, what, "the JPEG twin's weights do not match the model's "
                       "(both must be fp32 exports of one network)");
    sr_status s = sr_model_load_memory(param, param_len, twin, twin_len, what, NULL, &check, &e2);
    sr_model_free(check);
    if (s)
        return sr__err_at(err, s, what, "JPEG twin: %s", e2.msg);
    sr__twin *t = calloc(1, sizeof *t);
    if (t) {
        t->param = malloc(param_len), t->bin = malloc(bin_len), t->twin = malloc(bin_len);
        t->param_len = param_len, t->bin_len = bin_len;
    }
    if (!t || !t->param || !t->bin || !t->twin) {
        sr__twin_free(t);
        return sr__err(err, SR_E_NOMEM, "model: out of memory");
    }
    memcpy(t->param, param, param_len);
    memcpy(t->bin, bin, bin_len);
    memcpy(t->twin, twin, bin_len);
    m->twin = t;
    return SR_OK;
}

int sr_model_has_denoise(const sr_model *m)
{
    return m->twin != NULL;
}

sr_status sr_model_denoise(const sr_model *m, float strength, sr_model **out, sr_error *err)
{
    *out = NULL;
    if (!m->twin)
        return sr__err_at(err, SR_E_UNSUPPORTED, m->name, "no JPEG-trained twin to denoise with");
    if (!(strength >= 0 && strength <= 1))
        return sr__err(err, SR_E_INVALID, "denoise strength %g: want 0 to 1", strength);
    const sr__twin *t = m->twin;
    uint8_t *mix = malloc(t->bin_len);
    if (!mix)
        return sr__err(err, SR_E_NOMEM, "model: out of memory");
    for (size_t i = 0; i + 4 <= t->bin_len; i += 4) {
        float a, b;
        memcpy(&a, t->bin + i, 4);
        memcpy(&b, t->twin + i, 4);
        a = (1 - strength) * a + strength * b;
        memcpy(mix + i, &a, 4);
    }
    /* the same pre-processing and arithmetic as m; the blend itself has no twin */
    sr_model_params p = {.family = sr_model_family(m), .precision = m->precision};
    sr_status s = sr_model_load_memory(t->param, t->param_len, mix, t->bin_len, m->name, &p, out,
                                       err);
    free(mix);
    return s;
}

/* Quality -> strength, measured: `srgan eval --hr val --crops --scale 4 --jpeg Q --denoise S`
 * on TRAINING.md's validation crops, the best S for each Q (docs/training.md has the table),
 * checked at x2. Up to quality 85 the twin alone is best; above, less of it; a quality-100
 * JPEG (still 4:2:0) wants 0.4. At 95 x4 wants 0.6 and x2 0.4: 0.5 costs each under 0.01 dB.
 * Between the knots, linear. */
static const struct {
    int q;
    float s;
} knots[] = {{85, 1.f}, {90, 0.9f}, {95, 0.5f}, {100, 0.4f}};

float sr_denoise_strength(int q)
{
    int n = (int)(sizeof knots / sizeof knots[0]);
    if (q <= 0)
        return 0;
    if (q <= knots[0].q)
        return knots[0].s;
    for (int i = 1; i < n; i++)
        if (q <= knots[i].q) {
            float t = (float)(q - knots[i - 1].q) / (float)(knots[i].q - knots[i - 1].q);
            float s = knots[i - 1].s + t * (knots[i].s - knots[i - 1].s);
            return roundf(s * 20) / 20;
        }
    return knots[n - 1].s;
}
