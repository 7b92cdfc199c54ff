/* param.c - the ncnn .param text format: a graph of named layers and blobs.
 *
 * Only structure is checked here (magic, counts, tokens, blob wiring); what each layer type
 * accepts is checked by its loader in layers.c. See docs/model-format.md.
 */
#include "model.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#define SR_MAX_LAYERS 100000
#define SR_MAX_ARRAY 65536

typedef struct {
    const char *p, *end;
    int line;
} cursor;

/* Next line as [*b, *e); skips nothing. Returns 0 at end of text. */
static int next_line(cursor *c, const char **b, const char **e)
{
    if (c->p >= c->end)
        return 0;
    *b = c->p;
    while (c->p < c->end && *c->p != '\n')
        c->p++;
    *e = c->p;
    if (c->p < c->end)
        c->p++;
    c->line++;
    return 1;
}

static int is_blank(const char *b, const char *e)
{
    for (; b < e; b++)
        if (!isspace((unsigned char)*b))
            return 0;
    return 1;
}

/* Copies the next whitespace-delimited token of [*b, e) into tok; 0 when none is left. */
static int next_token(const char **b, const char *e, char *tok, size_t cap, int *too_long)
{
    const char *s = *b;
    while (s < e && isspace((unsigned char)*s))
        s++;
    if (s == e)
        return 0;
    const char *t = s;
    while (t < e && !isspace((unsigned char)*t))
        t++;
    *too_long = (size_t)(t - s) >= cap;
    size_t n = *too_long ? cap - 1 : (size_t)(t - s);
    memcpy(tok, s, n);
    tok[n] = 0;
    *b = t;
    return 1;
}

static int parse_int(const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < INT_MIN || v > INT_MAX)
        return 0;
    *out = (int)v;
    return 1;
}

static int parse_number(const char *s, sr__pval *v)
{
    char *end;
    v->is_flt = strpbrk(s, ".eE") != NULL;
    if (v->is_flt) {
        errno = 0;
        double d = strtod(s, &end);
        if (end == s || *end || !isfinite(d) || fabs(d) > 3.4e38)
            return 0;
        v->f = (float)d;
        /* ncnn reads a float where it wants an int by truncation; saturate instead of UB */
        v->i = d >= INT_MAX ? INT_MAX : d <= INT_MIN ? INT_MIN : (int)d;
        return 1;
    }
    if (!parse_int(s, &v->i))
        return 0;
    v->f = (float)v->i;
    return 1;
}

/* "k=v" or "-233kk=n,v1,...,vn". */
static sr_status parse_kv(const char *tok, sr__player *l, int line, sr_error *err)
{
    const char *eq = strchr(tok, '=');
    char key[32];
    if (!eq || (size_t)(eq - tok) >= sizeof key)
        return sr__err(err, SR_E_FORMAT, "line %d: layer %s: malformed parameter '%s'", line,
                       l->name, tok);
    memcpy(key, tok, (size_t)(eq - tok));
    key[eq - tok] = 0;
    int id;
    if (!parse_int(key, &id))
        return sr__err(err, SR_E_FORMAT, "line %d: layer %s: malformed parameter '%s'", line,
                       l->name, tok);
    int is_arr = id <= -23300;
    if (is_arr)
        id = -id - 23300;
    if (id < 0 || id >= SR_MAX_KEYS)
        return sr__err(err, SR_E_FORMAT, "line %d: layer %s: parameter id %s out of range", line,
                       l->name, key);
    sr__pval *v = &l->p[id];
    if (v->set)
        return sr__err(err, SR_E_FORMAT, "line %d: layer %s: parameter %d given twice", line,
                       l->name, id);
    v->set = 1;
    v->is_arr = is_arr;
    const char *val = eq + 1;
    if (!is_arr) {
        if (!parse_number(val, v))
            return sr__err(err, SR_E_FORMAT, "line %d: layer %s: bad value in '%s'", line,
                           l->name, tok);
        return SR_OK;
    }
    /* Array: count first, then exactly that many comma-separated values. */
    char buf[64];
    const char *s = val;
    const char *comma = strchr(s, ',');
    size_t n0 = comma ? (size_t)(comma - s) : strlen(s);
    if (n0 == 0 || n0 >= sizeof buf)
        return sr__err(err, SR_E_FORMAT, "line %d: layer %s: bad array '%s'", line, l->name, tok);
    memcpy(buf, s, n0);
    buf[n0] = 0;
    int n;
    if (!parse_int(buf, &n) || n < 0 || n > SR_MAX_ARRAY)
        return sr__err(err, SR_E_FORMAT, "line %d: layer %s: bad array length in '%s'", line,
                       l->name, tok);
    v->n = n;
    v->arr = calloc((size_t)n + 1, sizeof(float));
    if (!v->arr)
        return sr__err(err, SR_E_NOMEM, "line %d: out of memory", line);
    s = comma;
    for (int i = 0; i < n; i++) {
        if (!s || *s != ',')
            return sr__err(err, SR_E_FORMAT, "line %d: layer %s: array '%s' shorter than %d",
                           line, l->name, key, n);
        s++;
        const char *e = strchr(s, ',');
        size_t k = e ? (size_t)(e - s) : strlen(s);
        sr__pval item = {0};
        if (k == 0 || k >= sizeof buf)
            return sr__err(err, SR_E_FORMAT, "line %d: layer %s: bad array item", line, l->name);
        memcpy(buf, s, k);
        buf[k] = 0;
        if (!parse_number(buf, &item))
            return sr__err(err, SR_E_FORMAT, "line %d: layer %s: bad array item '%s'", line,
                           l->name, buf);
        v->arr[i] = item.f;
        s = e;
    }
    if (s)
        return sr__err(err, SR_E_FORMAT, "line %d: layer %s: array '%s' longer than %d", line,
                       l->name, key, n);
    return SR_OK;
}

static int find_blob(const sr__param *p, const char *name)
{
    for (int i = 0; i < p->nblobs; i++)
        if (strcmp(p->blobs[i], name) == 0)
            return i;
    return -1;
}

static sr_status parse_layer(const char *b, const char *e, int line, sr__param *p, int max_blobs,
                             sr_error *err)
{
    sr__player *l = &p->layers[p->nlayers];
    char tok[SR_MAX_ARRAY > 4096 ? 4096 : SR_MAX_ARRAY];
    int long_tok;
    l->line = line;
    if (!next_token(&b, e, l->type, sizeof l->type, &long_tok) || long_tok ||
        !next_token(&b, e, l->name, sizeof l->name, &long_tok) || long_tok)
        return sr__err(err, SR_E_FORMAT, "line %d: expected layer type and name", line);
    int counts[2];
    for (int k = 0; k < 2; k++)
        if (!next_token(&b, e, tok, sizeof tok, &long_tok) || !parse_int(tok, &counts[k]) ||
            counts[k] < 0 || counts[k] > SR_MAX_IO)
            return sr__err(err, SR_E_FORMAT, "line %d: layer %s: bad %s count (at most %d)", line,
                           l->name, k ? "output" : "input", SR_MAX_IO);
    l->n_in = counts[0];
    l->n_out = counts[1];
    for (int k = 0; k < l->n_in + l->n_out; k++) {
        if (!next_token(&b, e, tok, SR_NAME_LEN, &long_tok) || long_tok)
            return sr__err(err, SR_E_FORMAT, "line %d: layer %s: missing or overlong blob name",
                           line, l->name);
        int id = find_blob(p, tok);
        if (k < l->n_in) {
            if (id < 0)
                return sr__err(err, SR_E_FORMAT,
                               "line %d: layer %s: input blob '%s' is not produced by an earlier "
                               "layer",
                               line, l->name, tok);
            l->in[k] = id;
        } else {
            if (id >= 0)
                return sr__err(err, SR_E_FORMAT, "line %d: layer %s: blob '%s' produced twice",
                               line, l->name, tok);
            if (p->nblobs >= max_blobs)
                return sr__err(err, SR_E_FORMAT, "line %d: more blobs than the %d declared", line,
                               max_blobs);
            strcpy(p->blobs[p->nblobs], tok);
            l->out[k - l->n_in] = p->nblobs++;
        }
    }
    while (next_token(&b, e, tok, sizeof tok, &long_tok)) {
        if (long_tok)
            return sr__err(err, SR_E_FORMAT, "line %d: layer %s: parameter too long", line,
                           l->name);
        sr_status s = parse_kv(tok, l, line, err);
        if (s)
            return s;
    }
    p->nlayers++;
    return SR_OK;
}

sr_status sr__param_parse(const char *text, size_t len, sr__param *out, sr_error *err)
{
    memset(out, 0, sizeof *out);
    cursor c = {text, text + len, 0};
    const char *b, *e;
    char tok[64];
    int long_tok;
    if (memchr(text, 0, len))
        return sr__err(err, SR_E_FORMAT, "param: contains a NUL byte (not a text .param file?)");
    if (!next_line(&c, &b, &e) || !next_token(&b, e, tok, sizeof tok, &long_tok) ||
        strcmp(tok, "7767517") != 0 || !is_blank(b, e))
        return sr__err(err, SR_E_FORMAT, "line 1: bad magic (expected 7767517)");
    int nl, nb;
    if (!next_line(&c, &b, &e) || !next_token(&b, e, tok, sizeof tok, &long_tok) ||
        !parse_int(tok, &nl) || !next_token(&b, e, tok, sizeof tok, &long_tok) ||
        !parse_int(tok, &nb) || !is_blank(b, e))
        return sr__err(err, SR_E_FORMAT, "line 2: expected 'layer_count blob_count'");
    if (nl <= 0 || nl > SR_MAX_LAYERS || nb <= 0 || nb > SR_MAX_LAYERS * SR_MAX_IO)
        return sr__err(err, SR_E_FORMAT, "line 2: implausible counts %d layers, %d blobs", nl, nb);
    /* Every layer must sit on its own line, so the count bounds the allocation honestly. */
    size_t lines = 0;
    for (const char *s = c.p; s < c.end; s++)
        lines += *s == '\n';
    if (lines + 1 < (size_t)nl)
        return sr__err(err, SR_E_FORMAT, "param: declares %d layers but has %zu lines", nl,
                       lines + 1);
    out->layers = calloc((size_t)nl, sizeof *out->layers);
    out->blobs = calloc((size_t)nb, sizeof *out->blobs);
    out->cap = out->layers ? nl : 0;
    if (!out->layers || !out->blobs) {
        sr__param_free(out);
        return sr__err(err, SR_E_NOMEM, "param: out of memory for %d layers", nl);
    }
    while (next_line(&c, &b, &e)) {
        if (is_blank(b, e))
            continue;
        if (out->nlayers == nl) {
            sr__param_free(out);
            return sr__err(err, SR_E_FORMAT, "line %d: more layers than the %d declared", c.line,
                           nl);
        }
        sr_status s = parse_layer(b, e, c.line, out, nb, err);
        if (s) {
            sr__param_free(out);
            return s;
        }
    }
    if (out->nlayers != nl || out->nblobs != nb) {
        sr_status s = sr__err(err, SR_E_FORMAT,
                              "param: declares %d layers and %d blobs but defines %d and %d", nl,
                              nb, out->nlayers, out->nblobs);
        sr__param_free(out);
        return s;
    }
    return SR_OK;
}

void sr__param_free(sr__param *p)
{
    if (!p)
        return;
    for (int i = 0; p->layers && i < p->cap; i++)
        for (int k = 0; k < SR_MAX_KEYS; k++)
            free(p->layers[i].p[k].arr);
    free(p->layers);
    free(p->blobs);
    memset(p, 0, sizeof *p);
}

int sr__pget_int(const sr__player *l, int key, int def)
{
    return l->p[key].set && !l->p[key].is_arr ? l->p[key].i : def;
}

float sr__pget_float(const sr__player *l, int key, float def)
{
    return l->p[key].set && !l->p[key].is_arr ? l->p[key].f : def;
}
