/* progress.c - the batch's stderr output: one line per failure, an optional line per file, and
 * a progress line with a bar, redrawn a few times a second when stderr is a terminal. The bar
 * moves with tiles, so one large image shows its progress too. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void cli_progress_init(cli_progress *p, int quiet, int verbose)
{
    p->quiet = quiet;
    p->verbose = verbose && !quiet;
    p->show_progress = !quiet && isatty(STDERR_FILENO);
    p->t0 = cli_now();
    p->last_ms = -250; /* the first tile or file draws at once: the bar shows from the start */
    p->failed = 0;
}

/* Whether this call may draw: at most every 250 ms (and always the final state); one thread
 * wins the right to draw, the others skip rather than wait. */
static int may_draw(cli_progress *p, int final)
{
    long long now = (long long)((cli_now() - p->t0) * 1000), last;
    __atomic_load(&p->last_ms, &last, __ATOMIC_RELAXED);
    return final || (now - last >= 250 && __atomic_compare_exchange_n(&p->last_ms, &last, now, 0,
                                                                       __ATOMIC_RELAXED,
                                                                       __ATOMIC_RELAXED));
}

/* "\r[#########...........]  41% " then the caller's text, on one line. */
static void draw_bar(double frac, const char *text)
{
    char bar[32];
    int w = 24, n = (int)(frac * w + 0.5);
    n = n < 0 ? 0 : n > w ? w : n;
    for (int i = 0; i < w; i++)
        bar[i] = i < n ? '#' : '.';
    bar[w] = 0;
    fprintf(stderr, "\r\033[K[%s] %3.0f%% %s", bar, frac * 100, text);
}

void cli_progress_on_file(void *ctx, const sr_file_result *r, int done, int failed, int total)
{
    cli_progress *p = ctx;
    (void)done, (void)total;
    __atomic_store_n(&p->failed, failed, __ATOMIC_RELAXED);
    /* Each line is one fprintf: stdio writes it whole even with several threads. */
    if (r->status == SR_FILE_FAILED)
        fprintf(stderr, "%ssrgan: %s: %s\n", p->show_progress ? "\r\033[K" : "", r->input,
                r->error);
    else if (p->verbose)
        fprintf(stderr, "%ssrgan: %s -> %s (%dx%d, %.2f s)\n", p->show_progress ? "\r\033[K" : "",
                r->input, r->output, r->out_w, r->out_h, r->seconds);
}

void cli_progress_on_work(void *ctx, double done, int total)
{
    cli_progress *p = ctx;
    if (!p->show_progress || !may_draw(p, done >= total))
        return;
    double el = cli_now() - p->t0, rate = el > 0 ? done / el : 0;
    double eta = rate > 0 ? (total - done) / rate : 0;
    char text[160];
    snprintf(text, sizeof text, "%.1f/%d images, %d failed, %.2f images/s, ETA %.0f s", done,
             total, __atomic_load_n(&p->failed, __ATOMIC_RELAXED), rate, eta);
    draw_bar(total > 0 ? done / total : 1, text);
}

void cli_progress_on_tile(void *ctx, int done, int total)
{
    cli_progress *p = ctx;
    if (!p->show_progress || !may_draw(p, done == total))
        return;
    double el = cli_now() - p->t0, eta = done > 0 ? el * (total - done) / done : 0;
    char text[96];
    snprintf(text, sizeof text, "%d/%d tiles, ETA %.0f s", done, total, eta);
    draw_bar((double)done / total, text);
}

void cli_progress_clear(cli_progress *p)
{
    if (p->show_progress)
        fprintf(stderr, "\r\033[K");
}
