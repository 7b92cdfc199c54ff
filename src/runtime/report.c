/* report.c - the batch's JSON report (--report), written atomically like every output. */
#include "runtime.h"

#include <string.h>
#include <sys/resource.h>

typedef struct {
    char *s;
    size_t len, cap;
    int failed;
} sbuf;

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(sbuf *b, const char *fmt, ...)
{
    for (int tries = 0; tries < 2 && !b->failed; tries++) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = 1;
        } else if (b->s && (size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        } else {
            size_t cap = (b->cap + (size_t)n + 1) * 2;
            char *p = realloc(b->s, cap);
            if (!p)
                b->failed = 1;
            else
                b->s = p, b->cap = cap;
        }
    }
}

static void put_str(sbuf *b, const char *s)
{
    if (!s) {
        put(b, "null");
        return;
    }
    put(b, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            put(b, "\\%c", c);
        else if (c < 0x20)
            put(b, "\\u%04x", c);
        else
            put(b, "%c", c);
    }
    put(b, "\"");
}

static const char *status_name(sr_file_status s)
{
    static const char *const names[] = {"ok", "failed", "skipped", "pending"};
    return names[s];
}

sr_status sr_batch_write_report(const char *path, const sr_batch_result *r, const sr_model *m,
                                sr_error *err)
{
    sbuf b = {0};
    double sec = r->seconds > 0 ? r->seconds : 1e-9;
    put(&b, "{\n  \"model\": ");
    put_str(&b, sr_model_name(m));
    put(&b, ",\n  \"scale\": %d,\n  \"num_threads\": %d,\n", sr_model_scale(m), r->threads);
    put(&b, "  \"total\": %d,\n  \"ok\": %d,\n  \"failed\": %d,\n  \"skipped\": %d,\n", r->nfiles,
        r->ok, r->failed, r->skipped);
    put(&b, "  \"pending\": %d,\n  \"interrupted\": %s,\n", r->pending,
        r->stopped ? "true" : "false");
    put(&b, "  \"processing_time_seconds\": %.6f,\n  \"images_per_second\": %.6f,\n", r->seconds,
        (r->ok + r->failed) / sec);
    struct rusage ru;
    long rss_kb = getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0;
    put(&b, "  \"megapixels_per_second\": %.6f,\n  \"peak_rss_mb\": %.1f,\n  \"files\": [",
        r->in_megapixels / sec, rss_kb / 1024.0);
    for (int i = 0; i < r->nfiles; i++) {
        const sr_file_result *f = &r->files[i];
        put(&b, "%s\n    {\"input\": ", i ? "," : "");
        put_str(&b, f->input);
        put(&b, ", \"output\": ");
        put_str(&b, f->output);
        put(&b, ", \"status\": \"%s\", \"error\": ", status_name(f->status));
        put_str(&b, f->status == SR_FILE_FAILED ? f->error : NULL);
        put(&b, ", \"seconds\": %.6f, \"input_width\": %d, \"input_height\": %d, "
                "\"output_width\": %d, \"output_height\": %d, \"jpeg_quality\": %d, "
                "\"denoise\": %.2f}",
            f->seconds, f->in_w, f->in_h, f->out_w, f->out_h, f->jpeg_quality, f->denoise);
    }
    put(&b, "\n  ]\n}\n");
    sr_status s = b.failed ? sr__err_at(err, SR_E_NOMEM, path, "out of memory")
                           : sr__write_atomic(path, b.s, b.len, err);
    free(b.s);
    return s;
}
