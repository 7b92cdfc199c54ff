/* cli_args.c - the one option parser of every command: each command describes its options in a
 * table (name, value, where it goes, help line), and this file parses argv against it and
 * prints --help from the same table, so the help can never list an option the parser lacks.
 * Messages are the same for every command:
 *   srgan CMD: unknown option '--x' (see --help)
 *   srgan CMD: bad or missing value for --x
 *   usage: srgan CMD ARGS (see --help)            (wrong number of positional arguments) */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_v_int(const cli_opt *o, const char *v, void *dst)
{
    return cli_int(v, (int)o->lo, (int)o->hi, dst);
}

int cli_v_double(const cli_opt *o, const char *v, void *dst)
{
    char *end;
    double x = v ? strtod(v, &end) : 0;
    if (!v || end == v || *end || !(x > o->lo && x < o->hi))
        return 0;
    *(double *)dst = x;
    return 1;
}

int cli_v_u64(const cli_opt *o, const char *v, void *dst)
{
    (void)o;
    char *end;
    errno = 0;
    unsigned long long x = v && *v != '-' ? strtoull(v, &end, 10) : 0;
    if (!v || *v == '-' || errno || end == v || *end)
        return 0;
    *(uint64_t *)dst = x;
    return 1;
}

int cli_v_str(const cli_opt *o, const char *v, void *dst)
{
    (void)o;
    *(const char **)dst = v;
    return v != NULL;
}

int cli_v_choice(const cli_opt *o, const char *v, void *dst)
{
    /* o->choices: "a|b|c"; the value's index */
    size_t n = v ? strlen(v) : 0;
    int i = 0;
    for (const char *c = o->choices; v && c; i++) {
        const char *bar = strchr(c, '|');
        size_t len = bar ? (size_t)(bar - c) : strlen(c);
        if (len == n && !strncmp(c, v, n)) {
            *(int *)dst = i;
            return 1;
        }
        c = bar ? bar + 1 : NULL;
    }
    return 0;
}

int cli_v_denoise(const cli_opt *o, const char *v, void *dst)
{
    (void)o;
    return cli_denoise(v, dst);
}

static const cli_opt *find(const cli_cmd *c, const char *a)
{
    for (const cli_opt *o = c->opts; o->name; o++)
        if (!strcmp(a, o->name) || (o->alias && !strcmp(a, o->alias)))
            return o;
    return NULL;
}

void cli_help(const cli_cmd *c, FILE *f)
{
    fprintf(f, "usage: srgan %s%s%s\n", c->name, *c->args ? " " : "", c->args);
    if (c->about)
        fprintf(f, "%s\n", c->about);
    if (c->opts->name)
        fprintf(f, "\noptions:\n");
    for (const cli_opt *o = c->opts; o->name; o++) {
        char left[64];
        snprintf(left, sizeof left, "%s%s%s%s%s", o->alias ? o->alias : "", o->alias ? ", " : "",
                 o->name, o->value ? " " : "", o->value ? o->value : "");
        /* help lines continue after a newline, indented under the first */
        fprintf(f, "  %-21s", left);
        if (strlen(left) > 20) /* at least one space before the help */
            fprintf(f, "\n  %-21s", "");
        for (const char *h = o->help; *h; h++) {
            fputc(*h, f);
            if (*h == '\n')
                fprintf(f, "  %-21s", "");
        }
        fputc('\n', f);
    }
    if (c->epilogue)
        fprintf(f, "\n%s", c->epilogue);
}

int cli_parse(const cli_cmd *c, int argc, char **argv, void *dst)
{
    int only_pos = 0, npos = 0;
    const char **pos = (const char **)((char *)dst + c->pos_off); /* used when max_pos > 0 */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_pos || a[0] != '-' || !a[1]) {
            if (npos == c->max_pos) {
                fprintf(stderr, "srgan %s: unexpected argument '%s'\n", c->name, a);
                return SR_EXIT_USAGE;
            }
            pos[npos++] = a;
            continue;
        }
        if (!strcmp(a, "--")) {
            only_pos = 1;
            continue;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            cli_help(c, stdout);
            return SR_EXIT_OK;
        }
        const cli_opt *o = find(c, a);
        if (!o) {
            fprintf(stderr, "srgan %s: unknown option '%s' (see --help)\n", c->name, a);
            return SR_EXIT_USAGE;
        }
        void *field = (char *)dst + o->off;
        if (!o->value) { /* a flag */
            *(int *)field = 1;
            continue;
        }
        const char *v = i + 1 < argc ? argv[++i] : NULL;
        if (!o->parse(o, v, field)) {
            fprintf(stderr, "srgan %s: bad or missing value for %s\n", c->name, a);
            return SR_EXIT_USAGE;
        }
    }
    if (npos < c->min_pos) {
        fprintf(stderr, "usage: srgan %s %s (see --help)\n", c->name, c->args);
        return SR_EXIT_USAGE;
    }
    if (c->max_pos)
        *(int *)((char *)dst + c->npos_off) = npos;
    return -1;
}
