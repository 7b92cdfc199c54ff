/* progress.c - the batch's stderr output: one line per failure, an optional line per file, and
 * a progress line redrawn a few times a second when stderr is a terminal. */
#include "cli.h"
#include "internal.h"

#include <stdio.h>
#include <unistd.h>

void cli_progress_init(cli_progress *p, int quiet, int verbose)
{
    p->quiet = quiet;
    p->verbose = verbose && !quiet;
    p->show_progress = !quiet && isatty(STDERR_FILENO);
    p->t0 = sr__now();
    p->last_ms = 0;
}

void cli_progress_on_file(void *ctx, const sr_file_result *r, int done, int failed, int total)
{
    cli_progress *p = ctx;
    /* Each line is one fprintf: stdio writes it whole even with several threads. */
    if (r->status == SR_FILE_FAILED)
        fprintf(stderr, "%ssrgan: %s: %s\n", p->show_progress ? "\r\033[K" : "", r->input,
                r->error);
    else if (p->verbose)
        fprintf(stderr, "%ssrgan: %s -> %s (%dx%d, %.2f s)\n", p->show_progress ? "\r\033[K" : "",
                r->input, r->output, r->out_w, r->out_h, r->seconds);
    if (!p->show_progress)
        return;
    double el = sr__now() - p->t0;
    long long now = (long long)(el * 1000), last;
    __atomic_load(&p->last_ms, &last, __ATOMIC_RELAXED);
    /* One thread wins the right to draw; the others skip rather than wait. */
    if (done < total && (now - last < 250 ||
                         !__atomic_compare_exchange_n(&p->last_ms, &last, now, 0, __ATOMIC_RELAXED,
                                                      __ATOMIC_RELAXED)))
        return;
    double rate = el > 0 ? done / el : 0;
    double eta = rate > 0 ? (total - done) / rate : 0;
    fprintf(stderr, "\r\033[K%d/%d done, %d failed, %.2f images/s, ETA %.0f s", done, total,
            failed, rate, eta);
}

void cli_progress_clear(cli_progress *p)
{
    if (p->show_progress)
        fprintf(stderr, "\r\033[K");
}
