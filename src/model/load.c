/* load.c - where models come from: a .param/.bin pair on disk (with the JPEG twin X-jpeg.bin
 * beside a default X.bin) or the models embedded in the binary. Both end in
 * sr_model_load_memory (model.c) and, for a twin, sr__model_attach_twin (denoise.c). */
#include "model.h"

#include <string.h>
#include <unistd.h>

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

sr_status sr_model_load_files(const char *param_path, const char *bin_path,
                              const sr_model_params *params, sr_model **out, sr_error *err)
{
    char binbuf[4096], name[128];
    *out = NULL;
    size_t n = strlen(param_path);
    if (!bin_path) {
        if (n < 6 || strcmp(param_path + n - 6, ".param") != 0 || n + 1 > sizeof binbuf)
            return sr__err_at(err, SR_E_INVALID, param_path, "model path must end in .param");
        memcpy(binbuf, param_path, n - 6);
        strcpy(binbuf + n - 6, ".bin");
        bin_path = binbuf;
    }
    snprintf(name, sizeof name, "%s", base_name(param_path));
    char *dot = strrchr(name, '.');
    if (dot && strcmp(dot, ".param") == 0)
        *dot = 0;
    uint8_t *ptext = NULL, *bin = NULL, *twin = NULL;
    size_t plen = 0, blen = 0, tlen = 0;
    sr_status s = sr__read_file(param_path, SR_MAX_PARAM_BYTES, &ptext, &plen, err);
    if (!s)
        s = sr__read_file(bin_path, SR_MAX_BIN_BYTES, &bin, &blen, err);
    if (!s) {
        sr_error e2;
        s = sr_model_load_memory((const char *)ptext, plen, bin, blen, name, params, out, &e2);
        if (s)
            sr__err_at(err, s, param_path, "%s", e2.msg);
    }
    char twin_path[4096]; /* X.param's JPEG twin: X-jpeg.bin, only beside the default X.bin */
    if (!s && bin_path == binbuf && n - 6 + 9 < sizeof twin_path) {
        snprintf(twin_path, sizeof twin_path, "%.*s-jpeg.bin", (int)(n - 6), param_path);
        if (access(twin_path, F_OK) == 0) {
            s = sr__read_file(twin_path, SR_MAX_BIN_BYTES, &twin, &tlen, err);
            if (!s)
                s = sr__model_attach_twin(*out, (const char *)ptext, plen, bin, blen, twin, tlen,
                                          twin_path, err);
            if (s) {
                sr_model_free(*out);
                *out = NULL;
            }
        }
    }
    free(ptext);
    free(bin);
    free(twin);
    return s;
}

sr_status sr_model_load_embedded(const char *name, const sr_model_params *params, sr_model **out,
                                 sr_error *err)
{
    *out = NULL;
    sr_embedded_model e;
    for (int i = 0; sr_embedded_get(i, &e); i++) {
        if (strcmp(e.name, name) == 0) {
            sr_error e2;
            sr_status s = sr_model_load_memory(e.param, e.param_len, e.bin, e.bin_len, e.name,
                                               params, out, &e2);
            if (!s && e.twin_bin)
                s = sr__model_attach_twin(*out, e.param, e.param_len, e.bin, e.bin_len, e.twin_bin,
                                          e.twin_bin_len, e.name, &e2);
            if (s) {
                sr_model_free(*out);
                *out = NULL;
            }
            return s ? sr__err(err, s, "embedded model %s: %s", name, e2.msg) : SR_OK;
        }
    }
    return sr__err_at(err, SR_E_INVALID, name, "no embedded model of that name (see 'srgan models')");
}
