/* cli_util.c - small helpers every command shares: numbers from arguments, a clock. Library
 * internals stay behind include/srgan.h; the command line has its own. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int cli_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || errno || end == s || *end || v < lo || v > hi)
        return 0;
    *out = (int)v;
    return 1;
}

int cli_denoise(const char *s, float *out)
{
    char *end;
    if (s && !strcmp(s, "auto")) {
        *out = SR_DENOISE_AUTO;
        return 1;
    }
    double v = s ? strtod(s, &end) : -1;
    if (!s || end == s || *end || !(v >= 0 && v <= 1))
        return 0;
    *out = (float)v;
    return 1;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}
